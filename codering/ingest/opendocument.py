"""OpenDocument (.odt) transcripts with the standard library only."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.documents import blocks_to_text, check_zip

_T = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODT_SKIP = {f"{_T}note", f"{_OFFICE}annotation", f"{_OFFICE}annotation-end", f"{_T}tracked-changes",
             f"{_T}sequence-decls", f"{_T}variable-decls", f"{_T}user-field-decls"}


def _odt_text(el) -> str:
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
            elif tag not in _ODT_SKIP and tag not in (f"{_T}p", f"{_T}h"):
                walk(child)
            add(child.tail)

    walk(el)
    return "".join(parts)


def _odt_blocks(node, blocks: list[tuple]) -> None:
    for child in node:
        tag = child.tag
        if tag in (f"{_T}p", f"{_T}h"):
            style = "Heading" if tag == f"{_T}h" else child.get(f"{_T}style-name", "")
            blocks.append(("p", _odt_text(child), style))
        elif tag == f"{_TABLE}table":
            rows = []
            for row in child.iter(f"{_TABLE}table-row"):
                cells = ["\n".join(_odt_text(p) for p in cell.iter() if p.tag in (f"{_T}p", f"{_T}h"))
                         for cell in row if cell.tag == f"{_TABLE}table-cell"]
                rows.append(cells)
            blocks.append(("table", rows))
        elif tag not in _ODT_SKIP:
            _odt_blocks(child, blocks)


def read_odt(path: Path) -> tuple[str, list[str]]:
    """An OpenDocument text file (zip with content.xml), read with the standard library."""
    import xml.etree.ElementTree as ET

    reason = "not a valid OpenDocument text file"
    check_zip(path, reason, ("mimetype", "content.xml"))
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                with zf.open("mimetype") as stream:  # a media type, never long
                    mimetype = stream.read(200).decode("ascii", "replace").strip()
                if not mimetype.startswith("application/vnd.oasis.opendocument.text"):
                    raise TranscriptError(path, f"{reason} (it is '{mimetype}')")
            root = ET.fromstring(zf.read("content.xml"))
    except TranscriptError:
        raise
    except Exception:
        raise TranscriptError(path, reason) from None
    body = root.find(f"{_OFFICE}body/{_OFFICE}text")
    if body is None:
        raise TranscriptError(path, reason)
    blocks: list[tuple] = []
    _odt_blocks(body, blocks)
    notices: list[str] = []
    return blocks_to_text(blocks, notices), notices
