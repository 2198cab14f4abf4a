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

``--first-suggestion`` instead makes a fresh project nobody embedded
(``--transcripts`` x ``--words``, generated as in import_corpus.py), starts
the real app on it with the real loader and the project's model (the int8
default), opens the transcript in the middle of the overview at once (the
model still loading) and prints: the model's load time, and the seconds
from the model being loaded and from opening the transcript to the first
suggestion on screen for the cursor's sentence; then to the whole transcript
answered (its own engine) and, with ``--whole-corpus``, to every transcript.

Run: .venv/bin/python benchmarks/ui_speed.py [--project P] [--keys 60]
     .venv/bin/python benchmarks/ui_speed.py --first-suggestion [--transcripts 35] [--words 8000] [--whole-corpus]
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


async def next_sentence(project: str | None, keys: int) -> tuple[float, str | None, list[float], list[float], float]:
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
        # the session's first decision (the first calibration runs then), taken back again at once
        while not app.screen.session.suggestions():
            await pilot.press("j")
            await pilot.pause()
        t = time.perf_counter()
        await pilot.press("1")
        await pilot.pause()
        first = (time.perf_counter() - t) * 1000
        await pilot.press("u")
        await pilot.pause()
        return ready, app.model_state.model_id, cpu, wall, first


async def first_suggestion(path: Path, whole_corpus: bool) -> None:
    """Open a transcript of an unembedded project as the app starts, then another one while the loader is
    busy elsewhere; time each to its first suggestion on screen.

    Transcripts are opened the way the overview's Enter does it (its ``OpenTranscript`` message), not with
    Pilot key presses: Pilot waits after each key until the process is idle (at most 2 s), which it never is
    while the model embeds.
    """
    from codering.coding.suggester import EngineLoader
    from codering.store import Project
    from codering.suggest.embed import SentenceTransformerEmbedder
    from codering.suggest.model import DEFAULT_MODEL
    from codering.tui.app import make_app
    from codering.tui.screens.coding import CodingScreen
    from codering.tui.screens.overview import OverviewScreen

    loads: list[tuple[float, float]] = []

    class TimedEmbedder(SentenceTransformerEmbedder):
        """The project's model as the app loads it, noting when the loading starts and ends."""

        def load(self):
            if self._model is not None:
                return self._model
            t0 = time.perf_counter()
            model = super().load()
            loads.append((t0, time.perf_counter()))
            return model

    done: dict[int, float] = {}
    loader = EngineLoader(embedder_for=lambda project: TimedEmbedder(project.setting("model") or DEFAULT_MODEL))
    with Project.open(path) as project:
        infos = project.transcripts()
    app = make_app(path, suggester=loader, coder="bench")

    async def open_row(pilot, row: int) -> tuple[CodingScreen, float]:
        assert app.overview is not None
        app.overview.post_message(OverviewScreen.OpenTranscript(infos[row].id))
        while not isinstance(app.screen, CodingScreen):
            await pilot.pause(0.005)
        opened = time.perf_counter()
        screen = app.screen
        while loader.on_transcript is None:  # set by the app's model worker as it starts
            await pilot.pause(0.005)
        handler = loader.on_transcript
        if not getattr(handler, "timed", False):
            def timed(t: int) -> None:
                done.setdefault(t, time.perf_counter())
                handler(t)
            timed.timed = True
            loader.on_transcript = timed
        return screen, opened

    async def first_shown(pilot, screen: CodingScreen) -> float:
        panel = screen.query_one("#panel")
        while panel.data is None or not panel.data.suggestions:
            if app.model_state.phase == "failed":
                raise SystemExit(f"the model failed: {app.model_state.message}")
            await pilot.pause(0.005)
        return time.perf_counter()

    async with app.run_test(size=(120, 40)) as pilot:
        while app.overview is None or not app.overview.is_mounted or app.project is None:
            await pilot.pause(0.005)
        row = len(infos) // 2
        screen, opened = await open_row(pilot, row)
        segments = sum(1 for s in screen.session.segments if s.role != "interviewer")
        print(f"fresh project: {len(infos)} transcripts, nothing embedded; opened {screen.session.name} "
              f"({segments} respondent segments, row {row + 1} of the overview) as the app started")
        first = await first_shown(pilot, screen)
        if not loads:
            raise SystemExit("the model was never loaded (were the sentences embedded already?)")
        start, loaded = loads[0]
        print(f"model load ({loader.model_id}): {loaded - start:.2f} s, started {start - opened:.2f} s after opening")
        print(f"first suggestion on screen: {first - loaded:.2f} s after the model was loaded, "
              f"{first - opened:.2f} s after opening the transcript")
        tid = screen.session.tid
        while tid not in done:
            await pilot.pause(0.02)
        print(f"  its whole transcript answered (its own engine): {done[tid] - loaded:.2f} s after the model was loaded")
        # another transcript, opened while the loader works on a third one
        while len(done) < 2:
            await pilot.pause(0.02)
        app.pop_screen()
        await pilot.pause(0.05)
        other = next(r for r in range(len(infos) - 1, -1, -1) if infos[r].id not in done)
        screen, opened = await open_row(pilot, other)
        first = await first_shown(pilot, screen)
        print(f"another unembedded transcript ({screen.session.name}) opened while the loader embedded a third: "
              f"first suggestion {first - opened:.2f} s after opening")
        table = app.overview.query_one("#transcripts")
        filled = sum(1 for info in infos if table.get_cell(str(info.id), "pending") != "–")
        print(f"overview's suggestion column: {filled} of {len(infos)} transcripts show a count so far")
        if whole_corpus:
            while app.model_state.phase != "ready":
                await pilot.pause(0.2)
            print(f"whole corpus ready: {time.perf_counter() - loaded:.1f} s after the model was loaded")
            app.pop_screen()
            await pilot.pause(0.2)
            filled = sum(1 for info in infos if table.get_cell(str(info.id), "pending") != "–")
            print(f"overview's suggestion column: {filled} of {len(infos)} transcripts show a count")
        app.exit()


