"""Files a researcher might feed in by mistake, found by trying the tool as a hostile user would: each is
refused with one clear line, and nothing already in the project changes.

Devices and pipes (a symlink to /dev/zero read until memory ran out; a FIFO blocked forever), CSV and JSONL
rows the readers took in silently or crashed on, YAML values of the wrong type, a codebook import that broke
the codebook's own rules, an XML entity that cut a transcript's text, a full disk.
"""

from __future__ import annotations

import os
import sqlite3
import zipfile
from pathlib import Path

import pytest

from codering.codebook import load_codebook, parse_codebook
from codering.errors import CodebookError, RefiError, StoreError, TranscriptError
from codering.ingest import read_transcript
from codering.ingest.attributes import read_attributes_csv
from codering.ingest.plan import read_codings_jsonl
from codering.refi import import_qdpx, parse_qdc
from codering.store import Project
from tests.conftest import ROOT, SMALL_CODEBOOK, run_cli


def dump(path: Path) -> list[str]:
    """The whole project database as SQL: what 'nothing changed' is checked against."""
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


# -- not a regular file ------------------------------------------------------------------------------------

READERS = {
    "transcript.txt": lambda p: read_transcript(p),
    "attributes.csv": lambda p: read_attributes_csv(p),
    "codings.jsonl": lambda p: read_codings_jsonl(p),
    "codebook.yaml": lambda p: load_codebook(p),
    "codebook.qdc": lambda p: parse_qdc(p),
    "project.qdpx": lambda p: import_qdpx(p, p.parent / "new.codering"),
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_device_is_refused_before_anything_is_read(tmp_path, name):
    """A link to /dev/zero reports size 0 and never ends: read whole, it filled 20 GB of memory."""
    link = tmp_path / name
    link.symlink_to("/dev/zero")
    with pytest.raises((TranscriptError, CodebookError, RefiError), match="is not a regular file"):
        READERS[name](link)
    assert not (tmp_path / "new.codering").exists()


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path, name):
    pipe = tmp_path / name
    os.mkfifo(pipe)
    with pytest.raises((TranscriptError, CodebookError, RefiError), match="is not a regular file"):
        READERS[name](pipe)


