"""The keystroke model of the coding screen, and the engine's project-derived thresholds."""

from __future__ import annotations

import numpy as np

from codering.codebook import default_codebook_path, load_codebook
from codering.suggest.engine import GATE_THRESHOLD, MIN_SCORE, thresholds
from codering.coding.keystrokes import SearchCosts, Shown, UnitKeys, summarise, unit_keys


def cost(code: str) -> int:
    return 5  # "/", three letters, Enter


def test_one_right_likely_suggestion_costs_one_key():
    assert unit_keys([Shown("a"), Shown("b", likely=False)], {"a"}, cost).keys == 1


def test_a_right_suggestion_beside_a_likely_wrong_one_needs_a_key_to_move_on():
    keys = unit_keys([Shown("b"), Shown("a")], {"a"}, cost)
    assert (keys.keys, keys.accepted) == (2, 1)


def test_two_right_likely_suggestions_are_taken_with_accept_all():
    keys = unit_keys([Shown("a"), Shown("b"), Shown("c", likely=False)], {"a", "b"}, cost)
    assert keys.keys == 1 and keys.accepted == 2


def test_a_code_not_on_the_list_is_searched_and_then_the_coder_moves_on():
    keys = unit_keys([Shown("b")], {"a"}, cost)
    assert (keys.keys, keys.searched) == (5 + 1, 1)
    assert unit_keys([], {"a"}, cost).keys == 6


def test_search_first_then_the_accept_moves_on():
    assert unit_keys([Shown("a")], {"a", "z"}, cost).keys == 5 + 1


def test_uncoded_sentence_costs_one_key_whatever_is_shown():
    assert unit_keys([], set(), cost).keys == 1
    assert unit_keys([Shown("a"), Shown("b")], set(), cost).keys == 1


def test_accept_all_with_a_wrong_likely_code_costs_its_repair():
    shown = [Shown("a"), Shown("b"), Shown("c"), Shown("w")]
    keys = unit_keys(shown, {"a", "b", "c"}, cost)
    # digits: 3 accepts + j (w stays open) = 4; "a": 1 + k + d 4 + j = 5
    assert keys == UnitKeys(4, 3, 0, 0)


def test_summary_counts_keys_on_coded_units_and_shown_recall():
    units = [(UnitKeys(1, 1, 0, 0), True, True), (UnitKeys(6, 0, 1, 0), True, False), (UnitKeys(1, 0, 0, 0), False, False)]
    out = summarise(units)
    assert out["keys_total"] == 8
    assert out["keys_per_coded_unit"] == 3.5
    assert out["shown_recall"] == 0.5
    assert (out["codes_from_list"], out["codes_by_search"]) == (1, 1)


def test_shortest_query_puts_the_code_among_the_pickers_numbered_entries():
    from codering.coding.search import PICK_KEYS, CodeIndex

    book = load_codebook(default_codebook_path())
    costs = SearchCosts(book)
    index = CodeIndex(book)

    def numbered(query):
        return [m.code_id for m in index.search(query, limit=PICK_KEYS)]

    for code in ("stim.praktisch", "rem.praktisch", "rem.organisatorisch", "stim.praktisch.nabijheid"):
        query = costs.query(code)
        assert query and code in numbered(query)  # "/", the query, then its digit (or Enter when first)
        assert costs.cost(code) == len(query) + 2
        # no shorter prefix of it does the job
        assert all(code not in numbered(query[:n]) for n in range(1, len(query)) if query[:n].strip() == query[:n])
    # with the engine's scores, the empty query lists its next guesses: "/" and a digit
    scores = {"rem.praktisch": 0.4, "stim.inhoud": 0.3, "rem.financieel": 0.2}
    assert costs.query("rem.financieel", scores=scores) == ""
    assert costs.cost("rem.financieel", scores=scores) == 2
    # a guess beyond the numbered entries needs letters
    many = {code: 0.9 - 0.01 * n for n, code in enumerate(c for c in book.codes if book.family_head(c) == c)}
    tenth = sorted(many, key=many.get, reverse=True)[PICK_KEYS]
    assert costs.query(tenth, scores=many) != ""


def test_thresholds_start_at_the_priors_and_follow_the_project():
    empty = np.zeros(0)
    gate, likely = thresholds(empty, np.zeros((0, 3)), np.zeros((0, 3)), empty.astype(bool), empty.astype(bool))
    assert (gate, likely) == (GATE_THRESHOLD, MIN_SCORE)
    rng = np.random.default_rng(1)
    n = 2000
    coded = rng.random(n) < 0.4
    # the gate separates coded from uncoded sentences well: coded score 0.8-1.0, uncoded 0.0-0.6
    p_any = np.where(coded, rng.uniform(0.8, 1.0, n), rng.uniform(0.0, 0.6, n))
    Y = np.zeros((n, 3))
    Y[coded, 0] = 1
    p_code = np.tile([0.9, 0.35, 0.05], (n, 1))  # a close second family: 0.28-0.35 on coded sentences
    gate, likely = thresholds(p_any, p_code, Y, coded, np.ones(n, bool))
    assert 0.75 <= gate <= 0.8  # pulled up from the prior: hardly any coded sentence scores below it
    assert (p_any[coded] < gate).mean() <= 0.1
    assert 0.2 < likely <= 0.5  # moved up from the prior 0.1 so that the close second is no prediction
