"""XLSX (openpyxl) and DOCX (python-docx) rendering of export tables.

XLSX: one sheet per table, named after ``table.name``; the title in A1 (bold),
the header row(s) below it (bold, shaded, frozen), then the rows with wrapped
text, column widths from the content (8-70 characters) and row heights that
fit the wrapped text, the notes in italics under the table. Numbers stay
numbers. Two-level headers become merged cells.

DOCX: per table a caption paragraph (Word's "Caption" style, kept with the
table) holding the title, then a real Word table ("Table Grid") with a bold
header row that repeats on every page, numbers right-aligned, column widths
from the content, and the notes in small italics. Pages turn landscape when a
table has more than seven columns.
"""

from __future__ import annotations

import io
import math
import re

from codering.export.writers import Grid, Table, fmt, grid

MAX_WIDTH = 70


def sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "tabel"
    base = base[:31]
    candidate, n = base, 2
    while candidate.casefold() in taken:
        suffix = f"-{n}"
        candidate = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(candidate.casefold())
    return candidate


def _widths(g: Grid) -> list[int]:
    widths = []
    for i, label in enumerate(g.flat_header):
        lines = [label] if g.show_header else []
        for row in g.rows:
            lines.extend(fmt(row[i], g.decimal).split("\n"))
        longest = max((len(line) for line in lines), default=0)
        widths.append(min(max(longest + 2, 8), MAX_WIDTH))
    return widths


def to_xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    shade = PatternFill("solid", fgColor="EEEEEE")
    rule = Border(bottom=Side(style="thin", color="888888"))
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for table in tables:
        g = grid(table)
        sheet = book.create_sheet(sheet_name(table.name, taken))
        sheet["A1"] = table.title
        sheet["A1"].font = Font(bold=True, size=12)
        widths = _widths(g)
        row_no = 2
        if g.show_header:
            for level, header in enumerate(g.header):
                col = 1
                for label, span in header:
                    cell = sheet.cell(row=row_no, column=col, value=label or None)
                    cell.font, cell.fill = bold, shade
                    cell.alignment = Alignment(wrap_text=True, vertical="bottom",
                                               horizontal="center" if span > 1 else
                                               ("right" if g.numeric[col - 1] else "left"))
                    if level == len(g.header) - 1:
                        cell.border = rule
                    if span > 1:
                        sheet.merge_cells(start_row=row_no, start_column=col, end_row=row_no, end_column=col + span - 1)
                    col += span
                row_no += 1
            sheet.freeze_panes = sheet.cell(row=row_no, column=1)
        for row in g.rows:
            lines = 1
            for i, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_no, column=i, value=value)
                if isinstance(value, float):
                    cell.number_format = "0.000"
                elif isinstance(value, str) and value:  # numbers align right by themselves; text wraps
                    cell.alignment = wrap
                    lines = max(lines, sum(max(1, math.ceil(len(part) / max(widths[i - 1] - 1, 1)))
                                           for part in value.split("\n")))
            if lines > 1:
                sheet.row_dimensions[row_no].height = 15 * lines
                for i, value in enumerate(row, start=1):  # numbers beside wrapped text: to the top as well
                    if isinstance(value, (int, float)):
                        sheet.cell(row=row_no, column=i).alignment = top
            row_no += 1
        if table.notes:
            row_no += 1
            for note in table.notes:
                sheet.cell(row=row_no, column=1, value=note).font = Font(italic=True, size=9)
                row_no += 1
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        if len(widths) > 7:
            sheet.page_setup.orientation = "landscape"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_docx(tables: list[Table]) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import parse_xml
    from docx.shared import Pt

    document = Document()
    grids = [grid(t) for t in tables]
    section = document.sections[0]
    if any(len(g.flat_header) > 7 for g in grids):
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    usable = (section.page_width - section.left_margin - section.right_margin) // 635  # EMU -> twips
    style_id = document.styles["Table Grid"].style_id
    for index, (table, g) in enumerate(zip(tables, grids)):
        if index:
            document.add_paragraph()
        caption = document.add_paragraph(table.title, style="Caption")
        caption.paragraph_format.keep_with_next = True
        caption._p.addnext(parse_xml(_docx_table_xml(g, style_id, usable)))
        for note in table.notes:
            para = document.add_paragraph()
            run = para.add_run(note)
            run.italic, run.font.size = True, Pt(9)
            para.paragraph_format.space_after = Pt(0)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _docx_table_xml(g: Grid, style_id: str, usable: int) -> str:
    """A whole Word table as WordprocessingML, in one go (python-docx's cell API is slow for big tables)."""
    ncols = len(g.flat_header)
    weights = _widths(g)
    widths = [int(usable * w / sum(weights)) for w in weights]
    size = 20 if ncols <= 6 else 18 if ncols <= 10 else 16  # half-points
    out = [(f'<w:tbl xmlns:w="{_W}"><w:tblPr><w:tblStyle w:val="{style_id}"/>'
            f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
            '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0"'
            ' w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>')]
    out += [f'<w:gridCol w:w="{w}"/>' for w in widths]
    out.append("</w:tblGrid>")
    if g.show_header:
        for row in g.header:
            out.append('<w:tr><w:trPr><w:tblHeader/></w:trPr>')
            col = 0
            for label, span in row:
                align = "center" if span > 1 else "right" if g.numeric[col] else None
                out.append(_docx_cell(label, sum(widths[col:col + span]), size, bold=True, align=align, span=span))
                col += span
            out.append("</w:tr>")
    for values in g.rows:
        out.append("<w:tr>")
        for i, value in enumerate(values):
            number = isinstance(value, (int, float))
            out.append(_docx_cell(fmt(value, g.decimal) if number else fmt(value), widths[i], size,
                                  align="right" if number else None))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _docx_cell(text: str, width: int, size: int, bold: bool = False, align: str | None = None,
               span: int = 1) -> str:
    from xml.sax.saxutils import escape

    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
    para = f'<w:pPr><w:jc w:val="{align}"/></w:pPr>' if align else ""
    run_props = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
    lines = _BAD_XML.sub("", text).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{para}<w:r>{run_props}{body}</w:r></w:p></w:tc>"
