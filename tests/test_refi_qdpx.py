"""QDPX: schema-valid export, stable GUIDs, lossless round trips, real files from other tools, bad input."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from codering.refi import RefiError, export_qdpx, import_qdpx
from codering.store import Project

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

SHARED_REFI = Path(__file__).resolve().parent.parent.parent / "shared" / "refi"
SAMPLES = Path(__file__).resolve().parent.parent / "transcripts"
NS = "urn:QDA-XML:project:1.0"

EMOJI_TRANSCRIPT = """\
interview_id: T-02
locatie: Tongeren

I: Hoe gaat het met de samenwerking?

R: Goed 👍 hoor. De collega’s van het CAW zijn heel bereikbaar. Het café in de buurt helpt ook.
"""


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(SHARED_REFI / "Project.xsd"))


def qde_of(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read("project.qde")


def snapshot(project: Project) -> dict:
    """Everything REFI-QDA can carry, in terms that do not depend on database ids."""
    names = {t.id: t.name for t in project.transcripts()}
    return {
        "transcripts": {t.name: (project.content(t.id), project.attributes(t.id)) for t in project.transcripts()},
        "codings": sorted((names[c.transcript_id], c.start, c.end, c.code_id, c.coder, c.text)
                          for c in project.codings()),
        "memos": sorted((m.kind, names.get(m.transcript_id), m.start, m.end, m.code_id, m.text, m.coder)
                        for m in project.memos()),
        "codebook": [(depth, code) for depth, code in project.codebook().walk()],
        "coders": project.coders(),
    }


@pytest.fixture
def rich_project(project, tmp_path):
    """Two real sample transcripts and one with an emoji; codings by two coders; memos of every kind."""
    from codering.ingest import parse_text, read_transcript

    for name in ("int01_huisarts_beernem", "int02_ocmw_maatschappelijk_werker_tongeren"):
        project.import_transcript(read_transcript(SAMPLES / f"{name}.txt"))
    project.import_transcript(parse_text(EMOJI_TRANSCRIPT, "t02_emoji"))
    project.set_attributes("int01_huisarts_beernem", {"geslacht": "V", "leeftijd": "45", "actief": "true"})
    code = project.codebook().get("rem.praktisch").with_changes(
        include="Afstand, tijd en\nbereikbaarheid.", exclude="Geld (rem.financieel).", color="#aa3300",
        examples=("te ver", "geen tijd"), short="Praktisch", description="Praktische drempels.\n\nTwee alinea's.")
    project.update_code(code)
    segments = [s for s in project.segments("int01_huisarts_beernem") if s.role == "respondent"]
    for i, s in enumerate(segments[:12]):
        project.add_coding("int01_huisarts_beernem", s.start, s.end, "stim.praktisch.nabijheid", "an")
        if i % 2:
            project.add_coding("int01_huisarts_beernem", s.start, s.end, "rem.praktisch", "bert")
        if i % 3 == 0:
            project.add_coding("int01_huisarts_beernem", s.start, s.end + 5, "fin.doorverwijzen", "bert")
    content = project.content("t02_emoji")
    start = content.index("café")
    project.add_coding("t02_emoji", start, start + 4, "stim.praktisch", "an")
    after = content.index("hoor")
    project.add_coding("t02_emoji", after, after + 4, "rem.praktisch", "bert")
    project.add_memo("Het hele project, met ‘aanhalingstekens’.", "an")
    project.add_memo("Over dit interview\nop twee regels.", "bert", transcript="int01_huisarts_beernem")
    project.add_memo("Een segment memo", "an", transcript="t02_emoji", start=start, end=start + 4)
    project.add_memo("Over de code", "bert", code_id="rem.praktisch")
    return project


def test_export_is_schema_valid_and_stable(rich_project, tmp_path, schema):
    first = export_qdpx(rich_project, tmp_path / "a.qdpx")
    assert (first.transcripts, first.codings, first.memos, first.coders) == (3, 24, 4, ["an", "bert"])
    schema.validate(qde_of(tmp_path / "a.qdpx").decode("utf-8"))
    from lxml import etree

    lxml_schema = etree.XMLSchema(etree.parse(str(SHARED_REFI / "Project.xsd")))
    assert lxml_schema.validate(etree.fromstring(qde_of(tmp_path / "a.qdpx")))

    export_qdpx(rich_project, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    with pytest.raises(Exception, match="exists"):
        export_qdpx(rich_project, tmp_path / "a.qdpx")

    root = etree.fromstring(qde_of(tmp_path / "a.qdpx"))
    with zipfile.ZipFile(tmp_path / "a.qdpx") as z:
        for src in root.iter(f"{{{NS}}}TextSource"):
            member = "sources/" + src.get("plainTextPath").removeprefix("internal://")
            text = z.read(member).decode("utf-8")
            assert text == rich_project.content(src.get("name"))
            for sel in src.iter(f"{{{NS}}}PlainTextSelection"):  # positions are code points, end exclusive
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                codings = rich_project.codings(src.get("name"))
                assert any((c.start, c.end, c.text) == (start, end, text[start:end]) for c in codings) or \
                    any(m.start == start for m in rich_project.memos(src.get("name")))


def test_guids_stay_when_the_project_grows(rich_project, tmp_path):
    from lxml import etree

    export_qdpx(rich_project, tmp_path / "a.qdpx")
    rich_project.add_coding("t02_emoji", 0, 5, "fin.doorverwijzen", "cato")
    export_qdpx(rich_project, tmp_path / "b.qdpx")

    def guids(path):
        root = etree.fromstring(qde_of(path))
        return {(etree.QName(el).localname, el.get("name")): el.get("guid") for el in root.iter()
                if el.get("guid") and etree.QName(el).localname != "PlainTextSelection"}

    before, after = guids(tmp_path / "a.qdpx"), guids(tmp_path / "b.qdpx")
    assert len(after) > len(before)
    assert all(after[key] == value for key, value in before.items())


def test_round_trip_loses_nothing(rich_project, tmp_path):
    export_qdpx(rich_project, tmp_path / "a.qdpx")
    report = import_qdpx(tmp_path / "a.qdpx", tmp_path / "copy.codering")
    assert report.created and len(report.transcripts_added) == 3 and report.codings_added == 24
    with Project.open(tmp_path / "copy.codering") as copy:
        assert snapshot(copy) == snapshot(rich_project)
        assert {c.origin for c in copy.codings()} == {"import"}

    again = import_qdpx(tmp_path / "a.qdpx", tmp_path / "copy.codering")
    assert (again.created, again.transcripts_added, again.codings_added, again.memos_added) == (False, [], 0, 0)
    assert len(again.transcripts_matched) == 3 and again.codings_present == 24 and again.codes_added == 0
    with Project.open(tmp_path / "copy.codering") as copy:
        assert snapshot(copy) == snapshot(rich_project)


def test_import_into_the_exporting_project_duplicates_nothing(rich_project, tmp_path):
    export_qdpx(rich_project, tmp_path / "a.qdpx")
    before = snapshot(rich_project)
    report = import_qdpx(tmp_path / "a.qdpx", rich_project)  # an open project works too
    assert report.transcripts_added == [] and report.codings_added == 0 and report.codes_added == 0
    assert len(report.transcripts_matched) == 3 and report.codings_present == 24
    assert snapshot(rich_project) == before


def test_a_failure_while_writing_leaves_nothing_behind(rich_project, tmp_path, monkeypatch):
    from codering.refi import qdpx_import

    export_qdpx(rich_project, tmp_path / "a.qdpx")

    def broken(project, plan, ids, report):
        project.import_transcript(plan.sources[0].parsed)
        raise OSError("disk full")

    monkeypatch.setattr(qdpx_import, "_write_sources", broken)
    with pytest.raises(OSError):
        import_qdpx(tmp_path / "a.qdpx", tmp_path / "new.codering")
    assert not (tmp_path / "new.codering").exists()
    path = tmp_path / "other.codering"
    Project.create(path, rich_project.codebook()).close()
    with pytest.raises(OSError):
        import_qdpx(tmp_path / "a.qdpx", path)
    with Project.open(path) as other:
        assert other.transcripts() == []


def test_qualcoder_qc_demo_project(tmp_path):
    report = import_qdpx(SHARED_REFI / "qc-demo-project.qdpx", tmp_path / "qc.codering")
    assert report.transcripts_added == ["board_2017", "admin-1"]
    assert (report.codes_total, report.codings_added, report.coders) == (262, 205, ["cp"])
    with Project.open(tmp_path / "qc.codering") as qc, \
            zipfile.ZipFile(SHARED_REFI / "qc-demo-project.qdpx") as z:
        text = z.read("sources/board_2017.txt").decode("utf-8")
        codings = qc.codings("board_2017")
        assert len(codings) == 205
        assert all(c.text == text[c.start:c.end] for c in codings)  # positions kept exactly
        book = qc.codebook()
        assert book.get("rq1_definition").parent is None
        assert book.path_label("cs_as_programming.programming") == \
            "rq1_definition › framings › cs_as_programming › programming"  # ids from names, unique
        assert book.get("programming").parent == "competencies"


def test_nvivo_mac_project_with_empty_sources(tmp_path):
    report = import_qdpx(SHARED_REFI / "nvivo-mac15-project.qdpx", tmp_path / "nv.codering")
    assert report.transcripts_added == [] and report.codes_total == 262 and report.codings_added == 0
    assert sum("has no text" in n for n in report.notices) == 2
    with Project.open(tmp_path / "nv.codering") as nv:
        assert len(nv.codebook()) == 262 and nv.transcripts() == []


# -- hand-built archives: positions from other tools -------------------------------------------------------

def build_qdpx(path: Path, text: bytes, selection: tuple[int, int], origin: str = "Test tool",
               code_ref: str = "11111111-1111-1111-1111-111111111111", extra: str = "") -> Path:
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="hand" origin="{origin}">
  <Users><User guid="22222222-2222-2222-2222-222222222222" name="Mira"/></Users>
  <CodeBook><Codes>
    <Code guid="11111111-1111-1111-1111-111111111111" name="Nabijheid" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="33333333-3333-3333-3333-333333333333" name="Gesprek 1.txt"
                plainTextPath="internal://33333333-3333-3333-3333-333333333333.txt">
      <PlainTextSelection guid="44444444-4444-4444-4444-444444444444"
                          startPosition="{selection[0]}" endPosition="{selection[1]}">
        <Coding guid="55555555-5555-5555-5555-555555555555"
                creatingUser="22222222-2222-2222-2222-222222222222">
          <CodeRef targetGUID="{code_ref}"/>
        </Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>{extra}
</Project>"""
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("project.qde", qde)
        z.writestr("Sources/33333333-3333-3333-3333-333333333333.txt", text)
    return path


