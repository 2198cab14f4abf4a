"""Tables for the terminal and the UI preview (rich)."""

from __future__ import annotations

import io

from codering.export.table import Table, grid


def rich_table(table: Table):
    """The table as a ``rich.table.Table`` (for the terminal and the UI)."""
    from rich import box
    from rich.table import Table as RichTable

    g = grid(table)
    out = RichTable(title=table.title, title_justify="left", show_header=g.show_header,
                    caption="\n".join(table.notes) or None, caption_justify="left",
                    box=box.SIMPLE_HEAD if g.show_header else box.SIMPLE, pad_edge=False)
    for i, label in enumerate(g.flat_header):
        longest = max([len(g.show(r[i], i)) for r in g.rows] + [1])
        if g.numeric[i] or longest <= 24:
            out.add_column(label, justify="right" if g.numeric[i] else "left", min_width=min(longest, 16))
        else:
            out.add_column(label, overflow="fold", ratio=min(longest, 200))
    for row in g.rows:
        out.add_row(*(g.show(v, i) for i, v in enumerate(row)))
    return out


def render_text(table: Table, width: int = 120) -> str:
    """Plain-text rendering for the terminal / UI preview (no colour codes)."""
    from rich.console import Console

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False,
                      force_terminal=False, legacy_windows=False)
    console.print(rich_table(table))
    return "\n".join(line.rstrip() for line in console.file.getvalue().splitlines()) + "\n"
