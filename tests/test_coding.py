"""The coding loop without a UI (codering.coding): the session's decisions and the fuzzy code search."""

from __future__ import annotations

import pytest

from test_tui_support import DEFAULT_CODEBOOK, GoldSuggester, sample_project, sample_template  # noqa: F401 - fixtures

from codering.suggest.base import Suggestion

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines


def test_fuzzy_ignores_diacritics_and_ranks_labels_first():
    from codering.codebook import load_codebook
    from codering.coding.search import CodeIndex, fold

    book = load_codebook(DEFAULT_CODEBOOK)
    index = CodeIndex(book)
    assert fold("Cliënt Één") == "client een"
    assert index.search("nabijh")[0].code_id == "stim.praktisch.nabijheid"
    first = index.search("nabijh")[0]
    assert first.label_positions == tuple(range(6))
    # by id, by words of the path, by a subsequence, and accents typed or not
    assert index.search("stim.praktisch.nab")[0].code_id == "stim.praktisch.nabijheid"
    assert any(m.code_id.startswith("rem.") for m in index.search("remmende"))
    accented = [c for c in book if c.codable and any(ch in c.label for ch in "éëïèö")]
    if accented:
        code = accented[0]
        plain = fold(code.label)
        assert code.id in [m.code_id for m in index.search(plain, limit=10)]
    assert all(book.codes[m.code_id].codable for m in index.search(""))
    assert index.search("zzzqqq") == []


def test_session_writes_each_decision_before_returning(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        gold = GoldSuggester({})
        gold.prepare(project)
        session = CodingSession(project, tid, gold, "tester")
        assert session.current.role != "interviewer"
        seg = session.current
        gold.gold[session.name] = [(seg.start, seg.end, ["stim.praktisch.nabijheid", "fin.doorverwijzen"])]
        session._cache.clear()
        assert [s.code_id for s in session.suggestions()] == ["stim.praktisch.nabijheid", "fin.doorverwijzen"]
        session.accept(0)
        with Project.open(sample_project) as other:  # another connection sees it: committed
            assert [(c.code_id, c.origin) for c in other.codings(tid)] == [("stim.praktisch.nabijheid", "suggestion")]
        assert session.current == seg  # one suggestion still open: the cursor stays
        session.reject(0)
        assert session.current != seg  # none left: moved on by itself
        assert session.current.role != "interviewer"
        decisions = project.decisions()
        assert [(d.code_id, d.accepted) for d in decisions] == [("stim.praktisch.nabijheid", True),
                                                                ("fin.doorverwijzen", False)]
        session.goto(seg.index)
        assert session.suggestions() == []  # accepted is applied, rejected stays rejected
        assert session.undo() is not None
        assert session.suggestions()[0].code_id == "fin.doorverwijzen"


class UnsureSuggester(GoldSuggester):
    """Suggests one likely code and two alternatives it is unsure of, on every respondent sentence."""

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion("stim.praktisch.nabijheid", 0.6, "lijkt op: …", "example"),
                Suggestion("rem.financieel", 0.05, "past bij: …", "codebook", likely=False),
                Suggestion("fin.doorverwijzen", 0.04, "past bij: …", "codebook", likely=False)][:k]


