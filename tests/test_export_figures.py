"""Figures: produced, non-empty, drawing the known counts, in the codebook's language."""

from __future__ import annotations

import pytest

import tests.test_export_support as support
from codering.errors import ExportError
from codering.export import figures as F
from codering.export.data import NothingToExport, load
from tests.test_export_support import build_project

coded = support.coded  # shared fixture
data = support.data  # shared fixture

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fmt", ["png", "svg"])
@pytest.mark.parametrize("kind", ["factors", "heatmap", "network"])
def test_every_figure_is_written(data, tmp_path, kind, fmt):
    fig = F.FIGURES[kind](data)
    path = F.write_figure(fig, tmp_path / f"figuur-{kind}", fmt)
    assert path.suffix == f".{fmt}"
    payload = path.read_bytes()
    assert len(payload) > 5_000
    if fmt == "png":
        assert payload.startswith(PNG)
    else:
        assert b"<svg" in payload[:2000]
        assert fig.axes[0].get_title().encode() in payload  # text stays text in SVG


def test_diverging_bars_draw_the_category_counts(data):
    fig = F.factor_bars(data)
    ax = fig.axes[0]
    assert ax.get_title() == "Stimulerende en remmende factoren per categorie"
    assert ax.get_xlabel() == "Aantal gecodeerde segmenten"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Inhoud", "Juridisch", "Praktische", "Organisatorische",
                                                           "Politieke"]
    by_y: dict[int, list[float]] = {}
    for patch in ax.patches:
        by_y.setdefault(round(patch.get_y() + patch.get_height() / 2), []).append(patch.get_width())
    # top to bottom (stimulerend right, remmend left): Inhoud 1 | 0, Juridisch 2 | 2, Praktische 6 | 0,
    # Organisatorische 0 | 2, Politieke 0 | 1
    assert {y: sorted(w) for y, w in by_y.items()} == {4: [0, 1], 3: [-2, 2], 2: [0, 6], 1: [-2, 0], 0: [-1, 0]}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["stimulerend", "remmend"]


def test_heatmap_counts_and_shares(data):
    fig = F.factor_heatmap(data, "locatie")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Beernem", "Tongeren"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[3] == "Nabijheid"
    grid = ax.images[0].get_array()
    assert grid[3].tolist() == [3, 1]  # Nabijheid: 3 coded segments in Beernem, 1 in Tongeren
    shares = F.factor_heatmap(data, "locatie", unit="interviews").axes[0].images[0].get_array()
    assert shares[3].tolist() == [100.0, 50.0]  # both Beernem interviews, one of the two in Tongeren
    assert "Concurrentie (Organisatorische)" in labels


def test_network_nodes_and_lines(data):
    fig = F.cooccurrence_network(data, unit="turn", polarity="stimulerend")
    ax = fig.axes[0]
    assert ax.get_title() == "Samen gecodeerde stimulerende factoren"
    sizes = ax.collections[0].get_sizes()
    assert len(sizes) == 6
    assert max(sizes) == sizes[3]  # Nabijheid, the most coded, is the largest node
    assert len(ax.lines) == 5  # pairs coded in the same turn among the stimulerende factors
    texts = {t.get_text() for t in ax.texts}
    assert {"Nabijheid", "Meer vrijwilligers", "‘Politieke opdracht’"} <= texts


def test_figures_refuse_an_empty_selection(tmp_path):
    project = build_project(tmp_path / "leeg.codering", codings=[])
    for kind in F.FIGURES:
        with pytest.raises(NothingToExport):
            F.FIGURES[kind](project)
    project.close()


def test_figure_never_overwrites(data, tmp_path):
    path = tmp_path / "f.png"
    path.write_bytes(b"keep")
    fig = F.factor_bars(data)
    with pytest.raises(ExportError, match="exists; use --force"):
        F.write_figure(fig, path)
    assert path.read_bytes() == b"keep"
    F.write_figure(fig, path, force=True)
    assert path.read_bytes().startswith(PNG)
    with pytest.raises(ExportError, match="png or svg"):
        F.write_figure(fig, tmp_path / "f.pdf")


def test_english_figure_labels(tmp_path):
    from tests.test_export_support import MINI_CODEBOOK

    project = build_project(tmp_path / "en.codering", MINI_CODEBOOK.replace("language: nl", "language: en"))
    ax = F.factor_bars(load(project), unit="interviews").axes[0]
    assert ax.get_title() == "Stimulating and inhibiting factors per category"
    assert ax.get_xlabel() == "Interviews"
    project.close()


def test_a_filtered_figure_says_which_interviews(coded):
    fig = F.factor_bars(load(coded, where={"locatie": ["Beernem"]}))
    pooled = "Coderingen van ann, bob samen; wat zij op dezelfde zin codeerden, telt één keer."
    assert fig._supxlabel.get_text() == f"Alleen interviews met locatie = Beernem (n = 2). {pooled}"
    assert F.factor_bars(load(coded))._supxlabel.get_text() == pooled
    assert F.factor_bars(load(coded, coder="ann"))._supxlabel.get_text() == "Alleen de coderingen van ann."


def test_a_project_coded_at_category_level_gets_its_heatmap_and_network(tmp_path):
    """Heatmap and network asked for factors only, so a project coded with categories (as the development
    set is) had no figure, while its Tabel 5/6 showed the category rows."""
    from tests.test_export_support import CODINGS

    by_category = [(name, snippet, sorted({".".join(c.split(".")[:2]) for c in codes if c.startswith(("stim", "rem"))}),
                    coder) for name, snippet, codes, coder in CODINGS]
    project = build_project(tmp_path / "cat.codering", codings=[c for c in by_category if c[2]])
    data = load(project)
    ax = F.factor_heatmap(data, "locatie").axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Praktische" in labels and "Nabijheid" not in labels
    row = ax.images[0].get_array()[labels.index("Praktische")].tolist()
    assert row == [5, 1]  # INT-A's two nabijheid sentences, INT-B's three praktisch ones; INT-C in Tongeren
    network = F.cooccurrence_network(data, unit="turn").axes[0]
    assert "Praktische" in {t.get_text() for t in network.texts}
    project.close()


def test_a_heatmap_by_an_attribute_of_many_values_is_refused_in_one_line(data, monkeypatch):
    """By interview_id on 120 interviews: a 27,300-pixel image, 1.8 GB to draw, unreadable."""
    from codering.errors import NothingToExport

    monkeypatch.setattr(F, "MAX_HEATMAP_COLUMNS", 1)
    with pytest.raises(NothingToExport, match=r"'locatie' has \d+ values; a heatmap is readable up to 1 columns"):
        F.factor_heatmap(data, by="locatie")
