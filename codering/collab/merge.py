"""Merge another coder's project into this one: their codings of the same transcripts.

Transcripts are matched by their text (content hash), never by name, so a
transcript is never duplicated and codings always land on the same words.
Codings are only added, never changed or removed: one that is already here
(same span, code and coder) is skipped, which makes merging twice a no-op.
Codes the other project used but this codebook lacks are added with their
parents, except a code merged away here: its codings and memos go onto the
code it went into (a chain of merges to its end), and it is not made again;
memos on matched transcripts, on codes and on the project come along
(again only when not already here). Of a transcript whose text is exactly
the same there, what shows how far each merged coder got comes along too,
so agreement compares her unfinished work over the part she worked through
(:mod:`codering.collab.agreement`): her suggestion decisions, and her coding
screen's saved cursor and jumped-over sentences (settings
``tui.cursor.<coder>.<id>`` and ``tui.skipped.<coder>.<id>``), a setting
only where this project has none of that coder and transcript yet. Transcripts the other project has and
this one lacks are listed, not copied: import them first if they belong here.

Everything is one undoable action; ``dry_run`` reports without writing.
"""

from __future__ import annotations

import dataclasses
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codering.errors import MergeError
from codering.wording import count

if TYPE_CHECKING:
    from codering.codebook import Code
    from codering.store import CodeMerge, Coding, Memo, Project


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
    decisions_added: int = 0
    notices: list[str] = field(default_factory=list)
    landed: dict[str, int] = field(default_factory=dict)  # a code merged away here -> its codings added onto
    landed_memos: dict[str, int] = field(default_factory=dict)  # a code merged away here -> its memos added onto

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
        if self.decisions_added:
            text += f"; {count(self.decisions_added, 'suggestion decision')} added"
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


def _codes_to_add(project: "Project", other: "Project", used: set[str], report: MergeReport,
                  merges: dict[str, "CodeMerge"]) -> list["Code"]:
    """The other codebook's codes (with missing parents) that this codebook lacks, parents first. A code
    merged away here is not added again: a new subcode of it goes under the code it went into."""
    ours, theirs = project.codebook(), other.codebook()
    wanted: set[str] = set()
    for code_id in used - set(ours.codes):
        if code_id not in theirs:
            raise MergeError(f"the other project codes with '{code_id}', which is in neither codebook")
        for c in [code_id, *(a.id for a in theirs.ancestors(code_id))]:  # the code, then up its parents
            if c in ours or c in merges:  # from here up the codes are here (a merged one: the code it went into)
                break
            wanted.add(c)
    for code_id in sorted(used & set(ours.codes)):
        if code_id in theirs and theirs.codes[code_id].label != ours.codes[code_id].label:
            report.notices.append(f"code '{code_id}' is '{theirs.codes[code_id].label}' there and "
                                  f"'{ours.codes[code_id].label}' here; merged as the same code")
    return [c if c.parent not in merges else c.with_changes(parent=merges[c.parent].target)
            for _, c in theirs.walk() if c.id in wanted]


