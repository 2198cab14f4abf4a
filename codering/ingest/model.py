"""What a transcript becomes: turns, sentence segments and the parsed transcript; no I/O here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".odt", ".vtt", ".srt")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Turn:
    index: int  # 0-based turn number within the transcript
    start: int  # offset of the paragraph's first (non-whitespace) character in content
    end: int  # offset just past the paragraph's last non-whitespace character
    body_start: int  # offset where the spoken text starts (after timestamp + label + spaces)
    speaker: str  # the label as written ("I", "R1", "Marleen"), "" when there is none
    role: str  # "interviewer" | "respondent" | "other" | "none" (no label)
    timestamp: str | None  # "hh:mm:ss" or None


@dataclass(frozen=True)
class Segment:
    start: int  # content[start:end] is the sentence, without surrounding whitespace
    end: int
    turn: int  # Turn.index
    index: int  # 0-based segment number within the transcript


@dataclass
class ParsedTranscript:
    name: str
    content: str
    attributes: dict[str, str]
    turns: list[Turn]
    segments: list[Segment]
    source_format: str
    encoding: str
    notices: list[str] = field(default_factory=list)
    content_hash: str = ""
    # a plain-text file's own text as decoded, when it differs from ``content`` other than at its end (CRLF
    # line ends, invisible characters, decomposed accents): what offsets counted on the file index
    file_text: str | None = None


def transcript_name_form(name: str) -> str:
    """A transcript's name as stored and looked up: Unicode NFC. macOS gives file names in NFD ("é" as "e"
    and an accent), a name typed in a CSV, a .jsonl or on the command line comes in NFC."""
    return unicodedata.normalize("NFC", name)
