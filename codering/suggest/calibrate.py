"""Calibration: turning scores into probabilities, and deciding to abstain.

Two small logistic models turn the engine's signals into probabilities:

* the *gate*, ``P(segment carries any code)``, from how much the segment (in
  its context) is about the codebook's subject at all, its number of content
  words, whether the previous sentence of the turn was coded, and (once there
  are examples) the learned "any code" outputs; the engine abstains ("no
  suggestion") when the gate says a code is less likely than not;
* the *code model*, ``P(family | the segment carries a code)``, from the
  family's zero-shot z-score, its distance to the segment's best family, the
  ridge output, the nearest-example vote and the family's base rate; where
  the sentence before (same turn) carries the family, a *running-on model*
  with the same features plus how long the family has run and the
  sentence's opening connective answers instead (fitted on those rows alone,
  drawn towards the code model): how long a coder's passages are is a habit
  of the coder, learned from their decisions.

A suggestion's score is their product, so 0.5 means "as likely right as
wrong". Both models are fitted to the coder's own reviewed segments
(Platt-style), as maximum a-posteriori logistic regressions whose prior is
the hand-set default: with no decisions they *are* the defaults, and the
coder's decisions pull them away as evidence accumulates. Fitting is a few
Newton steps over at most a few thousand rows: milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

# Default (prior) coefficients, chosen by hand: a family a segment matches
# unusually well (z ≈ 2.5, best of the segment) is about even odds; learned
# evidence (ridge output, neighbour vote, the previous sentence's code) counts
# from the first decision on; segments with hardly any content words, or that
# are not about the codebook's subject, carry no code. The prior strength and
# the learned/continuation weights were checked (not fitted) on the
# development transcripts. The turn's length (log2 of its sentences over a
# typical three, capped at 8) opens the gate for sentences of long answers and
# closes it for one- and two-sentence turns ("Ja, dat klopt."), which in
# interviews are mostly confirmations and small talk; its weight was chosen
# on a small grid on the development set: with it, before any decision, the
# list is empty on 4 % of coded sentences instead of 10 %, at the same 50 %
# of uncoded ones. Texts without interviewer turns (collections of labelled
# segments, monologues) say nothing by their turns: the feature is 0 there.
CODE_FEATURES = ("bias", "z", "z_gap", "ridge", "knn", "base_rate", "previous", "previous_contrast",
                 "opposite_contrast", "next_z_gap", "next_ridge", "next_knn", "previous_ran_2", "previous_ran_3",
                 "previous_addition")
CODE_PRIOR = np.array([-2.0, 0.9, 1.2, 0.5, 3.0, 0.0, 1.5, -1.0, 0.5, 0.3, 0.5, 2.0, 0.0, 0.0, 0.0])
#: Column of "previous": rows where it is set are a code running on, which has a model of its own.
PREVIOUS = CODE_FEATURES.index("previous")
GATE_FEATURES = ("bias", "relevance", "content", "max_z", "ridge_any", "knn_any", "position", "previous",
                 "previous_contrast", "turn_size")
GATE_PRIOR = np.array([-1.6, 1.5, 0.8, 0.0, 0.5, 1.5, 0.0, 1.5, 0.0, 1.2])
#: Turn lengths (sentences) are capped here, and counted from this typical length (the feature is 0 there).
TURN_CAP = 8.0
TURN_TYPICAL = 3.0
#: Strength of the pull towards the defaults, in pseudo-observations per coefficient.
PRIOR_STRENGTH = 20.0
CONTENT_CAP = 6.0
#: Pull of the running-on model towards the code model, in pseudo-observations per coefficient: weaker
#: than the defaults' pull, so that a coder's habit (passages of two or three sentences, or of ten)
#: shows after one interview. 20 and 2 were tried: dev02-05 kappa 0.600, 0.615 (5), 0.609.
CARRY_STRENGTH = 5.0
#: Once this many coded interview sentences exist, only interview sentences teach the code model.
INTERVIEW_ROWS = 30


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def fit_map_logistic(F: np.ndarray, y: np.ndarray, prior: np.ndarray, strength: float = PRIOR_STRENGTH,
                     weights: np.ndarray | None = None, iterations: int = 25) -> np.ndarray:
    """Logistic regression with a Gaussian prior centred on ``prior`` (Newton's method).

    Hand-written on purpose: scikit-learn's ``LogisticRegression`` penalises
    towards zero and takes no offset, so it cannot keep the coefficients at the
    hand-set defaults while a project has few decisions (the point of the
    prior). ``benchmarks/sklearn_vs_engine.py`` times both on 66,000 rows of
    12 features: 24-26 ms against scikit-learn's 40-42 ms (best of 5, with the
    step halving below; 2026-12-05, busy and quiet machine). A fit is
    still tens of milliseconds, which is why the calibrator samples at most
    ``CALIBRATION_ROWS`` sentences and refits only as data grows.
    """
    beta = prior.astype(np.float64).copy()
    if not len(F):
        return beta
    w = np.ones(len(F)) if weights is None else weights
    lam = np.full(len(prior), strength, dtype=np.float64)

    def objective(b: np.ndarray) -> float:  # the negative log posterior that the Newton steps minimise
        z = F @ b
        return float(w @ (np.logaddexp(0.0, z) - y * z) + 0.5 * (lam * (b - prior) ** 2).sum())

    current = objective(beta)
    for _ in range(iterations):
        p = sigmoid(F @ beta)
        grad = F.T @ (w * (p - y)) + lam * (beta - prior)
        hess = (F * (w * p * (1 - p))[:, None]).T @ F + np.diag(lam)
        step = np.linalg.solve(hess, grad)
        # A full Newton step from saturated predictions (p(1-p) near 0, the Hessian near the prior's)
        # can overshoot and then swing back and forth without end; halve it until the objective drops.
        t = 1.0
        while (value := objective(beta - t * step)) > current and t > 1e-4:
            t *= 0.5
        if value > current:
            break
        beta, current = beta - t * step, value
        if np.abs(t * step).max() < 1e-6:
            break
    return beta


class Previous(NamedTuple):
    """The sentence before each of m rows, in the same turn, as the coder left it."""

    runs: np.ndarray  # (m, H) for each family it carries: for how many sentences in a row (0: not coded with it)
    state: np.ndarray  # (m,) +1 coded, -1 reviewed and left uncoded, 0 unknown or no sentence before
    contrast: np.ndarray  # (m,) the row opens with a contrastive connective ("maar", "toch")
    addition: np.ndarray  # (m,) the row opens with an additive connective ("en", "daarnaast")
    codes: list[dict[int, set[str]]] | None = None  # per row: family -> the exact codes it carries (read-only)


def code_features(z: np.ndarray, ridge: np.ndarray | None, knn: np.ndarray | None,
                  base_rate: np.ndarray | None, previous: Previous | None = None,
                  opposite: np.ndarray | None = None,
                  following: "tuple[np.ndarray, np.ndarray | None, np.ndarray | None] | None" = None) -> np.ndarray:
    """(m, H, f) features of every family for m segments.

    ``previous``: the families the sentence before (same turn) is coded with
    (a coded idea often runs on into the next sentence), and how long each has
    run: a passage ends, and the longer it has run the likelier now (the
    running-on model learns the coder's habit). A segment opening with a
    contrastive connective ("maar", "toch") turns away from the previous
    sentence's code and often to its opposite: ``opposite`` (H,) is the index
    of each family's opposite (the same category with the other polarity), -1
    where none; one opening with an additive connective ("en", "daarnaast")
    often makes a next point. ``following``: the next sentence of the same
    turn as (z gap, ridge, k-NN), each (m, H), zeros where there is none: a
    coded passage runs on, so what the next sentence is about says something
    about this one.
    """
    m, h = z.shape
    out = np.zeros((m, h, len(CODE_FEATURES)))
    out[..., 0] = 1.0
    out[..., 1] = z
    out[..., 2] = z - z.max(1, keepdims=True)
    if ridge is not None:
        out[..., 3] = ridge
    if knn is not None:
        out[..., 4] = knn
    if base_rate is not None:
        out[..., 5] = base_rate[None, :]
    if previous is not None:
        carried = (previous.runs > 0).astype(float)
        out[..., 6] = carried
        out[..., 7] = carried * previous.contrast[:, None]
        if opposite is not None:
            flipped = np.where(opposite[None, :] >= 0, carried[:, np.maximum(opposite, 0)], 0.0)
            out[..., 8] = flipped * previous.contrast[:, None]
        out[..., 12] = previous.runs >= 2
        out[..., 13] = previous.runs >= 3
        out[..., 14] = carried * previous.addition[:, None]
    if following is not None:
        for col, part in zip((9, 10, 11), following):
            if part is not None:
                out[..., col] = part
    return out


def gate_features(z: np.ndarray, relevance: np.ndarray, content: np.ndarray, ridge_any: np.ndarray | None,
                  knn_any: np.ndarray | None, position: np.ndarray,
                  previous: np.ndarray | None = None, contrast: np.ndarray | None = None,
                  turn_size: np.ndarray | None = None) -> np.ndarray:
    """(m, g) gate features; ``previous``: +1 previous sentence of the turn coded,
    -1 reviewed and left uncoded, 0 unknown or first sentence of the turn;
    ``contrast``: the segment opens with a contrastive connective."""
    m = len(z)
    out = np.zeros((m, len(GATE_FEATURES)))
    out[:, 0] = 1.0
    out[:, 1] = relevance
    out[:, 2] = np.minimum(content, CONTENT_CAP) / 2.0
    out[:, 3] = z.max(1) if z.shape[1] else 0.0
    if ridge_any is not None:
        out[:, 4] = ridge_any
    if knn_any is not None:
        out[:, 5] = knn_any
    out[:, 6] = position
    if previous is not None:
        out[:, 7] = previous
        if contrast is not None:
            out[:, 8] = previous * contrast
    if turn_size is not None:
        out[:, 9] = np.log2(np.clip(turn_size, 1.0, TURN_CAP) / TURN_TYPICAL)
    return out


@dataclass
class Calibrator:
    code_beta: np.ndarray = None  # type: ignore[assignment]
    gate_beta: np.ndarray = None  # type: ignore[assignment]
    carry_beta: np.ndarray = None  # type: ignore[assignment]  # the running-on model (rows with "previous")
    fitted_on: int = 0

    def __post_init__(self) -> None:
        if self.code_beta is None:
            self.code_beta = CODE_PRIOR.copy()
        if self.gate_beta is None:
            self.gate_beta = GATE_PRIOR.copy()
        if self.carry_beta is None:
            self.carry_beta = self.code_beta.copy()

    def code_prob(self, F: np.ndarray) -> np.ndarray:
        """P(family | a code): a family the sentence before carries by the running-on model, the rest by
        the code model."""
        return sigmoid(np.where(F[..., PREVIOUS] > 0, F @ self.carry_beta, F @ self.code_beta))

    def gate_prob(self, G: np.ndarray) -> np.ndarray:
        return sigmoid(G @ self.gate_beta)

    def fit(self, F: np.ndarray, Y: np.ndarray, G: np.ndarray, any_code: np.ndarray,
            interview: np.ndarray | None = None, max_rows: int = 40000, seed: int = 0) -> None:
        """``F`` (n, H, f) and ``Y`` (n, H) for reviewed segments; ``G`` (n, g) and ``any_code`` (n,).

        ``interview`` (n,) marks rows from real interviews; only those teach the
        gate (a collection of labelled segments has no small talk to learn from).
        """
        n = len(F)
        self.fitted_on = n
        if n == 0:
            return
        gate_rows = np.ones(n, bool) if interview is None else interview.astype(bool)
        self.gate_beta = fit_map_logistic(G[gate_rows], any_code[gate_rows].astype(float), GATE_PRIOR)
        coded = any_code > 0
        if interview is not None and (coded & gate_rows).sum() >= INTERVIEW_ROWS:
            coded = coded & gate_rows
        if not coded.any():
            return
        rows = F[coded].reshape(-1, F.shape[-1])
        labels = Y[coded].reshape(-1).astype(float)
        weights = np.ones(len(rows))
        if len(rows) > max_rows:  # keep every positive, sample the negatives, reweight them
            rng = np.random.default_rng(seed)
            pos = np.flatnonzero(labels > 0)
            neg = np.flatnonzero(labels == 0)
            take = rng.choice(neg, size=max(1, max_rows - len(pos)), replace=False)
            keep = np.concatenate([pos, take])
            weights = np.concatenate([np.ones(len(pos)), np.full(len(take), len(neg) / len(take))])
            rows, labels = rows[keep], labels[keep]
        self.code_beta = fit_map_logistic(rows, labels, CODE_PRIOR, weights=weights)
        # Whether a code runs on is a question of its own (how long the coder's passages are, what
        # ends them), answered from the rows where it could: a model of those rows alone, drawn
        # towards the code model while they are few.
        carried = rows[:, PREVIOUS] > 0
        self.carry_beta = fit_map_logistic(rows[carried], labels[carried], self.code_beta,
                                           strength=CARRY_STRENGTH, weights=weights[carried])
