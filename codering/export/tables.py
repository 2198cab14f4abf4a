"""Pure functions: a project (or its ``ExportData``) in, ``Table``s (pandas frames) out.

Every function takes the project or an ``ExportData`` from ``data.load``
(load once when building several tables), plus ``where``/``coder`` filters
when given a project. Counting rules are in ``codering.export.data``.

Decisions:

- Factor tables list a category's *factors* (its codable children; deeper
  codes count for their factor). Codings of a category itself, without a
  factor, count for the category in every count, but are not a factor: the
  Tabel 5/6 row names them after its factors ("Nabijheid, meer vrijwilligers;
  (3 segmenten op categorieniveau)", or only that when no factor is coded), a
  footnote says what that means, and the detail table gives them their own
  "(geen specifieke factor)" row. A project coded at category level only (as
  the shared gold files are) still gets its Tabel 5/6.
- Every category keeps its row, also without coded factors (one row per
  category, as in the report); a table with nothing coded at all is refused
  with ``NothingToExport`` instead of writing an empty file.
- Factors in a Tabel 5/6 row are ordered by coded segments, then interviews,
  then codebook order.
"""

from __future__ import annotations

import re

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codering.export.common import (
    as_data,
    display_labels,
    factor_title,
    make_frame,
    ordered,
    percent,
    polarity_root,
    polarity_roots,
    polarity_word,
)
from codering.export.data import ExportData, NothingToExport, factors, load
from codering.export.labels import in_list, join_factors, text
from codering.export.relations import cooccurrence, cooccurrence_counts, crosstab
from codering.export.table import Table
from codering.wording import count, short

if TYPE_CHECKING:
    from codering.codebook import Code
    from codering.store import Memo

__all__ = [
    "ExportData", "NothingToExport", "Table", "all_tables", "as_data", "codebook_table", "cooccurrence",
    "cooccurrence_counts", "crosstab", "display_labels", "factor_detail", "factor_overview", "factor_title",
    "load", "memo_document", "memo_places", "memo_table", "MemoPlace", "percent", "polarity_root",
    "polarity_roots", "polarity_word", "uncoded_factors",
]


# -- Tabel 5 / Tabel 6 ------------------------------------------------------------------------

def factor_overview(source, polarity: str = "stimulerend", *, counts: bool = False, interviews: bool = False,
                    min_interviews: int = 0, order: str = "frequency", title: str | None = None,
                    where: dict | None = None, coder: str | None = None) -> Table:
    """Tabel 5 (stimulerend) or Tabel 6 (remmend): one row per category, its coded factors in one cell.

    ``counts`` adds "(7)" coded segments per factor, ``interviews`` the number
    of interviews (both: "(7; 5)"); ``min_interviews`` leaves out factors
    mentioned in fewer interviews.
    """
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    root = polarity_root(book, polarity)
    rows, bare = [], []
    for category in book.children(root.id):
        listed = [f for f in ordered(data, factors(book, category.id), order)
                  if data.count(f.id) and data.count(f.id, "interviews") >= max(min_interviews, 1)]
        words = [in_list(f.label, i == 0) for i, f in enumerate(listed)]
        if counts or interviews:
            words = [f"{w} ({_count_text(data, f.id, counts, interviews)})" for w, f in zip(words, listed)]
        cell = ", ".join(words)
        own = data.direct_count(category.id)
        if len({m.transcript_id for m in data.direct_marks(category.id)}) < max(min_interviews, 1):
            own = 0  # the threshold holds for the category's own row as for its factors
        if own:
            level = _category_level(data, category.id, own, counts, interviews, lang)
            cell = f"{cell}; {level}" if cell else level
            bare.append(category.label)
        rows.append([category.label, cell])
    if not any(r[1] for r in rows):
        more = f" in at least {min_interviews} interviews" if min_interviews > 1 else ""
        raise NothingToExport(f"no {polarity_word(root, 'nl')} "
                              f"factors coded{more} in the selected interviews "
                              f"({count(data.interviews, 'interview')}, {count(len(data.marks), 'coding')})")
    notes = []
    if counts and interviews:
        notes.append(text("note_both", lang, n=data.interviews))
    elif counts:
        notes.append(text("note_counts", lang))
    elif interviews:
        notes.append(text("note_interviews", lang, n=data.interviews))
    if min_interviews > 1:
        notes.append(text("note_min", lang, k=min_interviews))
    if bare:
        notes.append(text("note_category_codings", lang))
    notes += data.selection_notes()
    frame = make_frame(rows, [text("col_category", lang), text("col_factors", lang)], lang, header=False)
    return Table(name=f"factors-{polarity_word(root, 'nl') if root.id in ('stim', 'rem') else root.id}",
                 title=title or factor_title(root, lang), frame=frame, notes=notes)


