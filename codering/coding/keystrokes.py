"""Simulated keystrokes: what coding a sentence costs a researcher on the coding screen.

``codering evaluate`` walks every respondent sentence with the real engine and
counts the keys a researcher would press under this model of the coding
screen (the keys of ``codering/tui/screens/coding.py``):

* the screen shows the engine's suggestions for the sentence, best first;
* a right suggestion (its code, at the level of the gold ids, is one the
  sentence carries) is accepted with its digit: **1 key** each;
* ``a`` accepts every *likely* suggestion at once (**1 key**) and moves on;
  a wrong code taken that way costs a step back (``k``), ``d`` and its number
  (**2 keys** each) and ``j``. A right code outside the scored ones (a
  context code beside the factor codes an evaluation scores) is no wrong
  code: the coder keeps it. The coder takes whichever of "digits" and
  "``a``" is cheaper;
* a code the list does not offer is applied by search: ``/``, the keys of
  the *shortest* query that puts the code among the picker's numbered
  entries (:class:`SearchCosts`; the picker ranks by the engine's
  probabilities for the sentence, less the families the list already
  offers, and the coder's recent codes, as on the screen; with an empty
  query it lists the engine's next guesses), then its digit (or Enter):
  **2 + len(query)** keys, so 2 for one of the engine's next nine guesses;
* moving on costs **1 key** (``j``, or ``X`` rejecting what is left), except
  after an accept that leaves nothing open that still holds the screen: a
  likely suggestion that is still likely given the codes taken
  (``CodingSession._after_decision``, :mod:`codering.coding.combine`). The
  coder accepts the right codes in the cheapest order; one that moves the
  screen on before the last right code costs a step back (``k``). A search
  does not move on, so the coder searches first and accepts last.

So a sentence whose one code is the only likely suggestion costs 1 key; a
sentence without a code costs 1 key whatever is shown; the worst case is a
search for every code. The list is taken as first shown (the engine learns
between sentences, not between keys of one sentence), so accepting a code
never makes the model rank the next code of the same sentence higher.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Sequence

from codering.coding.search import PICK_KEYS

if TYPE_CHECKING:
    from codering.codebook import Codebook


@dataclass(frozen=True)
class Shown:
    """One suggestion on the screen as the keystroke model sees it."""

    level: str | None  # the code at the level of the gold ids (None: outside the scored codes)
    likely: bool = True
    code: str | None = None  # the code shown (a factor, or the level itself), for ``still_likely``
    score: float = 1.0
    right_elsewhere: bool = False  # a right code outside the scored ones: "a" may take it, no repair


StillLikely = Callable[[Sequence[Shown], Shown], bool]
#: Up to this many right codes on a sentence, every accept order is tried (4! = 24).
MAX_ORDERS = 4


@dataclass
class UnitKeys:
    keys: int
    accepted: int  # codes taken from the list
    searched: int  # codes applied by search
    removed: int  # wrong codes taken with "a" and removed again


class SearchCosts:
    """The shortest picker query that puts a code first, under the picker's own ranking.

    Candidate queries are the empty query, prefixes of the code's label words
    and of its id's last part, alone or followed by a prefix of another word
    of its label, path or id (``pr r`` finds *Praktisch* under *Remmende
    factoren*); the shortest one whose first hit is the code wins. The picker
    ranks by the engine's probabilities for the sentence and the coder's
    recent codes too (:mod:`codering.coding.search`), so the answer depends
    on both when they are given. A code no short query finds costs its whole
    label.
    """

    def __init__(self, codebook: "Codebook") -> None:
        from codering.coding.search import CodeIndex  # the picker's own ranking

        self.codebook = codebook
        self.index = CodeIndex(codebook)
        self._candidates: dict[str, list[str]] = {}
        self._plain: dict[str, int] = {}

    def candidates(self, code_id: str) -> list[str]:
        found = self._candidates.get(code_id)
        if found is not None:
            return found
        from codering.suggest.base import fold

        code = self.codebook.get(code_id)
        label_words = [w for w in fold(code.label).replace("/", " ").split() if w.isalnum() or len(w) > 1]
        id_part = fold(code_id.rsplit(".", 1)[-1])
        path_words = [w for a in self.codebook.ancestors(code_id) for w in fold(a.label).split()]
        id_words = [fold(p) for p in code_id.split(".")]
        heads = _unique([*label_words, id_part])
        tails = _unique([*label_words, *path_words, *id_words])
        out = [""]
        for head in heads:
            out += [head[:n] for n in range(1, len(head) + 1)]
        for head in heads:
            for tail in tails:
                if tail == head:
                    continue
                for n in range(1, min(len(head), 6) + 1):
                    out += [f"{head[:n]} {tail[:m]}" for m in range(1, min(len(tail), 6) + 1)]
        found = self._candidates[code_id] = sorted(set(out), key=lambda q: (len(q), q))
        return found

    def query(self, code_id: str, recent: Sequence[str] = (), scores: Mapping[str, float] | None = None) -> str:
        from codering.suggest.base import fold

        for q in self.candidates(code_id):
            if not q and not (recent or scores):
                continue  # an empty query lists the codebook in order: no search at all
            hits = self.index.search(q, limit=PICK_KEYS, recent=recent, scores=scores)
            if any(hit.code_id == code_id for hit in hits):
                return q
        return fold(self.codebook.get(code_id).label)

    def cost(self, code_id: str, recent: Sequence[str] = (), scores: Mapping[str, float] | None = None) -> int:
        """Keys to apply ``code_id`` by search: ``/``, the query, Enter."""
        if recent or scores:
            return 2 + len(self.query(code_id, recent, scores))
        if code_id not in self._plain:
            self._plain[code_id] = 2 + len(self.query(code_id))
        return self._plain[code_id]


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def unit_keys(shown: Sequence[Shown], gold: set[str], search_cost: Callable[[str], int],
              still_likely: "StillLikely | None" = None) -> UnitKeys:
    """Keys to code one sentence whose codes (at gold level, in scope) are ``gold``.

    ``still_likely(taken, s)``: whether suggestion ``s`` still holds the screen
    once the codes ``taken`` are on the sentence (``CodingSession`` asks
    :mod:`codering.coding.combine`); without it, a likely suggestion always does.
    """
    right: list[int] = []
    seen: set[str] = set()
    for i, s in enumerate(shown):
        if s.level in gold and s.level not in seen:
            right.append(i)
            seen.add(s.level)
    missing = sorted(gold - seen)
    search = sum(search_cost(code) for code in missing)
    if not gold:
        return UnitKeys(1, 0, 0, 0)
    right_set = set(right)
    holds = still_likely or (lambda taken, s: s.likely)
    # searches first (a search does not move on), then one digit per right code, in the best order: an
    # accept moves on when nothing open still holds the screen (a later right code then costs a step
    # back, k, as well); after the last one a wrong code that holds costs j
    searched = [Shown(code, code=code) for code in missing]  # on the sentence before the first accept
    digits = search + len(right) + 1
    if right:
        best_extra = None
        # every order for a few codes; beyond that, the codes that hold the screen themselves come last
        orders = itertools.permutations(right) if len(right) <= MAX_ORDERS else [
            sorted(right, key=lambda i: holds([], shown[i]))]
        for order in orders:
            taken = list(searched)
            extra = 0
            for n, i in enumerate(order):
                taken.append(shown[i])
                open_here = [shown[j] for j in order[n + 1:]] + [shown[j] for j in range(len(shown))
                                                                  if j not in right_set]
                stays = any(holds(taken, s) for s in open_here)
                last = n == len(order) - 1
                extra += (1 if stays else 0) if last else (0 if stays else 1)
            best_extra = extra if best_extra is None else min(best_extra, extra)
        digits = search + len(right) + best_extra
    wrong_likely = [i for i, s in enumerate(shown) if s.likely and i not in right_set and not s.right_elsewhere]
    best = UnitKeys(digits, len(right), len(missing), 0)
    # "a" takes every likely suggestion and moves on; wrong ones are removed after stepping back (k, then
    # d and the coding's number each, then j); right alternatives (not likely) are taken by digit first
    likely_right = [i for i in right if shown[i].likely]
    if likely_right:
        unlikely = [shown[i] for i in right if not shown[i].likely]
        repair = 2 + 2 * len(wrong_likely) if wrong_likely else 0
        # taking the unlikely right codes first can move the screen on (then k comes back to it)
        back = 1 if unlikely and not any(holds(searched + unlikely, s) for s in shown if s.likely) else 0
        keys = search + len(unlikely) + back + 1 + repair
        if keys < best.keys:
            best = UnitKeys(keys, len(right), len(missing), len(wrong_likely))
    return best


def summarise(per_unit: Sequence[tuple[UnitKeys, bool, bool]]) -> dict:
    """Totals for (keys, coded, all gold shown) of each unit."""
    coded = [(k, shown) for k, c, shown in per_unit if c]
    keys_coded = sum(k.keys for k, _ in coded)
    return {
        "keys_total": sum(k.keys for k, _, _ in per_unit),
        "keys_per_unit": round(sum(k.keys for k, _, _ in per_unit) / len(per_unit), 3) if per_unit else None,
        "keys_per_coded_unit": round(keys_coded / len(coded), 3) if coded else None,
        "shown_recall": round(sum(1 for _, s in coded if s) / len(coded), 4) if coded else None,
        "codes_from_list": sum(k.accepted for k, _, _ in per_unit),
        "codes_by_search": sum(k.searched for k, _, _ in per_unit),
        "codes_removed": sum(k.removed for k, _, _ in per_unit),
    }
