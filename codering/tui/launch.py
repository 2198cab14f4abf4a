"""Start the codering terminal UI: ``codering-ui [PROJECT]`` (installed), ``python -m codering.tui
[PROJECT]``, or ``python tui.py [PROJECT]`` in a checkout.

With PROJECT, open that project file (or a project on a PostgreSQL server:
``postgresql://HOST[:PORT]/DB?project=NAME``); a project that cannot be opened
(no such file or project, not a codering project, made by a newer codering,
busy, server unreachable) ends with one line on stderr and exit code 1. Without it, open the demo project (made
once from the sample transcripts and the default codebook) and say where it lives.
"""

from __future__ import annotations

import sys
from pathlib import Path


USAGE = """\
Usage: {prog} [PROJECT]

  The codering terminal UI. PROJECT: a project file, or a project on a PostgreSQL
  server (postgresql://HOST[:PORT]/DB?project=NAME). Without it, the demo project
  (made once from the sample transcripts and the default codebook).

  Keys: ? in the UI lists them. The command line: codering --help."""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    started_as = Path(sys.argv[0]).name
    prog = {"tui.py": "python tui.py", "__main__.py": "python -m codering.tui"}.get(started_as, "codering-ui")
    usage = USAGE.format(prog=prog)
    if any(a in ("-h", "--help") for a in args):
        print(usage)
        return 0
    options = [a for a in args if a.startswith("-")]
    if len(args) > 1 or options:
        what = f"unknown option '{options[0]}'" if options else f"one project at most, got {len(args)}"
        print(f"{usage.splitlines()[0]}\n{prog}: {what}", file=sys.stderr)
        return 2
    from codering.errors import CoderingError

    project_path: Path | None = None
    if args:
        from codering.store import Project
        from codering.store.location import locate

        project_path = locate(args[0])
        project_path = project_path.expanduser()
        try:
            Project.open(project_path).close()
        except CoderingError as exc:
            print(f"codering: {exc}", file=sys.stderr)
            return 1
    else:
        from codering.paths import demo_project_path

        demo = demo_project_path()
        state = "opening" if demo.exists() else "creating (once, a few seconds)"
        print(f"codering: demo project at {demo} ({state})", file=sys.stderr)

    from codering.tui.app import make_app

    app = make_app(project_path)
    _stop_on_signals(app)
    try:
        app.run()
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a crash: the terminal back, one line, the details in the log
        _restore_terminal()
        print(f"codering: the UI stopped on an error: {type(exc).__name__}: {exc} (everything decided is saved)",
              file=sys.stderr)
        return 1
    if project_path is None and app.project is not None:
        print(f"codering: demo project at {app.project.path}", file=sys.stderr)
    return app.return_code or 0


def _stop_on_signals(app) -> None:
    """SIGTERM and SIGHUP (a closed terminal window, ``kill``) end the app the normal way, so Textual
    gives the terminal back (normal screen, cursor, no mouse reporting) instead of leaving it raw."""
    import signal

    def stop(signum, _frame) -> None:
        app.call_later(app.exit, return_code=128 + signum)  # from the event loop, like a key would

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)


def _restore_terminal() -> None:
    """After a crash that got past Textual: leave the alternate screen, show the cursor, stop mouse
    reporting, leave raw mode."""
    if not sys.stdout.isatty():
        return
    sys.stdout.write("\x1b[?1000l\x1b[?1003l\x1b[?1006l\x1b[?25h\x1b[?1049l")
    sys.stdout.flush()
    try:
        import termios

        attrs = termios.tcgetattr(sys.stdin.fileno())
        attrs[3] |= termios.ECHO | termios.ICANON
        termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, attrs)
    except Exception:  # noqa: BLE001 - best effort on a terminal that may be gone
        pass


def exit_now(code: int) -> None:
    """Exit without waiting for a model thread still embedding (it stops only between chunks).

    Safe: every decision was committed when it was made, and SQLite rolls back
    a write the thread had not finished.
    """
    import os
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1:
        os._exit(code)
    sys.exit(code)


def run() -> None:
    """The ``codering-ui`` command."""
    try:
        code = main()
    except BrokenPipeError:  # ``codering-ui --help | head -1``: the reader left
        code = 0
    exit_now(code)
