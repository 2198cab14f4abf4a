"""Defects found in a QA pass over the exports, as a researcher who pastes them into a report.

Each test failed before its fix. The files are read back as a researcher's
tools read them: Word with python-docx, Excel with openpyxl, CSV with the
separator and decimal sign that Dutch Excel uses.
"""

from __future__ import annotations

import csv

import pytest

import tests.test_export_support as support
from codering.export import tables as T
from codering.export import writers as W

coded = support.coded  # shared fixture
data = support.data  # shared fixture


# -- CSV that opens in columns in a Dutch Excel ----------------------------------------------------

def _read_dutch_csv(path):
    """What Dutch (nl-BE, nl-NL) Excel does with a double-clicked .csv: cells split at ';'."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


def test_a_dutch_csv_is_separated_by_semicolons_with_decimal_commas(data, tmp_path):
    """The CSV was comma-separated with decimal points: a Dutch Excel put every row in column A, and a
    Jaccard of 0.722 read as 722 (the dot is its thousands separator)."""
    _, edges = T.cooccurrence(data)
    path = W.write_tables([edges], tmp_path / "paren.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents
    got = _read_dutch_csv(path)
    assert got[0] == ["Factor A", "Factor B", "Samen", "Jaccard", "A", "B", "Code A", "Code B"]
    assert all(len(row) == 8 for row in got)
    jaccards = [row[3] for row in got[1:]]
    assert jaccards and all("." not in j for j in jaccards)
    assert jaccards == ["0,250"]  # nabijheid and aanspreekbaarheid: 1 / (4 + 1 - 1)
    labels = _read_dutch_csv(W.write_tables([T.factor_overview(data, "stimulerend")], tmp_path / "t5.csv"))
    assert ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"] in labels


def test_an_english_csv_keeps_commas_and_decimal_points(tmp_path):
    english = support.MINI_CODEBOOK.replace("language: nl", "language: en")
    project = support.build_project(tmp_path / "en.codering", codebook_text=english)
    try:
        from codering.export.data import load

        _, edges = T.cooccurrence(load(project))
    finally:
        project.close()
    path = W.write_tables([edges], tmp_path / "pairs.csv")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        got = list(csv.reader(handle))
    assert got[0][:4] == ["Factor A", "Factor B", "Together", "Jaccard"]
    assert [row[3] for row in got[1:]] == ["0.250"]


# -- crosstab --decimals: every share with the same decimals ---------------------------------------

def test_crosstab_decimals_hold_for_every_share_in_excel_and_word(data, tmp_path):
    """With --decimals 1 Excel showed 66.700 (a three-decimal format on fractions) beside 50 and 100 (no
    format on whole numbers), and Word and Markdown '16,7' beside '50' and '100'."""
    import openpyxl
    from docx import Document

    table = T.crosstab(data, "fin", "locatie", decimals=1)
    book = openpyxl.load_workbook(W.write_tables([table], tmp_path / "k.xlsx"))
    sheet = book.active
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["Finaliteit", "#", "%"]
    shares = [row[i] for row in sheet.iter_rows(min_row=4, max_row=8) for i in (2, 4, 6)]
    assert {c.number_format for c in shares} == {"0.0"}
    counts = [row[i] for row in sheet.iter_rows(min_row=4, max_row=8) for i in (1, 3, 5)]
    assert {c.number_format for c in counts} == {"General"}  # counts stay whole numbers
    doorverwijzen = [c.value for c in sheet[4]]
    assert doorverwijzen == ["Doorverwijzen", 3, 50, 1, 50, 4, 50]  # values stay numbers, for formulas
    word = Document(W.write_tables([table], tmp_path / "k.docx")).tables[0]
    assert [c.text for c in word.rows[2].cells] == ["Doorverwijzen", "3", "50,0", "1", "50,0", "4", "50,0"]
    assert [c.text for c in word.rows[-1].cells] == ["Totaal", "6", "100,0", "2", "100,0", "8", "100,0"]
    long = T.crosstab(data, "fin", "locatie", decimals=2, layout="long")
    text = W.render([long], "md")[0].decode()
    assert "| Doorverwijzen | 3 | 50,00 |" in text and "| Totaal | 8 | 100,00 |" in text
    assert "| Informatiedeling | 1 | 16,67 |" in text


def test_jaccard_shows_three_decimals_in_every_row(data, tmp_path):
    _, edges = T.cooccurrence(data)
    assert W.render([edges], "md")[0].decode().count("| 0,250 |") == 1
