"""Transcript reading, parsing and sentence segmentation (codering.ingest)."""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codering.errors import TranscriptError
from codering.ingest import (
    MAX_BYTES,
    SUPPORTED_SUFFIXES,
    ParsedTranscript,
    decode_bytes,
    parse_text,
    read_attributes_csv,
    read_transcript,
    segment_turns,
)

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "transcripts"

HEADER = "interview_id: T-01\nlocatie: Beernem\nactorgroep: zorg\n\n"


def texts(pt: ParsedTranscript, turn: int | None = None) -> list[str]:
    return [pt.content[s.start:s.end] for s in pt.segments if turn is None or s.turn == turn]


def body(pt: ParsedTranscript, index: int) -> str:
    t = pt.turns[index]
    return pt.content[t.body_start:t.end]


def check_invariants(pt: ParsedTranscript) -> None:
    """Offsets are exact, segments lie in their turn body, in order, and lose no characters."""
    content = pt.content
    assert [t.index for t in pt.turns] == list(range(len(pt.turns)))
    assert [s.index for s in pt.segments] == list(range(len(pt.segments)))
    previous_end = -1
    for t in pt.turns:
        assert 0 <= t.start <= t.body_start <= t.end <= len(content)
        assert t.start > previous_end
        previous_end = t.end
        assert content[t.start:t.end] == content[t.start:t.end].strip()
        assert t.role in ("interviewer", "respondent", "other", "none")
        assert (t.role == "none") == (t.speaker == "")
    last = -1
    for s in pt.segments:
        piece = content[s.start:s.end]
        assert piece and piece == piece.strip()
        t = pt.turns[s.turn]
        assert t.body_start <= s.start < s.end <= t.end
        assert s.start >= last
        last = s.end
    for t in pt.turns:
        joined = "".join(content[s.start:s.end] for s in pt.segments if s.turn == t.index)
        assert "".join(joined.split()) == "".join(content[t.body_start:t.end].split())


# -- header ------------------------------------------------------------------------------------

def test_header_attributes_turns_and_offsets():
    text = HEADER + "I: Met wie werkt u samen?\n\n[00:01:10] R: Met de huisarts, o.a. voor doorverwijzingen. " \
                    "We zitten in hetzelfde gebouw.\n"
    pt = parse_text(text, "t01")
    assert pt.attributes == {"interview_id": "T-01", "locatie": "Beernem", "actorgroep": "zorg"}
    assert list(pt.attributes) == ["interview_id", "locatie", "actorgroep"]
    assert pt.content == text.rstrip()
    assert [(t.speaker, t.role, t.timestamp) for t in pt.turns] == [
        ("I", "interviewer", None), ("R", "respondent", "00:01:10")]
    first, second = pt.turns
    assert pt.content[first.start:first.end] == "I: Met wie werkt u samen?"
    assert pt.content[first.body_start:first.end] == "Met wie werkt u samen?"
    assert pt.content[second.start:second.start + 10] == "[00:01:10]"
    assert texts(pt) == ["Met wie werkt u samen?", "Met de huisarts, o.a. voor doorverwijzingen.",
                         "We zitten in hetzelfde gebouw."]
    assert [s.turn for s in pt.segments] == [0, 1, 1]
    assert pt.source_format == "txt" and pt.encoding == "utf-8" and pt.name == "t01"
    assert len(pt.content_hash) == 64
    check_invariants(pt)


def test_header_keys_are_normalised_and_free_form():
    pt = parse_text("Interview ID: 7\nLocatie: Gent\nAantal jaren ervaring: 12\n\nR: Ja.", "x")
    assert pt.attributes == {"interview_id": "7", "locatie": "Gent", "aantal_jaren_ervaring": "12"}


def test_no_header_gives_empty_attributes_and_a_notice():
    pt = parse_text("I: Goedemiddag.\n\nR: Dag.", "x")
    assert pt.attributes == {}
    assert any("no header" in n for n in pt.notices)
    assert [t.role for t in pt.turns] == ["interviewer", "respondent"]


@pytest.mark.parametrize("first, is_header", [
    ("R: ja dat klopt", False),                        # a speaker turn, not an attribute
    ("Interviewer: Hoe gaat het met u", False),       # a labelled question
    ("Marleen: ja dat klopt", False),                  # a name, not a known attribute
    ("locatie: Gent", True),                           # a known attribute on its own
    ("interviewer: onderzoeker C", True),
    ("Interviewer: Marleen Peeters", True),
    ("Interviewer: Goedemiddag.\nRespondent: Dag.", False),
    ("datum: 2022-05-10\nfunctie: huisarts", True),
    ("Wat ik wil zeggen: dat het moeilijk is.", False),
])
def test_header_or_turn(first, is_header):
    pt = parse_text(first + "\n\nR: Goed.\n\nI: Dank u.", "x")
    assert bool(pt.attributes) is is_header
    assert len(pt.turns) == (2 if is_header else 3 + first.count("\n"))


