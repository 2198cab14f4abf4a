"""Atomic writes respect the umask; CSV cells never become formulas."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from codering.fileio import atomic_write_bytes, csv_cell, current_umask


@pytest.fixture
def umask():
    """Set the umask for one test and put the old one back."""
    old = os.umask(0o022)
    os.umask(old)
    yield lambda mask: os.umask(mask)
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_files_get_the_umask_not_the_temporary_files_0600(tmp_path, umask):
    umask(0o022)
    assert current_umask() == 0o022
    atomic_write_bytes(tmp_path / "a.md", b"x")
    assert mode(tmp_path / "a.md") == 0o644
    umask(0o077)
    atomic_write_bytes(tmp_path / "b.md", b"x")
    assert mode(tmp_path / "b.md") == 0o600
    umask(0o002)
    atomic_write_bytes(tmp_path / "c.md", b"x")
    assert mode(tmp_path / "c.md") == 0o664


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "tabel.csv"
    target.write_bytes(b"oud")
    target.chmod(0o640)
    atomic_write_bytes(target, b"nieuw")
    assert target.read_bytes() == b"nieuw" and mode(target) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["tabel.csv"]  # no temporary file left


def test_an_export_from_the_command_line_respects_the_umask(loaded_project, tmp_path):
    [seg] = [s for s in loaded_project.segments("t01_huisarts") if "gebouw" in s.text]
    loaded_project.add_coding("t01_huisarts", seg.start, seg.end, "stim.praktisch.nabijheid", "an")
    loaded_project.close()
    out = tmp_path / "tabel5.md"
    result = subprocess.run(
        [sys.executable, "-m", "codering", "-p", str(loaded_project.path), "export", "factors", "--polarity",
         "stimulerend", "--format", "md", "-o", str(out)],
        capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o644


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://x\",\"klik\")", "'=HYPERLINK(\"http://x\",\"klik\")"),
    ("+32 470", "'+32 470"), ("-ja", "'-ja"), ("@iemand", "'@iemand"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("gewoon", "gewoon"), ("a=b", "a=b"), ("", ""), (-3, -3), (2.5, 2.5), (None, None),
])
def test_csv_cells(value, shown):
    assert csv_cell(value) == shown
