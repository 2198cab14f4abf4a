"""Learning from the coder: labelled segments, a ridge classifier per code, nearest exemplars.

*Examples.* Every segment the coder has dealt with is an example: a segment
is *reviewed* when a coding or decision touches it, or when it lies before the
last touched segment of its transcript (researchers walk a transcript in
order, so a segment they passed without coding it is a "no code" answer). A
reviewed segment is a positive for every family one of its codings counts
for, and a negative for all others; an explicit rejection is a negative even
where a neighbouring coding would otherwise reach. The hits of a text search
coded in one go (origin ``search``) are the exception to "touched": the coder
chose the code but read none of the sentences there, so such a coding neither
makes its sentence reviewed nor moves the last touched segment on (which would
make every sentence before it a "no code" answer nobody gave); it is a
positive once the coder's own work reaches its sentence.

A collection of labelled segments (a transcript without interviewer turns,
as ``--train`` imports them) was picked to be coded, so it says nothing
about how often interview sentences carry no code: its rows get the
interview rows' rate as their "any code" label.

*Models.* All codes share one design matrix (context vectors plus a few cue
features), so one ridge regression (closed form, ``(X'X + λI)⁻¹X'Y``) fits a
linear classifier for every family and for "any code" at once. The examples
come in *parts* (one per transcript) and the model keeps ``X'X`` and each
part's ``X'Y``: a decision only touches the part of its transcript, so the
inverse of ``X'X + λI`` is updated incrementally (Woodbury) as segments are
reviewed, inverted again from the kept ``X'X`` (not from the rows) when
segments drop out, and a decision that only changes labels costs the product
of one part and one matrix product. Leave-one-out predictions (closed form for
ridge) give honest training inputs for the calibrator. Next to it, a
similarity-weighted vote of the nearest reviewed segments (k-NN) catches
codes with very few examples and names the nearest example as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

RIDGE_LAMBDA = 1.0
#: Rows added or dropped in one fit that are folded into the inverse (Woodbury) instead of inverting again.
WOODBURY_ROWS = 32
#: Woodbury updates in a row before the inverse is computed afresh from ``X'X`` (rounding does not build up).
WOODBURY_RUN = 500
NEIGHBOURS = 10
#: Exponent on neighbour similarity in the vote (sharpens towards the nearest).
VOTE_POWER = 8.0


@dataclass
class Example:
    key: tuple[int, int]  # (transcript id, segment index)
    transcript: str
    text: str


@dataclass(eq=False)
class Part:
    """Consecutive rows of a training set that change together (the examples of one transcript).

    A part is never changed: a new decision makes a new part with the same
    ``name``. Rows with the same key have the same design row in every part of
    that name, so two of them differ by the rows added and dropped.
    """

    name: object  # e.g. the transcript id
    keys: list[tuple[int, int]]
    X: np.ndarray  # (m, f) design rows
    Y: np.ndarray  # (m, L) labels


@dataclass
class TrainingSet:
    examples: list[Example]
    Y: np.ndarray  # (n, H+1) 0/1 labels per family head, last column "any code" (see ``interview``)
    rejected: np.ndarray  # (n, H) bool: explicitly rejected
    parts: list[Part]  # the rows, in order, as parts: X and Y are the parts' X and Y stacked
    member_pos: dict[str, list[int]] = field(default_factory=dict)  # code -> rows with that exact code
    coded: np.ndarray | None = None  # (n,) the row carries some code
    interview: np.ndarray | None = None  # (n,) the row comes from an interview (not a segment collection)

    @property
    def n(self) -> int:
        return len(self.examples)

    @cached_property
    def keys(self) -> np.ndarray:
        """(n, 2) the examples' (transcript id, segment index)."""
        return np.array([e.key for e in self.examples], dtype=np.int64).reshape(-1, 2)

    @cached_property
    def X(self) -> np.ndarray:
        """(n, f) design rows (context vector + cues); stacked when first asked (the ridge model works on parts)."""
        if not self.parts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([p.X for p in self.parts])


