"""The UI on a project that other coders change at the same time (issue 12): live view and faults.

Pilot drives the real app; the other coder is a second connection (another
``Project``), on a project file and on a project on the session's server.
"""

from __future__ import annotations

import time


import pytest
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SIZE = (110, 30)



@pytest.fixture
def team_project(backend, sample_project, request):
    """The sample project (four transcripts, default codebook) as a file, or pushed to the server."""
    if backend == "sqlite":
        return str(sample_project)
    from codering.store.transfer import copy_project

    url = request.getfixturevalue("pg_project")("studie")
    with Project.open(sample_project) as source:
        copy_project(source, url)
    return url


@sync
async def test_the_overview_shows_another_coders_codings_as_they_arrive(team_project):
    app = make_app(team_project, suggester=KeywordSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        table = app.screen.query_one("#transcripts")
        column = list(table.columns).index("coded")
        assert table.get_row_at(0)[column] == "0%"
        table.move_cursor(row=2)
        with Project.open(team_project, "bob") as other:  # another coder, another connection
            name = other.transcripts()[0].name
            for segment in [s for s in other.segments(name) if s.role != "interviewer"][:20]:
                other.add_coding(name, segment.start, segment.end, "stim.praktisch", "bob")
        assert await until(pilot, lambda: table.get_row_at(0)[column] != "0%")
        assert table.cursor_row == 2  # the cursor stayed where the researcher left it


class AlwaysSuggester:
    """Suggests one code everywhere (the engine is tested elsewhere; here the server goes away)."""

    model_id = "always"
    ready = True

    def prepare(self, project, progress=None, cancelled=lambda: False) -> None:
        pass

    def suggest(self, project, transcript, start, end, k=3):
        from codering.suggest.base import Suggestion

        return [Suggestion("stim.praktisch.nabijheid", 0.9, "lijkt op: altijd", "example")]

    def observe(self, project) -> None:
        pass


@sync
async def test_a_decision_made_while_the_server_restarts_is_kept_and_saved_after_reconnecting(
        sample_project, pg_server, pg_project):
    from codering.store.transfer import copy_project
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.widgets.status import StatusLine

    cluster = pg_server[1]
    if cluster is None:
        pytest.skip("CODERING_TEST_PG points at a server these tests cannot restart")
    url = pg_project("herstart")
    with Project.open(sample_project) as source:
        copy_project(source, url)
    app = make_app(url, suggester=AlwaysSuggester(), coder="ann", start_model=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)
        session = screen.session
        await pilot.press("N")
        span, tid = session.span, session.tid
        status = screen.query_one(StatusLine)
        cluster.stop()  # the server goes away mid-session
        try:
            # idle, the status line notices by itself
            assert await until(pilot, lambda: "verbinding met de server verbroken" in status.message, 20)
            await pilot.press("1")  # accept: the server does not get it
            await pilot.pause()
            assert "verbroken" in status.message and "nog niet bewaard" in status.message
            assert session.span == span  # the cursor waits with the decision
            await pilot.press("j")  # other keys wait too: the retry must find the screen as it was
            assert session.span == span
        finally:
            cluster.start()
        assert await until(pilot, lambda: "bewaard" in status.message and "nog niet" not in status.message, 90)
    with Project.open(url) as project:
        decisions = [(d.transcript_id, d.start, d.end, d.code_id, d.accepted, d.coder) for d in project.decisions()]
        assert decisions == [(tid, *span, "stim.praktisch.nabijheid", True, "ann")]
        assert [(c.start, c.end) for c in project.codings(tid, coder="ann")] == [span]


@sync
async def test_the_export_preview_and_the_agreement_view_follow_another_coder(team_project):
    app = make_app(team_project, suggester=KeywordSuggester(), coder="ann", start_model=False)
    with Project.open(team_project, "ann") as mine:  # ann has coded a few sentences already
        name = mine.transcripts()[0].name
        sentences = [s for s in mine.segments(name) if s.role != "interviewer"][:6]
        for s in sentences[:3]:
            mine.add_coding(name, s.start, s.end, "stim.praktisch.nabijheid", "ann")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("e")
        await pilot.pause()
        await app.workers.wait_for_complete()

        def preview() -> str:
            return str(app.screen.query_one("#export-text").render())

        assert "Nabijheid" in preview() and "Gemeenschappelijk doel" not in preview()
        with Project.open(team_project, "bob") as other:
            other.add_coding(name, sentences[4].start, sentences[4].end, "stim.inhoud.gemeenschappelijk_doel", "bob")
        assert await until(pilot, lambda: "Gemeenschappelijk doel" in preview())
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("a")  # the agreement view: ann and bob
        await pilot.pause()
        await app.workers.wait_for_complete()  # its figures are computed in a thread
        await pilot.pause()
        title = app.screen.query_one("#agreement-title")
        assert "κ" in str(title.render())
        before = str(title.render())
        with Project.open(team_project, "bob") as other:
            for s in sentences[:3]:
                other.add_coding(name, s.start, s.end, "stim.praktisch.nabijheid", "bob")
        assert await until(pilot, lambda: str(title.render()) != before)


@sync
async def test_live_reloads_of_the_agreement_view_wait_while_colleagues_keep_coding(team_project, monkeypatch):
    """The agreement view reloads on the event loop; on a big project that took 1-2 s, again at each
    colleague's coding, so the screen never answered. A live reload now waits until it costs at most
    ``LIVE_SHARE`` of the time since the last one, and the waiting ones become one; the coder's own
    actions reload at once. (The last reload's cost is set to 1 s here, as on a big project.)"""
    import codering.tui.screens.agreement as screen_module

    monkeypatch.setattr(screen_module, "LIVE_SHARE", 0.5)  # a cost of 1 s: the next live reload after 2 s
    app = make_app(team_project, suggester=KeywordSuggester(), coder="ann", start_model=False)
    with Project.open(team_project, "ann") as mine:
        name = mine.transcripts()[0].name
        sentences = [s for s in mine.segments(name) if s.role != "interviewer"][:8]
        for s in sentences[:3]:
            mine.add_coding(name, s.start, s.end, "stim.praktisch.nabijheid", "ann")
    with Project.open(team_project, "bob") as other:
        other.add_coding(name, sentences[0].start, sentences[0].end, "stim.praktisch.nabijheid", "bob")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, screen_module.AgreementScreen) and screen.report is not None
        reloads = []
        real = screen._reload
        monkeypatch.setattr(screen, "_reload", lambda: (reloads.append(time.monotonic()), real()))
        assert [d.unit.text for d in screen.items] == [s.text for s in sentences[1:3]]
        screen._last_cost, screen._last_reload = 1.0, time.monotonic()
        first = time.monotonic()
        with Project.open(team_project, "bob") as other:
            for s in sentences[1:4]:  # three codings, a live check between each
                other.add_coding(name, s.start, s.end, "stim.praktisch.nabijheid", "bob")
                await pilot.pause(0.3)
        assert reloads == [] and screen._live_timer is not None  # waiting, not reloading
        assert await until(pilot, lambda: len(reloads) == 1, seconds=5)
        assert reloads[0] - first >= 1.9
        await pilot.pause(0.5)
        assert len(reloads) == 1  # the three became one
        assert [d.unit.text for d in screen.items] == [sentences[3].text]  # bob's codings are in
        screen._last_cost, screen._last_reload = 1.0, time.monotonic()
        await pilot.press("r")  # the coder's own action (show the resolved ones too) reloads at once
        await pilot.pause()
        assert len(reloads) == 2 and screen._live_timer is None