def test_header_only_is_an_error():
    with pytest.raises(TranscriptError, match="no interview text after the header"):
        parse_text("interview_id: 1\nlocatie: Gent\n", "x")


def test_empty_text_is_an_error():
    with pytest.raises(TranscriptError, match="empty"):
        parse_text(" \n\n\t\n", "x")


# -- timestamps and labels -----------------------------------------------------------------------

@pytest.mark.parametrize("prefix, expected", [
    ("[00:12:34] ", "00:12:34"), ("[12:34] ", "00:12:34"), ("(01:02:03) ", "01:02:03"),
    ("00:12:34 ", "00:12:34"), ("[00:12:34.567] ", "00:12:34"), ("[1:02:03,5] ", "01:02:03"),
    ("[0:05] ", "00:00:05"), ("[00:12:34] - ", "00:12:34"),
])
def test_timestamps(prefix, expected):
    pt = parse_text(HEADER + f"I: Vraag?\n\n{prefix}R: Het antwoord.", "x")
    turn = pt.turns[1]
    assert (turn.timestamp, turn.speaker, turn.role) == (expected, "R", "respondent")
    assert body(pt, 1) == "Het antwoord."


def test_invalid_time_is_text_and_timestamp_without_label():
    pt = parse_text(HEADER + "[12:75] R: tekst\n\n[00:00:05] Zonder spreker.", "x")
    assert pt.turns[0].timestamp is None and pt.turns[0].role == "none"
    assert pt.turns[1].timestamp == "00:00:05" and pt.turns[1].role == "none"
    assert body(pt, 1) == "Zonder spreker."


def test_label_after_speaker_timestamp():
    pt = parse_text(HEADER + "Marleen [00:01:02]: Goedemiddag.\n\nR: Dag.", "x")
    assert (pt.turns[0].speaker, pt.turns[0].timestamp) == ("Marleen", "00:01:02")
    assert body(pt, 0) == "Goedemiddag."


@pytest.mark.parametrize("label, role", [
    ("I", "interviewer"), ("R", "respondent"), ("R1", "respondent"), ("R2", "respondent"),
    ("I1", "interviewer"), ("Interviewer", "interviewer"), ("Respondent", "respondent"),
    ("Int", "interviewer"), ("Resp", "respondent"), ("Q", "interviewer"), ("A", "respondent"),
    ("Onderzoeker", "interviewer"), ("Geïnterviewde", "respondent"), ("INTERVIEWER", "interviewer"),
    ("Interviewer 2", "interviewer"), ("Spreker 1", "other"), ("SPEAKER_00", "other"),
    ("Deelnemer 3", "respondent"), ("Moderator", "interviewer"),
])
def test_standard_labels(label, role):
    pt = parse_text(HEADER + f"{label}: Eerste zin. Tweede zin.\n\nX y z.", "x")
    turn = pt.turns[0]
    assert (turn.speaker, turn.role) == (label, role)
    assert body(pt, 0) == "Eerste zin. Tweede zin."
    assert texts(pt, 0) == ["Eerste zin.", "Tweede zin."]


@pytest.mark.parametrize("name", ["Marleen", "Dhr. Peeters", "Jan De Smet", "Mevr. Dewulf",
                                  "Anne-Marie", "Jan van der Berg", "KDB"])
def test_personal_names_as_labels(name):
    text = HEADER + f"I: Wie bent u?\n\n{name}: Ik werk hier.\n\nI: En verder?\n\n{name}: Niets."
    pt = parse_text(text, "x")
    assert [t.speaker for t in pt.turns] == ["I", name, "I", name]
    assert pt.turns[1].role == "respondent"
    assert body(pt, 1) == "Ik werk hier."


def test_fuller_name_once_is_a_label_but_single_word_once_is_not():
    pt = parse_text(HEADER + "I: Dag.\n\nDhr. Peeters: Dag.\n\nConclusie: dat werkt niet.", "x")
    assert pt.turns[1].speaker == "Dhr. Peeters"
    assert pt.turns[2].role == "none" and body(pt, 2) == "Conclusie: dat werkt niet."


