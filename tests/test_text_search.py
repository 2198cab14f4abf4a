"""Finding words in the interviews: the query language, the project-wide search (both engines), the
`codering search` command, and the find keys of the coding screen and the overview under Pilot.

The interviews are written for these tests."""

from __future__ import annotations

import pytest

from codering.coding.textsearch import QueryError, find_in_segments, fold_text, parse_query, search_project
from codering.ingest import parse_text

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

GENT = """\
interview_id: Z-01
locatie: Gent
actorgroep: welzijn

I: Hoe verloopt de coördinatie met de huisartsen?

R: De coördinatie loopt via het wijkoverleg. Wachtlijsten zijn ons grootste probleem. Eén keer per maand zien we elkaar.

I: En de wachtlijst voor de thuiszorg?

R: Die wachtlijst is lang. Zorg op maat is dan moeilijk, want de zorg komt te laat.

R: Een buurtwerker helpt soms met de COORDINATIE van vrijwilligers.
"""

AALST = """\
interview_id: Z-02
locatie: Aalst
actorgroep: zorg

I: Werkt u samen met het OCMW?

R: We overleggen wekelijks met het OCMW. De wachtlijst daar is korter. Zorg? Op maat, zeker.
"""


@pytest.fixture
def searched(project):
    project.import_transcript(parse_text(GENT, "z01_gent"), None)
    project.import_transcript(parse_text(AALST, "z02_aalst"), None)
    return project


def _sentences(hits) -> list[str]:
    return [h.text for h in hits]


# -- the query language -------------------------------------------------------------------------------
def test_diacritics_and_case_are_ignored_both_ways():
    assert parse_query("coordinatie").find("De Coördinatie loopt.") == [(3, 14)]
    assert parse_query("coördinatie").find("de COORDINATIE") == [(3, 14)]
    assert parse_query("een").find("Eén keer") == [(0, 3)]  # documented: "een" also finds "één"


def test_whole_words_unless_a_star_says_otherwise():
    q = parse_query("wachtlijst")
    assert q.find("De wachtlijsten zijn lang.") is None
    assert q.find("De wachtlijst-problemen.") == [(3, 13)]
    assert parse_query("wachtlijst*").find("De wachtlijsten zijn lang.") == [(3, 15)]
    assert parse_query("*lijst").find("Een wachtlijst.") == [(4, 14)]
    assert parse_query("w*st").find("Een wachtlijst en een wastafel.") == [(4, 14)]


def test_several_words_must_all_occur_in_any_order_and_every_occurrence_is_marked():
    q = parse_query("zorg maat")
    assert q.find("Zorg op maat, en nog eens zorg.") == [(0, 4), (8, 12), (26, 30)]
    assert q.find("Alleen zorg hier.") is None


def test_a_quoted_phrase_keeps_its_words_together_across_punctuation():
    q = parse_query('"zorg op maat"')
    assert q.find("Zorg op maat is moeilijk.") == [(0, 12)]
    assert q.find("Zorg? Op maat, zeker.") == [(0, 13)]
    assert q.find("Op maat zorg.") is None


def test_a_character_that_folds_to_two_letters_still_marks_the_right_words():
    folded, where = fold_text("Straße wachtlijst")
    assert folded == "strasse wachtlijst" and where is not None
    assert parse_query("wachtlijst").find("Straße wachtlijst") == [(7, 17)]
    assert parse_query("strasse").find("De Straße.") == [(3, 9)]


@pytest.mark.parametrize("bad, words", [("", "nothing to search for"), ("   ", "nothing to search for"),
                                        ('"zorg op', "unbalanced quote"), ("*", "matches every word"),
                                        ("zorg **", "matches every word")])
def test_a_bad_query_is_one_clear_line_in_english_and_in_dutch(bad, words):
    with pytest.raises(QueryError) as caught:
        parse_query(bad)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.dutch and caught.value.dutch != str(caught.value)


