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


def passages(runs_end_at: int, n: int = 60, seed: int = 0):
    """Calibration rows of one family on coded sentences whose previous sentence carries it for 1, 2 or 3
    sentences: a coder whose passages end after ``runs_end_at`` sentences (the code runs on before that)."""
    from codering.suggest.calibrate import Previous, code_features

    rng = np.random.default_rng(seed)
    runs = rng.integers(1, 4, size=n).astype(float)
    previous = Previous(runs[:, None], np.ones(n), np.zeros(n), np.zeros(n))
    z = np.zeros((n, 1))
    F = code_features(z, None, None, None, previous)
    Y = (runs < runs_end_at).astype(float)[:, None]
    return F, Y, runs


def gate_rows(n: int) -> np.ndarray:
    from codering.suggest.calibrate import GATE_FEATURES

    G = np.zeros((n, len(GATE_FEATURES)))
    G[:, 0] = 1.0
    return G


def test_the_running_on_model_learns_how_long_this_coders_passages_are():
    from codering.suggest.calibrate import Calibrator

    for ends_after in (2, 3):
        F, Y, runs = passages(ends_after)
        cal = Calibrator()
        assert not cal.carry_beta[12:14].any()  # no assumption about passage length before any decision
        cal.fit(F, Y, gate_rows(len(F)), np.ones(len(F)))
        p = cal.code_prob(F)[:, 0]
        ran_on, ended = p[runs < ends_after].min(), p[runs >= ends_after].max()
        assert ran_on > 0.5 > ended, (ends_after, ran_on, ended)


def test_rows_without_a_code_running_on_keep_the_code_model():
    from codering.suggest.calibrate import Calibrator

    F, Y, _ = passages(2)
    cal = Calibrator()
    cal.fit(F, Y, gate_rows(len(F)), np.ones(len(F)))
    fresh = F.copy()
    fresh[..., 6:9] = 0.0
    fresh[..., 12:15] = 0.0  # nothing carried: the code model answers, not the running-on one
    assert np.allclose(cal.code_prob(fresh), 1 / (1 + np.exp(-(fresh @ cal.code_beta))))
    assert not np.allclose(cal.carry_beta, cal.code_beta)
