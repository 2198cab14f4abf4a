"""Word-wrapping a transcript into screen lines that remember their offsets (no Textual).

The transcript view draws only the lines on screen, so it needs, for any
width, the list of lines and for each the exact ``content`` offsets it shows.
That lets it map a segment (a sentence, by offsets) to the lines to redraw
when the cursor moves, and a mouse click back to an offset.

Each turn starts with a prefix written as in the transcript file,
``[00:01:10] R: ``, continuation lines are indented by ``INDENT``; a blank
line separates turns. A newline inside a turn is a hard line break.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Sequence

from rich.cells import cell_len

INDENT = 2
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class TurnInfo:
    index: int
    start: int
    end: int
    body_start: int
    speaker: str
    role: str
    timestamp: str | None

    @classmethod
    def from_row(cls, row: Sequence) -> "TurnInfo":
        return cls(*row[:7])

    @property
    def prefix(self) -> str:
        stamp = f"[{self.timestamp}] " if self.timestamp else ""
        return f"{stamp}{self.speaker}: "


@dataclass(frozen=True)
class Line:
    """One screen line: ``content[start:end]`` of turn ``turn`` (-1 for a blank line)."""

    turn: int
    start: int
    end: int
    first: bool  # the first line of its turn (drawn with the turn's prefix)

    @property
    def blank(self) -> bool:
        return self.turn < 0


class Layout:
    """The lines of a whole transcript at one width, with offset lookups."""

    def __init__(self, lines: list[Line], width: int) -> None:
        self.lines = lines
        self.width = width
        self._text_rows = [i for i, line in enumerate(lines) if not line.blank]
        self._text_starts = [lines[i].start for i in self._text_rows]

    def __len__(self) -> int:
        return len(self.lines)

    def row_of(self, offset: int) -> int:
        """The row of the line that shows ``offset`` (or the nearest line before it)."""
        if not self._text_rows:
            return 0
        at = max(0, bisect_right(self._text_starts, offset) - 1)
        return self._text_rows[at]

    def rows_for(self, start: int, end: int) -> range:
        """The rows that show any of ``content[start:end]``."""
        first = self.row_of(start)
        last = self.row_of(max(start, end - 1))
        return range(first, last + 1)


def layout_transcript(content: str, turns: Sequence[TurnInfo], width: int) -> Layout:
    width = max(width, 12)
    lines: list[Line] = []
    for turn in turns:
        if lines:
            lines.append(Line(-1, turn.start, turn.start, False))
        first_width = max(width - cell_len(turn.prefix), 8)
        spans = wrap(content, turn.body_start, turn.end, first_width, width - INDENT)
        if not spans:
            spans = [(turn.body_start, turn.body_start)]
        for n, (a, b) in enumerate(spans):
            lines.append(Line(turn.index, a, b, n == 0))
    return Layout(lines, width)


def wrap(content: str, start: int, end: int, first_width: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of ``content[start:end]``: (start, end) offsets per line, no trailing spaces."""
    out: list[tuple[int, int]] = []
    avail = first_width
    pos = start
    while pos < end:
        newline = content.find("\n", pos, end)
        stop = end if newline < 0 else newline
        line_start: int | None = None
        line_end = pos
        used = 0
        for match in _WORD.finditer(content, pos, stop):
            a, b = match.start(), match.end()
            cells = cell_len(content[a:b])
            gap = 0 if line_start is None else cell_len(content[line_end:a])
            if line_start is not None and used + gap + cells > avail:
                out.append((line_start, line_end))
                avail = width
                line_start, used, gap = None, 0, 0
            while cells > avail and line_start is None:  # one word wider than the line: hard split
                cut = a + _fit(content, a, b, avail)
                out.append((a, cut))
                avail = width
                a = cut
                cells = cell_len(content[a:b])
            if line_start is None:
                line_start = a
            used += gap + cells
            line_end = b
        if line_start is not None:
            out.append((line_start, line_end))
            avail = width
        pos = stop + 1
    return out


def _fit(content: str, a: int, b: int, cells: int) -> int:
    n = 0
    used = 0
    while a + n < b:
        w = cell_len(content[a + n])
        if used + w > cells and n:
            break
        used += w
        n += 1
    return n


def offset_at(content: str, line: Line, col: int) -> int:
    """The content offset at column ``col`` of a line's text (clamped to the line)."""
    used = 0
    for i in range(line.start, line.end):
        used += cell_len(content[i])
        if used > col:
            return i
    return max(line.start, line.end - 1)
