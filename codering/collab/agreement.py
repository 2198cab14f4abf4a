"""Inter-coder agreement: who applied which code to which unit, and how far coders agree.

Unit of analysis (what a methods section reports):

- A **unit** is one of the tool's segments (sentences, ``--unit segment``, also
  called ``sentence``) or one speaker turn (``--unit turn``), of respondent
  speech: interviewer turns are left out unless asked for.
- Only transcripts that **every** compared coder has coded (at least one
  coding) are compared; the others are listed as left out.
- Of each transcript only the part **every** compared coder worked through is
  compared (``whole=True``, ``--whole``: the whole transcript, as before this
  rule). A coder's **reach** is the furthest of: their last coding, their last
  suggestion decision, the last sentence their coding screen's cursor jumped
  over (``n``, ``N``, a search) and the sentence before the one their cursor
  was saved on (the cursor stands on the next sentence to do; on the last
  respondent sentence it counts as the end). The compared part ends at the
  smallest reach: a sentence unit is in when it lies there or before, a turn
  when its first sentence does. A note names, per transcript cut short, how far
  it was compared and who worked only that far.
- A coder with no decision, saved cursor or jump in a transcript (codings
  from ``merge`` or a script), or with codings of it from an
  import (origin ``import``: a ``.qdpx`` of another QDA tool, a coding file),
  reaches **the whole transcript**, not their last coding: in another tool a
  coder codes only what applies, in no order this project knows, so the last
  coding says nothing about where they stopped, and taking it would drop the
  tail of every finished interview whose last sentences no code fits (the
  hand-worked ten-sentence case of the tests: its κ 0.400 would become that of
  five sentences). Opening such a transcript in the coding screen saves a
  cursor, which must not turn a finished import into work in progress. So only
  what the coding screen records shows work in progress. ``merge`` brings a
  colleague's decisions, saved cursor and jumped-over sentences along with her
  codings (of transcripts whose text is the same there), so her unfinished
  work merged in is compared as far as she got, as if she had coded here.
- A text search's hits coded in one go (origin ``search``: ``codering search
  --code-as``) are the coder's codes like any other, but say nothing of how far
  the coder read: they never move a reach on, and a coder whose only codings of
  a transcript are those, with nothing the coding screen recorded there, has
  not worked through any of it (the transcript is left out, as one that coder
  did not code).
- A coder **applied** code X to a unit when that coder's codings of X, or of
  codes under X (coding a child counts for its parent), cover at least half of
  the unit's characters.
- Per code, each unit gives one yes/no value per coder. Percent agreement is
  the share of agreeing coder pairs over all units (for two coders: the share
  of units on which they agree); Cohen's kappa is computed for two coders;
  Krippendorff's alpha (nominal) for two or more.
- The **overall** row pools the (unit, code) pairs of the rows shown into one
  set of yes/no decisions and computes the same three figures over it. A row
  that nobody applied as such and that has rows of its own codes below it (a
  category ``--codes`` shows beside its factors) is left out of the pool: its
  units are there through those codes already, so an agreement on a factor is
  not counted again for its category, and ``--codes '.'`` pools what no
  pattern pools.

Undefined figures (a code every coder applied everywhere, so no variation) are
NaN, an empty cell in tables. Nothing here imports pandas until a table is
asked for. The statistics themselves are in :mod:`codering.collab.reliability`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Sequence

from codering.errors import AgreementError
from codering.collab.reliability import cohen_kappa, cohen_kappa_of, krippendorff_alpha, percent_agreement

if TYPE_CHECKING:
    from codering.codebook import Codebook
    from codering.export.table import Table
    from codering.store import Coding, Project, SegmentRow, WorkMarks

UNITS = ("segment", "sentence", "turn")
CONSENSUS = "consensus"
#: The memo that records "no code applies" as the consensus on a unit, in the codebook's language (it shows in
#: the memo list and the memo sheet); every one of them is read back as that decision, whatever the language.
RESOLVED_NONE = {"nl": "Consensus: geen code van toepassing.", "en": "Consensus: no code applies."}
RESOLVED_NONE_TEXTS = frozenset(RESOLVED_NONE.values())


# -- units and who applied what -------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    key: str  # "123": segment 123; "t123": the turn that starts with segment 123
    transcript: str
    start: int
    end: int
    text: str


@dataclass
class UnitMatrix:
    """Per coder and unit: the codes applied (with parents: ``applied``; as coded: ``direct``)."""

    coders: tuple[str, ...]
    unit: str
    units: list[Unit]
    applied: dict[str, list[frozenset[str]]]
    direct: dict[str, list[frozenset[str]]]
    transcripts: list[str]
    left_out: list[str]  # transcripts not coded by every coder
    reaches: list["Reach"] = field(default_factory=list)  # transcripts compared only in part, in order
    whole: bool = False  # whole transcripts compared, however far the coders got


@dataclass(frozen=True)
class Reach:
    """A transcript compared only up to where every coder got (see the module docstring)."""

    transcript: str
    last: int  # the number of the last sentence compared (counted from 1 over all segments, as the coding screen)
    total: int  # the transcript's sentences
    coders: tuple[str, ...]  # the coders who got only that far

    def note(self, language: str = "nl") -> str:
        if language == "en":
            return (f"{self.transcript}: sentences 1-{self.last} of {self.total} compared; "
                    f"{_names(self.coders, 'and')} worked up to sentence {self.last}")
        verb = "werkte" if len(self.coders) == 1 else "werkten"
        return (f"{self.transcript}: zinnen 1-{self.last} van {self.total} vergeleken; {_names(self.coders)} {verb} "
                f"tot zin {self.last}")


def _units(project: "Project", name: str, unit: str, interviewer: bool,
           segments: "Sequence[SegmentRow] | None" = None) -> list[Unit]:
    rows = [s for s in (project.segments(name) if segments is None else segments)
            if interviewer or s.role != "interviewer"]
    if unit != "turn":
        return [Unit(str(s.id), name, s.start, s.end, s.text) for s in rows]
    turns: dict[int, list] = {}
    for s in rows:
        turns.setdefault(s.turn, []).append(s)
    content = project.content(name)
    return [Unit(f"t{ss[0].id}", name, ss[0].start, ss[-1].end, content[ss[0].start:ss[-1].end])
            for ss in turns.values()]


def _reach(segments: Sequence["SegmentRow"], codings: Sequence["Coding"], marks: "WorkMarks | None") -> int:
    """The index of the last segment a coder worked through (the module docstring's rule); the last segment's
    index for the whole transcript."""
    last = len(segments) - 1
    read = [c for c in codings if c.origin != "search"]  # a search's hits coded in bulk were not read there
    if marks is None and codings and not read:
        return -1  # nothing but search codings: not worked through at all
    codings = read
    if marks is None or any(c.origin == "import" for c in codings):  # finished elsewhere
        return last
    starts = [s.start for s in segments]

    def at(end: int) -> int:  # the segment that holds the character before ``end``
        return max(0, min(last, bisect_right(starts, end - 1) - 1))

    found = [at(max(c.end for c in codings))] if codings else []
    found += [at(end) for end in (marks.decided_to, marks.jumped_to) if end is not None]
    if marks.cursor is not None:
        cursor = min(marks.cursor, last)
        later = any(s.role != "interviewer" for s in segments[cursor + 1:])
        found.append(cursor - 1 if later else last)
    return max(found, default=last)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def applied_codes(book: "Codebook", codings: Iterable["Coding"], units: Sequence[Unit],
                  rollup: bool = True) -> list[frozenset[str]]:
    """Per unit, the codes these codings apply to it: their spans (of the code, and with ``rollup`` of
    codes under it) cover at least half of the unit."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in codings:
        for code in (book.counts_for(c.code_id) if rollup and c.code_id in book else {c.code_id}):
            spans.setdefault(code, []).append((c.start, c.end))
    merged = {code: _merge(s) for code, s in spans.items()}
    # each code's spans visit only the units they overlap (units are in text order and do not overlap):
    # asking every unit about every code cost 6 million coverage sums on a 120-interview project
    starts = [u.start for u in units]
    found: list[set[str]] = [set() for _ in units]
    for code, pieces in merged.items():
        covered: dict[int, int] = {}
        for a, b in pieces:
            i = max(0, bisect_right(starts, a) - 1)
            while i < len(units) and units[i].start < b:
                overlap = min(b, units[i].end) - max(a, units[i].start)
                if overlap > 0:
                    covered[i] = covered.get(i, 0) + overlap
                i += 1
        for i, n in covered.items():
            if 2 * n >= units[i].end - units[i].start:
                found[i].add(code)
    return [frozenset(codes) if u.end > u.start else frozenset(merged) for codes, u in zip(found, units)]


def coded_units(project: "Project", name: str, units: Sequence[Unit], coder: str,
                rollup: bool = True) -> list[frozenset[str]]:
    """Per unit, the codes ``coder`` applied to it."""
    return applied_codes(project.codebook(), project.codings(name, coder=coder), units, rollup)


def default_coders(project: "Project", consensus: str = CONSENSUS) -> list[str]:
    """The coders compared when none are named: everyone but ``consensus`` and anyone whose codings are
    all resolutions (``resolve --as NAME`` records them with origin consensus; counted as a coder, one
    resolved unit took the overall alpha of two coders from 0.801 to 0.373)."""
    return [c for c in project.coders(besides_origin="consensus") if c != consensus]


def unit_matrix(project: "Project", coders: Sequence[str] | None = None, unit: str = "segment",
                interviewer: bool = False, whole: bool = False) -> UnitMatrix:
    """Units of the transcripts every coder coded, up to where every coder got (``whole``: all of each),
    and what each coder applied to each."""
    if unit not in UNITS:
        raise AgreementError(f"unknown unit '{unit}' (one of {', '.join(UNITS)})")
    known = project.coders()
    coders = tuple(dict.fromkeys(coders or default_coders(project)))
    missing = [c for c in coders if c not in known]
    if missing:
        raise AgreementError(f"no codings by {', '.join(missing)} in this project "
                             f"(coders: {', '.join(known) or 'none'})",
                             dutch=f"geen coderingen van {_names(missing)} in dit project "
                                   f"(codeurs: {', '.join(known) or 'geen'})")
    if len(coders) < 2:
        raise AgreementError(f"agreement needs at least two coders; this project has codings by "
                             f"{', '.join(known) or 'nobody'}",
                             dutch=f"overeenstemming vraagt minstens twee codeurs; dit project heeft coderingen "
                                   f"van {_names(known) if known else 'niemand'}")
    matrix = UnitMatrix(coders, unit, [], {c: [] for c in coders}, {c: [] for c in coders}, [], [], whole=whole)
    book = project.codebook()
    marks = {} if whole else project.work_marks(coders)
    searched: list[tuple[str, list[str]]] = []  # transcripts left out: a coder there only coded a search's hits
    for info in project.transcripts():
        by_coder: dict[str, list] = {c: [] for c in coders}
        for coding in project.codings(info.id):
            if coding.coder in by_coder:
                by_coder[coding.coder].append(coding)
        if not all(by_coder.values()):
            if any(by_coder.values()):
                matrix.left_out.append(info.name)
            continue
        segments = project.segments(info.id)
        units = _units(project, info.name, unit, interviewer, segments)
        if not whole and segments:
            reach = {c: _reach(segments, by_coder[c], marks.get((info.id, c))) for c in coders}
            upto = min(reach.values())
            if upto < 0:  # a coder only coded a search's hits here: as if they had not coded it
                matrix.left_out.append(info.name)
                searched.append((info.name, [c for c in coders if reach[c] < 0]))
                continue
            index = {s.id: i for i, s in enumerate(segments)}
            kept = [u for u in units if index[int(u.key.lstrip("t"))] <= upto]  # a turn: by its first sentence
            if len(kept) < len(units):
                matrix.reaches.append(Reach(info.name, upto + 1, len(segments),
                                            tuple(c for c in coders if reach[c] == upto)))
                units = kept
        matrix.transcripts.append(info.name)
        matrix.units += units
        for c in coders:
            matrix.applied[c] += applied_codes(book, by_coder[c], units)
            matrix.direct[c] += applied_codes(book, by_coder[c], units, rollup=False)
    if not matrix.units and searched:  # "no codings by all" would not be true: say why they do not count
        name, who = searched[0]
        more = f" (and {len(searched) - 1} more)" if len(searched) > 1 else ""
        meer = f" (en nog {len(searched) - 1})" if len(searched) > 1 else ""
        raise AgreementError(
            f"nothing to compare: in {name}{more} the codings by {', '.join(who)} come only from a search "
            "(--code-as), which does not count as working through it (--whole compares whole transcripts)",
            dutch=f"niets te vergelijken: in {name}{meer} komen de coderingen van {_names(who)} alleen uit een "
                  "zoekopdracht (treffers coderen); dat telt niet als doorwerken")
    if not matrix.units:
        raise AgreementError(f"no transcript has codings by all of {', '.join(coders)}; nothing to compare",
                             dutch=f"geen transcript met coderingen van {_names(coders)} samen; niets te vergelijken")
    return matrix


def _names(names: Sequence[str], conjunction: str = "en") -> str:
    """Names as a sentence says them: 'ann', 'ann en bert', 'ann, bert en carla' (``conjunction``: 'and')."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def row_codes(project: "Project", matrix: UnitMatrix, pattern: str | None = None) -> list[str]:
    """The codes to report, in codebook order: matching ``pattern`` (a regex on the id) and applied
    by some coder; without a pattern, the codes some coder applied as such (not only through a child)."""
    used = set().union(*(s for c in matrix.coders for s in (matrix.applied if pattern else matrix.direct)[c]))
    if pattern:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise AgreementError(f"--codes '{pattern}' is not a valid regular expression ({exc})") from None
        used = {c for c in used if regex.search(c)}
    order = [c.id for _, c in project.codebook().walk()]
    return [c for c in order if c in used] + sorted(used - set(order))


# -- per code and overall --------------------------------------------------------------------------------

LABELS = {
    "nl": {
        "segment": "segmenten (zinnen)", "turn": "beurten", "speakers": " van respondenten",
        "unit_note": "Eenheid: {unit}{speakers} in {n} door alle codeurs gecodeerde interview(s) ({units} eenheden). "
                     "Een codeur paste code X toe op een eenheid als zijn of haar coderingen van X (of van een "
                     "subcode) minstens de helft ervan bedekken.",
        "count_note": "Per codeur: eenheden waarop die codeur de code toepaste. Totaal: alle (eenheid, code)-paren "
                      "samen, zonder de codes die niemand zelf toepaste en waarvan subcodes in de tabel staan (die "
                      "tellen al via die subcodes).",
        "kappa_note": "Cohens kappa geldt voor twee codeurs; zie Krippendorffs alfa.",
        "left_out": "Niet vergeleken (niet door alle codeurs gecodeerd): {names}.",
        "columns": ("Code", "Label", "Eenheden", "Allen", "Geen", "% overeenstemming", "Cohens κ",
                    "Krippendorffs α"),
        "overall": ("Totaal", "alle codes samen"), "title": "Intercodeursbetrouwbaarheid: {coders}",
        "d_columns": ("Eenheid", "Interview", "Tekst", "Verschil", "Consensus"), "no_code": "(geen code)",
        "d_title": "Meningsverschillen tussen {coders}",
        "d_note": "{n} eenheden. Oplossen: codering resolve EENHEID CODE... (of --take CODEUR, of --none).",
    },
    "en": {
        "segment": "segments (sentences)", "turn": "turns", "speakers": " of respondents",
        "unit_note": "Unit: {unit}{speakers} in {n} interview(s) every coder coded ({units} units). A coder applied "
                     "code X to a unit when their codings of X (or of a code under it) cover at least half of it.",
        "count_note": "Per coder: units the coder applied the code to. Overall: all (unit, code) pairs pooled, "
                      "leaving out codes nobody applied as such whose subcodes are rows (they count through those).",
        "kappa_note": "Cohen's kappa is for two coders; see Krippendorff's alpha.",
        "left_out": "Not compared (not coded by every coder): {names}.",
        "columns": ("Code", "Label", "Units", "All", "None", "% agreement", "Cohen's κ", "Krippendorff's α"),
        "overall": ("Overall", "all codes pooled"), "title": "Inter-coder agreement: {coders}",
        "d_columns": ("Unit", "Interview", "Text", "Disputed", "Consensus"), "no_code": "(no code)",
        "d_title": "Disagreements between {coders}",
        "d_note": "{n} units. Resolve with: codering resolve UNIT CODE... (or --take CODER, or --none).",
    },
}


def _words(language: str) -> dict:
    return LABELS.get(language, LABELS["nl"])


@dataclass
class AgreementRow:
    code: str
    label: str
    units: int
    applied: dict[str, int]  # coder -> units the coder applied the code to
    all_applied: int  # units every coder applied it to
    none_applied: int  # units no coder applied it to
    percent: float  # 0-100
    kappa: float  # NaN with more than two coders
    alpha: float


@dataclass
class AgreementReport:
    coders: tuple[str, ...]
    unit: str
    units: int  # units compared (per code)
    rows: list[AgreementRow]
    overall: AgreementRow
    transcripts: list[str]
    left_out: list[str]
    interviewer: bool = False
    language: str = "nl"
    reaches: list[Reach] = field(default_factory=list)  # transcripts compared only as far as every coder got

    def notes(self) -> list[str]:
        w = _words(self.language)
        unit = w["turn" if self.unit == "turn" else "segment"]
        out = [w["unit_note"].format(unit=unit, speakers="" if self.interviewer else w["speakers"],
                                     n=len(self.transcripts), units=self.units), w["count_note"]]
        if len(self.coders) > 2:
            out.append(w["kappa_note"])
        if self.left_out:
            out.append(w["left_out"].format(names=", ".join(self.left_out)))
        out += [r.note(self.language) for r in self.reaches]
        return out

    def frame(self):
        """The table as a pandas DataFrame: one row per code, then the overall row."""
        import pandas as pd

        code, label, units, every, nobody, *figures = _words(self.language)["columns"]
        records = [[r.code, r.label, r.units, *(r.applied[c] for c in self.coders), r.all_applied, r.none_applied,
                    round(r.percent, 1), _round(r.kappa), _round(r.alpha)] for r in [*self.rows, self.overall]]
        frame = pd.DataFrame(records, columns=[code, label, units, *self.coders, every, nobody, *figures])
        first = 5 + len(self.coders)  # % agreement with one decimal, kappa and alpha with three, in every format
        frame.attrs.update(_attrs(self.language), digits={first: 1, first + 1: 3, first + 2: 3})
        return frame

    def tables(self) -> list["Table"]:
        from codering.export.table import Table

        title = _words(self.language)["title"].format(coders=", ".join(self.coders))
        return [Table("agreement", title, self.frame(), self.notes())]


def _attrs(language: str) -> dict:
    """How the export writers show a table of this language: a Dutch one with decimal commas (and so
    a ``;``-separated CSV), as every other table of a Dutch codebook."""
    return {"decimal": "," if language == "nl" else ".", "header": True}


def _round(value: float) -> float:
    return value if math.isnan(value) else round(value, 3)


def _row(code: str, label: str, coders: Sequence[str], data: Counter) -> AgreementRow:
    """A row from ``data``: (each coder applied the code?) -> number of units."""
    return AgreementRow(
        code=code, label=label, units=sum(data.values()),
        applied={c: sum(n for values, n in data.items() if values[i]) for i, c in enumerate(coders)},
        all_applied=sum(n for v, n in data.items() if all(v)),
        none_applied=sum(n for v, n in data.items() if not any(v)),
        percent=100 * percent_agreement(data),
        kappa=cohen_kappa_of(data) if len(coders) == 2 else math.nan,
        alpha=krippendorff_alpha(data),
    )


def _patterns(matrix: UnitMatrix, codes: Iterable[str]) -> dict[str, Counter]:
    """Per code: (each coder applied it?) -> number of units, reading each unit's codes once (a tuple per
    unit and code was 4 million tuples for 40,000 units and 104 codes)."""
    wanted = set(codes)
    masks: dict[str, dict[int, int]] = {code: {} for code in wanted}
    for bit, coder in enumerate(matrix.coders):
        for i, applied in enumerate(matrix.applied[coder]):
            for code in applied & wanted:
                masks[code][i] = masks[code].get(i, 0) | (1 << bit)
    n, k = len(matrix.units), len(matrix.coders)
    out: dict[str, Counter] = {}
    for code, by_unit in masks.items():
        counted = Counter(by_unit.values())
        data = Counter({tuple(bool(mask >> b & 1) for b in range(k)): m for mask, m in counted.items()})
        if n - len(by_unit):
            data[(False,) * k] += n - len(by_unit)
        out[code] = data
    return out


def agreement(project: "Project", coders: Sequence[str] | None = None, unit: str = "segment",
              codes: str | None = None, interviewer: bool = False,
              matrix: UnitMatrix | None = None, whole: bool = False) -> AgreementReport:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha per code and overall, over the part of each
    transcript every coder worked through (``whole``: whole transcripts). ``matrix``: the ``unit_matrix`` of
    these coders, unit, interviewer and whole rule, when the caller already has it."""
    matrix = matrix or unit_matrix(project, coders, unit, interviewer, whole)
    book = project.codebook()
    rows: list[AgreementRow] = []
    pooled: Counter = Counter()
    shown = row_codes(project, matrix, codes)
    above = {a.id for code in shown if code in book for a in book.ancestors(code)}  # rows with rows below
    direct = set().union(*(s for c in matrix.coders for s in matrix.direct[c]))  # codes someone applied as such
    per_code = _patterns(matrix, shown)
    for code in shown:
        data = per_code[code]
        if code not in above or code in direct:
            pooled.update(data)
        rows.append(_row(code, book.path_label(code) if code in book else code, matrix.coders, data))
    if not rows:
        raise AgreementError(f"no code matches --codes '{codes}'" if codes else
                             "the coders applied no codes to the units compared",
                             dutch=None if codes else "de codeurs pasten geen codes toe op de vergeleken eenheden")
    language = book.language if book.language in LABELS else "nl"
    overall = _row(*_words(language)["overall"], matrix.coders, pooled)
    return AgreementReport(matrix.coders, unit, len(matrix.units), rows, overall, matrix.transcripts,
                           matrix.left_out, interviewer, language, list(matrix.reaches))


