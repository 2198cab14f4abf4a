"""Suggestion quality and keystrokes with the real engine on a gold folder (default: ../shared/data).

Prints one row per setting - zero-shot, online from nothing, trained on labelled
segments + online - with what the README reports: top-3 shown / ranked,
micro-F1, mean kappa (overall and per transcript), keys per coded sentence
(the keystroke model of ``codering/coding/keystrokes.py``), the share of coded
sentences whose gold codes were all shown, and how often the list is empty on
uncoded and on coded sentences; then, per setting, how many gold codes that
start a passage and that continue one were predicted (``overall.passages``).
Every figure comes from ``codering evaluate``
with the real offline model; nothing is faked.

``--orders`` runs "online from nothing" again with the transcripts in every
rotation of their order and in reverse (the engine learns in the order it
meets them, so one order is one sample), and prints mean kappa of all but
the first transcript and keys per coded sentence for each.

Run: .venv/bin/python benchmarks/suggest_quality.py [--gold DIR] [--train FILE] [--codes REGEX] [--model NAME]
     [--orders]
"""

from __future__ import annotations

import argparse
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def main() -> None:
    from codering.coding.evaluate import evaluate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(SHARED / "transcripts"))
    ap.add_argument("--train", default=str(SHARED / "dev_segments.jsonl"))
    ap.add_argument("--codes", default=r"^(stim|rem)\.")
    ap.add_argument("--model", default=None)
    ap.add_argument("--orders", action="store_true", help="also run online in other orders of the transcripts")
    args = ap.parse_args()
    settings = [("zero-shot", False, []), ("online", True, []), ("trained + online", True, [args.train])]
    print(f"{'setting':18s} {'top3':>5s} {'ranked':>6s} {'F1':>5s} {'kappa':>5s} {'keys':>5s} {'shown':>5s} "
          f"{'empty unc.':>10s} {'empty coded':>11s}  kappa per transcript")
    passage_rows = []
    for name, online, train in settings:
        r = evaluate(args.gold, online=online, train=train, codes=args.codes, model=args.model)
        o = r["overall"]
        if o.get("passages"):
            passage_rows.append((name, o["passages"]))
        per = " ".join(f"{t['kappa_mean']:.2f}" for t in r["per_transcript"])
        print(f"{name:18s} {o['top3_recall']:5.3f} {o['top3_recall_ranked']:6.3f} {o['micro_f1']:5.3f} "
              f"{o['kappa_mean']:5.3f} {o['keys_per_coded_unit']:5.2f} {o['shown_recall']:5.2f} "
              f"{o['abstain_rate']:10.2f} {o['abstain_rate_coded']:11.2f}  {per}", flush=True)
    print("passages (gold codes that start a passage / that continue one: predicted; predicted past a passage's end;"
          " other wrong):")
    for name, p in passage_rows:
        print(f"  {name:18s} start {p['starting_predicted']}/{p['starting']}  continue "
              f"{p['continuing_predicted']}/{p['continuing']}  past end {p['carried_past_end']}  "
              f"other wrong {p['other_wrong']}")
    print(f"model {r['settings']['model']}; thresholds at the end: gate {r['settings']['gate']}, "
          f"likely {r['settings']['min_score']}")
    if args.orders:
        orders(args)


def orders(args) -> None:
    """Online from nothing in each rotation of the transcripts' order and in reverse."""
    from codering.coding.evaluate import in_orders

    first = True
    for names, r in in_orders(args.gold, online=True, codes=args.codes, model=args.model):
        kappas = [t["kappa_mean"] for t in r["per_transcript"]]
        if first:
            print(f"\nonline in other orders: mean kappa of transcripts 2-{len(names)}, keys per coded sentence")
            first = False
        print(f"  {' '.join(n[:5] for n in names):40s} {sum(kappas[1:]) / max(1, len(kappas) - 1):.3f}  "
              f"{r['overall']['keys_per_coded_unit']:.2f}  " + " ".join(f"{k:.2f}" for k in kappas), flush=True)


if __name__ == "__main__":
    main()