def test_the_command_names_the_device_in_one_line(tmp_path):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    (tmp_path / "nul.txt").symlink_to("/dev/zero")
    result = run_cli("-p", str(project), "import", str(tmp_path / "nul.txt"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"codering: error: {tmp_path / 'nul.txt'}: is not a regular file (a device, pipe or socket); save its "
        "content to a file first"]


# -- CSV and JSONL rows ----------------------------------------------------------------------------------------

def test_a_csv_row_with_more_cells_than_columns_is_refused(tmp_path):
    """An unquoted comma inside a value shifted it into the next column, and the last value was dropped."""
    path = tmp_path / "attributen.csv"
    path.write_text("transcript,functie,locatie\nint01,huisarts, solopraktijk,Gent\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"row 2 has 4 cells but the header names 3 columns \(a value with "
                                              r"the separator in it needs quotes\)"):
        read_attributes_csv(path)
    path.write_text('transcript,functie,locatie\nint01,"huisarts, solopraktijk",Gent\n', encoding="utf-8")
    assert read_attributes_csv(path) == {"int01": {"functie": "huisarts, solopraktijk", "locatie": "Gent"}}


def test_a_csv_cell_over_the_csv_modules_limit_is_one_line(tmp_path):
    path = tmp_path / "groot.csv"
    path.write_text("transcript,notitie\nint01," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"groot\.csv: line 2: not a readable CSV row \(field larger than"):
        read_attributes_csv(path)


@pytest.mark.parametrize("line, message", [
    ("[" * 100_000 + "]" * 100_000, r"invalid JSON \(nested too deeply\)"),
    ('{"transcript": "t", "start": true, "end": 9, "codes": ["x"]}', "'start' and 'end' must be whole numbers"),
    ('{"transcript": "t", "start": 9, "end": 9, "codes": ["x"]}', r"'end' \(9\) must be after 'start' \(9\)"),
    ('{"transcript": "t", "start": 1, "end": 9, "codes": ["x"], "coder": ["a", "b"]}', "'coder' must be a name"),
    ('{"transcript": "t", "start": 1, "end": 9, "codes": ["x"], "text": 12}', "'text' must be text"),
])
def test_jsonl_values_of_the_wrong_kind_name_their_line(tmp_path, line, message):
    path = tmp_path / "codings.jsonl"
    path.write_text('{"transcript": "t", "start": 1, "end": 9, "codes": ["x"]}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"codings\.jsonl:2: " + message):
        read_codings_jsonl(path)


def test_importing_the_same_codings_twice_says_nothing_new_was_added(tmp_path, transcript_file):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    assert run_cli("-p", str(project), "import", str(transcript_file)).returncode == 0
    codings = tmp_path / "codings.jsonl"
    codings.write_text('{"transcript": "t01_huisarts", "start": 80, "end": 120, '
                       '"codes": ["stim.praktisch.nabijheid", "rem.praktisch"]}\n', encoding="utf-8")
    first = run_cli("-p", str(project), "import", str(codings))
    assert "2 codings imported from 1 span." in first.stdout, first.stderr
    again = run_cli("-p", str(project), "import", str(codings))
    assert "0 codings imported from 1 span (2 were already there)." in again.stdout, again.stderr


def test_an_attributes_csv_reports_the_values_it_replaced(tmp_path, transcript_file):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    assert run_cli("-p", str(project), "import", str(transcript_file)).returncode == 0
    csv_file = tmp_path / "fix.csv"
    csv_file.write_text("transcript,locatie,geslacht\nt01_huisarts,Hasselt,V\n", encoding="utf-8")
    result = run_cli("-p", str(project), "import", str(csv_file))
    assert result.stdout.splitlines()[-2:] == [
        "Attributes set for 1 transcript; 1 value replaced (not undoable):",
        "  t01_huisarts: locatie 'Beernem' -> 'Hasselt'"]


# -- codebooks -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("label", "{x: y}", "label must be text, got dict"),
    ("label", "[a, b]", "label must be text, got list"),
    ("label", "!!binary aGFsbG8=", "label must be text, got bytes"),
    ("label", "yes", "label must be text, got bool (write it in quotes: YAML reads yes/no/on/off as true/false)"),
    ("id", "on", "id must be text, got bool"),
    ("description", "{a: 1}", "description must be text, got dict"),
])
def test_a_code_field_of_the_wrong_type_is_a_problem_not_a_stored_value(field, value, message):
    """`label: {x: y}` used to be stored with the loader's own bookkeeping keys in it."""
    code = {"id": "stim.nieuw", "label": "Nieuw", "description": "Iets nieuws."}
    code[field] = value
    text = SMALL_CODEBOOK + "".join(f"  {'- ' if i == 0 else '  '}{k}: {v}\n" for i, (k, v) in enumerate(code.items()))
    with pytest.raises(CodebookError) as info:
        parse_codebook(text, "boek.yaml")
    assert any(message in problem for problem in info.value.problems), info.value.problems


def test_the_codebook_id_follows_the_documented_pattern():
    text = SMALL_CODEBOOK.replace("id: klein", "id: Hallo Wereld!")
    with pytest.raises(CodebookError, match="codebook id 'Hallo Wereld!' may only hold lower-case letters"):
        parse_codebook(text, "boek.yaml")


def test_codes_nested_hundreds_deep_are_one_problem():
    lines = ["codebook:", "  id: diep", "  name: Diep", "codes:"]
    indent = "  "
    for depth in range(300):
        lines += [f"{indent}- id: c{depth}", f"{indent}  label: Niveau {depth}", f"{indent}  children:"]
        indent += "    "
    lines.append(f"{indent}- id: blad\n{indent}  label: Blad")
    with pytest.raises(CodebookError, match="nested"):
        parse_codebook("\n".join(lines) + "\n", "diep.yaml")


def test_a_yaml_codebook_import_that_would_repeat_a_label_adds_nothing(tmp_path, small_codebook_file):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project), "--codebook", str(small_codebook_file)).returncode == 0
    before = dump(project)
    extra = tmp_path / "extra.yaml"
    extra.write_text("codebook:\n  id: extra\n  name: Extra\ncodes:\n"
                     "  - id: stim.praktisch.nabij2\n    label: nabijheid\n"
                     "  - id: stim.praktisch.fiets\n    label: Fietsafstand\n", encoding="utf-8")
    result = run_cli("-p", str(project), "codebook", "import", str(extra))
    assert result.returncode == 1
    assert ("code 'stim.praktisch.nabij2' would share the label 'nabijheid' with 'stim.praktisch.nabijheid' under "
            "the same parent in the project; nothing was imported") in result.stderr
    assert dump(project) == before
    exported = tmp_path / "boek.yaml"
    assert run_cli("-p", str(project), "codebook", "export", str(exported)).returncode == 0
    assert run_cli("codebook", "validate", str(exported)).returncode == 0


