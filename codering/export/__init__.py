"""Exports for the report: tables as pandas DataFrames, writers, figures.

Building blocks (``codering.export.<module>``)::

    data.load(project, where=None, coder=None) -> ExportData   read once, count everything
    tables.factor_overview(src, "stimulerend"|"remmend", counts=, interviews=, min_interviews=, order=)
    tables.uncoded_factors(src, polarity)
    tables.factor_detail(src, polarity=None, quotes=1, quote_length=300, include_uncoded=False)
    tables.crosstab(src, group="fin", by="locatie", unit="segments"|"interviews", layout="wide"|"long")
    tables.cooccurrence(src, level="factor", unit="segment"|"turn") -> (matrix, edges)
    tables.codebook_table(src, criteria=False)
    tables.all_tables(src, group="fin", by=None, unit="segments", fmt=None) -> (tables, skipped)
    table.Table, table.grid(table) -> Grid                     the table model every writer starts from
    writers.FORMATS, writers.write_tables(tables, path, fmt=None, force=False),
    writers.render_text(table), writers.rich_table(table)     (one module per format: export.formats)
    figures.factor_bars / factor_heatmap / cooccurrence_network -> Figure; figures.write_figure

``src`` is a ``Project`` (then ``where=``/``coder=`` filter it) or an
``ExportData``. Every table function returns a ``table.Table``; the frame is
``table.frame``. A selection with nothing to show raises
``data.NothingToExport`` (an ``ExportError``), never an empty table.

Importing this package is cheap: matplotlib and python-docx are imported only
by the functions that use them, pandas only when a table's ``frame`` is first
read (building and writing tables never needs it), XlsxWriter only when an
XLSX file is written, and the names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Table": "table", "FORMATS": "writers", "write_tables": "writers", "render_text": "writers",
    "rich_table": "writers",
    "load": "data", "ExportData": "data", "NothingToExport": "data",
    "factor_overview": "tables", "uncoded_factors": "tables", "factor_detail": "tables", "crosstab": "tables",
    "cooccurrence": "tables", "codebook_table": "tables",
    "factor_bars": "figures", "factor_heatmap": "figures", "cooccurrence_network": "figures",
    "write_figure": "figures",
}

__all__ = [  # noqa: RUF022 - grouped by module, as in _LAZY
    "Table", "FORMATS", "write_tables", "render_text", "rich_table",
    "load", "ExportData", "NothingToExport",
    "factor_overview", "uncoded_factors", "factor_detail", "crosstab", "cooccurrence", "codebook_table",
    "factor_bars", "factor_heatmap", "cooccurrence_network", "write_figure",
]
assert set(__all__) == set(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'codering.export' has no attribute '{name}'")
    return getattr(importlib.import_module(f"codering.export.{module}"), name)
