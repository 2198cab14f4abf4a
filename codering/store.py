"""The project store: one SQLite file per project, the only module that speaks SQL.

Every user action is one transaction (``BEGIN IMMEDIATE`` so two processes
queue instead of corrupting each other). Actions a researcher may want to take
back (codings, decisions, memos, codebook edits) are written through
``Project.action()``, which records the row-level changes in the journal so
``undo()``/``redo()`` work across restarts.
"""

from __future__ import annotations

import bisect
import itertools
import json
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Sequence

from codering.codebook import Code, Codebook
from codering.errors import ProjectLockedError, StoreError
from codering.migrations import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import numpy as np

    from codering.ingest.model import ParsedTranscript

SQLITE_MAGIC = b"SQLite format 3\x00"
ORIGINS = ("manual", "suggestion", "import", "consensus")
MEMO_KINDS = ("project", "transcript", "segment", "code")
_JOURNALED = {"codings", "decisions", "memos", "codes"}
_TABLE_KEYS = {"codings": "id", "decisions": "id", "memos": "id", "codes": "id"}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def text_hash(text: str) -> str:
    return sha256(text.encode("utf-8")).hexdigest()


# -- rows handed to callers ------------------------------------------------------

@dataclass(frozen=True)
class TranscriptInfo:
    id: int
    name: str
    attributes: dict[str, str]
    segments: int
    respondent_segments: int
    coded_segments: int
    codings: int
    source_format: str
    content_hash: str
    imported_at: str

    @property
    def coded_share(self) -> float:
        return self.coded_segments / self.respondent_segments if self.respondent_segments else 0.0


@dataclass(frozen=True)
class SegmentRow:
    id: int
    transcript_id: int
    index: int
    turn: int
    start: int
    end: int
    role: str
    speaker: str
    timestamp: str | None
    text: str


@dataclass(frozen=True)
class Coding:
    id: int
    transcript_id: int
    start: int
    end: int
    code_id: str
    coder: str
    origin: str
    text: str
    detached: bool
    created: str


@dataclass(frozen=True)
class Memo:
    id: int
    kind: str
    transcript_id: int | None
    start: int | None
    end: int | None
    code_id: str | None
    text: str
    coder: str
    created: str


@dataclass(frozen=True)
class Decision:
    id: int
    transcript_id: int
    start: int
    end: int
    text: str
    code_id: str
    score: float | None
    accepted: bool
    model_id: str | None
    coder: str
    created: str


@dataclass
class ImportReport:
    name: str
    status: str  # "added" | "unchanged" | "updated"
    segments: int = 0
    codings_moved: int = 0
    codings_detached: int = 0
    codings_kept: int = 0
    notices: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.status == "unchanged":
            return f"{self.name}: unchanged, nothing to do"
        if self.status == "added":
            return f"{self.name}: imported, {self.segments} segments"
        parts = [f"{self.name}: updated to the new text, {self.segments} segments"]
        parts.append(f"{self.codings_kept} codings unchanged, {self.codings_moved} moved to the same words in the new text")
        if self.codings_detached:
            parts.append(
                f"{self.codings_detached} could not be found in the new text and are kept as detached codings "
                "(listed by `codering stats`, excluded from exports)"
            )
        return "; ".join(parts)


# -- the project ---------------------------------------------------------------------

