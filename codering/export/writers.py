"""Render tables to the formats researchers publish in, and write them safely.

One ``Table`` is a title, a pandas DataFrame and footnotes. Writers never look
at a DataFrame's index; its columns may be flat or two-level (a ``MultiIndex``
such as ``("Beernem", "#")``), and two keys in ``frame.attrs`` steer them:
``header`` (False: no column header row, as in the report's Tabel 5/6) and
``decimal`` ("," for Dutch number formatting in text formats).

The table builders hand a ``Table`` plain ``Rows`` (rows, columns, attrs); the
DataFrame is made from them the first time ``table.frame`` is read. The
writers work from the rows as long as nobody has asked for the frame, so
writing a file never imports pandas (importing it costs most of a second).
Once the frame exists (or a DataFrame was given), the writers read the frame,
so changes made to it are written.

Decisions, in one place:

- **Never overwrite**: ``write_tables`` raises ``ExportError`` when a target
  exists and ``force`` is False. (The CLI picks a free name, ``name-2.xlsx``,
  only for its own default names under ``exports/``; a name you chose is never
  silently changed.)
- **Atomic**: everything is rendered in memory first, then each file is written
  to a temporary file and renamed. If one of several CSV files fails, the ones
  already written by this call are removed again.
- **CSV** holds one table per file (header plus rows, UTF-8 with BOM so Excel
  reads the accents; title and notes are left out so the file stays data). With
  several tables, ``study.csv`` becomes ``study-<table.name>.csv`` for each.
- Markdown, HTML, LaTeX and DOCX put all tables in one file, XLSX one sheet per
  table. A path without a suffix gets ``.<format>``.

The heavy libraries are imported only where needed: pandas when a table's
``frame`` is first read (never by the writers for tables the builders made),
python-docx inside the DOCX writer. XLSX is written without openpyxl
(``codering.export.xlsx``); the Office formats live in ``codering.export.office``.
"""

from __future__ import annotations

import html
import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codering.errors import ExportError

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("md", "csv", "xlsx", "docx", "html", "tex")
SUFFIXES = {".md": "md", ".markdown": "md", ".csv": "csv", ".xlsx": "xlsx", ".docx": "docx",
            ".html": "html", ".htm": "html", ".tex": "tex", ".latex": "tex"}


class Rows:
    """A DataFrame to be: body rows, column labels (strings, or tuples for two levels) and ``attrs``."""

    __slots__ = ("attrs", "columns", "rows")

    def __init__(self, rows: list[list[Any]], columns: list, attrs: dict[str, Any] | None = None) -> None:
        self.rows, self.columns, self.attrs = rows, list(columns), dict(attrs or {})

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = self.columns
        if columns and all(isinstance(c, tuple) for c in columns):
            columns = pd.MultiIndex.from_tuples(columns)
        frame = pd.DataFrame(self.rows, columns=columns)
        frame.attrs.update(self.attrs)
        return frame


class Table:
    """A title, a pandas DataFrame (``frame``, made on first use from ``Rows``) and footnotes."""

    __slots__ = ("_frame", "_rows", "name", "notes", "title")

    def __init__(self, name: str, title: str, frame: pd.DataFrame | Rows, notes: list[str] | None = None) -> None:
        self.name = name      # short name, used as the sheet name / file stem, e.g. "factors-stimulerend"
        self.title = title    # e.g. "Tabel 5. Overzicht stimulerende factoren voor samenwerking"
        self.notes = notes if notes is not None else []   # footnotes printed under the table
        self.frame = frame

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._rows.to_frame()
            self._rows = None
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame | Rows) -> None:
        if isinstance(value, Rows):
            self._frame, self._rows = None, value
        else:
            self._frame, self._rows = value, None

    @property
    def attrs(self) -> dict[str, Any]:
        """``frame.attrs``, without making the frame."""
        return self._rows.attrs if self._frame is None else self._frame.attrs

    def __repr__(self) -> str:
        shape = (f"{len(self._rows.rows)} rows" if self._frame is None else f"{self._frame.shape[0]} rows")
        return f"Table(name={self.name!r}, title={self.title!r}, {shape}, notes={self.notes!r})"


# -- the grid every writer starts from ------------------------------------------------------

