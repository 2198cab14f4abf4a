"""The coding screen's rules: where the cursor goes after a decision, undo shows where, q quits,
same-named codes say which, the picker puts recent codes first, a crash reopens at the last decision."""

from __future__ import annotations

import pytest

from test_tui_app import SIZE, open_first, ready, sync
from test_coding import UnsureSuggester
from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.codebook import parse_codebook
from codering.store import Project
from codering.suggest.base import KeywordSuggester, Suggestion
from codering.tui.app import make_app
from codering.coding.search import CodeIndex
from codering.coding.session import CodingSession
from codering.tui.dialogs import CodePicker

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines


def session_on(project, suggester) -> CodingSession:
    suggester.prepare(project)
    return CodingSession(project, project.transcripts()[0].id, suggester, "tester")


def test_each_decision_key_moves_the_same_way_and_says_so(sample_project):
    with Project.open(sample_project) as project:
        session = session_on(project, UnsureSuggester({}))
        first = session.first
        message = session.reject(0)  # x on the likely one: the alternatives are the candidates now
        assert session.first == first and "blijft: 2 alternatieven hier (j: verder)" in message
        message = session.decide_all(False)  # X: nothing here, whatever would fill the list next
        assert session.first > first and f"→ segment {session.first + 1}" in message
        second = session.first
        message = session.accept(0)  # the only likely code: on to the next
        assert session.first > second and "→ segment" in message


def test_after_x_the_status_counts_likely_codes_and_alternatives_apart(sample_project):
    """"blijft: nog 5 waarschijnlijke codes" counted two dimmed alternatives as likely."""
    class TwoLikely(UnsureSuggester):
        def suggest(self, project, transcript, start, end, k=3):
            return [Suggestion("stim.praktisch.nabijheid", 0.6, "lijkt op: …", "example"),
                    Suggestion("rem.praktisch", 0.5, "lijkt op: …", "example"),
                    Suggestion("stim.praktisch", 0.45, "lijkt op: …", "example"),
                    Suggestion("rem.financieel", 0.05, "past bij: …", "codebook", likely=False)][:k]

    with Project.open(sample_project) as project:
        session = session_on(project, TwoLikely({}))
        message = session.reject(0)
        assert "blijft: nog 2 waarschijnlijke codes en 1 alternatief hier (j: verder)" in message, message


def test_undone_actions_read_in_dutch_with_labels(sample_project):
    """The status after u showed journal text: "code ctx.markt, niveau.operationeel on int01 905-1061"
    (the comma defeated the label lookup), "recode a -> b", "add project memo"."""
    with Project.open(sample_project) as project:
        session = session_on(project, UnsureSuggester({}))
        said = session.describe
        assert said("code stim.praktisch.nabijheid, rem.praktisch on int01 905-1061") == "code Nabijheid, Praktische (Remmende factoren)"
        assert said("recode stim.praktisch.nabijheid -> rem.praktisch") == "hercodeerd: Nabijheid → Praktische (Remmende factoren)"
        assert said("add project memo") == "projectmemo" and said("remove memo 12") == "memo weg"
        assert said("remove coding 7") == "codering weg"
        project.add_memo("Het project als geheel", "tester")  # no place in a transcript
        assert session.undo() == "add project memo" and not session.changed_here  # so no "— segment N"
        session.accept(0)
        assert session.undo().startswith("accept suggestion") and session.changed_here


def test_k_after_a_decision_on_several_sentences_selects_them_again(sample_project):
    """"k: terug voor een tweede code" after coding two sentences went back to the second alone; a second
    code taken there covered half the passage the first one is on."""
    with Project.open(sample_project) as project:
        session = session_on(project, UnsureSuggester({}))
        first = session.first
        assert session.extend()
        selection = (session.first, session.last)
        session.accept(0)
        assert session.first > selection[1]
        assert session.move(-1) and (session.first, session.last) == selection
        # a single sentence: k is one step back, as always
        for _ in range(3):
            session.move(1)
        at = session.first
        session.accept(0)
        assert session.move(-1) and session.first == session.last == at


