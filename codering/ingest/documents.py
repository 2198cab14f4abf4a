"""Shared by the Word and OpenDocument readers: document blocks to canonical text, zip checks."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Callable, Iterable

from codering.errors import TranscriptError
from codering.fileio import megabytes
from codering.wording import count
from codering.ingest.model import MAX_BYTES
from codering.ingest.speakers import KEY_VALUE, SHORT_CODE, label_role, name_strength, normalise_timestamp

# a header line as a docx/odt paragraph or table row; parse_text decides whether it is a header
_KEY_ONLY = re.compile(r"[A-Za-z][\w -]{0,40}:?")
_TABLE_TEXT_HEADERS = {"tekst", "text", "transcript", "transcriptie", "uitspraak", "inhoud", "spraak", "wat"}
# What the parts of a .docx or .odt that are read may unpack to, each and together: an XML part is
# several times the text in it, so a few times the transcript limit; a zip bomb (a few MB unpacking to GBs)
# is refused from the zip's directory before anything is unpacked.
MAX_UNPACKED = 5 * MAX_BYTES
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _is_heading(style: str) -> bool:
    low = style.lower()
    return low.startswith(("heading", "title", "kop", "titel", "subtitle", "ondertitel"))


_COLUMN_HEADERS = {
    **dict.fromkeys(_TABLE_TEXT_HEADERS, "text"),
    **dict.fromkeys(("spreker", "speaker", "wie", "naam", "name", "persoon", "spreker/naam"), "speaker"),
    **dict.fromkeys(("tijd", "time", "tijdstip", "tijdcode", "timestamp", "tijdsaanduiding", "start"), "time"),
    **dict.fromkeys(("#", "nr", "nr.", "no", "no.", "nummer", "regel", "lijn", "rij", "line"), "number"),
    **dict.fromkeys(("opmerking", "opmerkingen", "notitie", "notities", "noot", "note", "notes", "commentaar",
                     "comment", "comments", "memo"), "note"),
}
_CELL_TIME = re.compile(r"[\[(]?(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)[\])]?(?:\s*(?:-->|[-–—])\s*\S+)?")


def _column_kinds(grid: list[list[str]]) -> tuple[list[str], bool] | None:
    """What each column of a transcript table holds ("time", "speaker", "text", "number", "note"), and whether
    the first row names them; None when the table does not look like speaker turns."""
    width = len(grid[0])
    named = [_COLUMN_HEADERS.get(c.strip().rstrip(":").lower(), "") for c in grid[0]]
    has_header = sum(bool(k) for k in named) >= 2 and all(named.count(k) == 1 for k in named if k != "note")
    data = grid[1:] if has_header else grid
    if not data:
        return None

    def share(col: int, test) -> float:
        cells = [r[col] for r in data if r[col]]
        return sum(map(test, cells)) / len(cells) if cells else 0.0

    def speaker_like(cell: str) -> bool:
        label = cell.rstrip(":").strip()
        return len(label) <= 40 and bool(label_role(label) or name_strength(label))

    if has_header:
        kinds = named
    else:
        kinds = [""] * width
        for col in range(width):
            if share(col, lambda c: bool(_CELL_TIME.fullmatch(c) and normalise_timestamp(
                    _CELL_TIME.fullmatch(c).group(1)))) >= 0.8 and "time" not in kinds:
                kinds[col] = "time"
            elif share(col, lambda c: bool(re.fullmatch(r"\d{1,5}\.?", c))) >= 0.8 and "number" not in kinds:
                kinds[col] = "number"
        free = [c for c in range(width) if not kinds[c]]
        speakers = [c for c in free if share(c, speaker_like) >= 0.8
                    and len({r[c] for r in data if r[c]}) <= max(3, len(data) // 2)]
        if not speakers or len(free) < 2:
            return None
        kinds[speakers[0]] = "speaker"
    length = {c: sum(len(r[c]) for r in data) / len(data) for c in range(width) if kinds[c] in ("", "text")}
    if not length:
        return None
    text = kinds.index("text") if "text" in kinds else max(length, key=length.get)
    kinds[text] = "text"
    for col in length:
        if col != text:
            if length[col] * 2 > length[text]:
                return None  # another column of real text: read the table row by row as before
            kinds[col] = "note"
    return kinds, has_header


def _table_turns(raw_rows: list[list[str]], rows: list[list[str]], notices: list[str]) -> list[str]:
    """A table's rows -> turn paragraphs. Columns are found by a header row or by what they hold (a time, a
    speaker label, a row number, the text); a note column is left out. Other tables: one row, one paragraph."""
    grid = [[" ".join(c.split()) for c in row] for row in raw_rows]
    grid = [row for row in grid if any(row)]
    found = _column_kinds(grid) if len(grid[0]) >= 2 and all(len(r) == len(grid[0]) for r in grid) else None
    if found is None:
        return _plain_table_turns(rows)
    kinds, has_header = found
    out: list[str] = []
    for row in grid[1:] if has_header else grid:
        cell = dict(zip(kinds, row))
        if not cell["text"]:
            continue
        when = _CELL_TIME.fullmatch(cell.get("time", ""))
        ts = normalise_timestamp(when.group(1)) if when else None
        speaker = cell.get("speaker", "").rstrip(":").strip()
        out.append((f"[{ts}] " if ts else "") + (f"{speaker}: " if speaker else "") + cell["text"])
    notes = [(f"'{grid[0][c]}'" if has_header else str(c + 1)) for c, k in enumerate(kinds) if k == "note"]
    if notes:
        notices.append(f"table column {', '.join(notes)}: read as notes beside the turns and left out of the text "
                       "that is coded")
    return out


def _plain_table_turns(rows: list[list[str]]) -> list[str]:
    out: list[str] = []
    if len(rows[0]) >= 2 and rows[0][-1].lower() in _TABLE_TEXT_HEADERS:
        rows = rows[1:]
    for row in rows:
        ts = normalise_timestamp(row[0].strip("[]()")) if len(row) >= 2 else None
        if ts and len(row) == 3:
            out.append(f"[{ts}] {row[1].rstrip(':')}: {row[2]}")
        elif ts and len(row) == 2:
            out.append(f"[{ts}] {row[1]}")
        elif len(row) == 2 and len(row[0]) <= 40 and "\n" not in row[0] and not row[0].endswith((".", "?", "!")):
            out.append(f"{row[0].rstrip(':')}: {row[1]}")
        else:
            out.append(" ".join(row))
    return out


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
            paragraphs.extend(_table_turns(block[1], rows, notices))
    parts = (["\n".join(header)] if header else []) + paragraphs
    return "\n\n".join(parts)


def flatten_blocks(blocks: list[tuple]) -> list[str]:
    """The paragraphs of blocks one by one, a table's cell by cell: the text of a table cell."""
    lines: list[str] = []
    for block in blocks:
        if block[0] == "p":
            lines.append(block[1])
        else:
            lines.extend(cell for row in block[1] for cell in row)
    return lines


