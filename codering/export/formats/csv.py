"""CSV: one table per file, header plus rows, UTF-8 with BOM (so Excel reads the accents)."""

from __future__ import annotations

import io

from codering.export.table import Table, grid


def to_csv(table: Table) -> bytes:
    import csv

    g = grid(table)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(g.flat_header)
    for row in g.rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode("utf-8-sig")
