"""Which suggester the UI uses, chosen in one place (no Textual).

:func:`default_suggester` is the one line to change. It returns an
:class:`EngineLoader`: a suggester that imports and builds the real engine
(``codering.suggest.engine``, with torch and sentence-transformers) only
inside ``prepare``, which the app runs in a worker thread, so the UI starts
without paying for those imports. If the engine or its model package is
missing, ``prepare`` falls back to the keyword suggester and raises a
``SuggestError`` that says so; coding by hand is never affected.

On a project whose segments are not all embedded yet (``codering suggest``
never ran, or a new model), ``prepare`` goes transcript by transcript: the
one on screen first (:meth:`EngineLoader.focus`), and that one from the
part on screen outwards: as soon as the sentences on screen (with their
turns and questions) are embedded, an engine answers for them
(:meth:`EngineLoader.ready_for` with a span); when the whole transcript is
embedded, an engine prepared on it replaces that one. Every transcript after
that is scored as it is done and its suggestions are stored, so the
overview's column fills in; ``on_transcript`` reports each one,
``on_change`` every change in what is answered. Finally the engine is
prepared on the whole corpus and swapped in.

While a new model's vectors are made (an adapted model was adopted), the
engine of the model before keeps answering for the transcripts the new one
has not done yet, each engine with its own model's vectors only. After an
import (same model), the new transcripts join the engine in use the same
way, and a fresh engine on the whole corpus replaces it at the end.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

from codering.errors import SuggestError
from codering.suggest.base import LIKELY, KeywordSuggester, ProgressFn, Suggestion

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.base import Suggester


def default_suggester(project: "Project | None" = None) -> "Suggester":
    """The suggester of ``python tui.py`` (tests inject their own through ``make_app``)."""
    return EngineLoader()


#: What ``progress`` says while the model itself is made ready (no count: a one-time build takes about half a
#: minute, opening the built model about a second); the UI words them in Dutch.
BUILDING_MODEL = "building the model"
OPENING_MODEL = "opening the model"


def model_steps(progress: ProgressFn) -> Callable[[str], None]:
    """The embedder's ``say`` for a loader with ``progress``: the model's one-time build and its opening
    become progress steps (the build's own English lines are for the command line)."""

    def say(message: str) -> None:
        if " ready in " in message:  # the build's last line; what comes next reports itself
            return
        progress(OPENING_MODEL if message.startswith("Loading") else BUILDING_MODEL, 0, 0)

    return say


def _build_engine(embedder=None) -> "Suggester":
    from codering.suggest.engine import EmbeddingSuggester  # heavy: numpy, sklearn; the runtime on prepare

    return EmbeddingSuggester(embedder=embedder)


def _embedder_for(project: "Project"):
    """The embedder of the project's model (loaded on first encode)."""
    from codering.suggest.adapt import project_model
    from codering.suggest.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(project_model(project))


class EngineLoader:
    """Implements the Suggester protocol; builds the real engine during ``prepare``.

    ``build(embedder)`` makes the engine for an embedder (None: the engine
    picks the project's model itself); ``embedder_for(project)`` the
    embedder for incremental preparation (None: always prepare in one go).

    Every time what the loader answers changes (a part of a transcript, a
    whole transcript, the whole corpus, another model) ``generation`` grows,
    so whoever keeps suggestions knows to ask again.
    """

    def __init__(self, build: Callable[..., "Suggester"] = _build_engine,
                 embedder_for: Callable[["Project"], object] | None = _embedder_for) -> None:
        self._build = build
        self._embedder_for = embedder_for
        self._inner: Suggester | None = None
        self._lock = threading.Lock()
        self.fallback = False
        self._embedder = None
        self._focus: tuple[int | None, tuple[int, int] | None] = (None, None)
        self._available: set[int] | None = None  # None: every transcript (the whole corpus is prepared)
        # While another model's vectors are made (a new or adapted model): the engine of the model before,
        # prepared on the whole corpus, and the transcripts it has; it answers where the new one cannot yet.
        self._before: tuple["Suggester", frozenset[int]] | None = None
        self._prepared: frozenset[int] = frozenset()  # the transcripts the whole-corpus engine has
        self.generation = 0
        self.on_transcript: Callable[[int], None] | None = None  # a transcript is done (worker thread)
        self.on_change: Callable[[int], None] | None = None  # what is answered for a transcript changed
        self.first_ready_at: float | None = None  # perf_counter when the focused transcript first answered

    def focus(self, transcript_id: int | None, start: int | None = None, end: int | None = None) -> None:
        """Embed this transcript next (the one on screen), from ``content[start:end]`` (the part on
        screen, the cursor in it) outwards; safe from any thread."""
        self._focus = (transcript_id, (start, end) if start is not None and end is not None else None)

    def ready_for(self, transcript_id: int, start: int | None = None, end: int | None = None) -> bool:
        """True when suggestions for this transcript (with ``start``/``end``: for this span) are real:
        the vectors they are made from exist."""
        engine = self._engine_for_id(transcript_id)
        if engine is None or not engine.ready:
            return False
        answers = getattr(engine, "answers", None)
        return start is None or end is None or answers is None or answers(transcript_id, start, end)

    def model_for(self, transcript_id: int) -> str:
        """The model whose vectors the suggestions for this transcript come from."""
        engine = self._engine_for_id(transcript_id)
        return engine.model_id if engine is not None else self.model_id

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return self._inner.model_id if self._inner is not None else "laden"

    @property
    def ready(self) -> bool:
        inner = self._inner
        return inner is not None and inner.ready

    def prepare(self, project: "Project", progress: ProgressFn | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> None:
        try:
            embedder = self._embedder_for(project) if self._embedder_for is not None else None
            previous = self._embedder
            if embedder is not None and previous is not None and previous.model_id == embedder.model_id:
                embedder = previous  # prepared again (e.g. after an import): the model is loaded already
            self._embedder = embedder
            if progress is not None and embedder is not None and hasattr(embedder, "say"):
                embedder.say = model_steps(progress)  # a first use builds the model: say so, not "0%"
            engine = self._build(embedder) if embedder is not None else self._build()
        except ImportError as exc:
            self._use_keywords(project, progress, cancelled)
            name = getattr(exc, "name", None) or str(exc)
            raise SuggestError(f"the suggestion engine cannot be loaded (missing package: {name}); "
                               "showing keyword suggestions instead; install it with `make setup`",
                               title="Model niet beschikbaar") from None
        try:
            final = self._incrementally(project, embedder, progress, cancelled) if embedder is not None else None
            stored_early = final is not None  # transcript by transcript, by engines that knew part of the corpus
            if final is None:
                engine.prepare(project, progress, cancelled)
                final = engine
        except ImportError as exc:
            self._use_keywords(project, progress, cancelled)
            name = getattr(exc, "name", None) or str(exc)
            raise SuggestError(f"the embedding model cannot be loaded (missing package: {name}); "
                               "showing keyword suggestions instead", title="Model niet beschikbaar") from None
        except SuggestError:
            self._use_keywords(project, progress, cancelled)
            raise
        if cancelled():
            return
        self._publish(final, None, whole=frozenset(t.id for t in project.transcripts()))
        if stored_early:
            self._store_again(project, final, cancelled)

    def _store_again(self, project: "Project", engine, cancelled: Callable[[], bool]) -> None:
        """Store every transcript's suggestions again from the engine of the whole corpus: the ones stored
        while embedding came from engines that knew part of it (what the overview counts, and what is
        shown before the model is loaded next time)."""
        from codering.suggest.batch import store_transcript_suggestions

        if not hasattr(engine, "transcript_scores"):
            return
        for info in project.transcripts():
            if cancelled():
                return
            store_transcript_suggestions(project, engine, info.id)
            self._changed(info.id)

    def _publish(self, engine, available: set[int] | None, whole: frozenset[int] = frozenset()) -> None:
        """Answer with ``engine`` for ``available`` (None: the whole corpus, the transcripts ``whole``)."""
        with self._lock:
            current = self._inner
            if (available is not None and self._before is None and current is not None and self._available is None
                    and not self.fallback and current.model_id != engine.model_id):
                self._before = (current, self._prepared)  # the model before answers until this one is done
            self._inner = engine
            self._available = available
            if available is None:
                self._before = None
                self._prepared = whole
            self.generation += 1

    def _incrementally(self, project: "Project", embedder, progress: ProgressFn | None,
                       cancelled: Callable[[], bool]):
        """Embed transcript by transcript, the focused one first, answering for each as it is done.

        Each transcript goes in steps (see ``_transcript``); when the coder
        opens another transcript meanwhile, that one comes next (what was
        embedded of the other stays in the project's cache). Returns None
        (nothing done) when every segment is embedded already: then one plain
        ``prepare`` is quicker; else the engine prepared on the whole corpus
        (unusable if cancelled).
        """
        from codering.suggest.batch import store_transcript_suggestions
        from codering.suggest.embed import text_key
        from codering.suggest.features import needed

        infos = project.transcripts()
        counts: dict[int, int] = {}
        todo: list[int] = []
        ready: set[int] = set()
        for info in infos:
            texts = [s.text for s in needed(project.segments(info.id))]
            keys = list(dict.fromkeys(text_key(t) for t in texts))
            have = project.cached_vectors(embedder.model_id, keys) if keys else {}
            if len(have) == len(keys):
                ready.add(info.id)
            else:
                todo.append(info.id)
                counts[info.id] = len(texts) - sum(1 for t in texts if text_key(t) in have)
        if not todo:
            return None
        total = sum(counts.values())
        done = [0]  # texts embedded before the current call of embed_cached

        def each(what: str, n: int, _total: int) -> None:
            if progress:
                progress("embedding segments", done[0] + n, total)

        engine = None  # answers for the transcripts in ``ready``
        with self._lock:
            current, whole = self._inner, self._available is None
        if (whole and current is not None and not self.fallback and current.ready
                and current.model_id == embedder.model_id and hasattr(current, "add_transcript")):
            engine = current  # prepared again after an import: the new transcripts join the engine at hand
        while todo:
            if cancelled():
                return engine or self._build(embedder)
            focus = self._focus[0]
            tid = focus if focus in todo else todo[0]
            todo.remove(tid)
            outcome, engine = self._transcript(project, tid, ready, todo, engine, embedder, each, done, cancelled)
            if outcome == "cancelled":
                return engine or self._build(embedder)
            if outcome == "switched":  # the coder opened another transcript: that one first
                todo.insert(0, tid)
                continue
            ready.add(tid)
            self._publish(engine, set(ready))
            self._changed(tid)
            store_transcript_suggestions(project, engine, tid)  # scores it for the overview
            if self.on_transcript is not None:
                self.on_transcript(tid)
        # The whole corpus: its statistics and every example, in a fresh engine swapped in when ready.
        final = self._build(embedder)
        final.prepare(project, progress, cancelled)
        return final

    #: Texts embedded between two looks at where the coder is now (~0.15 s on 2 idle cores with int8).
    STEP = 32
    #: Steps are taken longest first from blocks of this many texts (onwards from the cursor): batches of
    #: similar lengths pad little (a transcript in contiguous steps of 32 took 23 % longer, in blocks 2 %).
    BLOCK = 256

    def _transcript(self, project: "Project", tid: int, ready: set[int], todo: list[int], engine, embedder,
                    progress: ProgressFn, done: list[int], cancelled: Callable[[], bool]):
        """Embed one transcript, the part on screen first; return (outcome, the engine answering for it
        and ``ready``); outcome is "done", "switched" (the coder opened a transcript in ``todo``) or
        "cancelled".

        When this transcript is on screen: first the sentences on screen
        with the context they need (their turns and the questions before
        them), and at once an engine answers for them; then onwards from
        the screen to the end, then the part before it, a step at a time
        (the longest texts of the next ``BLOCK`` first);
        whenever the coder has moved to a part that is not answered for yet,
        that part comes next. The first transcript done gets an engine of its
        own, prepared on it (and on ``ready``): the suggestions shown for the
        part on screen are replaced by those of the whole transcript (its
        corpus statistics), announced as a change. Later transcripts join
        that engine, as far as they are embedded.
        """
        import time

        from codering.suggest.embed import embed_cached, text_key
        from codering.suggest.features import context_rows, needed

        segs = project.segments(tid)
        wanted = {id(s) for s in needed(segs)}
        keys = {i: text_key(s.text) for i, s in enumerate(segs) if id(s) in wanted}
        have = set(project.cached_vectors(embedder.model_id, list(set(keys.values())))) if keys else set()
        answering = engine
        tried = None
        block: list[int] = []

        def embed(rows: list[int]) -> bool:
            rows = [i for i in dict.fromkeys(rows) if i in keys and keys[i] not in have]
            if not rows:
                return True
            if embed_cached(embedder, [segs[i].text for i in rows], project=project, progress=progress,
                            cancelled=cancelled, what="embedding segments") is None:
                return False
            have.update(keys[i] for i in rows)
            done[0] += len({keys[i] for i in rows})
            return True

        while True:
            missing = [i for i in keys if keys[i] not in have]
            if not missing:
                break
            if cancelled():
                return "cancelled", engine
            where, span = self._focus
            if where != tid and where in todo:
                return "switched", engine
            if where == tid and span is not None and span != tried and (
                    answering is None or not answering.answers(tid, *span)):
                tried = span
                shown = [i for i, s in enumerate(segs) if s.start < span[1] and s.end > span[0]]
                if not embed(context_rows(segs, shown)):
                    return "cancelled", engine
                if answering is None:  # the first engine: this part of the transcript and ``ready``
                    answering = self._build(embedder)
                    answering.prepare(project, None, cancelled, transcripts=ready | {tid}, partial={tid})
                    if cancelled() or not answering.ready:
                        return "cancelled", engine
                else:
                    answering.add_transcript(project, tid, partial=True)
                if self.first_ready_at is None:
                    self.first_ready_at = time.perf_counter()
                self._publish(answering, ready | {tid})
                self._changed(tid)
                continue
            block = [i for i in block if keys[i] not in have]
            if not block:
                at = span[0] if where == tid and span is not None else 0
                onward = [i for i in missing if segs[i].end > at]
                block = sorted((onward or missing)[:self.BLOCK], key=lambda i: -len(segs[i].text))
            if not embed(block[:self.STEP]):
                return "cancelled", engine
        if engine is None:  # the first transcript done: an engine of its own
            engine = self._build(embedder)
            engine.prepare(project, None, cancelled, transcripts=ready | {tid})
            if cancelled() or not engine.ready:
                return "cancelled", None
        else:
            engine.add_transcript(project, tid)
        if self.first_ready_at is None:
            self.first_ready_at = time.perf_counter()
        return "done", engine

    def _changed(self, tid: int) -> None:
        if self.on_change is not None:
            self.on_change(tid)

    def _use_keywords(self, project: "Project", progress: ProgressFn | None,
                      cancelled: Callable[[], bool]) -> None:
        keywords = KeywordSuggester()
        keywords.prepare(project, progress, cancelled)
        with self._lock:
            self._inner = keywords
            self._available = self._before = None
            self.fallback = True
            self.generation += 1

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        inner = self._engine_for(project, transcript)
        return inner.suggest(project, transcript, start, end, k) if inner is not None else []

    def _engine_for(self, project: "Project", transcript: str | int):
        """The engine that can answer for this transcript (None while it is not embedded yet: never embed on
        the UI thread)."""
        return self._engine_for_id(project.transcript_id(transcript))

    def _engine_for_id(self, transcript_id: int):
        with self._lock:
            inner, available, before = self._inner, self._available, self._before
        if available is None or transcript_id in available:
            return inner
        if before is not None and transcript_id in before[1]:
            return before[0]  # the model before, on its own vectors, until the new one has this transcript
        return None

    @property
    def min_score(self) -> float:
        """The likely threshold of the engine in use (what holds the screen after an accept compares with)."""
        with self._lock:
            inner = self._inner
        return float(getattr(inner, "min_score", LIKELY))

    def code_scores(self, project: "Project", transcript: str | int, start: int, end: int) -> dict[str, float]:
        """Every code's probability for a span (the code picker ranks by it); {} when not available."""
        scorer = getattr(self._engine_for(project, transcript), "code_scores", None)
        return scorer(project, transcript, start, end) if scorer is not None else {}

    def observe(self, project: "Project") -> None:
        with self._lock:
            engines = [self._inner] + ([self._before[0]] if self._before is not None else [])
        for engine in engines:
            if engine is not None:
                engine.observe(project)
