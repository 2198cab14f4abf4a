"""Commands for working with others: QDPX export, agreement, disagreements, resolve, merge.

Registered in :mod:`codering.cli.root`::

    codering -p P export qdpx [-o FILE.qdpx] [--force]
    codering -p P agreement [CODER...] [--coders A --coders B] [--unit segment|sentence|turn]
                            [--codes REGEX] [--whole] [--format md|csv|xlsx|docx|html|tex] [-o PATH] [--force]
    codering -p P disagreements [CODER...] [--unit ...] [--codes REGEX] [--whole] [--all] [--format ...] [-o PATH]
    codering -p P resolve UNIT [CODE...] [--take CODER] [--none] [--as consensus]
    codering -p P merge OTHER_PROJECT [--rename-coder OLD=NEW] [--dry-run]

Coders may be given as arguments (``agreement A B``), as ``--coders A B`` or as
``--coders A,B``. Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codering.cli.common import console, default_coder

UNIT_CHOICE = click.Choice(["segment", "sentence", "turn"])
FORMAT_CHOICE = click.Choice(["md", "csv", "xlsx", "docx", "html", "tex"])


def _coder(value: str | None) -> str:
    return value or default_coder()


def _coders(option: tuple[str, ...], args: tuple[str, ...]) -> list[str] | None:
    """``--coders A B`` (click gives A to the option and B as an argument), ``--coders A,B`` or ``A B``."""
    names = [n.strip() for item in (*option, *args) for n in item.split(",") if n.strip()]
    return list(dict.fromkeys(names)) or None


def _emit(tables: list, fmt: str | None, output: str | None, force: bool, reaches: list | tuple = ()) -> None:
    """Tables to a file (-o), as text in a format on stdout (--format), or as a terminal table. ``reaches``: the
    notes of transcripts compared only in part; a CSV holds the cells only, so they go to stderr there (as
    ``export``'s notes do), one line each."""
    from codering.export import writers

    written_as = (fmt or (Path(output).suffix if output else "")).lower().lstrip(".")
    if written_as == "csv":
        for note in reaches:
            click.echo(f"note (not in the CSV): {note}", err=True)

    if writers.is_stdout(output):
        click.echo(writers.stdout_bytes(tables, fmt), nl=False)  # bytes: written as they are
    elif output:
        written = writers.write_tables(tables, Path(output), fmt, force)
        click.echo(f"Wrote {written}.")
    elif fmt in ("xlsx", "docx"):
        raise click.UsageError(f"--format {fmt} needs -o FILE")
    elif fmt:
        for data in writers.render(tables, fmt):
            click.echo(data.decode("utf-8-sig"), nl=False)
    else:
        for table in tables:
            console().print(writers.rich_table(table))


def _unit_options(func):
    for decorator in reversed([
        click.argument("coder_args", nargs=-1, metavar="[CODER]..."),
        click.option("--coders", "coder_opts", multiple=True, metavar="NAME",
                     help="Coders to compare (default: every coder but 'consensus' and those whose codings are "
                          "all resolutions); repeat or give A,B."),
        click.option("--unit", type=UNIT_CHOICE, default="segment", show_default=True,
                     help="Unit of analysis: the tool's segments (sentences) or whole speaker turns."),
        click.option("--codes", "pattern", metavar="REGEX",
                     help="Only codes whose id matches REGEX (e.g. '^stim\\.'); codings of subcodes count."),
        click.option("--with-interviewer", is_flag=True, help="Also count the interviewer's segments."),
        click.option("--whole", is_flag=True,
                     help="Compare whole transcripts (every coder finished them); by default only the part of "
                          "each that every coder worked through."),
    ]):
        func = decorator(func)
    return func


def _output_options(func):
    for decorator in reversed([
        click.option("--format", "fmt", type=FORMAT_CHOICE, help="Output format (default: a table here)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file."),
        click.option("--force", is_flag=True, help="Overwrite the output file if it exists."),
    ]):
        func = decorator(func)
    return func


# -- export qdpx -----------------------------------------------------------------------------------

@click.command("qdpx")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The .qdpx file (default: exports/<project>.qdpx, never overwriting).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_obj
def qdpx_export_command(state: Any, output: str | None, force: bool) -> None:
    """Export the whole project as a REFI-QDA archive (.qdpx) for NVivo, ATLAS.ti, MAXQDA, QualCoder, ...

    Carries coders, the codebook, case attributes, transcripts, codings and
    memos. Not carried: coding origins and suggestion decisions.
    """
    from codering.refi.qdpx import export_qdpx

    project = state.project()
    if output:
        path = Path(output)
    else:
        from codering.fileio import free_path
        from codering.paths import exports_dir

        path = free_path(exports_dir(project.path) / f"{project.path.stem}.qdpx")
    click.echo(export_qdpx(project, path, force=force).summary())


# -- agreement ---------------------------------------------------------------------------------------

@click.command("agreement")
@_unit_options
@_output_options
@click.pass_obj
def agreement_command(state: Any, coder_args: tuple[str, ...], coder_opts: tuple[str, ...], unit: str,
                      pattern: str | None, with_interviewer: bool, whole: bool, fmt: str | None,
                      output: str | None, force: bool) -> None:
    """Inter-coder agreement per code and overall: percent agreement, Cohen's kappa, Krippendorff's alpha.

    A coder applied code X to a unit when their codings of X (or of a code under
    it) cover at least half of the unit. Only transcripts every coder coded
    count, and of each only the part every coder worked through (up to the
    furthest of their codings, decisions and saved cursor; a note names each
    transcript cut short); --whole compares whole transcripts. See the table's
    notes for the exact unit of analysis.
    """
    from codering.collab.agreement import agreement

    report = agreement(state.project(), _coders(coder_opts, coder_args), unit, pattern, with_interviewer,
                       whole=whole)
    _emit(report.tables(), fmt, output, force, [r.note(report.language) for r in report.reaches])


# -- disagreements and resolve ------------------------------------------------------------------------

@click.command("disagreements")
@_unit_options
@click.option("--all", "show_all", is_flag=True, help="Also list disagreements already resolved.")
@click.option("--consensus", default="consensus", show_default=True, help="The coder that records resolutions.")
@_output_options
@click.pass_obj
def disagreements_command(state: Any, coder_args: tuple[str, ...], coder_opts: tuple[str, ...], unit: str,
                          pattern: str | None, with_interviewer: bool, whole: bool, show_all: bool,
                          consensus: str, fmt: str | None, output: str | None, force: bool) -> None:
    """List units where the coders differ, with every coder's codes, to discuss and resolve.

    Only in the part of each transcript every coder worked through, as `agreement`
    (--whole: whole transcripts).
    """
    from codering.collab.agreement import default_coders, disagreement_table, disagreements, unit_matrix

    project = state.project()
    coders = _coders(coder_opts, coder_args) or default_coders(project, consensus)
    matrix = unit_matrix(project, [c for c in coders if c != consensus], unit, with_interviewer, whole)
    items = disagreements(project, coders, unit, pattern, consensus, with_interviewer, show_all, matrix=matrix)
    language = project.codebook().language  # the notes are English for "en", Dutch for every other
    if not items and not output and not fmt:
        click.echo("No open disagreements." if not show_all else "No disagreements.")
        for reach in matrix.reaches:  # where they were looked for
            click.echo(f"note: {reach.note(language)}")
        return
    table = disagreement_table(items, [c for c in coders if c != consensus], language, matrix.reaches)
    _emit([table], fmt, output, force, [r.note(language) for r in matrix.reaches])


@click.command("resolve")
@click.argument("unit")
@click.argument("codes", nargs=-1)
@click.option("--take", metavar="CODER", help="Agree on this coder's codes for the unit.")
@click.option("--none", "none", is_flag=True, help="Agree that no code applies.")
@click.option("--as", "as_coder", default="consensus", show_default=True,
              help="Record the agreed codes as this coder (the originals stay as they are).")
@click.option("--coder", default=None, help="Who resolves (journal); default $CODERING_CODER or login name.")
@click.pass_obj
def resolve_command(state: Any, unit: str, codes: tuple[str, ...], take: str | None, none: bool, as_coder: str,
                    coder: str | None) -> None:
    """Resolve a disagreement: record the agreed CODES for UNIT (an id from `disagreements`)."""
    from codering.collab.agreement import CONSENSUS, coded_units, resolve

    project = state.project()
    found, chosen = resolve(project, unit, codes, coder=_coder(coder), as_coder=as_coder, take=take, none=none)
    what = ", ".join(chosen) if chosen else "no code"
    click.echo(f"Resolved unit {found.key} ({found.transcript} {found.start}-{found.end}): {what}, as '{as_coder}'.")
    coders = [c for c in project.coders() if c not in (CONSENSUS, as_coder)]
    given = {frozenset(coded_units(project, found.transcript, [found], c, rollup=False)[0]) for c in coders}
    if len(coders) > 1 and len(given) == 1:  # recorded all the same: maybe a typo in the unit's id
        (same,) = given
        click.echo(f"note: the coders did not disagree on unit {found.key} (each gave it "
                   f"{', '.join(sorted(same)) or 'no code'})", err=True)


# -- merge ------------------------------------------------------------------------------------------------

@click.command("merge")
@click.argument("other", metavar="OTHER_PROJECT", type=click.Path(dir_okay=False))
@click.option("--rename-coder", "renames", multiple=True, metavar="OLD=NEW",
              help="Record the other project's coder OLD as NEW here (repeatable).")
@click.option("--dry-run", is_flag=True, help="Report what would be merged; change nothing.")
@click.option("--coder", default=None, help="Who merges (journal); default $CODERING_CODER or login name.")
@click.pass_obj
def merge_command(state: Any, other: str, renames: tuple[str, ...], dry_run: bool, coder: str | None) -> None:
    """Bring another coder's codings of the same transcripts (matched by text) into this project.

    Never duplicates transcripts and never changes codings; merging twice adds
    nothing the second time. `codering undo` takes a merge back.
    """
    from codering.collab.merge import merge_project

    rename: dict[str, str] = {}
    for item in renames:
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise click.BadParameter(f"'{item}' is not OLD=NEW", param_hint="--rename-coder")
        rename[old.strip()] = new.strip()
    report = merge_project(state.project(), other, coder=_coder(coder), rename=rename, dry_run=dry_run)
    for line in report.lines():
        click.echo(line)


__all__ = ["agreement_command", "disagreements_command", "merge_command",
           "qdpx_export_command", "resolve_command"]
