"""The layering of the package, as import-linter contracts in pyproject.toml (see README, "Module map")."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EXPECTED = {
    "Only the terminal UI imports Textual",
    "Only the store speaks SQL",
    "Ingest, export and suggest use each other only through the package surface",
    "Ingest and suggest do not reach into export's modules",
    "Ingest and export do not reach into suggest's modules",
    "Front ends on top, the store underneath",
}


def test_the_contracts_are_all_there():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert {c["name"] for c in config["contracts"]} == EXPECTED
    assert config["root_package"] == "codering"


def test_every_import_keeps_the_contracts(capsys, monkeypatch):
    from importlinter import cli

    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    code = cli.lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report
    assert f"Contracts: {len(EXPECTED)} kept, 0 broken." in report


def test_a_broken_contract_is_reported(tmp_path, capsys, monkeypatch):
    """The check can fail: a module of a fake package that speaks SQL outside its store breaks it."""
    from importlinter import cli

    package = tmp_path / "fakepkg"
    (package / "store").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "store" / "__init__.py").write_text("import sqlite3\n")
    (package / "screens.py").write_text("import sqlite3\n")
    (tmp_path / "contracts.toml").write_text(
        '[tool.importlinter]\nroot_package = "fakepkg"\ninclude_external_packages = true\n\n'
        '[[tool.importlinter.contracts]]\nname = "Only the store speaks SQL"\ntype = "forbidden"\n'
        'source_modules = ["fakepkg.screens"]\nforbidden_modules = ["sqlite3"]\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    code = cli.lint_imports(config_filename=str(tmp_path / "contracts.toml"), no_cache=True, no_logo=True)
    assert code == 1
    assert "fakepkg.screens is not allowed to import sqlite3" in capsys.readouterr().out
    sys.modules.pop("fakepkg", None)


def test_the_readme_module_map_names_every_package_and_module():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Module map", 1)[1]
    package = ROOT / "codering"
    for path in sorted(package.iterdir()):
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"  {path.name}/" in section, f"codering/{path.name}/ is missing from the README's module map"
        elif path.suffix == ".py" and not path.name.startswith("_"):
            assert path.name in section, f"codering/{path.name} is missing from the README's module map"
    for sub in ("ingest", "store", "coding", "collab", "export", "cli"):
        for path in sorted((package / sub).glob("*.py")):
            if not path.name.startswith("_"):
                assert path.stem in section, f"codering/{sub}/{path.name} is missing from the README's module map"
