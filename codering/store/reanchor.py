"""Moving spans to the same words in a changed text: pure string logic, no SQL.

A coding (or memo, or decision) covers ``old[start:end]``. After the
transcript's text changes it moves to the occurrence of the same words in the
new text nearest to where it was; when the words are gone it has no place.
"""

from __future__ import annotations

from typing import Hashable, Iterable, Iterator


def nearest(text: str, snippet: str, near: int) -> int | None:
    best: int | None = None
    pos = text.find(snippet)
    while pos != -1:
        if best is None or abs(pos - near) < abs(best - near):
            best = pos
        pos = text.find(snippet, pos + 1)
    return best


def reanchor(old: str, new: str, spans: Iterable[tuple[Hashable, int, int]]
             ) -> Iterator[tuple[Hashable, int, tuple[int, int] | None]]:
    """For each ``(key, start, end)`` span of ``old``: ``(key, start, (new start, new end))``, or
    ``(key, start, None)`` when its words are not in ``new`` (or the span is empty)."""
    for key, start, end in spans:
        snippet = old[start:end]
        found = nearest(new, snippet, start) if snippet else None
        yield key, start, None if found is None else (found, found + len(snippet))


def same_interview(old: str, new: str) -> bool:
    """Is ``new`` an edited ``old`` (most of its paragraphs still there, word for word), not another
    interview that took the name (``import --replace``)?"""
    paragraphs = {" ".join(p.split()) for p in old.split("\n") if len(p.split()) >= 4}
    if not paragraphs:
        return False
    kept = {" ".join(p.split()) for p in new.split("\n")}
    return len(paragraphs & kept) >= 0.5 * len(paragraphs)
