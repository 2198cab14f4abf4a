"""Start the codering terminal UI from a checkout: ``python tui.py [PROJECT]``.

The same as ``codering-ui [PROJECT]`` once installed; see :mod:`codering.tui.launch`.
"""

from codering.tui.launch import exit_now, main

if __name__ == "__main__":
    exit_now(main())