def test_alternatives_neither_hold_the_cursor_nor_go_with_accept_all(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        unsure = UnsureSuggester({})
        unsure.prepare(project)
        session = CodingSession(project, tid, unsure, "tester")
        first = session.current
        assert [s.likely for s in session.suggestions()] == [True, False, False]
        session.decide_all(True)  # "a": only the likely one
        assert [c.code_id for c in project.codings(tid)] == ["stim.praktisch.nabijheid"]
        assert session.current != first  # the alternatives left open do not hold the cursor
        second = session.current
        session.reject(0)  # rejecting keeps the cursor on the alternatives
        assert session.current == second
        assert [s.likely for s in session.suggestions()] == [False, False]
        assert session.decide_all(True) is None  # nothing likely left to accept
        session.accept(0)  # an alternative, by its number
        assert session.current != second
        assert sorted(c.code_id for c in project.codings(tid)) == ["rem.financieel", "stim.praktisch.nabijheid"]


def test_removing_a_coding_is_a_rejection_the_engine_learns_and_undo_takes_back(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        gold = GoldSuggester({})
        gold.prepare(project)
        session = CodingSession(project, tid, gold, "tester")
        seg = session.current
        gold.gold[session.name] = [(seg.start, seg.end, ["stim.praktisch.nabijheid"])]
        session._cache.clear()
        session.accept(0)
        session.goto(seg.index)
        coding = session.codings_here()[0]
        session.remove(coding.id)
        assert project.codings(tid) == []
        last = project.decisions()[-1]
        assert (last.code_id, last.accepted, last.start, last.end) == ("stim.praktisch.nabijheid", False,
                                                                       coding.start, coding.end)
        assert session.suggestions() == []  # the removed code is not offered again here
        assert session.undo() is not None  # one undo: the coding is back and the rejection gone
        assert [c.code_id for c in project.codings(tid)] == ["stim.praktisch.nabijheid"]
        assert [d.accepted for d in project.decisions()] == [True]


def test_the_picker_ranks_the_engines_likely_code_first_among_equal_matches():
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.search import CodeIndex

    index = CodeIndex(load_codebook(default_codebook_path()))
    plain = [m.code_id for m in index.search("pr", limit=2)]
    assert set(plain) == {"stim.praktisch", "rem.praktisch"}
    hinder = {"rem.praktisch": 0.7, "stim.praktisch": 0.05}
    assert [m.code_id for m in index.search("pr", limit=2, scores=hinder)] == ["rem.praktisch", "stim.praktisch"]
    # an empty query offers the engine's best guess first
    assert index.search("", limit=1, scores=hinder)[0].code_id == "rem.praktisch"
    # a likely code does not beat a better match: "nabij" finds Nabijheid whatever the engine thinks
    assert index.search("nabij", limit=1, scores=hinder)[0].code_id == "stim.praktisch.nabijheid"


def test_a_second_word_that_starts_a_parents_label_picks_that_branch():
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.search import CodeIndex

    index = CodeIndex(load_codebook(default_codebook_path()))
    # "r" starts "Remmende factoren", and is only a letter inside "Praktisch": the remmend one first
    assert index.search("pr r", limit=1)[0].code_id == "rem.praktisch"
    assert index.search("pr s", limit=1)[0].code_id == "stim.praktisch"
    # even when the engine leans the other way a little
    assert index.search("fin r", limit=1, scores={"stim.financieel": 0.2})[0].code_id == "rem.financieel"


def test_the_picker_gives_the_engines_next_guess_first_not_what_the_list_offers():
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.search import CodeIndex, without_offered

    book = load_codebook(default_codebook_path())
    index = CodeIndex(book)
    assert book.family_head("stim.praktisch.nabijheid") == "stim.praktisch"
    assert book.family_head("rem.financieel") == "rem.financieel"
    engine = {"stim.praktisch.nabijheid": 0.6, "stim.praktisch": 0.58, "rem.praktisch": 0.3, "stim.inhoud": 0.1}
    # the list shows Nabijheid: its family drops out of the ranking help, the next guess comes first
    scores = without_offered(book, engine, ["stim.praktisch.nabijheid"])
    assert scores["stim.praktisch"] == 0.0 and scores["stim.praktisch.nabijheid"] == 0.0
    assert scores["rem.praktisch"] == 0.3 and scores["stim.inhoud"] == 0.1
    assert index.search("", limit=1, scores=scores)[0].code_id == "rem.praktisch"
    assert index.search("pr", limit=1, scores=scores)[0].code_id == "rem.praktisch"
    # a typed match still wins over the ranking help: "nabij" finds Nabijheid although it is on the list
    assert index.search("nabij", limit=1, scores=scores)[0].code_id == "stim.praktisch.nabijheid"
    assert without_offered(book, engine, []) == engine
    # the category is right but the factor shown may not be: its other factors stay, at half their score,
    # after the categories the engine is as sure of
    engine = {"rem.praktisch.grote_afstand": 0.6, "rem.praktisch.tijdsgebrek": 0.58, "rem.praktisch": 0.59,
              "stim.inhoud": 0.4, "rem.financieel": 0.1}
    scores = without_offered(book, engine, ["rem.praktisch.grote_afstand"])
    assert scores["rem.praktisch.grote_afstand"] == 0.0 and scores["rem.praktisch"] == 0.0
    assert scores["rem.praktisch.tijdsgebrek"] == pytest.approx(0.29)
    assert index.next_guesses(scores) == ["stim.inhoud", "rem.praktisch.tijdsgebrek", "rem.financieel"]
    # once a code is on the sentence its whole family is answered, offered or not
    scores = without_offered(book, engine, [], taken=["rem.praktisch.grote_afstand"])
    assert scores["rem.praktisch.tijdsgebrek"] == scores["rem.praktisch"] == 0.0 and scores["stim.inhoud"] == 0.4


def test_an_empty_query_continues_the_suggestion_list_one_code_per_family():
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.search import CodeIndex

    book = load_codebook(default_codebook_path())
    index = CodeIndex(book)
    engine = {"stim.praktisch.nabijheid": 0.6, "stim.praktisch": 0.59, "stim.praktisch.aanspreekbaarheid": 0.58,
              "rem.praktisch": 0.3, "rem.financieel.projectfinanciering": 0.2, "rem.financieel": 0.19,
              "stim.inhoud": 0.1}
    listed = [m.code_id for m in index.search("", limit=6, scores=engine)]
    # the family's best code only, families best first; then the other codes by their scores
    assert listed[:4] == ["stim.praktisch.nabijheid", "rem.praktisch", "rem.financieel.projectfinanciering",
                          "stim.inhoud"]
    assert listed[4:] == ["stim.praktisch", "stim.praktisch.aanspreekbaarheid"]
    assert index.next_guesses(engine) == listed[:4]
    # without scores: the codebook in order, as before
    assert [m.code_id for m in index.search("", limit=3)] == [c.id for _, c in book.walk() if c.codable][:3]


def test_the_entries_that_show_a_probability_are_the_next_guesses_the_list_puts_first():
    """The picker shows a probability on exactly the entries the empty query lists as the engine's next
    guesses (``Match.guess``, from the one ranking), with the engine's own number; a typed query shows none."""
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.search import CodeIndex

    book = load_codebook(default_codebook_path())
    index = CodeIndex(book)
    engine = {"stim.praktisch.nabijheid": 0.6, "stim.praktisch": 0.59, "rem.praktisch": 0.3,
              "rem.financieel.projectfinanciering": 0.2, "rem.financieel": 0.19, "stim.inhoud": 0.1,
              "ctx.netwerk": 0.0}
    listed = index.search("", limit=60, scores=engine)
    guesses = index.next_guesses(engine)
    assert len(guesses) == 4
    assert [m.code_id for m in listed[:4]] == guesses
    assert [m.guess for m in listed[:4]] == [0.6, 0.3, 0.2, 0.1]  # each the engine's probability of that code
    assert all(m.guess is None for m in listed[4:])  # the same family's other codes, and the rest: none
    assert "stim.praktisch" in [m.code_id for m in listed[4:]]
    # a query, or no scores: no entry is a next guess
    assert all(m.guess is None for m in index.search("pr", limit=60, scores=engine))
    assert all(m.guess is None for m in index.search("", limit=60))


def test_the_sessions_picker_scores_leave_out_the_families_on_the_list(sample_project):
    from codering.store import Project
    from codering.coding.session import CodingSession

    class Scoring(UnsureSuggester):
        def code_scores(self, project, transcript, start, end):
            return {"stim.praktisch.nabijheid": 0.6, "stim.praktisch": 0.55, "rem.praktisch": 0.4,
                    "rem.financieel": 0.05, "stim.inhoud": 0.2}

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        engine = Scoring({})
        engine.prepare(project)
        session = CodingSession(project, tid, engine, "tester")
        assert [s.code_id for s in session.suggestions()] == ["stim.praktisch.nabijheid", "rem.financieel",
                                                              "fin.doorverwijzen"]
        scores = session.code_scores()
        assert scores["stim.praktisch"] == scores["stim.praktisch.nabijheid"] == scores["rem.financieel"] == 0.0
        assert scores["rem.praktisch"] == 0.4 and scores["stim.inhoud"] == 0.2
        session.reject(0)  # rejected: no longer on the list, and not what the coder is looking for either
        assert session.code_scores()["stim.praktisch"] == 0.0
        # a code taken by search answers its family: the picker does not offer it, nor its category's factors
        session.apply("rem.praktisch.tijdsgebrek")
        scores = session.code_scores()
        assert scores["rem.praktisch"] == 0.0 and scores["stim.inhoud"] == 0.2


def test_a_selection_stops_between_two_respondents_turns(tmp_path, small_codebook):
    """Two respondents one after the other (R1, R2): extending past the end of R1's turn would take the
    "R2:" label into the coded quote, so it stops there unless interviewer turns are visited."""
    from codering.coding.session import CodingSession
    from codering.ingest import parse_text
    from codering.store import Project

    with Project.create(tmp_path / "p.codering", small_codebook) as project:
        project.import_transcript(parse_text("I: Hoe werkt u samen?\n\nR1: Met de huisarts. Dat gaat goed.\n\n"
                                             "R2: Met het OCMW. Dat gaat minder.\n", "duo"))
        session = CodingSession(project, project.transcript_id("duo"), GoldSuggester({}), "tester")
        assert session.current.text == "Met de huisarts."
        assert session.extend() and not session.extend() and session.at_turn_end
        assert session.content[slice(*session.span)] == "Met de huisarts. Dat gaat goed."
        session.show_interviewer = True
        assert session.extend() and "R2:" in session.content[slice(*session.span)]
