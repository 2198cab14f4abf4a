"""Coding a transcript, independent of any front end (no Textual, no click).

    session.py    CodingSession: the cursor, the open suggestions, every decision written at once;
                  default_coder()
    search.py     CodeIndex: diacritic-insensitive fuzzy search over a codebook's codes
    combine.py    CodeCombinations: which code groups a coder puts together on one sentence
    suggester.py  default_suggester(): the one place the UI's suggester is chosen; the engine
                  is built in a worker, with the keyword suggester as the fallback
    review.py     recode(): give a coding's words another code, as one undoable action

The terminal UI (:mod:`codering.tui`) is a view over these.
"""