def _category_level(data: ExportData, category_id: str, own: int, counts: bool, interviews: bool, lang: str) -> str:
    """"(3 segmenten op categorieniveau)": what the brackets count elsewhere in the table (the note says it),
    for the codings of the category itself: segments, interviews, or both."""
    k = len({m.transcript_id for m in data.direct_marks(category_id)})
    if interviews and counts:
        nl = lang == "nl"
        return text("category_level_both", lang, n=own, k=k,
                    segments="segment" if own == 1 else "segmenten" if nl else "segments",
                    interviews="interview" if k == 1 else "interviews")
    if interviews:
        return text("category_level_interviews_one" if k == 1 else "category_level_interviews_many", lang, k=k)
    return text("category_level_one" if own == 1 else "category_level_many", lang, n=own)


def _count_text(data: ExportData, code_id: str, counts: bool, interviews: bool) -> str:
    parts = []
    if counts:
        parts.append(str(data.count(code_id)))
    if interviews:
        parts.append(str(data.count(code_id, "interviews")))
    return "; ".join(parts)


def uncoded_factors(source, polarity: str = "stimulerend", *, where: dict | None = None,
                    coder: str | None = None) -> Table:
    """Codebook factors that no selected interview mentions, per category (the 'uncoded factors' check)."""
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    root = polarity_root(book, polarity)
    rows = []
    for category in book.children(root.id):
        missing = [f.label for f in factors(book, category.id) if not data.count(f.id)]
        if missing:
            rows.append([category.label, join_factors(missing)])
    word = polarity_word(root, lang)
    if not rows:
        raise NothingToExport(f"every {polarity_word(root, 'nl')} factor of the codebook is coded at least once "
                              "in the selected interviews")
    adjective = text(f"adj_{root.id}", lang) if root.id in ("stim", "rem") else word
    frame = make_frame(rows, [text("col_category", lang), text("col_uncoded", lang)], lang)
    notes = data.selection_notes()
    return Table(name=f"uncoded-{polarity_word(root, 'nl') if root.id in ('stim', 'rem') else root.id}",
                 title=text("title_uncoded", lang, polarity=adjective), frame=frame, notes=notes)


# -- factor detail -----------------------------------------------------------------------------

def factor_detail(source, polarity: str | None = None, *, quotes: int = 1, quote_length: int = 300,
                  include_uncoded: bool = False, order: str = "codebook",
                  where: dict | None = None, coder: str | None = None) -> Table:
    """One row per factor: polarity, category, segments, interviews, % interviews, representative quotes."""
    from codering.export.quotes import QuotePicker

    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    roots = polarity_roots(book, polarity)
    entries: list[tuple[Code, Code, Code | None]] = []  # (root, category, factor or None)
    for root in roots:
        for category in book.children(root.id):
            for factor in ordered(data, factors(book, category.id), order):
                if include_uncoded or data.count(factor.id):
                    entries.append((root, category, factor))
            if data.direct_count(category.id):
                entries.append((root, category, None))
    if not any(data.count(f.id if f else c.id) for _, c, f in entries):
        raise NothingToExport(f"no factors coded in the selected interviews "
                              f"({count(data.interviews, 'interview')}, {count(len(data.marks), 'coding')})")
    pools = {(c.id, f.id if f else None): (data.marks_under(f.id) if f else data.direct_marks(c.id))
             for _, c, f in entries}
    picker = QuotePicker(data, [m for pool in pools.values() for m in pool])
    rows = []
    for root, category, factor in entries:
        code_id = factor.id if factor else category.id
        pool = pools[(category.id, factor.id if factor else None)]
        if factor:
            segments, heard = data.count(code_id), data.count(code_id, "interviews")
        else:
            segments, heard = data.direct_count(code_id), len({m.transcript_id for m in pool})
        chosen = picker.pick(pool, quotes)
        rows.append([polarity_word(root, lang), category.label, factor.label if factor else text("no_factor", lang),
                     segments, heard, percent(heard, data.interviews),
                     "\n".join(picker.quote(m, quote_length) for m in chosen)])
    columns = [text(k, lang) for k in ("col_polarity", "col_category", "col_factor", "col_segments",
                                       "col_interviews", "col_share", "col_quotes")]
    method = (text("method_vectors", lang, model=data.model_id) if picker.used_vectors
              else text("method_tfidf", lang))
    nl = lang == "nl"
    of = (("het ene interview" if nl else "the one interview") if data.interviews == 1 else
          (f"de {data.interviews} interviews" if nl else f"the {data.interviews} interviews"))
    notes = [text("note_detail", lang, of=of, method=method)]
    if any("(" in r[6] and ", ~" in r[6] for r in rows):
        notes.append(text("note_approx_time", lang))
    notes += data.selection_notes()
    return Table(name="factor-detail", title=text("title_detail", lang), frame=make_frame(rows, columns, lang),
                 notes=notes)


