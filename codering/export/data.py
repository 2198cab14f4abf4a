"""What every export starts from: the selected interviews and their codings, placed in the text.

``load(project, where=..., coder=...)`` reads the project once (transcripts,
codings, segments, turns) and answers the counting questions every table
asks. Counting rules, the same in every table and figure:

- A coding counts for its code and every ancestor (``Codebook.counts_for``):
  a factor's codings count for its category and polarity.
- **segments** are coded segments in the sense of MAXQDA and ATLAS.ti: coded
  passages. Each coding is widened to the transcript segments (sentences) it
  touches; codings of the code that share a segment merge into one passage.
  So a coding over three sentences counts once, two coders coding the same
  sentence count once, and two factors of one category coded on the same
  sentence count once for the category. Codings of neighbouring sentences
  stay separate passages.
- **interviews**: the number of transcripts with at least one such coding.
- Co-occurrence counts transcript segments (sentences) or turns, not passages.
- Detached codings (text gone after a re-import) never count.

Nothing here imports pandas; the tables build their frames from these counts.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from codering.errors import ExportError, NothingToExport

if TYPE_CHECKING:
    from codering.codebook import Code, Codebook
    from codering.store import Coding, Project, TranscriptInfo

UNITS = ("segments", "interviews")
Unit = tuple  # (transcript_id, "s", segment index) | (transcript_id, "t", turn) | (transcript_id, "span", start, end)


@dataclass(frozen=True)
class Mark:
    """One coding with where it sits: its segments, its turns and a citation."""

    coding: Coding
    extent: tuple[int, int]   # the coding widened to whole segments (character offsets)
    segments: tuple[Unit, ...]
    turns: tuple[Unit, ...]
    source: str           # interview_id attribute, else the transcript name
    timestamp: str        # "00:03:10"; "~00:03:10": the last one before; "beurt 12" if none
    role: str = ""        # role of the first segment's turn: respondent, interviewer, ...
    text: str = ""        # the coded text without a leading speaker label or timestamp

    @property
    def transcript_id(self) -> int:
        return self.coding.transcript_id

    @property
    def code_id(self) -> str:
        return self.coding.code_id


@dataclass
class ExportData:
    """The selected interviews of a project and their codings; built by ``load``."""

    project_name: str
    codebook: Codebook
    transcripts: list[TranscriptInfo]
    marks: list[Mark]
    where: dict[str, list[str]] = field(default_factory=dict)
    coder: str | None = None
    model_id: str | None = None
    project: Project | None = None
    _rollup: dict[str, set[str]] = field(default_factory=dict, repr=False)

    @property
    def language(self) -> str:
        return (self.codebook.language or "nl").split("-")[0].lower()

    @property
    def interviews(self) -> int:
        return len(self.transcripts)

    def rollup(self, code_id: str) -> set[str]:
        """The code and its ancestors (cached): what one coding of ``code_id`` counts for."""
        found = self._rollup.get(code_id)
        if found is None:
            found = self._rollup[code_id] = (self.codebook.counts_for(code_id) if code_id in self.codebook
                                             else {code_id})
        return found

    @cached_property
    def passages(self) -> dict[str, dict[int, int]]:
        """Code id -> {transcript id: number of coded passages} (see the module docstring)."""
        extents: dict[str, dict[int, list[tuple[int, int]]]] = {}
        for mark in self.marks:
            for code_id in self.rollup(mark.code_id):
                extents.setdefault(code_id, {}).setdefault(mark.transcript_id, []).append(mark.extent)
        return {code_id: {tid: _components(spans) for tid, spans in per.items()}
                for code_id, per in extents.items()}

    def per_interview(self, code_id: str, unit: str = "segments") -> dict[int, int]:
        """Transcript id -> count of ``code_id`` there (passages, or 1 for 'interviews')."""
        found = self.passages.get(code_id, {})
        if unit in ("interviews", "interview"):
            return dict.fromkeys(found, 1)
        if unit in ("segments", "segment"):
            return found
        raise ExportError(f"unknown unit '{unit}' (one of {', '.join(UNITS)})")

    def count(self, code_id: str, unit: str = "segments") -> int:
        return sum(self.per_interview(code_id, unit).values())

    @cached_property
    def segment_units(self) -> dict[str, set[Unit]]:
        """Code id -> the segments coded with it or a descendant."""
        return self._collect(lambda m: m.segments)

    @cached_property
    def turn_units(self) -> dict[str, set[Unit]]:
        return self._collect(lambda m: m.turns)

    def _collect(self, units_of) -> dict[str, set[Unit]]:
        out: dict[str, set[Unit]] = {}
        for mark in self.marks:
            units = units_of(mark)
            for code_id in self.rollup(mark.code_id):
                out.setdefault(code_id, set()).update(units)
        return out

    def cooccurrence_units(self, unit: str) -> dict[str, set[Unit]]:
        """Code id -> the transcript segments ('segment') or turns ('turn') it is coded in."""
        if unit in ("segments", "segment"):
            return self.segment_units
        if unit in ("turns", "turn"):
            return self.turn_units
        raise ExportError(f"unknown co-occurrence unit '{unit}' (one of segment, turn)")

    @cached_property
    def _by_code(self) -> dict[str, list[Mark]]:
        out: dict[str, list[Mark]] = {}
        for mark in self.marks:
            out.setdefault(mark.code_id, []).append(mark)
        return out

    def direct_marks(self, code_id: str) -> list[Mark]:
        """Codings of exactly this code (not of its descendants)."""
        return self._by_code.get(code_id, [])

    def direct_count(self, code_id: str) -> int:
        """Coded passages of exactly this code (its descendants' codings left out)."""
        per: dict[int, list[tuple[int, int]]] = {}
        for mark in self.direct_marks(code_id):
            per.setdefault(mark.transcript_id, []).append(mark.extent)
        return sum(_components(spans) for spans in per.values())

    @cached_property
    def _under(self) -> dict[str, list[Mark]]:
        out: dict[str, list[Mark]] = {}
        for mark in self.marks:
            for code_id in self.rollup(mark.code_id):
                out.setdefault(code_id, []).append(mark)
        return out

    def marks_under(self, code_id: str) -> list[Mark]:
        """Codings of the code or any descendant, in transcript order."""
        return self._under.get(code_id, [])

    def attribute_values(self, name: str) -> list[str]:
        """Values of a case attribute among the selected interviews, in natural order."""
        values = {t.attributes.get(name, "") for t in self.transcripts}
        return sorted((v for v in values if v), key=natural_key) + ([""] if "" in values else [])

    def selection_notes(self, lang: str | None = None) -> list[str]:
        """Footnotes that say which interviews and coder a table counts."""
        from codering.export.labels import text

        lang = lang or self.language
        notes = []
        if self.where:
            parts = [f"{key} = {' / '.join(values)}" for key, values in self.where.items()]
            notes.append(text("note_where", lang, filters="; ".join(parts), n=self.interviews))
        if self.coder:
            notes.append(text("note_coder", lang, coder=self.coder))
        else:
            coders = sorted({m.coding.coder for m in self.marks})
            if len(coders) > 1:  # pooled: say whose, so a report never mixes coders unknowingly
                notes.append(text("note_coders_pooled", lang, coders=", ".join(coders)))
        return notes


def _components(spans: list[tuple[int, int]]) -> int:
    """How many runs of overlapping spans (sharing at least one character)."""
    count, reach = 0, -1
    for start, end in sorted(spans):
        if start >= reach:
            count += 1
        reach = max(reach, end)
    return count


def natural_key(value: str) -> tuple:
    import re

    return tuple((0, int(p)) if p.isdigit() else (1, p.casefold()) for p in re.split(r"(\d+)", value) if p)


def load(project: Project, where: dict[str, Iterable[str]] | None = None, coder: str | None = None) -> ExportData:
    """Read the interviews matching ``where`` and their (non-detached) codings by ``coder``.

    ``where`` maps an attribute to the values allowed (any of them, case-insensitive);
    several attributes must all match. Raises ``NothingToExport`` when no interview
    matches, with the values that exist.
    """
    where = {k: [str(v) for v in vs] for k, vs in (where or {}).items()}
    transcripts = project.transcripts()
    if not transcripts:
        raise NothingToExport(
            f"{project.path.name}: the project has no transcripts yet; "
            f"import some first with `codering -p {project.path} import FILES`"
        )
    if coder is not None and coder not in project.coders():
        known = ", ".join(project.coders()) or "none yet"
        raise NothingToExport(f"no codings by coder '{coder}' (coders in this project: {known})")
    selected = _filter(transcripts, where)
    wanted = {t.id for t in selected}
    by_transcript: dict[int, list] = {}
    for coding in project.codings(coder=coder):
        if coding.transcript_id in wanted:
            by_transcript.setdefault(coding.transcript_id, []).append(coding)
    book = project.codebook()
    turn_word = "beurt" if (book.language or "nl").startswith("nl") else "turn"
    marks: list[Mark] = []
    for info in selected:
        rows = by_transcript.get(info.id)
        if rows:
            marks.extend(_place(project, info, rows, turn_word))
    return ExportData(
        project_name=project.path.stem, codebook=book, transcripts=selected, marks=marks,
        where=where, coder=coder, model_id=project.setting("model"), project=project,
    )


def _filter(transcripts: list[TranscriptInfo], where: dict[str, list[str]]) -> list[TranscriptInfo]:
    selected = transcripts
    for key, values in where.items():
        present = {t.attributes[key] for t in transcripts if key in t.attributes}
        if not present:
            names = sorted({k for t in transcripts for k in t.attributes}, key=natural_key)
            raise NothingToExport(
                f"no interview has the attribute '{key}' (attributes: {', '.join(names) or 'none'})"
            )
        wanted = {v.casefold() for v in values}
        selected = [t for t in selected if t.attributes.get(key, "").casefold() in wanted]
        if not selected:
            shown = ", ".join(sorted(present, key=natural_key))
            asked = " or ".join(values)
            raise NothingToExport(f"no interviews match {key} = {asked} (values of {key}: {shown})")
    return selected


def _place(project: Project, info: TranscriptInfo, codings: list[Coding], turn_word: str = "beurt") -> list[Mark]:
    """Attach segments, turns and a citation to each coding of one transcript."""
    segments = project.segments(info.id)
    starts = [s.start for s in segments]
    ends = [s.end for s in segments]
    turns = project.turns(info.id)
    stamp_of: dict[int, str] = {}
    last: str | None = None
    for index, _start, _end, _body, _speaker, _role, stamp in turns:
        if stamp:
            stamp_of[index], last = stamp, stamp
        elif last:
            stamp_of[index] = f"~{last}"
    turn_starts = [t[1] for t in turns]
    body_of = {t[1]: t[3] for t in turns}
    source = info.attributes.get("interview_id") or info.name
    out = []
    for coding in codings:
        hit = segments[bisect.bisect_right(ends, coding.start):bisect.bisect_left(starts, coding.end)]
        pos = bisect.bisect_right(turn_starts, coding.start) - 1  # the turn the coding starts in
        skip = 0
        if pos >= 0 and 0 < body_of[turn_starts[pos]] - coding.start < len(coding.text):
            skip = body_of[turn_starts[pos]] - coding.start  # the coder took the speaker label too
        if hit:
            extent = (min(hit[0].start, coding.start), max(hit[-1].end, coding.end))
            seg_units = tuple((info.id, "s", s.index) for s in hit)
            turn_ids = sorted({s.turn for s in hit})
        else:
            extent = (coding.start, coding.end)
            seg_units = ((info.id, "span", coding.start, coding.end),)
            turn_ids = [turns[pos][0]] if pos >= 0 else []
        first = turn_ids[0] if turn_ids else None
        stamp = stamp_of.get(first, "") if first is not None else ""
        if not stamp and first is not None:
            stamp = f"{turn_word} {first + 1}"  # no timestamp anywhere before it
        out.append(Mark(
            coding=coding, extent=extent, segments=seg_units,
            turns=tuple((info.id, "t", t) for t in turn_ids) or seg_units, source=source, timestamp=stamp,
            role=hit[0].role if hit else "", text=" ".join(coding.text[skip:].split()),
        ))
    return out


def factors(codebook: Codebook, category_id: str) -> list[Code]:
    """The factors of a category: its codable children, in codebook order."""
    return [c for c in codebook.children(category_id) if c.codable]
