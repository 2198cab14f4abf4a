"""The differences between the two engines, in one place.

The store's SQL is written once, in the common subset of SQLite and
PostgreSQL (``ON CONFLICT ... DO UPDATE`` for upserts, ``RETURNING id`` for
new ids, ``CAST(? AS TEXT)`` where a parameter's type must be known). What
cannot be common is here:

* placeholders (``?`` / ``%s``) and the column named ``end``, a reserved word
  in PostgreSQL (quoted there): :meth:`PostgresDialect.sql`, applied to every
  statement by the PostgreSQL connection (:mod:`codering.store.pg`);
* the migrations' DDL: ``INTEGER PRIMARY KEY [AUTOINCREMENT]`` becomes an
  identity column, ``BLOB`` ``BYTEA``, ``REAL`` ``DOUBLE PRECISION`` (SQLite's
  REAL is 8 bytes), ``TEXT`` compares byte-wise (``COLLATE "C"``, as SQLite
  does) whatever the server's locale, ``WITHOUT ROWID`` goes:
  :meth:`PostgresDialect.ddl`;
* the schema version (``PRAGMA user_version`` / a one-row table), how a write
  transaction starts (``BEGIN IMMEDIATE`` / ``BEGIN`` plus advisory locks:
  see :meth:`PostgresDialect.begin`), rows read ``FOR UPDATE``, the JSON
  functions the journal's conflict lookup needs, and the integrity error class.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Any

from codering.store.migrations import APPLICATION_ID


class SqliteDialect:
    name = "sqlite"

    @property
    def integrity_error(self) -> type[Exception]:
        import sqlite3

        return sqlite3.IntegrityError

    def ddl(self, statement: str) -> str:
        return statement

    def begin(self, conn: Any, coder: str | None = None) -> None:
        conn.execute("BEGIN IMMEDIATE")

    for_update = ""

    def user_version(self, conn: Any) -> int:
        return conn.execute("PRAGMA user_version").fetchone()[0]

    def set_user_version(self, conn: Any, number: int) -> None:
        conn.execute(f"PRAGMA user_version = {number}")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")

    def touching(self) -> str:
        """SQL: the newest journal entry after ``?`` not undone whose ops touch row ``?`` of table ``?``."""
        return ("SELECT description, coder FROM journal WHERE id > ? AND undone = 0 AND EXISTS ("
                " SELECT 1 FROM json_each(journal.ops) AS o WHERE json_extract(o.value, '$.table') = ?"
                " AND COALESCE(json_extract(o.value, '$.row.id'), json_extract(o.value, '$.key')) = ?)"
                " ORDER BY id DESC LIMIT 1")

    def journal_key(self, key: Any) -> Any:
        return key

    def ids_given(self, conn: Any, table: str) -> int:
        """The highest id ``table`` ever handed out, rows deleted since included (0: not known here).
        AUTOINCREMENT tables keep it in ``sqlite_sequence``; transcripts (a plain ``INTEGER PRIMARY KEY``)
        in the meta key ``transcripts.removed_max`` (see ``TranscriptTables.remove_transcript``)."""
        if table == "transcripts":
            row = conn.execute("SELECT value FROM meta WHERE key = 'transcripts.removed_max'").fetchone()
        else:
            row = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def continue_ids(self, conn: Any, highest: dict[str, int]) -> None:
        """After rows were copied in with their ids: new ids continue after ``highest`` (AUTOINCREMENT
        tables; transcripts through ``transcripts.removed_max``, which the import reads; the others take
        MAX(id) + 1 anyway)."""
        for table, high in highest.items():
            if table == "transcripts":
                top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM transcripts").fetchone()[0]
                if high > top:  # a transcript removed before the copy: its id stays unused
                    conn.execute("INSERT INTO meta (key, value) VALUES ('transcripts.removed_max', ?) ON CONFLICT "
                                 "(key) DO UPDATE SET value = excluded.value", (str(high),))
                continue
            if conn.execute("SELECT 1 FROM sqlite_sequence WHERE name = ?", (table,)).fetchone():
                conn.execute("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?", (high, table))
            elif high and "AUTOINCREMENT" in (conn.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                                           (table,)).fetchone() or ("",))[0]:
                conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, high))


class PostgresDialect:
    """PostgreSQL; one schema per project (see :mod:`codering.store.pg`)."""

    name = "postgresql"

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.lock_key = zlib.crc32(f"codering:{schema}".encode()) - 2**31  # a signed 32-bit advisory-lock key
        self.channel = f"codering.{schema}"

    @property
    def integrity_error(self) -> type[Exception]:
        import psycopg

        return psycopg.IntegrityError

    @staticmethod
    def sql(statement: str) -> str:
        return _pg_sql(statement)

    def ddl(self, statement: str) -> str:
        return _pg_ddl(statement)

    def begin(self, conn: Any, coder: str | None = None) -> None:
        """A coder's action takes the project's lock shared and that coder's own lock: coders work at
        the same time, each coder's actions (and undo and redo) queue; rows an action changes or an undo
        checks are read ``FOR UPDATE``, so the journal's conflict rule sees the latest row. Anything
        else (imports, the codebook, caches, scripts without a coder) takes the project's lock alone."""
        if coder is None:
            locks = f"SELECT pg_advisory_xact_lock({self.lock_key})"
        else:
            locks = (f"SELECT pg_advisory_xact_lock_shared({self.lock_key}); "
                     f"SELECT pg_advisory_xact_lock({self.lock_key >> 1}, {zlib.crc32(coder.encode()) - 2**31})")
        conn.script(f"BEGIN; {locks}")

    for_update = " FOR UPDATE"

    def user_version(self, conn: Any) -> int:
        row = conn.execute("SELECT version FROM codering_schema").fetchone()
        return row[0] if row else 0

    def set_user_version(self, conn: Any, number: int) -> None:
        """The version a migration reached, and the change notes' triggers put (back) in the same
        transaction: a migration that rebuilds ``codings`` or ``decisions`` drops their triggers, and the
        live view would no longer learn which transcripts changed."""
        from codering.store.pg import install_change_notes

        conn.execute("UPDATE codering_schema SET version = ?", (number,))
        if all(_has_table(conn, table) for table in ("codings", "decisions")):
            install_change_notes(conn, self.channel)

    def touching(self) -> str:
        return ("SELECT description, coder FROM journal WHERE id > ? AND undone = 0 AND EXISTS ("
                " SELECT 1 FROM jsonb_array_elements(CAST(journal.ops AS jsonb)) AS o(value)"
                " WHERE o.value ->> 'table' = ?"
                " AND COALESCE(o.value -> 'row' ->> 'id', o.value ->> 'key') = ?)"
                " ORDER BY id DESC LIMIT 1")

    def journal_key(self, key: Any) -> Any:
        return str(key)  # ->> gives text

    def ids_given(self, conn: Any, table: str) -> int:
        """The highest id ``table``'s identity column ever handed out (0: none yet)."""
        row = conn.execute(f"SELECT pg_sequence_last_value(pg_get_serial_sequence('{table}', 'id'))").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def continue_ids(self, conn: Any, highest: dict[str, int]) -> None:
        for table, high in highest.items():
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ?, ?)", (max(high, 1), high > 0))


_END = re.compile(r'(?<![\w"])end(?![\w"])')  # the column; the keyword is written END
_IDENTITY = re.compile(r"\b(\w+) INTEGER PRIMARY KEY(?: AUTOINCREMENT)?")


@lru_cache(maxsize=2048)
def _pg_sql(statement: str) -> str:
    return _END.sub('"end"', statement.replace("%", "%%")).replace("?", "%s")


@lru_cache(maxsize=256)
def _pg_ddl(statement: str) -> str:
    out = _IDENTITY.sub(r"\1 INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", statement)
    out = re.sub(r"\bBLOB\b", "BYTEA", out)
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out)
    out = re.sub(r"\bTEXT\b", 'TEXT COLLATE "C"', out)
    return out.replace(") WITHOUT ROWID", ")")


def _has_table(conn: Any, table: str) -> bool:
    """Does the connection's schema (its search path) hold ``table`` (PostgreSQL)?"""
    return conn.execute("SELECT to_regclass(?) IS NOT NULL", (table,)).fetchone()[0]
