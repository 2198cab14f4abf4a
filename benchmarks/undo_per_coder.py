"""Benchmark: what per-coder undo costs on a project with a long journal of several coders.

Builds a project with the sample transcripts and a journal of ``--actions``
codings made by three coders in turn (each one journaled action), then times
through the store API, in this process:

- one new action of one coder (a coding; it also clears that coder's redo),
- one undo of that coder (their latest action among everyone's),
- one redo,
- the undo of a coder who has done nothing (scans the whole journal and finds nothing),
- an undo whose row another coder changed since (the conflict rule looks up who changed it).

Prints p50 and p99 in milliseconds. Figures depend on the machine and its load.

Run: .venv/bin/python benchmarks/undo_per_coder.py [--actions 30000] [--repeat 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
CODERS = ("anna", "bert", "carla")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def show(name: str, ms: list[float]) -> None:
    ms = sorted(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(f"{name:<46} p50 {statistics.median(ms):7.2f} ms   p99 {p99:7.2f} ms   (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=30000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    from codering.codebook import default_codebook_path, load_codebook
    from codering.ingest.plan import plan_import
    from codering.store import Project

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.codering"
        with Project.create(path, load_codebook(default_codebook_path())) as project:
            plan_import([ROOT / "transcripts"]).apply(project, coder="import")
            segments = [s for t in project.transcripts() for s in project.segments(t.id) if s.role == "respondent"]
            codable = [c.id for c in project.codebook() if c.codable]
            codes, extra = codable[:20], codable[-1]  # the timed codings use a code the journal does not
            built = time.perf_counter()
            for i in range(args.actions):
                seg = segments[i % len(segments)]
                project.add_coding(seg.transcript_id, seg.start, seg.end, codes[i // len(segments) % len(codes)],
                                   CODERS[i % 3])
            print(f"journal of {args.actions} actions by {len(CODERS)} coders built in "
                  f"{time.perf_counter() - built:.1f} s")

        with Project.open(path, coder="anna") as anna, Project.open(path, coder="dirk") as dirk:
            free = iter(segments[len(segments) // 2:] * 50)

            def act() -> None:
                seg = next(free)
                anna.add_coding(seg.transcript_id, seg.start, seg.end, extra, "anna")

            show("new action (a coding, clears own redo)", timed(act, args.repeat))
            show("undo (own latest action)", timed(anna.undo, args.repeat))
            show("redo", timed(anna.redo, args.repeat))
            show("undo of a coder with nothing to undo", timed(dirk.undo, args.repeat))

            with Project.open(path, coder="bert") as bert:
                def conflicted() -> None:
                    act()
                    latest = max(c.id for c in anna.codings())
                    bert.remove_coding(latest)
                    start = time.perf_counter()
                    done = anna.undo()
                    conflicts.append((time.perf_counter() - start) * 1000)
                    assert done is not None and "left as it is" in done, done

                conflicts: list[float] = []
                for _ in range(args.repeat):
                    conflicted()
                show("undo with a conflict (row removed by another)", conflicts)


if __name__ == "__main__":
    main()
