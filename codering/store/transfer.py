"""Moving a whole project between the engines: ``codering push`` and ``codering pull``.

Every table is copied row for row with its ids (so journal entries, undo and
redo, exchange GUIDs and the links between rows stay as they were): the
codebook, transcripts with attributes, turns and segments, codings with
coders, origins and times, decisions, memos, the journal, the embedding cache
and the stored suggestions, and the project's settings and id. The target is
made new (a project already there is refused) and filled before it appears
under its name: a file is written beside it and renamed, a server project is
made and filled in one transaction. A failure or a kill leaves no project, never
half a project or an empty one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from codering.errors import StoreError
from codering.store.location import ServerAddress, locate

# every table of the schema, parents before children, each with an order that is the same on both engines
TABLES: tuple[tuple[str, str], ...] = (
    ("meta", "key"),
    ("codes", "id"),
    ("transcripts", "id"),
    ("attributes", "transcript_id, name"),
    ("turns", "transcript_id, idx"),
    ("segments", "id"),
    ("codings", "id"),
    ("decisions", "id"),
    ("memos", "id"),
    ("journal", "id"),
    ("embeddings", "model_id, text_hash"),
    ("suggestions", "transcript_id, start, end, code_id, coder"),
)
IDENTITY_TABLES = ("transcripts", "segments", "codings", "decisions", "memos", "journal")
CHUNK = 2000


def table_rows(project: Any, table: str) -> tuple[list[str], Iterator[tuple]]:
    """The columns of ``table`` and its rows in a fixed order (blobs as ``bytes``)."""
    order = dict(TABLES)[table]
    cur = project._conn.execute(f"SELECT * FROM {table} ORDER BY {order}")
    columns = [d[0] for d in cur.description]
    return columns, (tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cur)


def _highest_ids(project: Any) -> dict[str, int]:
    """Per table with ids: the highest id it ever gave, as far as the rows, the engine's own counter and
    the journal tell (an undone row is only in the journal; its id must stay free for its redo). A removed
    transcript's id counts too: the journal's rows still name it, and an undo would otherwise put its
    codings on a transcript imported after the copy under the same id."""
    import json

    high = {table: max(project._conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0],
                       project.dialect.ids_given(project._conn, table))
            for table in IDENTITY_TABLES}
    for (ops,) in project._conn.execute("SELECT ops FROM journal"):
        for op in json.loads(ops):
            row = op.get("row", {})
            key = op.get("key") if op["op"] == "update" else row.get("id")
            if op["table"] in high and isinstance(key, int):
                high[op["table"]] = max(high[op["table"]], key)
            if isinstance(row.get("transcript_id"), int):
                high["transcripts"] = max(high["transcripts"], row["transcript_id"])
    return high


def copy_project(source: Any, target_where: "str | Path | ServerAddress") -> dict[str, int]:
    """Copy the open project ``source`` into a new project at ``target_where``; return rows per table."""
    from codering.store.project import Project

    target_where = locate(target_where)
    if str(target_where) == str(source.path):
        raise StoreError(f"{target_where}: the project cannot be copied onto itself")
    if Project.exists(target_where):
        raise StoreError(f"{target_where}: already exists; nothing was copied (choose another name, or remove it)")
    counts: dict[str, int] = {}

    def fill(target: Any) -> None:
        with target.transaction() as conn:  # on a server, part of the transaction that makes the project
            for table, _ in TABLES:
                columns, rows = table_rows(source, table)
                marks = ", ".join("?" for _ in columns)
                insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                counts[table] = 0
                chunk: list[tuple] = []
                for row in rows:
                    chunk.append(row)
                    if len(chunk) == CHUNK:
                        conn.executemany(insert, chunk)
                        counts[table] += len(chunk)
                        chunk = []
                if chunk:
                    conn.executemany(insert, chunk)
                    counts[table] += len(chunk)
            target.dialect.continue_ids(conn, _highest_ids(source))

    Project.create(target_where, None, fill=fill).close()  # the project appears whole, or not at all
    return counts
