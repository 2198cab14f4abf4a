"""Where a passage starts, what does the engine know about the new code? A probe beside the engine.

``codering evaluate --online`` reports (``overall.passages``) that the engine
predicts nearly every gold code that continues a passage and few that start
one. At a start the sentence before does not carry the new code, so only what
the sentence is about can point to it. This script asks how well that can be
told from what the engine has, after the same online run:

* the codebook alone: the engine's zero-shot family scores (context vectors);
* the coder's decisions: a ridge model per family on the context vectors of
  the sentences coded so far (the engine's learner, without its cue columns),
  fitted again every 10 sentences in the order the coder meets them, and a
  centroid per family (mean centred context vector of its coded sentences);
* both: the zero-shot score plus ``alpha`` times the standardised learned one.

For every (sentence, gold code) pair that starts a passage from the second
transcript on, the families are ranked (leaving out those the sentence before
carries, as the coder would not need them) and the share whose gold family
comes first is printed, per ``alpha``. Gold codes are the simulated coder's
after the run (it adds every gold code the engine missed), so they are the
gold families.

Then how well the engine's own probabilities for a *new* family (one the
sentence before, same turn, does not carry), as it gave them when the coder
reached the sentence, match how often that family was right, from the second
transcript on: per band of probability, the pairs, their mean probability and
the share that were right. (``score_span`` is wrapped to record them; the
engine itself is not changed.)

    .venv/bin/python benchmarks/passage_starts.py [--gold ../shared/data/transcripts] [--codes '^(stim|rem)\\.']
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "transcripts"
ALPHAS = (0.0, 0.25, 0.5, 1.0, 2.0)
BLOCK = 10


def collect(project, engine, pattern) -> dict:
    """Per transcript (by name): context vectors, zero-shot scores, gold families and turns of its respondent
    sentences, restricted to the families the pattern matches."""
    heads = list(engine.heads)
    cols = [h for h, head in enumerate(heads) if pattern.search(head)]
    data = engine.learner.data
    label = {tuple(int(x) for x in k): data.Y[r] for r, k in enumerate(data.keys)}
    out = {}
    for info in sorted(project.transcripts(), key=lambda t: t.name):
        f = engine._features.get(info.id)
        if f is None:
            continue
        rows = np.flatnonzero(~f.interviewer)
        Y = np.array([label.get((info.id, int(i)), np.zeros(len(heads)))[cols] for i in rows]) > 0
        out[info.name] = {"ctx": f.context[rows], "z": engine._zscores[info.id][0][rows][:, cols],
                          "Y": Y, "turn": f.turns[rows], "rows": rows}
    return out


def starts_top1(parts: dict, learned: np.ndarray, alphas=ALPHAS) -> tuple[int, list[float]]:
    names = list(parts)
    z = np.concatenate([parts[n]["z"] for n in names])
    Y = np.concatenate([parts[n]["Y"] for n in names])
    turn = np.concatenate([parts[n]["turn"] for n in names])
    which = np.concatenate([np.full(len(parts[n]["Y"]), k) for k, n in enumerate(names)])
    ev = np.flatnonzero(which >= 1)
    scale = learned[ev].std(0)
    std = (learned - learned[ev].mean(0)) / np.where(scale > 0, scale, 1.0)
    hits = np.zeros(len(alphas))
    total = 0
    for k in ev:
        before = Y[k - 1] if k and which[k - 1] == which[k] and turn[k - 1] == turn[k] else np.zeros(Y.shape[1], bool)
        for h in np.flatnonzero(Y[k] & ~before):
            total += 1
            for a, alpha in enumerate(alphas):
                score = np.where(before, -np.inf, z[k] + alpha * std[k])
                hits[a] += int(np.argmax(score) == h)
    return total, (hits / max(total, 1)).tolist()


def learned_scores(parts: dict, kind: str, lam: float = 1.0) -> np.ndarray:
    """(n, H) the learned score of each sentence from the coded sentences before it (online order)."""
    from sklearn.linear_model import Ridge

    names = list(parts)
    X = np.concatenate([parts[n]["ctx"] for n in names]).astype(np.float64)
    Y = np.concatenate([parts[n]["Y"] for n in names]).astype(np.float64)
    which = np.concatenate([np.full(len(parts[n]["Y"]), k) for k, n in enumerate(names)])
    centred = X - X.mean(0)
    centred /= np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-9)
    out = np.zeros(Y.shape)
    n = len(X)
    for t in range(1, len(names)):
        idx = np.flatnonzero(which == t)
        for s in range(0, len(idx), BLOCK):
            train = np.flatnonzero(np.arange(n) < idx[s])
            train = train[Y[train].any(1)]
            block = idx[s:s + BLOCK]
            if kind == "ridge":
                out[block] = Ridge(alpha=lam).fit(X[train], Y[train]).predict(X[block])
            else:
                C = Y[train].T @ centred[train] / np.maximum(Y[train].sum(0)[:, None], 1.0)
                C /= np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-9)
                out[block] = centred[block] @ C.T
    return out


BANDS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.01)


def recording(seen: dict):
    """Wrap ``EmbeddingSuggester.score_span`` so that each answer is kept: (transcript id, segment) -> probs."""
    from codering.suggest.engine import EmbeddingSuggester

    original = EmbeddingSuggester.score_span

    def score_span(self, project, transcript, start, end):
        out = original(self, project, transcript, start, end)
        if out is not None and len(out.rows) == 1:
            seen[(project.transcript_id(transcript), int(out.rows[0]))] = out.prob[0].copy()
        return out

    EmbeddingSuggester.score_span = score_span
    return original


def calibration(parts: dict, seen: dict, ids: dict, cols: list[int]) -> list[tuple[float, float, int, float]]:
    """(low, high, pairs, mean probability, share right) per band, for new families from the second transcript."""
    probs, right = [], []
    for k, name in enumerate(parts):
        if k == 0:
            continue
        part = parts[name]
        for r, seg in enumerate(part["rows"]):
            p = seen.get((ids[name], int(seg)))
            if p is None:
                continue
            before = part["Y"][r - 1] if r and part["turn"][r - 1] == part["turn"][r] else np.zeros(len(cols), bool)
            for j, h in enumerate(cols):
                if not before[j]:
                    probs.append(p[h])
                    right.append(part["Y"][r, j])
    probs, right = np.array(probs), np.array(right, dtype=float)
    out = []
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        inside = (probs >= lo) & (probs < hi)
        if inside.any():
            out.append((lo, min(hi, 1.0), int(inside.sum()), float(probs[inside].mean()), float(right[inside].mean())))
    return out


def main() -> None:
    from codering.coding.evaluate import evaluate
    from codering.suggest.engine import EmbeddingSuggester

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", default=str(SHARED))
    ap.add_argument("--codes", default=r"^(stim|rem)\.")
    args = ap.parse_args()
    pattern = re.compile(args.codes)
    got, seen, ids, cols = {}, {}, {}, []

    def after(project, engine):
        got.update(collect(project, engine, pattern))
        ids.update({t.name: t.id for t in project.transcripts()})
        cols.extend(h for h, head in enumerate(engine.heads) if pattern.search(head))

    original = recording(seen)
    try:
        report = evaluate(args.gold, online=True, codes=args.codes, after=after)
    finally:
        EmbeddingSuggester.score_span = original
    p = report["overall"].get("passages") or {}
    print(f"online run: predicted {p.get('starting_predicted')} of {p.get('starting')} gold codes that start a "
          f"passage, {p.get('continuing_predicted')} of {p.get('continuing')} that continue one")
    print("gold family first among the families the sentence before does not carry, at passage starts "
          "from the second transcript on; score = zero-shot + alpha x learned (standardised)")
    print("  learned signal          " + "  ".join(f"a={a:<4}" for a in ALPHAS))
    for kind in ("ridge", "centroid"):
        total, shares = starts_top1(got, learned_scores(got, kind))
        print(f"  {kind:10s} ({total} starts) " + "  ".join(f"{s:.3f} " for s in shares))
    print("the engine's probability for a new family (not carried from the sentence before), as the coder met "
          "it, against how often it was right (second transcript on):")
    for lo, hi, n, mean, share in calibration(got, seen, ids, cols):
        print(f"  [{lo:.2f}, {hi:.2f})  {n:5d} pairs  mean probability {mean:.3f}  right {share:.3f}")


if __name__ == "__main__":
    main()
