"""``codering -p PROJECT export ...``: tables and figures for the report.

Forms (all take ``--where ATTR=VALUE`` (repeatable; the same attribute twice
means either value), ``--coder NAME``, ``--format``, ``-o/--output`` and
``--force``)::

    export factors [--polarity stimulerend|remmend|beide] [--counts] [--interviews]
                   [--min-interviews N] [--order frequency|codebook] [--uncoded]
    export detail [--polarity ...] [--quotes N] [--quote-length N] [--all]
    export crosstab [--group fin] [--by locatie] [--unit segments|interviews] [--layout wide|long]
    export cooccurrence [--level factor|category] [--unit segment|turn] [--form edges|matrix|both]
    export codebook [--criteria]
    export figure factors|heatmap|network [--by ATTR] [--unit ...] [--polarity ...] [--format png|svg]
    export all [--by ATTR ...] [--figures]

Without ``-o`` and ``--format`` a table is printed to the terminal. With only
``--format`` it is written to ``exports/<project>-<table>.<format>`` under a
free name (``-2``, ``-3``, ... are added, so nothing is replaced). A file
named with ``-o`` is never replaced unless ``--force``. ``-o`` may also name
a folder. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from codering.cli.common import console

POLARITY = click.Choice(["stimulerend", "remmend", "beide"], case_sensitive=False)
TABLE_FORMATS = ("md", "csv", "xlsx", "docx", "html", "tex")


def _where(values: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in values:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not ATTR=VALUE", param_hint="--where")
        key, value = item.split("=", 1)
        if not key.strip() or not value.strip():
            raise click.BadParameter(f"'{item}' is not ATTR=VALUE", param_hint="--where")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def _common(formats: tuple[str, ...] = TABLE_FORMATS, default: str | None = None) -> Callable:
    """The options every export has; ``default``: the format without -o or --format (tables: none, they
    are printed to the terminal)."""
    said = default or "none: print to the terminal"
    stdout = default or "Markdown"

    def decorate(func: Callable) -> Callable:
        options = [
            click.option("--where", "where", multiple=True, metavar="ATTR=VALUE",
                         help="Only interviews with this attribute value (repeatable)."),
            click.option("--coder", default=None, help="Only this coder's codings (default: all coders)."),
            click.option("--format", "fmt", type=click.Choice(formats, case_sensitive=False), default=None,
                         help=f"Output format (default: from the -o suffix; {said})."),
            click.option("-o", "--output", type=click.Path(), default=None,
                         help=f"File (or folder) to write; '-' or /dev/stdout: standard output ({stdout} unless "
                              "--format says otherwise); default: the exports/ folder beside the project file."),
            click.option("--force", is_flag=True, help="Replace an existing output file."),
        ]
        for option in reversed(options):
            func = option(func)
        return click.pass_obj(func)
    return decorate


def _project(state: Any):
    if state is None or not hasattr(state, "project"):
        raise click.UsageError("no project given: use codering -p PROJECT export ...")
    return state.project()


def _load(state: Any, where: tuple[str, ...], coder: str | None):
    from codering.export.data import load

    return load(_project(state), where=_where(where), coder=coder)


def _group(state: Any, group: str) -> str:
    """``--group``: a code merged away counts as the code it went into (said on stderr); any other id as given,
    for the table's own error listing the groups."""
    from codering.cli.common import queried_code

    return queried_code(_project(state), group, known=False)


def _target(state: Any, output: str | None, fmt: str, stem: str) -> tuple[Path, bool]:
    """Where to write, and whether the name is ours (then a free name is picked)."""
    from codering.paths import exports_dir

    project = _project(state)
    name = f"{project.path.stem}-{stem}.{fmt}"
    if output is None:
        return exports_dir(project.path) / name, True
    path = Path(output)
    if path.is_dir():
        return path / name, True
    return path, False


def _free(paths_for: Callable[[Path], list[Path]], base: Path) -> Path:
    candidate, n = base, 2
    while any(p.exists() for p in paths_for(candidate)):
        candidate = base.with_name(f"{base.stem}-{n}{base.suffix}")
        n += 1
    return candidate


def emit(state: Any, tables: list, fmt: str | None, output: str | None, force: bool, stem: str,
         print_tables: list | None = None) -> str:
    """Print ``tables`` (no -o, no --format) or write them; say what was written. Returns the format
    (``terminal`` when printed)."""
    from codering.export.writers import format_for, is_stdout, output_paths, rich_table, stdout_bytes, write_tables

    if output is None and fmt is None:
        out = console(follow_terminal=True)
        for table in print_tables or tables:
            out.print(rich_table(table))
            out.print()
        return "terminal"
    if is_stdout(output):
        click.echo(stdout_bytes(tables, fmt), nl=False)  # bytes: written as they are
        _csv_notes(tables, fmt)
        return format_for(Path(output), fmt or "md")
    fmt = format_for(Path(output or "x"), fmt)
    path, ours = _target(state, output, fmt, stem)
    if ours and not force:
        path = _free(lambda p: output_paths(tables, p, fmt), path)
    write_tables(tables, path, fmt, force=force)
    files = output_paths(tables, path, fmt)
    what = f"{len(tables)} tables" if len(tables) > 1 else tables[0].title
    click.echo(f"Wrote {', '.join(str(f) for f in files)} ({what}).")
    _csv_notes(tables, fmt)
    return fmt


