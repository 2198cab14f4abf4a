"""Figures for the report, drawn with matplotlib's Agg canvas (no GUI, no pyplot state).

- ``factor_bars``: a diverging bar chart, per category the stimulerende
  factors to the right and the remmende to the left (coded segments or
  interviews).
- ``factor_heatmap``: coded factors (rows) by the values of a case attribute
  (columns): coded segments, or with ``unit="interviews"`` the share of each
  group's interviews that mention the factor (groups differ in size).
- ``cooccurrence_network``: factors coded in the same segment or turn; node
  area by frequency, line width by how often two factors are coded together,
  nodes on a circle in codebook order so categories sit together and the
  picture is the same every time (the data behind the report's helix and
  whirlpool figures; ``polarity`` draws one of them).

Labels longer than ``LABEL_WIDTH`` characters wrap (the figure grows with
them), column names of a heatmap wider than their column are tilted, and the
bar chart's key sits between title and bars: a long label, a title or a key
never runs off the figure or over the data (``tests/test_qa_exports.py``).

Each returns a ``matplotlib.figure.Figure``; ``write_figure`` saves it as
PNG or SVG, atomically, never over an existing file unless ``force``.
Titles and labels follow the codebook's language.
"""

from __future__ import annotations

import io
import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from codering.errors import ExportError
from codering.export.common import (
    as_data,
    display_labels,
    polarity_roots,
    polarity_word,
)
from codering.export.data import NothingToExport, factors
from codering.export.labels import text
from codering.export.relations import cooccurrence_counts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FIGURE_FORMATS = ("png", "svg")
COLORS = {"stim": "#2e7d32", "rem": "#c62828"}


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _selection(fig: Figure, data) -> Figure:
    """Say under the figure which interviews and coder it counts (when filtered)."""
    notes = data.selection_notes()
    if notes:
        fig.supxlabel(" ".join(notes), fontsize=7, color="#555555")
    return fig


def _root_color(root) -> str:
    return COLORS.get(root.id) or root.color or "#455a64"


def factor_bars(source, *, unit: str = "segments", where: dict | None = None, coder: str | None = None) -> Figure:
    """Diverging bars per category: stimulerend to the right, remmend to the left."""
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    roots = polarity_roots(book)
    rows: dict[str, dict[str, int]] = {}
    labels: dict[str, str] = {}
    for root in roots:
        for category in book.children(root.id):
            key = category.id.split(".", 1)[-1]
            labels.setdefault(key, category.label)
            rows.setdefault(key, {})[root.id] = data.count(category.id, unit)
    if not any(n for row in rows.values() for n in row.values()):
        raise NothingToExport("no factors coded in the selected interviews; nothing to draw")
    keys = list(rows)
    names = {k: textwrap.fill(labels[k], LABEL_WIDTH) for k in keys}
    lines = max(name.count("\n") + 1 for name in names.values())
    fig = _figure(8, (0.3 + 0.15 * lines) * len(keys) + 2.0)
    ax = fig.add_subplot()
    ys = list(range(len(keys)))[::-1]
    top = max(n for row in rows.values() for n in row.values()) or 1
    for side, root in zip((1, -1), roots):
        values = [rows[k].get(root.id, 0) for k in keys]
        ax.barh(ys, [side * v for v in values], color=_root_color(root), height=0.7,
                label=polarity_word(root, lang))
        for y, v in zip(ys, values):
            if v:
                ax.text(side * (v + top * 0.02), y, str(v), va="center", ha="left" if side > 0 else "right",
                        fontsize=9)
    ax.set_yticks(ys, [names[k] for k in keys])
    ax.axvline(0, color="#333333", linewidth=0.8)
    limit = top * 1.18
    ax.set_xlim(-limit if len(roots) > 1 else 0, limit)
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{abs(x):g}")
    ax.set_xlabel(text(f"fig_axis_{unit}", lang))
    ax.set_title(text("fig_factors_title", lang), pad=26)  # room for the key between title and bars
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(roots), frameon=False,
              borderaxespad=0.2)  # above the bars, under the title: never on a bar
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return _selection(fig, data)


#: Characters per line of a factor or category label beside bars and heatmap rows (longer ones wrap).
LABEL_WIDTH = 40


#: The most columns (values of the attribute) a heatmap draws.
MAX_HEATMAP_COLUMNS = 40


