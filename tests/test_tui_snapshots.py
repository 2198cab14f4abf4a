"""Snapshot tests of the main screens (pytest-textual-snapshot; textual is pinned in pyproject).

Update the baselines after an intended change with
``python -m pytest tests/test_tui_snapshots.py --snapshot-update`` and look at
the SVG files under ``tests/__snapshots__/`` before committing them.
Everything on screen is deterministic: a fixed coder, the keyword suggester,
the project shown by its file name only (the test runs in its folder).
"""

from __future__ import annotations

from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app

SIZE = (100, 30)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def on_sentence(pilot, *keys: str) -> None:
    """Open the first transcript on its first segment, then press ``keys`` (each step settled)."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    pilot.app.screen.session.goto(0)
    await pilot.press(*keys)
    await settle(pilot)


def coded(path) -> None:
    """A few codings, so tables and highlights have something to show."""
    with Project.open(path) as project:
        for info in project.transcripts()[:3]:
            segs = [s for s in project.segments(info.id) if s.role == "respondent"]
            project.add_coding(info.id, segs[2].start, segs[3].end, "stim.praktisch.nabijheid", "tester")
            project.add_coding(info.id, segs[5].start, segs[5].end, "rem.financieel", "tester")
            project.add_coding(info.id, segs[5].start, segs[5].end, "fin.doorverwijzen", "tester")


def test_overview_snapshot(snap_compare, sample_project):
    coded(sample_project)
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_coding_screen_snapshot(snap_compare, sample_project):
    coded(sample_project)

    async def run_before(pilot) -> None:
        await on_sentence(pilot, "j", "j", "j", "shift+down")

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_coding_screen_small_terminal_snapshot(snap_compare, sample_project):
    coded(sample_project)

    async def run_before(pilot) -> None:
        await on_sentence(pilot, "j", "j")

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_export_preview_snapshot(snap_compare, sample_project):
    coded(sample_project)

    async def run_before(pilot) -> None:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)

    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


class GuessingSuggester(KeywordSuggester):
    """The keyword suggester with fixed probabilities for the picker's ranking (as the engine's code_scores)."""

    def code_scores(self, project, transcript, start, end):
        return {"rem.praktisch.contactmogelijkheden": 0.41, "stim.persoonlijk.klik": 0.22,
                "rem.financieel.projectfinanciering": 0.12, "stim.inhoud": 0.05}


def test_picker_snapshot(snap_compare, sample_project):
    """The picker opened on a sentence: the engine's next guesses first, numbered, with their probability."""
    coded(sample_project)

    async def run_before(pilot) -> None:
        await on_sentence(pilot, "j", "j", "slash")

    app = make_app(sample_project, suggester=GuessingSuggester(), coder="tester")
    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
