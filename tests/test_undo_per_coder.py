"""Undo and redo are per coder (issue 12): a coder's undo never takes back another coder's work.

Two processes on one SQLite file through the real CLI, two ``Project`` handles
in one test (two connections), the coding session and the Textual app, the
conflict rule (rows changed since by another coder are left alone) and the
upgrade of a project file written before undo was per coder.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from test_tui_support import sample_project, sample_template  # noqa: F401 - fixtures

from codering.store import Project
from codering.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from tests.conftest import SMALL_TRANSCRIPT, run_cli

pytestmark = pytest.mark.backends("sqlite", "postgresql")  # the project fixture on both engines

T = "t01_huisarts"
#: Where the respondent's first answer starts: coded spans typed on the command line must lie in a turn's text.
B = SMALL_TRANSCRIPT.index("Met de huisarts")

CLI_LOOP = textwrap.dedent("""
    import os, subprocess, sys
    path, coder, command, first, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    B = int(sys.argv[6])
    env = {**os.environ, "CODERING_CODER": coder}
    for i in range(first, first + n):
        args = ["code", "t01_huisarts", str(B + 3 * i + 1), str(B + 3 * i + 3), "stim.praktisch"] if command == "code" else [command]
        done = subprocess.run([sys.executable, "-m", "codering", "-p", path, *args], env=env, capture_output=True, text=True)
        if done.returncode != 0 or "Nothing" in done.stdout:
            sys.exit(f"{coder} {command} {i}: {done.stdout} {done.stderr}")
