"""Which codes a coder combines on one sentence: after an accept, a suggestion holds the screen only if
it is more likely right than wrong given the code taken (codering.coding.combine, the session, the key
model)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from test_tui_support import DEFAULT_CODEBOOK, GoldSuggester, sample_project, sample_template  # noqa: F401

from codering.codebook import load_codebook
from codering.coding.combine import HOLD, PRIOR_SPANS, CodeCombinations
from codering.coding.keystrokes import Shown, unit_keys
from codering.suggest.base import Suggestion

BOOK = load_codebook(DEFAULT_CODEBOOK)


def span(n: int, *codes: str):
    return [SimpleNamespace(transcript_id=1, start=10 * n, end=10 * n + 9, code_id=c) for c in codes]


def test_without_codings_every_lift_is_one():
    empty = CodeCombinations(BOOK)
    assert empty.lift("stim.praktisch.nabijheid", "stim.inhoud") == 1.0
    # no evidence: a second code holds the screen by its own score, from the break-even on
    assert HOLD == 0.5
    assert empty.still_likely(["stim.praktisch"], "stim.inhoud", 0.6, 0.3)
    assert not empty.still_likely(["stim.praktisch"], "stim.inhoud", 0.3, 0.3)  # likely, but more often wrong
    assert empty.still_likely([], "stim.inhoud", 0.3, 0.3)  # nothing taken: the likely threshold


def test_a_coder_who_puts_one_factor_and_a_context_on_a_sentence():
    codings = []
    for n, factor in enumerate(["stim.praktisch.nabijheid", "stim.inhoud", "rem.financieel", "stim.persoonlijk"] * 5):
        codings += span(n, factor, "ctx.netwerk")
    codings += span(99, "stim.inhoud", "stim.praktisch")  # one sentence with two factors
    combos = CodeCombinations(BOOK, codings)
    assert combos.spans == 21
    # 16 sentences carry a stimulerende factor, one of them two
    stim = 16
    assert combos.with_group["stim"] == stim and combos.together[("stim", "stim")] == 1
    base = 16 / 21
    assert combos.lift("stim.inhoud", "stim.praktisch") == pytest.approx(
        (1 + PRIOR_SPANS * base) / (stim + PRIOR_SPANS) / base)
    assert combos.lift("stim.inhoud", "stim.praktisch") < 0.55  # a second stimulerende factor: rare
    assert combos.lift("stim.inhoud", "ctx.netwerk") == pytest.approx(1.0, abs=0.02)  # a context: as always
    assert combos.lift("stim.inhoud", "rem.praktisch") < 0.5  # a remmende factor (a group of its own): never
    # unknown codes (a codebook edit) say nothing
    assert combos.lift("stim.inhoud", "gone.code") == 1.0
    assert combos.still_likely(["stim.inhoud"], "ctx.netwerk", 0.6, 0.25)
    assert not combos.still_likely(["stim.inhoud"], "ctx.netwerk", 0.3, 0.25)  # likely, but below break-even
    assert not combos.still_likely(["stim.inhoud"], "stim.praktisch", 0.6, 0.25)
    # even a very likely second factor: 0.9 x 0.44 given the first, more often wrong than right
    assert not combos.still_likely(["stim.inhoud"], "stim.praktisch", 0.9, 0.25)
    assert combos.still_likely([], "stim.praktisch", 0.3, 0.25)  # nothing taken: as before


def test_the_key_model_moves_on_when_nothing_open_still_holds():
    def still(taken, s):  # nothing holds once a code is taken
        return s.likely and not taken

    right, wrong = Shown("a", code="a"), Shown("b", code="b")
    assert unit_keys([right, wrong], {"a"}, lambda c: 5).keys == 2  # b holds: j
    assert unit_keys([right, wrong], {"a"}, lambda c: 5, still).keys == 1
    # two right codes: the first accept moves on, the second costs k and its digit
    assert unit_keys([right, Shown("c", likely=False, code="c")], {"a", "c"}, lambda c: 5, still).keys == 3
    # ... unless "a" takes both (both likely)
    assert unit_keys([right, Shown("c", code="c")], {"a", "c"}, lambda c: 5, still).keys == 1


def test_accept_all_keeps_a_right_code_outside_the_scored_ones():
    shown = [Shown("a"), Shown(None, right_elsewhere=True)]
    assert unit_keys(shown, {"a"}, lambda c: 5).keys == 1  # "a" takes both: both right
    # a wrong one outside the scored codes is repaired: digits are cheaper
    assert unit_keys([Shown("a"), Shown(None)], {"a"}, lambda c: 5).keys == 2


class TwoCodes(GoldSuggester):
    """A likely factor and a second likely code (score ``score``), at the engine's likely threshold of 0.25."""

    min_score = 0.25

    def __init__(self, second: str, score: float = 0.6) -> None:
        super().__init__({})
        self.second, self.score = second, score

    def suggest(self, project, transcript, start, end, k=3):
        return [Suggestion("stim.praktisch.nabijheid", 0.9, "lijkt op: …", "example"),
                Suggestion(self.second, self.score, "past bij: …", "codebook")][:k]


