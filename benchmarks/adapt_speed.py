"""Benchmark: one adaptation round (``codering adapt``) on about 500 labelled sentences.

Builds a project from the development data the way ``codering evaluate
--train`` imports it (``dev_segments.jsonl`` and the gold transcripts, their
codings as earlier codings), lets the engine prepare once (the base model's
vectors are then in the project, as in a project that has been coded in),
runs one round with torch on 2 threads and prints: seconds per round (and
its parts), pairs, held-out top-3 recall and mean kappa of the base and the
adapted model, and the engine's suggestion and observe latency after
adaptation. Timings depend on how busy the machine is.

    .venv/bin/python benchmarks/adapt_speed.py [--data ../shared/data] [--transcripts dev01,dev02]
        [--recipe hard] [--max-pairs 1200] [--lr 3e-5] [--train-layers 6] [--min-gain -5] [--keep DIR]
        [--seed 1]

``--keep DIR`` copies the adapted model folder to DIR (to evaluate it with
``codering evaluate --model DIR``); ``--transcripts`` chooses the gold
transcripts imported (default dev01-dev03: with the 160 labelled segments
about 500 reviewed sentences).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--transcripts", default="dev01,dev02,dev03",
                        help="comma-separated name prefixes of the gold transcripts to import ('' for all); the "
                             "default makes about 500 reviewed sentences with dev_segments.jsonl")
    parser.add_argument("--no-segments", action="store_true", help="leave dev_segments.jsonl out")
    parser.add_argument("--recipe", default=None)
    parser.add_argument("--max-pairs", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--min-gain", type=float, default=None)
    parser.add_argument("--train-layers", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None, help="seed of the pairs and of training (default 0)")
    parser.add_argument("--no-prepare", action="store_true", help="skip the engine's first prepare")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.suggest import adapt
    from codering.suggest.engine import EmbeddingSuggester
    from codering.coding.evaluate import gold_pairs, import_training

    sources: list[Path] = [] if args.no_segments else [args.data / "dev_segments.jsonl"]
    prefixes = [p for p in args.transcripts.split(",") if p]
    for _, gold in gold_pairs(args.data / "transcripts"):
        if not prefixes or any(gold.name.startswith(p) for p in prefixes):
            sources.append(gold)
    options = {k: v for k, v in {"recipe": args.recipe, "max_pairs": args.max_pairs, "epochs": args.epochs,
                                 "lr": args.lr, "min_gain": args.min_gain,
                                 "train_layers": args.train_layers, "seed": args.seed}.items() if v is not None}
    with tempfile.TemporaryDirectory(prefix="codering-adapt-bench-") as tmp:
        with Project.create(Path(tmp) / "bench.codering", load_codebook(default_codebook_path())) as project:
            import_training(project, sources, lambda _m: None)
            if not args.no_prepare:
                t0 = time.perf_counter()
                EmbeddingSuggester().prepare(project)
                print(f"project: {len(sources)} sources, engine prepared with the base model in "
                      f"{time.perf_counter() - t0:.1f} s", flush=True)
            dry = adapt.adapt(project, dry_run=True, **options)
            print(dry.summary(), flush=True)
            clock = [time.perf_counter(), ""]

            def progress(what: str, done: int, total: int) -> None:
                if what != clock[1] or done == total or done % 10 == 0:
                    print(f"  {what} {done}/{total} ({time.perf_counter() - clock[0]:.0f} s)", flush=True)
                    clock[1] = what

            report = adapt.adapt(project, threads=2, cache_dir=Path(tmp) / "cache", progress=progress,
                                 say=lambda m: print(m, flush=True), **options)
            print(report.summary())
            print(json.dumps({"seconds": report.seconds, "pairs": report.pairs, "steps": report.steps,
                              "pair_kinds": report.pair_kinds, "base": report.base, "adapted": report.adapted,
                              "adopted": report.adopted}, indent=1))
            if report.adopted:
                engine = EmbeddingSuggester()
                t0 = time.perf_counter()
                engine.prepare(project)
                print(f"engine prepared with the adapted model in {time.perf_counter() - t0:.1f} s")
                _latency(project, engine)
                if args.keep:
                    shutil.rmtree(args.keep, ignore_errors=True)
                    shutil.copytree(report.model, args.keep)
                    print(f"adapted model copied to {args.keep}")
            if report.adopted:  # its int8 export lives in the user's model cache: not left behind
                from codering.suggest.runtime import export_dir_for

                for precision in ("int8", "fp32"):
                    shutil.rmtree(export_dir_for(report.model, precision), ignore_errors=True)


def _latency(project, engine) -> None:
    """Median and max of suggest() and observe() over the first transcript's respondent sentences."""
    suggest_ms, observe_ms = [], []
    for info in project.transcripts():
        segments = [s for s in project.segments(info.id) if s.role != "interviewer"]
        if not any(s.role == "interviewer" for s in project.segments(info.id)):
            continue  # the labelled segments: no interview
        for seg in segments[:60]:
            t0 = time.perf_counter()
            shown = engine.suggest(project, info.name, seg.start, seg.end)
            suggest_ms.append((time.perf_counter() - t0) * 1000)
            if shown:
                project.record_decision(info.name, seg.start, seg.end, shown[0].code_id, False, "bench",
                                        score=shown[0].score, model_id=engine.model_id)
                t0 = time.perf_counter()
                engine.observe(project)
                observe_ms.append((time.perf_counter() - t0) * 1000)
        break
    for name, values in (("suggest", suggest_ms), ("observe", observe_ms)):
        if values:
            print(f"{name} after adaptation: median {statistics.median(values):.1f} ms, "
                  f"max {max(values):.1f} ms over {len(values)} calls")


if __name__ == "__main__":
    sys.exit(main())
