"""The ``codering`` command line.

Scripts rely on these forms: ``codering init PROJECT [--codebook FILE]`` and
``-p/--project PROJECT`` before every other command. Errors are one line on
stderr (tracebacks only with ``--debug``); exit codes: 0 ok, 1 error,
2 usage, 130 interrupted.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from codering.errors import CoderingError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def default_coder() -> str:
    """The coder's name: ``$CODERING_CODER``, else the login name."""
    name = os.environ.get("CODERING_CODER")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "coder"


class State:
    def __init__(self, project: str | None, debug: bool) -> None:
        self.project_path = project
        self.debug = debug
        self._project = None

    def project(self):
        from codering.store import Project

        if self._project is None:
            if not self.project_path:
                raise click.UsageError("no project given: use -p PROJECT (or set CODERING_PROJECT)")
            self._project = Project.open(self.project_path)
        return self._project

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


def console():
    from rich.console import Console

    # piped output (scripts, tests) gets a wide table instead of rich's 80-column default
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


def err_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@click.group(context_settings=CONTEXT)
@click.option("-p", "--project", envvar="CODERING_PROJECT", metavar="PROJECT",
              help="The project file to work on (or set CODERING_PROJECT).")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="codering")
@click.pass_context
def cli(ctx: click.Context, project: str | None, debug: bool) -> None:
    """codering: code interview transcripts against a codebook, offline.

    Start with `codering init study.codering`, then
    `codering -p study.codering import transcripts/`.
    """
    ctx.obj = State(project, debug)
    ctx.call_on_close(ctx.obj.close)


# -- project -----------------------------------------------------------------------

@cli.command()
@click.argument("project_path", metavar="PROJECT", type=click.Path(dir_okay=False))
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="YAML codebook to use (default: the shipped samenwerking-zorg-welzijn codebook).")
def init(project_path: str, codebook_path: str | None) -> None:
    """Create a new project file with a codebook."""
    from codering.codebook import default_codebook_path, load_codebook
    from codering.store import Project

    codebook = load_codebook(codebook_path or default_codebook_path())
    with Project.create(project_path, codebook) as project:
        book = project.codebook()
    click.echo(f"Created {project_path} with codebook '{book.name}' ({len(book)} codes).")


@cli.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--coder", default=None, help="Coder recorded for imported codings without one (default: 'import').")
@click.option("--positions", type=click.Choice(["auto", "codepoints", "utf16", "crlf1"]), default="auto",
              show_default=True, help="How a .qdpx counts character positions (auto: from the exporting tool).")
@click.pass_obj
def import_cmd(state: State, files: tuple[str, ...], coder: str | None, positions: str) -> None:
    """Import transcripts, attribute CSVs and codings (JSONL) from FILES or folders.

    Transcripts: .txt, .md, .docx, .odt, .vtt, .srt. A .csv gives case
    attributes (one row per transcript, first column the transcript's name).
    A .jsonl gives codings in the gold format (transcript, start, end, codes).
    A .qdpx (REFI-QDA project from NVivo, ATLAS.ti, MAXQDA, QualCoder, ...)
    is imported whole, into a new project if -p names a file that does not
    exist yet; a .qdc adds its codes to the project's codebook.
    If any file is bad, nothing is imported.
    """
    exchange = [f for f in files if Path(f).suffix.lower() in (".qdpx", ".qdc")]
    if exchange:
        if len(exchange) != len(files):
            raise click.UsageError("import .qdpx/.qdc files on their own, not together with other files")
        _import_exchange(state, exchange, coder or "import", positions)
        return
    from codering.importer import plan_import

    project = state.project()
    from rich.progress import Progress

    with Progress(transient=True, console=err_console()) as bar:
        task = bar.add_task("Reading", total=None)
        plan = plan_import(files, progress=lambda name: bar.update(task, description=f"Reading {name}"))
        if plan.empty:
            raise CoderingError("nothing to import: no transcripts, attribute or codings files among the arguments")
        task = bar.add_task("Importing", total=len(plan.transcripts))
        reports = plan.apply(project, coder or "import",
                             progress=lambda name: bar.update(task, advance=1, description=f"Importing {name}"))
    for report in reports:
        click.echo(report.summary())
        for notice in report.notices:
            click.echo(f"  note: {notice}")
    if plan.attributes:
        click.echo(f"Attributes set for {len(plan.attributes)} transcripts.")
    if plan.codings:
        applied = sum(len(rec.codes) for rec in plan.codings)
        click.echo(f"{applied} codings imported from {len(plan.codings)} spans.")


