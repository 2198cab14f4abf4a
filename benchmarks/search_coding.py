"""Benchmark ``codering search --code-as``: coding 500 hits of a text search as one action, and its undo.

Builds the 35 × 8,000-word generated corpus (``import_corpus.py``) with synthetic
codings (``combine_speed.py``), searches it, and times, per round: deciding what
to code (``plan_hit_coding``: the coder's codings read once, each hit checked),
coding ``--hits`` hits with a code (``code_hits``: one journaled action), and
``undo`` of that action (so every round codes the same hits afresh). The search
itself is ``benchmarks/text_search.py``. Medians over ``--rounds``.

``--server``: the same on PostgreSQL, a throw-away cluster (tests/pgcluster.py,
fsync on) or ``--url postgresql://USER@HOST:PORT/DB``.

Run: .venv/bin/python benchmarks/search_coding.py [--hits 500] [--rounds 5] [--server] [--url URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from combine_speed import CODER, build  # noqa: E402

from codering.coding.textsearch import code_hits, plan_hit_coding, search_project  # noqa: E402

CODE = "rem.organisatorisch.wachtlijsten"


def rounds_on(label: str, where: str, args) -> None:
    t0 = time.perf_counter()
    project, respondent = build(where, args)
    print(f"{label}: {args.transcripts} transcripts x {args.words} words, {respondent} respondent sentences, "
          f"{len(project.codings())} codings [{time.perf_counter() - t0:.1f} s to build]")
    query = next(q for q in ("samenwerk*", "de", "het") if len(search_project(project, q)) >= args.hits)
    found = search_project(project, query)
    hits = found[::len(found) // args.hits][:args.hits]  # spread over the transcripts
    mine = len(project.codings(coder=CODER))
    print(f"  query {query!r}: {len(found)} hits, {len(hits)} of them coded, in "
          f"{len({h.transcript_id for h in hits})} transcripts, by a coder with {mine} codings; "
          f"load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    planned, coded, undone = [], [], []
    for _ in range(args.rounds):
        a = time.perf_counter()
        plan = plan_hit_coding(project, hits, CODE, CODER)
        b = time.perf_counter()
        n = code_hits(project, plan, CODER, query)
        c = time.perf_counter()
        project.undo(CODER)
        d = time.perf_counter()
        assert n == len(hits) - len(plan.already) and len(project.codings(coder=CODER)) == mine
        planned.append((b - a) * 1000)
        coded.append((c - b) * 1000)
        undone.append((d - c) * 1000)
    print(f"  {len(plan.already)} of the hits already had the code")
    for what, times in (("plan", planned), ("code (one action)", coded), ("undo", undone)):
        print(f"  {what:18} median {statistics.median(times):7.0f} ms   max {max(times):7.0f} ms   "
              f"({statistics.median(times) / len(hits):.2f} ms a hit)")
    project.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=20000)
    parser.add_argument("--server", action="store_true", help="also on PostgreSQL (a throw-away cluster)")
    parser.add_argument("--url", help="a PostgreSQL database to use instead of a throw-away cluster")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rounds_on("SQLite (file)", str(Path(tmp) / "bench.codering"), args)
    if not (args.server or args.url):
        return
    from codering.store.location import locate
    from codering.store.pg import drop_project

    cluster, base = None, args.url
    if base is None:
        from tests.pgcluster import Cluster

        cluster = Cluster.start_new(durable=True)
        base = cluster.url
    server = f"{base}{'&' if '?' in base else '?'}project=bench_{os.getpid()}"
    try:
        rounds_on("PostgreSQL (loopback)", server, args)
    finally:
        try:
            drop_project(locate(server))
        finally:
            if cluster is not None:
                cluster.destroy()


if __name__ == "__main__":
    main()
