"""A project on a PostgreSQL server (psycopg 3 and its connection pool).

**One PostgreSQL schema per project.** Several projects share one database,
each in its own schema named after the project (``?project=NAME``), with the
same tables as a project file. The alternative, a ``project`` column in every
table, would put a project condition into every statement, key and index of
the store and make the two engines' SQL differ; with a schema per project the
statements are the very ones SQLite runs (the connection's ``search_path`` is
the project's schema), a project is dropped, dumped (``pg_dump -n``) or granted
to a team as one unit, and one project's locks never touch another's.

:class:`PgConnection` gives a pooled psycopg connection the face of the
``sqlite3.Connection`` the store's parts use (``execute``, ``executemany``,
``in_transaction``, ``commit``, ``rollback``), translating each statement once
(:class:`codering.store.dialect.PostgresDialect`). A lost connection (server
restart, network) is given back to the pool, which replaces it: a read is
retried once on a fresh connection, an interrupted write transaction raises
:class:`codering.errors.ConnectionLostError` (nothing of it was committed) so
that the caller can retry it. Every write transaction sends a NOTIFY on the
project's channel, and triggers on ``codings`` and ``decisions`` send the
transcript id of each row changed (installed with the schema,
:func:`install_change_notes`). Every pooled connection LISTENs on that
channel: its own transactions' notes arrive with their COMMIT, other
connections' are read without blocking when asked (:meth:`PgConnection.changes`);
so the store knows which transcripts any coder changed since a token.
"""

from __future__ import annotations

import threading
from typing import Any, Iterable

from codering.errors import ConnectionLostError, StoreError
from codering.store.dialect import PostgresDialect, _pg_sql
from codering.store.location import ServerAddress

WAIT = 2.0  # seconds to wait for a connection before saying the server does not answer


