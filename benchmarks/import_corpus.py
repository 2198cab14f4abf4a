"""Benchmark: import 35 generated transcripts of 8,000 words each into a new project.

Prints wall seconds (read+segment, write) and peak resident memory.
Run: .venv/bin/python benchmarks/import_corpus.py [--transcripts 35] [--words 8000]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codering.codebook import default_codebook_path, load_codebook  # noqa: E402
from codering.ingest.plan import plan_import  # noqa: E402
from codering.store import Project  # noqa: E402

WORDS = ("samenwerking huisarts OCMW wijk vrijwilligers overleg afspraken cliënt doorverwijzen "
         "thuiszorg mutualiteit eerstelijnszone project subsidie privacy wachtlijst buurt "
         "dienstencentrum maatschappelijk werker netwerk gemeente schepen collega's vertrouwen "
         "euh ja nee dus eigenlijk wel niet altijd soms heel vaak moeilijk goed").split()
ABBREVIATIONS = ["bvb.", "o.a.", "m.b.t.", "i.p.v.", "enz."]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    if rng.random() < 0.15:
        words.insert(rng.randint(1, len(words) - 1), rng.choice(ABBREVIATIONS))
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "..."])


def transcript(index: int, words: int, rng: random.Random, *, header: str | None = None,
               make_sentence: Callable[[random.Random], str] = sentence) -> str:
    """A generated interview of about ``words`` words: alternating I/R turns (one question,
    two to eight answer sentences), a timestamp on some turns, under ``header`` (default: random
    locatie and actorgroep). Also used by the other benchmarks."""
    if header is None:
        header = (f"interview_id: B-{index:02d}\nlocatie: {rng.choice(['Beernem', 'Geraardsbergen', 'Ninove', 'Tongeren'])}\n"
                  f"actorgroep: {rng.choice(['zorg', 'welzijn', 'lokaal bestuur', 'andere'])}\n")
    turns, count, seconds = [], 0, 0
    while count < words:
        speaker = "I" if len(turns) % 2 == 0 else "R"
        body = " ".join(make_sentence(rng) for _ in range(1 if speaker == "I" else rng.randint(2, 8)))
        count += len(body.split())
        seconds += rng.randint(5, 60)
        stamp = f"[{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}] " if rng.random() < 0.3 else ""
        turns.append(f"{stamp}{speaker}: {body}")
    return header + "\n" + "\n\n".join(turns) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i in range(args.transcripts):
            (folder / f"bench{i:02d}.txt").write_text(transcript(i, args.words, rng), encoding="utf-8")
        size_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        codebook = load_codebook(default_codebook_path())
        t0 = time.perf_counter()
        plan = plan_import([folder])
        t1 = time.perf_counter()
        with Project.create(Path(tmp) / "bench.codering", codebook) as project:
            plan.apply(project, coder="bench")
            figures = project.stats()
        t2 = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {args.transcripts} transcripts x {args.words} words ({size_mb:.1f} MB), "
          f"{figures['segments']} segments")
    print(f"read + segment: {t1 - t0:.1f} s")
    print(f"write to project: {t2 - t1:.1f} s")
    print(f"total import: {t2 - t0:.1f} s (target < 20 s)")
    print(f"peak memory: {peak_mb:.0f} MB (target < 500 MB)")


if __name__ == "__main__":
    main()
