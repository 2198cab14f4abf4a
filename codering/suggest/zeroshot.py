"""Zero-shot scores: how well a segment matches each code's own words.

Each codable code gets a *prototype*: the weighted mean of its phrase vectors
(label, description and inclusion sentences, example phrases), after
subtracting the mean phrase vector so that what all codes share ("samenwerking
rond zorg en welzijn") does not dominate. Segments are centred likewise on the
corpus mean (shrunk towards the phrase mean in small projects).

A *family* (a category with its factors, or a code without children) is
scored by soft-max pooling over its members, so a category is found through
its best-matching factor. Mirror families (``stim.x``/``rem.x``) share a
*topic* score, their mean; what separates them is their own difference plus
a *polarity* signal from the lexicon and from anchor sentences, because
sentence embeddings see the topic far better than whether it helps or hinders.

Finally family scores are standardised over the project's respondent
segments (a z-score) per *group* of families that compete with each other
(factors, contexts, finaliteit, ...), so that the groups' scores are
comparable while the ranking inside a group stays as the cosines have it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from codering.suggest.phrases import KIND_WEIGHTS, Family, Phrase

#: Soft-max pooling temperature over a family's members (on cosines).
POOL_TEMPERATURE = 20.0
#: Weight of a mirror family's own difference (0: topic only, 1: no sharing).
MIRROR_OWN = 0.5
#: Weight of the polarity signal in a mirror pair (on cosine scale).
POLARITY_WEIGHT = 0.02
#: Polarity = valence of the sentence + these times anchor z-score and turn valence.
ANCHOR_WEIGHT = 0.25
TURN_VALENCE_WEIGHT = 0.5
#: Pseudo-count of segments when shrinking corpus statistics for small projects.
SHRINK = 100.0


def _shrunk(values: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(mean, std) of ``values``, shrunk towards the ``reference``'s by ``SHRINK`` pseudo-rows."""
    w = len(values) / (len(values) + SHRINK)
    mean = float(w * values.mean() + (1 - w) * reference.mean()) if len(values) else float(reference.mean())
    var = float(w * values.var() + (1 - w) * reference.var()) if len(values) else float(reference.var())
    return mean, (float(np.sqrt(var)) or 1.0)


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norms, 1e-9)


