"""Agreement: how far the coders agree, per code, and the disagreements to settle, one key each.

The upper table is the report of ``codering agreement`` (percent agreement,
Cohen's kappa, Krippendorff's alpha per code and overall); the lower list holds
the units where coders differ, in text order. On a disagreement: ``1``-``9``
adopts that coder's codes as the consensus, ``0`` records that no code
applies, ``c`` picks the agreed code by search, ``u`` undoes. The originals of
every coder stay as they are (see :func:`codering.collab.agreement.resolve`).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Static

from codering.collab.agreement import (CONSENSUS, AgreementError, AgreementReport, Disagreement, agreement,
                                default_coders, disagreements, resolve, unit_matrix)
from codering.tui.colors import code_colors
from codering.tui.dialogs import CodePicker
from codering.tui.messages import OpenAt, guarded
from codering.tui.screens.base import UNDO_HINT, ProjectScreen, flat, keeping_cursor, under_cursor
from codering.tui.widgets.status import StatusLine

#: A live reload (colleagues' codings) waits until its cost is at most this share of the time since the last.
LIVE_SHARE = 0.2


if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.store import Project

#: Transcripts compared only in part: at most this many lines under the title.
REACH_LINES = 4

UNIT_WORDS = {"segment": "segment (zin)", "sentence": "segment (zin)", "turn": "beurt"}


def figure(value: float, digits: int = 2) -> str:
    """A figure as the Dutch screen writes it: decimal comma (0,67), a dash where there is none."""
    return "–" if math.isnan(value) else f"{value:.{digits}f}".replace(".", ",")


class AgreementScreen(ProjectScreen):
    """Inter-coder agreement and the list of disagreements of a project."""

    FOCUS = "#disagreement-table"

    HELP_TITLE = "Toetsen — Overeenstemming"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="agreement.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("j,down", "next", "Volgende", key_display="j", id="agreement.next",
                tooltip="Naar het volgende meningsverschil tussen de codeurs"),
        Binding("k,up", "previous", "Vorige", key_display="k", show=False, id="agreement.previous",
                tooltip="Naar het vorige meningsverschil tussen de codeurs"),
        *[Binding(str(n), f"take({n})", f"Codes van codeur {n}", show=n <= 2, id=f"agreement.take{n}",
                  tooltip=f"De codes van codeur {n} worden de consensus voor deze eenheid (ieders eigen "
                          "coderingen blijven)")
          for n in range(1, 10)],
        Binding("0", "none", "Geen code", id="agreement.none",
                tooltip="Consensus: geen code van toepassing op deze eenheid"),
        Binding("c,slash", "choose", "Code kiezen", key_display="c", id="agreement.choose",
                tooltip="Een code zoeken en aan de consensus voor deze eenheid toevoegen"),
        Binding("u,ctrl+z", "undo", "Ongedaan", id="agreement.undo",
                tooltip="Je laatste actie ongedaan maken"),
        Binding("enter", "open", "Openen in transcript", id="agreement.open",
                tooltip="Het transcript openen op deze eenheid"),
        Binding("r", "toggle_resolved", "Opgeloste tonen", id="agreement.resolved",
                tooltip="Ook de opgeloste meningsverschillen tonen (of weer alleen de open)"),
        Binding("t", "toggle_unit", "Zin/beurt", id="agreement.unit",
                tooltip="Vergelijken per zin of per beurt"),
        Binding("escape", "back", "Terug", id="agreement.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    show_resolved: reactive[bool] = reactive(False)
    unit: reactive[str] = reactive("segment")

    def __init__(self, project: "Project", coder: str, coders: list[str] | None = None) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.coders = coders
        self.report: AgreementReport | None = None
        self.items: list[Disagreement] = []
        self.codebook: "Codebook" = project.codebook()
        self._last_reload = 0.0  # time.monotonic() at the end of the last reload
        self._last_cost = 0.0  # seconds it took
        self._live_timer = None  # a live reload that waits (see ``live_refresh``)

    def compose(self) -> ComposeResult:
        yield Static("", id="agreement-title")
        yield DataTable(id="agreement-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="disagreement-head", classes="panel-head")
        yield DataTable(id="disagreement-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="disagreement-detail")
        yield StatusLine(id="status")
        yield Footer()

    def watch_show_resolved(self) -> None:
        self.reload_if_mounted()

    def live_refresh(self) -> None:
        """Other coders' codings arrived (see ``CoderingApp._live_check``): figures and list again.

        The reload runs on the event loop (a worker on a second connection was tried and taken out: decisions
        landed on other rows), and on a big project it takes a while (120 interviews, 2,145 disagreements:
        about 1-2 s). Colleagues coding every few seconds kept the screen busy all the time, so a live
        reload waits until ``LIVE_SHARE`` of the time since the last one is no more than what that one took;
        the waiting ones become one, and the coder's own actions reload at once.
        """
        if self._live_timer is not None:
            return  # one is due already
        wait = self._last_cost / LIVE_SHARE - (time.monotonic() - self._last_reload)
        if wait <= 0:
            self.reload_if_mounted()
            return

        def due() -> None:
            self._live_timer = None
            self.reload_if_mounted()

        self._live_timer = self.set_timer(wait, due)

    def watch_unit(self) -> None:
        self.reload_if_mounted()

    def on_screen_resume(self) -> None:
        """Back from a dialog (the picker, help): what colleagues coded meanwhile is shown (the live view
        refreshes only the screen on top)."""
        self.reload_if_mounted()

    @property
    def compared(self) -> list[str]:
        return list(self.report.coders) if self.report else list(self.coders or [])

    # -- content ----------------------------------------------------------------------------------
    def reload(self) -> None:
        started = time.monotonic()
        try:
            self._reload()
        finally:
            self._last_reload = time.monotonic()
            self._last_cost = self._last_reload - started
            if self._live_timer is not None:  # this reload shows what the timer was waiting for
                self._live_timer.stop()
                self._live_timer = None

    def _reload(self) -> None:
        self.codebook = self.project.codebook()
        title = self.query_one("#agreement-title", Static)
        head = self.query_one("#disagreement-head", Static)
        table = self.query_one("#agreement-table", DataTable)
        listing = self.query_one("#disagreement-table", DataTable)
        coders = self.coders or default_coders(self.project)
        try:
            matrix = unit_matrix(self.project, coders, self.unit) if CONSENSUS not in coders else None
            self.report = agreement(self.project, coders, unit=self.unit, matrix=matrix)  # the matrix once for both
            self.items = disagreements(self.project, coders, unit=self.unit, include_resolved=self.show_resolved,
                                       matrix=matrix)
        except AgreementError as exc:
            self.report, self.items = None, []
            table.clear(columns=True)
            listing.clear(columns=True)
            head.update("")
            title.update(Text.assemble(("Overeenstemming: ", "bold"), exc.dutch))
            self.query_one("#disagreement-detail", Static).update(Text(
                "Codeer een interview met twee codeurs (codering --coder NAAM, of voeg een project samen met "
                "codering merge) om overeenstemming te meten.", style="dim italic"))
            return
        report = self.report
        overall = report.overall
        title.update(Text.assemble(
            ("Overeenstemming ", "bold"), ", ".join(f"{n} {c}" for n, c in enumerate(report.coders, 1)),
            f"  ·  totaal {figure(overall.percent, 1)}%  κ {figure(overall.kappa)}  α {figure(overall.alpha)}",
            (f"\neenheid: {UNIT_WORDS[report.unit]} · {report.units} eenheden in {len(report.transcripts)} "
             f"interview{'s' if len(report.transcripts) != 1 else ''}"
             + (f" · niet vergeleken: {', '.join(report.left_out)}" if report.left_out else "")
             + self._reach_lines(report), "dim"),
        ))
        self._fill_report(table, report)
        with keeping_cursor(listing):
            listing.clear(columns=True)
            listing.add_column("interview", key="interview")
            listing.add_column("fragment", key="text")
            for n, coder in enumerate(report.coders, 1):
                listing.add_column(f"{n} {coder}", key=f"coder:{coder}")
            listing.add_column("consensus", key="consensus")
            colors = code_colors(self.codebook)
            shown_as = {i.name: i.attributes.get("interview_id") or i.name for i in self.project.transcripts()}
            room = max(16, self.size.width - 12 - 16 * len(report.coders) - 14 - 6)
            for n, item in enumerate(self.items):
                text = flat(item.unit.text)
                listing.add_row(
                    shown_as.get(item.unit.transcript, item.unit.transcript),
                    text if len(text) <= room else text[:room - 1] + "…",
                    *[self._codes(item.codes.get(c, ()), colors) for c in report.coders],
                    self._resolution(item, colors),
                    key=str(n),
                )
            open_ = sum(not d.resolved for d in self.items)
            shown = f"{len(self.items)} meningsverschillen, {open_} open" if self.show_resolved else \
                f"{open_} open meningsverschil{'len' if open_ != 1 else ''}"
            head.update(f"{shown}  (r: {'alleen open' if self.show_resolved else 'ook opgeloste'})")
        self._show_detail()

    @staticmethod
    def _reach_lines(report: AgreementReport) -> str:
        """A line per transcript compared only as far as every coder got (at most ``REACH_LINES``, then how
        many more): the figures are of that part."""
        lines = [r.note("nl") for r in report.reaches]
        if len(lines) > REACH_LINES:
            rest = len(lines) - REACH_LINES + 1
            lines = lines[:REACH_LINES - 1] + [f"en nog {rest} interviews deels vergeleken "
                                               "(codering agreement noemt ze alle)"]
        return "".join(f"\n{line}" for line in lines)

    def _fill_report(self, table: DataTable, report: AgreementReport) -> None:
        table.clear(columns=True)
        table.add_column("code", key="code")
        for n, coder in enumerate(report.coders, 1):
            table.add_column(f"{n} {coder}", key=f"coder:{coder}")
        table.add_column("allen", key="all")
        table.add_column("%", key="percent")
        table.add_column("κ", key="kappa")
        table.add_column("α", key="alpha")
        colors = code_colors(self.codebook)
        for row in [*report.rows, report.overall]:
            is_total = row is report.overall
            label = Text(row.label if not is_total else "Totaal (alle codes)", style="bold" if is_total else "")
            if not is_total:
                short = self.codebook.codes[row.code].label if row.code in self.codebook else row.code
                label = Text.assemble(("■ ", colors.get(row.code, "#888888")), short)
            table.add_row(label, *[str(row.applied[c]) for c in report.coders], str(row.all_applied),
                          figure(row.percent, 1), figure(row.kappa), figure(row.alpha), key=row.code)

    def _codes(self, codes: tuple[str, ...], colors: dict[str, str]) -> Text:
        if not codes:
            return Text("–", style="dim")
        parts: list[tuple[str, str] | str] = []
        for i, code in enumerate(codes):
            if i:
                parts.append(", ")
            parts.append(("■ ", colors.get(code, "#888888")))
            parts.append(self.codebook.codes[code].label if code in self.codebook else code)
        return Text.assemble(*parts)

    def _resolution(self, item: Disagreement, colors: dict[str, str]) -> Text:
        if item.resolution is None:
            return Text("open", style="italic")
        if not item.resolution:
            return Text("(geen code)", style="dim")
        return self._codes(item.resolution, colors)

    def current(self) -> Disagreement | None:
        return under_cursor(self.query_one("#disagreement-table", DataTable), self.items)

    @on(DataTable.RowHighlighted, "#disagreement-table")
    def _highlighted(self) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#disagreement-detail", Static)
        item = self.current()
        if item is None:
            detail.update(Text("geen open meningsverschillen" if self.report else "", style="dim italic"))
            return
        colors = code_colors(self.codebook)
        lines: list[Text | str] = [Text(flat(item.unit.text), style="bold")]
        for n, coder in enumerate(self.compared, 1):
            lines.append(Text.assemble(f"\n{n} {coder}: ", self._codes(item.codes.get(coder, ()), colors)))
        lines.append(Text.assemble("\nconsensus: ", self._resolution(item, colors)))
        detail.update(Text.assemble(*lines))

    # -- deciding ---------------------------------------------------------------------------------
    def _settle(self, message: str, **how) -> None:
        item = self.current()
        if item is None:
            self.query_one(StatusLine).message = "geen meningsverschil geselecteerd"
            return
        try:
            resolve(self.project, item.unit.key, coder=self.coder, as_coder=CONSENSUS, **how)
        except AgreementError as exc:  # the unit changed in the file since the list was read
            self.query_one(StatusLine).message = f"niet vastgelegd: {exc}"
            self.reload()
            return
        self.query_one(StatusLine).message = message + UNDO_HINT
        self.reload()

    def action_take(self, n: int) -> None:
        coders = self.compared
        if not 1 <= n <= len(coders):
            self.query_one(StatusLine).message = f"er {'is' if len(coders) == 1 else 'zijn'} maar {len(coders)} codeurs"
            return
        item = self.current()
        if item is not None and not item.codes.get(coders[n - 1]):
            self._settle(f"consensus: geen code (zoals {coders[n - 1]})", none=True)
            return
        shown = tuple(item.codes.get(coders[n - 1], ())) if item is not None else ()
        self._settle(f"consensus: de codes van {coders[n - 1]}", codes=shown)  # the codes shown, as shown

    def action_none(self) -> None:
        self._settle("consensus: geen code", none=True)

    def action_choose(self) -> None:
        if self.current() is not None:
            self.app.push_screen(CodePicker(self.codebook, code_colors(self.codebook), title="Consensus: welke code?"),
                                 self._chosen)

    @guarded
    def _chosen(self, code_id: str | None) -> None:
        item = self.current()
        if code_id and item is not None:
            keep = tuple(item.resolution or ())
            label = self.codebook.codes[code_id].label if code_id in self.codebook else code_id
            self._settle(f"consensus: {label}", codes=(*keep, code_id))

    # -- moving -------------------------------------------------------------------------------------
    def action_next(self) -> None:
        self.query_one("#disagreement-table", DataTable).action_cursor_down()

    def action_previous(self) -> None:
        self.query_one("#disagreement-table", DataTable).action_cursor_up()

    @on(DataTable.RowSelected, "#disagreement-table")
    def _selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        item = self.current()
        if item is not None:
            self.post_message(OpenAt(self.project.transcript_id(item.unit.transcript), item.unit.start))

    def action_toggle_resolved(self) -> None:
        self.show_resolved = not self.show_resolved

    def action_toggle_unit(self) -> None:
        self.unit = "turn" if self.unit != "turn" else "segment"
        self.query_one(StatusLine).message = f"eenheid: {UNIT_WORDS[self.unit]}"
