"""Merge another coder's project into this one: their codings of the same transcripts.

Transcripts are matched by their text (content hash), never by name, so a
transcript is never duplicated and codings always land on the same words.
Codings are only added, never changed or removed: one that is already here
(same span, code and coder) is skipped, which makes merging twice a no-op.
Codes the other project used but this codebook lacks are added with their
parents; memos on matched transcripts, on codes and on the project come along
(again only when not already here). Transcripts the other project has and
this one lacks are listed, not copied: import them first if they belong here.

Everything is one undoable action; ``dry_run`` reports without writing.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codering.errors import MergeError
from codering.wording import count

if TYPE_CHECKING:
    from codering.codebook import Code
    from codering.store import Coding, Memo, Project


@dataclass
class MergeReport:
    other: str
    dry_run: bool = False
    matched: list[str] = field(default_factory=list)  # transcripts found in both
    unmatched: list[str] = field(default_factory=list)  # the other project's transcripts not here
    added: dict[tuple[str, str], int] = field(default_factory=dict)  # (transcript, coder) -> codings added
    present: int = 0  # codings already here
    codes_added: list[str] = field(default_factory=list)
    memos_added: int = 0
    notices: list[str] = field(default_factory=list)

    @property
    def codings_added(self) -> int:
        return sum(self.added.values())

    def summary(self) -> str:
        verb = "Would merge" if self.dry_run else "Merged"
        coders = sorted({coder for _, coder in self.added})
        text = (f"{verb} {self.other}: {count(self.codings_added, 'coding')} added"
                + (f" (by {', '.join(coders)})" if coders else "")
                + f", {self.present} already here; {count(len(self.matched), 'transcript')} matched by text")
        if self.codes_added:
            text += f"; {count(len(self.codes_added), 'code')} added to the codebook"
        if self.memos_added:
            text += f"; {count(self.memos_added, 'memo')} added"
        return text + "."

    def lines(self) -> list[str]:
        """The summary, then one line per transcript and coder, then notices."""
        out = [self.summary()]
        out += [f"  {name}: {count(n, 'coding')} by {coder}" for (name, coder), n in sorted(self.added.items())]
        if self.unmatched:
            out.append(f"  not in this project (by text), not merged: {', '.join(self.unmatched)}")
        out += [f"  note: {n}" for n in self.notices]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _codes_to_add(project: "Project", other: "Project", used: set[str], report: MergeReport) -> list["Code"]:
    """The other codebook's codes (with missing parents) that this codebook lacks, parents first."""
    ours, theirs = project.codebook(), other.codebook()
    wanted: set[str] = set()
    for code_id in used - set(ours.codes):
        if code_id not in theirs:
            raise MergeError(f"the other project codes with '{code_id}', which is in neither codebook")
        wanted |= {c for c in theirs.counts_for(code_id) if c not in ours}
    for code_id in sorted(used & set(ours.codes)):
        if code_id in theirs and theirs.codes[code_id].label != ours.codes[code_id].label:
            report.notices.append(f"code '{code_id}' is '{theirs.codes[code_id].label}' there and "
                                  f"'{ours.codes[code_id].label}' here; merged as the same code")
    return [c for _, c in theirs.walk() if c.id in wanted]