def imported_coding(tmp_path, archive: Path, **kwargs) -> str:
    import_qdpx(archive, tmp_path / "hand.codering", **kwargs)
    with Project.open(tmp_path / "hand.codering") as p:
        [c] = p.codings()
        assert p.content(c.transcript_id)[c.start:c.end] == c.text
        assert (c.code_id, c.coder, p.transcript_name(c.transcript_id)) == ("nabijheid", "Mira", "Gesprek 1")
        return c.text


def test_bom_crlf_and_decomposed_accents_are_mapped(tmp_path):
    text = "I: Waar is het?\r\n\r\nR: In het Cafe\u0301 aan de kerk. Dat is dichtbij.\r\n  \r\n"
    start = text.index("Cafe")
    archive = build_qdpx(tmp_path / "h.qdpx", b"\xef\xbb\xbf" + text.encode("utf-8"), (start, start + 5))
    assert imported_coding(tmp_path, archive) == "Café"


def test_atlas_ti_counts_crlf_as_one(tmp_path):
    text = "I: Waar is het?\r\n\r\nR: In het café aan de kerk.\r\n"
    counted = text.replace("\r\n", "\n")
    start = counted.index("café")
    archive = build_qdpx(tmp_path / "h.qdpx", text.encode("utf-8"), (start, start + 4), origin="ATLAS.ti Win 23.4.0")
    assert imported_coding(tmp_path, archive) == "café"