# -- documents, project files, writing -------------------------------------------------------------------------

def test_a_word_file_with_its_own_entity_is_refused_not_cut_short(tmp_path):
    """python-docx leaves an entity unexpanded: the text after it was silently lost."""
    import docx

    document = docx.Document()
    document.add_paragraph("I: Met wie werkt u samen?")
    document.add_paragraph("R: Met het ENTITY-HIER en de huisarts.")
    plain = tmp_path / "plain.docx"
    document.save(plain)
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(tmp_path / "int.docx", "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode("utf-8")
                head, _, rest = text.partition("?>")
                text = head + '?><!DOCTYPE w:document [<!ENTITY org "OCMW">]>' + rest.replace("ENTITY-HIER", "&org;")
                data = text.encode("utf-8")
            zout.writestr(item, data)
    with pytest.raises(TranscriptError, match=r"int\.docx: the document uses its own XML entity \(&org;\)"):
        read_transcript(tmp_path / "int.docx")


def test_a_full_disk_mid_import_is_one_line_and_keeps_the_project(tmp_path, small_codebook):
    """SQLite's page limit is a real "database or disk is full" without filling a disk."""
    path = tmp_path / "p.codering"
    with Project.create(path, small_codebook):
        pass
    before = dump(path)
    with Project.open(path) as project:
        pages = project._conn.execute("PRAGMA page_count").fetchone()[0]
        project._conn.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(StoreError, match=r"p\.codering: the disk is full; nothing was saved"):
            project.import_transcript(read_transcript(ROOT / "transcripts" / "int01_huisarts_beernem.txt"))
    assert dump(path) == before


def test_an_export_the_system_cannot_write_is_one_line(tmp_path, small_codebook_file):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project), "--codebook", str(small_codebook_file)).returncode == 0
    target = tmp_path / ("b" * 300 + ".yaml")
    result = run_cli("-p", str(project), "codebook", "export", str(target))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "File name too long" in result.stderr
    assert "internal error" not in result.stderr


# -- smaller things the same pass found ------------------------------------------------------------------------

def test_a_renamed_copy_of_an_imported_transcript_is_not_imported_twice(tmp_path, transcript_file):
    """Imported under a second name, every coding of the interview would count twice in Tabel 5/6."""
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    assert run_cli("-p", str(project), "import", str(transcript_file)).returncode == 0
    copy = tmp_path / "INT-01 huisarts.txt"
    copy.write_bytes(transcript_file.read_bytes())
    result = run_cli("-p", str(project), "import", str(copy))
    assert result.returncode == 0, result.stderr
    assert ("INT-01 huisarts: not imported, the project holds the same text as 't01_huisarts'") in result.stdout
    with Project.open(project) as p:
        assert [t.name for t in p.transcripts()] == ["t01_huisarts"]


def test_a_word_lock_file_in_a_folder_is_passed_over(tmp_path, transcript_file):
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / transcript_file.name).write_bytes(transcript_file.read_bytes())
    (folder / "~$interview.docx").write_bytes(b"\x00owner")  # what Word leaves beside an open document
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    result = run_cli("-p", str(project), "import", str(folder))
    assert result.returncode == 0, result.stderr
    assert "t01_huisarts: imported" in result.stdout and "~$" not in result.stdout + result.stderr