class Project:
    """An open project file. Use ``Project.create`` or ``Project.open``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn
        self._ops: list[dict[str, Any]] | None = None
        self._codebook: Codebook | None = None
        self._tracking: int | None = None  # learning_changes(): this connection's tracker, once set up

    # -- opening -----------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, codebook: Codebook) -> "Project":
        path = Path(path)
        if path.exists():
            raise StoreError(f"{path}: already exists; open it with -p {path} or choose another name")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.creating")
        tmp.unlink(missing_ok=True)
        conn = _connect(tmp)
        try:
            _migrate(conn, tmp)
            project = cls(tmp, conn)
            project._write_codebook(codebook)
            conn.execute("INSERT INTO meta (key, value) VALUES ('project.id', ?)", (str(uuid.uuid4()),))
            conn.execute("INSERT INTO meta (key, value) VALUES ('project.created', ?)", (now(),))
            conn.execute("PRAGMA journal_mode=DELETE")
            conn.close()
            tmp.rename(path)  # a half-created project is never left under the real name
        except BaseException:
            conn.close()
            tmp.unlink(missing_ok=True)
            raise
        return cls.open(path)

    @classmethod
    def open(cls, path: str | Path) -> "Project":
        path = Path(path)
        if not path.exists():
            raise StoreError(f"{path}: no such project; create one with `codering init {path}`")
        if path.is_dir():
            raise StoreError(f"{path}: is a folder, not a project file")
        with open(path, "rb") as handle:
            header = handle.read(100)
        if not header.startswith(SQLITE_MAGIC):
            raise StoreError(f"{path}: not a codering project (not an SQLite file); nothing was changed")
        app_id = int.from_bytes(header[68:72], "big")
        version = int.from_bytes(header[60:64], "big")
        if app_id != APPLICATION_ID:
            raise StoreError(f"{path}: an SQLite file but not a codering project; nothing was changed")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: made by a newer codering (schema {version}, this one reads up to {SCHEMA_VERSION}); "
                "update codering; nothing was changed"
            )
        conn = _connect(path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            _migrate(conn, path)
        except sqlite3.OperationalError as exc:
            conn.close()
            raise _store_error(path, exc) from None
        return cls(path, conn)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions and the journal ---------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; other processes wait (up to the busy timeout)."""
        if self._conn.in_transaction:
            yield self._conn
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc) from None
        try:
            yield self._conn
        except BaseException:
            self._conn.rollback()
            raise
        else:
            try:
                self._conn.commit()
            except sqlite3.OperationalError as exc:
                self._conn.rollback()
                raise _store_error(self.path, exc) from None

    @contextmanager
    def action(self, description: str, coder: str | None = None) -> Iterator["Project"]:
        """A user action: one transaction, recorded in the journal for undo."""
        if self._ops is not None:  # nested: part of the enclosing action
            yield self
            return
        with self.transaction() as conn:
            self._ops = []
            try:
                yield self
                if self._ops:
                    conn.execute("DELETE FROM journal WHERE undone = 1")  # a new action clears redo
                    conn.execute(
                        "INSERT INTO journal (description, ops, coder, created) VALUES (?, ?, ?, ?)",
                        (description, json.dumps(self._ops, ensure_ascii=False), coder, now()),
                    )
            finally:
                self._ops = None

    def _insert(self, table: str, row: dict[str, Any]) -> int:
        cols = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        cur = self._conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(row.values()))
        key = row.get("id", cur.lastrowid)
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "insert", "table": table, "row": {**row, "id": key}})
        return key

    def _delete(self, table: str, key: Any) -> bool:
        row = self._row(table, key)
        if row is None:
            return False
        self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (key,))
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "delete", "table": table, "row": row})
        return True

    def _update(self, table: str, key: Any, changes: dict[str, Any]) -> None:
        row = self._row(table, key)
        if row is None:
            raise StoreError(f"no {table[:-1]} with id {key}")
        old = {k: row[k] for k in changes}
        sets = ", ".join(f"{k} = ?" for k in changes)
        self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*changes.values(), key))
        if self._ops is not None and table in _JOURNALED:
            self._ops.append({"op": "update", "table": table, "key": key, "old": old, "new": dict(changes)})

    def _row(self, table: str, key: Any) -> dict[str, Any] | None:
        cur = self._conn.execute(f"SELECT * FROM {table} WHERE id = ?", (key,))
        found = cur.fetchone()
        if found is None:
            return None
        return dict(zip([d[0] for d in cur.description], found))

    def _apply(self, ops: list[dict[str, Any]], reverse: bool) -> None:
        sequence = reversed(ops) if reverse else ops
        for op in sequence:
            table = op["table"]
            if table not in _JOURNALED:
                continue
            kind = op["op"]
            if (kind == "insert") == reverse:  # remove the row
                self._conn.execute(f"DELETE FROM {table} WHERE id = ?", (op["row"]["id"],))
            elif kind in ("insert", "delete"):  # put the row (back)
                row = op["row"]
                cols = ", ".join(row)
                self._conn.execute(
                    f"INSERT OR REPLACE INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})",
                    tuple(row.values()),
                )
            else:
                values = op["old"] if reverse else op["new"]
                sets = ", ".join(f"{k} = ?" for k in values)
                self._conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values.values(), op["key"]))
        if table_touched(ops, "codes"):
            self._codebook = None

    def undo(self) -> str | None:
        """Take back the latest action; return its description, or None if none."""
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT id, description, ops FROM journal WHERE undone = 0 ORDER BY id DESC LIMIT 1"
            ).fetchone()
            if found is None:
                return None
            try:
                self._apply(json.loads(found[2]), reverse=True)
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"cannot undo '{found[1]}': {exc}") from None
            conn.execute("UPDATE journal SET undone = 1 WHERE id = ?", (found[0],))
            return found[1]

    def redo(self) -> str | None:
        """Do again the most recently undone action; return its description."""
        with self.transaction() as conn:
            found = conn.execute(
                "SELECT id, description, ops FROM journal WHERE undone = 1 ORDER BY id ASC LIMIT 1"
            ).fetchone()
            if found is None:
                return None
            try:
                self._apply(json.loads(found[2]), reverse=False)
            except sqlite3.IntegrityError as exc:
                raise StoreError(f"cannot redo '{found[1]}': {exc}") from None
            conn.execute("UPDATE journal SET undone = 0 WHERE id = ?", (found[0],))
            return found[1]

    def history(self, limit: int = 20) -> list[tuple[int, str, bool, str]]:
        rows = self._conn.execute(
            "SELECT id, description, undone, created FROM journal ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return [(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    @property
    def project_id(self) -> str:
        """A UUID made when the project was created: the base of stable exchange GUIDs."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'project.id'").fetchone()
        return row[0] if row else str(uuid.uuid5(uuid.NAMESPACE_URL, str(self.path.resolve())))

    # -- settings ------------------------------------------------------------------------
    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (f"setting.{key}",)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"setting.{key}", value))

    # -- codebook --------------------------------------------------------------------
    def _write_codebook(self, codebook: Codebook) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM codes")
            for key, value in codebook.meta().items():
                conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (f"codebook.{key}", value))
            for position, (_, code) in enumerate(codebook.walk()):
                conn.execute(
                    "INSERT INTO codes (id, parent, label, short, description, include, exclude, examples,"
                    " key, color, codable, position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    _code_values(code, position),
                )
        self._codebook = None

    def codebook(self) -> Codebook:
        """The project's codebook (a copy is kept in the project file)."""
        if self._codebook is None:
            meta = dict(self._conn.execute("SELECT key, value FROM meta WHERE key LIKE 'codebook.%'").fetchall())
            codes: dict[str, Code] = {}
            for row in self._conn.execute(
                "SELECT id, parent, label, short, description, include, exclude, examples, key, color, codable"
                " FROM codes ORDER BY position, rowid"
            ):
                codes[row[0]] = Code(
                    id=row[0], parent=row[1], label=row[2], short=row[3], description=row[4],
                    include=row[5], exclude=row[6], examples=tuple(json.loads(row[7])),
                    key=row[8], color=row[9], codable=bool(row[10]),
                )
            self._codebook = Codebook(
                id=meta.get("codebook.id", ""), name=meta.get("codebook.name", ""), codes=codes,
                language=meta.get("codebook.language", "nl"), version=meta.get("codebook.version", ""),
                description=meta.get("codebook.description", ""), source=meta.get("codebook.source", ""),
            )
        return self._codebook

    def update_code(self, code: Code, coder: str | None = None) -> None:
        """Edit an existing code, or add a new one (journaled, undoable)."""
        existing = self._row("codes", code.id)
        book = self.codebook()
        if code.parent is not None and code.parent not in book:
            raise StoreError(f"cannot save code '{code.id}': unknown parent '{code.parent}'")
        with self.action(f"edit code {code.id}" if existing else f"add code {code.id}", coder):
            if existing is None:
                position = self._conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM codes").fetchone()[0]
                values = _code_values(code, position)
                cols = ("id", "parent", "label", "short", "description", "include", "exclude", "examples",
                        "key", "color", "codable", "position")
                self._insert("codes", dict(zip(cols, values)))
            else:
                new = dict(zip(("id", "parent", "label", "short", "description", "include", "exclude",
                                "examples", "key", "color", "codable"), _code_values(code, 0)[:-1]))
                changes = {k: v for k, v in new.items() if existing[k] != v}
                if changes:
                    self._update("codes", code.id, changes)
        self._codebook = None

    # -- transcripts --------------------------------------------------------------------
    def import_transcript(self, parsed: "ParsedTranscript", source_path: str | None = None) -> ImportReport:
        """Add a transcript, or bring a changed one up to date keeping its codings."""
        row = self._conn.execute(
            "SELECT id, content, content_hash FROM transcripts WHERE name = ?", (parsed.name,)
        ).fetchone()
        report = ImportReport(parsed.name, "added", len(parsed.segments), notices=list(parsed.notices))
        if row is not None and row[2] == parsed.content_hash:
            report.status = "unchanged"
            return report
        with self.transaction() as conn:
            if row is None:
                position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM transcripts").fetchone()[0]
                cur = conn.execute(
                    "INSERT INTO transcripts (name, content, content_hash, source_path, source_format, encoding,"
                    " imported_at, position) VALUES (?,?,?,?,?,?,?,?)",
                    (parsed.name, parsed.content, parsed.content_hash, source_path, parsed.source_format,
                     parsed.encoding, now(), position),
                )
                transcript_id = cur.lastrowid
            else:
                transcript_id, old_content = row[0], row[1]
                report.status = "updated"
                conn.execute(
                    "UPDATE transcripts SET content = ?, content_hash = ?, source_path = ?, source_format = ?,"
                    " encoding = ?, imported_at = ? WHERE id = ?",
                    (parsed.content, parsed.content_hash, source_path, parsed.source_format, parsed.encoding,
                     now(), transcript_id),
                )
                self._reanchor(transcript_id, old_content, parsed.content, report)
                conn.execute("DELETE FROM segments WHERE transcript_id = ?", (transcript_id,))
                conn.execute("DELETE FROM suggestions WHERE transcript_id = ?", (transcript_id,))
                conn.execute("DELETE FROM turns WHERE transcript_id = ?", (transcript_id,))
            conn.executemany(
                "INSERT INTO turns (transcript_id, idx, start, end, body_start, speaker, role, timestamp)"
                " VALUES (?,?,?,?,?,?,?,?)",
                [(transcript_id, t.index, t.start, t.end, t.body_start, t.speaker, t.role, t.timestamp)
                 for t in parsed.turns],
            )
            roles = {t.index: t.role for t in parsed.turns}
            conn.executemany(
                "INSERT INTO segments (transcript_id, idx, turn, start, end, role, text_hash) VALUES (?,?,?,?,?,?,?)",
                [(transcript_id, s.index, s.turn, s.start, s.end, roles.get(s.turn, "none"),
                  text_hash(parsed.content[s.start:s.end])) for s in parsed.segments],
            )
            self._set_attributes(transcript_id, parsed.attributes, replace=True)
        return report

    def _reanchor(self, transcript_id: int, old: str, new: str, report: ImportReport) -> None:
        """Move codings and memos to the same words in a changed text; detach what is gone."""
        for table in ("codings", "memos", "decisions"):
            extra = ", detached" if table == "codings" else ""
            rows = self._conn.execute(
                f"SELECT id, start, end{extra} FROM {table} WHERE transcript_id = ? AND start IS NOT NULL",
                (transcript_id,),
            ).fetchall()
            for row in rows:
                key, start, end = row[0], row[1], row[2]
                snippet = old[start:end]
                found = _nearest(new, snippet, start) if snippet else None
                if table != "codings":
                    if found is not None:
                        self._conn.execute(f"UPDATE {table} SET start = ?, end = ? WHERE id = ?", (found, found + len(snippet), key))
                    continue
                if found is None:
                    self._conn.execute("UPDATE codings SET detached = 1 WHERE id = ?", (key,))
                    report.codings_detached += 1
                else:
                    self._conn.execute(
                        "UPDATE codings SET start = ?, end = ?, detached = 0 WHERE id = ?", (found, found + len(snippet), key)
                    )
                    if found == start:
                        report.codings_kept += 1
                    else:
                        report.codings_moved += 1

    def set_attributes(self, name: str, attributes: dict[str, str], replace: bool = False) -> None:
        with self.transaction():
            self._set_attributes(self.transcript_id(name), attributes, replace)

    def _set_attributes(self, transcript_id: int, attributes: dict[str, str], replace: bool) -> None:
        if replace:
            self._conn.execute("DELETE FROM attributes WHERE transcript_id = ?", (transcript_id,))
        start = self._conn.execute(
            "SELECT COALESCE(MAX(position), 0) FROM attributes WHERE transcript_id = ?", (transcript_id,)
        ).fetchone()[0]
        for offset, (key, value) in enumerate(attributes.items(), start=1):
            self._conn.execute(
                "INSERT INTO attributes (transcript_id, name, value, position) VALUES (?,?,?,?)"
                " ON CONFLICT (transcript_id, name) DO UPDATE SET value = excluded.value",
                (transcript_id, key, str(value), start + offset),
            )

    def remove_transcript(self, name: str) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM transcripts WHERE id = ?", (self.transcript_id(name),))

    def transcript_id(self, name: str | int) -> int:
        if isinstance(name, int):
            return name
        row = self._conn.execute("SELECT id FROM transcripts WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = [r[0] for r in self._conn.execute("SELECT name FROM transcripts ORDER BY position LIMIT 5")]
            hint = f" (known: {', '.join(known)}{', ...' if len(known) == 5 else ''})" if known else ""
            raise StoreError(f"no transcript named '{name}' in this project{hint}")
        return row[0]

    def transcript_name(self, transcript_id: int) -> str:
        row = self._conn.execute("SELECT name FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
        if row is None:
            raise StoreError(f"no transcript with id {transcript_id}")
        return row[0]

    def content(self, transcript: str | int) -> str:
        tid = self.transcript_id(transcript)
        return self._conn.execute("SELECT content FROM transcripts WHERE id = ?", (tid,)).fetchone()[0]

    def attributes(self, transcript: str | int) -> dict[str, str]:
        tid = self.transcript_id(transcript)
        return dict(self._conn.execute(
            "SELECT name, value FROM attributes WHERE transcript_id = ? ORDER BY position", (tid,)
        ).fetchall())

    def transcripts(self) -> list[TranscriptInfo]:
        rows = self._conn.execute(
            """
            SELECT t.id, t.name, t.source_format, t.content_hash, t.imported_at,
              (SELECT COUNT(*) FROM segments s WHERE s.transcript_id = t.id),
              (SELECT COUNT(*) FROM segments s WHERE s.transcript_id = t.id AND s.role != 'interviewer'),
              (SELECT COUNT(*) FROM codings c WHERE c.transcript_id = t.id AND c.detached = 0)
            FROM transcripts t ORDER BY t.position, t.id
            """
        ).fetchall()
        coded = self._coded_segment_counts()
        attrs: dict[int, dict[str, str]] = {}
        for tid, key, value in self._conn.execute(
            "SELECT transcript_id, name, value FROM attributes ORDER BY transcript_id, position"
        ):
            attrs.setdefault(tid, {})[key] = value
        return [
            TranscriptInfo(id=r[0], name=r[1], attributes=attrs.get(r[0], {}), segments=r[5],
                           respondent_segments=r[6], coded_segments=coded.get(r[0], 0), codings=r[7],
                           source_format=r[2], content_hash=r[3], imported_at=r[4])
            for r in rows
        ]

    def _coded_segment_counts(self) -> dict[int, int]:
        """Per transcript: respondent segments that some attached coding overlaps (a sweep over the
        merged coded spans; a correlated EXISTS per segment took ~0.25 s on 35 interviews)."""
        merged: dict[int, tuple[list[int], list[int]]] = {}
        for tid, start, end in self._conn.execute(
                "SELECT transcript_id, start, end FROM codings WHERE detached = 0 ORDER BY transcript_id, start"):
            starts, ends = merged.setdefault(tid, ([], []))
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        counts: dict[int, int] = {}
        if not merged:
            return counts
        for tid, (starts, ends) in merged.items():
            n = 0
            for start, end in self._conn.execute(
                    "SELECT start, end FROM segments WHERE transcript_id = ? AND role != 'interviewer'", (tid,)):
                i = bisect.bisect_right(ends, start)  # the first merged span ending after the segment starts
                n += i < len(ends) and starts[i] < end
            counts[tid] = n
        return counts

    def segments(self, transcript: str | int) -> list[SegmentRow]:
        tid = self.transcript_id(transcript)
        content = self.content(tid)
        rows = self._conn.execute(
            "SELECT s.id, s.idx, s.turn, s.start, s.end, s.role, t.speaker, t.timestamp FROM segments s"
            " JOIN turns t ON t.transcript_id = s.transcript_id AND t.idx = s.turn"
            " WHERE s.transcript_id = ? ORDER BY s.idx",
            (tid,),
        ).fetchall()
        return [SegmentRow(id=r[0], transcript_id=tid, index=r[1], turn=r[2], start=r[3], end=r[4], role=r[5],
                           speaker=r[6], timestamp=r[7], text=content[r[3]:r[4]]) for r in rows]

    def turns(self, transcript: str | int) -> list[tuple[int, int, int, int, str, str, str | None]]:
        """(index, start, end, body_start, speaker, role, timestamp) for each turn."""
        tid = self.transcript_id(transcript)
        return [tuple(r) for r in self._conn.execute(
            "SELECT idx, start, end, body_start, speaker, role, timestamp FROM turns WHERE transcript_id = ? ORDER BY idx",
            (tid,),
        )]

    # -- codings ----------------------------------------------------------------------
    def add_coding(self, transcript: str | int, start: int, end: int, code_id: str, coder: str,
                   origin: str = "manual") -> int:
        """Apply a code to ``content[start:end]``; return the coding id (existing one if identical)."""
        tid = self.transcript_id(transcript)
        content = self.content(tid)
        code = self.codebook().get(code_id)
        if origin not in ORIGINS:
            raise StoreError(f"unknown coding origin '{origin}' (one of {', '.join(ORIGINS)})")
        if not (0 <= start < end <= len(content)):
            raise StoreError(
                f"span {start}-{end} is outside transcript '{self.transcript_name(tid)}' (0-{len(content)})"
            )
        if not code.codable:
            raise StoreError(f"'{code.label}' ({code.id}) is a folder, not a code that can be applied")
        existing = self._conn.execute(
            "SELECT id FROM codings WHERE transcript_id = ? AND start = ? AND end = ? AND code_id = ? AND coder = ?",
            (tid, start, end, code_id, coder),
        ).fetchone()
        if existing:
            return existing[0]
        with self.action(f"code {code_id} on {self.transcript_name(tid)} {start}-{end}", coder):
            return self._insert("codings", {
                "transcript_id": tid, "start": start, "end": end, "code_id": code_id, "coder": coder,
                "origin": origin, "text": content[start:end], "detached": 0, "created": now(),
            })

    def remove_coding(self, coding_id: int, coder: str | None = None) -> None:
        with self.action(f"remove coding {coding_id}", coder):
            if not self._delete("codings", coding_id):
                raise StoreError(f"no coding with id {coding_id}")

    def codings(self, transcript: str | int | None = None, coder: str | None = None,
                code_id: str | None = None, include_detached: bool = False) -> list[Coding]:
        sql = "SELECT id, transcript_id, start, end, code_id, coder, origin, text, detached, created FROM codings WHERE 1=1"
        args: list[Any] = []
        if transcript is not None:
            sql += " AND transcript_id = ?"
            args.append(self.transcript_id(transcript))
        if coder is not None:
            sql += " AND coder = ?"
            args.append(coder)
        if code_id is not None:
            sql += " AND code_id = ?"
            args.append(code_id)
        if not include_detached:
            sql += " AND detached = 0"
        sql += " ORDER BY transcript_id, start, end, id"
        return [Coding(*r[:8], bool(r[8]), r[9]) for r in self._conn.execute(sql, args)]

    def coders(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]

    # -- suggestion decisions ------------------------------------------------------------
    def record_decision(self, transcript: str | int, start: int, end: int, code_id: str, accepted: bool,
                        coder: str, score: float | None = None, model_id: str | None = None,
                        apply: bool = True) -> int:
        """Accept or reject a suggestion; an accept also applies the code (one action)."""
        tid = self.transcript_id(transcript)
        content = self.content(tid)
        self.codebook().get(code_id)
        verb = "accept" if accepted else "reject"
        with self.action(f"{verb} suggestion {code_id}", coder):
            decision = self._insert("decisions", {
                "transcript_id": tid, "start": start, "end": end, "text": content[start:end],
                "code_id": code_id, "score": score, "accepted": int(accepted), "model_id": model_id,
                "coder": coder, "created": now(),
            })
            if accepted and apply:
                self.add_coding(tid, start, end, code_id, coder, origin="suggestion")
        return decision

    def decisions(self, coder: str | None = None) -> list[Decision]:
        sql = ("SELECT id, transcript_id, start, end, text, code_id, score, accepted, model_id, coder, created"
               " FROM decisions")
        args: tuple = ()
        if coder is not None:
            sql += " WHERE coder = ?"
            args = (coder,)
        return [Decision(*r[:7], bool(r[7]), *r[8:]) for r in self._conn.execute(sql + " ORDER BY id", args)]

    # -- what the suggestion engine learns from ---------------------------------------------
    def learning_events(self, transcripts: Iterable[int] | None = None) -> dict[int, list[tuple[str, int, int, str]]]:
        """Codings (not detached) and decisions of every coder as ``(kind, start, end, code_id)``
        per transcript id; kind ``"c"`` a coding, ``"a"``/``"r"`` an accepted/rejected decision.

        Only what the engine learns from (no texts, no row objects), for all
        transcripts or only for the given transcript ids.
        """
        where, args = "", ()
        if transcripts is not None:
            ids = sorted({int(t) for t in transcripts})
            if not ids:
                return {}
            where, args = f" AND transcript_id IN ({', '.join('?' for _ in ids)})", tuple(ids)
        sql = (f"SELECT transcript_id, 'c', start, end, code_id FROM codings WHERE detached = 0{where}"
               f" UNION ALL SELECT transcript_id, CASE WHEN accepted THEN 'a' ELSE 'r' END, start, end, code_id"
               f" FROM decisions WHERE 1=1{where}")
        out: dict[int, list[tuple[str, int, int, str]]] = {}
        for tid, *event in self._conn.execute(sql, args + args):
            out.setdefault(tid, []).append(tuple(event))
        return out

    def learning_changes(self, since: tuple | None) -> tuple[tuple | None, set[int] | None]:
        """Which transcripts' codings or decisions changed after ``since``, a token from an earlier call.

        Returns ``(token, transcript ids)``; the ids are ``None`` when that is
        not known (the first call, ``since`` is ``None`` or from another
        ``Project``, another process wrote to the project, or a transaction is
        open), so the caller reads everything again. Changes made through this
        connection - actions, undo, redo, re-anchoring, removed transcripts -
        are counted by temporary triggers (they live only as long as the
        connection and are not part of the project file); another process's
        commits show in ``data_version``.
        """
        conn = self._conn
        if self._tracking is None:
            for statement in _CHANGE_TRIGGERS:
                conn.execute(statement)
            self._tracking = next(_trackers)
        if conn.in_transaction:  # changes may still be rolled back
            return None, None
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM temp.learning_changes").fetchone()[0]
        token = (self._tracking, version, seq)
        if since is None or since[:2] != token[:2] or since[2] > seq:
            return token, None
        changed = {r[0] for r in conn.execute("SELECT transcript_id FROM temp.learning_changes WHERE seq > ?",
                                              (since[2],))}
        return token, changed

    # -- memos -----------------------------------------------------------------------
    def add_memo(self, text: str, coder: str, *, transcript: str | int | None = None,
                 start: int | None = None, end: int | None = None, code_id: str | None = None) -> int:
        if not text.strip():
            raise StoreError("a memo needs some text")
        tid = self.transcript_id(transcript) if transcript is not None else None
        if code_id is not None:
            self.codebook().get(code_id)
            kind = "code"
        elif tid is not None and start is not None:
            if end is None or not (0 <= start < end <= len(self.content(tid))):
                raise StoreError(f"memo span {start}-{end} is outside the transcript")
            kind = "segment"
        elif tid is not None:
            kind = "transcript"
        else:
            kind = "project"
        with self.action(f"add {kind} memo", coder):
            return self._insert("memos", {
                "kind": kind, "transcript_id": tid, "start": start if kind == "segment" else None,
                "end": end if kind == "segment" else None, "code_id": code_id, "text": text.strip(),
                "coder": coder, "created": now(),
            })

    def edit_memo(self, memo_id: int, text: str, coder: str | None = None) -> None:
        with self.action(f"edit memo {memo_id}", coder):
            self._update("memos", memo_id, {"text": text.strip(), "updated": now()})

    def remove_memo(self, memo_id: int, coder: str | None = None) -> None:
        with self.action(f"remove memo {memo_id}", coder):
            if not self._delete("memos", memo_id):
                raise StoreError(f"no memo with id {memo_id}")

    def memos(self, transcript: str | int | None = None) -> list[Memo]:
        sql = "SELECT id, kind, transcript_id, start, end, code_id, text, coder, created FROM memos"
        args: tuple = ()
        if transcript is not None:
            sql += " WHERE transcript_id = ?"
            args = (self.transcript_id(transcript),)
        return [Memo(*r) for r in self._conn.execute(sql + " ORDER BY id", args)]

    # -- suggestion cache (written by `codering suggest`, read by the UI) ----------------
    def replace_suggestions(self, transcript: str | int, model_id: str,
                            rows: Iterable[tuple[int, int, str, int, float, str]],
                            spans: Iterable[tuple[int, int]] = ()) -> None:
        """Store (start, end, code_id, rank, score, reason) rows for spans of a transcript.

        Suggestions for each span given (in ``rows`` or in ``spans``) replace the ones stored
        for that span; a span in ``spans`` without rows is cleared (scored: no suggestion now).
        """
        tid = self.transcript_id(transcript)
        rows = list(rows)
        with self.transaction() as conn:
            for start, end in {(r[0], r[1]) for r in rows} | set(spans):
                conn.execute("DELETE FROM suggestions WHERE transcript_id = ? AND start = ? AND end = ?",
                             (tid, start, end))
            conn.executemany(
                "INSERT OR REPLACE INTO suggestions (transcript_id, start, end, code_id, rank, score, reason,"
                " model_id, created) VALUES (?,?,?,?,?,?,?,?,?)",
                [(tid, r[0], r[1], r[2], r[3], r[4], r[5], model_id, now()) for r in rows],
            )

    def stored_suggestions(self, transcript: str | int) -> list[tuple[int, int, str, int, float, str, str]]:
        """(start, end, code_id, rank, score, reason, model_id) rows, in text order."""
        tid = self.transcript_id(transcript)
        return [tuple(r) for r in self._conn.execute(
            "SELECT start, end, code_id, rank, score, reason, model_id FROM suggestions WHERE transcript_id = ?"
            " ORDER BY start, rank", (tid,))]

    def pending_suggestions(self, min_score: float = 0.0) -> dict[int, int]:
        """Per transcript id: stored suggestions scoring at least ``min_score`` with no decision and
        no such coding yet."""
        return dict(self._conn.execute(
            """
            SELECT s.transcript_id, COUNT(*) FROM suggestions s
            WHERE s.score >= ? AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.transcript_id = s.transcript_id
                              AND d.start = s.start AND d.end = s.end AND d.code_id = s.code_id)
              AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.transcript_id = s.transcript_id
                              AND c.start = s.start AND c.end = s.end AND c.code_id = s.code_id)
            GROUP BY s.transcript_id
            """, (min_score,)).fetchall())

    # -- embedding cache ----------------------------------------------------------------
    def cached_vectors(self, model_id: str, hashes: Sequence[str]) -> dict[str, "np.ndarray"]:
        import numpy as np

        out: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i:i + 500])
            marks = ",".join("?" for _ in chunk)
            for h, blob in self._conn.execute(
                f"SELECT text_hash, vector FROM embeddings WHERE model_id = ? AND text_hash IN ({marks})",
                (model_id, *chunk),
            ):
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def store_vectors(self, model_id: str, vectors: dict[str, "np.ndarray"]) -> None:
        import numpy as np

        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model_id, text_hash, dim, vector) VALUES (?,?,?,?)",
                [(model_id, h, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )

    # -- overview ----------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        q = lambda sql: self._conn.execute(sql).fetchone()[0]  # noqa: E731
        per_code = dict(self._conn.execute(
            "SELECT code_id, COUNT(*) FROM codings WHERE detached = 0 GROUP BY code_id"
        ).fetchall())
        return {
            "transcripts": q("SELECT COUNT(*) FROM transcripts"),
            "segments": q("SELECT COUNT(*) FROM segments"),
            "codings": q("SELECT COUNT(*) FROM codings WHERE detached = 0"),
            "detached_codings": q("SELECT COUNT(*) FROM codings WHERE detached = 1"),
            "decisions": q("SELECT COUNT(*) FROM decisions"),
            "accepted": q("SELECT COUNT(*) FROM decisions WHERE accepted = 1"),
            "memos": q("SELECT COUNT(*) FROM memos"),
            "coders": self.coders(),
            "codes": len(self.codebook()),
            "per_code": per_code,
            "schema_version": q("PRAGMA user_version"),
        }

    def integrity_ok(self) -> bool:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- helpers ---------------------------------------------------------------------------

def table_touched(ops: Iterable[dict[str, Any]], table: str) -> bool:
    return any(op["table"] == table for op in ops)


def _code_values(code: Code, position: int) -> tuple:
    return (code.id, code.parent, code.label, code.short, code.description, code.include, code.exclude,
            json.dumps(list(code.examples), ensure_ascii=False), code.key, code.color, int(code.codable), position)


def _nearest(text: str, snippet: str, near: int) -> int | None:
    best: int | None = None
    pos = text.find(snippet)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(snippet, pos + 1)
    return best


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: cannot open ({exc})") from None
    conn.isolation_level = None  # we issue BEGIN ourselves
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 10000")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"{path}: made by a newer codering (schema {version}); update codering")
    for number, name, sql in MIGRATIONS:
        if number <= version:
            continue
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"{path}: migration {number} ({name}) failed: {exc}") from None


