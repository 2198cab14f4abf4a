"""Representative quotes for a factor, chosen without loading any model.

The quote for a factor is the coded text nearest to the centre of all the
texts coded with it: the text that shares most of its wording with the rest,
so the one a researcher would call typical, not the odd one out.

- By default the texts are compared as TF-IDF vectors (words of three or more
  letters, Dutch and English function words left out, sublinear term
  frequency, IDF over all coded texts of the export), computed here in plain
  Python: scikit-learn would add two seconds of import for a few thousand
  short texts.
- If the project's embedding cache already holds vectors for *every* coded
  text of a factor (``cached_vectors(model, sha256(text))``, model from the
  project setting ``model``), those vectors are used for that factor instead.
  The exporter never loads a model.

Respondent text is preferred over interviewer text, and texts of 8-80 words
over fragments and monologues (when the factor has any). Further quotes come
from other interviews first, so two quotes are not two sentences of the same
answer. Ties go to the text whose length is nearest the median.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from statistics import median
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codering.export.data import ExportData, Mark

STOPWORDS = frozenset("""
aan al alle alles als ben bij dan dat de deze die dit doe doen door dus een eens en er ge geen
had heb hebben heeft het hier hij hoe hun iemand iets ik in is ja je kan kon kunnen maar me meer
men met mij mijn moet na naar nee niet niets nog nu of om omdat ons onze ook op over te tot toch
toen uit van veel voor want was wat we wel werd wie wij wil worden zal ze zei zelf zich zij zijn
zo zoals zou euh ehm uh hè allee eigenlijk gewoon echt heel dus
the and for that this with are was were you they have has not but from
""".split())
_TOKEN = re.compile(r"[^\W\d_]{3,}")
def shorten(text: str, limit: int) -> str:
    if limit <= 0 or len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if not text[limit - 1].isspace() and space > limit * 0.6:  # do not end in the middle of a word
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class QuotePicker:
    """Picks quotes for several factors of one export, sharing the IDF and the vector lookup."""

    def __init__(self, data: ExportData, marks: Sequence[Mark]) -> None:
        self.texts: dict[tuple, str] = {}
        for mark in marks:
            self.texts.setdefault(_key(mark), mark.text or " ".join(mark.coding.text.split()))
        self._tokens = {key: tokens(t) for key, t in self.texts.items()}  # each text tokenised once
        df = Counter(tok for toks in self._tokens.values() for tok in set(toks))
        n = max(len(self._tokens), 1)
        self.idf = {tok: math.log((1 + n) / (1 + count)) + 1.0 for tok, count in df.items()}
        self._words = {key: len(t.split()) for key, t in self.texts.items()}
        self._vectors: dict[tuple, dict[str, float]] = {}
        self.vectors = self._cached_vectors(data, marks)
        self.used_vectors = False

    @staticmethod
    def _cached_vectors(data: ExportData, marks: Sequence[Mark]) -> dict[str, object]:
        if not data.model_id or data.project is None or not marks:
            return {}
        from codering.store import text_hash

        hashes = sorted({text_hash(m.coding.text) for m in marks})
        try:
            return data.project.cached_vectors(data.model_id, hashes)
        except Exception:  # noqa: BLE001 - a missing or odd cache only means TF-IDF
            return {}

    def pick(self, marks: Sequence[Mark], k: int) -> list[Mark]:
        """Up to ``k`` representative marks, best first (see the module docstring)."""
        unique: dict[tuple, Mark] = {}
        for mark in marks:
            unique.setdefault(_key(mark), mark)
        if not unique or k <= 0:
            return []
        pool = list(unique.items())  # (key, mark): each mark's key worked out once
        spoken = [(key, m) for key, m in pool if m.role != "interviewer"] or pool
        sized = [(key, m) for key, m in spoken if 8 <= self._words[key] <= 80] or spoken
        scores = self._scores(sized)
        lengths = [len(self.texts[key]) for key, _ in sized]
        mid = median(lengths)
        ranked = sorted(range(len(sized)), key=lambda i: (-round(scores[i], 9), abs(lengths[i] - mid), i))
        candidates = [sized[i][1] for i in ranked]
        chosen: list[Mark] = []
        seen: set[int] = set()
        for mark in candidates:  # one per interview first
            if len(chosen) < k and mark.transcript_id not in seen:
                chosen.append(mark)
                seen.add(mark.transcript_id)
        for mark in candidates:
            if len(chosen) < k and mark not in chosen:
                chosen.append(mark)
        return chosen

    def quote(self, mark: Mark, limit: int = 300) -> str:
        stamp = f", {mark.timestamp}" if mark.timestamp else ""
        return f"“{shorten(self.texts[_key(mark)], limit)}” ({mark.source}{stamp})"

    def _scores(self, keyed: Sequence[tuple[tuple, Mark]]) -> list[float]:
        if len(keyed) == 1:
            return [1.0]
        from codering.store import text_hash

        vecs = [self.vectors.get(text_hash(m.coding.text)) for _, m in keyed] if self.vectors else [None]
        if all(v is not None for v in vecs):
            self.used_vectors = True
            return _dense_scores(vecs)
        return _sparse_scores([self._tfidf(key) for key, _ in keyed])

    def _tfidf(self, key: tuple) -> dict[str, float]:
        found = self._vectors.get(key)
        if found is None:
            found = self._vectors[key] = self._weigh(self._tokens[key])
        return found

    def _weigh(self, toks: list[str]) -> dict[str, float]:
        idf, log = self.idf, math.log
        vec = {tok: (1.0 if c == 1 else 1.0 + log(c)) * idf[tok] for tok, c in Counter(toks).items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {tok: v / norm for tok, v in vec.items()}


def _sparse_scores(vecs: list[dict[str, float]]) -> list[float]:
    n = len(vecs)
    centre: dict[str, float] = {}
    get = centre.get
    for vec in vecs:
        for tok, value in vec.items():
            centre[tok] = get(tok, 0.0) + value / n
    norm = math.sqrt(sum(v * v for v in centre.values())) or 1.0
    return [sum(value * centre[tok] for tok, value in vec.items()) / norm for vec in vecs]


def _dense_scores(vecs: list) -> list[float]:
    import numpy as np

    matrix = np.vstack([np.asarray(v, dtype=np.float64) for v in vecs])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)
    centre = matrix.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    return [float(x) for x in matrix @ centre]


def _key(mark: Mark) -> tuple:
    return (mark.transcript_id, mark.coding.start, mark.coding.end)
