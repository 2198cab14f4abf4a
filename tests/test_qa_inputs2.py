"""Inputs a second QA pass found wanting: codings offsets counted on a CRLF file's own text, codings on a
transcript's header lines, REFI-QDA source names with path characters, password-protected .odt files, and
Word's symbol characters (w:sym) and embedded documents (w:altChunk).

Every input is built here, with python-docx, zipfile and the project's own writers.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from codering.errors import TranscriptError
from codering.ingest import read_transcript
from tests.conftest import run_cli
from tests.test_qa_documents import make_odt, rewrite

MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


# -- a password-protected .odt ---------------------------------------------------------------------------------

def manifest(encrypted: bool) -> str:
    encryption = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="aGFzaA==">'
                  '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector='
                  '"aXY="/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count='
                  '"1024" manifest:salt="c2FsdA=="/></manifest:encryption-data>') if encrypted else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="{MANIFEST_NS}" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
            f'manifest:size="4000">{encryption}</manifest:file-entry></manifest:manifest>')


def test_a_password_protected_odt_is_named_so(tmp_path):
    """Its content.xml is ciphertext, which was called 'not a valid OpenDocument text file'."""
    path = tmp_path / "beveiligd.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", os.urandom(600))  # what LibreOffice stores: deflated, then encrypted
        zf.writestr("META-INF/manifest.xml", manifest(encrypted=True))
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == (f"{path}: the document is password-protected; open it in LibreOffice and save it "
                               "again without a password (File > Save As, 'Save with password' unticked)")


def test_an_odt_with_a_manifest_and_no_password_is_read(tmp_path):
    path = make_odt(tmp_path / "open.odt", "<text:p>I: Wie helpt u bij de boodschappen?</text:p>"
                                           "<text:p>R: Mijn buurvrouw, elke dinsdag.</text:p>")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("META-INF/manifest.xml", manifest(encrypted=False))
    assert "Mijn buurvrouw, elke dinsdag." in read_transcript(path).content


# -- Word's symbol characters (w:sym) and embedded documents (w:altChunk) ---------------------------------------

def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def sym(font: str, char: str) -> str:
    return f'</w:t><w:sym w:font="{font}" w:char="{char}"/><w:t xml:space="preserve">'


def test_word_symbol_characters_become_the_unicode_characters_they_show(tmp_path):
    """Word's AutoCorrect makes '-->' a Wingdings arrow and ':)' a Wingdings face; both were dropped, and the
    arrow's words ran together."""
    data = docx_bytes(["I: Hoe verloopt een aanmelding?",
                       "R: Eerst de huisarts PIJL dan het wijkteam, en dat loopt goed LACH",
                       "I: Heeft u een checklist?",
                       "R: Ja: VINK intake gedaan, ALFA-versie van het plan en ONBEKEND nog niets."])

    def change(xml: str) -> str:
        return (xml.replace("PIJL", sym("Wingdings", "F0E0")).replace("LACH", sym("Wingdings", "F04A"))
                .replace("VINK", sym("Wingdings", "F0FC")).replace("ALFA", sym("Symbol", "F061"))
                .replace("ONBEKEND", sym("Webdings", "F021")))

    path = rewrite(data, tmp_path / "symbolen.docx", change)
    parsed = read_transcript(path)
    assert "R: Eerst de huisarts → dan het wijkteam, en dat loopt goed ☺" in parsed.content
    assert "R: Ja: ✓ intake gedaan, α-versie van het plan en \ufffd nog niets." in parsed.content
    assert ("1 symbol character with no Unicode equivalent codering knows (Webdings F021) stands as U+FFFD "
            "(\ufffd) in the text") in parsed.notices


