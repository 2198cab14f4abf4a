"""Export tables built from a small coded project with known counts, asserted cell by cell."""

from __future__ import annotations

import pytest

import tests.test_export_support as support
from codering.errors import ExportError
from codering.export import tables as T
from codering.export.data import NothingToExport, load
from codering.export.labels import in_list, join_factors
from tests.test_export_support import build_project, rows

coded = support.coded  # shared fixture
data = support.data  # shared fixture

TABEL5 = "Tabel 5. Overzicht stimulerende factoren voor samenwerking"
POOLED = "Coderingen van ann, bob samen; wat zij op dezelfde zin codeerden, telt één keer."  # by ann and bob
TABEL6 = "Tabel 6. Overzicht remmende factoren voor samenwerking"


# -- Tabel 5 / 6 -------------------------------------------------------------------------------

def test_tabel5_plain(data):
    table = T.factor_overview(data, "stimulerend")
    assert table.title == TABEL5
    assert table.name == "factors-stimulerend"
    assert list(table.frame.columns) == ["Categorie", "Factoren"]
    assert rows(table) == [
        ["Inhoud", "Gemeenschappelijk doel"],
        ["Juridisch", "Wettelijke verplichting, ‘politieke opdracht’"],
        ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"],
    ]
    assert table.frame.attrs["header"] is False  # the report's table has no header row
    assert table.notes == ["Op categorieniveau: segmenten gecodeerd met de categorie zelf, zonder specifieke factor.",
                           POOLED]


def test_tabel6_plain_keeps_every_category_and_orders_ties_by_codebook(data):
    table = T.factor_overview(data, "remmend")
    assert table.title == TABEL6
    assert rows(table) == [
        ["Juridisch", "Beroepsgeheim en privacywetgeving"],
        ["Organisatorische", "Wachtlijsten, concurrentie"],
        ["Politieke", "Concurrentie"],
    ]
    assert table.notes == [POOLED]


def test_factor_counts_and_interviews(data):
    counted = T.factor_overview(data, "stimulerend", counts=True)
    assert rows(counted)[2] == ["Praktische", "Nabijheid (4), meer vrijwilligers (1), aanspreekbaarheid (1); (1 segment op categorieniveau)"]
    assert counted.notes[0] == "Tussen haakjes: aantal gecodeerde segmenten."
    heard = T.factor_overview(data, "stimulerend", interviews=True)
    # the category's own codings are counted as the brackets count (they said segments under an interviews note)
    assert rows(heard)[2] == ["Praktische", "Nabijheid (3), meer vrijwilligers (1), aanspreekbaarheid (1); (in 1 interview op categorieniveau)"]
    assert heard.notes[0] == "Tussen haakjes: aantal interviews waarin de factor voorkomt (van 4)."
    both = T.factor_overview(data, "remmend", counts=True, interviews=True)
    assert rows(both)[0] == ["Juridisch", "Beroepsgeheim en privacywetgeving (2; 1)"]
    both = T.factor_overview(data, "stimulerend", counts=True, interviews=True)
    assert rows(both)[2][1].endswith("; (1 segment in 1 interview op categorieniveau)")


def test_factor_detail_note_names_one_interview_in_the_singular(coded):
    """The detail's note said "aandeel van de 1 interviews" for a selection of one interview."""
    one = load(coded, where={"interview_id": ["INT-A"]})
    assert one.interviews == 1
    note = T.factor_detail(one, "stimulerend").notes[0]
    assert "% interviews: aandeel van het ene interview." in note and "de 1 interviews" not in note
    assert "aandeel van de 4 interviews." in T.factor_detail(load(coded), "stimulerend").notes[0]


def test_min_interviews_keeps_the_rows(data):
    table = T.factor_overview(data, "stimulerend", min_interviews=2)
    # the category's own codings (one segment, in one interview) meet the threshold no more than a factor would
    assert rows(table) == [["Inhoud", ""], ["Juridisch", ""], ["Praktische", "Nabijheid"]]
    assert "Alleen factoren die in minstens 2 interviews voorkomen." in table.notes
    with pytest.raises(NothingToExport, match="at least 2 interviews"):
        T.factor_overview(data, "remmend", min_interviews=2)


def test_codebook_order_option(data):
    table = T.factor_overview(data, "stimulerend", order="codebook")
    assert rows(table)[2] == ["Praktische", "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"]
    with pytest.raises(ExportError, match="unknown order"):
        T.factor_overview(data, "stimulerend", order="alfabet")


