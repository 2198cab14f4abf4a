"""Import a REFI-QDA project archive (``.qdpx``) into a new or an existing project.

Two phases, so bad input imports nothing: :func:`read_qdpx`
(:mod:`codering.refi.qde_reader`) reads and checks the whole archive; then
:func:`import_qdpx` writes everything in one transaction (one undoable action).
A source whose text is already in the project is matched by its content and
never duplicated, and so is a source of this project's own export whose
transcript has changed since (its codings and memos move to the same words
in the project's text); codings and memos already there are not added again, so
importing the same archive twice changes nothing the second time. Codes are
matched to the project's codebook (codering's id line, GUID, or label under
the same parent); the others get ids derived from their names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codering.errors import RefiError
from codering.refi.common import (
    BOOK_FIELDS,
    build_codebook,
    codebook_meta,
    ensure_codable,
    fold_merged,
    guid,
    merge_codebook,
)
from codering.refi.qde_reader import QdpxPlan, read_qdpx
from codering.wording import count

if TYPE_CHECKING:
    from codering.store import CodeMerge

__all__ = ["QdpxImport", "import_qdpx", "read_qdpx"]


@dataclass
class QdpxImport:
    path: str
    project_path: str
    created: bool
    transcripts_added: list[str] = field(default_factory=list)
    transcripts_matched: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_total: int = 0
    codings_added: int = 0
    codings_present: int = 0
    memos_added: int = 0
    coders: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    added_by_code: dict[str, int] = field(default_factory=dict)  # a code's GUID in the file -> its codings added

    def summary(self) -> str:
        verb = "Created" if self.created else "Imported into"
        added = count(len(self.transcripts_added), "transcript")
        parts = [f"{verb} {self.project_path} from {self.path}: {added} added"]
        if self.transcripts_matched:
            parts.append(f"{len(self.transcripts_matched)} already in the project")
        parts.append(f"{self.codes_added} of {self.codes_total} codes new")
        parts.append(f"{count(self.codings_added, 'coding')} added" + (
            f" ({self.codings_present} {'was' if self.codings_present == 1 else 'were'} already there)"
            if self.codings_present else ""))
        parts.append(f"{count(self.memos_added, 'memo')}")
        parts.append(f"coders: {', '.join(self.coders) or 'none'}")
        return "; ".join(parts) + "."

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  note: {n}" for n in self.notices)])


def import_qdpx(path: str | Path, target, *, coder: str = "import", positions: str = "auto") -> QdpxImport:
    """Import a QDPX archive into ``target``: an open ``Project``, or a project file, created if it does
    not exist.

    All or nothing: the archive is read and checked first, then written in one
    transaction (one undoable action); a project created here is removed again if
    writing fails. ``coder``: the one who imports, also recorded for codings and
    memos that name no user. ``positions``: how the file counts characters
    (``auto`` from its origin, ``codepoints``, ``utf16``, ``crlf1``).
    """
    from codering.store import Project
    from codering.store.location import locate

    plan = read_qdpx(path, positions=positions, default_coder=coder)
    if not (plan.sources or plan.codes or plan.memos):  # as `import` says of a folder with nothing in it
        why = "; ".join(plan.notices) or "it holds no text sources, codes or memos"
        raise RefiError(f"nothing to import from {path}: {why}")
    own = not isinstance(target, Project)
    project_path = locate(target) if own else target.path  # a file, or a project on a server
    created = own and not Project.exists(project_path)
    report = QdpxImport(str(path), str(project_path), created, notices=list(plan.notices), coders=plan.coders)
    meta = ({f: plan.book.get(f, "") for f in BOOK_FIELDS} if plan.book  # as codering wrote it
            else codebook_meta(Path(plan.name), plan.origin))
    coded = {c.code for s in plan.sources for c in s.codings}
    sent: dict[str, CodeMerge] = {}  # the GUID of a code merged away in the project -> that merge
    if created:
        book, ids = build_codebook(plan.codes, plan.sets, meta, report.notices)
        ensure_codable(book, (ids[g] for g in coded), None, report.notices)
        project = Project.create(project_path, book)
        report.codes_added = len(book)
    else:
        project = Project.open(project_path) if own else target
    try:
        if not created:
            current = project.codebook()
            book, ids = build_codebook(plan.codes, plan.sets, meta, report.notices, current, project.project_id)
            merges = project.code_merges()
            sent = {g: merges[cid] for g, cid in ids.items() if cid in merges}
            fold_merged(book, ids, current, merges)
            ensure_codable(book, (ids[g] for g in coded), current, report.notices, str(path))
        report.codes_total = len(book)
        with project.action(f"import {Path(path).name}", project.coder or coder):  # undo: the importer's
            if not created:
                report.codes_added, _ = merge_codebook(project, book, coder, False, report.notices)
            names = _write_sources(project, plan, ids, report)
            _write_memos(project, plan, names, ids, report)
        for merge in {m.source: m for m in sent.values()}.values():  # each code merged away the file uses
            n = sum(report.added_by_code.get(g, 0) for g, m in sent.items() if m.source == merge.source)
            if n:
                report.notices.append(merge.landed(n))
    except BaseException:
        if own:
            project.close()
        if created:
            Project.remove(project_path)
        raise
    if own:
        project.close()
    return report


def _write_memos(project, plan: QdpxPlan, names: dict[str, str], ids: dict[str, str], report: QdpxImport) -> None:
    """Add the plan's memos that the project does not hold yet."""
    existing = {(m.kind, m.transcript_id, m.start, m.end, m.code_id, m.text) for m in project.memos()}
    for memo in plan.memos:
        transcript = names.get(memo.source) if memo.source else None
        tid = project.transcript_id(transcript) if transcript else None
        start, end = memo.span or (None, None)
        code_id = ids.get(memo.code) if memo.code else None
        kind = "code" if code_id else "segment" if memo.span else "transcript" if tid else "project"
        if (kind, tid, start, end, code_id, memo.text) in existing:
            continue
        project.add_memo(memo.text, memo.coder, transcript=transcript, start=start, end=end, code_id=code_id,
                         created=memo.created)
        existing.add((kind, tid, start, end, code_id, memo.text))
        report.memos_added += 1


