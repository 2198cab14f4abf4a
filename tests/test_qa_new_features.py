"""QA of the three features that landed together (text search, memos, codebook reorganisation), used
together as a researcher would: each test failed before the fix it comes with."""

from __future__ import annotations

import pytest
from conftest import run_cli
from test_tui_support import sample_project, sample_template, sync  # noqa: F401 - fixtures

from codering.store import Project

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SIZE = (110, 32)
#: What a researcher may well type in a memo or a query: square brackets read as Rich/Textual markup.
BRACKETS = "zie [/b] en [bold]dit[/bold] [lacht]"


async def _coding(app, pilot):
    from codering.tui.screens.coding import CodingScreen

    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, CodingScreen)
    return app.screen


@sync
async def test_memo_list_and_find_show_brackets_as_typed(sample_project):
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.screens.find import FindScreen
    from codering.tui.screens.memos import MemoListScreen

    with Project.open(sample_project) as p:
        p.add_memo(BRACKETS, "tester")
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _coding(app, pilot)
        await pilot.press("M")
        await pilot.pause()
        memos = app.screen
        assert isinstance(memos, MemoListScreen)
        table = memos.query_one("#memo-table")
        assert table.row_count == 1
        assert str(table.get_cell_at((0, 5))) == BRACKETS
        await pilot.press("slash", *"[/b]", "enter")  # the filter as typed in the title, the memo found
        await pilot.pause()
        assert "[/b]" in str(memos.query_one("#memos-title").render()) and table.row_count == 1
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is not memos
        await pilot.press("escape")  # the overview: z finds words, the query as typed in the title
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        find = app.screen
        assert isinstance(find, FindScreen)
        await pilot.press(*"[/] [wachtlijst*]", "enter")
        await pilot.pause()
        assert find.query_one("#find-table").row_count > 0
        assert "[/] [wachtlijst*]" in str(find.query_one("#find-title").render())


def test_cli_lists_show_brackets_as_typed(loaded_project, project_location):
    """`codering memos` crashed on a memo with "[/b]" (Rich markup) and dropped "[bold]"; `search` lost a
    bracketed query from its title; `codings` dropped "[lacht]" from a sentence."""
    p = loaded_project
    text = p.content("t01_huisarts")
    start = text.index("Dat helpt echt.")
    p.add_memo(BRACKETS, "tester")
    p.add_coding("t01_huisarts", start, start + len("Dat helpt"), "stim.praktisch", "[lacht]")
    memos = run_cli("-p", str(project_location), "memos")
    assert memos.returncode == 0, memos.stderr
    assert BRACKETS in memos.stdout
    found = run_cli("-p", str(project_location), "search", "[helpt]")
    assert found.returncode == 0, found.stderr
    assert "[helpt]: 1 sentence" in found.stdout
    codings = run_cli("-p", str(project_location), "codings")
    assert codings.returncode == 0 and "[lacht]" in codings.stdout


def _tree(book) -> list[tuple[int, str, str | None]]:
    return [(depth, code.id, code.parent) for depth, code in book.walk()]


def test_codebook_yaml_keeps_a_code_moved_to_the_top(project, project_location, tmp_path):
    """`codebook move stim.praktisch.nabijheid -` then `codebook export` YAML and a project made from it: the
    code came back under stim.praktisch (the loader takes a missing parent from the id's dots)."""
    p = project
    p.move_code("stim.praktisch.nabijheid", None, "tester")
    p.move_code("fin", None, "tester", after="")  # and an order among siblings: fin first
    moved = _tree(p.codebook())
    assert (0, "stim.praktisch.nabijheid", None) in moved
    out = tmp_path / "herschikt.yaml"
    done = run_cli("-p", str(project_location), "codebook", "export", str(out))
    assert done.returncode == 0, done.stderr
    again = tmp_path / "opnieuw.codering"
    made = run_cli("init", str(again), "--codebook", str(out))
    assert made.returncode == 0, made.stderr
    with Project.open(again) as copy:
        assert _tree(copy.codebook()) == moved
    from codering.codebook import load_codebook

    assert _tree(load_codebook(out)) == moved  # the file itself, read back


@sync
async def test_find_list_keeps_its_place_after_a_hit_is_opened(sample_project):
    """z on the overview, Enter on the third hit, Esc back: the list was searched again and its cursor
    was back on the first hit, so walking the hits one by one meant scrolling down again each time."""
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.find import FindScreen

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("z")
        await pilot.pause()
        find = app.screen
        assert isinstance(find, FindScreen)
        await pilot.press(*"wachtlijst*", "enter")
        await pilot.pause()
        table = find.query_one("#find-table")
        assert table.row_count >= 3
        await pilot.press("down", "down")
        third = find.current()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.session.span[0] <= third.start < app.screen.session.span[1]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is find
        assert table.cursor_row == 2 and find.current() == third
