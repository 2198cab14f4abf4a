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
import traceback
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import get_current_worker

from codering.errors import CoderingError
from codering.tui.dialogs import ErrorDialog, describe
from codering.tui.messages import (Failed, ModelFailed, ModelProgress, ModelReady, OpenAt, ProjectReady,
                                   TranscriptReady)
from codering.tui.screens.coding import CodingScreen
from codering.tui.screens.base import show_path
from codering.tui.screens.overview import OverviewScreen
from codering.tui.state import ModelState

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.base import Suggester


def log_path() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "codering" / "tui.log"


class CoderingApp(App[None]):
    """Code interview transcripts against a codebook, one key per decision."""

    CSS_PATH = "codering.tcss"
    TITLE = "codering"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Stoppen", show=False, priority=True, id="app.quit",
                tooltip="Alles is al bewaard; stoppen kan altijd"),
        # q quits from every screen; a text field (search, memo) types the q instead
        Binding("q", "quit", "Stoppen", show=False, id="app.quit_q", tooltip="Alles is al bewaard; stoppen kan altijd"),
    ]

    model_state: reactive[ModelState] = reactive(ModelState, always_update=True)
    """Where the suggestion model is (loading with progress, ready, failed); set from worker messages."""

    def __init__(self, project_path: str | Path | None = None, suggester: "Suggester | None" = None,
                 coder: str | None = None, *, demo_path: str | Path | None = None,
                 start_model: bool = True) -> None:
        super().__init__()
        if coder is None:
            from codering.coding.session import default_coder

            coder = default_coder()
        self.project_path = Path(project_path) if project_path is not None else None
        self.demo_path = demo_path
        self.suggester = suggester
        self.coder = coder
        self.start_model = start_model
        self.project: Project | None = None
        self.overview: OverviewScreen | None = None

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
        except Exception as exc:  # noqa: BLE001 - shown, then the app ends
            title, message = describe(exc)
            self.push_screen(ErrorDialog(title, message), lambda _: self.exit(return_code=1, message=message))
            return
        self.sub_title = show_path(self.project.path)
        assert self.overview is not None
        self.overview.load(self.project, note)
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

    # -- the model -----------------------------------------------------------------------------
    def start_suggester(self) -> None:
        if self.project is None:
            return
        if self.suggester is None:
            from codering.coding.suggester import default_suggester

            self.suggester = default_suggester(self.project)
        self.model_state = ModelState("loading")
        self.prepare_model(self.project.path)

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

        def run() -> None:
            from codering.store import Project

            try:
                with Project.open(path) as project:
                    suggester.prepare(project, progress, lambda: worker.is_cancelled)
            except BaseException as exc:  # noqa: BLE001 - reported below
                outcome.append(exc)
            else:
                outcome.append(None)

        thread = threading.Thread(target=run, name="codering-model", daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.1)
            if worker.is_cancelled:
                return
        error = outcome[0] if outcome else None
        if worker.is_cancelled:
            return
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
        if self.overview is not None and self.overview.is_mounted:
            self.overview.reload()  # its suggestion column fills in as transcripts are done

    @on(ModelReady)
    def _model_ready(self, event: ModelReady) -> None:
        self.model_state = ModelState("ready", model_id=event.model_id)
        # The model and the corpus's vectors live as long as the app: move them out of the garbage
        # collector's sight, so a full collection between two keys stays short (measured ~270 ms).
        import gc

        gc.collect()
        gc.freeze()

    @on(ModelFailed)
    def _model_failed(self, event: ModelFailed) -> None:
        title, message = describe(event.error)
        self._log(event.error)
        short = message if len(message) < 90 else message[:87] + "…"
        self.model_state = ModelState("failed", message=short)
        self.notify(f"{message}\nCoderen met de hand werkt gewoon.", title=title, severity="warning", timeout=15)

    @on(OverviewScreen.CorpusChanged)
    def _corpus_changed(self) -> None:
        if self.start_model and self.project is not None and self.suggester is not None:
            self.model_state = ModelState("loading")
            self.prepare_model(self.project.path)

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
        if focus is not None:  # a model still embedding the corpus does this transcript next
            focus(transcript_id)
        self.push_screen(screen)

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
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen: set[tuple[int, str]] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if binding.system or not binding.description or not active.enabled:
                continue
            if active.node is not screen and active.node is not self:
                continue
            slot = (id(active.node), binding.action)
            if slot in seen:
                continue
            seen.add(slot)
            keys = self.get_key_display(binding)
            help_text = f"{binding.tooltip or binding.description} (toets: {keys})"
            yield SystemCommand(binding.description, help_text, partial(self.run_action, binding.action, active.node))

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
        if self.project is not None:
            self.project.close()


def make_app(project_path: str | Path | None = None, suggester: "Suggester | None" = None,
             coder: str | None = None, **options) -> CoderingApp:
    """The app for ``project_path`` (None: the demo project), with an injectable suggester."""
    return CoderingApp(project_path, suggester=suggester, coder=coder, **options)
