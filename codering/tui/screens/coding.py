"""The coding screen: one transcript, a cursor on a sentence, one key per decision.

The screen is a view over a :class:`~codering.coding.session.CodingSession`:
each key calls one session method (which writes to the store before it
returns) and then redraws what changed. Suggestions come from the injected
suggester once it is ready; until then the panel says the model is loading
and everything else works.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widgets import Footer, Input

from codering.coding.session import CodingSession
from codering.coding.textsearch import QueryError, TextQuery, parse_query
from codering.tui.colors import code_colors
from codering.tui.dialogs import ChoiceDialog, CodePicker, MemoDialog, NarrowDialog
from codering.tui.messages import guarded, reads_only
from codering.tui.screens.base import UNDO_HINT, AppScreen, undo_verb, while_server_there
from codering.tui.state import ModelState
from codering.tui.widgets.panel import ORIGIN_WORDS, CodeLine, PanelData, SegmentPanel, SuggestionLine
from codering.tui.widgets.findline import FindLine
from codering.tui.widgets.line import TextLine
from codering.tui.widgets.status import StatusLine
from codering.tui.widgets.transcript import Mark, TranscriptView
from codering.wording import short

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.base import Suggester


#: What the coding screen says on a transcript without respondent sentences (interviewer turns skipped).
NOTHING_TO_CODE = "geen respondentzinnen; i om interviewerbeurten te bezoeken"
#: ... and on a skipped interviewer sentence chosen with the mouse.
INTERVIEWER_HERE = "interviewerbeurt: i om interviewerbeurten te coderen"
#: Below this width the suggestion panel goes under the transcript (beside it, 36 columns left 4 for the text).
NARROW = 80
#: The choice ``m`` offers beside the memos already on the selection: a new one (memo ids start at 1).
NEW_MEMO = 0
#: What shift+down says at the end of a respondent's turn (interviewer turns skipped).
TURN_END = "einde van de beurt: de selectie gaat niet over in een andere beurt (i: interviewerbeurten bezoeken)"


def case_line(name: str, attributes: dict[str, str]) -> str:
    """'INT-01 · Beernem · zorg — int01_huisarts_beernem'."""
    parts = [attributes[k] for k in ("interview_id", "locatie", "actorgroep") if attributes.get(k)]
    return f"{' · '.join(parts)} — {name}" if parts else name


class CodingScreen(AppScreen[None]):
    """Code one transcript with the keyboard (or the mouse)."""

    HELP_TITLE = "Toetsen — Coderen"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="coding.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("1", "accept_suggestion(0)", "Aanvaard", key_display="1-9", id="coding.accept",
                tooltip="Aanvaard suggestie 1 (2-9: de andere): de code wordt meteen toegepast en bewaard; staat hier "
                        "geen waarschijnlijke suggestie meer open, dan gaat de cursor verder"),
        *[Binding(str(n), f"accept_suggestion({n - 1})", f"Aanvaard suggestie {n}", show=False,
                  id=f"coding.accept{n}") for n in range(2, 10)],
        Binding("x", "reject_suggestion", "Afwijzen", id="coding.reject",
                tooltip="Wijs de aangeduide suggestie (▶) af; de cursor blijft staan zolang hier nog een suggestie "
                        "open staat"),
        Binding("a", "accept_all", "Alles aanvaarden", id="coding.accept_all",
                tooltip="Aanvaard alle waarschijnlijke suggesties (■) in één keer, daarna verder; de gedimde "
                        "alternatieven (□) blijven open"),
        Binding("j,down", "move(1)", "Volgende", id="coding.next",
                tooltip="Naar de volgende zin (interviewerbeurten slaat de cursor over, tenzij i)"),
        Binding("k,up", "move(-1)", "Vorige", id="coding.prev",
                tooltip="Naar de vorige zin; vlak na een beslissing op meer zinnen of een deel van een zin: die "
                        "selectie opnieuw, voor een tweede code"),
        Binding("c,slash", "pick_code", "Code zoeken", key_display="/", id="coding.pick",
                tooltip="Een code toepassen via zoeken (label, id, beschrijving; accenten tellen niet); de lijst "
                        "opent op de volgende gissingen van het model (wat niet al bij de suggesties staat), "
                        "1-9 kiest; de cursor blijft staan"),
        Binding("n", "next_uncoded", "Ongecodeerd", id="coding.next_uncoded",
                tooltip="Naar de volgende zin zonder code; de zinnen die je zo overspringt, tellen voor het model "
                        "niet als 'geen code'"),
        Binding("f,ctrl+f", "find", "Zoek in tekst", key_display="f", id="coding.find",
                tooltip='Zoek woorden in dit transcript (woord, woord*, "woordgroep"); Enter springt naar de '
                        "volgende zin die ze bevat, g/G naar de volgende/vorige treffer, Esc sluit"),
        Binding("g", "find_next(1)", "Volgende treffer", show=False, id="coding.find_next",
                tooltip="Naar de volgende zin met een treffer van de laatste tekstzoekopdracht"),
        Binding("G", "find_next(-1)", "Vorige treffer", show=False, id="coding.find_prev",
                tooltip="Naar de vorige zin met een treffer van de laatste tekstzoekopdracht"),
        Binding("N", "next_suggested", "Met suggestie", id="coding.next_suggested",
                tooltip="Naar de volgende zin met een waarschijnlijke suggestie die nog open staat"),
        Binding("u,ctrl+z", "undo", "Ongedaan", id="coding.undo",
                tooltip="Je laatste actie ongedaan maken (alleen je eigen, ook na herstarten)"),
        Binding("U,ctrl+y", "redo", "Opnieuw", id="coding.redo",
                tooltip="Opnieuw doen wat je ongedaan maakte"),
        Binding("d,delete", "remove_coding", "Code weg", id="coding.remove",
                tooltip="Een code van de selectie weghalen (staan er meer, dan kies je welke); ze wordt hier dan "
                        "niet meer voorgesteld"),
        Binding("m", "memo", "Memo", id="coding.memo",
                tooltip="Memo op de selectie; staat er al een, dan kies je: die bewerken of een nieuwe"),
        Binding("D", "remove_memo", "Memo weg", show=False, id="coding.remove_memo",
                tooltip="Haal een memo op de selectie weg"),
        Binding("M", "memo_list", "Memo's", show=False, id="coding.memos",
                tooltip="Alle memo's: zoeken, lezen, bewerken, weghalen; ook op het transcript en het project"),
        Binding("X", "reject_all", "Alles afwijzen", id="coding.reject_all",
                tooltip="Alle getoonde suggesties afwijzen en verder; zonder suggesties: 'niets hier' en verder"),
        Binding("J,right_square_bracket", "turn(1)", "Volgende beurt", key_display="]", id="coding.next_turn",
                tooltip="Naar de eerste zin van de volgende beurt"),
        Binding("K,left_square_bracket", "turn(-1)", "Vorige beurt", key_display="[", id="coding.prev_turn",
                tooltip="Naar de eerste zin van de vorige beurt"),
        Binding("shift+down", "extend", "Zin erbij", id="coding.extend",
                tooltip="De volgende zin bij de selectie nemen (niet voorbij het einde van de beurt, tenzij i)"),
        Binding("shift+up", "shrink", "Zin eraf", id="coding.shrink",
                tooltip="De laatste zin van de selectie weer loslaten (of een deel van een zin weer de hele zin)"),
        Binding("s", "narrow", "Deel van zin", id="coding.narrow",
                tooltip="Maar een deel van de zin coderen: kies de woorden in een venster"),
        Binding("tab", "highlight(1)", "Volgende suggestie", show=False, id="coding.highlight_next",
                tooltip="De volgende suggestie aanduiden (▶); Enter aanvaardt ze"),
        Binding("shift+tab", "highlight(-1)", "Vorige suggestie", show=False, id="coding.highlight_prev",
                tooltip="De vorige suggestie aanduiden (▶); Enter aanvaardt ze"),
        Binding("enter", "accept_highlighted", "Aanvaard ▶", show=False, id="coding.accept_highlighted",
                tooltip="De aangeduide suggestie (▶) aanvaarden"),
        Binding("i", "toggle_interviewer", "Interviewer", id="coding.interviewer",
                tooltip="Interviewerbeurten ook bezoeken (of weer overslaan)"),
        Binding("b", "codebook", "Codeboek", id="coding.codebook",
                tooltip="Het codeboek: codes bewerken, toevoegen, verplaatsen, samenvoegen, verwijderen; Enter "
                        "past de gekozen code toe op de selectie"),
        Binding("r", "review", "Review", id="coding.review",
                tooltip="Alle fragmenten met de code van deze zin (of een code die je kiest), met hun context; "
                        "hercoderen of weghalen op hun plaats"),
        Binding("e", "export", "Export", id="coding.export",
                tooltip="Tabellen en figuren bekijken en wegschrijven (Word, Excel, ...)"),
        Binding("pagedown", "page(1)", "Blad omlaag", show=False, id="coding.page_down",
                tooltip="Een scherm verder in de tekst"),
        Binding("pageup", "page(-1)", "Blad omhoog", show=False, id="coding.page_up",
                tooltip="Een scherm terug in de tekst"),
        Binding("escape", "back", "Terug", id="coding.back",
                tooltip="Terug naar het scherm ervoor (overzicht, zoeklijst, review...); na een tekstzoekopdracht "
                        "haalt de eerste Esc de treffers weg"),
    ]

    highlight: reactive[int] = reactive(0)
    """Which shown suggestion ``x`` rejects and Enter accepts (0 = the first)."""

    def __init__(self, project: "Project", transcript: int | str, suggester: "Suggester | None",
                 coder: str, at: int | None = None) -> None:
        super().__init__()
        self.project = project
        self.session = CodingSession(project, transcript, suggester, coder)
        if at is not None:
            self.session.goto(self.session.index_at(at))
        self.palette = code_colors(self.session.codebook)
        self.model_state = ModelState()

    # -- building -------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield TextLine("", id="case")
        with Horizontal(id="coding-body"):
            yield TranscriptView(id="transcript")
            yield SegmentPanel(id="panel")
        yield FindLine(id="find")
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.show(self.session.content, self.session.turns)
        self._redraw(marks=True)
        view.focus()
        self.watch(self.app, "model_state", self._model_changed, init=True)
        self.call_after_refresh(self._focus_model)  # the viewport is laid out by then
        if not self.session.codable_here:
            self._say(self._not_codable())

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 120, "-wide")
        self.set_class(self.size.width < NARROW, "-narrow")

    def on_screen_resume(self) -> None:
        if self.is_mounted and hasattr(self, "_resumed_once"):
            with while_server_there(self):
                if not self._left_when_gone():
                    self.session.reload()
                    self.palette = code_colors(self.session.codebook)
                    self._redraw(marks=True)
                    self._say_latest_undo()
        self._resumed_once = True

    _said_for: int | None = None  # the journal entry the status's "u: ongedaan maken" was said for

    def _say_undoable(self, message: str) -> None:
        self._say(message + UNDO_HINT)
        latest = self._latest_action()
        self._said_for = latest[0] if latest else None

    def _latest_action(self) -> tuple[int, str] | None:
        """This coder's latest action that ``u`` would take back: (journal id, description)."""
        for entry_id, description, undone, _ in self.project.history(1, coder=self.session.coder):
            return None if undone else (entry_id, description)
        return None

    def _say_latest_undo(self) -> None:
        """Back from another screen (review, codebook, agreement) that did something undoable: the status
        still offered u for the decision made here, while u now takes back what was done there."""
        status = self.query_one(StatusLine)
        if UNDO_HINT.strip() not in status.message:
            return
        latest = self._latest_action()
        if latest is None or latest[0] == self._said_for:
            return
        status.message = f"terug bij het coderen · u maakt ongedaan: {self.session.describe(latest[1])}"

    def live_refresh(self) -> None:
        """The project changed (another coder, another window; see ``CoderingApp._live_check``): this
        transcript's codings, memos and the codebook are read again, and shown when they differ."""
        if self.is_mounted and not self._left_when_gone() and self.session.refresh():
            self.palette = code_colors(self.session.codebook)
            self._redraw(marks=True, scroll=False)

    _gone = False  # the transcript was removed (another coder or process) while it was open here

    def _left_when_gone(self) -> bool:
        """The transcript on screen was removed by someone else: say so and go back to the overview (a key
        pressed meanwhile was refused with a one-line error and saved nothing). True when it left."""
        if self._gone or self.project.transcript_exists(self.session.tid):
            return self._gone
        self._gone = True
        self.app.notify(f"'{self.session.name}' is intussen uit het project verwijderd (door een andere codeur "
                        "of opdracht); je bent terug in het overzicht.", title="Transcript verwijderd",
                        severity="warning", timeout=15)
        self.dismiss(None)
        return True

    def on_unmount(self) -> None:
        if self._gone:  # no cursor position for a transcript that is not there
            return
        try:
            self.session.save_position()
        except Exception:  # noqa: BLE001 - closing must never fail; the position is a convenience
            pass

    def _focus_model(self) -> None:
        """Tell a suggester that embeds transcripts which part of this one is on screen (the cursor's
        sentence with it): it embeds that part first, whenever it embeds (at start-up, after an import,
        for an adapted model)."""
        focus = getattr(self.session.suggester, "focus", None)
        if focus is None:
            return
        start, end = self.session.span
        shown = self.query_one(TranscriptView).visible_span()
        if shown is not None:
            start, end = min(start, shown[0]), max(end, shown[1])
        focus(self.session.tid, start, end)

    def suggestions_changed(self) -> None:
        """The suggester now answers for more transcripts (maybe this one): show what it says."""
        self._redraw_panel()

    def _model_changed(self, state: ModelState) -> None:
        was_ready = self.model_state.ready
        self.model_state = state
        if state.ready != was_ready or not state.ready:
            self._redraw_panel()

    # -- drawing ----------------------------------------------------------------------------
    def _redraw(self, marks: bool = False, scroll: bool = True) -> None:
        s = self.session
        view = self.query_one(TranscriptView)
        if marks:
            view.set_marks(
                [Mark(c.start, c.end, self.palette.get(c.code_id, "#888888"), s.label(c.code_id)) for c in s.codings],
                [(m.start, m.end) for m in s.memos if m.start is not None and m.end is not None],
            )
        view.set_selection(*s.span, scroll=scroll)
        self._focus_model()
        self._redraw_panel()
        coded, total = s.progress()
        share = f"{coded}/{total} gecodeerd" if total else ""
        skip = "" if s.show_interviewer else " · interviewer overgeslagen"
        whole = len(s.transcript_memos())
        noun = "transcriptmemo" if whole == 1 else "transcriptmemo's"
        memos = f" · ✎ {whole} {noun} (M)" if whole else ""
        self.query_one("#case", TextLine).text = f"{case_line(s.name, s.attributes)}   {share}{skip}{memos}"

    def _redraw_panel(self) -> None:
        panels = self.query(SegmentPanel)
        if not panels:
            return
        s = self.session
        suggestions = s.suggestions()
        if self.highlight >= len(suggestions):
            self.highlight = max(0, len(suggestions) - 1)
        book = s.codebook
        status = ""
        if not s.ready_here:
            status = self.model_state.describe() if self.model_state.phase != "ready" else ""
            if suggestions:
                status = f"{status} · opgeslagen suggesties" if status else "opgeslagen suggesties"
        seg = s.current
        where = ""
        if not s.codable_here:
            where, status = self._not_codable(), ""
        elif seg is not None:
            stamp = f" · {seg.timestamp}" if seg.timestamp else ""
            extra = ""
            if s.last > s.first:
                extra = f" · {s.last - s.first + 1} zinnen"
            if s.narrow is not None:
                extra += " · deel"
            where = f"segment {seg.index + 1}/{len(s.segments)} · {seg.speaker}{stamp}{extra}"
        panels.first().show(PanelData(
            where=where,
            codes=[CodeLine(c.id, s.label(c.code_id), self._parents(c.code_id), self.palette.get(c.code_id, "#888888"),
                            c.origin, c.coder if c.coder != s.coder else "") for c in s.codings_here()],
            memos=[m.text for m in s.memos_here()],
            suggestions=[SuggestionLine(s.label(x.code_id), self._parents(x.code_id), x.score, x.reason,
                                        self.palette.get(x.code_id, "#888888"), x.likely) for x in suggestions
                         if x.code_id in book],
            highlight=self.highlight,
            status=status,
        ))

    def _parents(self, code_id: str) -> str:
        book = self.session.codebook
        if code_id not in book:
            return ""
        return " › ".join(c.label for c in reversed(book.ancestors(code_id)))

    def _say(self, message: str | None) -> None:
        if message:
            self.query_one(StatusLine).message = message

    def watch_highlight(self) -> None:
        self._redraw_panel()

    # -- moving -----------------------------------------------------------------------------
    def _moved(self, ok: bool, none_left: str = "") -> None:
        if ok:
            self.highlight = 0
            self._redraw()
            if not self.session.codable_here:  # a click on a skipped interviewer turn
                self._say(self._not_codable())
        elif none_left:
            self._say(none_left)

    def action_move(self, step: int) -> None:
        self._moved(self.session.move(step), "begin van het transcript" if step < 0 else "einde van het transcript")

    def action_turn(self, step: int) -> None:
        self._moved(self.session.move_turn(step), "geen beurt meer")

    def action_extend(self) -> None:
        s = self.session
        if not self._codable():
            return
        self._moved(s.extend(), TURN_END if s.at_turn_end else "einde van het transcript")

    def action_shrink(self) -> None:
        self._moved(self.session.shrink())

    def action_next_uncoded(self) -> None:
        self._moved(self.session.next_uncoded(), "geen ongecodeerd segment meer na dit")

    def action_next_suggested(self) -> None:
        self._moved(self.session.next_suggested(), "geen segment met open suggesties meer na dit")

    def action_page(self, step: int) -> None:
        self.query_one(TranscriptView).page(step)
        self.call_after_refresh(self._focus_model)

    # -- finding words in the text ----------------------------------------------------------------
    found_query: TextQuery | None = None
    """The last text search (``g``/``G`` step through its hits; its words are highlighted)."""

    def action_find(self) -> None:
        line = self.query_one(FindLine)
        line.open(self.found_query.text if self.found_query is not None and not line.display else None)

    @on(Input.Submitted, "#find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            query = parse_query(event.value)
        except QueryError as exc:
            self._say(exc.dutch)  # the line stays open to correct it
            return
        self.found_query = query
        self._close_find()
        self._find_step(1)

    @on(FindLine.Closed)
    def _find_closed(self) -> None:
        self.found_query = None
        self.query_one(TranscriptView).set_found([])
        self._close_find()
        self._say("zoeken gesloten")

    def action_back(self) -> None:
        """Esc: a search's highlights go first (the find line closes on Enter, so Esc right after a search
        had left the transcript); the next Esc goes back."""
        if self.found_query is not None:
            self._find_closed()
            return
        super().action_back()

    def _close_find(self) -> None:
        self.query_one(FindLine).close()

    def action_find_next(self, step: int) -> None:
        if self.found_query is None:
            self._say("nog geen zoekopdracht: f om woorden in de tekst te zoeken")
            return
        self._find_step(step)

    def _find_step(self, step: int) -> None:
        """Jump to the next or previous hit of ``found_query`` (a jump like ``n``: what it passes is
        recorded as jumped over, not as passed over) and say where it is among the hits."""
        query = self.found_query
        assert query is not None
        s = self.session
        self.query_one(TranscriptView).set_found(s.find_text(query).spans)
        hit = s.next_found(query, step)
        if hit is None:
            where = "" if s.show_interviewer else " (interviewer overgeslagen)"
            self._say(f"geen treffer voor '{query.text}' in dit transcript{where}")
            return
        number, total, wrapped = hit
        self._moved(True)
        again = (" · van voren af" if step > 0 else " · van achteren af") if wrapped and total > 1 else ""
        self._say(f"treffer {number} van {total} voor '{query.text}'{again} · g/G: volgende/vorige")

    def action_toggle_interviewer(self) -> None:
        s = self.session
        s.show_interviewer = not s.show_interviewer
        if not s.visitable(s.first):
            s.move(1) or s.move(-1)
        self._say("interviewerbeurten worden bezocht" if s.show_interviewer else "interviewerbeurten worden overgeslagen")
        self._redraw()

    def action_highlight(self, step: int) -> None:
        count = len(self.session.suggestions())
        if count:
            self.highlight = (self.highlight + step) % count

    @on(TranscriptView.Clicked)
    @guarded  # while a decision waits for the project, a click must not move the cursor it is retried at
    def _clicked(self, event: TranscriptView.Clicked) -> None:
        s = self.session
        index = s.index_at(event.offset)
        if index is None:
            return
        if event.extend and index > s.first:
            if index <= s.last:
                s.last = index
                s.narrow = None
            else:
                s.extend_to(index)
            self._moved(True)
            if s.last < index:
                self._say(TURN_END)
        else:
            self._moved(s.goto(index))

    # -- deciding (every one is in the store when the method returns) --------------------------
    def _decided(self, message: str | None, saved: bool = True) -> None:
        """Say what a decision did; ``saved``: something was written that ``u`` takes back (X with nothing
        shown writes nothing, and ``u`` would take back the decision before it)."""
        if message is None:
            self._say(self._nothing_to_decide("geen suggestie met dat nummer"))
            return
        self.highlight = 0
        if saved:
            self._say_undoable(message)
        else:
            self._say(message)
        self._redraw(marks=True)

    @guarded
    def action_accept_suggestion(self, index: int) -> None:
        self._decided(self.session.accept(index))

    @guarded
    def action_reject_suggestion(self, index: int | None = None) -> None:
        self._decided(self.session.reject(self.highlight if index is None else index))

    @guarded
    def action_accept_highlighted(self) -> None:
        self._decided(self.session.accept(self.highlight))

    def _nothing_to_decide(self, otherwise: str) -> str:
        """Why a decision key did nothing: nothing to code here, no suggestions here, or ``otherwise``."""
        if not self.session.codable_here:
            return self._not_codable()
        return otherwise if self.session.suggestions() else "geen suggesties hier"

    def _not_codable(self) -> str:
        """Why nothing is coded here (``session.codable_here`` is False)."""
        return INTERVIEWER_HERE if self.session.respondent_sentences else NOTHING_TO_CODE

    def _codable(self) -> bool:
        """False (and says so) on a sentence that is not coded: interviewer turns skipped, none else."""
        if not self.session.codable_here:
            self._say(self._not_codable())
        return self.session.codable_here

    @guarded
    def action_accept_all(self) -> None:
        message = self.session.decide_all(True)
        if message is None and self.session.suggestions():
            self._say("geen waarschijnlijke suggestie: kies met 1-9")
            return
        self._decided(message)

    @guarded
    def action_reject_all(self) -> None:
        if self._codable():
            shown = bool(self.session.suggestions())
            self._decided(self.session.decide_all(False), saved=shown)  # "nothing here": moves on all the same

    def action_pick_code(self) -> None:
        if not self._codable():
            return
        self.app.push_screen(CodePicker(self.session.codebook, self.palette, recent=self.session.recent_codes(),
                                        scores=self.session.code_scores()),
                             self._apply_code)

    @guarded
    def _apply_code(self, code_id: str | None) -> None:
        if code_id and self._codable():
            self._decided(self.session.apply(code_id))

    def action_remove_coding(self) -> None:
        here = self.session.codings_here()
        if not here:
            self._say("hier staat geen code")
        elif len(here) == 1:
            self._remove(here[0].id)
        else:
            choices = [(c.id, f"{self.session.label(c.code_id)}  ({c.coder}, {ORIGIN_WORDS.get(c.origin, c.origin)})")
                       for c in here]
            self.app.push_screen(ChoiceDialog("Welke code weghalen?", choices), self._remove)

    @guarded
    def _remove(self, coding_id: int | None) -> None:
        if coding_id is not None:
            removed = self.session.remove(coding_id)
            if removed:
                self._say_undoable(removed)
            else:
                self._say("deze code is intussen verwijderd")
            self._redraw(marks=True)

    def _about(self) -> str:
        text = self.session.text
        return text if len(text) < 300 else text[:300] + "…"

    def action_memo(self) -> None:
        here = self.session.memos_here()
        if not here:
            self.app.push_screen(MemoDialog(self._about()), self._memo)
            return
        choices = [(m.id, f"✎ bewerken: {short(m.text, 60)}  ({m.coder})") for m in here]
        choices.append((NEW_MEMO, "+ nieuwe memo op de selectie"))
        self.app.push_screen(ChoiceDialog("Hier staat al een memo", choices), self._memo_chosen)

    def _memo_chosen(self, memo_id: int | None) -> None:
        """From the choice ``m`` offers where a memo is: edit that one (pre-filled), or write a new one."""
        if memo_id == NEW_MEMO:
            self.app.push_screen(MemoDialog(self._about()), self._memo)
            return
        memo = next((m for m in self.session.memos if m.id == memo_id), None)
        if memo is None:  # Esc, or the memo was deleted meanwhile
            return
        self.app.push_screen(MemoDialog(self._about(), memo.text, title="Memo bewerken"),
                             lambda text: self._memo_edited(memo.id, text))

    @guarded
    def _memo(self, text: str | None) -> None:
        if text:
            self._say_undoable(self.session.add_memo(text))
            self._redraw(marks=True)

    @guarded
    def _memo_edited(self, memo_id: int, text: str | None) -> None:
        if text:
            said = self.session.edit_memo(memo_id, text)
            self._say_undoable(said) if said else self._say("memo niet veranderd")
            self._redraw(marks=True)

    def action_remove_memo(self) -> None:
        here = self.session.memos_here()
        if not here:
            self._say("hier staat geen memo (M: alle memo's)")
        elif len(here) == 1:
            self._remove_memo(here[0].id)
        else:
            choices = [(m.id, f"{short(m.text, 60)}  ({m.coder})") for m in here]
            self.app.push_screen(ChoiceDialog("Welke memo weghalen?", choices), self._remove_memo)

    @guarded
    def _remove_memo(self, memo_id: int | None) -> None:
        if memo_id is not None:
            removed = self.session.remove_memo(memo_id)
            self._say_undoable(removed) if removed else self._say("deze memo is intussen verwijderd")
            self._redraw(marks=True)

    def action_memo_list(self) -> None:
        from codering.tui.screens.memos import MemoListScreen

        self.app.push_screen(MemoListScreen(self.project, self.session.coder, transcript=self.session.tid),
                             self._memo_place)

    def _memo_place(self, offset: int | None) -> None:
        """Back from the memo list with Enter on a memo of this transcript: the cursor goes to its place."""
        if offset is not None and not self._gone:
            self._moved(self.session.goto(self.session.index_at(offset)))

    def action_narrow(self) -> None:
        self.app.push_screen(NarrowDialog(self.session.text), self._narrowed)

    def _narrowed(self, part: tuple[int, int] | None) -> None:
        if part is not None:
            base = self.session.span[0]
            self._moved(self.session.narrow_to(base + part[0], base + part[1]))

    def _where_changed(self) -> str:
        elsewhere = self.session.changed_elsewhere
        if elsewhere:
            return f" (in {elsewhere})"
        return f" — segment {self.session.first + 1}" if self.session.changed_here else ""

    @guarded
    def action_undo(self) -> None:
        done = self.session.undo()
        self._say(f"{undo_verb(done)}: {self.session.describe(done)}{self._where_changed()}" if done
                  else "niets om ongedaan te maken")
        self.highlight = 0
        self._redraw(marks=True)

    @guarded
    def action_redo(self) -> None:
        done = self.session.redo()
        self._say(f"{undo_verb(done, redo=True)}: {self.session.describe(done)}{self._where_changed()}" if done
                  else "niets om opnieuw te doen")
        self.highlight = 0
        self._redraw(marks=True)

    # -- elsewhere ------------------------------------------------------------------------------
    @reads_only
    def action_codebook(self) -> None:
        from codering.tui.screens.codebook import CodebookScreen

        self.app.push_screen(CodebookScreen(self.project, self.session.coder, can_apply=True), self._apply_code)

    @reads_only
    def action_review(self) -> None:
        from codering.tui.screens.review import ReviewScreen

        here = self.session.codings_here()
        if here:
            self.app.push_screen(ReviewScreen(self.project, here[0].code_id, self.session.coder))
        else:
            self.app.push_screen(CodePicker(self.session.codebook, self.palette, title="Review: welke code?"),
                                 self._review)

    def _review(self, code_id: str | None) -> None:
        from codering.tui.screens.review import ReviewScreen

        if code_id:
            self.app.push_screen(ReviewScreen(self.project, code_id, self.session.coder))

    @reads_only
    def action_export(self) -> None:
        from codering.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.project))
