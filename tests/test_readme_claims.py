"""What README.md tells a new user, checked by running it (the README walk-through, 2026-12-06)."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, run_cli

INT01 = "int01_huisarts_beernem"


@pytest.fixture
def samples(tmp_path):
    """A project with the four sample interviews, as the README's "Using it" block makes it."""
    path = tmp_path / "studie.codering"
    for args in (("init", str(path)), ("-p", str(path), "import", str(ROOT / "transcripts"))):
        done = run_cli(*args, env={"CODERING_CODER": "ann"})
        assert done.returncode == 0, done.stderr
    return path


def cli(project, *args):
    return run_cli("-p", str(project), *args, env={"CODERING_CODER": "ann"})


def test_codebook_move_to_where_a_code_already_is_changes_nothing_and_undo_keeps_older_actions(samples):
    """README, Codebooks: each reorganisation "is one action that `codering undo` ... takes back exactly".
    `codebook move stim.inhoud stim --first` (already first) said "Moved ... `codering undo` takes it back",
    journaled nothing, and the next `codering undo` took back the coding made before it."""
    coded = cli(samples, "code", INT01, "3316", "3340", "stim.praktisch.nabijheid")
    assert coded.returncode == 0, coded.stderr
    for args in (("stim.inhoud", "stim", "--first"),                        # a category, already first
                 ("stim.praktisch.nabijheid", "stim.praktisch", "--first"),  # a factor, already first
                 ("stim.praktisch.vaste_overlegmomenten", "stim.praktisch")):  # already last
        moved = cli(samples, "codebook", "move", *args)
        assert moved.returncode == 0, moved.stderr
        assert "already there" in moved.stdout and "nothing changed" in moved.stdout
        assert "takes it back" not in moved.stdout
    undone = cli(samples, "undo")
    assert undone.returncode == 0, undone.stderr
    assert "stim.praktisch.nabijheid" in undone.stdout  # the coding, the one action there is
    assert "move code" not in undone.stdout


def test_codebook_move_that_changes_the_order_is_undone_exactly(samples):
    moved = cli(samples, "codebook", "move", "stim.inhoud", "stim")  # first -> last among its siblings
    assert moved.returncode == 0, moved.stderr
    assert "takes it back" in moved.stdout
    shown = cli(samples, "codebook", "show").stdout
    assert shown.index("stim.juridisch\n") < shown.index("stim.inhoud\n")
    undone = cli(samples, "undo")
    assert "move code stim.inhoud" in undone.stdout
    shown = cli(samples, "codebook", "show").stdout
    assert shown.index("stim.inhoud\n") < shown.index("stim.juridisch\n")