def test_an_unknown_code_filter_is_named(tmp_path):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    result = run_cli("-p", str(project), "codings", "--code", "nope")
    assert result.returncode == 1 and "unknown code 'nope'" in result.stderr


def test_subtitles_with_a_broken_cue_keep_the_text_and_say_so(tmp_path):
    srt = tmp_path / "opname.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:02,000\nR: Hallo daar.\n\n2\nxx yy\n\n"
                   "3\n00:00:03,000 --> 00:00:04,000\nR: Nog iets.\n", encoding="utf-8")
    parsed = read_transcript(srt)
    assert "Hallo daar. xx yy Nog iets." in parsed.content and "daar. 2 xx" not in parsed.content
    assert "1 block(s) without a timing line were joined to the cue before them" in parsed.notices
    vtt = tmp_path / "opname.vtt"
    vtt.write_text("WEBVTT\n\n00:05.000 --> 00:06.000\nR: Hallo daar.\n\n99:99.000 --> 00:00.000\nI: Nog iets?\n",
                   encoding="utf-8")
    parsed = read_transcript(vtt)
    assert [t.timestamp for t in parsed.turns] == ["00:00:05", "00:00:05"]
    assert any("start time that is not a time" in n for n in parsed.notices)


def test_an_export_to_a_folder_without_a_format_says_it_is_a_folder(tmp_path):
    from tests.test_export_support import build_project

    build_project(tmp_path / "mini.codering").close()
    result = run_cli("-p", str(tmp_path / "mini.codering"), "export", "factors", "-o", str(tmp_path))
    assert result.returncode == 1
    assert f"{tmp_path} is a folder; name a file in it, or give --format to write there" in result.stderr
    written = run_cli("-p", str(tmp_path / "mini.codering"), "export", "factors", "--format", "md", "-o", str(tmp_path))
    assert written.returncode == 0, written.stderr
    assert list(tmp_path.glob("mini-factors*.md"))


def test_a_project_path_that_is_a_pipe_or_has_a_negative_schema_number_is_one_line(tmp_path, small_codebook):
    pipe = tmp_path / "pijp.codering"
    os.mkfifo(pipe)
    with pytest.raises(StoreError, match="is not a regular file"):
        Project.open(pipe)  # used to block forever in open()
    path = tmp_path / "p.codering"
    with Project.create(path, small_codebook):
        pass
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = -1")
    conn.close()
    with pytest.raises(StoreError, match=r"damaged \(its schema number is -1, which no codering writes\)"):
        Project.open(path)


