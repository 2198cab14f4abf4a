"""The rows the store hands to callers: plain frozen dataclasses (and one named tuple), no SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha256
from typing import NamedTuple

from codering.wording import count


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TranscriptInfo:
    id: int
    name: str
    attributes: dict[str, str]
    segments: int
    respondent_segments: int
    coded_segments: int
    codings: int
    source_format: str
    content_hash: str
    imported_at: str

    @property
    def coded_share(self) -> float:
        return self.coded_segments / self.respondent_segments if self.respondent_segments else 0.0


@dataclass(frozen=True)
class SegmentRow:
    id: int
    transcript_id: int
    index: int
    turn: int
    start: int
    end: int
    role: str
    speaker: str
    timestamp: str | None
    text: str


@dataclass(frozen=True)
class Coding:
    id: int
    transcript_id: int
    start: int
    end: int
    code_id: str
    coder: str
    origin: str
    text: str
    detached: bool
    created: str


class CodedSpan(NamedTuple):
    """Where a coding is and which code it applies, without its text (what counting codings needs)."""

    transcript_id: int
    start: int
    end: int
    code_id: str


@dataclass(frozen=True)
class Memo:
    id: int
    kind: str
    transcript_id: int | None
    start: int | None
    end: int | None
    code_id: str | None
    text: str
    coder: str
    created: str
    updated: str | None = None  # when the text was last edited; None if never


@dataclass(frozen=True)
class Decision:
    id: int
    transcript_id: int
    start: int
    end: int
    text: str
    code_id: str
    score: float | None
    accepted: bool
    model_id: str | None
    coder: str
    created: str


@dataclass
class ImportReport:
    name: str
    status: str  # "added" | "unchanged" | "updated" | "duplicate" (its text is in the project under ``same_as``)
    segments: int = 0
    codings_moved: int = 0
    codings_detached: int = 0
    codings_kept: int = 0
    memos_unplaced: int = 0  # passage memos whose words are gone, now on the whole transcript
    notices: list[str] = field(default_factory=list)
    same_as: str | None = None

    def summary(self) -> str:
        if self.status == "unchanged":
            return f"{self.name}: unchanged, nothing to do"
        if self.status == "duplicate":
            return (f"{self.name}: not imported, the project holds the same text as '{self.same_as}' (a renamed copy "
                    "would count every coding twice; to rename, take that one out first with `codering remove`)")
        if self.status == "added":
            return f"{self.name}: imported, {count(self.segments, 'segment')}"
        parts = [f"{self.name}: updated to the new text, {count(self.segments, 'segment')}"]
        parts.append(f"{count(self.codings_kept, 'coding')} unchanged, "
                     f"{count(self.codings_moved, 'coding')} moved to the same words in the new text")
        if self.codings_detached:
            parts.append(
                f"{self.codings_detached} could not be found in the new text and are kept as detached codings "
                "(listed by `codering stats`, excluded from exports)"
            )
        if self.memos_unplaced:
            parts.append(f"{count(self.memos_unplaced, 'passage memo')} whose words are gone kept on the whole "
                         "transcript (see the notes)")
        return "; ".join(parts)


class CodeUsage(NamedTuple):
    """What of the researcher's work uses a code (or a code and its subcodes): what removing it takes along."""

    codings: int
    transcripts: int
    decisions: int
    memos: int

    def said(self) -> str:
        """'12 codings in 3 transcripts' (and the memos on the code, when there are any; only them when there
        are no codings: '1 memo', not '0 codings in 0 transcripts and 1 memo')."""
        memos = count(self.memos, "memo")
        if not self.codings:
            return memos if self.memos else "no codings"
        text = f"{count(self.codings, 'coding')} in {count(self.transcripts, 'transcript')}"
        return text + (f" and {memos}" if self.memos else "")


class Merged(NamedTuple):
    """What :meth:`codering.store.Project.merge_codes` did."""

    codings: int      # codings of the source now on the target
    duplicates: int   # codings of the source dropped: the same coder had coded the same span with the target
    decisions: int    # suggestion decisions now on the target
    memos: int        # memos on the source now on the target
    children: int     # subcodes of the source now under the target


class CodeMerge(NamedTuple):
    """Where the work of a code that was merged away lives now: :meth:`codering.store.Project.code_merges`."""

    source: str                                # the code id that was merged away
    target: str                                # the code its work is on now (the end of a chain of merges)
    steps: tuple[tuple[str, str, str], ...]    # each merge on the way: (code, into, date YYYY-MM-DD), oldest first

    def said(self) -> str:
        """'stim.x was merged into stim.y on 2026-12-06' (a chain: ', and stim.y into stim.z on ...')."""
        (first, into, day), *rest = self.steps
        return f"{first} was merged into {into} on {day}" + "".join(
            f", and {code} into {then} on {when}" for code, then, when in rest)

    def landed(self, n: int, noun: str = "coding", memos: int = 0) -> str:
        """The one-line notice of an import: '3 codings landed on stim.y because stim.x was merged into ...';
        with ``memos`` moved there too: '3 codings and 1 memo landed on ...'."""
        parts = [count(n, noun)] if n or not memos else []
        if memos:
            parts.append(count(memos, "memo"))
        return f"{' and '.join(parts)} landed on {self.target} because {self.said()}"
