"""Another file of the same name does not silently replace a transcript; many identical problems are
said once."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import run_cli

SAMPLES = Path(__file__).resolve().parent.parent / "transcripts"


def two_folders_and_the_first_imported(tmp_path, first: str) -> tuple[Path, Path, str]:
    """Folders ``first`` and ``gb``, each holding another interview as int01.txt; a project that has
    imported the first one. Returns the two folders and the project."""
    a, b = tmp_path / first, tmp_path / "gb"
    a.mkdir(), b.mkdir()
    shutil.copy(SAMPLES / "int01_huisarts_beernem.txt", a / "int01.txt")
    shutil.copy(SAMPLES / "int02_ocmw_maatschappelijk_werker_tongeren.txt", b / "int01.txt")
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    assert run_cli("-p", p, "import", str(a / "int01.txt")).returncode == 0
    return a, b, p


def test_another_file_of_the_same_name_is_refused_unless_replace(tmp_path):
    """Two folders that both hold int01.txt: the second import replaced interview A's text with B's, its
    codings detached, and no undo brought it back."""
    a, b, p = two_folders_and_the_first_imported(tmp_path, "ga")
    assert run_cli("-p", p, "code", "int01", "3316", "3340", "stim.praktisch.nabijheid").returncode == 0
    refused = run_cli("-p", p, "import", str(b / "int01.txt"))
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"codering: error: {b / 'int01.txt'}: the project's 'int01' came from {a / 'int01.txt'} and has another "
        "text; this file would replace it (to update it from this file add --replace; to keep both, rename this "
        "file)")
    kept = run_cli("-p", p, "codings")
    assert "En de nabijheid ook" in kept.stdout
    # the same file edited since its import is brought up to date, from any working folder
    (a / "int01.txt").write_text((a / "int01.txt").read_text(encoding="utf-8").replace("Beernem", "Beernem-Oost"),
                                 encoding="utf-8")
    updated = run_cli("-p", p, "import", "int01.txt", cwd=a)
    assert updated.returncode == 0 and "int01: updated to the new text" in updated.stdout, updated.stderr
    assert "En de nabijheid ook" in run_cli("-p", p, "codings").stdout
    replaced = run_cli("-p", p, "import", str(b / "int01.txt"), "--replace")
    assert replaced.returncode == 0 and "int01: updated to the new text" in replaced.stdout, replaced.stderr


def test_the_same_problem_on_many_lines_is_said_once(tmp_path):
    from codering.cli.root import said_once

    lines = [f"gold.jsonl:{n}: transcript 'x' is not in the project or this import" for n in range(1, 50)]
    assert said_once(lines) == ["gold.jsonl: 49 lines (1, 2, 3, ...): transcript 'x' is not in the project or "
                                "this import"]
    assert said_once(["a.jsonl:3: bad", "b.csv: other"]) == ["a.jsonl:3: bad", "b.csv: other"]
    many = said_once([f"f{n}.txt: empty" for n in range(14)])
    assert len(many) == 10 and many[-1] == "and 5 more problems"
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join('{"transcript": "t9", "start": 0, "end": 5, "codes": ["stim.praktisch"]}\n'
                             for _ in range(30)), encoding="utf-8")
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    result = run_cli("-p", p, "import", str(jsonl))
    assert result.returncode == 1
    assert result.stderr.strip() == (f"codering: error: {jsonl}: 30 lines (1, 2, 3, ...): transcript 't9' is not "
                                     "in the project or this import")


def test_a_folder_with_a_hash_in_its_name_is_not_taken_for_an_archive(tmp_path):
    """A recorded path with '#' in it was taken for a .qdpx source, and the refusal was skipped."""
    _, b, p = two_folders_and_the_first_imported(tmp_path, "C#2")
    refused = run_cli("-p", p, "import", str(b / "int01.txt"))
    assert refused.returncode == 1 and "has another text; this file would replace it" in refused.stderr


def test_a_path_recorded_as_typed_still_matches_the_same_file(tmp_path):
    from codering.ingest.plan import _same_file

    target = tmp_path / "proj" / "data" / "int09.txt"
    assert _same_file("data/int09.txt", target) and not _same_file("other/int09.txt", target)
    assert _same_file(str(target), target) and not _same_file(str(tmp_path / "x" / "int09.txt"), target)