# -- across the project (SQLite and PostgreSQL) --------------------------------------------------------
def test_search_finds_respondent_sentences_in_text_order_with_their_codes(searched):
    gent = searched.transcript_id("z01_gent")
    content = searched.content(gent)
    start = content.index("Die wachtlijst is lang.")
    searched.add_coding(gent, start, start + len("Die wachtlijst is lang."), "rem.praktisch", "ann")
    hits = search_project(searched, "wachtlijst")
    assert _sentences(hits) == ["Die wachtlijst is lang.", "De wachtlijst daar is korter."]
    assert [h.transcript for h in hits] == ["z01_gent", "z02_aalst"]
    assert hits[0].codes == ("rem.praktisch",) and hits[1].codes == ()
    assert hits[0].marked() == "Die «wachtlijst» is lang."
    assert content[hits[0].start:hits[0].end] == hits[0].text
    # the interviewer's question only when asked for
    with_interviewer = search_project(searched, "wachtlijst", with_interviewer=True)
    assert "En de wachtlijst voor de thuiszorg?" in _sentences(with_interviewer)


def test_search_filters_by_transcript_attribute_code_and_uncoded(searched):
    gent = searched.transcript_id("z01_gent")
    content = searched.content(gent)
    start = content.index("De coördinatie loopt")
    searched.add_coding(gent, start, start + 10, "stim.praktisch.nabijheid", "bob")  # part of the sentence
    assert _sentences(search_project(searched, "coordinatie")) == [
        "De coördinatie loopt via het wijkoverleg.", "Een buurtwerker helpt soms met de COORDINATIE van vrijwilligers."]
    assert search_project(searched, "wachtlijst", transcripts=["z02_aalst"])[0].transcript == "z02_aalst"
    assert _sentences(search_project(searched, "wachtlijst*", where={"locatie": "gent"})) == [
        "Wachtlijsten zijn ons grootste probleem.", "Die wachtlijst is lang."]
    # a child code counts for its parent
    assert _sentences(search_project(searched, "coordinatie", code="stim")) == ["De coördinatie loopt via het wijkoverleg."]
    assert _sentences(search_project(searched, "coordinatie", uncoded=True)) == [
        "Een buurtwerker helpt soms met de COORDINATIE van vrijwilligers."]


def test_bad_filters_are_named(searched):
    with pytest.raises(QueryError, match="no code 'nergens'"):
        search_project(searched, "zorg", code="nergens")
    with pytest.raises(QueryError, match="no transcript has the attribute 'stad'"):
        search_project(searched, "zorg", where={"stad": "Gent"})
    with pytest.raises(QueryError, match="exclude each other"):
        search_project(searched, "zorg", code="stim", uncoded=True)


def test_coded_spans_of_every_coder_in_one_transcript(searched):
    gent, aalst = searched.transcript_id("z01_gent"), searched.transcript_id("z02_aalst")
    searched.add_coding(gent, 60, 70, "stim.praktisch", "ann")
    searched.add_coding(gent, 80, 90, "rem.praktisch", "bob")
    searched.add_coding(aalst, 60, 70, "fin.doorverwijzen", "ann")
    assert sorted(s.code_id for s in searched.coded_spans(transcript=gent)) == ["rem.praktisch", "stim.praktisch"]
    assert [s.code_id for s in searched.coded_spans("ann", transcript=aalst)] == ["fin.doorverwijzen"]
    assert sorted(s.code_id for s in searched.coded_spans("ann")) == ["fin.doorverwijzen", "stim.praktisch"]


def test_one_transcript_is_searched_on_its_folded_text(searched):
    gent = searched.transcript_id("z01_gent")
    segments = searched.segments(gent)
    found = find_in_segments(parse_query('"zorg op maat"'), searched.content(gent), segments)
    assert [(segments[i].text, marks) for i, marks in found] == [
        ("Zorg op maat is dan moeilijk, want de zorg komt te laat.", [(0, 12)])]