def test_filter_by_attribute(coded):
    tongeren = load(coded, where={"locatie": ["Tongeren"]})
    table = T.factor_overview(tongeren, "stimulerend", interviews=True)
    assert rows(table) == [
        ["Inhoud", ""],
        ["Juridisch", "Wettelijke verplichting (1), ‘politieke opdracht’ (1)"],
        ["Praktische", "Nabijheid (1)"],
    ]
    assert table.notes[-1] == "Alleen interviews met locatie = Tongeren (n = 2)."
    with pytest.raises(NothingToExport, match="no remmend factors coded"):
        T.factor_overview(tongeren, "remmend")
    either = load(coded, where={"locatie": ["tongeren", "BEERNEM"], "actorgroep": ["zorg"]})
    assert [t.attributes["interview_id"] for t in either.transcripts] == ["INT-A", "INT-C"]


def test_filter_by_coder(coded):
    bob = load(coded, coder="bob")
    assert rows(T.factor_overview(bob, "remmend", counts=True)) == [
        ["Juridisch", "Beroepsgeheim en privacywetgeving (1)"], ["Organisatorische", ""], ["Politieke", ""],
    ]
    with pytest.raises(NothingToExport, match="no stimulerend factors"):
        T.factor_overview(bob, "stimulerend")
    with pytest.raises(NothingToExport, match=r"no codings by coder 'eve' \(coders in this project: ann, bob\)"):
        load(coded, coder="eve")


def test_a_table_of_several_coders_says_whose_codings_it_pools(coded):
    """Without --coder every coder's codings count (overlaps once): the notes did not say so."""
    table = T.factor_overview(load(coded), "remmend")
    assert POOLED in table.notes
    assert not any("samen" in n for n in T.factor_overview(load(coded, coder="bob"), "remmend").notes)


def test_filters_that_match_nothing_say_so(coded):
    with pytest.raises(NothingToExport, match=r"no interviews match locatie = Gent \(values of locatie: Beernem, Tongeren\)"):
        load(coded, where={"locatie": ["Gent"]})
    with pytest.raises(NothingToExport, match="no interview has the attribute 'stad'"):
        load(coded, where={"stad": ["Gent"]})


def test_empty_project_says_so(tmp_path):
    from codering.codebook import parse_codebook
    from codering.store import Project
    from tests.test_export_support import MINI_CODEBOOK

    with Project.create(tmp_path / "leeg.codering", parse_codebook(MINI_CODEBOOK)) as project:
        with pytest.raises(NothingToExport, match="no transcripts yet"):
            load(project)
    empty = build_project(tmp_path / "ongecodeerd.codering", codings=[])
    with pytest.raises(NothingToExport, match=r"no stimulerend factors coded .*4 interviews, 0 codings"):
        T.factor_overview(empty, "stimulerend")
    with pytest.raises(NothingToExport):
        T.crosstab(empty, "fin", "locatie")
    empty.close()


def test_uncoded_factors(data):
    stim = T.uncoded_factors(data, "stimulerend")
    assert stim.title == "Niet gecodeerde stimulerende factoren"
    assert rows(stim) == [["Inhoud", "Zelfde doelgroep"]]
    rem = T.uncoded_factors(data, "remmend")
    assert rows(rem) == [["Juridisch", "GDPR-verplichtingen"], ["Organisatorische", "Geen gedeeld (IT-)platform"]]


def test_factor_wording_in_a_row():
    assert in_list("Nabijheid", first=False) == "nabijheid"
    assert in_list("nabijheid", first=True) == "Nabijheid"
    assert in_list("‘Politieke opdracht’", first=False) == "‘politieke opdracht’"
    assert in_list("GDPR-verplichtingen", first=False) == "GDPR-verplichtingen"
    assert in_list("OCMW als partner", first=False) == "OCMW als partner"
    assert join_factors(["Elkaar kennen", "Respecteren en vertrouwen", "Klik"]) == \
        "Elkaar kennen, respecteren en vertrouwen, klik"


def test_default_codebook_tabel5_and_tabel6_shape(tmp_path):
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.ingest import parse_text
    from tests.conftest import SMALL_TRANSCRIPT

    with Project.create(tmp_path / "default.codering", load_codebook(default_codebook_path())) as project:
        project.import_transcript(parse_text(SMALL_TRANSCRIPT, "t01"))
        content = project.content("t01")
        for snippet, code in [("We zitten in hetzelfde gebouw.", "stim.praktisch.nabijheid"),
                              ("De wachtlijsten bij het CAW zijn lang.", "rem.organisatorisch.wachtlijsten")]:
            start = content.index(snippet)
            project.add_coding("t01", start, start + len(snippet), code, "ann")
        order = ["Inhoud", "Juridisch", "Financieel", "Organisatorische", "Praktische", "Persoonlijke",
                 "Politieke", "Historische"]
        for polarity, title, filled in [("stimulerend", TABEL5, ("Praktische", "Nabijheid")),
                                        ("remmend", TABEL6, ("Organisatorische", "Wachtlijsten"))]:
            table = T.factor_overview(project, polarity)
            assert table.title == title
            assert table.frame.shape == (8, 2)
            assert [r[0] for r in rows(table)] == order
            assert [r for r in rows(table) if r[1]] == [list(filled)]