def test_an_import_into_a_project_with_a_damaged_page_writes_nothing(tmp_path, small_codebook, transcript_file):
    """A page the import does not touch (here: memos) was damaged, and the import went on writing into the
    file. SQLite's quick check before a bulk write refuses it; the file stays as it was."""
    import random

    path = tmp_path / "p.codering"
    with Project.create(path, small_codebook) as project:
        for i in range(60):
            project.add_memo(f"Memo {i} " + "x" * 200, "an")
    with Project.open(path):  # back to a single file (no -wal) before a page is overwritten
        pass
    conn = sqlite3.connect(path)
    memo_pages = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'memos' AND pagetype = 'leaf'")]
    conn.close()
    data = bytearray(path.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    page = memo_pages[1]
    data[(page - 1) * size:page * size] = random.Random(7).randbytes(size)
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    result = run_cli("-p", str(path), "import", str(transcript_file))
    assert result.returncode == 1
    assert "the project file is damaged" in result.stderr and result.stderr.count("\n") == 1
    assert path.read_bytes() == before


def test_ctrl_c_during_an_import_says_how_far_it_got(tmp_path, transcript_file, monkeypatch):
    """Ctrl-C part-way through writing 300 transcripts only said "codering: interrupted" (297 were in)."""
    from click.testing import CliRunner

    from codering.cli.root import cli
    from codering.store import Project

    folder = tmp_path / "map"
    folder.mkdir()
    text = transcript_file.read_text(encoding="utf-8")
    for n in range(5):
        (folder / f"t{n}.txt").write_text(text.replace("Beernem", f"Plaats {n}"), encoding="utf-8")
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    real = Project.import_transcript
    calls = []

    def interrupted_at_the_third(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Project, "import_transcript", interrupted_at_the_third)
    result = CliRunner().invoke(cli, ["-p", str(project), "import", str(folder)])
    assert result.exit_code == 130
    assert "codering: interrupted at transcript 3 of 5 (t2); the transcripts before it are imported, each whole; " \
           "the same import again does the rest" in " ".join(result.output.split())
    monkeypatch.setattr(Project, "import_transcript", real)
    with Project.open(project) as p:
        assert [t.name for t in p.transcripts()] == ["t0", "t1"]
    assert run_cli("-p", str(project), "import", str(folder)).returncode == 0
    with Project.open(project) as p:
        assert len(p.transcripts()) == 5


def test_undo_of_a_codings_import_names_the_codings_it_added(tmp_path, transcript_file):
    """The journal took the count of spans the file listed: "Undone: import 3 codings" for the one coding
    added (two were there already)."""
    import json

    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    assert run_cli("-p", str(project), "import", str(transcript_file)).returncode == 0
    content = transcript_file.read_text(encoding="utf-8")
    start = content.index("We zitten")
    span = {"transcript": transcript_file.stem, "start": start, "end": start + len("We zitten in hetzelfde gebouw.")}
    first = tmp_path / "eerst.jsonl"
    first.write_text(json.dumps({**span, "codes": ["stim.praktisch.nabijheid", "ctx.netwerk"]}) + "\n",
                     encoding="utf-8")
    assert run_cli("-p", str(project), "import", str(first), "--coder", "ann").returncode == 0
    again = tmp_path / "opnieuw.jsonl"
    again.write_text(json.dumps({**span, "codes": ["stim.praktisch.nabijheid", "ctx.netwerk", "rem.praktisch"]})
                     + "\n", encoding="utf-8")
    done = run_cli("-p", str(project), "import", str(again), "--coder", "ann")
    assert "1 coding imported from 1 span (2 were already there)." in done.stdout, done.stdout
    undone = run_cli("-p", str(project), "undo")  # journaled as the person at the project
    assert "Undone: import 1 coding" in undone.stdout, undone.stdout


def test_a_codings_file_is_read_strictly_where_a_slip_would_go_unseen(tmp_path, transcript_file):
    """A key given twice took its last value; "codes": [] imported nothing without a word; a coder
    "  ann " became a coder of its own; a typo such as "code" beside "codes" was ignored in silence."""
    import json

    from codering.errors import TranscriptError
    from codering.ingest.plan import read_codings_jsonl

    path = tmp_path / "c.jsonl"
    base = {"transcript": "t01_huisarts", "start": 0, "end": 10, "codes": ["stim.praktisch"]}
    path.write_text('{"transcript": "t01_huisarts", "start": 0, "start": 5, "end": 10, "codes": ["x"]}\n',
                    encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"c.jsonl:1: the key 'start' appears twice"):
        read_codings_jsonl(path)
    path.write_text(json.dumps({**base, "codes": []}) + "\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"'codes' is empty: name at least one code"):
        read_codings_jsonl(path)
    path.write_text(json.dumps({**base, "coder": "  ann ", "code": "rem.praktisch"}) + "\n"
                    + json.dumps({**base, "code": "x"}) + "\n", encoding="utf-8")
    notices: list[str] = []
    records = read_codings_jsonl(path, notices)
    assert [r.coder for r in records] == ["ann", None]
    assert notices == ["c.jsonl: key 'code' is not one codering reads (it reads transcript, start, end, codes, "
                       "text, coder); left out (lines 1, 2)"]


@pytest.mark.parametrize("args, said, command", [
    (["export", "--bogus"], "no such option '--bogus'", "codering export"),
    (["nosuch"], "no such command 'nosuch'", "codering"),
    (["code"], "missing argument 'TRANSCRIPT'", "codering code"),
    (["codings", "--format", "nope"], "invalid value for '--format'", "codering codings"),
])
def test_a_usage_mistake_is_one_line_naming_the_help_to_read(tmp_path, args, said, command):
    result = run_cli("-p", str(tmp_path / "nergens.codering"), *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("codering: error: " + said)
    assert result.stderr.rstrip().endswith(f"(see '{command} --help')")
