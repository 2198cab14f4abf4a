"""How often a coder puts a second code on a sentence: whether the screen waits after an accept.

After the coder takes a suggestion, the coding screen stays on the sentence
while another *likely* suggestion is open there, and moves on otherwise. But
"likely" was judged before the coder said which code the sentence carries.
Most coders put one factor on a sentence and, say, a context next to it; a
second factor is rare. So once a code is taken, another suggestion counts as
likely only if it still is *given* the code taken:

    P(B | A taken) ~ P(B) * lift(group of A, group of B)

where a code's *group* is its codebook root (all the stimulerende factoren,
all the contexts...), and the lift says how much more (or less) often this
coder's sentences with a code of A's group also carry another family of B's
group than sentences carry B's group at all. It is counted from the coder's
own codings (each coded span is one sentence or passage) and starts at 1 (no
change from "likely") with ``PRIOR_SPANS`` pseudo-observations, so that a
handful of codings does not swing it.

Staying on a sentence for a second code costs one key (moving on) if the
code is wrong; moving on costs one key (back) if it is right, its digit being
pressed either way. So with calibrated scores the screen waits only for a
code more likely right than wrong given the code taken (``HOLD`` = 0.5).
Before the fifth round it waited for any code still above the likely
threshold (0.1-0.35); measured with the real engine on the development set,
keys per coded sentence 2.93 -> 2.43 zero-shot, 1.69 -> 1.64 online, 1.62 ->
1.56 trained + online (never waiting: 2.37 / 1.57 / 1.50, which the
argument above does not support: a second code the engine is sure of should
hold the screen).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.store.rows import CodedSpan, Coding

#: How many coded spans of evidence the neutral lift (1) is worth.
PRIOR_SPANS = 10.0
#: A second code holds the screen after an accept only from this conditional probability on (break-even).
HOLD = 0.5


class CodeCombinations:
    """Counts of which code groups a coder combines on one span; ``lift`` answers from them."""

    def __init__(self, codebook: "Codebook", codings: Iterable["Coding | CodedSpan"] = ()) -> None:
        self.codebook = codebook
        self._group: dict[str, tuple[str, str] | None] = {}
        self.spans = 0
        self.with_group: dict[str, int] = defaultdict(int)  # spans carrying a family of the group
        self.together: dict[tuple[str, str], int] = defaultdict(int)  # ... and another family of the second
        by_span: dict[tuple[int, int, int], set[str]] = defaultdict(set)
        for c in codings:
            by_span[(c.transcript_id, c.start, c.end)].add(c.code_id)
        # many spans carry the same set of codes: each set is counted once, with its number of spans
        for codes, spans in Counter(frozenset(codes) for codes in by_span.values()).items():
            self.add(codes, spans)

    def family(self, code_id: str) -> tuple[str, str] | None:
        """(group, family) of a code: its codebook root and its family head; None for unknown codes."""
        if code_id not in self._group:
            if code_id not in self.codebook:
                self._group[code_id] = None
            else:
                ancestors = self.codebook.ancestors(code_id)
                root = ancestors[-1].id if ancestors else code_id
                self._group[code_id] = (root, self.codebook.family_head(code_id))
        return self._group[code_id]

    def add(self, codes: Iterable[str], spans: int = 1) -> None:
        """Count ``spans`` coded spans with these codes (one by default)."""
        families = {f for f in (self.family(c) for c in codes) if f is not None}
        if not families:
            return
        self.spans += spans
        groups = {g for g, _ in families}
        for g in groups:
            self.with_group[g] += spans
        for ga in groups:
            for gb in groups:
                # a family of gb next to one of ga: two families of one group, or one of each of two groups
                if ga != gb or sum(1 for g, _ in families if g == ga) > 1:
                    self.together[(ga, gb)] += spans

    def lift(self, taken: str, other: str) -> float:
        """How much likelier ``other`` is on a span once ``taken`` is on it (1 = no evidence either way)."""
        a, b = self.family(taken), self.family(other)
        if a is None or b is None or not self.spans:
            return 1.0
        base = self.with_group[b[0]] / self.spans  # how often a span carries b's group at all
        if base <= 0.0:
            return 1.0
        rate = (self.together[(a[0], b[0])] + PRIOR_SPANS * base) / (self.with_group[a[0]] + PRIOR_SPANS)
        return rate / base

    def still_likely(self, taken: Iterable[str], code_id: str, score: float, likely: float) -> bool:
        """Whether a suggestion shown as likely, of ``score``, still holds the screen once the ``taken``
        codes are on the span: with nothing taken it does (it was shown as likely: a stored suggestion,
        or another suggester's, may have passed a lower threshold than ``likely``); with a code taken,
        if its probability given that code is at least ``likely`` and ``HOLD``."""
        taken = list(taken)
        if not taken:
            return True
        return score * min(self.lift(t, code_id) for t in taken) >= max(likely, HOLD)
