"""Reviewing the codings of one code across transcripts: changing a coding's code as one action."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codering.store import Coding, Project


def recode(project: "Project", coding: "Coding", code_id: str, coder: str) -> None:
    """Give the words of ``coding`` the code ``code_id`` instead: one undoable action of ``coder`` (the
    reviewer). The coding stays its coder's, with its origin and date: a reviewer who recodes anna's
    coding does not take it from her (her agreement with other coders would change)."""
    with project.action(f"recode {coding.code_id} -> {code_id}", coder):
        project.remove_coding(coding.id, coder)
        project.add_coding(coding.transcript_id, coding.start, coding.end, code_id, coding.coder,
                           origin=coding.origin, created=coding.created)
