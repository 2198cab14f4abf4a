"""The journal: every user action is one transaction whose row changes are recorded for undo and redo.

Actions a researcher may want to take back (codings, decisions, memos,
codebook edits) are written through :meth:`Journaled.action`, which records
the row-level changes (``insert``/``delete``/``update`` with the old and new
values) as JSON in the ``journal`` table, so ``undo()``/``redo()`` work
across restarts. Other writes (imports, caches) are plain transactions.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

from codering.errors import StoreError
from codering.store.connection import Connected
from codering.store.rows import now

_JOURNALED = {"codings", "decisions", "memos", "codes"}


def table_touched(ops: Iterable[dict[str, Any]], table: str) -> bool:
    return any(op["table"] == table for op in ops)


class Journaled(Connected):
    """Journaled writes, undo, redo and the history (a part of :class:`codering.store.Project`)."""

    _ops: list[dict[str, Any]] | None = None  # the open action's changes; None outside an action
    _codebook = None  # the codebook cache (codering.store.codes), dropped when an undo touches codes

    @contextmanager
    def action(self, description: str, coder: str | None = None) -> Iterator["Journaled"]:
        """A user action: one transaction, recorded in the journal for undo."""
        if self._ops is not None:  # nested: part of the enclosing action
            yield self
            return
        with self.transaction() as conn:
            self._ops = []
            try:
                yield self
                if self._ops:
                    conn.execute("DELETE FROM journal WHERE undone = 1")  # a new action clears redo
                    conn.execute(
                        "INSERT INTO journal (description, ops, coder, created) VALUES (?, ?, ?, ?)",
                        (description, json.dumps(self._ops, ensure_ascii=False), coder, now()),
                    )
            finally:
                self._ops = None

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self._conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))
        key = row.get("id", cur.lastrowid)
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "insert", "table": table, "row": {**row, "id": key}})
        return key

    def _delete(self, table: str, key: Any) -> bool:
        row = self._row(table, key)
        if row is None:
            return False
        self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (key,))
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "delete", "table": table, "row": row})
        return True

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
        cur = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (key,))
        found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cur.description], found))

    def _apply(self, ops: list[dict[str, Any]], reverse: bool) -> None:
        sequence = reversed(ops) if reverse else ops
        for op in sequence:
            table = op["table"]
            if table not in _JOURNALED:
                continue
            kind = op["op"]
            if (kind == "insert") == reverse:  # remove the row
                self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (op["row"]["id"],))
            elif kind in ("insert", "delete"):  # put the row (back)
                row = op["row"]
                cols = ", ".join(row)
                self._conn.execute(
                    f"INSERT OR REPLACE INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})",
                    tuple(row.values()),
                )
            else:
                values = op["old"] if reverse else op["new"]
                sets = ", ".join(f"{k} = ?" for k in values)
                self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), op["key"]))
        if table_touched(ops, "codes"):
            self._codebook = None

    def undo(self) -> str | None:
        """Take back the latest action; return its description, or None if none."""
        return self._replay(undo=True)

    def redo(self) -> str | None:
        """Do again the most recently undone action; return its description."""
        return self._replay(undo=False)

    def _replay(self, undo: bool) -> str | None:
        """Undo: the newest action not undone, backwards. Redo: the oldest undone one, forwards."""
        order = "DESC" if undo else "ASC"
        with self.transaction() as conn:
            found = conn.execute(
                f"SELECT id, description, ops FROM journal WHERE undone = ? ORDER BY id {order} LIMIT 1", (int(not undo),)
            ).fetchone()
            if found is None:
                return None
            try:
                self._apply(json.loads(found[2]), reverse=undo)
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"cannot {'undo' if undo else 'redo'} '{found[1]}': {exc}") from None
            conn.execute("UPDATE journal SET undone = ? WHERE id = ?", (int(undo), found[0]))
            return found[1]

    def pending_change(self, redo: bool = False) -> tuple[int, int, int] | None:
        """Where the next undo (or redo) changes a transcript: (transcript id, start, end) of the first
        coding, decision or memo it adds or removes; None when it touches no span (a codebook edit)."""
        found = self._conn.execute(
            "SELECT ops FROM journal WHERE undone = ? ORDER BY id " + ("ASC" if redo else "DESC") + " LIMIT 1",
            (1 if redo else 0,),
        ).fetchone()
        for op in json.loads(found[0]) if found else []:
            row = op.get("row") or {}
            if row.get("transcript_id") is not None and row.get("start") is not None:
                return row["transcript_id"], row["start"], row["end"]
        return None

    def history(self, limit: int = 20) -> list[tuple[int, str, bool, str]]:
        rows = self._conn.execute(
            "SELECT id, description, undone, created FROM journal ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [(r[0], r[1], bool(r[2]), r[3]) for r in rows]
