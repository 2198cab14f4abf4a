"""Find words across the project: every respondent sentence that holds them, keyword in context.

Opened from the overview (``z`` or ctrl+f). Type a query (``wachtlijst``,
``wachtlijst*``, ``"zorg op maat"``; every word in one sentence, case and
accents ignored: :mod:`codering.coding.textsearch`), Enter lists the hits;
Enter on a hit opens the transcript with the cursor on that sentence (Esc
there comes back to this list). ``c`` codes every hit with a code picked from
the codebook, after a confirm dialog that counts them, as one action
(:func:`codering.coding.textsearch.code_hits`); ``u`` takes it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from codering.coding.textsearch import (MAX_HITS, Hit, HitCoding, HitCodingError, QueryError, code_hits, code_labels,
                                        parse_query, plan_hit_coding, search_project)
from codering.tui.colors import code_colors
from codering.tui.dialogs import ChoiceDialog, CodePicker
from codering.tui.messages import OpenAt, guarded
from codering.tui.screens.base import UNDO_HINT, ProjectScreen, flat, under_cursor, undo_message
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
        Binding("c", "code_hits", "Treffers coderen…", id="find.code",
                tooltip="Alle gevonden zinnen coderen met een code die je kiest (één actie; u maakt ze ongedaan)"),
        Binding("u,ctrl+z", "undo", "Ongedaan", id="find.undo",
                tooltip="Je laatste actie ongedaan maken (ook het coderen van de treffers)"),
        Binding("escape", "back", "Terug", id="find.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    def __init__(self, project: "Project", query: str = "", coder: str | None = None) -> None:
        super().__init__()
        self.project = project
        self.query_text = query
        self.coder = coder if coder is not None else project.coder
        self._hits: list[Hit] = []
        self._plan: HitCoding | None = None  # coding the hits: the code chosen, waiting for the confirm
        # what coding the hits (or its undo) did: the status line keeps saying it through the search again
        # that follows (a dialog closing resumes this screen, which searches again), until the next search
        self._told: str | None = None

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

    def live_refresh(self) -> None:
        """The project changed elsewhere (see ``CoderingApp._live_check``): a colleague coded hits (her own
        ``search --code-as``), merged or renamed a code. The hits' codes column showed what it was when the
        search ran; the search runs again, the cursor stays on its hit."""
        self.reload_if_mounted()

    @on(Input.Submitted, "#find-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._told = None
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
        if self._told:
            status.message = self._told
        elif not hits:
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
            self._told = None
            self.post_message(OpenAt(hit.transcript_id, hit.start))

    def action_focus_query(self) -> None:
        self.query_one("#find-query", Input).focus()

    # -- coding the hits ----------------------------------------------------------------------
    def action_code_hits(self) -> None:
        if not self._hits:
            self._tell("geen treffers om te coderen: zoek eerst (ctrl+f)")
            return
        book = self.project.codebook()
        self.app.push_screen(CodePicker(book, code_colors(book), title="Treffers coderen met…"), self._code_chosen)

    @guarded
    def _code_chosen(self, code_id: str | None) -> None:
        if not code_id or not self._hits:
            return
        try:
            chosen = plan_hit_coding(self.project, self._hits, code_id, self.coder or "")
        except HitCodingError as exc:
            self._tell(exc.dutch)
            return
        if not chosen.todo:
            self._tell(f"alle {_sentences(len(chosen.already))} hebben {chosen.label} al; niets gecodeerd")
            return
        n = len(chosen.todo)
        question = f"{_sentences(n)} in {_transcripts(chosen.transcripts)} coderen met {chosen.label}?"
        if chosen.already:
            rest = ("heeft de code al en blijft zoals hij is" if len(chosen.already) == 1
                    else "hebben de code al en blijven zoals ze zijn")
            question += f" ({_sentences(len(chosen.already))} {rest})"
        if n > MAX_HITS:
            question += f" Dat zijn er meer dan {MAX_HITS}: is de zoekopdracht niet te ruim?"
        self._plan = chosen
        self.app.push_screen(ChoiceDialog(question, [(True, f"Ja, {_sentences(n)} coderen"), (False, "Nee")]),
                             self._confirmed)

    @guarded
    def _confirmed(self, yes: bool | None) -> None:
        chosen, self._plan = self._plan, None
        if not yes or chosen is None:
            self._tell("niets gecodeerd")
            return
        n = code_hits(self.project, chosen, self.coder or "", self.query_text)
        self.reload()  # the codes column shows the new code
        had = "" if not chosen.already else (
            f"; {len(chosen.already)} had{'den' if len(chosen.already) != 1 else ''} de code al")
        self._tell(f"{_sentences(n)} in {_transcripts(chosen.transcripts)} gecodeerd met {chosen.label}{had}"
                   + UNDO_HINT)

    def _tell(self, message: str) -> None:
        self._told = message
        self.say(message)

    @guarded
    def action_undo(self) -> None:
        done = self.project.undo(self.coder)
        self.reload()  # a search again: its status line would hide what was undone
        self._tell(undo_message(self.project, done))


def _sentences(n: int) -> str:
    return f"{n} zin{'nen' if n != 1 else ''}"


def _transcripts(n: int) -> str:
    return f"{n} transcript{'en' if n != 1 else ''}"
