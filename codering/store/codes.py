"""The project's copy of the codebook: read (cached), written whole, codes edited one at a time."""

from __future__ import annotations

import json

from codering.codebook import Code, Codebook
from codering.errors import StoreError
from codering.store.journal import Journaled


class CodebookTables(Journaled):
    """The ``codes`` table and the codebook's meta keys (a part of :class:`codering.store.Project`)."""

    def _write_codebook(self, codebook: Codebook) -> None:
        with self.transaction() as conn:
            conn.execute("DELETE FROM codes")
            for key, value in codebook.meta().items():
                conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                             "excluded.value", (f"codebook.{key}", value))
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
                " FROM codes ORDER BY position, id"
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

    def update_code(self, code: Code, coder: str | None = None, *, after: str | None = None) -> None:
        """Edit an existing code, or add a new one (journaled, undoable). A new code goes after its
        siblings, or with ``after`` (the id of a sibling in the project) right after that sibling, or
        with ``after=""`` before all its siblings (the codes after it move down one place)."""
        existing = self._row("codes", code.id)
        book = self.codebook()
        if code.parent is not None and code.parent not in book:
            raise StoreError(f"cannot save code '{code.id}': unknown parent '{code.parent}'")
        with self.action(f"edit code {code.id}" if existing else f"add code {code.id}", coder):
            if existing is None:
                position = self._place_new(book, code.parent, after)
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

    def _place_new(self, book: Codebook, parent: str | None, after: str | None) -> int:
        """The position of a new child of ``parent`` (see :meth:`update_code`), making room for it."""
        last = self._conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM codes").fetchone()[0]
        siblings = [c.id for c in book.children(parent)]
        if after is None or (after and after not in siblings) or not siblings:
            return last
        anchor = self._conn.execute("SELECT position FROM codes WHERE id = ?",
                                    (after or siblings[0],)).fetchone()[0]
        target = anchor + 1 if after else anchor
        for key, position in self._conn.execute(
                "SELECT id, position FROM codes WHERE position >= ? ORDER BY position DESC", (target,)).fetchall():
            self._update("codes", key, {"position": position + 1})
        return target


def _code_values(code: Code, position: int) -> tuple:
    return (code.id, code.parent, code.label, code.short, code.description, code.include, code.exclude,
            json.dumps(list(code.examples), ensure_ascii=False), code.key, code.color, int(code.codable), position)
