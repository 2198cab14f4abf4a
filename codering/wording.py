"""How counts are said in messages: ``count(1, "transcript")`` is "1 transcript", not "1 transcripts"."""

from __future__ import annotations

__all__ = ["count"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, in the plural (``noun + "s"`` unless given) for every number but 1."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
