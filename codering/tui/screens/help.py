"""The help screen: every key of the screen it was opened from, generated from its bindings."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

NOTES = (
    "Elke beslissing wordt bewaard op het moment dat je ze neemt; u maakt ongedaan (ook na herstarten), "
    "U doet opnieuw. Ctrl+P opent het opdrachtenpalet met alle acties. Ctrl+Q stopt (een half geschreven "
    "memo of code wordt eerst bewaard)."
)


# Textual's own bindings, in the language of the rest of the screen
_TEXTUAL_DUTCH = {
    "screen.copy_text": ("Kopiëren", "De geselecteerde tekst naar het klembord"),
    "command_palette": ("Opdrachtenpalet", "Alle acties van dit scherm, doorzoekbaar"),
}


@dataclass(frozen=True)
class KeyRow:
    keys: str
    description: str
    tooltip: str


def key_rows(screen: Screen) -> list[KeyRow]:
    """One row per action of ``screen`` (and the app), with all its keys."""
    app = screen.app
    grouped: dict[tuple[int, str], tuple[list[str], Binding]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        slot = grouped.setdefault((id(active.node), binding.action), ([], binding))
        display = app.get_key_display(binding.with_key(key, None))
        if display not in slot[0]:
            slot[0].append(display)
    rows = []
    for keys, binding in grouped.values():
        description, tooltip = _TEXTUAL_DUTCH.get(binding.action, (binding.description, binding.tooltip))
        rows.append(KeyRow(" / ".join(keys), description, tooltip))
    return rows


class HelpScreen(ModalScreen[None]):
    """The keys of a screen, in the order its bindings are declared."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Sluiten", id="help.close")]

    def __init__(self, title: str, rows: list[KeyRow]) -> None:
        super().__init__(classes="dialog")
        self.title_text = title
        self.rows = rows

    @classmethod
    def for_screen(cls, screen: Screen) -> "HelpScreen":
        rows = key_rows(screen)
        accept_more = any(r.description.startswith("Aanvaard suggestie") for r in rows)
        if accept_more:
            rows = [r for r in rows if not r.description.startswith("Aanvaard suggestie")]
            rows = [KeyRow("1 … 9", "Aanvaard suggestie 1 tot 9", r.tooltip) if r.keys == "1" else r for r in rows]
        title = getattr(screen, "HELP_TITLE", None) or f"Toetsen — {type(screen).__name__.replace('Screen', '')}"
        return cls(title, rows)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box help-box"):
            yield Label(self.title_text, classes="dialog-title")
            table: DataTable = DataTable(id="keys", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static(NOTES, classes="dialog-hint")

    def on_mount(self) -> None:
        """Keys and actions at their own width; the explanation wraps in what is left (never cut off)."""
        from rich.text import Text

        table = self.query_one("#keys", DataTable)
        keys = max([len("toets"), *(len(r.keys) for r in self.rows)])
        action = max([len("actie"), *(len(r.description) for r in self.rows)])
        room = max(20, (self.query_one(".help-box").size.width or 100) - keys - action - 10)
        table.add_column("toets", width=keys)
        table.add_column("actie", width=action)
        table.add_column("uitleg", width=room)
        for row in self.rows:
            lines = Text(row.tooltip).wrap(self.app.console, room)
            table.add_row(row.keys, row.description, Text("\n").join(lines), height=max(1, len(lines)))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
