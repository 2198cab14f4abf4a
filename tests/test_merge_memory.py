"""A codebook merge is remembered: queries naming the old code answer for the code it went into, changes naming
it are refused, and files still using it (codings JSONL, another coder's project, REFI-QDA) put their codings on
the code it went into instead of making the old code again. An undone merge is forgotten; its redo remembers it.
"""

from __future__ import annotations

import json

import pytest

from codering.cli.root import main
from codering.codebook import Code
from codering.errors import CoderingError
from codering.store import Project
from tests.conftest import SMALL_TRANSCRIPT

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

T = "t01_huisarts"
B = SMALL_TRANSCRIPT.index("Met de huisarts")
S1 = (B, B + 40)
S2 = (B + 41, B + 72)
GEBOUW = "stim.praktisch.gebouw"
NABIJ = "stim.praktisch.nabijheid"


@pytest.fixture
def coded(loaded_project):
    """stim.praktisch.gebouw (with a subcode) beside stim.praktisch.nabijheid, coded by ann and bert."""
    p = loaded_project
    p.update_code(Code(id=GEBOUW, label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    p.update_code(Code(id=f"{GEBOUW}.lift", label="Lift", parent=GEBOUW), "ann")
    p.add_coding(T, *S1, NABIJ, "ann")
    p.add_coding(T, *S1, GEBOUW, "ann")
    p.add_coding(T, *S2, GEBOUW, "bert")
    p.add_memo("gebouw: ook de parking", "ann", code_id=GEBOUW)
    return p


def cli(capsys, location, *args: str) -> tuple[int, str, str]:
    """Run the real command line in this process: (exit code, stdout, stderr)."""
    try:
        main(["-p", str(location), *args])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def on(project: Project, code_id: str) -> list[tuple]:
    return [(c.start, c.end, c.coder) for c in project.codings(code_id=code_id)]


# -- the store -------------------------------------------------------------------------------------------------
def test_a_merge_is_remembered_until_undone_and_again_after_redo(coded):
    p = coded
    assert p.code_merges() == {} and p.merged_code(GEBOUW) is None
    p.merge_codes(GEBOUW, NABIJ, "ann")
    merge = p.merged_code(GEBOUW)
    assert merge is not None and merge.target == NABIJ and merge.steps[0][:2] == (GEBOUW, NABIJ)
    day = merge.steps[0][2]
    assert merge.said() == f"{GEBOUW} was merged into {NABIJ} on {day}"
    assert p.merged_code(NABIJ) is None  # a code of the project is never "merged"
    p.undo("ann")
    assert p.merged_code(GEBOUW) is None and GEBOUW in p.codebook()  # an ordinary code again
    assert p.writable_code(GEBOUW).label == "Zelfde gebouw"
    p.redo("ann")
    assert p.merged_code(GEBOUW).target == NABIJ
    p.add_coding(T, *S2, NABIJ, "cas")  # a new action: the merge's redo is gone, and it is still remembered
    assert p.merged_code(GEBOUW).target == NABIJ


def test_a_chain_of_merges_resolves_to_its_end(coded):
    p = coded
    p.update_code(Code(id="stim.praktisch.buren", label="Buren", parent="stim.praktisch"), "ann")
    p.merge_codes(GEBOUW, "stim.praktisch.buren", "ann")
    p.merge_codes("stim.praktisch.buren", NABIJ, "ann")
    merge = p.merged_code(GEBOUW)
    assert merge.target == NABIJ and [s[:2] for s in merge.steps] == [(GEBOUW, "stim.praktisch.buren"),
                                                                      ("stim.praktisch.buren", NABIJ)]
    assert f"{GEBOUW} was merged into stim.praktisch.buren on " in merge.said()
    assert f", and stim.praktisch.buren into {NABIJ} on " in merge.said()
    p.undo("ann")  # the second merge taken back: the chain ends on buren again
    assert p.merged_code(GEBOUW).target == "stim.praktisch.buren"


def test_a_code_made_again_and_removed_is_not_merged_any_more(coded):
    p = coded
    p.merge_codes(GEBOUW, NABIJ, "ann")
    p.update_code(Code(id=GEBOUW, label="Zelfde gebouw", parent="stim.praktisch"), "ann")
    assert p.merged_code(GEBOUW) is None  # a code again
    p.remove_code(GEBOUW, "ann")
    assert p.merged_code(GEBOUW) is None  # gone as a removed code, not as a merged one


def test_changes_naming_a_merged_code_are_refused_naming_where_it_went(coded):
    p = coded
    p.merge_codes(GEBOUW, NABIJ, "ann")
    before = on(p, NABIJ)
    for change in (lambda: p.add_coding(T, *S2, GEBOUW, "ann"),
                   lambda: p.record_decision(T, *S2, GEBOUW, True, "ann"),
                   lambda: p.add_memo("x", "ann", code_id=GEBOUW),
                   lambda: p.merge_codes(GEBOUW, NABIJ, "ann"),
                   lambda: p.merge_codes("rem.praktisch", GEBOUW, "ann"),
                   lambda: p.move_code(GEBOUW, "rem", "ann"),
                   lambda: p.remove_code(GEBOUW, "ann"),
                   lambda: p.update_code(Code(id="stim.praktisch.gebouw.trap", label="Trap", parent=GEBOUW))):
        with pytest.raises(CoderingError, match=rf"^{GEBOUW} was merged into {NABIJ} on \S+; use {NABIJ}$"):
            change()
    assert on(p, NABIJ) == before and GEBOUW not in p.codebook()
    with pytest.raises(CoderingError, match="unknown code 'stim.nooit'"):  # never a code: as before
        p.add_coding(T, *S2, "stim.nooit", "ann")


# -- the command line ------------------------------------------------------------------------------------------
def test_queries_naming_a_merged_code_answer_for_the_code_it_went_into(coded, project_location, capsys,
                                                                       monkeypatch):
    monkeypatch.setenv("CODERING_CODER", "ann")
    coded.merge_codes(GEBOUW, NABIJ, "ann")
    day = coded.merged_code(GEBOUW).steps[0][2]
    notice = f"{GEBOUW} was merged into {NABIJ} on {day}; showing {NABIJ}\n"
    code, out, err = cli(capsys, project_location, "codings", "--code", GEBOUW, "--format", "tsv")
    assert (code, err) == (0, notice)
    assert [line.split("\t")[4:6] for line in out.splitlines()[1:]] == [[NABIJ, "ann"], [NABIJ, "bert"]]
    code, out, err = cli(capsys, project_location, "memos", "--code", GEBOUW, "--format", "tsv")
    assert (code, err) == (0, notice) and "gebouw: ook de parking" in out
    code, out, err = cli(capsys, project_location, "search", "gebouw", "--code", GEBOUW, "--format", "tsv")
    assert (code, err) == (0, notice) and "hetzelfde «gebouw»" in out
    code, out, err = cli(capsys, project_location, "codings", "--code", "stim.nooit")
    assert code == 1 and err == "codering: error: unknown code 'stim.nooit' (not in codebook 'klein')\n"


def test_export_group_naming_a_merged_code(coded, project_location, capsys, monkeypatch):
    coded.update_code(Code(id="extra", label="Extra", codable=False), "ann")
    coded.update_code(Code(id="extra.buurt", label="Buurt", parent="extra"), "ann")
    coded.add_coding(T, *S1, "extra.buurt", "ann")
    coded.merge_codes("extra", "fin", "ann")  # a group merged into another: its subcode goes along
    code, out, err = cli(capsys, project_location, "export", "crosstab", "--group", "extra", "--by", "locatie",
                         "-o", "-", "--format", "csv")
    assert code == 0 and err.startswith("extra was merged into fin on ") and "; showing fin\n" in err
    assert "Buurt" in out


def test_commands_that_write_refuse_a_merged_code_in_one_line(coded, project_location, capsys, monkeypatch):
    monkeypatch.setenv("CODERING_CODER", "ann")
    coded.merge_codes(GEBOUW, NABIJ, "ann")
    day = coded.merged_code(GEBOUW).steps[0][2]
    said = f"codering: error: {GEBOUW} was merged into {NABIJ} on {day}; use {NABIJ}\n"
    before = on(coded, NABIJ)
    for args in (("code", T, str(S2[0]), str(S2[1]), GEBOUW),
                 ("code", T, str(S2[0]), str(S2[1]), "fin.doorverwijzen", GEBOUW),  # nothing of it is written
                 ("uncode", T, str(S1[0]), str(S1[1]), GEBOUW),
                 ("memo", "tekst", "--code", GEBOUW),
                 ("codebook", "remove", GEBOUW),
                 ("codebook", "move", GEBOUW, "rem"),
                 ("codebook", "merge", GEBOUW, NABIJ)):
        assert cli(capsys, project_location, *args) == (1, "", said), args
    assert on(coded, NABIJ) == before and coded.codings(code_id="fin.doorverwijzen") == []


def test_after_undo_the_old_code_answers_for_itself(coded, project_location, capsys, monkeypatch):
    monkeypatch.setenv("CODERING_CODER", "ann")
    assert cli(capsys, project_location, "codebook", "merge", GEBOUW, NABIJ)[0] == 0
    assert cli(capsys, project_location, "undo")[0] == 0
    code, out, err = cli(capsys, project_location, "codings", "--code", GEBOUW, "--format", "tsv")
    assert (code, err) == (0, "") and len(out.splitlines()) == 3  # header, ann's and bert's
    assert cli(capsys, project_location, "redo")[0] == 0
    code, out, err = cli(capsys, project_location, "codings", "--code", GEBOUW, "--format", "tsv")
    assert code == 0 and err.startswith(f"{GEBOUW} was merged into {NABIJ}")


# -- files that still use the old code --------------------------------------------------------------------------
def test_codings_file_lands_on_the_code_it_went_into(coded, project_location, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CODERING_CODER", "ann")
    coded.merge_codes(GEBOUW, NABIJ, "ann")
    lines = [{"transcript": T, "start": S1[0], "end": S1[1], "codes": [GEBOUW], "coder": "ann"},  # ann has NABIJ
             {"transcript": T, "start": S2[0], "end": S2[1], "codes": [GEBOUW], "coder": "cas"},
             {"transcript": T, "start": S1[0], "end": S1[1], "codes": [GEBOUW], "coder": "cas"}]
    path = tmp_path / "oud.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    code, out, err = cli(capsys, project_location, "import", str(path))
    assert code == 0, err
    day = coded.merged_code(GEBOUW).steps[0][2]
    assert f"note: 2 codings landed on {NABIJ} because {GEBOUW} was merged into {NABIJ} on {day}\n" in out
    assert "2 codings imported from 3 spans (1 was already there)." in out
    with Project.open(project_location) as after:
        assert GEBOUW not in after.codebook()
        assert sorted(on(after, NABIJ)) == sorted([(*S1, "ann"), (*S2, "bert"), (*S2, "cas"), (*S1, "cas")])


def test_an_undone_merge_is_forgotten_by_an_import(coded, tmp_path):
    from codering.ingest.plan import plan_import

    coded.merge_codes(GEBOUW, NABIJ, "ann")
    coded.undo("ann")
    path = tmp_path / "oud.jsonl"
    path.write_text(json.dumps({"transcript": T, "start": S2[0], "end": S2[1], "codes": [GEBOUW],
                                "coder": "cas"}) + "\n", encoding="utf-8")
    plan = plan_import([path])
    plan.apply(coded, "import")
    assert (*S2, "cas") in on(coded, GEBOUW) and not any("landed" in n for n in plan.notices)


def test_merging_another_coders_project_that_still_uses_the_old_code(coded, tmp_path, small_codebook):
    from codering.collab.merge import merge_project
    from codering.ingest import parse_text

    other = tmp_path / "cas.codering"
    with Project.create(other, small_codebook) as theirs:
        theirs.import_transcript(parse_text(coded.content(T), "interview-1"))
        theirs.update_code(Code(id=GEBOUW, label="Zelfde gebouw", parent="stim.praktisch"))
        theirs.update_code(Code(id=f"{GEBOUW}.trap", label="Trap", parent=GEBOUW))  # new there
        theirs.add_coding("interview-1", *S1, GEBOUW, "ann")  # ann already has NABIJ on S1 here
        theirs.add_coding("interview-1", *S2, GEBOUW, "cas")
        theirs.add_coding("interview-1", *S1, f"{GEBOUW}.trap", "cas")
        theirs.add_memo("over het gebouw", "cas", code_id=GEBOUW)
    coded.merge_codes(GEBOUW, NABIJ, "ann")
    report = merge_project(coded, other, coder="ann")
    book = coded.codebook()
    assert GEBOUW not in book and book.codes[f"{GEBOUW}.trap"].parent == NABIJ  # its new subcode: under NABIJ
    assert report.codes_added == [f"{GEBOUW}.trap"]
    assert sorted(on(coded, NABIJ)) == sorted([(*S1, "ann"), (*S2, "bert"), (*S2, "cas")])
    assert [m.text for m in coded.memos(code_id=NABIJ)] == ["gebouw: ook de parking", "over het gebouw"]
    landed = [n for n in report.notices if "landed" in n]
    assert landed == [f"1 coding and 1 memo landed on {NABIJ} because {coded.merged_code(GEBOUW).said()}"]
    assert report.present == 1
    coded.undo("ann")  # the project merge taken back; the code merge stays
    assert GEBOUW not in coded.codebook() and f"{GEBOUW}.trap" not in coded.codebook()


def test_a_chain_of_merges_lands_a_codings_file_at_its_end(coded, tmp_path):
    from codering.ingest.plan import plan_import

    coded.update_code(Code(id="stim.praktisch.buren", label="Buren", parent="stim.praktisch"), "ann")
    coded.merge_codes(GEBOUW, "stim.praktisch.buren", "ann")
    coded.merge_codes("stim.praktisch.buren", NABIJ, "ann")
    path = tmp_path / "oud.jsonl"
    path.write_text(json.dumps({"transcript": T, "start": S2[0], "end": S2[1], "codes": [GEBOUW],
                                "coder": "cas"}) + "\n", encoding="utf-8")
    plan = plan_import([path])
    plan.apply(coded, "import")
    assert (*S2, "cas") in on(coded, NABIJ) and "stim.praktisch.buren" not in coded.codebook()
    assert plan.notices == [f"1 coding landed on {NABIJ} because {coded.merged_code(GEBOUW).said()}"]


def test_a_refi_project_and_codebook_exported_before_the_merge(coded, tmp_path):
    from codering.refi import import_codebook, import_qdpx
    from codering.refi.qdc import write_qdc
    from codering.refi.qdpx import export_qdpx

    archive, qdc = tmp_path / "voor.qdpx", tmp_path / "voor.qdc"
    export_qdpx(coded, archive)
    write_qdc(coded.codebook(), qdc, base=coded.project_id)
    coded.remove_coding(next(c.id for c in coded.codings(code_id=GEBOUW) if c.coder == "bert"))
    coded.merge_codes(GEBOUW, NABIJ, "ann")
    report = import_qdpx(archive, coded, coder="ann")
    book = coded.codebook()
    assert GEBOUW not in book and book.codes[f"{GEBOUW}.lift"].parent == NABIJ
    assert sorted(on(coded, NABIJ)) == sorted([(*S1, "ann"), (*S2, "bert")])  # bert's back, on NABIJ; ann's once
    assert f"1 coding landed on {NABIJ} because {coded.merged_code(GEBOUW).said()}" in report.notices
    assert report.codes_added == 0
    again = import_codebook(coded, qdc, "ann")
    assert again.added == 0 and GEBOUW not in coded.codebook()
    assert f"code '{GEBOUW}' is not added again: {coded.merged_code(GEBOUW).said()}" in again.notices
