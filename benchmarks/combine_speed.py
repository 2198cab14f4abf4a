"""Benchmark the coding session's recount of a coder's code combinations (``coding/combine.py``).

After an accept the coding screen asks whether a likely suggestion still is,
given the code taken; it answers from ``CodeCombinations``, counted from the
coder's own codings and counted again every ``RECOUNT_EVERY`` decisions (and
after undo, redo and codebook edits). This prints what one recount costs on a
project with many codings, in its two parts, each timed in the same rounds:

  * reading where the coder's codings are (``Project.coded_spans(coder)``, SQLite,
    what the session reads), side by side with reading the whole codings with
    their text (``Project.codings(coder=...)``, what it read before);
  * counting them (``CodeCombinations(codebook, spans)``);

and their sum spread over the decisions between two recounts, and one
``still_likely`` question (what every accept then asks).

The codings are synthetic on the shipped default codebook, on generated
transcripts (``import_corpus.py``): per coded sentence one factor (stimulerend
or remmend), with a context next to it on 30 % of them, a second factor on
8 %, a form of collaboration or a level on 10 %; until ``--codings`` codings.

Run: .venv/bin/python benchmarks/combine_speed.py [--codings 20000] [--rounds 9] [--transcripts 35] [--words 8000]
"""

from __future__ import annotations

import argparse
import gc
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

from import_corpus import transcript  # noqa: E402

from codering.codebook import default_codebook_path, load_codebook  # noqa: E402
from codering.coding.combine import CodeCombinations  # noqa: E402
from codering.coding.session import RECOUNT_EVERY  # noqa: E402
from codering.ingest import parse_text  # noqa: E402
from codering.store import Project  # noqa: E402

CODER = "bench"


def codes_of(codebook, root: str) -> list[str]:
    return [c.id for _, c in codebook.walk() if c.codable and c.id.split(".")[0] == root]


def sentence_codes(codebook, rng: random.Random) -> list[str]:
    """The codes a coder puts on one sentence (see the module docstring for the mix)."""
    factor_root = rng.choice(["stim", "rem"])
    codes = [rng.choice(codes_of(codebook, factor_root))]
    if rng.random() < 0.30:
        codes.append(rng.choice(codes_of(codebook, "ctx")))
    if rng.random() < 0.08:
        codes.append(rng.choice(codes_of(codebook, factor_root)))
    if rng.random() < 0.10:
        codes.append(rng.choice(codes_of(codebook, rng.choice(["fin", "niveau", "schaal"]))))
    return list(dict.fromkeys(codes))


def generated_project(path: Path, transcripts: int, words: int, rng: random.Random):
    """A project on the default codebook with ``transcripts`` generated interviews (``import_corpus.py``);
    returns it, its codebook and its respondent sentences as (transcript, segment), shuffled."""
    codebook = load_codebook(default_codebook_path())
    project = Project.create(path, codebook)
    for i in range(transcripts):
        project.import_transcript(parse_text(transcript(i, words, rng), f"bench{i:03d}"), None)
    spans = [(t.name, s) for t in project.transcripts() for s in project.segments(t.name) if s.role != "interviewer"]
    rng.shuffle(spans)
    return project, codebook, spans


def build(path: Path, args) -> tuple[Project, int]:
    rng = random.Random(7)
    project, codebook, spans = generated_project(path, args.transcripts, args.words, rng)
    added = 0
    with project.action("benchmark: code sentences", CODER):
        for name, seg in spans:
            for code in sentence_codes(codebook, rng):
                project.add_coding(name, seg.start, seg.end, code, CODER)
                added += 1
            if added >= args.codings:
                break
    return project, len(spans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codings", type=int, default=20000, help="codings of the coder (synthetic)")
    parser.add_argument("--rounds", type=int, default=9, help="timed recounts (medians)")
    parser.add_argument("--transcripts", type=int, default=35)
    parser.add_argument("--words", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project, respondent = build(Path(tmp) / "bench.codering", args)
        codebook = project.codebook()
        have = len(project.codings(coder=CODER))
        print(f"project: {args.transcripts} transcripts x {args.words} words, {respondent} respondent sentences; "
              f"{have} codings by one coder (default codebook) [{time.perf_counter() - t0:.1f} s to build]")
        if have < args.codings:
            print(f"  (fewer than --codings {args.codings}: every respondent sentence is coded; add --transcripts)")
        print(f"load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        reading, reading_all, counting, whole = [], [], [], []
        combinations = None
        for _ in range(args.rounds):
            gc.collect()  # garbage of the round before is not collected inside the timed parts
            t0 = time.perf_counter()
            rows = project.codings(coder=CODER)  # the whole rows, as the session read them before
            reading_all.append((time.perf_counter() - t0) * 1000)
            del rows
            gc.collect()
            t1 = time.perf_counter()
            spans = project.coded_spans(CODER)
            t2 = time.perf_counter()
            combinations = CodeCombinations(codebook, spans)
            t3 = time.perf_counter()
            reading.append((t2 - t1) * 1000)
            counting.append((t3 - t2) * 1000)
            whole.append((t3 - t1) * 1000)
        questions = [("stim.praktisch.nabijheid", "ctx.netwerk"), ("rem.financieel", "stim.inhoud"),
                     ("stim.inhoud", "stim.praktisch")] * 1000
        t0 = time.perf_counter()
        for taken, other in questions:
            combinations.still_likely([taken], other, 0.3, 0.25)
        asked = (time.perf_counter() - t0) / len(questions) * 1e6
        print(f"load average after timing: {os.getloadavg()[0]:.1f}")
        med = statistics.median
        print(f"recount ({combinations.spans} coded sentences, {args.rounds} rounds, medians): "
              f"read {med(reading):.1f} ms + count {med(counting):.1f} ms = {med(whole):.1f} ms "
              f"(min {min(whole):.1f}, max {max(whole):.1f}); reading the whole codings instead: "
              f"{med(reading_all):.1f} ms")
        print(f"spread over the {RECOUNT_EVERY} decisions between two recounts: {med(whole) / RECOUNT_EVERY:.2f} ms "
              f"a decision; one still_likely question {asked:.1f} us")
        project.close()


if __name__ == "__main__":
    main()