def with_alt_chunk(data: bytes, path: Path, part: str, content_type: str, body: bytes) -> Path:
    """A .docx with an embedded document (w:altChunk) after its first paragraph, as a generator of reports
    writes one: the part, its relationship and its content type."""
    rel = (f'<Relationship Id="rIdChunk1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           f'relationships/aFChunk" Target="{part}"/></Relationships>')
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if not item.filename.endswith((".xml", ".rels")):  # the template's thumbnail
                zout.writestr(item, content)
                continue
            content = content.decode("utf-8")
            if item.filename == "word/document.xml":
                end = content.index("</w:p>") + len("</w:p>")
                content = content[:end] + '<w:altChunk r:id="rIdChunk1"/>' + content[end:]
            elif item.filename == "word/_rels/document.xml.rels":
                content = content.replace("</Relationships>", rel)
            elif item.filename == "[Content_Types].xml":
                content = content.replace("</Types>", f'<Override PartName="/word/{part}" '
                                                      f'ContentType="{content_type}"/></Types>')
            zout.writestr(item, content.encode("utf-8"))
        zout.writestr(f"word/{part}", body)
    return path


def test_an_embedded_document_that_is_not_read_is_named(tmp_path):
    data = docx_bytes(["I: Wat gebeurde er na de fusie?", "R: Veel collega's vertrokken naar het ziekenhuis."])
    path = with_alt_chunk(data, tmp_path / "ingebed.docx", "afchunk1.htm", "text/html",
                          "<html><body><p>R: Dit antwoord stond in een ingevoegd bestand.</p></body></html>"
                          .encode("utf-8"))
    parsed = read_transcript(path)
    assert "Veel collega's vertrokken naar het ziekenhuis." in parsed.content
    assert ("an embedded document (word/afchunk1.htm, HTML) was not imported, so its text is missing; open the "
            "file in Word and save it again, which makes it part of the document's own text") in parsed.notices


# -- REFI-QDA source names with path and control characters -------------------------------------------------

G = "00000000-0000-0000-0000-{:012d}".format  # readable GUIDs
REFI_TEXTS = ["I: Waar vindt het overleg plaats?\n\nR: In het dienstencentrum, naast de bibliotheek.\n",
              "I: Wie zit er aan tafel?\n\nR: De maatschappelijk werker en twee vrijwilligers.\n",
              "I: Hoe vaak?\n\nR: Om de veertien dagen, op dinsdagvoormiddag.\n",
              "I: Wat loopt er mis?\n\nR: Soms komt niemand van het OCMW opdagen.\n"]


def refi_archive(path: Path, names: list[str]) -> Path:
    """A .qdpx as NVivo writes one, a source per name, each with one coding on its respondent's words."""
    sources = []
    for n, (name, text) in enumerate(zip(names, REFI_TEXTS), start=1):
        start = text.index("R: ") + 3
        sources.append(
            f'<TextSource guid="{G(100 + n)}" name="{name}"><PlainTextContent>{text}</PlainTextContent>'
            f'<PlainTextSelection guid="{G(200 + n)}" startPosition="{start}" endPosition="{len(text) - 1}">'
            f'<Coding guid="{G(300 + n)}" creatingUser="{G(901)}"><CodeRef targetGUID="{G(1)}"/></Coding>'
            "</PlainTextSelection></TextSource>")
    qde = (f'<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="elders" '
           f'origin="NVivo 14"><Users><User guid="{G(901)}" name="Mira"/></Users><CodeBook><Codes>'
           f'<Code guid="{G(1)}" name="Overleg" isCodable="true"/></Codes></CodeBook>'
           f"<Sources>{''.join(sources)}</Sources></Project>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    return path


def test_refi_source_names_with_path_and_control_characters_become_safe_names(tmp_path):
    """The names were kept as they came: '../../etc/passwd' and a terminal's escape (CSI) were transcript
    names, shown and written wherever a name goes."""
    from codering.refi import export_qdpx, import_qdpx
    from codering.store import Project

    names = ["../../etc/passwd", "Interviews\\Gent\\int01.txt", "Gent&#x9B;31m rood", "Brugge"]
    report = import_qdpx(refi_archive(tmp_path / "nvivo.qdpx", names), tmp_path / "p.codering")
    safe = ["etc-passwd", "Interviews-Gent-int01", "Gent31m rood", "Brugge"]
    assert report.transcripts_added == safe and report.codings_added == 4
    assert ("source '../../etc/passwd' imported as 'etc-passwd': a transcript name holds no '/' or '\\', no '.' "
            "or '..' part and no control characters") in report.notices
    assert "source 'Gent\\x9b31m rood' imported as 'Gent31m rood'" in " ".join(report.notices)
    assert not any("Brugge" in notice for notice in report.notices)
    with Project.open(tmp_path / "p.codering") as project:
        kept = {(project.transcript_name(c.transcript_id), c.text) for c in project.codings()}
        export_qdpx(project, tmp_path / "terug.qdpx")
    assert kept == {(name, text.split("R: ")[1].rstrip()) for name, text in zip(safe, REFI_TEXTS)}
    again = import_qdpx(tmp_path / "terug.qdpx", tmp_path / "q.codering")  # the round trip keeps names, codings
    assert again.transcripts_added == safe and again.codings_added == 4
    assert not any("imported as" in notice for notice in again.notices)


# -- codings offsets counted on a CRLF file's own text, and codings on the header ---------------------------

GESPREK = """\
interview_id: QA-21
locatie: Aalst
actorgroep: welzijn

I: Waar werkt u het liefst samen met anderen?

R: In het buurthuis, want we delen er dezelfde keuken.

I: En wat houdt de samenwerking tegen?

R: De wachtlijsten bij de thuisverpleging zijn echt veel te lang.
"""
WORDS = [("dezelfde keuken", "stim.praktisch.nabijheid"), ("wachtlijsten bij de thuisverpleging", "rem.praktisch")]


def crlf_transcript(folder: Path) -> str:
    """The interview written with Windows line ends; returns the file's own text."""
    folder.mkdir(exist_ok=True)
    raw = GESPREK.replace("\n", "\r\n")
    (folder / "gesprek.txt").write_bytes(raw.encode("utf-8"))
    return raw


def codings_file(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def on(text: str, words: str, code: str, quote: bool = False) -> dict:
    start = text.index(words)
    line = {"transcript": "gesprek", "start": start, "end": start + len(words), "codes": [code]}
    return {**line, "text": text[start:start + len(words)]} if quote else line


def coded_words(project_file: Path) -> list[tuple[str, str]]:
    from codering.store import Project

    with Project.open(project_file) as project:
        return sorted((c.text, c.code_id) for c in project.codings())


def new_project(tmp_path: Path, codebook_file: Path) -> Path:
    path = tmp_path / "p.codering"
    assert run_cli("init", str(path), "--codebook", str(codebook_file)).returncode == 0
    return path


def test_offsets_counted_on_a_crlf_file_with_their_text_go_onto_the_same_words(tmp_path, small_codebook_file):
    """A script counted offsets on the file as it is on disk (CRLF as two characters): the codings landed
    on other words ('lfde keuken, w'), without a word."""
    raw = crlf_transcript(tmp_path / "in")
    codings_file(tmp_path / "in" / "codes.jsonl", [on(raw, w, c, quote=True) for w, c in WORDS])
    p = new_project(tmp_path, small_codebook_file)
    result = run_cli("-p", str(p), "import", str(tmp_path / "in"))
    assert result.returncode == 0, result.stderr
    assert ("note: codes.jsonl: the offsets of its 2 spans on 'gesprek' count the file's own text (CRLF line ends "
            "counted as two characters), as their 'text' shows; they were moved onto the same words of the stored "
            "text") in result.stdout
    assert coded_words(p) == sorted(WORDS)


def test_a_span_over_a_line_break_and_a_span_without_text_move_with_the_others(tmp_path, small_codebook_file):
    raw = crlf_transcript(tmp_path / "in")
    across = "dezelfde keuken.\r\n\r\nI: En wat"
    codings_file(tmp_path / "codes.jsonl", [on(raw, across, "stim.praktisch", quote=True),
                                            on(raw, "wachtlijsten bij de thuisverpleging", "rem.praktisch")])
    p = new_project(tmp_path, small_codebook_file)
    result = run_cli("-p", str(p), "import", str(tmp_path / "in" / "gesprek.txt"), str(tmp_path / "codes.jsonl"))
    assert result.returncode == 0, result.stderr
    assert coded_words(p) == [("dezelfde keuken.\n\nI: En wat", "stim.praktisch"),
                              ("wachtlijsten bij de thuisverpleging", "rem.praktisch")]


def test_a_later_codings_file_is_placed_through_the_transcripts_own_file(tmp_path, small_codebook_file):
    raw = crlf_transcript(tmp_path / "in")
    p = new_project(tmp_path, small_codebook_file)
    assert run_cli("-p", str(p), "import", str(tmp_path / "in" / "gesprek.txt")).returncode == 0
    codings_file(tmp_path / "later.jsonl", [on(raw, w, c, quote=True) for w, c in WORDS])
    result = run_cli("-p", str(p), "import", str(tmp_path / "later.jsonl"))
    assert result.returncode == 0, result.stderr
    assert coded_words(p) == sorted(WORDS)


def test_offsets_counted_on_a_crlf_file_without_text_are_refused_not_misplaced(tmp_path, small_codebook_file):
    raw = crlf_transcript(tmp_path / "in")
    codings_file(tmp_path / "in" / "codes.jsonl", [on(raw, w, c) for w, c in WORDS])
    p = new_project(tmp_path, small_codebook_file)
    result = run_cli("-p", str(p), "import", str(tmp_path / "in"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"codering: error: {tmp_path / 'in' / 'codes.jsonl'}: 2 lines (1, 2): the offsets for 'gesprek' seem to "
        "count the file's own text (CRLF line ends counted as two characters): 2 of 2 spans begin or end inside a "
        "word of the stored text, none of the file's own; add each span's \"text\" (codering then places it) or "
        "count the offsets on the text with LF line ends")
    assert coded_words(p) == []


def test_offsets_on_the_stored_text_of_a_crlf_file_are_taken_as_they_are(tmp_path, small_codebook_file):
    """The documented counting (the stored text, LF line ends) is not second-guessed."""
    crlf_transcript(tmp_path / "in")
    codings_file(tmp_path / "in" / "codes.jsonl", [on(GESPREK, w, c) for w, c in WORDS])
    p = new_project(tmp_path, small_codebook_file)
    result = run_cli("-p", str(p), "import", str(tmp_path / "in"))
    assert result.returncode == 0, result.stderr
    assert "offsets" not in result.stdout
    assert coded_words(p) == sorted(WORDS)


def test_a_coding_on_the_header_lines_is_refused_on_its_line(tmp_path, small_codebook_file):
    """A code on 'locatie: Aalst' was stored, and counted as a mention in Tabel 5/6 and the crosstabs."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "gesprek.txt").write_text(GESPREK, encoding="utf-8")
    codings_file(folder / "codes.jsonl", [on(GESPREK, "dezelfde keuken", "stim.praktisch"),
                                          on(GESPREK, "locatie: Aalst", "stim.praktisch", quote=True)])
    p = new_project(tmp_path, small_codebook_file)
    result = run_cli("-p", str(p), "import", str(folder))
    assert result.returncode == 1
    start = GESPREK.index("locatie: Aalst")
    body = GESPREK.index("I: Waar")
    assert result.stderr.strip() == (
        f"codering: error: {folder / 'codes.jsonl'}:2: span {start}-{start + 14} lies on the header of 'gesprek' "
        f"(its key: value lines, 0-{body - 2}); the interview text starts at {body}")
    with_header = run_cli("-p", str(p), "transcripts")
    assert "gesprek" not in with_header.stdout  # nothing of the import was written
