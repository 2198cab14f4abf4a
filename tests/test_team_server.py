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