# -- disagreements and their resolution --------------------------------------------------------------------

@dataclass
class Disagreement:
    unit: Unit
    codes: dict[str, tuple[str, ...]]  # coder -> the codes they applied to the unit, as coded
    disputed: tuple[str, ...]  # codes (with parents) some but not all coders applied
    resolution: tuple[str, ...] | None = None  # the consensus codes, () for "no code", None if open

    @property
    def resolved(self) -> bool:
        return self.resolution is not None


def disagreements(project: "Project", coders: Sequence[str] | None = None, unit: str = "segment",
                  codes: str | None = None, consensus: str = CONSENSUS, interviewer: bool = False,
                  include_resolved: bool = False, matrix: UnitMatrix | None = None,
                  whole: bool = False) -> list[Disagreement]:
    """Units where the coders differ on a reported code, in text order, with every coder's codes and
    whether ``consensus`` has resolved it (codings on the unit, or a "no code" memo on its span); only in
    the part of each transcript every coder worked through, as ``agreement`` (``whole``: all of it).
    ``matrix``: the ``unit_matrix`` of the coders other than ``consensus``, when the caller has it."""
    matrix = matrix or unit_matrix(
        project, [c for c in (coders or default_coders(project, consensus)) if c != consensus], unit, interviewer,
        whole)
    reported = set(row_codes(project, matrix, codes))
    has_consensus = consensus in project.coders()
    agreed: dict[str, dict[str, frozenset[str]]] = {}
    none_memos = {(m.transcript_id, m.start, m.end) for m in project.memos()
                  if m.kind == "segment" and m.coder == consensus and m.text in RESOLVED_NONE_TEXTS}
    out: list[Disagreement] = []
    for i, u in enumerate(matrix.units):
        sets = [matrix.applied[c][i] & reported for c in matrix.coders]
        disputed = set().union(*sets) - frozenset.intersection(*sets)
        if not disputed:
            continue
        if has_consensus and u.transcript not in agreed:
            own = [x for x in matrix.units if x.transcript == u.transcript]
            found = coded_units(project, u.transcript, own, consensus, rollup=False)
            agreed[u.transcript] = {x.key: codes_ for x, codes_ in zip(own, found)}
        settled = agreed.get(u.transcript, {}).get(u.key, frozenset())
        marked = (project.transcript_id(u.transcript), u.start, u.end) in none_memos
        resolution = tuple(sorted(settled)) if settled else () if marked else None
        if resolution is not None and not include_resolved:
            continue
        out.append(Disagreement(u, {c: tuple(sorted(matrix.direct[c][i])) for c in matrix.coders},
                                tuple(sorted(disputed)), resolution))
    return out


