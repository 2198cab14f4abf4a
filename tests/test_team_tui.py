"""The UI on a project that other coders change at the same time (issue 12): live view and faults.

Pilot drives the real app; the other coder is a second connection (another
``Project``), on a project file and on a project on the session's server.
"""

from __future__ import annotations

import asyncio
import functools

import pytest
from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.store import Project
from codering.suggest.base import KeywordSuggester
from codering.tui.app import make_app

pytestmark = pytest.mark.backends("sqlite", "postgresql")

SIZE = (110, 30)


def sync(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run


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


async def until(pilot, condition, seconds: float = 15.0) -> bool:
    for _ in range(int(seconds / 0.1)):
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


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
