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
    "U doet opnieuw. Ctrl+P opent het opdrachtenpalet met alle acties. Ctrl+Q stopt."
)


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
        rows.append(KeyRow(" / ".join(keys), binding.description, binding.tooltip))
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
        table = self.query_one("#keys", DataTable)
        table.add_columns("toets", "actie", "uitleg")
        for row in self.rows:
            table.add_row(row.keys, row.description, row.tooltip)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
