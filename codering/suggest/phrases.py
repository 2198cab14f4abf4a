"""What the engine reads from a codebook: phrases per code, and the code families.

A code is described to the embedding model by several short *phrases*: its
label (with its parent's label for context), the sentences of its
description and inclusion notes, and its example phrases. Exclusion notes
describe what the code is *not*, so they are never used as positive phrases.

*Families* tie the hierarchy together: a category and its factor children
form one family, and two families whose roots have opposite valence but the
same topic (``stim.praktisch`` and ``rem.praktisch``) are *mirrors*. The engine
scores a family's topic once and lets polarity decide between the mirrors.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from codering.codebook import Codebook
from codering.suggest.base import fold

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z'‘\"(])")
_CODE_ID = re.compile(r"\(?\b[a-z]+\.[a-z_]{3,}(?:\.[a-z_]+)*\b\)?")
_REFERENCE = re.compile(r"\((?:Tabel|tabel|zie|Zie)[^)]*\)")

#: Phrase kinds and how much each counts in a code's prototype vector.
KIND_WEIGHTS = {"label": 1.0, "description": 1.0, "include": 0.8, "example": 1.5}

# Root ids and label stems that mark a valence (written for the engine).
_POSITIVE_ROOT = ("stim", "stimul", "bevorder", "faciliter", "sterkt", "kans", "help")
_NEGATIVE_ROOT = ("rem", "belemmer", "hinder", "drempel", "knelpunt", "obstakel", "zwakt")


@dataclass(frozen=True)
class Phrase:
    code_id: str
    kind: str  # label | description | include | example
    text: str


@dataclass
class Family:
    """A codable code (the *head*) and the codable codes under it."""

    head: str
    members: list[str] = field(default_factory=list)  # head first, then descendants
    valence: int = 0  # +1 stimulating, -1 hindering, 0 neither
    topic: str = ""  # shared by mirror families
    mirror: str | None = None  # head of the family with the same topic and opposite valence
    group: str = ""  # families compared with each other: the root, or both roots of mirror pairs


def split_sentences(text: str) -> list[str]:
    text = _REFERENCE.sub("", " ".join(text.split()))
    text = _CODE_ID.sub("", text)
    out = []
    for piece in _SENTENCE_END.split(text):
        piece = re.sub(r"\s+([,.;:])", r"\1", " ".join(piece.split())).strip(" ;:,")
        if len(piece.split()) >= 3:
            out.append(piece)
    return out


def code_phrases(codebook: Codebook) -> list[Phrase]:
    """Every positive phrase of every codable code, in codebook order."""
    out: list[Phrase] = []
    for _, code in codebook.walk():
        if not code.codable:
            continue
        parent = codebook.codes.get(code.parent) if code.parent else None
        label = code.label.strip("‘’'\" ")
        context = f"{parent.label}: {label}" if parent is not None else label
        root = codebook.ancestors(code.id)[-1] if code.parent else None
        if root is not None and root.id != (parent.id if parent else None):
            context = f"{root.label}, {context}"
        out.append(Phrase(code.id, "label", context))
        for sentence in split_sentences(code.description):
            out.append(Phrase(code.id, "description", sentence))
        for sentence in split_sentences(code.include):
            out.append(Phrase(code.id, "include", sentence))
        for example in code.examples:
            if example.strip():
                out.append(Phrase(code.id, "example", " ".join(example.split())))
    return out


def root_valence(codebook: Codebook, root_id: str) -> int:
    root = codebook.get(root_id)
    words = fold(f"{root.id} {root.label}")
    first = words.split()[0] if words.split() else ""
    if any(first.startswith(s) for s in _POSITIVE_ROOT) or any(f" {s}" in f" {words}" for s in _POSITIVE_ROOT[1:]):
        return 1
    if any(first.startswith(s) for s in _NEGATIVE_ROOT) or any(f" {s}" in f" {words}" for s in _NEGATIVE_ROOT[1:]):
        return -1
    return 0


def families(codebook: Codebook) -> dict[str, Family]:
    """Families keyed by head: the top codable code of each branch, with all codable codes below it."""
    out: dict[str, Family] = {}
    for _, code in codebook.walk():
        if not code.codable:
            continue
        head = codebook.family_head(code.id)
        fam = out.setdefault(head, Family(head))
        fam.members.append(code.id)
    for fam in out.values():
        ancestors = codebook.ancestors(fam.head)
        root = ancestors[-1].id if ancestors else fam.head
        fam.valence = root_valence(codebook, root) if ancestors else 0
        fam.topic = fam.head.split(".")[-1] if fam.valence else fam.head
    by_topic: dict[str, list[Family]] = {}
    for fam in out.values():
        if fam.valence:
            by_topic.setdefault(fam.topic, []).append(fam)
    for group in by_topic.values():
        pos = [f for f in group if f.valence > 0]
        neg = [f for f in group if f.valence < 0]
        if len(pos) == 1 and len(neg) == 1:
            pos[0].mirror, neg[0].mirror = neg[0].head, pos[0].head
        else:
            for f in group:
                f.topic = f.head
    def root(code_id: str) -> str:
        ancestors = codebook.ancestors(code_id)
        return ancestors[-1].id if ancestors else code_id

    for fam in out.values():
        if fam.mirror is None:
            fam.topic = fam.head
            fam.group = root(fam.head)
        else:
            fam.group = "/".join(sorted({root(fam.head), root(fam.mirror)}))
    return out


def codebook_key(phrases: list[Phrase], fams: dict[str, Family]) -> str:
    """A fingerprint of what the engine reads from a codebook."""
    digest = hashlib.sha1()
    for p in phrases:
        digest.update(f"{p.code_id}\x1f{p.kind}\x1f{p.text}\x1e".encode())
    for f in fams.values():
        digest.update(f"{f.head}:{','.join(f.members)}:{f.mirror}\x1e".encode())
    return digest.hexdigest()
