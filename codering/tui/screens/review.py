"""Review: every coding of one code across transcripts, as keyword-in-context lines.

To check consistency: the coded words with their context, the interview and
its case attributes. Recode in place (``c``), remove (``d``), undo (``u``),
or open the transcript at that coding (Enter).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Static

from codering.coding.review import recode
from codering.tui.colors import code_colors
from codering.tui.dialogs import CodePicker
from codering.tui.messages import OpenAt, guarded
from codering.tui.screens.base import UNDO_HINT, ProjectScreen, attribute_columns, flat, keeping_cursor, under_cursor
from codering.tui.widgets.panel import ORIGIN_WORDS
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.store import Coding, Project

CONTEXT = 32
MIDDLE = 60


def kwic(content: str, start: int, end: int, context: int = CONTEXT, middle: int | None = MIDDLE) -> Text:
    """'…left context [coded words] right context…'; ``middle``: cut a longer coded fragment in its middle
    (None: the whole fragment, which the review table wraps over as many lines as it needs)."""
    left = flat(content[max(0, start - 3 * context):start])[-context:]
    right = flat(content[end:end + 3 * context])[:context]
    mid = flat(content[start:end])
    if middle is not None and len(mid) > middle:
        half = middle // 2 - 1
        mid = f"{mid[:half]} … {mid[-half:]}"
    return Text.assemble((f"{left:>{context}} ", "dim"), (mid, "bold"), (f" {right}", "dim"))


class ReviewScreen(ProjectScreen):
    """All codings of one code (and its subcodes) across the project."""

    FOCUS = "#review-table"

    HELP_TITLE = "Toetsen — Review"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="review.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("enter", "open", "Openen in transcript", id="review.open",
                tooltip="Het transcript openen op dit fragment"),
        Binding("c,slash", "recode", "Hercoderen", key_display="c", id="review.recode",
                tooltip="Het fragment onder de cursor een andere code geven"),
        Binding("d,delete", "remove", "Weghalen", id="review.remove",
                tooltip="De codering onder de cursor weghalen"),
        Binding("u,ctrl+z", "undo", "Ongedaan", id="review.undo",
                tooltip="Je laatste actie ongedaan maken"),
        Binding("o", "other_code", "Andere code", id="review.other",
                tooltip="De fragmenten van een andere code tonen"),
        Binding("s", "toggle_subcodes", "Subcodes", id="review.subcodes",
                tooltip="De fragmenten van de subcodes verbergen of weer tonen (eerst staan ze erbij)"),
        Binding("escape", "back", "Terug", id="review.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    include_subcodes: reactive[bool] = reactive(True)
    """Also list codings of the code's descendants (a factor counts for its category)."""

    def __init__(self, project: "Project", code_id: str, coder: str) -> None:
        super().__init__()
        self.project = project
        self.code_id = code_id
        self.coder = coder
        self._rows: list[Coding] = []
        self._contents: dict[int, str] = {}
        self._resumed_once = False  # the first resume is the screen's own opening, which loads it already

    def compose(self) -> ComposeResult:
        yield Static("", id="review-title")
        yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="review-detail")
        yield StatusLine(id="status")
        yield Footer()

    def watch_include_subcodes(self) -> None:
        self.reload_if_mounted()

    def live_refresh(self) -> None:
        """The project changed (another coder, the command line; see ``CoderingApp._live_check``, which has
        read the codebook again): the codings and the codebook as they are now, the cursor kept."""
        self.reload_if_mounted()

    def on_screen_resume(self) -> None:
        """Back from a dialog or another screen: what changed meanwhile is shown (the live view refreshes only
        the screen on top)."""
        if self._resumed_once:
            self.reload_if_mounted()
        self._resumed_once = True

    def reload(self) -> None:
        book = self.project.codebook()
        self.codebook = book
        colors = code_colors(book)
        if self.code_id not in book:
            merge = self.project.merged_code(self.code_id)
            if merge is not None and merge.target in book:  # merged away (here or elsewhere): follow its work
                self.query_one(StatusLine).message = (f"{self.code_id} is samengevoegd in {merge.target}: je ziet "
                                                      f"nu de coderingen van {book.codes[merge.target].label}")
                self.code_id = merge.target
            else:
                self.query_one("#review-title", Static).update(
                    f"code {self.code_id} staat niet (meer) in het codeboek")
                self._rows = []
                self.query_one("#review-table", DataTable).clear()
                self._show_detail()
                return
        ids = [self.code_id]
        if self.include_subcodes:
            ids += [c.id for c in book.descendants(self.code_id)]
        rows: list[Coding] = []
        for code_id in ids:
            rows.extend(self.project.codings(code_id=code_id))
        infos = {i.id: i for i in self.project.transcripts()}
        order = {tid: n for n, tid in enumerate(infos)}
        rows.sort(key=lambda c: (order.get(c.transcript_id, 0), c.start, c.code_id))
        self._rows = rows
        attrs = attribute_columns(list(infos.values()))
        code = book.codes[self.code_id]
        interviews = len({c.transcript_id for c in rows})
        sub = " (met subcodes)" if self.include_subcodes and ids[1:] else ""
        self.query_one("#review-title", Static).update(Text.assemble(
            "Review: ", ("■ ", colors.get(self.code_id, "#888888")), (code.label, "bold"),
            (f"  {book.path_label(self.code_id)}", "dim"),
            f" — {len(rows)} codering{'en' if len(rows) != 1 else ''} in {interviews} interview"
            f"{'s' if interviews != 1 else ''}{sub}",
        ))
        table = self.query_one("#review-table", DataTable)
        with keeping_cursor(table):
            table.clear(columns=True)
            table.add_column("interview", key="interview")
            for key in attrs:
                table.add_column(key, key=f"attr:{key}")
            if self.include_subcodes and ids[1:]:
                table.add_column("code", key="code")
            widths = [max([len("interview"), *(len(str(infos[c.transcript_id].attributes.get("interview_id")
                                                     or infos[c.transcript_id].name)) for c in rows
                                            if c.transcript_id in infos)])]
            widths += [max([len(k), *(len(i.attributes.get(k, "")) for i in infos.values())]) for k in attrs]
            if self.include_subcodes and ids[1:]:
                widths.append(max(len(book.codes[i].label) for i in ids) + 2)
            room = self._room = self._fragment_room(widths)
            table.add_column("fragment", key="kwic", width=room)
            for n, coding in enumerate(rows):
                info = infos.get(coding.transcript_id)
                attributes = info.attributes if info else {}
                content = self._content(coding.transcript_id)
                cells: list[object] = [attributes.get("interview_id") or (info.name if info else "?")]
                cells += [attributes.get(k, "") for k in attrs]
                if self.include_subcodes and ids[1:]:
                    cells.append(Text.assemble(("■ ", colors.get(coding.code_id, "#888888")),
                                               book.codes[coding.code_id].label if coding.code_id in book else coding.code_id))
                lines = kwic(content, coding.start, coding.end, middle=None).wrap(self.app.console, room)
                cells.append(Text("\n").join(lines))  # the coded fragment whole, never cut
                table.add_row(*cells, key=str(n), height=max(1, len(lines)))
        self._show_detail()

    def _fragment_room(self, widths: list[int]) -> int:
        """The fragment column's width: what the other columns (``widths``) leave of the screen."""
        self._widths = widths
        return max(40, (self.size.width or self.app.size.width or 120) - sum(w + 2 for w in widths) - 4)

    def on_resize(self) -> None:
        """A wider or narrower terminal: the fragments are wrapped again to the new width."""
        if getattr(self, "_room", None) not in (None, self._fragment_room(self._widths)):
            self.reload_if_mounted()

    def _content(self, transcript_id: int) -> str:
        if transcript_id not in self._contents:
            self._contents[transcript_id] = self.project.content(transcript_id)
        return self._contents[transcript_id]

    def current(self) -> "Coding | None":
        return under_cursor(self.query_one("#review-table", DataTable), self._rows)

    @on(DataTable.RowHighlighted, "#review-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        coding = self.current()
        detail = self.query_one("#review-detail", Static)
        if coding is None:
            detail.update(Text("geen coderingen van deze code", style="dim italic"))
            return
        content = self._content(coding.transcript_id)
        detail.update(Text.assemble(
            (flat(content[max(0, coding.start - 160):coding.start])[-160:] + " ", "dim"),
            (flat(content[coding.start:coding.end]), "bold"),
            (" " + flat(content[coding.end:coding.end + 160])[:160], "dim"),
            (f"\n{coding.coder} · {ORIGIN_WORDS.get(coding.origin, coding.origin)} · {coding.created[:10]}",
             "dim italic"),
        ))

    # -- actions ------------------------------------------------------------------------------
    @on(DataTable.RowSelected, "#review-table")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        coding = self.current()
        if coding is not None:
            self.post_message(OpenAt(coding.transcript_id, coding.start))

    def action_recode(self) -> None:
        coding = self.current()
        if coding is not None:
            book = self.codebook
            self.app.push_screen(CodePicker(book, code_colors(book), title="Hercoderen naar…"), self._recode)

    @guarded
    def _recode(self, code_id: str | None) -> None:
        coding = self.current()
        if not code_id or coding is None or code_id == coding.code_id:
            return
        recode(self.project, coding, code_id, self.coder)
        self.query_one(StatusLine).message = (
            f"hercodeerd naar {self.codebook.codes[code_id].label}{UNDO_HINT}")
        self.reload()

    @guarded
    def action_remove(self) -> None:
        coding = self.current()
        if coding is not None:
            self.project.remove_coding(coding.id, self.coder)
            self.query_one(StatusLine).message = "codering weggehaald" + UNDO_HINT
            self.reload()

    def action_other_code(self) -> None:
        book = self.codebook
        self.app.push_screen(CodePicker(book, code_colors(book), title="Review: welke code?"), self._other)

    def _other(self, code_id: str | None) -> None:
        if code_id:
            self.code_id = code_id
            self.reload()

    def action_toggle_subcodes(self) -> None:
        self.include_subcodes = not self.include_subcodes
