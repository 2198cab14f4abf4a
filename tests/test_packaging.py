"""codering installed as a wheel (not editable) works: shipped codebooks, sample transcripts and stylesheet.

Builds the wheel from a copy of the source (so the checkout stays clean), installs
it with ``--no-deps`` into a fresh virtual environment that reuses this
environment's installed dependencies (offline), and runs ``init``, ``import``,
``export``, the demo project and the UI's start-up there, away from the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("codering", "codebooks", "transcripts", "pyproject.toml", "setup.py", "MANIFEST.in", "README.md")


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"{' '.join(map(str, cmd))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "_data"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(out), str(src)], cwd=src, env=dict(os.environ))
    (found,) = out.glob("codering-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv holding only the wheel, with this venv's dependencies on its path."""
    venv = tmp_path_factory.mktemp("venv") / "fresh"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent, env=dict(os.environ))
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=venv.parent, env=dict(os.environ)).stdout.strip())
    # reuse the installed dependencies of this environment (not its editable codering: no .pth runs there)
    (site / "reuse-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
          str(wheel)], cwd=venv.parent, env=dict(os.environ))
    home = venv.parent / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODERING_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_STATE_HOME=str(home / "state"),
               CODERING_CODER="tester", PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    return venv, env


def test_the_wheel_holds_the_codebooks_transcripts_and_stylesheet(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("codebooks", "transcripts"):
        shipped = {p.relative_to(ROOT / folder).as_posix() for p in (ROOT / folder).rglob("*") if p.is_file()}
        assert {f"codering/_data/{folder}/{name}" for name in shipped} <= names
    assert "codering/tui/codering.tcss" in names


def test_the_installed_tool_works_away_from_the_checkout(installed, tmp_path):
    venv, env = installed
    work = tmp_path / "work"
    work.mkdir()
    codering = str(venv / "bin" / "codering")
    where = _run([str(venv / "bin" / "python"), "-c",
                  "import codering, codering.paths as p; print(codering.__file__); print(p.codebooks_dir()); "
                  "print(p.sample_transcripts_dir())"], cwd=work, env=env).stdout.split()
    assert all(Path(w).is_relative_to(venv) for w in where), where  # not the checkout's files

    _run([codering, "init", "studie.codering"], cwd=work, env=env)
    interview = work / "int01.txt"
    interview.write_text("locatie: Beernem\n\nI: Met wie werkt u samen?\n\n"
                         "R: Met de huisarts. We zitten in hetzelfde gebouw.\n", encoding="utf-8")
    _run([codering, "-p", "studie.codering", "import", str(interview)], cwd=work, env=env)
    _run([codering, "-p", "studie.codering", "code", "int01", "31", "48", "stim.praktisch.nabijheid"], cwd=work, env=env)
    _run([codering, "-p", "studie.codering", "export", "factors", "--polarity", "stimulerend", "--format", "md",
          "-o", "tabel5.md"], cwd=work, env=env)
    assert "Nabijheid" in (work / "tabel5.md").read_text(encoding="utf-8")

    for launcher in ([str(venv / "bin" / "codering-ui"), "--help"],  # the UI without the checkout's tui.py
                     [str(venv / "bin" / "python"), "-m", "codering.tui", "--help"]):
        assert "[PROJECT]" in _run(launcher, cwd=work, env=env).stdout

    second = _run([codering, "init", "tweede.codering", "--codebook", "randvoorwaarden-zorgnetwerken"], cwd=work, env=env)
    assert "Randvoorwaarden" in second.stdout  # the packaged codebook, by name
    samples = Path(_run([codering, "demo", "--samples"], cwd=work, env=env).stdout.strip())
    assert samples.is_relative_to(venv) and (samples / "attributes.csv").is_file()

    demo = _run([codering, "demo"], cwd=work, env=env)  # built from the packaged sample transcripts
    assert "int01_huisarts_beernem" in demo.stdout

    ui = ("import asyncio\n"
          "from codering.tui.app import make_app\n"
          "async def main():\n"
          "    app = make_app('studie.codering', coder='tester', start_model=False)\n"
          "    async with app.run_test(size=(120, 40)) as pilot:\n"
          "        await pilot.pause()\n"
          "        print(type(app.screen).__name__, len(app.stylesheet.rules))\n"
          "asyncio.run(main())\n")
    screen, rules = _run([str(venv / "bin" / "python"), "-c", ui], cwd=work, env=env).stdout.split()
    assert screen == "OverviewScreen" and int(rules) > 0