def merge_project(project: "Project", other_path: str | Path, *, coder: str,
                  rename: dict[str, str] | None = None, dry_run: bool = False) -> MergeReport:
    """Bring the codings (and memos) of ``other_path``'s matching transcripts into ``project``."""
    from codering.store import Project
    from codering.store.location import locate
    from codering.store.reanchor import same_interview

    other_path = locate(other_path)  # a file, or a project on a server
    if str(other_path.resolve()) == str(project.path.resolve()):
        raise MergeError(f"{other_path}: that is this project; name the other coder's project file")
    rename = rename or {}
    report = MergeReport(str(other_path), dry_run)
    if not dry_run:
        project.check_pages()  # nothing more into a file that is already damaged
    with Project.open(other_path) as other:
        ours = {t.content_hash: t for t in project.transcripts()}
        our_names = {t.name: t for t in ours.values()}
        pairs: list[tuple[int, int, str]] = []  # (our id, their id, our name)
        edited: dict[int, tuple[str, str]] = {}  # their id -> (their text, ours): the same interview, edited
        for t in other.transcripts():
            if t.content_hash in ours:
                pairs.append((ours[t.content_hash].id, t.id, ours[t.content_hash].name))
                report.matched.append(ours[t.content_hash].name)
            elif t.name in our_names and same_interview(other.content(t.id), project.content(t.name)):
                # one of the two re-imported the interview after an edit: its codings move to the same words
                pairs.append((our_names[t.name].id, t.id, t.name))
                report.matched.append(t.name)
                edited[t.id] = (other.content(t.id), project.content(t.name))
            else:
                report.unmatched.append(t.name)
                if t.name in our_names:
                    report.notices.append(f"'{t.name}' is another interview there (most of its text differs); "
                                          "its codings were not merged")
        codings = [(tid, name, c) for tid, their, name in pairs for c in other.codings(their)]
        detached = sum(1 for _, their, _ in pairs for c in other.codings(their, include_detached=True) if c.detached)
        if detached:
            report.notices.append(f"{count(detached, 'detached coding')} there (their words are gone from the text) "
                                   f"{'was' if detached == 1 else 'were'} not merged; "
                                   "`codering -p OTHER codings --detached` lists them")
        matched_ids = {their: (tid, name) for tid, their, name in pairs}
        memos = [m for m in other.memos() if m.transcript_id is None or m.transcript_id in matched_ids]
        if edited:
            codings, memos = _move_to_our_text(codings, memos, edited, matched_ids, report)
        if other.codebook().id != project.codebook().id:
            report.notices.append(f"the other project uses codebook '{other.codebook().id}', this one "
                                  f"'{project.codebook().id}'; codes are matched by id")
        merges = project.code_merges()  # a code merged away here: its codings and memos go where it went
        moved = {m.id: m.code_id for m in memos if m.code_id in merges}  # their memo -> the code merged away here
        memos = [m if m.code_id not in merges else dataclasses.replace(m, code_id=merges[m.code_id].target)
                 for m in memos]
        used = {_onto(c.code_id, merges) for *_, c in codings} | {m.code_id for m in memos if m.code_id}
        new_codes = _codes_to_add(project, other, used, report, merges)
        report.codes_added = [c.id for c in new_codes]
        book = {**project.codebook().codes, **{c.id: c for c in new_codes}}
        folders = {cid for cid in used if not book[cid].codable}
        with nullcontext() if dry_run else project.action(f"merge {other_path.name}", coder):
            if not dry_run:
                for code in new_codes:
                    project.update_code(code, coder)
            _merge_codings(project, codings, folders, rename, report, dry_run, coder, merges)
            _merge_memos(project, memos, matched_ids, rename, report, dry_run, moved)
            exact = [(tid, their) for tid, their, _ in pairs if their not in edited]
            _merge_work_marks(project, other, exact, codings, rename, report, dry_run, merges)
    report.notices += [merges[code_id].landed(report.landed.get(code_id, 0), memos=report.landed_memos.get(code_id, 0))
                       for code_id in dict.fromkeys([*report.landed, *report.landed_memos])]
    return report


def _onto(code_id: str, merges: dict[str, "CodeMerge"]) -> str:
    """The code here that a coding of the other project on ``code_id`` goes onto: the code it went into, if it
    was merged away here."""
    return merges[code_id].target if code_id in merges else code_id


def _move_to_our_text(codings: list[tuple[int, str, "Coding"]], memos: list["Memo"],
                      edited: dict[int, tuple[str, str]], matched: dict[int, tuple[int, str]],
                      report: MergeReport) -> tuple[list[tuple[int, str, "Coding"]], list["Memo"]]:
    """The other project's codings and passage memos of transcripts whose text differs from ours (one side
    re-imported an edited file) moved to the same words in our text, as a re-import moves them; those whose
    words are not in our text are left out and counted per transcript."""
    from codering.store.reanchor import reanchor

    moved_codings: list[tuple[int, str, "Coding"]] = []
    lost: dict[str, list[int]] = {}  # our name -> [codings left out, memos put on the transcript]
    for tid, name, c in codings:
        texts = edited.get(c.transcript_id)
        if texts is None:
            moved_codings.append((tid, name, c))
            continue
        lost.setdefault(name, [0, 0])
        ((_, _, where),) = reanchor(*texts, [(c.id, c.start, c.end)])
        if where is None:
            lost[name][0] += 1
        else:
            moved_codings.append((tid, name, dataclasses.replace(c, start=where[0], end=where[1])))
    moved_memos: list["Memo"] = []
    for m in memos:
        texts = edited.get(m.transcript_id) if m.transcript_id is not None else None
        if texts is not None and m.start is not None and m.end is not None:
            name = matched[m.transcript_id][1]
            lost.setdefault(name, [0, 0])
            ((_, _, where),) = reanchor(*texts, [(m.id, m.start, m.end)])
            if where is None:
                lost[name][1] += 1
                m = dataclasses.replace(m, kind="transcript", start=None, end=None)
            else:
                m = dataclasses.replace(m, start=where[0], end=where[1])
        moved_memos.append(m)
    for their_id, (their_text, _) in edited.items():
        name = matched[their_id][1]
        gone, memo_gone = lost.get(name, [0, 0])
        report.notices.append(
            f"'{name}' has an edited text there; its codings were moved to the same words in the text here"
            + (f"; {count(gone, 'coding')} whose words are not here left out" if gone else "")
            + (f"; {count(memo_gone, 'passage memo')} whose words are not here put on the transcript"
               if memo_gone else ""))
    return moved_codings, moved_memos