class PgConnection:
    """The store's connection to one server project (see the module docstring)."""

    def __init__(self, address: ServerAddress) -> None:
        self.address = address
        self.dialect = PostgresDialect(address.project)
        self._pool = _pool(address, self.dialect.channel)
        self._conn: Any = None
        self._lock = threading.RLock()
        self._seq = 0  # commits (notes) seen so far
        self._touched: list[tuple[int, int]] = []  # (seq, transcript id) of codings/decisions changed
        self._unknown_until = 0  # notes before this seq may have been missed (a lost connection)
        self._handler = lambda note: self._note(note.payload)
        self.lost = False
        """The connection went and no new one was made since (cleared by the next that works)."""

    # -- the sqlite3.Connection face ----------------------------------------------------
    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        import psycopg

        text = _pg_sql(sql)
        params = tuple(params)
        with self._lock:
            for attempt in (0, 1):
                conn = self._raw()
                in_tx = self._busy(conn)
                try:
                    return conn.execute(text, params)
                except psycopg.OperationalError as exc:
                    if not conn.broken:
                        raise
                    self._drop()
                    if in_tx or attempt:
                        raise lost(self.address, exc) from None
            raise AssertionError("unreachable")

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        import psycopg

        with self._lock:
            conn = self._raw()
            try:
                with conn.cursor() as cur:
                    cur.executemany(_pg_sql(sql), [tuple(r) for r in rows])
            except psycopg.OperationalError as exc:
                if not conn.broken:
                    raise
                self._drop()
                raise lost(self.address, exc) from None

    @property
    def in_transaction(self) -> bool:
        return self._conn is not None and not self._conn.broken and self._busy(self._conn)

    def commit(self) -> None:
        """NOTIFY the project's channel and commit, in one round trip (this connection's own notes arrive
        with the COMMIT's answer)."""
        self.script(f"SELECT pg_notify('{self.dialect.channel}', ''); COMMIT")

    def script(self, sql: str) -> None:
        """Statements without parameters, in one round trip (BEGIN with its locks; NOTIFY with COMMIT)."""
        import psycopg

        with self._lock:
            for attempt in (0, 1):
                conn = self._raw()
                in_tx = self._busy(conn)
                try:
                    conn.execute(sql)
                    return
                except psycopg.OperationalError as exc:
                    if not conn.broken:
                        raise
                    self._drop()
                    if in_tx or attempt or sql.startswith("SELECT pg_notify"):
                        raise lost(self.address, exc) from None

    def translate_error(self) -> BaseException:
        """The exception being handled, as a one-line error where it is a known condition (two coders'
        undo waiting on each other's rows: PostgreSQL ends one of them)."""
        import sys

        import psycopg.errors as e

        exc = sys.exc_info()[1]
        if isinstance(exc, (e.DeadlockDetected, e.SerializationFailure, e.LockNotAvailable)):
            from codering.errors import ProjectLockedError

            return ProjectLockedError(f"{self.address.where}: another coder was changing the same rows at the same "
                                      "moment; nothing was changed; try again")
        if isinstance(exc, e.InsufficientPrivilege):
            return StoreError(f"{self.address}: the server does not let this user change the project "
                              f"({_reason(str(exc))}); nothing was changed")
        return exc

    def rollback(self) -> None:
        with self._lock:
            if self._conn is None or self._conn.broken:
                self._drop()
                return
            try:
                self._conn.execute("ROLLBACK")
            except Exception:  # noqa: BLE001 - the connection went while rolling back: nothing was committed
                self._drop()

    def close(self) -> None:
        with self._lock:
            self._drop()
            self._pool.close()

    # -- changes by every coder ---------------------------------------------------------
    def changes(self) -> int:
        """A count that grows with every commit to the project seen here: this connection's own at once,
        other connections' as soon as their NOTIFY has arrived. Cheap: no round trip to the server."""
        import select

        with self._lock:
            conn = self._conn
            if conn is None:
                return self._seq
            try:
                if select.select([conn.fileno()], [], [], 0)[0]:
                    conn.pgconn.consume_input()
                    while (note := conn.pgconn.notifies()) is not None:
                        self._note(note.extra.decode())
            except Exception:  # noqa: BLE001 - the connection went: some notes may be lost
                self.lost = True
                self._drop()
            return self._seq

    def touched_since(self, seq: int) -> set[int] | None:
        """Transcript ids whose codings or decisions changed after ``seq`` (None: not known)."""
        with self._lock:
            if seq < self._unknown_until:
                return None
            return {tid for s, tid in self._touched if s > seq}

    def _note(self, payload: str) -> None:
        self._seq += 1
        if payload:
            for tid in payload.split(","):
                self._touched.append((self._seq, int(tid)))
            if len(self._touched) > 100_000:  # a long session: forget the oldest, tokens before say "unknown"
                self._unknown_until = self._touched[50_000][0]
                del self._touched[:50_000]

    # -- the pooled connections ---------------------------------------------------------
    def reconnect(self, wait: float = 0.3) -> bool:
        """Try to get a working connection within ``wait`` seconds (the pool keeps trying meanwhile)."""
        with self._lock:
            try:
                self._raw(wait).execute("SELECT 1")
            except Exception:  # noqa: BLE001 - not yet
                self._drop()
                return False
            return True

    def _raw(self, wait: float | None = None) -> Any:
        if self._conn is None:
            conn = self._get(wait)
            conn.add_notify_handler(self._handler)
            self.lost = False
            self._conn = conn
            self._seq += 1  # what happened while no connection listened is not known
            self._unknown_until = self._seq
        return self._conn

    def _get(self, wait: float | None = None) -> Any:
        from psycopg_pool import PoolTimeout

        try:
            return self._pool.getconn(timeout=WAIT if wait is None else wait)
        except PoolTimeout:
            self.lost = True
            raise ConnectionLostError(f"{self.address.where}: the PostgreSQL server does not answer; "
                                      "nothing was changed; codering keeps trying to reconnect") from None

    def _drop(self) -> None:
        """Give a lost connection back (the pool throws it away and makes a new one)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            self.lost = self.lost or conn.broken
            try:
                conn.remove_notify_handler(self._handler)
                self._pool.putconn(conn)
            except Exception:  # noqa: BLE001 - already gone
                pass

    @staticmethod
    def _busy(conn: Any) -> bool:
        from psycopg.pq import TransactionStatus

        return conn.info.transaction_status != TransactionStatus.IDLE


def connect(address: ServerAddress) -> PgConnection:
    """Check that the server can be reached and the user let in (one line naming what failed), then open
    the project's connection pool."""
    import psycopg

    try:
        psycopg.connect(address.conninfo, autocommit=True, connect_timeout=5,
                        application_name="codering").close()
    except psycopg.OperationalError as exc:
        raise connect_error(address, exc) from None
    return PgConnection(address)


def _pool(address: ServerAddress, channel: str) -> Any:
    import logging

    from psycopg import sql
    from psycopg_pool import ConnectionPool

    # the pool's own warnings ("discarding closed connection", "error connecting in ...") went to stderr
    # beside codering's one-line error; the store says what failed itself (a program's logging still gets them)
    pool_log = logging.getLogger("psycopg.pool")
    if not pool_log.handlers:
        pool_log.addHandler(logging.NullHandler())

    schema = sql.Identifier(address.project)

    def configure(conn: Any) -> None:
        conn.execute(sql.SQL("SET search_path TO {}").format(schema))
        conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    pool = ConnectionPool(address.conninfo, min_size=1, max_size=4, open=False, configure=configure,
                          check=ConnectionPool.check_connection, name=f"codering-{address.project}",
                          kwargs={"autocommit": True, "connect_timeout": 5, "application_name": "codering"},
                          reconnect_timeout=24 * 3600.0)
    pool.open(wait=False)
    return pool


