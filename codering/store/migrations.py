"""The project schema as named, ordered migrations.

Each migration is ``(number, name, sql)``; a project's ``PRAGMA user_version``
is the number of the last migration applied. Never edit a migration that has
shipped: add a new one.

Migration 3 makes undo per coder: the journal notes who undid an action
(``undone_by``), and codings, decisions and memos get ``AUTOINCREMENT`` ids,
so an id freed by one coder's undo is never given to another coder's new row
(a later redo puts the row back under its own id).

Migration 4 keeps the stored suggestions per coder (each coder's suggestions
learn from that coder's own work: :meth:`codering.store.Project.learning_scope`);
``''`` is a project-wide set (written by a script without a coder, or before
this migration), shown to every coder where they have none of their own.

Migration 5 adds the origin ``search``: codings a coder made in bulk on the hits of a text search
(:func:`codering.coding.textsearch.code_hits`). SQLite cannot change a CHECK constraint, so ``codings`` is built
again there with its ids, and its AUTOINCREMENT counter is carried over (an id freed by an undo is
never handed out again); PostgreSQL swaps the constraint in place. A migration whose SQL differs
between the engines gives it per engine (``{"sqlite": ..., "postgresql": ...}``).

The same migrations run on SQLite and PostgreSQL (:mod:`codering.store.dialect`).
"""

from __future__ import annotations

APPLICATION_ID = 0x436F6472  # "Codr": marks an SQLite file as a codering project

