"""The table model every export writer starts from: ``Table`` (title, rows or a DataFrame, notes) and ``Grid``.

One ``Table`` is a title, a pandas DataFrame and footnotes. Writers never look
at a DataFrame's index; its columns may be flat or two-level (a ``MultiIndex``
such as ``("Beernem", "#")``), and two keys in ``frame.attrs`` steer them:
``header`` (False: no column header row, as in the report's Tabel 5/6),
``decimal`` ("," for Dutch number formatting in text formats) and ``digits``
(column index -> decimals every number of that column shows: "50,0" beside
"16,7", in Excel a "0.0" number format).

The table builders hand a ``Table`` plain ``Rows`` (rows, columns, attrs); the
DataFrame is made from them the first time ``table.frame`` is read. The
writers work from the rows (through :func:`grid`) as long as nobody has asked
for the frame, so writing a file never imports pandas (importing it costs
most of a second). Once the frame exists (or a DataFrame was given), the
writers read the frame, so changes made to it are written.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd


class Rows:
    """A DataFrame to be: body rows, column labels (strings, or tuples for two levels) and ``attrs``."""

    __slots__ = ("attrs", "columns", "rows")

    def __init__(self, rows: list[list[Any]], columns: list, attrs: dict[str, Any] | None = None) -> None:
        self.rows, self.columns, self.attrs = rows, list(columns), dict(attrs or {})

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = self.columns
        if columns and all(isinstance(c, tuple) for c in columns):
            columns = pd.MultiIndex.from_tuples(columns)
        frame = pd.DataFrame(self.rows, columns=columns)
        frame.attrs.update(self.attrs)
        return frame


class Table:
    """A title, a pandas DataFrame (``frame``, made on first use from ``Rows``) and footnotes."""

    __slots__ = ("_frame", "_rows", "name", "notes", "title")

    def __init__(self, name: str, title: str, frame: pd.DataFrame | Rows, notes: list[str] | None = None) -> None:
        self.name = name      # short name, used as the sheet name / file stem, e.g. "factors-stimulerend"
        self.title = title    # e.g. "Tabel 5. Overzicht stimulerende factoren voor samenwerking"
        self.notes = notes if notes is not None else []   # footnotes printed under the table
        self.frame = frame

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._rows.to_frame()
            self._rows = None
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame | Rows) -> None:
        if isinstance(value, Rows):
            self._frame, self._rows = None, value
        else:
            self._frame, self._rows = value, None

    @property
    def attrs(self) -> dict[str, Any]:
        """``frame.attrs``, without making the frame."""
        return self._rows.attrs if self._frame is None else self._frame.attrs

    def __repr__(self) -> str:
        shape = (f"{len(self._rows.rows)} rows" if self._frame is None else f"{self._frame.shape[0]} rows")
        return f"Table(name={self.name!r}, title={self.title!r}, {shape}, notes={self.notes!r})"


# -- the grid every writer starts from ------------------------------------------------------

@dataclass
class Grid:
    """A table reduced to plain Python: header rows (with spans) and body cells."""

    header: list[list[tuple[str, int]]]   # per header row: (label, how many columns it spans)
    flat_header: list[str]                 # one label per column (levels joined)
    rows: list[list[Any]]                  # cells: str, int, float or None
    numeric: list[bool]                    # per column: numbers only (right-aligned)
    show_header: bool
    decimal: str
    digits: list[int | None] = field(default_factory=list)  # per column: fixed decimals, or None

    def places(self, column: int) -> int | None:
        """The fixed number of decimals of ``column``'s numbers, or None (as many as they have)."""
        return self.digits[column] if column < len(self.digits) else None

    def show(self, value: Any, column: int) -> str:
        """A cell of ``column`` as text, numbers with this table's decimal sign and the column's decimals."""
        return fmt(value, self.decimal, self.places(column))


def grid(table: Table) -> Grid:
    if table._frame is None:  # straight from the rows: no DataFrame made, no pandas imported
        source = table._rows
        columns, records = source.columns, source.rows
    else:
        frame = table._frame
        columns, records = list(frame.columns), frame.itertuples(index=False, name=None)
    attrs = table.attrs
    levels = max((len(c) if isinstance(c, tuple) else 1) for c in columns) if columns else 1
    keys = [c if isinstance(c, tuple) else (c,) for c in columns]
    keys = [tuple(str(x) for x in k) + ("",) * (levels - len(k)) for k in keys]
    header: list[list[tuple[str, int]]] = []
    for level in range(levels):
        row: list[tuple[str, int]] = []
        for i, key in enumerate(keys):
            same_parent = i > 0 and keys[i - 1][:level + 1] == key[:level + 1]
            if level < levels - 1 and same_parent and key[level]:
                label, span = row[-1]
                row[-1] = (label, span + 1)
            else:
                row.append((key[level], 1))
        header.append(row)
    flat = [" ".join(p for p in key if p) for key in keys]
    rows = [[_plain(v) for v in record] for record in records]
    numeric = [bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
               and any(isinstance(r[i], (int, float)) for r in rows) for i in range(len(keys))]
    fixed = attrs.get("digits") or {}
    return Grid(header=header, flat_header=flat, rows=rows, numeric=numeric,
                show_header=bool(attrs.get("header", True)), decimal=attrs.get("decimal", "."),
                digits=[fixed.get(i) for i in range(len(keys))])


MAX_WIDTH = 70


def column_widths(g: Grid) -> list[int]:
    """Column widths in characters for the Office formats: the longest line of a column, 8-70."""
    widths = []
    for i, label in enumerate(g.flat_header):
        lines = [label] if g.show_header else []
        for row in g.rows:
            lines.extend(g.show(row[i], i).split("\n"))
        longest = max((len(line) for line in lines), default=0)
        widths.append(min(max(longest + 2, 8), MAX_WIDTH))
    return widths


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else (int(value) if value.is_integer() and abs(value) < 1e15 else value)
    kind = type(value).__name__
    if "int" in kind:
        return int(value)
    if "float" in kind:
        return _plain(float(value))
    if kind in ("NAType", "NaTType"):
        return None
    return str(value)


def fmt(value: Any, decimal: str = ".", digits: int | None = None) -> str:
    """A cell as text: integers plainly, other numbers with up to three decimals; ``digits``: every number
    with exactly that many decimals (50 -> "50.0" beside 16.7)."""
    if value is None:
        return ""
    if digits is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.{digits}f}".replace(".", decimal)
    if isinstance(value, float):
        text = f"{value:.3f}".rstrip("0").rstrip(".")
        return text.replace(".", decimal)
    return str(value)
