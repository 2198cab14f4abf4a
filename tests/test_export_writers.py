"""Writers: Markdown golden files, CSV, XLSX and DOCX read back, HTML, LaTeX, no silent overwrite, atomicity."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

import tests.test_export_support as support
from codering.errors import ExportError
from codering.export import tables as T
from codering.export import writers as W

coded = support.coded  # shared fixture
data = support.data  # shared fixture

GOLDEN = Path(__file__).parent / "golden"
TABEL5 = "Tabel 5. Overzicht stimulerende factoren voor samenwerking"


def golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture
def factor_tables(data):
    return [T.factor_overview(data, "stimulerend", counts=True), T.factor_overview(data, "remmend")]


def test_markdown_golden_factors(factor_tables, tmp_path):
    out = W.write_tables(factor_tables, tmp_path / "factoren.md")
    golden("factors.md", out.read_text(encoding="utf-8"))


def test_markdown_golden_crosstab(data, tmp_path):
    tables = [T.crosstab(data, "fin", "locatie"), T.crosstab(data, "fin", "locatie", layout="long")]
    out = W.write_tables(tables, tmp_path / "kruistabel", fmt="md")
    assert out.name == "kruistabel.md"
    golden("crosstab.md", out.read_text(encoding="utf-8"))


def test_markdown_plain_tabel5_shape(data):
    text = W.to_markdown([T.factor_overview(data, "stimulerend")])
    lines = text.splitlines()
    assert lines[0] == TABEL5
    table_lines = [line for line in lines if line.startswith("|")]
    assert len(table_lines) == 2 + 3  # header, rule, one row per category
    assert all(line.count(" | ") == 1 for line in table_lines)


def test_markdown_escapes_pipes_and_newlines():
    import pandas as pd

    table = W.Table("x", "X", pd.DataFrame([["a|b", "regel 1\nregel 2"]], columns=["A", "B"]))
    assert "| a\\|b | regel 1<br>regel 2 |" in W.to_markdown([table])


def test_xlsx_read_back(data, tmp_path):
    from openpyxl import load_workbook

    tables = [T.factor_overview(data, "stimulerend"), T.crosstab(data, "fin", "locatie"), T.factor_detail(data)]
    path = W.write_tables(tables, tmp_path / "rapport.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["factors-stimulerend", "crosstab-fin-locatie", "factor-detail"]

    factors = book["factors-stimulerend"]
    assert factors["A1"].value == TABEL5 and factors["A1"].font.bold
    assert [[c.value for c in r] for r in factors.iter_rows(min_row=2, max_row=4)] == [
        ["Inhoud", "Gemeenschappelijk doel"],
        ["Juridisch", "Wettelijke verplichting, ‘politieke opdracht’"],
        ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"],
    ]
    assert factors.max_column == 2
    assert factors["B4"].alignment.wrap_text
    assert factors.column_dimensions["B"].width > factors.column_dimensions["A"].width >= 8
    assert factors["A6"].value == "Op categorieniveau: segmenten gecodeerd met de categorie zelf, zonder specifieke factor."

    cross = book["crosstab-fin-locatie"]
    assert cross["A1"].value == "Finaliteit uitgesplitst naar locatie"
    assert {str(r) for r in cross.merged_cells.ranges} == {"B2:C2", "D2:E2", "F2:G2"}
    assert [c.value for c in cross[2]] == [None, "Beernem", None, "Tongeren", None, "Gesommeerd", None]
    assert [c.value for c in cross[3]] == ["Finaliteit", "#", "%", "#", "%", "#", "%"]
    assert [c.value for c in cross[4]] == ["Doorverwijzen", 3, 50, 1, 50, 4, 50]
    assert [c.value for c in cross[8]] == ["Totaal", 6, 100, 2, 100, 8, 100]
    assert cross.freeze_panes == "A4"
    assert cross["B2"].font.bold

    detail = book["factor-detail"]
    assert [c.value for c in detail[2]] == ["Polariteit", "Categorie", "Factor", "Segmenten", "Interviews",
                                          "% interviews", "Citaten"]
    nabijheid = [c.value for c in detail[6]]
    assert nabijheid[:6] == ["stimulerend", "Praktische", "Nabijheid", 4, 3, 75]
    assert nabijheid[6].startswith("“We zitten dicht bij elkaar")


def test_xlsx_sheet_names_are_valid_and_unique(data, tmp_path):
    from openpyxl import load_workbook

    a = T.factor_overview(data, "stimulerend")
    b = T.factor_overview(data, "stimulerend")
    b.name = "factors-stimulerend"
    long = T.crosstab(data, "fin", "locatie")
    long.name = "a/very:long*name?that[goes]beyond thirty-one characters"
    book = load_workbook(W.write_tables([a, b, long], tmp_path / "x.xlsx"))
    assert book.sheetnames[:2] == ["factors-stimulerend", "factors-stimulerend-2"]
    assert len(book.sheetnames[2]) <= 31 and not set("/:*?[]") & set(book.sheetnames[2])


def test_xlsx_text_that_looks_like_a_formula_stays_text(tmp_path):
    import pandas as pd
    from openpyxl import load_workbook

    table = W.Table("x", "X", pd.DataFrame([["=SUM(A1:A3)", "#N/A", "a\x01b", 1.5, 2]], columns=list("ABCDE")))
    sheet = load_workbook(W.write_tables([table], tmp_path / "t.xlsx"))["x"]
    assert [(c.value, c.data_type) for c in sheet[3]] == [
        ("=SUM(A1:A3)", "s"), ("#N/A", "s"), ("ab", "s"), (1.5, "n"), (2, "n")]
    assert sheet["A3"].number_format == "General" and sheet["D3"].number_format == "0.000"


def test_docx_read_back(data, tmp_path):
    from docx import Document

    tables = [T.factor_overview(data, "stimulerend"), T.crosstab(data, "fin", "locatie")]
    doc = Document(W.write_tables(tables, tmp_path / "rapport.docx"))
    captions = [p for p in doc.paragraphs if p.style.name == "Caption"]
    assert [p.text for p in captions] == [TABEL5, "Finaliteit uitgesplitst naar locatie"]
    assert len(doc.tables) == 2

    factors = doc.tables[0]
    assert len(factors.rows) == 3 and len(factors.columns) == 2  # the report's shape: no header row
    assert [[c.text for c in r.cells] for r in factors.rows] == [
        ["Inhoud", "Gemeenschappelijk doel"],
        ["Juridisch", "Wettelijke verplichting, ‘politieke opdracht’"],
        ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"],
    ]
    assert factors.style.name == "Table Grid"

    cross = doc.tables[1]
    texts = [[c.text for c in r.cells] for r in cross.rows]
    assert texts[0] == ["", "Beernem", "Beernem", "Tongeren", "Tongeren", "Gesommeerd", "Gesommeerd"]  # merged
    assert texts[1] == ["Finaliteit", "#", "%", "#", "%", "#", "%"]
    assert texts[2] == ["Doorverwijzen", "3", "50", "1", "50", "4", "50"]
    assert texts[-1] == ["Totaal", "6", "100", "2", "100", "8", "100"]
    assert cross.rows[0].cells[1].paragraphs[0].runs[0].bold
    assert cross.rows[0]._tr.trPr.xml.count("tblHeader") == 1  # the header repeats on every page
    notes = [p.text for p in doc.paragraphs if p.text.startswith("Eenheid")]
    assert notes == ["Eenheid: gecodeerde segmenten; % per kolom."]


def test_docx_default_codebook_tabel5_has_eight_rows(tmp_path):
    from docx import Document

    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.ingest import parse_text
    from tests.conftest import SMALL_TRANSCRIPT

    with Project.create(tmp_path / "d.codering", load_codebook(default_codebook_path())) as project:
        project.import_transcript(parse_text(SMALL_TRANSCRIPT, "t01"))
        start = project.content("t01").index("We zitten in hetzelfde gebouw.")
        project.add_coding("t01", start, start + 30, "stim.praktisch.nabijheid", "ann")
        path = W.write_tables([T.factor_overview(project, "stimulerend")], tmp_path / "tabel5.docx")
    doc = Document(path)
    assert doc.paragraphs[0].text == TABEL5
    table = doc.tables[0]
    assert (len(table.rows), len(table.columns)) == (8, 2)
    assert [r.cells[0].text for r in table.rows] == ["Inhoud", "Juridisch", "Financieel", "Organisatorische",
                                                     "Praktische", "Persoonlijke", "Politieke", "Historische"]
    assert table.rows[4].cells[1].text == "Nabijheid"


def test_docx_keeps_line_breaks_and_turns_landscape_for_wide_tables(data, tmp_path):
    from docx import Document

    detail = T.factor_detail(data, "stimulerend", quotes=2)
    matrix, _ = T.cooccurrence(data)
    doc = Document(W.write_tables([detail, matrix], tmp_path / "d.docx"))
    # the detail (7 columns) on a portrait page, the wide matrix in a landscape section of its own
    assert [s.page_width > s.page_height for s in doc.sections] == [False, True]
    nabijheid = next(r for r in doc.tables[0].rows if r.cells[2].text == "Nabijheid")
    assert nabijheid.cells[6].text.count("\n") == 1


def test_csv_one_table_and_several(data, tmp_path):
    single = W.write_tables([T.crosstab(data, "fin", "locatie")], tmp_path / "kruis.csv")
    assert single.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
    with open(single, encoding="utf-8-sig", newline="") as handle:
        got = list(csv.reader(handle, delimiter=";"))  # a Dutch table: as Dutch Excel reads CSV
    assert got[0] == ["Finaliteit", "Beernem #", "Beernem %", "Tongeren #", "Tongeren %", "Gesommeerd #",
                      "Gesommeerd %"]
    assert got[1] == ["Doorverwijzen", "3", "50", "1", "50", "4", "50"]

    two = [T.factor_overview(data, "stimulerend"), T.factor_overview(data, "remmend")]
    first = W.write_tables(two, tmp_path / "factoren.csv")
    assert first == tmp_path / "factoren-factors-stimulerend.csv"
    assert (tmp_path / "factoren-factors-remmend.csv").exists()
    assert not (tmp_path / "factoren.csv").exists()
    import pandas as pd

    back = pd.read_csv(first, encoding="utf-8-sig", sep=";", decimal=",")
    assert list(back.columns) == ["Categorie", "Factoren"]
    assert back.iloc[2].tolist() == ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"]


def test_html(data, tmp_path):
    path = W.write_tables([T.factor_overview(data, "remmend"), T.crosstab(data, "fin", "locatie")],
                          tmp_path / "t.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert "<caption>Tabel 6. Overzicht remmende factoren voor samenwerking</caption>" in text
    assert "<tr><td>Organisatorische</td><td>Wachtlijsten, concurrentie</td></tr>" in text
    assert '<th colspan="2">Beernem</th>' in text
    assert '<td class="num">50</td>' in text
    assert text.count("<table>") == 2


def test_latex(data, tmp_path):
    import pandas as pd

    odd = W.Table("odd", "Tabel 9. Kosten & baten", pd.DataFrame([["50% van $x_1 #2", 0.5]], columns=["A_b", "C"]))
    odd.frame.attrs["decimal"] = ","
    path = W.write_tables([T.factor_overview(data, "stimulerend"), T.crosstab(data, "fin", "locatie"), odd],
                          tmp_path / "t.tex")
    text = path.read_text(encoding="utf-8")
    assert r"\caption{Overzicht stimulerende factoren voor samenwerking}\label{tab:factors-stimulerend}" in text
    assert r"Praktische & Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau) \\" in text
    assert r"\multicolumn{2}{c}{Beernem}" in text
    assert r"Doorverwijzen & 3 & 50 & 1 & 50 & 4 & 50 \\" in text
    assert r"\caption{Kosten \& baten}" in text
    assert r"50\% van \$x\_1 \#2 & 0,5 \\" in text
    assert text.count(r"\begin{table}") == text.count(r"\end{table}") == 3


def test_latex_long_tables_break_across_pages(data):
    detail = T.factor_detail(data, include_uncoded=True)
    import pandas as pd

    detail.frame = pd.concat([detail.frame] * 3, ignore_index=True)
    text = W.to_latex([detail])
    assert r"\begin{longtable}" in text and r"\endhead" in text


def test_render_text(data):
    text = W.render_text(T.factor_overview(data, "stimulerend", counts=True))
    lines = text.splitlines()
    assert lines[0] == TABEL5
    assert any("Praktische" in line and "Nabijheid (4)" in line for line in lines)
    assert "Tussen haakjes: aantal gecodeerde segmenten." in text
    assert "\x1b[" not in text


def test_never_overwrites_without_force(data, tmp_path):
    tables = [T.factor_overview(data, "stimulerend")]
    path = tmp_path / "t.md"
    path.write_text("mijn eigen tekst", encoding="utf-8")
    with pytest.raises(ExportError, match="exists; use --force"):
        W.write_tables(tables, path)
    assert path.read_text(encoding="utf-8") == "mijn eigen tekst"
    W.write_tables(tables, path, force=True)
    assert path.read_text(encoding="utf-8").startswith(TABEL5)
    csv_tables = [T.factor_overview(data, "stimulerend"), T.factor_overview(data, "remmend")]
    (tmp_path / "c-factors-remmend.csv").write_text("keep")
    with pytest.raises(ExportError, match="c-factors-remmend.csv exists"):
        W.write_tables(csv_tables, tmp_path / "c.csv")
    assert not (tmp_path / "c-factors-stimulerend.csv").exists()  # checked before anything is written


def test_unknown_format_is_refused(data, tmp_path):
    tables = [T.factor_overview(data, "stimulerend")]
    with pytest.raises(ExportError, match="cannot tell the format"):
        W.write_tables(tables, tmp_path / "t.txt")
    with pytest.raises(ExportError, match="unknown format 'pdf'"):
        W.write_tables(tables, tmp_path / "t.pdf", fmt="pdf")
    with pytest.raises(ExportError, match="no tables"):
        W.write_tables([], tmp_path / "t.md")


def test_a_crash_while_rendering_leaves_the_old_file(data, tmp_path, monkeypatch):
    from codering.export.formats import xlsx

    out = tmp_path / "out"
    out.mkdir()
    path = out / "t.xlsx"
    path.write_bytes(b"old")

    def boom(tables):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(xlsx, "to_xlsx", boom)
    with pytest.raises(RuntimeError):
        W.write_tables([T.factor_overview(data, "stimulerend")], path, force=True)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["t.xlsx"]


def test_a_crash_while_writing_leaves_no_half_files(data, tmp_path, monkeypatch):
    import codering.fileio

    real = codering.fileio.atomic_write_bytes
    calls = []

    def second_fails(path, payload):
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, payload)

    monkeypatch.setattr(codering.fileio, "atomic_write_bytes", second_fails)
    tables = [T.factor_overview(data, "stimulerend"), T.factor_overview(data, "remmend")]
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="No space left"):
        W.write_tables(tables, out / "c.csv")
    assert len(calls) == 2
    assert list(out.iterdir()) == []  # the first CSV was taken back, no temporary files remain


def test_csv_cells_that_would_be_formulas_stay_text(tmp_path):
    import csv as csv_module

    from codering.export.table import Rows, Table
    from codering.export.writers import write_tables

    table = Table("t", "Citaten", Rows([["=HYPERLINK(\"http://x\",\"klik\")", "+32 470", "@iemand", -3, "ja"]],
                                       ["=Code", "Telefoon", "Wie", "Getal", "Gewoon"]))
    write_tables([table], tmp_path / "t.csv")
    back = list(csv_module.reader((tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()))
    assert back == [["'=Code", "Telefoon", "Wie", "Getal", "Gewoon"],
                    ["'=HYPERLINK(\"http://x\",\"klik\")", "'+32 470", "'@iemand", "-3", "ja"]]


def test_word_files_are_a4(tmp_path):
    from docx import Document
    from docx.shared import Mm

    from codering.export.table import Rows, Table
    from codering.export.writers import write_tables

    narrow = Table("n", "Smal", Rows([["a", 1]], ["A", "B"]))
    write_tables([narrow], tmp_path / "n.docx")
    section = Document(tmp_path / "n.docx").sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (210, 297)
    wide = Table("w", "Breed", Rows([list(range(9))], [f"K{i}" for i in range(9)]))
    write_tables([wide], tmp_path / "w.docx")
    section = Document(tmp_path / "w.docx").sections[0]
    assert (round(section.page_width / Mm(1)), round(section.page_height / Mm(1))) == (297, 210)  # A4 landscape


def test_a_wide_table_gets_a_landscape_section_of_its_own(tmp_path):
    """One wide table turned the whole document landscape, Tabel 5 and 6 included (export QA pass): now
    each run of narrow or wide tables has its own section, portrait or landscape, on A4."""
    from docx import Document
    from docx.shared import Mm

    from codering.export.table import Rows, Table
    from codering.export.writers import write_tables

    narrow = [Table(f"n{i}", f"Smal {i}", Rows([["a", 1]], ["A", "B"])) for i in range(3)]
    wide = Table("w", "Breed", Rows([list(range(9))], [f"K{i}" for i in range(9)]))
    doc = Document(write_tables([narrow[0], narrow[1], wide, narrow[2]], tmp_path / "alle.docx"))
    pages = [(round(s.page_width / Mm(1)), round(s.page_height / Mm(1))) for s in doc.sections]
    assert pages == [(210, 297), (297, 210), (210, 297)]
    assert len(doc.tables) == 4
    # the wide table sits in the landscape section: its width fits that page, not the portrait one
    widths = [int(t._tbl.tblPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblW").get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}w")) for t in doc.tables]
    assert widths[2] > widths[0] * 1.3


def test_several_csv_tables_do_not_repeat_the_stems_last_word(tmp_path):
    """``export cooccurrence --format csv`` wrote ``s-cooccurrence-cooccurrence-matrix.csv`` (README QA
    pass): the word the table's name repeats from the file's stem is said once."""
    from codering.export.table import Rows, Table
    from codering.export.writers import output_paths

    tables = [Table(name, name, Rows([["a", 1]], ["A", "B"])) for name in ("cooccurrence-matrix", "cooccurrence-edges")]
    assert [p.name for p in output_paths(tables, tmp_path / "s-cooccurrence.csv")] == [
        "s-cooccurrence-matrix.csv", "s-cooccurrence-edges.csv"]
    assert [p.name for p in output_paths(tables, tmp_path / "studie.csv")] == [
        "studie-cooccurrence-matrix.csv", "studie-cooccurrence-edges.csv"]
    plain = [Table(n, n, Rows([["a", 1]], ["A", "B"])) for n in ("factors", "memos")]
    assert [p.name for p in output_paths(plain, tmp_path / "s-factors.csv")] == ["s-factors-factors.csv",
                                                                               "s-factors-memos.csv"]
