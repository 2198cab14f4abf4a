"""Words that appear in exported tables and figures, in the codebook's language.

Tables and figures speak the codebook's language (``codebook.language``:
``nl`` by default, ``en`` also provided; anything else falls back to ``nl``).
Error messages are English like the rest of codering.
"""

from __future__ import annotations

import re

STRINGS: dict[str, dict[str, str]] = {
    "nl": {
        "title_memos": "Memo's",
        "col_memo_id": "Nr.",
        "col_memo_kind": "Soort",
        "col_transcript": "Transcript",
        "col_memo_on": "Over",
        "col_coder": "Codeur",
        "col_date": "Datum",
        "col_memo": "Memo",
        "memo_kind_project": "project",
        "memo_kind_transcript": "transcript",
        "memo_kind_span": "passage",
        "memo_kind_code": "code",
        "memo_project": "Over het project",
        "memo_edited": "bewerkt",
        "title_factors_stim": "Tabel 5. Overzicht stimulerende factoren voor samenwerking",
        "title_factors_rem": "Tabel 6. Overzicht remmende factoren voor samenwerking",
        "title_factors_other": "Overzicht {label}",
        "title_uncoded": "Niet gecodeerde {polarity} factoren",
        "title_detail": "Factoren in detail",
        "title_crosstab": "{group} uitgesplitst naar {by}",
        "title_cooc_matrix": "Samen gecodeerde factoren per {unit} (matrix)",
        "title_cooc_edges": "Samen gecodeerde factoren per {unit}",
        "title_codebook": "Codeboek: {name}",
        "polarity_stim": "stimulerend",
        "polarity_rem": "remmend",
        "adj_stim": "stimulerende",
        "adj_rem": "remmende",
        "col_category": "Categorie",
        "col_factors": "Factoren",
        "col_factor": "Factor",
        "col_uncoded": "Niet gecodeerde factoren",
        "col_polarity": "Polariteit",
        "col_segments": "Segmenten",
        "col_interviews": "Interviews",
        "col_share": "% interviews",
        "col_quotes": "Citaten",
        "col_code": "Code",
        "col_label": "Label",
        "col_description": "Beschrijving",
        "col_include": "Inclusie",
        "col_exclude": "Exclusie",
        "col_together": "Samen",
        "col_jaccard": "Jaccard",
        "col_id_a": "Code A",
        "col_id_b": "Code B",
        "count": "#",
        "percent": "%",
        "total": "Totaal",
        "summed": "Gesommeerd",
        "unknown_value": "(onbekend)",
        "no_factor": "(geen specifieke factor)",
        "unit_segment": "zin",
        "unit_turn": "beurt",
        "note_counts": "Tussen haakjes: aantal gecodeerde segmenten.",
        "note_interviews": "Tussen haakjes: aantal interviews waarin de factor voorkomt (van {n}).",
        "note_both": "Tussen haakjes: aantal gecodeerde segmenten; aantal interviews waarin de factor voorkomt (van {n}).",
        "note_min": "Alleen factoren die in minstens {k} interviews voorkomen.",
        "note_category_codings": "Op categorieniveau: segmenten gecodeerd met de categorie zelf, zonder specifieke factor.",
        "category_level_one": "({n} segment op categorieniveau)",
        "category_level_many": "({n} segmenten op categorieniveau)",
        "category_level_interviews_one": "(in {k} interview op categorieniveau)",
        "category_level_interviews_many": "(in {k} interviews op categorieniveau)",
        "category_level_both": "({n} {segments} in {k} {interviews} op categorieniveau)",
        "note_where": "Alleen interviews met {filters} (n = {n}).",
        "note_coder": "Alleen de coderingen van {coder}.",
        "note_coders_pooled": "Coderingen van {coders} samen; wat zij op dezelfde zin codeerden, telt één keer.",
        "note_unit_segments": "Eenheid: gecodeerde segmenten; % per kolom.",
        "note_unit_interviews": "Eenheid: interviews (een interview telt één keer per code); % per kolom.",
        "note_detail": "Segmenten: gecodeerde segmenten; % interviews: aandeel van {of}. "
                       "Citaten: de gecodeerde tekst die het dichtst bij het midden van de factor ligt ({method}).",
        "method_tfidf": "TF-IDF",
        "method_vectors": "embeddings {model}",
        "note_approx_time": "~: de laatste tijdsaanduiding vóór het citaat.",
        "note_cooc": "Diagonaal: aantal {units} waarin de factor gecodeerd is. "
                     "Jaccard = samen / (A + B - samen).",
        "note_codebook": "Segmenten en interviews tellen ook de coderingen van onderliggende codes mee.",
        "units_segment": "zinnen",
        "units_turn": "beurten",
        "fig_factors_title": "Stimulerende en remmende factoren per categorie",
        "fig_axis_segments": "Aantal gecodeerde segmenten",
        "fig_axis_interviews": "Aantal interviews",
        "fig_heatmap_title": "Factoren naar {by}",
        "fig_heatmap_segments": "Gecodeerde segmenten",
        "fig_heatmap_interviews": "% van de interviews per {by}",
        "fig_network_title": "Samen gecodeerde factoren",
        "fig_network_title_polarity": "Samen gecodeerde {adj} factoren",
        "fig_network_legend": "Knoop: aantal {units}; lijn: aantal keer samen gecodeerd",
    },
    "en": {
        "title_memos": "Memos",
        "col_memo_id": "No.",
        "col_memo_kind": "Kind",
        "col_transcript": "Transcript",
        "col_memo_on": "On",
        "col_coder": "Coder",
        "col_date": "Date",
        "col_memo": "Memo",
        "memo_kind_project": "project",
        "memo_kind_transcript": "transcript",
        "memo_kind_span": "passage",
        "memo_kind_code": "code",
        "memo_project": "On the project",
        "memo_edited": "edited",
        "title_factors_stim": "Table 5. Overview of stimulating factors for collaboration",
        "title_factors_rem": "Table 6. Overview of inhibiting factors for collaboration",
        "title_factors_other": "Overview of {label}",
        "title_uncoded": "Uncoded {polarity} factors",
        "title_detail": "Factors in detail",
        "title_crosstab": "{group} by {by}",
        "title_cooc_matrix": "Factors coded together per {unit} (matrix)",
        "title_cooc_edges": "Factors coded together per {unit}",
        "title_codebook": "Codebook: {name}",
        "polarity_stim": "stimulating",
        "polarity_rem": "inhibiting",
        "adj_stim": "stimulating",
        "adj_rem": "inhibiting",
        "col_category": "Category",
        "col_factors": "Factors",
        "col_factor": "Factor",
        "col_uncoded": "Uncoded factors",
        "col_polarity": "Polarity",
        "col_segments": "Segments",
        "col_interviews": "Interviews",
        "col_share": "% interviews",
        "col_quotes": "Quotes",
        "col_code": "Code",
        "col_label": "Label",
        "col_description": "Description",
        "col_include": "Include",
        "col_exclude": "Exclude",
        "col_together": "Together",
        "col_jaccard": "Jaccard",
        "col_id_a": "Code A",
        "col_id_b": "Code B",
        "count": "#",
        "percent": "%",
        "total": "Total",
        "summed": "Summed",
        "unknown_value": "(unknown)",
        "no_factor": "(no specific factor)",
        "unit_segment": "sentence",
        "unit_turn": "turn",
        "note_counts": "In brackets: number of coded segments.",
        "note_interviews": "In brackets: number of interviews mentioning the factor (of {n}).",
        "note_both": "In brackets: number of coded segments; number of interviews mentioning the factor (of {n}).",
        "note_min": "Only factors mentioned in at least {k} interviews.",
        "note_category_codings": "At category level: segments coded with the category itself, without a specific factor.",
        "category_level_one": "({n} segment at category level)",
        "category_level_many": "({n} segments at category level)",
        "category_level_interviews_one": "(in {k} interview at category level)",
        "category_level_interviews_many": "(in {k} interviews at category level)",
        "category_level_both": "({n} {segments} in {k} {interviews} at category level)",
        "note_where": "Only interviews with {filters} (n = {n}).",
        "note_coder": "Only the codings of {coder}.",
        "note_coders_pooled": "Codings of {coders} together; what they coded on the same sentence counts once.",
        "note_unit_segments": "Unit: coded segments; % per column.",
        "note_unit_interviews": "Unit: interviews (an interview counts once per code); % per column.",
        "note_detail": "Segments: coded segments; % interviews: share of {of}. "
                       "Quotes: the coded text nearest to the centre of the factor ({method}).",
        "method_tfidf": "TF-IDF",
        "method_vectors": "embeddings {model}",
        "note_approx_time": "~: the last timestamp before the quote.",
        "note_cooc": "Diagonal: number of {units} in which the factor is coded. "
                     "Jaccard = together / (A + B - together).",
        "note_codebook": "Segments and interviews include the codings of the codes below.",
        "units_segment": "sentences",
        "units_turn": "turns",
        "fig_factors_title": "Stimulating and inhibiting factors per category",
        "fig_axis_segments": "Coded segments",
        "fig_axis_interviews": "Interviews",
        "fig_heatmap_title": "Factors by {by}",
        "fig_heatmap_segments": "Coded segments",
        "fig_heatmap_interviews": "% of the interviews per {by}",
        "fig_network_title": "Factors coded together",
        "fig_network_title_polarity": "{adj} factors coded together",
        "fig_network_legend": "Node: number of {units}; line: times coded together",
    },
}

