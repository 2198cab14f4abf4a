"""Three gaps a researcher met in the UI: the codebook panel's move to the top level, a codebook merge and its
undo (from the panel and from the command line while the UI is open) and the suggestions, and a memo list
that follows colleagues' memos.

Pilot drives the real app; "another coder" is a second connection (another ``Project``) or the real
``codering`` command in a subprocess, on a project file and on a project on the session's server.
"""

from __future__ import annotations

import pytest
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.codebook import Code, contract_codes
from codering.store import Project
from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app
from tests.conftest import run_cli

SIZE = (120, 40)
VRIJW = "stim.praktisch.meer_vrijwilligers"


@pytest.fixture
def team_project(backend, sample_project, request):
    """The sample project (four transcripts, default codebook) as a file, or pushed to the server."""
    if backend == "sqlite":
        return str(sample_project)
    from codering.store.transfer import copy_project

    url = request.getfixturevalue("pg_project")("gaten")
    with Project.open(sample_project) as source:
        copy_project(source, url)
    return url


async def _coding_screen(app, pilot):
    from codering.tui.screens.coding import CodingScreen

    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")  # the first transcript
    await pilot.pause()
    assert isinstance(app.screen, CodingScreen)
    return app.screen


def _codes(project: Project) -> list[tuple]:
    return sorted(map(tuple, project._conn.execute("SELECT * FROM codes").fetchall()), key=repr)


# -- 1. the codebook panel moves a code to the top level ----------------------------------------------------

@sync
async def test_the_codebook_panel_moves_a_code_to_the_top_level_undoably_and_keeps_the_contract(sample_project):
    from codering.tui.dialogs import CodePicker
    from codering.tui.dialogs.picker import TOP_LEVEL
    from codering.tui.widgets.status import StatusLine

    with Project.open(sample_project) as project:
        before = _codes(project)
        siblings = [c.id for c in project.codebook().children("stim.praktisch")]
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await _coding_screen(app, pilot)
        await pilot.press("b", *"meer vrijwilligers")
        await pilot.pause()
        panel = app.screen
        status = panel.query_one(StatusLine)
        assert panel.selected() == VRIJW
        await pilot.press("f3")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, CodePicker)
        options = picker.query_one("#codes")
        assert options.highlighted_option.id == TOP_LEVEL  # the first entry, before every code
        await pilot.press(*"nabij")
        await pilot.pause()
        assert TOP_LEVEL not in {options.get_option_at_index(i).id for i in range(options.option_count)}
        await pilot.press(*["backspace"] * 5, *"boven")  # found by its own words, first
        await pilot.pause()
        assert options.highlighted_option.id == TOP_LEVEL
        await pilot.press("enter")
        await pilot.pause()
        assert app.project.codebook().codes[VRIJW].parent is None
        assert status.message == "Meer vrijwilligers staat nu op het bovenste niveau (Ctrl+Z: ongedaan)"
        assert panel.selected() == VRIJW  # the tree shows it at the top, selected
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert status.message.startswith("ongedaan gemaakt: code Meer vrijwilligers verplaatst")
        assert _codes(app.project) == before  # its parent and its place among its siblings again
        assert [c.id for c in app.project.codebook().children("stim.praktisch")] == siblings

        # a category of the default codebook keeps its parent: refused, with why, and nothing journaled
        await pilot.press("escape", *"rem.praktisch")
        await pilot.pause()
        assert panel.selected() == "rem.praktisch" and "rem.praktisch" in contract_codes(app.project.codebook())
        await pilot.press("f3", "1")  # the numbered first entry: the top level
        await pilot.pause()
        assert status.message.startswith("niet verplaatsen: rem.praktisch hoort bij de vaste categorieën")
        assert _codes(app.project) == before

        # the top level has a code of that label already: refused as the store would
        with Project.open(sample_project, "bob") as other:  # a colleague's code: the panel follows
            other.update_code(Code(id="los", label="Meer vrijwilligers"), "bob")
        assert await until(pilot, lambda: "los" in panel.codebook)
        await pilot.press("escape", *"meer vrijwilligers")
        await pilot.pause()
        assert panel.selected() == VRIJW
        await pilot.press("f3", "enter")
        await pilot.pause()
        assert status.message == "niet verplaatsen: op het bovenste niveau staat al een code 'Meer vrijwilligers'"
        assert app.project.codebook().codes[VRIJW].parent == "stim.praktisch"


