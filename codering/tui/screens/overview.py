"""The project overview: the transcripts as a table; open one, filter, import more."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Input, Static

from codering.coding.search import fold
from codering.suggest.base import LIKELY
from codering.tui.dialogs import NoticeDialog, TextDialog
from codering.tui.messages import Failed, reads_only
from codering.tui.screens.base import ProjectScreen, attribute_columns, keeping_cursor, show_path
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.ingest.plan import ImportPlan
    from codering.store import ImportReport, Project, TranscriptInfo

NOTHING_YET = "nog geen transcripten: i om te importeren"
NO_MATCH = "geen transcript past bij de filter"
#: What an import of a folder without transcripts, attribute or codings files says (the command line refuses it).
NOTHING_FOUND = "niets geïmporteerd: geen bestanden om te importeren gevonden"
#: ... and the dialog it shows, above the files it left out and why.
WHAT_IS_READ = ("Er is niets geïmporteerd: er zijn geen transcripten (.txt, .md, .docx, .odt, .vtt, .srt), attributen "
                "(.csv) of coderingen (.jsonl) gevonden.")


class OverviewScreen(ProjectScreen):
    """All transcripts of the project, with how far coding has come."""

    FOCUS = "#transcripts"
    HELP_TITLE = "Toetsen — Overzicht"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="overview.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("enter", "open", "Openen", id="overview.open",
                tooltip="Het transcript onder de cursor openen om te coderen, op de plek waar je was"),
        Binding("slash,f", "filter", "Filteren", key_display="/", id="overview.filter",
                tooltip="Alleen de transcripten tonen waarvan id, naam of een attribuut (locatie, actorgroep...) "
                        "past bij wat je typt"),
        Binding("z,ctrl+f", "find_text", "Zoek in tekst", key_display="z", show=False, id="overview.find",
                tooltip='Zoek woorden in alle transcripten (woord, woord*, "woordgroep"); Enter op een treffer '
                        "opent het transcript op die zin"),
        Binding("i", "import_files", "Importeren", id="overview.import",
                tooltip="Transcripten (.txt, .docx, .odt, .vtt, .srt), attributen (.csv) of coderingen (.jsonl) "
                        "importeren"),
        Binding("b", "codebook", "Codeboek", id="overview.codebook",
                tooltip="Het codeboek: codes bewerken, toevoegen, verplaatsen, samenvoegen, verwijderen"),
        Binding("r", "review", "Review", id="overview.review",
                tooltip="Alle fragmenten met een code die je kiest, met hun context; hercoderen of weghalen"),
        Binding("e", "export", "Export", id="overview.export",
                tooltip="Tabellen en figuren bekijken en wegschrijven (Word, Excel, ...)"),
        Binding("a", "agreement", "Overeenstemming", id="overview.agreement",
                tooltip="Overeenstemming tussen codeurs per code (kappa, alfa) en de zinnen waar ze verschillen, "
                        "om op te lossen"),
        Binding("M", "memos", "Memo's", show=False, id="overview.memos",
                tooltip="Alle memo's van het project: zoeken, lezen, bewerken, weghalen, naar hun plek"),
        Binding("q", "app.quit", "Stoppen", id="overview.quit",
                tooltip="codering afsluiten; alles is al bewaard"),
    ]

    filter_text: reactive[str] = reactive("")
    """Only transcripts whose id, name or attributes contain this (accents ignored) are listed."""

    class OpenTranscript(Message):
        """Open the coding screen on transcript ``transcript_id``."""

        def __init__(self, transcript_id: int) -> None:
            super().__init__()
            self.transcript_id = transcript_id

    class CorpusChanged(Message):
        """Transcripts were imported: the model must embed them too."""

    class ImportDone(Message):
        def __init__(self, reports: list["ImportReport"], plan: "ImportPlan | None" = None) -> None:
            super().__init__()
            self.reports = reports
            self.plan = plan

    def __init__(self, project: "Project | None" = None, coder: str = "coder", note: str = "") -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.note = note
        self._infos: list[TranscriptInfo] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="project-line")
        yield Input(placeholder="/ filter: typ een deel van id, naam, locatie, actorgroep…", id="filter")
        yield DataTable(id="transcripts", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def on_screen_resume(self) -> None:
        self.reload_if_mounted()

    def live_refresh(self) -> None:
        """Other coders' codings arrived (see ``CoderingApp._live_check``)."""
        self.reload_if_mounted()

    def load(self, project: "Project", note: str = "") -> None:
        """Show ``project`` (used when the demo project was still being made)."""
        self.project = project
        self.note = note
        self.reload_if_mounted()

    # -- the table --------------------------------------------------------------------------
    def reload(self) -> None:
        line = self.query_one("#project-line", Static)
        table = self.query_one("#transcripts", DataTable)
        if self.project is None:
            line.update(self.note or "project wordt geopend…")
            return
        infos = self.project.transcripts()
        pending = self.project.pending_suggestions(min_score=LIKELY)  # alternatives are not pending work
        self._infos = infos
        attrs = attribute_columns(infos)
        coded = sum(i.coded_segments for i in infos)
        total = sum(i.respondent_segments for i in infos)
        share = f" · {round(100 * coded / total)}% gecodeerd" if total else ""
        note = f" · {self.note}" if self.note else ""
        count = f"{len(infos)} interview{'s' if len(infos) != 1 else ''}"
        line.update(f"Project: {show_path(self.project.path)} · {count}{share}{note}")
        with keeping_cursor(table):
            table.clear(columns=True)
            table.add_column("id", key="id")
            for key in attrs:
                table.add_column(key, key=f"attr:{key}")
            table.add_column("segm.", key="segments")
            table.add_column("gecodeerd", key="coded")
            table.add_column("sugg.", key="pending")
            table.add_column("naam", key="name")
            needle = fold(self.filter_text).strip()
            for info in infos:
                ident = info.attributes.get("interview_id") or str(info.id)
                if needle and needle not in fold(" ".join([ident, info.name, *info.attributes.values()])):
                    continue
                table.add_row(
                    ident,
                    *[info.attributes.get(k, "") for k in attrs],
                    str(info.respondent_segments),
                    f"{round(100 * info.coded_share)}%",
                    str(pending.get(info.id, "")) or "–",
                    info.name,
                    key=str(info.id),
                )
        status = self.query_one(StatusLine)
        if not infos:
            status.message = NOTHING_YET
        elif not table.row_count:
            status.message = NO_MATCH
        elif status.message in (NO_MATCH, NOTHING_YET):  # said before; no longer true
            status.message = ""

    def watch_filter_text(self) -> None:
        self.reload_if_mounted()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one("#transcripts", DataTable).focus()

    @on(DataTable.RowSelected, "#transcripts")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value is not None:
            self.post_message(self.OpenTranscript(int(event.row_key.value)))

    @reads_only
    def action_open(self) -> None:
        table = self.query_one("#transcripts", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
            if key.value is not None:
                self.post_message(self.OpenTranscript(int(key.value)))

    def action_find_text(self) -> None:
        from codering.tui.screens.find import FindScreen

        if self.project is not None:
            self.app.push_screen(FindScreen(self.project, coder=self.coder))

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    # -- importing -----------------------------------------------------------------------------
    def action_import_files(self) -> None:
        if self.project is None:
            return
        self.app.push_screen(
            TextDialog("Importeren", "Bestand of map met transcripten (.txt, .docx, .odt, .vtt, .srt), "
                       "attributen (.csv) of coderingen (.jsonl). Meerdere paden: scheiden met ;",
                       placeholder="bv. ~/interviews/"),
            self._import_paths,
        )

    def _import_paths(self, value: str | None) -> None:
        if value:
            paths = [os.path.expanduser(p.strip()) for p in value.split(";") if p.strip()]
            self.query_one(StatusLine).message = "importeren…"
            self.import_files(paths)

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def import_files(self, paths: list[str]) -> None:
        """Read every file first (nothing is written if one is bad), then import, on its own connection."""
        from codering.ingest.plan import plan_import
        from codering.store import Project

        assert self.project is not None
        try:
            plan = plan_import(paths)
            if plan.empty:  # a folder without transcripts (or the home folder): nothing to open the project for
                self.post_message(self.ImportDone([], plan))
                return
            with Project.open(self.project.path) as project:
                reports = plan.apply(project, coder=self.coder)
        except Exception as exc:  # noqa: BLE001 - shown as a dialog
            self.post_message(Failed(exc, "import"))
            return
        self.post_message(self.ImportDone(reports, plan))

    @on(Failed)
    def _import_failed(self, event: Failed) -> None:
        """The app shows the error; the status line no longer says "importeren…" (the message goes on to the
        app: not stopped here)."""
        if event.context == "import":
            self.query_one(StatusLine).message = "importeren mislukt: er is niets geïmporteerd (zie de melding)"

    @on(ImportDone)
    def _imported(self, event: ImportDone) -> None:
        reports = event.reports
        if event.plan is not None and event.plan.empty:
            self.query_one(StatusLine).message = NOTHING_FOUND
            self.app.push_screen(NoticeDialog("Importeren", "\n".join([WHAT_IS_READ, *event.plan.notices])))
            return
        added = sum(r.status == "added" for r in reports)
        updated = sum(r.status == "updated" for r in reports)
        same = sum(r.status == "duplicate" for r in reports)
        self.query_one(StatusLine).message = (
            f"geïmporteerd: {added} nieuw, {updated} bijgewerkt, {len(reports) - added - updated - same} ongewijzigd"
            + (f", {same} niet (dezelfde tekst staat er al)" if same else "")
        ) if reports or event.plan is None else other_imported(event.plan)
        self.reload()
        details = import_details(reports, event.plan)
        if details:  # what the command line says besides the counts: nothing of it may go unseen
            self.app.push_screen(NoticeDialog("Importeren", "\n".join(details)))
        if added or updated:
            self.post_message(self.CorpusChanged())

    # -- elsewhere -------------------------------------------------------------------------------
    @reads_only
    def action_codebook(self) -> None:
        from codering.tui.screens.codebook import CodebookScreen

        if self.project is not None:
            self.app.push_screen(CodebookScreen(self.project, self.coder))

    @reads_only
    def action_review(self) -> None:
        from codering.tui.colors import code_colors
        from codering.tui.dialogs import CodePicker

        if self.project is not None:
            book = self.project.codebook()
            self.app.push_screen(CodePicker(book, code_colors(book), title="Review: welke code?"), self._review)

    def _review(self, code_id: str | None) -> None:
        from codering.tui.screens.review import ReviewScreen

        if code_id and self.project is not None:
            self.app.push_screen(ReviewScreen(self.project, code_id, self.coder))

    @reads_only
    def action_export(self) -> None:
        from codering.tui.screens.export import ExportScreen

        if self.project is not None:
            self.app.push_screen(ExportScreen(self.project))

    @reads_only
    def action_memos(self) -> None:
        from codering.tui.screens.memos import MemoListScreen

        if self.project is not None:
            self.app.push_screen(MemoListScreen(self.project, self.coder))

    @reads_only
    def action_agreement(self) -> None:
        from codering.tui.screens.agreement import AgreementScreen

        if self.project is not None:
            self.app.push_screen(AgreementScreen(self.project, self.coder))


def other_imported(plan: "ImportPlan") -> str:
    """The status line after an import of attributes or codings alone (no transcripts): what it set, where
    the transcripts' counts said "0 nieuw, 0 bijgewerkt, 0 ongewijzigd"."""
    done = []
    if plan.attributes:
        n = plan.attributes_set
        done.append(f"attributen voor {n} transcript{'' if n == 1 else 'en'}")
    if plan.codings:
        n = plan.codings_added
        done.append(f"{n} codering{'' if n == 1 else 'en'}"
                    + (f" ({plan.codings_present} stonden er al)" if plan.codings_present else ""))
    return "geïmporteerd: " + ", ".join(done)


def import_details(reports: list["ImportReport"], plan: "ImportPlan | None") -> list[str]:
    """What an import did besides adding or leaving transcripts as they were, in the words of the coding
    screen: copies not imported, codings no longer found in an edited text, codings and attributes
    imported, and the importer's notices (as the command line prints them)."""
    lines: list[str] = []
    for r in reports:
        if r.status == "duplicate":
            lines.append(f"{r.name}: niet geïmporteerd, het project heeft dezelfde tekst al als '{r.same_as}' "
                         "(een hernoemde kopie zou elke codering dubbel tellen)")
        elif r.status == "updated" and r.codings_detached:
            lines.append(f"{r.name}: nieuwe tekst; {r.codings_detached} codering(en) niet teruggevonden, bewaard als "
                         "losgekoppeld (telt niet mee in exports; `codering stats` toont ze)")
        lines += [f"{r.name}: {notice}" for notice in r.notices]
    if plan is not None:
        lines += list(plan.notices)
        if plan.codings:
            lines.append(f"{plan.codings_added} codering(en) geïmporteerd"
                         + (f" ({plan.codings_present} stonden er al)" if plan.codings_present else ""))
        if plan.attributes:
            changed = plan.attributes_changed
            lines.append(f"attributen gezet voor {len(plan.attributes)} transcript(en)"
                         + (f"; {len(changed)} waarde(n) vervangen:" if changed else ""))
            lines += [f"  {line}" for line in changed]
    return lines