@pytest.mark.parametrize("sentence", [
    "Wat ik wil zeggen: het is moeilijk.", "Dus: we doen het zo.", "Ja: dat klopt.",
    "Kijk: zo gaat dat.", "Het probleem is dit: geen tijd.", "Nee: nooit.", "Let op: dit is belangrijk.",
])
def test_sentences_with_a_colon_are_not_labels(sentence):
    pt = parse_text(HEADER + f"I: Vraag?\n\n{sentence}\n\n{sentence}", "x")
    assert pt.turns[1].role == "none" and pt.turns[1].speaker == ""
    assert body(pt, 1) == sentence


def test_interviewer_attribute_names_the_interviewer():
    text = "interviewer: Marleen Peeters\nlocatie: Gent\n\nMarleen: Hoe gaat het?\n\nJan: Goed.\n\nMarleen: Fijn."
    pt = parse_text(text, "x")
    assert [(t.speaker, t.role) for t in pt.turns] == [
        ("Marleen", "interviewer"), ("Jan", "respondent"), ("Marleen", "interviewer")]


def test_interviewer_guessed_from_questions_when_only_names():
    text = "Els: Hoe lang werkt u hier?\n\nPiet: Tien jaar.\n\nEls: En met wie?\n\nPiet: Met de dokter.\n\n" \
           "Els: Waarom?\n\nPiet: Omdat het moet."
    pt = parse_text(text, "x")
    assert {t.speaker: t.role for t in pt.turns} == {"Els": "interviewer", "Piet": "respondent"}
    assert any("Els" in n and "interviewer" in n for n in pt.notices)


def test_no_label_is_role_none_and_whole_paragraph_is_body():
    pt = parse_text(HEADER + "Dit is gewoon tekst. Zonder spreker.", "x")
    turn = pt.turns[0]
    assert (turn.speaker, turn.role, turn.body_start) == ("", "none", turn.start)
    assert texts(pt) == ["Dit is gewoon tekst.", "Zonder spreker."]


def test_wrapped_lines_stay_in_one_turn_and_label_lines_split():
    pt = parse_text(HEADER + "R: Dit is een lange zin die\nop de volgende regel verder gaat.\n\n"
                             "I: Vraag een?\nR: Antwoord een.\nI: Vraag twee?", "x")
    assert [t.speaker for t in pt.turns] == ["R", "I", "R", "I"]
    assert texts(pt, 0) == ["Dit is een lange zin die\nop de volgende regel verder gaat."]
    assert any("new line" in n for n in pt.notices)
    check_invariants(pt)


def test_timestamp_on_its_own_line():
    pt = parse_text(HEADER + "[00:01:00]\nR: Het antwoord.\n\n[00:02:00]\nI: Vraag?", "x")
    assert [(t.timestamp, t.speaker) for t in pt.turns] == [("00:01:00", "R"), ("00:02:00", "I")]
    assert body(pt, 0) == "Het antwoord."


def test_label_with_empty_body_has_no_segments():
    pt = parse_text(HEADER + "R:\n\nI: Ja.", "x")
    assert pt.turns[0].speaker == "R" and pt.turns[0].body_start == pt.turns[0].end
    assert [s.turn for s in pt.segments] == [1]


def test_multiple_blank_lines_and_indentation():
    pt = parse_text(HEADER + "\n\n  I: Vraag?  \n\n\n\n\tR: Antwoord.   \n\n", "x")
    assert [pt.content[t.start:t.end] for t in pt.turns] == ["I: Vraag?", "R: Antwoord."]
    check_invariants(pt)


# -- segmentation ------------------------------------------------------------------------------

ABBREVIATIONS = ["bvb.", "o.a.", "m.b.t.", "nl.", "resp.", "dhr.", "mevr.", "enz.", "i.p.v.", "o.m.",
                 "d.w.z.", "bv.", "ca.", "evt.", "z.g.a.n.", "t.o.v.", "i.v.m.", "etc.", "Bvb.", "Dhr."]


@pytest.mark.parametrize("abbr", ABBREVIATIONS)
@pytest.mark.parametrize("after", ["de buren", "Peeters", "10 mensen"])
def test_abbreviations_do_not_end_a_sentence(abbr, after):
    sentence = f"We spraken {abbr} {after} aan in de wijk."
    if abbr[0].isupper():
        sentence = f"{abbr} {after} zagen we ook."
    pt = parse_text(HEADER + f"R: Eerste zin. {sentence} Laatste zin.", "x")
    if abbr in ("enz.", "etc.") and after == "Peeters":
        return  # "enz." + capital may end a sentence
    assert texts(pt) == ["Eerste zin.", sentence, "Laatste zin."]