class RidgeModel:
    """Multi-output ridge regression with an intercept; incremental in its rows.

    ``fit`` takes the training rows as :class:`Part` s and keeps, per part name,
    the part it saw and its ``X'Y``, and ``X'X`` over all rows: a refit costs
    the rows added and dropped (a Woodbury update of the inverse for a few
    rows, else one inversion of the kept ``X'X``) plus ``X'Y`` of the parts
    that changed.

    Hand-written rather than scikit-learn's ``Ridge``, which refits from the
    rows: on a fully coded 35-interview project (18,730 rows x 388 features)
    that is 905 ms per decision against 47 ms here for two incremental fits
    (``benchmarks/sklearn_vs_engine.py``); the budget is 100 ms.
    """

    def __init__(self, lam: float = RIDGE_LAMBDA) -> None:
        self.lam = lam
        self.inverse: np.ndarray | None = None  # (X'X + λI)⁻¹, X with a bias column
        self.gram: np.ndarray | None = None  # X'X (bias column included, no λ)
        self.parts: dict[object, tuple[Part, np.ndarray]] = {}  # name -> (part, its X'Y)
        self.updates = 0
        self.W: np.ndarray | None = None

    def _bias(self, X: np.ndarray) -> np.ndarray:
        return np.hstack([X, np.ones((len(X), 1), dtype=X.dtype)])

    def fit(self, parts: list[Part]) -> None:
        """Fit to the rows of ``parts`` (names unique), reusing what is known from the previous fit."""
        added: list[np.ndarray] = []  # design rows (with bias) new since the last fit
        dropped: list[np.ndarray] = []  # ... and gone since
        products: dict[object, tuple[Part, np.ndarray]] = {}
        for part in parts:
            known = self.parts.get(part.name)
            if known is not None and known[0] is part:
                products[part.name] = known
                continue
            Xb = self._bias(part.X.astype(np.float32, copy=False))
            if known is None:
                added.append(Xb)
            elif known[0].keys is not part.keys and known[0].keys != part.keys:
                old = known[0]
                kept = set(old.keys)
                new_keys = set(part.keys)
                rows = [i for i, k in enumerate(part.keys) if k not in kept]
                gone = [i for i, k in enumerate(old.keys) if k not in new_keys]
                if rows:
                    added.append(Xb[rows])
                if gone:
                    dropped.append(self._bias(old.X[gone].astype(np.float32, copy=False)))
            products[part.name] = (part, (Xb.T @ part.Y.astype(np.float32)).astype(np.float64))
        for name, (old, _) in self.parts.items():
            if name not in products:
                dropped.append(self._bias(old.X.astype(np.float32, copy=False)))
        new = np.vstack(added).astype(np.float64) if added else None
        gone = np.vstack(dropped).astype(np.float64) if dropped else None
        if self.gram is None:
            width = parts[0].X.shape[1] + 1
            self.gram = np.zeros((width, width))
        if new is not None:
            self.gram += new.T @ new
        if gone is not None:
            self.gram -= gone.T @ gone
        reg = self.lam * np.eye(len(self.gram))
        reg[-1, -1] = 1e-6  # the intercept is (almost) not penalised
        if new is not None or gone is not None or self.inverse is None:
            k = (0 if new is None else len(new)) + (0 if gone is None else len(gone))
            if (self.inverse is None or k > WOODBURY_ROWS or self.updates >= WOODBURY_RUN
                    or not self._woodbury(new, gone, reg)):
                self.inverse = np.linalg.inv(self.gram + reg)
                self.updates = 0
        self.parts = products
        XtY = products[parts[0].name][1].copy()
        for part in parts[1:]:
            XtY += products[part.name][1]
        self.W = self.inverse @ XtY

    def _woodbury(self, new: np.ndarray | None, gone: np.ndarray | None, reg: np.ndarray) -> bool:
        """Fold a few added (and dropped) rows into the inverse, O(d² k) instead of O(d³); False if
        the result is not accurate (dropping rows can leave a badly conditioned matrix)."""
        rows = [r for r in (new, gone) if r is not None]
        U = np.vstack(rows) if len(rows) > 1 else rows[0]
        sign = np.concatenate([np.ones(0 if new is None else len(new)), -np.ones(0 if gone is None else len(gone))])
        AU = self.inverse @ U.T
        try:
            middle = np.linalg.inv(np.diag(sign) + U @ AU)  # diag(sign) is its own inverse
        except np.linalg.LinAlgError:
            return False
        inverse = self.inverse - AU @ middle @ AU.T
        if gone is not None:  # check (X'X + λI) A⁻¹ v = v on one vector
            v = np.random.default_rng(len(self.gram)).standard_normal(len(self.gram))
            if np.abs((self.gram + reg) @ (inverse @ v) - v).max() > 1e-6 * np.abs(v).max():
                return False
        self.inverse = inverse
        self.updates += 1
        return True

    def predict(self, X: np.ndarray) -> np.ndarray:
        if self.W is None:
            raise RuntimeError("ridge model not fitted")
        return self._bias(X.astype(np.float64)) @ self.W

    def loo(self, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Leave-one-out predictions for the training rows (closed form)."""
        Xb = self._bias(X.astype(np.float64))
        fitted = Xb @ self.W
        hat = ((Xb @ self.inverse) * Xb).sum(1)
        return (fitted - hat[:, None] * Y) / np.maximum(1.0 - hat, 1e-3)[:, None]


def knn_vote(sims: np.ndarray, Y: np.ndarray, k: int = NEIGHBOURS) -> tuple[np.ndarray, np.ndarray]:
    """Similarity-weighted share of the ``k`` nearest rows carrying each label.

    ``sims``: (m, n) similarities to the n training rows (use -inf to exclude).
    Returns (votes (m, L), index of the nearest row per query (m,)).
    """
    m, n = sims.shape
    if n == 0:
        return np.zeros((m, Y.shape[1])), np.full(m, -1)
    k = min(k, n)
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(sims, idx, axis=1)
    w = np.where(np.isfinite(top), np.clip(top, 0, None) ** VOTE_POWER, 0.0)
    total = w.sum(1, keepdims=True)
    votes = np.einsum("mk,mkl->ml", w, Y[idx].astype(np.float64)) / np.maximum(total, 1e-12)
    nearest = idx[np.arange(m), np.argmax(top, axis=1)]
    return votes, nearest


def centred(vectors: np.ndarray, center: np.ndarray | None) -> np.ndarray:
    """Unit vectors after subtracting ``center``.

    Sentence embeddings of one language and subject share a large common
    component (cosines of unrelated e5 sentences sit around 0.8), which
    squeezes every similarity into a narrow band; without it, nearest
    neighbours are chosen by what the sentences are about rather than by what
    they all have in common. Measured on the development transcripts (online,
    16 factor codes): mean kappa 0.49 -> 0.54 for the neighbour vote alone.
    """
    if center is None:
        return vectors
    out = vectors - center
    return (out / np.maximum(np.linalg.norm(out, axis=-1, keepdims=True), 1e-9)).astype(np.float32)


class Learner:
    """Holds the training set and the fitted models; ``predict`` is numpy only."""

    def __init__(self, heads: list[str], center: np.ndarray | None = None) -> None:
        self.heads = heads
        self.ridge = RidgeModel()
        self.data: TrainingSet | None = None
        self.center = center  # the corpus mean the neighbour search subtracts (see ``centred``)
        self.context: np.ndarray | None = None  # (n, d) centred unit context vectors of the examples

    @property
    def trained(self) -> bool:
        return self.data is not None and self.data.n > 0

    def fit(self, data: TrainingSet, context: np.ndarray) -> None:
        """``context``: the examples' context vectors, already centred on ``center`` (see ``centred``)."""
        self.data = data
        self.context = context.astype(np.float32, copy=False)
        if data.n:
            self.ridge.fit([p for p in data.parts if len(p.keys)])


    def positives(self) -> np.ndarray:
        """Positive examples per label (H+1,)."""
        if not self.trained:
            return np.zeros(len(self.heads) + 1)
        return self.data.Y.sum(0)

    def predict(self, X: np.ndarray, context: np.ndarray, exclude: list[int] | None = None):
        """(ridge outputs (m, H+1), k-NN votes (m, H+1), similarities to examples (m, n))."""
        sims = centred(context, self.center) @ self.context.T
        if exclude is not None:
            for row, j in enumerate(exclude):
                if j >= 0:
                    sims[row, j] = -np.inf
        votes, _ = knn_vote(sims, self.data.Y)
        return self.ridge.predict(X), votes, sims


    def training_predictions(self, rows: np.ndarray | None = None,
                             hide_from: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out ridge outputs and k-NN votes for the examples (or the given rows of them).

        The vote of an interview sentence leaves out, besides the sentence
        itself, the examples of its transcript from segment ``hide_from`` on
        (by default its own segment): what the coder had not coded yet on
        reaching it, going through the interview in order. Without that, the
        calibrator learned from votes the coder never gets: a sentence's
        context vector holds its neighbours, so the next sentence of the
        passage, already coded, voted for the sentence's own code (and, for
        the next sentence's vote, the sentence itself did), which taught the
        calibrator to trust the vote at a passage's end, where at coding time
        it only echoes the sentence before. A collection of labelled segments
        has no order: there only the row itself is left out.
        """
        data = self.data
        rows = np.arange(data.n) if rows is None else np.asarray(rows)
        ridge = self.ridge.loo(data.X[rows], data.Y[rows])
        votes = np.zeros((len(rows), data.Y.shape[1]))
        tids, segs = data.keys[:, 0], data.keys[:, 1]
        hide = segs[rows] if hide_from is None else np.asarray(hide_from)
        ordered = np.ones(data.n, bool) if data.interview is None else data.interview.astype(bool)
        for lo in range(0, len(rows), 1024):  # in blocks: memory stays O(1024 n), not O(n²)
            block = rows[lo:lo + 1024]
            sims = self.context[block] @ self.context.T
            sims[np.arange(len(block)), block] = -np.inf
            later = (tids[None, :] == tids[block, None]) & (segs[None, :] >= hide[lo:lo + len(block), None])
            sims[later & ordered[block, None]] = -np.inf
            votes[lo:lo + len(block)], _ = knn_vote(sims, data.Y)
        return ridge, votes

    def nearest_positive(self, sims_row: np.ndarray, head: int, code_ids: list[str] | None = None) -> int | None:
        """Row of the most similar example coded with family ``head`` (or one of ``code_ids``)."""
        if not self.trained:
            return None
        if code_ids:
            rows = np.array(sorted({r for c in code_ids for r in self.data.member_pos.get(c, [])}), dtype=np.int64)
        else:
            rows = np.flatnonzero(self.data.Y[:, head] > 0)
        if not len(rows):
            return None
        best = int(rows[int(np.argmax(sims_row[rows]))])
        return best if np.isfinite(sims_row[best]) else None
