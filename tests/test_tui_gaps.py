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

SIZE = (120, 40)
VRIJW = "stim.praktisch.meer_vrijwilligers"


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
        app.project.update_code(Code(id="los", label="Meer vrijwilligers"), "tester")
        panel._load()
        await pilot.press("escape", *"meer vrijwilligers")
        await pilot.pause()
        assert panel.selected() == VRIJW
        await pilot.press("f3", "enter")
        await pilot.pause()
        assert status.message == "niet verplaatsen: op het bovenste niveau staat al een code 'Meer vrijwilligers'"
        assert app.project.codebook().codes[VRIJW].parent == "stim.praktisch"
