"""Per-segment features: the sentence in its context, and cheap text cues.

A sentence alone often does not say what it is about ("Dat duurt maanden."),
so each segment is represented by a *context vector*: its own embedding plus,
with smaller weights, the mean of its turn, its neighbours, and the
interviewer's question before the turn. All of these are segment vectors that
are embedded anyway, so context costs no extra model calls.

Next to the vector, each segment gets a few hand-made numbers: the valence of
the sentence and of its turn (from :mod:`codering.suggest.lexicon`), how many
content words it has, whether an interviewer said it, and whether it opens
with a contrastive connective ("maar", "toch": a turn away from the sentence
before, see :func:`codering.suggest.lexicon.opens_with_contrast`) or an
additive one ("en", "daarnaast": a next point).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codering.suggest import lexicon
from codering.suggest.calibrate import TURN_TYPICAL  # a text without interviewer turns: neutral

#: Weights of the context parts, relative to the sentence itself (weight 1). Researchers code passages,
#: not sentences (on the development set 42 % of respondent sentences share a gold span with the
#: sentence before), so the turn and the neighbours weigh a good deal: 0.6 each against 0.3 lifted
#: zero-shot top-3 from 0.586 to 0.631 and online mean kappa from 0.569 to 0.585 (0.3-1.0 was tried).
TURN_WEIGHT = 0.6
NEIGHBOUR_WEIGHT = 0.6
QUESTION_WEIGHT = 0.3


@dataclass
class SegmentFeatures:
    """Everything the engine knows about the segments of one transcript."""

    transcript_id: int
    starts: np.ndarray  # (n,) int
    ends: np.ndarray  # (n,) int
    turns: np.ndarray  # (n,) int
    interviewer: np.ndarray  # (n,) bool
    texts: list[str]
    vectors: np.ndarray  # (n, d) sentence embeddings
    context: np.ndarray  # (n, d) unit context vectors
    valence: np.ndarray  # (n,) sentence valence in [-1, 1]
    turn_valence: np.ndarray  # (n,) mean valence of the turn
    content: np.ndarray  # (n,) content-word counts
    position: np.ndarray  # (n,) relative position in the interview, 0..1
    turn_size: np.ndarray | None = None  # (n,) sentences in the segment's turn
    contrast: np.ndarray | None = None  # (n,) bool: opens with a contrastive connective ("maar", "toch")
    addition: np.ndarray | None = None  # (n,) bool: opens with an additive connective ("en", "daarnaast")

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def collection(self) -> bool:
        """A text without interviewer turns (labelled segments, quotes), not an interview."""
        return not bool(self.interviewer.any())

    def find(self, start: int, end: int) -> list[int]:
        """Indices of the segments a span covers (the overlap rule of :func:`overlaps`)."""
        if not len(self.starts):
            return []
        lo = int(np.searchsorted(self.ends, start, side="right"))
        out = []
        for i in range(lo, len(self.starts)):
            if self.starts[i] >= end:
                break
            if overlaps(int(self.starts[i]), int(self.ends[i]), start, end):
                out.append(i)
        return out


def overlaps(seg_start: int, seg_end: int, span_start: int, span_end: int) -> bool:
    """A span *covers* a segment if it covers at least half of the segment or
    the segment covers at least half of the span (the evaluation's matching rule)."""
    inter = min(seg_end, span_end) - max(seg_start, span_start)
    if inter <= 0:
        return False
    return inter * 2 >= (seg_end - seg_start) or inter * 2 >= (span_end - span_start)


def build_features(transcript_id: int, segments, vectors: np.ndarray) -> SegmentFeatures:
    """Features for the segments of one transcript (``segments``: store ``SegmentRow``s in order)."""
    n = len(segments)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(n, -1) if n else np.zeros((0, 1), np.float32)
    texts = [s.text for s in segments]
    turns = np.array([s.turn for s in segments], dtype=np.int64)
    interviewer = np.array([s.role == "interviewer" for s in segments], dtype=bool)
    valence = np.array([lexicon.valence(t) for t in texts], dtype=np.float32)
    content = np.array([lexicon.content_words(t) for t in texts], dtype=np.float32)
    context = vectors.copy()
    turn_valence = valence.copy()
    if n:
        by_turn: dict[int, list[int]] = {}
        for i, t in enumerate(turns):
            by_turn.setdefault(int(t), []).append(i)
        turn_order = sorted(by_turn)
        turn_mean = {t: vectors[idx].mean(0) for t, idx in by_turn.items()}
        question: dict[int, np.ndarray | None] = {}
        for k, t in enumerate(turn_order):
            prev = turn_order[k - 1] if k else None
            q = None
            if prev is not None and interviewer[by_turn[prev][-1]] and not interviewer[by_turn[t][0]]:
                q = vectors[by_turn[prev][-1]]  # the last sentence of the question turn
            question[t] = q
        for t, idx in by_turn.items():
            turn_valence[idx] = valence[idx].mean()
            for pos, i in enumerate(idx):
                v = vectors[i] + TURN_WEIGHT * turn_mean[t]
                near = [idx[j] for j in (pos - 1, pos + 1) if 0 <= j < len(idx)]
                if near:
                    v = v + NEIGHBOUR_WEIGHT * vectors[near].mean(0)
                if question[t] is not None:
                    v = v + QUESTION_WEIGHT * question[t]
                context[i] = v
        norms = np.linalg.norm(context, axis=1, keepdims=True)
        context = context / np.maximum(norms, 1e-9)
    position = np.linspace(0.0, 1.0, n, dtype=np.float32) if n > 1 else np.zeros(n, np.float32)
    return SegmentFeatures(
        transcript_id=transcript_id,
        starts=np.array([s.start for s in segments], dtype=np.int64),
        ends=np.array([s.end for s in segments], dtype=np.int64),
        turns=turns, interviewer=interviewer, texts=texts, vectors=vectors,
        context=context.astype(np.float32), valence=valence, turn_valence=turn_valence,
        content=content, position=position,
        contrast=np.array([lexicon.opens_with_contrast(t) for t in texts], dtype=bool),
        addition=np.array([lexicon.opens_with_addition(t) for t in texts], dtype=bool),
        turn_size=turn_sizes(turns) if interviewer.any() else np.full(n, TURN_TYPICAL, np.float32),
    )


def turn_sizes(turns: np.ndarray) -> np.ndarray:
    """(n,) for each segment the number of segments in its turn (long answers carry content, one-line
    turns are mostly confirmations: a gate feature)."""
    if not len(turns):
        return np.zeros(0, np.float32)
    _, which, counts = np.unique(turns, return_inverse=True, return_counts=True)
    return counts[which].astype(np.float32)


def context_complete(segments, present) -> np.ndarray:
    """(n,) bool: which segments ``build_features`` gives their final features when only the vectors
    marked ``present`` exist (the others blank): those whose whole turn and question are present.

    This is the context rule of ``build_features`` read backwards (the turn mean and neighbours come
    from the turn; the question is the last sentence of an interviewer turn just before a turn that
    does not start with the interviewer), so a partly embedded transcript can answer for these
    segments exactly as the whole transcript would.
    """
    n = len(segments)
    present = np.asarray(present, dtype=bool).reshape(n)
    if not n:
        return present
    interviewer = [s.role == "interviewer" for s in segments]
    by_turn: dict[int, list[int]] = {}
    for i, s in enumerate(segments):
        by_turn.setdefault(int(s.turn), []).append(i)
    turn_order = sorted(by_turn)
    out = np.zeros(n, dtype=bool)
    for k, t in enumerate(turn_order):
        idx = by_turn[t]
        ok = bool(present[idx].all())
        if ok and k:
            last = by_turn[turn_order[k - 1]][-1]
            if interviewer[last] and not interviewer[idx[0]]:
                ok = bool(present[last])
        out[idx] = ok
    return out


def context_rows(segments, rows) -> list[int]:
    """The segments whose vectors make the features of ``rows``: their whole turns and the last
    sentence of the turn before each (the question); what ``context_complete`` asks for."""
    by_turn: dict[int, list[int]] = {}
    for i, s in enumerate(segments):
        by_turn.setdefault(int(s.turn), []).append(i)
    turn_order = sorted(by_turn)
    place = {t: k for k, t in enumerate(turn_order)}
    out: set[int] = set()
    for t in {int(segments[i].turn) for i in rows}:
        out.update(by_turn[t])
        if place[t]:
            out.add(by_turn[turn_order[place[t] - 1]][-1])
    return sorted(out)


def needed(segments) -> list:
    """The segments whose vectors the engine uses: every sentence not said by the
    interviewer, and the last sentence of each interviewer turn (the question)."""
    out = []
    for k, seg in enumerate(segments):
        last_of_turn = k + 1 == len(segments) or segments[k + 1].turn != seg.turn
        if seg.role != "interviewer" or last_of_turn:
            out.append(seg)
    return out