@dataclass
class Grid:
    """A table reduced to plain Python: header rows (with spans) and body cells."""

    header: list[list[tuple[str, int]]]   # per header row: (label, how many columns it spans)
    flat_header: list[str]                 # one label per column (levels joined)
    rows: list[list[Any]]                  # cells: str, int, float or None
    numeric: list[bool]                    # per column: numbers only (right-aligned)
    show_header: bool
    decimal: str


def grid(table: Table) -> Grid:
    if table._frame is None:  # straight from the rows: no DataFrame made, no pandas imported
        source = table._rows
        columns, records = source.columns, source.rows
    else:
        frame = table._frame
        columns, records = list(frame.columns), frame.itertuples(index=False, name=None)
    attrs = table.attrs
    levels = max((len(c) if isinstance(c, tuple) else 1) for c in columns) if columns else 1
    keys = [c if isinstance(c, tuple) else (c,) for c in columns]
    keys = [tuple(str(x) for x in k) + ("",) * (levels - len(k)) for k in keys]
    header: list[list[tuple[str, int]]] = []
    for level in range(levels):
        row: list[tuple[str, int]] = []
        for i, key in enumerate(keys):
            same_parent = i > 0 and keys[i - 1][:level + 1] == key[:level + 1]
            if level < levels - 1 and same_parent and key[level]:
                label, span = row[-1]
                row[-1] = (label, span + 1)
            else:
                row.append((key[level], 1))
        header.append(row)
    flat = [" ".join(p for p in key if p) for key in keys]
    rows = [[_plain(v) for v in record] for record in records]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
               and any(isinstance(r[i], (int, float)) for r in rows) for i in range(len(keys))]
    return Grid(header=header, flat_header=flat, rows=rows, numeric=numeric,
                show_header=bool(attrs.get("header", True)), decimal=attrs.get("decimal", "."))


MAX_WIDTH = 70


def column_widths(g: Grid) -> list[int]:
    """Column widths in characters for the Office formats: the longest line of a column, 8-70."""
    widths = []
    for i, label in enumerate(g.flat_header):
        lines = [label] if g.show_header else []
        for row in g.rows:
            lines.extend(fmt(row[i], g.decimal).split("\n"))
        longest = max((len(line) for line in lines), default=0)
        widths.append(min(max(longest + 2, 8), MAX_WIDTH))
    return widths


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() and abs(value) < 1e15 else value)
    kind = type(value).__name__
    if "int" in kind:
        return int(value)
    if "float" in kind:
        return _plain(float(value))
    if kind in ("NAType", "NaTType"):
        return None
    return str(value)


def fmt(value: Any, decimal: str = ".") -> str:
    """A cell as text: integers plainly, other numbers with up to three decimals."""
    if value is None:
        return ""
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        return text.replace(".", decimal)
    return str(value)


# -- text formats -----------------------------------------------------------------------------

def to_markdown(tables: list[Table]) -> str:
    parts = []
    for table in tables:
        g = grid(table)
        lines = [table.title, ""]
        lines.append("| " + " | ".join(h.replace("|", "\\|") for h in g.flat_header) + " |")
        lines.append("| " + " | ".join("---:" if n else "---" for n in g.numeric) + " |")
        for row in g.rows:
            lines.append("| " + " | ".join(_md_cell(v, g.decimal) for v in row) + " |")
        for note in table.notes:
            lines += ["", note]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _md_cell(value: Any, decimal: str) -> str:
    return fmt(value, decimal).replace("|", "\\|").replace("\n", "<br>")


