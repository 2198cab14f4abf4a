"""How counts and texts are said in messages: ``count(1, "transcript")`` is "1 transcript", not "1 transcripts";
``short`` puts a text on one line of a given width."""

from __future__ import annotations

__all__ = ["count", "short"]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and ``noun``, in the plural (``noun + "s"`` unless given) for every number but 1."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def short(text: str, width: int = 50) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