""")


def in_parallel(path, *jobs: tuple[str, str, int, int]) -> None:
    """Run each (coder, command, first, n) in its own process, all at once; each runs the CLI n times."""
    procs = [subprocess.Popen([sys.executable, "-c", CLI_LOOP, str(path), coder, command, str(first), str(n), str(B)],
                              stderr=subprocess.PIPE, text=True) for coder, command, first, n in jobs]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def spans(path, coder: str) -> list[int]:
    with Project.open(path) as p:
        return sorted((c.start - B - 1) // 3 for c in p.codings(T, coder=coder))


def cli_as(coder: str, path, *args: str):
    result = run_cli("-p", str(path), *args, env={"CODERING_CODER": coder})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_three_coders_two_processes_each_undo_only_their_own(loaded_project):
    path = loaded_project.path
    loaded_project.close()
    in_parallel(path, ("anna", "code", 0, 4), ("bert", "code", 10, 4))
    assert spans(path, "anna") == [0, 1, 2, 3] and spans(path, "bert") == [10, 11, 12, 13]

    # a third coder who did nothing has nothing to undo: the others' codings stay (the bug of issue 12)
    assert cli_as("carla", path, "undo").strip() == "Nothing to undo for carla."
    assert cli_as("carla", path, "redo").strip() == "Nothing to redo for carla."
    assert spans(path, "anna") == [0, 1, 2, 3] and spans(path, "bert") == [10, 11, 12, 13]

    # anna undoes twice while bert goes on coding in another process
    in_parallel(path, ("anna", "undo", 0, 2), ("bert", "code", 14, 2))
    assert spans(path, "anna") == [0, 1] and spans(path, "bert") == [10, 11, 12, 13, 14, 15]

    # redo is anna's own; bert's undo takes bert's latest coding, not anna's redone one
    assert cli_as("anna", path, "redo").startswith(f"Redone: code stim.praktisch on t01_huisarts {B + 7}-{B + 9}")
    assert cli_as("bert", path, "undo").startswith(f"Undone: code stim.praktisch on t01_huisarts {B + 46}-{B + 48}")
    assert spans(path, "anna") == [0, 1, 2] and spans(path, "bert") == [10, 11, 12, 13, 14]
    # --coder names the coder as well as CODERING_CODER
    assert cli_as("carla", path, "undo", "--coder", "anna").startswith(f"Undone: code stim.praktisch on t01_huisarts {B + 7}-{B + 9}")
    # uncode --coder picks whose codings go; the removal is the remover's to undo
    assert cli_as("anna", path, "uncode", T, str(B + 31), str(B + 33), "--coder", "bert").startswith("Removed 1 coding")
    assert spans(path, "bert") == [11, 12, 13, 14]
    assert cli_as("anna", path, "undo").strip() == f"Undone: remove 1 coding from t01_huisarts {B + 31}-{B + 33}"
    assert spans(path, "anna") == [0, 1] and spans(path, "bert") == [10, 11, 12, 13, 14]
    with Project.open(path) as p:
        assert p.integrity_ok()
        assert len(p.codings(T)) == 7


@pytest.fixture
def two_coders(loaded_project):
    """anna and bert, each with their own connection to one project file."""
    path = loaded_project.path
    loaded_project.close()
    with Project.open(path, coder="anna") as anna, Project.open(path, coder="bert") as bert:
        yield anna, bert


def test_redo_is_per_coder_and_a_new_action_clears_only_its_coders_redo(two_coders):
    anna, bert = two_coders
    a1 = anna.add_coding(T, 10, 20, "stim.praktisch", "anna")
    a2 = anna.add_coding(T, 30, 40, "stim.praktisch", "anna")
    b1 = bert.add_coding(T, 50, 60, "fin.doorverwijzen", "bert")
    assert anna.undo() == "code stim.praktisch on t01_huisarts 30-40"
    assert anna.undo() == "code stim.praktisch on t01_huisarts 10-20"
    assert bert.undo() == "code fin.doorverwijzen on t01_huisarts 50-60"
    assert anna.codings() == []
    # a new action of bert clears bert's redo only
    b2 = bert.add_coding(T, 70, 80, "fin.doorverwijzen", "bert")
    assert bert.redo() is None
    # anna's redo: what she undid most recently first, under the old ids
    assert anna.redo() == "code stim.praktisch on t01_huisarts 10-20"
    assert anna.redo() == "code stim.praktisch on t01_huisarts 30-40"
    assert anna.redo() is None
    assert sorted(c.id for c in anna.codings()) == [a1, a2, b2]
    assert b1 not in {c.id for c in anna.codings()}
    # the undo argument names a coder on a handle of another (the CLI's --coder)
    assert bert.undo("anna") == "code stim.praktisch on t01_huisarts 30-40"
    assert [e[1] for e in anna.history(coder="bert")] == ["code fin.doorverwijzen on t01_huisarts 70-80"]  # b1's redo is gone


def test_undo_leaves_a_row_another_coder_removed_since_and_says_so(two_coders):
    anna, bert = two_coders
    c = anna.add_coding(T, 10, 20, "stim.praktisch", "anna")
    bert.remove_coding(c)  # journaled as bert's: the handle's coder
    done = anna.undo()
    assert done == (f"code stim.praktisch on t01_huisarts 10-20 (nothing changed: coding {c} was changed since "
                    f"by bert (remove coding {c}))")
    assert anna.codings() == []  # not resurrected, nothing else touched
    assert bert.undo() == f"remove coding {c}"  # bert's own undo still works
    assert [x.id for x in anna.codings()] == [c]
    # the change left alone at undo is left alone at redo: no duplicate, no error
    assert anna.redo().startswith("code stim.praktisch on t01_huisarts 10-20 (nothing changed: coding")
    assert [x.id for x in anna.codings()] == [c]
    assert anna.integrity_ok()


def test_undo_never_overwrites_or_deletes_another_coders_later_edit(two_coders):
    anna, bert = two_coders
    memo = anna.add_memo("eerste gedachte", "anna")
    anna.edit_memo(memo, "tweede gedachte")
    bert.edit_memo(memo, "derde gedachte")
    assert "nothing changed: memo" in anna.undo()  # anna's edit: bert's text stays
    assert [m.text for m in anna.memos()] == ["derde gedachte"]
    assert "was changed since by bert (edit memo" in anna.undo()  # anna's new memo: not deleted, bert edited it
    assert [m.text for m in anna.memos()] == ["derde gedachte"]
    assert anna.undo() is None
    assert bert.undo() == f"edit memo {memo}"
    assert [m.text for m in anna.memos()] == ["tweede gedachte"]


def test_the_rest_of_an_action_is_still_undone_and_redone(two_coders):
    anna, bert = two_coders
    seg = [s for s in anna.segments(T) if s.role == "respondent"][1]
    anna.record_decision(T, seg.start, seg.end, "stim.praktisch", True, "anna", score=0.7)  # decision + coding
    [coding] = anna.codings()
    bert.remove_coding(coding.id)
    assert "left as it is: coding" in anna.undo()
    assert anna.decisions() == [] and anna.codings() == []
    assert "left as it is: coding" in anna.redo()
    assert [(d.code_id, d.accepted) for d in anna.decisions()] == [("stim.praktisch", True)]
    assert anna.codings() == []  # bert's removal holds


def test_rows_whose_transcript_was_removed_since_are_left_and_the_undo_goes_on(two_coders):
    anna, bert = two_coders
    c = anna.add_coding(T, 10, 20, "stim.praktisch", "anna")
    anna.remove_coding(c)
    bert.remove_transcript(T)  # not journaled: takes its codings with it
    assert anna.undo() == f"remove coding {c} (nothing changed: coding {c} cannot be put back: what it belongs to is gone)"
    assert anna.undo() == f"code stim.praktisch on t01_huisarts 10-20 (nothing changed: coding {c} was changed since)"
    assert anna.undo() is None  # never stuck on an action that cannot be taken back whole
    assert anna.codings() == [] and anna.integrity_ok()


def test_an_id_freed_by_an_undo_is_not_given_to_another_coder(two_coders):
    anna, bert = two_coders
    first = anna.add_coding(T, 10, 20, "stim.praktisch", "anna")
    mine = anna.add_coding(T, 30, 40, "stim.praktisch", "anna")
    anna.undo()  # frees the highest id
    theirs = bert.add_coding(T, 50, 60, "fin.doorverwijzen", "bert")
    assert theirs > mine
    assert anna.redo() == "code stim.praktisch on t01_huisarts 30-40"
    assert sorted(c.id for c in anna.codings()) == [first, mine, theirs]


def test_a_coding_session_undoes_only_its_coders_work(loaded_project):
    from codering.coding.session import CodingSession

    path = loaded_project.path
    loaded_project.close()
    with Project.open(path) as shared, Project.open(path, coder="bert") as bert:  # the session's project has no coder
        session = CodingSession(shared, T, None, "anna")
        seg = session.current
        session.apply("stim.praktisch")
        other = next(s for s in shared.segments(T) if s.index != seg.index and s.role == "respondent")
        bert.add_coding(T, other.start, other.end, "fin.doorverwijzen", "bert")
        assert shared.pending_change(coder="anna")[1:] == (seg.start, seg.end)  # where anna's undo will land
        assert shared.pending_change(coder="bert")[1:] == (other.start, other.end)
        assert session.undo() == f"code stim.praktisch on t01_huisarts {seg.start}-{seg.end}"
        assert [(c.coder, c.code_id) for c in shared.codings()] == [("bert", "fin.doorverwijzen")]
        assert session.undo() is None
        assert session.redo() is not None
        assert sorted(c.coder for c in shared.codings()) == ["anna", "bert"]


def test_u_in_the_app_undoes_only_the_apps_coder(sample_project):
    from codering.suggest.base import KeywordSuggester
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen

    async def run() -> None:
        app = make_app(sample_project, suggester=KeywordSuggester(), coder="anna")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.project.coder == "anna"
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CodingScreen)
            await pilot.press("slash", *"nabijheid", "enter")
            await pilot.pause()
            tid = screen.session.tid
            with Project.open(sample_project, coder="bert") as bert:
                seg = [s for s in bert.segments(tid) if s.role == "respondent"][-1]
                bert.add_coding(tid, seg.start, seg.end, "fin.doorverwijzen", "bert")
            await pilot.press("u")
            await pilot.pause()
            assert [(c.coder, c.code_id) for c in app.project.codings()] == [("bert", "fin.doorverwijzen")]
            await pilot.press("u")
            await pilot.pause()
            assert [c.coder for c in app.project.codings()] == ["bert"]

    asyncio.run(run())


def old_project(path):
    """A project file as codering wrote it before undo was per coder (schema 2), with one journaled coding."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in MIGRATIONS[:2]:  # a project file as codering wrote it before undo was per coder
        conn.executescript(sql)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("INSERT INTO codes (id, label, position) VALUES ('stim', 'Stimulans', 0)")
    conn.execute("INSERT INTO transcripts (id, name, content, content_hash, source_format, imported_at, position) "
                 "VALUES (1, 't1', 'Ik werk graag dicht bij de huisarts.', 'h', 'txt', '2026-01-01', 0)")
    row = {"transcript_id": 1, "start": 0, "end": 12, "code_id": "stim", "coder": "ann", "origin": "manual",
           "text": "Ik werk graa", "created": "2026-01-01", "id": 7}
    conn.execute("INSERT INTO codings (id, transcript_id, start, end, code_id, coder, origin, text, created) "
                 "VALUES (7, 1, 0, 12, 'stim', 'ann', 'manual', 'Ik werk graa', '2026-01-01')")
    conn.execute("INSERT INTO suggestions (transcript_id, start, end, code_id, rank, score, reason, model_id, created)"
                 " VALUES (1, 13, 20, 'stim', 0, 0.9, 'lijkt op', 'm', '2026-01-01')")
    conn.execute("INSERT INTO journal (description, ops, coder, created) VALUES (?, ?, NULL, '2026-01-01')",
                 ("code stim on t1 0-12", json.dumps([{"op": "insert", "table": "codings", "row": row}])))
    conn.close()
    return path


