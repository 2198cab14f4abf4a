"""Finding words in the transcripts: keyword in context (pure Python, no Textual, no SQL).

A query is one or more terms; a sentence matches when *every* term occurs in
it (in any order). A term is

- a word: matched as a whole word (``zorg`` finds "zorg", not "zorgnetwerk");
- a word with ``*``: ``*`` stands for any letters, so ``wachtlijst*`` finds
  "wachtlijsten" and ``*lijst`` finds "wachtlijst" (the word still ends where
  the pattern does);
- a quoted phrase, ``"zorg op maat"``: its words in this order, with only
  spaces or punctuation between them (a ``*`` works inside it too).

Case and diacritics are ignored on both sides, with the same folding as the
code picker (:func:`codering.suggest.base.fold`): ``coordinatie`` finds
"coördinatie", ``cliënt`` finds "client". This folds "één" to "een" too, so
``een`` also finds the stressed "één" (we keep it: typing the accents is
what a researcher avoids, and the extra hits are few and visible).

The sentences come from the store (:class:`SearchSource` is what is asked of
it); matching is one regular expression per term over the transcript's folded
text, which is folded once per transcript with a cached translation table.

The hits can be coded in one go (:func:`plan_hit_coding`, :func:`code_hits`: ``codering search
--code-as``, ``c`` on the find screen); see the section "coding the hits" below.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from codering.errors import CoderingError
from codering.suggest.base import fold

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.store import Project, SegmentRow
    from codering.store.rows import CodedSpan


class QueryError(CoderingError):
    """A search query that cannot be used; ``dutch`` says the same for the terminal UI."""

    title = "Zoekopdracht"

    def __init__(self, message: str, dutch: str) -> None:
        super().__init__(message)
        self.dutch = dutch


class _FoldTable(dict):
    """``str.translate`` table: each character to its folded form (computed once per character)."""

    def __missing__(self, ordinal: int) -> str:
        folded = fold(chr(ordinal))
        self[ordinal] = folded
        return folded


_TABLE = _FoldTable()
_TERM = re.compile(r'"([^"]*)"|(\S+)')
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def fold_text(text: str) -> tuple[str, list[int] | None]:
    """``text`` folded, and the index in ``text`` of each folded character; None when they are the same
    (the usual case: every character folds to one character)."""
    uneven: list[str] = []

    def one(m: re.Match[str]) -> str:
        folded = _TABLE[ord(m.group())]
        if len(folded) != 1:
            uneven.append(folded)
        return folded

    # only the few non-ASCII characters go through Python (a quarter of the time of str.translate)
    folded = _NON_ASCII.sub(one, text).lower()
    if not uneven:
        return folded, None
    where: list[int] = []
    for i, ch in enumerate(text):
        where.extend([i] * len(_TABLE[ord(ch)]))
    return folded, where


@dataclass(frozen=True)
class TextQuery:
    """A parsed query: one compiled pattern per term, all of which must match."""

    text: str
    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = field(repr=False, compare=False)

    def spans(self, folded: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]] | None:
        """Where the terms occur in ``folded[start:end]`` (sorted, absolute), or None unless every term does."""
        end = len(folded) if end is None else end
        out: list[tuple[int, int]] = []
        for pattern in self.patterns:
            found = [m.span() for m in pattern.finditer(folded, start, end)]
            if not found:
                return None
            out.extend(found)
        return _merge(out)

    def find(self, text: str) -> list[tuple[int, int]] | None:
        """Where the terms occur in ``text`` (offsets into ``text``), or None unless every term does."""
        folded, where = fold_text(text)
        found = self.spans(folded)
        if found is None or where is None:
            return found
        return _merge([(where[a], where[b - 1] + 1) for a, b in found])


def parse_query(text: str) -> TextQuery:
    """Parse a query (see the module docstring); a :class:`QueryError` says what is wrong with it."""
    if text.count('"') % 2:
        raise QueryError(f"unbalanced quote in {text!r}: close the phrase with a second \"",
                         f"aanhalingsteken niet gesloten in '{text}': sluit de woordgroep af met \"")
    terms: list[str] = []
    patterns: list[re.Pattern[str]] = []
    for m in _TERM.finditer(text):
        raw = m.group(1) if m.group(1) is not None else m.group(2)
        words = [w for w in re.split(r"[^\w*]+", fold(raw)) if w]
        if not words:
            continue
        if not any(w.strip("*") for w in words):
            raise QueryError(f"'{raw}' matches every word: give at least one letter with the *",
                             f"'{raw}' past op elk woord: geef minstens één letter bij de *")
        terms.append(" ".join(words) if m.group(1) is not None else words[0] if len(words) == 1 else raw)
        body = r"\W+".join(_word_pattern(w) for w in words)
        patterns.append(re.compile(rf"(?<!\w){body}(?!\w)"))
    if not patterns:
        raise QueryError("nothing to search for: give a word (wachtlijst, wachtlijst*, \"zorg op maat\")",
                         "niets om te zoeken: typ een woord (wachtlijst, wachtlijst*, \"zorg op maat\")")
    return TextQuery(text, tuple(terms), tuple(patterns))


def _word_pattern(word: str) -> str:
    return r"\w*".join(re.escape(part) for part in word.split("*"))


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class Hit:
    """A sentence that matches: where it is, its text, where the terms are in it, the codes on it."""

    transcript_id: int
    transcript: str
    index: int  # the segment's index in its transcript (the UI says ``index + 1``)
    start: int
    end: int
    role: str
    speaker: str
    text: str
    marks: tuple[tuple[int, int], ...]  # offsets into ``text``
    codes: tuple[str, ...] = ()

    def marked(self, before: str = "«", after: str = "»") -> str:
        """The sentence with each match between ``before`` and ``after``."""
        out, at = [], 0
        for a, b in self.marks:
            out += [self.text[at:a], before, self.text[a:b], after]
            at = b
        out.append(self.text[at:])
        return "".join(out)

    def context(self, width: int = 60) -> tuple[str, str, str]:
        """Keyword in context around the first match: (left, match, right), each side cut to ``width``."""
        a, b = self.marks[0] if self.marks else (0, 0)
        left, match, right = self.text[:a], self.text[a:b], self.text[b:]
        if len(left) > width:
            left = "…" + left[-(width - 1):]
        if len(right) > width:
            right = right[:width - 1] + "…"
        return " ".join(left.split()) + (" " if left[-1:].isspace() else ""), match, right


def find_in_segments(query: TextQuery, content: str, segments: Sequence["SegmentRow"],
                     with_interviewer: bool = False) -> list[tuple[int, list[tuple[int, int]]]]:
    """The segments of one transcript (its ``content``) that match: (position in ``segments``, the matches'
    offsets into that segment's text). The transcript's text is folded once; interviewer segments only
    ``with_interviewer``."""
    folded, where = fold_text(content)
    out = []
    for i, seg in enumerate(segments):
        if seg.role == "interviewer" and not with_interviewer:
            continue
        if where is None:
            found = query.spans(folded, seg.start, seg.end)
            if found is not None:
                out.append((i, [(a - seg.start, b - seg.start) for a, b in found]))
        else:  # a rare character folds to more or fewer letters: sentence by sentence
            found = query.find(content[seg.start:seg.end])
            if found is not None:
                out.append((i, found))
    return out


class TranscriptFind:
    """The hits of a query in one transcript, and stepping through them from the cursor (the coding screen).

    ``positions``: the matching segments' positions in the transcript's segment list, in text order;
    ``spans``: every match as offsets into the transcript's text (what the screen highlights)."""

    def __init__(self, query: TextQuery, content: str, segments: Sequence["SegmentRow"],
                 with_interviewer: bool = False) -> None:
        self.query = query
        found = find_in_segments(query, content, segments, with_interviewer)
        self.positions = [i for i, _ in found]
        self.spans = [(segments[i].start + a, segments[i].start + b) for i, marks in found for a, b in marks]

    def __len__(self) -> int:
        return len(self.positions)

    def step(self, at: int, step: int) -> tuple[int, int, bool] | None:
        """The next hit after segment ``at`` (``step`` 1) or the one before it (-1), wrapping round the
        transcript: (its position, its number counted from 1, whether it wrapped); None without hits."""
        if not self.positions:
            return None
        if step > 0:
            k = bisect_right(self.positions, at)
            wrapped = k == len(self.positions)
            k = 0 if wrapped else k
        else:
            k = bisect_left(self.positions, at) - 1
            wrapped = k < 0
            k = len(self.positions) - 1 if wrapped else k
        return self.positions[k], k + 1, wrapped


def search_project(project: "Project", query: str | TextQuery, transcripts: Sequence[str] = (),
                   where: Mapping[str, str] | None = None, code: str | None = None, uncoded: bool = False,
                   with_interviewer: bool = False) -> list[Hit]:
    """Every sentence of the project (respondent sentences; all segments ``with_interviewer``) that
    matches ``query``, in transcript and text order.

    ``transcripts``: only these (names or ids); ``where``: only transcripts whose attributes have these
    values (case ignored, as ``codering transcripts --where``); ``code``: only sentences a coding of this
    code or one of its descendants overlaps; ``uncoded``: only sentences no coding overlaps."""
    q = query if isinstance(query, TextQuery) else parse_query(query)
    if code is not None and uncoded:
        raise QueryError("--code and --uncoded exclude each other", "een code en 'ongecodeerd' sluiten elkaar uit")
    book = project.codebook()
    if code is not None and code not in book:
        raise QueryError(f"no code '{code}' in the codebook", f"geen code '{code}' in het codeboek")
    under: dict[str, bool] = {}

    def counts(code_id: str) -> bool:  # a coding of ``code_id`` counts for ``code`` (is it or under it)
        if code_id not in under:
            under[code_id] = code_id in book and code in book.counts_for(code_id)
        return under[code_id]

    infos = project.transcripts()
    chosen = {project.transcript_id(t) for t in transcripts} if transcripts else None
    if where:
        known = {k for info in infos for k in info.attributes}
        unknown = [k for k in where if k not in known]
        if unknown and infos:
            raise QueryError(f"no transcript has the attribute '{unknown[0]}' (attributes: "
                             f"{', '.join(sorted(known)) or 'none'})",
                             f"geen transcript heeft het kenmerk '{unknown[0]}'")
    hits: list[Hit] = []
    for info in infos:
        if chosen is not None and info.id not in chosen:
            continue
        if where and not all(info.attributes.get(k, "").casefold() == v.casefold() for k, v in where.items()):
            continue
        segments = project.segments(info.id)
        found = find_in_segments(q, project.content(info.id), segments, with_interviewer)
        if not found:
            continue
        coded = _Coded(project.coded_spans(transcript=info.id))
        for i, marks in found:
            seg = segments[i]
            codes = coded.on(seg.start, seg.end)
            if uncoded and codes:
                continue
            if code is not None and not any(counts(c) for c in codes):
                continue
            hits.append(Hit(info.id, info.name, seg.index, seg.start, seg.end, seg.role, seg.speaker, seg.text,
                            tuple(marks), codes))
    return hits


class _Coded:
    """The codes on a span of one transcript, from its codings' positions (sorted once, then bisected)."""

    def __init__(self, spans: Sequence["CodedSpan"]) -> None:
        self._spans = sorted((s.start, s.end, s.code_id) for s in spans)
        self._starts = [s[0] for s in self._spans]
        self._longest = max((e - s for s, e, _ in self._spans), default=0)

    def on(self, start: int, end: int) -> tuple[str, ...]:
        """The codes (each once, in text order) of the codings that overlap ``start``-``end``."""
        lo = bisect_left(self._starts, start - self._longest)
        hi = bisect_left(self._starts, end)
        return tuple(dict.fromkeys(c for s, e, c in self._spans[lo:hi] if e > start))


def code_labels(book: "Codebook", codes: Iterable[str]) -> str:
    """The codes of a hit as a researcher reads them: labels (distinct where two share one)."""
    return ", ".join(book.distinct_label(c) if c in book else c for c in codes)


# -- coding the hits (NVivo's "code the results", ATLAS.ti's auto-coding) ---------------------------------
# Every hit sentence gets one code, for one coder, as one journaled action (one undo takes it all back).
# A sentence where that coder already has the code, or a code under it, on any part of it is left alone
# and counted (other coders' codings do not count: each coder codes on their own). The codings get the
# origin "search": the coder chose the code, not each sentence. The engine learns them as positives only
# on sentences the coder's own work reviewed, and never takes the sentences before them as passed over
# (codering.suggest.training); agreement does not read them as how far a coder got (codering.collab.agreement).

#: More hits than this are coded only when asked again (``--yes``; the find screen's confirm dialog warns).
#: A researcher reviews every sentence a search codes: 200 is what a review can take in one sitting, and a
#: query that finds more (``zorg`` finds 5,227 sentences in 35 interviews) is nearly always too broad.
MAX_HITS = 200

#: The origin of the codings made here (:data:`codering.store.ORIGINS`).
SEARCH_ORIGIN = "search"


class HitCodingError(CoderingError):
    """Why the hits cannot be coded with that code; ``dutch`` says the same for the terminal UI."""

    title = "Treffers coderen"

    def __init__(self, message: str, dutch: str) -> None:
        super().__init__(message)
        self.dutch = dutch


@dataclass(frozen=True)
class HitCoding:
    """What coding a search's hits with ``code_id`` will do: the hits to code, and those that have it."""

    code_id: str
    label: str
    todo: tuple[Hit, ...]
    already: tuple[Hit, ...]

    @property
    def transcripts(self) -> int:
        """How many transcripts the hits to code are in."""
        return len({h.transcript_id for h in self.todo})


def codable_code(project: "Project", code_id: str) -> str:
    """``code_id`` if the hits can be coded with it, else a :class:`HitCodingError` in one line."""
    book = project.codebook()
    if code_id not in book:
        merge = project.merged_code(code_id)
        if merge is not None:
            raise HitCodingError(f"{merge.said()}; use {merge.target}",
                                 f"code '{code_id}' is samengevoegd in {merge.target}")
        raise HitCodingError(f"no code '{code_id}' in the codebook", f"geen code '{code_id}' in het codeboek")
    code = book.get(code_id)
    if not code.codable:
        below = [c.id for c in book.codes.values() if c.parent == code_id and c.codable][:3]
        hint = f" (one of its codes: {', '.join(below)})" if below else ""
        raise HitCodingError(f"'{code.label}' ({code_id}) is a category that cannot be applied: choose a code "
                             f"under it{hint}",
                             f"'{code.label}' is een map, geen code die je kunt toepassen: kies een code eronder")
    return code_id


def plan_hit_coding(project: "Project", hits: Sequence[Hit], code_id: str, coder: str) -> HitCoding:
    """Which of ``hits`` coding with ``code_id`` would code for ``coder``, and which already have it."""
    book = project.codebook()
    code_id = codable_code(project, code_id)
    mine: dict[int, list] = {}
    for span in project.coded_spans(coder=coder):  # one query for the whole project
        mine.setdefault(span.transcript_id, []).append(span)
    coded = {tid: _Coded(spans) for tid, spans in mine.items()}
    todo, already = [], []
    for hit in dict.fromkeys(hits):  # a hit listed twice is coded once
        here = coded.get(hit.transcript_id)
        codes = here.on(hit.start, hit.end) if here is not None else ()
        if any(c in book and code_id in book.counts_for(c) for c in codes):
            already.append(hit)
        else:
            todo.append(hit)
    return HitCoding(code_id, book.distinct_label(code_id), tuple(todo), tuple(already))


def code_hits(project: "Project", coding: HitCoding, coder: str, query: str) -> int:
    """Code ``coding.todo`` for ``coder`` with origin ``search``, as one action; the number coded."""
    if not coding.todo:
        return 0
    n = len(coding.todo)
    description = f"code {n} search hit{'s' if n != 1 else ''} of {query!r} with {coding.code_id}"
    with project.action(description, coder):
        for hit in coding.todo:
            project.add_coding(hit.transcript_id, hit.start, hit.end, coding.code_id, coder, origin=SEARCH_ORIGIN)
    return n
