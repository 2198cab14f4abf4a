"""A codebook as Taguette reads it: a CSV file with ``tag`` and ``description`` columns.

Taguette (1.5) imports a codebook only as CSV, not as REFI-QDA. Its tags are
flat and their names unique, so each code that can be applied becomes one tag
named by its path of labels (``Stimulerende factoren / Praktische / Nabijheid``),
which keeps same-named codes apart (a sibling's label is unique, so a path is).
Folder codes (``codable: false``) are left out: in Taguette every tag can be
applied. The file is UTF-8 with a byte order mark, which Taguette's encoding
detection recognises, and cells that a spreadsheet would read as a formula are
written as text (see :func:`codering.fileio.csv_cell`).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from codering.codebook import Codebook
from codering.errors import ExportError
from codering.refi.common import PATH_SEPARATOR as SEPARATOR

__all__ = ["TaguetteExport", "taguette_rows", "write_taguette_csv"]



@dataclass
class TaguetteExport:
    path: str
    tags: int
    folders_left_out: int

    def __str__(self) -> str:
        text = f"Wrote {self.path}: {self.tags} tags for Taguette (its codebook import reads tag and description)."
        if self.folders_left_out:
            text += f" {self.folders_left_out} folder codes are only part of the tag names (not codable)."
        return text


def taguette_rows(codebook: Codebook) -> list[tuple[str, str]]:
    """(tag, description) for every codable code, in codebook order."""
    rows = []
    for _, code in codebook.walk():
        if code.codable:
            description = " ".join(code.description.split())
            rows.append((codebook.path_label(code.id, SEPARATOR), description))
    return rows


def write_taguette_csv(codebook: Codebook, path: str | Path, *, force: bool = False) -> TaguetteExport:
    """Write the codebook as a Taguette codebook CSV at ``path``."""
    from codering.fileio import atomic_write_bytes, csv_cell

    path = Path(path)
    if path.exists() and not force:
        raise ExportError(f"{path}: exists; choose another name or add --force")
    rows = taguette_rows(codebook)
    if not rows:
        raise ExportError(f"codebook '{codebook.id}' has no codes that can be applied; Taguette needs tags")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["tag", "description"])
    writer.writerows([csv_cell(tag), csv_cell(description)] for tag, description in rows)
    try:
        atomic_write_bytes(path, out.getvalue().encode("utf-8-sig"))
    except OSError as exc:
        raise ExportError(f"{path}: cannot be written ({exc.strerror or exc})") from None
    return TaguetteExport(str(path), len(rows), len(codebook) - len(rows))
