"""Shared fixtures: small codebooks and projects built from real files."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DEFAULT_CODEBOOK = ROOT / "codebooks" / "samenwerking-zorg-welzijn.yaml"

SMALL_CODEBOOK = """\
codebook:
  id: klein
  name: Klein codeboek
codes:
  - id: stim
    label: Stimulerende factoren
    codable: false
  - id: stim.praktisch
    label: Praktische
    description: Praktische zaken die samenwerking makkelijker maken.
  - id: stim.praktisch.nabijheid
    label: Nabijheid
    examples: ["we zitten in hetzelfde gebouw"]
  - id: rem
    label: Remmende factoren
    codable: false
  - id: rem.praktisch
    label: Praktische
  - id: fin
    label: Finaliteit
    codable: false
  - id: fin.doorverwijzen
    label: Doorverwijzen
    key: d
"""

SMALL_TRANSCRIPT = """\
interview_id: T-01
locatie: Beernem
actorgroep: zorg

I: Met wie werkt u samen?

[00:01:10] R: Met de huisarts, o.a. voor doorverwijzingen. We zitten in hetzelfde gebouw. Dat helpt echt.

I: En wat loopt minder goed?

R: De wachtlijsten bij het CAW zijn lang. Dat remt alles af.
"""


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep demo projects and caches out of the real home folder."""
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("CODERING_CODER", "tester")


@pytest.fixture
def small_codebook_file(tmp_path) -> Path:
    path = tmp_path / "klein.yaml"
    path.write_text(SMALL_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def small_codebook(small_codebook_file):
    from codering.codebook import load_codebook

    return load_codebook(small_codebook_file)


@pytest.fixture
def transcript_file(tmp_path) -> Path:
    path = tmp_path / "t01_huisarts.txt"
    path.write_text(SMALL_TRANSCRIPT, encoding="utf-8")
    return path


# -- PostgreSQL: one throw-away cluster per session (tests/pgcluster.py), a fresh project per test ------------
def pytest_configure(config):
    config.addinivalue_line("markers", "backends(*names): run the module's `project` tests on these engines "
                                       "(sqlite, postgresql); default sqlite only")


def pytest_generate_tests(metafunc):
    """Modules marked ``backends("sqlite", "postgresql")`` run every test that uses ``project`` (or a
    fixture built on it) once per engine, so the two engines can never drift apart."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        metafunc.parametrize("backend", marker.args if marker else ("sqlite",))


_pg_projects = iter(range(1, 10**9))


@pytest.fixture(scope="session")
def pg_server():
    """The base address of a PostgreSQL database for tests: ``$CODERING_TEST_PG``, or a cluster started
    here (skipped, saying how to install PostgreSQL, when its binaries are missing)."""
    url = os.environ.get("CODERING_TEST_PG")
    if url:
        yield url, None
        return
    from tests.pgcluster import Cluster, find_bin, INSTALL_HINT

    if find_bin() is None:
        pytest.skip(INSTALL_HINT)
    cluster = Cluster.start_new()
    try:
        yield cluster.url, cluster
    finally:
        cluster.destroy()


@pytest.fixture
def pg_project(pg_server):
    """``pg_project(name)``: a server project's address (not created yet), dropped after the test."""
    from codering.store.location import locate
    from codering.store.pg import drop_project

    made: list[str] = []

    def address(name: str) -> str:
        base = pg_server[0]
        made.append(f"{base}{'&' if '?' in base else '?'}project={name}")
        drop_project(locate(made[-1]))  # left over from an interrupted run
        return made[-1]

    yield address
    for url in made:
        drop_project(locate(url))


@pytest.fixture
def pg_url(pg_project):
    """A fresh server project's address (not created yet); the project is dropped afterwards."""
    return pg_project(f"test_{os.getpid()}_{next(_pg_projects)}")


@pytest.fixture
def backend() -> str:
    return "sqlite"  # replaced by pytest_generate_tests


@pytest.fixture
def project_location(request, backend, tmp_path):
    """Where the test's project lives: a file in tmp_path, or (backend postgresql) a server project."""
    if backend == "postgresql":
        request.getfixturevalue("monkeypatch").chdir(tmp_path)  # its exports go to ./exports, here tmp_path's
        return request.getfixturevalue("pg_project")("p")  # named as the file would be
    return tmp_path / "p.codering"


@pytest.fixture
def project(project_location, small_codebook):
    from codering.store import Project

    with Project.create(project_location, small_codebook) as proj:
        yield proj


@pytest.fixture
def loaded_project(project, transcript_file):
    from codering.ingest import read_transcript

    project.import_transcript(read_transcript(transcript_file), str(transcript_file))
    return project


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: int = 120):
    """Run the real `codering` command in a subprocess."""
    import subprocess

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "codering", *args], cwd=cwd, env=full_env, capture_output=True,
        text=True, timeout=timeout,
    )
