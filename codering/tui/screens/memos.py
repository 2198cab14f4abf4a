"""Memo's: every memo of the project in one list, to find, read, edit and delete.

One row per memo (project, transcript, passage, code), newest last; ``/``
filters on the text, the place and the coder (accents and case ignored);
the memo whole, and the words a passage memo is on, show below the list.
Enter opens the transcript at the memo's place, ``e`` edits, ``d`` deletes,
``n`` writes a new memo on the project (or on the transcript the list was
opened from), ``u`` undoes. Every change is one journaled action. Memos other
coders or processes write, edit or delete show up as they are saved (the
app's live check, ``live_refresh``), the cursor staying on the memo it was on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.css.query import NoMatches
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Input, Static

from codering.coding.search import fold
from codering.export.tables import MemoPlace, memo_places
from codering.tui.dialogs import ChoiceDialog, MemoDialog
from codering.tui.messages import OpenAt, guarded
from codering.tui.screens.base import (UNDO_HINT, ProjectScreen, flat, keeping_cursor, undo_message, under_cursor,
                                       while_server_there)
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.store import Memo, Project

#: A memo's kind as the list says it.
KIND_WORDS = {"project": "project", "transcript": "transcript", "span": "passage", "code": "code"}


def place_words(place: MemoPlace, width: int = 50) -> str:
    """Where a memo is, as the list says it: 'het project', a transcript's name, or its name with the words."""
    if place.memo.kind == "project":
        return "het project"
    return place.where(width)


