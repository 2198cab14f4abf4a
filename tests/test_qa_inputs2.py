"""Inputs a second QA pass found wanting: codings offsets counted on a CRLF file's own text, codings on a
transcript's header lines, REFI-QDA source names with path characters, password-protected .odt files, and
Word's symbol characters (w:sym) and embedded documents (w:altChunk).

Every input is built here, with python-docx, zipfile and the project's own writers.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from codering.errors import TranscriptError
from codering.ingest import read_transcript
from tests.conftest import run_cli
from tests.test_qa_documents import make_odt, rewrite

MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


# -- a password-protected .odt ---------------------------------------------------------------------------------

def manifest(encrypted: bool) -> str:
    encryption = ('<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="aGFzaA==">'
                  '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector='
                  '"aXY="/><manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count='
                  '"1024" manifest:salt="c2FsdA=="/></manifest:encryption-data>') if encrypted else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="{MANIFEST_NS}" '
            'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
            'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
            f'manifest:size="4000">{encryption}</manifest:file-entry></manifest:manifest>')


def test_a_password_protected_odt_is_named_so(tmp_path):
    """Its content.xml is ciphertext, which was called 'not a valid OpenDocument text file'."""
    path = tmp_path / "beveiligd.odt"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", os.urandom(600))  # what LibreOffice stores: deflated, then encrypted
        zf.writestr("META-INF/manifest.xml", manifest(encrypted=True))
    with pytest.raises(TranscriptError) as info:
        read_transcript(path)
    assert str(info.value) == (f"{path}: the document is password-protected; open it in LibreOffice and save it "
                               "again without a password (File > Save As, 'Save with password' unticked)")


def test_an_odt_with_a_manifest_and_no_password_is_read(tmp_path):
    path = make_odt(tmp_path / "open.odt", "<text:p>I: Wie helpt u bij de boodschappen?</text:p>"
                                           "<text:p>R: Mijn buurvrouw, elke dinsdag.</text:p>")
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("META-INF/manifest.xml", manifest(encrypted=False))
    assert "Mijn buurvrouw, elke dinsdag." in read_transcript(path).content