POLARITIES = {"stimulerend": "stim", "stim": "stim", "stimulating": "stim",
              "remmend": "rem", "rem": "rem", "inhibiting": "rem"}


def text(key: str, lang: str = "nl", **values: object) -> str:
    table = STRINGS.get(lang, STRINGS["nl"])
    template = table.get(key) or STRINGS["en"].get(key) or key
    return template.format(**values) if values else template


_WORD = re.compile(r"[^\s,;:]+")


def is_acronym(word: str) -> bool:
    """'GDPR-verplichtingen', 'IT-platform', 'CAW', 'OCMW': two or more capitals in the first word."""
    return sum(ch.isupper() for ch in word) >= 2


def in_list(label: str, first: bool) -> str:
    """A factor label as it reads inside a Tabel 5 row.

    The first factor keeps its capital, later ones start in lower case, as the
    report writes them ("Nabijheid, meer vrijwilligers, ..."). A label that
    opens with a quote is cased inside the quote, as the report does
    ("..., ‘politieke opdracht’"). A first word that is an acronym keeps its
    case ("GDPR-verplichtingen").
    """
    index = next((i for i, ch in enumerate(label) if ch.isalpha()), None)
    if index is None:
        return label
    word = _WORD.match(label, index)
    if word and is_acronym(word.group()):
        return label
    letter = label[index].upper() if first else label[index].lower()
    return label[:index] + letter + label[index + 1:]


def join_factors(labels: list[str]) -> str:
    return ", ".join(in_list(label, i == 0) for i, label in enumerate(labels))


def strip_number(title: str) -> str:
    """'Tabel 5. Overzicht ...' -> 'Overzicht ...' (for LaTeX captions, which number themselves)."""
    return re.sub(r"^(Tabel|Table|Figuur|Figure)\s+\d+[.:]\s*", "", title)
