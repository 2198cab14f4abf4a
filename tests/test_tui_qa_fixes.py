"""Pilot tests for what a QA pass found on the coding screen: typed text kept on Escape and on quitting, the
cursor staying after a search, selections that stop at the respondent's turn, X that always moves on, a
coding removed by someone else, a transcript without respondent sentences, readable undo messages."""

from __future__ import annotations

from test_tui_app import SIZE, open_first, ready
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import Suggestion
from codering.tui.app import make_app
from codering.tui.dialogs import CodeForm, ErrorDialog, MemoDialog
from codering.tui.screens.coding import INTERVIEWER_HERE, NOTHING_TO_CODE, CodingScreen
from codering.tui.widgets.status import StatusLine


class FixedSuggester:
    """Ready at once; suggests ``codes`` (likely) for every sentence."""

    model_id = "fixed"
    ready = True

    def __init__(self, *codes: str) -> None:
        self.codes = codes

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        pass

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion(c, 0.9, "vast", "example") for c in self.codes][:k]

    def observe(self, project) -> None:
        pass


def said(screen) -> str:
    return screen.query_one(StatusLine).message


def panel(screen) -> str:
    return str(screen.query_one("#panel").render())


def problem(dialog) -> str:
    return str(dialog.query_one("#form-problem").content)


# -- 1. typed text is not thrown away ------------------------------------------------------------------

@sync
async def test_escape_on_a_memo_with_text_asks_once_more_and_an_empty_one_closes(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("m", *"half geschreven", "escape")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MemoDialog)  # still open, and says how to throw it away
        assert "nog eens esc om de memo niet te bewaren" in problem(dialog).lower()
        await pilot.press(*" en verder", "escape")  # typing on: Escape asks again
        await pilot.pause()
        assert app.screen is dialog
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.project.memos() == []
        await pilot.press("m", "escape")  # nothing typed: closes at once
        await pilot.pause()
        assert app.screen is screen