MIGRATIONS: list[tuple[int, str, str | dict[str, str]]] = [
    (1, "initial schema", """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE codes (
    id TEXT PRIMARY KEY,
    parent TEXT REFERENCES codes(id) DEFERRABLE INITIALLY DEFERRED,
    label TEXT NOT NULL,
    short TEXT,
    description TEXT NOT NULL DEFAULT '',
    include TEXT NOT NULL DEFAULT '',
    exclude TEXT NOT NULL DEFAULT '',
    examples TEXT NOT NULL DEFAULT '[]',
    key TEXT,
    color TEXT,
    codable INTEGER NOT NULL DEFAULT 1,
    position INTEGER NOT NULL
);
CREATE TABLE transcripts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    content TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_path TEXT,
    source_format TEXT NOT NULL,
    encoding TEXT,
    imported_at TEXT NOT NULL,
    position INTEGER NOT NULL
);
CREATE INDEX transcripts_by_hash ON transcripts(content_hash);
CREATE TABLE attributes (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (transcript_id, name)
);
CREATE TABLE turns (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    body_start INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    role TEXT NOT NULL,
    timestamp TEXT,
    PRIMARY KEY (transcript_id, idx)
);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    role TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    UNIQUE (transcript_id, idx),
    CHECK (start < end)
);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id),
    coder TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'suggestion', 'import', 'consensus')),
    text TEXT NOT NULL,
    detached INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    CHECK (start < end)
);
CREATE INDEX codings_by_transcript ON codings(transcript_id, start);
CREATE INDEX codings_by_code ON codings(code_id);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id),
    score REAL,
    accepted INTEGER NOT NULL,
    model_id TEXT,
    coder TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE memos (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('project', 'transcript', 'segment', 'code')),
    transcript_id INTEGER REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER,
    end INTEGER,
    code_id TEXT REFERENCES codes(id),
    text TEXT NOT NULL,
    coder TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT
);
CREATE TABLE journal (
    id INTEGER PRIMARY KEY,
    description TEXT NOT NULL,
    ops TEXT NOT NULL,
    undone INTEGER NOT NULL DEFAULT 0,
    coder TEXT,
    created TEXT NOT NULL
);
CREATE TABLE embeddings (
    model_id TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (model_id, text_hash)
) WITHOUT ROWID
"""),
    (2, "suggestion cache", """
CREATE TABLE suggestions (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    model_id TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (transcript_id, start, end, code_id)
);
CREATE INDEX suggestions_by_transcript ON suggestions(transcript_id, start)
"""),
    (3, "undo per coder", """
ALTER TABLE journal ADD COLUMN undone_by TEXT;
CREATE INDEX journal_by_undone ON journal(undone);
CREATE TABLE codings_3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id),
    coder TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'suggestion', 'import', 'consensus')),
    text TEXT NOT NULL,
    detached INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    CHECK (start < end)
);
INSERT INTO codings_3 SELECT id, transcript_id, start, end, code_id, coder, origin, text, detached, created FROM codings;
DROP TABLE codings;
ALTER TABLE codings_3 RENAME TO codings;
CREATE INDEX codings_by_transcript ON codings(transcript_id, start);
CREATE INDEX codings_by_code ON codings(code_id);
CREATE TABLE decisions_3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id),
    score REAL,
    accepted INTEGER NOT NULL,
    model_id TEXT,
    coder TEXT NOT NULL,
    created TEXT NOT NULL
);
INSERT INTO decisions_3 SELECT id, transcript_id, start, end, text, code_id, score, accepted, model_id, coder, created
    FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_3 RENAME TO decisions;
CREATE TABLE memos_3 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('project', 'transcript', 'segment', 'code')),
    transcript_id INTEGER REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER,
    end INTEGER,
    code_id TEXT REFERENCES codes(id),
    text TEXT NOT NULL,
    coder TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT
);
INSERT INTO memos_3 SELECT id, kind, transcript_id, start, end, code_id, text, coder, created, updated FROM memos;
DROP TABLE memos;
ALTER TABLE memos_3 RENAME TO memos
"""),
    (4, "stored suggestions per coder", """
CREATE TABLE suggestions_4 (
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
    coder TEXT NOT NULL DEFAULT '',
    rank INTEGER NOT NULL,
    score REAL NOT NULL,
    reason TEXT NOT NULL,
    model_id TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (transcript_id, start, end, code_id, coder)
);
INSERT INTO suggestions_4 (transcript_id, start, end, code_id, coder, rank, score, reason, model_id, created)
    SELECT transcript_id, start, end, code_id, '', rank, score, reason, model_id, created FROM suggestions;
DROP TABLE suggestions;
ALTER TABLE suggestions_4 RENAME TO suggestions;
CREATE INDEX suggestions_by_transcript ON suggestions(transcript_id, start)
"""),
    (5, "search origin", {"sqlite": """
CREATE TABLE codings_5 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    code_id TEXT NOT NULL REFERENCES codes(id),
    coder TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('manual', 'suggestion', 'import', 'consensus', 'search')),
    text TEXT NOT NULL,
    detached INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    CHECK (start < end)
);
INSERT INTO codings_5 SELECT id, transcript_id, start, end, code_id, coder, origin, text, detached, created
    FROM codings;
DELETE FROM sqlite_sequence WHERE name = 'codings_5';
INSERT INTO sqlite_sequence (name, seq) SELECT 'codings_5', seq FROM sqlite_sequence WHERE name = 'codings';
DROP TABLE codings;
ALTER TABLE codings_5 RENAME TO codings;
CREATE INDEX codings_by_transcript ON codings(transcript_id, start);
CREATE INDEX codings_by_code ON codings(code_id)
""", "postgresql": """
DO $$ DECLARE found name; BEGIN FOR found IN SELECT conname FROM pg_constraint
    WHERE conrelid = 'codings'::regclass AND contype = 'c' AND position('origin' IN pg_get_constraintdef(oid)) > 0
    LOOP EXECUTE 'ALTER TABLE codings DROP CONSTRAINT ' || quote_ident(found); END LOOP; END $$;
ALTER TABLE codings ADD CONSTRAINT codings_origin_check
    CHECK (origin IN ('manual', 'suggestion', 'import', 'consensus', 'search'))
"""}),
]

SCHEMA_VERSION = MIGRATIONS[-1][0]