class Collected:
    """What a reader counts while it collects a document's blocks: the text boxes it read and the text so
    far, to stop as soon as there is more than a transcript may hold (a zip bomb within MAX_UNPACKED)."""

    def __init__(self) -> None:
        self.boxes = 0
        self.chars = 0
        self.symbols: list[str] = []  # symbol characters without a Unicode equivalent ("Webdings F021")
        self.embedded: list[str] = []  # documents embedded whole (w:altChunk), which are not read

    def add(self, text: str) -> str:
        self.chars += len(text)
        if self.chars > MAX_BYTES:  # more characters than bytes allowed is surely too much
            raise TextTooLarge
        return text

    def box(self, blocks: list[tuple], read: Callable[[], None]) -> None:
        """Read a text box (or shape) into ``blocks`` with ``read``; count it when it held any text."""
        before = len(blocks)
        read()
        if any(line.strip() for line in flatten_blocks(blocks[before:])):
            self.boxes += 1


class TextTooLarge(Exception):
    """The text of a document is over MAX_BYTES: the reader turns this into a TranscriptError."""


def too_much_text(path: Path) -> TranscriptError:
    return TranscriptError(path, f"the document's text is over {megabytes(MAX_BYTES)}, the limit for a transcript")


def finish(path: Path, blocks: list[tuple], collected: Collected) -> tuple[str, list[str]]:
    """The canonical text and notices of a document read into ``blocks``."""
    notices: list[str] = []
    text = blocks_to_text(blocks, notices)
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise too_much_text(path)
    if collected.boxes == 1:
        notices.append("the text of 1 text box was imported as a paragraph of its own after the paragraph it "
                       "is anchored in")
    elif collected.boxes:
        notices.append(f"the text of {collected.boxes} text boxes was imported as paragraphs of their own after "
                       "the paragraphs they are anchored in")
    if collected.symbols:
        kinds = sorted(set(collected.symbols))
        shown = ", ".join(kinds[:5]) + (", ..." if len(kinds) > 5 else "")
        verb = "stands" if len(collected.symbols) == 1 else "stand"
        notices.append(f"{count(len(collected.symbols), 'symbol character')} with no Unicode equivalent codering "
                       f"knows ({shown}) {verb} as U+FFFD (\ufffd) in the text")
    for part in collected.embedded:
        notices.append(f"an embedded document ({part}) was not imported, so its text is missing; open the file in "
                       "Word and save it again, which makes it part of the document's own text")
    return text, notices


