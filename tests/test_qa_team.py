"""QA pass over the team workflow: coders on one project (a file, or a project on the session's server),
push and pull between the engines, a colleague removing a transcript, the server going away."""

from __future__ import annotations

import pytest
from test_tui_support import sample_project, sample_template, sync, until  # noqa: F401 - fixtures

from codering.ingest import read_transcript
from codering.store import Project
from codering.store.transfer import copy_project

pytestmark = pytest.mark.backends("sqlite", "postgresql")

OTHER_TEXT = """\
interview_id: T-09
locatie: Ninove

I: Wat is er veranderd?

R: Sinds vorig jaar komen we maandelijks samen met alle partners uit de gemeente, en dat werkt goed.
"""


def _removed_then_moved(source_where, target_where, transcript_file):
    """A coder removes a coding, the transcript is removed, the project is copied to the other engine and
    a new transcript imported there: the copy must not give the new transcript the removed one's id."""
    with Project.open(source_where, "ann") as source:
        name = source.transcripts()[0].name
        segment = [s for s in source.segments(name) if s.role == "respondent"][0]
        coding = source.add_coding(name, segment.start, segment.end, "stim.praktisch", "ann")
        source.remove_coding(coding, "ann")
        removed = source.transcript_id(name)
        source.remove_transcript(name)
        copy_project(source, target_where)
    other = transcript_file.with_name("t09_nieuw.txt")
    other.write_text(OTHER_TEXT, encoding="utf-8")
    with Project.open(target_where, "ann") as target:
        target.import_transcript(read_transcript(other), str(other))
        assert target.transcript_id("t09_nieuw") != removed
        done = target.undo()  # ann's removal: its coding belonged to the removed transcript
        assert "cannot be put back" in done
        assert target.codings() == []  # not put on the newcomer


@pytest.mark.parametrize("direction", ["push", "pull"])
def test_a_removed_transcripts_id_is_not_given_again_after_push_or_pull(direction, tmp_path, small_codebook,
                                                                        transcript_file, pg_url):
    first, second = (tmp_path / "eigen.codering", pg_url) if direction == "push" else (pg_url, tmp_path / "kopie.codering")
    with Project.create(first, small_codebook) as project:
        project.import_transcript(read_transcript(transcript_file), str(transcript_file))
    _removed_then_moved(first, second, transcript_file)


# -- a colleague removes the transcript being coded ------------------------------------------------------------

@pytest.fixture
def team_project(backend, sample_project, request):
    """The sample project (four transcripts, default codebook) as a file, or pushed to the server."""
    if backend == "sqlite":
        return str(sample_project)
    url = request.getfixturevalue("pg_project")("studie")
    with Project.open(sample_project) as source:
        copy_project(source, url)
    return url


def test_a_decision_on_a_transcript_a_colleague_removed_is_refused_in_one_line(team_project):
    from codering.errors import StoreError

    with Project.open(team_project, "ann") as ann, Project.open(team_project, "bob") as bob:
        name = ann.transcripts()[0].name
        tid = ann.transcript_id(name)
        segment = [s for s in ann.segments(tid) if s.role == "respondent"][0]
        ann.content(tid)  # ann has it open (on a server its text is kept)
        bob.remove_transcript(name)
        assert not ann.transcript_exists(tid)
        with pytest.raises(StoreError, match="no longer in the project"):
            ann.record_decision(tid, segment.start, segment.end, "stim.praktisch", True, "ann")
        assert ann.decisions() == [] and ann.history() == []


class OneSuggestion:
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
async def test_the_coding_screen_goes_back_to_the_overview_when_a_colleague_removes_its_transcript(team_project):
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.overview import OverviewScreen

    app = make_app(team_project, suggester=OneSuggestion(), coder="ann", start_model=False)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        name = app.screen.session.name
        await pilot.press("N", "1")  # ann codes
        await pilot.pause()
        with Project.open(team_project, "bob") as bob:
            bob.remove_transcript(name)
        assert await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
        assert any("verwijderd" in n.message for n in app._notifications)
        table = app.screen.query_one("#transcripts")
        assert table.row_count == 3
    with Project.open(team_project) as project:
        assert project.codings() == [] and project.decisions() == []


# -- the server goes away while screens are shown again ---------------------------------------------------------

