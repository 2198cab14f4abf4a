"""Benchmark the terminal UI with the real engine: start-up, and moving to the next sentence.

Reports
  * seconds from a fresh ``python`` process to the overview table filled with
    the demo project's transcripts (headless, the model still loading);
  * milliseconds per ``j`` (next sentence, its suggestions shown) on the coding
    screen, once the model is ready and the transcript embedded: the CPU time
    the process spends from the key to the screen having processed it and
    redrawn (Pilot, headless). Wall time is printed too, but under Pilot it is
    mostly Pilot waiting for its next frame (the process sits idle in epoll),
    so CPU time is the figure for the work a key costs.

Uses the demo project (created from ``transcripts/`` on first use) unless
``--project`` names another; the first run embeds its sentences, later runs
read them from the project's cache.

Run: .venv/bin/python benchmarks/ui_speed.py [--project P] [--keys 60]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STARTUP = """
import asyncio, sys, time
t0 = float(sys.argv[1])
from codering.tui.app import make_app

async def main():
    app = make_app({project!r})
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            await pilot.pause(0.01)
            table = app.screen.query("#transcripts")
            if table and table.first().row_count:
                print(time.time() - t0)
                return

asyncio.run(main())
"""


def startup(project: str | None) -> float:
    out = subprocess.run([sys.executable, "-c", STARTUP.format(project=project), repr(time.time())],
                         capture_output=True, text=True, cwd=ROOT, check=True)
    return float(out.stdout.strip().splitlines()[-1])


async def next_sentence(project: str | None, keys: int) -> tuple[float, str | None, list[float], list[float]]:
    from codering.tui.app import make_app

    app = make_app(project)
    async with app.run_test(size=(120, 40)) as pilot:
        t0 = time.perf_counter()
        while app.model_state.phase not in ("ready", "failed"):
            await pilot.pause(0.2)
        ready = time.perf_counter() - t0
        if app.model_state.phase == "failed":
            raise SystemExit(f"the model failed: {app.model_state.message}")
        await pilot.press("enter")
        await pilot.pause()
        cpu, wall = [], []
        for _ in range(keys):
            c, t = time.process_time(), time.perf_counter()
            await pilot.press("j")
            await pilot.pause()
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - t) * 1000)
        return ready, app.model_state.model_id, cpu, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=None, help="project file (default: the demo project)")
    parser.add_argument("--keys", type=int, default=60, help="next-sentence keys to time")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs")
    args = parser.parse_args()

    starts = [startup(args.project) for _ in range(args.runs)]
    print(f"start-up to a filled overview     {min(starts):.2f}-{max(starts):.2f} s over {args.runs} runs")
    ready, model, cpu, wall = asyncio.run(next_sentence(args.project, args.keys))
    print(f"model ready (load + embed)        {ready:.1f} s ({model}; vectors already in the project are not embedded again)")
    for name, times in (("CPU", cpu), ("wall, with Pilot's waits", wall)):
        ordered = sorted(times)
        print(f"next sentence with suggestions    {statistics.median(times):.1f} ms median, "
              f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.1f} ms over {len(times)} keys"
              f" ({name})")


if __name__ == "__main__":
    main()
