"""Learning from the coder: labelled segments, a ridge classifier per code, nearest exemplars.

*Examples.* Every segment the coder has dealt with is an example: a segment
is *reviewed* when a coding or decision touches it, or when it lies before the
last touched segment of its transcript (researchers walk a transcript in
order, so a segment they passed without coding it is a "no code" answer). A
reviewed segment is a positive for every family one of its codings counts
for, and a negative for all others; an explicit rejection is a negative even
where a neighbouring coding would otherwise reach.

A collection of labelled segments (a transcript without interviewer turns,
as ``--train`` imports them) was picked to be coded, so it says nothing
about how often interview sentences carry no code: its rows get the
interview rows' rate as their "any code" label.

*Models.* All codes share one design matrix (context vectors plus a few cue
features), so one ridge regression (closed form, ``(X'X + λI)⁻¹X'Y``) fits a
linear classifier for every family and for "any code" at once. The inverse
of ``X'X + λI`` is updated incrementally (Woodbury) as segments are reviewed;
a decision that only changes labels costs one matrix product. Leave-one-out predictions (closed form for
ridge) give honest training inputs for the calibrator. Next to it, a
similarity-weighted vote of the nearest reviewed segments (k-NN) catches
codes with very few examples and names the nearest example as the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

RIDGE_LAMBDA = 1.0
NEIGHBOURS = 10
#: Exponent on neighbour similarity in the vote (sharpens towards the nearest).
VOTE_POWER = 8.0


@dataclass
class Example:
    key: tuple[int, int]  # (transcript id, segment index)
    transcript: str
    text: str


@dataclass
class TrainingSet:
    examples: list[Example]
    X: np.ndarray  # (n, f) design rows (context vector + cues)
    Y: np.ndarray  # (n, H+1) 0/1 labels per family head, last column "any code" (see ``interview``)
    rejected: np.ndarray  # (n, H) bool: explicitly rejected
    member_pos: dict[str, list[int]] = field(default_factory=dict)  # code -> rows with that exact code
    coded: np.ndarray | None = None  # (n,) the row carries some code
    interview: np.ndarray | None = None  # (n,) the row comes from an interview (not a segment collection)

    @property
    def n(self) -> int:
        return len(self.examples)


class RidgeModel:
    """Multi-output ridge regression with an intercept; incremental in its rows."""

    def __init__(self, lam: float = RIDGE_LAMBDA) -> None:
        self.lam = lam
        self.keys: list[tuple[int, int]] = []
        self.inverse: np.ndarray | None = None  # (X'X + λI)⁻¹, X with a bias column
        self.updates = 0
        self.W: np.ndarray | None = None

    def _bias(self, X: np.ndarray) -> np.ndarray:
        return np.hstack([X, np.ones((len(X), 1), dtype=X.dtype)])

    def fit(self, keys: list[tuple[int, int]], X: np.ndarray, Y: np.ndarray) -> None:
        Xb = self._bias(X.astype(np.float32, copy=False))
        old = set(self.keys)
        grown = self.inverse is not None and old.issubset(keys) and len(set(keys)) == len(keys)
        new = Xb[[i for i, k in enumerate(keys) if k not in old]].astype(np.float64) if grown else None
        if grown and len(new) and len(new) <= 32 and self.updates < 500:
            # a few more rows: Woodbury update of the inverse, O(d² k) instead of O(d³)
            AU = self.inverse @ new.T
            middle = np.linalg.inv(np.eye(len(new)) + new @ AU)
            self.inverse = self.inverse - AU @ middle @ AU.T
            self.updates += 1
        elif not grown or len(new):
            reg = self.lam * np.eye(Xb.shape[1])
            reg[-1, -1] = 1e-6  # the intercept is (almost) not penalised
            X64 = Xb.astype(np.float64)
            self.inverse = np.linalg.inv(X64.T @ X64 + reg)
            self.updates = 0
        self.keys = list(keys)
        self.W = self.inverse @ (Xb.T @ Y.astype(np.float32)).astype(np.float64)

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


class Learner:
    """Holds the training set and the fitted models; ``predict`` is numpy only."""

    def __init__(self, heads: list[str]) -> None:
        self.heads = heads
        self.ridge = RidgeModel()
        self.data: TrainingSet | None = None
        self.context: np.ndarray | None = None  # (n, d) unit context vectors of the examples

    @property
    def trained(self) -> bool:
        return self.data is not None and self.data.n > 0

    def fit(self, data: TrainingSet, context: np.ndarray) -> None:
        self.data = data
        self.context = context.astype(np.float32)
        if data.n:
            self.ridge.fit([e.key for e in data.examples], data.X, data.Y)

    def positives(self) -> np.ndarray:
        """Positive examples per label (H+1,)."""
        if not self.trained:
            return np.zeros(len(self.heads) + 1)
        return self.data.Y.sum(0)

    def predict(self, X: np.ndarray, context: np.ndarray, exclude: list[int] | None = None):
        """(ridge outputs (m, H+1), k-NN votes (m, H+1), similarities to examples (m, n))."""
        sims = context @ self.context.T
        if exclude is not None:
            for row, j in enumerate(exclude):
                if j >= 0:
                    sims[row, j] = -np.inf
        votes, _ = knn_vote(sims, self.data.Y)
        return self.ridge.predict(X), votes, sims

    def training_predictions(self, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-out ridge outputs and k-NN votes for the examples (or the given rows of them)."""
        data = self.data
        rows = np.arange(data.n) if rows is None else np.asarray(rows)
        ridge = self.ridge.loo(data.X[rows], data.Y[rows])
        votes = np.zeros((len(rows), data.Y.shape[1]))
        for lo in range(0, len(rows), 1024):  # in blocks: memory stays O(1024 n), not O(n²)
            block = rows[lo:lo + 1024]
            sims = self.context[block] @ self.context.T
            sims[np.arange(len(block)), block] = -np.inf
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
