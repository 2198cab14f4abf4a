"""``codering codebook ...``: validate, show, export and import codebooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from codering.cli.common import State, codebook_file, console, default_coder, short
from codering.errors import CoderingError
from codering.wording import count


_CODEBOOK_FORMATS = {"yaml": (".yaml", ".yml"), "qdc": (".qdc",), "taguette-csv": (".csv",)}


@click.group()
def codebook() -> None:
    """Check, show, import and export codebooks (YAML or REFI-QDA .qdc); merge, move and remove the project's codes."""


@codebook.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def codebook_validate(files: tuple[str, ...]) -> None:
    """Check codebook FILES; list every problem (FILE:LINE: what) and exit 1 if any."""
    from codering.codebook import CodebookError
    from codering.refi import load_codebook_file as load_codebook

    failed = 0
    for name in files:
        notices: list[str] = []
        try:
            book = load_codebook(codebook_file(name), notices)
        except CodebookError as exc:
            failed += 1
            for problem in exc.problems:
                click.echo(problem, err=True)
        else:
            click.echo(f"{name}: ok, {count(len(book), 'code')}")
            for notice in notices:  # what a .qdc loses on the way in
                click.echo(f"  note: {notice}")
    if failed:
        raise click.exceptions.Exit(1)


@codebook.command("show")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--descriptions", is_flag=True, help="Also print each code's description.")
@click.pass_obj
def codebook_show(state: State, file: str | None, descriptions: bool) -> None:
    """Show a codebook FILE as a tree (or the project's codebook with -p)."""
    from rich.tree import Tree

    from codering.codebook import default_codebook_path
    from codering.refi import load_codebook_file as load_codebook

    if file:
        book = load_codebook(codebook_file(file))
    elif state.project_path:
        book = state.project().codebook()
    else:
        book = load_codebook(default_codebook_path())
    tree = Tree(f"[bold]{book.name}[/bold] ({book.id}, {count(len(book), 'code')})")
    nodes: dict[str | None, Any] = {None: tree}
    for _, item in book.walk():
        label = f"{item.label} [dim]{item.id}[/dim]" + (f" [{item.key}]" if item.key else "")
        if descriptions and item.description:
            label += f"\n[dim]{short(item.description, 200)}[/dim]"
        nodes[item.id] = nodes[item.parent].add(label)
    console().print(tree)


@codebook.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(_CODEBOOK_FORMATS)), default=None,
              help="yaml, qdc (REFI-QDA) or taguette-csv (tag,description; Taguette reads codebooks only as CSV). "
                   "Default: from FILE's suffix (.qdc, .csv, else YAML).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@click.pass_obj
def codebook_export(state: State, file: str, fmt: str | None, force: bool) -> None:
    """Write the project's codebook (with any edits) to FILE: YAML, REFI-QDA .qdc or a Taguette CSV."""
    path = Path(file)
    by_suffix = next((f for f, suffixes in _CODEBOOK_FORMATS.items() if path.suffix.lower() in suffixes), None)
    if fmt and by_suffix and fmt != by_suffix:
        raise click.UsageError(f"{path.name} ends in {path.suffix}, which is not --format {fmt}; "
                               f"use a name ending in {_CODEBOOK_FORMATS[fmt][0]}")
    fmt = fmt or by_suffix or "yaml"
    if path.exists() and not force:
        raise CoderingError(f"{path}: exists; choose another name or add --force")
    project = state.project()
    if fmt == "qdc":
        from codering.refi import write_qdc

        write_qdc(project.codebook(), path, base=project.project_id, force=force)
    elif fmt == "taguette-csv":
        from codering.refi.taguette import write_taguette_csv

        click.echo(str(write_taguette_csv(project.codebook(), path, force=force)))
        return
    else:
        project.codebook().write_yaml(path)
    click.echo(f"Wrote {path}.")


