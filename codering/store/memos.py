"""Memos on the project, a transcript, a passage or a code."""

from __future__ import annotations

from codering.errors import StoreError
from codering.store.journal import Journaled
from codering.store.rows import Memo, now

MEMO_KINDS = ("project", "transcript", "segment", "code")


class MemoTable(Journaled):
    """The ``memos`` table (a part of :class:`codering.store.Project`)."""

    def add_memo(self, text: str, coder: str, *, transcript: str | int | None = None,
                 start: int | None = None, end: int | None = None, code_id: str | None = None,
                 created: str | None = None) -> int:
        if not text.strip():
            raise StoreError("a memo needs some text")
        tid = self.transcript_id(transcript) if transcript is not None else None
        if code_id is not None:
            self.writable_code(code_id)
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
                "coder": coder, "created": created or now(),
            })

    def edit_memo(self, memo_id: int, text: str, coder: str | None = None) -> bool:
        """Replace memo ``memo_id``'s text (one undoable action); False when the text is the same (nothing is
        written or journaled). Who wrote the memo stays its coder; the edit is journaled as ``coder``'s."""
        if not text.strip():
            raise StoreError("a memo needs some text (to delete a memo, remove it)")
        if self.memo(memo_id).text == text.strip():
            return False
        with self.action(f"edit memo {memo_id}", coder):
            self._update("memos", memo_id, {"text": text.strip(), "updated": now()})
        return True

    def remove_memo(self, memo_id: int, coder: str | None = None) -> None:
        with self.action(f"remove memo {memo_id}", coder):
            if not self._delete("memos", memo_id):
                raise StoreError(f"no memo with id {memo_id}")

    def memo(self, memo_id: int) -> Memo:
        """One memo by its id (a :class:`StoreError` naming the id when there is none)."""
        row = self._conn.execute(f"{_SELECT} WHERE id = ?", (memo_id,)).fetchone()
        if row is None:
            raise StoreError(f"no memo with id {memo_id}")
        return Memo(*row)

    def memos(self, transcript: str | int | None = None, *, code_id: str | None = None,
              coder: str | None = None) -> list[Memo]:
        """Memos in the order they were written; only those on ``transcript`` (whole or a passage of it), on
        ``code_id`` (a code memo) or by ``coder``, when given."""
        where, args = [], []
        if transcript is not None:
            where.append("transcript_id = ?")
            args.append(self.transcript_id(transcript))
        if code_id is not None:
            where.append("code_id = ?")
            args.append(code_id)
        if coder is not None:
            where.append("coder = ?")
            args.append(coder)
        sql = _SELECT + (" WHERE " + " AND ".join(where) if where else "")
        return [Memo(*r) for r in self._conn.execute(sql + " ORDER BY id", tuple(args))]


_SELECT = "SELECT id, kind, transcript_id, start, end, code_id, text, coder, created, updated FROM memos"
