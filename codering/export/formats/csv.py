"""CSV: one table per file, header plus rows, UTF-8 with BOM (so Excel reads the accents), no formulas.

The dialect follows the table's number format, so that a double-click opens the
file in columns in the researcher's own Excel: a Dutch table (decimal comma, as
``frame.attrs["decimal"]`` says) is written the way Dutch and Flemish Excel
reads and writes CSV, with ``;`` between cells and ``12,5`` for numbers (what
R's ``read.csv2`` and pandas' ``read_csv(sep=";", decimal=",")`` read); other
tables with ``,`` and ``12.5``. A comma-separated file opened all of its rows in
column A of a Dutch Excel, and a dot read ``0.722`` as 722.
"""

from __future__ import annotations

import io

from codering.export.table import Table, grid


def separator(decimal: str) -> str:
    """The cell separator that goes with a decimal sign: ``;`` beside a decimal comma, else ``,``."""
    return ";" if decimal == "," else ","


def to_csv(table: Table) -> bytes:
    """Header and rows; a text cell that a spreadsheet would run as a formula (starting with ``=``, ``+``,
    ``-``, ``@``) gets a leading apostrophe, as :func:`codering.fileio.csv_cell` documents."""
    import csv

    from codering.fileio import csv_cell

    g = grid(table)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator(g.decimal), lineterminator="\r\n")
    writer.writerow([csv_cell(label) for label in g.flat_header])
    for row in g.rows:
        writer.writerow(["" if v is None else g.show(v, i) if isinstance(v, (int, float)) else csv_cell(v)
                         for i, v in enumerate(row)])
    return out.getvalue().encode("utf-8-sig")
