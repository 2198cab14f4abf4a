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


@pytest.fixture
def project(tmp_path, small_codebook):
    from codering.store import Project

    with Project.create(tmp_path / "p.codering", small_codebook) as proj:
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
