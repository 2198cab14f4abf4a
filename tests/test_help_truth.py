"""Pilot tests that the coding screen's main keys do what their tooltips (the help screen's third column)
say: each test presses the key where it applies and names the tooltip it checks.

A scripted suggester makes the suggestion list known in advance: every sentence gets one likely suggestion
(■) and two alternatives (□)."""

from __future__ import annotations

from test_tui_app import ready
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import Suggestion
from codering.tui.app import make_app
from codering.tui.screens.coding import CodingScreen
from codering.tui.screens.overview import OverviewScreen
from codering.tui.widgets.status import StatusLine
from codering.tui.widgets.transcript import TranscriptView
from codering.wording import readable

SIZE = (120, 36)
LIKELY, OTHER, THIRD = "stim.praktisch.nabijheid", "stim.persoonlijk", "ctx.markt"


class ScriptedSuggester:
    """The same list everywhere: one likely suggestion and two alternatives."""

    model_id = "scripted"
    ready = True

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        pass

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion(LIKELY, 0.9, "lijkt op: script"), Suggestion(OTHER, 0.3, "alternatief", likely=False),
                Suggestion(THIRD, 0.2, "alternatief", likely=False)][:k]

    def observe(self, project) -> None:
        pass


def tooltip(binding_id: str) -> str:
    """The help screen's explanation of a coding-screen key (the tooltip under test)."""
    return next(b.tooltip for b in CodingScreen.BINDINGS if b.id == binding_id)


async def coding(app, pilot) -> CodingScreen:
    await ready(app, pilot)
    await pilot.press("enter")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, CodingScreen)
    return screen


def shown(screen: CodingScreen) -> list[str]:
    return [s.code_id for s in screen.session.suggestions()]


def codes_here(screen: CodingScreen) -> list[str]:
    return sorted(c.code_id for c in screen.session.codings_here())


def decisions(path):
    with Project.open(path, "reader") as project:
        return project.decisions(coder="tester")


def said(screen: CodingScreen) -> str:
    return screen.query_one(StatusLine).message


@sync
async def test_digits_tab_enter_and_x_do_what_their_tooltips_say(sample_project):
    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await coding(app, pilot)
        s = screen.session
        first = s.first

        assert "De volgende suggestie aanduiden (▶)" in tooltip("coding.highlight_next")
        await pilot.press("tab", "tab")
        assert screen.highlight == 2
        assert "De vorige suggestie aanduiden (▶)" in tooltip("coding.highlight_prev")
        await pilot.press("shift+tab")
        assert screen.highlight == 1

        assert tooltip("coding.accept_highlighted") == "De aangeduide suggestie (▶) aanvaarden"
        await pilot.press("enter")
        await pilot.pause()
        assert codes_here(screen) == [OTHER]  # the highlighted one, not the first
        assert s.first == first  # the likely one is still open here: the cursor stays

        assert tooltip("coding.reject").startswith("Wijs de aangeduide suggestie (▶) af; de cursor blijft")
        await pilot.press("tab", "x")  # ▶ on the third shown: the alternative THIRD
        await pilot.pause()
        assert shown(screen) == [LIKELY] and s.first == first  # the likely one is still open
        await pilot.press("x")  # the last one here: nothing open is left, the cursor moves on
        await pilot.pause()
        assert s.first > first and "→ segment" in said(screen)
        assert [d.code_id for d in decisions(sample_project) if not d.accepted] == [THIRD, LIKELY]

        assert "Aanvaard suggestie 1 (2-9: de andere)" in tooltip("coding.accept")
        assert "staat hier geen waarschijnlijke suggestie meer open, dan gaat de cursor verder" in tooltip(
            "coding.accept")
        here = s.first
        await pilot.press("3")  # an alternative: the likely one holds the cursor
        await pilot.pause()
        assert codes_here(screen) == [THIRD] and s.first == here
        await pilot.press("1")  # the likely one: only an alternative is left, the cursor moves on
        await pilot.pause()
        assert s.first > here
        await pilot.press("k")
        assert codes_here(screen) == sorted([LIKELY, THIRD])


