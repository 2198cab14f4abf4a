"""Word (.docx) and OpenDocument (.odt) transcripts from a QA pass: text that was silently dropped (content
controls, w:customXml, text boxes), text read twice (a table nested in an .odt table), zip bombs in parts
that were never size-checked, and valid or password-protected files refused for the wrong reason.

Every input is built here, with python-docx and zipfile.
"""

from __future__ import annotations

import io
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest

from codering.errors import TranscriptError
from codering.ingest import read_transcript
from codering.ingest import documents
from tests.conftest import run_cli

MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def turn_bodies(pt) -> list[str]:
    return [pt.content[t.start:t.end] for t in pt.turns]


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewrite(data: bytes, path: Path, change, member: str = "word/document.xml") -> Path:
    """``data`` (a zip) with ``member`` changed by ``change(text) -> text``, written to ``path``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == member:
                changed = change(content.decode("utf-8"))
                assert changed != content.decode("utf-8"), "the test's change did not apply"
                content = changed.encode("utf-8")
            zout.writestr(item, content)
    return path


def wrap_paragraph(xml: str, text: str, before: str, after: str) -> str:
    """The w:p holding ``text`` wrapped in ``before`` ... ``after``."""
    end = xml.index(text)
    start = xml.rindex("<w:p>", 0, end)
    stop = xml.index("</w:p>", end) + len("</w:p>")
    return xml[:start] + before + xml[start:stop] + after + xml[stop:]


ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"')


def make_odt(path: Path, body: str) -> Path:
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODT_NS}><office:body>'
               f"<office:text>{body}</office:text></office:body></office:document-content>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


TURNS = ["I: Hoe bent u bij de thuiszorg terechtgekomen?", "R: Via mijn schoonzus, die daar al werkte.",
         "I: En hoe verliep de eerste week?", "R: Zwaar, maar de collega's hielpen me goed op weg."]


# -- 1. content controls and w:customXml ---------------------------------------------------------------------

@pytest.mark.parametrize("before, after", [
    ('<w:sdt><w:sdtPr><w:alias w:val="Antwoord"/><w:tag w:val="a1"/></w:sdtPr><w:sdtContent>',
     "</w:sdtContent></w:sdt>"),
    ('<w:customXml w:uri="urn:interview" w:element="antwoord"><w:customXmlPr><w:attr w:name="nr" w:val="1"/>'
     "</w:customXmlPr>", "</w:customXml>"),
    ('<w:sdt><w:sdtContent><w:customXml w:element="blok"><w:sdt><w:sdtContent>',
     "</w:sdtContent></w:sdt></w:customXml></w:sdtContent></w:sdt>"),
], ids=["content-control", "customXml", "nested"])
def test_a_word_turn_in_a_block_level_wrapper_is_imported_in_its_place(tmp_path, before, after):
    """python-docx's iter_inner_content yields only the body's own w:p and w:tbl: the turn was dropped."""
    path = rewrite(docx_bytes(TURNS), tmp_path / "sdt.docx",
                   lambda xml: wrap_paragraph(xml, "Via mijn schoonzus", before, after))
    pt = read_transcript(path)
    assert turn_bodies(pt) == TURNS


def test_table_rows_and_cells_in_content_controls_are_read(tmp_path):
    """A repeating-section content control wraps table rows (w:tbl/w:sdt/w:sdtContent/w:tr); a cell can be
    wrapped too. tr_lst and tc_lst see neither."""
    import docx

    document = docx.Document()
    document.add_paragraph("I: Wie zat er mee aan tafel?")
    table = document.add_table(rows=2, cols=2)
    for row, (who, text) in zip(table.rows, [("R", "De wijkverpleegkundige."), ("I", "Was dat altijd zo?")]):
        row.cells[0].text, row.cells[1].text = who, text
    out = io.BytesIO()
    document.save(out)

    def wrap(xml: str) -> str:
        start = xml.index("<w:tr", xml.index("<w:tbl>"))
        stop = xml.index("</w:tr>", start) + len("</w:tr>")
        xml = xml[:start] + "<w:sdt><w:sdtContent>" + xml[start:stop] + "</w:sdtContent></w:sdt>" + xml[stop:]
        cell = xml.rindex("<w:tc>", 0, xml.index("Was dat altijd zo?"))
        cell_end = xml.index("</w:tc>", cell) + len("</w:tc>")
        return xml[:cell] + "<w:sdt><w:sdtContent>" + xml[cell:cell_end] + "</w:sdtContent></w:sdt>" + xml[cell_end:]

    pt = read_transcript(rewrite(out.getvalue(), tmp_path / "rijen.docx", wrap))
    assert turn_bodies(pt) == ["I: Wie zat er mee aan tafel?", "R: De wijkverpleegkundige.", "I: Was dat altijd zo?"]


# -- 2. text boxes ------------------------------------------------------------------------------------------

def word_text_box(text: str) -> str:
    """A run with a text box as Word writes it: a DrawingML shape, and a VML copy for older readers."""
    box = f"<w:txbxContent><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:txbxContent>"
    return (f'<w:r><mc:AlternateContent xmlns:mc="{MC}"><mc:Choice Requires="wps"><w:drawing>'
            '<wp:anchor xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
            '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData uri="x">'
            '<wps:wsp xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:txbx>'
            f"{box}</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
            '<mc:Fallback><w:pict><v:shape xmlns:v="urn:schemas-microsoft-com:vml"><v:textbox>'
            f"{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>")


def test_a_word_text_box_is_imported_once_after_its_paragraph_with_a_notice(tmp_path):
    box = word_text_box("R: Ik belde toen zelf naar het rusthuis.")
    run = f"<w:r><w:t>{TURNS[2]}</w:t></w:r>"
    path = rewrite(docx_bytes(TURNS), tmp_path / "kader.docx", lambda xml: xml.replace(run, run + box, 1))
    pt = read_transcript(path)
    assert turn_bodies(pt) == [*TURNS[:3], "R: Ik belde toen zelf naar het rusthuis.", TURNS[3]]
    assert "the text of 1 text box was imported as a paragraph of its own after the paragraph it is anchored " \
           "in" in pt.notices


def test_a_word_text_box_in_a_table_cell_is_read_once(tmp_path):
    """In a cell every w:p was read, the VML copy of a text box too: its text came twice."""
    import docx

    document = docx.Document()
    document.add_paragraph("I: Wat stond er op het bord?")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "R", "Het weekmenu."
    out = io.BytesIO()
    document.save(out)
    box = word_text_box("Soep van de dag")
    path = rewrite(out.getvalue(), tmp_path / "cel.docx",
                   lambda xml: xml.replace("<w:r><w:t>Het weekmenu.</w:t></w:r>",
                                           "<w:r><w:t>Het weekmenu.</w:t></w:r>" + box, 1))
    pt = read_transcript(path)
    assert turn_bodies(pt) == ["I: Wat stond er op het bord?", "R: Het weekmenu. Soep van de dag"]


def test_an_odt_text_box_is_imported_after_its_paragraph_with_a_notice(tmp_path):
    body = ("<text:p>I: Waar haalde u de informatie?</text:p>"
            "<text:p>R: Uit de folder van de mutualiteit.<draw:frame draw:name=\"Kader1\" svg:width=\"5cm\">"
            "<draw:text-box><text:p>R: Die lag in de wachtzaal.</text:p></draw:text-box></draw:frame>"
            " En van de buren.</text:p>"
            "<text:p>I: Hielp dat?</text:p>")
    pt = read_transcript(make_odt(tmp_path / "kader.odt", body))
    assert turn_bodies(pt) == ["I: Waar haalde u de informatie?",
                               "R: Uit de folder van de mutualiteit. En van de buren.",
                               "R: Die lag in de wachtzaal.", "I: Hielp dat?"]
    assert "the text of 1 text box was imported as a paragraph of its own after the paragraph it is anchored " \
           "in" in pt.notices


# -- 3. zip bombs -------------------------------------------------------------------------------------------

MIB = 1 << 20


def add_big_member(zf: zipfile.ZipFile, name: str, size: int, start: bytes = b"") -> None:
    """A member that unpacks to ``size`` bytes from a few hundred KB in the zip."""
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    chunk = b" " * MIB
    with zf.open(info, "w", force_zip64=True) as out:
        out.write(start)
        written = len(start)
        while written < size:
            out.write(chunk[: size - written])
            written += len(chunk[: size - written])


@pytest.fixture(scope="module")
def bombs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bommen")
    plain = docx_bytes(TURNS[:2])
    made = {}
    # a part python-docx reads besides document.xml
    with zipfile.ZipFile(io.BytesIO(plain)) as zin, \
            zipfile.ZipFile(folder / "stijlen.docx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != "word/styles.xml":
                zout.writestr(item, zin.read(item.filename))
        add_big_member(zout, "word/styles.xml", 300 * MIB, b"<!-- ")
    made["styles"] = folder / "stijlen.docx"
    # document.xml under the old 400 MB limit, far over what a transcript's text may be
    with zipfile.ZipFile(io.BytesIO(plain)) as zin, \
            zipfile.ZipFile(folder / "document.docx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename != "word/document.xml":
                zout.writestr(item, zin.read(item.filename))
        add_big_member(zout, "word/document.xml", 390 * MIB, zin.read("word/document.xml"))
    made["document"] = folder / "document.docx"
    # two parts each under the limit, together over it
    with zipfile.ZipFile(io.BytesIO(plain)) as zin, \
            zipfile.ZipFile(folder / "samen.docx", "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename not in ("word/styles.xml", "word/settings.xml"):
                zout.writestr(item, zin.read(item.filename))
        add_big_member(zout, "word/styles.xml", 140 * MIB, b"<!-- ")
        add_big_member(zout, "word/settings.xml", 130 * MIB, b"<!-- ")
    made["together"] = folder / "samen.docx"
    # an .odt whose mimetype member is the bomb
    with zipfile.ZipFile(folder / "mimetype.odt", "w") as zout:
        add_big_member(zout, "mimetype", 300 * MIB, b"application/vnd.oasis.opendocument.text")
        zout.writestr("content.xml", f'<office:document-content {ODT_NS}><office:body><office:text>'
                                     "<text:p>I: Alles goed?</text:p></office:text></office:body>"
                                     "</office:document-content>")
    made["mimetype"] = folder / "mimetype.odt"
    return made


@pytest.mark.parametrize("kind, message", [
    ("styles", r"stijlen\.docx: the document's part 'word/styles\.xml' unpacks to 300 MiB; the limit is 250 MiB$"),
    ("document", r"document\.docx: the document's part 'word/document\.xml' unpacks to 390 MiB; the limit is "
                 r"250 MiB$"),
    ("together", r"samen\.docx: the document's parts unpack to 270\.\d MiB together \(the largest, "
                 r"'word/styles\.xml', to 140 MiB\); the limit is 250 MiB$"),
    ("mimetype", r"mimetype\.odt: the document's part 'mimetype' unpacks to 300 MiB; the limit is 250 MiB$"),
])
def test_a_zip_bomb_in_any_part_read_is_refused_without_unpacking_it(bombs, monkeypatch, kind, message):
    opened: list[str] = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    started = time.perf_counter()
    with pytest.raises(TranscriptError, match=message):
        read_transcript(bombs[kind])
    assert time.perf_counter() - started < 1
    assert opened == []


def test_a_zip_bomb_is_one_line_and_imports_nothing(bombs, tmp_path):
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    result = run_cli("-p", str(project), "import", str(bombs["styles"]))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"codering: error: {bombs['styles']}: the document's part 'word/styles.xml' unpacks to 300 MiB; the "
        "limit is 250 MiB"]
    conn = sqlite3.connect(project)
    try:
        assert conn.execute("SELECT count(*) FROM transcripts").fetchone() == (0,)
    finally:
        conn.close()


def test_the_limit_is_tied_to_the_transcript_limit():
    from codering.ingest.model import MAX_BYTES

    assert documents.MAX_UNPACKED == 5 * MAX_BYTES


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_a_document_with_more_text_than_a_transcript_may_hold_is_refused(tmp_path, monkeypatch, suffix):
    """A part under the unpacked limit can still hold far more text than the 50 MiB a transcript may have:
    reading stops there instead of segmenting hundreds of MB (here the limit is made small)."""
    monkeypatch.setattr(documents, "MAX_BYTES", 2000, raising=False)
    turns = [f"R: Zin nummer {i} over de dagbesteding in het woonzorgcentrum." for i in range(100)]
    if suffix == ".docx":
        path = tmp_path / "lang.docx"
        path.write_bytes(docx_bytes(turns))
    else:
        path = make_odt(tmp_path / "lang.odt", "".join(f"<text:p>{t}</text:p>" for t in turns))
    with pytest.raises(TranscriptError, match=r"lang\.(docx|odt): the document's text is over 0\.1 MiB, the limit "
                                              r"for a transcript$"):
        read_transcript(path)


# -- 4. document2.xml, password-protected files ---------------------------------------------------------------

def test_a_word_file_whose_main_part_is_not_document_xml_is_read(tmp_path):
    """The main part is found through the package relationships, as python-docx does: its name need not be
    word/document.xml. It was refused as 'not a valid Word file'."""
    data = docx_bytes(TURNS[:2])
    path = tmp_path / "doc2.docx"
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content, name = zin.read(item.filename), item.filename
            if name == "word/document.xml":
                name = "word/document2.xml"
            if name in ("[Content_Types].xml", "_rels/.rels"):
                content = content.replace(b"word/document.xml", b"word/document2.xml")
            zout.writestr(name, content)
    assert "word/document.xml" not in zipfile.ZipFile(path).namelist()
    assert turn_bodies(read_transcript(path)) == TURNS[:2]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def ole_file(*stream_names: str) -> bytes:
    """Enough of an OLE compound file: its header, then directory entries with UTF-16 names."""
    entries = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for name in stream_names)
    return OLE + b"\x00" * 504 + entries + b"\x00" * 2048


@pytest.mark.parametrize("streams", [("EncryptionInfo", "EncryptedPackage"), ("EncryptedPackage",)])
def test_a_password_protected_word_file_is_named_so(tmp_path, streams):
    path = tmp_path / "beveiligd.docx"
    path.write_bytes(ole_file("Root Entry", *streams))
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == (f"{path}: the document is password-protected; open it in Word, remove the password "
                               "(File > Info > Protect Document) and save it again")


def test_an_old_doc_file_is_still_called_one(tmp_path):
    path = tmp_path / "oud.docx"
    path.write_bytes(ole_file("Root Entry", "WordDocument", "1Table"))
    with pytest.raises(TranscriptError, match=r"not a valid Word file \(it is an old \.doc file; save it as "
                                              r"\.docx\)$"):
        read_transcript(path)


# -- 5. a table in a table cell in an .odt ---------------------------------------------------------------------

def test_an_odt_table_nested_in_a_cell_is_read_once(tmp_path):
    cell = "<table:table-cell><text:p>{}</text:p></table:table-cell>"
    inner = ("<table:table><table:table-row>" + cell.format("eerst de kinesist") + cell.format("dan de logo")
             + "</table:table-row></table:table>")
    body = ("<text:p>I: Wie kwam er langs?</text:p><table:table><table:table-header-rows><table:table-row>"
            + cell.format("Spreker") + cell.format("Tekst") + "</table:table-row></table:table-header-rows>"
            "<table:table-row>" + cell.format("R")
            + "<table:table-cell><text:p>Om beurten:</text:p>" + inner + "</table:table-cell></table:table-row>"
            "</table:table>")
    pt = read_transcript(make_odt(tmp_path / "genest.odt", body))
    assert turn_bodies(pt) == ["I: Wie kwam er langs?", "R: Om beurten: eerst de kinesist dan de logo"]


def test_an_odt_nested_too_deeply_is_one_line(tmp_path):
    """The reader walks sections and lists recursively: thousands deep was a RecursionError, not an error line."""
    body = "<text:section>" * 5000 + "<text:p>R: Heel diep.</text:p>" + "</text:section>" * 5000
    with pytest.raises(TranscriptError, match=r"diep\.odt: not a valid OpenDocument text file \(its text is "
                                              r"nested too deeply\)$"):
        read_transcript(make_odt(tmp_path / "diep.odt", body))
