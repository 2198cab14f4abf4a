"""Why the engine keeps two hand-written numerical pieces instead of scikit-learn.

The suggestion engine learns after every decision and must answer in under
100 ms (issue: suggestions). This prints, on a training set of the size of a
fully coded 35-interview project (18,730 reviewed sentences, 388 features,
33 code families + "any code"):

* scikit-learn ``Ridge`` refitted from the rows (what a decision would cost
  without the engine's incremental Woodbury update in ``suggest/learn.py``),
  against that incremental update for one changed transcript block;
* scikit-learn ``LogisticRegression`` on the calibrator's rows (2,000 sampled
  sentences x 33 families, 12 features), against the engine's MAP logistic
  regression (``suggest/calibrate.py``), which also has what scikit-learn
  lacks: a Gaussian prior centred on the hand-set default coefficients.

Run: .venv/bin/python benchmarks/sklearn_vs_engine.py
"""

from __future__ import annotations

import time

import numpy as np


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def main() -> None:
    from sklearn.linear_model import LogisticRegression, Ridge

    from codering.suggest.calibrate import CODE_PRIOR, fit_map_logistic
    from codering.suggest.learn import Part, RidgeModel

    rng = np.random.default_rng(0)
    n, d, labels = 18730, 388, 34
    X = rng.standard_normal((n, d)).astype(np.float32)
    Y = (rng.random((n, labels)) < 0.05).astype(np.float32)
    blocks = np.array_split(np.arange(n), 35)
    parts = [Part(i, [(i, int(r)) for r in rows], X[rows], Y[rows]) for i, rows in enumerate(blocks)]
    model = RidgeModel()
    model.fit(parts)

    def one_decision():
        changed = list(parts)
        rows = blocks[3]
        y = Y[rows].copy()
        y[0, 0] = 1 - y[0, 0]
        changed[3] = Part(3, parts[3].keys, parts[3].X, y)
        model.fit(changed)
        model.fit(parts)  # and back, so every repeat does the same work

    print(f"ridge, {n} x {d} -> {labels}:")
    print(f"  scikit-learn Ridge refit        {timed(lambda: Ridge(alpha=1.0).fit(X, Y)):8.1f} ms")
    print(f"  engine, one decision (x2 fits)  {timed(one_decision):8.1f} ms")

    rows, width = 2000 * 33, len(CODE_PRIOR)
    F = np.hstack([np.ones((rows, 1)), rng.standard_normal((rows, width - 1))])
    y = (rng.random(rows) < 0.1).astype(float)
    print(f"calibrator, {rows} x {width}:")
    print(f"  scikit-learn LogisticRegression {timed(lambda: LogisticRegression().fit(F[:, 1:], y)):8.1f} ms")
    print(f"  engine MAP logistic (Newton)    {timed(lambda: fit_map_logistic(F, y, CODE_PRIOR)):8.1f} ms")


if __name__ == "__main__":
    main()
