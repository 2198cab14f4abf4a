"""Merging another coder's project: matched by text, never duplicating, idempotent."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from codering.codebook import Code
from codering.collab.merge import MergeError, merge_project
from codering.store import Project

TEXT = """\
interview_id: M-01

I: Met wie werkt u samen?

R: Met de huisarts, o.a. voor doorverwijzingen. We zitten in hetzelfde gebouw. Dat helpt echt.

I: En wat loopt minder goed?

R: De wachtlijsten bij het CAW zijn lang. Dat remt alles af.
"""


def state(project: Project) -> set[tuple]:
    names = {t.id: t.name for t in project.transcripts()}
    return {(names[c.transcript_id], c.start, c.end, c.code_id, c.coder, c.origin) for c in project.codings()}


@pytest.fixture
def two(tmp_path, small_codebook):
    """Our project (coder an) and bert's copy: the same transcript under another name, plus one only bert has."""
    from codering.ingest import parse_text

    ours = Project.create(tmp_path / "an.codering", small_codebook)
    theirs = Project.create(tmp_path / "bert.codering", small_codebook)
    ours.import_transcript(parse_text(TEXT, "m01"))
    theirs.import_transcript(parse_text(TEXT, "interview-1"))
    theirs.import_transcript(parse_text(TEXT.replace("M-01", "M-02").replace("CAW", "OCMW"), "m02"))
    seg = [s for s in ours.segments("m01") if s.role == "respondent"]
    ours.add_coding("m01", seg[0].start, seg[0].end, "fin.doorverwijzen", "an")
    theirs.add_coding("interview-1", seg[0].start, seg[0].end, "fin.doorverwijzen", "bert")
    theirs.add_coding("interview-1", seg[1].start, seg[1].end, "stim.praktisch.nabijheid", "bert", origin="suggestion")
    theirs.update_code(Code(id="rem.praktisch.wachtlijst", label="Wachtlijsten", parent="rem.praktisch"))
    theirs.add_coding("interview-1", seg[3].start, seg[4].end, "rem.praktisch.wachtlijst", "bert")
    theirs.add_coding("m02", seg[0].start, seg[0].end, "fin.doorverwijzen", "bert")
    theirs.add_memo("Twijfel over deze zin.", "bert", transcript="interview-1", start=seg[1].start, end=seg[1].end)
    theirs.close()
    yield ours, tmp_path / "bert.codering"
    ours.close()


def test_merge_brings_codings_once(two):
    ours, other = two
    before = state(ours)
    report = merge_project(ours, other, coder="an")
    assert report.matched == ["m01"] and report.unmatched == ["m02"]
    assert report.added == {("m01", "bert"): 3} and report.present == 0
    assert report.codes_added == ["rem.praktisch.wachtlijst"] and report.memos_added == 1
    after = state(ours)
    assert before < after and len(after - before) == 3
    assert {t.name for t in ours.transcripts()} == {"m01"}  # nothing duplicated, nothing copied
    assert {c[5] for c in after - before} == {"manual", "suggestion"}  # origins kept
    assert "Merged" in report.summary() and "m02" in str(report)

    second = merge_project(ours, other, coder="an")  # idempotent
    assert second.added == {} and second.present == 3 and second.memos_added == 0 and second.codes_added == []
    assert state(ours) == after and len(ours.memos()) == 1


def test_dry_run_changes_nothing_and_undo_takes_a_merge_back(two):
    ours, other = two
    before = state(ours)
    preview = merge_project(ours, other, coder="an", dry_run=True)
    assert preview.codings_added == 3 and "Would merge" in preview.summary()
    assert state(ours) == before and "rem.praktisch.wachtlijst" not in ours.codebook()
    merge_project(ours, other, coder="an")
    assert ours.undo() == "merge bert.codering"
    assert state(ours) == before and "rem.praktisch.wachtlijst" not in ours.codebook()


def test_rename_coder_and_same_name_warning(two, tmp_path):
    ours, other = two
    report = merge_project(ours, other, coder="an", rename={"bert": "an"})
    assert report.added == {("m01", "an"): 2} and report.present == 1  # an's own coding of segment 1
    assert any("also coded m01 here" in n for n in report.notices)


def test_merge_errors(two, tmp_path):
    ours, _ = two
    with pytest.raises(MergeError, match="that is this project"):
        merge_project(ours, ours.path, coder="an")
    with pytest.raises(Exception, match="no such project"):
        merge_project(ours, tmp_path / "absent.codering", coder="an")


def test_merge_command(two):
    from tests.test_agreement import make_cli

    ours, other = two
    path = str(ours.path)
    ours.close()
    runner = CliRunner()
    result = runner.invoke(make_cli(), ["-p", path, "merge", str(other), "--rename-coder", "bert=Bert"])
    assert result.exit_code == 0, result.output
    assert "3 codings added (by Bert)" in result.output and "m01: 3 codings by Bert" in result.output
    result = runner.invoke(make_cli(), ["-p", path, "merge", str(other), "--rename-coder", "bert=Bert"])
    assert "0 codings added, 3 already here" in result.output
    result = runner.invoke(make_cli(), ["-p", path, "merge", str(other), "--rename-coder", "bert"])
    assert result.exit_code != 0 and "OLD=NEW" in result.output


def test_merged_codings_keep_when_they_were_made_and_detached_ones_are_named(two):
    """The merge gave every coding the merge's own time; the other project's detached codings were left
    out without a word."""
    ours, other = two
    with Project.open(other) as theirs:
        made = {(c.start, c.end, c.code_id): c.created for c in theirs.codings("interview-1")}
        theirs._conn.execute("UPDATE codings SET detached = 1 WHERE code_id = 'rem.praktisch.wachtlijst'")
    report = merge_project(ours, other, coder="an")
    merged = {(c.start, c.end, c.code_id): c.created for c in ours.codings("m01") if c.coder == "bert"}
    assert merged and all(merged[key] == made[key] for key in merged)
    assert "1 detached coding there (their words are gone from the text) was not merged" in " ".join(report.notices)
    assert ("rem.praktisch.wachtlijst" not in {k[2] for k in merged})


def test_recoding_in_review_keeps_the_coding_its_coders(two):
    """The review's recode deleted anna's coding and made a new one in the reviewer's name, so her
    agreement with other coders changed and its date was lost."""
    from codering.coding.review import recode

    ours, _ = two
    [coding] = ours.codings("m01")
    recode(ours, coding, "stim.praktisch", "reviewer")
    [after] = ours.codings("m01")
    assert (after.code_id, after.coder, after.origin, after.created) == (
        "stim.praktisch", coding.coder, coding.origin, coding.created)
    assert ours.undo("reviewer") is not None  # the reviewer's action, undone by the reviewer
    assert [(c.code_id, c.coder) for c in ours.codings("m01")] == [("fin.doorverwijzen", "an")]