def test_reject_all_moves_on_even_when_the_list_would_refill(sample_project):
    class Refill(UnsureSuggester):
        def suggest(self, project, transcript, start, end, k=3):
            codes = ["rem.financieel", "fin.doorverwijzen", "stim.praktisch.nabijheid", "stim.praktisch",
                     "rem.praktisch", "fin.afstemming"]
            return [Suggestion(c, 0.05, "past bij: …", "codebook", likely=False) for c in codes][:k]

    with Project.open(sample_project) as project:
        session = session_on(project, Refill({}))
        first = session.first
        session.decide_all(False)
        assert session.first > first  # not held by the next three dimmed alternatives


def test_the_position_is_stored_with_each_decision(sample_project):
    with Project.open(sample_project) as project:
        session = session_on(project, UnsureSuggester({}))
        for _ in range(3):
            session.accept(0)
        at = session.first
        # no save_position(), no clean quit: as after a SIGKILL
    with Project.open(sample_project) as project:
        assert session_on(project, UnsureSuggester({})).first == at


def test_undo_and_redo_go_to_the_segment_they_change(sample_project):
    with Project.open(sample_project) as project:
        session = session_on(project, UnsureSuggester({}))
        coded_at = session.first
        session.accept(0)
        for _ in range(5):
            session.move(1)
        assert session.first != coded_at
        assert session.undo() is not None and session.first == coded_at
        for _ in range(5):
            session.move(1)
        assert session.redo() is not None and session.first == coded_at