def test_enz_followed_by_capital_may_end_a_sentence():
    pt = parse_text(HEADER + "R: We hadden tafels, stoelen, enz. Dan kwam de rest.", "x")
    assert texts(pt) == ["We hadden tafels, stoelen, enz.", "Dan kwam de rest."]
    pt = parse_text(HEADER + "R: We hadden tafels, stoelen, enz. en dan kwam de rest.", "x")
    assert len(texts(pt)) == 1


def test_ellipsis_annotations_quotes_and_initials():
    pt = parse_text(HEADER + 'R: Ik dacht... euh, dat het goed was. Ja... Nee, toch niet. '
                             'Het was druk. (lacht) En dan zegt die: "Nee. Dat klopt niet." Daarna '
                             'belde J. Peeters. Goed!? Nee. (zucht)', "x")
    assert texts(pt) == [
        "Ik dacht... euh, dat het goed was.", "Ja...", "Nee, toch niet.", "Het was druk. (lacht)",
        'En dan zegt die: "Nee. Dat klopt niet."', "Daarna belde J. Peeters.", "Goed!?", "Nee. (zucht)"]


def test_annotation_at_turn_start_joins_the_next_sentence():
    pt = parse_text(HEADER + "R: (lacht) Met de praktijken gaat het goed. (stilte)", "x")
    assert texts(pt) == ["(lacht) Met de praktijken gaat het goed. (stilte)"]
    pt = parse_text(HEADER + "R: (lacht)", "x")
    assert texts(pt) == ["(lacht)"]


def test_opening_quote_and_bracket_go_with_their_sentence():
    pt = parse_text(HEADER + 'R: Hij zei het. "Ik kom morgen," zei hij. [onverstaanbaar] Dan gaan we.', "x")
    assert texts(pt) == ["Hij zei het.", '"Ik kom morgen," zei hij. [onverstaanbaar]', "Dan gaan we."]


def test_segment_turns_directly_matches_parse():
    pt = parse_text(HEADER + "I: A? B.\n\nR: C. D. E.", "x")
    assert segment_turns(pt.content, pt.turns) == pt.segments
    assert segment_turns(pt.content, []) == []


_ALPHABET = st.sampled_from(list("abcdeéëfghiïjklmnoöpqrstuvwxyzABCDEIJKLMRSTZ    ..,,??!!::;\"'’()[]-…0123\n")
                            + ["bvb. ", "o.a. ", "Dhr. ", "m.b.t. ", "enz. ", "(lacht) ", "... ", " „", "” ",
                               "I: ", "R: ", "[00:01:02] ", "\n\n", "\t", "\u00a0", "z.g.a.n. ", "’s "])
_TURN_TEXT = st.lists(_ALPHABET, min_size=0, max_size=60).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TURN_TEXT, min_size=1, max_size=6), st.booleans())
def test_property_segments_are_exact_ordered_and_lossless(turn_texts, with_header):
    paragraphs = [("I: " if i % 2 else "R: ") + t for i, t in enumerate(turn_texts)]
    text = (HEADER if with_header else "") + "\n\n".join(paragraphs)
    if not text.strip():
        return
    try:
        pt = parse_text(text, "prop")
    except TranscriptError as exc:
        assert "no interview text" in exc.reason
        return
    check_invariants(pt)
    again = parse_text(pt.content, "prop")
    assert again.content == pt.content and again.segments == pt.segments


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1,
                max_size=4))
def test_property_arbitrary_unicode_never_breaks_offsets(turn_texts):
    text = "\n\n".join("R: " + t for t in turn_texts)
    try:
        pt = parse_text(text, "prop")
    except TranscriptError:
        return
    check_invariants(pt)


# -- decoding and files ------------------------------------------------------------------------

def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_crlf_and_lone_cr_become_lf(tmp_path):
    path = write(tmp_path, "crlf.txt", (HEADER + "I: Vraag?\r\n\r\nR: Ja.\rNee.\r\n\r\n").replace("\n", "\r\n").encode())
    pt = read_transcript(path)
    assert "\r" not in pt.content
    assert pt.content.endswith("R: Ja.\nNee.")
    assert [t.speaker for t in pt.turns] == ["I", "R"]
    check_invariants(pt)


def test_utf8_bom_is_stripped(tmp_path):
    path = write(tmp_path, "bom.txt", b"\xef\xbb\xbf" + (HEADER + "R: Café.").encode())
    pt = read_transcript(path)
    assert pt.content.startswith("interview_id") and pt.attributes["interview_id"] == "T-01"
    assert "UTF-8 with BOM" in pt.notices


