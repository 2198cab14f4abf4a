"""Exchange files as researchers meet them: what a round trip keeps, notices that reach the screen,
.qdc where a codebook is asked for, YAML that would expand without bound."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from codering.codebook import load_codebook, parse_codebook
from codering.errors import CodebookError
from codering.refi import export_qdpx, import_qdpx, load_codebook_file, write_qdc
from codering.store import Project
from tests.conftest import DEFAULT_CODEBOOK, run_cli

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

SHARED_REFI = Path(__file__).resolve().parent.parent.parent / "shared" / "refi"


def hand_qdpx(path: Path, body: str, text: str = "R: Met de huisarts. Dat helpt.") -> Path:
    qde = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="hand">'
           f"{body}</Project>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr("sources/s1.txt", text)
    return path


CODES = ('<CodeBook><Codes><Code guid="11111111-1111-1111-1111-111111111111" name="Ouder">'
         '<Code guid="22222222-2222-2222-2222-222222222222" name="Kind"/></Code></Codes></CodeBook>')


# -- the round trip keeps what REFI-QDA carries -------------------------------------------------------

def test_round_trip_keeps_coding_and_memo_dates_and_the_codebook(loaded_project, tmp_path):
    p = loaded_project
    [seg] = [s for s in p.segments("t01_huisarts") if "gebouw" in s.text]
    p.add_coding("t01_huisarts", seg.start, seg.end, "stim.praktisch.nabijheid", "an",
                 created="2021-03-04T10:20:30+00:00")
    p.add_coding("t01_huisarts", seg.start, seg.end, "fin.doorverwijzen", "bert", created="2022-01-02T03:04:05+00:00")
    p.add_memo("Over dit interview", "an", transcript="t01_huisarts", created="2020-05-06T07:08:09+00:00")
    report = export_qdpx(p, tmp_path / "a.qdpx")
    assert "Not carried by REFI-QDA: coding origins" in report.summary() and "undo history" in report.summary()
    import_qdpx(tmp_path / "a.qdpx", tmp_path / "copy.codering")
    with Project.open(tmp_path / "copy.codering") as copy:
        assert sorted((c.code_id, c.coder, c.created) for c in copy.codings()) == [
            ("fin.doorverwijzen", "bert", "2022-01-02T03:04:05+00:00"),
            ("stim.praktisch.nabijheid", "an", "2021-03-04T10:20:30+00:00")]
        assert [m.created for m in copy.memos()] == ["2020-05-06T07:08:09+00:00"]
        book, original = copy.codebook(), p.codebook()
        assert (book.id, book.name, book.language, book.version, book.description, book.source) == \
            (original.id, original.name, original.language, original.version, original.description, original.source)
        assert book.name == "Klein codeboek"
        assert not any("codebook-" in m.text for m in copy.memos())  # the field lines are no memo


def test_dates_from_other_tools_are_read_and_a_project_description_stays_a_memo(tmp_path):
    body = CODES + (
        '<Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="s1" plainTextPath="internal://s1.txt">'
        '<PlainTextSelection guid="44444444-4444-4444-4444-444444444444" startPosition="3" endPosition="18" '
        'creationDateTime="2019-11-12T13:14:15Z">'
        '<Coding guid="55555555-5555-5555-5555-555555555555"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/>'
        '</Coding>'
        '<Coding guid="66666666-6666-6666-6666-666666666666" creationDateTime="2020-01-01T01:00:00+01:00">'
        '<CodeRef targetGUID="11111111-1111-1111-1111-111111111111"/></Coding>'
        "</PlainTextSelection></TextSource></Sources>"
        "<Description>Een studie over samenwerking.</Description>")
    import_qdpx(hand_qdpx(tmp_path / "h.qdpx", body), tmp_path / "h.codering")
    with Project.open(tmp_path / "h.codering") as p:
        assert sorted((c.code_id, c.created) for c in p.codings()) == [
            ("kind", "2019-11-12T13:14:15+00:00"), ("ouder", "2020-01-01T00:00:00+00:00")]
        assert [m.text for m in p.memos()] == ["Een studie over samenwerking."]
        assert p.codebook().name == "hand"


# -- notices ---------------------------------------------------------------------------------------------

def test_a_set_holding_a_child_code_is_reported(tmp_path):
    body = CODES + ('<Sets><Set guid="77777777-7777-7777-7777-777777777777" name="Groep">'
                    '<MemberCode targetGUID="22222222-2222-2222-2222-222222222222"/></Set></Sets>')
    report = import_qdpx(hand_qdpx(tmp_path / "s.qdpx", body), tmp_path / "s.codering")
    assert "code 'Kind' is in code group 'Groep' but under another code; it stays under its parent" in \
        report.notices
    assert "note: code 'Kind' is in code group 'Groep'" in str(report)


@pytest.mark.parametrize("how", [["codebook", "import"], ["import"]])
def test_a_qdc_import_prints_its_notices(project, tmp_path, how):
    project.close()
    result = run_cli("-p", str(project.path), *how, str(SHARED_REFI / "atlasti-23-codebook.qdc"))
    assert result.returncode == 0, result.stderr
    assert "codes added" in result.stdout and "note: 1 code group(s) became folder codes" in result.stdout


# -- .qdc wherever a codebook file is asked for ------------------------------------------------------------

def test_codebook_show_validate_and_init_read_a_qdc(tmp_path):
    book = load_codebook(DEFAULT_CODEBOOK)
    qdc = write_qdc(book, tmp_path / "boek.qdc")
    assert [(d, c) for d, c in load_codebook_file(qdc).walk()] == [(d, c) for d, c in book.walk()]
    validate = run_cli("codebook", "validate", str(qdc))
    assert validate.returncode == 0 and f"{qdc}: ok, {len(book)} codes" in validate.stdout
    show = run_cli("codebook", "show", str(qdc))
    assert show.returncode == 0 and "Nabijheid" in show.stdout
    init = run_cli("init", str(tmp_path / "p.codering"), "--codebook", str(qdc))
    assert init.returncode == 0 and f"({len(book)} codes)" in init.stdout

    broken = tmp_path / "kapot.qdc"
    broken.write_text("<CodeBook><Codes>", encoding="utf-8")
    result = run_cli("codebook", "validate", str(broken))
    assert result.returncode == 1 and "invalid XML" in result.stderr and "YAML" not in result.stderr
    assert result.stderr.count("\n") == 1


# -- YAML that expands without bound ------------------------------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 "lol lol lol lol lol lol lol lol lol lol"']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, levels + 1)]
    return "\n".join(lines + ["codebook:", "  id: bom", "  name: Bom", "codes:", "  - id: x",
                              f"    label: *a{levels}"]) + "\n"


def test_a_yaml_alias_bomb_is_refused_at_its_first_alias(tmp_path):
    with pytest.raises(CodebookError, match=r"bom\.yaml:2: invalid YAML: aliases \(\*a0\) are not allowed"):
        path = tmp_path / "bom.yaml"
        path.write_text(alias_bomb(), encoding="utf-8")
        load_codebook(path)
    harmless = "codebook: {id: k, name: K}\ncodes:\n  - id: a\n    label: &l Alfa\n  - id: b\n    label: *l\n"
    with pytest.raises(CodebookError, match=r"<codebook>:6: invalid YAML: aliases \(\*l\) are not allowed"):
        parse_codebook(harmless)
    anchored = "codebook: {id: k, name: K}\ncodes:\n  - id: a\n    label: &l Alfa\n"
    assert parse_codebook(anchored).get("a").label == "Alfa"  # an anchor alone expands nothing


def test_the_alias_bomb_is_refused_by_the_commands(tmp_path, project):
    path = tmp_path / "bom.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    project.close()
    for args in (["codebook", "validate", str(path)], ["-p", str(project.path), "codebook", "import", str(path)]):
        result = run_cli(*args, timeout=60)
        assert result.returncode == 1 and "aliases (*a0) are not allowed" in result.stderr, result.stderr


# -- Taguette ------------------------------------------------------------------------------------------------

def read_taguette_like(path: Path) -> list[dict[str, str]]:
    """Read the CSV the way Taguette 1.5 does: detect the encoding, then a header with 'tag' and 'description'."""
    import csv

    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM: Taguette's encoding detection then reads UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = [cell.lower() for cell in rows[0]]
    assert "tag" in header and "description" in header and "name" not in header and "path" not in header
    return [dict(zip(header, row)) for row in rows[1:]]


def test_codebook_export_for_taguette(tmp_path):
    book = load_codebook(DEFAULT_CODEBOOK)
    project_path = tmp_path / "p.codering"
    Project.create(project_path, book).close()
    target = tmp_path / "tags.csv"
    result = run_cli("-p", str(project_path), "codebook", "export", str(target), "--format", "taguette-csv")
    assert result.returncode == 0, result.stderr
    rows = read_taguette_like(target)
    codable = [c for c in book if c.codable]
    assert len(rows) == len(codable) and f"{len(codable)} tags" in result.stdout
    tags = [r["tag"] for r in rows]
    assert len(set(tags)) == len(tags)  # Taguette's tag names are unique
    nabijheid = book.get("stim.praktisch.nabijheid")
    assert {"tag": book.path_label(nabijheid.id, " / "), "description": " ".join(nabijheid.description.split())} \
        in rows
    assert not any(r["tag"] == book.get("stim").label for r in rows)  # a folder is no tag

    same = run_cli("-p", str(project_path), "codebook", "export", str(tmp_path / "by-suffix.csv"))
    assert same.returncode == 0 and (tmp_path / "by-suffix.csv").read_bytes() == target.read_bytes()
    wrong = run_cli("-p", str(project_path), "codebook", "export", str(tmp_path / "x.qdc"), "--format", "taguette-csv")
    assert wrong.returncode == 2 and "not --format taguette-csv" in wrong.stderr and not (tmp_path / "x.qdc").exists()


def test_taguette_cells_never_become_formulas(tmp_path, small_codebook):
    from codering.refi.taguette import write_taguette_csv

    code = small_codebook.get("stim.praktisch.nabijheid").with_changes(
        label="=HYPERLINK(\"http://x\")", description="+31 of -1 of @iemand")
    small_codebook.codes[code.id] = code
    write_taguette_csv(small_codebook, tmp_path / "t.csv")
    rows = read_taguette_like(tmp_path / "t.csv")
    row = next(r for r in rows if "HYPERLINK" in r["tag"])
    assert row == {"tag": "Stimulerende factoren / Praktische / =HYPERLINK(\"http://x\")",
                   "description": "'+31 of -1 of @iemand"}