# -- codebook --------------------------------------------------------------------------------------

def codebook_table(source, *, criteria: bool = False, where: dict | None = None,
                   coder: str | None = None) -> Table:
    """The codebook for the annex: id, label, description (and inclusion/exclusion), counts per code."""
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    rows = []
    for _, code in book.walk():
        row = [code.id, code.label, code.description]
        if criteria:
            row += [code.include, code.exclude]
        row += [data.count(code.id), data.count(code.id, "interviews")]
        rows.append(row)
    keys = ["col_code", "col_label", "col_description"] + (["col_include", "col_exclude"] if criteria else []) \
        + ["col_segments", "col_interviews"]
    notes = [text("note_codebook", lang), *data.selection_notes()]
    return Table(name="codebook", title=text("title_codebook", lang, name=book.name),
                 frame=make_frame(rows, [text(k, lang) for k in keys], lang), notes=notes)


# -- everything at once --------------------------------------------------------------------------

WIDE_FORMATS = ("xlsx", "csv", "html")


def all_tables(source, *, group: str = "fin", by: Sequence[str] | None = None, unit: str = "segments",
               fmt: str | None = None, where: dict | None = None, coder: str | None = None,
               counts: bool = False) -> tuple[list[Table], list[str]]:
    """Every report table: Tabel 5 and 6 (``counts``: "Nabijheid (7)"), detail, cross-tabulations,
    co-occurrence, codebook, and the memos (when there are any).

    ``by`` defaults to ``locatie`` and ``actorgroep`` where interviews have them.
    The co-occurrence matrix (one column per factor) is only included for
    ``fmt`` in xlsx, csv, html (or None); Word, Markdown and LaTeX get the edge list.
    Returns the tables and a message per table left out because it had nothing to show.
    """
    data = as_data(source, where, coder)
    attrs = list(by) if by else [a for a in ("locatie", "actorgroep")
                                 if any(a in t.attributes for t in data.transcripts)]
    wide = fmt is None or fmt in WIDE_FORMATS
    builders: list[tuple[str, Callable[[], list[Table]]]] = [
        ("Tabel 5", lambda: [factor_overview(data, "stimulerend", counts=counts)]),
        ("Tabel 6", lambda: [factor_overview(data, "remmend", counts=counts)]),
        ("factor detail", lambda: [factor_detail(data)]),
        *[(f"crosstab {a}", lambda a=a: [crosstab(data, group, a, unit=unit)]) for a in attrs],
        ("co-occurrence", lambda: _cooccurrence_tables(data, wide)),
        ("codebook", lambda: [codebook_table(data)]),
        ("memos", lambda: [memo_table(data)]),
    ]
    out: list[Table] = []
    skipped: list[str] = []
    for label, build in builders:
        try:
            out.extend(build())
        except NothingToExport as exc:
            skipped.append(f"{label}: {exc}")
    if not out:
        raise NothingToExport("nothing to export: no table has any codings in the selected interviews")
    return out, skipped


def _cooccurrence_tables(data: ExportData, wide: bool) -> list[Table]:
    """The matrix (wide formats only) and the edge list; an edge list without pairs is left out (an empty
    sheet under a title reads as a failed export), and with no matrix either, the table is skipped."""
    from codering.export.table import grid

    matrix, edges = cooccurrence(data)
    tables = [matrix, edges] if wide else [edges]
    if not grid(edges).rows:
        tables.remove(edges)
        if not tables:
            raise NothingToExport("no two factors are coded in the same segment in the selected interviews")
    return tables


# -- memos ------------------------------------------------------------------------------------------

#: A memo's kind as said outside the store: the store's "segment" memo is on a span of a transcript.
MEMO_KIND_WORDS = {"project": "project", "transcript": "transcript", "segment": "span", "code": "code"}


@dataclass(frozen=True)
class MemoPlace:
    """A memo with what it is on, in words: the transcript's name, the words of a span, a code's label."""

    memo: Memo
    transcript: str = ""  # the transcript's name (transcript and span memos)
    quote: str = ""       # the words a span memo is on, whole
    code: str = ""        # a code memo's label, with its id

    @property
    def kind(self) -> str:
        """project, transcript, span or code."""
        return MEMO_KIND_WORDS.get(self.memo.kind, self.memo.kind)

    def where(self, width: int = 60) -> str:
        """'int01_huisarts_beernem "De wachtlijsten bij het CAW…"', 'Nabijheid (stim.praktisch.nabijheid)', or
        '' for a project memo; the quote cut to ``width`` characters."""
        if self.code:
            return self.code
        if self.quote:
            return f'{self.transcript} "{short(self.quote, width)}"'
        return self.transcript


