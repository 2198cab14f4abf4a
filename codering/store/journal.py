"""The journal: every user action is one transaction whose row changes are recorded for undo and redo.

Actions a researcher may want to take back (codings, decisions, memos,
codebook edits) are written through :meth:`Journaled.action`, which records
the row-level changes (``insert``/``delete``/``update`` with the old and new
values) as JSON in the ``journal`` table, so ``undo()``/``redo()`` work
across restarts. Other writes (imports, caches) are plain transactions. One
cache is journaled where an action takes it: the stored suggestions of a
code removed (or merged away) go with the code's row, and come back with it
on undo, unless their sentence has been scored again since.

Undo and redo are per coder. Every action records its coder (the one given,
else the ``coder`` of the open :class:`Project`); ``undo(coder)`` takes back
that coder's own latest action and ``redo(coder)`` does again what that coder
undid, most recently undone first; a new action clears only its own coder's
redo. Journal rows without a coder (written before undo was per coder) and
redo rows without an ``undone_by`` belong to everyone: whoever asks may undo
or redo them. With no coder at all (a script on a ``Project`` without one)
undo and redo act on the whole project, newest first, as before.

The conflict rule: other coders keep working between an action and its undo.
Each row change is replayed only if the row is still exactly as the action
(or its undo) left it; a row that another action has changed, removed or
taken since is left as it is, the rest of the action is still undone (or
redone), and the returned description names each row left alone and the
action that changed it. A change left alone at undo is also left alone at
redo, so an undo never deletes or overwrites another coder's later work and
a redo never brings back what another coder removed.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from codering.errors import StoreError
from codering.store.connection import Connected
from codering.store.rows import now

_JOURNALED = {"codings", "decisions", "memos", "codes"}


NOTHING_CHANGED = " (nothing changed: "  # how an undo or redo whose every row was changed since says so


def changed_nothing(done: str | None) -> bool:
    """Did this undo (or redo), as :meth:`Journaled.undo` described it, leave every row as it was?"""
    return bool(done) and NOTHING_CHANGED in done


def table_touched(ops: Iterable[dict[str, Any]], table: str) -> bool:
    return any(op["table"] == table for op in ops)


class Journaled(Connected):
    """Journaled writes, undo, redo and the history (a part of :class:`codering.store.Project`)."""

    coder: str | None = None  # who works through this Project: the default coder of actions, undo and redo
    _ops: list[dict[str, Any]] | None = None  # the open action's changes; None outside an action
    _codebook = None  # the codebook cache (codering.store.codes), dropped when an undo touches codes
    _renamed: str | None = None  # the open action's description, when known only at its end (``rename_action``)

    @contextmanager
    def action(self, description: str, coder: str | None = None) -> Iterator["Journaled"]:
        """A user action of ``coder`` (default: ``self.coder``): one transaction, journaled for undo."""
        if self._ops is not None:  # nested: part of the enclosing action
            yield self
            return
        who = coder if coder is not None else self.coder
        with self.transaction(who) as conn:
            self._ops = []
            try:
                yield self
                if self._ops:
                    # a new action clears its coder's redo (and the redo that belongs to everyone)
                    conn.execute(f"DELETE FROM journal WHERE undone > 0 AND {_MINE.format(col='undone_by')}",
                                 (who, who))
                    conn.execute(
                        "INSERT INTO journal (description, ops, coder, created) VALUES (?, ?, ?, ?)",
                        (self._renamed or description, json.dumps(self._ops, ensure_ascii=False), who, now()),
                    )
            finally:
                self._ops = None
                self._renamed = None

    def rename_action(self, description: str) -> None:
        """Inside an action: journal it as ``description`` (what it did is known only at its end, e.g. how
        many of the codings a file lists were not there yet)."""
        if self._ops is not None:
            self._renamed = description

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        returning = "" if "id" in row else " RETURNING id"
        cur = self._conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks}){returning}", tuple(row.values()))
        key = row["id"] if "id" in row else cur.fetchone()[0]
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "insert", "table": table, "row": {**row, "id": key}})
        return key

    def _delete(self, table: str, key: Any) -> bool:
        row = self._row(table, key)
        if row is None:
            return False
        if table == "codes":
            self._drop_suggestions(key)
        self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (key,))
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "delete", "table": table, "row": row})
        return True

    def _drop_suggestions(self, code_id: str) -> None:
        """Before a code's row goes (a removal, a merge's source): its stored suggestions, which the database
        would drop with it, are deleted here and journaled with what stays stored for their sentences, so an
        undo that brings the code back brings them back too (see ``_put_back_suggestion``)."""
        cur = self._conn.execute(
            "SELECT * FROM suggestions s WHERE EXISTS (SELECT 1 FROM suggestions d WHERE d.code_id = ? AND "
            "d.transcript_id = s.transcript_id AND d.start = s.start AND d.end = s.end AND d.coder = s.coder)",
            (code_id,))
        rows = _dict_rows(cur)
        if not rows:
            return
        self._conn.execute("DELETE FROM suggestions WHERE code_id = ?", (code_id,))
        if self._ops is None:
            return
        kept: dict[tuple, list] = {}
        for row in rows:
            if row["code_id"] != code_id:
                kept.setdefault(_span(row), []).append(_stored(row))
        self._ops += [{"op": "delete", "table": "suggestions", "row": row, "kept": sorted(kept.get(_span(row), []))}
                      for row in rows if row["code_id"] == code_id]

    def _put_back_suggestion(self, op: dict[str, Any]) -> None:
        """Undo of a code's removal: one of its stored suggestions again, if its sentence holds what it held
        after the removal (scored again since: the new suggestions are the current ones) and it can be (its
        transcript is still there, its code was put back)."""
        row = op["row"]
        cur = self._conn.execute("SELECT * FROM suggestions WHERE transcript_id = ? AND start = ? AND end = ? "
                                 "AND coder = ?", (row["transcript_id"], row["start"], row["end"], row["coder"]))
        if sorted(_stored(r) for r in _dict_rows(cur)) != op.get("kept", []):
            return
        self._conn.execute("SAVEPOINT put_back_suggestion")
        try:
            self._conn.execute(f"INSERT INTO suggestions ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                               tuple(row.values()))
        except self.dialect.integrity_error:
            self._conn.execute("ROLLBACK TO SAVEPOINT put_back_suggestion")
        self._conn.execute("RELEASE SAVEPOINT put_back_suggestion")

    def _update(self, table: str, key: Any, changes: dict[str, Any]) -> None:
        row = self._row(table, key)
        if row is None:
            raise StoreError(f"no {table[:-1]} with id {key}")
        old = {k: row[k] for k in changes}
        sets = ", ".join(f"{k} = ?" for k in changes)
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), key))
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "update", "table": table, "key": key, "old": old, "new": dict(changes)})

    def _row(self, table: str, key: Any) -> dict[str, Any] | None:
        lock = self.dialect.for_update if self._conn.in_transaction else ""  # the latest row, held till commit
        cur = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?{lock}", (key,))
        found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cur.description], found))

    def _apply(self, ops: list[dict[str, Any]], reverse: bool) -> dict[int, str]:
        """Replay ``ops`` (backwards when ``reverse``); return the ops left alone (conflicts) by index,
        each with why if it is not "changed since" (which :meth:`_conflict` looks up)."""
        order = range(len(ops) - 1, -1, -1) if reverse else range(len(ops))
        left: dict[int, str] = {}
        for i in order:
            op = ops[i]
            table = op["table"]
            if table == "suggestions":  # derived rows gone with a code (``_drop_suggestions``): never a conflict
                if reverse:
                    self._put_back_suggestion(op)
                else:
                    row = op["row"]
                    self._conn.execute("DELETE FROM suggestions WHERE transcript_id = ? AND start = ? AND end = ? "
                                       "AND code_id = ? AND coder = ?", (row["transcript_id"], row["start"],
                                                                         row["end"], row["code_id"], row["coder"]))
                continue
            if table not in _JOURNALED:
                continue
            if op.get("skipped"):  # left alone by the undo: left alone by the redo as well
                left[i] = ""
                continue
            kind = op["op"]
            key = op["key"] if kind == "update" else op["row"]["id"]
            current = self._row(table, key)
            if kind == "update":
                expected = op["new"] if reverse else op["old"]
                if current is None or any(current.get(k) != v for k, v in expected.items()):
                    left[i] = ""
                    continue
                values = op["old"] if reverse else op["new"]
                sets = ", ".join(f"{k} = ?" for k in values)
                self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), key))
            elif (kind == "insert") == reverse:  # remove the row, if it is still the row the action left
                if current is None or any(current.get(k) != v for k, v in op["row"].items()):
                    left[i] = ""
                    continue
                self._conn.execute("SAVEPOINT take_out")  # as put_back below: only this statement on failure
                try:
                    self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (key,))
                except self.dialect.integrity_error:  # e.g. a code someone has coded with since
                    self._conn.execute("ROLLBACK TO SAVEPOINT take_out")
                    left[i] = "cannot be taken out: what was made since uses it"
                self._conn.execute("RELEASE SAVEPOINT take_out")
            else:  # put the row (back), if its id is still free
                if current is not None:
                    left[i] = ""
                    continue
                row = op["row"]
                self._conn.execute("SAVEPOINT put_back")  # a failure undoes only this statement (PostgreSQL
                try:                                      # would otherwise abort the whole transaction)
                    self._conn.execute(
                        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
                        tuple(row.values()),
                    )
                except self.dialect.integrity_error:  # e.g. its transcript was removed since
                    self._conn.execute("ROLLBACK TO SAVEPOINT put_back")
                    left[i] = "cannot be put back: what it belongs to is gone"
                self._conn.execute("RELEASE SAVEPOINT put_back")
        if table_touched(ops, "codes"):
            self._codebook = None
        return left

    def undo(self, coder: str | None = None) -> str | None:
        """Take back the latest action of ``coder`` (default: ``self.coder``; with neither, anyone's).

        Returns its description (naming any row left alone, see the module's
        conflict rule), or None if that coder has nothing to undo.
        """
        return self._replay(undo=True, coder=coder if coder is not None else self.coder)

    def redo(self, coder: str | None = None) -> str | None:
        """Do again the action ``coder`` undid most recently; return its description, or None."""
        return self._replay(undo=False, coder=coder if coder is not None else self.coder)

    def _replay(self, undo: bool, coder: str | None) -> str | None:
        """Undo: the coder's newest action not undone, backwards. Redo: the coder's latest undo, forwards."""
        with self.transaction(coder) as conn:
            found = self._next(undo, coder)
            if found is None:
                return None
            entry, description, ops = found[0], found[1], json.loads(found[2])
            try:
                left = self._apply(ops, reverse=undo)
            except self.dialect.integrity_error as exc:
                verb = "undo" if undo else "redo"
                raise StoreError(f"cannot {verb} '{description}': {exc}; nothing was changed") from None
            notes = _grouped([self._conflict(entry, ops[i], left[i]) for i in sorted(left)])
            # what an undo left alone is marked, so the redo leaves it alone too; a redo clears the marks
            marked = [{k: v for k, v in op.items() if k != "skipped"} for op in ops]
            for i in left if undo else ():
                marked[i]["skipped"] = True
            text = json.dumps(marked, ensure_ascii=False)
            if undo:  # ``undone`` counts up: a coder's redo takes their most recent undo first
                conn.execute("UPDATE journal SET undone = (SELECT MAX(undone) FROM journal) + 1, undone_by = ?, "
                             "ops = ? WHERE id = ?", (coder, text, entry))
            else:
                conn.execute("UPDATE journal SET undone = 0, undone_by = NULL, ops = ? WHERE id = ?", (text, entry))
            if notes and len(left) == len(ops):  # every row was changed since: nothing of it was taken back
                description += f"{NOTHING_CHANGED}{'; '.join(notes)})"
            elif notes:
                description += f" (left as it is: {'; '.join(notes)})"
            return description

    def _next(self, undo: bool, coder: str | None) -> tuple[int, str, str] | None:
        """The journal row (id, description, ops) the next undo (or redo) of ``coder`` replays."""
        if undo:
            return self._conn.execute(
                f"SELECT id, description, ops FROM journal WHERE undone = 0 AND {_MINE.format(col='coder')} "
                "ORDER BY id DESC LIMIT 1", (coder, coder)).fetchone()
        return self._conn.execute(
            f"SELECT id, description, ops FROM journal WHERE undone > 0 AND {_MINE.format(col='undone_by')} "
            "ORDER BY undone DESC, id ASC LIMIT 1", (coder, coder)).fetchone()

    def _conflict(self, entry: int, op: dict[str, Any], why: str = "") -> tuple[str, str, str]:
        """A row left alone by an undo or redo: (noun, key, why), why naming, if the journal knows, the action
        that changed it."""
        table = op["table"]
        key = op["key"] if op["op"] == "update" else op["row"]["id"]
        if why:
            return _NOUN[table], str(key), why
        by = self._conn.execute(self.dialect.touching(), (entry, table, self.dialect.journal_key(key))).fetchone()
        if by is None:
            return _NOUN[table], str(key), "was changed since"
        return _NOUN[table], str(key), f"was changed since by {by[1] or 'someone'} ({by[0]})"

    def pending_change(self, redo: bool = False, coder: str | None = None) -> tuple[int, int, int] | None:
        """Where the next undo (or redo) of ``coder`` (default: ``self.coder``) changes a transcript:
        (transcript id, start, end) of the first coding, decision or memo it adds, removes or edits; None when
        it touches no span (a codebook edit, a memo on a whole transcript)."""
        found = self._next(undo=not redo, coder=coder if coder is not None else self.coder)
        for op in json.loads(found[2]) if found else []:
            if op["table"] == "suggestions":  # stored suggestions are not the coder's work on the text
                continue
            row = op.get("row") or {}
            if op["op"] == "update" and op["table"] == "memos":  # an edited memo: where it is now
                row = self._row("memos", op["key"]) or {}
            if row.get("transcript_id") is not None and row.get("start") is not None:
                return row["transcript_id"], row["start"], row["end"]
        return None

    def history(self, limit: int = 20, coder: str | None = None) -> list[tuple[int, str, bool, str]]:
        """The latest ``limit`` journal entries (of ``coder`` only, if given), newest first."""
        rows = self._conn.execute(
            f"SELECT id, description, undone, created FROM journal WHERE {_MINE.format(col='coder')} "
            "ORDER BY id DESC LIMIT ?", (coder, coder, limit)
        ).fetchall()
        return [(r[0], r[1], bool(r[2]), r[3]) for r in rows]


def _dict_rows(cur) -> list[dict[str, Any]]:
    """A cursor's rows as dicts by column name (``SELECT *`` of a table whose columns differ by schema)."""
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _span(row: dict[str, Any]) -> tuple:
    return row["transcript_id"], row["start"], row["end"], row["coder"]


def _stored(row: dict[str, Any]) -> list:
    """A stored suggestion as the journal keeps what stayed beside a removed code's (JSON: a list)."""
    return [row["code_id"], row["rank"], row["score"], row["model_id"], row["created"]]


_MINE = "(CAST(? AS TEXT) IS NULL OR {col} IS NULL OR {col} = ?)"  # a coder's rows (and everyone's); no coder: all rows
_NOUN = {"codings": "coding", "decisions": "decision", "memos": "memo", "codes": "code"}

#: How a reason reads for several rows (see :func:`_grouped`).
_PLURAL_WHY = {
    "cannot be taken out: what was made since uses it": "cannot be taken out: what was made since uses them",
    "cannot be put back: what it belongs to is gone": "cannot be put back: what they belong to is gone",
}


def _grouped(notes: list[tuple[str, str, str]]) -> list[str]:
    """The rows an undo or redo left alone, said once per kind of row and reason: "8 codings (2-9) were
    changed since by bert (merge code ...)" (one note per row made a search's 200 codings, merged away by a
    colleague since, one note each on the line); a single row as before: "coding 17 was changed since"."""
    groups: dict[tuple[str, str], list[str]] = {}
    for noun, key, why in notes:
        groups.setdefault((noun, why), []).append(key)
    said = []
    for (noun, why), keys in groups.items():
        if len(keys) == 1:
            said.append(f"{noun} {keys[0]} {why}")
            continue
        if why.startswith("was changed since"):
            why = "were" + why[len("was"):]
        said.append(f"{len(keys)} {noun}s ({_ranges(keys)}) {_PLURAL_WHY.get(why, why)}")
    return said


def _ranges(keys: list[str]) -> str:
    """Row ids as short as they go: "2-9, 12"; codes' ids as they are, comma-separated."""
    if not all(k.isdigit() for k in keys):
        return ", ".join(keys)
    runs: list[list[int]] = []
    for n in sorted({int(k) for k in keys}):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
