"""Write tables in the formats researchers publish in: pick the format, render, write safely.

Decisions, in one place:

- **Never overwrite**: ``write_tables`` raises ``ExportError`` when a target
  exists and ``force`` is False. (The CLI picks a free name, ``name-2.xlsx``,
  only for its own default names under ``exports/``; a name you chose is never
  silently changed.)
- **Atomic**: everything is rendered in memory first, then each file is written
  to a temporary file and renamed. If one of several CSV files fails, the ones
  already written by this call are removed again.
- **CSV** holds one table per file (header plus rows, UTF-8 with BOM so Excel
  reads the accents; a Dutch table separated by ``;`` with decimal commas, as
  Dutch Excel reads CSV, others by ``,``; title and notes are left out so the
  file stays data). With
  several tables, ``study.csv`` becomes ``study-<table.name>.csv`` for each. A
  text cell starting with ``=``, ``+``, ``-`` or ``@`` (a label, a quote, an
  attribute) is written with a leading apostrophe so no spreadsheet runs it as a
  formula (``=HYPERLINK(...)`` stays text); XLSX writes such texts as text.
- ``-o -`` / ``-o /dev/stdout``: :func:`stdout_bytes`, never a file.
- Markdown, HTML, LaTeX and DOCX put all tables in one file, XLSX one sheet per
  table. A path without a suffix gets ``.<format>``.

Each format is one module of :mod:`codering.export.formats`; the Office ones
(XlsxWriter, python-docx) are imported only when that format is written.
"""

from __future__ import annotations

from pathlib import Path

from codering.errors import ExportError
from codering.export.formats.csv import to_csv
from codering.export.formats.html import to_html
from codering.export.formats.latex import to_latex
from codering.export.formats.markdown import to_markdown
from codering.export.formats.terminal import render_text, rich_table
from codering.export.table import Table

__all__ = ["FORMATS", "STDOUT", "SUFFIXES", "Table", "format_for", "is_stdout", "output_paths", "render",
           "render_text", "rich_table", "stdout_bytes", "to_csv", "to_html", "to_latex", "to_markdown", "write_tables"]

FORMATS = ("md", "csv", "xlsx", "docx", "html", "tex")
SUFFIXES = {".md": "md", ".markdown": "md", ".csv": "csv", ".xlsx": "xlsx", ".docx": "docx",
            ".html": "html", ".htm": "html", ".tex": "tex", ".latex": "tex"}

STDOUT = ("-", "/dev/stdout")
"""Output names that mean standard output (``-o -``, ``-o /dev/stdout``)."""


def is_stdout(output: str | Path | None) -> bool:
    return output is not None and str(output) in STDOUT


def stdout_bytes(tables: list[Table], fmt_name: str | None) -> bytes:
    """What ``-o -`` writes: the tables in ``fmt_name`` (default Markdown); CSV holds one table there, and
    text comes without the byte order mark the files carry for Excel."""
    fmt_name = format_for(Path("-"), fmt_name or "md")
    if fmt_name == "csv" and len(tables) > 1:
        raise ExportError(f"CSV on standard output holds one table and this export has {len(tables)}; "
                          "write them to files (-o NAME.csv) or choose another --format")
    data = render(tables, fmt_name)[0]
    return data.removeprefix(b"\xef\xbb\xbf")


def format_for(path: Path, fmt_name: str | None) -> str:
    """The format to write: ``fmt_name`` (--format) or else the suffix of ``path``; the two must agree."""
    if fmt_name:
        fmt_name = fmt_name.lower().lstrip(".")
        fmt_name = {"markdown": "md", "latex": "tex", "htm": "html", "excel": "xlsx", "word": "docx"}.get(fmt_name, fmt_name)
        if fmt_name not in FORMATS:
            raise ExportError(f"unknown format '{fmt_name}' (one of {', '.join(FORMATS)})")
        by_suffix = SUFFIXES.get(Path(path).suffix.lower())
        if by_suffix and by_suffix != fmt_name:
            raise ExportError(f"{Path(path).name} ends in {Path(path).suffix}, which is not --format {fmt_name}; "
                              "name the file for its format or leave out --format")
        return fmt_name
    found = SUFFIXES.get(Path(path).suffix.lower())
    if found is None and Path(path).is_dir():
        raise ExportError(f"{path} is a folder; name a file in it, or give --format to write there")
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
        return [path.with_name(f"{_joined(path.stem, t.name)}{path.suffix}") for t in tables]
    return [path]


def _joined(stem: str, name: str) -> str:
    """``study-cooccurrence`` and ``cooccurrence-matrix`` make ``study-cooccurrence-matrix``, not
    ``study-cooccurrence-cooccurrence-matrix``: the part the name repeats from the stem's end is said once."""
    head = name.split("-", 1)[0]
    if "-" in name and stem.endswith(f"-{head}"):
        return f"{stem}{name[len(head):]}"
    return f"{stem}-{name}"


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
    if fmt_name == "xlsx":
        from codering.export.formats import xlsx

        return [xlsx.to_xlsx(tables)]
    if fmt_name == "docx":
        from codering.export.formats import docx

        return [docx.to_docx(tables)]
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
