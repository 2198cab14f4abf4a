"""How much a sentence's int8 vector depends on the batch it is embedded in, and what embedding alone costs.

The default model (``@int8v2``) quantises activations per batch at run time
(ONNX Runtime's dynamic quantisation), so a sentence embedded among others
gets a slightly different vector than alone or among other neighbours. This
embeds the respondent sentences of a gold folder (default
../shared/data/transcripts) with the default int8 model

  * in batches of 32, longest first (what the engine does),
  * the same sentences in reverse order (other batch neighbours),
  * one at a time (batch 1: no dependence at all),

in alternating rounds in one process (a busy machine slows them alike; the
best round counts), and prints the cosine of each sentence's vector between
the three (min / median) and the sentences per second of batch 32 and batch 1.

Run: .venv/bin/python benchmarks/int8_batch.py [--gold DIR] [--sentences 512] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from suggest_speed import respondent_sentences  # noqa: E402

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def main() -> None:
    import numpy as np

    from codering.suggest.model import DEFAULT_INT8, load_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=SHARED / "transcripts")
    ap.add_argument("--sentences", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    texts = respondent_sentences(args.gold, args.sentences)
    model = load_model(DEFAULT_INT8)
    model.encode(texts[:8])  # warm up
    print(f"{len(texts)} respondent sentences of {args.gold}; model {DEFAULT_INT8}; "
          f"load average {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)")
    speed: dict[str, float] = {"batch 32": 0.0, "batch 1": 0.0}
    batched = alone = None
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        batched = model.encode(texts, batch_size=32)
        speed["batch 32"] = max(speed["batch 32"], len(texts) / (time.perf_counter() - t0))
        t0 = time.perf_counter()
        alone = model.encode(texts, batch_size=1)
        speed["batch 1"] = max(speed["batch 1"], len(texts) / (time.perf_counter() - t0))
    reordered = model.encode(texts[::-1], batch_size=32)[::-1]

    def cosines(a, b) -> str:
        c = (a * b).sum(1)
        return f"min {c.min():.4f}, median {np.median(c):.4f}"

    print(f"cosine, batch 32 against alone:            {cosines(batched, alone)}")
    print(f"cosine, batch 32 against other neighbours: {cosines(batched, reordered)}")
    print(f"sentences/s (best of {args.rounds} alternating rounds): batch 32 {speed['batch 32']:.1f}, "
          f"batch 1 {speed['batch 1']:.1f} ({speed['batch 1'] / speed['batch 32']:.2f}x)")


if __name__ == "__main__":
    main()
