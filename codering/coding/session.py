"""Coding one transcript: the cursor, the suggestions on screen, and every decision (no Textual).

The coding screen is a thin view over a :class:`CodingSession`. The session
owns the cursor (a selection of one or more segments, optionally narrowed to
part of them), computes which suggestions are still open for the selection,
and writes every decision to the store *synchronously*: when a method such
as :meth:`CodingSession.accept` returns, the decision is committed, so a
killed terminal loses nothing that the screen showed as done.

Decisions (in one place):

- Interviewer segments are skipped by cursor moves unless
  ``show_interviewer`` is on; they are always shown (dimmed).
- A suggestion is "open" for a selection when its code is not applied to
  any part of the selection (nor one of the code's descendants, since coding
  a factor counts for its category) and it was not rejected for exactly
  this span.
- The cursor after a decision, one fixed rule per key, and the message
  returned (shown in the status line) always says what happened ("→ segment
  13", "blijft: nog 1 waarschijnlijke code hier"):

  * accept (a digit, Enter, ``a``): moves on when no *likely* suggestion is
    left open here that is still likely given the codes now on the
    selection (:mod:`codering.coding.combine`: a coder who rarely puts two
    factors on a sentence is not kept for a second one; dimmed alternatives
    never hold the cursor);
  * reject one (``x``): stays while any suggestion is left, since after "not
    this one" the alternatives are the candidates; moves on when none is;
  * reject all (``X``): "nothing here", always moves on, whatever would fill
    the list next;
  * applying a code by search, removing one: the cursor stays (a searched code that is also on the
    suggestion list is recorded as that suggestion's accept, for the engine to learn, and still stays).
- A selection extended with shift+down ends at the end of the respondent's turn: it never takes in an
  interviewer turn (and its speaker labels) unless interviewer turns are visited.
- A transcript without respondent sentences has nothing to code until interviewer turns are visited:
  no suggestions, no codes (``codable_here``).
- Every decision also stores the cursor position, so a killed terminal
  reopens at the last decision, not at the last clean quit.
- Undo and redo move the cursor to the segment they changed.
- Accept-all and reject-all are one undoable action.
- Until the suggester is ready (for this selection: an incremental
  loader answers part of a transcript, then the transcript, then the next),
  the suggestions stored by ``codering suggest`` (if any) are shown instead.
  Suggestions are kept per selection until the suggester's ``generation``
  changes (it then answers for more, or from more of the corpus).
"""

from __future__ import annotations

import getpass
import os
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codering.wording import readable
from codering.errors import CoderingError
from codering.store import read_spans, skipped_setting
from codering.suggest.base import LIKELY

#: The coder's code combinations (what holds the screen after an accept) are counted again after this
#: many decisions.
RECOUNT_EVERY = 25

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.coding.textsearch import TextQuery, TranscriptFind
    from codering.store import Coding, Memo, Project, SegmentRow
    from codering.suggest.base import Suggester

MAX_SHOWN = 9


