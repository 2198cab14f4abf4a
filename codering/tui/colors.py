"""Stable colours per code (pure Python, no Textual).

A code's colour is its own ``color`` from the codebook, else its nearest
ancestor's, else a palette entry chosen by a hash of its id (sha1, so the
same id has the same colour in every session and on every machine). The
palette holds mid-tone colours; the UI never prints text *in* them on the
terminal background but blends them into the background as a highlight
(see :func:`blend`), which keeps text readable in light and dark themes.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codering.codebook import Codebook

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#3f51b5", "#009688",
)


def palette_color(key: str) -> str:
    digest = hashlib.sha1(key.encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def code_color(codebook: "Codebook", code_id: str) -> str:
    """``#rrggbb`` for a code: its own colour, an ancestor's, or a stable palette pick."""
    code = codebook.codes.get(code_id)
    if code is None:
        return palette_color(code_id)
    if code.color:
        return code.color
    for ancestor in codebook.ancestors(code_id):
        if ancestor.color:
            return ancestor.color
    return palette_color(code_id)


def code_colors(codebook: "Codebook") -> dict[str, str]:
    return {code.id: code_color(codebook, code.id) for code in codebook}


def parse_hex(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def blend(base: str, tint: str, amount: float) -> str:
    """``base`` moved ``amount`` (0..1) of the way towards ``tint``."""
    r1, g1, b1 = parse_hex(base)
    r2, g2, b2 = parse_hex(tint)
    mix = [round(a + (b - a) * amount) for a, b in ((r1, r2), (g1, g2), (b1, b2))]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def is_dark(color: str) -> bool:
    r, g, b = parse_hex(color)
    return (0.299 * r + 0.587 * g + 0.114 * b) < 128
