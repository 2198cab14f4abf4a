"""Agreement over the part of each transcript every coder worked through (not over what one has not reached yet).

A QA pass: a second coder who had coded 30 of 105 sentences was compared over all 105, the 75 she never reached
counting as "no code": overall kappa 0.008 and 41 "disagreements". Now each coder's reach is the furthest of
their codings, suggestion decisions, jumped-over sentences and saved cursor; only the part up to the smallest
reach is compared (a note says so), ``--whole`` compares whole transcripts as before.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codering.collab.agreement import agreement, disagreements, unit_matrix
from codering.coding.session import CodingSession
from codering.ingest import parse_text
from codering.store import Project, skipped_setting

pytestmark = pytest.mark.backends("sqlite", "postgresql")

# Three respondent turns of five sentences each, an interviewer question before each: 18 segments, 15 units.
TEXT = """\
interview_id: R-01

I: Met wie werkt u samen?

R: We bellen de huisarts elke week. Het CAW komt langs op dinsdag. De wachtlijsten zijn erg lang. \
Er is te weinig personeel. Het geld voor het project stopt volgend jaar.

I: En wat helpt u daarbij?

R: We zitten in hetzelfde gebouw. Ik ken de mensen van het OCMW goed. De schepen steunt ons werk. \
Het overleg op maandag is nuttig. Soms is het gewoon stil.

I: Nog iets?