def _change_triggers() -> list[str]:
    """Temporary (per-connection) triggers that note which transcripts' learning data changed."""
    out = ["CREATE TEMP TABLE IF NOT EXISTS learning_changes (transcript_id INTEGER PRIMARY KEY, seq INTEGER NOT NULL)"]
    note = ("INSERT OR REPLACE INTO learning_changes (transcript_id, seq) VALUES "  # temp is searched first
            "({row}.transcript_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM learning_changes))")
    for table in ("codings", "decisions"):
        for event, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
            body = "; ".join(note.format(row=row) for row in rows)
            out.append(f"CREATE TEMP TRIGGER IF NOT EXISTS learning_{table}_{event.lower()} "
                       f"AFTER {event} ON main.{table} BEGIN {body}; END")
    return out


_CHANGE_TRIGGERS = _change_triggers()
_trackers = itertools.count(1)  # tells the change tokens of different Project objects apart


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";\n") if s.strip()]


def _store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    message = str(exc)
    if "locked" in message or "busy" in message:
        return ProjectLockedError(f"{path}: the project is busy in another process; try again in a moment")
    if "readonly" in message:
        return StoreError(f"{path}: the project file is read-only")
    if "disk" in message and "full" in message:
        return StoreError(f"{path}: the disk is full; nothing was saved")
    return StoreError(f"{path}: {message}")