OPEN = "import sys\nfrom codering.store import Project\nProject.open(sys.argv[1]).close()"


def test_opening_waits_while_another_connection_holds_the_write_lock_before_the_switch_to_wal(tmp_path):
    # SQLite refuses the switch to write-ahead logging at once (no busy timeout) while another connection
    # holds the write lock, as the other process of the test below does while it upgrades the file.
    import threading

    path = old_project(tmp_path / "oud.codering")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        with Project.open(path) as p:  # waits for the lock instead of "the project is busy"
            assert p.stats()["schema_version"] == SCHEMA_VERSION and [c.id for c in p.codings()] == [7]
    finally:
        release.join()
        other.close()


def test_two_processes_opening_an_old_project_at_once_both_upgrade_it_once(tmp_path):
    path = old_project(tmp_path / "oud.codering")
    procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(path)], stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with Project.open(path) as p:
        assert p.stats()["schema_version"] == SCHEMA_VERSION and [c.id for c in p.codings()] == [7]


def test_upgrading_an_old_project_keeps_its_journal_undoable_by_anyone(tmp_path):
    path = old_project(tmp_path / "oud.codering")
    with Project.open(path, coder="carla") as p:
        assert p.stats()["schema_version"] == SCHEMA_VERSION == 5
        assert [c.id for c in p.codings()] == [7]
        # stored suggestions from before they were per coder: the project-wide set, seen by every coder
        assert p.stored_suggestions("t1") == [(13, 20, "stim", 0, 0.9, "lijkt op", "m")]
        assert p.undo() == "code stim on t1 0-12"  # no coder recorded: whoever asks may undo it
        assert p.codings() == []
        new = p.add_coding("t1", 13, 20, "stim", "carla")
        assert new > 7  # ids are not reused after the upgrade either
        auto = p._conn.execute("SELECT sql FROM sqlite_master WHERE name = 'codings'").fetchone()[0]
        assert "AUTOINCREMENT" in auto
        assert p.integrity_ok()


