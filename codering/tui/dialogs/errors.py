"""Errors become a dialog with a title and a message a researcher can act on, never a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Label, Static

from codering.errors import CoderingError
from codering.tui.dialogs.base import Dialog


#: The error classes' titles (``codering.errors``, English as the command line says them) in the UI's Dutch.
TITLES = {
    "Error": "Fout", "Codebook error": "Fout in het codeboek", "Transcript error": "Fout in een transcript",
    "Import failed": "Importeren mislukt", "Exchange file error": "Fout in een uitwisselingsbestand",
    "Project error": "Fout in het project", "Project in use": "Project in gebruik",
    "Server connection lost": "Verbinding met de server verbroken", "Suggestion error": "Fout in de suggesties",
    "Evaluation error": "Fout bij het evalueren", "Export error": "Exporteren mislukt",
    "Nothing to export": "Niets om te exporteren", "Agreement": "Overeenstemming", "Merge": "Samenvoegen",
}


def describe(exc: BaseException) -> tuple[str, str]:
    """(title, message) for any exception, worded for the researcher."""
    if isinstance(exc, CoderingError):
        problems = getattr(exc, "problems", None)
        message = str(exc)
        if problems and len(problems) > 1:
            message = "\n".join(problems[:12]) + (f"\n… en nog {len(problems) - 12}" if len(problems) > 12 else "")
        return TITLES.get(exc.title, exc.title), message
    if isinstance(exc, ModuleNotFoundError):
        return ("Pakket ontbreekt",
                f"Het Python-pakket '{exc.name}' is niet geïnstalleerd. Installeer het met `make setup` "
                "(of pip install -e .); coderen met de hand werkt intussen gewoon.")
    if isinstance(exc, ImportError):
        return "Pakket ontbreekt", f"{exc}. Installeer de afhankelijkheden met `make setup`."
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return "Bestandsfout", f"{where}{exc.strerror or exc}"
    return "Onverwachte fout", f"{type(exc).__name__}: {exc}. Er is niets verloren; het detail staat in het logbestand."


class ErrorDialog(Dialog[None]):
    """An error: a title, a message, one button."""

    KIND = "error"  # the style classes of the box and the title: error-box, error-title

    BINDINGS = [
        Binding("escape,enter", "close", "Sluiten", id="error.close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes=f"dialog-box {self.KIND}-box"):
            yield Label(self.title_text, classes=f"dialog-title {self.KIND}-title")
            yield Static(self.message, classes="dialog-message", markup=False)
            yield Button("OK", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.action_cancel()


class NoticeDialog(ErrorDialog):
    """Something to read that is not an error (what an import did besides adding transcripts)."""

    KIND = "notice"  # no style of its own: the plain dialog box
