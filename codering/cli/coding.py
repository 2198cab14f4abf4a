"""Coding from the command line: code, uncode, memo, memos, undo, redo, codings."""

from __future__ import annotations

import re

import click

from codering.cli.common import State, console, default_coder, queried_code, short
from codering.coding.textsearch import MAX_HITS
from codering.errors import CoderingError
from codering.wording import count


@click.command()
@click.argument("transcript")
@click.argument("start", type=int)
@click.argument("end", type=int)
@click.argument("codes", nargs=-1, required=True)
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def code(state: State, transcript: str, start: int, end: int, codes: tuple[str, ...], coder: str) -> None:
    """Apply CODES to the text START-END (character offsets) of TRANSCRIPT."""
    project = state.project()
    for code_id in codes:  # one merged away is refused naming the code it went into, before anything is written
        project.writable_code(code_id)
    _check_spoken(project, transcript, start, end)
    with project.action(f"code {', '.join(codes)} on {transcript} {start}-{end}", coder):
        ids = [project.add_coding(transcript, start, end, c, coder) for c in codes]
    text = project.content(transcript)[start:end]
    click.echo(f"Coded {short(text)!r} with {', '.join(codes)} (coding {', '.join(map(str, ids))}).")


def _check_spoken(project, transcript: str, start: int, end: int) -> None:
    """A span typed by hand must start in what was said: in a turn's text, not in the header block
    (``interview_id: ...``) or a turn's timestamp and speaker label, which would count as a mention of
    the code in Tabel 5/6 and the cross-tabulations."""
    turns = project.turns(transcript)
    if not turns or not 0 <= start < end:
        return  # no turns (a collection of segments), or an empty span: the store says what is wrong
    for _idx, t_start, t_end, body_start, *_ in turns:
        if body_start <= start < t_end:
            return
        if t_start <= start < body_start:
            raise CoderingError(f"{start}-{end} starts in the speaker label of a turn of '{transcript}' "
                                f"({t_start}-{body_start}); its text starts at {body_start}")
    raise CoderingError(f"{start}-{end} starts outside what was said in '{transcript}' (in its header or "
                        "between turns); start the span in a turn's text")


@click.command()
@click.argument("transcript")
@click.argument("start", type=int)
@click.argument("end", type=int)
@click.argument("codes", nargs=-1)
@click.option("--coder", default=None,
              help="Remove this coder's codings (default: yours, $CODERING_CODER or the login name).")
@click.option("--all-coders", is_flag=True, help="Remove every coder's codings that overlap (a colleague's "
              "included; the undo is yours).")
@click.pass_obj
def uncode(state: State, transcript: str, start: int, end: int, codes: tuple[str, ...], coder: str | None,
           all_coders: bool) -> None:
    """Remove codings that overlap START-END of TRANSCRIPT (only CODES, if given).

    Only your own codings unless --coder names another coder or --all-coders is given: in a team a
    colleague's codings are not taken away by accident (their undo could not bring them back)."""
    if coder and all_coders:
        raise click.UsageError("--coder and --all-coders exclude each other")
    project = state.project()
    for code_id in codes:  # its codings are on another code now: refused, naming it
        project.refuse_merged(code_id)
    whose = None if all_coders else (coder or default_coder())
    overlapping = [c for c in project.codings(transcript)
                   if c.start < end and c.end > start and (not codes or c.code_id in codes)]
    found = [c for c in overlapping if whose is None or c.coder == whose]
    if not found:
        where = f"{start}-{end} in '{transcript}'" + (f" with {', '.join(codes)}" if codes else "")
        others = sorted({c.coder for c in overlapping})
        if others:
            raise CoderingError(f"no codings of {whose} overlap {where}; {', '.join(others)} coded there "
                                "(--coder NAME or --all-coders removes theirs)")
        raise CoderingError(f"no codings overlap {where}")
    # journaled as the person removing (--coder only picks whose codings), so their undo takes it back
    description = f"remove {count(len(found), 'coding')} from {transcript} {start}-{end}"
    with project.action(description, default_coder()):
        for coding in found:
            project.remove_coding(coding.id)
    click.echo(f"Removed {len(found)} coding{'s' if len(found) != 1 else ''}: "
               + ", ".join(f"{c.code_id} {c.start}-{c.end}" + (f" ({c.coder})" if c.coder != default_coder() else "")
                           for c in found))


