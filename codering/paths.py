"""Where codering finds its shipped files and keeps its own."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

PROJECT_SUFFIX = ".codering"


def repo_root() -> Path:
    """The folder that holds ``codebooks/`` and ``transcripts/`` (the checkout)."""
    override = os.environ.get("CODERING_HOME")
    return Path(override) if override else Path(__file__).resolve().parent.parent


def shipped_dir(name: str, packaged_only: bool = False) -> Path:
    """A folder of shipped files (``codebooks``, ``transcripts``).

    ``$CODERING_HOME/<name>`` when that folder exists (unless ``packaged_only``); else the
    copy an installed wheel holds as package data (``codering/_data/<name>``, see
    ``setup.py``); else the checkout's top-level folder, the one editable copy.
    """
    if os.environ.get("CODERING_HOME") and not packaged_only and (repo_root() / name).is_dir():
        return repo_root() / name
    packaged = resources.files("codering").joinpath("_data", name)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / name  # the checkout's


def codebooks_dir() -> Path:
    return shipped_dir("codebooks")


def codebook_dirs() -> list[Path]:
    """Where a codebook is looked up by name: ``$CODERING_HOME/codebooks`` first (when there is one), then
    the codebooks codering ships, which a home folder of one's own codebooks need not repeat."""
    return list(dict.fromkeys([codebooks_dir(), shipped_dir("codebooks", packaged_only=True)]))


def sample_transcripts_dir() -> Path:
    return shipped_dir("transcripts")


def exports_dir(project_path: str | Path | None = None) -> Path:
    """Where a project's exports go when no file is named: ``exports/`` beside its project file (for a
    project on a server, ``exports/`` in the current folder).

    The demo project's is the checkout's ``exports/`` (when codering runs from a
    checkout, or ``$CODERING_HOME`` names one); without a project, the checkout's.
    """
    checkout = repo_root() / "exports"
    if project_path is None:
        return checkout
    if getattr(project_path, "is_server", False):  # a project on a PostgreSQL server: ./exports
        return Path.cwd() / "exports"
    project = Path(project_path).expanduser().resolve()
    if project == demo_project_path().expanduser().resolve() and checkout.is_dir():
        return checkout
    return project.parent / "exports"


def demo_project_path() -> Path:
    """The demo project: ``$CODERING_DEMO`` or ``~/.local/share/codering/demo.codering``."""
    override = os.environ.get("CODERING_DEMO")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "codering" / f"demo{PROJECT_SUFFIX}"
