"""Read one transcript file of any supported type: checks, decoding, conversion, then parsing.

Other file types (.docx, .odt, .vtt, .srt, .md) are converted to canonical
text by their reader module and then parsed like a .txt file, so all offsets
index ``ParsedTranscript.content``.
"""

from __future__ import annotations

from pathlib import Path

from codering.errors import TranscriptError
from codering.fileio import read_input, size_problem, stat_input
from codering.ingest import markdown, opendocument, subtitles, word
from codering.ingest.decoding import decode_bytes
from codering.ingest.model import MAX_BYTES, SUPPORTED_SUFFIXES, ParsedTranscript
from codering.ingest.parse import parse

_REFUSED_HINTS = {
    ".doc": "save it as .docx (Word) first", ".rtf": "save it as .docx or plain text first",
    ".pdf": "copy the text into a .txt or .docx file first", ".pages": "export it as .docx first",
    ".xlsx": "a spreadsheet is not a transcript; attributes go in a .csv file",
}


def check_file(path: Path) -> int:
    """Raise a TranscriptError unless ``path`` is an existing, supported, not too large regular file."""
    info = stat_input(path, lambda reason: TranscriptError(path, reason))
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = f"'{suffix}'" if suffix else "(no extension)"
        reason = (f"unsupported file type {shown} (supported: {', '.join(SUPPORTED_SUFFIXES)} for transcripts; "
                  ".csv for attributes, .jsonl for codings, .qdpx and .qdc for REFI-QDA)")
        if suffix in _REFUSED_HINTS:
            reason += f"; {_REFUSED_HINTS[suffix]}"
        raise TranscriptError(path, reason)
    problem = size_problem(info.st_size, MAX_BYTES)
    if problem:
        raise TranscriptError(path, problem)
    return info.st_size


def read_transcript(path: Path) -> ParsedTranscript:
    """Read, decode, convert, parse and segment one transcript file."""
    path = Path(path)
    check_file(path)
    suffix = path.suffix.lower()
    fmt = suffix.lstrip(".")
    speakers: frozenset[str] | None = None
    only_speakers = False
    decoded = ""  # a plain-text file's own text
    if suffix in (".docx", ".odt"):
        text, notices = word.read_docx(path) if suffix == ".docx" else opendocument.read_odt(path)
        encoding = "utf-8"
        if not text.strip():
            raise TranscriptError(path, "the document has no text")
    else:
        text, encoding, notices = _decoded(path)
        decoded = text
        if suffix in (".txt", ".md"):
            sniffed = subtitles.sniff_subtitles(text)
            if sniffed:
                notices.append(f"the {suffix} file holds {sniffed.upper()} subtitles; read as subtitles")
                fmt = sniffed
        if fmt in ("vtt", "srt"):
            text, more, names = subtitles.convert_subtitles(text, fmt, path)
            notices += more
            speakers, only_speakers = frozenset(names), True
        elif fmt == "md":
            text, more = markdown.convert_markdown(text)
            notices += more
    parsed = parse(text, path.stem, fmt, encoding, notices, where=path, speakers=speakers,
                   only_speakers=only_speakers)
    if fmt in ("txt", "md") and decoded.rstrip() != parsed.content:
        parsed.file_text = decoded
    return parsed


def _decoded(path: Path) -> tuple[str, str, list[str]]:
    data = read_input(path, MAX_BYTES, lambda reason: TranscriptError(path, reason))
    return decode_bytes(data, path)


def file_text(path: Path) -> str | None:
    """The text of a plain-text transcript file (.txt, .md) as a program reading it sees it, before codering
    normalises it; None for other files and for a file that cannot be read (any more)."""
    path = Path(path)
    if path.suffix.lower() not in (".txt", ".md"):
        return None
    try:
        check_file(path)
        return _decoded(path)[0]
    except (TranscriptError, OSError):
        return None