def factor_heatmap(source, by: str = "locatie", *, unit: str = "segments", polarity: str | None = None,
                   top: int = 30, where: dict | None = None, coder: str | None = None) -> Figure:
    """Coded factors (the ``top`` most coded) by the values of case attribute ``by``."""
    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    if not any(by in t.attributes for t in data.transcripts):
        raise NothingToExport(f"no selected interview has the attribute '{by}'")
    values = data.attribute_values(by)
    if len(values) > MAX_HEATMAP_COLUMNS:  # 120 interview ids: 27,300 px wide and 1.8 GB to draw, unreadable
        raise NothingToExport(f"'{by}' has {len(values)} values; a heatmap is readable up to "
                              f"{MAX_HEATMAP_COLUMNS} columns: choose an attribute with fewer values (e.g. locatie), "
                              f"or select interviews with --where, or use `export crosstab --by {by}`")
    members = {v: {t.id for t in data.transcripts if t.attributes.get(by, "") == v} for v in values}
    coded = [f for root in polarity_roots(book, polarity) for c in book.children(root.id)
             for f in factors(book, c.id) if data.count(f.id)]
    if not coded:  # a project coded at category level (no factor anywhere): its categories are the rows
        coded = [c for root in polarity_roots(book, polarity) for c in book.children(root.id) if data.count(c.id)]
    if not coded:
        raise NothingToExport("no factors coded in the selected interviews; nothing to draw")
    chosen = sorted(coded, key=lambda f: -data.count(f.id))[:top]
    chosen = [f for f in coded if f in chosen]  # back in codebook order
    names = display_labels(book, chosen, lang)
    grid = []
    for factor in chosen:
        per = data.per_interview(factor.id, unit)
        if unit == "interviews":
            grid.append([100 * sum(1 for tid in per if tid in members[v]) / max(len(members[v]), 1) for v in values])
        else:
            grid.append([sum(n for tid, n in per.items() if tid in members[v]) for v in values])
    rows = [textwrap.fill(names[f.id], LABEL_WIDTH) for f in chosen]
    lines = max(row.count("\n") + 1 for row in rows)
    longest = max(len(line) for row in rows for line in row.split("\n"))
    columns = [v or text("unknown_value", lang) for v in values]
    tilted = max(len(c) for c in columns) > 10  # a name wider than its column: tilted, so names never overlap
    # width: the labels (8 pt: ~0.07 inch a character), 1.1 inch a column, the colour bar
    fig = _figure(max(5.0, 1.1 * len(values) + 0.07 * longest + 2.0),
                  (0.18 + 0.13 * lines) * len(chosen) + 2.0 + (0.08 * max(len(c) for c in columns) if tilted else 0))
    ax = fig.add_subplot()
    image = ax.imshow(grid, cmap="YlGnBu", aspect="auto", vmin=0)
    peak = max(max(row) for row in grid) or 1
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=8,
                    color="white" if value > peak * 0.6 else "#222222")
    ax.set_xticks(range(len(values)), columns)
    if tilted:
        ax.tick_params(axis="x", labelrotation=45)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("left")
            tick.set_rotation_mode("anchor")
    ax.set_yticks(range(len(chosen)), rows, fontsize=8)
    for tick, factor in zip(ax.get_yticklabels(), chosen):
        tick.set_color(COLORS.get(factor.id.split(".")[0], "#222222"))
    ax.xaxis.tick_top()
    ax.set_title(text("fig_heatmap_title", lang, by=by))
    legend = text("fig_heatmap_interviews", lang, by=by) if unit == "interviews" else text("fig_heatmap_segments", lang)
    fig.colorbar(image, ax=ax, shrink=0.6, label=legend)
    return _selection(fig, data)


