"""What the screens say by colour they also say without it (``NO_COLOR``, a colour-blind reader).

The real app under Pilot, with and without ``NO_COLOR`` (Textual reads it when the app is made: greys
everything, or drops colour on a terminal that uses its own ANSI colours), at 80×24 and 160×40. Every
assertion is on what is drawn: the transcript's strips and their segments' styles, the panel's text, a
table's or list's cursor style.
"""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from rich.style import Style
from test_tui_support import sample_project, sample_template, sync  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import Suggestion
from codering.tui.app import make_app
from codering.tui.layout import INDENT
from codering.tui.screens.coding import CodingScreen
from codering.tui.widgets.panel import ALTERNATIVE_MARK, LIKELY_MARK, SegmentPanel
from codering.tui.widgets.transcript import GUTTER, TranscriptView

SIZES = [(80, 24), (160, 40)]


class MixedSuggester:
    """One likely suggestion and two alternatives on every sentence (fast, no model)."""

    model_id = "mixed"
    ready = True

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        pass

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion("stim.praktisch.nabijheid", 0.8, "lijkt op: iets", "example", True),
                Suggestion("rem.financieel", 0.3, "past bij: geld", "codebook", False),
                Suggestion("stim.inhoud", 0.2, "past bij: inhoud", "codebook", False)][:k]

    def observe(self, project) -> None:
        pass


def code_first(path) -> dict[str, tuple[int, int]]:
    """Codings on the first transcript's respondent sentences; returns the spans the tests look at."""
    with Project.open(path) as project:
        info = project.transcripts()[0]
        segs = [s for s in project.segments(info.id) if s.role == "respondent"]
        content = project.content(info.id)
        project.add_coding(info.id, segs[2].start, segs[3].end, "stim.praktisch.nabijheid", "tester")  # two sentences
        project.add_coding(info.id, segs[4].start, segs[4].end, "rem.financieel", "tester")  # two neighbours,
        project.add_coding(info.id, segs[5].start, segs[5].end, "stim.inhoud", "tester")  # different codes
        part = (segs[7].start + 10, segs[7].start + 40)  # part of a sentence
        project.add_coding(info.id, *part, "stim.persoonlijk.klik", "tester")
        project.add_memo("een memo", "tester", transcript=info.id, start=segs[4].start, end=segs[4].end)
        gap = content.index(" ", segs[3].end - 1, segs[4].start + 1) if segs[4].start > segs[3].end else None
        return {"two": (segs[2].start, segs[3].end), "first": (segs[4].start, segs[4].end),
                "second": (segs[5].start, segs[5].end), "part": part, "sentence7": (segs[7].start, segs[7].end),
                "uncoded": (segs[6].start, segs[6].end), "between": (segs[4].end, segs[5].start),
                "gap": (gap, gap + 1) if gap is not None else None}


def drawn(view: TranscriptView, start: int, end: int) -> list[tuple[str, Style]]:
    """(character, style) as drawn for the characters of ``content[start:end]`` on screen (from the rendered
    strips; a space where a line wraps is not drawn)."""
    return list(drawn_at(view, start, end).values())


def drawn_at(view: TranscriptView, start: int, end: int) -> dict[int, tuple[str, Style]]:
    """:func:`drawn` by content offset."""
    layout = view._layout
    assert layout is not None
    out: dict[int, tuple[str, Style]] = {}
    for row in layout.rows_for(start, end):
        line = layout.lines[row]
        turn = view._by_index[line.turn]
        lead = GUTTER + (cell_len(turn.prefix) if line.first else INDENT)
        cells: list[tuple[str, Style]] = []
        for segment in view._render_row(row):
            cells.extend((ch, segment.style) for ch in segment.text)
        for offset in range(max(start, line.start), min(end, line.end)):
            out[offset] = cells[lead + offset - line.start]
    return out


def gutter(view: TranscriptView, offset: int) -> str:
    """The two gutter cells of the line showing ``offset``."""
    strip = view._render_row(view._layout.row_of(offset))
    return "".join(s.text for s in strip)[:GUTTER]


async def open_coding(app, pilot, at: int | None = None) -> CodingScreen:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    if at is None:  # the first respondent sentence
        at = next(s.start for s in screen.session.segments if s.role == "respondent")
    screen.session.goto(screen.session.index_at(at))
    screen._redraw(marks=True)
    await pilot.pause()
    return screen


