"""``python -m codering.tui [PROJECT]``: the terminal UI (see :mod:`codering.tui.launch`)."""

from codering.tui.launch import run

run()