def test_nvivo_windows_counts_utf16_units(tmp_path):
    text = "I: Hoe is het?\n\nR: Goed 👍 en het café is dichtbij.\n"
    start = len(text[:text.index("café")].encode("utf-16-le")) // 2
    archive = build_qdpx(tmp_path / "h.qdpx", text.encode("utf-8"), (start, start + 4), origin="NVivo 14.23.0")
    assert imported_coding(tmp_path, archive) == "café"


def test_positions_can_be_told(tmp_path):
    text = "I: Hoe is het?\n\nR: Goed 👍 en het café is dichtbij.\n"
    start = text.index("café")
    archive = build_qdpx(tmp_path / "h.qdpx", text.encode("utf-8"), (start, start + 4), origin="NVivo 14.23.0")
    assert imported_coding(tmp_path, archive, positions="codepoints") == "café"


# -- malformed input: a clear error, nothing imported ----------------------------------------------------

def rezip(source: Path, target: Path, replace: dict[str, str] | None = None, drop: str | None = None) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            if drop and item.filename.startswith(drop):
                continue
            data = zin.read(item.filename)
            if item.filename == "project.qde":
                text = data.decode("utf-8")
                for old, new in (replace or {}).items():
                    assert old in text, old
                    text = text.replace(old, new, 1)
                data = text.encode("utf-8")
            zout.writestr(item.filename, data)
    return target


