"""Opening the SQLite file: connection settings, the file checks, migrations and transactions."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from codering.errors import ProjectLockedError, StoreError
from codering.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"


class Connected:
    """What every part of the store stands on: the project file's path and its one connection."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; other processes wait (up to the busy timeout)."""
        if self._conn.in_transaction:
            yield self._conn
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise store_error(self.path, exc) from None
        try:
            yield self._conn
        except BaseException:
            self._conn.rollback()
            raise
        else:
            try:
                self._conn.commit()
            except sqlite3.OperationalError as exc:
                self._conn.rollback()
                raise store_error(self.path, exc) from None


def check_project_file(path: Path) -> None:
    """Raise a StoreError unless ``path`` is a codering project this version can open."""
    if not path.exists():
        raise StoreError(f"{path}: no such project; create one with `codering init {path}`")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a project file")
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: not a codering project (not an SQLite file); nothing was changed")
    app_id = int.from_bytes(header[68:72], "big")
    version = int.from_bytes(header[60:64], "big")
    if app_id != APPLICATION_ID:
        raise StoreError(f"{path}: an SQLite file but not a codering project; nothing was changed")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: made by a newer codering (schema {version}, this one reads up to {SCHEMA_VERSION}); "
            "update codering; nothing was changed"
        )


def connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    conn.isolation_level = None  # we issue BEGIN ourselves
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer codering (schema {version}); update codering")
    for number, name, sql in MIGRATIONS:
        if number <= version:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:  # another process was first
                conn.execute("COMMIT")
                continue
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"{path}: migration {number} ({name}) failed: {exc}") from None


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip()]


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return ProjectLockedError(f"{path}: the project is busy in another process; try again in a moment")
    if "readonly" in message:
        return StoreError(f"{path}: the project file is read-only")
    if "disk" in message and "full" in message:
        return StoreError(f"{path}: the disk is full; nothing was saved")
    return StoreError(f"{path}: {message}")
