"""The demo project: the sample transcripts coded against the default codebook."""

from __future__ import annotations

from pathlib import Path

from codering.codebook import default_codebook_path, load_codebook
from codering.ingest.plan import plan_import
from codering.paths import demo_project_path, sample_transcripts_dir
from codering.store import Project

DEMO_MARK = "demo"  # the setting that says a project was made as the demo project


def ensure_demo_project(path: str | Path | None = None, fresh: bool = False) -> tuple[Path, bool]:
    """Return the demo project's path, creating it from ``transcripts/`` if needed.

    ``path``: where to make it instead of the demo location (``-p``). ``fresh`` removes only the demo
    location's file or one this function made (a project coded by no one but "demo"): a ``-p`` or
    ``$CODERING_PROJECT`` left pointing at a researcher's project must never be wiped."""
    from codering.errors import CoderingError
    from codering.store.location import is_server_address

    if path and is_server_address(path):
        raise CoderingError(f"the demo project is a file, not a server project ({path}): give a file with -p, "
                            "or leave -p and $CODERING_PROJECT out for the demo's own place")
    target = Path(path) if path else demo_project_path()
    if fresh and target.exists() and not _is_demo(target):
        raise CoderingError(f"{target}: not the demo project (it holds work of its own, or is not a codering "
                            "project); --fresh removes only the demo project, so this file is left as it is")
    if fresh and target.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    if target.exists():
        return target, False
    plan = plan_import([sample_transcripts_dir()])  # read everything before creating anything
    with Project.create(target, load_codebook(default_codebook_path())) as project:
        plan.apply(project, coder="demo")
        project.set_setting(DEMO_MARK, "1")
    return target, True


def _is_demo(path: Path) -> bool:
    """Is ``path`` the demo location, or a project this module made (it carries the mark) that nobody has
    worked in? A project of one's own without codings yet is not (it may hold imports and attributes)."""
    try:
        if path.resolve() == demo_project_path().resolve():
            return True
        with Project.open(path) as project:
            return (project.setting(DEMO_MARK) == "1" and set(project.coders()) <= {"demo"}
                    and not project.memos() and not project.stats()["decisions"])
    except Exception:  # not a project, damaged, unreadable: not the demo's to remove
        return False
