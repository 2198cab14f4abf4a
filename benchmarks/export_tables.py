"""Benchmark: build and write every export table for 35 interviews with 3,000 codings.

Generates a project with the default codebook (35 generated interviews over
four locations and four actor groups, 3,000 codings: factors drawn with
Zipf-like weights, some category-level codings, finaliteit codings, passages
over two or three sentences, a second coder on a few segments), then times,
in this fresh process (so imports count):

- loading the selection (``data.load``),
- building all tables (``tables.all_tables``: Tabel 5/6, detail with quotes,
  cross-tabulations by locatie and actorgroep, co-occurrence, codebook),
- writing them in each format,
- the three figures (PNG), separately.

Run: .venv/bin/python benchmarks/export_tables.py [--interviews 35] [--codings 3000] [--words 4000]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("samenwerking huisarts OCMW wijk vrijwilligers overleg afspraken cliënt doorverwijzen "
         "thuiszorg mutualiteit eerstelijnszone project subsidie privacy wachtlijst buurt "
         "dienstencentrum maatschappelijk werker netwerk gemeente schepen collega's vertrouwen "
         "euh ja nee dus eigenlijk wel niet altijd soms heel vaak moeilijk goed").split()
LOCATIONS = ["Beernem", "Geraardsbergen", "Ninove", "Tongeren"]
GROUPS = ["zorg", "welzijn", "lokaal bestuur", "andere"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 18))).capitalize() + "."


def transcript(index: int, words: int, rng: random.Random) -> str:
    header = (f"interview_id: INT-{index:02d}\nlocatie: {LOCATIONS[index % 4]}\n"
              f"actorgroep: {GROUPS[(index // 4) % 4]}\n")
    turns, count, seconds = [], 0, 0
    while count < words:
        speaker = "I" if len(turns) % 2 == 0 else "R"
        body = " ".join(sentence(rng) for _ in range(1 if speaker == "I" else rng.randint(2, 8)))
        count += len(body.split())
        seconds += rng.randint(5, 60)
        stamp = f"[{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}] " if rng.random() < 0.3 else ""
        turns.append(f"{stamp}{speaker}: {body}")
    return header + "\n" + "\n\n".join(turns) + "\n"


def build(path: Path, interviews: int, codings: int, words: int) -> None:
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.transcripts import parse_text

    rng = random.Random(11)
    project = Project.create(path, load_codebook(default_codebook_path()))
    book = project.codebook()
    factor_ids = [c.id for c in book if c.id.count(".") == 2 and c.id.split(".")[0] in ("stim", "rem")]
    category_ids = [c.id for c in book if c.id.count(".") == 1 and c.id.split(".")[0] in ("stim", "rem")]
    other_ids = [c.id for c in book if c.id.split(".")[0] in ("fin", "ctx", "niveau", "schaal") and c.codable]
    weights = [1 / (rank + 1) for rank in range(len(factor_ids))]
    rng.shuffle(factor_ids)
    for i in range(interviews):
        project.import_transcript(parse_text(transcript(i, words, rng), f"int{i:02d}"))
    per = [codings // interviews + (1 if i < codings % interviews else 0) for i in range(interviews)]
    done = 0
    for i, n in enumerate(per):
        tid = project.transcript_id(f"int{i:02d}")
        segments = [s for s in project.segments(tid) if s.role == "respondent"]
        with project.action(f"benchmark codings {i}", "ann"):
            while n > 0:
                first = rng.randrange(len(segments))
                last = min(first + (rng.choice([1, 2]) if rng.random() < 0.15 else 0), len(segments) - 1)
                if segments[last].turn != segments[first].turn:
                    last = first
                start, end = segments[first].start, segments[last].end
                roll = rng.random()
                if roll < 0.7:
                    code = rng.choices(factor_ids, weights)[0]
                elif roll < 0.8:
                    code = rng.choice(category_ids)
                else:
                    code = rng.choice(other_ids)
                before = len(project.codings(tid, code_id=code))
                project.add_coding(tid, start, end, code, "bob" if rng.random() < 0.05 else "ann")
                if len(project.codings(tid, code_id=code)) > before:
                    n -= 1
                    done += 1
    project.close()
    assert done == codings, done


def line(label: str, seconds: float, note: str = "") -> None:
    print(f"{label:<34} {seconds:5.2f} s" + (f"  ({note})" if note else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=35)
    parser.add_argument("--codings", type=int, default=3000)
    parser.add_argument("--words", type=int, default=4000, help="words per interview")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.codering"
        t0 = time.perf_counter()
        build(path, args.interviews, args.codings, args.words)
        print(f"generated {args.interviews} interviews, {args.codings} codings in {time.perf_counter() - t0:.1f} s"
              " (not part of the export)")

        t_start = time.perf_counter()
        import docx  # noqa: F401 - timed on their own: a fresh process pays for them once
        import openpyxl  # noqa: F401
        import pandas  # noqa: F401

        from codering.export import tables
        from codering.export.data import load
        from codering.export.writers import FORMATS, write_tables
        from codering.store import Project

        t_imports = time.perf_counter() - t_start
        project = Project.open(path)
        t0 = time.perf_counter()
        data = load(project)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        built, skipped = tables.all_tables(data)
        t_build = time.perf_counter() - t0
        line("imports (pandas, openpyxl, docx)", t_imports)
        line("load selection", t_load, f"{len(data.marks)} codings placed")
        line(f"build all {len(built)} tables", t_build, f"skipped: {skipped or 'none'}")
        t_write = 0.0
        for fmt in FORMATS:
            chosen = built if fmt in tables.WIDE_FORMATS else tables.all_tables(data, fmt=fmt)[0]
            t0 = time.perf_counter()
            write_tables(chosen, Path(tmp) / f"out.{fmt}", fmt)
            took = time.perf_counter() - t0
            t_write += took
            line(f"write {fmt} ({len(chosen)} tables)", took)
        line("load + build + write every format", t_load + t_build + t_write)
        line("the same with the imports", t_imports + t_load + t_build + t_write, "a fresh process")
        from codering.export import figures

        t0 = time.perf_counter()
        import matplotlib.figure  # noqa: F401

        line("import matplotlib", time.perf_counter() - t0)
        for kind, make in figures.FIGURES.items():
            t0 = time.perf_counter()
            figures.write_figure(make(data), Path(tmp) / f"{kind}.png")
            line(f"figure {kind} (png)", time.perf_counter() - t0)
        project.close()


if __name__ == "__main__":
    main()
