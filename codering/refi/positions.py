"""Character positions from other tools, turned into offsets of codering's stored text.

REFI-QDA counts Unicode code points from 0, end exclusive: Python ``str``
indices. Not every tool does: NVivo for Windows counts UTF-16 code units,
ATLAS.ti counts CRLF as one character. And codering stores a transcript
normalised (no BOM, LF line ends, NFC, no invisible control or format
characters, no trailing whitespace), so offsets into the file's text are moved
onto the stored text by lining the two up.
"""

from __future__ import annotations

from typing import Callable

from codering.ingest.decoding import align

MODES = ("auto", "codepoints", "utf16", "crlf1")


def detect_mode(origin: str, text: str) -> str:
    """The counting a tool uses, from the project's ``origin`` attribute."""
    low = (origin or "").lower()
    if "nvivo" in low and "mac" not in low:
        return "utf16"
    if "atlas.ti" in low and "\r\n" in text:
        return "crlf1"
    return "codepoints"


def counted_length(text: str, mode: str) -> int:
    """The length of ``text`` as the tool counts it."""
    if mode == "utf16":
        return len(text.encode("utf-16-le")) // 2
    if mode == "crlf1":
        return len(text) - text.count("\r\n")
    return len(text)


def _to_codepoints(text: str, mode: str) -> Callable[[int], int]:
    """Position as the tool counts it -> index into ``text``."""
    if mode == "codepoints":
        return lambda p: p
    table: list[int] = []
    for i, ch in enumerate(text):
        if mode == "utf16":
            table.extend([i] * (2 if ord(ch) > 0xFFFF else 1))
        elif not (ch == "\n" and i > 0 and text[i - 1] == "\r"):
            table.append(i)  # crlf1: the LF of a CRLF is not counted
    table.append(len(text))
    return lambda p: table[p]


class PositionMap:
    """Turns a tool's (start, end) into offsets of the stored text."""

    def __init__(self, original: str, stored: str, mode: str) -> None:
        self.mode = mode
        self.length = counted_length(original, mode)
        self._cp = _to_codepoints(original, mode)
        self._align = None if original == stored else align(original, stored)
        self.ok = original == stored or self._align is not None

    def __call__(self, position: int) -> int:
        index = self._cp(position)
        return self._align[index] if self._align is not None else index