R: De regels zijn streng. Niemand weet wie betaalt. Het netwerk groeit wel. \
We delen informatie per mail. Dat loopt goed.
"""

# ann (finished, coded the whole transcript outside the coding screen): per respondent sentence
ANN = ["fin.doorverwijzen", None, "rem.praktisch", "rem.praktisch", "rem.praktisch",
       "stim.praktisch.nabijheid", None, None, None, None,
       "rem.praktisch", "rem.praktisch", None, "fin.doorverwijzen", None]
# other codes in the coding screen: the first six respondent sentences, agreeing on five of them
OTHER = ["fin.doorverwijzen", None, "rem.praktisch", None, "rem.praktisch", "stim.praktisch.nabijheid"]


def respondent(project, name="r01"):
    return [s for s in project.segments(name) if s.role != "interviewer"]


@pytest.fixture
def two(project):
    """ann coded all of r01 (no cursor, no decisions: finished elsewhere); other worked through the first six
    respondent sentences in the coding screen and stands on the seventh."""
    project.import_transcript(parse_text(TEXT, "r01"))
    units = respondent(project)
    assert len(units) == 15 and len(project.segments("r01")) == 18
    for seg, code in zip(units, ANN):
        if code:
            project.add_coding("r01", seg.start, seg.end, code, "ann")
    session = CodingSession(project, "r01", None, "other")
    assert session.first == 1  # the first respondent sentence (segment 2)
    for code in OTHER:
        if code:
            session.apply(code)
        session.move(1)
    session.save_position()
    assert session.first == 8  # sentence 9: the first of the second respondent turn, not coded yet
    return project


def test_only_the_part_both_coders_worked_through_is_compared_and_the_note_says_how_far(two):
    report = agreement(two, ["ann", "other"])
    # other's reach: the sentence before her cursor (segment 8, her sixth respondent sentence): units 1-6
    assert report.units == 6
    notes = report.notes()
    assert "r01: zinnen 1-8 van 18 vergeleken; other werkte tot zin 8" in notes
    whole = agreement(two, ["ann", "other"], whole=True)
    assert whole.units == 15 and not any("vergeleken;" in n for n in whole.notes())
    # the whole comparison is what it was before: every unit after other's reach counts as her "no code"
    assert whole.overall.percent < report.overall.percent


def test_the_figures_are_scikit_learns_and_the_krippendorff_packages_on_the_compared_units(two):
    sklearn = pytest.importorskip("sklearn.metrics")
    kd = pytest.importorskip("krippendorff")
    np = pytest.importorskip("numpy")
    matrix = unit_matrix(two, ["ann", "other"])
    assert [u.key for u in matrix.units] == [str(s.id) for s in respondent(two)[:6]]
    report = agreement(two, ["ann", "other"], matrix=matrix)
    for row in report.rows:
        a = [int(row.code in s) for s in matrix.applied["ann"]]
        b = [int(row.code in s) for s in matrix.applied["other"]]
        expected = sklearn.cohen_kappa_score(a, b) if len(set(a + b)) > 1 else float("nan")
        assert row.kappa == pytest.approx(expected, nan_ok=True)
        if len(set(a + b)) > 1:
            assert row.alpha == pytest.approx(kd.alpha(reliability_data=np.array([a, b], dtype=float),
                                                       level_of_measurement="nominal"))
    # rem.praktisch: ann 0 0 1 1 1 0, other 0 0 1 0 1 0: 5 of 6 agree
    rem = next(r for r in report.rows if r.code == "rem.praktisch")
    assert (rem.units, rem.applied, rem.all_applied) == (6, {"ann": 3, "other": 2}, 2)
    assert rem.percent == pytest.approx(100 * 5 / 6)


def test_no_disagreement_is_listed_beyond_the_compared_part(two):
    listed = disagreements(two, ["ann", "other"])
    assert [d.unit.text for d in listed] == ["Er is te weinig personeel."]
    beyond = disagreements(two, ["ann", "other"], whole=True)
    assert len(beyond) == 4  # unit 4 and the three ann coded after other's reach


def test_a_turn_is_compared_when_its_first_sentence_is_within_the_part(two):
    # other reached the first sentence of the second respondent turn: that turn is in, the third is not
    turns = agreement(two, ["ann", "other"], unit="turn")
    assert turns.units == 2 and "r01: zinnen 1-8 van 18 vergeleken; other werkte tot zin 8" in turns.notes()
    assert [d.unit.key for d in disagreements(two, ["ann", "other"], unit="turn")] == \
        [f"t{respondent(two)[0].id}"]  # the second turn: ann's stim on its first sentence only, other's too
    # she decides on the first sentence of the third: all three turns, no note
    s = respondent(two)[10]
    two.record_decision("r01", s.start, s.end, "rem.praktisch", False, "other")
    third = agreement(two, ["ann", "other"], unit="turn")
    assert third.units == 3 and not any("vergeleken;" in n for n in third.notes())


def test_the_furthest_of_codings_decisions_jumps_and_cursor_counts(project):
    project.import_transcript(parse_text(TEXT, "r01"))
    units = respondent(project)
    segs = project.segments("r01")
    for seg in units:
        project.add_coding("r01", seg.start, seg.end, "rem.praktisch", "ann")
    project.add_coding("r01", units[0].start, units[0].end, "rem.praktisch", "bob")
    tid = project.transcript_id("r01")
    # only the coding: no record of working here, so the whole transcript (a coding from a script or merge)
    assert agreement(project, ["ann", "bob"]).units == 15
    project.set_setting(f"tui.cursor.bob.{tid}", "3")  # on segment 4 (respondent sentence 3)
    report = agreement(project, ["ann", "bob"])
    assert report.units == 2 and "r01: zinnen 1-3 van 18 vergeleken; bob werkte tot zin 3" in report.notes()
    # a decision further on (respondent sentence 7 = segment 9)
    project.record_decision("r01", units[6].start, units[6].end, "fin.doorverwijzen", False, "bob")
    assert agreement(project, ["ann", "bob"]).units == 7
    # sentences jumped over with n (up to respondent sentence 12 = segment 15) were passed: further still
    project.set_setting(skipped_setting("bob", tid), f"{units[8].start}-{units[11].end}")
    report = agreement(project, ["ann", "bob"])
    assert report.units == 12 and "r01: zinnen 1-15 van 18 vergeleken; bob werkte tot zin 15" in report.notes()
    # the cursor on the last respondent sentence: the end, no note
    project.set_setting(f"tui.cursor.bob.{tid}", str(len(segs) - 1))
    report = agreement(project, ["ann", "bob"])
    assert report.units == 15 and not any("vergeleken;" in n for n in report.notes())
    # a cursor of ann further back changes nothing: her codings reach the end
    project.set_setting(f"tui.cursor.ann.{tid}", "5")
    report = agreement(project, ["ann", "bob"])
    assert report.units == 15  # ann's codings reach the end all the same


def test_two_coders_stopping_at_the_same_sentence_are_both_named(project):
    project.import_transcript(parse_text(TEXT, "r01"))
    units = respondent(project)
    tid = project.transcript_id("r01")
    for coder in ("ann", "bob", "cas"):
        project.add_coding("r01", units[0].start, units[0].end, "rem.praktisch", coder)
    project.add_coding("r01", units[-1].start, units[-1].end, "rem.praktisch", "cas")
    for coder in ("ann", "bob"):
        project.set_setting(f"tui.cursor.{coder}.{tid}", "3")
    report = agreement(project, ["ann", "bob", "cas"])
    assert "r01: zinnen 1-3 van 18 vergeleken; ann en bob werkten tot zin 3" in report.notes()


def test_imported_codings_reach_the_whole_transcript_even_with_a_cursor(project):
    """Another tool's coder codes only what applies: the last coding is no reach. Opening the transcript in the
    coding screen (a cursor saved) does not make a finished import work in progress."""
    project.import_transcript(parse_text(TEXT, "r01"))
    units = respondent(project)
    tid = project.transcript_id("r01")
    project.add_coding("r01", units[2].start, units[2].end, "rem.praktisch", "ann", origin="import")
    project.add_coding("r01", units[3].start, units[3].end, "rem.praktisch", "bob", origin="import")
    project.set_setting(f"tui.cursor.ann.{tid}", "2")
    assert agreement(project, ["ann", "bob"]).units == 15


def test_the_commands_and_every_export_carry_the_note(two, tmp_path):
    from codering.cli.root import cli

    path = str(two.path)  # the file, or the server address
    two.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["-p", path, "agreement", "ann", "other"])
    assert result.exit_code == 0, result.output
    assert "r01: zinnen 1-8 van 18 vergeleken; other werkte tot zin 8" in " ".join(result.output.split())
    result = runner.invoke(cli, ["-p", path, "agreement", "ann", "other", "--whole"])
    assert result.exit_code == 0 and "vergeleken;" not in result.output, result.output
    note = "r01: zinnen 1-8 van 18 vergeleken; other werkte tot zin 8"
    result = runner.invoke(cli, ["-p", path, "agreement", "ann", "other", "--format", "md"])
    assert result.exit_code == 0 and note in result.stdout, result.output
    # a CSV holds the cells only: its notes go to stderr, as export's do
    result = runner.invoke(cli, ["-p", path, "agreement", "ann", "other", "--format", "csv"])
    assert result.exit_code == 0 and note not in result.stdout, result.output
    assert f"note (not in the CSV): {note}" in result.stderr
    xlsx, docx = tmp_path / "a.xlsx", tmp_path / "a.docx"
    for out in (xlsx, docx):
        result = runner.invoke(cli, ["-p", path, "agreement", "ann", "other", "-o", str(out)])
        assert result.exit_code == 0, result.output
    import docx as python_docx
    import openpyxl

    cells = [str(c.value) for ws in openpyxl.load_workbook(xlsx) for row in ws.iter_rows() for c in row if c.value]
    assert any("r01: zinnen 1-8 van 18 vergeleken" in c for c in cells)
    assert "r01: zinnen 1-8 van 18 vergeleken" in "\n".join(p.text for p in python_docx.Document(docx).paragraphs)
    result = runner.invoke(cli, ["-p", path, "disagreements", "ann", "other", "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "personeel" in result.output and "stil" not in result.output and "zin 8" in result.output
    result = runner.invoke(cli, ["-p", path, "disagreements", "ann", "other", "--whole", "--format", "csv"])
    assert result.exit_code == 0 and "De regels zijn streng." in result.output, result.output


def test_an_english_codebook_says_it_in_english(project_location, tmp_path):
    from codering.codebook import load_codebook
    from tests.conftest import SMALL_CODEBOOK

    source = tmp_path / "small.yaml"
    source.write_text(SMALL_CODEBOOK.replace("  name: Klein codeboek", "  name: Small\n  language: en"), "utf-8")
    with Project.create(project_location, load_codebook(source)) as project:
        assert project.codebook().language == "en"
        project.import_transcript(parse_text(TEXT, "r01"))
        units = respondent(project)
        for seg in units:
            project.add_coding("r01", seg.start, seg.end, "rem.praktisch", "ann")
        project.add_coding("r01", units[0].start, units[0].end, "rem.praktisch", "bob")
        project.set_setting(f"tui.cursor.bob.{project.transcript_id('r01')}", "3")
        assert "r01: sentences 1-3 of 18 compared; bob worked up to sentence 3" in agreement(project).notes()


# -- the agreement view -----------------------------------------------------------------------------------------

@pytest.mark.backends("sqlite")
def test_the_agreement_view_says_how_far_it_compared(tmp_path, monkeypatch, small_codebook):
    import asyncio

    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "studie.codering"
    with Project.create(path, small_codebook) as project:
        project.import_transcript(parse_text(TEXT, "r01"))
        units = respondent(project)
        for seg, code in zip(units, ANN):
            if code:
                project.add_coding("r01", seg.start, seg.end, code, "ann")
        for seg, code in zip(units, OTHER):
            if code:
                project.add_coding("r01", seg.start, seg.end, code, "other")
        project.set_setting(f"tui.cursor.other.{project.transcript_id('r01')}", "8")

    async def run() -> None:
        app = make_app(path, suggester=KeywordSuggester(), coder="ann")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("a")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert type(screen).__name__ == "AgreementScreen"
            title = str(screen.query_one("#agreement-title").render())
            assert "r01: zinnen 1-8 van 18 vergeleken; other werkte tot zin 8" in title, title
            assert "6 eenheden" in title
            texts = [d.unit.text for d in screen.items]
            assert texts == ["Er is te weinig personeel."], texts

    asyncio.run(run())