# -- factor detail -------------------------------------------------------------------------------

def test_factor_detail_cell_by_cell(data):
    table = T.factor_detail(data)
    assert list(table.frame.columns) == ["Polariteit", "Categorie", "Factor", "Segmenten", "Interviews",
                                         "% interviews", "Citaten"]
    body = [r[:6] for r in rows(table)]
    assert body == [
        ["stimulerend", "Inhoud", "Gemeenschappelijk doel", 1, 1, 25],
        ["stimulerend", "Juridisch", "Wettelijke verplichting", 1, 1, 25],
        ["stimulerend", "Juridisch", "‘Politieke opdracht’", 1, 1, 25],
        ["stimulerend", "Praktische", "Nabijheid", 4, 3, 75],
        ["stimulerend", "Praktische", "Meer vrijwilligers", 1, 1, 25],
        ["stimulerend", "Praktische", "Aanspreekbaarheid", 1, 1, 25],
        ["stimulerend", "Praktische", "(geen specifieke factor)", 1, 1, 25],
        ["remmend", "Juridisch", "Beroepsgeheim en privacywetgeving", 2, 1, 25],
        ["remmend", "Organisatorische", "Wachtlijsten", 1, 1, 25],
        ["remmend", "Organisatorische", "Concurrentie", 1, 1, 25],
        ["remmend", "Politieke", "Concurrentie", 1, 1, 25],
    ]
    quotes = {r[2]: r[6] for r in rows(table)}
    # the Nabijheid text that shares most words with the other three (gebouw, zitten, dicht, elkaar)
    assert quotes["Nabijheid"] == ("“We zitten dicht bij elkaar in hetzelfde gebouw, dus even binnenlopen gaat altijd.”"
                                   " (INT-C, ~00:01:00)")
    assert quotes["Wachtlijsten"] == ("“De wachtlijsten bij de diensten zijn veel te lang voor onze mensen.”"
                                      " (INT-A, 00:02:00)")
    assert "TF-IDF" in table.notes[0]


def test_factor_detail_options(data):
    two = T.factor_detail(data, "stimulerend", quotes=2, quote_length=30)
    nabijheid = next(r for r in rows(two) if r[2] == "Nabijheid")
    first, second = nabijheid[6].split("\n")
    assert first == "“We zitten dicht bij elkaar in…” (INT-C, ~00:01:00)"
    assert "(INT-A" in second or "(INT-B" in second  # a second interview before a second sentence of INT-C
    full = T.factor_detail(data, "remmend", include_uncoded=True)
    assert [r[2] for r in rows(full)] == ["Beroepsgeheim en privacywetgeving", "GDPR-verplichtingen", "Wachtlijsten",
                                         "Concurrentie", "Geen gedeeld (IT-)platform", "Concurrentie"]
    gdpr = rows(full)[1]
    assert gdpr[3:] == [0, 0, 0, ""]


def test_detail_uses_cached_vectors_when_every_text_has_one(coded):
    import numpy as np

    from codering.store import text_hash

    texts = {c.text for c in coded.codings()}
    # a fake embedding: INT-A's first Nabijheid sentence sits in the middle of the others
    middle = "Zo loop je elkaar altijd tegen het lijf in de gang van het gebouw."
    vectors = {text_hash(t): np.array([1.0, 0.0] if t == middle else [0.6, 0.8], dtype=np.float32) for t in texts}
    vectors[text_hash("We zitten dicht bij elkaar in hetzelfde gebouw, dus even binnenlopen gaat altijd.")] = \
        np.array([0.8, -0.6], dtype=np.float32)
    coded.store_vectors("fake-model", vectors)
    coded.set_setting("model", "fake-model")
    table = T.factor_detail(coded, "stimulerend")
    nabijheid = next(r for r in rows(table) if r[2] == "Nabijheid")
    assert nabijheid[6].startswith("“Zo loop je elkaar")
    assert "embeddings fake-model" in table.notes[0]


# -- cross-tabulation ------------------------------------------------------------------------------