def _import_exchange(state: State, files: list[str], coder: str, positions: str) -> None:
    from codering.refi import import_codebook, import_qdpx

    if not state.project_path:
        raise click.UsageError("no project given: use -p PROJECT (a new file is created for a .qdpx)")
    for name in files:
        if name.lower().endswith(".qdpx"):
            target = state.project() if Path(state.project_path).exists() else state.project_path
            click.echo(str(import_qdpx(name, target, coder=coder, positions=positions)))
        else:
            click.echo(str(import_codebook(state.project(), name, coder)))


@cli.command()
@click.option("--where", "filters", multiple=True, metavar="ATTR=VALUE",
              help="Only transcripts whose attribute has this value (repeatable).")
@click.pass_obj
def transcripts(state: State, filters: tuple[str, ...]) -> None:
    """List the project's transcripts with attributes, segments and coded share."""
    print_overview(state.project(), _parse_filters(filters))


def _parse_filters(filters: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in filters:
        if "=" not in item:
            raise click.BadParameter(f"'{item}' is not ATTR=VALUE", param_hint="--where")
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def print_overview(project, filters: dict[str, str] | None = None) -> None:
    from rich.table import Table

    rows = project.transcripts()
    if filters:
        rows = [r for r in rows if all(r.attributes.get(k, "").casefold() == v.casefold() for k, v in filters.items())]
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row.attributes if k not in keys)
    shown = [k for k in ("interview_id", "locatie", "actorgroep", "functie", "datum") if k in keys] or keys[:4]
    table = Table(title=f"{project.path.name}: {len(rows)} transcripts", title_justify="left")
    table.add_column("transcript", no_wrap=True)
    for key in shown:
        table.add_column(key)
    table.add_column("segments", justify="right")
    table.add_column("codings", justify="right")
    table.add_column("coded", justify="right")
    for row in rows:
        table.add_row(row.name, *(row.attributes.get(k, "") for k in shown), str(row.segments),
                      str(row.codings), f"{row.coded_share:.0%}")
    console().print(table)


# -- coding ------------------------------------------------------------------------

@cli.command()
@click.argument("transcript")
@click.argument("start", type=int)
@click.argument("end", type=int)
@click.argument("codes", nargs=-1, required=True)
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def code(state: State, transcript: str, start: int, end: int, codes: tuple[str, ...], coder: str) -> None:
    """Apply CODES to the text START-END (character offsets) of TRANSCRIPT."""
    project = state.project()
    with project.action(f"code {', '.join(codes)} on {transcript} {start}-{end}", coder):
        ids = [project.add_coding(transcript, start, end, c, coder) for c in codes]
    text = project.content(transcript)[start:end]
    click.echo(f"Coded {_short(text)!r} with {', '.join(codes)} (coding {', '.join(map(str, ids))}).")


@cli.command()
@click.argument("transcript")
@click.argument("start", type=int)
@click.argument("end", type=int)
@click.argument("codes", nargs=-1)
@click.option("--coder", default=None, help="Only remove this coder's codings.")
@click.pass_obj
def uncode(state: State, transcript: str, start: int, end: int, codes: tuple[str, ...], coder: str | None) -> None:
    """Remove codings that overlap START-END of TRANSCRIPT (only CODES, if given)."""
    project = state.project()
    found = [c for c in project.codings(transcript, coder=coder)
             if c.start < end and c.end > start and (not codes or c.code_id in codes)]
    if not found:
        raise CoderingError(f"no codings overlap {start}-{end} in '{transcript}'" + (f" with {', '.join(codes)}" if codes else ""))
    with project.action(f"remove {len(found)} codings from {transcript} {start}-{end}", coder or default_coder()):
        for coding in found:
            project.remove_coding(coding.id)
    click.echo(f"Removed {len(found)} coding{'s' if len(found) != 1 else ''}: "
               + ", ".join(f"{c.code_id} {c.start}-{c.end}" for c in found))


