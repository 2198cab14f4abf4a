"""Codings and suggestion decisions: the researcher's work, every change journaled."""

from __future__ import annotations

from typing import Any

from codering.errors import StoreError
from codering.store.journal import Journaled
from codering.store.rows import CodedSpan, Coding, Decision, now

#: Where a coding came from: coded by hand, an accepted suggestion, an import (another tool, a coding file),
#: an agreed code (the agreement view), or the hits of a text search coded in one go
#: (:func:`codering.coding.textsearch.code_hits`; the coder chose the code, not each sentence).
ORIGINS = ("manual", "suggestion", "import", "consensus", "search")


class CodingTables(Journaled):
    """The ``codings`` and ``decisions`` tables (a part of :class:`codering.store.Project`)."""

    def add_coding(self, transcript: str | int, start: int, end: int, code_id: str, coder: str,
                   origin: str = "manual", created: str | None = None) -> int:
        """Apply a code to ``content[start:end]``; return the coding id (existing one if identical).
        ``created``: when it was made, if not now (an imported coding keeps its date)."""
        tid = self.transcript_id(transcript)
        content = self.content(tid)
        code = self.writable_code(code_id)
        if origin not in ORIGINS:
            raise StoreError(f"unknown coding origin '{origin}' (one of {', '.join(ORIGINS)})")
        if end <= start:
            raise StoreError(f"span {start}-{end} is empty: the end must be after the start")
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
                "origin": origin, "text": content[start:end], "detached": 0, "created": created or now(),
            })

    def remove_coding(self, coding_id: int, coder: str | None = None) -> None:
        with self.action(f"remove coding {coding_id}", coder):
            if not self._delete("codings", coding_id):
                raise StoreError(f"no coding with id {coding_id}")

    def _filters(self, transcript: str | int | None = None, **columns: Any) -> tuple[str, list[Any]]:
        """``" AND transcript_id = ? AND coder = ?"`` and its arguments, for the filters given (None: none)."""
        sql, args = "", []
        if transcript is not None:
            sql += " AND transcript_id = ?"
            args.append(self.transcript_id(transcript))  # type: ignore[attr-defined]
        for column, value in columns.items():
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        return sql, args

    def codings(self, transcript: str | int | None = None, coder: str | None = None,
                code_id: str | None = None, include_detached: bool = False) -> list[Coding]:
        where, args = self._filters(transcript, coder=coder, code_id=code_id)
        sql = ("SELECT id, transcript_id, start, end, code_id, coder, origin, text, detached, created FROM codings"
               f" WHERE 1=1{where}{'' if include_detached else ' AND detached = 0'}"
               " ORDER BY transcript_id, start, end, id")
        return [Coding(*r[:8], bool(r[8]), r[9]) for r in self._conn.execute(sql, args)]

    def coded_spans(self, coder: str | None = None, transcript: str | int | None = None) -> list[CodedSpan]:
        """Where each attached coding of ``coder`` (None: of every coder; ``transcript``: in that one only)
        lies and its code, without the coded text: a fraction of :meth:`codings`' cost where only the
        positions count (the coding screen's combinations, the codes on a text search's hits)."""
        where, args = self._filters(transcript, coder=coder)
        sql = f"SELECT transcript_id, start, end, code_id FROM codings WHERE detached = 0{where}"
        return [CodedSpan(*r) for r in self._conn.execute(sql, args)]

    def coders(self, besides_origin: str | None = None) -> list[str]:
        """Everyone with codings; ``besides_origin``: only those with codings of another origin (coders who
        only recorded consensus are left out with ``"consensus"``)."""
        if besides_origin is None:
            return [r[0] for r in self._conn.execute("SELECT DISTINCT coder FROM codings ORDER BY coder")]
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT coder FROM codings WHERE origin <> ? ORDER BY coder", (besides_origin,))]

    # -- suggestion decisions ------------------------------------------------------------
    def record_decision(self, transcript: str | int, start: int, end: int, code_id: str, accepted: bool,
                        coder: str, score: float | None = None, model_id: str | None = None,
                        apply: bool = True, created: str | None = None) -> int:
        """Accept or reject a suggestion; an accept also applies the code (one action). ``created``: when it
        was decided, if not now (a decision copied from another project by ``merge``)."""
        tid = self.transcript_id(transcript)
        content = self.content(tid)
        self.writable_code(code_id)
        verb = "accept" if accepted else "reject"
        with self.action(f"{verb} suggestion {code_id}", coder):
            decision = self._insert("decisions", {
                "transcript_id": tid, "start": start, "end": end, "text": content[start:end],
                "code_id": code_id, "score": score, "accepted": int(accepted), "model_id": model_id,
                "coder": coder, "created": created or now(),
            })
            if accepted and apply:
                self.add_coding(tid, start, end, code_id, coder, origin="suggestion")
        return decision

    def decisions(self, coder: str | None = None, transcript: str | int | None = None) -> list[Decision]:
        where, args = self._filters(transcript, coder=coder)
        sql = ("SELECT id, transcript_id, start, end, text, code_id, score, accepted, model_id, coder, created"
               f" FROM decisions WHERE 1=1{where} ORDER BY id")
        return [Decision(*r[:7], bool(r[7]), *r[8:]) for r in self._conn.execute(sql, args)]
