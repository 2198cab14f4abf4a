"""Four defects earlier QA passes noted and left: merge and partial work, memos in the merge notice, stored
suggestions after undoing a codebook merge or removal, and screens that kept a stale codebook."""

from __future__ import annotations

import pytest

from codering.collab.agreement import agreement
from codering.coding.session import CodingSession
from codering.ingest import parse_text
from codering.store import Project, skipped_setting

from tests.conftest import run_cli

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# 21 respondent turns of five sentences each, an interviewer question before each: 105 respondent sentences
LONG = "interview_id: L-01\n\n" + "\n\n".join(
    f"I: Vraag {t + 1}, hoe gaat het?\n\nR: " + " ".join(
        f"Dit is zin {5 * t + k + 1} over het {'overleg' if k % 2 else 'netwerk'}." for k in range(5))
    for t in range(21)) + "\n"
CODES = ["fin.doorverwijzen", None, "rem.praktisch", None, "stim.praktisch.nabijheid", None, None]


def respondent(project, name="l01"):
    return [s for s in project.segments(name) if s.role != "interviewer"]


def ann_codes_all(project):
    """ann coded the whole transcript outside the coding screen (finished: no cursor, no decisions)."""
    project.import_transcript(parse_text(LONG, "l01"))
    units = respondent(project)
    assert len(units) == 105
    for i, seg in enumerate(units):
        if CODES[i % 7]:
            project.add_coding("l01", seg.start, seg.end, CODES[i % 7], "ann")


def bea_works_30(project, name="l01"):
    """bea worked through the first 30 respondent sentences in the coding screen, agreeing mostly with ann,
    coding nothing after sentence 24; she stands on the 31st."""
    session = CodingSession(project, name, None, "bea")
    for i in range(30):
        code = CODES[(i + (i % 5 == 0)) % 7] if i < 24 else None
        if code:
            session.apply(code)
        session.move(1)
    session.save_position()


def figures(report):
    return (report.units, [(r.code, r.units, r.applied, r.percent, r.kappa) for r in report.rows],
            report.overall.percent, report.overall.kappa, report.notes())