@sync
async def test_a_and_X_and_the_undo_keys_do_what_their_tooltips_say(sample_project):
    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await coding(app, pilot)
        s = screen.session
        first = s.first

        assert tooltip("coding.accept_all").startswith("Aanvaard alle waarschijnlijke suggesties (■) in één keer")
        assert "de gedimde alternatieven (□) blijven open" in tooltip("coding.accept_all")
        await pilot.press("a")
        await pilot.pause()
        assert s.first > first, "a: 'daarna verder'"
        await pilot.press("k")
        assert codes_here(screen) == [LIKELY]
        assert shown(screen) == [OTHER, THIRD]  # not rejected: still open

        assert tooltip("coding.reject_all").startswith("Alle getoonde suggesties afwijzen en verder")
        await pilot.press("X")
        await pilot.pause()
        assert s.first > first and {(c, False) for c in (OTHER, THIRD)} <= {
            (d.code_id, d.accepted) for d in decisions(sample_project)}
        await pilot.press("k")
        assert shown(screen) == []
        assert "zonder suggesties: 'niets hier' en verder" in tooltip("coding.reject_all")
        await pilot.press("X")
        await pilot.pause()
        assert said(screen).startswith("niets hier") and s.first > first

        assert tooltip("coding.undo").startswith("Je laatste actie ongedaan maken")
        await pilot.press("u")  # X with nothing shown saved nothing: u takes back the X before it
        await pilot.pause()
        assert s.first == first and shown(screen) == [OTHER, THIRD]
        assert said(screen).startswith("ongedaan gemaakt: ✗ 2 suggesties")
        assert tooltip("coding.redo") == "Opnieuw doen wat je ongedaan maakte"
        await pilot.press("U")
        await pilot.pause()
        assert shown(screen) == [] and said(screen).startswith("opnieuw gedaan: ✗ 2 suggesties")
        await pilot.press("u", "u")  # then the accept of a: one suggestion, said in the singular
        await pilot.pause()
        assert said(screen).startswith("ongedaan gemaakt: ✓ 1 suggestie") and "suggesties" not in said(screen)
        assert codes_here(screen) == []


def test_the_undo_of_one_suggestion_reads_in_the_singular():
    assert readable("accept 1 suggestions") == "✓ 1 suggestie"
    assert readable("reject 1 suggestions") == "✗ 1 suggestie"
    assert readable("reject 3 suggestions") == "✗ 3 suggesties"


@sync
async def test_moving_keys_do_what_their_tooltips_say(sample_project):
    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await coding(app, pilot)
        s = screen.session
        role = [seg.role for seg in s.segments]
        turn = [seg.turn for seg in s.segments]
        first = s.first

        assert "interviewerbeurten slaat de cursor over, tenzij i" in tooltip("coding.next")
        visited = [s.first]
        for _ in range(8):
            await pilot.press("j")
            visited.append(s.first)
        assert all(role[i] != "interviewer" for i in visited) and visited == sorted(visited)
        assert any(b > a + 1 for a, b in zip(visited, visited[1:]))  # an interviewer turn was passed
        assert tooltip("coding.prev").startswith("Naar de vorige zin")
        await pilot.press("k")
        assert s.first == visited[-2]

        while s.first != first:
            await pilot.press("k")
        assert tooltip("coding.next_turn") == "Naar de eerste zin van de volgende beurt"
        await pilot.press("J")
        assert turn[s.first] != turn[first] and (s.first == 0 or turn[s.first - 1] != turn[s.first])
        assert tooltip("coding.prev_turn") == "Naar de eerste zin van de vorige beurt"
        await pilot.press("K")
        assert s.first == first

        assert tooltip("coding.extend").startswith("De volgende zin bij de selectie nemen")
        assert "niet voorbij het einde van de beurt, tenzij i" in tooltip("coding.extend")
        for _ in range(len(s.segments)):
            await pilot.press("shift+down")
        end = s.last
        assert end > s.first and all(turn[i] == turn[first] for i in range(first, end + 1))
        assert "einde van de beurt" in said(screen)
        assert tooltip("coding.shrink").startswith("De laatste zin van de selectie weer loslaten")
        await pilot.press("shift+up")
        assert s.last == end - 1 and s.first == first

        # k right after a decision on several sentences selects them again
        assert "meer zinnen of een deel van een zin: die selectie opnieuw" in tooltip("coding.prev")
        await pilot.press("1")
        await pilot.pause()
        assert s.first > end - 1
        await pilot.press("k")
        assert (s.first, s.last) == (first, end - 1)


