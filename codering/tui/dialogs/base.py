"""What the dialogs share: a modal screen that returns a value, and the Save/Cancel form around it."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button, Static

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal dialog (``ModalScreen[T]`` + ``dismiss(value)``); cancelling returns None."""

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def action_cancel(self) -> None:
        self.dismiss(None)


def save_cancel_bindings(prefix: str) -> list[Binding]:
    """Ctrl+S saves and Escape cancels, with binding ids ``<prefix>.save`` and ``<prefix>.cancel``."""
    return [
        Binding("ctrl+s", "save", "Bewaren", id=f"{prefix}.save"),
        Binding("escape", "cancel", "Annuleren", id=f"{prefix}.cancel"),
    ]


class SaveCancelDialog(Dialog[ResultT]):
    """A form with Save (Ctrl+S) and Cancel (Esc) buttons: compose the fields, then ``yield from self.buttons()``,
    and implement ``action_save`` (which dismisses with the value, or says in ``#form-problem`` why not) and
    ``unsaved``.

    Typed text is never thrown away unasked: Escape on a form with unsaved text asks for a second Escape
    (typing on clears that), and quitting the app saves the form as Ctrl+S would (``settle_for_quit``).
    """

    #: What the form holds, for its messages ("de memo").
    WHAT = "de invoer"

    _discard_asked = False
    _quit_asked = False
    closed = False
    """True once the form was dismissed (saved or cancelled)."""

    def buttons(self) -> ComposeResult:
        yield Static("", id="form-problem", classes="dialog-problem", markup=False)
        with Horizontal(classes="dialog-buttons"):
            yield Button("Bewaren (Ctrl+S)", variant="primary", id="save")
            yield Button("Annuleren (Esc)", id="cancel")

    def unsaved(self) -> bool:
        """True when the fields hold typed text that is not saved (they differ from what the form opened with)."""
        return False

    def tell(self, message: str) -> None:
        """Say ``message`` in the form (its problem line)."""
        self.query_one("#form-problem", Static).update(message)

    def dismiss(self, result: ResultT | None = None):  # type: ignore[override]
        self.closed = True
        return super().dismiss(result)

    def action_cancel(self) -> None:
        if self.unsaved() and not self._discard_asked:
            self._discard_asked = True
            self.tell(f"Nog eens Esc om {self.WHAT} niet te bewaren (Ctrl+S bewaart).")
            return
        self.dismiss(None)

    def settle_for_quit(self) -> bool:
        """The app is quitting: save typed text as Ctrl+S would. True when the app may go on quitting (nothing
        typed, saved, or the coder was told it cannot be saved as it is and quits again); False keeps the
        app open with the form saying why."""
        if self.closed or not self.unsaved() or self._quit_asked:
            return True
        self.action_save()
        if self.closed:
            return True
        self._quit_asked = True
        self.tell(f"{self._problem()} Zo kan {self.WHAT} niet bewaard worden: verbeter en Ctrl+S, of nog eens "
                  f"Ctrl+Q om te stoppen zonder {self.WHAT} te bewaren.")
        return False

    def _problem(self) -> str:
        return str(self.query_one("#form-problem", Static).content).strip()

    def on_input_changed(self) -> None:
        self._typed()

    def on_text_area_changed(self) -> None:
        self._typed()

    def _typed(self) -> None:
        """Typing on after a warning asks again before text is thrown away."""
        self._discard_asked = self._quit_asked = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError
