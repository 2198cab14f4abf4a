"""Suggestion-quality metrics over evaluation units (segments with gold and suggested codes).

Definitions (also in the README):

* A *unit* is one respondent segment (a sentence of a non-interviewer turn)
  of a gold transcript. Its *gold codes* are the codes of every gold span that
  covers it: the span covers at least half of the segment, or the segment
  covers at least half of the span.
* Codes are compared *at the level of the gold ids*: a suggested factor
  (``stim.praktisch.nabijheid``) counts as the nearest of itself and its
  ancestors that the gold data uses (``stim.praktisch``). Suggestions that map
  to no gold-level id in scope (``niveau.*``, which the gold files do not
  annotate) are ignored, as are gold codes outside ``--codes``.
* *Predicted* codes of a unit: the first three distinct in-scope codes the
  engine suggests (after its abstention threshold). Precision, recall, F1 and
  Cohen's kappa (per code, over all units: gold present vs predicted) use
  them; micro averages pool all (unit, code) pairs, macro averages are means
  over codes that occur in the gold data.
* *Top-3 recall*: the share of (unit, gold code) pairs whose code is among the
  first three suggestions of its unit, as shown (so abstaining costs recall);
  ``top3_recall_ranked`` is the same for the engine's ranking without any
  threshold. *Abstention* (``abstain_rate``): the share of units without any
  gold code that got no suggestion at all; ``abstain_rate_coded`` is the same
  for units with a gold code (each of those costs recall).
* *Passages* (``passages``, for interview transcripts, whose units know their
  turn): a (unit, gold code) pair *continues* a passage when the unit before
  it in the same turn carries that gold code too, and *starts* one otherwise
  (first sentence of a turn, or after a sentence without that code). For each
  kind: the pairs and how many the engine predicted. ``carried_past_end``
  counts predictions of a code the unit before (same turn) carries in the
  gold but this unit does not (a passage taken one sentence too far); the
  other wrong predictions are ``other_wrong``. This says where agreement is
  lost: a suggester that follows the coder's passages but cannot tell where
  a new one starts predicts most continuing pairs and few starting ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Unit:
    transcript: str
    start: int
    end: int
    text: str
    gold: frozenset[str]  # in-scope gold-level codes
    gold_all: frozenset[str]  # every gold code (for the simulated coder)
    shown: list[str] = field(default_factory=list)  # in-scope gold-level codes suggested, best first, <= 3
    ranked: list[str] = field(default_factory=list)  # in-scope gold-level codes by rank, no threshold, <= 3
    suggested: int = 0  # how many suggestions of any code the engine showed
    predicted: list[str] | None = None  # in-scope gold-level codes suggested as likely (None: all shown)
    turn: int | None = None  # the unit's turn in its transcript (None: not known, no passages)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def kappa(tp: int, fp: int, fn: int, tn: int) -> float:
    """Cohen's kappa of two binary raters (gold, engine) from their 2x2 table.

    scikit-learn's ``cohen_kappa_score`` computes the same from the label
    vectors (``score_units`` uses it); this form serves totals that are only
    known as counts. Two raters who never say yes agree perfectly (1.0), where
    scikit-learn returns NaN.
    """
    n = tp + fp + fn + tn
    if n == 0:
        return 0.0
    observed = (tp + tn) / n
    expected = ((tp + fp) * (tp + fn) + (fn + tn) * (fp + tn)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def _binary_scores(gold: list[bool], predicted: list[bool]) -> tuple[float, float, float, float]:
    """(precision, recall, F1, kappa) of one code with scikit-learn; degenerate tables as ``kappa`` has them."""
    import warnings

    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero division is answered with 0.0 below
        p, r, f, _ = precision_recall_fscore_support(gold, predicted, average="binary", pos_label=True,
                                                     zero_division=0.0)
        k = cohen_kappa_score(gold, predicted) if len(set(gold) | set(predicted)) > 1 else float("nan")
    if k != k:  # NaN: one label only, both raters constant
        tp = sum(g and q for g, q in zip(gold, predicted))
        tn = sum((not g) and (not q) for g, q in zip(gold, predicted))
        k = kappa(tp, 0, 0, tn) if tp + tn == len(gold) else 0.0
    return float(p), float(r), float(f), float(k)


def _predicted(u: Unit) -> list[str]:
    return u.shown if u.predicted is None else u.predicted


def passages(units: list[Unit], scope: list[str]) -> dict | None:
    """Gold pairs that start and that continue a passage, and how many were predicted (see the module
    doc); None when the units do not know their turns (a collection of segments has no passages)."""
    if not units or any(u.turn is None for u in units):
        return None
    scope_set = set(scope)
    out = {"starting": 0, "starting_predicted": 0, "continuing": 0, "continuing_predicted": 0,
           "carried_past_end": 0, "other_wrong": 0}
    before: Unit | None = None
    for u in units:
        prev = before.gold if before is not None and before.transcript == u.transcript \
            and before.turn == u.turn else frozenset()
        predicted = set(_predicted(u)) & scope_set
        for code in u.gold & scope_set:
            kind = "continuing" if code in prev else "starting"
            out[kind] += 1
            out[kind + "_predicted"] += code in predicted
        for code in predicted - u.gold:
            out["carried_past_end" if code in prev else "other_wrong"] += 1
        before = u
    return out


def score_units(units: list[Unit], scope: list[str]) -> dict:
    """Overall and per-code metrics for ``units`` over the codes in ``scope``."""
    per_code: dict[str, dict] = {}
    tp_all = fp_all = fn_all = 0
    hits = ranked_hits = gold_pairs = 0
    for code in scope:
        gold = [code in u.gold for u in units]
        predicted = [code in _predicted(u) for u in units]
        tp = sum(g and p for g, p in zip(gold, predicted))
        fp = sum(p and not g for g, p in zip(gold, predicted))
        fn = sum(g and not p for g, p in zip(gold, predicted))
        top = sum(1 for u, g in zip(units, gold) if g and code in u.shown[:3])
        support = tp + fn
        precision, recall, f1, k = _binary_scores(gold, predicted) if units else (0.0, 0.0, 0.0, 0.0)
        per_code[code] = {
            "support": support, "predicted": tp + fp, "tp": tp, "fp": fp, "fn": fn,
            "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "top3_recall": round(top / support, 4) if support else None,
            "kappa": round(k, 4),
        }
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
    for u in units:
        gold_pairs += len(u.gold)
        hits += len(u.gold & set(u.shown[:3]))
        ranked_hits += len(u.gold & set(u.ranked[:3]))
    empty = [u for u in units if not u.gold_all]
    coded = [u for u in units if u.gold_all]
    present = [c for c in scope if per_code[c]["support"]]
    precision = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    recall = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    overall = {
        "units": len(units), "gold_pairs": gold_pairs, "codes_in_gold": len(present),
        "precision": round(precision, 4), "recall": round(recall, 4),
        "micro_f1": round(_f1(precision, recall), 4),
        "macro_f1": round(sum(per_code[c]["f1"] for c in present) / len(present), 4) if present else 0.0,
        "top3_recall": round(hits / gold_pairs, 4) if gold_pairs else 0.0,
        "top3_recall_ranked": round(ranked_hits / gold_pairs, 4) if gold_pairs else 0.0,
        "kappa_mean": round(sum(per_code[c]["kappa"] for c in present) / len(present), 4) if present else 0.0,
        "empty_units": len(empty),
        "abstain_rate": round(sum(1 for u in empty if not u.suggested) / len(empty), 4) if empty else None,
        "abstain_rate_coded": round(sum(1 for u in coded if not u.suggested) / len(coded), 4) if coded else None,
        "mean_suggestions": round(sum(len(u.shown) for u in units) / len(units), 3) if units else 0.0,
    }
    found = passages(units, scope)
    if found is not None:
        overall["passages"] = found
    return {"overall": overall, "per_code": per_code}