@dataclass
class ZeroShot:
    """Codebook prototypes and corpus statistics; ``scores`` is numpy only."""

    phrases: list[Phrase]
    phrase_vectors: np.ndarray  # (P, d) raw unit vectors
    families: dict[str, Family]
    positive_anchors: np.ndarray
    negative_anchors: np.ndarray
    codes: list[str] = field(init=False)  # codable codes, column order of member scores
    heads: list[str] = field(init=False)  # family heads, column order of head scores

    def __post_init__(self) -> None:
        self.codes = [m for fam in self.families.values() for m in fam.members]
        self.heads = list(self.families)
        self.code_index = {c: i for i, c in enumerate(self.codes)}
        self.head_index = {h: i for i, h in enumerate(self.heads)}
        self.phrase_mean = self.phrase_vectors.mean(0) if len(self.phrase_vectors) else None
        centred = _unit(self.phrase_vectors - self.phrase_mean) if self.phrase_mean is not None else self.phrase_vectors
        self.phrase_centred = centred.astype(np.float32)
        self.phrase_code = np.array([self.code_index.get(p.code_id, -1) for p in self.phrases])
        d = self.phrase_vectors.shape[1] if self.phrase_vectors.ndim == 2 else 0
        protos = np.zeros((len(self.codes), d), dtype=np.float32)
        for j in range(len(self.codes)):
            rows = np.flatnonzero(self.phrase_code == j)
            if len(rows):
                w = np.array([KIND_WEIGHTS.get(self.phrases[r].kind, 1.0) for r in rows], dtype=np.float32)
                protos[j] = (w[:, None] * centred[rows]).sum(0)
        self.prototypes = _unit(protos).astype(np.float32)
        self.member_of = np.array([self.head_index[self._head(c)] for c in self.codes])
        self.mirrors = [(self.head_index[f.head], self.head_index[f.mirror]) for f in self.families.values()
                        if f.mirror is not None and f.valence > 0]
        self.center = self.phrase_mean if self.phrase_mean is not None else np.zeros(d, np.float32)
        self.anchor_mean, self.anchor_std = 0.0, 1.0
        self.topic_axis = _unit(self.center).astype(np.float32)  # "about collaboration at all"
        self.relevance_mean, self.relevance_std = 0.0, 1.0
        self.collection_relevance = (0.0, 1.0)  # (mean, std) for texts without interviewer turns
        self.groups: dict[str, list[int]] = {}
        for i, h in enumerate(self.heads):
            self.groups.setdefault(self.families[h].group or h, []).append(i)
        self.head_mean = np.zeros(len(self.heads), np.float32)
        self.head_std = np.ones(len(self.heads), np.float32)

    def _head(self, code_id: str) -> str:
        for fam in self.families.values():
            if code_id in fam.members:
                return fam.head
        raise KeyError(code_id)

    # -- corpus statistics ------------------------------------------------------
    def fit_corpus(self, context: np.ndarray, valence: np.ndarray, turn_valence: np.ndarray,
                   collection: np.ndarray | None = None) -> None:
        """Centre and standardise on the project's respondent segments (rows of ``context``).

        ``collection`` marks rows from texts without interviewer turns (labelled
        segments, quotes): their relevance is standardised among themselves. An
        interview sentence's context vector mixes in its turn, neighbours and
        question, which pulls it towards the topic (report quotes: raw
        relevance 0.937 alone, interview sentences 0.960), so measured against
        interview sentences a standalone quote looked off-topic and the gate
        closed on it.
        """
        n = len(context)
        if n:
            w = n / (n + SHRINK)
            base = self.phrase_mean if self.phrase_mean is not None else 0
            self.center = (w * context.mean(0) + (1 - w) * base).astype(np.float32)
            # small projects lean on the codebook's own phrases as the reference
            rel = context @ self.topic_axis
            ref = self.phrase_vectors @ self.topic_axis if len(self.phrase_vectors) else rel
            alone = np.zeros(n, bool) if collection is None else np.asarray(collection, bool)
            self.relevance_mean, self.relevance_std = _shrunk(rel[~alone], ref)
            self.collection_relevance = _shrunk(rel[alone], ref)
            anchor = self._anchor_raw(context)
            self.anchor_mean = float(anchor.mean())
            self.anchor_std = float(anchor.std()) or 1.0
            raw = self.head_raw(context, valence, turn_valence)[0]
            pooled_mean, pooled_var = float(raw.mean()), float(raw.var()) or 1.0
            for cols in self.groups.values():
                block = raw[:, cols]
                self.head_mean[cols] = w * block.mean() + (1 - w) * pooled_mean
                self.head_std[cols] = max(np.sqrt(w * block.var() + (1 - w) * pooled_var), 1e-3)

    def _anchor_raw(self, context: np.ndarray) -> np.ndarray:
        if not len(self.positive_anchors) or not len(self.negative_anchors):
            return np.zeros(len(context), np.float32)
        return (context @ self.positive_anchors.T).mean(1) - (context @ self.negative_anchors.T).mean(1)

    # -- scores -------------------------------------------------------------------
    def member_scores(self, context: np.ndarray) -> np.ndarray:
        """(n, codes) cosine of each centred segment with each code prototype."""
        centred = _unit(context - self.center)
        return centred @ self.prototypes.T

    def relevance(self, context: np.ndarray, collection: "bool | np.ndarray" = False) -> np.ndarray:
        """How much a segment is about what the codebook is about (z-score over the corpus).

        The cosine with the mean phrase vector of the codebook, *before*
        centring: small talk and introductions score low. The gate uses it.
        ``collection`` (per row, or for all): the segment comes from a text
        without interviewer turns, standardised among those (see ``fit_corpus``).
        """
        raw = context @ self.topic_axis
        alone = np.broadcast_to(np.asarray(collection, bool), raw.shape)
        mean = np.where(alone, self.collection_relevance[0], self.relevance_mean)
        std = np.where(alone, self.collection_relevance[1], self.relevance_std)
        return (raw - mean) / std

    def polarity(self, context: np.ndarray, valence: np.ndarray, turn_valence: np.ndarray) -> np.ndarray:
        anchor = (self._anchor_raw(context) - self.anchor_mean) / self.anchor_std
        return valence + ANCHOR_WEIGHT * anchor + TURN_VALENCE_WEIGHT * turn_valence

    def head_raw(self, context: np.ndarray, valence: np.ndarray, turn_valence: np.ndarray):
        """(head scores before standardising (n, H), member scores (n, C))."""
        members = self.member_scores(context)
        n = len(context)
        heads = np.zeros((n, len(self.heads)), dtype=np.float32)
        for h in range(len(self.heads)):
            cols = np.flatnonzero(self.member_of == h)
            block = members[:, cols] * POOL_TEMPERATURE
            top = block.max(1, keepdims=True)
            heads[:, h] = ((np.log(np.exp(block - top).mean(1)) + top[:, 0]) / POOL_TEMPERATURE)
        if self.mirrors:
            pol = self.polarity(context, valence, turn_valence)
            for pos, neg in self.mirrors:
                topic = (heads[:, pos] + heads[:, neg]) / 2
                diff = heads[:, pos] - heads[:, neg]
                heads[:, pos] = topic + MIRROR_OWN * diff / 2 + POLARITY_WEIGHT * pol
                heads[:, neg] = topic - MIRROR_OWN * diff / 2 - POLARITY_WEIGHT * pol
        return heads, members

    def scores(self, context: np.ndarray, valence: np.ndarray, turn_valence: np.ndarray):
        """(standardised head scores (n, H), member cosines (n, C))."""
        heads, members = self.head_raw(context, valence, turn_valence)
        return (heads - self.head_mean) / self.head_std, members

    # -- explanations ----------------------------------------------------------------
    def best_phrase(self, vector: np.ndarray, code_ids: list[str]) -> Phrase | None:
        """The phrase of ``code_ids`` closest to ``vector`` (a sentence embedding)."""
        cols = [self.code_index[c] for c in code_ids if c in self.code_index]
        rows = np.flatnonzero(np.isin(self.phrase_code, cols))
        if not len(rows):
            return None
        sims = self.phrase_vectors[rows] @ vector
        return self.phrases[int(rows[int(np.argmax(sims))])]
