"""Project commands: init, import, transcripts, stats, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from codering.cli.common import State, codebook_file, console
from codering.errors import CoderingError, ConnectionLostError
from codering.wording import count

@click.command()
@click.argument("project_path", metavar="PROJECT", type=click.Path(dir_okay=False))
@click.option("--codebook", "codebook_path", type=click.Path(dir_okay=False),
              help="Codebook to use: a YAML or REFI-QDA .qdc file, or a shipped codebook by name "
                   "(samenwerking-zorg-welzijn, the default; randvoorwaarden-zorgnetwerken).")
def init(project_path: str, codebook_path: str | None) -> None:
    """Create a new project file with a codebook.

    PROJECT is a file (study.codering) or a project on a PostgreSQL server:
    postgresql://HOST[:PORT]/DB?project=NAME (the password from PGPASSWORD,
    ~/.pgpass or PGSERVICE, never in the address).
    """
    from codering.codebook import default_codebook_path
    from codering.refi import load_codebook_file as load_codebook
    from codering.store import Project

    notices: list[str] = []
    codebook = load_codebook(codebook_file(codebook_path) if codebook_path else default_codebook_path(), notices)
    with Project.create(project_path, codebook) as project:
        book = project.codebook()
    click.echo(f"Created {project_path} with codebook '{book.name}' ({count(len(book), 'code')}).")
    for notice in notices:
        click.echo(f"  note: {notice}")


@click.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--coder", default=None, help="Coder recorded for imported codings without one (default: 'import').")
@click.option("--positions", type=click.Choice(["auto", "codepoints", "utf16", "crlf1"]), default="auto",
              show_default=True, help="How a .qdpx counts character positions (auto: from the exporting tool).")
@click.option("--replace", is_flag=True, help="Let a transcript from another file of the same name replace the "
                                              "project's (its codings move to the same words, or are detached).")
@click.pass_obj
def import_cmd(state: State, files: tuple[str, ...], coder: str | None, positions: str, replace: bool) -> None:
    """Import transcripts, attribute CSVs and codings (JSONL) from FILES or folders.

    Transcripts: .txt, .md, .docx, .odt, .vtt, .srt. A .csv gives case
    attributes (one row per transcript, first column the transcript's name).
    A .jsonl gives codings in the gold format (transcript, start, end, codes).
    A .qdpx (REFI-QDA project from NVivo, ATLAS.ti, MAXQDA, QualCoder, ...)
    is imported whole, into a new project if -p names a file that does not
    exist yet; a .qdc adds its codes to the project's codebook.
    A file changed since its import brings the transcript up to date (codings
    move to the same words); another file of the same name is refused unless
    --replace. If any file is bad, nothing is imported.
    """
    exchange = [f for f in files if Path(f).suffix.lower() in (".qdpx", ".qdc")]
    if exchange:
        if len(exchange) != len(files):
            raise click.UsageError("import .qdpx/.qdc files on their own, not together with other files")
        _import_exchange(state, exchange, coder or "import", positions)
        return
    from codering.ingest.plan import plan_import

    project = state.project()
    from rich.progress import Progress

    err = console(stderr=True)
    with Progress(transient=True, console=err, disable=not err.is_terminal) as bar:  # no stray blank line in logs
        task = bar.add_task("Reading", total=None)
        plan = plan_import(files, progress=lambda name: bar.update(task, description=f"Reading {name}"))
        if plan.empty:
            raise CoderingError("nothing to import: no transcripts, attribute or codings files among the arguments")
        plan.replace = replace
        task = bar.add_task("Importing", total=len(plan.transcripts))
        at: list[str] = []  # the transcripts begun, in order

        def step(name: str) -> None:
            at.append(name)
            bar.update(task, advance=1, description=f"Importing {name}")

        try:
            reports = plan.apply(project, coder or "import", progress=step)
        except KeyboardInterrupt:
            bar.stop()
            where = f" at transcript {len(at)} of {len(plan.transcripts)} ({at[-1]})" if at else ""
            click.echo(f"codering: interrupted{where}; the transcripts before it are imported, each whole; the "
                       "same import again does the rest (attributes and codings come after the transcripts)",
                       err=True)
            sys.exit(130)
        except ConnectionLostError:
            bar.stop()
            where = f" at transcript {len(at)} of {len(plan.transcripts)} ({at[-1]})" if at else ""
            raise CoderingError(f"{project.path.where}: the connection to the server was lost during the import"
                                f"{where}; the transcripts before it are imported, each whole; the same import "
                                "again, once the server is back, does the rest (attributes and codings come after "
                                "the transcripts)", title=ConnectionLostError.title) from None
    for notice in plan.notices:
        click.echo(f"note: {notice}")
    for report in reports:
        click.echo(report.summary())
        for notice in report.notices:
            click.echo(f"  note: {notice}")
    if plan.attributes:
        changed = plan.attributes_changed
        click.echo(f"Attributes set for {count(plan.attributes_set, 'transcript')}"
                   + (f"; {count(len(changed), 'value')} replaced (not undoable):" if changed else "."))
        for line in changed:
            click.echo(f"  {line}")
    if plan.codings:
        click.echo(f"{count(plan.codings_added, 'coding')} imported from {count(len(plan.codings), 'span')}"
                   + (f" ({plan.codings_present} {'was' if plan.codings_present == 1 else 'were'} already there)."
                      if plan.codings_present else "."))


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


@click.command()
@click.option("--where", "filters", multiple=True, metavar="ATTR=VALUE",
              help="Only transcripts whose attribute has this value (repeatable).")
@click.pass_obj
def transcripts(state: State, filters: tuple[str, ...]) -> None:
    """List the project's transcripts with attributes, segments and coded share."""
    print_overview(state.project(), _parse_filters(filters))


@click.command()
@click.argument("names", nargs=-1, required=True, metavar="TRANSCRIPT...")
@click.option("--yes", is_flag=True, help="Also remove transcripts that carry codings or memos (not undoable).")
@click.pass_obj
def remove(state: State, names: tuple[str, ...], yes: bool) -> None:
    """Remove transcripts from the project, with their attributes, codings, memos and suggestions.

    This cannot be undone: a transcript that carries codings or memos is removed only with --yes
    (keep a copy first: `codering -p P export qdpx -o copy.qdpx`, or copy the project file)."""
    project = state.project()
    plan = []
    for name in dict.fromkeys(names):
        tid = project.transcript_id(name)  # one line naming the known ones when there is no such transcript
        codings = len(project.codings(tid, include_detached=True))
        memos = sum(1 for m in project.memos() if m.transcript_id == tid)
        plan.append((name, codings, memos))
    held = [f"'{name}' carries {count(codings, 'coding')} and {count(memos, 'memo')}"
            for name, codings, memos in plan if codings or memos]
    if held and not yes:
        raise CoderingError("; ".join(held) + "; removing cannot be undone: add --yes (keep a copy first: "
                            "export qdpx, or copy the project file)")
    for name, codings, memos in plan:
        project.remove_transcript(name)
        click.echo(f"Removed {name} with {count(codings, 'coding')} and {count(memos, 'memo')}.")


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
        known = {k for r in rows for k in r.attributes}
        unknown = [k for k in filters if k not in known]
        if unknown and rows:
            raise CoderingError(f"no transcript has the attribute '{unknown[0]}' (attributes: "
                                f"{', '.join(sorted(known)) or 'none'})")
        rows = [r for r in rows if all(r.attributes.get(k, "").casefold() == v.casefold() for k, v in filters.items())]
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row.attributes if k not in keys)
    first = [k for k in ("interview_id", "locatie", "actorgroep", "functie", "datum") if k in keys]
    shown = first + [k for k in keys if k not in first]  # every attribute: --where filters on any of them
    table = Table(title=f"{project.path.name}: {count(len(rows), 'transcript')}", title_justify="left")
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