def _csv_notes(tables: list, fmt: str | None) -> None:
    """CSV holds the cells only: the title and the notes under a table (which interviews or coder it is
    limited to, what the numbers in brackets mean) would be lost without a word, so they go to stderr."""
    if (fmt or "").lower().lstrip(".") != "csv":
        return
    for table in tables:
        for line in [table.title, *table.notes]:
            if line:
                click.echo(f"note (not in the CSV): {line}", err=True)


@click.group("export")
def export_group() -> None:
    """Export factor tables, cross-tabulations, co-occurrence, the codebook and figures.

    Without -o and --format a table is printed; with --format it goes to the
    exports/ folder beside the project file (the demo project's: the checkout's
    exports/); -o names the file (its suffix gives the format).
    """


@export_group.command("factors")
@click.option("--polarity", type=POLARITY, default="beide", show_default=True,
              help="stimulerend gives Tabel 5, remmend Tabel 6.")
@click.option("--counts", is_flag=True, help='Show coded segments per factor: "Nabijheid (7)".')
@click.option("--interviews", is_flag=True, help="Show the number of interviews mentioning each factor.")
@click.option("--min-interviews", type=click.IntRange(min=0), default=0,
              help="List a factor only if at least this many interviews mention it.")
@click.option("--order", type=click.Choice(["frequency", "codebook"]), default="frequency", show_default=True)
@click.option("--uncoded", is_flag=True, help="Add a table of codebook factors that no interview mentions.")
@click.option("--title", default=None, help="Title instead of 'Tabel 5. Overzicht ...' (one polarity only).")
@_common()
def factors_cmd(state, polarity, counts, interviews, min_interviews, order, uncoded, title,
                where, coder, fmt, output, force) -> None:
    """The factor overview: Tabel 5 (stimulerend) and Tabel 6 (remmend)."""
    from codering.export import tables as T
    from codering.export.data import NothingToExport

    data = _load(state, where, coder)
    sides = ["stimulerend", "remmend"] if polarity.lower() == "beide" else [polarity.lower()]
    if title and len(sides) > 1:
        raise click.UsageError("--title needs one --polarity")
    out = []
    empty: list[NothingToExport] = []
    for side in sides:
        try:
            out.append(T.factor_overview(data, side, counts=counts, interviews=interviews,
                                         min_interviews=min_interviews, order=order, title=title))
        except NothingToExport as exc:  # both tables asked, one side not coded yet: the other still comes
            if len(sides) == 1:
                raise
            empty.append(exc)
            continue
        if uncoded:
            try:
                out.append(T.uncoded_factors(data, side))
            except NothingToExport as exc:  # every factor coded: say so, write the rest
                click.echo(str(exc), err=True)
    if len(empty) == len(sides):  # "no stimulerend or remmend factors coded in ... (4 interviews, 0 codings)"
        raise NothingToExport(str(empty[0]).replace(f"no {sides[0]} ", f"no {' or '.join(sides)} ", 1))
    for exc in empty:  # one side not coded yet: said once, after it is clear that the other side follows
        click.echo(f"note: {exc}; only the other table follows", err=True)
    emit(state, out, fmt, output, force, "factors" if len(sides) > 1 else f"factors-{sides[0]}")


@export_group.command("detail")
@click.option("--polarity", type=POLARITY, default="beide", show_default=True)
@click.option("--quotes", type=click.IntRange(min=0, max=10), default=1, show_default=True,
              help="Representative quotes per factor.")
@click.option("--quote-length", type=click.IntRange(min=0), default=300, show_default=True,
              help="Shorten quotes to this many characters (0: never).")
@click.option("--all", "include_uncoded", is_flag=True, help="Also list factors nobody coded.")
@click.option("--order", type=click.Choice(["codebook", "frequency"]), default="codebook", show_default=True)
@_common()
def detail_cmd(state, polarity, quotes, quote_length, include_uncoded, order, where, coder, fmt, output,
               force) -> None:
    """One row per factor: category, segments, interviews, share, representative quotes."""
    from codering.export import tables as T

    data = _load(state, where, coder)
    table = T.factor_detail(data, None if polarity.lower() == "beide" else polarity, quotes=quotes,
                            quote_length=quote_length, include_uncoded=include_uncoded, order=order)
    emit(state, [table], fmt, output, force, "factor-detail")