def test_undoing_a_new_code_someone_has_coded_with_since_leaves_it_and_goes_on(tmp_path, small_codebook):
    """The code's removal failed on the coding that refers to it ("FOREIGN KEY constraint failed") and the
    whole undo with it, every time: the coder's older actions could never be undone again."""
    from codering.codebook import Code
    from codering.store import Project

    with Project.create(tmp_path / "p.codering", small_codebook, coder="tester") as project:
        from codering.ingest import parse_text
        from tests.conftest import SMALL_TRANSCRIPT

        project.import_transcript(parse_text(SMALL_TRANSCRIPT, "t01"))
        edited = project.codebook().get("stim.praktisch").with_changes(label="Praktisch")
        project.update_code(edited)
        project.update_code(Code(id="stim.praktisch.fiets", parent="stim.praktisch", label="Fietsafstand"))
        project.add_coding("t01", 100, 140, "stim.praktisch.fiets", "anna")
        said = project.undo()
        assert said is not None and "cannot be taken out: what was made since uses it" in said
        assert "stim.praktisch.fiets" in project.codebook()
        assert project.undo() is not None  # the older action, the label edit, is undone
        assert project.codebook().get("stim.praktisch").label == "Praktische"


def test_an_undo_after_a_transcript_was_removed_never_lands_on_a_newcomer(two_coders):
    """SQLite gave the next transcript the removed one's id, and undoing an older removal of a coding put
    that coding on the newcomer's text."""
    from codering.ingest import parse_text

    anna, bert = two_coders
    extra = parse_text("I: Vraag?\n\nR: Een antwoord over de huisarts en de wachtlijst.\n", "t02")
    anna.import_transcript(extra)
    seg = [s for s in anna.segments("t02") if s.role == "respondent"][0]
    c = anna.add_coding("t02", seg.start, seg.end, "stim.praktisch", "anna")
    anna.remove_coding(c)
    removed_id = anna.transcript_id("t02")
    anna.remove_transcript("t02")
    anna.import_transcript(parse_text("I: Iets anders?\n\nR: Een heel ander interview, langer dan het eerste.\n",
                                      "t03"))
    assert anna.transcript_id("t03") != removed_id
    assert "what it belongs to is gone" in anna.undo()  # the removal of the coding: its transcript is gone
    assert anna.codings("t03") == []
    assert anna.integrity_ok()