@click.command()
@click.argument("text", required=False)
@click.option("--transcript", help="Attach the memo to this transcript.")
@click.option("--span", nargs=2, type=int, metavar="START END", help="Attach to this span of the transcript.")
@click.option("--code", "code_id", help="Attach the memo to this code.")
@click.option("--edit", "edit_id", type=int, metavar="ID", help="Replace the text of memo ID with TEXT.")
@click.option("--remove", "remove_id", type=int, metavar="ID", help="Delete memo ID (undo brings it back).")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def memo(state: State, text: str | None, transcript: str | None, span: tuple[int, int] | None,
         code_id: str | None, edit_id: int | None, remove_id: int | None, coder: str) -> None:
    """Write a memo on the project, a transcript, a span or a code; or edit or delete one by its id
    (`codering memos` lists them with their ids). Every change is undone by `codering undo`."""
    placed = transcript is not None or span is not None or code_id is not None
    if edit_id is not None and remove_id is not None:
        raise click.UsageError("--edit and --remove do not go together")
    if (edit_id is not None or remove_id is not None) and placed:
        raise click.UsageError("a memo keeps its place: --edit and --remove take no --transcript, --span or --code")
    if remove_id is not None:
        if text is not None:
            raise click.UsageError("--remove takes no TEXT")
        project = state.project()
        gone = project.memo(remove_id)
        project.remove_memo(remove_id, coder)
        click.echo(f"Memo {remove_id} deleted ({short(gone.text, 60)!r}); `codering undo` brings it back.")
        return
    if text is None:
        raise click.UsageError("missing argument TEXT")
    if edit_id is not None:
        if not state.project().edit_memo(edit_id, text, coder):
            click.echo(f"Memo {edit_id} already says this; nothing changed.")
            return
        click.echo(f"Memo {edit_id} edited.")
        return
    if span and not transcript:
        raise click.UsageError("--span needs --transcript")
    start, end = span if span else (None, None)
    memo_id = state.project().add_memo(text, coder, transcript=transcript, start=start, end=end, code_id=code_id)
    click.echo(f"Memo {memo_id} saved.")


@click.command()
@click.option("--transcript", help="Only memos on this transcript (on the whole of it or on a span).")
@click.option("--code", "code_id", help="Only memos on this code.")
@click.option("--coder", help="Only this coder's memos.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv", "md"]), default="table", show_default=True,
              help="tsv: tab-separated lines with the whole texts, for scripts and spreadsheets; md: a Markdown "
                   "document to read, the memos grouped by project, code and transcript, each span memo under "
                   "the words it is on.")
@click.pass_obj
def memos(state: State, transcript: str | None, code_id: str | None, coder: str | None, fmt: str) -> None:
    """List memos: id, kind (project, transcript, span, code), where, coder, date and text."""
    from codering.export.tables import memo_document, memo_places

    project = state.project()
    if code_id is not None:  # an unknown code: one line naming it, not an empty list
        code_id = queried_code(project, code_id)
    places = memo_places(project, project.memos(transcript, code_id=code_id, coder=coder))
    if fmt == "md":
        if not places:
            raise CoderingError("no memos" + _filtered(transcript, code_id, coder))
        click.echo(memo_document(project, places), nl=False)
        return
    columns = ("id", "kind", "transcript", "on", "coder", "date", "text")
    if fmt == "tsv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, dialect="excel-tab", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows((p.memo.id, p.kind, p.transcript, " ".join((p.quote or p.code).split()), p.memo.coder,
                          p.memo.created[:10], " ".join(p.memo.text.split())) for p in places)
        return
    from rich.table import Table
    from rich.text import Text

    # as Text: a memo's (or a transcript's) "[/b]" or "[lacht]" is what was typed, not Rich markup
    table = Table(title=Text(count(len(places), "memo") + _filtered(transcript, code_id, coder)),
                  title_justify="left")
    for col in ("id", "kind", "where", "coder", "date", "text"):
        table.add_column(col)
    for p in places:
        table.add_row(str(p.memo.id), p.kind, Text(p.where(40)), Text(p.memo.coder), p.memo.created[:10],
                      Text(short(p.memo.text, 80)))
    console().print(table)


def _filtered(transcript: str | None, code_id: str | None, coder: str | None) -> str:
    said = [f"on {transcript}" if transcript else "", f"on {code_id}" if code_id else "",
            f"by {coder}" if coder else ""]
    return "".join(f" {s}" for s in said if s)


@click.command()
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def undo(state: State, coder: str) -> None:
    """Take back CODER's latest action (works across sessions; other coders' work is never undone).

    A row that another action changed since is left as it is; the output names it."""
    from codering.store import changed_nothing

    done = state.project().undo(coder)
    verb = "Not undone" if changed_nothing(done) else "Undone"
    click.echo(f"{verb}: {done}" if done else f"Nothing to undo for {coder}.")
    if done and re.match(r"import .+\.qdpx(?: \(|$)", done, re.I):
        click.echo("  note: the transcripts it added stay (adding a transcript is not undone); "
                   "`codering -p PROJECT remove TRANSCRIPT` takes one out")


