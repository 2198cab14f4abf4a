"""Messages that travel up to the app, and the guard that turns errors into one of them."""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

from textual.message import Message

F = TypeVar("F", bound=Callable[..., Any])


class Failed(Message):
    """Something went wrong; the app shows it as an error dialog (never a traceback)."""

    def __init__(self, error: BaseException, context: str = "") -> None:
        super().__init__()
        self.error = error
        self.context = context


class WriteWaiting(Message):
    """A write could not reach the server (:class:`codering.errors.ConnectionLostError`) or found the
    project file locked by another process (:class:`codering.errors.ProjectLockedError`): nothing of it
    was saved; ``retry`` runs the same action again, and the app retries it until it is committed."""

    def __init__(self, error: BaseException, retry: Callable[[], Any], label: str | None = None) -> None:
        super().__init__()
        self.error = error
        self.retry = retry
        self.label = label  # a view being opened: its key's description (``Overeenstemming``); None: a decision


def reads_only(method: F) -> F:
    """Mark an action that only reads (opens a view): waiting for the server, the status line names it
    instead of speaking of a decision not saved yet."""
    method._reads = True  # type: ignore[attr-defined]
    return method


def action_label(owner: Any, name: str) -> str | None:
    """The description of the key that runs ``action_<x>`` on ``owner`` (a screen), as its footer shows it."""
    from textual.binding import Binding

    if not name.startswith("action_"):
        return None
    action = name[len("action_"):]
    for klass in type(owner).__mro__:
        for binding in vars(klass).get("BINDINGS", ()):
            if isinstance(binding, Binding) and binding.action.split("(")[0] == action and binding.description:
                return binding.description
    return None


def guarded(method: F) -> F:
    """Run an action or handler; any exception becomes a ``Failed`` message instead of a crash. A lost
    server connection, or a project file another process holds, becomes ``WriteWaiting``; while a write
    waits, other actions wait too (so the retry finds the screen as the action left it)."""

    @functools.wraps(method)
    def wrapper(self, *args: Any, **kwargs: Any) -> Any:
        from codering.errors import ConnectionLostError, ProjectLockedError

        app = getattr(self, "app", None)
        if getattr(app, "waiting_write", None) is not None:
            app.say_waiting()
            return None
        try:
            return method(self, *args, **kwargs)
        except (ConnectionLostError, ProjectLockedError) as exc:
            label = action_label(self, method.__name__) if getattr(method, "_reads", False) else None
            self.post_message(WriteWaiting(exc, functools.partial(method, self, *args, **kwargs), label))
            return None
        except Exception as exc:  # noqa: BLE001 - every error becomes UI
            self.post_message(Failed(exc, getattr(method, "__name__", "")))
            return None

    wrapper._guarded = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class GuardActions:
    """Mixin for screens: every ``action_*`` method is ``guarded`` (errors become dialogs)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if name.startswith("action_") and callable(value) and not getattr(value, "_guarded", False):
                wrapped = guarded(value)
                wrapped._guarded = True  # type: ignore[attr-defined]
                setattr(cls, name, wrapped)


class OpenAt(Message):
    """Open the coding screen on a transcript with the cursor at ``offset`` (from review and agreement)."""

    def __init__(self, transcript_id: int, offset: int) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.offset = offset


class ModelProgress(Message):
    """The model worker's progress: ``what`` (a phase), ``done`` of ``total``."""

    def __init__(self, what: str, done: int, total: int) -> None:
        super().__init__()
        self.what = what
        self.done = done
        self.total = total


class ModelReady(Message):
    """The suggester is prepared; suggestions are real from now on."""

    def __init__(self, model_id: str) -> None:
        super().__init__()
        self.model_id = model_id


class TranscriptReady(Message):
    """The model worker embedded (and scored) one more transcript; its suggestions are real now.

    With ``done`` False: only what the suggester answers for the transcript changed (a part of it
    is embedded, or the whole of it replaces that part's answers).
    """

    def __init__(self, transcript_id: int, done: bool = True) -> None:
        super().__init__()
        self.transcript_id = transcript_id
        self.done = done


class ModelFailed(Message):
    """The suggester could not be prepared; coding by hand goes on."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


class ProjectReady(Message):
    """The (demo) project exists and can be opened."""

    def __init__(self, path: str, created: bool) -> None:
        super().__init__()
        self.path = path
        self.created = created


class AdaptProgress(Message):
    """An adaptation round's progress in percent (training and judging)."""

    def __init__(self, percent: int) -> None:
        super().__init__()
        self.percent = percent


class AdaptDone(Message):
    """An adaptation round ended: ``report`` (a ``codering.suggest.adapt.Report``) or ``error``; neither
    when it was cancelled."""

    def __init__(self, report=None, error: BaseException | None = None) -> None:
        super().__init__()
        self.report = report
        self.error = error
