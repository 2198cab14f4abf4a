"""Where codering finds its shipped files and keeps its own."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_SUFFIX = ".codering"


def repo_root() -> Path:
    """The folder that holds ``codebooks/`` and ``transcripts/`` (the checkout)."""
    override = os.environ.get("CODERING_HOME")
    return Path(override) if override else Path(__file__).resolve().parent.parent


def codebooks_dir() -> Path:
    return repo_root() / "codebooks"


def sample_transcripts_dir() -> Path:
    return repo_root() / "transcripts"


def exports_dir() -> Path:
    return repo_root() / "exports"


def demo_project_path() -> Path:
    """The demo project: ``$CODERING_DEMO`` or ``~/.local/share/codering/demo.codering``."""
    override = os.environ.get("CODERING_DEMO")
    if override:
        return Path(override)
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "codering" / f"demo{PROJECT_SUFFIX}"