@export_group.command("crosstab")
@click.option("--group", default="fin", show_default=True, help="Code group whose codes are the rows.")
@click.option("--by", default="locatie", show_default=True, help="Case attribute whose values are the columns.")
@click.option("--unit", type=click.Choice(["segments", "interviews"]), default="segments", show_default=True)
@click.option("--layout", type=click.Choice(["wide", "long"]), default="wide", show_default=True,
              help="wide: a #/% column pair per value (Tabel 3); long: a block of rows per value (Tabel 2).")
@click.option("--decimals", type=click.IntRange(0, 3), default=0, show_default=True, help="Decimals in %.")
@click.option("--title", default=None)
@_common()
def crosstab_cmd(state, group, by, unit, layout, decimals, title, where, coder, fmt, output, force) -> None:
    """A code group against a case attribute, # and % per column with totals (Tabel 2, Tabel 3)."""
    from codering.export import tables as T

    group = _group(state, group)
    data = _load(state, where, coder)
    table = T.crosstab(data, group, by, unit=unit, layout=layout, decimals=decimals, title=title)
    _too_wide(table, emit(state, [table], fmt, output, force, table.name), by)


#: A landscape A4 page (246 mm between the margins) holds this many columns at 6 mm or more each.
PAGE_COLUMNS = 41


def _too_wide(table, kind: str, by: str) -> None:
    """Say so when a wide crosstab will not be readable on a page (an attribute with a value per interview:
    120 interview ids gave 243 columns of 1 mm). ``kind``: the format ``emit`` wrote. Spreadsheets and CSV
    take any width."""
    from codering.export.table import grid

    columns = len(grid(table).flat_header)
    if kind in ("xlsx", "csv") or columns <= PAGE_COLUMNS:
        return
    click.echo(f"note: the table has {columns} columns ({by} has many values), each about "
               f"{246 / columns:.0f} mm wide on a landscape A4 page; --layout long (a block of rows per value), "
               f"--where to select interviews, or --format xlsx keep it readable", err=True)


@export_group.command("cooccurrence")
@click.option("--level", type=click.Choice(["factor", "category"]), default="factor", show_default=True)
@click.option("--unit", type=click.Choice(["segment", "turn"]), default="segment", show_default=True,
              help="Coded together in the same segment (sentence) or the same speaker turn.")
@click.option("--polarity", type=POLARITY, default="beide", show_default=True)
@click.option("--form", type=click.Choice(["both", "edges", "matrix"]), default="both", show_default=True)
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out pairs coded together fewer times (edge list).")
@_common()
def cooccurrence_cmd(state, level, unit, polarity, form, min_count, where, coder, fmt, output, force) -> None:
    """Factors coded together: a matrix and an edge list with counts and Jaccard similarity."""
    from codering.export import tables as T
    from codering.export.table import grid

    data = _load(state, where, coder)
    matrix, edges = T.cooccurrence(data, level=level, unit=unit, min_count=min_count,
                                   polarity=None if polarity.lower() == "beide" else polarity)
    chosen = {"both": [matrix, edges], "edges": [edges], "matrix": [matrix]}[form]
    if not grid(edges).rows and edges in chosen:  # a header without rows is an empty file, not a table
        from codering.export.data import NothingToExport

        unit_word = "segment (sentence)" if unit == "segment" else "turn"
        at_least = f" at least {min_count} times" if min_count > 1 else ""
        said = f"no two factors are coded in the same {unit_word}{at_least} in the selected interviews"
        if form == "edges":
            raise NothingToExport(said)
        click.echo(f"note: {said}; only the matrix follows", err=True)
        chosen = [matrix]
    emit(state, chosen, fmt, output, force, "cooccurrence",
         print_tables=[edges] if form == "both" and chosen == [matrix, edges] else None)


@export_group.command("codebook")
@click.option("--criteria", is_flag=True, help="Add the inclusion and exclusion notes.")
@_common()
def codebook_cmd(state, criteria, where, coder, fmt, output, force) -> None:
    """The codebook with descriptions and counts per code (for the annex)."""
    from codering.export import tables as T

    data = _load(state, where, coder)
    emit(state, [T.codebook_table(data, criteria=criteria)], fmt, output, force, "codebook")


@export_group.command("figure")
@click.argument("kind", type=click.Choice(["factors", "heatmap", "network"]))
@click.option("--by", default="locatie", show_default=True, help="Case attribute (heatmap).")
@click.option("--unit", default=None,
              help="factors/heatmap: segments or interviews; network: segment or turn.")
