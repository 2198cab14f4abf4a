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
    assert jaccards == ["0,25"]  # nabijheid and aanspreekbaarheid: 1 / (4 + 1 - 1)
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
    assert [row[3] for row in got[1:]] == ["0.25"]