def check_zip(path: Path, reason: str, members: Iterable[str] | None = None) -> None:
    """Refuse ``path`` in one line unless it is a zip whose parts that will be read (``members``, or every
    member when None: python-docx reads every part the package refers to) unpack to at most MAX_UNPACKED,
    each and together. Only the zip's directory is read: ``ZipInfo.file_size`` is also what zipfile stops
    at (with a CRC error), so a member cannot unpack to more than it says."""
    try:
        with zipfile.ZipFile(path) as zf:
            if members is None:
                infos = [info for info in zf.infolist() if not info.is_dir()]
            else:
                wanted = set(members)
                infos = [info for info in zf.infolist() if info.filename in wanted]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TranscriptError(path, _not_a_zip(path, reason)) from None
    infos.sort(key=lambda info: -info.file_size)
    total = sum(info.file_size for info in infos)
    limit = f"the limit is {megabytes(MAX_UNPACKED)}"
    if infos and infos[0].file_size > MAX_UNPACKED:
        raise TranscriptError(path, f"the document's part '{infos[0].filename}' unpacks to "
                                    f"{megabytes(infos[0].file_size)}; {limit}")
    if total > MAX_UNPACKED:
        raise TranscriptError(path, f"the document's parts unpack to {megabytes(total)} together (the largest, "
                                    f"'{infos[0].filename}', to {megabytes(infos[0].file_size)}); {limit}")


def _not_a_zip(path: Path, reason: str) -> str:
    """Why ``path`` (not a zip) is refused: an OLE compound file is an old .doc, or, with the streams every
    encrypted Office file has, a password-protected document."""
    try:
        with open(path, "rb") as fh:
            if fh.read(len(OLE_MAGIC)) != OLE_MAGIC:
                return reason
            data = fh.read(MAX_BYTES)
    except OSError:
        return reason
    if any(name.encode("utf-16-le") in data for name in ("EncryptedPackage", "EncryptionInfo")):
        return ("the document is password-protected; open it in Word, remove the password (File > Info > "
                "Protect Document) and save it again")
    return reason + " (it is an old .doc file; save it as .docx)"
