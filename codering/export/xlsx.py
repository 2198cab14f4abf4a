"""XLSX written directly as SpreadsheetML: the workbook openpyxl wrote, without importing openpyxl.

Importing openpyxl takes about 0.6 s (it pulls in numpy and Pillow) and its
cell-by-cell API another 0.4 s for the 13,000 cells of a full export: half of
the two seconds an export of 35 interviews may take. The workbook has a small,
fixed shape (described in ``codering.export.office``), so it is written here
in one go, part for part as openpyxl 3.1 wrote it: the same XML (compared byte
for byte), styles numbered in order of first use as openpyxl numbered them,
inline strings, openpyxl's default theme. Only the document properties name
codering instead of openpyxl, and merged ranges are listed in header order.
``tests/test_export_writers.py`` reads the files back with openpyxl.

Unlike openpyxl, a text is always written as text: one starting with ``=``
does not become a formula, ``#N/A`` does not become an error value, and
control characters (which openpyxl refused with an error) are left out, as
the DOCX writer does.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import datetime, timezone

from codering.export.writers import Grid, Table, column_widths, grid

MAX_TEXT = 32767  # characters in one cell (Excel's limit; openpyxl cut longer texts here too)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

# -- styles: fonts, fills, borders and cell formats are numbered in order of first use -----------

_FONT_DEFAULT = '<font><name val="Calibri"/><family val="2"/><color theme="1"/><sz val="11"/><scheme val="minor"/></font>'
FONT_TITLE = '<font><b val="1"/><sz val="12"/></font>'
FONT_BOLD = '<font><b val="1"/></font>'
FONT_NOTE = '<font><i val="1"/><sz val="9"/></font>'
FILL_SHADE = '<fill><patternFill patternType="solid"><fgColor rgb="00EEEEEE"/></patternFill></fill>'
BORDER_RULE = '<border><bottom style="thin"><color rgb="00888888"/></bottom></border>'
ALIGN_WRAP = '<alignment vertical="top" wrapText="1"/>'
ALIGN_TOP = '<alignment vertical="top"/>'
FORMAT_DECIMALS = "0.000"
_INDEXED = ("000000 FFFFFF FF0000 00FF00 0000FF FFFF00 FF00FF 00FFFF 000000 FFFFFF FF0000 00FF00 0000FF FFFF00 "
            "FF00FF 00FFFF 800000 008000 000080 808000 800080 008080 C0C0C0 808080 9999FF 993366 FFFFCC CCFFFF "
            "660066 FF8080 0066CC CCCCFF 000080 FF00FF FFFF00 00FFFF 800080 800000 008080 0000FF 00CCFF CCFFFF "
            "CCFFCC FFFF99 99CCFF FF99CC CC99FF FFCC99 3366FF 33CCCC 99CC00 FFCC00 FF9900 FF6600 666699 969696 "
            "003366 339966 003300 333300 993300 993366 333399 333333").split()


def header_alignment(horizontal: str) -> str:
    return f'<alignment horizontal="{horizontal}" vertical="bottom" wrapText="1"/>'


class Styles:
    """The workbook's style table; ``xf`` gives a cell's style number (None: the default style)."""

    def __init__(self) -> None:
        self.fonts = [_FONT_DEFAULT]
        self.fills = ['<fill><patternFill/></fill>', '<fill><patternFill patternType="gray125"/></fill>']
        self.borders = ["<border><left/><right/><top/><bottom/><diagonal/></border>"]
        self.formats: list[str] = []
        self.xfs: dict[tuple, int] = {(0, 0, 0, 0, ""): 0}

    @staticmethod
    def _number(items: list[str], item: str | None) -> int:
        if item is None:
            return 0
        if item not in items:
            items.append(item)
        return items.index(item)

    def xf(self, font: str | None = None, fill: str | None = None, border: str | None = None,
           number_format: str | None = None, alignment: str = "") -> int | None:
        fmt_id = 164 + self._number(self.formats, number_format) if number_format else 0
        key = (fmt_id, self._number(self.fonts, font), self._number(self.fills, fill),
               self._number(self.borders, border), alignment)
        if key == (0, 0, 0, 0, ""):
            return None
        return self.xfs.setdefault(key, len(self.xfs))

    def xml(self) -> str:
        formats = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{_attr(f)}"/>' for i, f in enumerate(self.formats))
        xfs = []
        for fmt_id, font, fill, border, alignment in self.xfs:
            apply = ' applyAlignment="1"' if alignment else ""
            head = (f'<xf numFmtId="{fmt_id}" fontId="{font}" fillId="{fill}" borderId="{border}"{apply}'
                    ' pivotButton="0" quotePrefix="0" xfId="0"')
            xfs.append(f"{head}>{alignment}</xf>" if alignment else f"{head}/>")
        return "".join([
            f'<styleSheet xmlns="{_MAIN}">',
            f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if formats else '<numFmts count="0"/>',
            f'<fonts count="{len(self.fonts)}">{"".join(self.fonts)}</fonts>',
            f'<fills count="{len(self.fills)}">{"".join(self.fills)}</fills>',
            f'<borders count="{len(self.borders)}">{"".join(self.borders)}</borders>',
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>',
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>',
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" hidden="0"/></cellStyles>',
            '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>',
            "<colors><indexedColors>", *(f'<rgbColor rgb="00{c}"/>' for c in _INDEXED), "</indexedColors></colors>",
            "</styleSheet>",
        ])


# -- text and cells -----------------------------------------------------------------------------

def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attr(value: str) -> str:
    return (_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _number(value: int | float) -> str:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return ""
    return "%.16g" % value  # as openpyxl wrote numbers


def cell(ref: str, value, style: int | None) -> str:
    """One ``<c>`` element; '' when the cell is empty and has no style (it is then left out)."""
    s = "" if style is None else f' s="{style}"'
    if value is None:
        return f'<c r="{ref}"{s} t="n"></c>' if s else ""
    if isinstance(value, str):
        value = _BAD.sub("", value)[:MAX_TEXT]
        if not value:
            return f'<c r="{ref}"{s} t="inlineStr"></c>'
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(value)}</t></is></c>'
    return f'<c r="{ref}"{s} t="n"><v>{_number(value)}</v></c>'


# -- one sheet ----------------------------------------------------------------------------------

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


def sheet_xml(table: Table, g: Grid, styles: Styles) -> str:
    ncols = len(g.flat_header)
    letters = [column_letter(i) for i in range(1, ncols + 1)]
    widths = column_widths(g)
    rows: dict[int, list[str]] = {1: [cell("A1", table.title, styles.xf(font=FONT_TITLE))]}
    heights: dict[int, int] = {}
    merges: list[str] = []
    row_no = 2
    frozen = 0
    if g.show_header:
        for level, header in enumerate(g.header):
            out = rows[row_no] = []
            last = level == len(g.header) - 1
            col = 1
            for label, span in header:
                horizontal = "center" if span > 1 else ("right" if g.numeric[col - 1] else "left")
                style = styles.xf(font=FONT_BOLD, fill=FILL_SHADE, border=BORDER_RULE if last else None,
                                  alignment=header_alignment(horizontal))
                out.append(cell(f"{letters[col - 1]}{row_no}", label or None, style))
                if span > 1:
                    merges.append(f"{letters[col - 1]}{row_no}:{letters[col + span - 2]}{row_no}")
                col += span
            row_no += 1
        frozen = row_no
        rows.setdefault(frozen, [])  # openpyxl made the cell the panes freeze at, also in a table without rows
    for values in g.rows:
        lines = 1
        for i, value in enumerate(values):
            if isinstance(value, str) and value:
                lines = max(lines, sum(max(1, math.ceil(len(part) / max(widths[i] - 1, 1)))
                                       for part in value.split("\n")))
        out = rows[row_no] = []
        for i, value in enumerate(values):
            number = isinstance(value, (int, float))
            style = styles.xf(number_format=FORMAT_DECIMALS if isinstance(value, float) else None,
                              alignment=ALIGN_WRAP if isinstance(value, str) and value
                              else ALIGN_TOP if number and lines > 1 else "")
            out.append(cell(f"{letters[i]}{row_no}", value, style))
        if lines > 1:
            heights[row_no] = 15 * lines
        row_no += 1
    if table.notes:
        row_no += 1
        for note in table.notes:
            rows[row_no] = [cell(f"A{row_no}", note, styles.xf(font=FONT_NOTE))]
            row_no += 1
    last_row = max(rows)
    if frozen:
        view = (f'<pane ySplit="{frozen - 1}" topLeftCell="A{frozen}" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
    else:
        view = '<selection activeCell="A1" sqref="A1"/>'
    parts = [
        f'<worksheet xmlns="{_MAIN}"><sheetPr><outlinePr summaryBelow="1" summaryRight="1"/>'
        '<pageSetUpPr fitToPage="1"/></sheetPr>',
        f'<dimension ref="A1:{letters[-1] if letters and (g.show_header or g.rows) else "A"}{last_row}"/>',
        f'<sheetViews><sheetView workbookViewId="0">{view}</sheetView></sheetViews>',
        '<sheetFormatPr baseColWidth="8" defaultRowHeight="15"/>',
    ]
    if widths:
        parts.append("<cols>" + "".join(f'<col width="{w}" customWidth="1" min="{i}" max="{i}"/>'
                                        for i, w in enumerate(widths, start=1)) + "</cols>")
    parts.append("<sheetData>")
    for number in sorted(rows):
        height = heights.get(number)
        size = f' ht="{height}" customHeight="1"' if height else ""
        parts.append(f'<row r="{number}"{size}>{"".join(rows[number])}</row>')
    parts.append("</sheetData>")
    if merges:
        parts.append(f'<mergeCells count="{len(merges)}">'
                     + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
    landscape = 'orientation="landscape" ' if len(widths) > 7 else ""
    parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                 f'<pageSetup {landscape}fitToHeight="0" fitToWidth="1"/></worksheet>')
    return "".join(parts)


# -- the package --------------------------------------------------------------------------------

def workbook(tables: list[Table]) -> bytes:
    """The tables as an XLSX file, one sheet each."""
    from codering.export.xlsx_theme import THEME_XML

    styles = Styles()
    taken: set[str] = set()
    names, sheets = [], []
    for table in tables:
        names.append(sheet_name(table.name, taken))
        sheets.append(sheet_xml(table, grid(table), styles))
    count = len(sheets)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    content_types = "".join([
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/theme/theme1.xml" ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>',
        *(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>' for i in range(1, count + 1)),
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        "</Types>",
    ])
    root_rels = (
        f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Type="{_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1"/>'
        f'<Relationship Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml" Id="rId2"/>'
        f'<Relationship Type="{_REL}/extended-properties" Target="docProps/app.xml" Id="rId3"/>'
        "</Relationships>"
    )
    app = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           "<Application>codering</Application></Properties>")
    dcterms = ('xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
               'xsi:type="dcterms:W3CDTF"')
    core = ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
            '<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">codering</dc:creator>'
            f"<dcterms:created {dcterms}>{stamp}</dcterms:created>"
            f"<dcterms:modified {dcterms}>{stamp}</dcterms:modified></cp:coreProperties>")
    book = "".join([
        f'<workbook xmlns="{_MAIN}"><workbookPr/><workbookProtection/><bookViews>'
        '<workbookView visibility="visible" minimized="0" showHorizontalScroll="1" showVerticalScroll="1" '
        'showSheetTabs="1" tabRatio="600" firstSheet="0" activeTab="0" autoFilterDateGrouping="1"/></bookViews><sheets>',
        *(f'<sheet xmlns:r="{_REL}" name="{_attr(name)}" sheetId="{i}" state="visible" r:id="rId{i}"/>'
          for i, name in enumerate(names, start=1)),
        '</sheets><definedNames/><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>',
    ])
    book_rels = "".join([
        f'<Relationships xmlns="{_PKG_REL}">',
        *(f'<Relationship Type="{_REL}/worksheet" Target="/xl/worksheets/sheet{i}.xml" Id="rId{i}"/>'
          for i in range(1, count + 1)),
        f'<Relationship Type="{_REL}/styles" Target="styles.xml" Id="rId{count + 1}"/>',
        f'<Relationship Type="{_REL}/theme" Target="theme/theme1.xml" Id="rId{count + 2}"/>',
        "</Relationships>",
    ])
    parts = [("docProps/app.xml", app), ("docProps/core.xml", core), ("xl/theme/theme1.xml", THEME_XML),
             *((f"xl/worksheets/sheet{i}.xml", xml) for i, xml in enumerate(sheets, start=1)),
             ("xl/styles.xml", styles.xml()), ("_rels/.rels", root_rels), ("xl/workbook.xml", book),
             ("xl/_rels/workbook.xml.rels", book_rels), ("[Content_Types].xml", content_types)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts:
            archive.writestr(name, xml.encode("ascii", "xmlcharrefreplace"))
    return out.getvalue()
