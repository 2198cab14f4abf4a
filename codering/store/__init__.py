"""The project store: one SQLite file per project, or a project on a PostgreSQL server; the only package
that speaks SQL.

Every user action is one transaction (SQLite: ``BEGIN IMMEDIATE`` so two
processes queue instead of corrupting each other; PostgreSQL: advisory locks,
see :mod:`codering.store.dialect`). :class:`Project` is the one object the rest
of codering uses; it is put together from one part per responsibility::

    project.py      Project: create, open, close, settings, stats (the facade)
    connection.py   the SQLite connection, file checks, transactions
    migrations.py   the schema as named, ordered migrations (both engines)
    dialect.py      what differs between SQLite and PostgreSQL, in one place
    location.py     where a project lives: a file or postgresql://HOST/DB?project=NAME
    pg.py           the pooled psycopg connection of a server project; LISTEN/NOTIFY
    transfer.py     push/pull: a whole project copied between the engines
    journal.py      journaled actions, undo, redo (per coder), history
    codes.py        the project's codebook
    transcripts.py  transcripts, turns, segments, attributes; re-import
    reanchor.py     moving spans to the same words in a changed text (pure)
    codings.py      codings and suggestion decisions
    memos.py        memos
    learning.py     what the suggestion engine learns from, and what changed
    caches.py       stored suggestions and sentence embeddings
    vectors.py      the per-user cache of codebook-text vectors (outside any project)
    rows.py         the dataclasses handed to callers
"""

from codering.store.codings import ORIGINS
from codering.store.connection import SQLITE_MAGIC, as_store_error
from codering.store.journal import changed_nothing, table_touched
from codering.store.learning import WorkMarks, read_spans, skipped_setting
from codering.store.memos import MEMO_KINDS
from codering.store.project import Project
from codering.store.rows import (CodeMerge, CodeUsage, Coding, Decision, ImportReport, Memo, Merged, SegmentRow,
                                 TranscriptInfo, now, text_hash)

__all__ = [
    "MEMO_KINDS", "ORIGINS", "SQLITE_MAGIC", "as_store_error", "CodeMerge", "CodeUsage", "Coding", "Decision",
    "ImportReport", "Memo", "Merged", "Project", "SegmentRow", "TranscriptInfo", "WorkMarks",
    "changed_nothing", "now", "read_spans", "skipped_setting", "table_touched", "text_hash",
]
