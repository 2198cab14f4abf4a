"""REFI-QDA exchange: projects as ``.qdpx`` archives, codebooks as ``.qdc`` files.

``export_qdpx(project, path)`` and ``import_qdpx(path, project_path)`` move a
whole project; ``write_qdc``/``read_qdc``/``import_codebook`` a codebook. A
file that cannot be read raises :class:`RefiError` (a ``CoderingError``) naming
the file, the place in it and what is wrong; nothing is imported then.
"""

from codering.refi.common import RefiError
from codering.refi.qdc import (
    CodebookImport,
    import_codebook,
    load_codebook_file,
    parse_qdc,
    read_qdc,
    write_qdc,
)
from codering.refi.qdpx import QdpxExport, export_qdpx
from codering.refi.qdpx_import import QdpxImport, import_qdpx, read_qdpx

__all__ = [
    "CodebookImport", "QdpxExport", "QdpxImport", "RefiError", "export_qdpx", "import_codebook", "import_qdpx",
    "load_codebook_file", "parse_qdc", "read_qdc", "read_qdpx", "write_qdc",
]