def default_coder() -> str:
    """The coder's name: ``$CODERING_CODER``, else the login name."""
    name = os.environ.get("CODERING_CODER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "coder"


@dataclass(frozen=True)
class Shown:
    """A suggestion as shown for the current selection."""

    code_id: str
    score: float
    reason: str
    source: str
    model_id: str | None
    likely: bool = True  # False: an alternative the engine is unsure of (dimmed; "accept all" leaves it)


class CodingSession:
    """The state of coding one transcript; every write goes straight to the store."""

    def __init__(self, project: "Project", transcript: int | str, suggester: "Suggester | None",
                 coder: str, show_interviewer: bool = False) -> None:
        self.project = project
        self.tid = project.transcript_id(transcript)
        self.name = project.transcript_name(self.tid)
        self.suggester = suggester
        self.coder = coder
        self.show_interviewer = show_interviewer
        self.attributes = project.attributes(self.tid)
        self.content = project.content(self.tid)
        self.turns = project.turns(self.tid)
        self.segments: list[SegmentRow] = project.segments(self.tid)
        self._starts = [s.start for s in self.segments]
        self.first = 0
        self.last = 0
        self.narrow: tuple[int, int] | None = None
        self._cache: dict[tuple[int, int], list[Shown]] = {}
        self._cache_ready = False
        self._generation = None
        self._stored: dict[tuple[int, int], list[Shown]] = {}
        self.reload()
        self._load_stored()
        self._placed = False  # the first goto (the restored position) jumps over nothing
        self._back: tuple[int, tuple] | None = None  # after a decision moved on: (where to, the selection it left)
        self._visited: set[int] = set()  # segments the cursor was on in this session
        self._skipped_saved = self.project.setting(self._skipped_key) or ""
        self.skipped: set[int] = self._read_skipped(self._skipped_saved)
        self.goto(self._restored_position())

    # -- loading ------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read codings, decisions, memos and the codebook (after undo, redo, edits). A changed codebook
        (a code merged, moved or removed on the codebook screen) reaches the suggester at once: it rebuilds
        its codes and learns again, so a removed code is not suggested and a merged code's examples count
        for the code it went into."""
        before = getattr(self, "codebook", None)
        self.codebook: Codebook = self.project.codebook()
        self._reload_codings()
        self.rejected = self._read_rejected()
        self.memos: list[Memo] = self.project.memos(self.tid)
        self._cache.clear()
        self._combinations = None
        self._accepts_since = 0
        if before is not None and self.codebook is not before:
            self._observe()

    def _read_rejected(self) -> set[tuple[int, int, str]]:
        return {(d.start, d.end, d.code_id) for d in self.project.decisions(transcript=self.tid) if not d.accepted}

    def _reload_codings(self) -> None:
        self.codings: list[Coding] = self.project.codings(self.tid)
        covered = [0] * len(self.segments)
        for coding in self.codings:
            for i in self._overlapping(coding.start, coding.end):
                covered[i] += 1
        self._covered = covered

    def _load_stored(self) -> None:
        stored: dict[tuple[int, int], list[Shown]] = {}
        try:
            rows = self.project.stored_suggestions(self.tid)
        except CoderingError:
            rows = []
        for start, end, code_id, _rank, score, reason, model_id in rows:
            if code_id in self.codebook:
                stored.setdefault((start, end), []).append(
                    Shown(code_id, score, reason, "stored", model_id, likely=score >= LIKELY))
        self._stored = stored

    def _restored_position(self) -> int:
        saved = self.project.setting(f"tui.cursor.{self.coder}.{self.tid}")  # each coder's own place
        if saved is None:
            saved = self.project.setting(f"tui.cursor.{self.tid}")  # saved before it was per coder
        if saved is not None and saved.isdigit() and int(saved) < len(self.segments):
            at = int(saved)
            if self.visitable(at):
                return at
            # saved while interviewer turns were visited: the nearest respondent sentence
            for step in (1, -1):
                found = self._next_visitable(at, step)
                if found is not None:
                    return found
            return at
        found = self._next_visitable(-1, 1) if self.segments else None
        return found if found is not None else 0

    def save_position(self) -> None:
        if self.segments:
            self.project.set_setting(f"tui.cursor.{self.coder}.{self.tid}", str(self.first))
        self._save_skipped()

    # -- sentences the cursor jumped over ---------------------------------------------------
    # The engine counts a sentence before the last one a coder touched as passed over ("no code here"),
    # as researchers walk a transcript in order. A jump (n, N, ], page down, undo, a sentence opened from
    # another screen) passes sentences the coder never saw: they are written down here, per coder and
    # transcript (setting ``tui.skipped.<coder>.<transcript id>``, spans of consecutive sentences as
    # character offsets), and the engine leaves them out of the passed-over ones until the cursor has been
    # on them (``LearningQueries.learning_events``, kind "s").
    @property
    def _skipped_key(self) -> str:
        return skipped_setting(self.coder, self.tid)

    def _read_skipped(self, saved: str) -> set[int]:
        out: set[int] = set()
        for start, end in read_spans(saved):
            for i in range(bisect_left(self._starts, start), len(self.segments)):
                if self.segments[i].end > end:
                    break
                out.add(i)
        return out

    def _note_visit(self, before: int | None) -> None:
        """The cursor came from segment ``before`` to the selection: what it jumped over forwards and never
        stood on in this session is skipped; what it stands on now is not."""
        if before is not None and self.first > before + 1:
            self.skipped.update(i for i in range(before + 1, self.first)
                                if self.visitable(i) and i not in self._visited)
        here = range(self.first, self.last + 1)
        self._visited.update(here)
        self.skipped.difference_update(here)

    def _save_skipped(self) -> None:
        spans, run = [], []
        for i in sorted(self.skipped):
            if run and i != run[-1] + 1:
                spans.append(run)
                run = []
            run.append(i)
        if run:
            spans.append(run)
        text = ",".join(f"{self.segments[r[0]].start}-{self.segments[r[-1]].end}" for r in spans)
        if text != self._skipped_saved:
            self.project.set_setting(self._skipped_key, text)
            self._skipped_saved = text

    # -- the selection ------------------------------------------------------------------
    @property
    def span(self) -> tuple[int, int]:
        if self.narrow is not None:
            return self.narrow
        if not self.segments:
            return (0, 0)
        return self.segments[self.first].start, self.segments[self.last].end

    @property
    def text(self) -> str:
        start, end = self.span
        return self.content[start:end]

    @property
    def current(self) -> "SegmentRow | None":
        return self.segments[self.first] if self.segments else None

    def visitable(self, index: int) -> bool:
        return self.show_interviewer or self.segments[index].role != "interviewer"

    @property
    def respondent_sentences(self) -> bool:
        """True when the transcript has a sentence the cursor visits with interviewer turns skipped."""
        return any(seg.role != "interviewer" for seg in self.segments)

    @property
    def codable_here(self) -> bool:
        """False when the cursor is on a sentence the cursor does not visit (a transcript with interviewer
        turns only, interviewer turns skipped): nothing is suggested or coded there."""
        return bool(self.segments) and self.visitable(self.first)

    def _next_visitable(self, index: int, step: int) -> int | None:
        i = index + step
        while 0 <= i < len(self.segments):
            if self.visitable(i):
                return i
            i += step
        return None

    def goto(self, index: int | None) -> bool:
        if index is None or not self.segments:
            return False
        index = max(0, min(index, len(self.segments) - 1))
        before = self.last if self._placed else None
        self.first = self.last = index
        self.narrow = None
        self._placed = True
        self._note_visit(before)
        return True

    def move(self, step: int) -> bool:
        """To the next (``step`` 1) or previous (-1) segment the cursor visits. Right after a decision on a
        selection of several sentences (or part of one) moved on, ``k`` selects that selection again (the
        status offers "k: terug voor een tweede code"; a second code belongs on the same words)."""
        back, self._back = self._back, None
        if step < 0 and back is not None and back[0] == self.first == self.last and self.narrow is None:
            first, last, narrow = back[1]
            self.goto(first)
            self.last, self.narrow = last, narrow
            self._note_visit(None)
            return True
        return self.goto(self._next_visitable(self.last if step > 0 else self.first, step))

    def move_turn(self, step: int) -> bool:
        """To the first visited segment of the next or previous turn that has one."""
        if not self.segments:
            return False
        turn = self.segments[self.first].turn
        i = self.first
        while 0 <= i < len(self.segments):
            seg = self.segments[i]
            if seg.turn != turn and self.visitable(i):
                target = seg.turn
                while i > 0 and self.segments[i - 1].turn == target:
                    i -= 1
                while not self.visitable(i):
                    i += 1
                return self.goto(i)
            i += step
        return False

    def extend(self) -> bool:
        """Add the next segment to the selection; not past the end of the turn while interviewer turns are
        skipped (see ``at_turn_end``): a coding never takes in another turn's speaker label."""
        nxt = self.last + 1
        if nxt >= len(self.segments) or self.at_turn_end:
            return False
        self.last = nxt
        self.narrow = None
        self._note_visit(None)
        return True

    def extend_to(self, index: int) -> bool:
        """Extend the selection up to segment ``index`` (a shift+click), as far as ``extend`` goes."""
        moved = False
        while self.last < index and self.extend():
            moved = True
        return moved

    @property
    def at_turn_end(self) -> bool:
        """True when ``extend`` stops at the end of the turn: the next sentence is in another turn and
        interviewer turns are skipped (visiting them, a selection may run across turns as before)."""
        nxt = self.last + 1
        if nxt >= len(self.segments) or self.show_interviewer:
            return False
        return self.segments[nxt].turn != self.segments[self.last].turn or not self.visitable(nxt)

    def shrink(self) -> bool:
        """Take the last segment off a selection of several."""
        if self.narrow is not None:
            self.narrow = None
            return True
        prev = self._next_visitable(self.last, -1)
        if prev is None or prev < self.first:
            return False
        self.last = prev
        return True

    def narrow_to(self, start: int, end: int) -> bool:
        """Narrow the selection to ``content[start:end]`` (inside it; whitespace trimmed)."""
        lo, hi = self.span
        start, end = max(lo, start), min(hi, end)
        while start < end and self.content[start].isspace():
            start += 1
        while end > start and self.content[end - 1].isspace():
            end -= 1
        if start >= end:
            return False
        self.narrow = (start, end) if (start, end) != (lo, hi) or self.narrow else None
        return True

    def index_at(self, offset: int) -> int | None:
        """The segment that holds ``offset``, or the nearest one after it."""
        if not self.segments:
            return None
        i = bisect_right(self._starts, offset) - 1
        if i >= 0 and self.segments[i].end > offset:
            return i
        return min(i + 1, len(self.segments) - 1)

    def _overlapping(self, start: int, end: int) -> range:
        lo = max(0, bisect_left(self._starts, start) - 1)
        while lo < len(self.segments) and self.segments[lo].end <= start:
            lo += 1
        hi = bisect_left(self._starts, end)
        return range(lo, max(lo, hi))

    # -- what the selection has ---------------------------------------------------------
    def codings_here(self) -> list["Coding"]:
        start, end = self.span
        return [c for c in self.codings if c.start < end and c.end > start]

    def taken_here(self) -> list[str]:
        """The codes this coder put on exactly the selection (what an accept or a search took)."""
        start, end = self.span
        return [c.code_id for c in self.codings if c.start == start and c.end == end and c.coder == self.coder]

    def memos_here(self) -> list["Memo"]:
        start, end = self.span
        return [m for m in self.memos if m.start is not None and m.end is not None
                and m.start < end and m.end > start]

    def coded(self, index: int) -> bool:
        return self._covered[index] > 0

    def progress(self) -> tuple[int, int]:
        """(coded, total) respondent segments."""
        total = coded = 0
        for i, seg in enumerate(self.segments):
            if seg.role != "interviewer":
                total += 1
                coded += self._covered[i] > 0
        return coded, total

    def suggestions(self) -> list[Shown]:
        """The open suggestions for the selection, best first (at most nine); none where nothing is coded
        (``codable_here``)."""
        if not self.codable_here:
            return []
        return self._open_for(*self.span)

    @property
    def suggester_ready(self) -> bool:
        """True when the suggester answers for this transcript (an incremental one may not yet)."""
        suggester = self.suggester
        if suggester is None or not suggester.ready:
            return False
        ready_for = getattr(suggester, "ready_for", None)
        return bool(ready_for(self.tid)) if ready_for is not None else True

    @property
    def ready_here(self) -> bool:
        """True when the suggester answers for the selection (an incremental one answers for the part of a
        transcript whose sentences and their context are embedded)."""
        return self._ready_at(*self.span)

    def _ready_at(self, start: int, end: int) -> bool:
        if not self.suggester_ready:
            return False
        ready_for = getattr(self.suggester, "ready_for", None)
        return bool(ready_for(self.tid, start, end)) if ready_for is not None else True

    def _raw(self, start: int, end: int) -> list[Shown]:
        ready = self.suggester_ready
        generation = getattr(self.suggester, "generation", None)  # grows when what it answers changes
        if ready != self._cache_ready or generation != self._generation:
            self._cache.clear()
            self._cache_ready = ready
            self._generation = generation
        found = self._cache.get((start, end))
        if found is None:
            if ready and self._ready_at(start, end):
                assert self.suggester is not None
                model_for = getattr(self.suggester, "model_for", None)
                model = model_for(self.tid) if model_for is not None else self.suggester.model_id
                found = [Shown(s.code_id, float(s.score), s.reason, s.source, model, getattr(s, "likely", True))
                         for s in self.suggester.suggest(self.project, self.tid, start, end, k=MAX_SHOWN)
                         if s.code_id in self.codebook]
            else:  # stored before a code was merged or removed here: not offered while it is gone
                found = [s for s in self._stored.get((start, end), []) if s.code_id in self.codebook]
            self._cache[(start, end)] = found
        return found

    def _open_for(self, start: int, end: int) -> list[Shown]:
        raw = self._raw(start, end)
        if not raw:
            return []
        applied: set[str] = set()
        for coding in self.codings:
            if coding.start < end and coding.end > start and coding.code_id in self.codebook:
                applied |= self.codebook.counts_for(coding.code_id)
        out = [s for s in raw if s.code_id not in applied and (start, end, s.code_id) not in self.rejected]
        return out[:MAX_SHOWN]

    # -- jumps ---------------------------------------------------------------------------
    def next_uncoded(self) -> bool:
        i = self._next_visitable(self.last, 1)
        while i is not None:
            if not self._covered[i]:
                return self.goto(i)
            i = self._next_visitable(i, 1)
        return False

    def next_suggested(self) -> bool:
        i = self._next_visitable(self.last, 1)
        while i is not None:
            seg = self.segments[i]
            if any(s.likely for s in self._open_for(seg.start, seg.end)):
                return self.goto(i)
            i = self._next_visitable(i, 1)
        return False

    def find_text(self, query: "TextQuery") -> "TranscriptFind":
        """The sentences of this transcript the cursor visits that match ``query`` (a text search)."""
        from codering.coding.textsearch import TranscriptFind

        return TranscriptFind(query, self.content, self.segments, with_interviewer=self.show_interviewer)

    def next_found(self, query: "TextQuery", step: int = 1) -> tuple[int, int, bool] | None:
        """To the next (``step`` 1) or previous (-1) sentence that matches ``query``, wrapping round the
        transcript: (its number among the hits, counted from 1, how many there are, whether it wrapped);
        None without hits. A jump like ``n``: what it passes forwards is recorded as jumped over."""
        found = self.find_text(query)
        hit = found.step(self.last if step > 0 else self.first, step)
        if hit is None:
            return None
        self.goto(hit[0])
        return hit[1], len(found), hit[2]

    # -- decisions (each one committed before the method returns) -------------------------
    def accept(self, index: int) -> str | None:
        return self._decide(index, accepted=True)

    def reject(self, index: int) -> str | None:
        return self._decide(index, accepted=False)

    def _decide(self, index: int, accepted: bool) -> str | None:
        """Record the decision on the ``index``-th suggestion shown; None if there is no such suggestion."""
        shown = self.suggestions()
        if not 0 <= index < len(shown):
            return None
        s = shown[index]
        start, end = self.span
        self.project.record_decision(self.tid, start, end, s.code_id, accepted, self.coder,
                                     score=s.score, model_id=s.model_id)
        if accepted:
            return self._after_decision(f"✓ {self.label(s.code_id)}")
        self.rejected.add((start, end, s.code_id))
        return self._after_decision(f"✗ {self.label(s.code_id)}", alternatives_hold=True)

    def decide_all(self, accepted: bool) -> str | None:
        """Accept every likely suggestion shown (alternatives stay open), or reject everything shown;
        rejecting all with nothing shown is "nothing here" and moves on all the same. None when there was
        nothing to accept."""
        shown = self.suggestions()
        if accepted:
            shown = [s for s in shown if s.likely]
        if not shown:
            if accepted:
                return None
            message = "niets hier" + (f"  → segment {self.first + 1}" if self.move(1) else " · einde van het transcript")
            self.save_position()
            return message
        start, end = self.span
        verb = "accept" if accepted else "reject"
        with self.project.action(f"{verb} {len(shown)} suggestions", self.coder):
            for s in shown:
                self.project.record_decision(self.tid, start, end, s.code_id, accepted, self.coder,
                                             score=s.score, model_id=s.model_id)
        if not accepted:
            self.rejected.update((start, end, s.code_id) for s in shown)
        mark = "✓" if accepted else "✗"
        return self._after_decision(f"{mark} {', '.join(self.label(s.code_id) for s in shown)}",
                                    finished=not accepted)

    def apply(self, code_id: str) -> str:
        """Apply any code to the selection; the cursor stays. A code the list suggests is recorded as the
        accept of that suggestion (the engine learns from it as from a digit), without moving on."""
        start, end = self.span
        suggested = next((s for s in self.suggestions() if s.code_id == code_id), None)
        if suggested is not None:
            self.project.record_decision(self.tid, start, end, code_id, True, self.coder,
                                         score=suggested.score, model_id=suggested.model_id)
            self._accepts_since += 1
        else:
            self.project.add_coding(self.tid, start, end, code_id, self.coder, origin="manual")
        self._reload_codings()
        self._observe()
        self.save_position()
        return f"✓ {self.label(code_id)}"

    def remove(self, coding_id: int) -> str | None:
        """Remove a coding; the removal also tells the engine "not this code here" (a rejection), so
        the code is not suggested again for this sentence or one nearly identical to it. None when the
        coding is gone already (another coder or window removed it): the codings are read again."""
        self._reload_codings()  # what is in the project now, not what the screen showed
        found = next((c for c in self.codings if c.id == coding_id), None)
        if found is None:
            return None
        label = self.label(found.code_id)
        with self.project.action(f"remove {label}", self.coder):
            self.project.remove_coding(coding_id, self.coder)
            self.project.record_decision(self.tid, found.start, found.end, found.code_id, False, self.coder)
            self.rejected.add((found.start, found.end, found.code_id))
        self._reload_codings()
        self._observe()
        return f"− {label}"

    def refresh(self) -> bool:
        """Read this transcript's codings, rejections and memos again (another coder, window or command
        may have changed them: an undo from the command line took a rejection back, and the list kept
        hiding the code); True when they changed. When codings, rejections or the project's codebook
        (a merge or its undo on the command line) changed, the engine learns them now and the suggestions are
        asked again."""
        before = (self.codings, self.rejected, self.memos, self.codebook)
        self.codebook = self.project.codebook()
        if self.codebook is not before[3]:
            self._combinations = None
        self._reload_codings()
        self.rejected = self._read_rejected()
        self.memos = self.project.memos(self.tid)
        if (self.codings, self.rejected) != before[:2] or self.codebook is not before[3]:
            self._cache.clear()
            if self.suggester is not None and self.suggester_ready:
                self.suggester.observe(self.project)
        return (self.codings, self.rejected, self.memos) != before[:3] or self.codebook is not before[3]

    def add_memo(self, text: str) -> str:
        start, end = self.span
        self.project.add_memo(text, self.coder, transcript=self.tid, start=start, end=end)
        self.memos = self.project.memos(self.tid)
        return "memo bewaard"

    def edit_memo(self, memo_id: int, text: str) -> str | None:
        """Replace a memo's text; what the status line says, None when the text is the same (nothing saved)."""
        changed = self.project.edit_memo(memo_id, text, self.coder)
        self.memos = self.project.memos(self.tid)
        return "memo bewerkt" if changed else None

    def remove_memo(self, memo_id: int) -> str | None:
        """Delete a memo; None when it was gone already (someone else deleted it)."""
        if not any(m.id == memo_id for m in self.project.memos(self.tid)):
            self.memos = self.project.memos(self.tid)
            return None
        self.project.remove_memo(memo_id, self.coder)
        self.memos = self.project.memos(self.tid)
        return "memo weg"

    def transcript_memos(self) -> list["Memo"]:
        """Memos on this whole transcript (not on a passage of it)."""
        return [m for m in self.memos if m.start is None]

    def undo(self) -> str | None:
        """Take back this coder's latest action and put the cursor on what it changed (see ``changed_elsewhere``)."""
        where = self.project.pending_change(coder=self.coder)
        return self._after_journal(self.project.undo(self.coder), where)

    def redo(self) -> str | None:
        where = self.project.pending_change(redo=True, coder=self.coder)
        return self._after_journal(self.project.redo(self.coder), where)

    def _after_journal(self, done: str | None, where: tuple[int, int, int] | None) -> str | None:
        """After an undo or redo that did something (``done``: its description): show and learn the new
        state, with the cursor on what it changed."""
        if done is not None:
            self.reload()
            self._observe()
            self._show_change(where)
        return done

    def _show_change(self, where: tuple[int, int, int] | None) -> None:
        """Select the segments an undo or redo changed; a change in another transcript is named instead."""
        self.changed_elsewhere = None
        self.changed_here = False
        if where is None:  # a project or code memo, a codebook edit: no place in a transcript
            return
        tid, start, end = where
        if tid != self.tid:
            self.changed_elsewhere = self.project.transcript_name(tid)
            return
        self.changed_here = True
        first, last = self.index_at(start), self.index_at(max(start, end - 1))
        if first is not None and self.goto(first) and last is not None and last > first:
            self.last = last

    changed_elsewhere: str | None = None
    """After undo/redo: the transcript it changed, when that is not this one."""
    changed_here: bool = False
    """After undo/redo: it changed a span of this transcript (the cursor is on it)."""

    def describe(self, done: str) -> str:
        """An undone or redone action as the coder reads it: code labels instead of ids, no offsets
        (``code ctx.markt on int01 1062-1411`` becomes ``code Markt``; see :func:`codering.wording.readable`)."""
        return readable(done, self.label)

    def _after_decision(self, message: str, finished: bool = False, alternatives_hold: bool = False) -> str:
        """Learn, then the cursor rule of the module docstring: move on when no likely suggestion is left
        open here (with ``alternatives_hold``: no suggestion at all), or when the decision ``finished``
        the segment; say which in the message; store the position."""
        self._reload_codings()
        self._observe()
        self._accepts_since += 1
        left = self.suggestions()
        holding = left if alternatives_hold else [s for s in left if s.likely and self._still_likely(s)]
        if finished or not holding:
            # likely codes left behind because this coder seldom combines them with the one taken: say so
            passed = not finished and not alternatives_hold and any(s.likely for s in left)
            decided = (self.first, self.last, self.narrow)
            message += f"  → segment {self.first + 1}" if self.move(1) else "  · einde van het transcript"
            self._back = (self.first, decided) if decided[1] > decided[0] or decided[2] else None
            if passed:
                message += " (k: terug voor een tweede code)"
        elif alternatives_hold and not any(s.likely for s in left):
            message += f"  · blijft: {len(left)} {'alternatieven' if len(left) > 1 else 'alternatief'} hier (j: verder)"
        else:
            likely = sum(1 for s in holding if s.likely)  # after x every suggestion holds; the dimmed are no likely ones
            others = len(holding) - likely
            message += f"  · blijft: nog {likely} waarschijnlijke code{'s' if likely > 1 else ''}" + (
                f" en {others} {'alternatieven' if others > 1 else 'alternatief'}" if others else "") + " hier (j: verder)"
        self.save_position()
        return message

    def _still_likely(self, s: Shown) -> bool:
        """Whether a likely suggestion still is once the codes on the selection are taken: this coder's
        second codes are counted (:mod:`codering.coding.combine`)."""
        from codering.coding.combine import CodeCombinations

        taken = self.taken_here()
        if not taken:
            return True
        # counted again every so many accepts (and after undo, redo, edits), from the codings' positions alone
        # (benchmarks/combine_speed.py)
        if self._combinations is None or self._accepts_since >= RECOUNT_EVERY:
            self._combinations = CodeCombinations(self.codebook, self.project.coded_spans(self.coder))
            self._accepts_since = 0
        return self._combinations.still_likely(taken, s.code_id, s.score,
                                               float(getattr(self.suggester, "min_score", LIKELY)))

    def _observe(self) -> None:
        self._save_skipped()  # what the cursor jumped over before this decision, for the engine to see now
        if self.suggester is not None and self.suggester_ready:
            self.suggester.observe(self.project)
            self._cache.clear()

    # -- labels ---------------------------------------------------------------------------
    def label(self, code_id: str) -> str:
        """The code's label; with the end of its path when another code has the same label."""
        return self.codebook.distinct_label(code_id) if code_id in self.codebook else code_id

    def code_scores(self) -> dict[str, float]:
        """The engine's probability of every code for the selection (the picker ranks by it), with the
        codes the suggestion list offers or offered, and their categories, at 0 and their categories' other
        factors at half, and the families of the codes already on the selection at 0
        (``search.without_offered``); empty while the engine is not ready or when the suggester has no
        such scores."""
        scorer = getattr(self.suggester, "code_scores", None)
        if scorer is None or not getattr(self.suggester, "ready", False):
            return {}
        start, end = self.span
        try:
            scores = scorer(self.project, self.tid, start, end)
        except Exception:  # noqa: BLE001 - ranking help only: the picker works without it
            return {}
        from codering.coding.search import without_offered

        # what the list offers or offered (rejected since) is a digit away or already answered; what is on
        # the selection already (taken from the list or the picker) answers its whole family
        return without_offered(self.codebook, scores, [s.code_id for s in self._raw(start, end)], self.taken_here())

    def recent_codes(self, limit: int = 12) -> list[str]:
        """The codes this coder applied most recently, newest first (the picker ranks them first)."""
        seen: dict[str, None] = {}
        for coding in sorted(self.project.codings(coder=self.coder), key=lambda c: (c.created, c.id),
                             reverse=True):
            seen.setdefault(coding.code_id, None)
            if len(seen) >= limit:
                break
        return list(seen)
