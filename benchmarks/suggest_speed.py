"""Benchmark the suggestion engine: embedding throughput, corpus embedding, suggest and learn latency.

Reports
  * sentences/s embedded by the model (fresh texts, batch as the engine does it);
  * seconds to embed a whole corpus (35 transcripts x 8,000 words by default)
    through ``prepare``, which stores vectors in the project chunk by chunk:
    interrupt it (Ctrl-C) and run again with the same ``--project`` to resume;
  * milliseconds per suggestion (``suggest`` on one segment; target < 20 ms);
  * milliseconds per learning update (one decision + ``observe``; target < 100 ms),
    measured after a first stretch of the corpus has been coded (``--coded``, a
    share of the transcripts) or, with ``--full``, on a fully coded project:
    every transcript but the last coded, then decisions on the last one and on
    already coded transcripts (corrections), each followed by ``observe``.

Run: .venv/bin/python benchmarks/suggest_speed.py [--transcripts 35] [--words 8000]
     [--project bench.codering] [--max-minutes M] [--fake] [--full] [--decisions N]
     [--no-throughput] [--profile]
``--max-minutes`` stops the corpus embedding early and extrapolates; ``--fake``
uses the hashing embedder (checks the script, not the model); ``--profile``
prints where the timed ``observe`` calls spend their time (cProfile).
A ``--project`` keeps its codings and decisions between runs: time the learning
updates on a fresh copy of an embedded project.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_corpus import sentence, transcript  # noqa: E402

from codering.codebook import default_codebook_path, load_codebook  # noqa: E402
from codering.store import Project  # noqa: E402
from codering.ingest import parse_text  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def build_project(path: Path, n: int, words: int) -> Project:
    if path.exists():
        project = Project.open(path)
        if len(project.transcripts()) >= n:
            return project
    else:
        project = Project.create(path, load_codebook(default_codebook_path()))
    rng = random.Random(7)
    have = {t.name for t in project.transcripts()}
    for i in range(n):
        text = transcript(i, words, rng)
        name = f"bench{i:02d}"
        if name not in have:
            project.import_transcript(parse_text(text, name), None)
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--project", type=Path, default=None, help="keep the project here (to resume)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop embedding after this long")
    parser.add_argument("--fake", action="store_true", help="hashing embedder instead of the model")
    parser.add_argument("--coded", type=float, default=0.2,
                        help="share of the transcripts coded before the learning updates are timed")
    parser.add_argument("--full", action="store_true",
                        help="fully coded project: code every transcript but the last, then time decisions")
    parser.add_argument("--decisions", type=int, default=100, help="timed decisions (each followed by observe)")
    parser.add_argument("--no-throughput", action="store_true", help="skip the fresh-sentence throughput test")
    parser.add_argument("--profile", action="store_true", help="profile the timed observe calls (cProfile)")
    args = parser.parse_args()

    from codering.suggest.embed import HashingEmbedder, SentenceTransformerEmbedder
    from codering.suggest.engine import EmbeddingSuggester
    from codering.suggest.features import needed

    tmp = tempfile.TemporaryDirectory()
    path = args.project or Path(tmp.name) / "bench.codering"
    t0 = time.perf_counter()
    project = build_project(path, args.transcripts, args.words)
    segments = {t.name: project.segments(t.name) for t in project.transcripts()}
    n_needed = sum(len(needed(s)) for s in segments.values())
    n_words = sum(len(s.text.split()) for segs in segments.values() for s in segs)
    print(f"corpus: {len(segments)} transcripts, {n_words} words, {sum(map(len, segments.values()))} segments, "
          f"{n_needed} to embed (interviewer turns: only the question) [{time.perf_counter() - t0:.1f} s to build]")

    embedder = HashingEmbedder() if args.fake else SentenceTransformerEmbedder()
    t0 = time.perf_counter()
    embedder.encode(["opwarmen"])
    print(f"model load: {time.perf_counter() - t0:.1f} s")

    if not args.no_throughput:
        rng = random.Random(1)
        sample_texts = [f"{sentence(rng)} ({i})" for i in range(300)]  # fresh sentences, not in the corpus
        t0 = time.perf_counter()
        embedder.encode(sorted(sample_texts, key=len))
        dt = time.perf_counter() - t0
        sample_words = sum(len(t.split()) for t in sample_texts)
        print(f"throughput: {len(sample_texts) / dt:.1f} sentences/s, {sample_words / dt:.0f} words/s "
              f"({len(sample_texts)} fresh sentences, batch {getattr(embedder, 'batch_size', '-')})")

    engine = EmbeddingSuggester(embedder=embedder)
    started = time.perf_counter()
    deadline = started + 60 * args.max_minutes if args.max_minutes else None
    before = embedder.texts_embedded
    seen = {"total": 0, "done": 0}

    def progress(what: str, done: int, total: int) -> None:
        if what == "embedding segments":
            seen["total"], seen["done"] = total, done
            if done and (done % 2048 < 256 or done == total):
                rate = done / max(time.perf_counter() - started, 1e-9)
                print(f"  embedded {done}/{total} ({rate:.1f} sentences/s)", flush=True)

    cancelled = (lambda: time.perf_counter() > deadline) if deadline else (lambda: False)
    try:
        engine.prepare(project, progress=progress, cancelled=cancelled)
    except KeyboardInterrupt:
        print("interrupted: run again with the same --project to resume")
        return
    elapsed = time.perf_counter() - started
    embedded = embedder.texts_embedded - before
    if not engine.ready:
        rate = seen["done"] / elapsed
        print(f"stopped after {elapsed:.0f} s with {seen['done']}/{seen['total']} sentences embedded "
              f"({rate:.1f}/s); whole corpus extrapolated: {n_needed / rate:.0f} s (target < 300 s)")
        print("run again with the same --project to resume (nothing is embedded twice)")
        return
    print(f"corpus embedding: {elapsed:.1f} s for {embedded} new texts ({seen['total']} segments were missing), "
          f"{embedded / max(elapsed, 1e-9):.1f}/s (target < 300 s for the whole corpus)")

    # -- suggest latency -------------------------------------------------------------------
    names = list(segments)
    respondent = [(n, s) for n in names for s in segments[n] if s.role != "interviewer"]
    picks = random.Random(2).sample(respondent, min(500, len(respondent)))
    times = []
    for name, seg in picks:
        t0 = time.perf_counter()
        engine.suggest(project, name, seg.start, seg.end, k=3)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"suggest: median {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms "
          f"(target < 20 ms)")

    # -- learning updates --------------------------------------------------------------------
    codes = [c.id for c in project.codebook() if c.codable and c.id.count(".") == 1]
    coder_rng = random.Random(3)
    share = 1.0 if args.full else args.coded
    first = names[: max(1, min(len(names) - 1, round(len(names) * share)))]
    with project.action("benchmark: code a first stretch", "bench"):
        for name in first:
            for seg in segments[name]:
                if seg.role != "interviewer" and coder_rng.random() < 0.6:
                    project.add_coding(name, seg.start, seg.end, coder_rng.choice(codes), "bench")
    t0 = time.perf_counter()
    engine.observe(project)
    print(f"first observe after coding {len(first)} transcripts: {(time.perf_counter() - t0) * 1000:.0f} ms "
          f"({engine.learner.data.n} reviewed segments, {len(project.codings())} codings)")
    times = []
    for name, seg in picks[:200]:
        t0 = time.perf_counter()
        engine.suggest(project, name, seg.start, seg.end, k=3)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"suggest after learning: median {statistics.median(times):.2f} ms, p95 {percentile(times, 0.95):.2f} ms")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    pauses: list[float] = []  # full garbage collections (Python's, of every object) while observe ran
    collecting = {"observing": False, "since": 0.0}

    def on_gc(phase: str, info: dict) -> None:
        if phase == "start":
            collecting["since"] = time.perf_counter()
        elif info["generation"] == 2 and collecting["observing"]:
            pauses.append((time.perf_counter() - collecting["since"]) * 1000)

    gc.callbacks.append(on_gc)

    def decide(where: list[tuple[str, object]], label: str) -> None:
        times, totals = [], []
        pauses.clear()
        for name, seg in where:
            t0 = time.perf_counter()
            found = engine.suggest(project, name, seg.start, seg.end, k=3)
            code = found[0].code_id if found else coder_rng.choice(codes)
            project.record_decision(name, seg.start, seg.end, code, coder_rng.random() < 0.5, "bench")
            t1 = time.perf_counter()
            if profiler:
                profiler.enable()
            collecting["observing"] = True
            engine.observe(project)
            collecting["observing"] = False
            if profiler:
                profiler.disable()
            t2 = time.perf_counter()
            times.append((t2 - t1) * 1000)
            totals.append((t2 - t0) * 1000)
        print(f"learning update (observe{label}): median {statistics.median(times):.1f} ms, "
              f"p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms (target < 100 ms); "
              f"suggest + decision + observe: median {statistics.median(totals):.1f} ms "
              f"({engine.learner.data.n} reviewed segments, {len(times)} decisions)")
        if pauses:
            print(f"  of which full garbage collections (all Python objects, not the engine's work): "
                  f"{len(pauses)}, {', '.join(f'{p:.0f}' for p in pauses)} ms")

    target = names[len(first)] if len(names) > len(first) else names[0]
    decide([(target, s) for s in segments[target] if s.role != "interviewer"][:args.decisions], "")
    if args.full:  # corrections: decisions on segments of transcripts coded before
        coded_before = [(n, s) for n in first for s in segments[n] if s.role != "interviewer"]
        decide(random.Random(4).sample(coded_before, min(args.decisions, len(coded_before))),
               ", corrections in coded transcripts")
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    project.close()
    tmp.cleanup()


if __name__ == "__main__":
    main()