@cli.command()
@click.argument("text")
@click.option("--transcript", help="Attach the memo to this transcript.")
@click.option("--span", nargs=2, type=int, metavar="START END", help="Attach to this span of the transcript.")
@click.option("--code", "code_id", help="Attach the memo to this code.")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def memo(state: State, text: str, transcript: str | None, span: tuple[int, int] | None, code_id: str | None,
         coder: str) -> None:
    """Write a memo on the project, a transcript, a span or a code."""
    if span and not transcript:
        raise click.UsageError("--span needs --transcript")
    start, end = span if span else (None, None)
    memo_id = state.project().add_memo(text, coder, transcript=transcript, start=start, end=end, code_id=code_id)
    click.echo(f"Memo {memo_id} saved.")


@cli.command()
@click.pass_obj
def undo(state: State) -> None:
    """Take back the latest action (works across sessions)."""
    done = state.project().undo()
    click.echo(f"Undone: {done}" if done else "Nothing to undo.")


@cli.command()
@click.pass_obj
def redo(state: State) -> None:
    """Do again the action most recently undone."""
    done = state.project().redo()
    click.echo(f"Redone: {done}" if done else "Nothing to redo.")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
def stats(state: State, as_json: bool) -> None:
    """Figures about the project: transcripts, segments, codings per code, coders."""
    project = state.project()
    figures = project.stats()
    if as_json:
        import json

        click.echo(json.dumps(figures, indent=2, ensure_ascii=False))
        return
    print_stats(project, figures)


def print_stats(project, figures: dict[str, Any]) -> None:
    from rich.table import Table

    out = console()
    out.print(f"[bold]{project.path}[/bold] (schema {figures['schema_version']})")
    out.print(f"{figures['transcripts']} transcripts, {figures['segments']} segments, {figures['codings']} codings"
              f" by {len(figures['coders'])} coder(s), {figures['memos']} memos, "
              f"{figures['decisions']} suggestion decisions ({figures['accepted']} accepted)")
    if figures["detached_codings"]:
        out.print(f"[yellow]{figures['detached_codings']} detached codings[/yellow]: their text is no longer in the "
                  "re-imported transcript; see `codering -p PROJECT codings --detached`")
    book = project.codebook()
    if figures["per_code"]:
        table = Table(title="Codings per code", title_justify="left")
        table.add_column("code")
        table.add_column("label")
        table.add_column("codings", justify="right")
        for code_id, count in sorted(figures["per_code"].items(), key=lambda kv: (-kv[1], kv[0])):
            label = book.path_label(code_id) if code_id in book else "?"
            table.add_row(code_id, label, str(count))
        out.print(table)


@cli.command()
@click.option("--transcript", help="Only this transcript.")
@click.option("--coder", help="Only this coder.")
@click.option("--code", "code_id", help="Only this code.")
@click.option("--detached", is_flag=True, help="Only codings whose text is gone after a re-import.")
@click.pass_obj
def codings(state: State, transcript: str | None, coder: str | None, code_id: str | None, detached: bool) -> None:
    """List codings with their text."""
    from rich.table import Table

    project = state.project()
    rows = project.codings(transcript, coder=coder, code_id=code_id, include_detached=detached)
    if detached:
        rows = [r for r in rows if r.detached]
    table = Table(title=f"{len(rows)} codings", title_justify="left")
    for col in ("id", "transcript", "span", "code", "coder", "origin", "text"):
        table.add_column(col)
    names = {t.id: t.name for t in project.transcripts()}
    for r in rows:
        table.add_row(str(r.id), names.get(r.transcript_id, "?"), f"{r.start}-{r.end}", r.code_id, r.coder,
                      r.origin, _short(r.text, 60))
    console().print(table)


# -- codebooks -----------------------------------------------------------------------

@cli.group()
def codebook() -> None:
    """Check, show, import and export codebooks (YAML or REFI-QDA .qdc)."""


@codebook.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def codebook_validate(files: tuple[str, ...]) -> None:
    """Check codebook FILES; list every problem (FILE:LINE: what) and exit 1 if any."""
    from codering.codebook import CodebookError, load_codebook

    failed = 0
    for name in files:
        try:
            book = load_codebook(name)
        except CodebookError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(problem, err=True)
        else:
            click.echo(f"{name}: ok, {len(book)} codes")
    if failed:
        raise click.exceptions.Exit(1)


