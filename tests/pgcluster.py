"""A throw-away PostgreSQL cluster for the tests and benchmarks (no mock: the real server).

``Cluster.start_new()`` runs ``initdb`` into a fresh temporary folder (owned
by the ``postgres`` user when we run as root: the server refuses to run as
root), then ``pg_ctl start`` on a free port on 127.0.0.1 with its socket in
that folder. ``stop()`` and ``start()`` restart it (the fault tests);
``destroy()`` stops it and deletes the folder. ``CODERING_TEST_PG`` points the
tests at an existing server instead (``postgresql://USER@HOST:PORT/DB``).
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

BIN_DIRS = [Path(p) for p in os.environ.get("CODERING_PG_BIN", "").split(os.pathsep) if p] + [
    Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin"), Path("/usr/lib/postgresql/17/bin"),
]
INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/15/bin: install "
                "them with `apt-get install postgresql-15`, or set CODERING_TEST_PG=postgresql://USER@HOST:PORT/DB "
                "to run these tests against an existing server")


def find_bin() -> Path | None:
    for folder in BIN_DIRS:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    def __init__(self, bin_dir: Path, folder: Path, port: int, durable: bool) -> None:
        self.bin_dir, self.folder, self.port, self.durable = bin_dir, folder, port, durable
        self.data = folder / "data"
        self.user = "codering"

    @classmethod
    def start_new(cls, durable: bool = False) -> "Cluster":
        """``durable``: fsync on (benchmarks measure what a real server does); off for the tests."""
        bin_dir = find_bin()
        if bin_dir is None:
            raise FileNotFoundError(INSTALL_HINT)
        folder = Path(tempfile.mkdtemp(prefix="codering-pg-"))
        cluster = cls(bin_dir, folder, free_port(), durable)
        atexit.register(cluster.destroy)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres")
        cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", cluster.user, "-E", "UTF8",
                     "--no-instructions", *([] if durable else ["--no-sync"]))
        cluster.start()
        cluster.sql("CREATE DATABASE codering")
        return cluster

    @property
    def url(self) -> str:
        """The test database's address (append ``?project=NAME``)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/codering"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -h 127.0.0.1 -c max_connections=300"
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"), "-w",
                  "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if self.folder.exists():
            if (self.data / "postmaster.pid").exists():
                try:
                    self.stop("immediate")
                except subprocess.CalledProcessError:
                    pass
            shutil.rmtree(self.folder, ignore_errors=True)

    def sql(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}", autocommit=True) as c:
            c.execute(statement)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, cwd=self.folder)
