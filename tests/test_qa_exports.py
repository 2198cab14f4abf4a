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


# -- figures: nothing cut off, nothing drawn over ------------------------------------------------------

LONG_CATEGORY = "Praktische factoren die de dagelijkse samenwerking tussen zorg en welzijn vergemakkelijken"
LONG_FACTOR = ("Nabijheid van elkaars diensten in hetzelfde gebouw of dezelfde straat, zodat men even kan "
               "binnenlopen zonder afspraak")


def _drawn_texts(fig):
    """Every text a reader sees: titles, labels inside the axes, tick labels within the limits, keys, notes."""
    out = []
    for ax in fig.axes:
        out += [ax.title, *ax.texts, ax.xaxis.label, ax.yaxis.label]
        if ax.axison:
            for axis in (ax.xaxis, ax.yaxis):
                low, high = sorted(axis.get_view_interval())
                out += [tick.label1 for tick in axis.get_major_ticks() if low <= tick.get_loc() <= high]
        if ax.get_legend():
            out += [*ax.get_legend().get_texts(), ax.get_legend().get_title()]
    out += [t for legend in fig.legends for t in legend.get_texts()]
    out += [t for t in (fig._supxlabel, fig._suptitle) if t is not None]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def _cut_off(fig) -> list[str]:
    """The texts that reach past an edge of the figure (as saved: the figure's own size)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    return [t.get_text() for t in _drawn_texts(fig)
            if (box := t.get_window_extent(renderer)).x0 < -1 or box.y0 < -1
            or box.x1 > width + 1 or box.y1 > height + 1]


def _long_project(tmp_path):
    book = support.MINI_CODEBOOK.replace("label: Praktische", f"label: {LONG_CATEGORY}")
    book = book.replace("label: Nabijheid,", f"label: \"{LONG_FACTOR}\",")
    places = ["Geraardsbergen", "Kluisbergen-Ruien", "Sint-Lievens-Houtem", "Oudenaarde-Centrum"]
    texts = [t.replace(f"locatie: {old}", f"locatie: {new}", 1)
             for t, old, new in zip((support.A, support.B, support.C, support.D),
                                    ("Beernem", "Beernem", "Tongeren", "Tongeren"), places)]
    return support.build_project(tmp_path / "lang.codering", codebook_text=book, transcripts=texts)


@pytest.fixture
def long_data(tmp_path):
    from codering.export.data import load

    project = _long_project(tmp_path)
    yield load(project)
    project.close()


def test_a_network_of_few_factors_keeps_its_title_on_the_page(tmp_path):
    """The title of a small network (a project with one coded factor, or coded at category level) stood
    3 px above the top edge: the square axes filled the figure and left no room for it."""
    from codering.export import figures as F
    from codering.export.data import load

    project = support.build_project(tmp_path / "een.codering", codings=support.CODINGS[:1])
    try:
        fig = F.cooccurrence_network(load(project))
    finally:
        project.close()
    assert _cut_off(fig) == []
    assert fig.axes[0].get_title() == "Samen gecodeerde factoren"


@pytest.mark.parametrize("kind", ["factors", "heatmap", "network"])
def test_long_labels_are_wrapped_and_nothing_is_cut_off(long_data, kind):
    """A long category label squeezed the bars to the right and pushed the centred title off the page
    ("... factoren pe"); in the network the key ran off both sides."""
    from codering.export import figures as F

    fig = F.FIGURES[kind](long_data)
    assert _cut_off(fig) == []
    if kind != "network":
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert any("\n" in label for label in labels)  # wrapped, not one line across the page
        assert all(len(line) <= F.LABEL_WIDTH for label in labels for line in label.split("\n"))
        assert {" ".join(label.split()) for label in labels} & {LONG_CATEGORY, f"{LONG_FACTOR}"}


TWO_CATEGORIES = """\
codebook: {id: twee, name: Twee, language: nl}
codes:
  - {id: stim, label: Stimulerende factoren, codable: false}
  - {id: stim.x, parent: stim, label: Inhoud}
  - {id: stim.x.f, parent: stim.x, label: Gemeenschappelijk doel}
  - {id: stim.y, parent: stim, label: Praktische}
  - {id: stim.y.f, parent: stim.y, label: Nabijheid}
  - {id: rem, label: Remmende factoren, codable: false}
  - {id: rem.x, parent: rem, label: Inhoud}
  - {id: rem.x.f, parent: rem.x, label: Andere visie}
