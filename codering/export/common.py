"""Helpers shared by the table and figure builders: loading, frames, polarity groups, labels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from codering.errors import ExportError
from codering.export.data import ExportData, load
from codering.export.labels import POLARITIES, text
from codering.export.table import Rows

if TYPE_CHECKING:
    from codering.codebook import Code, Codebook


def as_data(source, where: dict[str, Iterable[str]] | None = None, coder: str | None = None) -> ExportData:
    if isinstance(source, ExportData):
        if where or coder:
            raise ExportError("filters apply when loading: pass where/coder to data.load, not with ExportData")
        return source
    return load(source, where=where, coder=coder)


def make_frame(rows: list, columns, lang: str, header: bool = True, digits: dict[int, int] | None = None) -> Rows:
    """The rows of a table's frame; the DataFrame is made when ``table.frame`` is first read.

    ``columns``: labels, or (group, label) tuples for a two-level header. ``digits``: column index ->
    the decimals every number in that column shows (``--decimals 1``: 50,0 beside 16,7).
    """
    attrs = {"decimal": "," if lang == "nl" else ".", "header": header}
    if digits:
        attrs["digits"] = dict(digits)
    return Rows(rows, columns, attrs)


def percent(part: float, whole: float, decimals: int = 0) -> float | int:
    """Rounded half up, as tables in reports are: 12.5 -> 13."""
    if not whole:
        return 0
    scale = 10 ** decimals
    value = int(part * 100 * scale / whole + 0.5 + 1e-9) / scale
    return int(value) if decimals == 0 else value


# -- polarity roots --------------------------------------------------------------------------

def polarity_root(codebook: Codebook, polarity: str) -> Code:
    """'stimulerend' -> the 'stim' group, 'remmend' -> 'rem'; any other code id is taken as the group."""
    code_id = POLARITIES.get(polarity.casefold(), polarity)
    if code_id not in codebook:
        raise ExportError(f"no factor group '{polarity}' in codebook '{codebook.id}' "
                          f"(use stimulerend, remmend or the id of a group code)")
    return codebook.get(code_id)


def polarity_roots(codebook: Codebook, polarity: str | None = None) -> list[Code]:
    if polarity and polarity.casefold() not in ("both", "beide", "all", "alle"):
        return [polarity_root(codebook, polarity)]
    roots = [codebook.get(r) for r in ("stim", "rem") if r in codebook]
    if not roots:
        raise ExportError(f"codebook '{codebook.id}' has no 'stim' or 'rem' factor groups; "
                          "name the group with --polarity CODE_ID")
    return roots


def polarity_word(root: Code, lang: str) -> str:
    return text(f"polarity_{root.id}", lang) if root.id in ("stim", "rem") else root.label.lower()


def factor_title(root: Code, lang: str) -> str:
    if root.id in ("stim", "rem"):
        return text(f"title_factors_{root.id}", lang)
    return text("title_factors_other", lang, label=root.label.lower())


def display_labels(codebook: Codebook, codes: Sequence[Code], lang: str = "nl") -> dict[str, str]:
    """Factor labels made unique: 'Verzuiling (stimulerend)', 'Concurrentie (Politieke)'."""
    by_label: dict[str, list[Code]] = {}
    for code in codes:
        by_label.setdefault(code.label.casefold(), []).append(code)
    out = {}
    for group in by_label.values():
        for code in group:
            if len(group) == 1:
                out[code.id] = code.label
                continue
            chain = [code.id, *(a.id for a in codebook.ancestors(code.id))]
            roots = {c.id.split(".")[0] for c in group}
            if len(roots) > 1:
                root = codebook.get(chain[-1])
                out[code.id] = f"{code.label} ({polarity_word(root, lang)})"
            else:
                parent = codebook.get(code.parent) if code.parent else None
                out[code.id] = f"{code.label} ({parent.label if parent else code.id})"
    return out


def ordered(data: ExportData, codes: list[Code], order: str) -> list[Code]:
    if order == "codebook":
        return codes
    if order != "frequency":
        raise ExportError(f"unknown order '{order}' (frequency or codebook)")
    position = {c.id: i for i, c in enumerate(codes)}
    return sorted(codes, key=lambda c: (-data.count(c.id), -data.count(c.id, "interviews"), position[c.id]))
