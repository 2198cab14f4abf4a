"""Hostile exchange files: a small archive that unpacks to a lot is refused before it is read.

Memory figures (before/after) come from ``benchmarks/hostile_files.py``; here the
behaviour: one clear error naming the member and the limit, nothing written,
and the oversized member never opened.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from codering.refi import RefiError, import_qdpx, parse_qdc
from codering.refi.archive import MAX_QDE
from codering.ingest import MAX_BYTES

QDE = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="bom">'
       '<Sources><TextSource guid="a1b2c3d4-0000-4000-8000-000000000001" name="groot" '
       'plainTextPath="internal://groot.txt"/></Sources></Project>')


def stream_member(zf: zipfile.ZipFile, name: str, chunk: bytes, total: int) -> None:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:
        for _ in range(total // len(chunk)):
            out.write(chunk)
        out.write(chunk[: total % len(chunk)])


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """The archive members codering opens for reading."""
    names: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


def test_a_source_over_the_file_limit_is_refused_unread(tmp_path, opened):
    archive = tmp_path / "bom.qdpx"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("project.qde", QDE)
        stream_member(zf, "sources/groot.txt", b"R: Ja, we werken samen met de huisarts. " * 1000, MAX_BYTES + 1)
    assert archive.stat().st_size < 1024 * 1024
    target = tmp_path / "bom.codering"
    with pytest.raises(RefiError, match=r"bom\.qdpx: sources/groot\.txt unpacks to 50\.1 MiB; the limit is 50 MiB "
                                        r"for a source"):
        import_qdpx(archive, target)
    assert not target.exists()
    assert "sources/groot.txt" not in opened


def test_a_source_at_the_limit_is_not_refused_for_its_size(tmp_path):
    archive = tmp_path / "rand.qdpx"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("project.qde", QDE)
        stream_member(zf, "sources/groot.txt", b"\xff", 10)  # small, but not UTF-8: fails later, for that
    with pytest.raises(RefiError, match="not UTF-8 text"):
        import_qdpx(archive, tmp_path / "rand.codering")


def test_a_project_xml_over_its_limit_is_refused_unread(tmp_path, opened):
    archive = tmp_path / "spaties.qdpx"
    with zipfile.ZipFile(archive, "w") as zf:
        stream_member(zf, "project.qde", b" " * (1024 * 1024), MAX_QDE + 1)
    with pytest.raises(RefiError, match=r"spaties\.qdpx: project\.qde unpacks to 100\.1 MiB; the limit is 100 MiB "
                                        r"for the project XML"):
        import_qdpx(archive, tmp_path / "spaties.codering")
    assert opened == [] and not (tmp_path / "spaties.codering").exists()


def test_the_xml_parser_keeps_its_limits_and_says_so_plainly(tmp_path):
    archive = tmp_path / "tekst.qdpx"
    head, tail = QDE.split("<Sources>")
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("project.qde")
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:  # one text node of 12 MB, under the size limit of the file
            out.write(head.encode() + b'<Sources><TextSource name="s"><PlainTextContent>')
            for _ in range(12):
                out.write(b"R: ja. " * (1024 * 1024 // 7))
            out.write(b"</PlainTextContent></TextSource></Sources></Project>")
    with pytest.raises(RefiError) as caught:
        import_qdpx(archive, tmp_path / "tekst.codering")
    message = str(caught.value)
    assert message.startswith(f"{archive}: project.qde line 2: invalid XML: Resource limit exceeded")
    assert "XML_PARSE_HUGE" not in message and "more than codering reads" in message and "\n" not in message
    assert not (tmp_path / "tekst.codering").exists()


def test_a_codebook_file_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "groot.qdc"
    with path.open("wb") as fh:
        fh.truncate(MAX_QDE + 1)  # sparse: nothing written, the size is what counts
    with pytest.raises(RefiError, match=r"groot\.qdc: the file is 100\.1 MiB; the limit is 100 MiB for a codebook"):
        parse_qdc(path)