@sync
async def test_going_back_to_a_screen_while_the_server_is_down_says_so_instead_of_ending_the_app(
        sample_project, pg_server, pg_project):
    """Escape from help to the coding screen and from there to the overview reads the project (not an
    action, so nothing guarded it): with the server gone the app ended with a traceback."""
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.help import HelpScreen
    from codering.tui.screens.overview import OverviewScreen
    from codering.tui.widgets.status import StatusLine

    cluster = pg_server[1]
    if cluster is None:
        pytest.skip("CODERING_TEST_PG points at a server these tests cannot restart")
    url = pg_project("terug")
    with Project.open(sample_project) as source:
        copy_project(source, url)
    app = make_app(url, suggester=OneSuggestion(), coder="ann", start_model=False)
    async with app.run_test(size=(110, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        cluster.stop()
        try:
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CodingScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)
            status = app.screen.query_one(StatusLine)
            assert "verbinding met de server verbroken" in status.message
        finally:
            cluster.start()
        assert await until(pilot, lambda: "hersteld" in status.message, 90)
        assert app.screen.query_one("#transcripts").row_count == 4


# -- a name that is not a codering project, a user without access ------------------------------------------------

def _cli_error(*args: str) -> str:
    from conftest import run_cli

    result = run_cli(*args)
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_a_schema_that_is_not_a_codering_project_is_named_so_by_open_and_by_init(pg_server, pg_project,
                                                                                 small_codebook_file):
    import psycopg

    url = pg_project("iets_anders")
    with psycopg.connect(pg_server[0], autocommit=True) as conn:
        conn.execute("CREATE SCHEMA iets_anders")
        conn.execute("CREATE TABLE iets_anders.gegevens (x integer)")
    opened = _cli_error("-p", url, "stats")
    assert "not a codering project" in opened and "codering init" not in opened  # before: "create it with init"
    made = _cli_error("init", url, "--codebook", str(small_codebook_file))
    assert "not a codering project" in made and "open it with -p" not in made  # before: "open it with -p"


def test_a_user_without_access_to_the_project_is_told_so_not_that_there_is_no_project(pg_server, pg_project,
                                                                                      small_codebook):
    import psycopg

    cluster = pg_server[1]
    if cluster is None:
        pytest.skip("CODERING_TEST_PG: no roles are made on a server these tests do not own")
    url = pg_project("afgeschermd")
    Project.create(url, small_codebook).close()
    with psycopg.connect(pg_server[0], autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS gast")
        conn.execute("CREATE ROLE gast LOGIN")
    try:
        guest = url.replace(f"{cluster.user}@", "gast@")
        assert "no USAGE on its schema" in _cli_error("-p", guest, "stats")
        with psycopg.connect(pg_server[0], autocommit=True) as conn:
            conn.execute("GRANT USAGE ON SCHEMA afgeschermd TO gast")
        assert "does not let this user read project 'afgeschermd'" in _cli_error("-p", guest, "stats")
    finally:
        with psycopg.connect(pg_server[0], autocommit=True) as conn:
            conn.execute("DROP OWNED BY gast")
            conn.execute("DROP ROLE gast")


# -- the connection lost during an import, and the pool's own warnings -------------------------------------------

IMPORT_LOSES_THE_SERVER = """
import sys
from codering.errors import ConnectionLostError
from codering.store.project import Project
real, calls = Project.import_transcript, []
def import_transcript(self, *args, **kwargs):
    calls.append(1)
    if len(calls) == 3:  # the server goes away at the third transcript
        raise ConnectionLostError("127.0.0.1/codering: the connection to the server was lost (terminating "
                                  "connection due to administrator command); nothing of this action was saved; "
                                  "reconnecting")
    return real(self, *args, **kwargs)
Project.import_transcript = import_transcript
from codering.cli.root import main
main(sys.argv[1:])
"""


def test_an_import_cut_off_by_the_server_says_what_was_imported_not_that_nothing_was(pg_url, small_codebook,
                                                                                    tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    Project.create(pg_url, small_codebook).close()
    folder = tmp_path / "interviews"
    folder.mkdir()
    for i in range(1, 5):
        (folder / f"t0{i}.txt").write_text(OTHER_TEXT.replace("maandelijks", f"{i} keer per maand"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", IMPORT_LOSES_THE_SERVER, "-p", pg_url, "import", str(folder)],
                            capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert "\n" not in line and "nothing of this action was saved" not in line and "reconnecting" not in line
    assert "lost during the import at transcript 3 of 4 (t03)" in line
    assert "the transcripts before it are imported" in line
    with Project.open(pg_url) as project:
        assert [t.name for t in project.transcripts()] == ["t01", "t02"]


LOSES_THE_SERVER = """
import sys
from codering.errors import ConnectionLostError
from codering.store import Project
with Project.open(sys.argv[1], "ann") as project:
    name = project.transcripts()[0].name
    print("ready", flush=True)
    sys.stdin.readline()  # the server is stopped meanwhile
    try:
        project.add_coding(name, 0, 5, "stim.praktisch", "ann")
    except ConnectionLostError as exc:
        print("lost", flush=True)
"""


def test_a_lost_server_adds_no_warnings_of_the_connection_pool_to_the_output(pg_url, pg_server, small_codebook,
                                                                           transcript_file):
    import subprocess
    import sys

    cluster = pg_server[1]
    if cluster is None:
        pytest.skip("CODERING_TEST_PG points at a server these tests cannot restart")
    with Project.create(pg_url, small_codebook) as project:
        project.import_transcript(read_transcript(transcript_file), str(transcript_file))
    proc = subprocess.Popen([sys.executable, "-c", LOSES_THE_SERVER, pg_url],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    cluster.stop()
    try:
        out, err = proc.communicate("go\n", timeout=120)
    finally:
        cluster.start()
    assert out.strip() == "lost"
    assert "discarding closed connection" not in err and "error connecting" not in err
    assert err.strip() == ""