@click.command()
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name")
@click.pass_obj
def redo(state: State, coder: str) -> None:
    """Do again the action CODER undid most recently."""
    from codering.store import changed_nothing

    done = state.project().redo(coder)
    verb = "Not redone" if changed_nothing(done) else "Redone"
    click.echo(f"{verb}: {done}" if done else f"Nothing to redo for {coder}.")


#: Above this many rows the table says how to list them faster: rich lays out a table at about 0.5 ms a
#: row (20,581 codings: 10.8 s as a table, 0.4 s as TSV; measured 2026-12-06).
LONG_TABLE = 2000


@click.command()
@click.option("--transcript", help="Only this transcript.")
@click.option("--coder", help="Only this coder.")
@click.option("--code", "code_id", help="Only this code.")
@click.option("--detached", is_flag=True, help="Only codings whose text is gone after a re-import.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True,
              help="tsv: tab-separated lines with a header and the whole text, for scripts and spreadsheets "
                   "(fast on large projects).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many codings.")
@click.pass_obj
def codings(state: State, transcript: str | None, coder: str | None, code_id: str | None, detached: bool,
            fmt: str, limit: int | None) -> None:
    """List codings with their text."""
    project = state.project()
    if code_id is not None:  # an unknown code: one line naming it, not an empty table
        code_id = queried_code(project, code_id)
    rows = project.codings(transcript, coder=coder, code_id=code_id, include_detached=detached)
    if detached:
        rows = [r for r in rows if r.detached]
    total = len(rows)
    rows = rows[:limit] if limit is not None else rows
    names = {t.id: t.name for t in project.transcripts()}
    columns = ("id", "transcript", "start", "end", "code", "coder", "origin", "text")
    if fmt == "tsv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, dialect="excel-tab", lineterminator="\n")
        writer.writerow(columns)
        writer.writerows((r.id, names.get(r.transcript_id, "?"), r.start, r.end, r.code_id, r.coder, r.origin,
                          " ".join(r.text.split())) for r in rows)
    else:
        from rich.table import Table
        from rich.text import Text

        title = count(total, "coding") + (f", the first {len(rows)} shown" if len(rows) < total else "")
        table = Table(title=title, title_justify="left")
        for col in ("id", "transcript", "span", "code", "coder", "origin", "text"):
            table.add_column(col)
        for r in rows:
            table.add_row(str(r.id), Text(names.get(r.transcript_id, "?")), f"{r.start}-{r.end}", r.code_id,
                          Text(r.coder), r.origin, Text(short(r.text, 60)))  # "[lacht]" in a transcript is text
        if len(rows) > LONG_TABLE:
            console(stderr=True).print(f"{count(len(rows), 'coding')} in a table take a while; "
                                       "--format tsv lists them at once, --limit N shows the first N")
        console().print(table)


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@click.option("--transcript", "transcripts", multiple=True, metavar="T",
              help="Only this transcript (repeatable).")
@click.option("--where", "filters", multiple=True, metavar="ATTR=VALUE",
              help="Only transcripts whose attribute has this value (repeatable).")
@click.option("--code", "code_id", help="Only sentences with this code (or one of its child codes) on them.")
@click.option("--uncoded", is_flag=True, help="Only sentences without any code on them.")
@click.option("--with-interviewer", is_flag=True, help="Search the interviewer's sentences too.")
@click.option("--format", "fmt", type=click.Choice(["table", "tsv"]), default="table", show_default=True,
              help="tsv: tab-separated lines with a header and the whole sentence, matches between « and ».")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Show at most this many sentences.")
@click.option("--code-as", "code_as", metavar="CODE",
              help="Code every sentence found with CODE (one action; `codering undo` takes it all back).")
@click.option("--coder", default=default_coder, show_default="$CODERING_CODER or login name",
              help="Whose codings --code-as makes.")
