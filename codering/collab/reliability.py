"""Reliability statistics on plain lists: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Pure functions, no project or store: ``data`` is a list of units, each a
sequence of the coders' values, or a mapping of such values to how many units
have them (any hashable; ``None`` is a missing value
for alpha). Undefined results (no variation at all) are ``math.nan``.
:mod:`codering.collab.agreement` builds the data from a project's codings.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Mapping, Sequence, Union

__all__ = ["cohen_kappa", "cohen_kappa_of", "krippendorff_alpha", "patterns", "percent_agreement"]


Data = Union[Sequence[Sequence[Hashable]], Mapping[tuple, int]]


def patterns(data: Data) -> list[tuple[tuple, int]]:
    """``data`` as (the coders' values, how many units have them): a mapping is taken as it is, a list of
    units is counted. Two coders deciding yes/no give four patterns however many units there are, so the
    statistics below cost the number of patterns, not of units (40,000 units: 75 s before)."""
    if isinstance(data, Mapping):
        return [(tuple(values), int(n)) for values, n in data.items() if n]
    return list(Counter(tuple(values) for values in data).items())


def percent_agreement(data: Data) -> float:
    """Share of agreeing coder pairs over all units (units x coders, complete data)."""
    agree = pairs = 0
    for values, weight in patterns(data):
        m = len(values)
        pairs += weight * (m * (m - 1) // 2)
        agree += weight * sum(n * (n - 1) // 2 for n in Counter(values).values())
    return agree / pairs if pairs else math.nan


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa for two coders' nominal values of the same units."""
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    return cohen_kappa_of(Counter(zip(a, b)))


def cohen_kappa_of(pairs: Mapping[tuple, int]) -> float:
    """Cohen's kappa from (first coder's value, second coder's value) -> number of units."""
    n = sum(pairs.values())
    if not n:
        return math.nan
    observed = sum(w for (x, y), w in pairs.items() if x == y) / n
    ca: Counter = Counter()
    cb: Counter = Counter()
    for (x, y), w in pairs.items():
        ca[x] += w
        cb[y] += w
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else math.nan


def krippendorff_alpha(data: Data) -> float:
    """Krippendorff's alpha, nominal, for units x coders (None = no value); units with one value don't count.

    alpha = 1 - D_o / D_e from the coincidence matrix: each unit with m values adds
    1/(m-1) for every ordered pair of its values.
    """
    coincidence: Counter = Counter()
    for values, weight in patterns(data):
        present = [v for v in values if v is not None]
        m = len(present)
        if m < 2:
            continue
        counts = Counter(present)
        for c, nc in counts.items():
            for k, nk in counts.items():
                coincidence[c, k] += weight * (nc * (nc - 1) if c == k else nc * nk) / (m - 1)
    n = sum(coincidence.values())
    totals: Counter = Counter()
    for (c, _), v in coincidence.items():
        totals[c] += v
    if n <= 1:
        return math.nan
    observed = sum(v for (c, k), v in coincidence.items() if c != k) / n
    expected = (n * n - sum(t * t for t in totals.values())) / (n * (n - 1))
    return 1 - observed / expected if expected > 0 else math.nan
