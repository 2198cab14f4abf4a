"""Benchmark inter-coder agreement on a big project: `codering agreement` and the agreement screen's reload.

Two coders code the same generated interviews (``import_corpus.py``), the
second agreeing with the first on ``--agree`` of the sentences and choosing
another factor on the rest (the code mix of ``combine_speed.py``). Timed in
the same run, alternating, each ``--rounds`` times:

  * ``unit_matrix``: reading the codings and placing them on the units;
  * ``agreement``: the whole report (it builds the matrix itself), statistics
    counted once per pattern of the coders' yes/no (what it does now);
  * the per-unit reference: the same statistics from one tuple per unit and
    code, as the report counted them before (``--no-reference`` skips it; on
    40,000 units it takes about half a minute), and that both give the same
    pooled alpha.

Run: .venv/bin/python benchmarks/agreement_speed.py [--transcripts 60] [--codings 20000] [--rounds 3]
"""

from __future__ import annotations

import argparse
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

from combine_speed import codes_of, generated_project, sentence_codes  # noqa: E402

from codering.collab.agreement import agreement, row_codes, unit_matrix  # noqa: E402
from codering.collab.reliability import krippendorff_alpha, percent_agreement  # noqa: E402
from codering.store import Project  # noqa: E402


def build(path: Path, args) -> Project:
    rng = random.Random(11)
    project, codebook, spans = generated_project(path, args.transcripts, args.words, rng)
    added = 0
    with project.action("benchmark: two coders", "ann"):
        for name, seg in spans:
            codes = sentence_codes(codebook, rng)
            for code in codes:
                project.add_coding(name, seg.start, seg.end, code, "ann")
            other = codes if rng.random() < args.agree else [rng.choice(codes_of(codebook, codes[0].split(".")[0]))]
            for code in other:
                project.add_coding(name, seg.start, seg.end, code, "bob")
            added += len(codes)
            if added >= args.codings:
                break
    return project


def per_unit_alpha(project: Project) -> float:
    """The pooled alpha the way the report counted it before: a tuple per unit and code."""
    matrix = unit_matrix(project, ["ann", "bob"], "segment", False)
    book = project.codebook()
    shown = row_codes(project, matrix, None)
    above = {a.id for code in shown if code in book for a in book.ancestors(code)}
    direct = set().union(*(s for c in matrix.coders for s in matrix.direct[c]))
    pooled = []
    for code in shown:
        data = [tuple(code in matrix.applied[c][i] for c in matrix.coders) for i in range(len(matrix.units))]
        if code not in above or code in direct:
            pooled += data
        percent_agreement(data), krippendorff_alpha(data)  # the per-code rows, as before
    return krippendorff_alpha(pooled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transcripts", type=int, default=60)
    parser.add_argument("--words", type=int, default=8000)
    parser.add_argument("--codings", type=int, default=20000, help="codings of the first coder")
    parser.add_argument("--agree", type=float, default=0.7, help="share of sentences the second coder agrees on")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-reference", action="store_true", help="skip the per-unit reference (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project = build(Path(tmp) / "bench.codering", args)
        print(f"project: {args.transcripts} transcripts x {args.words} words; ann {len(project.codings(coder='ann'))}"
              f" and bob {len(project.codings(coder='bob'))} codings [{time.perf_counter() - t0:.1f} s to build]")
        print(f"load average before timing: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
        times: dict[str, list[float]] = {"unit_matrix": [], "agreement": [], "per-unit reference": []}
        report = reference = None
        for _ in range(args.rounds):
            t = time.process_time()
            matrix = unit_matrix(project, ["ann", "bob"], "segment", False)
            times["unit_matrix"].append(time.process_time() - t)
            t = time.process_time()
            report = agreement(project, ["ann", "bob"])
            times["agreement"].append(time.process_time() - t)
            if not args.no_reference:
                t = time.process_time()
                reference = per_unit_alpha(project)
                times["per-unit reference"].append(time.process_time() - t)
        print(f"load average after timing: {os.getloadavg()[0]:.1f}")
        print(f"{len(matrix.units)} units, {len(report.rows)} codes; CPU seconds, median of {args.rounds}:")
        for name, values in times.items():
            if values:
                print(f"  {name}: {statistics.median(values):.2f} s (min {min(values):.2f}, max {max(values):.2f})")
        print(f"pooled alpha {report.overall.alpha:.4f}, kappa {report.overall.kappa:.4f}"
              + (f"; per-unit reference alpha {reference:.4f}" if reference is not None else ""))
        project.close()


if __name__ == "__main__":
    main()