def _same_interview(old: str, new: str) -> bool:
    from codering.store.reanchor import same_interview

    return same_interview(old, new)


def _move_to_current_text(project, plan: QdpxPlan, source, name: str, report: QdpxImport) -> None:
    """The archive holds an earlier text of the project's transcript ``name`` (the source has the GUID
    this project's export gives it): its codings and memos move to the same words in the project's text,
    as a re-imported transcript's do; those whose words are gone are left out and counted."""
    from codering.store.reanchor import reanchor

    old, new = source.parsed.content, project.content(name)
    memos = [i for i, m in enumerate(plan.memos) if m.source == source.guid and m.span]
    spans = [(("coding", i), c.start, c.end) for i, c in enumerate(source.codings)]
    spans += [(("memo", i), *plan.memos[i].span) for i in memos]
    moved = {key: where for key, _, where in reanchor(old, new, spans)}
    source.codings[:] = [c._replace(start=moved[("coding", i)][0], end=moved[("coding", i)][1])
                         for i, c in enumerate(source.codings) if moved[("coding", i)] is not None]
    for i in memos:
        plan.memos[i] = dataclasses.replace(plan.memos[i], span=moved[("memo", i)])
    lost_codings = sum(1 for (kind, _), where in moved.items() if kind == "coding" and where is None)
    lost_memos = sum(1 for (kind, _), where in moved.items() if kind == "memo" and where is None)
    report.notices.append(
        f"'{name}': its text has changed since this archive was exported; the archive's codings and memos were "
        "moved to the same words in the project's text"
        + (f"; {count(lost_codings, 'coding')} whose words are gone left out" if lost_codings else "")
        + (f"; {count(lost_memos, 'passage memo')} whose words are gone kept on the transcript" if lost_memos
           else ""))


def _write_sources(project, plan: QdpxPlan, ids: dict[str, str], report: QdpxImport) -> dict[str, str]:
    """Import or match every source, then its attributes and codings; return source guid -> transcript name."""
    infos = project.transcripts()
    by_hash = {t.content_hash: t.name for t in infos}
    taken = {t.name for t in infos}
    own = {guid(project.project_id, "source", t.name): t.name for t in infos}  # what its exports call them
    from_file: dict[str, str] = {}  # content hash -> the name of the file's first source with that text
    names: dict[str, str] = {}
    for source in plan.sources:
        parsed = source.parsed
        twin = parsed.content_hash in from_file
        if twin:
            name = from_file[parsed.content_hash]
            report.notices.append(f"source '{source.name}' has the same text as '{name}' in the file; "
                                  "its codings and memos go to that one")
        elif parsed.content_hash in by_hash:
            name = by_hash[parsed.content_hash]
            report.transcripts_matched.append(name)
        elif source.guid in own and _same_interview(parsed.content, project.content(own[source.guid])):
            name = own[source.guid]  # this project's own export, and the transcript's text was edited since
            _move_to_current_text(project, plan, source, name, report)
            report.transcripts_matched.append(name)
        else:
            name, n = parsed.name, 1
            while name in taken:
                n += 1
                name = f"{parsed.name}-{n}"
            if name != parsed.name:
                report.notices.append(f"source '{parsed.name}' imported as '{name}' (the name was taken)")
                parsed = dataclasses.replace(parsed, name=name)
            project.import_transcript(parsed, source_path=f"{plan.path}#{source.name}")
            report.transcripts_added.append(name)
            taken.add(name)
            by_hash[parsed.content_hash] = name
        from_file.setdefault(parsed.content_hash, name)
        names[source.guid] = name
        attributes = {} if twin else source.attributes  # a twin's go with the first source's
        if attributes and name in report.transcripts_matched:  # the project's values win over the file's
            old = project.attributes(name)
            kept = [k for k, v in attributes.items() if k in old and old[k] != v]
            if kept:
                report.notices.append(f"'{name}': kept the project's {', '.join(f'{k} {old[k]!r}' for k in kept)} "
                                      f"(the file says {', '.join(repr(attributes[k]) for k in kept)})")
            attributes = {k: v for k, v in attributes.items() if k not in old}
        if attributes:
            project.set_attributes(name, attributes)
        present = {(c.start, c.end, c.code_id, c.coder) for c in project.codings(name)}
        for coding in source.codings:
            key = (coding.start, coding.end, ids[coding.code], coding.coder)
            if key in present:
                report.codings_present += 1
                continue
            project.add_coding(name, *key, origin="import", created=coding.created)
            present.add(key)
            report.codings_added += 1
            report.added_by_code[coding.code] = report.added_by_code.get(coding.code, 0) + 1
    return names