# -- the command line ------------------------------------------------------------------------------------
def test_the_search_command_lists_keyword_in_context_lines(tmp_path):
    from conftest import run_cli

    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "z01_gent.txt").write_text(GENT, encoding="utf-8")
    (folder / "z02_aalst.txt").write_text(AALST, encoding="utf-8")
    path = str(tmp_path / "s.codering")
    assert run_cli("init", path).returncode == 0
    assert run_cli("-p", path, "import", str(folder)).returncode == 0
    tsv = run_cli("-p", path, "search", "wachtlijst*", "--where", "locatie=Gent", "--format", "tsv")
    assert tsv.returncode == 0, tsv.stderr
    lines = tsv.stdout.splitlines()
    assert lines[0].split("\t") == ["transcript", "segment", "start", "end", "speaker", "sentence", "codes"]
    assert [line.split("\t")[5] for line in lines[1:]] == ["«Wachtlijsten» zijn ons grootste probleem.",
                                                          "Die «wachtlijst» is lang."]
    table = run_cli("-p", path, "search", '"zorg op maat"')
    assert table.returncode == 0 and "1 sentence" in table.stdout and "z01_gent" in table.stdout  # "Zorg? Op maat" is two
    bad = run_cli("-p", path, "search", '"zorg op')
    assert bad.returncode == 1 and bad.stderr.strip().count("\n") == 0 and "unbalanced quote" in bad.stderr
    both = run_cli("-p", path, "search", "zorg", "--code", "stim", "--uncoded")
    assert both.returncode == 2 and "exclude each other" in both.stderr


# -- the terminal UI (the real app under Pilot) -----------------------------------------------------------
@pytest.fixture
def ui_project(tmp_path, monkeypatch):
    """A project file with the two interviews above, on the default codebook (the app opens it by path)."""
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "zoek.codering"
    with Project.create(path, load_codebook(default_codebook_path())) as project:
        project.import_transcript(parse_text(GENT, "z01_gent"), None)
        project.import_transcript(parse_text(AALST, "z02_aalst"), None)
    return path


def _app(path):
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app

    return make_app(path, suggester=KeywordSuggester(), coder="tester")


async def _ready(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press({" ": "space", '"': "quotation_mark", "*": "asterisk"}.get(ch, ch))


def test_the_find_keys_take_no_key_the_coding_screen_or_the_overview_already_uses():
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.overview import OverviewScreen

    for screen in (CodingScreen, OverviewScreen):
        keys = [k.strip() for b in screen.BINDINGS for k in b.key.split(",")]
        assert len(keys) == len(set(keys)), screen.__name__
    coding = {k.strip() for b in CodingScreen.BINDINGS for k in b.key.split(",")}
    assert {"f", "ctrl+f", "g", "G"} <= coding


def test_find_on_the_coding_screen_jumps_wraps_highlights_and_records_what_it_jumped_over(ui_project):
    from test_tui_support import sync

    from codering.store import Project, read_spans, skipped_setting
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.widgets.findline import FindLine
    from codering.tui.widgets.status import StatusLine
    from codering.tui.widgets.transcript import TranscriptView

    @sync
    async def run():
        app = _app(ui_project)
        async with app.run_test(size=(110, 32)) as pilot:
            await _ready(app, pilot)
            await pilot.press("enter")  # the first transcript: z01_gent
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodingScreen) and screen.session.name == "z01_gent"
            session = screen.session
            status = screen.query_one(StatusLine)
            view = screen.query_one(TranscriptView)
            assert session.current.text.startswith("De coördinatie")

            await pilot.press("f")
            line = screen.query_one(FindLine)
            assert line.has_focus and line.display
            await _type(pilot, '"zorg')
            await pilot.press("enter")
            assert "aanhalingsteken" in status.message and line.display  # stays open to correct

            line.value = ""
            await _type(pilot, "wachtlijst*")
            await pilot.press("enter")
            await pilot.pause()
            assert not line.display and not line.has_focus
            assert session.current.text == "Wachtlijsten zijn ons grootste probleem."
            assert status.message.startswith("treffer 1 van 2 voor 'wachtlijst*'")
            content = session.content
            assert [content[a:b] for a, b in view._found] == ["Wachtlijsten", "wachtlijst"]

            await pilot.press("g")
            assert session.current.text == "Die wachtlijst is lang." and "treffer 2 van 2" in status.message
            await pilot.press("g")
            assert session.current.text.startswith("Wachtlijsten") and "van voren af" in status.message
            await pilot.press("G")
            assert session.current.text == "Die wachtlijst is lang." and "van achteren af" in status.message
            assert "Zorg op maat" not in status.message

            # a jump forward over sentences never seen records them as jumped over, as n and ] do
            await pilot.press("k", "k", "k")  # back to the first sentence (the ones between are visited)
            assert session.current.text.startswith("De coördinatie")
            before = set(session.skipped)
            await pilot.press("f")
            line.value = ""
            await _type(pilot, "buurtwerker")
            await pilot.press("enter")
            assert session.current.text.startswith("Een buurtwerker")
            assert before == set()  # nothing was jumped over: g went over nothing unseen
            jumped = {session.segments[i].text for i in session.skipped}
            # the cursor stood on the sentences before (search and k), not on this one
            assert jumped == {"Zorg op maat is dan moeilijk, want de zorg komt te laat."}

            # Esc closes the line and the highlights; the screen stays
            await pilot.press("f")
            await pilot.press("escape")
            assert isinstance(app.screen, CodingScreen) and not line.display and view._found == []
            await pilot.press("g")
            assert "nog geen zoekopdracht" in status.message
            tid, content = session.tid, session.content
        with Project.open(ui_project) as project:
            saved = read_spans(project.setting(skipped_setting("tester", tid)) or "")
            assert [content[a:b] for a, b in saved] == ["Zorg op maat is dan moeilijk, want de zorg komt te laat."]

    run()


