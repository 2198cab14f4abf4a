"""From the project's codings and decisions to labelled examples (see :mod:`codering.suggest.learn`).

The examples are built per transcript and cached by what was decided in that
transcript, so a decision only rebuilds the block of the transcript it was
made in; ``observe`` stays fast in a project with thousands of coded segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from codering.suggest.features import SegmentFeatures
from codering.suggest.learn import Example, TrainingSet

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.zeroshot import ZeroShot

#: Weight of the cue features next to the (unit) context vector in the design matrix.
CUE_WEIGHT = 0.5


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
    direct: np.ndarray | None = None  # (H,) codings of the family head itself
    factor: np.ndarray | None = None  # (H,) codings of codes under the head


@dataclass
class Built:
    data: TrainingSet
    context: np.ndarray
    positives: dict[tuple[int, int], set[int]]
    rejections: dict[tuple[int, int], set[str]]
    head_level: set[int]
    signature: int


class TrainingBuilder:
    """Builds the training set; valid as long as the features and zero-shot model it was made with."""

    def __init__(self, features: dict[int, SegmentFeatures], names: dict[int, str], zeroshot: "ZeroShot") -> None:
        self.features = features
        self.names = names
        self.zeroshot = zeroshot
        self.H = len(zeroshot.heads)
        self.head_of = {c: int(zeroshot.member_of[i]) for c, i in zeroshot.code_index.items()}
        self.blocks: dict[int, tuple[tuple, Block]] = {}
        self.span_rows: dict[tuple[int, int, int], list[int]] = {}
        d = zeroshot.prototypes.shape[1]
        self.empty_x = np.zeros((0, d + 3), dtype=np.float32)
        self.empty_ctx = np.zeros((0, d), dtype=np.float32)

    def rows_for(self, tid: int, start: int, end: int) -> list[int]:
        key = (tid, start, end)
        rows = self.span_rows.get(key)
        if rows is None:
            f = self.features.get(tid)
            rows = [] if f is None else [i for i in f.find(start, end) if not f.interviewer[i]]
            self.span_rows[key] = rows
        return rows

    def build(self, project: "Project") -> Built:
        events: dict[int, list[tuple]] = {}
        for c in project.codings():
            events.setdefault(c.transcript_id, []).append(("c", c.start, c.end, c.code_id))
        for d in project.decisions():
            events.setdefault(d.transcript_id, []).append(("a" if d.accepted else "r", d.start, d.end, d.code_id))
        order = sorted((tid for tid in events if tid in self.features), key=lambda t: (self.names.get(t, ""), t))
        blocks = []
        for tid in order:
            sig = tuple(sorted(events[tid]))
            cached = self.blocks.get(tid)
            if cached is None or cached[0] != sig:
                cached = (sig, self._block(tid, events[tid]))
                self.blocks[tid] = cached
            blocks.append(cached[1])
        for tid in [t for t in self.blocks if t not in events]:
            del self.blocks[tid]
        signature = hash(tuple(self.blocks[t][0] for t in order))
        return self._assemble(blocks, signature)

    def _block(self, tid: int, events: list[tuple]) -> Block:
        H, head_of, heads = self.H, self.head_of, self.zeroshot.heads
        f = self.features[tid]
        positives: dict[tuple[int, int], set[int]] = {}
        exact: dict[tuple[int, int], set[str]] = {}
        rejections: dict[tuple[int, int], set[str]] = {}
        direct, factor = np.zeros(H), np.zeros(H)
        last = -1
        for kind, start, end, code in events:
            h = head_of.get(code)
            rows = self.rows_for(tid, start, end)
            if rows:
                last = max(last, rows[-1])
            if kind == "c" and h is not None:
                if code == heads[h]:
                    direct[h] += 1
                else:
                    factor[h] += 1
            for i in rows:
                if kind == "r":
                    rejections.setdefault((tid, i), set()).add(code)
                elif h is not None:
                    positives.setdefault((tid, i), set()).add(h)
                    exact.setdefault((tid, i), set()).add(code)
        # reviewed: everything up to the last touched sentence, and whatever was touched
        keys = [(tid, i) for i in range(last + 1) if not f.interviewer[i]]
        seen = set(keys)
        keys += sorted(k for k in set(positives) | set(rejections) if k not in seen)
        n = len(keys)
        Y = np.zeros((n, H), dtype=np.float32)
        rej = np.zeros((n, H), dtype=bool)
        local: dict[str, list[int]] = {}
        for r, key in enumerate(keys):
            for h in positives.get(key, ()):
                Y[r, h] = 1.0
            for code in exact.get(key, ()):
                local.setdefault(code, []).append(r)
            for code in rejections.get(key, ()):
                h = head_of.get(code)
                if h is not None and Y[r, h] == 0:
                    rej[r, h] = True
        idx = np.array([i for _, i in keys], dtype=np.int64)
        name = self.names.get(tid, str(tid))
        examples = [Example(key, name, f.texts[key[1]]) for key in keys]
        X = design_matrix(f.context[idx], f.valence[idx], f.turn_valence[idx], f.content[idx]) if n else self.empty_x
        return Block(keys, examples, Y, rej, local, X, f.context[idx] if n else self.empty_ctx,
                     bool(f.interviewer.any()), positives, rejections, direct, factor)

    def _assemble(self, blocks: list[Block], signature: int) -> Built:
        H = self.H
        keys = [k for b in blocks for k in b.keys]
        examples = [e for b in blocks for e in b.examples]
        n = len(keys)
        if n:
            Yh = np.vstack([b.Y for b in blocks])
            rej = np.vstack([b.rejected for b in blocks])
            X = np.vstack([b.X for b in blocks])
            context = np.vstack([b.context for b in blocks])
            interview = np.concatenate([np.full(len(b.keys), b.interview) for b in blocks])
        else:
            Yh, rej = np.zeros((0, H), np.float32), np.zeros((0, H), bool)
            X, context, interview = self.empty_x, self.empty_ctx, np.zeros(0, bool)
        coded = Yh.max(1) if n else np.zeros(0, np.float32)
        base = float(coded[interview].mean()) if interview.any() else 0.5
        Y = np.hstack([Yh, np.where(interview, coded, base)[:, None]]).astype(np.float32)
        member_pos: dict[str, list[int]] = {}
        positives: dict[tuple[int, int], set[int]] = {}
        rejections: dict[tuple[int, int], set[str]] = {}
        direct, factor = np.zeros(H), np.zeros(H)
        offset = 0
        for b in blocks:
            for code, rows in b.exact.items():
                member_pos.setdefault(code, []).extend(r + offset for r in rows)
            positives.update(b.positives)
            rejections.update(b.rejections)
            direct += b.direct
            factor += b.factor
            offset += len(b.keys)
        head_level = {h for h in range(H) if direct[h] >= 2 and direct[h] >= factor[h]}
        data = TrainingSet(examples, X, Y, rej, member_pos, coded=coded, interview=interview)
        return Built(data, context, positives, rejections, head_level, signature)