def merge_project(project: "Project", other_path: str | Path, *, coder: str,
                  rename: dict[str, str] | None = None, dry_run: bool = False) -> MergeReport:
    """Bring the codings (and memos) of ``other_path``'s matching transcripts into ``project``."""
    from codering.store import Project
    from codering.store.location import locate

    other_path = locate(other_path)  # a file, or a project on a server
    if str(other_path.resolve()) == str(project.path.resolve()):
        raise MergeError(f"{other_path}: that is this project; name the other coder's project file")
    rename = rename or {}
    report = MergeReport(str(other_path), dry_run)
    if not dry_run:
        project.check_pages()  # nothing more into a file that is already damaged
    with Project.open(other_path) as other:
        ours = {t.content_hash: t for t in project.transcripts()}
        our_names = {t.name for t in ours.values()}
        pairs: list[tuple[int, int, str]] = []  # (our id, their id, our name)
        for t in other.transcripts():
            if t.content_hash in ours:
                pairs.append((ours[t.content_hash].id, t.id, ours[t.content_hash].name))
                report.matched.append(ours[t.content_hash].name)
            else:
                report.unmatched.append(t.name)
                if t.name in our_names:
                    report.notices.append(f"'{t.name}' has a different text there; its codings were not merged")
        codings = [(tid, name, c) for tid, their, name in pairs for c in other.codings(their)]
        detached = sum(1 for _, their, _ in pairs for c in other.codings(their, include_detached=True) if c.detached)
        if detached:
            report.notices.append(f"{count(detached, 'detached coding')} there (their words are gone from the text) "
                                   f"{'was' if detached == 1 else 'were'} not merged; "
                                   "`codering -p OTHER codings --detached` lists them")
        matched_ids = {their: (tid, name) for tid, their, name in pairs}
        memos = [m for m in other.memos() if m.transcript_id is None or m.transcript_id in matched_ids]
        used = {c.code_id for *_, c in codings} | {m.code_id for m in memos if m.code_id}
        new_codes = _codes_to_add(project, other, used, report)
        report.codes_added = [c.id for c in new_codes]
        book = {**project.codebook().codes, **{c.id: c for c in new_codes}}
        folders = {cid for cid in used if not book[cid].codable}
        with nullcontext() if dry_run else project.action(f"merge {other_path.name}", coder):
            if not dry_run:
                for code in new_codes:
                    project.update_code(code, coder)
            _merge_codings(project, codings, folders, rename, report, dry_run)
            _merge_memos(project, memos, matched_ids, rename, report, dry_run)
    return report


def _merge_codings(project: "Project", codings: list[tuple[int, str, "Coding"]], folders: set[str],
                   rename: dict[str, str], report: MergeReport, dry_run: bool) -> None:
    present: dict[int, set[tuple]] = {}
    ours_by: dict[int, set[str]] = {}
    shared: set[tuple[str, str]] = set()
    for tid, name, c in codings:
        if tid not in present:
            own = project.codings(tid)
            present[tid] = {(x.start, x.end, x.code_id, x.coder) for x in own}
            ours_by[tid] = {x.coder for x in own}
        who = rename.get(c.coder, c.coder)
        key = (c.start, c.end, c.code_id, who)
        if key in present[tid]:
            report.present += 1
            continue
        if c.code_id in folders:
            report.notices.append(f"{name} {c.start}-{c.end}: '{c.code_id}' is a folder here; coding left out")
            continue
        if who in ours_by[tid] and (name, who) not in shared:
            shared.add((name, who))
            report.notices.append(f"'{who}' also coded {name} here; both sets of codings now count as one coder"
                                  f" (merge with --rename-coder {who}=OTHER_NAME to keep them apart)")
        if not dry_run:
            project.add_coding(tid, c.start, c.end, c.code_id, who, origin=c.origin, created=c.created)
        present[tid].add(key)
        report.added[(name, who)] = report.added.get((name, who), 0) + 1


def _merge_memos(project: "Project", memos: list["Memo"], matched: dict[int, tuple[int, str]],
                 rename: dict[str, str], report: MergeReport, dry_run: bool) -> None:
    here = {(m.kind, m.transcript_id, m.start, m.end, m.code_id, m.text, m.coder) for m in project.memos()}
    for m in memos:
        tid = matched[m.transcript_id][0] if m.transcript_id is not None else None
        who = rename.get(m.coder, m.coder)
        key = (m.kind, tid, m.start, m.end, m.code_id, m.text, who)
        if key in here:
            continue
        if not dry_run:
            project.add_memo(m.text, who, transcript=tid, start=m.start, end=m.end, code_id=m.code_id)
        here.add(key)
        report.memos_added += 1