# -- 2. a merge and its undo, and the suggestions -----------------------------------------------------------

@pytest.mark.backends("sqlite", "postgresql")
def test_a_codebook_changed_by_another_connection_is_read_again_and_an_unchanged_one_kept(loaded_project,
                                                                                      project_location):
    book = loaded_project.codebook()
    assert loaded_project.reread_codebook() is False and loaded_project.codebook() is book
    with Project.open(project_location, "bob") as other:  # a reorder only: same codes, another order
        other.move_code("fin", None, "bob", after="")
    assert loaded_project.codebook() is book  # the cache does not see another connection's change ...
    assert loaded_project.reread_codebook() is True  # ... reading again does
    assert [c.id for c in loaded_project.codebook().children(None)] == ["fin", "stim", "rem"]
    with Project.open(project_location, "bob") as other:
        other.merge_codes("stim.praktisch.nabijheid", "rem.praktisch", "bob")
    assert loaded_project.reread_codebook() is True
    assert "stim.praktisch.nabijheid" not in loaded_project.codebook()


def _engine():
    """The real engine (``codering.suggest.engine``, its ``observe``) on the instant hashing embedder."""
    from codering.suggest.embed import HashingEmbedder
    from codering.suggest.engine import EmbeddingSuggester

    return EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False)


def _offered(session) -> dict[tuple[int, int], list[tuple[str, float]]]:
    """The suggestion list of every respondent sentence of the open transcript, with scores."""
    return {(s.start, s.end): [(x.code_id, round(x.score, 4)) for x in session._open_for(s.start, s.end)]
            for s in session.segments if s.role != "interviewer"}


def _where(offered, code_id: str) -> set[tuple[int, int]]:
    return {span for span, codes in offered.items() if code_id in {c for c, _ in codes}}


