"""Where a project lives: a file (SQLite) or a project on a PostgreSQL server.

A server project is written as a libpq URI with one extra query parameter,
``project``: ``postgresql://HOST[:PORT]/DB?project=NAME`` (``postgres://``
too; other libpq parameters such as ``user``, ``sslmode`` or ``service`` pass
through). Credentials come only from PostgreSQL's own mechanisms
(``PGPASSWORD``, ``~/.pgpass``, ``PGSERVICE``/``pg_service.conf``): an
address that carries a password is refused, so a password is never stored
in a project, a history file or an error message.

:class:`ServerAddress` stands in for a project file's ``Path`` where the rest
of codering uses one: ``name``/``stem`` are the project's name, ``parent`` is
the current folder (exports of a server project go to ``./exports``), and
``str()`` gives the address back as it can be passed to ``-p``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from codering.errors import StoreError

SCHEMES = ("postgresql", "postgres")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}")
_RESERVED = ("pg_", "information_schema", "public")


def is_server_address(text: object) -> bool:
    """Is ``text`` a server project's address (``postgresql://...``), not a file path?"""
    return isinstance(text, ServerAddress) or (isinstance(text, str) and text.split("://", 1)[0] in SCHEMES
                                               and "://" in text)


def locate(where: "str | os.PathLike[str] | ServerAddress") -> "Path | ServerAddress":
    """A project file's ``Path`` or a :class:`ServerAddress`, from what a user typed (``-p``, ``init``)."""
    if isinstance(where, ServerAddress):
        return where
    if is_server_address(where):
        return ServerAddress.parse(str(where))
    return Path(where)


@dataclass(frozen=True)
class ServerAddress:
    """A project on a PostgreSQL server: the connection string (no password) and the project's name."""

    conninfo: str
    project: str
    host: str
    database: str
    text: str

    is_server = True

    @classmethod
    def parse(cls, text: str) -> "ServerAddress":
        parts = urlsplit(text)
        if parts.password is not None:
            raise StoreError("the server address holds a password: leave it out and use PGPASSWORD, ~/.pgpass "
                             "or PGSERVICE instead (nothing was done)")
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = [value for key, value in query if key == "project"]
        if not names:
            raise StoreError(f"{text}: no project named; add ?project=NAME to the address")
        name = names[-1]
        if not _NAME.fullmatch(name) or name.lower().startswith(_RESERVED):
            raise StoreError(f"{text}: '{name}' cannot be a project name (letters, digits, '_', '.', '-'; "
                             "at most 63; not starting with pg_, not public)")
        rest = [(key, value) for key, value in query if key != "project"]
        conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(rest), ""))
        params = dict(rest)
        host = parts.hostname or params.get("host") or os.environ.get("PGHOST") or "localhost"
        if parts.port:
            host = f"{host}:{parts.port}"
        database = parts.path.lstrip("/") or params.get("dbname") or os.environ.get("PGDATABASE", "")
        return cls(conninfo=conninfo, project=name, host=host, database=database, text=text)

    # -- what callers use of a project file's Path -------------------------------------
    @property
    def name(self) -> str:
        return self.project

    @property
    def stem(self) -> str:
        return self.project

    @property
    def parent(self) -> Path:
        return Path.cwd()

    def expanduser(self) -> "ServerAddress":
        return self

    def resolve(self) -> "ServerAddress":
        return self

    def __str__(self) -> str:
        return self.text

    @property
    def where(self) -> str:
        """How errors name the server: host and database."""
        return f"{self.host}/{self.database}" if self.database else self.host
