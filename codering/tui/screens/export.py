"""Export: choose a table and a format, preview it here, write it to a folder and say where.

Tables are built by ``codering.export`` (Tabel 5 and 6 of the report, the
factor detail, cross-tabulations, co-occurrence, the codebook) in a thread
worker on its own connection, so a slow first pandas import never blocks
the keyboard. The folder is ``exports/`` beside the project file until the
coder picks another (``o``); the title shows the full path of the file ``w``
writes. A file is never replaced silently: when the name exists, the coder
chooses a new name (``-2``, ``-3``, ...), overwriting, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from codering.tui.messages import Failed
from codering.tui.screens.base import AppScreen, show_path
from codering.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from codering.store import Project

FORMATS = (("docx", "Word (.docx)"), ("xlsx", "Excel (.xlsx)"), ("md", "Markdown (.md)"),
           ("csv", "CSV (.csv)"), ("html", "HTML (.html)"), ("tex", "LaTeX (.tex)"))


@dataclass(frozen=True)
class TableChoice:
    key: str
    label: str
    stem: str
    build: Callable[[Any, str, bool], list]  # (ExportData, format, counts) -> [Table]


def _choices() -> list[TableChoice]:
    def tables():
        from codering.export import tables as t

        return t

    return [
        TableChoice("tabel5", "Tabel 5 — stimulerende factoren", "tabel5-stimulerende-factoren",
                    lambda d, f, c: [tables().factor_overview(d, "stimulerend", counts=c)]),
        TableChoice("tabel6", "Tabel 6 — remmende factoren", "tabel6-remmende-factoren",
                    lambda d, f, c: [tables().factor_overview(d, "remmend", counts=c)]),
        TableChoice("detail", "Factoren met citaten", "factoren-detail",
                    lambda d, f, c: [tables().factor_detail(d)]),
        TableChoice("fin-locatie", "Finaliteit × locatie", "finaliteit-locatie",
                    lambda d, f, c: [tables().crosstab(d, "fin", "locatie")]),
        TableChoice("fin-actorgroep", "Finaliteit × actorgroep", "finaliteit-actorgroep",
                    lambda d, f, c: [tables().crosstab(d, "fin", "actorgroep")]),
        TableChoice("cooccurrence", "Samen voorkomende factoren", "samen-voorkomend",
                    lambda d, f, c: [tables().cooccurrence(d)[1]]),
        TableChoice("codebook", "Codeboek", "codeboek", lambda d, f, c: [tables().codebook_table(d)]),
        TableChoice("all", "Alle tabellen", "alle-tabellen", lambda d, f, c: tables().all_tables(d, fmt=f, counts=c)[0]),
    ]


def free_path(base: Path, tables: list, fmt: str) -> Path:
    """``base`` or ``base-2``, ``base-3``, ... so that no file written would replace one that exists."""
    from codering.export.writers import output_paths

    candidate, n = base, 2
    while any(p.exists() for p in output_paths(tables, candidate, fmt)):
        candidate = base.with_name(f"{base.stem}-{n}{base.suffix}")
        n += 1
    return candidate


class ExportScreen(AppScreen[None]):
    """Pick a table and a format; see it; write it."""

    HELP_TITLE = "Toetsen — Export"

    BINDINGS = [
        Binding("question_mark", "help", "Toetsen", key_display="?", id="export.help",
                tooltip="Deze lijst: wat elke toets op dit scherm doet"),
        Binding("w", "write", "Schrijven", id="export.write",
                tooltip="De gekozen tabel of figuur wegschrijven in het gekozen formaat en de gekozen map"),
        Binding("f", "next_format", "Formaat", id="export.format",
                tooltip="Het volgende formaat kiezen (Word, Excel, Markdown, CSV, ...)"),
        Binding("o", "folder", "Map", id="export.folder", tooltip="Een andere map om naar te schrijven"),
        Binding("a", "counts", "Aantallen", id="export.counts",
                tooltip="Tabel 5/6 met of zonder aantallen per factor, zoals --counts (standaard zonder, zoals in het rapport)"),
        Binding("p", "preview", "Voorbeeld", id="export.preview",
                tooltip="Een voorbeeld van de gekozen tabel tonen"),
        Binding("escape", "back", "Terug", id="export.back",
                tooltip="Terug naar het vorige scherm"),
    ]

    fmt: reactive[str] = reactive("docx")
    """The format ``w`` writes (one of ``codering.export.writers.FORMATS``)."""

    choice: reactive[str] = reactive("tabel5")
    """The key of the table being previewed and written."""

    counts: reactive[bool] = reactive(False)
    """Tabel 5/6 with "(7)" coded segments per factor; off by default, as on the command line (--counts)."""

    class Preview(Message):
        def __init__(self, key: str, tables: list, text: str, problem: str = "") -> None:
            super().__init__()
            self.key = key
            self.tables = tables
            self.text = text
            self.problem = problem

    class Written(Message):
        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, project: "Project") -> None:
        from codering.paths import exports_dir

        super().__init__()
        self.project = project
        self.choices = {c.key: c for c in _choices()}
        self._tables: dict[str, list] = {}
        self.folder = exports_dir(project.path)
        """Where ``w`` writes: ``exports/`` beside the project file, or the folder the coder chose."""

    def target(self) -> Path:
        """The file ``w`` writes now (full path)."""
        return self.folder / f"{self.choices[self.choice].stem}.{self.fmt}"

    def _title(self) -> str:
        return f"Export naar {show_path(self.target())}"

    def _show_target(self) -> None:
        if self.is_mounted:
            self.query_one("#export-title", Static).update(self._title())

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="export-title", markup=False)
        with Horizontal(id="export-body"):
            with Vertical(id="export-side"):
                yield Label("Tabel", classes="panel-head")
                yield OptionList(*(Option(c.label, id=c.key) for c in self.choices.values()), id="export-tables")
                yield Label("Formaat", classes="panel-head")
                yield Select([(label, key) for key, label in FORMATS], value=self.fmt, allow_blank=False, id="export-format")
            with VerticalScroll(id="export-preview"):
                yield Static("", id="export-text", markup=False)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        tables = self.query_one("#export-tables", OptionList)
        tables.highlighted = 0
        tables.focus()
        self.call_after_refresh(self.action_preview)

    @on(OptionList.OptionHighlighted, "#export-tables")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.choice:
            self.choice = event.option.id
            self.action_preview()

    @on(OptionList.OptionSelected, "#export-tables")
    def _selected(self) -> None:
        self.action_write()

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.fmt = event.value

    def watch_choice(self) -> None:
        self._show_target()

    def watch_fmt(self, fmt: str) -> None:
        self._show_target()
        if self.is_mounted:
            self.query_one("#export-format", Select).value = fmt
            if self.choice == "all":
                self._tables.pop("all", None)
                self.action_preview()

    def action_next_format(self) -> None:
        keys = [k for k, _ in FORMATS]
        self.fmt = keys[(keys.index(self.fmt) + 1) % len(keys)]

    def action_counts(self) -> None:
        self.counts = not self.counts
        for key in ("tabel5", "tabel6", "all"):  # the tables that show counts
            self._tables.pop(key, None)
        self.query_one(StatusLine).message = "met aantallen per factor" if self.counts else "zonder aantallen"
        if self.choice in ("tabel5", "tabel6", "all"):
            self.action_preview()

    def action_folder(self) -> None:
        from codering.tui.dialogs.forms import TextDialog

        self.app.push_screen(TextDialog("Exportmap", "Naar welke map? (wordt gemaakt als ze nog niet bestaat)",
                                        value=str(self.folder)), self._folder_chosen)

    def _folder_chosen(self, value: str | None) -> None:
        if not value:
            return
        folder = Path(value).expanduser()
        if folder.exists() and not folder.is_dir():
            self.query_one(StatusLine).message = f"{folder} is een bestand, geen map"
            return
        self.folder = folder.resolve()
        self._show_target()
        self.query_one(StatusLine).message = f"exportmap: {self.folder}"

    # -- preview ---------------------------------------------------------------------------
    def live_refresh(self) -> None:
        """Other coders' codings arrived (see ``CoderingApp._live_check``): the preview again."""
        self.action_preview()

    _previewed: object = None  # the project's change token when the preview was last built

    def on_screen_resume(self) -> None:
        """Back from a dialog (help, the folder, overwrite?): when the project changed meanwhile (a colleague's
        codings, a code renamed or merged), the preview again; the live view refreshes only the screen on top."""
        if self._previewed is not None and self.project.change_token() != self._previewed:
            self.action_preview()

    def action_preview(self) -> None:
        self._previewed = self.project.change_token()
        self.query_one("#export-text", Static).update("voorbeeld wordt opgebouwd…")
        shown = self.query_one("#export-preview").size.width
        width = shown - 2 if shown > 40 else 80
        self.build_preview(self.choice, self.fmt, width, self.counts)

    @work(thread=True, exclusive=True, group="export-preview", exit_on_error=False)
    def build_preview(self, key: str, fmt: str, width: int, counts: bool = False) -> None:
        """Build and render the table on a connection of its own; post the text."""
        from codering.errors import ExportError
        from codering.store import Project

        choice = self.choices[key]
        try:
            from codering.export import data as export_data
            from codering.export.writers import render_text

            with Project.open(self.project.path) as project:
                loaded = export_data.load(project)
                tables = choice.build(loaded, fmt, counts)
            text = "\n".join(render_text(t, width=width) for t in tables)
        except ExportError as exc:
            self.post_message(self.Preview(key, [], "", problem=str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - a dialog, never a traceback
            self.post_message(self.Preview(key, [], "", problem=str(exc)))
            self.post_message(Failed(exc, "export preview"))
            return
        self.post_message(self.Preview(key, tables, text))

    @on(Preview)
    def _preview(self, event: Preview) -> None:
        if event.key != self.choice:
            return
        self._tables[event.key] = event.tables
        widget = self.query_one("#export-text", Static)
        if event.problem:
            widget.update(f"Niets om te tonen: {event.problem}")
        else:
            widget.update(event.text)

    # -- writing -----------------------------------------------------------------------------
    def action_write(self) -> None:
        tables = self._tables.get(self.choice)
        if not tables:
            self.query_one(StatusLine).message = "nog geen tabel om te schrijven (wacht op het voorbeeld)"
            return
        from codering.export.writers import output_paths

        target, fmt = self.target(), self.fmt
        if not any(p.exists() for p in output_paths(tables, target, fmt)):
            self._write(target, tables, fmt, False)
            return
        free = free_path(target, tables, fmt)
        from codering.tui.dialogs.picker import ChoiceDialog

        self.app.push_screen(
            ChoiceDialog(f"{target} bestaat al.", [(free, f"Nieuwe naam: {free.name}"), (target, "Overschrijven")]),
            lambda chosen: self._write(chosen, tables, fmt, chosen == target) if chosen else None,
        )

    def _write(self, target: Path, tables: list, fmt: str, overwrite: bool) -> None:
        self.query_one(StatusLine).message = f"schrijven naar {target}…"
        self.write_export(target, tables, fmt, overwrite)

    @work(thread=True, exclusive=True, group="export-write", exit_on_error=False)
    def write_export(self, target: Path, tables: list, fmt: str, overwrite: bool = False) -> None:
        """Write ``target``; over an existing file only when the coder chose to overwrite."""
        from codering.export.writers import write_tables

        try:
            written = write_tables(tables, target, fmt=fmt, force=overwrite)
        except Exception as exc:  # noqa: BLE001 - a dialog, never a traceback
            self.app.call_from_thread(self._not_written, target)
            self.post_message(Failed(exc, "export"))
            return
        self.post_message(self.Written(written))

    def _not_written(self, target: Path) -> None:
        self.query_one(StatusLine).message = f"niet geschreven: {show_path(target)}"

    @on(Written)
    def _written(self, event: Written) -> None:
        where = show_path(event.path)
        self.query_one(StatusLine).message = f"geschreven: {where}"
        self.notify(f"Geschreven naar {event.path}", title="Export")