def disagreement_table(items: Sequence[Disagreement], coders: Sequence[str], language: str = "nl",
                       reaches: Sequence[Reach] = ()) -> "Table":
    """The disagreement list as a table: unit id, interview, text, every coder's codes, what differs;
    ``reaches``: the transcripts compared only in part (a note each, as in the agreement table)."""
    import pandas as pd

    from codering.export.table import Table

    w = _words(language)
    unit, interview, text, disputed, consensus = w["d_columns"]
    rows = [[d.unit.key, d.unit.transcript, d.unit.text, *(", ".join(d.codes.get(c, ())) or "–" for c in coders),
             ", ".join(d.disputed), "–" if d.resolution is None else ", ".join(d.resolution) or w["no_code"]]
            for d in items]
    frame = pd.DataFrame(rows, columns=[unit, interview, text, *coders, disputed, consensus])
    frame.attrs.update(_attrs(language if language in LABELS else "nl"))
    return Table("disagreements", w["d_title"].format(coders=", ".join(coders)), frame,
                 [w["d_note"].format(n=len(items)), *(r.note(language if language in LABELS else "nl")
                                                       for r in reaches)])


def find_unit(project: "Project", key: str) -> Unit:
    """The unit a key from the disagreement list names: '123' (segment) or 't123' (turn)."""
    turn = key.startswith("t")
    try:
        segment_id = int(key[1:] if turn else key)
    except ValueError:
        raise AgreementError(f"'{key}' is not a unit id (a segment id such as 123, or t123 for a turn)") from None
    for info in project.transcripts():
        for s in project.segments(info.id):
            if s.id == segment_id:
                units = _units(project, info.name, "turn" if turn else "segment", interviewer=True)
                found = [u for u in units if u.key == key]
                if found:
                    return found[0]
                raise AgreementError(f"segment {segment_id} does not start a turn; use t<first segment id>")
    raise AgreementError(f"no segment with id {segment_id} in this project")


