"""Fuzzy search over a codebook's codes (pure Python, no Textual).

Used by the code picker of the terminal UI, and testable on its own. A query
is folded (lowercase, diacritics stripped: "clië" finds "Cliënt") and split
into words; every word must occur in a code's label, id, path (its ancestors'
labels), description or examples, as a substring or, in the label only, as a
subsequence ("smnw" finds "samenwerking"). Codes rank by where their words
matched:

    label starts with the word  >  a label word starts with it  >  a path word
    starts with it  >  in the label  >  in the id  >  in the path  >  label
    subsequence  >  description/examples

so "pr r" finds *Praktisch* under *Remmende factoren* before the one under
*Stimulerende factoren*, whose label merely contains an "r".

Before those points come two tiers: codes whose label starts with the whole
query ("kenn" -> "Kennen", "Kennis ...") first. Within a tier, the coder's
recent codes (``recent``, newest first) and the codes the engine finds likely
for the sentence at hand (``scores``, each code's probability, when the
picker is opened on a sentence) get a few points more, fewer than separate
two kinds of match: they win among equal matches ("pr": *Praktisch* under
stimulerend or under remmend, whichever the sentence is about). An empty
query with a sentence's scores lists the engine's *next guesses* first: one
code per family (the family's best-scoring code), families best first, so
the picker continues the suggestion list; the coding screen leaves the
codes its list offers, and their categories, out of those scores
(:func:`without_offered`): they are a digit away already. The other factors
of an offered category stay at half their score, as the runner-up when the
list shows the right category with the wrong factor. Then come the other codes by their points, then
codebook order. The picker numbers the first ``PICK_KEYS`` entries of any
list: ``/`` and a digit apply the engine's second, third... next guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from codering.suggest.base import fold

if TYPE_CHECKING:
    from codering.codebook import Code, Codebook

#: The picker's first entries are numbered: a digit applies one (``/``, then 1-9).
PICK_KEYS = 9
#: The share of its score another factor of a category the suggestion list offers keeps in the picker's
#: ranking help (``without_offered``). Against none: on the sample interviews' factor-level gold
#: (benchmarks/new_user.py) keys per coded sentence 3.43 -> 3.35 zero-shot and 2.42 -> 2.33 online (0.3: 2.35,
#: 1.0: 2.33); on the development set's category-level gold 2.93 zero-shot as before, 1.77 -> 1.78 online.
ALTERNATIVE_WEIGHT = 0.5
#: Most points a recent code and a likely code (probability 1) get on top of their match (see ``_bonus``).
_RECENT = 8.0
_LIKELY = 15.0
# points per word, by where it matched (best first)
_LABEL_PREFIX = 100
_LABEL_WORD = 80
_PATH_WORD = 65
_LABEL_SUB = 60
_ID_SUB = 45
_PATH_SUB = 35
_LABEL_SEQ = 20
_TEXT_SUB = 10


def fold_char(ch: str) -> str:
    return fold(ch)


def fold_map(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index it came from in ``text``."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = fold_char(ch)
        out.append(folded)
        where.extend([i] * len(folded))
    return "".join(out), where


@dataclass(frozen=True)
class Match:
    """One code that matches a query: its score and which label characters matched; ``guess``, the
    engine's probability, when the code is one of the engine's next guesses (an empty query with scores)."""

    code_id: str
    score: float
    label_positions: tuple[int, ...] = ()
    guess: float | None = None


@dataclass(frozen=True)
class _Entry:
    code_id: str
    label: str
    label_folded: str
    label_map: tuple[int, ...]
    id_folded: str
    path_folded: str
    text_folded: str
    order: int


class CodeIndex:
    """Folded search fields of every codable code of a codebook, built once."""

    def __init__(self, codebook: "Codebook", codable_only: bool = True) -> None:
        entries: list[_Entry] = []
        for order, (_, code) in enumerate(codebook.walk()):
            if codable_only and not code.codable:
                continue
            entries.append(_entry(codebook, code, order))
        self._entries = entries
        self._family = {e.code_id: codebook.family_head(e.code_id) for e in entries}

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 50, recent: Sequence[str] = (),
               scores: Mapping[str, float] | None = None) -> list[Match]:
        bonus = _bonus(recent, scores)
        words = fold(query).split()
        if not words:
            scores = scores or {}
            guesses = self.next_guesses(scores)
            first = {code_id: rank for rank, code_id in enumerate(guesses)}
            ordered = sorted(self._entries, key=lambda e: (first.get(e.code_id, len(first)),
                                                           -bonus.get(e.code_id, 0.0), e.order))
            return [Match(e.code_id, 0.0, guess=scores[e.code_id] if e.code_id in first else None)
                    for e in ordered[:limit]]
        whole = " ".join(words)
        found: list[tuple[tuple[int, float], int, Match]] = []
        for entry in self._entries:
            total = 0.0
            positions: set[int] = set()
            for word in words:
                points, where = _score_word(entry, word)
                if points == 0:
                    break
                total += points
                positions.update(where)
            else:
                label_positions = tuple(sorted({entry.label_map[p] for p in positions}))
                # shorter labels win ties: "Nabijheid" before "Nabijheid van diensten"
                total -= len(entry.label) / 1000
                tier = 0 if entry.label_folded.startswith(whole) else 1
                found.append(((tier, -(total + bonus.get(entry.code_id, 0.0))), entry.order,
                              Match(entry.code_id, round(total, 3), label_positions)))
        found.sort(key=lambda item: (item[0], item[1]))
        return [m for _, _, m in found[:limit]]

    def next_guesses(self, scores: Mapping[str, float]) -> list[str]:
        """One code per family with a score above 0, the family's best (codebook order breaks ties),
        families best first: what the suggestion list would show next."""
        best: dict[str, tuple[float, int, str]] = {}
        for e in self._entries:
            p = float(scores.get(e.code_id, 0.0))
            if p <= 0.0:
                continue
            head = self._family[e.code_id]
            if head not in best or (p, -e.order) > (best[head][0], -best[head][1]):
                best[head] = (p, e.order, e.code_id)
        return [code_id for _, _, code_id in sorted(best.values(), key=lambda v: (-v[0], v[1]))]


def _bonus(recent: Sequence[str], scores: Mapping[str, float] | None) -> dict[str, float]:
    """Points added to a code's match: up to ``_RECENT`` for the coder's recent codes (newest most) and up
    to ``_LIKELY`` for the engine's probability for the sentence. Less than the gap between two kinds of
    match (20), so a recent or likely code wins among equal matches, not over a better one."""
    out: dict[str, float] = {}
    for i, code_id in enumerate(recent):
        out[code_id] = out.get(code_id, 0.0) + _RECENT * (1.0 - i / max(len(recent), 1))
    for code_id, p in (scores or {}).items():
        out[code_id] = out.get(code_id, 0.0) + _LIKELY * max(0.0, min(1.0, float(p)))
    return out


def without_offered(codebook: "Codebook", scores: Mapping[str, float], offered: Iterable[str],
                    taken: Iterable[str] = ()) -> dict[str, float]:
    """``scores`` with what the suggestion list offers (the ``offered`` codes) taken out of the ranking help.

    A code on the list is one digit away, and so is its category (a factor
    counts for it): both drop to 0, so whoever opens the picker meets the
    engine's next guesses. The *other* factors of an offered category stay,
    at ``ALTERNATIVE_WEIGHT`` times their score: the engine found the category
    but may have shown the wrong factor of it ("Grote afstand" where the
    coder wants "Tijdsgebrek"), and a coder who codes factors then finds the
    runner-up among the next guesses, after the categories it is as sure of.
    ``/`` and Enter apply the best code the list does not offer.

    The families of the ``taken`` codes (already on the selection) drop out
    whole: the category is answered, a second factor of it is rare
    (:mod:`codering.coding.combine`), and once the coder has taken a code the
    engine, having learned from that very sentence, scores its whole family
    high.
    """
    offered = [c for c in offered if c in codebook]
    heads = {codebook.family_head(c) for c in offered}
    answered = {codebook.family_head(c) for c in taken if c in codebook}
    if not heads and not answered:
        return dict(scores)
    out: dict[str, float] = {}
    for code_id, p in scores.items():
        head = codebook.family_head(code_id) if code_id in codebook else None
        if head in answered or (head in heads and (code_id in offered or code_id == head)):
            out[code_id] = 0.0
        elif head in heads:
            out[code_id] = ALTERNATIVE_WEIGHT * p
        else:
            out[code_id] = p
    return out


def search_codes(codebook: "Codebook", query: str, limit: int = 50, recent: Sequence[str] = (),
                 scores: Mapping[str, float] | None = None) -> list[Match]:
    """One-off search (builds the index); keep a ``CodeIndex`` when searching per keystroke."""
    return CodeIndex(codebook).search(query, limit, recent, scores)


def _entry(codebook: "Codebook", code: "Code", order: int) -> _Entry:
    label_folded, label_map = fold_map(code.label)
    path = " ".join(c.label for c in codebook.ancestors(code.id))
    text = " ".join([code.description, code.include, *code.examples, code.short or ""])
    return _Entry(
        code_id=code.id, label=code.label, label_folded=label_folded, label_map=tuple(label_map),
        id_folded=fold(code.id), path_folded=fold(path), text_folded=fold(text), order=order,
    )


def _score_word(entry: _Entry, word: str) -> tuple[int, Iterable[int]]:
    label = entry.label_folded
    if label.startswith(word):
        return _LABEL_PREFIX, range(len(word))
    at = _word_start(label, word)
    if at >= 0:
        return _LABEL_WORD, range(at, at + len(word))
    if entry.path_folded.startswith(word) or _word_start(entry.path_folded, word) >= 0:
        return _PATH_WORD, ()
    at = label.find(word)
    if at >= 0:
        return _LABEL_SUB, range(at, at + len(word))
    if word in entry.id_folded:
        return _ID_SUB, ()
    if word in entry.path_folded:
        return _PATH_SUB, ()
    seq = _subsequence(label, word)
    if seq is not None:
        return _LABEL_SEQ, seq
    if word in entry.text_folded:
        return _TEXT_SUB, ()
    return 0, ()


def _word_start(text: str, word: str) -> int:
    at = text.find(word)
    while at > 0:
        if not text[at - 1].isalnum():
            return at
        at = text.find(word, at + 1)
    return -1


def _subsequence(text: str, word: str) -> list[int] | None:
    if len(word) < 2:
        return None
    out: list[int] = []
    pos = 0
    for ch in word:
        pos = text.find(ch, pos)
        if pos < 0:
            return None
        out.append(pos)
        pos += 1
    return out
