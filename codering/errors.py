"""Errors that codering raises, each with a message written for a researcher.

The hierarchy::

    CoderingError             anything codering reports as a clear one-line error
    ├── CodebookError         a codebook file or entry is invalid
    ├── TranscriptError       a transcript file cannot be read or imported
    ├── StoreError            the project file cannot be opened or written
    │   └── ProjectLockedError  another process holds the project
    ├── SuggestError          the suggestion engine or its model failed
    └── ExportError           an export cannot be written

Every error has a ``title`` (short, for a dialog) and a one-line ``str()``.
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


class StoreError(CoderingError):
    """The project file cannot be opened, migrated or written."""

    title = "Project error"


class ProjectLockedError(StoreError):
    """Another process is writing the project right now."""

    title = "Project in use"


class SuggestError(CoderingError):
    """The suggestion engine or its model cannot do what was asked."""

    title = "Suggestion error"


class ExportError(CoderingError):
    """An export cannot be built or written."""

    title = "Export error"
