"""Opening the SQLite file: connection settings, the file checks, migrations and transactions.

A project on a PostgreSQL server stands on the same :class:`Connected` with a
:class:`codering.store.pg.PgConnection` as its connection and
:class:`codering.store.dialect.PostgresDialect` as its dialect.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from codering.errors import ProjectLockedError, StoreError
from codering.fileio import input_problem
from codering.store.dialect import SqliteDialect
from codering.store.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

SQLITE_MAGIC = b"SQLite format 3\x00"


class Connected:
    """What every part of the store stands on: where the project lives, its one connection and its dialect."""

    def __init__(self, path: Any, conn: Any, dialect: Any = None) -> None:
        self.path = path
        """The project file's Path, or the ServerAddress of a project on a PostgreSQL server."""
        self._conn = conn
        self.dialect = dialect or SqliteDialect()
        self.read_only = False
        """Opened read-only (the file or its folder is not writable): reading works, writing raises StoreError."""

    @property
    def on_server(self) -> bool:
        return self.dialect.name != "sqlite"

    @contextmanager
    def transaction(self, coder: str | None = None) -> Iterator[Any]:
        """One write transaction; other processes wait (SQLite: up to the busy timeout; PostgreSQL: for the
        advisory locks, per coder for a coder's action: see ``PostgresDialect.begin``). On a server,
        commit tells the other coders' live views (NOTIFY)."""
        if self._conn.in_transaction:
            yield self._conn
            return
        if self.read_only:
            raise StoreError(f"{self.path}: opened read-only (the file or its folder is not writable); "
                             "nothing was changed; copy it to a folder you can write to")
        try:
            self.dialect.begin(self._conn, coder)
        except sqlite3.OperationalError as exc:
            raise store_error(self.path, exc) from None
        except BaseException:
            self._conn.rollback()
            raise
        try:
            yield self._conn
        except BaseException as exc:
            self._conn.rollback()
            if self.on_server:
                raise self._conn.translate_error() from None
            stored = as_store_error(exc, self.path)  # disk full, damaged file: one clear line
            if stored is not None:
                raise stored from None
            raise
        else:
            try:
                self._conn.commit()  # on a server with the NOTIFY for the live views
            except sqlite3.OperationalError as exc:
                self._conn.rollback()
                raise store_error(self.path, exc) from None
            except BaseException:
                self._conn.rollback()
                raise

    def set_write_wait(self, seconds: float) -> None:
        """How long a write waits for another process's write lock before it fails with
        ProjectLockedError (a project file; default 10 s). The coding screen waits briefly and retries
        the decision itself rather than freeze its keys. A server project's locks are the server's."""
        if not self.on_server:
            self._conn.execute(f"PRAGMA busy_timeout = {max(0, int(seconds * 1000))}")

    @property
    def connection_lost(self) -> bool:
        """On a server: the connection went (server restart, network) and is not back yet."""
        return bool(getattr(self._conn, "lost", False))

    def reconnect(self) -> bool:
        """On a server: try (briefly) to connect again; is the connection there now?"""
        return self._conn.reconnect() if self.on_server else True

    def change_token(self) -> Any:
        """Cheaply: a value that differs from an earlier one when the project may have changed since (by any
        connection, this one included). SQLite: ``PRAGMA data_version`` (other connections' commits) and
        this connection's change count; PostgreSQL: the NOTIFYs that arrived (LISTEN) and this connection's
        commits, without a round trip."""
        if self.on_server:
            return self._conn.changes()
        return self._conn.execute("PRAGMA data_version").fetchone()[0], self._conn.total_changes


def check_project_file(path: Path) -> int:
    """Raise a StoreError unless ``path`` is a codering project this version can open (a truncated file is
    damaged); return its schema version."""
    if not path.exists():
        raise StoreError(f"{path}: no such project; create one with `codering init {path}`")
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a project file")
    status = os.stat(path)
    problem = input_problem(status)  # a device or a pipe, which open() would block on
    if problem:
        raise StoreError(f"{path}: {problem}")
    if _open_here(status):
        # another connection of this process has the file open: closing a descriptor of ours would drop its
        # POSIX locks (they are per process and file), and another process could then checkpoint or delete
        # the write-ahead log under it, damaging the file. SQLite itself shares them safely, so ask it.
        return _version_through_sqlite(path)
    with open(path, "rb") as handle:
        header = handle.read(100)
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(f"{path}: not a codering project (not an SQLite file); nothing was changed")
    version = _checked_version(path, int.from_bytes(header[68:72], "big"),
                               int.from_bytes(header[60:64], "big", signed=True))  # user_version is signed
    if _cut_short(path, header):
        raise damaged(path, "it is shorter than its own header says")
    return version


_OPEN: dict[tuple[int, int], int] = {}  # (device, inode) of the project files this process has connected to
_OPEN_LOCK = threading.Lock()