class MemoListScreen(ProjectScreen):
    """All memos of the project; ``transcript``: the one the coding screen had open (new memos can go there)."""

    FOCUS = "#memo-table"

    HELP_TITLE = "Toetsen — Memo's"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="memos.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("enter", "open", "Naar de plek", id="memos.open",
                tooltip="Open het transcript op de plek van de memo (een passage- of transcriptmemo)"),
        Binding("e", "edit", "Bewerken", id="memos.edit",
                tooltip="De memo onder de cursor bewerken"),
        Binding("d,delete", "remove", "Memo weg", id="memos.remove",
                tooltip="De memo onder de cursor weghalen (u brengt ze terug)"),
        Binding("n", "new", "Nieuwe memo", id="memos.new",
                tooltip="Een memo op het project (of op het transcript waar je vandaan komt)"),
        Binding("slash,f", "filter", "Filteren", key_display="/", id="memos.filter",
                tooltip="Alleen de memo's tonen waarvan tekst, code, transcript of codeur past bij wat je typt"),
        Binding("u,ctrl+z", "undo", "Ongedaan", id="memos.undo",
                tooltip="Je laatste actie ongedaan maken"),
        Binding("escape", "back", "Terug", id="memos.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    def __init__(self, project: "Project", coder: str, transcript: int | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.transcript = transcript
        self.query_text = ""
        self._rows: list[MemoPlace] = []
        self._memos: list["Memo"] | None = None  # the project's memos as last read (a live refresh compares)

    def compose(self) -> ComposeResult:
        yield Static("", id="memos-title")
        yield Input(placeholder="filter: woorden uit de memo, de plek of de codeur (Enter: terug naar de lijst)",
                    id="memos-filter")
        yield DataTable(id="memo-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="memos-detail")
        yield StatusLine(id="status")
        yield Footer()

    def reload(self, memos: "list[Memo] | None" = None) -> None:
        """Fill the list from ``memos`` (None: read them); the cursor stays on the memo it was on, where that
        memo is still listed, else on the same row."""
        self._memos = self.project.memos() if memos is None else memos
        was = self.current()
        places = memo_places(self.project, self._memos)
        total = len(places)
        if self.query_text:
            words = fold(self.query_text).split()
            places = [p for p in places
                      if all(w in fold(f"{p.memo.text} {p.where(10_000)} {p.memo.coder} {KIND_WORDS[p.kind]}")
                             for w in words)]
        self._rows = places
        shown = f"{len(places)} van {total}" if self.query_text else str(total)
        filtered = f" · filter: {self.query_text}" if self.query_text else ""
        noun = "memo" if total == 1 else "memo's"
        self.query_one("#memos-title", Static).update(Text(f"Memo's — {shown} {noun}{filtered}"))
        table = self.query_one("#memo-table", DataTable)
        with keeping_cursor(table):
            table.clear(columns=True)
            for label in ("nr", "soort", "waar", "codeur", "datum", "memo"):
                table.add_column(label, key=label)
            for p in places:  # as Text: a memo's "[/b]" or "[lacht]" is what was typed, not markup
                table.add_row(str(p.memo.id), KIND_WORDS[p.kind], Text(place_words(p, 40)), Text(p.memo.coder),
                              p.memo.created[:10], Text(flat(p.memo.text)[:80]), key=str(p.memo.id))
        if was is not None:
            row = next((i for i, p in enumerate(places) if p.memo.id == was.memo.id), None)
            if row is not None:
                table.move_cursor(row=row)
        self._show_detail()

    def live_refresh(self) -> None:
        """The project changed (another coder or process; see ``CoderingApp._live_check``): the list is filled
        again when its memos did, the cursor kept on its memo. Colleagues' codings alone cost one read."""
        if not self.is_mounted:
            return
        try:
            with while_server_there(self):
                memos = self.project.memos()
                if memos != self._memos:
                    self.reload(memos)
        except NoMatches:  # landed while the screen is taken down
            return

    def on_screen_resume(self) -> None:
        """Back from a dialog or the coding screen: what changed meanwhile shows (a live check while another
        screen was on top did not reach this one)."""
        if self._memos is not None:
            self.live_refresh()

    def current(self) -> MemoPlace | None:
        return under_cursor(self.query_one("#memo-table", DataTable), self._rows)

    @on(DataTable.RowHighlighted, "#memo-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        place = self.current()
        detail = self.query_one("#memos-detail", Static)
        if place is None:
            detail.update(Text("geen memo's" + (" die bij de filter passen" if self.query_text else
                                                " (n: een nieuwe memo)"), style="dim italic"))
            return
        m = place.memo
        edited = f" · bewerkt {m.updated[:10]}" if m.updated else ""
        parts: list[tuple[str, str] | str] = []
        if place.quote:
            parts.append((f"“{flat(place.quote)[:300]}”\n", "dim"))
        parts += [m.text, (f"\n{KIND_WORDS[place.kind]} · {place_words(place, 60)} · {m.coder} · {m.created[:10]}"
                           f"{edited} · memo {m.id}", "dim italic")]
        detail.update(Text.assemble(*parts))

    # -- actions ------------------------------------------------------------------------------
    def action_filter(self) -> None:
        field = self.query_one("#memos-filter", Input)
        field.value = self.query_text
        field.focus()

    @on(Input.Changed, "#memos-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#memos-filter")
    def _filter_done(self) -> None:
        self.query_one("#memo-table", DataTable).focus()

    @on(DataTable.RowSelected, "#memo-table")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        place = self.current()
        if place is None:
            return
        m = place.memo
        if m.transcript_id is None:
            self.say("een memo op het project of een code heeft geen plek in een transcript (e: bewerken)")
            return
        if m.transcript_id == self.transcript:  # opened from this transcript's coding screen: back there, at it
            self.dismiss(m.start)  # a memo on the whole transcript: the cursor stays where it was
        else:
            self.post_message(OpenAt(m.transcript_id, m.start if m.start is not None else 0))

    def action_edit(self) -> None:
        place = self.current()
        if place is not None:
            about = flat(place.quote)[:300] if place.quote else f"{KIND_WORDS[place.kind]}: {place_words(place, 80)}"
            self.app.push_screen(MemoDialog(about, place.memo.text, title="Memo bewerken"),
                                 lambda text, memo_id=place.memo.id: self._edited(memo_id, text))

    @guarded
    def _edited(self, memo_id: int, text: str | None) -> None:
        if text is None:
            return
        changed = self.project.edit_memo(memo_id, text, self.coder)
        self.say("memo bewerkt" + UNDO_HINT if changed else "niets veranderd")
        self.reload()

    @guarded
    def action_remove(self) -> None:
        place = self.current()
        if place is not None:
            self.project.remove_memo(place.memo.id, self.coder)
            self.say(f"memo weg: {flat(place.memo.text)[:40]}" + UNDO_HINT)
            self.reload()

    def action_new(self) -> None:
        if self.transcript is None:
            self._new_on(None)
            return
        name = self.project.transcript_name(self.transcript)
        self.app.push_screen(ChoiceDialog("Nieuwe memo op…", [("project", "het project"),
                                                              ("transcript", f"het transcript {name}")]),
                             lambda where: where and self._new_on(self.transcript if where == "transcript" else None))

    def _new_on(self, transcript: int | None) -> None:
        about = (f"transcript: {self.project.transcript_name(transcript)}" if transcript is not None
                 else "het project")
        self.app.push_screen(MemoDialog(about, title="Nieuwe memo"),
                             lambda text: self._added(transcript, text))

    @guarded
    def _added(self, transcript: int | None, text: str | None) -> None:
        if text:
            self.project.add_memo(text, self.coder, transcript=transcript)
            self.say("memo bewaard" + UNDO_HINT)
            self.reload()
            table = self.query_one("#memo-table", DataTable)
            table.move_cursor(row=max(0, table.row_count - 1))

    @guarded
    def action_undo(self) -> None:
        self.say(undo_message(self.project, self.project.undo(self.coder)))
        self.reload()
