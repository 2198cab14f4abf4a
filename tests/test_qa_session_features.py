"""QA of the session's new features used together (``search --code-as``, remembered codebook merges, undo and
redo across coders, the live coding screen), the way a team uses them: each test pins a bug found so.

The interviews are written for these tests; the projects are real SQLite files and server projects."""

from __future__ import annotations

import pytest
from conftest import run_cli
from test_tui_support import sync, until

from codering.ingest import parse_text
from codering.wording import readable

pytestmark = pytest.mark.backends("sqlite", "postgresql")

GENT = """\
interview_id: W-01
locatie: Gent

I: Hoe gaat het met de wachtlijsten?

R: De wachtlijst bij het CAW is lang. We zitten wel in hetzelfde gebouw. Dat helpt.

I: En verder?

R: De wachtlijsten voor thuiszorg groeien. Niemand klaagt over de wachtlijst van de huisarts.

R: Een wachtlijst hebben we niet. Mijn dochter studeert.
"""


@pytest.fixture
def interviews(project):
    project.import_transcript(parse_text(GENT, "w01_gent"), None)
    return project


# -- an undo or redo that a colleague's codebook merge got in the way of: one note, not one per coding --------
def test_undo_of_search_codings_merged_away_by_a_colleague_names_them_once(interviews, project_location):
    """ann codes a search's hits, bert merges the code away; ann's undo is refused (the codings are bert's
    merge's now). It named every coding with the same reason again, one after the other: 200 hits made a line
    of 200 notes. Now rows left alone for one reason are said once, with their count and ids, also in Dutch."""
    where = str(project_location)

    def cli(*args: str, coder: str = "ann"):
        return run_cli("-p", where, *args, env={"CODERING_CODER": coder})

    coded = cli("search", "wachtlijst*", "--code-as", "stim.praktisch.nabijheid")
    assert coded.returncode == 0 and coded.stdout.startswith("Coded 4 sentences in 1 transcript"), coded.stderr
    ids = [int(line.split("\t")[0]) for line in cli("codings", "--format", "tsv").stdout.splitlines()[1:]]
    assert len(ids) == 4
    merged = cli("codebook", "merge", "stim.praktisch.nabijheid", "stim.praktisch", coder="bert")
    assert merged.returncode == 0, merged.stderr

    undone = cli("undo")
    assert undone.returncode == 0, undone.stderr
    said = undone.stdout.strip()
    assert said == (f"Not undone: code 4 search hits of 'wachtlijst*' with stim.praktisch.nabijheid (nothing "
                    f"changed: 4 codings ({min(ids)}-{max(ids)}) were changed since by bert (merge code "
                    f"stim.praktisch.nabijheid into stim.praktisch))")
    assert said.count("changed since") == 1
    rows = [line.split("\t") for line in cli("codings", "--format", "tsv").stdout.splitlines()[1:]]
    assert sorted((r[4], r[5], r[6]) for r in rows) == [("stim.praktisch", "ann", "search")] * 4  # none lost

    # bert takes his merge back; ann's redo of what her undo could not take back finds every row put back
    assert cli("undo", coder="bert").stdout.startswith("Undone: merge code stim.praktisch.nabijheid")
    redone = cli("redo").stdout.strip()
    assert redone.count("changed since") == 1 and redone.startswith("Not redone: code 4 search hits")


def test_redo_of_search_codings_whose_code_went_since_names_them_once(interviews, project_location):
    where = str(project_location)

    def cli(*args: str, coder: str = "ann"):
        return run_cli("-p", where, *args, env={"CODERING_CODER": coder})

    assert cli("search", "wachtlijst*", "--code-as", "stim.praktisch.nabijheid").returncode == 0
    assert cli("undo").stdout.startswith("Undone: code 4 search hits")
    assert cli("codebook", "merge", "stim.praktisch.nabijheid", "stim.praktisch", coder="bert").returncode == 0
    redone = cli("redo")
    assert redone.returncode == 0, redone.stderr
    said = redone.stdout.strip()
    assert said.startswith("Not redone: code 4 search hits of 'wachtlijst*' with stim.praktisch.nabijheid "
                           "(nothing changed: 4 codings (")
    assert said.endswith(") cannot be put back: what they belong to is gone)") and said.count("cannot") == 1
    assert cli("codings", "--format", "tsv").stdout.splitlines()[1:] == []  # nothing half put back


def test_rows_left_alone_for_one_reason_read_in_dutch_once():
    labels = {"stim.x": "Parkeerplaats", "stim.y": "Nabijheid"}
    label = lambda c: labels.get(c, c)  # noqa: E731
    assert readable("code 3 search hits of 'wacht*' with stim.x (nothing changed: 3 codings (4-5, 9) were changed "
                    "since by bert (merge code stim.x into stim.y))", label) == (
        "3 treffer(s) van 'wacht*' gecodeerd met Parkeerplaats (niets veranderd: 3 coderingen (4-5, 9) zijn "
        "sindsdien veranderd door bert (code Parkeerplaats samengevoegd in Nabijheid))")
    assert readable("code 2 search hits of 'x' with stim.x (nothing changed: 2 codings (1-2) cannot be put back: "
                    "what they belong to is gone)", label) == (
        "2 treffer(s) van 'x' gecodeerd met Parkeerplaats (niets veranderd: 2 coderingen (1-2) kunnen niet terug: "
        "waar ze bij horen, is weg)")
    assert readable("merge x.codering (left as it is: 2 memos (3-4) were changed since; coding 7 was changed "
                    "since)") == ("samengevoegd: x.codering (blijft zoals het is: 2 memo's (3-4) zijn sindsdien "
                                  "veranderd; codering 7 is sindsdien veranderd)")


