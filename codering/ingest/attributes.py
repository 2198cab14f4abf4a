"""Case attributes from a CSV file: one row per transcript."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from codering.errors import TranscriptError
from codering.fileio import read_input
from codering.ingest.decoding import decode_bytes
from codering.ingest.model import MAX_BYTES, SUPPORTED_SUFFIXES, transcript_name_form

_NAME_COLUMNS = {"transcript", "name", "file", "bestand", "naam", "transcriptie", "filename", "bestandsnaam"}


def read_attributes_csv(path: Path) -> dict[str, dict[str, str]]:
    """Case attributes from a CSV: transcript stem -> {attribute: value}.

    The first column names the transcript (header ``transcript``, ``name`` or
    ``file``); a file extension or folder in its values is dropped. Other
    column headers are attribute names (lowercased, spaces become ``_``).
    Comma, semicolon and tab separators are recognised; empty cells are skipped.
    """
    path = Path(path)
    data = read_input(path, MAX_BYTES, lambda reason: TranscriptError(path, reason))
    text, _, _ = decode_bytes(data, path)
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    hint = re.fullmatch(r"\s*sep=(.)\s*", first)  # Excel's "sep=;" line names the separator
    if hint:
        delimiter = hint.group(1)
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:  # e.g. a cell over the csv module's field limit (128 KB)
        raise TranscriptError(path, f"line {reader.line_num}: not a readable CSV row ({exc})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise TranscriptError(path, "the file is empty")
    head = [" ".join(c.split()) for c in rows[0]]
    while len(head) > 1 and not head[-1]:  # Excel saves empty columns after the last one as ";;;"
        head.pop()
    if not head or head[0].lower() not in _NAME_COLUMNS:
        raise TranscriptError(path, "the first column must be named 'transcript', 'name' or 'file'"
                                    f" (found '{head[0] if head else ''}')")
    keys = [re.sub(r"\s+", "_", h.strip().lower()) for h in head]
    for k, key in enumerate(keys[1:], start=2):
        if not key:
            raise TranscriptError(path, f"column {k} has no name")
    if len(set(keys[1:])) != len(keys) - 1:
        raise TranscriptError(path, "two columns have the same name")
    result: dict[str, dict[str, str]] = {}
    rownum: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        raw = row[0].strip() if row else ""
        if not raw:
            continue
        if len(row) > len(head) and any(c.strip() for c in row[len(head):]):
            raise TranscriptError(path, f"row {number} has {len(row)} cells but the header names {len(head)} "
                                        "columns (a value with the separator in it needs quotes)")
        name = transcript_name_form(re.split(r"[\\/]", raw)[-1])
        if Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
            name = name[: -len(Path(name).suffix)]
        if name in result:
            raise TranscriptError(path, f"transcript '{name}' appears twice (rows {rownum[name]} and {number})")
        rownum[name] = number
        result[name] = {key: value.strip() for key, value in zip(keys[1:], row[1:]) if value.strip()}
    if not result:
        raise TranscriptError(path, "no transcripts listed")
    return result
