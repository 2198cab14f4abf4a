"""The per-user cache of codebook-text vectors (one SQLite file per cache folder, outside any project).

Used by :mod:`codering.suggest.embed` so that new and temporary projects do
not embed the same codebook texts again. An optimisation only: when the file
cannot be opened or written, texts are simply embedded again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np


class VectorCache:
    """A per-user cache of codebook-text vectors: one SQLite file per cache folder."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection | None:
        if self._conn is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(self.path, timeout=5, check_same_thread=False)
                conn.execute("CREATE TABLE IF NOT EXISTS vectors (model_id TEXT, text_hash TEXT, vector BLOB,"
                             " PRIMARY KEY (model_id, text_hash))")
                self._conn = conn
            except (OSError, sqlite3.Error):
                return None  # the cache is an optimisation: without it, texts are just embedded again
        return self._conn

    def get(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        import numpy as np

        conn = self._db()
        out: dict[str, np.ndarray] = {}
        if conn is None:
            return out
        try:
            for i in range(0, len(keys), 500):
                chunk = list(keys[i:i + 500])
                marks = ",".join("?" for _ in chunk)
                for key, blob in conn.execute(
                        f"SELECT text_hash, vector FROM vectors WHERE model_id = ? AND text_hash IN ({marks})",
                        (model_id, *chunk)):
                    out[key] = np.frombuffer(blob, dtype=np.float32)
        except sqlite3.Error:
            return {}
        return out

    def put(self, model_id: str, vectors: dict[str, np.ndarray]) -> None:
        import numpy as np

        conn = self._db()
        if conn is None or not vectors:
            return
        try:
            with conn:
                conn.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?)",
                                 [(model_id, k, np.asarray(v, dtype=np.float32).tobytes())
                                  for k, v in vectors.items()])
        except sqlite3.Error:
            pass
