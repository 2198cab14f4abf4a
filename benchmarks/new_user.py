"""What a new user coding factors meets: the real engine on the sample interviews against a factor-level gold.

The four sample interviews in ``transcripts/`` (fictional, written for the
project with the codebook at hand) were coded by a second reader at the level
a researcher codes: the factors of Tabel 5/6 (``stim.praktisch.nabijheid``),
the category only where no factor fits. That gold lives in
``benchmarks/sample_gold/`` (not beside the transcripts, so that
``codering import transcripts/`` does not take it for codings) and was made by
reading alone, before the engine was run on these interviews.

The script copies the transcripts and their gold into a temporary folder and
runs ``codering evaluate`` (``codering.coding.evaluate.evaluate``) with the
real offline model, zero-shot and online from nothing (the simulated coder
accepts what is right, rejects what is wrong, adds what was missed), scoring
the ``stim.*``/``rem.*`` codes. Codes are compared at the level of the ids the
gold uses (``gold_level``): a leaf gold code at the leaf, a category gold code
(``stim.persoonlijk``) against a suggested factor that the gold never uses
mapped up to its category. So one level is scored two ways:

* ``gold ids``: as ``codering evaluate`` scores by default; a suggested code
  whose id (and whose ancestors' ids) the gold never uses is skipped in top-3
  and F1, the next one moving up (40 of the 95 factors are not in this gold:
  their suggestions are invisible to those two figures);
* ``all ids``: every code of that level in the codebook scored at its own
  level (``evaluate(levels=...)``), so a suggested factor the gold never uses
  counts as wrong. This is what a new user sees. The keystroke figures count
  every suggestion on the screen either way and hardly differ.

Each is printed at the factor level and with the gold cut to its category
(``stim.<cat>`` / ``rem.<cat>``, a second temporary folder), side by side.
Columns: top-3 shown (share of (sentence, gold code) pairs whose code is among
the first three in-scope suggestions, nothing when the engine abstains),
micro-F1 and mean kappa of the likely suggestions, keys per coded sentence
(``codering/coding/keystrokes.py``), the share of coded sentences whose gold
codes were all on the screen, and how often the list is empty on uncoded and
on coded sentences. Then, per setting at the factor level (all ids), the gold
factors that were never among the first three.

``--orders`` runs online from nothing again in every rotation of the four
interviews and in reverse (all ids), as ``suggest_quality.py --orders`` does.

Run: PYTHONPATH=. .venv/bin/python benchmarks/new_user.py [--model NAME] [--orders]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "transcripts"
GOLD = ROOT / "benchmarks" / "sample_gold"
CODES = r"^(stim|rem)\."


def gold_files() -> list[tuple[Path, Path]]:
    """(transcript, gold) pairs; every gold line is checked against its transcript."""
    pairs = []
    for gold in sorted(GOLD.glob("*.gold.jsonl")):
        text = SAMPLES / (gold.name[: -len(".gold.jsonl")] + ".txt")
        content = text.read_text(encoding="utf-8")
        for line in gold.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if content[r["start"]:r["end"]] != r["text"]:
                raise SystemExit(f"{gold.name}: text does not match {text.name} at {r['start']}-{r['end']}")
        pairs.append((text, gold))
    if not pairs:
        raise SystemExit(f"{GOLD}: no *.gold.jsonl files")
    return pairs


def category(code: str) -> str:
    return ".".join(code.split(".")[:2])


def build(folder: Path, pairs, cut: bool) -> None:
    """Copy the transcripts and their gold into ``folder``; with ``cut`` the gold codes become categories."""
    for text, gold in pairs:
        shutil.copy(text, folder / text.name)
        lines = []
        for line in gold.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if cut:
                r["codes"] = list(dict.fromkeys(category(c) for c in r["codes"]))
            lines.append(json.dumps(r, ensure_ascii=False))
        (folder / gold.name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def describe(pairs) -> None:
    total = Counter()
    print(f"{'gold':48s} {'segments':>8s} {'codes':>5s} {'distinct':>8s} {'categories only':>15s}")
    for _, gold in pairs:
        rows = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
        codes = [c for r in rows for c in r["codes"]]
        total.update(codes)
        print(f"{gold.name:48s} {len(rows):8d} {len(codes):5d} {len(set(codes)):8d} "
              f"{sum(c.count('.') == 1 for c in codes):15d}")
    factors = {c for c in total if c.count(".") == 2}
    print(f"{'all four':48s} {'':8s} {sum(total.values()):5d} {len(total):8d}   "
          f"({len(factors)} distinct factors, {len({category(c) for c in total})} categories)\n")


def row(label: str, r: dict) -> str:
    o = r["overall"]
    return (f"{label:34s} {o['top3_recall']:5.3f} {o['micro_f1']:5.3f} {o['kappa_mean']:5.3f} "
            f"{o['keys_per_coded_unit']:5.2f} {o['shown_recall']:5.2f} {o['abstain_rate']:10.2f} "
            f"{o['abstain_rate_coded']:11.2f}  " + " ".join(f"{t['kappa_mean']:.2f}" for t in r["per_transcript"]))


def main() -> None:
    from codering.codebook import default_codebook_path, load_codebook
    from codering.coding.evaluate import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None)
    ap.add_argument("--orders", action="store_true", help="also run online in other orders of the interviews")
    args = ap.parse_args()
    pairs = gold_files()
    describe(pairs)
    book = load_codebook(default_codebook_path())
    scored = [c.id for _, c in book.walk() if c.id.split(".")[0] in ("stim", "rem") and c.codable]
    all_ids = {"factor": [c for c in scored if c.count(".") == 2], "category": [c for c in scored if c.count(".") == 1]}
    print(f"{'level, ids scored, setting':34s} {'top3':>5s} {'F1':>5s} {'kappa':>5s} {'keys':>5s} {'shown':>5s} "
          f"{'empty unc.':>10s} {'empty coded':>11s}  kappa per interview")
    missed = {}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"factor": Path(tmp) / "factor", "category": Path(tmp) / "category"}
        for level, folder in folders.items():
            folder.mkdir()
            build(folder, pairs, cut=level == "category")
        for level, folder in folders.items():
            for ids in ("gold ids", "all ids"):
                for setting, online in (("zero-shot", False), ("online", True)):
                    r = evaluate(folder, online=online, codes=CODES, model=args.model,
                                 levels=all_ids[level] if ids == "all ids" else ())
                    print(row(f"{level}, {ids}, {setting}", r), flush=True)
                    if level == "factor" and ids == "all ids":
                        missed[setting] = sorted(c for c, m in r["per_code"].items()
                                                 if m["support"] and not m["top3_recall"])
                        gold_pairs = r["overall"]["gold_pairs"]
        print(f"model {r['settings']['model']}; thresholds at the end: gate {r['settings']['gate']}, "
              f"likely {r['settings']['min_score']}; {r['overall']['units']} respondent sentences, "
              f"{r['overall']['units'] - r['overall']['empty_units']} with a gold code, "
              f"{gold_pairs} (sentence, gold code) pairs at the factor level")
        for setting, codes in missed.items():
            print(f"\nfactor level, {setting}: {len(codes)} gold codes never among the first three:")
            print("  " + ", ".join(codes))
        if args.orders:
            orders(folders["factor"], all_ids["factor"], args.model)


def orders(folder: Path, levels: list[str], model: str | None) -> None:
    """Online from nothing (factor level, all ids) in each rotation of the interviews' order and in reverse."""
    from codering.coding.evaluate import in_orders

    first = True
    for names, r in in_orders(folder, online=True, codes=CODES, model=model, levels=levels):
        kappas = [t["kappa_mean"] for t in r["per_transcript"]]
        if first:
            print(f"\nfactor level, online in other orders: top-3, mean kappa of interviews 2-{len(names)}, "
                  "keys per coded sentence")
            first = False
        print(f"  {' '.join(n[:5] for n in names):24s} {r['overall']['top3_recall']:.3f}  "
              f"{sum(kappas[1:]) / max(1, len(kappas) - 1):.3f}  {r['overall']['keys_per_coded_unit']:.2f}", flush=True)


if __name__ == "__main__":
    main()
