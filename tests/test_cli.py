"""The `codering` command end to end, through real subprocesses."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEFAULT_CODEBOOK, ROOT, SHARED, run_cli

SUBCOMMANDS = ["init", "push", "pull", "import", "transcripts", "code", "uncode", "memo", "undo", "redo", "stats", "codings",
               "demo", "codebook", "codebook validate", "codebook show", "codebook export"]


def stats(project) -> dict:
    result = run_cli("-p", str(project), "stats", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


pytestmark = pytest.mark.backends("sqlite", "postgresql")  # cli_project: a file, and a server project


@pytest.fixture
def cli_project(tmp_path, backend, project_location):
    path = tmp_path / "study.codering" if backend == "sqlite" else project_location
    result = run_cli("init", str(path))
    assert result.returncode == 0, result.stderr
    assert "Created" in result.stdout
    return path


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_command_has_help(command):
    result = run_cli(*command.split(), "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_help_does_not_import_heavy_modules():
    import subprocess
    import sys

    code = ("import sys; from codering.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'sentence_transformers', 'textual', 'spacy', 'pandas') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_import_sample_folder_and_list(cli_project):
    result = run_cli("-p", str(cli_project), "import", str(ROOT / "transcripts"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(": imported,") == 4
    assert "Attributes set for 4 transcripts" in result.stdout
    listing = run_cli("-p", str(cli_project), "transcripts", "--where", "locatie=Beernem")
    assert listing.returncode == 0
    assert "int01_huisarts_beernem" in listing.stdout and "int02" not in listing.stdout
    again = run_cli("-p", str(cli_project), "import", str(ROOT / "transcripts"))
    assert again.stdout.count("unchanged, nothing to do") == 4
    figures = stats(cli_project)
    assert figures["transcripts"] == 4 and figures["segments"] > 200


def test_import_gold_codings_from_shared_data(cli_project):
    folder = SHARED / "data" / "transcripts"
    result = run_cli("-p", str(cli_project), "import", str(folder), "--coder", "gold")
    assert result.returncode == 0, result.stderr
    expected = sum(len(json.loads(line)["codes"]) for gold in folder.glob("*.gold.jsonl")
                   for line in gold.read_text(encoding="utf-8").splitlines() if line.strip())
    figures = stats(cli_project)
    assert figures["codings"] == expected
    assert expected >= 155  # dev01-dev02 alone hold 155; the shared folder has grown to five transcripts
    assert figures["coders"] == ["gold"]


def test_code_uncode_memo_undo(cli_project, transcript_file):
    p = str(cli_project)
    assert run_cli("-p", p, "import", str(transcript_file)).returncode == 0
    content = transcript_file.read_text(encoding="utf-8")
    start = content.index("We zitten")
    end = start + len("We zitten in hetzelfde gebouw.")
    coded = run_cli("-p", p, "code", "t01_huisarts", str(start), str(end), "stim.praktisch.nabijheid",
                    "ctx.netwerk", "--coder", "ann")
    assert coded.returncode == 0, coded.stderr
    assert "We zitten in hetzelfde gebouw." in coded.stdout
    assert stats(cli_project)["per_code"] == {"stim.praktisch.nabijheid": 1, "ctx.netwerk": 1}
    # ann's coding: uncode takes only the caller's own unless --coder (or --all-coders) says whose
    assert run_cli("-p", p, "uncode", "t01_huisarts", str(start), str(end), "ctx.netwerk").returncode == 1
    assert run_cli("-p", p, "uncode", "t01_huisarts", str(start), str(end), "ctx.netwerk",
                   "--coder", "ann").returncode == 0
    assert stats(cli_project)["per_code"] == {"stim.praktisch.nabijheid": 1}
    assert run_cli("-p", p, "memo", "Nabijheid komt vaak terug", "--code", "stim.praktisch").returncode == 0
    undone = run_cli("-p", p, "undo")
    assert "Undone: add code memo" in undone.stdout
    assert "Undone: remove 1 coding" in run_cli("-p", p, "undo").stdout
    assert stats(cli_project)["codings"] == 2
    assert "Redone" in run_cli("-p", p, "redo").stdout
    assert stats(cli_project)["codings"] == 1


def test_codings_list_as_tab_separated_values_and_limited(cli_project, transcript_file):
    """`codings --format tsv` gives one line per coding with the whole text, readable by pandas; `--limit`
    cuts the table and says how many there are."""
    import io

    import pandas as pd

    p = str(cli_project)
    assert run_cli("-p", p, "import", str(transcript_file)).returncode == 0
    content = transcript_file.read_text(encoding="utf-8")
    start = content.index("We zitten")
    end = start + len("We zitten in hetzelfde gebouw.")
    assert run_cli("-p", p, "code", "t01_huisarts", str(start), str(end), "stim.praktisch.nabijheid",
                   "ctx.netwerk", "--coder", "ann").returncode == 0
    listed = run_cli("-p", p, "codings", "--format", "tsv")
    assert listed.returncode == 0, listed.stderr
    table = pd.read_csv(io.StringIO(listed.stdout), sep="\t")
    assert list(table.columns) == ["id", "transcript", "start", "end", "code", "coder", "origin", "text"]
    assert sorted(table["code"]) == ["ctx.netwerk", "stim.praktisch.nabijheid"]
    assert set(table["text"]) == {"We zitten in hetzelfde gebouw."}
    assert set(table["start"]) == {start} and set(table["end"]) == {end}
    cut = run_cli("-p", p, "codings", "--limit", "1")
    assert cut.returncode == 0, cut.stderr
    assert "2 codings, the first 1 shown" in cut.stdout
    assert cut.stdout.count("We zitten in hetzelfde gebouw.") == 1


def test_code_with_unknown_code_is_one_line_error(cli_project, transcript_file):
    p = str(cli_project)
    run_cli("-p", p, "import", str(transcript_file))
    said = transcript_file.read_text(encoding="utf-8").index("Met de huisarts")
    result = run_cli("-p", p, "code", "t01_huisarts", str(said), str(said + 5), "stim.bestaat_niet")
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0
    assert "unknown code 'stim.bestaat_niet'" in result.stderr
    assert "Traceback" not in result.stderr


BAD_FILES = {
    "leeg.txt": (b"", "empty"),
    "spaties.txt": (b"  \n\n \n", "empty"),
    "foto.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    "verslag.pdf": (b"%PDF-1.4 ...", "unsupported file type"),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_input_one_line_error_nothing_written(cli_project, tmp_path, transcript_file, name):
    data, reason = BAD_FILES[name]
    bad = tmp_path / name
    bad.write_bytes(data)
    result = run_cli("-p", str(cli_project), "import", str(transcript_file), str(bad))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and name in lines[0] and reason in lines[0], result.stderr
    assert stats(cli_project)["transcripts"] == 0  # the good file was not imported either


def test_huge_file_refused_without_reading(cli_project, tmp_path):
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)
    result = run_cli("-p", str(cli_project), "import", str(huge))
    assert result.returncode == 1
    assert "huge.txt" in result.stderr and "limit" in result.stderr
    assert stats(cli_project)["transcripts"] == 0


def test_cp1252_file_is_imported_with_a_notice(cli_project, tmp_path):
    path = tmp_path / "oud.txt"
    path.write_bytes("locatie: Ninove\n\nR: Het caf\xe9 in de wijk is een ontmoetingsplek.\n".encode("latin-1"))
    result = run_cli("-p", str(cli_project), "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "cp1252" in result.stdout


def test_broken_codings_file_imports_nothing(cli_project, tmp_path, transcript_file):
    codings = tmp_path / "codings.jsonl"
    codings.write_text(json.dumps({"transcript": "t01_huisarts", "start": 0, "end": 5, "codes": ["zzz"]}) + "\n")
    result = run_cli("-p", str(cli_project), "import", str(transcript_file), str(codings))
    assert result.returncode == 1
    assert "codings.jsonl:1: unknown code 'zzz'" in result.stderr
    assert stats(cli_project)["transcripts"] == 0


def test_not_a_project_is_refused(tmp_path):
    fake = tmp_path / "notes.codering"
    fake.write_text("dit is geen project")
    result = run_cli("-p", str(fake), "stats")
    assert result.returncode == 1
    assert "not a codering project" in result.stderr
    assert fake.read_text() == "dit is geen project"


def test_codebook_validate_exit_codes(tmp_path):
    good = run_cli("codebook", "validate", str(DEFAULT_CODEBOOK))
    assert good.returncode == 0 and "ok" in good.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("codebook: {id: b, name: B}\ncodes:\n  - {id: a, label: A}\n  - {id: a, label: B, key: xx}\n")
    result = run_cli("codebook", "validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:4: duplicate id 'a'" in result.stderr


def test_codebook_show_and_export(cli_project, tmp_path):
    shown = run_cli("codebook", "show", str(DEFAULT_CODEBOOK))
    assert shown.returncode == 0 and "Nabijheid" in shown.stdout
    out = tmp_path / "cb.yaml"
    assert run_cli("-p", str(cli_project), "codebook", "export", str(out)).returncode == 0
    assert run_cli("codebook", "validate", str(out)).returncode == 0
    refused = run_cli("-p", str(cli_project), "codebook", "export", str(out))
    assert refused.returncode == 1 and "--force" in refused.stderr


def test_demo_creates_project_once(tmp_path):
    env = {"CODERING_DEMO": str(tmp_path / "demo.codering")}
    first = run_cli("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "Created the demo project" in first.stdout and "int01_huisarts_beernem" in first.stdout
    second = run_cli("demo", env=env)
    assert "Opened the demo project" in second.stdout


def test_a_shipped_codebook_is_found_by_its_name(tmp_path):
    """An installed codering keeps its codebooks in its package: `--codebook codebooks/x.yaml` from the
    README found nothing outside the checkout. By name they are found anywhere."""
    for name in ("randvoorwaarden-zorgnetwerken", "randvoorwaarden-zorgnetwerken.yaml"):
        project = tmp_path / f"{len(name)}.codering"
        result = run_cli("init", str(project), "--codebook", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Randvoorwaarden voor goede samenwerking in zorgnetwerken" in result.stdout
    assert run_cli("codebook", "validate", "samenwerking-zorg-welzijn", cwd=tmp_path).returncode == 0
    missing = run_cli("init", str(tmp_path / "x.codering"), "--codebook", "onbekend", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.strip() == ("codering: error: onbekend: no such codebook file (codering ships: "
                                      "randvoorwaarden-zorgnetwerken, samenwerking-zorg-welzijn; give one by name)")


def test_demo_samples_names_the_folder_to_import(tmp_path):
    result = run_cli("demo", "--samples", cwd=tmp_path)
    assert result.returncode == 0
    folder = result.stdout.strip()
    assert (ROOT / "transcripts").samefile(folder)


def test_code_refuses_a_span_in_the_header_or_a_speaker_label(tmp_path, transcript_file):
    """`code T 0 12 ...` coded 'interview_id' and counted it as a factor mention in Tabel 5/6."""
    project = tmp_path / "p.codering"
    assert run_cli("init", str(project)).returncode == 0
    assert run_cli("-p", str(project), "import", str(transcript_file)).returncode == 0
    header = run_cli("-p", str(project), "code", "t01_huisarts", "0", "12", "stim.praktisch.nabijheid")
    assert header.returncode == 1 and "starts outside what was said in 't01_huisarts'" in header.stderr
    text = transcript_file.read_text(encoding="utf-8")
    label = text.index("[00:01:10] R:")
    stamp = run_cli("-p", str(project), "code", "t01_huisarts", str(label + 3), str(label + 30),
                    "stim.praktisch.nabijheid")
    assert stamp.returncode == 1 and "starts in the speaker label" in stamp.stderr
    said = text.index("We zitten in hetzelfde gebouw.")
    ok = run_cli("-p", str(project), "code", "t01_huisarts", str(said), str(said + 30), "stim.praktisch.nabijheid")
    assert ok.returncode == 0, ok.stderr
    assert stats(project)["codings"] == 1
