"""Reorganising the codebook while coding: merge, move and remove codes (store, CLI, UI, suggestions).

Every edit is one undoable action whose undo restores the codings (coder,
origin, date), decisions, memos on the code and the codes' places exactly; ids
never change; the default codebook's contract ids are never merged away,
removed or put under another parent.
"""

from __future__ import annotations

import pytest
from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.codebook import Code
from codering.errors import CoderingError
from codering.store import Project
from tests.conftest import SMALL_TRANSCRIPT, run_cli

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

T = "t01_huisarts"
B = SMALL_TRANSCRIPT.index("Met de huisarts")
S1 = (B, B + 40)                       # the first sentence (near enough: any span in the answer)
S2 = (B + 41, B + 72)
NABIJ = "stim.praktisch.nabijheid"


def state(project: Project) -> dict:
    """Everything a codebook edit may touch, as rows (ids, positions, coders, origins, dates)."""
    conn = project._conn
    return {table: sorted(map(tuple, conn.execute(f"SELECT * FROM {table}").fetchall()), key=repr)
            for table in ("codes", "codings", "decisions", "memos")}


def order(project: Project, parent: str | None) -> list[str]:
    return [c.id for c in project.codebook().children(parent)]


@pytest.fixture
def coded(loaded_project):
    """Two factors under stim.praktisch, coded by two coders, with decisions and a code memo."""
    p = loaded_project
    p.update_code(Code(id="stim.praktisch.gebouw", label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    p.update_code(Code(id="stim.praktisch.gebouw.lift", label="Lift", parent="stim.praktisch.gebouw"), "ann")
    p.add_coding(T, *S1, NABIJ, "ann", origin="suggestion", created="2026-01-02T10:00:00")
    p.add_coding(T, *S1, "stim.praktisch.gebouw", "ann", created="2026-01-03T10:00:00")   # both on one span
    p.add_coding(T, *S2, "stim.praktisch.gebouw", "bert", origin="import", created="2026-01-04T10:00:00")
    p.record_decision(T, *S2, "stim.praktisch.gebouw", False, "ann", score=0.4)
    p.add_memo("gebouw: ook de parking", "ann", code_id="stim.praktisch.gebouw")
    return p


def test_merge_moves_work_and_children_and_undo_restores_exactly(coded):
    p = coded
    before = state(p)
    merged = p.merge_codes("stim.praktisch.gebouw", NABIJ, "ann")
    assert merged.codings == 1 and merged.duplicates == 1 and merged.children == 1 and merged.memos == 1
    book = p.codebook()
    assert "stim.praktisch.gebouw" not in book
    assert book.codes["stim.praktisch.gebouw.lift"].parent == NABIJ  # the id stays, the parent changes
    codings = p.codings(T)
    assert [(c.start, c.code_id, c.coder, c.origin, c.created) for c in codings] == [
        (S1[0], NABIJ, "ann", "suggestion", "2026-01-02T10:00:00"),  # one coding kept where both were
        (S2[0], NABIJ, "bert", "import", "2026-01-04T10:00:00"),    # the other keeps coder, origin, date
    ]
    assert [d.code_id for d in p.decisions()] == [NABIJ]
    assert [m.code_id for m in p.memos() if m.kind == "code"] == [NABIJ]
    assert p.undo("ann") == "merge code stim.praktisch.gebouw into stim.praktisch.nabijheid"
    assert state(p) == before
    p.redo("ann")
    assert "stim.praktisch.gebouw" not in p.codebook()


def test_merge_refusals_change_nothing(coded):
    p = coded
    before = state(p)
    for source, target, words in [
        ("stim.praktisch.gebouw", "stim.praktisch.gebouw", "into itself"),
        ("stim.praktisch.gebouw", "stim.praktisch.gebouw.lift", "lies under"),
        ("stim.praktisch", "rem.praktisch", "contract"),
        ("stim.praktisch.gebouw", "stim", "folder"),
        ("nergens", NABIJ, "unknown code"),
    ]:
        with pytest.raises(CoderingError, match=words):
            p.merge_codes(source, target, "ann")
    p.update_code(Code(id="stim.praktisch.nabijheid.lift", label="lift", parent=NABIJ), "ann")
    before = state(p)
    with pytest.raises(CoderingError, match="label 'Lift'"):  # two subcodes 'Lift' under one parent
        p.merge_codes("stim.praktisch.gebouw", NABIJ, "ann")
    assert state(p) == before


def test_move_keeps_ids_and_undo_restores_places(coded):
    p = coded
    p.update_code(Code(id="stim.praktisch.fiets", label="Fiets", parent="stim.praktisch"), "ann")
    assert order(p, "stim.praktisch") == [NABIJ, "stim.praktisch.gebouw", "stim.praktisch.fiets"]
    before = state(p)
    p.move_code("stim.praktisch.fiets", "stim.praktisch", "ann", after="")
    assert order(p, "stim.praktisch") == ["stim.praktisch.fiets", NABIJ, "stim.praktisch.gebouw"]
    p.move_code("stim.praktisch.gebouw", "rem.praktisch", "ann")  # with its subtree, ids unchanged
    book = p.codebook()
    assert book.codes["stim.praktisch.gebouw"].parent == "rem.praktisch"
    assert book.codes["stim.praktisch.gebouw.lift"].parent == "stim.praktisch.gebouw"
    assert {c.code_id for c in p.codings(T)} == {NABIJ, "stim.praktisch.gebouw"}
    assert "rem.praktisch" in book.counts_for("stim.praktisch.gebouw")  # it now counts for its new category
    p.move_code(NABIJ, "rem.praktisch", "ann", after="stim.praktisch.gebouw")
    assert order(p, "rem.praktisch") == ["stim.praktisch.gebouw", NABIJ]
    for _ in range(3):
        p.undo("ann")
    assert state(p) == before
    assert order(p, "stim.praktisch") == [NABIJ, "stim.praktisch.gebouw", "stim.praktisch.fiets"]


def test_move_refusals(coded):
    p = coded
    before = state(p)
    for code, parent, after, words in [
        ("stim.praktisch.gebouw", "stim.praktisch.gebouw.lift", None, "own subtree"),
        ("stim.praktisch.gebouw", "stim.praktisch.gebouw", None, "own subtree"),
        ("stim.praktisch", "rem", None, "contract"),
        ("rem.praktisch", "stim", None, "contract"),
        ("stim.praktisch.gebouw", "stim.praktisch", "rem.praktisch", "not a code under"),
        ("stim.praktisch.gebouw", "nergens", None, "unknown code"),
    ]:
        with pytest.raises(CoderingError, match=words):
            p.move_code(code, parent, "ann", after=after)
    assert state(p) == before
    p.move_code("rem.praktisch", "rem", "ann", after="")  # a contract category may move among its siblings


def test_remove_without_and_with_codings(coded):
    p = coded
    p.update_code(Code(id="stim.praktisch.leeg", label="Leeg", parent="stim.praktisch"), "ann")
    assert p.remove_code("stim.praktisch.leeg", "ann").codings == 0
    assert "stim.praktisch.leeg" not in p.codebook()
    p.undo("ann")
    assert "stim.praktisch.leeg" in p.codebook()
    before = state(p)
    with pytest.raises(CoderingError, match="2 codings in 1 transcript and 1 memo; nothing was removed"):
        p.remove_code("stim.praktisch.gebouw", "ann")
    assert state(p) == before
    usage = p.remove_code("stim.praktisch.gebouw", "ann", with_codings=True)  # its subcode goes with it
    assert (usage.codings, usage.transcripts, usage.decisions, usage.memos) == (2, 1, 1, 1)
    assert "stim.praktisch.gebouw.lift" not in p.codebook()
    assert {c.code_id for c in p.codings(T)} == {NABIJ}
    assert p.decisions() == [] and not [m for m in p.memos() if m.kind == "code"]
    p.undo("ann")
    assert state(p) == before
    with pytest.raises(CoderingError, match="contract"):
        p.remove_code("stim", "ann")


# -- the command line -----------------------------------------------------------------------------------------
def cli(project_location, *args: str):
    return run_cli("-p", str(project_location), *args, env={"CODERING_CODER": "ann"})


def test_cli_merge_move_remove_and_undo(coded, project_location):
    before = state(coded)
    refused = cli(project_location, "codebook", "remove", "stim.praktisch.gebouw")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "codering: error: stim.praktisch.gebouw and its 1 subcode have 2 codings in 1 transcript and 1 memo; "
        "nothing was removed (add --with-codings to remove them with it)")
    contract = cli(project_location, "codebook", "merge", "stim.praktisch", "rem.praktisch")
    assert contract.returncode == 1 and "contract" in contract.stderr and len(contract.stderr.splitlines()) == 1
    done = cli(project_location, "codebook", "remove", "stim.praktisch.gebouw", "--with-codings")
    assert done.returncode == 0, done.stderr
    assert "Removed stim.praktisch.gebouw and 1 subcode, with 2 codings in 1 transcript and 1 memo" in done.stdout
    assert cli(project_location, "undo").returncode == 0
    merged = cli(project_location, "codebook", "merge", "stim.praktisch.gebouw", NABIJ)
    assert merged.returncode == 0, merged.stderr
    assert "1 coding moved, 1 coding dropped" in merged.stdout
    moved = cli(project_location, "codebook", "move", NABIJ, "rem.praktisch")
    assert moved.returncode == 0 and "Remmende factoren › Praktische › Nabijheid" in moved.stdout
    after = cli(project_location, "codebook", "move", "stim.praktisch.gebouw.lift", "rem.praktisch", "--after", NABIJ)
    assert after.returncode == 0, after.stderr
    with Project.open(project_location) as now:
        assert order(now, "rem.praktisch") == [NABIJ, "stim.praktisch.gebouw.lift"]
    assert cli(project_location, "codebook", "move", NABIJ, "-", "--first", "--after", "x").returncode == 2
    wrong = cli(project_location, "codebook", "move", NABIJ, NABIJ)
    assert wrong.returncode == 1 and "own subtree" in wrong.stderr
    for _ in range(3):
        assert cli(project_location, "undo").returncode == 0
    with Project.open(project_location) as again:
        assert state(again) == before


# -- the suggestion engine ------------------------------------------------------------------------------------
def test_engine_learns_a_merged_codes_examples_for_the_target_and_forgets_removed_codes(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import codering.suggest.engine as engine_mod
    from codering.cli.suggest import suggest_command
    from codering.suggest.embed import HashingEmbedder
    from codering.suggest.engine import EmbeddingSuggester
    from tests.test_suggest_engine import make_project, prob, segment

    with make_project(tmp_path) as project:
        project.update_code(Code(id="stim.gedeeld", label="Gedeelde ruimte", parent="stim",
                                 description="Een lokaal of zaal die partners samen gebruiken."), "tester")
        engine = EmbeddingSuggester(embedder=HashingEmbedder(), use_user_cache=False, gate=0.4)
        engine.prepare(project)
        target = segment(project, "We delen ook de kosten van de koffie met de bibliotheek.")
        for text in ("We delen de huur van de zaal met de bibliotheek.",
                     "We delen de kosten van het lokaal met de bibliotheek."):
            seg = segment(project, text)
            project.record_decision("t1", seg.start, seg.end, "stim.gedeeld", True, "tester")
        engine.observe(project)
        before = prob(engine, project, target, "stim.financieel")
        project.merge_codes("stim.gedeeld", "stim.financieel", "tester")
        engine.observe(project)  # what the coding session does when it comes back from the codebook screen
        assert "stim.gedeeld" not in engine.heads
        assert prob(engine, project, target, "stim.financieel") > before + 0.05
        project.remove_code("stim.praktisch.nabijheid", "tester")  # the best code of a sentence before
        engine.observe(project)
        for seg in project.segments("t1"):
            assert all(s.code_id in project.codebook() for s in engine.suggest(project, "t1", seg.start, seg.end))

        # `codering suggest` in a later process: a fresh engine on the changed codebook, no removed code stored
        monkeypatch.setenv("CODERING_CACHE", str(tmp_path / "cache"))
        monkeypatch.setattr(engine_mod, "SentenceTransformerEmbedder", lambda name=None, **_: HashingEmbedder())
        project.set_setting("model", "fake:hashing")

        class State:
            project_path = "p.codering"

            def project(self):
                return project

        result = CliRunner().invoke(suggest_command, ["t1"], obj=State())
        assert result.exit_code == 0, result.output
        stored = {row[2] for row in project.stored_suggestions("t1")}
        assert stored and stored <= set(project.codebook().codes)


# -- the terminal UI ------------------------------------------------------------------------------------------
VRIJW = "stim.praktisch.meer_vrijwilligers"


async def _on_codebook(app, pilot, query: str) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.press("enter")  # the first transcript
    await pilot.pause()
    await pilot.press("b")      # the codebook panel, from the coding screen
    await pilot.pause()
    await pilot.press(*query)
    await pilot.pause()


def test_codebook_screen_merges_moves_removes_with_undo_and_the_coding_screen_follows(sample_project):
    import asyncio

    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.dialogs import ChoiceDialog, CodePicker
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.help import key_rows
    from codering.tui.widgets.status import StatusLine

    with Project.open(sample_project) as project:
        info = project.transcripts()[0]
        segs = [s for s in project.segments(info.id) if s.role == "respondent"]
        project.add_coding(info.id, segs[0].start, segs[0].end, NABIJ, "tester")
        project.add_coding(info.id, segs[0].start, segs[0].end, VRIJW, "tester")
        project.add_coding(info.id, segs[1].start, segs[1].end, VRIJW, "tester")
        before = state(project)

    async def run() -> None:
        app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
        async with app.run_test(size=(120, 40)) as pilot:
            await _on_codebook(app, pilot, "vrijwilligers")
            screen = app.screen
            assert screen.selected() == VRIJW
            rows = {r.description for r in key_rows(screen)}
            assert {"Verplaatsen", "Samenvoegen", "Verwijderen", "Hoger", "Lager"} <= rows
            await pilot.press("f8")  # codings: asked first, with the counts; Esc keeps everything
            await pilot.pause()
            assert isinstance(app.screen, ChoiceDialog)
            assert app.screen.title_text == "Meer vrijwilligers verwijderen, met 2 coderingen in 1 transcript?"
            await pilot.press("escape")
            await pilot.pause()
            assert VRIJW in app.project.codebook()
            await pilot.press("f4")  # merge into Nabijheid
            await pilot.pause()
            assert isinstance(app.screen, CodePicker)
            await pilot.press(*"nabijheid", "enter")
            await pilot.pause()
            assert "2 coderingen in 1 transcript" in app.screen.title_text
            await pilot.press("enter")
            await pilot.pause()
            assert screen.query_one(StatusLine).message.startswith(
                "Meer vrijwilligers samengevoegd in Nabijheid: 1 codering mee, 1 dubbel en weggelaten")
            assert VRIJW not in app.project.codebook()
            await pilot.press("escape", "escape")  # clear the filter, back to the coding screen
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)
            session = app.screen.session
            assert VRIJW not in session.codebook
            assert {c.code_id for c in session.codings} == {NABIJ}
            await pilot.press(*"jkjk")  # walking on with the suggestions of the changed codebook: no crash
            await pilot.pause()
            assert all(s.code_id != VRIJW for s in session.suggestions())
            await pilot.press("b")
            await pilot.pause()
            screen = app.screen
            await pilot.press("ctrl+z")  # the merge is taken back
            await pilot.pause()
            assert state(app.project) == before
            await pilot.press(*"vrijwilligers")
            await pilot.pause()
            await pilot.press("ctrl+up")  # one place higher among the factors of Praktische
            await pilot.pause()
            assert order(app.project, "stim.praktisch")[:2] == [VRIJW, NABIJ]
            await pilot.press("f3")
            await pilot.pause()
            await pilot.press(*"rem.praktisch")
            await pilot.pause()
            picker = app.screen
            assert picker.query_one("#codes").highlighted_option.id == "rem.praktisch"
            await pilot.press("enter")
            await pilot.pause()
            assert app.project.codebook().codes[VRIJW].parent == "rem.praktisch"
            await pilot.press("f3", *"meer vrijwilligers", "enter")  # into itself: a message
            await pilot.pause()
            assert app.project.codebook().codes[VRIJW].parent == "rem.praktisch"
            assert screen.query_one(StatusLine).message == (
                "niet verplaatsen: Meer vrijwilligers ligt in Meer vrijwilligers zelf")
            await pilot.press("ctrl+down")  # already the last under its parent
            await pilot.pause()
            assert screen.query_one(StatusLine).message == "staat al onderaan"
            await pilot.press("escape")  # clear the filter: rem.praktisch stays selected
            await pilot.pause()
            await pilot.press(*"rem.praktisch")
            await pilot.pause()
            assert screen.selected() == "rem.praktisch"
            await pilot.press("f8")
            await pilot.pause()
            assert screen.query_one(StatusLine).message.startswith("niet verwijderen: rem.praktisch hoort bij")
            await pilot.press("ctrl+z", "ctrl+z")
            await pilot.pause()
            assert state(app.project) == before

    asyncio.run(run())


def test_removing_a_code_with_only_a_memo_says_the_memo_not_zero_codings(project):
    """'has 0 codings in 0 transcripts and 1 memo' for a code with a memo and no codings (new-features QA
    pass); the undo text did not name the memo either."""
    from codering.store.rows import CodeUsage

    assert CodeUsage(0, 0, 0, 1).said() == "1 memo"
    assert CodeUsage(2, 1, 0, 1).said() == "2 codings in 1 transcript and 1 memo"
    assert CodeUsage(0, 0, 0, 0).said() == "no codings"
    project.add_memo("Nog bekijken", "ann", code_id="stim.praktisch.nabijheid")
    with pytest.raises(CoderingError, match=r"'stim.praktisch.nabijheid' has 1 memo; nothing was removed"):
        project.remove_code("stim.praktisch.nabijheid", "ann")
    project.remove_code("stim.praktisch.nabijheid", "ann", with_codings=True)
    assert project.undo("ann").startswith("remove code stim.praktisch.nabijheid with 1 memo")
