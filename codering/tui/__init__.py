"""The terminal UI of codering (the only package that imports Textual).

``python tui.py [PROJECT]`` runs it; tests build it with
:func:`codering.tui.app.make_app`. The coding loop it shows (session, code
search, which suggester) is :mod:`codering.coding`. Modules:

    app.py          the App, make_app(), the model worker, errors as dialogs
    layout.py       word wrap with offsets for the transcript view (no Textual)
    colors.py       stable colours per code (no Textual)
    state.py        the model's loading state (no Textual)
    messages.py     messages up to the app; guarded() turns errors into them
    screens/        overview, coding, codebook, review, export, help
    widgets/        transcript view, side panel, status line
    dialogs/        error, code picker, choice, memo, text, code form, narrow
"""
