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
one on screen first (:meth:`EngineLoader.focus`), then the others in overview
order. As soon as the first transcript is embedded the engine answers for it
(:meth:`EngineLoader.ready_for`); every transcript after that is scored as it
is done and its suggestions are stored, so the overview's column fills in;
``on_transcript`` reports each one. Finally the engine is prepared on the
whole corpus and swapped in.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Callable

from codering.errors import SuggestError
from codering.suggest.base import KeywordSuggester, ProgressFn, Suggestion

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.base import Suggester


def default_suggester(project: "Project | None" = None) -> "Suggester":
    """The suggester of ``python tui.py`` (tests inject their own through ``make_app``)."""
    return EngineLoader()


def _build_engine(embedder=None) -> "Suggester":
    from codering.suggest.engine import EmbeddingSuggester  # heavy: numpy, sklearn; the runtime on prepare

    return EmbeddingSuggester(embedder=embedder)


def _embedder_for(project: "Project"):
    """The embedder of the project's model (loaded on first encode)."""
    from codering.suggest.embed import SentenceTransformerEmbedder
    from codering.suggest.model import DEFAULT_MODEL

    return SentenceTransformerEmbedder(project.setting("model") or DEFAULT_MODEL)


class EngineLoader:
    """Implements the Suggester protocol; builds the real engine during ``prepare``.

    ``build(embedder)`` makes the engine for an embedder (None: the engine
    picks the project's model itself); ``embedder_for(project)`` the
    embedder for incremental preparation (None: always prepare in one go).
    """

    def __init__(self, build: Callable[..., "Suggester"] = _build_engine,
                 embedder_for: Callable[["Project"], object] | None = _embedder_for) -> None:
        self._build = build
        self._embedder_for = embedder_for
        self._inner: Suggester | None = None
        self._lock = threading.Lock()
        self.fallback = False
        self._embedder = None
        self._focus: int | None = None
        self._available: set[int] | None = None  # None: every transcript (the whole corpus is prepared)
        self.on_transcript: Callable[[int], None] | None = None  # called from the worker thread
        self.first_ready_at: float | None = None  # perf_counter when the first transcript became ready

    def focus(self, transcript_id: int | None) -> None:
        """Embed this transcript next (the one on screen); safe from any thread."""
        self._focus = transcript_id

    def ready_for(self, transcript_id: int) -> bool:
        """True when suggestions for this transcript are real (its vectors exist)."""
        available = self._available
        return self.ready and (available is None or transcript_id in available)

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
            engine = self._build(embedder) if embedder is not None else self._build()
        except ImportError as exc:
            self._use_keywords(project, progress, cancelled)
            name = getattr(exc, "name", None) or str(exc)
            raise SuggestError(f"the suggestion engine cannot be loaded (missing package: {name}); "
                               "showing keyword suggestions instead; install it with `make setup`",
                               title="Model niet beschikbaar") from None
        try:
            if embedder is None or not self._incrementally(project, engine, embedder, progress, cancelled):
                engine.prepare(project, progress, cancelled)
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
        with self._lock:
            self._inner = engine
            self._available = None

    def _incrementally(self, project: "Project", engine, embedder, progress: ProgressFn | None,
                       cancelled: Callable[[], bool]) -> bool:
        """Embed transcript by transcript, the focused one first, answering for each as it is done.

        Returns False (nothing done) when every segment is embedded already:
        then one plain ``prepare`` is quicker. Leaves the engine prepared on
        the whole corpus when it returns True (unless cancelled).
        """
        import time

        from codering.suggest.batch import store_transcript_suggestions
        from codering.suggest.embed import embed_cached, text_key
        from codering.suggest.features import needed

        infos = project.transcripts()
        texts: dict[int, list[str]] = {t.id: [s.text for s in needed(project.segments(t.id))] for t in infos}
        todo: list[int] = []
        ready: set[int] = set()
        for info in infos:
            keys = list(dict.fromkeys(text_key(t) for t in texts[info.id]))
            have = project.cached_vectors(embedder.model_id, keys) if keys else {}
            if len(have) == len(keys):
                ready.add(info.id)
            else:
                todo.append(info.id)
        if not todo:
            return False
        total = sum(len(texts[t]) for t in todo)
        done = 0
        first = True
        while todo:
            if cancelled():
                return True
            focus = self._focus
            tid = focus if focus in todo else todo[0]
            todo.remove(tid)
            offset = done

            def each(what: str, n: int, _total: int, offset: int = offset) -> None:
                if progress:
                    progress("embedding segments", offset + n, total)

            if embed_cached(embedder, texts[tid], project=project, progress=each, cancelled=cancelled,
                            what="embedding segments") is None:
                return True
            done += len(texts[tid])
            ready.add(tid)
            if first:  # the engine starts answering: codebook + this transcript (+ any embedded before)
                engine.prepare(project, None, cancelled, transcripts=set(ready))
                if cancelled() or not engine.ready:
                    return True
                with self._lock:
                    self._inner = engine
                    self._available = set(ready)
                    self.first_ready_at = time.perf_counter()
                first = False
            with self._lock:
                self._available = set(ready)
            store_transcript_suggestions(project, engine, tid)  # scores it (late features) for the overview
            if self.on_transcript is not None:
                self.on_transcript(tid)
        # The whole corpus: its statistics and every example, in a fresh engine swapped in when ready.
        final = self._build(embedder)
        final.prepare(project, progress, cancelled)
        if not cancelled():
            with self._lock:
                self._inner = final
                self._available = None
        return True

    def _use_keywords(self, project: "Project", progress: ProgressFn | None,
                      cancelled: Callable[[], bool]) -> None:
        keywords = KeywordSuggester()
        keywords.prepare(project, progress, cancelled)
        with self._lock:
            self._inner = keywords
            self.fallback = True

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        inner = self._engine_for(project, transcript)
        return inner.suggest(project, transcript, start, end, k) if inner is not None else []

    def _engine_for(self, project: "Project", transcript: str | int):
        """The engine, if it can answer for this transcript (not embedded yet: None; never embed on the UI
        thread)."""
        if self._available is not None and project.transcript_id(transcript) not in self._available:
            return None
        return self._inner

    def code_scores(self, project: "Project", transcript: str | int, start: int, end: int) -> dict[str, float]:
        """Every code's probability for a span (the code picker ranks by it); {} when not available."""
        scorer = getattr(self._engine_for(project, transcript), "code_scores", None)
        return scorer(project, transcript, start, end) if scorer is not None else {}

    def observe(self, project: "Project") -> None:
        inner = self._inner
        if inner is not None:
            inner.observe(project)
