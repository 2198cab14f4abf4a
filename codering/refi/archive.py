"""The inside of a ``.qdpx`` zip: finding ``project.qde`` and the source files, decoding them.

Lenient about what other tools write: ``sources/`` or ``Sources/``, ``internal://``
or bare paths, a ``.qde`` named after the project (ATLAS.ti 26), a BOM, an empty
``.txt`` beside a ``.docx`` (NVivo for Mac).
"""

from __future__ import annotations

import tempfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from typing import TYPE_CHECKING

from codering.errors import CoderingError
from codering.fileio import check_input, megabytes
from codering.refi.common import RefiError, parse_xml

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["MAX_QDE", "Archive", "decode_text", "docx_text"]

MAX_QDE = 100 * 1024 * 1024
"""The largest ``project.qde`` read (uncompressed): codes, cases and codings of a large study, sources inline."""
#: A .qdpx archive may hold media besides its text; only what codering reads is limited by size.
MAX_ARCHIVE = 8 * 1024 * 1024 * 1024


class Archive:
    """The zip and where its members are, found case-insensitively."""

    def __init__(self, path: Path) -> None:
        self.path = path
        check_input(path, MAX_ARCHIVE, lambda reason: RefiError(f"{path}: {reason}"))
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise RefiError(f"{path}: not a QDPX archive (not a zip file)") from None
        except OSError as exc:
            raise RefiError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        self.members = {n.lower(): n for n in self.zip.namelist() if not n.endswith("/")}

    def qde(self) -> tuple[str, "etree._Element"]:
        """The project XML's member name and its parsed root (size checked, parsed from the stream)."""
        named = [n for low, n in self.members.items() if PurePosixPath(low).name == "project.qde"]
        named = named or [n for low, n in self.members.items() if low.endswith(".qde")]
        if not named:
            raise RefiError(f"{self.path}: no project.qde in the archive (is it a QDPX file?)")
        if len(named) > 1:
            raise RefiError(f"{self.path}: several .qde files in the archive ({', '.join(sorted(named))})")
        name = named[0]
        self._check_size(name, MAX_QDE, "the project XML")
        try:
            with self.zip.open(name) as stream:
                return name, parse_xml(stream, f"{self.path}: {name}")
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, zlib.error) as exc:
            raise RefiError(f"{self.path}: {name} cannot be read from the archive ({exc})") from None

    def find(self, ref: str) -> str | None:
        """The member a source path names: internal://x, sources/x, Sources/x or a bare x."""
        name = ref.split("://", 1)[1] if ref.startswith("internal://") else ref
        name = name.lstrip("/")
        for candidate in (f"sources/{name}", name, f"sources/{PurePosixPath(name).name}"):
            if candidate.lower() in self.members:
                return self.members[candidate.lower()]
        return None

    def _check_size(self, member: str, limit: int, what: str) -> None:
        size = self.zip.getinfo(member).file_size
        if size > limit:
            raise RefiError(f"{self.path}: {member} unpacks to {megabytes(size)}; the limit is {megabytes(limit)} for {what}")

    def read(self, member: str) -> bytes:
        """A member's bytes; refused before reading when it unpacks to more than a transcript file may hold."""
        from codering.ingest import MAX_BYTES

        self._check_size(member, MAX_BYTES, "a source (as for a transcript file)")
        try:
            return self.zip.read(member)
        except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
            raise RefiError(f"{self.path}: {member} cannot be read from the archive ({exc})") from None


def decode_text(data: bytes, where: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RefiError(f"{where}: not UTF-8 text (byte {exc.start})") from None


def docx_text(archive: Archive, rich: str, name: str, notices: list[str]) -> str:
    """The text of a .docx beside an empty .txt (NVivo for Mac), when it has any."""
    member = archive.find(rich) if rich.lower().endswith(".docx") else None
    if member is None:
        return ""
    from codering.ingest.word import read_docx

    with tempfile.TemporaryDirectory() as tmp:
        docx = Path(tmp) / "source.docx"
        docx.write_bytes(archive.read(member))
        try:
            text, _ = read_docx(docx)
        except CoderingError:
            return ""
    if text.strip():
        notices.append(f"source '{name}': text taken from its .docx (its .txt is empty)")
    return text