def memo_places(project, memos: Sequence[Memo]) -> list[MemoPlace]:
    """Each memo with its place in words (each transcript's text is read once, only when a span memo needs it)."""
    names = {t.id: t.name for t in project.transcripts()}
    book = project.codebook()
    contents: dict[int, str] = {}
    out = []
    for memo in memos:
        if memo.code_id is not None:
            label = book.distinct_label(memo.code_id) if memo.code_id in book else memo.code_id
            out.append(MemoPlace(memo, code=f"{label} ({memo.code_id})"))
            continue
        name = names.get(memo.transcript_id, "") if memo.transcript_id is not None else ""
        quote = ""
        if memo.start is not None and memo.end is not None and memo.transcript_id in names:
            if memo.transcript_id not in contents:
                contents[memo.transcript_id] = project.content(memo.transcript_id)
            quote = contents[memo.transcript_id][memo.start:memo.end]
        out.append(MemoPlace(memo, transcript=name, quote=quote))
    return out


def _selected_memos(data: ExportData) -> list[MemoPlace]:
    """The memos of an export's selection: on its transcripts (``where``), the project and the codes; only
    ``coder``'s when the export is one coder's."""
    if data.project is None:
        raise NothingToExport("memos need the project, not only its loaded data")
    chosen = {t.id for t in data.transcripts}
    memos = [m for m in data.project.memos(coder=data.coder)
             if m.transcript_id is None or m.transcript_id in chosen]
    if not memos:
        raise NothingToExport("no memos in the selection")
    return memo_places(data.project, memos)


def memo_table(source, *, where: dict | None = None, coder: str | None = None) -> Table:
    """One row per memo: number, kind, transcript, the words it is on (or the code), coder, date, text."""
    data = as_data(source, where, coder)
    lang = data.language
    rows = [[p.memo.id, text(f"memo_kind_{p.kind}", lang), p.transcript, p.quote or p.code, p.memo.coder,
             p.memo.created[:10], p.memo.text] for p in _selected_memos(data)]
    keys = ["col_memo_id", "col_memo_kind", "col_transcript", "col_memo_on", "col_coder", "col_date", "col_memo"]
    return Table(name="memos", title=text("title_memos", lang),
                 frame=make_frame(rows, [text(k, lang) for k in keys], lang),
                 notes=list(data.selection_notes()))


def _md_line(line: str) -> str:
    """A line of a memo or a quote in the memo document: emphasis and lists as the coder wrote them, but no
    heading of its own (a leading '#' would break the document's structure) and no raw HTML."""
    line = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", line)  # a tag; "< 5 jaar" stays as written
    stripped = line.lstrip()
    return line[:len(line) - len(stripped)] + "\\" + stripped if stripped.startswith("#") else line


def memo_document(project, places: Sequence[MemoPlace], notes: Sequence[str] = ()) -> str:
    """``places`` (from :func:`memo_places`) as a Markdown document to read: the project's memos first, then per
    code, then per transcript in the project's order, each span memo in text order under the words it is on
    (as a quote). Headings in the codebook's language; ``notes`` in italics under the title."""
    lang = (project.codebook().language or "nl").split("-")[0].lower()
    order = {t.id: i for i, t in enumerate(project.transcripts())}
    groups: dict[tuple, list[MemoPlace]] = {}
    for p in places:
        m = p.memo
        if m.kind == "project":
            key: tuple = (0, "", text("memo_project", lang))
        elif p.code:
            key = (1, p.code, f"{text('memo_kind_code', lang).capitalize()}: {p.code}")
        else:
            key = (2, f"{order.get(m.transcript_id, len(order)):09d}", p.transcript)
        groups.setdefault(key, []).append(p)
    lines = [f"# {text('title_memos', lang)}: {project.path.stem}", ""]
    if notes:
        lines += [*(f"_{note}_" for note in notes), ""]
    for key in sorted(groups):
        lines += [f"## {key[2]}", ""]
        for p in sorted(groups[key], key=lambda p: (p.memo.start if p.memo.start is not None else -1, p.memo.id)):
            if p.quote:
                lines += ["> " + _md_line(" ".join(p.quote.split())), ""]
            lines += [*(_md_line(line) for line in p.memo.text.splitlines()), ""]
            edited = f", {text('memo_edited', lang)} {p.memo.updated[:10]}" if p.memo.updated else ""
            lines += [f"— {p.memo.coder}, {p.memo.created[:10]}{edited} (memo {p.memo.id})", ""]
    return "\n".join(lines).rstrip() + "\n"