"""


def test_the_key_of_the_factor_bars_never_covers_a_bar(tmp_path):
    """The key sat in the lower right corner of the axes, over the stimulerend bar of the last category."""
    from codering.export import figures as F
    from codering.export.data import load

    sentences = [line for line in support.A.replace("R: ", "").split("\n") if line.startswith("[00")]
    sentences = [part.strip() + "." for line in sentences for part in line.split("] ", 1)[1].split(".")
                 if part.strip() and not part.strip().endswith("?")]
    codings = [("INT-A", sentence, ["stim.y.f"], "ann") for sentence in sentences]  # the last row: long
    codings.append(("INT-A", sentences[0], ["rem.x.f"], "ann"))
    project = support.build_project(tmp_path / "twee.codering", codebook_text=TWO_CATEGORIES, codings=codings)
    try:
        fig = F.factor_bars(load(project))
    finally:
        project.close()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    key = ax.get_legend().get_window_extent(renderer)
    bars = [patch.get_window_extent(renderer) for patch in ax.patches if patch.get_width()]
    assert len(bars) == 2 and not any(key.overlaps(bar) for bar in bars)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["stimulerend", "remmend"]
    assert _cut_off(fig) == []


def test_heatmap_column_names_do_not_run_into_each_other(long_data):
    """'Sint-Lievens-Houtem' and its neighbour were printed across each other above the columns."""
    from codering.export import figures as F

    fig = F.factor_heatmap(long_data, "locatie")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    names = fig.axes[0].get_xticklabels()
    assert [t.get_text() for t in names] == ["Geraardsbergen", "Kluisbergen-Ruien", "Oudenaarde-Centrum",
                                             "Sint-Lievens-Houtem"]
    boxes = [t.get_window_extent(renderer) for t in names]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# -- the command line ------------------------------------------------------------------------------------

def _cli(project_path, *args):
    from tests.conftest import run_cli

    return run_cli("-p", str(project_path), "export", *args)


def test_export_all_into_a_folder_writes_the_documented_xlsx(tmp_path):
    """`export all -o FOLDER` said 'FOLDER is a folder; ... give --format' although its help says the
    format defaults to xlsx (and `-o` may name a folder)."""
    import openpyxl

    support.build_project(tmp_path / "mini.codering").close()
    folder = tmp_path / "rapport"
    folder.mkdir()
    result = _cli(tmp_path / "mini.codering", "all", "-o", str(folder))
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in folder.iterdir())
    assert written == ["mini-tabellen.xlsx"]
    book = openpyxl.load_workbook(folder / "mini-tabellen.xlsx")
    assert book.sheetnames[:2] == ["factors-stimulerend", "factors-remmend"]
    assert book["factors-stimulerend"]["A1"].value == "Tabel 5. Overzicht stimulerende factoren voor samenwerking"


def test_an_edge_list_without_pairs_is_a_message_not_a_file_of_headers(tmp_path):
    """With no two factors coded on one sentence (or --min-count above every pair), `export cooccurrence
    --form edges -o pairs.csv` wrote a file holding only the header row, and `export all` an empty sheet."""
    import openpyxl

    alone = [c for c in support.CODINGS if len(c[2]) == 1 and c[1] != support.CODINGS[5][1]]
    support.build_project(tmp_path / "mini.codering", codings=alone).close()
    target = tmp_path / "paren.csv"
    result = _cli(tmp_path / "mini.codering", "cooccurrence", "--form", "edges", "-o", str(target))
    assert result.returncode == 1 and not target.exists()
    assert result.stderr.strip().splitlines() == [
        "codering: error: no two factors are coded in the same segment (sentence) in the selected interviews"]
    both = _cli(tmp_path / "mini.codering", "cooccurrence", "-o", str(tmp_path / "paren.xlsx"))
    assert both.returncode == 0, both.stderr
    assert "only the matrix follows" in both.stderr
    assert openpyxl.load_workbook(tmp_path / "paren.xlsx").sheetnames == ["cooccurrence-matrix"]
    everything = _cli(tmp_path / "mini.codering", "all", "-o", str(tmp_path / "alles.xlsx"))
    assert everything.returncode == 0, everything.stderr
    sheets = openpyxl.load_workbook(tmp_path / "alles.xlsx").sheetnames
    assert "cooccurrence-matrix" in sheets and "cooccurrence-edges" not in sheets
    higher = _cli(tmp_path / "mini.codering", "cooccurrence", "--form", "edges", "--min-count", "5", "--format",
                  "csv", "-o", "-")
    assert higher.returncode == 1 and higher.stdout == "" and "at least 5 times" in higher.stderr
