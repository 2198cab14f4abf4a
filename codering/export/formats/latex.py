"""LaTeX: booktabs tables (longtable past 30 rows), wrapped text columns sized for an A4 page."""

from __future__ import annotations

import re

from codering.export.table import Grid, Table, fmt, grid

_TEX = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
        "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_TEX_RE = re.compile("|".join(re.escape(k) for k in _TEX))


def tex_escape(text: str) -> str:
    return _TEX_RE.sub(lambda m: _TEX[m.group()], text)


def to_latex(tables: list[Table]) -> str:
    from codering.export.labels import strip_number

    out = ["% Tables written by codering. Needs \\usepackage{booktabs} and \\usepackage{longtable}",
           "% (and \\usepackage[utf8]{inputenc} with pdfLaTeX).", ""]
    for table in tables:
        g = grid(table)
        specs = _tex_columns(g)
        long = len(g.rows) > 30
        caption = tex_escape(strip_number(table.title))
        label = "tab:" + re.sub(r"[^A-Za-z0-9:-]", "-", table.name)
        head: list[str] = []
        if g.show_header:
            for row in g.header:
                cells, col = [], 0
                for text, span in row:
                    cell = tex_escape(text)
                    if span > 1:
                        cell = f"\\multicolumn{{{span}}}{{c}}{{{cell}}}"
                    cells.append(cell)
                    col += span
                head.append(" & ".join(cells) + r" \\")
            head.append(r"\midrule")
        body = []
        for row in g.rows:
            cells = []
            for i, v in enumerate(row):
                text = tex_escape(g.show(v, i) if isinstance(v, (int, float)) else fmt(v))
                cells.append(text.replace("\n", r" \newline " if specs[i].startswith("p") else " "))
            body.append(" & ".join(cells) + r" \\")
        notes = [tex_escape(n) for n in table.notes]
        out.append(f"% {table.title}")
        if long:
            out += [f"\\begin{{longtable}}{{@{{}}{''.join(specs)}@{{}}}}", f"\\caption{{{caption}}}\\label{{{label}}} \\\\",
                    r"\toprule", *head, r"\endhead", r"\bottomrule", r"\endfoot", *body]
            out += [f"\\multicolumn{{{len(specs)}}}{{@{{}}p{{\\linewidth}}@{{}}}}{{\\footnotesize {n}}} \\\\" for n in notes]
            out += [r"\end{longtable}", ""]
        else:
            out += [r"\begin{table}[htbp]", r"\centering", f"\\caption{{{caption}}}\\label{{{label}}}",
                    f"\\begin{{tabular}}{{@{{}}{''.join(specs)}@{{}}}}", r"\toprule", *head, *body,
                    r"\bottomrule", r"\end{tabular}"]
            out += [f"\\par\\smallskip{{\\footnotesize {n}\\par}}" for n in notes]
            out += [r"\end{table}", ""]
    return "\n".join(out)


def _tex_columns(g: Grid) -> list[str]:
    lengths = [max([len(g.flat_header[i])] + [len(fmt(r[i])) for r in g.rows]) for i in range(len(g.flat_header))]
    long = [i for i, n in enumerate(lengths) if not g.numeric[i] and n > 30]
    total = sum(min(lengths[i], 120) for i in long) or 1
    room = 15.0 - 1.6 * (len(lengths) - len(long))  # cm left for wrapped columns on an A4 page
    specs = []
    for i in range(len(lengths)):
        if g.numeric[i]:
            specs.append("r")
        elif i in long:
            specs.append(f"p{{{max(room * min(lengths[i], 120) / total, 2.5):.1f}cm}}")
        else:
            specs.append("l")
    return specs
