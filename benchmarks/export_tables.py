"""Benchmark: build and write every export table for 35 interviews with 3,000 codings.

Generates a project with the default codebook (35 generated interviews over
four locations and four actor groups, 3,000 codings: factors drawn with
Zipf-like weights, some category-level codings, finaliteit codings, passages
over two or three sentences, a second coder on a few segments), then times,
in this process (imports count: nothing of the export is imported before):

- importing the export modules and the libraries its writers need,
- loading the selection (``data.load``),
- building all tables (``tables.all_tables``: Tabel 5/6, detail with quotes,
  cross-tabulations by locatie and actorgroep, co-occurrence, codebook),
- writing them in each format (a library a writer imports on first use counts
  for that writer),
- the three figures (PNG), separately.

The requirement ("under 2 s for all tables") is about a command a researcher
starts, so the same work is also timed as a whole in fresh processes, from
interpreter start to exit:

- ``python benchmarks/export_tables.py --child PROJECT FOLDER``: import, load,
  build and write every format, as above, in a new process;
- ``codering -p PROJECT export all --format FMT -o FILE`` for each format: the
  real command (it builds the tables for that one format).

Run: .venv/bin/python benchmarks/export_tables.py [--interviews 35] [--codings 3000] [--words 4000]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
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
    """The import benchmark's generator, with locations and actor groups spread evenly."""
    header = (f"interview_id: INT-{index:02d}\nlocatie: {LOCATIONS[index % 4]}\n"
              f"actorgroep: {GROUPS[(index // 4) % 4]}\n")
    import import_corpus  # beside this script; it imports codering.codebook, which build() imports anyway

    return import_corpus.transcript(index, words, rng, header=header, make_sentence=sentence)


def build(path: Path, interviews: int, codings: int, words: int) -> None:
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project
    from codering.ingest import parse_text

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
    print(f"{label:<42} {seconds:5.2f} s" + (f"  ({note})" if note else ""))


HEAVY = ("pandas", "numpy", "openpyxl", "matplotlib", "sklearn", "torch")


def export_everything(path: Path, folder: Path, report: bool) -> None:
    """Import, load, build and write every format, as the export does; with ``report`` print the phases."""
    before = set(sys.modules)
    t_start = time.perf_counter()
    import docx  # noqa: F401 - the DOCX writer's library, timed with the imports

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
    if report:
        line("imports (codering.export, python-docx)", t_imports)
        line("load selection", t_load, f"{len(data.marks)} codings placed")
        line(f"build all {len(built)} tables", t_build, f"skipped: {skipped or 'none'}")
    t_write = 0.0
    for fmt in FORMATS:
        chosen = built if fmt in tables.WIDE_FORMATS else tables.all_tables(data, fmt=fmt)[0]
        t0 = time.perf_counter()
        write_tables(chosen, folder / f"out.{fmt}", fmt)
        took = time.perf_counter() - t0
        t_write += took
        if report:
            line(f"write {fmt} ({len(chosen)} tables)", took)
    project.close()
    if report:
        line("load + build + write every format", t_load + t_build + t_write)
        line("the same with the imports", t_imports + t_load + t_build + t_write)
        loaded = [m for m in HEAVY if m in sys.modules and m not in before]
        print(f"{'heavy modules the export imported':<42} {', '.join(loaded) or 'none'} (of {', '.join(HEAVY)})")


def fresh(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of ``command`` in a new process, interpreter start-up included."""
    t0 = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    took = time.perf_counter() - t0
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interviews", type=int, default=35)
    parser.add_argument("--codings", type=int, default=3000)
    parser.add_argument("--words", type=int, default=4000, help="words per interview")
    parser.add_argument("--child", nargs=2, metavar=("PROJECT", "FOLDER"),
                        help="(internal) export everything from PROJECT into FOLDER and exit")
    args = parser.parse_args()
    if args.child:
        export_everything(Path(args.child[0]), Path(args.child[1]), report=False)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.codering"
        t0 = time.perf_counter()
        build(path, args.interviews, args.codings, args.words)
        print(f"generated {args.interviews} interviews, {args.codings} codings in {time.perf_counter() - t0:.1f} s"
              " (not part of the export)")
        # the generator imported the store and the codebook; the export modules are not imported yet
        assert not any(m.startswith("codering.export") for m in sys.modules)
        (Path(tmp) / "here").mkdir()
        export_everything(path, Path(tmp) / "here", report=True)

        (Path(tmp) / "child").mkdir()
        took = fresh([sys.executable, __file__, "--child", str(path), str(Path(tmp) / "child")])
        line("fresh process: all of the above", took,
             "start-up to exit; also builds the tables again for md, docx, tex")
        command = Path(sys.executable).with_name("codering")
        base = [str(command)] if command.exists() else [sys.executable, "-m", "codering"]
        env = {**os.environ, "COLUMNS": "120"}
        for fmt in ("xlsx", "docx", "md", "csv", "html", "tex"):
            target = Path(tmp) / "cli" / fmt / f"tabellen.{fmt}"
            target.parent.mkdir(parents=True)
            took = fresh([*base, "-p", str(path), "export", "all", "--format", fmt, "-o", str(target)], env)
            line(f"fresh `codering export all --format {fmt}`", took)

        from codering.export import figures
        from codering.export.data import load
        from codering.store import Project

        project = Project.open(path)
        data = load(project)
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
