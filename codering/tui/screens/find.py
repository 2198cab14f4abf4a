"""Find words across the project: every respondent sentence that holds them, keyword in context.

Opened from the overview (``z`` or ctrl+f). Type a query (``wachtlijst``,
``wachtlijst*``, ``"zorg op maat"``; every word in one sentence, case and
accents ignored: :mod:`codering.coding.textsearch`), Enter lists the hits;
Enter on a hit opens the transcript with the cursor on that sentence (Esc
there comes back to this list).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from codering.coding.textsearch import Hit, QueryError, code_labels, parse_query, search_project
from codering.tui.messages import OpenAt
from codering.tui.screens.base import ProjectScreen, flat, under_cursor
from codering.tui.widgets.findline import PLACEHOLDER
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.store import Project

#: At most this many hits are listed (the status line says how many there are).
SHOWN = 1000
#: Characters of context on each side of the first match.
CONTEXT = 40


def kwic_line(hit: Hit, context: int = CONTEXT) -> Text:
    """The sentence (white space flattened) from a little before its first match, every match in bold
    reverse."""
    plain = flat(hit.marked("\0", "\1"))  # two characters a transcript never holds (import takes them out)
    line, at = Text(), 0
    while "\0" in plain[at:]:
        a = plain.index("\0", at)
        b = plain.index("\1", a)
        line.append(plain[at:a])
        line.append(plain[a + 1:b], "bold reverse")
        at = b + 1
    line.append(plain[at:])
    first = line.spans[0].start if line.spans else 0
    if first > context:
        line = Text("…") + line[first - context + 1:]
    return line


class FindScreen(ProjectScreen):
    """Search the words of every transcript; open a hit on the coding screen."""

    FOCUS = "#find-query"
    HELP_TITLE = "Toetsen — Zoeken in de tekst"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="find.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("enter", "open", "Openen in transcript", id="find.open",
                tooltip="Het transcript openen op de zin van de treffer"),
        Binding("ctrl+f", "focus_query", "Zoekopdracht", id="find.query",
                tooltip="Terug naar de zoekregel, voor een andere zoekopdracht"),
        Binding("escape", "back", "Terug", id="find.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    def __init__(self, project: "Project", query: str = "") -> None:
        super().__init__()
        self.project = project
        self.query_text = query
        self._hits: list[Hit] = []

    def compose(self) -> ComposeResult:
        yield Static("Zoeken in de tekst", id="find-title")
        yield Input(self.query_text, placeholder=PLACEHOLDER.replace(" · Esc sluit", " · Esc terug"),
                    id="find-query")
        yield DataTable(id="find-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def reload(self) -> None:
        """Search again (on mount with a query, and back from a transcript: codes may have changed)."""
        if self.query_text:
            self._search(self.query_text)

    def on_screen_resume(self) -> None:
        self.reload_if_mounted()

    @on(Input.Submitted, "#find-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._search(event.value):
            self.query_one("#find-table", DataTable).focus()

    def _search(self, text: str) -> bool:
        status = self.query_one(StatusLine)
        try:
            query = parse_query(text)
            hits = search_project(self.project, query)
        except QueryError as exc:
            status.message = exc.dutch
            return False
        # the same query again (back from a hit, whose codes may have changed): the cursor stays on that hit
        was = self.current() if text == self.query_text else None
        self.query_text = text
        self._hits = hits
        book = self.project.codebook()
        table = self.query_one("#find-table", DataTable)
        table.clear(columns=True)
        table.add_column("interview", key="interview")
        table.add_column("zin", key="segment")
        table.add_column("tekst", key="text")
        table.add_column("codes", key="codes")
        names = {i.id: i.attributes.get("interview_id") or i.name for i in self.project.transcripts()}
        for n, hit in enumerate(hits[:SHOWN]):
            table.add_row(Text(names.get(hit.transcript_id, hit.transcript)), str(hit.index + 1), kwic_line(hit),
                          Text(code_labels(book, hit.codes)), key=str(n))
        if was is not None:
            row = next((n for n, h in enumerate(hits[:SHOWN]) if (h.transcript_id, h.start) ==
                        (was.transcript_id, was.start)), None)
            if row is not None:
                table.move_cursor(row=row)
        interviews = len({h.transcript_id for h in hits})
        title = (f"Zoeken in de tekst: '{query.text}' — {len(hits)} zin{'nen' if len(hits) != 1 else ''} in "
                 f"{interviews} interview{'s' if interviews != 1 else ''}")
        self.query_one("#find-title", Static).update(Text(title))  # the query as typed, never markup
        if not hits:
            status.message = f"geen zin met '{query.text}' (alle woorden in één zin; accenten en hoofdletters tellen niet)"
        elif len(hits) > SHOWN:
            status.message = f"de eerste {SHOWN} van {len(hits)} getoond: maak de zoekopdracht nauwer"
        else:
            status.message = "Enter opent het transcript op die zin · ctrl+f: andere zoekopdracht"
        return bool(hits)

    def current(self) -> Hit | None:
        return under_cursor(self.query_one("#find-table", DataTable), self._hits[:SHOWN])

    @on(DataTable.RowSelected, "#find-table")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        hit = self.current()
        if hit is not None:
            self.post_message(OpenAt(hit.transcript_id, hit.start))

    def action_focus_query(self) -> None:
        self.query_one("#find-query", Input).focus()
