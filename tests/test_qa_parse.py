"""Parsing defects found in a QA pass: subtitle cues with two speakers, a repeated header key, a Markdown title
before the header and multi-line front matter, Word tables in other column orders, invisible characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from codering.ingest import ParsedTranscript, parse_text, read_transcript


def turns(pt: ParsedTranscript) -> list[tuple[str, str, str]]:
    return [(t.speaker, t.role, pt.content[t.body_start:t.end]) for t in pt.turns]


# -- 1. a subtitle cue with the lines of two speakers ------------------------------------------------

def test_srt_cue_with_two_speakers_gives_two_turns(tmp_path):
    path = tmp_path / "duo.srt"
    path.write_text("1\n00:00:02,000 --> 00:00:05,000\nI: Hoe vaak overlegt u met de school?\n"
                    "R: Elke maand, soms vaker.\n\n2\n00:00:05,500 --> 00:00:07,000\nR: Vooral in september.\n",
                    encoding="utf-8")
    pt = read_transcript(path)
    assert turns(pt) == [("I", "interviewer", "Hoe vaak overlegt u met de school?"),
                         ("R", "respondent", "Elke maand, soms vaker. Vooral in september.")]
    assert any("more than one speaker" in n for n in pt.notices)


def test_vtt_dash_lines_with_two_speakers_keep_later_cues_with_their_speaker(tmp_path):
    path = tmp_path / "duo.vtt"
    path.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n- Interviewer: Wie belt u eerst?\n"
                    "- Katrien: De wijkagent.\n\n00:00:03.000 --> 00:00:06.000\nKatrien: Daarna het buurthuis.\n\n"
                    "00:00:06.000 --> 00:00:08.000\nInterviewer: Waarom in die volgorde?\n", encoding="utf-8")
    pt = read_transcript(path)
    assert [(s, r) for s, r, _ in turns(pt)] == [("Interviewer", "interviewer"), ("Katrien", "respondent"),
                                                 ("Interviewer", "interviewer")]
    assert turns(pt)[1][2] == "De wijkagent. Daarna het buurthuis."
    assert "Katrien" not in turns(pt)[0][2]


def test_cue_line_with_a_colon_that_is_no_speaker_stays_in_the_turn(tmp_path):
    path = tmp_path / "dubbelpunt.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:04,000\nR: We hadden een probleem\nmet name dit: geen budget.\n\n"
                    "2\n00:00:04,000 --> 00:00:05,000\nI: Juist.\n", encoding="utf-8")
    pt = read_transcript(path)
    assert turns(pt) == [("R", "respondent", "We hadden een probleem met name dit: geen budget."),
                         ("I", "interviewer", "Juist.")]


# -- 2. a header key given twice (a duo interview) ------------------------------------------------

def test_repeated_header_key_keeps_the_header_and_joins_the_values():
    pt = parse_text("interview_id: D7\nlocatie: Aalst\nfunctie: maatschappelijk werker\nfunctie: coördinator\n\n"
                    "I: Hoe is de samenwerking gestart?\n\nR: Via een project van de provincie.\n", "duo")
    assert pt.attributes == {"interview_id": "D7", "locatie": "Aalst",
                             "functie": "maatschappelijk werker; coördinator"}
    assert [t.role for t in pt.turns] == ["interviewer", "respondent"]
    assert "interview_id" not in pt.content[pt.turns[0].start:]
    assert any("'functie' more than once" in n and "maatschappelijk werker; coördinator" in n for n in pt.notices)


def test_repeated_interviewer_names_both_interviewers():
    pt = parse_text("interviewer: Sofie\ninterviewer: Bram\nlocatie: Lier\n\nSofie: Wat doet u hier?\n\n"
                    "Bram: En sinds wanneer?\n\nNadia: Ik coördineer het dienstencentrum, sinds 2019.\n", "trio")
    assert pt.attributes["interviewer"] == "Sofie; Bram"
    assert [t.role for t in pt.turns] == ["interviewer", "interviewer", "respondent"]


def test_one_name_twice_is_still_a_conversation_not_a_header():
    pt = parse_text("Marleen: Goeiemorgen\nMarleen: Dag\n\nR: Dag Marleen.\n", "gesprek")
    assert pt.attributes == {}


# -- 3. Markdown: a title heading before the header; multi-line front matter ------------------------

def test_markdown_title_heading_then_header(tmp_path):
    path = tmp_path / "int12.md"
    path.write_text("# Gesprek met de schepen van welzijn\n\ninterview_id: M12\nlocatie: Geel\n\n"
                    "**I:** Wat betekent het lokaal bestuur voor u?\n\n**R:** Veel, het is onze regisseur.\n",
                    encoding="utf-8")
    pt = read_transcript(path)
    assert pt.attributes == {"titel": "Gesprek met de schepen van welzijn", "interview_id": "M12", "locatie": "Geel"}
    assert turns(pt) == [("I", "interviewer", "Wat betekent het lokaal bestuur voor u?"),
                         ("R", "respondent", "Veel, het is onze regisseur.")]


def test_markdown_title_heading_then_a_first_turn_is_no_header(tmp_path):
    path = tmp_path / "int13.md"
    path.write_text("# Gesprek 13\n\nInterviewer: Goeiemiddag\n\nRespondent: Dag\n\nInterviewer: Zullen we?\n",
                    encoding="utf-8")
    pt = read_transcript(path)
    assert pt.attributes == {"titel": "Gesprek 13"}
    assert [t.speaker for t in pt.turns] == ["Interviewer", "Respondent", "Interviewer"]


def test_markdown_front_matter_multiline_value_is_kept(tmp_path):
    path = tmp_path / "int14.md"
    path.write_text("---\ninterview_id: M14\nnotitie: |\n  opgenomen in de cafetaria\n  met veel achtergrondlawaai\n"
                    "thema's:\n  - jeugd\n  - armoede\ndatum: 2023-11-07\n---\n\n**I:** Vraag een?\n\n"
                    "**R:** Antwoord een.\n", encoding="utf-8")
    pt = read_transcript(path)
    assert pt.attributes["notitie"] == "opgenomen in de cafetaria met veel achtergrondlawaai"
    assert pt.attributes["datum"] == "2023-11-07"
    assert pt.attributes["themas"] == "jeugd; armoede"
    assert "|" not in pt.attributes and "|" not in pt.attributes.values()
    assert [t.speaker for t in pt.turns] == ["I", "R"]


# -- 4. Word tables in other column orders ---------------------------------------------------------

def word_table(path: Path, rows: list[list[str]]) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("interview_id: W3")
    table = document.add_table(rows=0, cols=len(rows[0]))
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = value
    document.save(path)
    return path


@pytest.mark.parametrize("rows", [
    [["Spreker", "Tijd", "Tekst"], ["Interviewer", "00:01:10", "Hoe verloopt de doorverwijzing?"],
     ["Respondent", "00:01:15", "Meestal via een telefoontje naar de huisarts."]],
    [["#", "Tijd", "Spreker", "Tekst"], ["1", "00:01:10", "Interviewer", "Hoe verloopt de doorverwijzing?"],
     ["2", "00:01:15", "Respondent", "Meestal via een telefoontje naar de huisarts."]],
    [["1", "00:01:10", "Interviewer", "Hoe verloopt de doorverwijzing?"],
     ["2", "00:01:15", "Respondent", "Meestal via een telefoontje naar de huisarts."]],
    [["Interviewer", "[00:01:10]", "Hoe verloopt de doorverwijzing?"],
     ["Respondent", "[00:01:15]", "Meestal via een telefoontje naar de huisarts."]],
], ids=["speaker-time-text", "nr-time-speaker-text-header", "nr-time-speaker-text", "speaker-time-text-no-header"])
def test_word_table_columns_found_in_any_order(tmp_path, rows):
    pt = read_transcript(word_table(tmp_path / "tabel.docx", rows))
    assert pt.attributes == {"interview_id": "W3"}
    assert [(t.speaker, t.role, t.timestamp, pt.content[t.body_start:t.end]) for t in pt.turns] == [
        ("Interviewer", "interviewer", "00:01:10", "Hoe verloopt de doorverwijzing?"),
        ("Respondent", "respondent", "00:01:15", "Meestal via een telefoontje naar de huisarts.")]


@pytest.mark.parametrize("header", [[], [["Spreker", "Tekst", "Opmerking"]]], ids=["by-content", "by-header"])
def test_word_table_note_column_is_left_out_with_a_notice(tmp_path, header):
    rows = header + [["Interviewer", "Wie neemt het initiatief tot overleg?", "zucht"],
                     ["Marc", "Meestal de directeur van het woonzorgcentrum.", "wijst"],
                     ["Marc", "Soms ikzelf.", ""]]
    pt = read_transcript(word_table(tmp_path / "noot.docx", rows))
    assert turns(pt) == [("Interviewer", "interviewer", "Wie neemt het initiatief tot overleg?"),
                         ("Marc", "respondent", "Meestal de directeur van het woonzorgcentrum."),
                         ("Marc", "respondent", "Soms ikzelf.")]
    assert "zucht" not in pt.content and "wijst" not in pt.content
    assert any("notes beside the turns" in n for n in pt.notices)


def test_word_table_of_two_text_columns_keeps_all_text(tmp_path):
    rows = [["Welke partners zijn voor u het belangrijkst in de wijk?",
             "De scholen en het OCMW, want die zien de gezinnen elke dag."],
            ["Hoe houdt u contact met hen?", "Via een maandelijks overleg in het lokaal dienstencentrum."]]
    pt = read_transcript(word_table(tmp_path / "vraag_antwoord.docx", rows))
    for row in rows:
        for cell in row:
            assert cell in pt.content


# -- 5. invisible characters ------------------------------------------------------------------------

def test_invisible_characters_are_removed_and_counted(tmp_path):
    path = tmp_path / "onzichtbaar.txt"
    path.write_text("interview_id: O1\n\nI: Werkt u met het OC\ufeffMW?\n\nR: Ja,\x0c met het OCMW\x07 en de "
                    "huis\u00adarts.\n", encoding="utf-8")
    pt = read_transcript(path)
    assert pt.content.count("OCMW") == 2 and "huisarts" in pt.content
    assert not any(ch in pt.content for ch in "\ufeff\x0c\x07\u00ad")
    assert any(n.startswith("4 invisible character(s) removed") for n in pt.notices)
    for s in pt.segments:
        assert pt.content[s.start:s.end] == pt.content[s.start:s.end].strip()


def test_newline_tab_and_emoji_joiners_are_kept():
    pt = parse_text("R: Eerst\tdit.\nDan 👩\u200d⚕️ de dokter.\n", "houden")
    assert "\t" in pt.content and "\u200d" in pt.content and "\n" in pt.content
    assert not any("invisible" in n for n in pt.notices)


def test_qdpx_positions_line_up_across_a_removed_invisible_character():
    from codering.refi.positions import PositionMap

    original = "R: Het OC\ufeffMW en\x07 de buurt."
    stored = parse_text(original, "p").content
    assert stored == "R: Het OCMW en de buurt."
    pos = PositionMap(original, stored, "codepoints")
    assert pos.ok
    start, end = original.index("OC"), original.index("MW") + 2
    assert stored[pos(start):pos(end)] == "OCMW"
    assert stored[pos(original.index("de")):pos(len(original))] == "de buurt."
