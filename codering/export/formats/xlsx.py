"""XLSX through XlsxWriter: one sheet per table.

Each sheet is named after ``table.name`` (made valid and unique); the title
sits in A1 (bold), the header row(s) below it (bold, shaded, a rule under the
last one, frozen), then the rows: text wrapped and top-aligned, numbers as
numbers (fractions with three decimals, or the decimals the table fixes for
a column: ``--decimals 1`` shows 50 as 50.0 beside 16.7), rows as high as their wrapped text,
column widths from the content (8-70 characters, see
:func:`codering.export.table.column_widths`), two-level headers as merged
cells, and the notes in small italics under the table. Sheets with more than
seven columns print landscape, every sheet one page wide.

Text is always written as text (``write_string``): a cell that starts with
``=`` never becomes a formula and ``#N/A`` never an error value. Control
characters are left out, as the DOCX writer does, and a text is cut at
Excel's 32,767 characters.
"""

from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING

from codering.export.table import Grid, Table, column_widths, grid

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

MAX_TEXT = 32767  # characters in one cell (Excel's limit)
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PIXELS_PER_CHARACTER = 7  # Calibri 11's digit width: XlsxWriter keeps widths in pixels, Excel in characters
ROW_HEIGHT = 15  # points per line of wrapped text


def to_xlsx(tables: list[Table]) -> bytes:
    """The tables as an XLSX file, one sheet each."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.set_properties({"author": "codering"})
    styles = _Styles(book)
    taken: set[str] = set()
    for table in tables:
        _write_sheet(book.add_worksheet(sheet_name(table.name, taken)), table, grid(table), styles)
    book.close()
    return out.getvalue()


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid sheet name (no ``[]:*?/\\``, at most 31 characters) not yet in ``taken`` (case-insensitive)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "tabel"
    base = base[:31]
    candidate, n = base, 2
    while candidate.casefold() in taken:
        suffix = f"-{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


class _Styles:
    """The workbook's cell formats, made once each on first use."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.made: dict[tuple, Format] = {}

    def get(self, **properties: object) -> Format:
        key = tuple(sorted(properties.items()))
        if key not in self.made:
            self.made[key] = self.book.add_format(dict(properties))
        return self.made[key]

    def title(self) -> Format:
        return self.get(bold=True, font_size=12)

    def note(self) -> Format:
        return self.get(italic=True, font_size=9)

    def header(self, horizontal: str, rule: bool) -> Format:
        extra = {"bottom": 1, "bottom_color": "#888888"} if rule else {}
        return self.get(bold=True, pattern=1, bg_color="#EEEEEE", align=horizontal, valign="bottom",
                        text_wrap=True, **extra)

    def body(self, value: object, tall: bool, places: int | None = None) -> Format | None:
        """``places``: the column's fixed decimals (a "0.0" format for its whole numbers too)."""
        if isinstance(value, str):
            return self.get(text_wrap=True, valign="top") if value else None
        number = isinstance(value, (int, float))
        extra = {"valign": "top"} if number and tall else {}
        if number and places is not None:
            return self.get(num_format="0." + "0" * places if places else "0", **extra)
        if isinstance(value, float):
            return self.get(num_format="0.000", **extra)
        return self.get(**extra) if extra else None


def _put(sheet: Worksheet, row: int, col: int, value: object, style: Format | None) -> None:
    """One cell: text as text, numbers as numbers, an empty cell only when it has a style."""
    if isinstance(value, str) and value:
        text = _BAD.sub("", value)[:MAX_TEXT]
        if text:
            sheet.write_string(row, col, text, style)
            return
    if isinstance(value, (int, float)) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        sheet.write_number(row, col, value, style)
    elif style is not None:
        sheet.write_blank(row, col, None, style)


def _write_header(sheet: Worksheet, g: Grid, styles: _Styles) -> int:
    """The header rows from row 1 (0-based); returns the first body row."""
    row = 1
    for level, labels in enumerate(g.header):
        rule = level == len(g.header) - 1
        col = 0
        for label, span in labels:
            horizontal = "center" if span > 1 else ("right" if g.numeric[col] else "left")
            style = styles.header(horizontal, rule)
            if span > 1:
                sheet.merge_range(row, col, row, col + span - 1, "", style)
            _put(sheet, row, col, label or None, style)
            col += span
        row += 1
    sheet.freeze_panes(row, 0)
    return row


def _lines(values: list, widths: list[int]) -> int:
    """How many lines the row's longest wrapped text takes at these column widths."""
    lines = 1
    for i, value in enumerate(values):
        if isinstance(value, str) and value:
            lines = max(lines, sum(max(1, math.ceil(len(part) / max(widths[i] - 1, 1))) for part in value.split("\n")))
    return lines


def _write_sheet(sheet: Worksheet, table: Table, g: Grid, styles: _Styles) -> None:
    widths = column_widths(g)
    for i, width in enumerate(widths):
        sheet.set_column_pixels(i, i, width * _PIXELS_PER_CHARACTER)
    _put(sheet, 0, 0, table.title, styles.title())
    row = _write_header(sheet, g, styles) if g.show_header else 1
    for values in g.rows:
        lines = _lines(values, widths)
        for col, value in enumerate(values):
            _put(sheet, row, col, value, styles.body(value, lines > 1, g.places(col)))
        if lines > 1:
            sheet.set_row(row, ROW_HEIGHT * lines)
        row += 1
    if table.notes:
        row += 1
        for note in table.notes:
            _put(sheet, row, 0, note, styles.note())
            row += 1
    if len(widths) > 7:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
