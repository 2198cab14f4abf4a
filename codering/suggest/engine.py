"""The real suggester: zero-shot codebook matching, learning from the coder, calibrated abstention.

``prepare`` (slow, in a worker) loads the model, embeds the codebook and
every segment not embedded yet (each segment once per model, kept in the
project's embedding cache; of the interviewer's turns only the last sentence,
the question, is needed) and computes the zero-shot scores of every segment.
``suggest`` and ``observe`` are numpy only:

* ``suggest`` looks up the segment's zero-shot scores, adds what was learned
  (ridge output, nearest-example vote), turns them into probabilities
  (:mod:`codering.suggest.calibrate`) and returns nothing when the segment
  more likely carries no code at all (P(any code) below ``gate``); otherwise
  the families whose probability is at least ``min_score`` ("likely"), and,
  if that makes fewer than ``fill``, the next best ones as alternatives
  (``likely=False``, shown dimmed), at most ``k`` in all. The gate makes
  "no suggestion" a real answer; the alternatives keep the right code within
  reach of one key when the engine is unsure which code it is. Each family is shown as the factor that
  fits best (coding a factor counts for its category) unless the coder codes
  that category directly; each suggestion says why.
* ``observe`` rebuilds the labelled examples of the transcripts whose codings
  and decisions changed and refits what changed (see
  :mod:`codering.suggest.training` and :mod:`codering.suggest.learn`).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable, Collection

import numpy as np

from codering.errors import SuggestError
from codering.suggest.base import LIKELY, ProgressFn, Suggestion
from codering.suggest.calibrate import INTERVIEW_ROWS, Calibrator, Previous, code_features, gate_features
from codering.suggest.embed import (CHUNK, Embedder, SentenceTransformerEmbedder, VectorCache, embed_cached,
                                    text_key, user_vector_cache)
from codering.suggest.features import SegmentFeatures, build_features, context_complete, needed
from codering.suggest.learn import Learner
from codering.suggest.lexicon import NEGATIVE_ANCHORS, POSITIVE_ANCHORS
from codering.suggest.phrases import code_phrases, codebook_key, families
from codering.suggest.training import TrainingBuilder, design_matrix
from codering.suggest.zeroshot import ZeroShot

if TYPE_CHECKING:
    from codering.store import Project

#: Families at least this probable are "likely" (predictions; "accept all" takes them): the prior of
#: the project's own threshold (see ``thresholds``), and the threshold until the coder has decided enough.
MIN_SCORE = LIKELY
#: Once the engine does not abstain, it shows at least this many families (likely or not).
FILL = 5
#: The engine abstains when P(any code) is below this: the prior of the project's own threshold.
GATE_THRESHOLD = 0.5
#: Refit the calibrator when this many more segments were reviewed (or 10 % more).
REFIT_EVERY = 10
#: The calibrator is fitted on at most this many reviewed segments (a random sample).
CALIBRATION_ROWS = 2000


_blas = None  # numpy's BLAS libraries (a threadpoolctl controller), found on first use
_blas_lock = threading.Lock()
_blas_users = 0
_blas_limiter = None


@contextmanager
def one_blas_thread():
    """Numpy's BLAS on one thread while the engine computes.

    The engine's matrices are small (a few hundred columns), and on a busy
    machine - the model embedding in a worker, another program - BLAS threads
    waiting for each other make them much slower: measured on 2 shared cores,
    inverting 388 x 388 took 160 ms with two threads and 26 ms with one, a
    388 x 388 by 388 x 32 product 12 ms against 0.7 ms. The limit is
    process-wide, so it is counted: the last engine call to finish lifts it.
    """
    global _blas, _blas_users, _blas_limiter
    with _blas_lock:
        if _blas is None:
            try:
                from threadpoolctl import ThreadpoolController

                _blas = ThreadpoolController().select(internal_api="openblas")
            except Exception:  # noqa: BLE001 - without it the engine is only slower on a busy machine
                _blas = False
        if _blas and not _blas_users:
            _blas_limiter = _blas.limit(limits=1)
        _blas_users += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_users -= 1
            if not _blas_users and _blas_limiter is not None:
                _blas_limiter.restore_original_limits()
                _blas_limiter = None


@dataclass
class SpanScores:
    """Scores of one span (or of every segment of a transcript, row-wise)."""

    rows: list[int]  # segment indices in the transcript
    p_any: np.ndarray  # (m,)
    p_code: np.ndarray  # (m, H) P(family | some code)
    members: np.ndarray  # (m, C) zero-shot member cosines
    ridge: np.ndarray | None  # (m, H+1)
    knn: np.ndarray | None  # (m, H+1)
    sims: np.ndarray | None  # (m, n examples)
    vectors: np.ndarray | None = None  # (m, d) sentence vectors (for explanations)
    previous: Previous | None = None  # the sentence before each row, as the coder left it

    @property
    def prob(self) -> np.ndarray:
        return self.p_any[:, None] * self.p_code


#: The next sentence's zero-shot gap counts down to this much: it may lift what it is about, not bury the rest.
NEXT_GAP_FLOOR = 2.0
#: Sentence vectors at least this similar are near copies: a code rejected on one is not suggested for the other.
NEAR_DUPLICATE = 0.95
#: Share of coded sentences the gate may leave without a suggestion (the target is at most 10 %).
GATE_MISS = 0.08
#: Pseudo-counts of the priors: how many coded sentences of evidence each threshold is worth.
GATE_PRIOR_ROWS = 50.0
LIKELY_PRIOR_ROWS = 50.0
#: The range the thresholds may move in.
GATE_RANGE = (0.3, 0.8)
LIKELY_RANGE = (0.1, 0.5)


def thresholds(p_any: np.ndarray, p_code: np.ndarray, Y: np.ndarray, coded: np.ndarray,
               interview: np.ndarray) -> tuple[float, float]:
    """(gate, likely) thresholds from the coder's reviewed sentences, shrunk towards the priors.

    *Gate.* Sentences the coder passed over are the negatives. The gate is
    set as high as it can go while leaving at most ``GATE_MISS`` of the
    coded interview sentences without a suggestion, so everything the coder
    did not code that scores below it stays quiet. Only interview sentences
    count (a collection of labelled segments has no small talk).

    *Likely.* The probability above which a suggestion counts as a
    prediction ("accept all" takes it): the one that gives the best F1 of
    predictions on the coded sentences' families (scikit-learn's
    precision-recall curve, restricted to ``LIKELY_RANGE``). For calibrated
    probabilities the F1-optimal threshold is half the reachable F1. The
    prior is ``MIN_SCORE`` (0.1), for the zero-shot engine before any
    decision: on the development set zero-shot micro-F1 0.349 at 0.1, 0.355
    at 0.15, 0.327 at 0.2, 0.310 at 0.25 (keys per coded sentence 2.93, 2.91,
    2.84, 2.76); online and trained the data's value soon dominates (online
    kappa dev02-05 0.614-0.617 for all four).

    Both are weighted means of the prior and the data's value, the data
    counting as many rows as it has coded sentences.
    """
    coded_i = coded & interview
    n = int(coded_i.sum())
    gate = GATE_THRESHOLD
    if n:
        data_gate = float(np.quantile(p_any[coded_i], GATE_MISS))
        gate = (GATE_PRIOR_ROWS * GATE_THRESHOLD + n * data_gate) / (GATE_PRIOR_ROWS + n)
    gate = float(np.clip(gate, *GATE_RANGE))
    likely = MIN_SCORE
    if n >= INTERVIEW_ROWS:  # as the code model: interview sentences, once there are enough
        coded = coded_i
    m = int(coded.sum())
    if m:
        from sklearn.metrics import precision_recall_curve

        prob = (p_any[coded, None] * p_code[coded]).ravel()
        truth = (Y[coded] > 0).ravel()
        best = MIN_SCORE
        if truth.any():
            precision, recall, cuts = precision_recall_curve(truth, prob)
            f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
            inside = (cuts >= LIKELY_RANGE[0]) & (cuts <= LIKELY_RANGE[1])
            if inside.any():
                best = float(cuts[inside][int(np.argmax(f1[inside]))])
        likely = (LIKELY_PRIOR_ROWS * MIN_SCORE + m * best) / (LIKELY_PRIOR_ROWS + m)
    return round(gate, 4), round(float(np.clip(likely, *LIKELY_RANGE)), 4)


def _by_transcript(examples) -> dict[int, list[int]]:
    """The positions of training examples, grouped by their transcript (in the examples' order)."""
    out: dict[int, list[int]] = {}
    for r, e in enumerate(examples):
        out.setdefault(e.key[0], []).append(r)
    return out


def opposites(heads: list[str]) -> np.ndarray:
    """(H,) for each family the index of its opposite, -1 where it has none.

    Two families are opposites when their ids differ only in the first part and
    no third family shares the rest: ``stim.financieel`` and ``rem.financieel``
    (the helping and the hindering side of one category). Codebooks without
    such pairs get -1 everywhere.
    """
    by_rest: dict[str, list[int]] = {}
    for h, head in enumerate(heads):
        first, _, rest = head.partition(".")
        if rest:
            by_rest.setdefault(rest, []).append(h)
    out = np.full(len(heads), -1, dtype=np.int64)
    for group in by_rest.values():
        if len(group) == 2:
            out[group[0]], out[group[1]] = group[1], group[0]
    return out


class EmbeddingSuggester:
    """Implements :class:`codering.suggest.base.Suggester` with an embedding model."""

    def __init__(self, model: str | None = None, *, embedder: Embedder | None = None,
                 min_score: float | None = None, gate: float | None = None, fill: int = FILL,
                 use_user_cache: bool = True, learn: bool = True,
                 segment_cache: "VectorCache | None" = None, chunk: int | None = None) -> None:
        from codering.suggest.model import DEFAULT_MODEL

        self._explicit_model = model is not None or embedder is not None
        self.embedder = embedder
        self.model_id = embedder.model_id if embedder is not None else (model or DEFAULT_MODEL)
        # None: derived from the project's own decisions (``thresholds``), starting from the priors
        self.auto_min_score = min_score is None
        self.auto_gate = gate is None
        self.min_score = MIN_SCORE if min_score is None else min_score
        self.gate = GATE_THRESHOLD if gate is None else gate
        self.fill = fill
        self.learn = learn
        self.use_user_cache = use_user_cache
        self.chunk = chunk or CHUNK  # texts embedded (and stored) per step: the most an interruption loses
        self.segment_cache = segment_cache  # extra cache for segment vectors (evaluation data only)
        self._lock = threading.RLock()
        self._ready = False
        self._memory: dict[str, np.ndarray] = {}
        self._features: dict[int, SegmentFeatures] = {}
        self._complete: dict[int, np.ndarray] = {}  # partly prepared transcripts: the segments answered
        self._zscores: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._names: dict[int, str] = {}
        self.zeroshot: ZeroShot | None = None
        self._codebook_key = ""
        self._codebook = None
        self.learner: Learner | None = None
        self.calibrator = Calibrator()
        self._training_key: int | None = None
        self._coded: dict[tuple[int, int], set[int]] = {}
        self._codes_at: dict[tuple[int, int], dict[int, set[str]]] = {}  # reviewed sentence -> family -> codes
        self._reviewed: set[tuple[int, int]] = set()
        self._builder: TrainingBuilder | None = None
        self._rejected: dict[tuple[int, int], set[str]] = {}
        self._rejection_rows = None  # (keys, sentence vectors) of the rejected sentences, made when needed
        self._rejection_key: int | None = None
        self._head_level: set[int] = set()
        self._base_rate: np.ndarray | None = None
        self._opposite: np.ndarray | None = None  # (H,) each family's opposite (see ``opposites``)
        self._interview_examples = False  # some reviewed example comes from an interview

    # -- protocol -------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._ready

    def prepare(self, project: "Project", progress: ProgressFn | None = None,
                cancelled: Callable[[], bool] = lambda: False, transcripts: "Collection[int] | None" = None,
                partial: "Collection[int]" = ()) -> None:
        """Load the model, embed and score; with ``transcripts`` (ids) only those (the UI's first step).

        Transcripts left out are embedded when first scored (``_late_features``);
        a later ``prepare`` without ``transcripts`` takes in the whole corpus.
        Transcripts in ``partial`` are not embedded: they have the vectors the
        project's cache holds so far, and the engine answers only for their
        segments whose whole context is among them (``answers``), with the
        scores the fully embedded transcript would give them (up to the corpus
        statistics and the examples, which leave partial transcripts out).
        """
        if not self._explicit_model:
            from codering.suggest.adapt import project_model

            self.model_id = project_model(project)
            if self.embedder is not None and self.embedder.model_id != self.model_id:
                self.embedder = None  # the project's model changed since the last prepare
                self._memory = {}
        if self.embedder is None:
            self.embedder = SentenceTransformerEmbedder(self.model_id)
        # imported here, where the UI prepares in a worker thread: the first decision's calibration needs it,
        # and importing it there (scipy with it) froze the first key of a session for 1-2 s
        import sklearn.metrics  # noqa: F401
        if self.embedder.model_id != self.model_id:
            raise SuggestError(f"embedder is {self.embedder.model_id!r}, engine expects {self.model_id!r}")
        if not self._build_zeroshot(project, progress, cancelled):
            return
        infos = project.transcripts()
        if transcripts is not None:  # incremental preparation: the transcript on screen first
            infos = [t for t in infos if t.id in transcripts]
        segments = {t.id: project.segments(t.id) for t in infos}
        texts = [s.text for tid, segs in segments.items() if tid not in partial for s in needed(segs)]
        if partial:  # what exists of them; the vectors of the others come from embed_cached
            self._cached(project, [s.text for tid in partial if tid in segments for s in needed(segments[tid])])
        if embed_cached(self.embedder, texts, project=project, memory=self._memory, progress=progress,
                        cancelled=cancelled, what="embedding segments", user_cache=self.segment_cache,
                        chunk=self.chunk) is None:
            return
        with self._lock:
            self._names = {t.id: t.name for t in infos}
            self._features = {}
            self._complete = {}
            self._builder = None
            for tid, segs in segments.items():
                self._features[tid] = self._featurise(tid, segs, partial=tid in partial)
            self._fit_corpus()
            self._ready = True
        self.observe(project)
        if progress:
            progress("ready", 1, 1)

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        scores = self.score_span(project, transcript, start, end)
        if scores is None:
            return []
        return self._suggestions(scores, 0, k, exclude_key=self._span_key(project, transcript, scores))

    def observe(self, project: "Project") -> None:
        if not self._ready:
            return
        with self._lock, one_blas_thread():
            if self._codebook_changed(project):
                self._build_zeroshot(project, None, lambda: False)
                self._fit_corpus()
            self._fit_learner(project)

    # -- more than the protocol -------------------------------------------------------
    @property
    def heads(self) -> list[str]:
        return self.zeroshot.heads if self.zeroshot else []

    def score_span(self, project: "Project", transcript: str | int, start: int, end: int) -> SpanScores | None:
        """Probabilities of every family for a span; ``None`` if nothing there can be coded."""
        if not self._ready:
            return None
        with self._lock, one_blas_thread():  # never half-way through an observe() on another thread
            return self._score_span(project, transcript, start, end)

    def answers(self, transcript_id: int, start: int, end: int) -> bool:
        """True when the engine has taken in the transcript and the context of every segment the span covers
        (``prepare(partial=...)`` takes in part of it: ``suggest`` says nothing for the rest)."""
        with self._lock:
            complete = self._complete.get(transcript_id)
            feats = self._features.get(transcript_id)
            if feats is None or complete is None:
                return feats is not None
            rows = [i for i in feats.find(start, end) if not feats.interviewer[i]]
            return bool(complete[rows].all())

    def _features_of(self, project: "Project", tid: int) -> SegmentFeatures | None:
        """The transcript's features; one imported after ``prepare`` is embedded now."""
        feats = self._features.get(tid)
        return feats if feats is not None else self._late_features(project, tid)

    def _score_span(self, project: "Project", transcript: str | int, start: int, end: int) -> SpanScores | None:
        tid = project.transcript_id(transcript)
        feats = self._features_of(project, tid)
        if feats is None:
            return None
        rows = [i for i in feats.find(start, end) if not feats.interviewer[i]]
        if not rows or (tid in self._complete and not self._complete[tid][rows].all()):
            return None
        vectors = feats.vectors[rows].mean(0, keepdims=True)
        if len(rows) == 1:
            z, members = (a[rows] for a in self._zscores[tid])
            ctx = feats.context[rows]
        else:
            ctx = feats.context[rows].mean(0, keepdims=True)
            ctx = ctx / max(float(np.linalg.norm(ctx)), 1e-9)
            val = feats.valence[rows].mean(keepdims=True)
            tval = feats.turn_valence[rows].mean(keepdims=True)
            z, members = self.zeroshot.scores(ctx, val, tval)
        content = np.array([feats.content[rows].sum()])
        position = np.array([feats.position[rows].mean()])
        val = np.array([feats.valence[rows].mean()])
        tval = np.array([feats.turn_valence[rows].mean()])
        previous = self._previous(tid, [rows[0]])
        out = self._probabilities(z, members, ctx, val, tval, content, position, previous,
                                  np.array([feats.turn_size[rows].max()]), self._following(tid, [rows[-1]]),
                                  collection=feats.collection)
        out.rows = rows
        out.vectors = vectors
        return out

    def transcript_scores(self, project: "Project", transcript: str | int) -> tuple[SegmentFeatures, SpanScores] | None:
        """Scores of every respondent segment of a transcript at once (for batch runs)."""
        if not self._ready:
            return None
        with self._lock, one_blas_thread():
            return self._transcript_scores(project, transcript)

    def _transcript_scores(self, project: "Project", transcript: str | int):
        tid = project.transcript_id(transcript)
        feats = self._features_of(project, tid)
        if feats is None:
            return None
        rows = np.flatnonzero(~feats.interviewer & self._complete.get(tid, True))
        z, members = (a[rows] for a in self._zscores[tid])
        learned = self._learned(feats.context[rows], feats.valence[rows], feats.turn_valence[rows],
                                feats.content[rows])
        # the next sentence of a row is mostly a row too: its learned answer is reused, not asked again
        at_hand = {(tid, int(i)): (learned[0][n], learned[1][n]) for n, i in enumerate(rows)} if learned else None
        out = self._probabilities(z, members, feats.context[rows], feats.valence[rows],
                                  feats.turn_valence[rows], feats.content[rows], feats.position[rows],
                                  self._previous(tid, rows.tolist()), feats.turn_size[rows],
                                  self._following(tid, rows.tolist(), at_hand), learned=learned,
                                  collection=feats.collection)
        out.rows = rows.tolist()
        out.vectors = feats.vectors[rows]
        return feats, out

    def code_scores(self, project: "Project", transcript: str | int, start: int, end: int) -> dict[str, float]:
        """Every codable code's probability for a span, for ranking a code search (no threshold).

        The code the engine would show for a family (``choose_code``: a
        factor, or the head where the coder codes that family at its head)
        gets the family's probability; its other codes a little less, the
        less the worse they fit the span, so that within a family the code
        the engine would show comes first. Empty when the engine is not
        ready or the span holds nothing to code.
        """
        scores = self.score_span(project, transcript, start, end)
        return {} if scores is None else self.scores_by_code(scores)

    def scores_by_code(self, scores: SpanScores, row: int = 0) -> dict[str, float]:
        """``code_scores`` from a span's scores already at hand (see there)."""
        from codering.suggest.explain import choose_code

        zs = self.zeroshot
        out: dict[str, float] = {}
        for h, head in enumerate(zs.heads):
            p = float(scores.prob[row, h])
            members = zs.families[head].members
            fit = {c: float(scores.members[row, zs.code_index[c]]) for c in members}
            best = max(fit.values())
            for c in members:
                out[c] = max(0.0, p - 0.01 * (1.0 + best - fit[c]))
            out[choose_code(self, scores, row, h)] = p  # the code the list would show for the family leads
        return out

    def ranked(self, scores: SpanScores, row: int = 0, threshold: bool = True,
               likely_only: bool = False) -> list[str]:
        """Every family as the code it would be shown as, best first (no explanations).

        With ``threshold`` only what ``suggest`` could show: nothing if the
        engine abstains, else the likely families (probability >= ``min_score``)
        filled up to ``fill`` with the next best; with ``likely_only`` the
        likely ones alone (what counts as a prediction).
        """
        from codering.suggest.explain import choose_code

        if threshold and scores.p_any[row] < self.gate:
            return []
        prob = scores.prob[row]
        order = [int(h) for h in np.argsort(-prob)]
        if threshold:
            likely = [h for h in order if prob[h] >= self.min_score]
            order = likely if likely_only else likely + [h for h in order if prob[h] < self.min_score][
                :max(0, self.fill - len(likely))]
        return [choose_code(self, scores, row, h) for h in order]

    def suggestions_for_row(self, scores: SpanScores, row: int, k: int = 3,
                            exclude_key: tuple[int, int] | None = None, threshold: bool = True) -> list[Suggestion]:
        return self._suggestions(scores, row, k, exclude_key=exclude_key, threshold=threshold)

    # -- building ------------------------------------------------------------------------
    def _build_zeroshot(self, project: "Project", progress, cancelled) -> bool:
        codebook = project.codebook()
        phrases = code_phrases(codebook)
        fams = families(codebook)
        anchors = list(POSITIVE_ANCHORS) + list(NEGATIVE_ANCHORS)
        texts = [p.text for p in phrases] + anchors
        vectors = embed_cached(self.embedder, texts, memory=self._memory, progress=progress, cancelled=cancelled,
                               user_cache=user_vector_cache() if self.use_user_cache else None,
                               what="embedding the codebook")
        if vectors is None:
            return False
        n = len(phrases)
        npos = len(POSITIVE_ANCHORS)
        zs = ZeroShot(phrases, vectors[:n], fams, vectors[n:n + npos], vectors[n + npos:])
        with self._lock:
            self.zeroshot = zs
            self._codebook = codebook
            self._codebook_key = codebook_key(phrases, fams)
            self.learner = Learner(zs.heads, zs.center)
            self._opposite = opposites(zs.heads)
            self.calibrator = Calibrator()
            self._training_key = None
            self._builder = None
        return True

    def _codebook_changed(self, project: "Project") -> bool:
        codebook = project.codebook()
        if codebook is self._codebook:
            return False
        key = codebook_key(code_phrases(codebook), families(codebook))
        self._codebook = codebook
        return key != self._codebook_key

    def _featurise(self, tid: int, segs, partial: bool = False) -> SegmentFeatures:
        self._complete.pop(tid, None)
        if not segs:
            return build_features(tid, segs, np.zeros((0, 1), np.float32))
        dim = len(next(iter(self._memory.values())))
        blank = np.zeros(dim, np.float32)
        keys = [text_key(s.text) for s in segs]
        vectors = np.stack([self._memory.get(k, blank) for k in keys])
        if partial:  # which segments have their final context (a text not needed is blank either way)
            wanted = {text_key(s.text) for s in needed(segs)}
            self._complete[tid] = context_complete(segs, [k in self._memory or k not in wanted for k in keys])
        return build_features(tid, segs, vectors)

    def add_transcript(self, project: "Project", transcript_id: int, partial: bool = False) -> None:
        """Take in (again) a transcript left out of ``prepare``, without refitting the corpus statistics;
        with ``partial``, as far as its vectors exist (see ``prepare``)."""
        self._late_features(project, transcript_id, partial)

    def _cached(self, project: "Project", texts: list[str]) -> None:
        """The project's vectors of ``texts`` that exist, into memory (nothing is embedded)."""
        keys = [k for k in dict.fromkeys(text_key(t) for t in texts) if k not in self._memory]
        self._memory.update(project.cached_vectors(self.embedder.model_id, keys) if keys else {})

    def _late_features(self, project: "Project", tid: int, partial: bool = False) -> SegmentFeatures | None:
        """A transcript imported after ``prepare``: embed it now (slow path)."""
        segs = project.segments(tid)
        texts = [s.text for s in needed(segs)]
        if partial:
            self._cached(project, texts)
        elif embed_cached(self.embedder, texts, project=project, memory=self._memory,
                          user_cache=self.segment_cache) is None:
            return None
        with self._lock:
            self._features[tid] = self._featurise(tid, segs, partial=partial)
            self._names[tid] = project.transcript_name(tid)
            self._score_transcript(tid)
            self._builder = None
        return self._features[tid]

    def _fit_corpus(self) -> None:
        resp = [f for f in self._features.values() if len(f)]
        if resp:
            mask = [~f.interviewer & self._complete.get(f.transcript_id, True) for f in resp]
            self.zeroshot.fit_corpus(np.concatenate([f.context[m] for f, m in zip(resp, mask)]),
                                     np.concatenate([f.valence[m] for f, m in zip(resp, mask)]),
                                     np.concatenate([f.turn_valence[m] for f, m in zip(resp, mask)]),
                                     np.concatenate([np.full(int(m.sum()), f.collection) for f, m in zip(resp, mask)]))
        self._zscores = {}
        for tid in self._features:
            self._score_transcript(tid)
        if self.learner is not None and self.learner.center is not self.zeroshot.center:
            self.learner = Learner(self.zeroshot.heads, self.zeroshot.center)  # examples are centred anew
            self._training_key = None

    def _score_transcript(self, tid: int) -> None:
        f = self._features[tid]
        self._zscores[tid] = self.zeroshot.scores(f.context, f.valence, f.turn_valence) if len(f) else (
            np.zeros((0, len(self.zeroshot.heads))), np.zeros((0, len(self.zeroshot.codes))))

    # -- learning -------------------------------------------------------------------------
    def _fit_learner(self, project: "Project") -> None:
        if not self.learn:
            return
        if self._builder is None:
            # partly prepared transcripts give examples once they are whole
            features = {t: f for t, f in self._features.items() if t not in self._complete} if self._complete \
                else self._features
            self._builder = TrainingBuilder(features, self._names, self.zeroshot)
        built = self._builder.build(project)
        data = built.data
        if built.signature != self._rejection_key:
            self._rejection_rows = None
            self._rejection_key = built.signature
        self._coded, self._rejected, self._head_level = built.positives, built.rejections, built.head_level
        self._codes_at = built.codes
        self._reviewed = built.reviewed
        if built.signature == self._training_key:
            return
        self._training_key = built.signature
        self.learner.fit(data, built.context)
        # Collections of labelled segments say nothing about how often interview sentences carry a code:
        # until the coder has reviewed interview sentences, the learned "any code" outputs stay out of the gate.
        self._interview_examples = bool(data.n and data.interview.any())
        H = len(self.zeroshot.heads)
        pos = data.Y[:, :H].sum(0) if data.n else np.zeros(H)
        coded_n = data.coded.sum() if data.n else 0.0
        self._base_rate = np.log((pos + 0.5) / (coded_n + 1.0)) if data.n else None
        grown = data.n - self.calibrator.fitted_on
        # Growth or shrinkage (undo, a removed transcript) by a tenth refits; one undo does not (1.5 s at 18k rows).
        if data.n and (data.n < 100 or abs(grown) >= max(REFIT_EVERY, 0.1 * self.calibrator.fitted_on)):
            self._fit_calibrator(data)

    def _fit_calibrator(self, data) -> None:
        H = len(self.zeroshot.heads)
        rows = np.arange(data.n)
        if data.n > CALIBRATION_ROWS:  # a sample is plenty for a handful of coefficients
            rows = np.sort(np.random.default_rng(data.n).choice(data.n, CALIBRATION_ROWS, replace=False))
        examples = [data.examples[r] for r in rows]
        z = np.stack([self._zscores[e.key[0]][0][e.key[1]] for e in examples])
        ridge, knn = self.learner.training_predictions(rows)
        feats = [self._features[e.key[0]] for e in examples]
        idx = [e.key[1] for e in examples]
        previous = self._previous_examples(examples)
        following = self._following_examples(examples)
        F = code_features(z, ridge[:, :H], knn[:, :H], self._base_rate, previous, self._opposite, following)
        ctx = np.stack([f.context[i] for f, i in zip(feats, idx)])
        collection = np.array([f.collection for f in feats])
        G = gate_features(z, self.zeroshot.relevance(ctx, collection),
                          np.array([f.content[i] for f, i in zip(feats, idx)]),
                          ridge[:, H], knn[:, H],
                          np.array([f.position[i] for f, i in zip(feats, idx)]), previous.state, previous.contrast,
                          np.array([f.turn_size[i] for f, i in zip(feats, idx)]))
        self.calibrator.fit(F, data.Y[rows, :H], G, data.coded[rows], data.interview[rows])
        self.calibrator.fitted_on = data.n
        self._fit_thresholds(F, data.Y[rows, :H], G, data.coded[rows], data.interview[rows])

    def _fit_thresholds(self, F, Y, G, coded, interview) -> None:
        """The abstention and "likely" thresholds that fit this project's decisions (see ``thresholds``)."""
        if not (self.auto_gate or self.auto_min_score):
            return
        p_any = self.calibrator.gate_prob(G)
        p_code = self.calibrator.code_prob(F)
        gate, likely = thresholds(p_any, p_code, Y, coded.astype(bool), interview.astype(bool))
        if self.auto_gate:
            self.gate = gate
        if self.auto_min_score:
            self.min_score = likely

    # -- scoring ------------------------------------------------------------------------------
    def _previous(self, tid: int, rows: list[int]) -> Previous:
        """What the coder did on the sentence before each row, in the same turn (see ``Previous``).

        Transcripts without interviewer turns (collections of labelled
        segments) say nothing about how codes run on, so they give zeros.
        """
        H = len(self.zeroshot.heads)
        empty: dict[int, set[str]] = {}
        out = Previous(np.zeros((len(rows), H)), np.zeros(len(rows)), np.zeros(len(rows)), np.zeros(len(rows)),
                       [empty] * len(rows))
        f = self._features.get(tid)
        if f is None or not self._reviewed or f.collection:
            return out
        if f.contrast is not None:
            out.contrast[:] = f.contrast[rows]
        if f.addition is not None:
            out.addition[:] = f.addition[rows]
        for r, i in enumerate(rows):
            j = i - 1
            if j < 0 or f.turns[j] != f.turns[i] or f.interviewer[j]:
                continue
            coded = self._coded.get((tid, j))
            if coded:
                for h in coded:  # how many sentences of the turn the code has run, up to the one before
                    n, k = 1, j - 1
                    while k >= 0 and f.turns[k] == f.turns[i] and not f.interviewer[k] \
                            and h in self._coded.get((tid, k), ()):
                        n, k = n + 1, k - 1
                    out.runs[r, h] = n
                out.codes[r] = self._codes_at.get((tid, j), empty)  # the builder's own (read, don't change)
                out.state[r] = 1.0
            elif (tid, j) in self._reviewed:
                out.state[r] = -1.0
        return out

    def _previous_examples(self, examples) -> Previous:
        """``_previous`` for calibration rows: one call per transcript, rows back in the examples' order."""
        H = len(self.zeroshot.heads)
        out = Previous(np.zeros((len(examples), H)), np.zeros(len(examples)), np.zeros(len(examples)),
                       np.zeros(len(examples)))
        for tid, where in _by_transcript(examples).items():
            part = self._previous(tid, [examples[r].key[1] for r in where])
            for name in Previous._fields[:4]:
                getattr(out, name)[where] = getattr(part, name)
        return out

    def _next_rows(self, tid: int, rows: list[int]) -> np.ndarray:
        """(m,) the next sentence of the same respondent turn after each row, -1 where there is none."""
        f = self._features.get(tid)
        out = np.full(len(rows), -1, dtype=np.int64)
        if f is None or f.collection:  # a collection of segments: no passages
            return out
        for r, i in enumerate(rows):
            j = i + 1
            if j < len(f) and f.turns[j] == f.turns[i] and not f.interviewer[j]:
                out[r] = j
        return out

    def _following(self, tid: int, rows: list[int], loo: dict | None = None):
        """(z gap, ridge, k-NN) of the next sentence of the turn after each row (see ``code_features``).

        ``loo`` maps the key of a sentence to a (ridge, k-NN) row to use
        instead of asking the fitted model: a training example's leave-one-out
        row (the calibrator must not see a next sentence's own label), or the
        model's answer already at hand (a whole transcript scored at once).
        """
        H = len(self.zeroshot.heads)
        nxt = self._next_rows(tid, rows)
        gap = np.zeros((len(rows), H))
        has = nxt >= 0
        learned = self.learn and self.learner is not None and self.learner.trained
        ridge = np.zeros((len(rows), H)) if learned else None
        knn = np.zeros((len(rows), H)) if learned else None
        if not has.any():
            return gap, ridge, knn
        idx = nxt[has]
        z = self._zscores[tid][0][idx]
        gap[has] = np.maximum(z - z.max(1, keepdims=True), -NEXT_GAP_FLOOR)
        if learned:
            f = self._features[tid]
            known = [(loo or {}).get((tid, int(i))) for i in idx]
            ask = np.array([pos for pos, row in enumerate(known) if row is None], dtype=np.int64)
            r = np.zeros((len(idx), H))
            k = np.zeros((len(idx), H))
            if len(ask):  # only the sentences whose answer is not at hand
                where = idx[ask]
                pr, pk, _ = self._learned(f.context[where], f.valence[where], f.turn_valence[where],
                                          f.content[where])
                r[ask], k[ask] = pr[:, :H], pk[:, :H]
            for pos, row in enumerate(known):
                if row is not None:
                    r[pos], k[pos] = row[0][:H], row[1][:H]
            ridge[has], knn[has] = r, k
        return gap, ridge, knn

    def _following_examples(self, examples) -> tuple:
        """``_following`` for calibration rows (examples of the training set), where the next sentence is
        an example too without this sentence and what follows (see ``Learner.training_predictions``)."""
        data = self.learner.data
        index = {e.key: r for r, e in enumerate(data.examples)}
        wanted = sorted({index[(e.key[0], e.key[1] + 1)] for e in examples if (e.key[0], e.key[1] + 1) in index})
        loo = {}
        if wanted:
            wanted = np.array(wanted)  # each next sentence's vote as it stood when the coder reached this one
            ridge, knn = self.learner.training_predictions(wanted, hide_from=data.keys[wanted, 1] - 1)
            loo = {data.examples[r].key: (ridge[p], knn[p]) for p, r in enumerate(wanted)}
        H = len(self.zeroshot.heads)
        learned = self.learn and self.learner is not None and self.learner.trained
        gap = np.zeros((len(examples), H))
        ridge = np.zeros((len(examples), H)) if learned else None
        knn = np.zeros((len(examples), H)) if learned else None
        for tid, where in _by_transcript(examples).items():  # one model call per transcript
            g, rg, kn = self._following(tid, [examples[r].key[1] for r in where], loo)
            gap[where] = g
            if learned:
                ridge[where], knn[where] = rg, kn
        return gap, ridge, knn

    def _learned(self, ctx, val, tval, content):
        """The learner's (ridge, k-NN, similarities) for these segments; None before it has learned."""
        learner = self.learner
        if not (self.learn and learner is not None and learner.trained):
            return None
        return learner.predict(design_matrix(ctx, val, tval, content), ctx)

    def _probabilities(self, z, members, ctx, val, tval, content, position, previous=None,
                       turn_size=None, following=None, learned=None, collection: bool = False) -> SpanScores:
        H = len(self.zeroshot.heads)
        ridge = knn = sims = None
        if learned is None:
            learned = self._learned(ctx, val, tval, content)
        if learned is not None:
            ridge, knn, sims = learned
        F = code_features(z, None if ridge is None else ridge[:, :H], None if knn is None else knn[:, :H],
                          self._base_rate if ridge is not None else None, previous, self._opposite, following)
        learned_any = ridge is not None and self._interview_examples
        G = gate_features(z, self.zeroshot.relevance(ctx, collection), content,
                          ridge[:, H] if learned_any else None,
                          knn[:, H] if learned_any else None, position,
                          None if previous is None else previous.state,
                          None if previous is None else previous.contrast, turn_size)
        p_code = self.calibrator.code_prob(F)
        p_any = self.calibrator.gate_prob(G)
        return SpanScores([], p_any, p_code, members, ridge, knn, sims, previous=previous)

    def _rejected_nearby(self, scores: SpanScores, row: int) -> set[str]:
        """Codes the coder rejected or removed on a sentence nearly identical to this one, anywhere in
        the project (sentence vectors at cosine >= ``NEAR_DUPLICATE``), unless the coder also coded
        that code on it: "not this code for this sentence" holds for its near copies too."""
        if not self._rejected or scores.vectors is None:
            return set()
        if self._rejection_rows is None:
            keys = [k for k in self._rejected if k[0] in self._features]
            self._rejection_rows = (keys, np.stack([self._features[t].vectors[i] for t, i in keys])
                                    if keys else np.zeros((0, scores.vectors.shape[1]), np.float32))
        keys, vectors = self._rejection_rows
        if not keys:
            return set()
        sims = vectors @ scores.vectors[row]
        out: set[str] = set()
        for j in np.flatnonzero(sims >= NEAR_DUPLICATE):
            out |= self._rejected[keys[int(j)]]
        return out

    def _span_key(self, project: "Project", transcript, scores: SpanScores) -> tuple[int, int] | None:
        if len(scores.rows) != 1:
            return None
        return (project.transcript_id(transcript), scores.rows[0])

    def _suggestions(self, scores: SpanScores, row: int, k: int, exclude_key=None,
                     threshold: bool = True) -> list[Suggestion]:
        from codering.suggest.explain import describe

        if threshold and scores.p_any[row] < self.gate:
            return []
        prob = scores.prob[row]
        coded = self._coded.get(exclude_key, set()) if exclude_key else set()
        rejected = set(self._rejected.get(exclude_key, set())) if exclude_key else set()
        rejected |= self._rejected_nearby(scores, row)
        out: list[Suggestion] = []
        for h in np.argsort(-prob):
            if len(out) >= k:
                break
            likely = bool(prob[h] >= self.min_score)
            if threshold and not likely and len(out) >= self.fill:
                break
            if int(h) in coded:
                continue
            suggestion = describe(self, scores, row, int(h), float(prob[h]))
            if suggestion.code_id in rejected:
                continue
            out.append(suggestion if likely else replace(suggestion, likely=False))
        return out