def test_a_search_jump_over_unseen_sentences_is_saved_as_skipped(ui_project):
    from test_tui_support import sync

    from codering.store import Project, read_spans, skipped_setting
    from codering.tui.screens.coding import CodingScreen

    @sync
    async def run():
        app = _app(ui_project)
        async with app.run_test(size=(110, 32)) as pilot:
            await _ready(app, pilot)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            session = screen.session
            await pilot.press("ctrl+f")
            await _type(pilot, "buurtwerker")
            await pilot.press("enter")
            assert session.current.text.startswith("Een buurtwerker")
            jumped = sorted(session.segments[i].text for i in session.skipped)
            assert jumped == sorted(["Wachtlijsten zijn ons grootste probleem.", "Eén keer per maand zien we elkaar.",
                                     "Die wachtlijst is lang.",
                                     "Zorg op maat is dan moeilijk, want de zorg komt te laat."])
            content, tid = session.content, session.tid
        with Project.open(ui_project) as project:  # written for the engine when the screen closed
            saved = read_spans(project.setting(skipped_setting("tester", tid)) or "")
            assert any("Wachtlijsten zijn" in content[a:b] for a, b in saved)
            assert not any("buurtwerker" in content[a:b] for a, b in saved)

    run()


def test_find_across_the_project_from_the_overview_opens_the_transcript_at_the_hit(ui_project):
    from test_tui_support import sync

    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.find import FindScreen
    from codering.tui.screens.overview import OverviewScreen
    from codering.tui.widgets.status import StatusLine

    @sync
    async def run():
        app = _app(ui_project)
        async with app.run_test(size=(110, 32)) as pilot:
            await _ready(app, pilot)
            await pilot.press("z")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, FindScreen)
            await _type(pilot, "*lijst")  # a query that matches every word is refused in Dutch
            screen.query_one("#find-query").value = "*"
            await pilot.press("enter")
            assert "past op elk woord" in screen.query_one(StatusLine).message
            screen.query_one("#find-query").value = ""
            await _type(pilot, "wachtlijst*")
            await pilot.press("enter")
            await pilot.pause()
            table = screen.query_one("#find-table")
            assert table.row_count == 3
            assert [h.text for h in screen._hits] == ["Wachtlijsten zijn ons grootste probleem.",
                                                      "Die wachtlijst is lang.", "De wachtlijst daar is korter."]
            assert "3 zinnen in 2 interviews" in str(screen.query_one("#find-title").render())
            await pilot.press("down", "down", "enter")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)
            assert app.screen.session.name == "z02_aalst"
            assert app.screen.session.current.text == "De wachtlijst daar is korter."
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, FindScreen) and app.screen.query_one("#find-table").row_count == 3
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)

    run()


def test_the_help_screens_name_the_find_keys(ui_project):
    from test_tui_support import sync

    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.help import key_rows

    @sync
    async def run():
        app = _app(ui_project)
        async with app.run_test(size=(110, 32)) as pilot:
            await _ready(app, pilot)
            overview = {r.description: r.keys for r in key_rows(app.screen)}
            assert "z" in overview["Zoek in tekst"]
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)
            coding = {r.description: r.keys for r in key_rows(app.screen)}
            assert "f" in coding["Zoek in tekst"] and coding["Volgende treffer"] == "g"

    run()