def test_crosstab_wide_segments(data):
    table = T.crosstab(data, "fin", "locatie")
    assert table.title == "Finaliteit uitgesplitst naar locatie"
    assert list(table.frame.columns) == [("", "Finaliteit"), ("Beernem", "#"), ("Beernem", "%"),
                                         ("Tongeren", "#"), ("Tongeren", "%"),
                                         ("Gesommeerd", "#"), ("Gesommeerd", "%")]
    assert rows(table) == [
        ["Doorverwijzen", 3, 50, 1, 50, 4, 50],
        ["Informatiedeling", 1, 17, 0, 0, 1, 13],   # 12.5 rounds half up, as in a report
        ["Afstemming", 1, 17, 1, 50, 2, 25],
        ["Activiteiten", 1, 17, 0, 0, 1, 13],
        ["Totaal", 6, 100, 2, 100, 8, 100],
    ]
    assert table.notes == ["Eenheid: gecodeerde segmenten; % per kolom.", POOLED]


def test_crosstab_interviews_by_actorgroep(data):
    table = T.crosstab(data, "fin", "actorgroep", unit="interviews", decimals=1)
    assert [c[0] for c in table.frame.columns][1::2] == ["lokaal bestuur", "welzijn", "zorg", "Gesommeerd"]
    assert rows(table) == [
        ["Doorverwijzen", 0, 0, 1, 50, 2, 40, 3, 42.9],
        ["Informatiedeling", 0, 0, 0, 0, 1, 20, 1, 14.3],
        ["Afstemming", 0, 0, 0, 0, 2, 40, 2, 28.6],
        ["Activiteiten", 0, 0, 1, 50, 0, 0, 1, 14.3],
        ["Totaal", 0, 0, 2, 100, 5, 100, 7, 100],
    ]


def test_crosstab_long_layout_like_tabel2(data):
    table = T.crosstab(data, "fin", "locatie", layout="long")
    assert list(table.frame.columns) == ["Finaliteit", "#", "%"]
    assert rows(table) == [
        ["Beernem", None, None],
        ["Doorverwijzen", 3, 50], ["Informatiedeling", 1, 17], ["Afstemming", 1, 17], ["Activiteiten", 1, 17],
        ["Totaal", 6, 100],
        ["Tongeren", None, None],
        ["Doorverwijzen", 1, 50], ["Informatiedeling", 0, 0], ["Afstemming", 1, 50], ["Activiteiten", 0, 0],
        ["Totaal", 2, 100],
        ["Gesommeerd", None, None],
        ["Doorverwijzen", 4, 50], ["Informatiedeling", 1, 13], ["Afstemming", 2, 25], ["Activiteiten", 1, 13],
        ["Totaal", 8, 100],
    ]


def test_crosstab_other_groups_and_errors(data):
    table = T.crosstab(data, "stim", "locatie")
    assert rows(table)[-1] == ["Totaal", 6, 100, 3, 100, 9, 100]
    assert [r[0] for r in rows(table)] == ["Inhoud", "Juridisch", "Praktische", "Totaal"]
    with pytest.raises(ExportError, match="no code group 'xyz'"):
        T.crosstab(data, "xyz", "locatie")
    with pytest.raises(NothingToExport, match="attribute 'stad'"):
        T.crosstab(data, "fin", "stad")
    with pytest.raises(ExportError, match="unknown layout"):
        T.crosstab(data, "fin", "locatie", layout="diagonal")


# -- co-occurrence ---------------------------------------------------------------------------------

def test_cooccurrence_per_segment(data):
    matrix, edges = T.cooccurrence(data)
    names = ["Gemeenschappelijk doel", "Wettelijke verplichting", "‘Politieke opdracht’", "Nabijheid",
             "Meer vrijwilligers", "Aanspreekbaarheid", "Beroepsgeheim en privacywetgeving", "Wachtlijsten",
             "Concurrentie (Organisatorische)", "Concurrentie (Politieke)"]
    assert list(matrix.frame.columns) == ["Factor", *names]
    grid = {r[0]: r[1:] for r in rows(matrix)}
    assert grid["Nabijheid"] == [0, 0, 0, 4, 0, 1, 0, 0, 0, 0]
    assert grid["Aanspreekbaarheid"] == [0, 0, 0, 1, 0, 1, 0, 0, 0, 0]
    assert grid["Beroepsgeheim en privacywetgeving"][6] == 2
    assert rows(edges) == [["Nabijheid", "Aanspreekbaarheid", 1, 0.25, 4, 1,
                            "stim.praktisch.nabijheid", "stim.praktisch.aanspreekbaarheid"]]


