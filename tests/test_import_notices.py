"""What `codering import` tells the researcher: files left out, the CSV that names a missing transcript,
every type import takes, and nothing stray on stderr."""

from __future__ import annotations

import shutil

from tests.conftest import ROOT, run_cli


def test_files_left_out_of_a_folder_are_named(tmp_path, small_codebook_file):
    folder = tmp_path / "interviews"
    folder.mkdir()
    shutil.copy(ROOT / "transcripts" / "int01_huisarts_beernem.txt", folder)
    (folder / "verslag.pdf").write_bytes(b"%PDF-1.4")
    (folder / "oud").mkdir()
    (folder / ".DS_Store").write_bytes(b"\x00")
    (folder / "README.md").write_text("uitleg", encoding="utf-8")
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project), "--codebook", str(small_codebook_file)).returncode == 0
    result = run_cli("-p", str(project), "import", str(folder))
    assert result.returncode == 0, result.stderr
    assert f"note: {folder}: left out oud/, verslag.pdf (not a transcript, .csv or .jsonl" in result.stdout
    assert "DS_Store" not in result.stdout and "README" not in result.stdout
    assert "int01_huisarts_beernem: imported" in result.stdout
    assert result.stderr == ""  # no blank line left by a progress bar when stderr is not a terminal


def test_a_csv_naming_a_missing_transcript_is_named(tmp_path, small_codebook_file, transcript_file):
    project = tmp_path / "p.codering"
    run_cli("init", str(project), "--codebook", str(small_codebook_file))
    csv = tmp_path / "attributen.csv"
    csv.write_text("file,locatie\nonbekend.txt,Gent\n", encoding="utf-8")
    result = run_cli("-p", str(project), "import", str(transcript_file), str(csv))
    assert result.returncode == 1
    assert result.stderr == (f"codering: error: {csv}: attributes for 'onbekend': no such transcript in the "
                             "project or this import\n")


def test_an_unknown_type_lists_every_type_import_takes(tmp_path, small_codebook_file):
    project = tmp_path / "p.codering"
    run_cli("init", str(project), "--codebook", str(small_codebook_file))
    odd = tmp_path / "gegevens.sav"
    odd.write_bytes(b"spss")
    result = run_cli("-p", str(project), "import", str(odd))
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    for kind in (".txt", ".docx", ".vtt", ".csv", ".jsonl", ".qdpx", ".qdc"):
        assert kind in result.stderr
