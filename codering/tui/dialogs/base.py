"""What the dialogs share: a modal screen that returns a value, and the Save/Cancel form around it."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import Button

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
    and implement ``action_save``."""

    def buttons(self) -> ComposeResult:
        with Horizontal(classes="dialog-buttons"):
            yield Button("Bewaren (Ctrl+S)", variant="primary", id="save")
            yield Button("Annuleren (Esc)", id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_save(self) -> None:
        raise NotImplementedError