@sync
async def test_undo_on_screen_shows_the_changed_sentence(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        start, end = s.span
        s.project.add_coding(s.tid, start, end, "stim.praktisch.nabijheid", "tester")
        s.reload()
        await pilot.press("j", "j", "j", "j")
        assert s.span != (start, end)
        await pilot.press("u")
        await pilot.pause()
        assert s.span == (start, end)
        view = screen.query_one("#transcript")
        assert view._selection == (start, end)  # the changed sentence is the highlighted selection
        assert f"segment {s.first + 1}" in str(screen.query_one("#message").render())


@sync
async def test_q_quits_from_the_coding_screen_but_types_in_the_picker(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await open_first(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.screen.query_one("#query").value == "q" and app.is_running
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


class ScoringSuggester(UnsureSuggester):
    """Also ranks every code for the picker (as the real engine's ``code_scores``)."""

    def code_scores(self, project, transcript, start, end):
        return {"stim.praktisch.nabijheid": 0.6, "stim.praktisch": 0.55, "rem.praktisch": 0.4,
                "rem.financieel": 0.05, "stim.inhoud": 0.2, "stim.inhoud.zelfde_doelgroep": 0.19}


@sync
async def test_a_digit_in_the_picker_applies_the_engines_next_guess(sample_project):
    app = make_app(sample_project, suggester=ScoringSuggester({}), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first(app, pilot)
        s = screen.session
        first = s.span
        await pilot.press("slash")
        await pilot.pause()
        listed = [o.id for o in app.screen.query_one("#codes").options][:3]
        # the list offers Nabijheid and Financieel: the picker goes on with the engine's next guesses
        assert listed == ["rem.praktisch", "stim.inhoud", "stim.inhoud.zelfde_doelgroep"]
        top = str(app.screen.query_one("#codes").get_option_at_index(0).prompt)
        assert top.startswith("1 ") and "40%" in top  # numbered, with how likely the engine finds it
        await pilot.press("2")
        await pilot.pause()
        assert s.span == first  # a manual code does not move on
        assert [c.code_id for c in s.codings_here()] == ["stim.inhoud"]
        # after a query the digits number the matches, and never go into the query
        await pilot.press("slash", "p", "r")
        await pilot.pause()
        matches = [o.id for o in app.screen.query_one("#codes").options]
        await pilot.press("2")
        await pilot.pause()
        assert sorted(c.code_id for c in s.codings_here()) == sorted(["stim.inhoud", matches[1]])
        # a digit beyond the list does nothing
        await pilot.press("slash", *"nabijh", "9")
        await pilot.pause()
        assert app.screen.query_one("#query").value == "nabijh"
        await pilot.press("escape")


def test_codes_with_the_same_label_say_which_they_are():
    book = parse_codebook("""
codebook: {id: t, name: T}
codes:
  - {id: stim, label: Stimulerende factoren, codable: false}
  - {id: stim.hist, parent: stim, label: Historische}
  - {id: stim.hist.verzuiling, parent: stim.hist, label: Verzuiling}
  - {id: rem, label: Remmende factoren, codable: false}
  - {id: rem.hist, parent: rem, label: Historische}
  - {id: rem.hist.verzuiling, parent: rem.hist, label: Verzuiling}
  - {id: rem.org, parent: rem, label: Organisatorische}
  - {id: rem.org.concurrentie, parent: rem.org, label: Concurrentie}
  - {id: rem.pol, parent: rem, label: Politieke}
  - {id: rem.pol.concurrentie, parent: rem.pol, label: Concurrentie}
  - {id: rem.pol.nabijheid, parent: rem.pol, label: Nabijheid}
""")
    assert book.distinct_label("stim.hist.verzuiling") == "Verzuiling (Stimulerende factoren)"
    assert book.distinct_label("rem.hist.verzuiling") == "Verzuiling (Remmende factoren)"
    assert book.distinct_label("rem.org.concurrentie") == "Concurrentie (Organisatorische)"
    assert book.distinct_label("rem.hist") == "Historische (Remmende factoren)"
    assert book.distinct_label("rem.pol.nabijheid") == "Nabijheid"


def test_the_picker_ranks_exact_label_prefixes_and_recent_codes_first():
    book = parse_codebook("""
codebook: {id: t, name: T}
codes:
  - {id: kennis, label: Kennis functie en organisatie}
  - {id: elkaar, label: Elkaar kennen}
  - {id: kennen, label: Kennen en gekend worden}
  - {id: ander, label: Netwerk, description: kennismaking}
""")
    index = CodeIndex(book)
    plain = [m.code_id for m in index.search("kenn")]
    assert plain[:2] == ["kennen", "kennis"] and plain.index("elkaar") > 1  # label prefixes first
    recent = [m.code_id for m in index.search("kenn", recent=["elkaar", "kennis"])]
    assert recent == ["kennis", "kennen", "elkaar", "ander"]  # a recent prefix first, then other prefixes
    assert [m.code_id for m in index.search("", recent=["ander"])][:2] == ["ander", "kennis"]


@sync
async def test_help_is_dutch_and_wraps_its_explanations(sample_project):
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(80, 30)) as pilot:
        await open_first(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert str(app.screen.query_one(".dialog-title").render()) == "Toetsen — Coderen"
        table = app.screen.query_one("#keys")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        actions = {r[1] for r in rows}
        assert "Opdrachtenpalet" in actions and "Geselecteerde tekst kopiëren" in actions
        assert not {"palette", "Copy selected text"} & actions
        accept = next(r for r in rows if r[0] == "1 … 9")
        assert " ".join(accept[2].split()) == ("Aanvaard suggestie 1 (2-9: de andere): de code wordt meteen toegepast "
                                              "en bewaard; staat hier geen waarschijnlijke suggestie meer open, dan "
                                              "gaat de cursor verder")


@sync
async def test_review_shows_the_whole_coded_fragment(sample_project):
    from codering.tui.screens.review import ReviewScreen, flat

    with Project.open(sample_project) as project:
        info = project.transcripts()[0]
        segs = [s for s in project.segments(info.id) if s.role == "respondent"]
        start, end = segs[0].start, segs[4].end  # five sentences: far longer than one line
        project.add_coding(info.id, start, end, "stim.praktisch.nabijheid", "tester")
        fragment = flat(project.content(info.id)[start:end])
    assert len(fragment) > 120
    app = make_app(sample_project, suggester=KeywordSuggester(), coder="tester")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await app.push_screen(ReviewScreen(app.project, "stim.praktisch.nabijheid", "tester"))
        await pilot.pause()
        table = app.screen.query_one("#review-table")
        cell = str(table.get_row_at(0)[-1])
        assert fragment in " ".join(cell.split())