@click.option("--polarity", type=POLARITY, default="beide", show_default=True, help="heatmap, network.")
@click.option("--top", type=click.IntRange(min=1), default=None, help="At most this many factors (heatmap 30, network 40).")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True, help="network: weakest line drawn.")
@_common(formats=("png", "svg"), default="png")
def figure_cmd(state, kind, by, unit, polarity, top, min_count, where, coder, fmt, output, force) -> None:
    """Figures: factors (diverging bars), heatmap (factors by attribute), network (co-occurrence)."""
    from codering.export import figures as F

    data = _load(state, where, coder)
    side = None if polarity.lower() == "beide" else polarity
    if kind == "factors":
        fig = F.factor_bars(data, unit=_unit(unit, ("segments", "interviews")))
    elif kind == "heatmap":
        fig = F.factor_heatmap(data, by, unit=_unit(unit, ("segments", "interviews")), polarity=side, top=top or 30)
    else:
        fig = F.cooccurrence_network(data, unit=_unit(unit, ("segment", "turn")), polarity=side,
                                     min_count=min_count, top=top or 40)
    from codering.export.writers import is_stdout

    suffix = Path(output).suffix.lower().lstrip(".") if output and not is_stdout(output) else ""
    if fmt and suffix in ("png", "svg", "pdf") and suffix != fmt.lower():
        from codering.errors import ExportError

        raise ExportError(f"{Path(output).name} ends in .{suffix}, which is not --format {fmt}; "
                          "name the file for its format or leave out --format")
    fmt = (fmt or suffix or "png").lower()
    if is_stdout(output):
        click.echo(F.figure_bytes(fig, fmt), nl=False)  # bytes: written as they are
        return
    stem = f"figuur-{kind}" + (f"-{by}" if kind == "heatmap" else "") + (f"-{side}" if side else "")
    path, ours = _target(state, output, fmt, stem)
    if ours and not force:
        path = _free(lambda p: [p], path)
    written = F.write_figure(fig, path, fmt, force=force)
    click.echo(f"Wrote {written}.")


def _unit(value: str | None, allowed: tuple[str, str]) -> str:
    if value is None:
        return allowed[0]
    if value not in allowed:
        raise click.BadParameter(f"'{value}' (one of {', '.join(allowed)})", param_hint="--unit")
    return value


def _new_folder(output: str, fmt: str | None) -> bool:
    """Whether ``export all -o OUTPUT`` names a folder that does not exist yet: no suffix to tell a format by
    (and no --format), or a trailing slash."""
    from codering.export.writers import is_stdout

    path = Path(output)
    if is_stdout(output) or path.exists():
        return False
    return output.endswith(("/", os.sep)) or (fmt is None and not path.suffix)


@export_group.command("all")
@click.option("--group", default="fin", show_default=True, help="Code group for the cross-tabulations.")
@click.option("--by", "by", multiple=True, help="Case attributes to cross-tabulate (default: locatie, actorgroep).")
@click.option("--unit", type=click.Choice(["segments", "interviews"]), default="segments", show_default=True)
@click.option("--figures", is_flag=True, help="Also write the figures (PNG) beside the tables file.")
@click.option("--counts", is_flag=True, help='Show coded segments per factor in Tabel 5 and 6: "Nabijheid (7)".')
@_common(default="xlsx")
def all_cmd(state, group, by, unit, figures, counts, where, coder, fmt, output, force) -> None:
    """Every table in one file (XLSX by default: a sheet per table), optionally with the figures."""
    from codering.export import tables as T
    from codering.export.data import NothingToExport

    group = _group(state, group)
    data = _load(state, where, coder)
    if output is not None and _new_folder(output, fmt):
        try:
            Path(output).mkdir(parents=True)  # `-o FOLDER` (README): a folder not made yet is made, as a file is
        except OSError as exc:
            raise click.ClickException(f"cannot make the folder {output}: {exc.strerror or exc}") from None
    if fmt is None and (output is None or Path(output).is_dir()):  # the documented default, also into a folder
        fmt = "xlsx"
    fmt_name = fmt or (Path(output).suffix.lstrip(".").lower() if output else "xlsx")
    out, skipped = T.all_tables(data, group=group, by=by, unit=unit, fmt=fmt_name, counts=counts)
    for message in skipped:
        click.echo(f"skipped {message}", err=True)
    folder = None if output is None else output if Path(output).is_dir() else str(Path(output).parent)
    emit(state, out, fmt, output, force, "tabellen")
    if figures:
        from codering.export import figures as F

        for kind in ("factors", "heatmap", "network"):
            try:
                fig = F.factor_heatmap(data, by[0] if by else "locatie") if kind == "heatmap" else F.FIGURES[kind](data)
            except NothingToExport as exc:
                click.echo(f"skipped figure {kind}: {exc}", err=True)
                continue
            path, _ = _target(state, folder, "png", f"figuur-{kind}")
            path = path if force else _free(lambda p: [p], path)
            click.echo(f"Wrote {F.write_figure(fig, path, 'png', force=force)}.")