@click.option("--dry-run", is_flag=True, help="With --code-as: list the sentences it would code; code nothing.")
@click.option("--yes", is_flag=True, help=f"With --code-as: code more than {MAX_HITS} sentences.")
@click.pass_obj
def search(state: State, query: tuple[str, ...], transcripts: tuple[str, ...], filters: tuple[str, ...],
           code_id: str | None, uncoded: bool, with_interviewer: bool, fmt: str, limit: int | None,
           code_as: str | None, coder: str, dry_run: bool, yes: bool) -> None:
    """Find words in the respondents' sentences, as keyword-in-context lines; with --code-as, code them.

    Every word of QUERY must occur in the sentence, as a whole word; case and diacritics are ignored
    (coordinatie finds coördinatie). A * stands for any letters (wachtlijst*), and quotes keep a phrase
    together ("zorg op maat"; quote it for the shell too: '"zorg op maat"').

    --code-as CODE codes every sentence found (after --where, --code, --uncoded; --limit does not apply)
    with CODE, as the coder's codings of origin "search", in one undoable action. A sentence where the
    coder already has CODE (or a code under it) is left alone and counted."""
    from codering.cli.project import _parse_filters
    from codering.coding.textsearch import code_labels, search_project

    if code_id is not None and uncoded:
        raise click.UsageError("--code and --uncoded exclude each other")
    if (dry_run or yes) and code_as is None:
        raise click.UsageError("--dry-run and --yes go with --code-as")
    project = state.project()
    if code_id is not None:
        code_id = queried_code(project, code_id)
    if code_as is not None:
        from codering.coding.textsearch import codable_code

        codable_code(project, code_as)  # an unknown or a folder code: refused before the search
    hits = search_project(project, " ".join(query), transcripts=transcripts, where=_parse_filters(filters),
                          code=code_id, uncoded=uncoded, with_interviewer=with_interviewer)
    if code_as is not None:
        _code_hits(project, hits, code_as, coder, " ".join(query), dry_run, yes)
        return
    total = len(hits)
    hits = hits[:limit] if limit is not None else hits
    if fmt == "tsv":
        import csv
        import sys

        writer = csv.writer(sys.stdout, dialect="excel-tab", lineterminator="\n")
        writer.writerow(("transcript", "segment", "start", "end", "speaker", "sentence", "codes"))
        writer.writerows((h.transcript, h.index + 1, h.start, h.end, h.speaker, " ".join(h.marked().split()),
                          " ".join(h.codes)) for h in hits)
        return
    from rich.table import Table
    from rich.text import Text

    book = project.codebook()
    title = count(total, "sentence") + (f", the first {len(hits)} shown" if len(hits) < total else "")
    table = Table(title=Text(f"{' '.join(query)}: {title}"), title_justify="left")  # the query as typed
    table.add_column("transcript", no_wrap=True)
    table.add_column("seg.", justify="right")
    table.add_column("sentence")
    table.add_column("codes")
    for h in hits:
        left, match, right = h.context()
        line = Text(" ".join(left.split()) + (" " if left.endswith(" ") else ""))
        line.append(match, style="bold reverse")
        # later matches in the right-hand context are marked too
        rest = Text(right)
        offset = h.marks[0][1] if h.marks else 0
        for a, b in h.marks[1:]:
            if a - offset < len(right) - 1:
                rest.stylize("bold reverse", a - offset, min(b - offset, len(right)))
        line.append_text(rest)
        table.add_row(Text(h.transcript), str(h.index + 1), line, Text(code_labels(book, h.codes)))
    console().print(table)


def _code_hits(project, hits, code_id: str, coder: str, query: str, dry_run: bool, yes: bool) -> None:
    """``search --code-as``: code the hits (or, ``dry_run``, list what would be coded), one line said."""
    from codering.coding.textsearch import code_hits, plan_hit_coding

    todo = plan_hit_coding(project, hits, code_id, coder)
    if len(todo.todo) > MAX_HITS and not (yes or dry_run):
        raise CoderingError(f"{count(len(todo.todo), 'sentence')} to code with {code_id} (more than {MAX_HITS}): "
                            "narrow the search (--where, --code, --uncoded), or add --yes to code them all")
    had = f" ({len(todo.already)} already had it)" if todo.already else ""
    where = f"{count(len(todo.todo), 'sentence')} in {count(todo.transcripts, 'transcript')}"
    if dry_run:
        for h in todo.todo:
            click.echo(f"{h.transcript}\t{h.index + 1}\t{h.start}-{h.end}\t{' '.join(h.marked().split())}")
        click.echo(f"Would code {where} with {todo.label}{had}; nothing was coded (--dry-run).")
        return
    if not todo.todo:
        click.echo(f"Nothing to code with {todo.label}: "
                   + (f"all {count(len(todo.already), 'sentence')} found already had it." if todo.already
                      else "no sentence found."))
        return
    code_hits(project, todo, coder, query)
    click.echo(f"Coded {where} with {todo.label}{had}. `codering undo` takes it back.")