# -- the coding screen: a colleague's merge in the way of u, said in Dutch on one line ----------------------------
@sync
async def test_u_on_the_coding_screen_after_a_colleagues_merge_says_it_once_in_dutch(interviews, project_location):
    from codering.coding.textsearch import code_hits, plan_hit_coding, search_project
    from codering.store import Project
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.widgets.status import StatusLine

    where = str(project_location)
    app = make_app(where, suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        session = screen.session
        with Project.open(where, "ann") as other:  # ann's `search --code-as` in another terminal
            hits = search_project(other, "wachtlijst*")
            assert code_hits(other, plan_hit_coding(other, hits, "stim.praktisch.nabijheid", "ann"), "ann",
                             "wachtlijst*") == 4
        assert await until(pilot, lambda: sum(c.origin == "search" for c in session.codings) == 4)
        with Project.open(where, "bert") as other:
            other.merge_codes("stim.praktisch.nabijheid", "stim.praktisch", coder="bert")
        assert await until(pilot, lambda: {c.code_id for c in session.codings} == {"stim.praktisch"})
        await pilot.press("u")
        await pilot.pause()
        message = screen.query_one(StatusLine).message
        assert "niets veranderd: 4 coderingen (" in message and message.count("sindsdien veranderd") == 1
        assert "door bert (code stim.praktisch.nabijheid samengevoegd in Praktische" in message
        assert len(session.codings) == 4


# -- the find screen follows what colleagues do meanwhile ----------------------------------------------------
@sync
async def test_the_find_screen_shows_a_colleagues_search_coding_and_merge_as_they_happen(interviews,
                                                                                        project_location):
    """The find screen's codes column kept what it showed when the search ran: a colleague's ``search
    --code-as`` of the same hits, or her merge of their code, did not show until the screen was left."""
    from codering.store import Project
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.screens.find import FindScreen

    where = str(project_location)
    app = make_app(where, suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("z")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FindScreen)
        for key in ["w", "a", "c", "h", "t", "l", "i", "j", "s", "t", "asterisk", "enter"]:
            await pilot.press(key)
        await pilot.pause()
        table = screen.query_one("#find-table")
        assert table.row_count == 4
        table.move_cursor(row=2)

        def codes() -> list[str]:
            return [str(table.get_row_at(i)[3]) for i in range(table.row_count)]

        assert codes() == [""] * 4
        bert = run_cli("-p", where, "search", "wachtlijst*", "--code-as", "stim.praktisch.nabijheid",
                       env={"CODERING_CODER": "bert"})
        assert bert.returncode == 0, bert.stderr
        assert await until(pilot, lambda: codes() == ["Nabijheid"] * 4)
        merged = run_cli("-p", where, "codebook", "merge", "stim.praktisch.nabijheid", "stim.praktisch",
                         env={"CODERING_CODER": "bert"})
        assert merged.returncode == 0, merged.stderr
        assert await until(pilot, lambda: codes() == ["Praktische (Stimulerende factoren)"] * 4), codes()
        assert table.cursor_row == 2  # the cursor stayed on its hit
        with Project.open(where, "ann") as project:
            assert {c.coder for c in project.codings()} == {"bert"}


# -- agreement with a colleague who only coded a search's hits -----------------------------------------------
def _ann_codes_one_bert_searches(project_location) -> None:
    where = str(project_location)
    from codering.store import Project

    with Project.open(where) as project:
        segment = next(s for s in project.segments("w01_gent") if s.text == "De wachtlijst bij het CAW is lang.")
    coded = run_cli("-p", where, "code", "w01_gent", str(segment.start), str(segment.end), "rem.praktisch",
                    env={"CODERING_CODER": "ann"})
    assert coded.returncode == 0, coded.stderr
    bert = run_cli("-p", where, "search", "wachtlijst*", "--code-as", "rem.praktisch", env={"CODERING_CODER": "bert"})
    assert bert.returncode == 0, bert.stderr


def test_agreement_with_a_coder_who_only_coded_search_hits_says_why_nothing_is_compared(interviews,
                                                                                       project_location):
    """It said "no transcript has codings by all of ann, bert", while both had coded w01_gent: bert's codings
    there came only from ``search --code-as``, which agreement does not read as having worked through it."""
    _ann_codes_one_bert_searches(project_location)
    result = run_cli("-p", str(project_location), "agreement", "ann", "bert")
    assert result.returncode == 1
    said = result.stderr.strip()
    assert said == ("codering: error: nothing to compare: in w01_gent the codings by bert come only from a search "
                    "(--code-as), which does not count as working through it (--whole compares whole transcripts)")
    whole = run_cli("-p", str(project_location), "agreement", "ann", "bert", "--whole", "--format", "csv")
    assert whole.returncode == 0, whole.stderr


@sync
async def test_the_agreement_view_says_in_dutch_why_nothing_is_compared(interviews, project_location):
    """The agreement view showed the command line's English error under its Dutch title."""
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app

    _ann_codes_one_bert_searches(project_location)
    app = make_app(str(project_location), suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("a")
        await pilot.pause()
        assert type(app.screen).__name__ == "AgreementScreen"
        title = str(app.screen.query_one("#agreement-title").render())
        assert title == ("Overeenstemming: niets te vergelijken: in w01_gent komen de coderingen van bert alleen uit "
                         "een zoekopdracht (treffers coderen); dat telt niet als doorwerken")
