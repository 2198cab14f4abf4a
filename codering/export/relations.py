"""Cross-tabulations (Tabel 2 / Tabel 3) and co-occurrence of factors (matrix and edge list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codering.errors import ExportError
from codering.export.common import (
    as_data,
    display_labels,
    make_frame,
    percent,
    polarity_roots,
)
from codering.export.data import ExportData, NothingToExport, factors
from codering.export.labels import text
from codering.export.table import Table

if TYPE_CHECKING:
    from codering.codebook import Code


# -- cross-tabulation (Tabel 2 / Tabel 3) -----------------------------------------------------------

def crosstab(source, group: str = "fin", by: str = "locatie", *, unit: str = "segments", layout: str = "wide",
             decimals: int = 0, title: str | None = None, where: dict | None = None,
             coder: str | None = None) -> Table:
    """The codes of ``group`` (rows) against the values of case attribute ``by`` (columns), # and %.

    ``layout="wide"``: a column pair (#, %) per value and one for the sum, as
    Tabel 3. ``layout="long"``: one block of rows per value and a summed block,
    as Tabel 2. ``unit``: "segments" (coded segments) or "interviews"
    (interviews mentioning the code). Percentages are per column.
    """
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    if group not in book:
        roots = ", ".join(c.id for c in book.roots())
        raise ExportError(f"no code group '{group}' in codebook '{book.id}' (groups: {roots})")
    rows_codes = book.children(group)
    if not rows_codes:
        raise ExportError(f"'{group}' has no child codes to count")
    if unit not in ("segments", "interviews"):
        raise ExportError(f"unknown unit '{unit}' (segments or interviews)")
    if layout not in ("wide", "long"):
        raise ExportError(f"unknown layout '{layout}' (wide or long)")
    if not any(by in t.attributes for t in data.transcripts):
        names = sorted({k for t in data.transcripts for k in t.attributes})
        raise NothingToExport(f"no selected interview has the attribute '{by}' (attributes: {', '.join(names) or 'none'})")
    values = data.attribute_values(by)
    members = {v: {t.id for t in data.transcripts if t.attributes.get(by, "") == v} for v in values}
    counts = {v: [sum(n for tid, n in data.per_interview(c.id, unit).items() if tid in members[v]) for c in rows_codes]
              for v in values}
    summed = [sum(counts[v][i] for v in values) for i in range(len(rows_codes))]
    if not any(summed):
        raise NothingToExport(f"no codings of '{book.get(group).label}' ({group}) in the selected interviews")
    label = book.get(group).label
    names = {v: v or text("unknown_value", lang) for v in values}
    total, summed_word = text("total", lang), text("summed", lang)
    blocks = [(names[v], counts[v]) for v in values] + [(summed_word, summed)]
    if layout == "wide":
        columns = [("", label)] + [(name, sign) for name, _ in blocks for sign in ("#", "%")]
        rows = []
        for i, code in enumerate(rows_codes):
            row: list = [code.label]
            for _, numbers in blocks:
                row += [numbers[i], percent(numbers[i], sum(numbers), decimals)]
            rows.append(row)
        rows.append([total] + [x for _, numbers in blocks for x in (sum(numbers), 100 if sum(numbers) else 0)])
        shares = {2 + 2 * i: decimals for i in range(len(blocks))} if decimals else None
        frame = make_frame(rows, columns, lang, digits=shares)  # tuples: a two-level header
    else:
        rows = []
        for name, numbers in blocks:
            rows.append([name, None, None])
            rows += [[code.label, numbers[i], percent(numbers[i], sum(numbers), decimals)]
                     for i, code in enumerate(rows_codes)]
            rows.append([total, sum(numbers), 100 if sum(numbers) else 0])
        frame = make_frame(rows, [label, "#", "%"], lang, digits={2: decimals} if decimals else None)
    notes = [text(f"note_unit_{unit}", lang), *data.selection_notes()]
    return Table(name=f"crosstab-{group}-{by}".replace(" ", "_"), frame=frame, notes=notes,
                 title=title or text("title_crosstab", lang, group=label, by=by))


# -- co-occurrence ---------------------------------------------------------------------------------

def cooccurrence_counts(data: ExportData, *, level: str = "factor", unit: str = "segment",
                        polarity: str | None = None) -> tuple[list[Code], dict[str, int], dict[tuple[str, str], int]]:
    """Codes (codebook order), units per code, and units per pair of codes coded together. At factor level
    in a project coded at category level only (no factor anywhere), the categories take the factors' place."""
    book = data.codebook
    nodes: list[Code] = []
    for root in polarity_roots(book, polarity):
        for category in book.children(root.id):
            if level == "category":
                nodes.append(category)
            elif level == "factor":
                nodes.extend(factors(book, category.id))
            else:
                raise ExportError(f"unknown level '{level}' (factor or category)")
    units = data.cooccurrence_units(unit)
    present = [n for n in nodes if units.get(n.id)]
    if not present and level == "factor":
        return cooccurrence_counts(data, level="category", unit=unit, polarity=polarity)
    freq = {n.id: len(units[n.id]) for n in present}
    where_coded: dict[tuple, list[str]] = {}
    for node in present:
        for key in units[node.id]:
            where_coded.setdefault(key, []).append(node.id)
    order = {n.id: i for i, n in enumerate(present)}
    pairs: dict[tuple[str, str], int] = {}
    for ids in where_coded.values():
        if len(ids) < 2:
            continue
        ids = sorted(set(ids), key=order.__getitem__)
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                pairs[(a, b)] = pairs.get((a, b), 0) + 1
    return present, freq, pairs


def cooccurrence(source, *, level: str = "factor", unit: str = "segment", polarity: str | None = None,
                 min_count: int = 1, where: dict | None = None, coder: str | None = None) -> tuple[Table, Table]:
    """Factors coded in the same segment (or turn): a matrix and an edge list with Jaccard similarity."""
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    unit = unit.rstrip("s") if unit in ("segments", "turns") else unit
    nodes, freq, pairs = cooccurrence_counts(data, level=level, unit=unit, polarity=polarity)
    if not nodes:
        raise NothingToExport("no factors coded in the selected interviews")
    names = display_labels(book, nodes, lang)
    index = {n.id: i for i, n in enumerate(nodes)}
    matrix = [[names[n.id]] + [0] * len(nodes) for n in nodes]
    for node in nodes:
        matrix[index[node.id]][1 + index[node.id]] = freq[node.id]
    for (a, b), n in pairs.items():
        matrix[index[a]][1 + index[b]] = matrix[index[b]][1 + index[a]] = n
    label_col = text("col_factor" if level == "factor" else "col_category", lang)
    unit_word = text(f"unit_{unit}", lang)
    units_word = text(f"units_{unit}", lang)
    notes = [text("note_cooc", lang, units=units_word), *data.selection_notes()]
    matrix_table = Table(name="cooccurrence-matrix", title=text("title_cooc_matrix", lang, unit=unit_word),
                         frame=make_frame(matrix, [label_col] + [names[n.id] for n in nodes], lang), notes=notes)
    edges = []
    for (a, b), n in pairs.items():
        if n >= min_count:
            jaccard = round(n / (freq[a] + freq[b] - n), 3)
            edges.append([names[a], names[b], n, jaccard, freq[a], freq[b], a, b])
    edges.sort(key=lambda e: (-e[2], -e[3], index[e[6]], index[e[7]]))
    columns = [f"{label_col} A", f"{label_col} B", text("col_together", lang), text("col_jaccard", lang),
               "A", "B", text("col_id_a", lang), text("col_id_b", lang)]
    edge_table = Table(name="cooccurrence-edges", title=text("title_cooc_edges", lang, unit=unit_word),
                       frame=make_frame(edges, columns, lang, digits={3: 3}), notes=notes)
    return matrix_table, edge_table