@pytest.fixture
def good_archive(rich_project, tmp_path) -> Path:
    export_qdpx(rich_project, tmp_path / "good.qdpx")
    return tmp_path / "good.qdpx"


def bad_cases(good: Path, tmp: Path) -> list[tuple[Path, str]]:
    qde = qde_of(good).decode("utf-8")
    first_end = qde[qde.index('endPosition="'):].split('"')[1]
    code_ref = qde[qde.index('<CodeRef targetGUID="'):].split('"')[1]
    sources = re.findall(r'<TextSource guid="([^"]+)"', qde)
    not_zip = tmp / "not-a-zip.qdpx"
    not_zip.write_text("hallo", encoding="utf-8")
    empty_zip = tmp / "no-qde.qdpx"
    with zipfile.ZipFile(empty_zip, "w") as z:
        z.writestr("sources/readme.txt", "x")
    return [
        (not_zip, r"not-a-zip\.qdpx: not a QDPX archive \(not a zip file\)"),
        (empty_zip, r"no-qde\.qdpx: no project\.qde in the archive"),
        (tmp / "missing.qdpx", r"missing\.qdpx: no such file"),
        (rezip(good, tmp / "xml.qdpx", {"</Users>": "</Userz>"}),
         r"xml\.qdpx: project\.qde line \d+: invalid XML: .*Users"),
        (rezip(good, tmp / "beyond.qdpx", {f'endPosition="{first_end}"': 'endPosition="999999"'}),
         r"beyond\.qdpx: project\.qde line \d+: PlainTextSelection \d+-999999 of source "
         r"'int01_huisarts_beernem' lies beyond the end of its text \(\d+ characters\)"),
        (rezip(good, tmp / "backwards.qdpx", {f'endPosition="{first_end}"': 'endPosition="1"'}),
         r"backwards\.qdpx: project\.qde line \d+: PlainTextSelection .* the start must be at least 0 and not "
         r"after the end"),
        (rezip(good, tmp / "code.qdpx", {f'<CodeRef targetGUID="{code_ref}"':
                                         '<CodeRef targetGUID="99999999-9999-9999-9999-999999999999"'}),
         r"code\.qdpx: project\.qde line \d+: Coding refers to code '99999999-9999-9999-9999-999999999999', "
         r"which is not in the codebook"),
        (rezip(good, tmp / "number.qdpx", {f'endPosition="{first_end}"': 'endPosition="twaalf"'}),
         r"number\.qdpx: project\.qde line \d+: PlainTextSelection endPosition is 'twaalf', not a whole number"),
        (rezip(good, tmp / "nosource.qdpx", drop="sources/"),
         r"nosource\.qdpx: project\.qde line \d+: source 'int01_huisarts_beernem': its text 'internal://.*\.txt' "
         r"is not in the archive"),
        (rezip(good, tmp / "root.qdpx", {"<Project ": "<Projekt ", "</Project>": "</Projekt>"}),
         r"root\.qdpx: project\.qde line 2: the root element is <Projekt>, not <Project>"),
        # an entity of the file's own, left unexpanded, cut the memo's text after it and kept quiet
        (rezip(good, tmp / "entity.qdpx", {"<Project ": '<!DOCTYPE Project [<!ENTITY org "OCMW">]>\n<Project ',
                                           "Het hele project": "Het hele &org; project"}),
         r"entity\.qdpx: project\.qde line \d+: the XML uses its own entity \(&org;\), which codering does not "
         r"read; nothing was imported"),
        # two sources with one GUID: the second's attributes and codings went to the first
        (rezip(good, tmp / "twice.qdpx", {f'<TextSource guid="{sources[1]}"': f'<TextSource guid="{sources[0]}"'}),
         rf"twice\.qdpx: project\.qde line \d+: source GUID '{sources[0]}' is used twice"),
    ]