def test_uncode_takes_only_your_own_codings_unless_told(loaded_project):
    """``uncode`` without --coder removed every coder's codings on the span, a colleague's included, and the
    colleague's undo could not bring them back (it is the remover's action). Now only the caller's go; a
    colleague's need --coder or --all-coders, and the refusal names who coded there."""
    path = loaded_project.path
    loaded_project.close()
    span = (str(B + 1), str(B + 3))
    cli_as("anna", path, "code", T, *span, "stim.praktisch")
    cli_as("bert", path, "code", T, *span, "stim.praktisch")
    cli_as("bert", path, "code", T, *span, "rem.praktisch")
    assert cli_as("anna", path, "uncode", T, *span).startswith("Removed 1 coding: stim.praktisch")
    assert spans(path, "anna") == [] and spans(path, "bert") == [0, 0]

    refused = run_cli("-p", str(path), "uncode", T, *span, env={"CODERING_CODER": "anna"})
    assert refused.returncode == 1
    assert "no codings of anna overlap" in refused.stderr and "bert coded there" in refused.stderr
    assert "--all-coders" in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    assert spans(path, "bert") == [0, 0]

    out = cli_as("anna", path, "uncode", T, *span, "--all-coders")
    assert out.startswith("Removed 2 codings") and "(bert)" in out
    assert spans(path, "bert") == []
    assert cli_as("anna", path, "undo").startswith("Undone: remove 2 codings")
    assert spans(path, "bert") == [0, 0]
    both = run_cli("-p", str(path), "uncode", T, *span, "--coder", "bert", "--all-coders")
    assert both.returncode == 2 and "exclude each other" in both.stderr
