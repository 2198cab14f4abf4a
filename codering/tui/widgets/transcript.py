"""The transcript text: speaker turns, coded highlights, the cursor (a Line API widget).

Only the lines on screen are drawn, and a cursor move redraws only the lines
of the old and the new selection, so moving stays well under a frame even in
a long interview. The screen sets what to show (attributes down): the
transcript with :meth:`TranscriptView.show`, the codings and memos with
:meth:`set_marks`, the cursor with :meth:`set_selection`. A click on the text
is reported up as :class:`TranscriptView.Clicked`.

Colours: a coding is a background tint of its code's colour blended into the
theme background (readable in light and dark themes); the selection is a
tint of the theme's accent with bold text and a bar in the left gutter;
interviewer turns are dimmed. On wide screens a right margin shows the
labels of the codings where they start (a label that does not fit is cut
with …, and labels left out are counted, ``+1``), so two codes whose tints
differ only in hue are told apart by name.

Without colour (``NO_COLOR`` set, or a terminal without colours) the tints
are gone, so the same things are said by attributes that survive: coded
text is underlined (a coding's words are one unbroken underline, so where a
coding starts and ends shows, also inside a sentence and across sentences;
two codings on neighbouring sentences are parted by the unmarked space
between them), the selection is bold with its gutter bar, a search hit is in
reverse video, interviewer turns are faint, and a memo keeps its ✎ mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from codering.tui.colors import blend, is_dark
from codering.tui.layout import INDENT, Layout, Line, TurnInfo, layout_transcript, offset_at

GUTTER = 2
MARGIN = 24
MIN_TEXT_WITH_MARGIN = 56


def without_colour(app: object) -> bool:
    """True where colour does not reach the researcher: ``NO_COLOR`` set (Textual's ``App.no_color``,
    which turns the output grey or colourless) or a console that prints no colour at all."""
    if getattr(app, "no_color", False):
        return True
    console = getattr(app, "console", None)
    return console is not None and console.color_system is None


@dataclass(frozen=True)
class Mark:
    """A coding to highlight: ``content[start:end]`` in ``color`` (``#rrggbb``), labelled."""

    start: int
    end: int
    color: str
    label: str


class TranscriptView(ScrollView, can_focus=False, inherit_bindings=False):
    """A whole transcript, drawn line by line."""

    DEFAULT_CSS = """
    TranscriptView {
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        background: $surface;
    }
    """

    def page(self, step: int) -> None:
        """Scroll a screenful down (1) or up (-1) without moving the cursor."""
        self.scroll_to(y=self.scroll_y + step * max(1, self.size.height - 2), animate=False)

    class Clicked(Message):
        """The researcher clicked the text at ``offset`` (with shift held: ``extend``)."""

        def __init__(self, offset: int, extend: bool) -> None:
            super().__init__()
            self.offset = offset
            self.extend = extend

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = ""
        self._turns: list[TurnInfo] = []
        self._by_index: dict[int, TurnInfo] = {}
        self._marks: list[Mark] = []
        self._memos: list[tuple[int, int]] = []
        self._found: list[tuple[int, int]] = []
        self._selection = (0, 0)
        self._layout: Layout | None = None
        self._margin = 0
        self._labels: dict[int, list[Mark]] = {}
        self._cache: LRUCache[int, Strip] = LRUCache(512)
        self._palette: dict[str, Style] | None = None

    # -- attributes set by the screen ------------------------------------------------------
    def show(self, content: str, turns: Sequence[Sequence]) -> None:
        """Show a transcript: its text and turns (rows of ``Project.turns``)."""
        self._content = content
        self._turns = [TurnInfo.from_row(t) for t in turns]
        self._by_index = {t.index: t for t in self._turns}
        self._relayout()

    def set_marks(self, marks: list[Mark], memos: list[tuple[int, int]]) -> None:
        """The codings and memo spans to draw (replaces the previous ones)."""
        self._marks = sorted(marks, key=lambda m: (m.start, -m.end))
        self._memos = memos
        self._place_labels()
        self._cache.clear()
        self.refresh()

    def set_found(self, spans: list[tuple[int, int]]) -> None:
        """The words a text search found, highlighted (replaces the previous ones; [] clears them)."""
        if spans == self._found:
            return
        self._found = sorted(spans)
        self._cache.clear()
        self.refresh()

    def set_selection(self, start: int, end: int, scroll: bool = True) -> None:
        """Move the cursor to ``content[start:end]`` and redraw only what changed."""
        old = self._selection
        self._selection = (start, end)
        layout = self._layout
        if layout is None:
            return
        for span in (old, self._selection):
            rows = layout.rows_for(*span)
            for row in rows:
                self._cache.discard(row)
            self.refresh_lines(rows.start, len(rows))
        if scroll:
            self.scroll_to_selection()

    def scroll_to_selection(self) -> None:
        layout = self._layout
        if layout is None or not self.size.height:
            return
        rows = layout.rows_for(*self._selection)
        height = self.size.height
        top = round(self.scroll_y)
        first, last = rows.start - 1, rows.stop  # keep the line above and below in view too
        if first >= top and last < top + height:
            return
        target = max(0, rows.start - height // 3)
        self.scroll_to(y=target, animate=False, immediate=True)

    def visible_span(self) -> tuple[int, int] | None:
        """``content[start:end]`` shown in the viewport now (None before the first layout)."""
        layout = self._layout
        if layout is None or not self.size.height:
            return None
        top = max(0, round(self.scroll_y))
        lines = [line for line in layout.lines[top:top + self.size.height] if not line.blank]
        return (lines[0].start, lines[-1].end) if lines else None

    # -- layout -----------------------------------------------------------------------------
    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 20)

    def _relayout(self) -> None:
        width = self._text_width()
        self._margin = MARGIN if width - GUTTER - MARGIN >= MIN_TEXT_WITH_MARGIN else 0
        self._layout = layout_transcript(self._content, self._turns, width - GUTTER - self._margin - 1)
        self._place_labels()
        self._cache.clear()
        self.virtual_size = Size(width, len(self._layout))
        self.refresh()

    def _place_labels(self) -> None:
        self._labels = {}
        if self._layout is None or not self._margin:
            return
        for mark in self._marks:
            self._labels.setdefault(self._layout.row_of(mark.start), []).append(mark)

    def on_resize(self, event: events.Resize) -> None:
        if self._layout is not None and self._layout.width != self._text_width() - GUTTER - self._margin - 1:
            self._relayout()
            self.call_after_refresh(self.scroll_to_selection)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._cache.clear()

    # -- drawing ------------------------------------------------------------------------------
    def _styles(self) -> dict[str, Style]:
        if self._palette is None:
            _, _, background, foreground = self.colors
            bg, fg = background.hex6, foreground.hex6
            accent = self.app.get_css_variables().get("accent", "#ffa62b")[:7]
            plain = without_colour(self.app)
            faint = Style(dim=True) if plain else Style()  # the blended grey is gone without colour
            self._palette = {
                "bg": bg, "fg": fg, "dark": "1" if is_dark(bg) else "", "plain": "1" if plain else "",
                "text": Style(color=fg, bgcolor=bg),
                "muted": Style(color=blend(fg, bg, 0.45), bgcolor=bg) + faint,
                "speaker": Style(color=fg, bgcolor=bg, bold=True),
                "stamp": Style(color=blend(fg, bg, 0.45), bgcolor=bg) + faint,
                "selected": Style(color=fg, bgcolor=blend(bg, accent, 0.30), bold=True),
                "bar": Style(color=accent, bgcolor=bg),
                "memo": Style(color=accent, bgcolor=bg, bold=True),
                "found": (Style(color=fg, bgcolor=bg, reverse=True, bold=True) if plain
                          else Style(color=bg, bgcolor=accent, bold=True)),
            }  # type: ignore[dict-item]
        return self._palette  # type: ignore[return-value]

    def _tint(self, color: str, strong: bool) -> Style:
        """A coding's style: its code's colour blended into the background (stronger where selected);
        without colour an underline says what the tint said."""
        pal = self._styles()
        amount = (0.55 if strong else 0.32) if pal["dark"] else (0.45 if strong else 0.25)
        return Style(color=pal["fg"], bgcolor=blend(pal["bg"], color, amount),  # type: ignore[arg-type]
                     bold=strong, underline=strong or bool(pal["plain"]))

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        strip = self._cache.get(row)
        if strip is None:
            strip = self._render_row(row)
            self._cache[row] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, self._styles()["text"])

    def _render_row(self, row: int) -> Strip:
        pal = self._styles()
        layout = self._layout
        if layout is None or row >= len(layout):
            return Strip([Segment(" " * self.size.width, pal["text"])])
        line = layout.lines[row]
        if line.blank:
            return Strip([Segment(" " * self.size.width, pal["text"])])
        turn = self._by_index[line.turn]
        dim = turn.role == "interviewer"
        sel_start, sel_end = self._selection
        selected = line.start < sel_end and line.end > sel_start or (line.start == line.end == sel_start)
        memo = any(a < line.end and b > line.start for a, b in self._memos)
        segments = [
            Segment("▌" if selected else " ", pal["bar"]),
            Segment("✎" if memo else " ", pal["memo"]),
        ]
        if line.first:
            if turn.timestamp:
                segments.append(Segment(f"[{turn.timestamp}] ", pal["stamp"]))
            segments.append(Segment(f"{turn.speaker}: ", pal["muted"] if dim else pal["speaker"]))
        else:
            segments.append(Segment(" " * INDENT, pal["text"]))
        segments.extend(self._text_segments(line, dim))
        used = sum(cell_len(s.text) for s in segments)
        total = self._text_width()
        if self._margin:
            pad = max(0, total - self._margin - used)
            segments.append(Segment(" " * pad, pal["text"]))
            segments.extend(self._margin_segments(row))
        else:
            segments.append(Segment(" " * max(0, total - used), pal["text"]))
        return Strip(segments).crop(0, total)

    def _text_segments(self, line: Line, dim: bool) -> list[Segment]:
        pal = self._styles()
        text = self._content
        marks = [m for m in self._marks if m.start < line.end and m.end > line.start]
        sel_start, sel_end = self._selection
        cuts = {line.start, line.end}
        for m in marks:
            cuts.update((max(m.start, line.start), min(m.end, line.end)))
        for edge in (sel_start, sel_end):
            if line.start < edge < line.end:
                cuts.add(edge)
        found = [f for f in self._found if f[0] < line.end and f[1] > line.start] if self._found else []
        for a, b in found:
            cuts.update((max(a, line.start), min(b, line.end)))
        points = sorted(cuts)
        out: list[Segment] = []
        for a, b in zip(points, points[1:]):
            if a >= b:
                continue
            inside = sel_start <= a and b <= sel_end
            covering = [m for m in marks if m.start <= a and m.end >= b]
            if any(fa <= a and b <= fb for fa, fb in found):
                style = pal["found"] + Style(underline=True) if covering and pal["plain"] else pal["found"]
            elif covering:
                innermost = min(covering, key=lambda m: m.end - m.start)
                style = self._tint(innermost.color, inside)
            elif inside:
                style = pal["selected"]
            else:
                style = pal["muted"] if dim else pal["text"]
            out.append(Segment(text[a:b].replace("\n", " "), style))
        return out

    def _margin_segments(self, row: int) -> list[Segment]:
        pal = self._styles()
        marks = self._labels.get(row, [])
        out: list[Segment] = [Segment(" ", pal["text"])]
        room = self._margin - 1
        shown = 0
        for i, mark in enumerate(marks):
            left = len(marks) - i - 1
            space = room - 1 - (len(f"+{left}") + 1 if left else 0)  # keep room to say how many are not shown
            if space < 3:
                break
            label = mark.label if cell_len(mark.label) <= space else mark.label[: space - 1] + "…"
            out.append(Segment(label, self._tint(mark.color, False) + Style(underline=False)))  # a label, not text
            out.append(Segment(" ", pal["text"]))
            room -= cell_len(label) + 1
            shown += 1
        if shown < len(marks):
            more = f"+{len(marks) - shown}"[:room]
            out.append(Segment(more, pal["muted"]))
            room -= cell_len(more)
        if room > 0:
            out.append(Segment(" " * room, pal["text"]))
        return out

    # -- mouse ----------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        layout = self._layout
        if offset is None or layout is None:
            return
        row = offset.y + round(self.scroll_y)
        if not 0 <= row < len(layout) or layout.lines[row].blank:
            return
        line = layout.lines[row]
        if line.start == line.end:
            return
        turn = self._by_index[line.turn]
        lead = GUTTER + (cell_len(turn.prefix) if line.first else INDENT)
        at = offset_at(self._content, line, max(0, offset.x - lead))
        self.post_message(self.Clicked(at, event.shift))
