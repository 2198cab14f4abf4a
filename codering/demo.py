"""The demo project: the sample transcripts coded against the default codebook."""

from __future__ import annotations

from pathlib import Path

from codering.codebook import default_codebook_path, load_codebook
from codering.ingest.plan import plan_import
from codering.paths import demo_project_path, sample_transcripts_dir
from codering.store import Project


def ensure_demo_project(path: str | Path | None = None, fresh: bool = False) -> tuple[Path, bool]:
    """Return the demo project's path, creating it from ``transcripts/`` if needed."""
    target = Path(path) if path else demo_project_path()
    if fresh and target.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    if target.exists():
        return target, False
    plan = plan_import([sample_transcripts_dir()])  # read everything before creating anything
    with Project.create(target, load_codebook(default_codebook_path())) as project:
        plan.apply(project, coder="demo")
    return target, True