@pytest.mark.backends("sqlite", "postgresql")
@pytest.mark.parametrize("suggester", [KeywordSuggester, _engine], ids=["keywords", "engine"])
@sync
async def test_after_a_merge_and_its_undo_the_suggestions_are_as_before(team_project, suggester):
    """``codebook merge A B`` then undo, from the codebook panel and from the command line while the UI is
    open: A is offered again where it was, and B as before (same scores). During the merge nothing offers A,
    also after the command line's merge (the UI read the codebook once and offered a code that was gone)."""
    app = make_app(team_project, suggester=suggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _coding_screen(app, pilot)
        session = screen.session
        assert await until(pilot, lambda: session.suggester_ready)
        await app.workers.wait_for_complete()
        fixed = contract_codes(session.codebook)
        # A and B: the two factors offered on most sentences; A's coding goes to B with the merge
        before = _offered(session)
        factors = sorted({c for codes in before.values() for c, _ in codes if c not in fixed
                          and session.codebook.codes[c].codable and not session.codebook.children(c)},
                         key=lambda c: (-len(_where(before, c)), c))
        a, b = factors[:2]
        span = sorted(_where(before, a))[0]
        app.project.add_coding(session.tid, *span, a, "tester")
        session.refresh()
        before = _offered(session)
        assert _where(before, a) and _where(before, b)

        await pilot.press("b", *a)  # the panel: F4 merges A into B, Ctrl+Z takes it back
        await pilot.pause()
        assert app.screen.selected() == a
        await pilot.press("f4", *b, "enter")
        await pilot.pause()
        await pilot.press("enter")  # yes, merge
        await pilot.pause()
        assert a not in app.project.codebook()
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen
        merged = _offered(session)
        assert not _where(merged, a)
        await pilot.press("b", "ctrl+z", "escape")
        await pilot.pause()
        assert app.screen is screen and a in session.codebook
        assert _offered(session) == before

        # the command line, while the UI is open: the live view follows the merge and the undo
        done = run_cli("-p", team_project,
                       "codebook", "merge", a, b, "--coder", "tester")
        assert done.returncode == 0, done.stderr
        assert await until(pilot, lambda: a not in session.codebook)
        assert _offered(session) == merged  # as after the panel's merge
        done = run_cli("-p", team_project,
                       "undo", env={"CODERING_CODER": "tester"})
        assert done.returncode == 0 and "merge code" in done.stdout, done.stdout + done.stderr
        assert await until(pilot, lambda: a in session.codebook)
        assert _offered(session) == before


# -- 3. the memo list follows colleagues' memos ---------------------------------------------------------------

@pytest.mark.backends("sqlite", "postgresql")
@sync
async def test_the_memo_list_shows_colleagues_memos_as_they_are_saved(team_project):
    from codering.tui.screens.memos import MemoListScreen

    with Project.open(team_project, "ann") as mine:
        name = mine.transcripts()[0].name
        first = mine.add_memo("Eerste memo van ann.", "ann")
        second = mine.add_memo("Tweede memo van ann.", "ann")
        third = mine.add_memo("Derde memo van ann.", "ann", transcript=name)
    app = make_app(team_project, suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await _coding_screen(app, pilot)
        await pilot.press("M")
        await pilot.pause()
        memos = app.screen
        assert isinstance(memos, MemoListScreen)
        table = memos.query_one("#memo-table")

        def shown() -> list[int]:
            return [p.memo.id for p in memos._rows]

        def detail() -> str:
            return str(memos.query_one("#memos-detail").render())

        assert shown() == [first, second, third]
        table.move_cursor(row=1)
        await pilot.pause()
        assert memos.current().memo.id == second
        with Project.open(team_project, "bob") as other:  # a colleague writes a memo: it shows
            new = other.add_memo("Bob: de wachtlijst komt overal terug.", "bob", transcript=name)
        assert await until(pilot, lambda: shown() == [first, second, third, new])
        assert memos.current().memo.id == second
        with Project.open(team_project, "bob") as other:  # edits the memo under the cursor: the text follows
            other.edit_memo(second, "Tweede memo, door bob aangevuld.", "bob")
        assert await until(pilot, lambda: "door bob aangevuld" in detail())
        assert memos.current().memo.id == second
        with Project.open(team_project, "bob") as other:  # deletes one above it: the cursor stays on its memo
            other.remove_memo(first, "bob")
        assert await until(pilot, lambda: shown() == [second, third, new])
        assert memos.current().memo.id == second and table.cursor_row == 0
        with Project.open(team_project, "bob") as other:  # deletes the one under it: the row after it
            other.remove_memo(second, "bob")
        assert await until(pilot, lambda: shown() == [third, new])
        assert memos.current().memo.id == third
        assert "memo's" in str(memos.query_one("#memos-title").render())

        # a colleague's codings alone: the memos are read, the list is not filled again
        fills: list[int] = []
        original = memos.reload
        memos.reload = lambda *a, **k: (fills.append(1), original(*a, **k))
        with Project.open(team_project, "bob") as other:
            segment = next(s for s in other.segments(name) if s.role != "interviewer")
            other.add_coding(name, segment.start, segment.end, "stim.praktisch", "bob")
        assert await until(pilot, lambda: app._live_token == app.project.change_token())
        assert fills == [] and shown() == [third, new]

        # a filter stays while the list follows
        await pilot.press("slash", *"wachtlijst", "enter")
        await pilot.pause()
        assert shown() == [new]
        with Project.open(team_project, "bob") as other:
            later = other.add_memo("Nog een wachtlijst, in Tielt.", "bob")
        assert await until(pilot, lambda: shown() == [new, later])


@sync
async def test_the_memo_list_follows_another_process_writing_the_project_file(sample_project):
    from codering.tui.screens.memos import MemoListScreen

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("M")  # from the overview
        await pilot.pause()
        memos = app.screen
        assert isinstance(memos, MemoListScreen) and memos._rows == []
        done = run_cli("-p", str(sample_project), "memo", "Uit een ander proces geschreven.", env={"CODERING_CODER": "bob"})
        assert done.returncode == 0, done.stderr
        assert await until(pilot, lambda: [p.memo.text for p in memos._rows] == ["Uit een ander proces geschreven."])
        memo_id = memos._rows[0].memo.id
        done = run_cli("-p", str(sample_project), "memo", "--edit", str(memo_id), "Bewerkt in het andere proces.",
                       env={"CODERING_CODER": "bob"})
        assert done.returncode == 0, done.stderr
        assert await until(pilot, lambda: "Bewerkt in het andere proces." in str(
            memos.query_one("#memos-detail").render()))
        done = run_cli("-p", str(sample_project), "undo", env={"CODERING_CODER": "bob"})
        assert done.returncode == 0, done.stderr
        assert await until(pilot, lambda: "Uit een ander proces geschreven." in str(
            memos.query_one("#memos-detail").render()))
