"""The codering terminal UI: the app, its factory, and the model worker.

``make_app(project_path, suggester=..., coder=...)`` builds the app; tests
inject a fast or slow fake suggester, ``python tui.py`` gets
:func:`~codering.coding.suggester.default_suggester`.

Start-up never waits for the model: the overview is filled from the project
file at once, then a thread worker prepares the suggester (load the model,
embed the corpus) on a connection of its own and only posts messages
(progress, ready, failed). The app keeps the result in ``model_state``,
which the status lines and the coding screen follow.

Errors become dialogs: any ``Failed`` message that reaches the app is shown
with its title (and unexpected ones are logged with their traceback to
``$XDG_STATE_HOME/codering/tui.log``); a model that cannot load becomes a
notification and a line in the status bar, since coding by hand goes on.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import get_current_worker

from codering.errors import CoderingError, ConnectionLostError, ProjectLockedError
from codering.store.location import locate
from codering.tui.dialogs import ErrorDialog, describe
from codering.tui.dialogs.base import SaveCancelDialog
from codering.tui.messages import (AdaptDone, AdaptProgress, Failed, ModelFailed, ModelProgress, ModelReady,
                                   OpenAt, ProjectReady, TranscriptReady, WriteWaiting)
from codering.tui.widgets.status import StatusLine
from codering.tui.screens.coding import CodingScreen
from codering.tui.screens.base import show_path
from codering.tui.screens.help import dutch, listed_bindings
from codering.tui.screens.overview import OverviewScreen
from codering.tui.state import ModelState

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.base import Suggester


def log_path() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "codering" / "tui.log"


LIVE_EVERY = 1.0  # seconds between checks for changes by others (cheap: no query on a server)
RETRY_EVERY = 1.0  # seconds between attempts to save a decision the server (or a locked file) did not take
#: How long a decision waits for another process's lock on the project file before it is kept and retried.
WRITE_WAIT = 1.0

#: Seconds quitting waits for the model's threads to stop between two steps (one step is well under a
#: second; a thread still running when Python shuts down would abort the process).
QUIT_WAIT = 5.0
#: Seconds between attempts to load the model again when the project's server went away meanwhile.
MODEL_RETRY = 5.0


#: What quitting does (the quit keys' tooltip): true because an open memo or code form is saved on the way out.
QUIT_TIP = ("Alles is al bewaard (een open memo of code wordt bij het stoppen bewaard; wacht een beslissing "
            "nog op het project, dan zegt de eerste keer stoppen dat eerst); stoppen kan altijd")


class CoderingApp(App[None]):
    """Code interview transcripts against a codebook, one key per decision."""

    CSS_PATH = "codering.tcss"
    TITLE = "codering"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Stoppen", show=False, priority=True, id="app.quit", tooltip=QUIT_TIP),
        # q quits from every screen; a text field (search, memo) types the q instead
        Binding("q", "quit", "Stoppen", show=False, id="app.quit_q", tooltip=QUIT_TIP),
        # the command palette under a Dutch name (Textual adds "palette" when the app has no binding for it)
        Binding("ctrl+p", "command_palette", "opdrachten", show=False, priority=True, id="app.palette",
                tooltip="Alle opdrachten van dit scherm, met hun toets"),
    ]

    model_state: reactive[ModelState] = reactive(ModelState, always_update=True)
    """Where the suggestion model is (loading with progress, ready, failed); set from worker messages."""

    def __init__(self, project_path: str | Path | None = None, suggester: "Suggester | None" = None,
                 coder: str | None = None, *, demo_path: str | Path | None = None,
                 start_model: bool = True, adapt_every: int | None = None, adapter=None) -> None:
        super().__init__()
        if coder is None:
            from codering.coding.session import default_coder

            coder = default_coder()
        self.project_path = locate(project_path) if project_path is not None else None  # a file or a server
        self.demo_path = demo_path
        self.suggester = suggester
        self.coder = coder
        self._model_threads: list[threading.Thread] = []  # the model's and adaptation's threads (see on_unmount)
        self._threads_lock = threading.Lock()  # a thread starts and is listed, or the app is closing: not both
        self._closing = False
        self.start_model = start_model
        self.project: Project | None = None
        self.overview: OverviewScreen | None = None
        # Adapting the model to the project (codering.suggest.adapt) in the background, every
        # ``adapt_every`` new codings and decisions; by default only with the real engine.
        self.adapt_every = adapt_every
        self.adapter = adapter
        self._adapt_retry_at = 0  # event count before which a round that found too little is not retried
        self._adapt_timer = None
        self.waiting_write = None  # an action the server did not get, retried until it is saved
        self._waiting_label: str | None = None  # the view a waiting action opens (None: a decision)
        self._quit_anyway = False  # a quit while a decision waited was refused once: the next one quits
        self._file_busy = False  # the waiting write found the project file locked (not a lost server)
        self._retry_timer = None
        self._server_up = True

    # -- start-up --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.overview = OverviewScreen(None, self.coder, note="demoproject wordt geopend…")
        self.push_screen(self.overview)
        if self.project_path is None:
            self.open_demo()
        else:
            self._open(self.project_path)

    def _open(self, path: Path, note: str = "") -> None:
        from codering.store import Project

        try:
            self.project = Project.open(path, self.coder)  # undo and redo are this coder's
            self.project.set_write_wait(WRITE_WAIT)  # a key never freezes for long; a locked write is retried
        except Exception as exc:  # noqa: BLE001 - shown, then the app ends
            title, message = describe(exc)
            self.push_screen(ErrorDialog(title, message), lambda _: self.exit(return_code=1, message=message))
            return
        self.sub_title = show_path(self.project.path)
        assert self.overview is not None
        self.overview.load(self.project, note)
        self._live_token = self.project.change_token()
        self.set_interval(LIVE_EVERY, self._live_check)
        if self.start_model:
            self.call_after_refresh(self.start_suggester)
        else:
            self.model_state = ModelState("off")

    @work(thread=True, exclusive=True, group="project", exit_on_error=False)
    def open_demo(self) -> None:
        """Open (or make, from ``transcripts/``, once) the demo project."""
        from codering.demo import ensure_demo_project

        try:
            path, created = ensure_demo_project(self.demo_path)
        except Exception as exc:  # noqa: BLE001 - becomes a dialog
            self.post_message(Failed(exc, "demo"))
            return
        self.post_message(ProjectReady(str(path), created))

    @on(ProjectReady)
    def _project_ready(self, event: ProjectReady) -> None:
        note = "demoproject, net aangemaakt" if event.created else "demoproject"
        self.project_path = Path(event.path)
        self._open(Path(event.path), note)

    # -- live view: other coders' work shows up ------------------------------------------------------
    def _live_check(self) -> None:
        """When the project changed (another coder, a worker), a screen that shows the whole project
        (overview, agreement, export preview: ``live_refresh``) fills itself again, its cursor kept.
        On a server: a lost connection is said in the status line and tried again here."""
        if self.project is None:
            return
        try:
            if self.project.on_server and not self._server_state():
                return
            token = self.project.change_token()
            if token == self._live_token:
                return
            self._live_token = token
            self.project.reread_codebook()  # a code merged, moved or removed elsewhere: the screens see it now
            refresh = getattr(self.screen, "live_refresh", None)
            if refresh is not None and self.waiting_write is None:
                refresh()
        except CoderingError:
            return

    def server_gone(self) -> None:
        """A screen's read found the server gone: say it now; ``_server_state`` says when it is back, and
        the live check then fills the screen again."""
        self._server_up = False
        if self.waiting_write is None:
            self._say("⚠ verbinding met de server verbroken; opnieuw verbinden…")

    def _server_state(self) -> bool:
        """Is the server connection there? Says in the status line when it went and when it is back."""
        up = self.project.reconnect() if self.project.connection_lost else True
        if up != self._server_up:
            self._server_up = up
            if self.waiting_write is None:
                self._say("verbinding met de server hersteld" if up else
                          "⚠ verbinding met de server verbroken; opnieuw verbinden…")
        return up

    # -- a decision the server did not get: kept and retried until it is saved ------------------------
    @on(WriteWaiting)
    def _write_waiting(self, event: WriteWaiting) -> None:
        self.waiting_write = event.retry
        self._waiting_label = event.label
        self._quit_anyway = False
        self._file_busy = not isinstance(event.error, ConnectionLostError)
        if not self._file_busy:
            self._server_up = False
        self.say_waiting()
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(RETRY_EVERY, self._retry_write)

    def _waiting_what(self) -> str:
        """What waits, in the status line: the key's action by its name (opening a view only reads), else the
        coder's last decision."""
        label = self._waiting_label
        return f"«{label}» is nog niet gedaan" if label else "je laatste beslissing is nog niet bewaard"

    def say_waiting(self) -> None:
        if self._file_busy:
            self._say(f"⚠ een ander programma schrijft in het project: {self._waiting_what()} en wordt opnieuw "
                      "geprobeerd tot het project vrij is (niets gaat verloren)")
            return
        self._say(f"⚠ verbinding met de server verbroken: {self._waiting_what()} en wordt opnieuw geprobeerd "
                  "tot de server terug is (niets gaat verloren)")

    def _retry_write(self) -> None:
        retry = self.waiting_write
        if retry is None:
            self._stop_retrying()
            return
        if self.project is not None and self.project.connection_lost and not self.project.reconnect():
            return  # still down: next time
        self.waiting_write = None  # the action itself runs now, past the guard's wait
        try:
            retry()
        except (ConnectionLostError, ProjectLockedError):
            self.waiting_write = retry
            return
        except Exception as exc:  # noqa: BLE001 - any other error: a dialog, as for any action
            self._stop_retrying()
            self.post_message(Failed(exc, "retry"))
            return
        self._stop_retrying()
        self._server_up = True
        done = f"«{self._waiting_label}» gedaan" if self._waiting_label else "beslissing bewaard"
        self._say(("project weer vrij" if self._file_busy else "verbinding hersteld") + f", {done} · " + self._said())

    def _stop_retrying(self) -> None:
        if self._retry_timer is not None:
            self._retry_timer.stop()
            self._retry_timer = None

    def _say(self, message: str) -> None:
        try:
            self.screen.query_one(StatusLine).message = message
        except Exception:  # noqa: BLE001 - a dialog on top: say it as a notification
            self.notify(message, title="Server")

    def _said(self) -> str:
        try:
            return self.screen.query_one(StatusLine).message
        except Exception:  # noqa: BLE001
            return ""

    # -- the model -----------------------------------------------------------------------------
    def start_suggester(self) -> None:
        if self.project is None:
            return
        if self.suggester is None:
            from codering.coding.suggester import default_suggester

            self.suggester = default_suggester(self.project)
            if self.adapt_every is None:
                from codering.suggest.adapt import ROUND_EVERY

                self.adapt_every = ROUND_EVERY
        self.model_state = ModelState("loading")
        self.prepare_model(self.project.path)

    def _run_watched(self, run: Callable[[], None], name: str, worker) -> bool:
        """Run ``run`` in a daemon thread and wait for it while ``worker`` is not cancelled; True when it
        finished and the worker was not cancelled. The thread is kept for ``on_unmount`` to wait for."""
        thread = threading.Thread(target=run, name=name, daemon=True)
        with self._threads_lock:  # started and listed at once, so on_unmount never waits for an unstarted one
            if self._closing:
                return False
            thread.start()
            self._model_threads = [t for t in self._model_threads if t.is_alive()] + [thread]
        while thread.is_alive():
            thread.join(0.1)
            if worker.is_cancelled:
                return False
        return not worker.is_cancelled

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def prepare_model(self, path: Path) -> None:
        """Prepare the suggester on a connection of its own; only post messages.

        The preparing itself runs in a daemon thread that this worker watches:
        a model stops only between embedding chunks, and quitting must not wait
        for that (nothing is lost: decisions are committed as they are made).
        """
        worker = get_current_worker()
        suggester = self.suggester
        assert suggester is not None
        last: list[tuple[str, int]] = [("", -1)]
        outcome: list[BaseException | None] = []

        def progress(what: str, done: int, total: int) -> None:
            step = int(100 * done / total) if total else 0
            if (what, step) != last[0] and not worker.is_cancelled:
                last[0] = (what, step)
                self.post_message(ModelProgress(what, done, total))

        if hasattr(suggester, "on_transcript"):  # an incremental loader: each transcript as it is done
            suggester.on_transcript = lambda tid: None if worker.is_cancelled else self.post_message(
                TranscriptReady(tid))
        if hasattr(suggester, "on_change"):  # ... and each part of one it answers for, or answers anew
            suggester.on_change = lambda tid: None if worker.is_cancelled else self.post_message(
                TranscriptReady(tid, done=False))

        def run() -> None:
            from codering.store import Project

            try:
                with Project.open(path, self.coder) as project:  # learns from this coder's work
                    suggester.prepare(project, progress, lambda: worker.is_cancelled)
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome.append(exc)
            else:
                outcome.append(None)

        if not self._run_watched(run, "codering-model", worker):
            return
        error = outcome[0] if outcome else None
        if error is not None:
            self.post_message(ModelFailed(error))
        else:
            self.post_message(ModelReady(suggester.model_id))

    @on(ModelProgress)
    def _model_progress(self, event: ModelProgress) -> None:
        if self.model_state.phase == "loading":
            self.model_state = ModelState("loading", event.what, event.done, event.total)

    @on(TranscriptReady)
    def _transcript_ready(self, event: TranscriptReady) -> None:
        screen = self.screen
        if isinstance(screen, CodingScreen):
            screen.suggestions_changed()
        if event.done and self.overview is not None and self.overview.is_mounted:
            self.overview.reload()  # its suggestion column fills in as transcripts are done

    @on(ModelReady)
    def _model_ready(self, event: ModelReady) -> None:
        self.model_state = ModelState("ready", model_id=event.model_id)
        # The model and the corpus's vectors live as long as the app: move them out of the garbage
        # collector's sight, so a full collection between two keys stays short (measured ~270 ms).
        import gc

        gc.collect()
        gc.freeze()
        if self.adapt_every and self._adapt_timer is None:
            self._adapt_timer = self.set_interval(15, self.check_adapt)

    @on(ModelFailed)
    def _model_failed(self, event: ModelFailed) -> None:
        if isinstance(event.error, ConnectionLostError) and self.project is not None:
            # The server went away while the model was loading (its vectors live on the server): try
            # again until it is back; coding by hand meanwhile keeps its own retry.
            self.model_state = ModelState("loading", what="server weg, opnieuw proberen")
            self.set_timer(MODEL_RETRY, self._retry_model)
            return
        title, message = describe(event.error)
        self._log(event.error)
        short = message if len(message) < 90 else message[:87] + "…"
        self.model_state = ModelState("failed", message=short)
        self.notify(f"{message}\nCoderen met de hand werkt gewoon.", title=title, severity="warning", timeout=15)

    def _retry_model(self) -> None:
        if self.project is not None and self.suggester is not None and self.model_state.phase == "loading":
            self.prepare_model(self.project.path)

    @on(OverviewScreen.CorpusChanged)
    def _corpus_changed(self) -> None:
        if self.start_model and self.project is not None and self.suggester is not None:
            self.model_state = ModelState("loading")
            self.prepare_model(self.project.path)

    # -- adapting the model to the project -----------------------------------------------------
    @property
    def adapting(self) -> bool:
        return any(w.group == "adapt" and not w.is_finished for w in self.workers)

    def check_adapt(self) -> None:
        """Start a round when enough new codings and decisions came in (cheap: two counts)."""
        if not self.adapt_every or self.project is None or not self.model_state.ready or self.adapting:
            return
        if getattr(self.suggester, "fallback", False):  # keyword suggestions: no model to adapt
            return
        from codering.suggest.adapt import event_count, events_at_last_round

        events = event_count(self.project)
        if events >= self._adapt_retry_at and events - events_at_last_round(self.project) >= self.adapt_every:
            self._adapt_retry_at = events + self.adapt_every
            self._start_adapt()

    def _start_adapt(self) -> None:
        if self.project is None or self.adapting:
            return
        self.model_state = replace(self.model_state, adapting=0)
        self.adapt_model(self.project.path)

    def action_adapt_now(self) -> None:
        if not self.model_state.ready:
            self.notify("Het model is nog niet klaar.", title="Model aanpassen")
        elif self.adapting:
            self.notify("Het model past zich al aan.", title="Model aanpassen")
        else:
            self._start_adapt()

    def action_adapt_stop(self) -> None:
        if self.adapting:
            self.workers.cancel_group(self, "adapt")
            self.model_state = replace(self.model_state, adapting=-1)
            self.notify("Aanpassen gestopt; er is niets veranderd.", title="Model aanpassen")

    #: Share of a round's progress bar per phase (training is most of the time).
    _ADAPT_PHASES = {"embedding with the base model": (0, 10), "training": (10, 80),
                     "embedding with the adapted model": (80, 95),
                     "embedding the project with the adapted model": (95, 100)}

    @work(thread=True, exclusive=True, group="adapt", exit_on_error=False)
    def adapt_model(self, path: Path) -> None:
        """One adaptation round on a connection of its own, in a daemon thread this worker watches
        (torch on one thread, so keys stay fast); only posts messages. Cancelling stops it between two
        training steps and changes nothing."""
        worker = get_current_worker()
        adapter = self.adapter
        if adapter is None:
            from codering.suggest.adapt import adapt as adapter
        last = [-1]
        outcome: list = []

        def progress(what: str, done: int, total: int) -> None:
            lo, hi = self._ADAPT_PHASES.get(what, (0, 100))
            percent = lo + (hi - lo) * done // total if total else lo
            if percent != last[0] and not worker.is_cancelled:
                last[0] = percent
                self.post_message(AdaptProgress(percent))

        def run() -> None:
            from codering.store import Project

            try:
                with Project.open(path) as project:
                    outcome.append(adapter(project, threads=1, progress=progress,
                                           cancelled=lambda: worker.is_cancelled))
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome.append(exc)

        if not self._run_watched(run, "codering-adapt", worker) or not outcome:
            return
        result = outcome[0]
        self.post_message(AdaptDone(error=result) if isinstance(result, BaseException) else AdaptDone(result))

    @on(AdaptProgress)
    def _adapt_progress(self, event: AdaptProgress) -> None:
        if self.adapting and self.model_state.ready:
            self.model_state = replace(self.model_state, adapting=event.percent)

    @on(AdaptDone)
    def _adapt_done(self, event: AdaptDone) -> None:
        self.model_state = replace(self.model_state, adapting=-1)
        report, error = event.report, event.error
        if error is not None:
            from codering.suggest.adapt import Cancelled

            if not isinstance(error, Cancelled):
                title, message = describe(error)
                self._log(error)
                self.notify(message, title="Model aanpassen", severity="warning", timeout=10)
            return
        base, adapted = report.base or {}, report.adapted or {}
        figures = (f"top-3 {base.get('top3', 0):.2f} → {adapted.get('top3', 0):.2f}, "
                   f"kappa {base.get('kappa', 0):.2f} → {adapted.get('kappa', 0):.2f} op {report.held_out} "
                   "achtergehouden zinnen")
        if report.adopted:
            self.notify(f"Ronde {report.round}: {figures}. Het aangepaste model wordt geladen.",
                        title="Model aangepast aan dit project", timeout=10)
            if self.project is not None and self.suggester is not None:
                self.model_state = ModelState("loading")
                self.prepare_model(self.project.path)
        else:
            self.notify(f"Ronde {report.round}: {figures}. Niet beter: het basismodel blijft.",
                        title="Model aanpassen", timeout=10)

    # -- navigation ----------------------------------------------------------------------------
    @on(OverviewScreen.OpenTranscript)
    def _open_transcript(self, event: OverviewScreen.OpenTranscript) -> None:
        self._code(event.transcript_id)

    @on(OpenAt)
    def _open_at(self, event: OpenAt) -> None:
        self._code(event.transcript_id, event.offset)

    def _code(self, transcript_id: int, at: int | None = None) -> None:
        if self.project is None:
            return
        try:
            screen = CodingScreen(self.project, transcript_id, self.suggester, self.coder, at=at)
        except Exception as exc:  # noqa: BLE001 - a dialog, never a traceback
            self.post_message(Failed(exc, "open transcript"))
            return
        focus = getattr(self.suggester, "focus", None)
        if focus is not None:  # a model still embedding the corpus does this transcript next, at the cursor
            focus(screen.session.tid, *screen.session.span)
        self.push_screen(screen)

    # -- quitting --------------------------------------------------------------------------------
    def _open_forms(self) -> list[SaveCancelDialog]:
        """The memo and code forms open, topmost first."""
        return [s for s in reversed(self.screen_stack) if isinstance(s, SaveCancelDialog)]

    async def action_quit(self) -> None:
        """Ctrl+Q and q. Text typed in an open form (a memo, a code) is saved as Ctrl+S would save it; a form
        that cannot be saved as it is (a code without a label) keeps the app open and says so, and a second
        Ctrl+Q quits without it."""
        if not all(self._settled(form) for form in self._open_forms()):
            return
        if self.waiting_write is not None and not self._quit_anyway:
            self._retry_write()  # one more try now
            if self.waiting_write is not None:
                self._quit_anyway = True
                label = self._waiting_label
                self._say(f"⚠ «{label}» is nog niet gedaan: wacht tot het gedaan is, of stop nog eens om te stoppen "
                          "zonder" if label else
                          "⚠ je laatste beslissing is nog niet bewaard: wacht tot ze bewaard is, of stop nog eens "
                          "om te stoppen zonder die beslissing")
                return
        self.exit()

    def exit(self, result: None = None, return_code: int = 0, message=None) -> None:
        """Every way out (a quit key, SIGTERM or a closed terminal window) first saves what is typed in an open
        form, where it can be saved; the form's result reaches its screen before the app ends (a dialog opened
        by a key delivers it on the app's own queue, ahead of the exit)."""
        for form in self._open_forms():
            self._settled(form)
        super().exit(result, return_code, message)

    def _settled(self, form: SaveCancelDialog) -> bool:
        """``form.settle_for_quit()``; a form that fails at it does not keep the app from quitting."""
        try:
            return form.settle_for_quit()
        except Exception as exc:  # noqa: BLE001 - stopping must always be possible
            self._log(exc)
            return True

    # -- errors ----------------------------------------------------------------------------------
    @on(Failed)
    def _failed(self, event: Failed) -> None:
        title, message = describe(event.error)
        self._log(event.error)
        self.push_screen(ErrorDialog(title, message))

    def _log(self, error: BaseException) -> None:
        if isinstance(error, CoderingError):
            return
        try:
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "a", encoding="utf-8") as handle:
                handle.write(f"--- {datetime.now().isoformat(timespec='seconds')}\n")
                handle.write("".join(traceback.format_exception(error)))
        except OSError:
            pass

    # -- command palette: every binding of the screen is a command -----------------------------
    def action_command_palette(self) -> None:
        """Textual's palette, with a Dutch placeholder."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder="Zoek een opdracht…"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands in Dutch, then the adaptation round and every binding of the screen."""
        yield SystemCommand("Thema", "Kies een ander kleurenthema", self.action_change_theme)
        yield SystemCommand("Stoppen", QUIT_TIP, self.action_quit)
        if screen.query("HelpPanel"):
            yield SystemCommand("Toetsenpaneel verbergen", "Verberg het paneel met toetsen", self.action_hide_help_panel)
        else:
            yield SystemCommand("Toetsenpaneel", "Toon de toetsen van dit scherm in een paneel", self.action_show_help_panel)
        if screen.maximized is not None:
            yield SystemCommand("Verkleinen", "Het vergrote deel weer op zijn plaats", screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand("Vergroten", "Vergroot het deel met de focus", screen.action_maximize)
        yield SystemCommand("Schermafdruk", "Bewaar het scherm als SVG in de map exports van het project",
                            lambda: self.set_timer(0.1, self.deliver_screenshot))
        if self.adapting:
            yield SystemCommand("Aanpassen stoppen", "Stop de ronde die het model aan dit project aanpast",
                                self.action_adapt_stop)
        elif self.model_state.ready and self.project is not None:
            yield SystemCommand("Model aanpassen aan dit project",
                                "Train het model op de beslissingen van dit project (op de achtergrond)",
                                self.action_adapt_now)
        seen: set[tuple[int, str]] = set()
        for key, active in listed_bindings(screen).items():  # Textual's own in Dutch, or left out
            binding = active.binding
            if not active.enabled:
                continue
            if active.node is not screen and active.node is not self:
                continue
            slot = (id(active.node), binding.action)
            if slot in seen:
                continue
            seen.add(slot)
            keys = self.get_key_display(replace(binding, key_display=None))  # the key itself: "1", not "1-9"
            name, tip = dutch(binding) or (binding.description, binding.tooltip)
            help_text = f"{tip or name} (toets: {keys})"
            yield SystemCommand(name, help_text, partial(self.run_action, binding.action, active.node))

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The command palette's screenshot goes to the project's exports folder (made if missing),
        not to ~/Downloads, which may not exist."""
        if path is None:
            from codering.paths import exports_dir

            folder = exports_dir(self.project.path if self.project is not None else None)
            folder.mkdir(parents=True, exist_ok=True)
            path = str(folder)
        return super().deliver_screenshot(filename, path, time_format)

    def on_unmount(self) -> None:
        # A model thread stops between two embedding steps once its worker is cancelled. Let it: a
        # thread still inside ONNX Runtime when the interpreter shuts down aborts the process
        # ("terminate called without an active exception", exit status 134).
        # Quitting right after the start can come between a worker making its thread and starting it
        # (joining a thread not started raises): once closing, no worker starts one.
        self.workers.cancel_all()
        with self._threads_lock:
            self._closing = True
            threads = list(self._model_threads)
        deadline = time.monotonic() + QUIT_WAIT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self.project is not None:
            self.project.close()


def make_app(project_path: str | Path | None = None, suggester: "Suggester | None" = None,
             coder: str | None = None, **options) -> CoderingApp:
    """The app for ``project_path`` (None: the demo project), with an injectable suggester."""
    return CoderingApp(project_path, suggester=suggester, coder=coder, **options)
