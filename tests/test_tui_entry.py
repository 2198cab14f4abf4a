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
    assert result.returncode == 0 and "Usage: python tui.py [PROJECT]" in result.stdout
    assert "``" not in result.stdout  # the usage, not the module's docstring
    extra = run_tui("a.codering", "b.codering")
    assert extra.returncode == 2 and "python tui.py: one project at most, got 2" in extra.stderr


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


def test_a_terminated_ui_gives_the_terminal_back(project, tmp_path):
    """SIGTERM (kill, a closed terminal window) ends the app the normal way: alternate screen left,
    cursor shown, mouse reporting off, and everything decided is already saved."""
    import os
    import select
    import signal
    import time

    pty = __import__("pytest").importorskip("pty")
    project.close()
    pid, fd = pty.fork()
    if pid != 0:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    if pid == 0:  # the child: the real UI on a pseudo-terminal
        os.environ.update(TERM="xterm-256color", XDG_STATE_HOME=str(tmp_path / "state"))
        os.execv(sys.executable, [sys.executable, str(ROOT / "tui.py"), str(project.path)])
    out = b""
    status = None

    def read_for(seconds: float, until: bytes | None = None) -> None:
        """Read the child's output (a pty whose buffer fills blocks the child) until ``until`` shows,
        the child has exited, or ``seconds`` pass."""
        nonlocal out, status
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until in out):
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:  # the child closed the terminal
                    pass
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                return

    try:
        read_for(90, until=b"palet")  # the footer is drawn: the app runs
        assert b"\x1b[?1049h" in out
        os.kill(pid, signal.SIGTERM)
        read_for(60)
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    assert status is not None and os.waitstatus_to_exitcode(status) == 128 + signal.SIGTERM
    after = out[out.rfind(b"\x1b[?1049h"):]
    assert b"\x1b[?1049l" in after and b"\x1b[?25h" in after and b"\x1b[?1000l" in after
