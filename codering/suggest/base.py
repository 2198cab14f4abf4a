"""The suggester interface the UI and the CLI are written against, and a fast fake.

A suggester proposes codes for a span of a transcript, each with a score and a
reason a researcher can defend ("lijkt op: ..."). ``prepare`` is slow (it
loads a model and embeds the corpus) and runs in a worker; ``suggest`` and
``observe`` are fast and run on every keystroke.
"""

from __future__ import annotations

import itertools

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from codering.store import Project

ProgressFn = Callable[[str, int, int], None]  # (what, done, total)

#: A suggestion at least this probable is "likely": counted as a prediction, accepted by "accept all".
LIKELY = 0.1


@dataclass(frozen=True)
class Suggestion:
    code_id: str
    score: float  # 0..1, calibrated so that ~0.5 is "as likely right as wrong"
    reason: str  # shown to the researcher, e.g. 'lijkt op: "we zitten in hetzelfde gebouw" (INT-01)'
    source: str = "codebook"  # "codebook" | "example" | "learned" | "passage" (runs on from the sentence before)
    likely: bool = True  # score >= the likely threshold; else an alternative shown to fill the list (dimmed)


class Suggester(Protocol):
    model_id: str

    @property
    def ready(self) -> bool:
        """True once ``prepare`` has finished and ``suggest`` gives real answers."""

    def prepare(self, project: "Project", progress: ProgressFn | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> None:
        """Load the model and embed what is not embedded yet (slow; call from a worker)."""

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        """Up to ``k`` suggestions for ``content[start:end]``, best first; [] means "no code"."""

    def observe(self, project: "Project") -> None:
        """Learn from the decisions and codings now in the project (after each decision)."""


def fold(text: str) -> str:
    """Lowercase and strip diacritics: 'Cliënt' -> 'client'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class KeywordSuggester:
    """A fast, model-free suggester: word overlap with each code's label and examples.

    Meant for UI tests and as a fallback while the real model loads; its reasons
    name the codebook words it matched.
    """

    model_id = "keywords"

    def __init__(self, min_score: float = 0.15) -> None:
        self.min_score = min_score
        self._index: dict[str, dict[str, str]] | None = None  # code -> {word: phrase}
        self._learned: dict[str, set[str]] = {}
        self._rejected: set[tuple[str, str]] = set()
        # per transcript id: (code -> words of its codings, (text, code) rejected); what ``observe`` reads
        # again is only the transcripts ``learning_changes`` names
        self._parts: dict[int, tuple[dict[str, set[str]], set[tuple[str, str]]]] = {}
        self._token = None
        self._book = None  # the codebook the index was built from

    @property
    def ready(self) -> bool:
        return self._index is not None

    def prepare(self, project: "Project", progress: ProgressFn | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> None:
        self._index_codes(project)
        self.observe(project)
        if progress:
            progress("keywords", 1, 1)

    def _index_codes(self, project: "Project") -> None:
        """The words of every codable code's label and examples (again when the codebook changed)."""
        self._book = project.codebook()
        index: dict[str, dict[str, str]] = {}
        for code in self._book:
            if not code.codable:
                continue
            words: dict[str, str] = {}
            for phrase in (code.label, *code.examples):
                for word in _words(phrase):
                    words.setdefault(word, phrase)
            index[code.id] = words
        self._index = index

    def observe(self, project: "Project") -> None:
        """Learn the words of every coding and the rejected (text, code) pairs. Only the transcripts changed
        since the last call are read again: reading every coding after each decision took 240-380 ms a key
        on a project of 20,581 codings (the fallback while the model cannot load)."""
        if self._index is not None and project.codebook() is not self._book:  # a code merged, moved, removed
            self._index_codes(project)
        self._token, changed = project.learning_changes(self._token)
        if changed is None:
            self._parts = _learned_parts(project.codings(), project.decisions())
        else:
            fresh = _learned_parts(itertools.chain.from_iterable(project.codings(t) for t in changed),
                                   itertools.chain.from_iterable(project.decisions(transcript=t) for t in changed))
            for tid in changed:
                self._parts[tid] = fresh.get(tid, ({}, set()))
        merged: dict[str, set[str]] = {}
        rejected_all: set[tuple[str, str]] = set()
        for learned, rejected in self._parts.values():
            for code_id, words in learned.items():
                merged.setdefault(code_id, set()).update(words)
            rejected_all |= rejected
        self._learned, self._rejected = merged, rejected_all

    def suggest(self, project: "Project", transcript: str | int, start: int, end: int,
                k: int = 3) -> list[Suggestion]:
        if self._index is None:
            return []
        text = project.content(transcript)[start:end]
        ordered = list(dict.fromkeys(_words(text)))  # first occurrence order: deterministic reasons
        words = set(ordered)
        if not words:
            return []
        out: list[Suggestion] = []
        for code_id, vocab in self._index.items():
            if (text, code_id) in self._rejected:
                continue
            hits = [w for w in ordered if w in vocab]
            learned_hits = words & self._learned.get(code_id, set())
            score = min(1.0, (len(hits) + 0.5 * len(learned_hits)) / max(3, len(words) ** 0.5 * 2))
            if score < self.min_score:
                continue
            if hits:
                reason = f"past bij: '{vocab[hits[0]]}'"
                source = "codebook"
            else:
                reason = "lijkt op eerder gecodeerde tekst"
                source = "learned"
            out.append(Suggestion(code_id, round(score, 3), reason, source))
        out.sort(key=lambda s: (-s.score, s.code_id))
        return out[:k]


def _learned_parts(codings, decisions) -> dict[int, tuple[dict[str, set[str]], set[tuple[str, str]]]]:
    """Per transcript id: the words of its codings per code, and its rejected (text, code) pairs."""
    parts: dict[int, tuple[dict[str, set[str]], set[tuple[str, str]]]] = {}
    for coding in codings:
        parts.setdefault(coding.transcript_id, ({}, set()))[0].setdefault(coding.code_id, set()).update(
            _words(coding.text))
    for d in decisions:
        if not d.accepted:
            parts.setdefault(d.transcript_id, ({}, set()))[1].add((d.text, d.code_id))
    return parts


_STOP = set("de het een en van in op met voor aan te is dat die dit er niet wel ook maar om als bij "
            "naar zijn we wij ze zij je ge ik hij u of dan nog zo al wat wie hoe door over uit tot "
            "heel echt dus euh ja nee".split())


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z]{3,}", fold(text)) if w not in _STOP]
