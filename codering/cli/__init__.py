"""The command line: one click group, a module per command group, one console.

    root.py      the ``codering`` group, ``main()`` (the console script) and error handling
    common.py    State (the lazily opened project), default_coder, console
    project.py   init, import, transcripts, stats, demo
    coding.py    code, uncode, memo, memos, undo, redo, codings
    codebook.py  codebook validate | show | export | import
    export.py    export factors | detail | crosstab | cooccurrence | codebook | figure | all
    collab.py    export qdpx, agreement, disagreements, resolve, merge
    suggest.py   suggest, evaluate, model build | info | use

Every command imports what is heavy (pandas, the engine, python-docx, ...)
only when it runs, so ``codering --help`` starts fast.
"""

from codering.cli.common import State, console, default_coder
from codering.cli.root import cli, main

__all__ = ["State", "cli", "console", "default_coder", "main"]