@pytest.mark.parametrize("second, coder, score, stays", [
    ("stim.inhoud", "tester", 0.6, False),  # this coder rarely puts two stimulerende factors on a sentence
    ("ctx.netwerk", "tester", 0.6, True),  # but always a context beside one
    ("stim.inhoud", "nieuw", 0.6, True),  # a coder without codings: a code likelier right than wrong holds
    ("stim.inhoud", "nieuw", 0.3, False),  # likely (0.25), but more often wrong: moving on is cheaper
])
def test_after_an_accept_the_cursor_waits_only_for_a_code_still_likely(sample_project, second, coder, score,
                                                                        stays):
    from codering.coding.session import CodingSession
    from codering.store import Project

    with Project.open(sample_project) as project:
        tid = project.transcripts()[0].id
        segments = [s for s in project.segments(tid) if s.role != "interviewer"]
        for seg, factor in zip(segments[-6:], ["stim.inhoud", "stim.persoonlijk", "stim.praktisch"] * 2):
            project.add_coding(tid, seg.start, seg.end, factor, "tester")
            project.add_coding(tid, seg.start, seg.end, "ctx.netwerk", "tester")
        engine = TwoCodes(second, score)
        engine.prepare(project)
        session = CodingSession(project, tid, engine, coder)
        here = session.current
        message = session.accept(0)
        assert (session.current == here) == stays, message
        assert ("blijft" in message) == stays
        assert ("k: terug" in message) == (not stays)  # moved on past a likely code: says how to go back


def test_accept_all_after_an_alternative_that_moves_the_screen_on_costs_a_step_back():
    def still(taken, s):  # a likely code no longer holds once an alternative is taken
        return s.likely and not taken

    shown = [Shown("a", code="a"), Shown("b", code="b"), Shown("c", likely=False, code="c")]
    # c (an alternative) by digit moves on; k back; "a" takes a and b: 3 keys (digits: 3 accepts, the
    # first two moving on early: 1 + 2 + 2)
    assert unit_keys(shown, {"a", "b", "c"}, lambda c: 5, still).keys == 3
    assert unit_keys(shown, {"a", "b", "c"}, lambda c: 5).keys == 2  # everything likely holds: no step back


def test_many_right_codes_on_one_sentence_are_counted_without_trying_every_order():
    shown = [Shown(f"c{n}", code=f"c{n}") for n in range(9)]
    keys = unit_keys(shown, {f"c{n}" for n in range(9)}, lambda c: 5, lambda taken, s: s.likely)
    assert keys.keys == 1 and keys.accepted == 9  # "a" takes all nine; the digits path stays cheap to count
    few = unit_keys(shown[:3], {"c0", "c1", "c2"}, lambda c: 5, lambda taken, s: s.likely and not taken)
    assert few.keys == 1