def cooccurrence_network(source, *, polarity: str | None = None, unit: str = "segment", min_count: int = 1,
                         top: int = 40, where: dict | None = None, coder: str | None = None) -> Figure:
    """Factors as nodes on a circle, lines between factors coded in the same segment (or turn)."""
    from matplotlib.lines import Line2D

    data = as_data(source, where, coder)
    book, lang = data.codebook, data.language
    nodes, freq, pairs = cooccurrence_counts(data, level="factor", unit=unit, polarity=polarity)
    if not nodes:
        raise NothingToExport("no factors coded in the selected interviews; nothing to draw")
    keep = set(sorted(freq, key=lambda k: -freq[k])[:top])
    nodes = [n for n in nodes if n.id in keep]
    edges = {(a, b): n for (a, b), n in pairs.items() if a in keep and b in keep and n >= min_count}
    names = display_labels(book, nodes, lang)
    palette = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]
    categories = list(dict.fromkeys(n.parent for n in nodes))
    color = {}
    for i, cat in enumerate(categories):
        code = book.get(cat)
        color[cat] = code.color or palette[i % len(palette)]
    count = len(nodes)
    angle = {n.id: math.pi / 2 - 2 * math.pi * i / count for i, n in enumerate(nodes)}
    pos = {k: (math.cos(a), math.sin(a)) for k, a in angle.items()}
    fig = _figure(10, 10.5)
    ax = fig.add_subplot()
    heaviest = max(edges.values(), default=1)
    for (a, b), n in sorted(edges.items(), key=lambda e: e[1]):
        jaccard = n / (freq[a] + freq[b] - n)
        ax.plot([pos[a][0], pos[b][0]], [pos[a][1], pos[b][1]], color="#555555",
                linewidth=0.6 + 5.5 * n / heaviest, alpha=0.25 + 0.6 * jaccard, zorder=1, solid_capstyle="round")
    biggest = max(freq[n.id] for n in nodes)
    ax.scatter([pos[n.id][0] for n in nodes], [pos[n.id][1] for n in nodes],
               s=[60 + 1100 * freq[n.id] / biggest for n in nodes], c=[color[n.parent] for n in nodes],
               edgecolors="white", linewidths=1.0, zorder=2)
    for node in nodes:
        a = angle[node.id]
        x, y = 1.1 * math.cos(a), 1.1 * math.sin(a)
        degrees = math.degrees(a) % 360
        flip = 90 < degrees < 270
        label = textwrap.fill(names[node.id], 26)
        ax.text(x, y, label, rotation=degrees - 180 if flip else degrees, rotation_mode="anchor",
                ha="right" if flip else "left", va="center", fontsize=8, linespacing=1.0,
                multialignment="right" if flip else "left")
    ax.update_datalim([(-2.15, -2.15), (2.15, 2.15)])  # room for the labels around the circle
    ax.autoscale_view(tight=True)
    # "datalim": the circle stays round by widening the data limits, not by shrinking the axes after the layout
    # has placed the title (with a square axes box the title was pushed past the top edge)
    ax.set_aspect("equal", adjustable="datalim")
    ax.axis("off")
    roots = polarity_roots(book, polarity)
    if len(roots) == 1 and roots[0].id in ("stim", "rem"):
        title = text("fig_network_title_polarity", lang, adj=text(f"adj_{roots[0].id}", lang))
        title = title[0].upper() + title[1:]
    else:
        title = text("fig_network_title", lang)
    ax.set_title(title)
    keys = [textwrap.fill(_category_name(book, c, lang, len(roots) > 1), LABEL_WIDTH) for c in categories]
    handles = [Line2D([], [], marker="o", linestyle="", markersize=8, color=color[c], label=key)
               for c, key in zip(categories, keys)]
    widest = max(len(line) for key in keys for line in key.split("\n"))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, fontsize=8,
              ncol=4 if widest <= 30 else 2,  # four columns of long category names ran off the page
              title=text("fig_network_legend", lang, units=text(f"units_{unit.rstrip('s')}", lang)),
              title_fontsize=8)
    return _selection(fig, data)


def _category_name(book, code_id: str, lang: str, with_polarity: bool) -> str:
    code = book.get(code_id)
    if not with_polarity or code.parent is None:
        return code.label
    return f"{code.label} ({polarity_word(book.get(code.parent), lang)})"


FIGURES = {"factors": factor_bars, "heatmap": factor_heatmap, "network": cooccurrence_network}


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    if fmt not in FIGURE_FORMATS:
        raise ExportError(f"figures are written as {' or '.join(FIGURE_FORMATS)}, not '{fmt}'")
    import matplotlib

    out = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "codering"}):  # text stays editable
        fig.savefig(out, format=fmt, dpi=200, metadata=metadata)
    return out.getvalue()


def write_figure(fig: Figure, path: Path, fmt: str | None = None, force: bool = False) -> Path:
    """Save ``fig`` as PNG or SVG (from the suffix when ``fmt`` is None); atomic, no silent overwrite."""
    from codering.fileio import atomic_write_bytes

    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if not path.suffix:
        path = path.with_suffix(f".{fmt}")
    if path.exists() and not force:
        raise ExportError(f"{path} exists; use --force to replace it or choose another name")
    data = figure_bytes(fig, fmt)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise ExportError(f"{path}: cannot write ({exc.strerror or exc})") from None
    return path
