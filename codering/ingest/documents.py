"""Shared by the Word and OpenDocument readers: document blocks to canonical text, zip checks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from codering.errors import TranscriptError
from codering.ingest.speakers import KEY_VALUE, SHORT_CODE, normalise_timestamp

# a header line as a docx/odt paragraph or table row; parse_text decides whether it is a header
_KEY_ONLY = re.compile(r"[A-Za-z][\w -]{0,40}:?")
_TABLE_TEXT_HEADERS = {"tekst", "text", "transcript", "transcriptie", "uitspraak", "inhoud", "spraak", "wat"}
MAX_XML = 400 * 1024 * 1024


def _is_heading(style: str) -> bool:
    low = style.lower()
    return low.startswith(("heading", "title", "kop", "titel", "subtitle", "ondertitel"))


def blocks_to_text(blocks: list[tuple], notices: list[str]) -> str:
    """Blocks [("p", text, style) | ("table", rows)] -> canonical text."""

    header: list[str] = []
    paragraphs: list[str] = []
    leading = True
    for block in blocks:
        if block[0] == "p":
            text = re.sub(r"\n\s*\n", "\n", block[1].strip())  # a paragraph never splits in two
            if not text:
                continue
            kv = KEY_VALUE.fullmatch(text)
            if leading and _is_heading(block[2]) and not header and "\n" not in text:
                header.append(f"titel: {text}")
                notices.append(f"the document title '{text}' was kept as the attribute 'titel'")
                continue
            if leading and kv and kv.group(2) and not SHORT_CODE.fullmatch(kv.group(1).strip()) \
                    and "\n" not in text:
                header.append(text)
                continue
            leading = False
            paragraphs.append(text)
        else:
            rows = [[" ".join(c.split()) for c in row] for row in block[1]]
            rows = [[c for c in row if c] for row in rows]
            rows = [row for row in rows if row]
            if not rows:
                continue
            if leading and all(len(r) == 2 and _KEY_ONLY.fullmatch(r[0]) for r in rows) and \
                    len({r[0].lower() for r in rows}) == len(rows) and not any(
                        SHORT_CODE.fullmatch(r[0].rstrip(":")) for r in rows):
                header.extend(f"{r[0].rstrip(':').strip()}: {r[1]}" for r in rows)
                notices.append("the table at the start of the document was read as the header")
                continue
            leading = False
            if len(rows[0]) >= 2 and rows[0][-1].lower() in _TABLE_TEXT_HEADERS:
                rows = rows[1:]
            for row in rows:
                ts = normalise_timestamp(row[0].strip("[]()")) if len(row) >= 2 else None
                if ts and len(row) == 3:
                    paragraphs.append(f"[{ts}] {row[1].rstrip(':')}: {row[2]}")
                elif ts and len(row) == 2:
                    paragraphs.append(f"[{ts}] {row[1]}")
                elif len(row) == 2 and len(row[0]) <= 40 and "\n" not in row[0] and not row[0].endswith(
                        (".", "?", "!")):
                    paragraphs.append(f"{row[0].rstrip(':')}: {row[1]}")
                else:
                    paragraphs.append(" ".join(row))
    parts = (["\n".join(header)] if header else []) + paragraphs
    return "\n\n".join(parts)

def check_zip(path: Path, member: str, reason: str) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(member)
            if info.file_size > MAX_XML:
                raise TranscriptError(path, f"{reason} (its text part is unreasonably large)")
    except TranscriptError:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        hint = ""
        try:
            with open(path, "rb") as fh:
                if fh.read(4) == b"\xd0\xcf\x11\xe0":
                    hint = " (it is an old .doc file; save it as .docx)"
        except OSError:
            pass
        raise TranscriptError(path, reason + hint) from None
