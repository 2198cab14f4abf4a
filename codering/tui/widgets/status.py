"""The status line: the last thing that happened, and the model's progress."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from codering.tui.state import ModelState
from codering.tui.widgets.line import TextLine

BAR = 12


def progress_bar(done: int, total: int, width: int = BAR) -> str:
    filled = round(width * done / total) if total else 0
    return "━" * filled + "╌" * (width - filled)


class ModelStatus(Widget):
    """The suggestion model's state, with a progress bar while it loads.

    It follows the app's ``model_state`` (set from the model worker's messages).
    """

    DEFAULT_CSS = """
    ModelStatus { width: 44; height: 1; color: $text-muted; text-align: right; }
    """

    #: The most columns it takes; it takes only what its text needs, so the message beside it keeps the rest
    #: (at 44 columns always, a message had 34 columns left on an 80-column terminal).
    MAX_WIDTH = 44

    state: reactive[ModelState] = reactive(ModelState, layout=False)
    """The model state shown (copied from the app's ``model_state``)."""

    def on_mount(self) -> None:
        if hasattr(self.app, "model_state"):
            self.watch(self.app, "model_state", self._follow, init=True)

    def _follow(self, state: ModelState) -> None:
        self.state = state
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _room(self) -> int:
        """At most a third of the terminal's width (and ``MAX_WIDTH``): the message is what was just done."""
        return min(self.MAX_WIDTH, max(16, self.app.size.width // 3))

    def _fit(self) -> None:
        width = min(self._room(), self.render().cell_length + 1)
        if self.styles.width is None or self.styles.width.value != width:  # a layout pass only when it changes
            self.styles.width = width

    def render(self) -> Content:
        state = self.state
        text = state.describe()
        if state.phase == "ready" and len(text) >= self._room():  # the real model's name is 46 characters
            text = "model klaar"
        if state.phase == "loading" and not state.total and len(text) >= self._room():
            text = text.split(" (")[0]  # "model bouwen…": the panel has room for the rest
        if state.phase == "loading" and state.total:
            text = f"model laadt… {state.percent:>3}% "
            return Content.assemble(text, (progress_bar(state.done, state.total), "$accent"))
        if state.phase == "ready" and state.adapting >= 0:
            text = f"model past zich aan… {state.adapting:>3}% "
            return Content.assemble(text, (progress_bar(state.adapting, 100), "$accent"))
        if state.phase == "failed":
            return Content.styled(text, "$warning")
        return Content(text)


class StatusLine(Horizontal):
    """One line above the footer: a message on the left, the model on the right."""

    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; padding: 0 1; }
    StatusLine #message { width: 1fr; }
    """

    message: reactive[str] = reactive("")
    """The last action's outcome, e.g. '✓ Nabijheid (u: ongedaan maken)'."""

    def compose(self) -> ComposeResult:
        yield TextLine(self.message, id="message")
        yield ModelStatus()

    def watch_message(self, message: str) -> None:
        if self.children:
            self.query_one("#message", TextLine).text = message