def _merge_codings(project: "Project", codings: list[tuple[int, str, "Coding"]], folders: set[str],
                   rename: dict[str, str], report: MergeReport, dry_run: bool, merger: str,
                   merges: dict[str, "CodeMerge"]) -> None:
    present: dict[int, set[tuple]] = {}
    ours_by: dict[int, set[str]] = {}
    shared: set[tuple[str, str]] = set()
    theirs: dict[int, set[tuple]] = {}
    for tid, _, c in codings:
        theirs.setdefault(tid, set()).add((c.start, c.end, _onto(c.code_id, merges), rename.get(c.coder, c.coder)))
    for tid, name, c in codings:
        if tid not in present:
            own = project.codings(tid)
            present[tid] = {(x.start, x.end, x.code_id, x.coder) for x in own}
            # coders here who may be someone else of that name: the one merging, or one with codings here
            # that the other project lacks (the same person's codings from an earlier merge of this file are
            # all there, so merging the colleague again is quiet)
            ours_by[tid] = {x.coder for x in own
                            if x.coder == merger or (x.start, x.end, x.code_id, x.coder) not in theirs[tid]}
        who = rename.get(c.coder, c.coder)
        code_id = _onto(c.code_id, merges)
        key = (c.start, c.end, code_id, who)
        if key in present[tid]:
            report.present += 1
            continue
        if code_id in folders:
            report.notices.append(f"{name} {c.start}-{c.end}: '{code_id}' is a folder here; coding left out")
            continue
        if who in ours_by[tid] and (name, who) not in shared:
            shared.add((name, who))
            report.notices.append(f"'{who}' also coded {name} here, codings the other project lacks (another coder "
                                  "of that name, or codings removed there since an earlier merge); they stay, and "
                                  "both sets now count as one coder (undo, then merge with --rename-coder "
                                  f"{who}=OTHER_NAME to keep them apart)")
        if not dry_run:
            project.add_coding(tid, c.start, c.end, code_id, who, origin=c.origin, created=c.created)
        present[tid].add(key)
        report.added[(name, who)] = report.added.get((name, who), 0) + 1
        if code_id != c.code_id:
            report.landed[c.code_id] = report.landed.get(c.code_id, 0) + 1


def _merge_memos(project: "Project", memos: list["Memo"], matched: dict[int, tuple[int, str]],
                 rename: dict[str, str], report: MergeReport, dry_run: bool, moved: dict[int, str]) -> None:
    """The memos not here yet; ``moved``: those (by their id there) whose code was merged away here, by that
    code (counted in the notice of where its work landed)."""
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
        if m.id in moved:
            report.landed_memos[moved[m.id]] = report.landed_memos.get(moved[m.id], 0) + 1


def _merge_work_marks(project: "Project", other: "Project", exact: list[tuple[int, int]],
                      codings: list[tuple[int, str, "Coding"]], rename: dict[str, str], report: MergeReport,
                      dry_run: bool, merges: dict[str, "CodeMerge"]) -> None:
    """Of the transcripts whose text is the same in both (our id, their id), what shows how far each coder
    whose codings are merged got there: their suggestion decisions (on the code it went into, for a code
    merged away here; one on a code this codebook lacks or has as a folder is left out) and their saved
    cursor and jumped-over sentences, each setting only where this project has none for that coder and
    transcript (its own coders' settings are never overwritten)."""
    from codering.store import skipped_setting

    coders: dict[int, set[str]] = {}
    for _, _, c in codings:
        coders.setdefault(c.transcript_id, set()).add(c.coder)
    book = project.codebook()
    for tid, their in exact:
        names = coders.get(their, set())
        if not names:
            continue
        here = {(d.start, d.end, d.code_id, d.coder, d.accepted) for d in project.decisions(transcript=tid)}
        for d in other.decisions(transcript=their):
            if d.coder not in names:
                continue
            who, code_id = rename.get(d.coder, d.coder), _onto(d.code_id, merges)
            key = (d.start, d.end, code_id, who, d.accepted)
            if key in here or code_id not in book or not book.codes[code_id].codable:
                continue
            if not dry_run:
                project.record_decision(tid, d.start, d.end, code_id, d.accepted, who, score=d.score,
                                        model_id=d.model_id, apply=False, created=d.created)
            here.add(key)
            report.decisions_added += 1
        if dry_run:
            continue
        theirs_at = [s.start for s in other.segments(their)]
        ours_at = {s.start: i for i, s in enumerate(project.segments(tid))}
        for name in sorted(names):
            who = rename.get(name, name)
            cursor = other.setting(f"tui.cursor.{name}.{their}")
            if (cursor or "").isdigit() and project.setting(f"tui.cursor.{who}.{tid}") is None:
                at = theirs_at[min(int(cursor), len(theirs_at) - 1)] if theirs_at else None
                if at in ours_at:  # the same sentence here (segmented alike): the cursor's index here
                    project.set_setting(f"tui.cursor.{who}.{tid}", str(ours_at[at]))
            skipped = other.setting(skipped_setting(name, their))
            if skipped and project.setting(skipped_setting(who, tid)) is None:
                project.set_setting(skipped_setting(who, tid), skipped)  # character offsets: the text is the same