def test_cooccurrence_per_turn(data):
    _, edges = T.cooccurrence(data, unit="turn")
    assert [r[:6] for r in rows(edges)] == [
        ["Gemeenschappelijk doel", "Aanspreekbaarheid", 1, 1.0, 1, 1],
        ["Wettelijke verplichting", "‘Politieke opdracht’", 1, 1.0, 1, 1],
        ["Beroepsgeheim en privacywetgeving", "Wachtlijsten", 1, 1.0, 1, 1],
        ["Concurrentie (Organisatorische)", "Concurrentie (Politieke)", 1, 1.0, 1, 1],
        ["Gemeenschappelijk doel", "Nabijheid", 1, 0.333, 1, 3],
        ["Nabijheid", "Meer vrijwilligers", 1, 0.333, 3, 1],
        ["Nabijheid", "Aanspreekbaarheid", 1, 0.333, 3, 1],
    ]
    categories, cat_edges = T.cooccurrence(data, level="category", unit="turn", polarity="stimulerend")
    assert [r[0] for r in rows(categories)] == ["Inhoud", "Juridisch", "Praktische"]
    assert [r[:4] for r in rows(cat_edges)] == [["Inhoud", "Praktische", 1, 0.333]]


# -- codebook --------------------------------------------------------------------------------------

def test_codebook_table(data):
    table = T.codebook_table(data)
    assert table.title == "Codeboek: Mini codeboek"
    assert list(table.frame.columns) == ["Code", "Label", "Beschrijving", "Segmenten", "Interviews"]
    by_id = {r[0]: r for r in rows(table)}
    assert len(by_id) == 26
    assert by_id["stim"] == ["stim", "Stimulerende factoren", "", 9, 3]
    assert by_id["stim.praktisch"] == ["stim.praktisch", "Praktische", "Praktische zaken.", 6, 3]
    assert by_id["stim.praktisch.nabijheid"] == ["stim.praktisch.nabijheid", "Nabijheid",
                                                 "Dicht bij elkaar werken.", 4, 3]
    assert by_id["rem.juridisch.gdpr"][3:] == [0, 0]
    assert by_id["fin"][3:] == [8, 3]
    assert by_id["fin.afstemming"][3:] == [2, 2]
    criteria = T.codebook_table(data, criteria=True)
    assert list(criteria.frame.columns)[3:5] == ["Inclusie", "Exclusie"]


def test_percent_rounds_half_up():
    assert T.percent(1, 8) == 13
    assert T.percent(1, 6) == 17
    assert T.percent(1, 7, decimals=1) == 14.3
    assert T.percent(3, 0) == 0


def test_english_codebook_speaks_english(tmp_path):
    from tests.test_export_support import MINI_CODEBOOK

    project = build_project(tmp_path / "en.codering", MINI_CODEBOOK.replace("language: nl", "language: en"))
    table = T.factor_overview(project, "stimulerend", counts=True)
    assert table.title == "Table 5. Overview of stimulating factors for collaboration"
    assert list(table.frame.columns) == ["Category", "Factors"]
    assert table.notes[0] == "In brackets: number of coded segments."
    project.close()


def test_a_project_coded_at_category_level_still_gets_its_tables(tmp_path):
    """As the shared gold files code: categories only, no factors. The rows name those codings."""
    category_level = [
        ("INT-A", "We zitten in hetzelfde gebouw als de huisarts, dat is echt handig voor ons.", ["stim.praktisch"], "ann"),
        ("INT-A", "Zo loop je elkaar altijd tegen het lijf in de gang van het gebouw.", ["stim.praktisch"], "ann"),
        ("INT-B", "Dat scheelt echt enorm veel tijd.", ["stim.praktisch"], "ann"),
        ("INT-A", "Door de privacywet mogen we bijna niets meer doorgeven aan elkaar.", ["rem.juridisch"], "ann"),
        ("INT-A", "De wachtlijsten bij de diensten zijn veel te lang voor onze mensen.",
         ["rem.organisatorisch.wachtlijsten"], "ann"),
    ]
    project = build_project(tmp_path / "categorie.codering", codings=category_level)
    try:
        tabel5 = T.factor_overview(project, "stimulerend")
        assert rows(tabel5) == [["Inhoud", ""], ["Juridisch", ""], ["Praktische", "(3 segmenten op categorieniveau)"]]
        assert tabel5.notes == ["Op categorieniveau: segmenten gecodeerd met de categorie zelf, zonder specifieke "
                                "factor."]
        tabel6 = T.factor_overview(project, "remmend", counts=True)
        assert rows(tabel6)[:2] == [["Juridisch", "(1 segment op categorieniveau)"],
                                    ["Organisatorische", "Wachtlijsten (1)"]]
    finally:
        project.close()