def fresh_project(folder: Path, transcripts: int, words: int) -> Path:
    import random

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from import_corpus import transcript

    from codering.codebook import default_codebook_path, load_codebook
    from codering.ingest import parse_text
    from codering.store import Project

    path = folder / "fresh.codering"
    rng = random.Random(7)
    with Project.create(path, load_codebook(default_codebook_path())) as project:
        for i in range(transcripts):
            project.import_transcript(parse_text(transcript(i, words, rng), f"bench{i:02d}"), None)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=None, help="project file (default: the demo project)")
    parser.add_argument("--keys", type=int, default=60, help="next-sentence keys to time")
    parser.add_argument("--runs", type=int, default=3, help="start-up runs")
    parser.add_argument("--first-suggestion", action="store_true",
                        help="seconds from opening a transcript of a fresh, unembedded project to its first suggestion")
    parser.add_argument("--transcripts", type=int, default=35, help="with --first-suggestion: transcripts")
    parser.add_argument("--words", type=int, default=8000, help="with --first-suggestion: words per transcript")
    parser.add_argument("--whole-corpus", action="store_true", help="with --first-suggestion: wait for every transcript")
    args = parser.parse_args()

    if args.first_suggestion:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            path = fresh_project(Path(tmp), args.transcripts, args.words)
            asyncio.run(first_suggestion(path, args.whole_corpus))
        return

    starts = [startup(args.project) for _ in range(args.runs)]
    print(f"start-up to a filled overview     {min(starts):.2f}-{max(starts):.2f} s over {args.runs} runs")
    ready, model, cpu, wall, first = asyncio.run(next_sentence(args.project, args.keys))
    print(f"the session's first decision (1)  {first:.0f} ms wall (then undone)")
    print(f"model ready (load + embed)        {ready:.1f} s ({model}; vectors already in the project are not embedded again)")
    for name, times in (("CPU", cpu), ("wall, with Pilot's waits", wall)):
        ordered = sorted(times)
        print(f"next sentence with suggestions    {statistics.median(times):.1f} ms median, "
              f"p90 {ordered[int(0.9 * (len(ordered) - 1))]:.1f} ms, max {ordered[-1]:.1f} ms over {len(times)} keys"
              f" ({name})")


if __name__ == "__main__":
    main()