@sync
async def test_n_and_N_do_what_their_tooltips_say(sample_project):
    with Project.open(sample_project, "tester") as project:
        tid = project.transcripts()[0].id
        segs = [x for x in project.segments(tid) if x.role == "respondent"]
        for seg in segs[1:4]:  # the second to fourth respondent sentences coded already
            project.add_coding(tid, seg.start, seg.end, THIRD, "tester", origin="manual")
    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await coding(app, pilot)
        s = screen.session
        assert s.current.start == segs[0].start

        assert tooltip("coding.next_uncoded").startswith("Naar de volgende zin zonder code")
        assert "niet als 'geen code'" in tooltip("coding.next_uncoded")
        await pilot.press("n")
        assert s.current.start == segs[4].start
        jumped = {i for i, seg in enumerate(s.segments)
                  if seg.role == "respondent" and segs[0].end <= seg.start < segs[4].start}
        assert jumped and jumped <= s.skipped  # recorded as jumped over, not as seen without a code

        assert tooltip("coding.next_suggested") == (
            "Naar de volgende zin met een waarschijnlijke suggestie die nog open staat")
        await pilot.press("k", "k", "k", "k")
        assert s.current.start == segs[0].start
        await pilot.press("x")  # the alternatives stay, the likely one is rejected on the first sentence
        await pilot.press("N")  # sentences 2-4: THIRD is applied, LIKELY is still open there
        assert s.current.start == segs[1].start


@sync
async def test_d_removes_a_coding_as_its_tooltip_says(sample_project):
    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        screen = await coding(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        assert codes_here(screen) == [OTHER]
        assert tooltip("coding.remove").startswith("Een code van de selectie weghalen")
        assert "ze wordt hier dan niet meer voorgesteld" in tooltip("coding.remove")
        await pilot.press("d")
        await pilot.pause()
        assert codes_here(screen) == [] and OTHER not in shown(screen)
        assert said(screen).startswith("− ")
        await pilot.press("2", "1", "k")  # two codes here (1 moved on, k comes back): d asks which
        await pilot.pause()
        assert len(codes_here(screen)) == 2
        await pilot.press("d")
        await pilot.pause()
        assert type(app.screen).__name__ == "ChoiceDialog"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen and len(codes_here(screen)) == 1


@sync
async def test_escape_after_a_search_and_escape_back_do_what_its_tooltip_says(sample_project):
    from codering.tui.screens.find import FindScreen

    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("z")
        await pilot.pause()
        find = app.screen
        assert isinstance(find, FindScreen)
        await pilot.press(*"huisarts", "enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        view = screen.query_one(TranscriptView)

        assert "na een tekstzoekopdracht haalt de eerste Esc de treffers weg" in tooltip("coding.back")
        await pilot.press("f", *"huisarts", "enter")
        await pilot.pause()
        assert view._found and said(screen).startswith("treffer ")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and view._found == []

        assert tooltip("coding.back").startswith("Terug naar het scherm ervoor")
        await pilot.press("escape")  # opened from the find list: back to it, not to the overview
        await pilot.pause()
        assert app.screen is find and not isinstance(app.screen, OverviewScreen)


@sync
async def test_s_on_the_review_first_hides_the_subcodes_as_its_tooltip_says(sample_project):
    from codering.tui.screens.review import ReviewScreen

    app = make_app(sample_project, suggester=ScriptedSuggester(), coder="tester")
    async with app.run_test(size=SIZE) as pilot:
        await coding(app, pilot)
        await pilot.press("1", "k", "r")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ReviewScreen) and review.code_id == LIKELY
        tip = next(b.tooltip for b in ReviewScreen.BINDINGS if b.id == "review.subcodes")
        assert tip.startswith("De fragmenten van de subcodes verbergen of weer tonen (eerst staan ze erbij)")
        assert review.include_subcodes
        await pilot.press("s")
        assert not review.include_subcodes