def project_version(conn: PgConnection) -> int | None:
    """The project's schema version, or None when the database holds no project of that name."""
    import psycopg.errors

    if conn.execute("SELECT to_regclass('codering_schema')").fetchone()[0] is None:
        return None
    try:
        return conn.dialect.user_version(conn)
    except psycopg.errors.InsufficientPrivilege as exc:
        address = conn.address
        raise StoreError(f"{address.where}: the server does not let this user read project '{address.project}' "
                         f"({_reason(str(exc))}); ask its owner for access; nothing was changed") from None


def missing_project(conn: PgConnection) -> StoreError:
    """Why ``project_version`` found no project: no schema of that name, a schema the user may not use,
    or a schema that holds something else than a codering project (one line each)."""
    address = conn.address
    row = conn.execute("SELECT has_schema_privilege(nspname, 'USAGE'), current_user FROM pg_namespace "
                       "WHERE nspname = ?", (address.project,)).fetchone()
    if row is None:
        return StoreError(f"{address.where}: no such project '{address.project}'; "
                          f"create it with `codering init {address}`")
    if not row[0]:
        return StoreError(f"{address.where}: the server does not let user '{row[1]}' open project "
                          f"'{address.project}' (no USAGE on its schema); ask its owner for access; nothing was changed")
    return StoreError(f"{address.where}: '{address.project}' is a schema in this database but not a codering "
                      "project; nothing was changed; choose another project name")


def create_schema(conn: PgConnection) -> None:
    """Make the project's schema (in the open transaction); a project of that name already there is an error."""
    from psycopg import sql

    address = conn.address
    found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = ?", (address.project,)).fetchone()
    if found is not None and project_version(conn) is None:
        raise StoreError(f"{address.where}: a schema named '{address.project}' is already in this database and "
                         "is not a codering project (or not one this user may open); nothing was changed; "
                         "choose another project name")
    if found is not None:
        raise StoreError(f"{address}: a project named '{address.project}' already exists in {address.where}; "
                         f"open it with -p {address} or choose another name")
    raw = conn._raw()
    raw.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(address.project)))
    conn.execute("CREATE TABLE codering_schema (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO codering_schema (version) VALUES (0)")


def install_change_notes(conn: PgConnection, channel: str) -> None:
    """Triggers that NOTIFY the project's channel with the transcript id of every coding or decision
    inserted, changed or removed (PostgreSQL folds the same note within one transaction into one);
    SQLite's counterpart are the per-connection triggers of :mod:`codering.store.learning`."""
    channel = channel.replace("'", "''")
    conn.execute(f"""
        CREATE OR REPLACE FUNCTION codering_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN PERFORM pg_notify('{channel}', OLD.transcript_id::text); END IF;
            IF TG_OP <> 'DELETE' THEN PERFORM pg_notify('{channel}', NEW.transcript_id::text); END IF;
            RETURN NULL;
        END $$""".replace("%", "%%"))
    for table in ("codings", "decisions"):
        conn.execute(f"CREATE OR REPLACE TRIGGER {table}_note_change AFTER INSERT OR UPDATE OR DELETE ON {table}"
                     " FOR EACH ROW EXECUTE FUNCTION codering_note_change()")


def drop_project(address: ServerAddress) -> None:
    """Remove a server project and everything in it (tests and ``push --replace`` use this)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(address.conninfo, autocommit=True) as conn:
        conn.execute("SET lock_timeout = '20s'")  # a coder still in a transaction there: an error, not a hang
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(address.project)))


def connect_error(address: ServerAddress, exc: Exception) -> StoreError:
    """One line: the host and what failed (unreachable, authentication, no such database)."""
    message = " ".join(str(exc).split())
    low = message.lower()
    if "password" in low or "authentication" in low or ("role" in low and "does not exist" in low):
        return StoreError(f"{address.host}: authentication failed ({_reason(message)}); give the password through "
                          "PGPASSWORD, ~/.pgpass or PGSERVICE")
    if "database" in low and "does not exist" in low:
        return StoreError(f"{address.host}: no database '{address.database}' on this server ({_reason(message)})")
    return StoreError(f"{address.host}: the PostgreSQL server cannot be reached ({_reason(message)})")


def lost(address: ServerAddress, exc: Exception) -> ConnectionLostError:
    return ConnectionLostError(f"{address.where}: the connection to the server was lost ({_reason(str(exc))}); "
                               "nothing of this action was saved; reconnecting")


def _reason(message: str) -> str:
    """The part of a libpq message that says what went wrong, without the connection details before it."""
    message = " ".join(message.split())
    for marker in ("failed: ", "FATAL: "):
        if marker in message:
            message = message.rsplit(marker, 1)[1]
    return message[:160]