def merge_cli(location, other, *extra):
    result = run_cli("-p", str(location), "merge", str(other), *extra, env={"CODERING_CODER": "ann"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_colleagues_unfinished_work_merged_in_is_compared_as_far_as_she_got(project, project_location, tmp_path,
                                                                               small_codebook):
    ann_codes_all(project)
    with Project.create(tmp_path / "bea.codering", small_codebook) as hers:
        hers.import_transcript(parse_text(LONG, "her-name"))  # her name for it; matched by text
        bea_works_30(hers, "her-name")
    with Project.create(tmp_path / "ref.codering", small_codebook) as ref:  # as if she had coded here
        ann_codes_all(ref)
        bea_works_30(ref)
        expected = figures(agreement(ref, ["ann", "bea"]))
    assert expected[0] == 30  # her 30 sentences, not the 105
    assert "l01: zinnen 1-" in expected[-1][-1]
    merge_cli(project_location, tmp_path / "bea.codering")
    assert figures(agreement(project, ["ann", "bea"])) == expected
    assert agreement(project, ["ann", "bea"], whole=True).units == 105  # --whole as before


def test_her_decisions_and_jumps_come_along_and_this_projects_own_settings_stay(project, project_location,
                                                                                 tmp_path, small_codebook):
    ann_codes_all(project)
    tid = project.transcript_id("l01")
    project.set_setting(f"tui.cursor.ann.{tid}", "7")  # this project's own coder's setting
    with Project.create(tmp_path / "bea.codering", small_codebook) as hers:
        hers.import_transcript(parse_text(LONG, "l01"))
        units = respondent(hers)
        theirs = hers.transcript_id("l01")
        for seg in units[:10]:
            hers.add_coding("l01", seg.start, seg.end, "rem.praktisch", "bea")
        hers.record_decision("l01", units[19].start, units[19].end, "fin.doorverwijzen", False, "bea", score=0.4)
        hers.set_setting(f"tui.cursor.ann.{theirs}", "60")  # ann coded nothing there: not hers to carry
        # bea jumped (n) from sentence 20 to 31: 21-30 jumped over, so she reached 30
        hers.set_setting(skipped_setting("bea", theirs), f"{units[20].start}-{units[29].end}")
    out = merge_cli(project_location, tmp_path / "bea.codering")
    assert "1 suggestion decision added" in out.splitlines()[0]
    assert agreement(project, ["ann", "bea"]).units == 30
    assert [(d.code_id, d.accepted, d.coder, d.score) for d in project.decisions(transcript="l01")] == \
        [("fin.doorverwijzen", False, "bea", 0.4)]
    assert project.setting(f"tui.cursor.ann.{tid}") == "7"
    assert project.setting(f"tui.cursor.bea.{tid}") is None  # she saved none
    again = merge_cli(project_location, tmp_path / "bea.codering")  # twice: nothing more
    assert "suggestion decision" not in again.splitlines()[0] and len(project.decisions()) == 1


# -- 2. memos in the merge notice ------------------------------------------------------------------------------
def test_the_merge_notice_counts_the_memos_that_landed_on_the_code_it_went_into(project, project_location, tmp_path,
                                                                                 small_codebook):
    from codering.codebook import Code

    gebouw, nabij = "stim.praktisch.gebouw", "stim.praktisch.nabijheid"
    project.import_transcript(parse_text(LONG, "l01"))
    project.update_code(Code(id=gebouw, label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    project.update_code(Code(id="rem.praktisch.trap", label="Trap", parent="rem.praktisch"), "ann")
    project.merge_codes(gebouw, nabij, "ann")
    project.merge_codes("rem.praktisch.trap", "rem.praktisch", "ann")
    units = respondent(project)
    with Project.create(tmp_path / "bea.codering", small_codebook) as hers:
        hers.import_transcript(parse_text(LONG, "l01"))
        hers.update_code(Code(id=gebouw, label="Zelfde gebouw", parent="stim.praktisch"))
        hers.update_code(Code(id="rem.praktisch.trap", label="Trap", parent="rem.praktisch"))
        hers.add_coding("l01", units[0].start, units[0].end, gebouw, "bea")
        hers.add_coding("l01", units[1].start, units[1].end, gebouw, "bea")
        hers.add_memo("over het gebouw", "bea", code_id=gebouw)
        hers.add_memo("deze zin", "bea", transcript="l01", start=units[0].start, end=units[0].end, code_id=gebouw)
        hers.add_memo("trappen", "bea", code_id="rem.praktisch.trap")  # a memo, no coding
    out = merge_cli(project_location, tmp_path / "bea.codering")
    said = {c: project.merged_code(c).said() for c in (gebouw, "rem.praktisch.trap")}
    assert f"  note: 2 codings and 2 memos landed on {nabij} because {said[gebouw]}\n" in out
    assert f"  note: 1 memo landed on rem.praktisch because {said['rem.praktisch.trap']}\n" in out
    assert sorted(m.text for m in project.memos(code_id=nabij)) == ["deze zin", "over het gebouw"]
    again = merge_cli(project_location, tmp_path / "bea.codering")
    assert "landed" not in again  # nothing added the second time, nothing landed


# -- 3. stored suggestions after undoing a codebook merge or removal ----------------------------------------------
GEBOUW, NABIJ = "stim.praktisch.gebouw", "stim.praktisch.nabijheid"


def cli_ok(location, *args):
    result = run_cli("-p", str(location), *args, env={"CODERING_CODER": "ann"})
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def scored(loaded_project):
    """gebouw beside nabijheid, and the project-wide stored suggestions of two sentences naming both."""
    from codering.codebook import Code

    p = loaded_project
    p.update_code(Code(id=GEBOUW, label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    a, b = [s for s in p.segments("t01_huisarts") if s.role != "interviewer"][:2]
    p.replace_suggestions("t01_huisarts", "m1", [(a.start, a.end, GEBOUW, 0, 0.9, "r"),
                                                  (a.start, a.end, NABIJ, 1, 0.7, "r"),
                                                  (b.start, b.end, GEBOUW, 0, 0.8, "r")])
    return p, (a, b)


def stored(project):
    return sorted(project.stored_suggestions("t01_huisarts"))


@pytest.mark.parametrize("change", [("codebook", "merge", GEBOUW, NABIJ), ("codebook", "remove", GEBOUW)])
def test_undoing_a_codebook_merge_or_removal_brings_the_codes_stored_suggestions_back(scored, project_location,
                                                                                      change):
    p, _ = scored
    before, pending = stored(p), p.pending_suggestions()
    assert {r[2] for r in before} == {GEBOUW, NABIJ} and sum(pending.values()) == 3
    cli_ok(project_location, *change)
    assert {r[2] for r in stored(p)} == {NABIJ} and sum(p.pending_suggestions().values()) == 1
    assert "Undone" in cli_ok(project_location, "undo")
    assert stored(p) == before and p.pending_suggestions() == pending  # the overview's sugg. column again
    cli_ok(project_location, "redo")
    assert {r[2] for r in stored(p)} == {NABIJ}
    cli_ok(project_location, "undo")
    assert stored(p) == before


def test_a_sentence_scored_again_since_the_removal_keeps_its_new_suggestions(scored, project_location):
    p, (a, b) = scored
    cli_ok(project_location, "codebook", "remove", GEBOUW)
    p.replace_suggestions("t01_huisarts", "m2", [(a.start, a.end, "rem.praktisch", 0, 0.6, "r")])  # scored again
    cli_ok(project_location, "undo")
    now = {(r[0], r[2], r[6]) for r in stored(p)}
    assert now == {(a.start, "rem.praktisch", "m2"), (b.start, GEBOUW, "m1")}
    assert "stim.praktisch.gebouw" in p.codebook()


# -- 4. the review, agreement and export screens follow a codebook changed elsewhere ------------------------------
def shown(screen) -> str:
    """What the screen shows: its text lines and its tables' cells."""
    from textual.widgets import DataTable, Static

    out = [str(w.render()) for w in screen.query(Static)]
    for table in screen.query(DataTable):
        out += [str(cell) for key in table.rows for cell in table.get_row(key)]
    return "\n".join(out)


@pytest.mark.parametrize("which", ["review", "agreement", "export"])
def test_the_review_agreement_and_export_screens_follow_a_rename_and_a_merge_made_elsewhere(
        loaded_project, project_location, which):
    import asyncio

    from codering.codebook import Code
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from tests.test_tui_support import until

    p = loaded_project
    p.update_code(Code(id=GEBOUW, label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    a, b, c = [s for s in p.segments("t01_huisarts") if s.role != "interviewer"][:3]
    for who, spans in (("ann", (a, b)), ("bert", (a, c))):
        for s in spans:
            p.add_coding("t01_huisarts", s.start, s.end, GEBOUW, who)
        p.add_coding("t01_huisarts", c.start, c.end, NABIJ, who)

    async def run() -> None:
        app = make_app(str(project_location), suggester=KeywordSuggester(), coder="ann", start_model=False)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            keys = {"review": ("r", *GEBOUW, "enter"), "agreement": ("a",), "export": ("e",)}[which]
            await pilot.press(*keys)
            await pilot.pause()
            screen = app.screen
            assert type(screen).__name__ == {"review": "ReviewScreen", "agreement": "AgreementScreen",
                                             "export": "ExportScreen"}[which]
            if which == "export":  # the codebook as a table
                tables = screen.query_one("#export-tables")
                tables.highlighted = [o.id for o in tables._options].index("codebook")
            assert await until(pilot, lambda: "Zelfde gebouw" in shown(screen))
            # a colleague renames the code (another connection) ...
            p.update_code(Code(id=GEBOUW, label="Gedeeld gebouw", parent="stim.praktisch"), "bert")
            assert await until(pilot, lambda: "Gedeeld gebouw" in shown(screen) and "Zelfde" not in shown(screen))
            assert app.screen is screen
            # ... again while a dialog is on top of the screen (the live view refreshes only the top one)
            await pilot.press("question_mark")
            await pilot.pause()
            assert app.screen is not screen
            p.update_code(Code(id=GEBOUW, label="Ander gebouw", parent="stim.praktisch"), "bert")
            assert await until(pilot, lambda: app._live_token == app.project.change_token())  # seen, not shown
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is screen
            assert await until(pilot, lambda: "Ander gebouw" in shown(screen) and "Gedeeld" not in shown(screen))
            # ... and merges it into nabijheid (the command line)
            cli_ok(project_location, "codebook", "merge", GEBOUW, NABIJ)
            assert await until(pilot, lambda: "Ander gebouw" not in shown(screen))
            if which == "review":  # the review follows the code's work to the code it went into
                assert await until(pilot, lambda: "Nabijheid" in str(screen.query_one("#review-title").render()))
                from codering.tui.widgets.status import StatusLine
                assert f"{GEBOUW} is samengevoegd in {NABIJ}" in screen.query_one(StatusLine).message
                assert len(screen._rows) == 5  # ann's a, b, c and bert's a, c (his gebouw on c was nabijheid already)
                cli_ok(project_location, "codebook", "remove", NABIJ, "--with-codings")  # then removed: said
                assert await until(pilot, lambda: f"code {NABIJ} staat niet (meer)" in shown(screen))
                assert not screen._rows and screen.query_one("#review-table").row_count == 0
            assert app.screen is screen

    asyncio.run(run())
