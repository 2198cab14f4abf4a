"""Errors that codering raises, each with a message written for a researcher.

The hierarchy (every error codering raises on purpose is here)::

    CoderingError               anything codering reports as a clear one-line error
    ├── CodebookError           a codebook file or entry is invalid
    ├── TranscriptError         a transcript file cannot be read or imported
    ├── ImportProblems          several files of an import are bad (one line each)
    ├── RefiError               a REFI-QDA exchange file (QDPX, QDC) cannot be read
    ├── StoreError              the project file cannot be opened or written
    │   ├── ProjectLockedError  another process holds the project
    │   └── ConnectionLostError the PostgreSQL server went away mid-action (nothing saved; retry)
    ├── SuggestError            the suggestion engine or its model failed
    ├── EvaluationError         a gold-standard evaluation cannot run
    ├── ExportError             an export cannot be written
    │   └── NothingToExport     the selection has nothing for this table
    ├── AgreementError          agreement cannot be computed as asked
    └── MergeError              another project cannot be merged into this one

Every error has a ``title`` (short, for a dialog) and a one-line ``str()``.
The front ends (``codering.cli``, ``codering.tui``) catch ``CoderingError``
and show exactly that; anything else is a bug.
"""

from __future__ import annotations


class CoderingError(Exception):
    """Base class: an error with a one-line, researcher-facing message."""

    title = "Error"

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(" ".join(message.split()))
        if title is not None:
            self.title = title


class CodebookError(CoderingError):
    """A codebook is invalid. ``problems`` lists every problem found."""

    title = "Codebook error"

    def __init__(self, message: str, *, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [message])


class TranscriptError(CoderingError):
    """A transcript cannot be read or imported."""

    title = "Transcript error"

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ImportProblems(CoderingError):
    """Several files could not be imported; ``problems`` has one line each."""

    title = "Import failed"

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)
        self.problems = problems


class RefiError(CoderingError):
    """A QDPX or QDC file cannot be read: the message names the file, where, and what is wrong."""

    title = "Exchange file error"


class StoreError(CoderingError):
    """The project file cannot be opened, migrated or written."""

    title = "Project error"


class ProjectLockedError(StoreError):
    """Another process is writing the project right now."""

    title = "Project in use"


class ConnectionLostError(StoreError):
    """The connection to a server project was lost (server restart, network): the action was not saved
    and can be retried; the store reconnects by itself."""

    title = "Server connection lost"


class SuggestError(CoderingError):
    """The suggestion engine or its model cannot do what was asked."""

    title = "Suggestion error"


class EvaluationError(CoderingError):
    """The evaluation against gold codings cannot run (missing or unreadable gold files)."""

    title = "Evaluation error"


class ExportError(CoderingError):
    """An export cannot be built or written."""

    title = "Export error"


class NothingToExport(ExportError):
    """The selection has nothing to put in this table (no file is written)."""

    title = "Nothing to export"


class AgreementError(CoderingError):
    """Agreement cannot be computed as asked (too few coders, nothing in common, ...); ``dutch`` says it for
    the terminal UI's agreement view (the message itself where none was given)."""

    title = "Agreement"

    def __init__(self, message: str, *, dutch: str | None = None) -> None:
        super().__init__(message)
        self.dutch = " ".join(dutch.split()) if dutch else str(self)


class MergeError(CoderingError):
    """The other project cannot be merged into this one."""

    title = "Merge"
