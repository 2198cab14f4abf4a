"""Which code to show for a family, and why: the reason a researcher can defend.

A suggestion names either the coder's own nearest coded example
(``lijkt op: "..." (transcript)``) when what was learned carried it, or the
phrase of the codebook it matched best (``past bij: "..."``): a description
sentence, an inclusion note, an example phrase or the label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from codering.suggest.base import Suggestion

if TYPE_CHECKING:
    from codering.suggest.engine import EmbeddingSuggester, SpanScores

#: The learned vote above which the nearest example is given as the reason.
EXAMPLE_VOTE = 0.3
#: Choosing a family's factor, the coder's nearest example of a factor adds this times its similarity
#: beyond ``NEAR_EXAMPLE`` to the factor's zero-shot fit.
EXAMPLE_WEIGHT = 0.5
#: Similarity (centred context vectors, as the learner's neighbour search) an example must exceed to count
#: for its factor: about what examples of two different factors of one family reach. Measured on the
#: development segments labelled with factors (benchmarks/leaf_choice.py, 5-fold): the 90th percentile of
#: similarities between examples of different factors of a family is 0.19-0.21, the nearest example of the
#: right factor has median 0.19, so a nearest example of a factor at 0.1-0.2 says little about the factor.
#: Counting every similarity (no margin) let any factor with an example win over one without:
#: the factor shown was right for 0.739 of the segments against 0.802 with the margin (0.802 zero-shot).
NEAR_EXAMPLE = 0.2
QUOTE_CHARS = 90


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rsplit(" ", 1)[0] + "…"
    return f'"{text}"'


def leaf_fit(engine: "EmbeddingSuggester", scores: "SpanScores", row: int, h: int) -> tuple[list[str], np.ndarray]:
    """(the family's factors, how well each fits the segment): ``choose_code`` shows the best.

    The fit is the factor's zero-shot member score (the segment against the
    codebook's phrases of that factor) plus ``EXAMPLE_WEIGHT`` times how far
    the nearest example the coder coded with exactly that factor lies beyond
    ``NEAR_EXAMPLE``: only an example nearer than examples of different
    factors usually are to each other speaks for its factor, so a factor the
    coder has examples of does not win over one without by having them.
    """
    zs = engine.zeroshot
    children = zs.families[zs.heads[h]].members[1:]
    fit = np.array([scores.members[row, zs.code_index[c]] for c in children], dtype=float)
    learner = engine.learner
    if scores.sims is not None and learner is not None and learner.trained:
        for j, code in enumerate(children):
            rows = learner.data.member_pos.get(code)
            if rows:
                nearest = float(np.max(scores.sims[row, np.asarray(rows)]))
                fit[j] += EXAMPLE_WEIGHT * max(0.0, nearest - NEAR_EXAMPLE)
    return children, fit


def carried_codes(scores: "SpanScores", row: int, h: int) -> set[str]:
    """The codes of family ``h`` on the sentence before the row (same turn), as the coder put them."""
    previous = scores.previous
    if previous is None or previous.codes is None:
        return set()
    return previous.codes[row].get(h, set())


def choose_code(engine: "EmbeddingSuggester", scores: "SpanScores", row: int, h: int) -> str:
    """The family's head, or the factor under it that fits the segment best (``leaf_fit``).

    Where the sentence before carries the family, the passage goes on with
    the code the coder gave it: that factor (the best fitting if there are
    several), or the head if the coder coded the family at its head there.
    On the sample interviews' factor gold, online: top-3 0.596 -> 0.628,
    keys per coded sentence 2.26 -> 2.15 (``benchmarks/new_user.py``).
    """
    zs = engine.zeroshot
    head = zs.heads[h]
    if len(zs.families[head].members) == 1 or h in engine._head_level:
        return head
    carried = carried_codes(scores, row, h)
    children, fit = leaf_fit(engine, scores, row, h)
    among = [j for j, c in enumerate(children) if c in carried]
    if among:
        return children[max(among, key=lambda j: fit[j])]
    if head in carried:
        return head
    return children[int(np.argmax(fit))]


def describe(engine: "EmbeddingSuggester", scores: "SpanScores", row: int, h: int, prob: float) -> Suggestion:
    code_id = choose_code(engine, scores, row, h)
    if code_id in carried_codes(scores, row, h):
        # The running-on model gives this probability: the honest reason is the passage, not a likeness.
        ran = int(scores.previous.runs[row, h])
        reason = "de vorige zin heeft deze code" if ran == 1 else f"de vorige {ran} zinnen hebben deze code"
        return Suggestion(code_id, round(prob, 3), reason, "passage")
    learner = engine.learner
    if scores.knn is not None and learner is not None and learner.trained:
        vote = float(scores.knn[row, h])
        ridge = float(scores.ridge[row, h])
        if vote >= EXAMPLE_VOTE or ridge >= EXAMPLE_VOTE:
            codes = [code_id] if code_id in learner.data.member_pos else None
            j = learner.nearest_positive(scores.sims[row], h, codes)
            if j is None and codes:
                j = learner.nearest_positive(scores.sims[row], h)
            if j is not None:
                ex = learner.data.examples[j]
                source = "example" if vote >= EXAMPLE_VOTE else "learned"
                return Suggestion(code_id, round(prob, 3), f"lijkt op: {quote(ex.text)} ({ex.transcript})", source)
    zs = engine.zeroshot
    fam = zs.families[zs.heads[h]]
    codes = [code_id] if code_id != fam.head else fam.members
    phrase = zs.best_phrase(scores.vectors[row], codes)
    if phrase is None:
        label = engine._codebook.get(code_id).label if engine._codebook is not None else code_id
        return Suggestion(code_id, round(prob, 3), f"past bij de code {quote(label)}", "codebook")
    if phrase.kind == "label":
        return Suggestion(code_id, round(prob, 3), f"past bij de code {quote(phrase.text)}", "codebook")
    return Suggestion(code_id, round(prob, 3), f"past bij: {quote(phrase.text)}", "codebook")
