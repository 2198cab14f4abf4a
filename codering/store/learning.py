"""What the suggestion engine learns from: codings and decisions as bare events, and what changed since."""

from __future__ import annotations

import itertools
from typing import Iterable, NamedTuple

from codering.store.connection import Connected


class LearningQueries(Connected):
    """Read-only queries for the engine (a part of :class:`codering.store.Project`)."""

    _tracking: int | None = None  # learning_changes(): this connection's tracker, once set up

    def learning_events(self, transcripts: Iterable[int] | None = None) -> dict[int, list[tuple[str, int, int, str]]]:
        """Codings (not detached) and decisions as ``(kind, start, end, code_id)`` per transcript id;
        kind ``"c"`` a coding, ``"b"`` a coding of a text search's hits made in bulk (origin ``search``: the
        coder chose the code, not each sentence, so it says nothing of the sentences around it),
        ``"a"``/``"r"`` an accepted/rejected decision.

        Only what the engine learns from (no texts, no row objects), for all
        transcripts or only for the given transcript ids. Whose: see
        :meth:`learning_scope` (a coder's suggestions learn from that coder's
        own work, so that agreement between coders means something).
        """
        where, args = "", ()
        if transcripts is not None:
            ids = sorted({int(t) for t in transcripts})
            if not ids:
                return {}
            where, args = f" AND transcript_id IN ({', '.join('?' for _ in ids)})", tuple(ids)
        scope, coder = self.learning_scope()
        codings_where = decisions_where = where
        codings_args = decisions_args = args
        if scope != "everyone":
            agreed = " OR origin = 'consensus'" if scope == "consensus" else ""
            codings_where, codings_args = f" AND (coder = ?{agreed}){where}", (coder, *args)
            decisions_where, decisions_args = f" AND coder = ?{where}", (coder, *args)
        sql = ("SELECT transcript_id, CASE WHEN origin = 'search' THEN 'b' ELSE 'c' END, start, end, code_id"
               f" FROM codings WHERE detached = 0{codings_where}"
               f" UNION ALL SELECT transcript_id, CASE WHEN accepted = 1 THEN 'a' ELSE 'r' END, start, end, code_id"
               f" FROM decisions WHERE 1=1{decisions_where}")
        out: dict[int, list[tuple[str, int, int, str]]] = {}
        for tid, *event in self._conn.execute(sql, codings_args + decisions_args):
            out.setdefault(tid, []).append(tuple(event))
        if scope != "everyone":  # the sentences this coder's cursor jumped over (kind "s"; see below)
            wanted = None if transcripts is None else set(ids)
            for tid, spans in self._skipped(coder).items():
                if tid in out and (wanted is None or tid in wanted):
                    out[tid].extend(("s", start, end, "") for start, end in spans)
        return out

    def _skipped(self, coder: str) -> dict[int, list[tuple[int, int]]]:
        """Per transcript id, the spans the coding screen's cursor jumped over without standing on them
        (``CodingSession``, setting ``tui.skipped.<coder>.<transcript id>``). The engine takes sentences
        before the last one a coder touched as passed over ("no code here"), except these: a jump with
        ``n`` or ``N`` had made every sentence it passed a "no code" answer the coder never gave. Only for
        one coder's learning: with every coder's work pooled, another coder may have read them."""
        prefix = "setting." + skipped_setting(coder, "")
        out: dict[int, list[tuple[int, int]]] = {}
        rows = self._conn.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
        for key, value in rows:
            tid = key[len(prefix):]
            if tid.isdigit():
                out[int(tid)] = read_spans(value or "")
        return out

    def work_marks(self, coders: Iterable[str]) -> dict[tuple[int, str], "WorkMarks"]:
        """Per (transcript id, coder), of the given coders: what the project records of how far the coder
        worked through the transcript besides their codings (for :mod:`codering.collab.agreement`): the end
        of their furthest suggestion decision, the sentence their coding screen's cursor was saved on
        (setting ``tui.cursor.<coder>.<transcript id>``, an index into the transcript's segments) and the end
        of the furthest span their cursor jumped over (``tui.skipped.<coder>.<transcript id>``). A pair with
        none of these is left out. The cursor saved before it was per coder (``tui.cursor.<id>``) names no
        coder and is not read."""
        wanted = set(coders)
        found: dict[tuple[int, str], dict[str, int]] = {}
        rows = self._conn.execute("SELECT transcript_id, coder, MAX(end) FROM decisions GROUP BY transcript_id, coder")
        for tid, coder, end in rows:
            if coder in wanted and end is not None:
                found.setdefault((int(tid), coder), {})["decided"] = int(end)
        for kind in ("cursor", "skipped"):
            prefix = f"setting.tui.{kind}."
            rows = self._conn.execute("SELECT key, value FROM meta WHERE substr(key, 1, ?) = ?", (len(prefix), prefix))
            for key, value in rows:
                coder, dot, tid = key[len(prefix):].rpartition(".")  # a coder's name may hold dots
                if not dot or coder not in wanted or not tid.isdigit():
                    continue
                if kind == "cursor":
                    if (value or "").isdigit():
                        found.setdefault((int(tid), coder), {})["cursor"] = int(value)
                else:
                    ends = [end for _, end in read_spans(value or "")]
                    if ends:
                        found.setdefault((int(tid), coder), {})["jumped"] = max(ends)
        return {pair: WorkMarks(m.get("decided"), m.get("cursor"), m.get("jumped")) for pair, m in found.items()}

    def learning_scope(self) -> tuple[str, str | None]:
        """Whose codings and decisions the suggestions learn from: ``(scope, coder)``.

        The project setting ``learn_from``: ``coder`` (the default) - only the
        coder working through this Project (``Project.coder``); ``consensus`` -
        that coder's plus the agreed codings (origin ``consensus``, from the
        agreement view); ``everyone`` - every coder's. A Project without a
        coder (scripts, evaluation) learns from everyone.
        """
        scope = self.setting("learn_from", "coder")  # type: ignore[attr-defined]
        if scope not in LEARN_FROM:
            scope = "coder"
        if self.coder is None:  # type: ignore[attr-defined]
            return "everyone", None
        return scope, self.coder  # type: ignore[attr-defined]

    def learning_changes(self, since: tuple | None) -> tuple[tuple | None, set[int] | None]:
        """Which transcripts' codings or decisions changed after ``since``, a token from an earlier call.

        Returns ``(token, transcript ids)``; the ids are ``None`` when that is
        not known (the first call, ``since`` is ``None`` or from another
        ``Project``, another process wrote to the project, or a transaction is
        open), so the caller reads everything again. Changes made through this
        connection - actions, undo, redo, re-anchoring, removed transcripts -
        are counted by temporary triggers (they live only as long as the
        connection and are not part of the project file); another process's
        commits show in ``data_version``. On a PostgreSQL server the token is the
        count of commits seen (:meth:`codering.store.pg.PgConnection.changes`),
        and the ids are those of every coder's changes (the server's triggers
        note them), not only this connection's. A change of whose work is learned
        from (:meth:`learning_scope`) makes the ids ``None`` too.
        """
        conn = self._conn
        scope = self.learning_scope()
        if self.on_server:  # the server's triggers name the transcripts (codering.store.pg)
            if self._tracking is None:
                self._tracking = next(_trackers)
            if conn.in_transaction:
                return None, None
            token = (self._tracking, conn.changes(), 0, scope)
            if since is None or since[0] != token[0] or since[1] > token[1] or since[3:] != token[3:]:
                return token, None
            return token, conn.touched_since(since[1])
        if self._tracking is None:
            for statement in _CHANGE_TRIGGERS:
                conn.execute(statement)
            self._tracking = next(_trackers)
        if conn.in_transaction:  # changes may still be rolled back
            return None, None
        version = conn.execute("PRAGMA data_version").fetchone()[0]
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM temp.learning_changes").fetchone()[0]
        token = (self._tracking, version, seq, scope)
        if since is None or since[:2] != token[:2] or since[2] > seq or since[3:] != token[3:]:
            return token, None
        changed = {r[0] for r in conn.execute("SELECT transcript_id FROM temp.learning_changes WHERE seq > ?",
                                              (since[2],))}
        return token, changed


class WorkMarks(NamedTuple):
    """How far a coder got in a transcript by what the coding screen records (see ``work_marks``); None:
    nothing of that kind recorded."""

    decided_to: int | None  # the end (character offset) of the furthest suggestion decision
    cursor: int | None  # the index of the segment the coding screen's cursor was saved on
    jumped_to: int | None  # the end of the furthest span the cursor jumped over


def skipped_setting(coder: str, transcript_id: int | str) -> str:
    """The setting that holds the spans the coding screen's cursor jumped over (see ``_skipped``)."""
    return f"tui.skipped.{coder}.{transcript_id}"


def read_spans(text: str) -> list[tuple[int, int]]:
    """Spans written as "start-end,start-end" (the skipped setting); anything else in it is passed over."""
    out = []
    for part in text.split(","):
        start, _, end = part.partition("-")
        if start.isdigit() and end.isdigit():
            out.append((int(start), int(end)))
    return out


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
LEARN_FROM = ("coder", "consensus", "everyone")
_trackers = itertools.count(1)  # tells the change tokens of different Project objects apart
