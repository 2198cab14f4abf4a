"""Transcripts, their turns, segments and case attributes; re-importing a changed text keeps its codings."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from codering.errors import StoreError
from codering.ingest.model import transcript_name_form
from codering.store.journal import Journaled
from codering.store.reanchor import reanchor
from codering.store.rows import ImportReport, SegmentRow, TranscriptInfo, now, text_hash
from codering.wording import short

if TYPE_CHECKING:
    from codering.ingest.model import ParsedTranscript


class TranscriptTables(Journaled):
    """Transcripts and what hangs on them (a part of :class:`codering.store.Project`)."""

    def import_transcript(self, parsed: "ParsedTranscript", source_path: str | None = None,
                          new_text_only: bool = False) -> ImportReport:
        """Add a transcript, or bring a changed one up to date keeping its codings, memos and the attributes
        set since its import (see :meth:`_update_attributes`). ``new_text_only``: a new name whose text the
        project holds already is not added (status ``duplicate``, ``same_as``). Names are stored in
        Unicode NFC (a file name from macOS comes in NFD: "é" as "e" and an accent)."""
        name = transcript_name_form(parsed.name)
        found = self._find_transcript(name)
        row = None if found is None else self._conn.execute(
            "SELECT id, content, content_hash, source_format FROM transcripts WHERE id = ?", (found,)
        ).fetchone()
        report = ImportReport(name, "added", len(parsed.segments), notices=list(parsed.notices))
        if row is not None and row[2] == parsed.content_hash:
            report.status = "unchanged"
            return report
        if row is None and new_text_only:
            twin = self._conn.execute("SELECT name FROM transcripts WHERE content_hash = ? ORDER BY id LIMIT 1",
                                      (parsed.content_hash,)).fetchone()
            if twin is not None:
                report.status, report.same_as = "duplicate", twin[0]
                return report
        with self.transaction() as conn:
            if row is None:
                position = conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM transcripts").fetchone()[0]
                if self.dialect.name == "sqlite":  # never the id of a removed transcript (see remove_transcript)
                    high = conn.execute("SELECT value FROM meta WHERE key = 'transcripts.removed_max'").fetchone()
                    top = conn.execute("SELECT COALESCE(MAX(id), 0) FROM transcripts").fetchone()[0]
                    new_id = max(top, int(high[0]) if high else 0) + 1
                else:  # PostgreSQL's identity column never hands out an id twice
                    new_id = None
                cols = "name, content, content_hash, source_path, source_format, encoding, imported_at, position"
                values = (name, parsed.content, parsed.content_hash, source_path, parsed.source_format,
                          parsed.encoding, now(), position)
                if new_id is not None:
                    cols, values = "id, " + cols, (new_id, *values)
                cur = conn.execute(f"INSERT INTO transcripts ({cols}) VALUES ({', '.join('?' * len(values))})"
                                   " RETURNING id", values)
                transcript_id = cur.fetchone()[0]
            else:
                transcript_id, old_content = row[0], row[1]
                report.status = "updated"
                conn.execute(
                    "UPDATE transcripts SET name = ?, content = ?, content_hash = ?, source_path = ?,"
                    " source_format = ?, encoding = ?, imported_at = ? WHERE id = ?",
                    (name, parsed.content, parsed.content_hash, source_path, parsed.source_format,
                     parsed.encoding, now(), transcript_id),
                )
                self._reanchor(transcript_id, old_content, parsed.content, report)
                self._update_attributes(transcript_id, old_content, row[3], parsed.attributes, report)
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
            if row is None:
                self._set_attributes(transcript_id, parsed.attributes, replace=True)
        return report

    def _update_attributes(self, transcript_id: int, old_content: str, old_format: str,
                           header: dict[str, str], report: ImportReport) -> None:
        """A changed text's header updates the attributes it gave before, and only those: an attribute the
        old header did not give (set from a CSV, an archive or a script) is kept, and so is a value set
        since over a header line that did not change. A value the header changed, added or dropped is
        taken from the new header and named in a notice."""
        from codering.ingest.parse import file_header_attributes

        before = file_header_attributes(old_content, old_format or "txt")
        stored = dict(self._conn.execute(
            "SELECT name, value FROM attributes WHERE transcript_id = ?", (transcript_id,)).fetchall())
        changed: dict[str, str] = {}
        for key, value in header.items():
            if key in before and before[key] == value:
                continue  # the same header line: the project's value (maybe set from a CSV since) stays
            if stored.get(key) != value:
                was = f"'{stored[key]}'" if key in stored else "none"
                report.notices.append(f"attribute {key}: '{value}' from the changed header (was {was})")
            changed[key] = value
        for key, value in before.items():
            if key not in header and stored.get(key) == value:  # its header line is gone, and nothing replaced it
                self._conn.execute("DELETE FROM attributes WHERE transcript_id = ? AND name = ?", (transcript_id, key))
                report.notices.append(f"attribute {key}: '{value}' removed (its header line is gone)")
        self._set_attributes(transcript_id, changed, replace=False)

    def _reanchor(self, transcript_id: int, old: str, new: str, report: ImportReport) -> None:
        """Move codings, memos and decisions to the same words in a changed text; detach codings whose words
        are gone, and keep a passage memo whose words are gone on the transcript (named in a notice)."""
        for table in ("codings", "memos", "decisions"):
            spans = self._conn.execute(
                f"SELECT id, start, end FROM {table} WHERE transcript_id = ? AND start IS NOT NULL", (transcript_id,)
            ).fetchall()
            for key, start, moved in reanchor(old, new, spans):
                if table == "memos" and moved is None:
                    self._unplace_memo(key, old, report)
                elif table != "codings":
                    if moved is not None:
                        self._conn.execute(f"UPDATE {table} SET start = ?, end = ? WHERE id = ?", (*moved, key))
                elif moved is None:
                    self._conn.execute("UPDATE codings SET detached = 1 WHERE id = ?", (key,))
                    report.codings_detached += 1
                else:
                    self._conn.execute("UPDATE codings SET start = ?, end = ?, detached = 0 WHERE id = ?", (*moved, key))
                    if moved[0] == start:
                        report.codings_kept += 1
                    else:
                        report.codings_moved += 1

    def _unplace_memo(self, memo_id: int, old: str, report: ImportReport) -> None:
        """A passage memo whose words are gone from the new text becomes a memo on the whole transcript
        (as a passage memo of a .qdpx whose words are gone); the notice names it and the words it was on."""
        start, end, text = self._conn.execute("SELECT start, end, text FROM memos WHERE id = ?", (memo_id,)).fetchone()
        self._conn.execute("UPDATE memos SET kind = 'transcript', start = NULL, end = NULL WHERE id = ?", (memo_id,))
        report.memos_unplaced += 1
        report.notices.append(f"memo {memo_id} ('{short(text, 60)}') was on words that are gone from the new text "
                              f"('{short(old[start:end], 60)}'); it is kept as a memo on the whole transcript")

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

    def transcript_sources(self) -> dict[str, str]:
        """Transcript name -> the file it was last imported from (as recorded; ``x.qdpx#name`` for a
        source of an archive), for the transcripts that have one."""
        return {name: path for name, path in self._conn.execute(
            "SELECT name, source_path FROM transcripts WHERE source_path IS NOT NULL")}

    def remove_transcript(self, name: str) -> None:
        """Remove a transcript and what hangs on it (not journaled). Its id is never given out again: an
        undo of an older action would otherwise put the removed transcript's coding on the newcomer (SQLite
        reuses the highest id of an ``INTEGER PRIMARY KEY``; the journal finds the row's parent there)."""
        with self.transaction() as conn:
            tid = self.transcript_id(name)
            conn.execute("DELETE FROM transcripts WHERE id = ?", (tid,))
            # each coder's place and skipped sentences on it (tui.cursor.<coder>.<id>, tui.skipped.<coder>.<id>)
            conn.execute("DELETE FROM meta WHERE (key LIKE 'setting.tui.cursor.%' OR key LIKE 'setting.tui.skipped.%')"
                         " AND key LIKE ?", (f"%.{tid}",))
            if self.dialect.name == "sqlite":
                conn.execute("INSERT INTO meta (key, value) VALUES ('transcripts.removed_max', ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = CASE WHEN CAST(excluded.value AS INTEGER) > CAST(meta.value AS "
                             "INTEGER) THEN excluded.value ELSE meta.value END", (str(tid),))

    def _find_transcript(self, name: str) -> int | None:
        """The id of the transcript called ``name`` in any Unicode normal form (NFC, as typed on most
        systems, or NFD, as macOS gives file names), or None."""
        wanted = transcript_name_form(name)
        row = self._conn.execute("SELECT id FROM transcripts WHERE name = ?", (wanted,)).fetchone()
        if row is not None:
            return row[0]
        for tid, stored in self._conn.execute("SELECT id, name FROM transcripts"):  # stored before NFC was
            if transcript_name_form(stored) == wanted:
                return tid
        return None

    def transcript_id(self, name: str | int) -> int:
        if isinstance(name, int):
            return name
        found = self._find_transcript(name)
        if found is None:
            known = [r[0] for r in self._conn.execute("SELECT name FROM transcripts ORDER BY position LIMIT 5")]
            hint = f" (known: {', '.join(known)}{', ...' if len(known) == 5 else ''})" if known else ""
            raise StoreError(f"no transcript named '{name}' in this project{hint}")
        return found

    def transcript_name(self, transcript_id: int) -> str:
        row = self._conn.execute("SELECT name FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()
        if row is None:
            raise StoreError(f"no transcript with id {transcript_id}")
        return row[0]

    def content(self, transcript: str | int) -> str:
        tid = self.transcript_id(transcript)
        if self.on_server:  # a transcript is ~50 kB: over the network only when its hash changed
            contents = self.__dict__.setdefault("_contents", {})
            found = self._conn.execute("SELECT content_hash FROM transcripts WHERE id = ?", (tid,)).fetchone()
            if found is not None and tid in contents and contents[tid][0] == found[0]:
                return contents[tid][1]
            found = self._conn.execute("SELECT content_hash, content FROM transcripts WHERE id = ?", (tid,)).fetchone()
            if found is not None:
                contents[tid] = found
                return found[1]
        found = self._conn.execute("SELECT content FROM transcripts WHERE id = ?", (tid,)).fetchone()
        if found is None:  # removed (by another coder or process) since its id was looked up
            raise StoreError(f"transcript {tid} is no longer in the project (removed since it was opened); "
                             "nothing was changed")
        return found[0]

    def transcript_exists(self, transcript_id: int) -> bool:
        """Is the transcript with this id still in the project (another coder may have removed it)?"""
        return self._conn.execute("SELECT 1 FROM transcripts WHERE id = ?", (transcript_id,)).fetchone() is not None

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
