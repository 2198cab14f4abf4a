"""A project file that cannot be written or is damaged: reading works or the error says what to do."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from codering.errors import StoreError
from codering.store import Project


@pytest.fixture
def not_writable(monkeypatch):
    """Make the project's file and folder unwritable for codering, as chmod does for a user that is not root
    (the suite may run as root, for whom chmod changes nothing). ``folder``: the folder is read-only too."""
    real = os.access

    def setup(path, folder: bool):
        blocked = {os.fspath(path)} | ({os.fspath(path.parent)} if folder else set())

        def access(target, mode, *args, **kwargs):
            if mode & os.W_OK and os.fspath(target) in blocked:
                return False
            return real(target, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)

    return setup


@pytest.mark.parametrize("folder", [False, True], ids=["file-read-only", "folder-read-only"])
def test_an_unwritable_project_opens_read_only(loaded_project, not_writable, folder):
    [seg] = [s for s in loaded_project.segments("t01_huisarts") if "gebouw" in s.text]
    loaded_project.add_coding("t01_huisarts", seg.start, seg.end, "stim.praktisch.nabijheid", "an")
    path = loaded_project.path
    loaded_project.close()
    before = path.read_bytes()
    not_writable(path, folder)
    with Project.open(path) as p:
        assert p.read_only
        assert [t.name for t in p.transcripts()] == ["t01_huisarts"] and len(p.codings()) == 1
        with pytest.raises(StoreError, match=r"opened read-only \(the file or its folder is not writable\); "
                                             "nothing was changed"):
            p.add_memo("mag niet", "an")
        with pytest.raises(StoreError, match="opened read-only"):
            p.undo()
    assert path.read_bytes() == before


def test_the_commands_read_an_unwritable_project_and_refuse_to_write(loaded_project, not_writable):
    from codering.cli import cli as group

    path = str(loaded_project.path)
    loaded_project.close()
    not_writable(loaded_project.path, True)
    runner = CliRunner()
    for args in (["transcripts"], ["stats"], ["codings"]):
        result = runner.invoke(group, ["-p", path, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
    result = runner.invoke(group, ["-p", path, "memo", "hallo"])
    assert result.exit_code != 0 and "opened read-only" in str(result.exception)


def test_a_truncated_project_file_says_it_is_damaged(loaded_project, tmp_path):
    loaded_project.close()
    data = loaded_project.path.read_bytes()
    for cut in (len(data) // 2, 4096 * 2):
        damaged = tmp_path / f"kapot-{cut}.codering"
        damaged.write_bytes(data[:cut])
        with pytest.raises(StoreError, match=r"kapot-\d+\.codering: the project file is damaged \(it is shorter "
                                             r"than its own header says\); nothing was changed; open your last good "
                                             r"copy"):
            Project.open(damaged)
        assert damaged.read_bytes() == data[:cut]


def test_a_damaged_project_says_so_in_one_line_on_the_command_line(loaded_project, tmp_path):
    from tests.conftest import run_cli

    loaded_project.close()
    data = bytearray(loaded_project.path.read_bytes())
    damaged = tmp_path / "kapot.codering"
    damaged.write_bytes(bytes(data[: len(data) // 2]))
    result = run_cli("-p", str(damaged), "stats")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "the project file is damaged" in result.stderr and "internal error" not in result.stderr
    scribbled = tmp_path / "gekrast.codering"  # full length, but the schema page overwritten after its header
    data[100:4096] = b"\xff" * 3996
    scribbled.write_bytes(bytes(data))
    result = run_cli("-p", str(scribbled), "transcripts")
    assert result.returncode == 1 and "internal error" not in result.stderr, result.stderr
    assert "damaged" in result.stderr
