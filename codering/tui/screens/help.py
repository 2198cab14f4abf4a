"""The help screen: every key of the screen it was opened from, generated from its bindings."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

NOTES = (
    "Elke beslissing wordt bewaard op het moment dat je ze neemt; u maakt ongedaan (ook na herstarten), "
    "U doet opnieuw. Ctrl+P opent het opdrachtenpalet met alle acties. Ctrl+Q stopt (een half geschreven "
    "memo of code wordt eerst bewaard)."
)


#: Textual's own bindings (by action) that the help screen and the command palette list, in the language of the
#: rest of the screen. Textual's other bindings (a text field's editing keys, a table's left/right) are left out:
#: their descriptions are English, and they do what such keys do everywhere.
TEXTUAL_DUTCH = {
    "screen.copy_text": ("Geselecteerde tekst kopiëren", "De geselecteerde tekst naar het klembord"),
    "command_palette": ("Opdrachtenpalet", "Alle acties van dit scherm, doorzoekbaar"),
    "app.focus_next": ("Volgend deel", "De focus naar het volgende deel van het scherm"),
    "app.focus_previous": ("Vorig deel", "De focus naar het vorige deel van het scherm"),
    "cursor_up": ("Omhoog", "De rij erboven"),
    "cursor_down": ("Omlaag", "De rij eronder"),
    "page_up": ("Blad omhoog", "Een scherm hoger in de lijst"),
    "page_down": ("Blad omlaag", "Een scherm lager in de lijst"),
    "scroll_home": ("Naar het begin", "De eerste rij"),
    "scroll_end": ("Naar het einde", "De laatste rij"),
    "select_cursor": ("Kiezen / openen", "Open of kies de rij met de cursor"),
}


def dutch(binding: Binding) -> tuple[str, str] | None:
    """(description, tooltip) of a binding as the help screen and the palette say it; None for Textual's own
    bindings they leave out. codering's bindings all have an id; Textual's have none. The palette's key is
    codering's (its footer word is "opdrachten"), and listed by its full name."""
    if binding.id is not None and binding.action not in TEXTUAL_DUTCH:
        return binding.description, binding.tooltip
    return TEXTUAL_DUTCH.get(binding.action)


def listed_bindings(screen: Screen) -> dict[str, ActiveBinding]:
    """What each key does on ``screen``, as the help screen and the palette list it: Textual's
    ``active_bindings``, except that a key codering binds is listed with codering's binding, not with the
    focused widget's Textual one. A widget's Enter, up and down either leave the key to the screen (the
    codebook's filter field: Enter applies the code) or lead to the screen's action (a table's Enter selects
    the row, and the screen opens it), which the screen's binding says in its words."""
    app = screen.app
    found: dict[str, ActiveBinding] = {}
    for node, bindings in screen._modal_binding_chain:  # the focused widget first, the app last
        for key, binding in bindings:
            if binding.system or not binding.description or dutch(binding) is None:
                continue
            state = app._check_action_state(binding.action, node)
            if state is False:
                continue
            there = found.get(key)
            if (there is None or (binding.priority and not there.binding.priority)
                    or (there.binding.id is None and binding.id is not None)):
                found[key] = ActiveBinding(node, binding, bool(state), binding.tooltip)
    return found


@dataclass(frozen=True)
class KeyRow:
    keys: str
    description: str
    tooltip: str


def key_rows(screen: Screen) -> list[KeyRow]:
    """One row per action of ``screen`` (and the app), with all its keys."""
    app = screen.app
    grouped: dict[tuple[int, str], tuple[list[str], Binding]] = {}
    for key, active in listed_bindings(screen).items():
        binding = active.binding
        slot = grouped.setdefault((id(active.node), binding.action), ([], binding))
        display = app.get_key_display(binding.with_key(key, None))
        if display not in slot[0]:
            slot[0].append(display)
    # the screen's own keys first, as its class declares them, then the app's, then Textual's
    order = {b.id: n for n, b in enumerate([*type(screen).BINDINGS, *type(app).BINDINGS])
             if isinstance(b, Binding) and b.id}
    # the help key comes first in the footer (the one key a coder must find); here it comes after codering's keys
    order.update({i: len(order) - 0.5 for i in order if i.endswith(".help")})
    rows = []
    for keys, binding in sorted(grouped.values(), key=lambda item: order.get(item[1].id, len(order))):
        description, tooltip = dutch(binding) or (binding.description, binding.tooltip)
        rows.append(KeyRow(", ".join(keys), description, tooltip))
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
        self.query_one("#keys", DataTable).focus()
        self.call_after_refresh(self._fill)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """Keys and actions at their own width; the explanation wraps in what is left of the table as it is
        laid out (never cut off, on any terminal width: the columns are made again on a resize)."""
        from rich.text import Text

        table = self.query_one("#keys", DataTable)
        keys = max([len("toets"), *(len(r.keys) for r in self.rows)])
        action = max([len("actie"), *(len(r.description) for r in self.rows)])
        # each column has one cell of padding either side; two more for a vertical scrollbar, shown or not
        room = max(12, table.content_size.width - keys - action - 3 * 2 * table.cell_padding - 2)
        if getattr(self, "_room", None) == room:
            return
        self._room = room
        keep = table.cursor_row
        table.clear(columns=True)
        table.add_column("toets", width=keys)
        table.add_column("actie", width=action)
        table.add_column("uitleg", width=room)
        for row in self.rows:
            lines = Text(row.tooltip).wrap(self.app.console, room)
            table.add_row(row.keys, row.description, Text("\n").join(lines), height=max(1, len(lines)))
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def action_close(self) -> None:
        self.dismiss(None)
