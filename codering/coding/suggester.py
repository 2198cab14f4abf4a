"""Which suggester the UI uses, chosen in one place (no Textual).

:func:`default_suggester` is the one line to change. It returns an
:class:`EngineLoader`: a suggester that imports and builds the real engine
(``codering.suggest.engine``, with torch and sentence-transformers) only
inside ``prepare``, which the app runs in a worker thread, so the UI starts
without paying for those imports. If the engine or its model package is
missing, ``prepare`` falls back to the keyword suggester and raises a
``SuggestError`` that says so; coding by hand is never affected.
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


def _build_engine() -> "Suggester":
    from codering.suggest.engine import EmbeddingSuggester  # heavy: numpy, sklearn; torch on prepare

    return EmbeddingSuggester()


class EngineLoader:
    """Implements the Suggester protocol; builds the real engine during ``prepare``."""

    def __init__(self, build: Callable[[], "Suggester"] = _build_engine) -> None:
        self._build = build
        self._inner: Suggester | None = None
        self._lock = threading.Lock()
        self.fallback = False

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
            engine = self._build()
        except ImportError as exc:
            self._use_keywords(project, progress, cancelled)
            name = getattr(exc, "name", None) or str(exc)
            raise SuggestError(f"the suggestion engine cannot be loaded (missing package: {name}); "
                               "showing keyword suggestions instead; install it with `make setup`",
                               title="Model niet beschikbaar") from None
        try:
            engine.prepare(project, progress, cancelled)
        except ImportError as exc:
            self._use_keywords(project, progress, cancelled)
            name = getattr(exc, "name", None) or str(exc)
            raise SuggestError(f"the embedding model cannot be loaded (missing package: {name}); "
                               "showing keyword suggestions instead", title="Model niet beschikbaar") from None
        except SuggestError:
            self._use_keywords(project, progress, cancelled)
            raise
        with self._lock:
            self._inner = engine

    def _use_keywords(self, project: "Project", progress: ProgressFn | None,
                      cancelled: Callable[[], bool]) -> None:
        keywords = KeywordSuggester()
        keywords.prepare(project, progress, cancelled)
        with self._lock:
            self._inner = keywords
            self.fallback = True

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        inner = self._inner
        return inner.suggest(project, transcript, start, end, k) if inner is not None else []

    def observe(self, project: "Project") -> None:
        inner = self._inner
        if inner is not None:
            inner.observe(project)
