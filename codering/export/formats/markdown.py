"""Markdown: a pipe table per table, numbers right-aligned, the notes under it."""

from __future__ import annotations

from codering.export.table import Table, grid


def to_markdown(tables: list[Table]) -> str:
    parts = []
    for table in tables:
        g = grid(table)
        lines = [table.title, ""]
        lines.append("| " + " | ".join(h.replace("|", "\\|") for h in g.flat_header) + " |")
        lines.append("| " + " | ".join("---:" if n else "---" for n in g.numeric) + " |")
        for row in g.rows:
            lines.append("| " + " | ".join(_md_cell(g.show(v, i)) for i, v in enumerate(row)) + " |")
        for note in table.notes:
            lines += ["", note]
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")
