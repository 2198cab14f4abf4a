"""From the project's codings and decisions to labelled examples (see :mod:`codering.suggest.learn`).

The examples are built per transcript and cached by what was decided in that
transcript, so a decision only rebuilds the block of the transcript it was
made in. The store says which transcripts' codings and decisions changed
since the last build (:meth:`codering.store.Project.learning_changes`), so
only those are read again; ``observe`` stays fast in a project with thousands
of coded segments.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from codering.suggest.features import SegmentFeatures
from codering.suggest.learn import Example, Part, TrainingSet, centred

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.zeroshot import ZeroShot

#: Weight of the cue features next to the (unit) context vector in the design matrix.
CUE_WEIGHT = 0.5

_versions = itertools.count(1)  # signatures of built training sets: equal means nothing changed


def design_matrix(context: np.ndarray, valence: np.ndarray, turn_valence: np.ndarray,
                  content: np.ndarray) -> np.ndarray:
    cues = np.stack([valence, turn_valence, np.minimum(content, 6.0) / 6.0], axis=1) * CUE_WEIGHT
    return np.hstack([context, cues.astype(context.dtype)])


@dataclass
class Block:
    """The examples of one transcript."""

    keys: list[tuple[int, int]]
    examples: list[Example]
    Y: np.ndarray  # (n, H)
    rejected: np.ndarray  # (n, H) bool
    exact: dict[str, list[int]]  # code -> local rows
    X: np.ndarray
    context: np.ndarray
    interview: bool
    positives: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    rejections: dict[tuple[int, int], set[str]] = field(default_factory=dict)
    codes: dict[tuple[int, int], dict[int, set[str]]] = field(default_factory=dict)  # key -> family -> exact codes
    direct: np.ndarray | None = None  # (H,) codings of the family head itself
    factor: np.ndarray | None = None  # (H,) codings of codes under the head
    events: tuple = ()  # what was decided in the transcript (sorted): the block is valid while it is
    tid: int = 0
    part: Part | None = None  # the rows for the ridge model (labels with "any code"; see ``_part``)

    @cached_property
    def coded(self) -> np.ndarray:
        """(n,) the row carries some code."""
        return self.Y.max(1) if len(self.keys) else np.zeros(0, np.float32)


@dataclass
class Built:
    """The training set and lookups over it.

    ``positives``, ``rejections``, ``codes`` and ``reviewed`` are kept up to date
    by the builder from one build to the next (not copied): read them, don't
    change them.
    """

    data: TrainingSet
    context: np.ndarray  # the examples' context vectors centred on the corpus mean (the neighbour search's)
    positives: dict[tuple[int, int], set[int]]
    rejections: dict[tuple[int, int], set[str]]
    head_level: set[int]
    signature: int
    reviewed: set[tuple[int, int]] = field(default_factory=set)
    codes: dict[tuple[int, int], dict[int, set[str]]] = field(default_factory=dict)  # key -> family -> exact codes


class TrainingBuilder:
    """Builds the training set; valid as long as the features and zero-shot model (with its corpus centre) it
    was made with."""

    def __init__(self, features: dict[int, SegmentFeatures], names: dict[int, str], zeroshot: "ZeroShot") -> None:
        self.features = features
        self.names = names
        self.zeroshot = zeroshot
        self.H = len(zeroshot.heads)
        self.head_of = {c: int(zeroshot.member_of[i]) for c, i in zeroshot.code_index.items()}
        self.blocks: dict[int, Block] = {}
        self.span_rows: dict[tuple[int, int, int], list[int]] = {}
        self.respondent: dict[int, tuple[np.ndarray, list[Example], dict[int, Example]]] = {}
        d = zeroshot.prototypes.shape[1]
        self.empty_x = np.zeros((0, d + 3), dtype=np.float32)
        self.empty_ctx = np.zeros((0, d), dtype=np.float32)
        self.events: dict[int, tuple] | None = None  # transcript id -> its sorted events, as last read
        self.token = None  # the store's change token of that read
        self.order: list[int] = []
        self.built: Built | None = None
        # over all blocks, kept up to date block by block
        self.positives: dict[tuple[int, int], set[int]] = {}
        self.codes: dict[tuple[int, int], dict[int, set[str]]] = {}
        self.rejections: dict[tuple[int, int], set[str]] = {}
        self.reviewed: set[tuple[int, int]] = set()

    def rows_for(self, tid: int, start: int, end: int) -> list[int]:
        key = (tid, start, end)
        rows = self.span_rows.get(key)
        if rows is None:
            f = self.features.get(tid)
            rows = [] if f is None else [i for i in f.find(start, end) if not f.interviewer[i]]
            self.span_rows[key] = rows
        return rows

    def build(self, project: "Project") -> Built:
        """The training set for the project's codings and decisions now; the previous one if nothing changed."""
        self._read(project)
        events = self.events
        order = sorted((tid for tid in events if tid in self.features), key=lambda t: (self.names.get(t, ""), t))
        changed = order != self.order
        for tid in order:
            sig = events[tid]
            block = self.blocks.get(tid)
            if block is None or (block.events is not sig and block.events != sig):
                self._replace(block, self._block(tid, sig))
                changed = True
        for tid in [t for t in self.blocks if t not in events]:
            self._replace(self.blocks[tid], None)
            changed = True
        if changed or self.built is None:
            self.order = order
            self.built = self._assemble([self.blocks[t] for t in order], next(_versions))
        return self.built

    def _read(self, project: "Project") -> None:
        """Bring ``events`` up to date, reading only the transcripts that changed since the last read."""
        token, changed = project.learning_changes(self.token)
        if self.events is None or changed is None:
            self.events = {tid: tuple(sorted(ev)) for tid, ev in project.learning_events().items()}
        elif changed:
            fresh = project.learning_events(changed)
            for tid in changed:
                if tid in fresh:
                    self.events[tid] = tuple(sorted(fresh[tid]))
                else:
                    self.events.pop(tid, None)
        self.token = token

    def _replace(self, old: Block | None, new: Block | None) -> None:
        if old is not None:
            for key in old.positives:
                del self.positives[key]
            for key in old.codes:
                del self.codes[key]
            for key in old.rejections:
                del self.rejections[key]
            self.reviewed.difference_update(old.keys)
            del self.blocks[old.tid]
        if new is not None:
            self.positives.update(new.positives)
            self.codes.update(new.codes)
            self.rejections.update(new.rejections)
            self.reviewed.update(new.keys)
            self.blocks[new.tid] = new

    def _part(self, block: Block, base: float) -> Part:
        """The block's rows for the ridge model: its labels and, as "any code", whether the row is
        coded - or, for a collection of labelled segments, the interviews' rate ``base``."""
        part = block.part
        if part is None or (not block.interview and len(block.keys) and part.Y[0, -1] != np.float32(base)):
            any_code = block.coded if block.interview else np.full(len(block.keys), base)
            Y = np.hstack([block.Y, any_code[:, None]]).astype(np.float32)
            part = block.part = Part(block.tid, block.keys, block.X, Y)
        return part

    def _respondents(self, tid: int) -> tuple[np.ndarray, list[Example], dict[int, Example]]:
        """The segments of a transcript that can be examples (not the interviewer's): their indices,
        one :class:`Example` each (made once: blocks share them), and the example of each index."""
        found = self.respondent.get(tid)
        if found is None:
            f = self.features[tid]
            rows = np.flatnonzero(~f.interviewer)
            name = self.names.get(tid, str(tid))
            examples = [Example((tid, i), name, f.texts[i]) for i in rows.tolist()]
            found = self.respondent[tid] = (rows, examples, {e.key[1]: e for e in examples})
        return found

    def _block(self, tid: int, events: tuple) -> Block:
        H, head_of, heads = self.H, self.head_of, self.zeroshot.heads
        f = self.features[tid]
        by_family: dict[tuple[int, int], dict[int, set[str]]] = {}  # key -> family -> the exact codes
        rejections: dict[tuple[int, int], set[str]] = {}
        direct, factor = np.zeros(H), np.zeros(H)
        last = -1
        rows_of, respondent, example_at = self._respondents(tid)
        skipped: set[int] = set()  # sentences the coder's cursor jumped over (see ``learning_events``)
        seen: set[tuple[int, int]] = set()  # sentences a coding or decision of the coder's own touched
        for kind, start, end, code in events:
            if kind == "s":
                skipped.update(self.rows_for(tid, start, end))
                continue
            h = head_of.get(code)
            rows = self.rows_for(tid, start, end)
            # a text search's hits coded in bulk ("b") carry their code, but the coder read none of them
            # there: they neither reach the "passed over" part further nor make a sentence reviewed
            if rows and kind != "b":
                last = max(last, rows[-1])
            if kind == "c" and h is not None:
                if code == heads[h]:
                    direct[h] += 1
                else:
                    factor[h] += 1
            for i in rows:
                key = example_at[i].key
                if kind == "r":
                    rejections.setdefault(key, set()).add(code)
                elif h is not None:
                    by_family.setdefault(key, {}).setdefault(h, set()).add(code)
                    if kind != "b":
                        seen.add(key)
        positives = {key: set(families) for key, families in by_family.items()}
        # reviewed: everything up to the last touched sentence but what the cursor jumped over, and whatever
        # was touched (a search coding is a positive there once the coder's own work reaches its sentence)
        touched = seen | set(rejections)
        examples = [e for e in respondent[:int(np.searchsorted(rows_of, last, side="right"))]
                    if e.key[1] not in skipped or e.key in touched]
        examples += [example_at[k[1]] for k in sorted(touched) if k[1] > last]
        keys = [e.key for e in examples]
        n = len(keys)
        Y = np.zeros((n, H), dtype=np.float32)
        rej = np.zeros((n, H), dtype=bool)
        local: dict[str, list[int]] = {}
        for r, key in enumerate(keys):
            for h in positives.get(key, ()):
                Y[r, h] = 1.0
            for code in set().union(*by_family.get(key, {}).values()):
                local.setdefault(code, []).append(r)
            for code in rejections.get(key, ()):
                h = head_of.get(code)
                if h is not None and Y[r, h] == 0:
                    rej[r, h] = True
        idx = np.array([i for _, i in keys], dtype=np.int64)
        X = design_matrix(f.context[idx], f.valence[idx], f.turn_valence[idx], f.content[idx]) if n else self.empty_x
        ctx = centred(f.context[idx], self.zeroshot.center) if n else self.empty_ctx  # for the neighbour search
        return Block(keys, examples, Y, rej, local, X, ctx,
                     not f.collection, positives, rejections, by_family, direct, factor, events=events, tid=tid)

    def _assemble(self, blocks: list[Block], signature: int) -> Built:
        H = self.H
        examples = list(itertools.chain.from_iterable(b.examples for b in blocks))
        n = len(examples)
        if n:
            rej = np.concatenate([b.rejected for b in blocks])
            context = np.concatenate([b.context for b in blocks])
            interview = np.repeat(np.array([b.interview for b in blocks]), [len(b.keys) for b in blocks])
            coded = np.concatenate([b.coded for b in blocks])
            base = float(coded[interview].mean()) if interview.any() else 0.5
            parts = [self._part(b, base) for b in blocks]
            Y = np.concatenate([p.Y for p in parts])
        else:
            rej, Y = np.zeros((0, H), bool), np.zeros((0, H + 1), np.float32)
            context, interview, coded, parts = self.empty_ctx, np.zeros(0, bool), np.zeros(0, np.float32), []
        member_pos: dict[str, list[int]] = {}
        direct, factor = np.zeros(H), np.zeros(H)
        offset = 0
        for b in blocks:
            for code, rows in b.exact.items():
                member_pos.setdefault(code, []).extend([r + offset for r in rows] if offset else rows)
            direct += b.direct
            factor += b.factor
            offset += len(b.keys)
        head_level = {h for h in range(H) if direct[h] >= 2 and direct[h] >= factor[h]}
        data = TrainingSet(examples, Y, rej, parts, member_pos, coded=coded, interview=interview)
        return Built(data, context, self.positives, self.rejections, head_level, signature, self.reviewed,
                     self.codes)