@pytest.fixture
def no_color(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture
def colour(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_without_colour_codings_are_underlined_and_their_ends_show(sample_project, no_color, size):
    spans = code_first(sample_project)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=size) as pilot:
        assert app.no_color
        screen = await open_coding(app, pilot, at=spans["uncoded"][0])
        view = screen.query_one(TranscriptView)
        for name in ("two", "first", "second", "part"):
            cells = drawn(view, *spans[name])
            assert all(style.underline for ch, style in cells if ch.strip()), name
        # a coding over two sentences is one unbroken underline, the space between them included
        assert all(style.underline for _, style in drawn(view, *spans["two"]))
        # two codings on neighbouring sentences: the space between them is not underlined
        between = drawn(view, *spans["between"])
        assert between and not any(style.underline for ch, style in between if ch == " ")
        # part of a sentence: the underline starts and ends inside it
        sentence = drawn_at(view, *spans["sentence7"])
        part_start, part_end = spans["part"]
        inside = [sentence[o] for o in sentence if part_start <= o < part_end]
        outside = [sentence[o] for o in sentence if not part_start <= o < part_end]
        assert inside and all(style.underline for ch, style in inside if ch.strip())
        assert outside and not any(style.underline for ch, style in outside if ch.strip())
        # an uncoded sentence (here under the cursor): no underline, bold, with the gutter bar
        uncoded = drawn(view, *spans["uncoded"])
        assert not any(style.underline for _, style in uncoded)
        assert all(style.bold for ch, style in uncoded if ch.strip())
        assert gutter(view, spans["uncoded"][0])[0] == "▌"
        assert gutter(view, spans["two"][0])[0] == " "
        # the memo's mark
        assert gutter(view, spans["first"][0])[1] == "✎"


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_without_colour_the_selection_on_a_coding_is_bold_and_underlined(sample_project, no_color, size):
    spans = code_first(sample_project)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=size) as pilot:
        screen = await open_coding(app, pilot, at=spans["first"][0])
        view = screen.query_one(TranscriptView)
        selected = drawn(view, *spans["first"])
        assert all(style.bold and style.underline for ch, style in selected if ch.strip())
        assert not any(style.bold for ch, style in drawn(view, *spans["second"]) if ch.strip())
        assert gutter(view, spans["first"][0]) == "▌✎"


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_without_colour_search_hits_are_reversed_and_interviewer_turns_faint(sample_project, no_color, size):
    code_first(sample_project)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=size) as pilot:
        screen = await open_coding(app, pilot)
        await pilot.press("f", *"samenwerking", "enter")
        await pilot.pause()
        view = screen.query_one(TranscriptView)
        hits = screen.session.find_text(screen.found_query).spans
        hit, end = hits[0]
        cells = drawn(view, hit, end)
        assert cells and all(style.reverse for _, style in cells)
        around = drawn_at(view, max(0, hit - 30), end + 30)
        outside = [around[o] for o in around if not any(a <= o < b for a, b in hits)]
        assert outside and not any(style.reverse for _, style in outside)
        interviewer = next(s for s in screen.session.segments if s.role == "interviewer")
        assert all(style.dim for ch, style in drawn(view, interviewer.start, interviewer.end) if ch.strip())


@pytest.mark.parametrize("size", SIZES)
@sync
async def test_with_colour_the_normal_look_stays(sample_project, colour, size):
    """Where colour is there, an unselected coding is a tint only (no underline) and a hit is not reversed."""
    spans = code_first(sample_project)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=size) as pilot:
        assert not app.no_color
        screen = await open_coding(app, pilot, at=spans["uncoded"][0])
        view = screen.query_one(TranscriptView)
        cells = drawn(view, *spans["second"])
        assert not any(style.underline for _, style in cells)
        background = drawn(view, *spans["uncoded"])[0][1].bgcolor
        assert all(style.bgcolor != background for _, style in cells)
        assert not any(segment.style.dim for segment in view._render_row(0))


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("env", ["no_color", "colour"])
@sync
async def test_likely_and_alternative_suggestions_differ_by_shape(sample_project, env, size, request):
    request.getfixturevalue(env)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=size) as pilot:
        screen = await open_coding(app, pilot)
        await pilot.press("tab")
        await pilot.pause()
        lines = SegmentPanel.render(screen.query_one(SegmentPanel)).plain.splitlines()
        listed = [line for line in lines if line[1:3] in ("1 ", "2 ", "3 ")]
        assert [line[3] for line in listed] == [LIKELY_MARK, ALTERNATIVE_MARK, ALTERNATIVE_MARK]
        assert [line[0] for line in listed] == [" ", "▶", " "]


@sync
async def test_without_colour_table_cursors_and_the_picker_highlight_show(sample_project, no_color):
    code_first(sample_project)
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        table = app.screen.query_one("#transcripts")
        table.focus()
        await pilot.pause()
        assert table.get_component_rich_style("datatable--cursor").reverse
        screen = await open_coding(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        options = app.screen.query_one("#codes")
        style = options.get_visual_style("option-list--option", "option-list--option-highlighted")
        assert style.underline
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


@pytest.mark.parametrize("env", ["no_color", "colour"])
@sync
async def test_the_margin_names_every_code_or_counts_those_left_out(sample_project, env, request):
    """Two codes whose tints differ only in hue are told apart by their labels in the margin (160 columns);
    where the labels do not fit, the first is cut with … and the rest are counted."""
    request.getfixturevalue(env)
    with Project.open(sample_project) as project:
        info = project.transcripts()[0]
        segs = [s for s in project.segments(info.id) if s.role == "respondent"]
        project.add_coding(info.id, segs[4].start, segs[4].end, "rem.financieel", "tester")
        project.add_coding(info.id, segs[4].start, segs[4].end, "stim.inhoud", "tester")
        project.add_coding(info.id, segs[2].start, segs[2].end, "stim.persoonlijk.klik", "tester")
        project.add_coding(info.id, segs[2].start, segs[2].end, "stim.praktisch.nabijheid", "tester")
    app = make_app(sample_project, suggester=MixedSuggester(), coder="tester")
    async with app.run_test(size=(160, 40)) as pilot:
        screen = await open_coding(app, pilot)
        view = screen.query_one(TranscriptView)
        both = "".join(s.text for s in view._render_row(view._layout.row_of(segs[2].start)))
        assert both.rstrip().endswith("Klik Nabijheid") or both.rstrip().endswith("Nabijheid Klik")
        cut = "".join(s.text for s in view._render_row(view._layout.row_of(segs[4].start))).rstrip()
        assert cut.endswith("… +1")
        assert any(word in cut for word in ("Financieel", "Inhoud"))