def to_csv(table: Table) -> bytes:
    import csv

    g = grid(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(g.flat_header)
    for row in g.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")


HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 0.3em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { font-size: 0.9em; color: #555; margin: 0.2em 0; }
section { margin-bottom: 2em; }
""".strip()


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def to_html(tables: list[Table], title: str | None = None) -> str:
    doc_title = title or (tables[0].title if len(tables) == 1 else "codering")
    lang = "nl" if tables and tables[0].attrs.get("decimal") == "," else "en"
    out = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
           f"<title>{_esc(doc_title)}</title>", f"<style>\n{HTML_STYLE}\n</style>", "</head>", "<body>"]
    for table in tables:
        g = grid(table)
        out += [f'<section id="{_esc(table.name)}">', "<table>", f"<caption>{_esc(table.title)}</caption>"]
        if g.show_header:
            out.append("<thead>")
            for row in g.header:
                cells, col = [], 0
                for label, span in row:
                    cls = ' class="num"' if span == 1 and g.numeric[col] else ""
                    colspan = f' colspan="{span}"' if span > 1 else ""
                    cells.append(f"<th{colspan}{cls}>{_esc(label)}</th>")
                    col += span
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</thead>")
        out.append("<tbody>")
        for row in g.rows:
            cells = [f'<td class="num">{_esc(fmt(v, g.decimal))}</td>' if isinstance(v, (int, float))
                     else f"<td>{_esc(fmt(v))}</td>" for v in row]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out += ["</tbody>", "</table>"]
        out += [f'<p class="note">{_esc(note)}</p>' for note in table.notes]
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX))


def tex_escape(text: str) -> str:
    return _TEX_RE.sub(lambda m: _TEX[m.group()], text)


def to_latex(tables: list[Table]) -> str:
    from codering.export.labels import strip_number

    out = ["% Tables written by codering. Needs \\usepackage{booktabs} and \\usepackage{longtable}",
           "% (and \\usepackage[utf8]{inputenc} with pdfLaTeX).", ""]
    for table in tables:
        g = grid(table)
        specs = _tex_columns(g)
        long = len(g.rows) > 30
        caption = tex_escape(strip_number(table.title))
        label = "tab:" + re.sub(r"[^A-Za-z0-9:-]", "-", table.name)
        head: list[str] = []
        if g.show_header:
            for row in g.header:
                cells, col = [], 0
                for text, span in row:
                    cell = tex_escape(text)
                    if span > 1:
                        cell = f"\\multicolumn{{{span}}}{{c}}{{{cell}}}"
                    cells.append(cell)
                    col += span
                head.append(" & ".join(cells) + r" \\")
            head.append(r"\midrule")
        body = []
        for row in g.rows:
            cells = []
            for i, v in enumerate(row):
                text = tex_escape(fmt(v, g.decimal) if isinstance(v, (int, float)) else fmt(v))
                cells.append(text.replace("\n", r" \newline " if specs[i].startswith("p") else " "))
            body.append(" & ".join(cells) + r" \\")
        notes = [tex_escape(n) for n in table.notes]
        out.append(f"% {table.title}")
        if long:
            out += [f"\\begin{{longtable}}{{@{{}}{''.join(specs)}@{{}}}}", f"\\caption{{{caption}}}\\label{{{label}}} \\\\",
                    r"\toprule", *head, r"\endhead", r"\bottomrule", r"\endfoot", *body]
            out += [f"\\multicolumn{{{len(specs)}}}{{@{{}}p{{\\linewidth}}@{{}}}}{{\\footnotesize {n}}} \\\\" for n in notes]
            out += [r"\end{longtable}", ""]
        else:
            out += [r"\begin{table}[htbp]", r"\centering", f"\\caption{{{caption}}}\\label{{{label}}}",
                    f"\\begin{{tabular}}{{@{{}}{''.join(specs)}@{{}}}}", r"\toprule", *head, *body,
                    r"\bottomrule", r"\end{tabular}"]
            out += [f"\\par\\smallskip{{\\footnotesize {n}\\par}}" for n in notes]
            out += [r"\end{table}", ""]
    return "\n".join(out)


def _tex_columns(g: Grid) -> list[str]:
    lengths = [max([len(g.flat_header[i])] + [len(fmt(r[i])) for r in g.rows]) for i in range(len(g.flat_header))]
    long = [i for i, n in enumerate(lengths) if not g.numeric[i] and n > 30]
    total = sum(min(lengths[i], 120) for i in long) or 1
    room = 15.0 - 1.6 * (len(lengths) - len(long))  # cm left for wrapped columns on an A4 page
    specs = []
    for i in range(len(lengths)):
        if g.numeric[i]:
            specs.append("r")
        elif i in long:
            specs.append(f"p{{{max(room * min(lengths[i], 120) / total, 2.5):.1f}cm}}")
        else:
            specs.append("l")
    return specs


# -- terminal -------------------------------------------------------------------------------------

def rich_table(table: Table):
    """The table as a ``rich.table.Table`` (for the terminal and the UI)."""
    from rich import box
    from rich.table import Table as RichTable

    g = grid(table)
    out = RichTable(title=table.title, title_justify="left", show_header=g.show_header,
                    caption="\n".join(table.notes) or None, caption_justify="left",
                    box=box.SIMPLE_HEAD if g.show_header else box.SIMPLE, pad_edge=False)
    for i, label in enumerate(g.flat_header):
        longest = max([len(fmt(r[i], g.decimal)) for r in g.rows] + [1])
        if g.numeric[i] or longest <= 24:
            out.add_column(label, justify="right" if g.numeric[i] else "left", min_width=min(longest, 16))
        else:
            out.add_column(label, overflow="fold", ratio=min(longest, 200))
    for row in g.rows:
        out.add_row(*(fmt(v, g.decimal) for v in row))
    return out


def render_text(table: Table, width: int = 120) -> str:
    """Plain-text rendering for the terminal / UI preview (no colour codes)."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False,
                      force_terminal=False, legacy_windows=False)
    console.print(rich_table(table))
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"


# -- writing ----------------------------------------------------------------------------------------

def format_for(path: Path, fmt_name: str | None) -> str:
    if fmt_name:
        fmt_name = fmt_name.lower().lstrip(".")
        fmt_name = {"markdown": "md", "latex": "tex", "htm": "html", "excel": "xlsx", "word": "docx"}.get(fmt_name, fmt_name)
        if fmt_name not in FORMATS:
            raise ExportError(f"unknown format '{fmt_name}' (one of {', '.join(FORMATS)})")
        return fmt_name
    found = SUFFIXES.get(Path(path).suffix.lower())
    if found is None:
        raise ExportError(f"cannot tell the format from '{Path(path).name}'; "
                          f"use --format {'|'.join(FORMATS)} or a file name ending in one of them")
    return found


def output_paths(tables: list[Table], path: Path, fmt_name: str | None = None) -> list[Path]:
    """The files ``write_tables`` writes for these arguments (several only for CSV)."""
    fmt_name = format_for(path, fmt_name)
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(f".{fmt_name}")
    if fmt_name == "csv" and len(tables) > 1:
        return [path.with_name(f"{path.stem}-{t.name}{path.suffix}") for t in tables]
    return [path]


def render(tables: list[Table], fmt_name: str) -> list[bytes]:
    """Every format as bytes: one item, or one per table for CSV."""
    if fmt_name == "csv":
        return [to_csv(t) for t in tables]
    if fmt_name == "md":
        return [to_markdown(tables).encode("utf-8")]
    if fmt_name == "html":
        return [to_html(tables).encode("utf-8")]
    if fmt_name == "tex":
        return [to_latex(tables).encode("utf-8")]
    from codering.export import office

    if fmt_name == "xlsx":
        return [office.to_xlsx(tables)]
    if fmt_name == "docx":
        return [office.to_docx(tables)]
    raise ExportError(f"unknown format '{fmt_name}' (one of {', '.join(FORMATS)})")


def write_tables(tables: list[Table], path: Path, fmt: str | None = None, force: bool = False) -> Path:
    """Write ``tables`` to ``path`` in ``fmt`` (default: from the suffix); return the (first) file written.

    Raises ``ExportError`` if a target exists and ``force`` is False, or if
    there is nothing to write. See the module docstring for CSV with several tables.
    """
    from codering.fileio import atomic_write_bytes

    if not tables:
        raise ExportError("nothing to write: no tables")
    fmt_name = format_for(path, fmt)
    targets = output_paths(tables, path, fmt_name)
    for target in targets:
        if target.is_dir():
            raise ExportError(f"{target} is a folder; give a file name")
        if target.exists() and not force:
            raise ExportError(f"{target} exists; use --force to replace it or choose another name")
    payloads = render(tables, fmt_name)
    written: list[Path] = []
    try:
        for target, data in zip(targets, payloads):
            existed = target.exists()
            try:
                atomic_write_bytes(target, data)
            except OSError as exc:
                raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
            if not existed:
                written.append(target)
    except BaseException:
        for done in written:
            done.unlink(missing_ok=True)
        raise
    return targets[0]
