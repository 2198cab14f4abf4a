"""codering: code qualitative interview transcripts at the keyboard, offline.

The public surface: the project store, codebooks and the errors. Reading
transcripts is :mod:`codering.ingest`; the README's "Module map" shows every
package. The terminal UI lives in ``codering.tui`` and is the only part that
imports Textual (``tests/test_architecture.py`` checks the layering).

Nothing leaves the machine: ONNX Runtime (1.29 and later) sends usage
telemetry to Microsoft from Linux and macOS unless ``ORT_DISABLE_TELEMETRY``
is set before it starts, so it is set here, before any part of codering can
load it (interview data is confidential; the promise is no network at run time).
"""

import os as _os

_os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from codering.codebook import Code, Codebook, load_codebook
from codering.errors import (
    CodebookError,
    CoderingError,
    ExportError,
    ProjectLockedError,
    StoreError,
    SuggestError,
    TranscriptError,
)
from codering.store import Project

__version__ = "0.1.0"

__all__ = [
    "Code", "Codebook", "CodebookError", "CoderingError", "ExportError", "Project",
    "ProjectLockedError", "StoreError", "SuggestError", "TranscriptError", "load_codebook",
    "__version__",
]
