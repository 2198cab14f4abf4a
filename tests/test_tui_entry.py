"""`python tui.py`: the entry point, and the rule that only codering/tui imports Textual."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_tui(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tui.py"), *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, stdin=subprocess.DEVNULL)


def test_a_project_that_cannot_be_opened_is_one_line_and_exit_1(tmp_path):
    missing = run_tui(str(tmp_path / "nergens.codering"))
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "no such project" in missing.stderr
    assert "Traceback" not in missing.stderr
    junk = tmp_path / "junk.codering"
    junk.write_bytes(b"\x00not sqlite")
    bad = run_tui(str(junk))
    assert bad.returncode == 1 and "not a codering project" in bad.stderr and "Traceback" not in bad.stderr


def test_a_project_from_a_newer_codering_is_refused(tmp_path, project):
    import sqlite3

    project.close()
    with sqlite3.connect(project.path) as conn:
        conn.execute("PRAGMA user_version = 999")
    result = run_tui(str(project.path))
    assert result.returncode == 1 and "newer codering" in result.stderr


def test_help_names_the_command():
    result = run_tui("--help")
    assert result.returncode == 0 and "python tui.py [PROJECT]" in result.stdout


def test_only_the_tui_package_imports_textual():
    code = (
        "import sys\n"
        "import codering.coding.session, codering.coding.search, codering.tui.colors, codering.tui.layout\n"
        "import codering.tui.state, codering.coding.suggester\n"
        "heavy = [m for m in ('textual', 'torch', 'sentence_transformers', 'spacy') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
    outside = [p for p in (ROOT / "codering").rglob("*.py")
               if "tui" not in p.relative_to(ROOT / "codering").parts
               and ("import textual" in p.read_text(encoding="utf-8")
                    or "from textual" in p.read_text(encoding="utf-8"))]
    assert outside == []
