"""The calibrator's MAP logistic fit (``fit_map_logistic``): it must find the optimum, not swing past it."""

from __future__ import annotations

import numpy as np

from codering.suggest.calibrate import fit_map_logistic


def objective(F, y, b, prior, strength):
    z = F @ b
    return float((np.logaddexp(0.0, z) - y * z).sum() + 0.5 * strength * ((b - prior) ** 2).sum())


def test_a_prior_with_saturated_predictions_does_not_send_newton_swinging():
    # Every row says "no", the prior says a firm "yes" (z = 10, p(1-p) ~ 5e-5): a full Newton step
    # jumps to b ~ -48, the next one back to ~ +1, and so on (the gate of a project went silent this way).
    F = np.full((100, 1), 10.0)
    y = np.zeros(100)
    prior = np.array([1.0])
    beta = fit_map_logistic(F, y, prior, strength=20.0)
    grid = np.linspace(-3.0, 3.0, 60001)
    best = grid[np.argmin([objective(F, y, np.array([b]), prior, 20.0) for b in grid])]
    assert abs(beta[0] - best) < 1e-3
    assert objective(F, y, beta, prior, 20.0) < objective(F, y, prior, prior, 20.0)


def test_an_easy_fit_still_converges_to_the_optimum():
    rng = np.random.default_rng(3)
    F = np.column_stack([np.ones(400), rng.normal(size=(400, 3))])
    y = (rng.random(400) < 1 / (1 + np.exp(-(F @ np.array([-0.5, 1.0, -2.0, 0.5]))))).astype(float)
    prior = np.zeros(4)
    beta = fit_map_logistic(F, y, prior, strength=1.0)
    p = 1 / (1 + np.exp(-(F @ beta)))
    gradient = F.T @ (p - y) + 1.0 * (beta - prior)
    assert np.abs(gradient).max() < 1e-4
