"""Derived data kept in the project file: stored suggestions and the sentence-embedding cache.

Nothing here is journaled: both can be computed again from the transcripts.
The embedding cache is the whole team's (a sentence is embedded once); stored
suggestions are each coder's (``Project.coder``; ``''`` without one, the
project-wide set): a coder reads their own set, and the project-wide one for
the spans they have none of their own for; a coder's scoring of a span
replaces their own set there and clears the project-wide one (it is stale:
"nothing here now" is no row at all), a scoring without a coder replaces only
the project-wide set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

from codering.store.connection import Connected
from codering.store.rows import now

if TYPE_CHECKING:
    import numpy as np


class Caches(Connected):
    """The ``suggestions`` and ``embeddings`` tables (a part of :class:`codering.store.Project`)."""

    coder: str | None = None  # whose stored suggestions (see the module docstring)

    def replace_suggestions(self, transcript: str | int, model_id: str,
                            rows: Iterable[tuple[int, int, str, int, float, str]],
                            spans: Iterable[tuple[int, int]] = ()) -> None:
        """Store (start, end, code_id, rank, score, reason) rows for spans of a transcript.

        Suggestions for each span given (in ``rows`` or in ``spans``) replace the ones stored
        for that span; a span in ``spans`` without rows is cleared (scored: no suggestion now).
        """
        tid = self.transcript_id(transcript)
        rows = list(rows)
        who = self._suggestions_of()
        with self.transaction(self.coder) as conn:
            for start, end in {(r[0], r[1]) for r in rows} | set(spans):
                conn.execute("DELETE FROM suggestions WHERE transcript_id = ? AND start = ? AND end = ?"
                             " AND (coder = ? OR coder = '')", (tid, start, end, who))
            conn.executemany(
                "INSERT INTO suggestions (transcript_id, start, end, code_id, coder, rank, score, reason,"
                " model_id, created) VALUES (?,?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT (transcript_id, start, end, code_id, coder)"
                " DO UPDATE SET rank = excluded.rank, score = excluded.score, reason = excluded.reason,"
                " model_id = excluded.model_id, created = excluded.created",
                [(tid, r[0], r[1], r[2], who, r[3], r[4], r[5], model_id, now()) for r in rows],
            )

    def _suggestions_of(self) -> str:
        return self.coder or ""

    def stored_suggestions(self, transcript: str | int) -> list[tuple[int, int, str, int, float, str, str]]:
        """(start, end, code_id, rank, score, reason, model_id) rows, in text order."""
        tid = self.transcript_id(transcript)
        return [tuple(r) for r in self._conn.execute(
            f"SELECT start, end, code_id, rank, score, reason, model_id FROM suggestions s WHERE transcript_id = ?"
            f" AND {_MINE_OR_SHARED} ORDER BY start, rank", (tid, self._suggestions_of(), self._suggestions_of()))]

    def pending_suggestions(self, min_score: float = 0.0) -> dict[int, int]:
        """Per transcript id: stored suggestions (this coder's) scoring at least ``min_score`` with no
        decision and no such coding yet."""
        return dict(self._conn.execute(
            """
            SELECT s.transcript_id, COUNT(*) FROM suggestions s
            WHERE s.score >= ? AND {mine} AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.transcript_id = s.transcript_id
                              AND d.start = s.start AND d.end = s.end AND d.code_id = s.code_id)
              AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.transcript_id = s.transcript_id
                              AND c.start = s.start AND c.end = s.end AND c.code_id = s.code_id)
            GROUP BY s.transcript_id
            """.format(mine=_MINE_OR_SHARED), (min_score, self._suggestions_of(), self._suggestions_of())).fetchall())

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

        with self.transaction(self.coder) as conn:  # row upserts: beside the coders' actions on a server
            conn.executemany(
                "INSERT INTO embeddings (model_id, text_hash, dim, vector) VALUES (?,?,?,?)"
                " ON CONFLICT (model_id, text_hash) DO UPDATE SET dim = excluded.dim, vector = excluded.vector",
                [(model_id, h, int(v.shape[-1]), np.asarray(v, dtype=np.float32).tobytes()) for h, v in vectors.items()],
            )


# a stored suggestion row ``s`` this coder sees: their own, or the project-wide set's where they have none
_MINE_OR_SHARED = ("(s.coder = ? OR (s.coder = '' AND NOT EXISTS (SELECT 1 FROM suggestions o WHERE"
                   " o.transcript_id = s.transcript_id AND o.start = s.start AND o.end = s.end AND o.coder = ?)))")