def _file_key(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _open_here(status: os.stat_result) -> bool:
    with _OPEN_LOCK:
        return _OPEN.get(_file_key(status), 0) > 0


def opened(path: Path) -> tuple[int, int] | None:
    """Note that this process holds a connection to ``path`` (undone by :func:`closed`)."""
    try:
        key = _file_key(os.stat(path))
    except OSError:
        return None
    with _OPEN_LOCK:
        _OPEN[key] = _OPEN.get(key, 0) + 1
    return key


def closed(key: tuple[int, int] | None) -> None:
    if key is None:
        return
    with _OPEN_LOCK:
        left = _OPEN.get(key, 0) - 1
        if left > 0:
            _OPEN[key] = left
        else:
            _OPEN.pop(key, None)


def _version_through_sqlite(path: Path) -> int:
    """The checks of :func:`check_project_file` on a file this process already has open, through SQLite."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise store_error(path, exc) from None
    finally:
        conn.close()
    return _checked_version(path, app_id, version)


def _checked_version(path: Path, app_id: int, version: int) -> int:
    """``version``, unless the application id or the schema number says this codering cannot open it."""
    if app_id != APPLICATION_ID:
        raise StoreError(f"{path}: an SQLite file but not a codering project; nothing was changed")
    if version < 0:
        raise damaged(path, f"its schema number is {version}, which no codering writes")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: made by a newer codering (schema {version}, this one reads up to {SCHEMA_VERSION}); "
            "update codering; nothing was changed"
        )
    return version


def writable(path: Path) -> bool:
    """Can this process change the project: the file, and its folder (SQLite keeps -wal and -shm there)?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _cut_short(path: Path, header: bytes) -> bool:
    """The file is shorter than the page count its header gives (truncated by a copy or sync)."""
    if len(header) < 100 or Path(f"{path}-wal").exists():  # with a WAL the header may be mid-checkpoint
        return False
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    valid = header[24:28] == header[92:96]  # the page count is only valid when these agree
    return bool(valid and pages and path.stat().st_size < pages * page_size)


def damaged(path: Path, why: str) -> StoreError:
    return StoreError(f"{path}: the project file is damaged ({why}); nothing was changed; open your last good "
                      "copy of it instead (a backup, or where you copied it from)")


def connect(path: Path, read_only: bool = False) -> sqlite3.Connection:
    try:
        if read_only:  # immutable: a read-only folder may hold no -shm file, and nobody can write there
            uri = f"{path.resolve().as_uri()}?mode=ro"
            if not os.access(path.parent, os.W_OK):
                uri += "&immutable=1"
            conn = sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False)
        else:
            conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    conn.isolation_level = None  # we issue BEGIN ourselves
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA synchronous = NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


#: How long opening a project waits for another process while switching the file to write-ahead logging
#: (the same as the busy timeout every other statement waits).
WAL_WAIT = 10.0


def use_wal(conn: sqlite3.Connection, wait: float = WAL_WAIT) -> None:
    """Switch the file to write-ahead logging (a no-op once it is).

    SQLite answers this switch with "database is locked" at once, without
    the busy timeout, while another connection holds the file's write lock
    (it would otherwise wait for a lock the other may wait for in turn). Two
    processes opening a project made in journal mode at once (the first
    open after ``create``, or a file of an older codering being upgraded)
    met it: one failed with "busy" in 15 of 40 runs. So this waits and
    tries again, up to ``wait`` seconds, and then lets the error through.
    """
    deadline = time.monotonic() + wait
    delay = 0.01
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            message = str(exc)
            if ("locked" not in message and "busy" not in message) or time.monotonic() >= deadline:
                raise
        time.sleep(delay)
        delay = min(2 * delay, 0.2)


def migrate(conn: Any, path: Any, dialect: Any = None, in_transaction: bool = False) -> None:
    """Apply the migrations the project lacks, each in its own transaction (``in_transaction``: all in the
    caller's, a project being created). The same migrations run on both engines (``dialect.ddl``)."""
    dialect = dialect or SqliteDialect()
    version = dialect.user_version(conn)
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer codering (schema {version}); update codering")
    for number, name, sql in MIGRATIONS:
        if number <= version:
            continue
        try:
            if not in_transaction:
                dialect.begin(conn)
            if dialect.user_version(conn) >= number:  # another process was first
                if not in_transaction:
                    conn.execute("COMMIT")
                continue
            for statement in _statements(sql if isinstance(sql, str) else sql[dialect.name]):
                conn.execute(dialect.ddl(statement))
            dialect.set_user_version(conn, number)
            if not in_transaction:
                conn.execute("COMMIT")
        except StoreError:
            raise
        except Exception as exc:  # sqlite3.Error or psycopg.Error
            if not in_transaction:
                conn.rollback()
            raise StoreError(f"{path}: migration {number} ({name}) failed: {' '.join(str(exc).split())}") from None


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip()]


def as_store_error(exc: BaseException, path: "Path | str") -> StoreError | None:
    """The one-line StoreError for a database error that escaped the store (a read outside a
    transaction on a damaged or full project file), or None for anything else."""
    if isinstance(exc, sqlite3.OperationalError) or type(exc) is sqlite3.DatabaseError:
        return store_error(Path(path), exc)
    return None


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return ProjectLockedError(f"{path}: the project is busy in another process; try again in a moment")
    if "readonly" in message:
        return StoreError(f"{path}: the project file is read-only; nothing was changed")
    if "malformed" in message or "not a database" in message:
        return damaged(path, message)
    if "disk" in message and "full" in message:
        return StoreError(f"{path}: the disk is full; nothing was saved")
    return StoreError(f"{path}: {message}")
