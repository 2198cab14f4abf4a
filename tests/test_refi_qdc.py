"""QDC codebooks: schema-valid export, lossless round trip, ATLAS.ti and openqda files, bad input."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from codering.codebook import Code, load_codebook
from codering.errors import ExportError
from codering.refi import RefiError, export_qdpx, import_codebook, parse_qdc, read_qdc, write_qdc
from codering.refi.common import decode_description, encode_description, guid

SHARED_REFI = Path(__file__).resolve().parent.parent.parent / "shared" / "refi"
DEFAULT_CODEBOOK = Path(__file__).resolve().parent.parent / "codebooks" / "samenwerking-zorg-welzijn.yaml"


@pytest.fixture(scope="module")
def schema():
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(SHARED_REFI / "Codebook.xsd"))


def test_default_codebook_exports_valid_and_reads_back_unchanged(tmp_path, schema):
    book = load_codebook(DEFAULT_CODEBOOK)
    write_qdc(book, tmp_path / "book.qdc")
    schema.validate(str(tmp_path / "book.qdc"))
    again = read_qdc(tmp_path / "book.qdc")
    assert [(d, c) for d, c in again.walk()] == [(d, c) for d, c in book.walk()]  # every field, every id
    with pytest.raises(ExportError, match="exists"):
        write_qdc(book, tmp_path / "book.qdc")
    write_qdc(book, tmp_path / "book.qdc", force=True)


def test_qdc_guids_match_the_project_export(project, tmp_path):
    write_qdc(project.codebook(), tmp_path / "p.qdc", base=project.project_id)
    export_qdpx(project, tmp_path / "p.qdpx")
    qdc = (tmp_path / "p.qdc").read_text(encoding="utf-8")
    with zipfile.ZipFile(tmp_path / "p.qdpx") as z:
        qde = z.read("project.qde").decode("utf-8")
    code_guid = guid(project.project_id, "code", "fin.doorverwijzen")
    assert code_guid in qdc and code_guid in qde


def test_atlas_ti_codebook(tmp_path):
    book, notices = parse_qdc(SHARED_REFI / "atlasti-23-codebook.qdc")  # schema location names codebook:0:4
    assert [c.id for c in book] == ["code_group_1", "code1"]
    group, code = book.get("code_group_1"), book.get("code1")
    assert (group.label, group.codable, group.description, group.parent) == ("code group 1", False, "kategorie 1", None)
    assert (code.label, code.parent, code.description, code.color, code.codable) == \
        ("code1", "code_group_1", "description", "#46AA00", True)
    assert book.source == "ATLAS.ti Win 23.4.0 (atlasti-23-codebook.qdc)"
    assert any("code group" in n for n in notices)


def test_openqda_codebook_with_non_guid_guids():
    book = read_qdc(SHARED_REFI / "openqda-nonconformant-guids.qdc")
    assert len(book) == 44
    rage = book.get("rage")
    assert book.get(rage.parent).label == "Negativ/Aufgeregt"
    assert book.get("negativ_aufgeregt").description == "All emotions with negative valence and positive arousal."
    assert rage.description == "" and rage.color == "#c95858"


def test_import_into_a_project_matches_updates_and_is_idempotent(project, tmp_path):
    report = import_codebook(project, SHARED_REFI / "atlasti-23-codebook.qdc", "tester")
    assert (report.added, report.updated, report.unchanged) == (2, 0, 0)
    assert project.codebook().get("code1").parent == "code_group_1"
    again = import_codebook(project, SHARED_REFI / "atlasti-23-codebook.qdc", "tester")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    edited = tmp_path / "edited.qdc"
    edited.write_text((SHARED_REFI / "atlasti-23-codebook.qdc").read_text(encoding="utf-8")
                      .replace(">description<", ">a better description<"), encoding="utf-8")
    third = import_codebook(project, edited, "tester")
    assert (third.added, third.updated) == (0, 1)
    assert project.codebook().get("code1").description == "a better description"
    project.undo()
    assert project.codebook().get("code1").description == "description"


def test_codes_from_another_codering_project_keep_their_ids(project, tmp_path, small_codebook):
    from codering.codebook import Codebook
    from codering.store import Project

    new = Code(id="rem.praktisch.afstand", label="Grote afstand", parent="rem.praktisch", key="a",
               include="Reistijd.", examples=("het is een uur rijden",))
    project.update_code(new)
    write_qdc(project.codebook(), tmp_path / "a.qdc", base=project.project_id)
    bare = Codebook(id="leeg", name="Leeg", codes={c.id: c for c in small_codebook if c.id.startswith("rem")})
    with Project.create(tmp_path / "other.codering", bare) as other:
        report = import_codebook(other, tmp_path / "a.qdc", "tester")
        assert report.added == len(small_codebook) + 1 - len(bare)
        assert other.codebook().get("rem.praktisch.afstand") == new
        assert other.codebook().get("fin.doorverwijzen").key == "d"


def test_description_fields_round_trip_and_foreign_text_is_left_alone():
    code = Code(id="x.y", label="Y", description="Eerste alinea.\n\nTweede alinea.", include="a\n  b\n\nc",
                exclude="niet dit", examples=("een", "twee"), key="y", short="Y!")
    text = encode_description(code)
    description, fields = decode_description(text)
    assert description == code.description
    assert fields == {"include": ["a\n  b\n\nc"], "exclude": ["niet dit"], "example": ["een", "twee"],
                      "short": ["Y!"], "key": ["y"], "id": ["x.y"]}
    assert decode_description("Iets.\n\nexample: maar geen id") == ("Iets.\n\nexample: maar geen id", {})
    assert decode_description("   spaties   rond  ") == ("spaties rond", {})


@pytest.mark.parametrize("content, message", [
    ("<CodeBook><Codes>", r"bad\.qdc line 1: invalid XML"),
    ('<Project xmlns="urn:QDA-XML:project:1.0" name="x"/>',
     r"bad\.qdc line 1: the root element is <Project>, not <CodeBook> \(a project\.qde"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"/>', r"bad\.qdc: no <Codes> in the codebook"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', r"bad\.qdc line 1: <Codes> holds no codes"),
    ('<CodeBook xmlns="urn:QDA-XML:codebook:1.0">\n<Codes>\n<Code guid="a" isCodable="true"/></Codes></CodeBook>',
     r"bad\.qdc line 3: a Code has no name"),
    ('<CodeBook><Codes><Code guid="a" name="x" isCodable="true"/>\n<Code guid="A" name="y" isCodable="true"/>'
     '</Codes></CodeBook>', r"bad\.qdc line 2: code GUID 'A' is used twice"),
])
def test_malformed_codebooks(tmp_path, content, message, project):
    bad = tmp_path / "bad.qdc"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(RefiError, match=message):
        read_qdc(bad)
    before = len(project.codebook())
    with pytest.raises(RefiError):
        import_codebook(project, bad, "tester")
    assert len(project.codebook()) == before


def test_a_project_archive_or_nothing_is_not_a_codebook(tmp_path):
    with pytest.raises(RefiError, match=r"a zip archive, not a codebook"):
        read_qdc(SHARED_REFI / "qc-demo-project.qdpx")
    with pytest.raises(RefiError, match=r"nope\.qdc: no such file"):
        read_qdc(tmp_path / "nope.qdc")


def test_empty_codebook_cannot_be_written(tmp_path):
    from codering.codebook import Codebook

    with pytest.raises(ExportError, match="no codes"):
        write_qdc(Codebook(id="leeg", name="Leeg"), tmp_path / "leeg.qdc")


@pytest.mark.backends("sqlite", "postgresql")
def test_new_codes_keep_the_files_place_among_the_projects_codes(project, tmp_path):
    """A code the file has between two codes the project already has lands between them, not at the end
    of its siblings; one first in the file comes first; undo puts every code back in its place."""
    from codering.codebook import Codebook

    before = [c.id for _, c in project.codebook().walk()]
    codes = {}
    for _, code in project.codebook().walk():
        if code.id == "stim.praktisch":
            codes["stim.eerst"] = Code(id="stim.eerst", label="Eerste in het bestand", parent="stim")
        codes[code.id] = code
        if code.id == "stim.praktisch.nabijheid":
            codes["stim.praktisch.bereikbaarheid"] = Code(id="stim.praktisch.bereikbaarheid", label="Bereikbaarheid",
                                                          parent="stim.praktisch")
    codes["stim.laatst"] = Code(id="stim.laatst", label="Laatste", parent="stim")
    codes["fin.verwijzen.terug"] = Code(id="fin.verwijzen.terug", label="Terugverwijzen", parent="fin.doorverwijzen")
    order = list(codes)  # "stim.laatst" between the file's stim.praktisch and rem, after the project's codes
    order.remove("stim.laatst")
    order.insert(order.index("rem"), "stim.laatst")
    book = Codebook(id="k", name="K", codes={k: codes[k] for k in order})
    write_qdc(book, tmp_path / "k.qdc", base=project.project_id)
    report = import_codebook(project, tmp_path / "k.qdc", "tester")
    assert report.added == 4
    after = project.codebook()
    assert [c.id for c in after.children("stim")] == ["stim.eerst", "stim.praktisch", "stim.laatst"]
    assert [c.id for c in after.children("stim.praktisch")] == ["stim.praktisch.nabijheid",
                                                                "stim.praktisch.bereikbaarheid"]
    assert [c.id for c in after.children("fin.doorverwijzen")] == ["fin.verwijzen.terug"]
    assert [c.id for _, c in after.walk()] == [c.id for _, c in book.walk()]
    project.undo()
    assert [c.id for _, c in project.codebook().walk()] == before


def test_two_codes_of_one_name_without_guids_both_stay(tmp_path):
    """They were refused as "code GUID 'None' is used twice"."""
    path = tmp_path / "noguid.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="Thema" isCodable="false">'
                    '<Code name="Subthema" isCodable="true"/><Code name="Subthema" isCodable="true"/></Code>'
                    "</Codes></CodeBook>", encoding="utf-8")
    book, notices = parse_qdc(path)
    assert [c.label for c in book.children(book.roots()[0].id)] == ["Subthema", "Subthema (2)"]
    assert any("two codes are named 'Subthema'" in n for n in notices)


def test_init_and_validate_say_what_a_qdc_lost(tmp_path):
    """`init --codebook x.qdc` said nothing of a dropped colour; `codebook validate` said only "ok"."""
    from tests.conftest import run_cli

    path = tmp_path / "kleur.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="a" name="Eenzaamheid" '
                    'isCodable="true" color="red"/></Codes></CodeBook>', encoding="utf-8")
    made = run_cli("init", str(tmp_path / "p.codering"), "--codebook", str(path))
    note = "  note: code 'Eenzaamheid': colour 'red' is not #rrggbb; left out"
    assert made.returncode == 0 and note in made.stdout.splitlines(), made.stderr
    checked = run_cli("codebook", "validate", str(path))
    assert checked.stdout.splitlines() == [f"{path}: ok, 1 code", note]


def test_an_is_codable_that_is_not_a_boolean_is_named(tmp_path):
    path = tmp_path / "vaag.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="a" name="Twijfel" '
                    'isCodable="misschien"/><Code guid="b" name="Ja" isCodable="1"/></Codes></CodeBook>',
                    encoding="utf-8")
    book, notices = parse_qdc(path)
    assert all(c.codable for c in book)
    assert notices == ["code 'Twijfel': isCodable 'misschien' is not true or false; taken as codable"]