def test_malformed_archives_name_the_problem_and_create_nothing(good_archive, tmp_path):
    for archive, message in bad_cases(good_archive, tmp_path):
        target = tmp_path / f"new-{archive.stem}.codering"
        with pytest.raises(RefiError, match=message):
            import_qdpx(archive, target)
        assert not target.exists(), archive


def test_malformed_archive_changes_nothing_in_an_existing_project(good_archive, tmp_path, small_codebook):
    with Project.create(tmp_path / "existing.codering", small_codebook) as p:
        p.add_memo("al aanwezig", "an")
    before = tmp_path.joinpath("existing.codering").read_bytes()
    for archive, message in bad_cases(good_archive, tmp_path):
        with pytest.raises(RefiError, match=message):
            import_qdpx(archive, tmp_path / "existing.codering")
    with Project.open(tmp_path / "existing.codering") as p:
        assert p.transcripts() == [] and p.codings() == [] and len(p.memos()) == 1
    assert len(before) > 0


def test_a_second_import_keeps_the_attributes_changed_since_the_export(rich_project, tmp_path):
    """The same archive imported again matches its sources by text; a value the researcher changed in the
    project since the export stays, and the summary says which value of the file was not taken."""
    exported = rich_project.attributes("int01_huisarts_beernem")
    export_qdpx(rich_project, tmp_path / "old.qdpx")
    rich_project.set_attributes("int01_huisarts_beernem", {"actief": "true"}, replace=True)  # all others gone
    report = import_qdpx(tmp_path / "old.qdpx", rich_project)
    assert report.transcripts_matched and not report.transcripts_added
    assert rich_project.attributes("int01_huisarts_beernem") == exported  # the missing ones come back
    rich_project.set_attributes("int01_huisarts_beernem", {"leeftijd": "46"})
    report = import_qdpx(tmp_path / "old.qdpx", rich_project)
    assert rich_project.attributes("int01_huisarts_beernem")["leeftijd"] == "46"
    assert "'int01_huisarts_beernem': kept the project's leeftijd '46' (the file says '45')" in report.notices


def test_non_utf8_source_text(tmp_path):
    archive = build_qdpx(tmp_path / "latin.qdpx", "R: café".encode("latin-1"), (3, 7))
    with pytest.raises(RefiError, match=r"latin\.qdpx: Sources/3333.*\.txt: not UTF-8 text \(byte 6\)"):
        import_qdpx(archive, tmp_path / "latin.codering")


def test_export_command(rich_project, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from tests.test_agreement import make_cli

    monkeypatch.setenv("CODERING_HOME", str(tmp_path))  # the default goes to <home>/exports/
    path = str(rich_project.path)
    rich_project.close()
    runner = CliRunner()
    result = runner.invoke(make_cli(), ["-p", path, "export", "qdpx", "-o", str(tmp_path / "x.qdpx")])
    assert result.exit_code == 0 and "Wrote" in result.output and "24 codings" in result.output, result.output
    result = runner.invoke(make_cli(), ["-p", path, "export", "qdpx", "-o", str(tmp_path / "x.qdpx")])
    assert result.exit_code != 0 and "exists" in str(result.exception)
    result = runner.invoke(make_cli(), ["-p", path, "export", "qdpx", "-o", str(tmp_path / "x.qdpx"), "--force"])
    assert result.exit_code == 0
    for expected in ("p.qdpx", "p-2.qdpx"):
        result = runner.invoke(make_cli(), ["-p", path, "export", "qdpx"])
        assert result.exit_code == 0 and (tmp_path / "exports" / expected).exists(), result.output
