"""HTML: one self-contained page, a captioned <table> per table."""

from __future__ import annotations

import html

from codering.export.table import Table, fmt, grid

HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 0.3em; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 0.4em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
p.note { font-size: 0.9em; color: #555; margin: 0.2em 0; }
section { margin-bottom: 2em; }
""".strip()


def _esc(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def to_html(tables: list[Table], title: str | None = None) -> str:
    doc_title = title or (tables[0].title if len(tables) == 1 else "codering")
    lang = "nl" if tables and tables[0].attrs.get("decimal") == "," else "en"
    out = ["<!DOCTYPE html>", f'<html lang="{lang}">', "<head>", '<meta charset="utf-8">',
           f"<title>{_esc(doc_title)}</title>", f"<style>\n{HTML_STYLE}\n</style>", "</head>", "<body>"]
    for table in tables:
        g = grid(table)
        out += [f'<section id="{_esc(table.name)}">', "<table>", f"<caption>{_esc(table.title)}</caption>"]
        if g.show_header:
            out.append("<thead>")
            for row in g.header:
                cells, col = [], 0
                for label, span in row:
                    cls = ' class="num"' if span == 1 and g.numeric[col] else ""
                    colspan = f' colspan="{span}"' if span > 1 else ""
                    cells.append(f"<th{colspan}{cls}>{_esc(label)}</th>")
                    col += span
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</thead>")
        out.append("<tbody>")
        for row in g.rows:
            cells = [f'<td class="num">{_esc(g.show(v, i))}</td>' if isinstance(v, (int, float))
                     else f"<td>{_esc(fmt(v))}</td>" for i, v in enumerate(row)]
            out.append("<tr>" + "".join(cells) + "</tr>")
        out += ["</tbody>", "</table>"]
        out += [f'<p class="note">{_esc(note)}</p>' for note in table.notes]
        out.append("</section>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
