"""Benchmark ``codering search``: finding words in every sentence of a big project.

Builds the 35 × 8,000-word generated corpus (``import_corpus.py``) with synthetic
codings (``combine_speed.py``), then times ``search_project`` (the command's and
the overview's search: reading every transcript's text, segments and codings,
folding the text and matching) for a few queries, and the coding screen's
search in one transcript (``find_in_segments``, text and segments already read).
Prints medians over ``--rounds``; CPU time beside wall time.

Run: .venv/bin/python benchmarks/text_search.py [--transcripts 35] [--words 8000] [--codings 20000] [--rounds 7]
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

from combine_speed import build  # noqa: E402

from codering.coding.textsearch import find_in_segments, parse_query, search_project  # noqa: E402

QUERIES = ["wachtlijst", "samenwerk*", "cliënt vertrouwen", '"ja nee"', "coordinatie"]


def timed(fn, rounds: int) -> tuple[float, float, object]:
    wall, cpu, result = [], [], None
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return statistics.median(wall), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project, respondent = build(Path(tmp) / "bench.codering", args)
        segments = sum(t.segments for t in project.transcripts())
        print(f"project: {args.transcripts} transcripts x {args.words} words, {segments} segments "
              f"({respondent} respondent sentences), {len(project.codings())} codings "
              f"[{time.perf_counter() - t0:.1f} s to build]")
        print(f"load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores); "
              f"medians of {args.rounds}")
        for query in QUERIES:
            wall, cpu, hits = timed(lambda: search_project(project, query), args.rounds)
            print(f"  search {query!r:22} {len(hits):6} hits   {wall:7.1f} ms wall  {cpu:7.1f} ms CPU")
        wall, cpu, hits = timed(lambda: search_project(project, "samenwerk*", with_interviewer=True,
                                                       code="stim"), args.rounds)
        print(f"  search 'samenwerk*' --with-interviewer --code stim: {len(hits)} hits   {wall:.1f} ms wall")
        first = project.transcripts()[0]
        content, segs = project.content(first.id), project.segments(first.id)
        q = parse_query("wachtlijst")
        wall, cpu, found = timed(lambda: find_in_segments(q, content, segs), args.rounds)
        print(f"  one transcript on the coding screen ({len(segs)} segments): {len(found)} hits   "
              f"{wall:.2f} ms wall")


if __name__ == "__main__":
    main()
