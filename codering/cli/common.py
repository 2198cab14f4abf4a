"""What every command group shares: the coder's name, the lazily opened project, the console."""

from __future__ import annotations

import sys

import click

from codering.coding.session import default_coder
from codering.wording import short

__all__ = ["CONTEXT", "State", "codebook_file", "console", "default_coder", "queried_code", "short"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def codebook_file(name: str) -> str:
    """A codebook argument as a file: the file itself when it exists, else a codebook codering ships, by
    its file name with or without ``.yaml`` (``randvoorwaarden-zorgnetwerken``), which an installed
    codering keeps in its package; a name that is neither stays as given, for the loader's error."""
    from pathlib import Path

    from codering.paths import codebook_dirs

    if Path(name).exists() or "/" in name or "\\" in name:
        return name
    for folder in codebook_dirs():
        for candidate in (name, f"{name}.yaml"):
            shipped = folder / candidate
            if shipped.is_file():
                return str(shipped)
    return name


def queried_code(project, code_id: str, known: bool = True) -> str:
    """The code a query (a read) names: a code merged away answers for the code its work is on now, said in
    one line on stderr; an unknown id is the codebook's one-line error (``known=False``: returned as it is,
    for the caller's own error)."""
    merge = project.merged_code(code_id)
    if merge is not None:
        click.echo(f"{merge.said()}; showing {merge.target}", err=True)
        return merge.target
    if known:
        project.codebook().get(code_id)
    return code_id


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
            self._project = Project.open(self.project_path, default_coder())  # undo/redo: this coder's
        return self._project

    def close(self) -> None:
        if self._project is not None:
            self._project.close()


def console(*, stderr: bool = False, follow_terminal: bool = False):
    """The one rich console of the command line.

    Tables on stdout: piped output (scripts, tests) gets a wide table instead of
    rich's 80-column default. ``follow_terminal``: the width of the terminal
    (or ``$COLUMNS``) also when piped, for output meant to be read as printed
    (export tables, evaluation reports). ``stderr``: progress bars and notices.
    """
    from rich.console import Console

    if stderr:
        return Console(stderr=True, highlight=False)
    if follow_terminal:
        return Console(highlight=False)
    return Console(highlight=False, width=None if sys.stdout.isatty() else 200)


