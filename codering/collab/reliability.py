"""Reliability statistics on plain lists: percent agreement, Cohen's kappa, Krippendorff's alpha (nominal).

Pure functions, no project or store: ``data`` is a list of units, each a
sequence of the coders' values (any hashable; ``None`` is a missing value
for alpha). Undefined results (no variation at all) are ``math.nan``.
:mod:`codering.collab.agreement` builds the data from a project's codings.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Sequence

__all__ = ["cohen_kappa", "krippendorff_alpha", "percent_agreement"]


def percent_agreement(data: Sequence[Sequence[Hashable]]) -> float:
    """Share of agreeing coder pairs over all units (units x coders, complete data)."""
    agree = pairs = 0
    for values in data:
        m = len(values)
        pairs += m * (m - 1) // 2
        agree += sum(n * (n - 1) // 2 for n in Counter(values).values())
    return agree / pairs if pairs else math.nan


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float:
    """Cohen's kappa for two coders' nominal values of the same units."""
    if len(a) != len(b):
        raise ValueError("both coders need a value for every unit")
    n = len(a)
    if not n:
        return math.nan
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    return (observed - expected) / (1 - expected) if expected < 1 else math.nan


def krippendorff_alpha(data: Sequence[Sequence[Hashable | None]]) -> float:
    """Krippendorff's alpha, nominal, for units x coders (None = no value); units with one value don't count.

    alpha = 1 - D_o / D_e from the coincidence matrix: each unit with m values adds
    1/(m-1) for every ordered pair of its values.
    """
    coincidence: Counter = Counter()
    for values in data:
        present = [v for v in values if v is not None]
        m = len(present)
        if m < 2:
            continue
        counts = Counter(present)
        for c, nc in counts.items():
            for k, nk in counts.items():
                coincidence[c, k] += (nc * (nc - 1) if c == k else nc * nk) / (m - 1)
    n = sum(coincidence.values())
    totals: Counter = Counter()
    for (c, _), v in coincidence.items():
        totals[c] += v
    if n <= 1:
        return math.nan
    observed = sum(v for (c, k), v in coincidence.items() if c != k) / n
    expected = (n * n - sum(t * t for t in totals.values())) / (n * (n - 1))
    return 1 - observed / expected if expected > 0 else math.nan
