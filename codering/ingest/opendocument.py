"""OpenDocument (.odt) transcripts with the standard library only."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.documents import Collected, TextTooLarge, check_zip, finish, flatten_blocks, too_much_text

_T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
_ROW_GROUPS = {f"{_TABLE}table-header-rows", f"{_TABLE}table-rows", f"{_TABLE}table-row-group"}
_ODT_SKIP = {f"{_T}note", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_T}tracked-changes",
             f"{_T}sequence-decls", f"{_T}variable-decls", f"{_T}user-field-decls"}


def _odt_text(el, anchored: list) -> str:
    """The text of a text:p or text:h. Drawing objects in it (a text box: draw:frame with draw:text-box, a
    shape with text) are not part of its text; they are added to ``anchored``."""
    parts: list[str] = []

    def add(text: str | None) -> None:
        if text:
            parts.append(re.sub(r"[ \t\r\n]+", " ", text))  # ODF collapses white space in text nodes

    def walk(node) -> None:
        add(node.text)
        for child in node:
            tag = child.tag
            if tag == f"{_T}s":
                parts.append(" " * int(child.get(f"{_T}c", "1") or 1))
            elif tag == f"{_T}tab":
                parts.append("\t")
            elif tag == f"{_T}line-break":
                parts.append("\n")
            elif tag.startswith(_DRAW):
                anchored.append(child)
            elif tag not in _ODT_SKIP and tag not in (f"{_T}p", f"{_T}h"):
                walk(child)
            add(child.tail)

    walk(el)
    return "".join(parts)


def _odt_rows(node):
    """A table's own rows, also those in header-rows, rows and row-group elements, not a nested table's."""
    for child in node:
        if child.tag == f"{_TABLE}table-row":
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _odt_rows(child)


def _odt_blocks(node, blocks: list[tuple], seen: Collected, in_drawing: bool = False) -> None:
    """The paragraphs and tables in ``node`` as blocks, in document order. The content of a text box (or
    shape) follows the paragraph it is anchored in, as paragraphs of its own; ``seen`` counts those with
    text, and the text (``in_drawing``: inside one already counted)."""
    for child in node:
        tag = child.tag
        if tag in (f"{_T}p", f"{_T}h"):
            style = "Heading" if tag == f"{_T}h" else child.get(f"{_T}style-name", "")
            anchored: list = []
            blocks.append(("p", seen.add(_odt_text(child, anchored)), style))
            for drawing in anchored:
                _drawing_blocks(drawing, blocks, seen)
        elif tag == f"{_TABLE}table":
            rows = []
            for row in _odt_rows(child):
                cells = []
                for cell in row:
                    if cell.tag == f"{_TABLE}table-cell":
                        inner: list[tuple] = []
                        _odt_blocks(cell, inner, seen)
                        cells.append("\n".join(flatten_blocks(inner)))
                rows.append(cells)
            blocks.append(("table", rows))
        elif tag.startswith(_DRAW) and not in_drawing:  # anchored to the page or a frame, where it stands
            _drawing_blocks(child, blocks, seen)
        elif tag not in _ODT_SKIP:
            _odt_blocks(child, blocks, seen, in_drawing)


def _drawing_blocks(drawing, blocks: list[tuple], seen: Collected) -> None:
    seen.box(blocks, lambda: _odt_blocks(drawing, blocks, seen, in_drawing=True))


def _encrypted(zf: zipfile.ZipFile) -> bool:
    """Does the package's manifest say its parts are encrypted (``manifest:encryption-data``, what a
    password gives an ODF file)? A missing or broken manifest says nothing."""
    import xml.etree.ElementTree as ET

    try:
        manifest = ET.fromstring(zf.read("META-INF/manifest.xml"))
    except Exception:
        return False
    return manifest.find(f".//{_MANIFEST}encryption-data") is not None


def read_odt(path: Path) -> tuple[str, list[str]]:
    """An OpenDocument text file (zip with content.xml), read with the standard library."""
    import xml.etree.ElementTree as ET

    reason = "not a valid OpenDocument text file"
    check_zip(path, reason, ("mimetype", "content.xml", "META-INF/manifest.xml"))
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                with zf.open("mimetype") as stream:  # a media type, never long
                    mimetype = stream.read(200).decode("ascii", "replace").strip()
                if not mimetype.startswith("application/vnd.oasis.opendocument.text"):
                    raise TranscriptError(path, f"{reason} (it is '{mimetype}')")
            if _encrypted(zf):  # content.xml is ciphertext: it would be called not valid
                raise TranscriptError(path, "the document is password-protected; open it in LibreOffice and save "
                                            "it again without a password (File > Save As, 'Save with password' "
                                            "unticked)")
            root = ET.fromstring(zf.read("content.xml"))
    except TranscriptError:
        raise
    except Exception:
        raise TranscriptError(path, reason) from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise TranscriptError(path, reason)
    blocks: list[tuple] = []
    seen = Collected()
    try:
        _odt_blocks(body, blocks, seen)
    except TextTooLarge:
        raise too_much_text(path) from None
    except RecursionError:
        raise TranscriptError(path, f"{reason} (its text is nested too deeply)") from None
    return finish(path, blocks, seen)
