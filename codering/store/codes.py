"""The project's copy of the codebook: read (cached), written whole, codes edited one at a time, and
reorganised while coding: merged, moved and removed, each one undoable action.

Code ids never change: a move changes a code's parent and place only, a merge
puts the source's work on the target's id. Codings, exports, the evaluation
data and the suggestion engine's training rows refer to codes by id.

A merge is remembered: the journal's entry for it ("merge code A into B",
with the deletion of A's row among its changes) is the record, so an undone
merge is forgotten and its redo remembers it again, without a table of its
own. :meth:`CodebookTables.code_merges` reads them back: a query naming A
answers for B, a change naming A is refused, and an import of A's codings
puts them on B.
"""

from __future__ import annotations

import json
import re
from typing import Iterable

from codering.codebook import Code, Codebook, contract_codes
from codering.errors import StoreError
from codering.store.journal import Journaled
from codering.store.rows import CodeMerge, CodeUsage, Merged


class CodebookTables(Journaled):
    """The ``codes`` table and the codebook's meta keys (a part of :class:`codering.store.Project`)."""

    def _write_codebook(self, codebook: Codebook) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM codes")
            for key, value in codebook.meta().items():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                             "excluded.value", (f"codebook.{key}", value))
            for position, (_, code) in enumerate(codebook.walk()):
                conn.execute(
                    "INSERT INTO codes (id, parent, label, short, description, include, exclude, examples,"
                    " key, color, codable, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    _code_values(code, position),
                )
        self._codebook = None

    def codebook(self) -> Codebook:
        """The project's codebook (a copy is kept in the project file)."""
        if self._codebook is None:
            meta = dict(self._conn.execute("SELECT key, value FROM meta WHERE key LIKE 'codebook.%'").fetchall())
            codes: dict[str, Code] = {}
            for row in self._conn.execute(
                "SELECT id, parent, label, short, description, include, exclude, examples, key, color, codable"
                " FROM codes ORDER BY position, id"
            ):
                codes[row[0]] = Code(
                    id=row[0], parent=row[1], label=row[2], short=row[3], description=row[4],
                    include=row[5], exclude=row[6], examples=tuple(json.loads(row[7])),
                    key=row[8], color=row[9], codable=bool(row[10]),
                )
            self._codebook = Codebook(
                id=meta.get("codebook.id", ""), name=meta.get("codebook.name", ""), codes=codes,
                language=meta.get("codebook.language", "nl"), version=meta.get("codebook.version", ""),
                description=meta.get("codebook.description", ""), source=meta.get("codebook.source", ""),
            )
        return self._codebook

    def reread_codebook(self) -> bool:
        """Read the codebook again: another process or coder may have changed it (a merge or an undo on the
        command line), which this connection's cached copy does not see. True when it differs from the
        cached one, which it then replaces; an unchanged codebook keeps its object, so whoever compares by
        identity (the suggesters, the coding screen) sees no change. One query: the live view calls it at
        each change it notices."""
        cached = self._codebook
        self._codebook = None
        fresh = self.codebook()
        if cached is not None and fresh == cached and list(fresh.codes) == list(cached.codes):  # order counts
            self._codebook = cached
            return False
        return cached is not None

    def update_code(self, code: Code, coder: str | None = None, *, after: str | None = None) -> None:
        """Edit an existing code, or add a new one (journaled, undoable). A new code goes after its
        siblings, or with ``after`` (the id of a sibling in the project) right after that sibling, or
        with ``after=""`` before all its siblings (the codes after it move down one place)."""
        existing = self._row("codes", code.id)
        book = self.codebook()
        if code.parent is not None and code.parent not in book:
            self.refuse_merged(code.parent)  # a parent merged away: refused naming the code it went into
            raise StoreError(f"cannot save code '{code.id}': unknown parent '{code.parent}'")
        with self.action(f"edit code {code.id}" if existing else f"add code {code.id}", coder):
            if existing is None:
                position = self._place_new(book, code.parent, after)
                values = _code_values(code, position)
                cols = ("id", "parent", "label", "short", "description", "include", "exclude", "examples",
                        "key", "color", "codable", "position")
                self._insert("codes", dict(zip(cols, values)))
            else:
                new = dict(zip(("id", "parent", "label", "short", "description", "include", "exclude",
                                "examples", "key", "color", "codable"), _code_values(code, 0)[:-1]))
                changes = {k: v for k, v in new.items() if existing[k] != v}
                if changes:
                    self._update("codes", code.id, changes)
        self._codebook = None

    def _place_new(self, book: Codebook, parent: str | None, after: str | None) -> int:
        """The position of a new child of ``parent`` (see :meth:`update_code`), making room for it."""
        last = self._conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM codes").fetchone()[0]
        siblings = [c.id for c in book.children(parent)]
        if after is None or (after and after not in siblings) or not siblings:
            return last
        anchor = self._conn.execute("SELECT position FROM codes WHERE id = ?",
                                    (after or siblings[0],)).fetchone()[0]
        target = anchor + 1 if after else anchor
        for key, position in self._conn.execute(
                "SELECT id, position FROM codes WHERE position >= ? ORDER BY position DESC", (target,)).fetchall():
            self._update("codes", key, {"position": position + 1})
        return target

    # -- codes merged away ------------------------------------------------------------------
    def code_merges(self) -> dict[str, CodeMerge]:
        """Every code id that was merged away (and not taken back by an undo since) and is no code of the
        project now, with the code its work is on now: the end of a chain (a into b, then b into c: c). A
        code removed since it was merged, and a chain that ends on a code removed since, are left out."""
        book = self.codebook()
        into: dict[str, tuple[str, str]] = {}  # code -> (the code it went into, the day), the latest merge
        for description, ops, created in self._conn.execute(
                "SELECT description, ops, created FROM journal WHERE undone = 0 AND (description LIKE 'merge code %'"
                " OR description LIKE 'remove code %') ORDER BY id").fetchall():
            merged = _MERGE_READ.fullmatch(description)
            if merged and _deletes_code(ops, merged[1]):
                into[merged[1]] = (merged[2], created[:10])
            elif (removed := _REMOVE_READ.fullmatch(description)) is not None:
                into.pop(removed[1], None)  # made again after its merge, and removed: not merged any more
        found: dict[str, CodeMerge] = {}
        for source in into:
            steps: list[tuple[str, str, str]] = []
            at = source
            while at not in book and at in into and len(steps) <= len(into):  # the bound: no endless cycle
                steps.append((at, *into[at]))
                at = into[at][0]
            if steps and at in book:
                found[source] = CodeMerge(source, at, tuple(steps))
        return found

    def merged_code(self, code_id: str) -> CodeMerge | None:
        """Where ``code_id``'s work is, if it was merged away (see :meth:`code_merges`); None for a code of the
        project, or an id that was never merged."""
        if code_id in self.codebook():
            return None
        return self.code_merges().get(code_id)

    def refuse_merged(self, code_id: str) -> None:
        """A change naming a code merged away is refused in one line naming the code it went into; any other
        id passes (a code of the project, or one never merged)."""
        merge = self.merged_code(code_id)
        if merge is not None:
            raise StoreError(f"{merge.said()}; use {merge.target}")

    def writable_code(self, code_id: str) -> Code:
        """The project's code ``code_id`` for a change that names it. A code merged away is refused
        (:meth:`refuse_merged`); an unknown id gets the codebook's own error."""
        self.refuse_merged(code_id)
        return self.codebook().get(code_id)

    # -- reorganising -----------------------------------------------------------------------
    def code_usage(self, code_ids: Iterable[str]) -> CodeUsage:
        """How many codings (in how many transcripts), decisions and memos use any of ``code_ids``."""
        ids = sorted(set(code_ids))
        if not ids:
            return CodeUsage(0, 0, 0, 0)
        marks = ", ".join("?" for _ in ids)
        codings, transcripts = self._conn.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT transcript_id) FROM codings WHERE code_id IN ({marks})", ids).fetchone()
        decisions = self._conn.execute(f"SELECT COUNT(*) FROM decisions WHERE code_id IN ({marks})", ids).fetchone()[0]
        memos = self._conn.execute(f"SELECT COUNT(*) FROM memos WHERE code_id IN ({marks})", ids).fetchone()[0]
        return CodeUsage(codings, transcripts, decisions, memos)

    def merge_codes(self, source: str, target: str, coder: str | None = None) -> Merged:
        """Merge ``source`` into ``target`` (one undoable action): its codings become codings of ``target``
        (each keeping its coder, origin and date; where the same coder coded the same span with both, the
        target's coding is kept), its decisions and memos go to ``target``, its subcodes go under ``target``
        (after the target's own), and ``source`` is removed. Refused (nothing changed): a code into itself
        or into one of its own subcodes, a code the default codebook's contract fixes, codings onto a
        folder, and subcodes whose label the target already has among its children."""
        book = self.codebook()
        src, dst = self.writable_code(source), self.writable_code(target)
        if source == target:
            raise StoreError(f"cannot merge '{source}' into itself")
        if target in {c.id for c in book.descendants(source)}:
            raise StoreError(f"cannot merge '{source}' into '{target}': '{target}' lies under '{source}'; "
                             f"move '{target}' out of it first, or merge the other way round")
        if source in contract_codes(book):
            raise StoreError(f"cannot merge '{source}' away: its id is part of the default codebook's contract "
                             "(evaluation data and the factor tables use it); merge its subcodes instead")
        usage = self.code_usage([source])
        if not dst.codable and usage.codings:
            raise StoreError(f"cannot merge '{source}' into '{target}': '{target}' is a folder, not a code that "
                             f"can be applied, and '{source}' has {usage.said()}")
        children = book.children(source)
        taken = {c.label.casefold(): c.id for c in book.children(target) if c.id != source}
        for child in children:
            if child.label.casefold() in taken:
                raise StoreError(f"cannot merge '{source}' into '{target}': its subcode '{child.id}' has the label "
                                 f"'{child.label}' of '{taken[child.label.casefold()]}' under '{target}'; merge "
                                 "those two first")
        conn = self._conn
        duplicates = decisions = 0
        with self.action(_MERGE_ACTION.format(source=source, target=target), coder):
            for key, tid, start, end, who in conn.execute(
                    "SELECT id, transcript_id, start, end, coder FROM codings WHERE code_id = ? ORDER BY id",
                    (source,)).fetchall():
                same = conn.execute("SELECT 1 FROM codings WHERE code_id = ? AND transcript_id = ? AND start = ? "
                                    "AND end = ? AND coder = ?", (target, tid, start, end, who)).fetchone()
                if same:
                    self._delete("codings", key)
                    duplicates += 1
                else:
                    self._update("codings", key, {"code_id": target})
            for key, tid, start, end, who, accepted in conn.execute(
                    "SELECT id, transcript_id, start, end, coder, accepted FROM decisions WHERE code_id = ? "
                    "ORDER BY id", (source,)).fetchall():
                same = conn.execute("SELECT 1 FROM decisions WHERE code_id = ? AND transcript_id = ? AND start = ? "
                                    "AND end = ? AND coder = ? AND accepted = ?",
                                    (target, tid, start, end, who, accepted)).fetchone()
                if same:
                    self._delete("decisions", key)
                else:
                    self._update("decisions", key, {"code_id": target})
                    decisions += 1
            for (key,) in conn.execute("SELECT id FROM memos WHERE code_id = ? ORDER BY id", (source,)).fetchall():
                self._update("memos", key, {"code_id": target})
            last = self._last_position()
            for i, child in enumerate(children):
                self._update("codes", child.id, {"parent": target, "position": last + i})
            self._delete("codes", source)
        self._codebook = None
        return Merged(usage.codings - duplicates, duplicates, decisions, usage.memos, len(children))

    def move_code(self, code_id: str, parent: str | None, coder: str | None = None, *,
                  after: str | None = None) -> bool:
        """Put ``code_id`` (with its subcodes) under ``parent`` (None: at the top), after its new siblings, or
        with ``after`` (a sibling's id) right after that sibling, or with ``after=""`` first. Its id stays.
        Refused: a move into its own subtree, a code the contract fixes to another parent, a label its new
        siblings already have. Returns False, and journals nothing, when the code is already there (an undo
        after it would otherwise take back an older, unrelated action)."""
        book = self.codebook()
        code = self.writable_code(code_id)
        if parent is not None:
            self.writable_code(parent)
        if parent == code_id or parent in {c.id for c in book.descendants(code_id)}:
            raise StoreError(f"cannot move '{code_id}' under '{parent}': that lies in its own subtree")
        if parent != code.parent and code_id in contract_codes(book):
            raise StoreError(f"cannot move '{code_id}' to another parent: its place is part of the default "
                             "codebook's contract (what counts for which category); it can move among its siblings")
        siblings = [c for c in book.children(parent) if c.id != code_id]
        clash = next((c for c in siblings if c.label.casefold() == code.label.casefold()), None)
        if clash is not None:
            raise StoreError(f"cannot move '{code_id}' under '{parent or 'the top'}': '{clash.id}' there has the "
                             f"same label '{code.label}'")
        if after and after not in {c.id for c in siblings}:
            raise StoreError(f"cannot put '{code_id}' after '{after}': '{after}' is not a code under "
                             f"'{parent or 'the top'}'")
        order = [c.id for c in siblings]
        at = len(order) if after is None else (order.index(after) + 1 if after else 0)
        order.insert(at, code_id)
        if code.parent == parent and order == [c.id for c in book.children(parent)]:
            return False
        with self.action(f"move code {code_id} under {parent or '(top)'}", coder):
            if code.parent != parent:
                self._update("codes", code_id, {"parent": parent})
            # only the order among siblings counts: the group takes its own positions (and the moved code's)
            rows = dict(self._conn.execute(
                f"SELECT id, position FROM codes WHERE id IN ({', '.join('?' for _ in order)})", order).fetchall())
            pool = dict(rows)
            if code.parent != parent and order[-1] == code_id:  # last under a new parent: after everything
                pool[code_id] = self._last_position()
            for key, position in zip(order, sorted(pool.values())):
                if rows[key] != position:
                    self._update("codes", key, {"position": position})
        self._codebook = None
        return True

    def remove_code(self, code_id: str, coder: str | None = None, *, with_codings: bool = False) -> CodeUsage:
        """Remove ``code_id`` and its subcodes (one undoable action); return what went with them. With
        codings or memos on any of them it is refused unless ``with_codings``; then those codings, their
        suggestion decisions and the memos on the codes go too. A code the contract fixes is never removed."""
        book = self.codebook()
        self.writable_code(code_id)
        subtree = [code_id] + [c.id for c in book.descendants(code_id)]
        fixed = [c for c in subtree if c in contract_codes(book)]
        if fixed:
            raise StoreError(f"cannot remove '{code_id}': '{fixed[0]}' is part of the default codebook's contract "
                             "(evaluation data and the factor tables use it)")
        usage = self.code_usage(subtree)
        if (usage.codings or usage.memos) and not with_codings:
            raise StoreError(f"'{code_id}' has {usage.said()}; nothing was removed (remove them with it on purpose)")
        marks = ", ".join("?" for _ in subtree)
        taken = f" with {usage.said()}" if usage.codings or usage.memos else ""
        with self.action(f"remove code {code_id}{taken}", coder):
            for table in ("codings", "decisions", "memos"):
                for (key,) in self._conn.execute(f"SELECT id FROM {table} WHERE code_id IN ({marks}) ORDER BY id",
                                                 subtree).fetchall():
                    self._delete(table, key)
            for key in reversed(subtree):  # subcodes first
                self._delete("codes", key)
        self._codebook = None
        return usage

    def _last_position(self) -> int:
        return self._conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM codes").fetchone()[0]


def _code_values(code: Code, position: int) -> tuple:
    return (code.id, code.parent, code.label, code.short, code.description, code.include, code.exclude,
            json.dumps(list(code.examples), ensure_ascii=False), code.key, code.color, int(code.codable), position)


_MERGE_ACTION = "merge code {source} into {target}"  # a merge's journal description, read back by code_merges
_MERGE_READ = re.compile(r"merge code (\S+) into (\S+)")
_REMOVE_READ = re.compile(r"remove code (\S+)(?: with .+)?")


def _deletes_code(ops: str, code_id: str) -> bool:
    """Do a journal entry's changes delete the row of code ``code_id`` (as every merge does its source's)?"""
    return any(op["op"] == "delete" and op["table"] == "codes" and op["row"]["id"] == code_id
               for op in json.loads(ops))
