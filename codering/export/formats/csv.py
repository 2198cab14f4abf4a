"""CSV: one table per file, header plus rows, UTF-8 with BOM (so Excel reads the accents), no formulas."""

from __future__ import annotations

import io

from codering.export.table import Table, grid


def to_csv(table: Table) -> bytes:
    """Header and rows; a text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``) gets a leading apostrophe, as :func:`codering.fileio.csv_cell` documents."""
    import csv

    from codering.fileio import csv_cell

    g = grid(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(label) for label in g.flat_header])
    for row in g.rows:
        writer.writerow(["" if v is None else csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