def _parents_first(book, known) -> list:
    """``book``'s codes, each after its parent (which may be in the project already)."""
    order: list = []
    placed = set(known.codes)
    pending = list(book.codes.values())
    while pending:
        ready = [c for c in pending if c.parent is None or c.parent in placed]
        if not ready:  # a parent in neither: the codebook's own check reports it when the code is added
            ready = pending
        order += ready
        placed.update(c.id for c in ready)
        pending = [c for c in pending if c.id not in placed]
    return order


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
    from codering.refi import load_codebook_file as load_codebook

    from codering.errors import CodebookError

    book = load_codebook(codebook_file(file))
    known = project.codebook()
    for code_id, item in list(book.codes.items()):  # a dotted id under a code of the project goes under it,
        prefix = code_id.rpartition(".")[0]           # as the YAML rule has it within one file
        if item.parent is None and prefix and prefix in known:
            book.codes[code_id] = item.with_changes(parent=prefix)
    added = 0
    relabelled = [c.id for c in book.codes.values() if c.id in known and c.label != known.codes[c.id].label]
    with project.action(f"import codebook {Path(file).name}", coder):
        for item in _parents_first(book, known):
            if item.id not in known:
                project.update_code(item, coder)
                added += 1
        merged = project.codebook()
        clashes = merged.label_clashes()
        if clashes:  # raised inside the action: nothing is added
            problems = [f"{file}: code '{b}' would share the label '{merged.codes[b].label}' with '{a}' under the "
                        "same parent in the project; nothing was imported" for a, b in clashes]
            raise CodebookError(problems[0], problems=problems)
    click.echo(f"{added} new codes from {file}; {len(book) - added} already in the project.")
    if relabelled:
        click.echo(f"  note: {len(relabelled)} codes already in the project have another label in the file and "
                   f"keep the project's ({', '.join(relabelled[:5])}{', ...' if len(relabelled) > 5 else ''})")


# -- reorganising the project's codebook: merge, move, remove (each one undoable action) ----------------------
@codebook.command("merge")
@click.argument("source")
@click.argument("target")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def codebook_merge(state: State, source: str, target: str, coder: str) -> None:
    """Merge code SOURCE into TARGET: its codings, decisions and memos go to TARGET, its subcodes under it,
    and SOURCE is removed (undo takes it all back). Ids never change."""
    merged = state.project().merge_codes(source, target, coder)
    said = f"Merged {source} into {target}: {count(merged.codings, 'coding')} moved"
    if merged.duplicates:
        said += f", {count(merged.duplicates, 'coding')} dropped (the same coder had coded the span with {target})"
    if merged.decisions or merged.memos or merged.children:
        said += (f"; {count(merged.decisions, 'decision')}, {count(merged.memos, 'memo')} and "
                 f"{count(merged.children, 'subcode')} now on {target}")
    click.echo(said + ". `codering undo` takes it back.")


@codebook.command("move")
@click.argument("code")
@click.argument("new_parent")
@click.option("--after", "after", metavar="SIBLING", default=None,
              help="Put CODE right after this code under NEW_PARENT (default: after all of them).")
@click.option("--first", is_flag=True, help="Put CODE before every other code under NEW_PARENT.")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def codebook_move(state: State, code: str, new_parent: str, after: str | None, first: bool, coder: str) -> None:
    """Move CODE (with its subcodes) under NEW_PARENT ('-' for the top level), or to another place among its
    siblings (NEW_PARENT its own parent). Its id stays: codings and exports keep referring to it."""
    if first and after:
        raise click.UsageError("--first and --after SIBLING say two places; give one")
    parent = None if new_parent == "-" else new_parent
    project = state.project()
    if not project.move_code(code, parent, coder, after="" if first else after):
        click.echo(f"{code} is already there ({project.codebook().path_label(code)}); nothing changed.")
        return
    click.echo(f"Moved {code} under {parent or 'the top level'}: {project.codebook().path_label(code)}. "
               "`codering undo` takes it back.")


@codebook.command("remove")
@click.argument("code")
@click.option("--with-codings", is_flag=True,
              help="Also remove the codings, suggestion decisions and memos on CODE and its subcodes.")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def codebook_remove(state: State, code: str, with_codings: bool, coder: str) -> None:
    """Remove CODE and its subcodes from the project's codebook. Refused while they have codings or memos,
    unless --with-codings (undo brings everything back)."""
    project = state.project()
    project.writable_code(code)
    book = project.codebook()
    subtree = [code] + [c.id for c in book.descendants(code)]
    usage = project.code_usage(subtree)
    if (usage.codings or usage.memos) and not with_codings:
        what = f"{code} and its {count(len(subtree) - 1, 'subcode')}" if len(subtree) > 1 else code
        raise CoderingError(f"{what} {'have' if len(subtree) > 1 else 'has'} {usage.said()}; nothing was removed "
                            "(add --with-codings to remove them with it)")
    project.remove_code(code, coder, with_codings=with_codings)
    gone = f" and {count(len(subtree) - 1, 'subcode')}" if len(subtree) > 1 else ""
    took = f", with {usage.said()}" if usage.codings or usage.memos else ""
    click.echo(f"Removed {code}{gone}{took}. `codering undo` brings it back.")
