"""The ``codering`` command: the root group, its command groups, and the one error handler.

Scripts rely on these forms: ``codering init PROJECT [--codebook FILE]`` and
``-p/--project PROJECT`` before every other command. Errors are one line on
stderr (tracebacks only with ``--debug``); exit codes: 0 ok, 1 error,
2 usage, 130 interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from codering.cli import codebook, coding, collab, export, project, suggest
from codering.cli.common import CONTEXT, State
from codering.errors import CoderingError
from codering.store import as_store_error


@click.group(context_settings=CONTEXT)
@click.option("-p", "--project", envvar="CODERING_PROJECT", metavar="PROJECT",
              help="The project file to work on, or postgresql://HOST[:PORT]/DB?project=NAME for a project on a "
                   "PostgreSQL server (or set CODERING_PROJECT).")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="codering")
@click.pass_context
def cli(ctx: click.Context, project: str | None, debug: bool) -> None:
    """codering: code interview transcripts against a codebook, offline.

    Start with `codering init study.codering`, then
    `codering -p study.codering import transcripts/`.
    """
    ctx.obj = State(project, debug)
    _seen["project"] = project
    ctx.call_on_close(ctx.obj.close)


export.export_group.add_command(collab.qdpx_export_command)
for _command in (
    project.init, project.import_cmd, project.transcripts, project.remove, project.stats, project.demo,
    project.push, project.pull,
    coding.code, coding.uncode, coding.memo, coding.memos, coding.undo, coding.redo, coding.codings, coding.search,
    codebook.codebook,
    export.export_group,
    collab.agreement_command, collab.disagreements_command, collab.resolve_command, collab.merge_command,
    suggest.suggest_command, suggest.evaluate_command, suggest.model_command, suggest.adapt_command,
):
    cli.add_command(_command)


_seen: dict[str, str | None] = {"project": None}  # the -p of this run, to name it in an error


MAX_PROBLEM_LINES = 10


def said_once(problems: list[str]) -> list[str]:
    """Problems as printed: the same problem on many lines of one file is one line naming the lines
    (a JSONL file for a transcript not yet imported gave one identical line per record), and at most
    ``MAX_PROBLEM_LINES`` lines in all."""
    import re

    groups: dict[tuple[str, str], list[str]] = {}
    for problem in problems:
        found = re.match(r"(?P<file>.+?):(?P<line>\d+): (?P<rest>.*)", problem, re.S)
        key = (found["file"], found["rest"]) if found else (problem, "")
        groups.setdefault(key, []).append(found["line"] if found else "")
    out = []
    for (where, rest), lines in groups.items():
        if not rest:
            out.append(where)
        elif len(lines) == 1:
            out.append(f"{where}:{lines[0]}: {rest}")
        else:
            shown = ", ".join(lines[:3]) + (", ..." if len(lines) > 3 else "")
            out.append(f"{where}: {len(lines)} lines ({shown}): {rest}")
    if len(out) > MAX_PROBLEM_LINES:
        out = out[:MAX_PROBLEM_LINES - 1] + [f"and {len(out) - MAX_PROBLEM_LINES + 1} more problems"]
    return out


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
    except click.UsageError as exc:  # one line, like every other error, and where to read more
        command = exc.ctx.command_path if exc.ctx is not None else "codering"
        message = " ".join(exc.format_message().split()).rstrip(".")
        message = message[:1].lower() + message[1:]  # "no such option ...", as the project's own errors read
        click.echo(f"codering: error: {message} (see '{command} --help')", err=True)
        sys.exit(exc.exit_code)
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
            for problem in said_once(problems):
                click.echo(f"codering: error: {problem}", err=True)
        else:
            click.echo(f"codering: error: {exc}", err=True)
        sys.exit(1)
    except OSError as exc:  # writing an export or a project: disk full, name too long, no permission
        if debug:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"codering: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - last resort: never a traceback without --debug
        if debug:
            raise
        stored = as_store_error(exc, _seen["project"] or "project")  # a read on a damaged or full project file
        if stored is not None:
            click.echo(f"codering: error: {stored}", err=True)
            sys.exit(1)
        click.echo(f"codering: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