@click.command()
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
    out.print(f"{count(figures['transcripts'], 'transcript')}, {count(figures['segments'], 'segment')}, "
              f"{count(figures['codings'], 'coding')}"
              f" by {count(len(figures['coders']), 'coder')}, {count(figures['memos'], 'memo')}, "
              f"{count(figures['decisions'], 'suggestion decision')} ({figures['accepted']} accepted)")
    if figures["detached_codings"]:
        out.print(f"[yellow]{count(figures['detached_codings'], 'detached coding')}[/yellow]: "
                  "their text is no longer in the "
                  "re-imported transcript; see `codering -p PROJECT codings --detached`")
    book = project.codebook()
    if figures["per_code"]:
        table = Table(title="Codings per code", title_justify="left")
        table.add_column("code")
        table.add_column("label")
        table.add_column("codings", justify="right")
        for code_id, n in sorted(figures["per_code"].items(), key=lambda kv: (-kv[1], kv[0])):
            label = book.path_label(code_id) if code_id in book else "?"
            table.add_row(code_id, label, str(n))
        out.print(table)


@click.command()
@click.option("--fresh", is_flag=True, help="Start the demo project again from scratch.")
@click.option("--samples", is_flag=True, help="Only print the folder of the sample transcripts (and their "
                                                 "attributes.csv), to import them into a project of your own.")
@click.pass_obj
def demo(state: State, fresh: bool, samples: bool) -> None:
    """Create (or open) the demo project from the sample transcripts and show it."""
    from codering.demo import ensure_demo_project

    if samples:
        from codering.paths import sample_transcripts_dir

        click.echo(str(sample_transcripts_dir()))
        return

    path, created = ensure_demo_project(state.project_path, fresh=fresh)
    state.project_path = str(path)
    project = state.project()
    verb = "Created" if created else "Opened"
    click.echo(f"{verb} the demo project at {path}")
    print_overview(project)
    print_stats(project, project.stats())
    click.echo(f"Next: codering -p {path} transcripts (or stats, code, export ...; see codering --help)")


@click.command()
@click.argument("source", metavar="FILE")
@click.argument("target", metavar="SERVER_PROJECT")
def push(source: str, target: str) -> None:
    """Copy the project FILE whole to a new project on a PostgreSQL server.

    SERVER_PROJECT: postgresql://HOST[:PORT]/DB?project=NAME. Everything is
    copied (transcripts, codebook, codings with coders, origins and times,
    decisions, memos, the undo journal, embeddings); FILE is left as it is.
    """
    _copy(source, target, "Pushed")


@click.command()
@click.argument("source", metavar="SERVER_PROJECT")
@click.argument("target", metavar="FILE")
def pull(source: str, target: str) -> None:
    """Copy a project on a PostgreSQL server whole into a new project FILE.

    SERVER_PROJECT: postgresql://HOST[:PORT]/DB?project=NAME; the server
    project is left as it is.
    """
    _copy(source, target, "Pulled")


def _copy(source: str, target: str, verb: str) -> None:
    from codering.store import Project
    from codering.store.transfer import copy_project

    with Project.open(source) as project:
        counts = copy_project(project, target)
    click.echo(f"{verb} {source} to {target}: {count(counts['transcripts'], 'transcript')}, "
               f"{count(counts['codings'], 'coding')}, {count(counts['decisions'], 'decision')}, "
               f"{count(counts['memos'], 'memo')}, {count(counts['journal'], 'journal entry', 'journal entries')}, "
               f"{count(counts['embeddings'], 'embedding')}.")
