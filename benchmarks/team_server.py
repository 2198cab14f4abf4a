"""Benchmark: a team on one project, PostgreSQL on loopback beside a project file (SQLite).

1. Import the 35 x 8,000-word corpus (the generator of import_corpus.py) into
   a new project: read + segment once, then the write into each engine.
2. 8 simulated coders, each its own process with its own connection, start at
   the same moment and make 200 decisions each as fast as they can: accept the
   top suggestion of a respondent sentence (the decision and its coding, one
   transaction), then what the coding screen does with the store after it
   (read the transcript's codings again, save the cursor position). Decisions
   per second overall; p50/p99/max latency of the decision transaction alone
   and of the whole round. The suggestions themselves are not computed here
   (the engine's speed is benchmarks/ui_speed.py): this is what the server
   adds.

Without --url the script starts a throw-away cluster (tests/pgcluster.py,
fsync on, as a real server) and removes it afterwards.
Run: .venv/bin/python benchmarks/team_server.py [--url postgresql://USER@HOST:PORT/DB] [--coders 8]
     [--decisions 200] [--transcripts 35] [--words 8000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

CODES = ["stim.praktisch.nabijheid", "stim.inhoud", "rem.organisatorisch", "fin.doorverwijzen", "ctx.netwerk"]


def coder(where: str, name: str, n: int, start_at: float, seed: int) -> tuple[list[float], list[float], float, float]:
    """One coder: ``n`` decisions on respondent sentences; returns (decision latencies, round latencies, in s;
    first start, last end)."""
    from codering.store import Project

    rng = random.Random(seed)
    with Project.open(where, name) as project:
        transcripts = [t.name for t in project.transcripts()]
        mine = transcripts[seed % len(transcripts)]
        spans = [(s.start, s.end) for s in project.segments(mine) if s.role != "interviewer"][:n]
        project.codebook()
        while time.time() < start_at:
            time.sleep(0.001)
        tid = project.transcript_id(mine)
        decisions, rounds = [], []
        began = time.perf_counter()
        for i, (start, end) in enumerate(spans):
            code = rng.choice(CODES)
            t0 = time.perf_counter()
            project.record_decision(tid, start, end, code, True, name, score=0.8, model_id="bench")
            t1 = time.perf_counter()
            project.codings(tid)
            project.set_setting(f"tui.cursor.{name}.{tid}", str(i + 1))
            t2 = time.perf_counter()
            decisions.append(t1 - t0)
            rounds.append(t2 - t0)
        return decisions, rounds, began, time.perf_counter()


def team(where: str, coders: int, decisions: int) -> dict:
    start_at = time.time() + 4.0  # every process has started and opened the project by then
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(coders) as pool:
        results = pool.starmap(coder, [(where, f"coder{i}", decisions, start_at, i) for i in range(coders)])
    wall = max(r[3] for r in results) - min(r[2] for r in results)  # perf_counter is system-wide on Linux
    out: dict = {"wall": wall}
    for key, index in (("decision", 0), ("round", 1)):
        latencies = sorted(x for r in results for x in r[index])
        out[key] = (statistics.median(latencies) * 1000, latencies[int(0.99 * (len(latencies) - 1))] * 1000,
                    latencies[-1] * 1000)
        out["decisions"] = len(latencies)
    out["per_s"] = out["decisions"] / wall
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a PostgreSQL database to use (default: a throw-away cluster)")
    parser.add_argument("--coders", type=int, default=8)
    parser.add_argument("--decisions", type=int, default=200)
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    args = parser.parse_args()

    from import_corpus import transcript

    from codering.codebook import default_codebook_path, load_codebook
    from codering.ingest.plan import plan_import
    from codering.store import Project
    from codering.store.pg import drop_project
    from codering.store.location import locate

    cluster = None
    base = args.url
    if base is None:
        from tests.pgcluster import Cluster

        cluster = Cluster.start_new(durable=True)
        base = cluster.url
    server = f"{base}{'&' if '?' in base else '?'}project=bench_{os.getpid()}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            rng = random.Random(7)
            for i in range(args.transcripts):
                (folder / f"bench{i:02d}.txt").write_text(transcript(i, args.words, rng), encoding="utf-8")
            codebook = load_codebook(default_codebook_path())
            t0 = time.perf_counter()
            plan = plan_import([folder])
            read = time.perf_counter() - t0
            print(f"corpus: {args.transcripts} transcripts x {args.words} words; read + segment {read:.1f} s")
            load = os.getloadavg()
            print(f"load average before: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
            for label, where in (("PostgreSQL (loopback)", server), ("SQLite (file)", str(Path(tmp) / "b.codering"))):
                t1 = time.perf_counter()
                with Project.create(where, codebook) as project:
                    plan.apply(project, coder="bench")
                    segments = project.stats()["segments"]
                write = time.perf_counter() - t1
                print(f"{label}: import write {write:.1f} s ({segments} segments; with read + segment "
                      f"{read + write:.1f} s, target 30 s)")
                figures = team(where, args.coders, args.decisions)
                print(f"{label}: {args.coders} coders x {args.decisions} decisions at once: "
                      f"{figures['decisions']} in {figures['wall']:.2f} s = {figures['per_s']:.0f} decisions/s")
                for key, what in (("decision", "the decision transaction"),
                                  ("round", "with re-reading the codings and saving the cursor")):
                    p50, p99, top = figures[key]
                    print(f"  {what}: p50 {p50:.1f} ms, p99 {p99:.1f} ms (target 50 ms), max {top:.1f} ms")
                with Project.open(where) as project:
                    assert len(project.decisions()) == args.coders * args.decisions, "decisions lost"
            load = os.getloadavg()
            print(f"load average after: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    finally:
        try:
            drop_project(locate(server))
        finally:
            if cluster is not None:
                cluster.destroy()


if __name__ == "__main__":
    main()
