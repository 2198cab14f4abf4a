"""Suggestions for whole transcripts, stored in the project (the overview's counts, `codering suggest`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codering.store import Project
    from codering.suggest.engine import EmbeddingSuggester


def store_transcript_suggestions(project: "Project", engine: "EmbeddingSuggester", name: str | int,
                                 k: int = 3) -> tuple[int, int]:
    """Score every segment of one transcript and store the suggestions; return (segments, with suggestions)."""
    result = engine.transcript_scores(project, name)
    if result is None:
        return 0, 0
    feats, scores = result
    tid = project.transcript_id(name)
    rows = []
    spans = []
    with_suggestions = 0
    for r, i in enumerate(scores.rows):
        found = engine.suggestions_for_row(scores, r, k, exclude_key=(tid, i))
        with_suggestions += bool(found)
        start, end = int(feats.starts[i]), int(feats.ends[i])
        spans.append((start, end))
        rows.extend((start, end, s.code_id, rank, s.score, s.reason) for rank, s in enumerate(found))
    project.replace_suggestions(name, engine.model_id, rows, spans=spans)  # every scored span: stale ones go
    return len(scores.rows), with_suggestions
