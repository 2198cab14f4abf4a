"""`codering export ...` end to end: through click's CliRunner, and through the real command."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from codering.errors import ExportError
from codering.cli.export import export_group
from tests.conftest import ROOT, run_cli
from tests.test_export_support import build_project

TABEL5 = "Tabel 5. Overzicht stimulerende factoren voor samenwerking"


def _registered() -> bool:
    from codering.cli import cli

    return "export" in cli.commands


@click.group()
@click.option("-p", "--project")
@click.pass_context
def root(ctx: click.Context, project: str | None) -> None:
    from codering.cli import State

    ctx.obj = State(project, False)
    ctx.call_on_close(ctx.obj.close)


root.add_command(export_group)


pytestmark = pytest.mark.backends("sqlite", "postgresql")  # study: a file, and a server project


@pytest.fixture
def study(request, tmp_path, monkeypatch, backend, project_location):
    monkeypatch.setenv("CODERING_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("COLUMNS", "200")
    path = tmp_path / "mini.codering" if backend == "sqlite" else request.getfixturevalue("pg_project")("mini")
    build_project(path).close()
    return path


def invoke(study, *args: str):
    return CliRunner().invoke(root, ["-p", str(study), "export", *args], catch_exceptions=True)


def ok(result):
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def test_prints_tabel5_to_the_terminal(study):
    out = ok(invoke(study, "factors", "--polarity", "stimulerend"))
    assert out.splitlines()[0].rstrip() == TABEL5
    assert "Nabijheid, meer vrijwilligers, aanspreekbaarheid" in out
    both = ok(invoke(study, "factors", "--counts"))
    assert TABEL5 in both and "Tabel 6. Overzicht remmende factoren voor samenwerking" in both
    assert "Nabijheid (4)" in both


def test_writes_docx_and_refuses_to_overwrite(study, tmp_path):
    from docx import Document

    target = tmp_path / "tabel5.docx"
    out = ok(invoke(study, "factors", "--polarity", "stimulerend", "-o", str(target)))
    assert out == f"Wrote {target} ({TABEL5}).\n"
    assert Document(target).tables[0].rows[2].cells[1].text == "Nabijheid, meer vrijwilligers, aanspreekbaarheid; (1 segment op categorieniveau)"
    again = invoke(study, "factors", "--polarity", "stimulerend", "-o", str(target))
    assert isinstance(again.exception, ExportError)
    assert "exists; use --force" in str(again.exception)
    ok(invoke(study, "factors", "--polarity", "remmend", "-o", str(target), "--force"))
    assert Document(target).paragraphs[0].text.startswith("Tabel 6.")


def test_default_names_go_to_exports_and_never_replace(study, tmp_path):
    ok(invoke(study, "factors", "--format", "md"))
    ok(invoke(study, "factors", "--format", "md"))
    exports = tmp_path / "exports"  # beside the project file (mini.codering), not in CODERING_HOME
    assert sorted(p.name for p in exports.iterdir()) == ["mini-factors-2.md", "mini-factors.md"]
    assert not (tmp_path / "home" / "exports").exists()
    folder = tmp_path / "map"
    folder.mkdir()
    ok(invoke(study, "codebook", "--format", "html", "-o", str(folder)))
    assert (folder / "mini-codebook.html").exists()


def test_crosstab_csv_long(study, tmp_path):
    target = tmp_path / "k.csv"
    ok(invoke(study, "crosstab", "--group", "fin", "--by", "locatie", "--layout", "long", "-o", str(target)))
    lines = target.read_text(encoding="utf-8-sig").splitlines()
    assert lines[:3] == ["Finaliteit;#;%", "Beernem;;", "Doorverwijzen;3;50"]  # Dutch Excel's CSV
    assert lines[-1] == "Totaal;8;100"


def test_several_tables_as_csv_become_one_file_each(study, tmp_path):
    out = ok(invoke(study, "factors", "--uncoded", "-o", str(tmp_path / "f.csv")))
    names = ["f-factors-stimulerend.csv", "f-uncoded-stimulerend.csv", "f-factors-remmend.csv",
             "f-uncoded-remmend.csv"]
    assert out.splitlines()[0] == f"Wrote {', '.join(str(tmp_path / n) for n in names)} (4 tables)."
    assert all(line.startswith("note (not in the CSV): ") for line in out.splitlines()[1:])  # on stderr
    assert sorted(p.name for p in tmp_path.glob("f-*.csv")) == sorted(names)


def test_a_crosstab_too_wide_for_a_page_says_so(study, tmp_path, monkeypatch):
    """A wide crosstab with more columns than a landscape page holds is still written, with a note that
    names the way out; spreadsheets and CSV take any width. (The page holds 41 columns; lowered here so
    the mini project's 2 locations go over it.)"""
    import codering.cli.export as cli_export

    monkeypatch.setattr(cli_export, "PAGE_COLUMNS", 4)
    out = ok(invoke(study, "crosstab", "--by", "locatie", "-o", str(tmp_path / "k.docx")))
    assert (tmp_path / "k.docx").exists()
    assert "note: the table has 7 columns (locatie has many values)" in out and "--layout long" in out
    assert "note: the table" not in ok(invoke(study, "crosstab", "--by", "locatie", "-o", str(tmp_path / "k.xlsx")))
    assert "note: the table" not in ok(invoke(study, "crosstab", "--by", "locatie", "--layout", "long"))
    monkeypatch.setattr(cli_export, "PAGE_COLUMNS", 41)
    assert "note: the table" not in ok(invoke(study, "crosstab", "--by", "locatie", "-o", str(tmp_path / "j.docx")))


def test_crosstab_by_actorgroep_in_interviews_with_filter(study, tmp_path):
    out = ok(invoke(study, "crosstab", "--by", "actorgroep", "--unit", "interviews", "--where", "locatie=Beernem"))
    assert "Finaliteit uitgesplitst naar actorgroep" in out
    assert "Alleen interviews met locatie = Beernem (n = 2)." in out


def test_detail_cooccurrence_codebook(study, tmp_path):
    from openpyxl import load_workbook

    ok(invoke(study, "detail", "--quotes", "2", "-o", str(tmp_path / "d.xlsx")))
    sheet = load_workbook(tmp_path / "d.xlsx")["factor-detail"]
    assert sheet["C6"].value == "Nabijheid" and sheet["G6"].value.count("\n") == 1
    ok(invoke(study, "cooccurrence", "--unit", "turn", "--form", "edges", "-o", str(tmp_path / "c.md")))
    text = (tmp_path / "c.md").read_text(encoding="utf-8")
    assert "| Gemeenschappelijk doel | Aanspreekbaarheid | 1 | 1,000 | 1 | 1 |" in text  # Jaccard: 3 decimals
    printed = ok(invoke(study, "cooccurrence"))
    assert "Nabijheid" in printed and "(matrix)" not in printed  # the terminal gets the edge list
    ok(invoke(study, "codebook", "--criteria", "-o", str(tmp_path / "cb.tex")))
    assert r"\caption{Codeboek: Mini codeboek}" in (tmp_path / "cb.tex").read_text(encoding="utf-8")


def test_the_demo_projects_exports_go_to_the_checkouts_exports_folder(tmp_path, monkeypatch):
    from codering.paths import exports_dir

    home, demo = tmp_path / "checkout", tmp_path / "data" / "demo.codering"
    monkeypatch.setenv("CODERING_HOME", str(home))
    monkeypatch.setenv("CODERING_DEMO", str(demo))
    assert exports_dir(demo) == demo.parent / "exports"  # no checkout exports/ folder: beside the file
    (home / "exports").mkdir(parents=True)
    assert exports_dir(demo) == home / "exports"
    assert exports_dir(tmp_path / "ander" / "studie.codering") == tmp_path / "ander" / "exports"


def test_figures(study, tmp_path):
    ok(invoke(study, "figure", "factors", "-o", str(tmp_path / "f.svg")))
    assert b"<svg" in (tmp_path / "f.svg").read_bytes()[:2000]
    out = ok(invoke(study, "figure", "heatmap", "--by", "actorgroep", "--unit", "interviews"))
    written = tmp_path / "exports" / "mini-figuur-heatmap-actorgroep.png"
    assert out == f"Wrote {written}.\n" and written.stat().st_size > 5000
    ok(invoke(study, "figure", "network", "--polarity", "remmend", "--unit", "turn", "-o", str(tmp_path / "n.png")))
    bad = invoke(study, "figure", "network", "--unit", "interviews")
    assert bad.exit_code == 2 and "--unit" in bad.output


def test_all_tables_in_one_workbook_with_figures(study, tmp_path):
    from openpyxl import load_workbook

    target = tmp_path / "uit" / "rapport.xlsx"
    out = ok(invoke(study, "all", "-o", str(target), "--figures"))
    assert load_workbook(target).sheetnames == [
        "factors-stimulerend", "factors-remmend", "factor-detail", "crosstab-fin-locatie",
        "crosstab-fin-actorgroep", "cooccurrence-matrix", "cooccurrence-edges", "codebook"]
    for kind in ("factors", "heatmap", "network"):
        assert (tmp_path / "uit" / f"mini-figuur-{kind}.png").exists()
    assert out.count("Wrote") == 4


def test_all_as_docx_leaves_out_the_wide_matrix(study, tmp_path):
    from docx import Document

    ok(invoke(study, "all", "-o", str(tmp_path / "rapport.docx")))
    captions = [p.text for p in Document(tmp_path / "rapport.docx").paragraphs if p.style.name == "Caption"]
    assert "Samen gecodeerde factoren per zin" in captions  # a sentence: Tabel 5's "segmenten" are passages
    assert not any("(matrix)" in c for c in captions)


def test_filters_and_their_errors(study):
    result = invoke(study, "factors", "--where", "locatie=Gent")
    assert isinstance(result.exception, ExportError)
    assert str(result.exception) == "no interviews match locatie = Gent (values of locatie: Beernem, Tongeren)"
    bad = invoke(study, "factors", "--where", "locatie")
    assert bad.exit_code == 2 and "ATTR=VALUE" in bad.output
    coder = invoke(study, "factors", "--coder", "bob", "--polarity", "remmend")
    assert "Beroepsgeheim en privacywetgeving" in ok(coder)
    none = invoke(study, "factors", "--coder", "bob", "--polarity", "stimulerend")
    assert "no stimulerend factors coded" in str(none.exception)


def test_every_export_command_has_help():
    for name in ("factors", "detail", "crosstab", "cooccurrence", "codebook", "figure", "all"):
        result = CliRunner().invoke(root, ["export", name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_importing_the_export_cli_stays_light():
    code = ("import sys, codering.cli, codering.export, codering.cli.export; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'openpyxl', 'docx', 'numpy', 'sklearn') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.skipif(not _registered(), reason="`codering export` is registered in codering/cli/root.py")
def test_through_the_real_command(tmp_path):
    path = tmp_path / "mini.codering"
    build_project(path).close()
    shown = run_cli("-p", str(path), "export", "factors", "--polarity", "stimulerend", env={"COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0].rstrip() == TABEL5
    target = tmp_path / "t.xlsx"
    written = run_cli("-p", str(path), "export", "factors", "--counts", "-o", str(target))
    assert written.returncode == 0, written.stderr
    assert target.exists()
    again = run_cli("-p", str(path), "export", "factors", "-o", str(target))
    assert again.returncode == 1
    assert again.stderr.strip() == f"codering: error: {target} exists; use --force to replace it or choose another name"
    empty = run_cli("-p", str(path), "export", "factors", "--where", "locatie=Gent")
    assert empty.returncode == 1
    assert empty.stderr.strip() == ("codering: error: no interviews match locatie = Gent "
                                    "(values of locatie: Beernem, Tongeren)")
    helped = run_cli("--help")
    assert "export" in helped.stdout


def test_dash_and_dev_stdout_write_to_standard_output(study, tmp_path):
    for target in ("-", "/dev/stdout"):
        out = ok(invoke(study, "factors", "--polarity", "stimulerend", "-o", target))
        assert out.startswith(TABEL5) and "| Praktische |" in out  # Markdown by default
    csv_out = ok(invoke(study, "factors", "--polarity", "remmend", "--format", "csv", "-o", "-"))
    assert csv_out.splitlines()[1].startswith("Juridisch;") and not csv_out.startswith("\ufeff")
    several = invoke(study, "factors", "--format", "csv", "-o", "-")
    assert isinstance(several.exception, ExportError) and "holds one table" in str(several.exception)
    figure = CliRunner().invoke(root, ["-p", str(study), "export", "figure", "factors", "--format", "svg",
                                       "-o", "-"])
    assert figure.exit_code == 0 and "<svg" in figure.output[:2000]
    assert not (tmp_path / "exports").exists() and not (tmp_path / "-").exists()


def test_a_suffix_that_contradicts_the_format_is_an_error(study, tmp_path):
    result = invoke(study, "factors", "--format", "docx", "-o", str(tmp_path / "tabel.md"))
    assert isinstance(result.exception, ExportError)
    assert "tabel.md ends in .md, which is not --format docx" in str(result.exception)
    assert not (tmp_path / "tabel.md").exists()
    figure = invoke(study, "figure", "factors", "--format", "svg", "-o", str(tmp_path / "f.png"))
    assert isinstance(figure.exception, ExportError) and "f.png ends in .png, which is not --format svg" in \
        str(figure.exception)
    ok(invoke(study, "factors", "--format", "md", "-o", str(tmp_path / "tabel")))  # no suffix: the format's
    assert (tmp_path / "tabel.md").exists()


def test_both_tables_asked_and_one_side_uncoded_still_gives_the_other(tmp_path, monkeypatch):
    """A new project with one stimulerend code: `export factors` refused outright ("no remmend factors
    coded"), though Tabel 5 had content."""
    monkeypatch.setenv("COLUMNS", "200")
    from tests.test_export_support import CODINGS

    path = tmp_path / "half.codering"
    build_project(path, codings=[c for c in CODINGS if all(not x.startswith("rem") for x in c[2])]).close()
    result = CliRunner().invoke(root, ["-p", str(path), "export", "factors"], catch_exceptions=True)
    assert result.exit_code == 0, (result.output, result.exception)
    assert TABEL5 in result.output and "Tabel 6" not in result.output
    assert "note: no remmend factors coded in the selected interviews" in result.output
    nothing = build_project(tmp_path / "leeg.codering", codings=[])
    nothing.close()
    result = CliRunner().invoke(root, ["-p", str(tmp_path / "leeg.codering"), "export", "factors"])
    assert result.exit_code != 0
    assert str(result.exception).startswith("no stimulerend or remmend factors coded in the selected interviews")


def test_export_all_shows_counts_only_when_asked(tmp_path, monkeypatch):
    import openpyxl

    monkeypatch.setenv("CODERING_HOME", str(tmp_path / "home"))
    path = tmp_path / "mini.codering"
    build_project(path).close()
    for flag in ([], ["--counts"]):
        out = tmp_path / f"alle{len(flag)}.xlsx"
        result = CliRunner().invoke(root, ["-p", str(path), "export", "all", *flag, "-o", str(out)])
        assert result.exit_code == 0, (result.output, result.exception)
        tabel5 = openpyxl.load_workbook(out).worksheets[0]
        cells = [str(c.value) for row in tabel5.iter_rows() for c in row if str(c.value).startswith("Nabijheid")]
        assert cells and all(c.startswith("Nabijheid (4)") == bool(flag) for c in cells), cells


def test_a_csv_says_on_stderr_which_title_and_notes_it_cannot_hold(tmp_path):
    """A filtered CSV looked exactly like a full-project one: the table's notes were dropped in silence."""
    path = tmp_path / "mini.codering"
    build_project(path).close()
    result = run_cli("-p", str(path), "export", "factors", "--polarity", "stimulerend", "--where", "locatie=Beernem",
                     "--counts", "--format", "csv", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Categorie;Factoren")  # the data stay plain CSV (Dutch: ';')
    assert f"note (not in the CSV): {TABEL5}" in result.stderr
    assert "note (not in the CSV): Alleen interviews met locatie = Beernem" in result.stderr


def test_nothing_coded_is_one_line_not_two_notes_that_promise_the_other_table(tmp_path):
    """Both tables asked, neither side coded: each side said "only the other table follows", then the
    error said there was none."""
    p = str(tmp_path / "p.codering")
    assert run_cli("init", p).returncode == 0
    assert run_cli("-p", p, "import", str(ROOT / "transcripts" / "int01_huisarts_beernem.txt")).returncode == 0
    result = run_cli("-p", p, "export", "factors")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "no stimulerend or remmend factors" in result.stderr, result.stderr