def test_cp1252_is_decoded_with_a_notice(tmp_path):
    path = write(tmp_path, "cp.txt", (HEADER + "R: Het café was „dicht” … echt.").encode("cp1252"))
    pt = read_transcript(path)
    assert pt.encoding == "cp1252"
    assert "café" in pt.content and "„dicht”" in pt.content
    assert "decoded as cp1252 (not UTF-8)" in pt.notices


def test_latin1_fallback_when_cp1252_cannot_decode():
    text, encoding, notices = decode_bytes("R: café".encode("latin-1") + b"\x81", "x.txt")
    assert encoding == "latin-1" and text.startswith("R: café")
    assert any("latin-1" in n for n in notices)


def test_mostly_utf8_with_a_stray_cp1252_byte():
    data = "R: patiënten, café, één".encode() + " en daarna".encode() + "é".encode("cp1252")
    text, encoding, notices = decode_bytes(data, "x.txt")
    assert encoding == "utf-8" and text == "R: patiënten, café, één en daarnaé"
    assert any("cp1252" in n for n in notices)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(tmp_path, codec):
    raw = (HEADER + "R: Café, één.").encode(codec)
    if codec != "utf-16":
        raw = ("\ufeff" + HEADER + "R: Café, één.").encode(codec)
    pt = read_transcript(write(tmp_path, "u16.txt", raw))
    assert pt.content == HEADER + "R: Café, één."
    assert pt.encoding == "utf-16"


def test_utf16_without_bom_is_recognised():
    text, encoding, _ = decode_bytes((HEADER + "R: ja").encode("utf-16-le"), "x.txt")
    assert encoding == "utf-16-le" and text.endswith("R: ja")


@pytest.mark.parametrize("data", [b"", b"   \n\n\t  \r\n"])
def test_empty_and_whitespace_files(tmp_path, data):
    with pytest.raises(TranscriptError, match="the file is empty"):
        read_transcript(write(tmp_path, "leeg.txt", data))


def test_binary_file_is_refused(tmp_path):
    rng = random.Random(0)
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(2000))
    with pytest.raises(TranscriptError, match="looks like a binary file, not a transcript"):
        read_transcript(write(tmp_path, "foto.txt", png))
    noise = bytes(rng.randrange(256) for _ in range(2000))
    with pytest.raises(TranscriptError, match="looks like a binary file"):
        read_transcript(write(tmp_path, "ruis.txt", noise))
    no_nul = bytes(rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 65, 66, 67]) for _ in range(500))
    with pytest.raises(TranscriptError, match="looks like a binary file"):
        read_transcript(write(tmp_path, "ctrl.txt", no_nul))


def test_docx_renamed_to_txt_is_refused_with_a_hint(tmp_path):
    with pytest.raises(TranscriptError, match="binary.*zip"):
        read_transcript(write(tmp_path, "x.txt", b"PK\x03\x04" + b"\x00" * 100))


def test_unknown_extension(tmp_path):
    path = write(tmp_path, "verslag.pdf", b"%PDF-1.4")
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert info.value.reason.startswith("unsupported file type '.pdf' (supported: .txt, .md, .docx")
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(TranscriptError, match="no such file"):
        read_transcript(tmp_path / "weg.txt")


def test_folder_is_refused(tmp_path):
    (tmp_path / "map.txt").mkdir()
    with pytest.raises(TranscriptError, match="folder"):
        read_transcript(tmp_path / "map.txt")


def test_oversize_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "groot.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: nothing is written

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(TranscriptError, match=r"the file is 50.1 MiB; the limit is 50 MiB"):
        read_transcript(path)


def test_uppercase_suffix_and_name(tmp_path):
    pt = read_transcript(write(tmp_path, "int07_huisarts.TXT", (HEADER + "R: Ja.").encode()))
    assert pt.name == "int07_huisarts" and pt.source_format == "txt"


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".odt", ".vtt", ".srt")


# -- Word, OpenDocument, subtitles, Markdown ----------------------------------------------------