@codebook.command("show")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--descriptions", is_flag=True, help="Also print each code's description.")
@click.pass_obj
def codebook_show(state: State, file: str | None, descriptions: bool) -> None:
    """Show a codebook FILE as a tree (or the project's codebook with -p)."""
    from rich.tree import Tree

    from codering.codebook import default_codebook_path, load_codebook

    if file:
        book = load_codebook(file)
    elif state.project_path:
        book = state.project().codebook()
    else:
        book = load_codebook(default_codebook_path())
    tree = Tree(f"[bold]{book.name}[/bold] ({book.id}, {len(book)} codes)")
    nodes: dict[str | None, Any] = {None: tree}
    for _, item in book.walk():
        label = f"{item.label} [dim]{item.id}[/dim]" + (f" [{item.key}]" if item.key else "")
        if descriptions and item.description:
            label += f"\n[dim]{_short(item.description, 200)}[/dim]"
        nodes[item.id] = nodes[item.parent].add(label)
    console().print(tree)


@codebook.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def codebook_export(state: State, file: str, force: bool) -> None:
    """Write the project's codebook (with any edits) to FILE: YAML, or REFI-QDA if FILE ends in .qdc."""
    path = Path(file)
    if path.exists() and not force:
        raise CoderingError(f"{path}: exists; choose another name or add --force")
    project = state.project()
    if path.suffix.lower() == ".qdc":
        from codering.refi import write_qdc

        write_qdc(project.codebook(), path, base=project.project_id, force=force)
    else:
        project.codebook().write_yaml(path)
    click.echo(f"Wrote {path}.")


@codebook.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def codebook_import(state: State, file: str, coder: str) -> None:
    """Add the codes of a REFI-QDA codebook FILE (.qdc) or a YAML codebook to the project's codebook."""
    project = state.project()
    if file.lower().endswith(".qdc"):
        from codering.refi import import_codebook

        click.echo(str(import_codebook(project, file, coder)))
        return
    from codering.codebook import load_codebook

    book = load_codebook(file)
    known = project.codebook()
    added = 0
    with project.action(f"import codebook {Path(file).name}", coder):
        for _, item in book.walk():
            if item.id not in known:
                project.update_code(item, coder)
                added += 1
    click.echo(f"{added} new codes from {file}; {len(book) - added} already in the project.")


# -- demo ----------------------------------------------------------------------------

@cli.command()
@click.option("--fresh", is_flag=True, help="Start the demo project again from scratch.")
@click.pass_obj
def demo(state: State, fresh: bool) -> None:
    """Create (or open) the demo project from the sample transcripts and show it."""
    from codering.demo import ensure_demo_project

    path, created = ensure_demo_project(state.project_path, fresh=fresh)
    state.project_path = str(path)
    project = state.project()
    verb = "Created" if created else "Opened"
    click.echo(f"{verb} the demo project at {path}")
    print_overview(project)
    print_stats(project, project.stats())
    click.echo(f"Next: codering -p {path} transcripts | stats | code ... (see codering --help)")


def _register_feature_commands() -> None:
    """Commands that live beside their feature (each module keeps heavy imports lazy)."""
    from codering.collab_cli import (agreement_command, disagreements_command, merge_command,
                                     qdpx_export_command, resolve_command)
    from codering.export.cli import export_group
    from codering.suggest.cli import adapt_command, evaluate_command, model_command, suggest_command

    export_group.add_command(qdpx_export_command)
    for command in (export_group, agreement_command, disagreements_command, resolve_command, merge_command,
                    suggest_command, evaluate_command, model_command, adapt_command):
        cli.add_command(command)


_register_feature_commands()


def _short(text: str, width: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning errors into one line on stderr."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        code = cli.main(args=argv, prog_name="codering", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("codering: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("codering: interrupted; everything done so far is saved", err=True)
        sys.exit(130)
    except CoderingError as exc:
        if debug:
            raise
        problems = getattr(exc, "problems", None)
        if problems and len(problems) > 1:
            for problem in problems:
                click.echo(f"codering: error: {problem}", err=True)
        else:
            click.echo(f"codering: error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - last resort: never a traceback without --debug
        if debug:
            raise
        click.echo(f"codering: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