@sync
async def test_quitting_with_a_half_written_memo_saves_it(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        span = screen.session.span
        await pilot.press("m", *"quasi klaar", "ctrl+q")
        await pilot.pause()
    assert app._exit
    with Project.open(sample_project) as project:
        assert [(m.start, m.end, m.text) for m in project.memos()] == [(*span, "quasi klaar")]


@sync
async def test_a_signal_ending_the_app_saves_a_half_written_memo_too(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(app, pilot)
        await pilot.press("m", *"bijna")
        app.call_later(app.exit, return_code=143)  # what the SIGTERM/SIGHUP handler does
        await pilot.pause()
    assert app.return_code == 143
    with Project.open(sample_project) as project:
        assert [m.text for m in project.memos()] == ["bijna"]


async def edit_nabijheid(app, pilot) -> None:
    """Open the codebook panel on Nabijheid and its edit form (F2)."""
    await ready(app, pilot)
    await pilot.press("b", *"nabijh")
    await pilot.pause()
    await pilot.press("f2")
    await pilot.pause()


@sync
async def test_code_form_asks_on_escape_and_a_quit_it_cannot_save_asks_once(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await edit_nabijheid(app, pilot)
        form = app.screen
        assert isinstance(form, CodeForm)
        await pilot.press("escape")  # nothing changed: closes
        await pilot.pause()
        assert not isinstance(app.screen, CodeForm)
        await pilot.press("f2")
        await pilot.pause()
        form = app.screen
        form.query_one("#label").value = ""  # a code without a label cannot be saved
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and "nog eens esc om de code niet te bewaren" in problem(form).lower()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.screen is form and not app._exit  # not quit: says why, and how to quit anyway
        assert "label" in problem(form) and "nog eens Ctrl+Q" in problem(form)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app._exit
    with Project.open(sample_project) as project:
        assert project.codebook().codes["stim.praktisch.nabijheid"].label == "Nabijheid"


@sync
async def test_quitting_with_an_edited_code_saves_it(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await edit_nabijheid(app, pilot)
        app.screen.query_one("#label").value = "Fysieke nabijheid"
        await pilot.press("ctrl+q")
        await pilot.pause()
    with Project.open(sample_project) as project:
        assert project.codebook().codes["stim.praktisch.nabijheid"].label == "Fysieke nabijheid"


# -- 2. a code applied by search never moves the cursor ---------------------------------------------------

@sync
async def test_a_searched_code_that_is_also_suggested_stays_on_the_sentence(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        first, span = s.first, s.span
        await pilot.press("slash", *"nabijheid", "enter")  # on the list too: an accept, but no move
        await pilot.pause()
        assert s.first == first
        await pilot.press("slash", *"doorverwijzen", "enter")
        await pilot.pause()
        assert s.first == first
        project = screen.project
        assert sorted((c.start, c.end, c.code_id) for c in project.codings()) == [
            (*span, "fin.doorverwijzen"), (*span, "stim.praktisch.nabijheid")]
        assert [(d.start, d.end, d.code_id, d.accepted) for d in project.decisions()] == [
            (*span, "stim.praktisch.nabijheid", True)]  # the engine still learns the accept


# -- 3. a selection stops at the end of the respondent's turn ---------------------------------------------

@sync
async def test_extending_stops_at_the_end_of_the_respondents_turn(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        turn = s.current.turn
        end_of_turn = max(i for i, seg in enumerate(s.segments) if seg.turn == turn)
        assert s.segments[end_of_turn + 1].role == "interviewer"
        for _ in range(end_of_turn - s.first + 2):
            await pilot.press("shift+down")
        assert s.last == end_of_turn
        assert "einde van de beurt" in said(screen)
        await pilot.press("slash", *"nabijheid", "enter")
        await pilot.pause()
        [coding] = screen.project.codings()
        assert coding.text == s.content[s.segments[s.first].start:s.segments[end_of_turn].end]
        assert "I:" not in coding.text
        # a shift+click past the turn stops there too
        s.goto(s.first)
        screen.post_message(screen.query_one("#transcript").Clicked(s.segments[end_of_turn + 3].start, True))
        await pilot.pause()
        assert s.last == end_of_turn and "einde van de beurt" in said(screen)
        # a click on the skipped interviewer turn shows it, but nothing is coded there
        screen.post_message(screen.query_one("#transcript").Clicked(s.segments[end_of_turn + 1].start, False))
        await pilot.pause()
        assert s.first == end_of_turn + 1 and said(screen) == INTERVIEWER_HERE
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is screen and len(screen.project.codings()) == 1
        s.goto(end_of_turn)
        await pilot.press("i", "shift+down")  # interviewer turns visited: the coder may take them in
        assert s.last == end_of_turn + 1


# -- 4. X always moves on; the other keys say there is nothing ---------------------------------------------

@sync
async def test_reject_all_moves_on_without_suggestions_and_the_others_say_none_here(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        first = s.first
        for key in ("x", "enter", "a", "1"):
            await pilot.press(key)
            assert s.first == first and said(screen) == "geen suggesties hier", key
        await pilot.press("X")
        assert s.first > first and f"→ segment {s.first + 1}" in said(screen)
        assert "ongedaan" not in said(screen)  # nothing was saved: u would take back an earlier decision


@sync
async def test_a_digit_past_the_list_still_names_the_number(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("5")
        assert said(screen) == "geen suggestie met dat nummer"


# -- 5. a coding removed meanwhile ---------------------------------------------------------------------------

def _coded_first_sentence(sample_project) -> int:
    with Project.open(sample_project) as project:
        info = project.transcripts()[0]
        seg = next(s for s in project.segments(info.id) if s.role == "respondent")
        return project.add_coding(info.id, seg.start, seg.end, "stim.praktisch.nabijheid", "anna")


@sync
async def test_removing_a_coding_someone_removed_meanwhile_says_so_without_an_error(sample_project, monkeypatch):
    import codering.tui.app as app_mod

    monkeypatch.setattr(app_mod, "LIVE_EVERY", 3600)  # no live refresh in between: the screen is stale
    coding_id = _coded_first_sentence(sample_project)
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        assert "Nabijheid" in panel(screen)
        with Project.open(sample_project) as other:
            other.remove_coding(coding_id, "anna")
        await pilot.press("d")
        await pilot.pause()
        assert not isinstance(app.screen, ErrorDialog) and app.screen is screen
        assert said(screen) == "deze code is intussen verwijderd"
        assert screen.session.codings_here() == [] and "Nabijheid" not in panel(screen)


@sync
async def test_the_coding_screen_shows_codings_made_and_removed_elsewhere(sample_project, monkeypatch):
    import codering.tui.app as app_mod

    monkeypatch.setattr(app_mod, "LIVE_EVERY", 0.1)
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        start, end = screen.session.span
        with Project.open(sample_project) as other:
            coding_id = other.add_coding(screen.session.tid, start, end, "fin.doorverwijzen", "bert")
        assert await until(pilot, lambda: "Doorverwijzen" in panel(screen), 5)
        with Project.open(sample_project) as other:
            other.remove_coding(coding_id, "bert")
        assert await until(pilot, lambda: "Doorverwijzen" not in panel(screen), 5)


# -- 6. a transcript without respondent sentences --------------------------------------------------------

def _interviewer_only(tmp_path):
    from codering.codebook import load_codebook
    from codering.ingest.plan import plan_import
    from test_tui_support import DEFAULT_CODEBOOK

    text = tmp_path / "alleen_interviewer.txt"
    text.write_text("interview_id: INT-09\nlocatie: Gent\n\nI: Hoe werkt u samen met de huisarts? Vertel eens.\n\n"
                    "I: En met het OCMW? Wat loopt er goed.\n", encoding="utf-8")
    path = tmp_path / "interviewer.codering"
    plan = plan_import([text])
    with Project.create(path, load_codebook(DEFAULT_CODEBOOK)) as project:
        plan.apply(project, coder="import")
    return path


@sync
async def test_a_transcript_with_interviewer_turns_only_has_nothing_to_code_until_i(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    path = _interviewer_only(tmp_path)
    app = make_app(path, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        assert s.suggestions() == [] and NOTHING_TO_CODE in panel(screen) and said(screen) == NOTHING_TO_CODE
        assert "Nabijheid" not in panel(screen)
        await pilot.press("1")
        assert said(screen) == NOTHING_TO_CODE
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen is screen and said(screen) == NOTHING_TO_CODE  # no picker
        await pilot.press("X")
        assert s.first == 0
        assert screen.project.codings() == [] and screen.project.decisions() == []
        await pilot.press("i")  # visiting interviewer turns: their sentences can be coded
        assert [x.code_id for x in s.suggestions()] == ["stim.praktisch.nabijheid"]
        await pilot.press("1")
        assert [c.code_id for c in screen.project.codings()] == ["stim.praktisch.nabijheid"]


@sync
async def test_the_overview_says_1_interview(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    app = make_app(_interviewer_only(tmp_path), suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        line = str(app.screen.query_one("#project-line").render())
        assert line.endswith("· 1 interview"), line


# -- 7. undo says the code's label ------------------------------------------------------------------------------

@sync
async def test_undo_and_redo_name_the_code_not_its_id_and_offsets(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("slash", *"nabijheid", "enter")
        await pilot.pause()
        await pilot.press("u")
        assert said(screen).startswith("ongedaan gemaakt: code Nabijheid — segment")
        await pilot.press("U")
        assert said(screen).startswith("opnieuw gedaan: code Nabijheid — segment")
        assert isinstance(screen, CodingScreen) and "stim.praktisch" not in said(screen)


# -- another process holding the project file's write lock ------------------------------------------------

@sync
async def test_a_decision_on_a_file_another_process_holds_is_kept_and_retried(sample_project):
    """The key froze the screen for the 10 s busy timeout, then an error dialog dropped the decision. Now
    the write waits 1 s, is kept, retried every second, and saved once the other process lets go."""
    import sqlite3

    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        span = screen.session.span
        other = sqlite3.connect(sample_project, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # what an import in another process holds while it writes
        try:
            await pilot.press("1")
            assert await until(pilot, lambda: app.waiting_write is not None, seconds=10)
            assert "een ander programma schrijft in het project" in said(screen)
            assert not any(isinstance(s, ErrorDialog) for s in app.screen_stack)
            await pilot.press("x")  # another key while the decision waits: refused, nothing lost
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await until(pilot, lambda: app.waiting_write is None, seconds=10)
        assert "beslissing bewaard" in said(screen)
        assert [(c.start, c.end, c.code_id) for c in screen.project.codings()] == [(*span, "stim.praktisch.nabijheid")]


@sync
async def test_a_click_while_a_decision_waits_does_not_move_it_and_a_quit_asks_first(sample_project):
    """The retry runs the key's action again where the cursor is: a click on another sentence while the
    decision waited saved the first suggestion of that sentence there instead. And q quit at once, the
    waiting decision lost, under a status line that said nothing would be."""
    import sqlite3

    from codering.tui.widgets.transcript import TranscriptView

    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        session = screen.session
        span, first = session.span, session.first
        later = session.segments[first + 5]
        other = sqlite3.connect(sample_project, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("1")
            assert await until(pilot, lambda: app.waiting_write is not None, seconds=10)
            screen.query_one(TranscriptView).post_message(TranscriptView.Clicked(later.start + 1, False))
            await pilot.pause()
            assert session.first == first  # the click waited too
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running and "stop nog eens om te stoppen zonder die beslissing" in said(screen)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert await until(pilot, lambda: app.waiting_write is None, seconds=10)
        assert [(c.start, c.end, c.code_id) for c in screen.project.codings()] == [(*span, "stim.praktisch.nabijheid")]
        await pilot.press("q")  # nothing waits: quits at once
        await pilot.pause()
        assert not app.is_running


@sync
async def test_a_second_quit_while_a_decision_waits_quits_without_it(sample_project):
    import sqlite3

    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    other = sqlite3.connect(sample_project, isolation_level=None)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await open_first(app, pilot)
            other.execute("BEGIN IMMEDIATE")
            await pilot.press("1")
            assert await until(pilot, lambda: app.waiting_write is not None, seconds=10)
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running
    finally:
        other.execute("ROLLBACK")
        other.close()


@sync
async def test_a_rejection_undone_from_the_command_line_comes_back_on_the_open_screen(sample_project):
    """The live refresh read codings and memos again, not rejections: after an undo in a shell the code
    stayed hidden on the open screen until a restart."""
    from codering.store import Project

    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid", "rem.praktisch"),
                   coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        session = screen.session
        await pilot.press("x")  # Nabijheid rejected; rem.praktisch stays, so does the cursor
        assert [s.code_id for s in session.suggestions()] == ["rem.praktisch"]
        with Project.open(sample_project, "tester") as shell:
            assert shell.undo("tester") is not None
        assert await until(pilot, lambda: [s.code_id for s in session.suggestions()]
                           == ["stim.praktisch.nabijheid", "rem.praktisch"], seconds=5)
        assert "Nabijheid" in panel(screen)


@sync
async def test_back_from_a_review_recode_the_status_names_what_u_takes_back_now(sample_project):
    """After a recode in review, the coding screen still said "✓ Nabijheid (u: ongedaan maken)" while u
    took back the recode."""
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        await pilot.press("slash", *"nabijheid", "enter")
        await pilot.pause()
        assert "(u: ongedaan maken)" in said(screen)
        await pilot.press("r")  # review the code on this sentence; recode its one coding
        await pilot.pause()
        await pilot.press("c", *"doorverwijzen", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert said(screen) == "terug bij het coderen · u maakt ongedaan: hercodeerd: Nabijheid → Doorverwijzen"
        await pilot.press("u")
        assert [c.code_id for c in screen.project.codings()] == ["stim.praktisch.nabijheid"]


@sync
async def test_an_import_from_the_screen_shows_what_the_command_line_says(sample_project, tmp_path):
    """`i` said "geïmporteerd: 0 nieuw, 0 bijgewerkt, 1 ongewijzigd" for a renamed copy it did not import
    and for a file of codings it did; what the command line reports was never shown."""
    import json
    import shutil

    from codering.tui.dialogs import NoticeDialog
    from tests.conftest import ROOT

    folder = tmp_path / "nieuw"
    folder.mkdir()
    shutil.copy(ROOT / "transcripts" / "int01_huisarts_beernem.txt", folder / "kopie_int01.txt")
    content = (ROOT / "transcripts" / "int01_huisarts_beernem.txt").read_text(encoding="utf-8")
    start = content.index("En de nabijheid")
    (folder / "coderingen.jsonl").write_text(json.dumps(
        {"transcript": "int01_huisarts_beernem", "start": start, "end": start + len("En de nabijheid ook, hè."),
         "codes": ["stim.praktisch.nabijheid"]}) + "\n", encoding="utf-8")
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "OverviewScreen")
        overview = app.screen
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("Input").value = str(folder)
        await pilot.press("enter")
        assert await until(pilot, lambda: isinstance(app.screen, NoticeDialog), seconds=20)
        text = str(app.screen.message)
        assert "kopie_int01: niet geïmporteerd, het project heeft dezelfde tekst al als 'int01_huisarts_beernem'" in text
        assert "1 codering(en) geïmporteerd" in text
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is overview and said(overview).endswith("1 niet (dezelfde tekst staat er al)")


# -- narrow terminals -----------------------------------------------------------------------------------------

@sync
async def test_on_a_narrow_terminal_the_panel_goes_below_the_sentence(sample_project):
    """At 40 columns the fixed 36-column panel left the transcript 3 columns: the sentence was unreadable."""
    app = make_app(sample_project, suggester=FixedSuggester("stim.praktisch.nabijheid"), coder="tester")
    async with app.run_test(size=(40, 24)) as pilot:
        screen = await open_first(app, pilot)
        transcript, side = screen.query_one("#transcript"), screen.query_one("#panel")
        assert transcript.size.width >= 38 and side.size.width >= 38
        assert side.region.y > transcript.region.y  # below it
        assert "Nabijheid" in panel(screen)
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        assert side.region.x > transcript.region.x and side.region.width == 44  # beside it again


@sync
async def test_the_code_form_refuses_a_label_a_sibling_has(sample_project):
    """Saved, the codebook held two codes of one label under one parent and its YAML would not load."""
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await edit_nabijheid(app, pilot)
        form = app.screen
        form.query_one("#label").value = "meer vrijwilligers"  # a sibling's label, in other case
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "Er is al een code 'meer vrijwilligers' op deze plaats" in problem(form)
    with Project.open(sample_project) as project:
        assert project.codebook().codes["stim.praktisch.nabijheid"].label == "Nabijheid"


@sync
async def test_a_cleared_filter_leaves_no_stale_status(sample_project):
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("slash", *"zzzz")
        await pilot.pause()
        assert said(app.screen) == "geen transcript past bij de filter"
        for _ in range(4):
            await pilot.press("backspace")
        await pilot.pause()
        assert said(app.screen) != "geen transcript past bij de filter"


@sync
async def test_a_failed_export_says_so_in_the_status_line(sample_project, tmp_path):
    from test_tui_app import _app_with_one_nabijheid

    app = _app_with_one_nabijheid(sample_project)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("e")
        await ready(app, pilot)
        blocker = tmp_path / "een-bestand"
        blocker.write_text("x", encoding="utf-8")
        app.screen.folder = blocker / "sub"  # a folder that cannot be made: a file is in the way
        assert await until(pilot, lambda: app.screen._tables.get(app.screen.choice))  # the preview is built
        await pilot.press("w")
        assert await until(pilot, lambda: isinstance(app.screen, ErrorDialog))
        assert said(app.screen_stack[-2]).startswith("niet geschreven:")


@sync
async def test_new_codes_get_a_free_id_and_a_typed_id_must_fit_the_parent(sample_project):
    """Labels without Latin letters all made the id '…code', so the second was refused; a typed id of
    another family (rem.inhoud.x under Praktische) was taken."""
    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        book = app.project.codebook()
        results: list = []
        form = CodeForm(None, parent=book.codes["stim.praktisch"], taken=set(book.codes) | {"stim.praktisch.code"})
        app.push_screen(form, results.append)
        await pilot.pause()
        form.query_one("#label").value = "日本語"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert results[-1].code.id == "stim.praktisch.code_2"
        form = CodeForm(None, parent=book.codes["stim.praktisch"], taken=set(book.codes))
        app.push_screen(form, results.append)
        await pilot.pause()
        form.query_one("#label").value = "Andere familie"
        form.query_one("#code-id").value = "rem.inhoud.x"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "begint met 'stim.praktisch.'" in problem(form)


@sync
async def test_a_view_opened_while_the_server_is_away_is_named_not_called_a_decision(sample_project, monkeypatch):
    """Pressing a (agreement) while the server was away said "je laatste beslissing is nog niet bewaard",
    though nothing was decided (team QA pass). Opening a view names the view; a decision keeps its words
    (tested with the real server in test_team_tui). The server's loss is the store's ConnectionLostError,
    raised here by the view's first read."""
    from codering.errors import ConnectionLostError
    from codering.tui.screens.agreement import AgreementScreen
    from codering.tui.screens.overview import OverviewScreen

    app = make_app(sample_project, suggester=FixedSuggester(), coder="tester")
    calls = {"n": 0}
    original = Project.codebook

    def codebook_once_lost(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionLostError("127.0.0.1: the connection to the server was lost; reconnecting")
        return original(self)

    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        monkeypatch.setattr(Project, "codebook", codebook_once_lost)
        await pilot.press("a")
        assert await until(pilot, lambda: app.waiting_write is not None, seconds=5)
        message = screen.query_one(StatusLine).message
        assert "«Overeenstemming» is nog niet gedaan" in message and "beslissing" not in message
        assert await until(pilot, lambda: isinstance(app.screen, AgreementScreen), seconds=10)