def resolve(project: "Project", key: str, codes: Iterable[str] = (), *, coder: str, as_coder: str = CONSENSUS,
            take: str | None = None, none: bool = False) -> tuple[Unit, tuple[str, ...]]:
    """Record the agreed codes of a unit as ``as_coder``'s codings (origin "consensus"), leaving every
    coder's own codings as they are. ``take``: adopt that coder's codes; ``none``: agreed that no code
    applies (a memo marks it). Resolving again replaces the earlier consensus codings of the unit."""
    unit = find_unit(project, key)
    chosen = list(dict.fromkeys(codes))
    if take:
        taken = coded_units(project, unit.transcript, [unit], take, rollup=False)[0]
        if not taken:
            raise AgreementError(f"{take} applied no code to unit {key}; use --none if no code applies")
        chosen = sorted(dict.fromkeys([*chosen, *taken]))
    if not chosen and not none:
        raise AgreementError("name the agreed codes, or use --take CODER, or --none if no code applies")
    if chosen and none:
        raise AgreementError("--none cannot go with codes")
    for code in chosen:  # a code merged away: refused naming the code it went into
        if not project.writable_code(code).codable:
            raise AgreementError(f"'{code}' is a folder, not a code that can be applied")
    with project.action(f"resolve unit {key} as {as_coder}", coder):
        for c in project.codings(unit.transcript, coder=as_coder):
            if (c.start, c.end) == (unit.start, unit.end) and c.origin == "consensus" and c.code_id not in chosen:
                project.remove_coding(c.id, coder)
        tid = project.transcript_id(unit.transcript)
        for m in project.memos(unit.transcript):
            if (m.coder, m.start, m.end) == (as_coder, unit.start, unit.end) and m.text in RESOLVED_NONE_TEXTS:
                project.remove_memo(m.id, coder)
        for code in chosen:
            project.add_coding(tid, unit.start, unit.end, code, as_coder, origin="consensus")
        if none:
            language = (project.codebook().language or "nl").split("-")[0].lower()
            project.add_memo(RESOLVED_NONE.get(language, RESOLVED_NONE["en"]), as_coder, transcript=tid,
                             start=unit.start, end=unit.end)
    return unit, tuple(chosen)
