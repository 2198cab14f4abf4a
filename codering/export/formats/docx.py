"""DOCX (python-docx): per table a caption and a real Word table.

Per table a caption paragraph (Word's "Caption" style, kept with the table)
holding the title, then a real Word table ("Table Grid") with a bold header
row that repeats on every page, numbers right-aligned, column widths from the
content, and the notes in small italics. A table of more than seven columns
gets a landscape section of its own; the others stay on portrait pages.
"""

from __future__ import annotations

import io
import re

from codering.export.table import Grid, Table, column_widths, fmt, grid



#: A table with more columns than this is laid out on a landscape page.
PORTRAIT_COLUMNS = 7


def to_docx(tables: list[Table]) -> bytes:
    """The tables in one Word document. A wide table gets a landscape section of its own, so one wide
    crosstab in ``export all`` does not turn Tabel 5 and 6 on their side too."""
    from docx import Document
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.oxml import parse_xml
    from docx.shared import Pt

    document = Document()
    grids = [grid(t) for t in tables]
    style_id = document.styles["Table Grid"].style_id
    section, wide = document.sections[0], None
    for index, (table, g) in enumerate(zip(tables, grids)):
        landscape = len(g.flat_header) > PORTRAIT_COLUMNS
        if wide is None or landscape != wide:
            if wide is not None:
                section = document.add_section(WD_SECTION.NEW_PAGE)
            _page(section, WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT, landscape)
            wide = landscape
        elif index:
            document.add_paragraph()
        usable = (section.page_width - section.left_margin - section.right_margin) // 635  # EMU -> twips
        caption = document.add_paragraph(table.title, style="Caption")
        caption.paragraph_format.keep_with_next = True
        caption._p.addnext(parse_xml(_docx_table_xml(g, style_id, usable)))
        for note in table.notes:
            para = document.add_paragraph()
            run = para.add_run(note)
            run.italic, run.font.size = True, Pt(9)
            para.paragraph_format.space_after = Pt(0)
    if wide is None:
        _page(section, WD_ORIENT.PORTRAIT, False)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _page(section, orientation, landscape: bool) -> None:
    """An A4 page (python-docx's template is US Letter), on its side for a wide table."""
    from docx.shared import Mm

    section.orientation = orientation
    short, long = Mm(210), Mm(297)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _docx_table_xml(g: Grid, style_id: str, usable: int) -> str:
    """A whole Word table as WordprocessingML, in one go (python-docx's cell API is slow for big tables)."""
    ncols = len(g.flat_header)
    weights = column_widths(g)
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
            out.append(_docx_cell(g.show(value, i) if number else fmt(value), widths[i], size,
                                  align="right" if number else None))
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def _docx_cell(text: str, width: int, size: int, bold: bool = False, align: str | None = None,
               span: int = 1) -> str:
    props = f'<w:tcW w:w="{width}" w:type="dxa"/>' + (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "")
    para = f'<w:pPr><w:jc w:val="{align}"/></w:pPr>' if align else ""
    run_props = f'<w:rPr>{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
    lines = _BAD_XML.sub("", text).split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{_escape(line)}</w:t>' for line in lines)
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p>{para}<w:r>{run_props}{body}</w:r></w:p></w:tc>"


def _escape(text: str) -> str:
    """``xml.sax.saxutils.escape`` without importing it (it imports urllib.request: 30 ms)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
