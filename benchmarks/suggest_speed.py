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
     [--no-throughput] [--profile] [--runtime torch|onnx|onnx-int8|openvino|openvino-int8]
     .venv/bin/python benchmarks/suggest_speed.py --compare [RUNTIME,...] [--sentences N]
     [--sentences-from DIR] [--rounds R]
     .venv/bin/python benchmarks/suggest_speed.py --batch-scoring [--gold DIR] [--rounds R]
``--runtime`` picks how the default model runs (default: onnx-int8, the
adopted default; torch is the PyTorch fp32 model). ``--compare`` loads every
runtime named in one process and embeds the same sentences with each, in
alternating rounds (so a busy machine slows them alike), and prints
sentences/s, the ratio to PyTorch fp32, the model load time, the growth of
resident memory while loading, and the cosine of each vector to PyTorch fp32.
``--sentences-from DIR`` takes the respondent sentences of the transcripts in
DIR (e.g. ../shared/data/transcripts) instead of generated ones.
``--first-suggestion`` makes a fresh project (``--transcripts``, ``--words``),
opens one transcript in the UI's model loader (no UI; the first dozen
sentences "on screen") and prints the seconds from the model being loaded to
that transcript's first suggestion, to the whole transcript and, with
``--whole-corpus``, to the whole corpus. ``benchmarks/ui_speed.py
--first-suggestion`` measures the same in the real app.
``--batch-scoring`` runs ``codering evaluate --online`` on a gold folder
(``--gold``, default ../shared/data/transcripts; the default int8 model) and,
with the engine as online learning left it, times scoring each transcript's
respondent sentences in one batch (``transcript_scores``, what ``codering
suggest`` and the overview's counts use) against scoring them one by one
(``score_span``, what the coding screen asks per sentence): both in one
process, alternating per transcript, ``--rounds`` rounds, medians; it also
prints the largest difference between the two paths' probabilities.
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
GOLD = ROOT.parent / "shared" / "data" / "transcripts"
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


RUNTIMES = ("torch", "onnx", "onnx-int8", "openvino", "openvino-int8")


def rss_mb() -> float:
    """Resident memory of this process now (Linux), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


class RuntimeEmbedder:
    """The default model run by one runtime, as an engine embedder (model id says which)."""

    def __init__(self, runtime: str) -> None:
        from codering.suggest.embed import SentenceTransformerEmbedder
        from codering.suggest.model import DEFAULT_FP32, DEFAULT_INT8
        from codering.suggest.runtime import OnnxModel, ensure_export

        self.runtime = runtime
        self.calls = self.texts_embedded = 0
        self.batch_size = 32
        t0 = time.perf_counter()
        if runtime == "torch":
            self.model_id = DEFAULT_FP32
            self._embedder = SentenceTransformerEmbedder(DEFAULT_FP32)
            self._embedder.load()
            self._encode = self._embedder.encode
        elif runtime in RUNTIMES:
            precision = "int8" if runtime.endswith("int8") else "fp32"
            folder = ensure_export(DEFAULT_FP32, precision, progress=print)
            backend = "openvino" if runtime.startswith("openvino") else "onnxruntime"
            self.model_id = DEFAULT_INT8 if runtime == "onnx-int8" else f"{DEFAULT_FP32}@{runtime}"
            model = OnnxModel(folder, backend=backend)
            self._encode = lambda texts: model.encode(texts, batch_size=self.batch_size)
        else:
            raise SystemExit(f"unknown runtime {runtime!r}: choose from {', '.join(RUNTIMES)}")
        self.load_seconds = time.perf_counter() - t0

    def encode(self, texts):
        self.calls += 1
        self.texts_embedded += len(texts)
        return self._encode(list(texts))


def respondent_sentences(folder: Path, limit: int) -> list[str]:
    """Respondent sentences of the transcripts in ``folder`` (read at run time, for measuring only)."""
    texts: list[str] = []
    for path in sorted(folder.glob("*.txt")):
        doc = parse_text(path.read_text(encoding="utf-8"), path.stem)
        roles = {t.index: t.role for t in doc.turns}
        texts += [doc.content[s.start:s.end] for s in doc.segments if roles[s.turn] == "respondent"]
    return texts[:limit]


def compare(args) -> None:
    """Every runtime on the same sentences in one process, alternating rounds."""
    import numpy as np

    names = [r.strip() for r in args.compare.split(",") if r.strip()]
    if "torch" not in names:
        names.insert(0, "torch")
    if args.sentences_from:
        texts = respondent_sentences(args.sentences_from, args.sentences)
        origin = f"respondent sentences of {args.sentences_from}"
    else:
        rng = random.Random(1)
        texts = [sentence(rng) for _ in range(args.sentences)]
        origin = "generated Dutch interview sentences"
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts)} {origin}, mean {words / len(texts):.1f} words, batch 32, {args.rounds} rounds")
    loaded: dict[str, RuntimeEmbedder] = {}
    grew: dict[str, float] = {}
    for name in names:
        before = rss_mb()
        try:
            loaded[name] = RuntimeEmbedder(name)
        except Exception as exc:  # noqa: BLE001 - e.g. openvino not installed: report, go on
            print(f"{name}: not measured ({type(exc).__name__}: {exc})")
            continue
        loaded[name].encode(texts[:8])  # warm-up (first-call allocations)
        grew[name] = rss_mb() - before
    best: dict[str, float] = {n: float("inf") for n in loaded}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, embedder in loaded.items():
            t0 = time.perf_counter()
            vectors[name] = embedder.encode(texts)
            best[name] = min(best[name], time.perf_counter() - t0)
    ref = vectors.get("torch")
    base = best.get("torch")
    print(f"{'runtime':<15}{'sentences/s':>12}{'x torch fp32':>14}{'load s':>9}{'RSS +MB':>9}"
          f"{'cos mean':>10}{'cos min':>9}")
    for name in loaded:
        rate = len(texts) / best[name]
        ratio = f"{base / best[name]:.2f}" if base else "-"
        cos = (vectors[name] * ref).sum(1) if ref is not None else None
        print(f"{name:<15}{rate:>12.1f}{ratio:>14}{loaded[name].load_seconds:>9.2f}{grew[name]:>9.0f}"
              f"{(f'{cos.mean():.4f}' if cos is not None else '-'):>10}"
              f"{(f'{cos.min():.4f}' if cos is not None else '-'):>9}")
    print(f"process RSS at the end: {rss_mb():.0f} MB (load s includes importing the runtime's library the first "
          "time; RSS +MB is the growth while loading one runtime after the ones above)")


def first_suggestion(args) -> None:
    """Seconds from opening an unembedded transcript to its first suggestion (the UI's loader, no UI)."""
    import threading

    from codering.coding.suggester import EngineLoader

    with tempfile.TemporaryDirectory() as tmp:
        project = build_project(Path(tmp) / "fresh.codering", args.transcripts, args.words)
        infos = project.transcripts()
        target = infos[len(infos) // 2]  # a transcript in the middle: not the one embedded first anyway
        segs = [s for s in project.segments(target.id) if s.role != "interviewer"]
        print(f"fresh project: {len(infos)} transcripts x {args.words} words, nothing embedded; "
              f"opening {target.name} ({len(segs)} respondent segments)")
        t0 = time.perf_counter()
        embedder = RuntimeEmbedder(args.runtime)
        embedder.encode(["opwarmen"])
        loaded = time.perf_counter()
        print(f"model load ({args.runtime}): {loaded - t0:.1f} s")
        loader = EngineLoader(embedder_for=lambda _project: embedder)
        screen = segs[:12]  # about what a 120 x 40 coding screen shows, the cursor on the first
        loader.focus(target.id, screen[0].start, screen[-1].end)  # what the coding screen says when it opens
        done: list[float] = []
        done_ids: list[int] = []
        loader.on_transcript = lambda tid: (done.append(time.perf_counter()), done_ids.append(tid))
        worker_project = Project.open(project.path)
        stop = threading.Event()
        thread = threading.Thread(target=loader.prepare, args=(worker_project, None, stop.is_set), daemon=True)
        thread.start()
        while not loader.ready_for(target.id, segs[0].start, segs[0].end):
            if not thread.is_alive():
                raise SystemExit("the loader stopped before the transcript was ready")
            time.sleep(0.01)
        found = loader.suggest(project, target.id, segs[0].start, segs[0].end)
        first = time.perf_counter()
        print(f"first suggestion for {target.name}: {first - loaded:.2f} s after the model was loaded "
              f"({first - t0:.1f} s after opening; {len(found)} suggestion(s) on its first sentence)")
        while target.id not in done_ids and thread.is_alive():
            time.sleep(0.01)
        if target.id in done_ids:
            print(f"whole transcript answered: {done[done_ids.index(target.id)] - loaded:.2f} s after the model was "
                  "loaded")
        if not args.whole_corpus:
            stop.set()
            thread.join()
            worker_project.close()
            project.close()
            return
        thread.join()
        end = time.perf_counter()
        print(f"whole corpus ready: {end - loaded:.1f} s after the model was loaded; "
              f"{len(done)} transcripts reported one by one (median gap "
              f"{statistics.median([b - a for a, b in zip(done, done[1:])] or [0]):.2f} s)")
        worker_project.close()
        project.close()


def batch_scoring(args) -> None:
    """After online learning through a gold folder: a whole transcript scored at once against its sentences
    scored one by one, side by side."""
    import numpy as np

    from codering.coding.evaluate import evaluate

    def measure(project, engine) -> None:
        import os

        print(f"load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        names = [t.name for t in project.transcripts()]
        batch = {n: [] for n in names}
        single = {n: [] for n in names}
        sentences: dict[str, int] = {}
        worst = 0.0
        for _ in range(args.rounds):
            for name in names:  # alternating, so that a busy machine slows both alike
                t0 = time.perf_counter()
                feats, whole = engine.transcript_scores(project, name)
                batch[name].append(time.perf_counter() - t0)
                spans = [(int(feats.starts[r]), int(feats.ends[r])) for r in whole.rows]
                t0 = time.perf_counter()
                ones = [engine.score_span(project, name, start, end) for start, end in spans]
                single[name].append(time.perf_counter() - t0)
                worst = max(worst, float(np.abs(whole.prob - np.concatenate([o.prob for o in ones])).max()))
                sentences[name] = len(spans)
        total = sum(sentences.values())
        print(f"engine after online learning: {engine.learner.data.n} reviewed sentences, model {engine.model_id}; "
              f"{total} respondent sentences in {len(names)} transcripts, {args.rounds} rounds (medians)")
        print(f"{'transcript':42s}{'sentences':>10s}{'batch ms':>10s}{'one by one ms':>15s}{'ratio':>7s}")
        for name in names:
            b, o = statistics.median(batch[name]) * 1000, statistics.median(single[name]) * 1000
            print(f"{name:42s}{sentences[name]:>10d}{b:>10.1f}{o:>15.1f}{o / b:>7.1f}")
        per_round_b = [sum(batch[n][i] for n in names) * 1000 for i in range(args.rounds)]
        per_round_o = [sum(single[n][i] for n in names) * 1000 for i in range(args.rounds)]
        b, o = statistics.median(per_round_b), statistics.median(per_round_o)
        print(f"{'all transcripts':42s}{total:>10d}{b:>10.1f}{o:>15.1f}{o / b:>7.1f}")
        print(f"per sentence: batch {b / total * 1000:.0f} us, one by one {o / total * 1000:.0f} us; "
              f"largest probability difference between the two paths {worst:.1e}")
        print(f"load average after timing: {os.getloadavg()[0]:.1f}")

    t0 = time.perf_counter()
    embedder = None
    if args.fake:
        from codering.suggest.embed import HashingEmbedder

        embedder = HashingEmbedder()
    evaluate(args.gold, online=True, codes=r"^(stim|rem)\.", embedder=embedder, after=measure)
    print(f"({time.perf_counter() - t0:.0f} s in all, most of it the online run)")


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
    parser.add_argument("--runtime", choices=RUNTIMES, default="onnx-int8",
                        help="how the default model runs (default: onnx-int8, the adopted default)")
    parser.add_argument("--compare", nargs="?", const=",".join(RUNTIMES), default=None, metavar="RUNTIMES",
                        help="side by side: these runtimes (comma-separated; default all) on the same sentences")
    parser.add_argument("--sentences", type=int, default=512, help="sentences for --compare")
    parser.add_argument("--sentences-from", type=Path, default=None, metavar="DIR",
                        help="--compare on the respondent sentences of the transcripts in DIR")
    parser.add_argument("--rounds", type=int, default=None,
                        help="rounds per runtime for --compare (best counts; default 2), or of --batch-scoring "
                             "(median; default 7)")
    parser.add_argument("--batch-scoring", action="store_true",
                        help="after online learning on --gold: a transcript scored at once against one by one")
    parser.add_argument("--gold", type=Path, default=GOLD, help="gold folder for --batch-scoring")
    parser.add_argument("--first-suggestion", action="store_true",
                        help="seconds from opening a transcript of an unembedded project to its first suggestion")
    parser.add_argument("--whole-corpus", action="store_true",
                        help="with --first-suggestion: also wait for the whole corpus to be embedded")
    args = parser.parse_args()
    if args.batch_scoring:
        args.rounds = args.rounds or 7
        batch_scoring(args)
        return
    args.rounds = args.rounds or 2
    if args.compare is not None:
        compare(args)
        return
    if args.first_suggestion:
        first_suggestion(args)
        return

    from codering.suggest.embed import HashingEmbedder
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

    t0 = time.perf_counter()
    before = rss_mb()
    embedder = HashingEmbedder() if args.fake else RuntimeEmbedder(args.runtime)
    embedder.encode(["opwarmen"])
    print(f"model load ({'fake' if args.fake else args.runtime}): {time.perf_counter() - t0:.1f} s, "
          f"RSS {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB)")

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
