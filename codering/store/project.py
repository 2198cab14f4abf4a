"""``Project``: one open project (a file, or a project on a PostgreSQL server), the facade the rest of
codering talks to.

It holds no logic of its own beyond opening, closing, settings and the
overview figures: each group of methods lives in the part that owns its
tables (see :mod:`codering.store`).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any, Callable

from codering.codebook import Codebook
from codering.errors import StoreError
from codering.store.caches import Caches
from codering.store.codes import CodebookTables
from codering.store.codings import CodingTables
from codering.store.connection import (
    check_project_file,
    closed,
    connect,
    damaged,
    migrate,
    opened,
    store_error,
    use_wal,
    writable,
)
from codering.store.location import ServerAddress, locate
from codering.store.migrations import SCHEMA_VERSION
from codering.store.learning import LearningQueries
from codering.store.memos import MemoTable
from codering.store.rows import now
from codering.store.transcripts import TranscriptTables


class Project(CodebookTables, TranscriptTables, CodingTables, MemoTable, LearningQueries, Caches):
    """An open project file. Use ``Project.create`` or ``Project.open``."""

    @classmethod
    def create(cls, path: "str | Path | ServerAddress", codebook: Codebook | None,
               coder: str | None = None, fill: "Callable[[Project], None] | None" = None) -> "Project":
        """Make a new project file (or server project: ``postgresql://HOST/DB?project=NAME``) and open it
        (``coder``: see :meth:`open`). ``codebook`` None: the tables only, for ``fill`` to write the rows
        (:func:`codering.store.transfer.copy_project`) before the project appears under its name, in the
        same transaction on a server: a kill or a failure leaves no project, not an empty one."""
        path = locate(path)
        if isinstance(path, ServerAddress):
            return cls._create_on_server(path, codebook, coder, fill)
        if path.exists():
            raise StoreError(f"{path}: already exists; open it with -p {path} or choose another name")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.creating")
        tmp.unlink(missing_ok=True)
        conn = connect(tmp)
        try:
            migrate(conn, tmp)
            project = cls(tmp, conn)
            if codebook is not None:
                project._write_identity(codebook)
            if fill is not None:
                fill(project)
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.close()
            tmp.rename(path)  # a half-created project is never left under the real name
        except BaseException:
            conn.close()
            tmp.unlink(missing_ok=True)
            raise
        return cls.open(path, coder)

    @classmethod
    def open(cls, path: "str | Path | ServerAddress", coder: str | None = None) -> "Project":
        """Open a project file (or server project). ``coder``: who works through it, the default coder of
        every journaled action and of undo and redo (which are per coder); without one, undo and redo act
        on anyone's actions (scripts)."""
        path = locate(path)
        if isinstance(path, ServerAddress):
            return cls._open_on_server(path, coder)
        version = check_project_file(path)
        read_only = not writable(path)
        try:
            conn = connect(path, read_only=read_only)
        except sqlite3.DatabaseError as exc:
            raise store_error(path, exc) from None
        try:
            if read_only:
                if version < SCHEMA_VERSION:
                    raise StoreError(f"{path}: made by an older codering and not writable here, so it cannot be "
                                     "updated; copy it to a folder you can write to; nothing was changed")
            else:
                use_wal(conn)
                migrate(conn, path)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a damaged schema fails here
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise store_error(path, exc) from None
        except BaseException:
            conn.close()
            raise
        project = cls(path, conn)
        project.read_only = read_only
        project.coder = coder
        project._file_key = opened(path)  # other opens in this process then leave the file's locks alone
        return project

    @staticmethod
    def exists(where: "str | Path | ServerAddress") -> bool:
        """Is there a project (or any file) there?"""
        where = locate(where)
        if isinstance(where, ServerAddress):
            from codering.store import pg

            conn = pg.connect(where)
            try:
                return pg.project_version(conn) is not None
            finally:
                conn.close()
        return where.exists()

    @staticmethod
    def remove(where: "str | Path | ServerAddress") -> None:
        """Delete a project whole (one just created that could not be filled)."""
        where = locate(where)
        if isinstance(where, ServerAddress):
            from codering.store import pg

            pg.drop_project(where)
            return
        for suffix in ("", "-wal", "-shm"):
            Path(f"{where}{suffix}").unlink(missing_ok=True)

    @classmethod
    def _create_on_server(cls, address: ServerAddress, codebook: Codebook | None, coder: str | None,
                          fill: "Callable[[Project], None] | None" = None) -> "Project":
        """All of it in one transaction (PostgreSQL's DDL is transactional): a half-created project is
        never left, and of two coders creating one project at once the second is told it exists."""
        from codering.store import pg

        conn = pg.connect(address)
        try:
            project = cls(address, conn, conn.dialect)
            with project.transaction():
                pg.create_schema(conn)
                migrate(conn, address, conn.dialect, in_transaction=True)  # with the change notes' triggers
                if codebook is not None:
                    project._write_identity(codebook)
                if fill is not None:
                    fill(project)
        except BaseException:
            conn.close()
            raise
        project._codebook = None
        project.coder = coder
        return project

    @classmethod
    def _open_on_server(cls, address: ServerAddress, coder: str | None) -> "Project":
        from codering.store import pg

        conn = pg.connect(address)
        try:
            version = pg.project_version(conn)
            if version is None:
                raise pg.missing_project(conn)
            if version > SCHEMA_VERSION:
                raise StoreError(f"{address}: made by a newer codering (schema {version}, this one reads up to "
                                 f"{SCHEMA_VERSION}); update codering; nothing was changed")
            migrate(conn, address, conn.dialect)
        except BaseException:
            conn.close()
            raise
        project = cls(address, conn, conn.dialect)
        project.coder = coder
        return project

    def _write_identity(self, codebook: Codebook) -> None:
        """A new project's codebook, id and date of creation."""
        self._write_codebook(codebook)
        with self.transaction() as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES ('project.id', ?)", (str(uuid.uuid4()),))
            conn.execute("INSERT INTO meta (key, value) VALUES ('project.created', ?)", (now(),))

    def close(self) -> None:
        self._conn.close()
        closed(getattr(self, "_file_key", None))
        self._file_key = None

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def project_id(self) -> str:
        """A UUID made when the project was created: the base of stable exchange GUIDs."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'project.id'").fetchone()
        return row[0] if row else str(uuid.uuid5(uuid.NAMESPACE_URL, str(self.path.resolve())))

    # -- settings ------------------------------------------------------------------------
    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (f"setting.{key}",)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        """One key, written at once; on a server beside other coders' actions (a row upsert needs no
        project-wide lock), not queued behind them."""
        with self.transaction(self.coder) as conn:
            conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         (f"setting.{key}", value))

    def unset_setting(self, key: str) -> None:
        """Remove one key (``setting`` gives its default again)."""
        with self.transaction(self.coder) as conn:
            conn.execute("DELETE FROM meta WHERE key = ?", (f"setting.{key}",))

    # -- overview ----------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        q = lambda sql: self._conn.execute(sql).fetchone()[0]  # noqa: E731
        per_code = dict(self._conn.execute(
            "SELECT code_id, COUNT(*) FROM codings WHERE detached = 0 GROUP BY code_id"
        ).fetchall())
        return {
            "transcripts": q("SELECT COUNT(*) FROM transcripts"),
            "segments": q("SELECT COUNT(*) FROM segments"),
            "codings": q("SELECT COUNT(*) FROM codings WHERE detached = 0"),
            "detached_codings": q("SELECT COUNT(*) FROM codings WHERE detached = 1"),
            "imported_codings": q("SELECT COUNT(*) FROM codings WHERE detached = 0 AND origin = 'import'"),
            "search_codings": q("SELECT COUNT(*) FROM codings WHERE detached = 0 AND origin = 'search'"),
            "decisions": q("SELECT COUNT(*) FROM decisions"),
            "accepted": q("SELECT COUNT(*) FROM decisions WHERE accepted = 1"),
            "memos": q("SELECT COUNT(*) FROM memos"),
            "coders": self.coders(),
            "codes": len(self.codebook()),
            "per_code": per_code,
            "schema_version": self.dialect.user_version(self._conn),
        }

    def check_pages(self) -> None:
        """Before a bulk write (an import, a merge): a StoreError if the file's pages are damaged, so nothing
        more is written into a file that is already broken (SQLite's quick check: 0.2 s for a 22 MB project
        of 160 interviews, 35 ms for the demo). A server checks its own pages."""
        if self.on_server:
            return
        try:
            found = self._conn.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise store_error(self.path, exc) from None
        if found != "ok":
            raise damaged(self.path, " ".join(str(found).split())[:120])

    def integrity_ok(self) -> bool:
        if self.on_server:  # the server checks its pages itself; here: the schema is there and answers
            return self.dialect.user_version(self._conn) == SCHEMA_VERSION
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