def test_docx_round_trip(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Interview 7", level=1)
    document.add_paragraph("interview_id: INT-07")
    document.add_paragraph("locatie: Tongeren")
    document.add_paragraph("")
    document.add_paragraph("I: Met wie werkt u samen?")
    para = document.add_paragraph("R: Met de huisarts, o.a. voor doorverwijzingen.")
    para.add_run().add_break()
    para.add_run("En met het OCMW.")
    document.add_paragraph("Een paragraaf zonder spreker.")
    document.add_paragraph("[00:03:00] R: Tot slot. Bedankt.")
    path = tmp_path / "int07.docx"
    document.save(path)
    pt = read_transcript(path)
    assert pt.source_format == "docx"
    assert pt.attributes == {"titel": "Interview 7", "interview_id": "INT-07", "locatie": "Tongeren"}
    assert [(t.speaker, t.timestamp) for t in pt.turns] == [("I", None), ("R", None), ("", None), ("R", "00:03:00")]
    assert body(pt, 1) == "Met de huisarts, o.a. voor doorverwijzingen.\nEn met het OCMW."
    assert texts(pt, 1) == ["Met de huisarts, o.a. voor doorverwijzingen.", "En met het OCMW."]
    check_invariants(pt)


def test_docx_with_header_table_and_speaker_table(tmp_path):
    import docx

    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    for row, (key, value) in zip(table.rows, [("locatie", "Gent"), ("actorgroep", "zorg")]):
        row.cells[0].text, row.cells[1].text = key, value
    document.add_paragraph("")
    turns = document.add_table(rows=3, cols=3)
    for row, cells in zip(turns.rows, [("Tijd", "Spreker", "Tekst"), ("00:00:05", "Interviewer", "Dag?"),
                                        ("00:00:09", "Respondent", "Goeiedag.")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    path = tmp_path / "tabel.docx"
    document.save(path)
    pt = read_transcript(path)
    assert pt.attributes == {"locatie": "Gent", "actorgroep": "zorg"}
    assert [(t.timestamp, t.speaker, t.role) for t in pt.turns] == [
        ("00:00:05", "Interviewer", "interviewer"), ("00:00:09", "Respondent", "respondent")]


def test_corrupt_docx(tmp_path):
    with pytest.raises(TranscriptError, match="not a valid Word file"):
        read_transcript(write(tmp_path, "kapot.docx", b"dit is geen zip"))
    with zipfile.ZipFile(tmp_path / "leeg.docx", "w") as zf:
        zf.writestr("iets.txt", "x")
    with pytest.raises(TranscriptError, match="not a valid Word file"):
        read_transcript(tmp_path / "leeg.docx")


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.2">
 <office:body><office:text>
  <text:sequence-decls/>
  <text:h text:outline-level="1">Interview 8</text:h>
  <text:p>interview_id: INT-08</text:p>
  <text:p>locatie:<text:s/>Ninove</text:p>
  <text:p/>
  <text:p>I: Hoe<text:s text:c="2"/>begon het?</text:p>
  <text:p>R: <text:span text:style-name="T1">Via</text:span> een stage<text:note><text:note-body>
    <text:p>voetnoot</text:p></text:note-body></text:note>, bvb. in Gent.<text:line-break/>Daarna
    bleef ik.<text:tab/>Echt.</text:p>
  <text:list><text:list-item><text:p>R: Een lijstje.</text:p></text:list-item></text:list>
 </office:text></office:body>
</office:document-content>"""


def make_odt(path: Path, content: str = ODT_CONTENT, mimetype: str = "application/vnd.oasis.opendocument.text"):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first, stored
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>")
    return path


def test_odt(tmp_path):
    pt = read_transcript(make_odt(tmp_path / "int08.odt"))
    assert pt.source_format == "odt"
    assert pt.attributes == {"titel": "Interview 8", "interview_id": "INT-08", "locatie": "Ninove"}
    assert [t.speaker for t in pt.turns] == ["I", "R", "R"]
    assert body(pt, 0) == "Hoe  begon het?"
    assert body(pt, 1) == "Via een stage, bvb. in Gent.\nDaarna bleef ik.\tEcht."
    assert texts(pt, 1) == ["Via een stage, bvb. in Gent.", "Daarna bleef ik.", "Echt."]
    assert "voetnoot" not in pt.content
    check_invariants(pt)


def test_corrupt_odt(tmp_path):
    with pytest.raises(TranscriptError, match="not a valid OpenDocument text file"):
        read_transcript(write(tmp_path, "kapot.odt", b"PK\x03\x04 niet echt"))
    with pytest.raises(TranscriptError, match="not a valid OpenDocument text file"):
        read_transcript(make_odt(tmp_path / "xml.odt", "<office:document-content"))
    with pytest.raises(TranscriptError, match="not a valid OpenDocument text file"):
        read_transcript(make_odt(tmp_path / "ods.odt", mimetype="application/vnd.oasis.opendocument.spreadsheet"))


VTT = """WEBVTT
Kind: captions
Language: nl

NOTE opgenomen met Teams

STYLE
::cue { color: yellow }

1
00:00:01.000 --> 00:00:03.500
<v Interviewer>Goedemiddag. Mag ik</v>

2
00:00:03.600 --> 00:00:05.000 align:start
<v Interviewer>het gesprek opnemen?</v>

3
00:00:05.200 --> 00:00:09.000
<v.loud Marleen Peeters>Ja, <i>zeker</i> &amp; graag.</v>

00:01:02.000 --> 00:01:04.000
<v Marleen Peeters>We werken o.a. met de huisarts.

00:01:05.000 --> 00:01:06.000
<v Interviewer>Dank u.
"""


def test_vtt_voices_and_merged_cues(tmp_path):
    path = tmp_path / "teams.vtt"
    path.write_text(VTT, encoding="utf-8")
    pt = read_transcript(path)
    assert pt.source_format == "vtt"
    assert [(t.timestamp, t.speaker, t.role) for t in pt.turns] == [
        ("00:00:01", "Interviewer", "interviewer"), ("00:00:05", "Marleen Peeters", "respondent"),
        ("00:01:05", "Interviewer", "interviewer")]
    assert body(pt, 0) == "Goedemiddag. Mag ik het gesprek opnemen?"
    assert body(pt, 1) == "Ja, zeker & graag. We werken o.a. met de huisarts."
    assert pt.content.startswith("[00:00:01] Interviewer: Goedemiddag.")
    assert "NOTE" not in pt.content and "color" not in pt.content and "<" not in pt.content
    assert pt.attributes == {} and any("no header" in n for n in pt.notices)
    check_invariants(pt)


SRT = """1
00:00:01,000 --> 00:00:02,000
Els: Hoe lang werkt u hier al?

2
00:00:02,500 --> 00:00:04,000
Piet: <i>Tien jaar.</i>

3
00:00:04,100 --> 00:00:05,000
Piet: Eerst in Gent,
daarna hier.

4
00:00:06,000 --> 00:00:07,000
Els: En waarom?

5
00:00:07,000 --> 00:00:08,000
Piet: Conclusie: het moest.
"""


def test_srt_name_prefixes_and_merged_cues(tmp_path):
    path = tmp_path / "otter.srt"
    path.write_text(SRT.replace("\n", "\r\n"), encoding="utf-8")
    pt = read_transcript(path)
    assert pt.source_format == "srt"
    assert [(t.timestamp, t.speaker) for t in pt.turns] == [
        ("00:00:01", "Els"), ("00:00:02", "Piet"), ("00:00:06", "Els"), ("00:00:07", "Piet")]
    assert body(pt, 1) == "Tien jaar. Eerst in Gent, daarna hier."
    assert body(pt, 3) == "Conclusie: het moest."
    assert {t.speaker: t.role for t in pt.turns} == {"Els": "interviewer", "Piet": "respondent"}
    check_invariants(pt)


def test_subtitles_without_speakers_and_txt_holding_vtt(tmp_path):
    path = tmp_path / "whisper.txt"
    path.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nDit is een test.\n\n00:02.000 --> 00:04.000\n"
                    "Nog een zin.\n", encoding="utf-8")
    pt = read_transcript(path)
    assert pt.source_format == "vtt"
    assert [(t.timestamp, t.role) for t in pt.turns] == [("00:00:00", "none")]
    assert texts(pt) == ["Dit is een test.", "Nog een zin."]


def test_subtitle_file_without_cues(tmp_path):
    path = tmp_path / "leeg.srt"
    path.write_text("geen ondertitels hier\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="no subtitle cues"):
        read_transcript(path)


def test_markdown(tmp_path):
    path = tmp_path / "int09.md"
    path.write_text("---\ninterview_id: INT-09\nlocatie: \"Gent\"\n---\n\n# Interview 9\n\n"
                    "**I:** Met wie werkt u samen?\n\n**R**: Met de buren.\n\n## Deel 2\n\n"
                    "R: Verder niets.\n", encoding="utf-8")
    pt = read_transcript(path)
    assert pt.source_format == "md"
    assert pt.attributes == {"interview_id": "INT-09", "locatie": "Gent"}
    assert [(t.speaker, pt.content[t.body_start:t.end]) for t in pt.turns] == [
        ("I", "Met wie werkt u samen?"), ("R", "Met de buren."), ("R", "Verder niets.")]


# -- attributes CSV --------------------------------------------------------------------------------

def test_attributes_csv(tmp_path):
    path = tmp_path / "attr.csv"
    path.write_text("transcript,Interview ID,locatie,geslacht\nint01_huisarts.txt,INT-01,Beernem,V\n"
                    "sub/int02.docx,INT-02,Tongeren,\n\n", encoding="utf-8")
    assert read_attributes_csv(path) == {
        "int01_huisarts": {"interview_id": "INT-01", "locatie": "Beernem", "geslacht": "V"},
        "int02": {"interview_id": "INT-02", "locatie": "Tongeren"},
    }


def test_attributes_csv_semicolon_cp1252_and_name_column(tmp_path):
    path = tmp_path / "attr.csv"
    path.write_bytes("Naam;functie\r\nint03;maatschappelijk werker (café)\r\n".encode("cp1252"))
    assert read_attributes_csv(path) == {"int03": {"functie": "maatschappelijk werker (café)"}}
    path.write_text("file\tlocatie\nint04\tNinove\n", encoding="utf-8")
    assert read_attributes_csv(path) == {"int04": {"locatie": "Ninove"}}


def test_attributes_csv_errors(tmp_path):
    path = tmp_path / "attr.csv"
    path.write_text("id,locatie\nint01,Gent\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="first column"):
        read_attributes_csv(path)
    path.write_text("transcript,locatie\nint01,Gent\nint01.txt,Gent\n", encoding="utf-8")
    with pytest.raises(TranscriptError, match="appears twice"):
        read_attributes_csv(path)
    with pytest.raises(TranscriptError, match="no such file"):
        read_attributes_csv(tmp_path / "weg.csv")


def test_sample_attributes_csv():
    attrs = read_attributes_csv(ROOT / "transcripts" / "attributes.csv")
    assert attrs["int01_huisarts_beernem"]["locatie"] == "Beernem"


# -- real files -----------------------------------------------------------------------------------

DEV_FILES = sorted(DEV.glob("*.txt"))
SAMPLE_FILES = sorted((ROOT / "transcripts").glob("*.txt"))


@pytest.mark.skipif(not DEV_FILES, reason="no shared dev transcripts")
@pytest.mark.parametrize("path", DEV_FILES, ids=lambda p: p.stem)
def test_dev_transcripts_offsets_and_gold_spans(path):
    raw = path.read_text(encoding="utf-8")
    pt = read_transcript(path)
    # canonical UTF-8 LF files: the content is the file (minus the final newline), so offsets agree
    assert pt.content == raw.rstrip() and raw.startswith(pt.content)
    assert pt.attributes["interview_id"].startswith("DEV-")
    check_invariants(pt)
    gold_file = path.with_name(path.stem + ".gold.jsonl")
    spans = [json.loads(line) for line in gold_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert spans
    starts = {s.start for s in pt.segments}
    aligned = 0
    for span in spans:
        assert pt.content[span["start"]:span["end"]] == span["text"]
        inside = [t for t in pt.turns if t.body_start <= span["start"] and span["end"] <= t.end]
        assert len(inside) == 1 and inside[0].role == "respondent", span
        aligned += span["start"] in starts
    assert aligned >= 0.9 * len(spans)  # gold spans are runs of whole sentences


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_transcripts(path):
    raw = path.read_text(encoding="utf-8")
    pt = read_transcript(path)
    assert pt.content == raw.rstrip()
    assert pt.notices == []
    assert {t.role for t in pt.turns} == {"interviewer", "respondent"}
    assert all(t.speaker in ("I", "R") for t in pt.turns)
    check_invariants(pt)
    for s in pt.segments:  # the abbreviations of the README never end a segment
        piece = pt.content[s.start:s.end]
        assert not piece.endswith((" bvb.", " o.a.", " m.b.t.", " nl.", " resp.", " dhr.", " mevr.", " i.p.v.",
                                   " d.w.z.", " o.m."))


def test_segmentation_speed():
    """A long transcript segments completely (its speed is measured in benchmarks/import_corpus.py)."""

    sample = "\n\n".join(f"{'IR'[i % 2]}: " + "Dit is een zin, bvb. met o.a. een afkorting. En nog een zin? Ja. " * 6
                         for i in range(200))
    pt = parse_text(sample, "speed")
    assert len(pt.segments) == 200 * 18  # speed itself: benchmarks/import_corpus.py


def test_attributes_csv_as_excel_saves_it_with_a_sep_line_and_empty_columns(tmp_path):
    """Excel (Dutch settings) writes "sep=;" as the first line and ";;" for empty columns after the last:
    both were refused ("first column must be named 'transcript' (found 'sep=')", "column 3 has no name")."""
    from codering.ingest.attributes import read_attributes_csv

    path = tmp_path / "attributen.csv"
    path.write_bytes("sep=;\r\ntranscript;locatie;;\r\nint01;Gent;;\r\nint02;Hasselt;;\r\n;;;\r\n".encode("cp1252"))
    assert read_attributes_csv(path) == {"int01": {"locatie": "Gent"}, "int02": {"locatie": "Hasselt"}}
