"""Benchmark: hostile exchange files against `codering import` and `codering codebook validate`.

Builds small files that expand to a lot (a zip bomb of text, of zeros, a huge
project.qde of spaces, a YAML alias bomb), runs the real command on each in a
fresh process under a memory cap, and prints wall seconds, the child's peak
resident memory, its exit code, the first line of its error, and whether a
project file was left behind.
Run: .venv/bin/python benchmarks/hostile_files.py [--cap-mb 3000] [--only NAME]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODERING = [sys.executable, "-m", "codering"]
_QDE = ('<?xml version="1.0" encoding="utf-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0" name="bom">'
        '<Sources><TextSource guid="a1b2c3d4-0000-4000-8000-000000000001" name="groot" '
        'plainTextPath="internal://groot.txt"/></Sources></Project>')


def _stream(zf: zipfile.ZipFile, name: str, chunk: bytes, total: int) -> None:
    """Write a member of ``total`` bytes made of ``chunk`` without holding it in memory."""
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info, "w", force_zip64=True) as out:
        written = 0
        while written < total:
            piece = chunk[: total - written]
            out.write(piece)
            written += len(piece)


def text_bomb(path: Path, mb: int = 60) -> None:
    """A source of ``mb`` MB of Dutch-looking sentences (compresses ~400:1)."""
    sentence = b"R: Ja, we werken samen met de huisarts en het OCMW in de wijk. " * 16 + b"\n\n"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", _QDE)
        _stream(zf, "sources/groot.txt", sentence * 1024, mb * 1024 * 1024)


def zero_bomb(path: Path, mb: int = 1024) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", _QDE)
        _stream(zf, "sources/groot.txt", bytes(1024 * 1024), mb * 1024 * 1024)


def qde_bomb(path: Path, mb: int = 1024) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        _stream(zf, "project.qde", b" " * (1024 * 1024), mb * 1024 * 1024)


def qde_spaces_under_limit(path: Path) -> None:
    """A project.qde just under the size limit for it: 99 MB of spaces."""
    qde_bomb(path, 99)


def qde_text_bomb(path: Path, mb: int = 60) -> None:
    """A project.qde under any size limit that names many sources inline: ``mb`` MB of XML."""
    head = _QDE.split("<Sources>")[0].encode() + b"<Sources>"
    one = (b'<TextSource name="s"><PlainTextContent>' + b"R: Ja, dat klopt wel. " * 2000
           + b"</PlainTextContent></TextSource>")
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("project.qde", date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            out.write(head)
            for _ in range(mb * 1024 * 1024 // len(one)):
                out.write(one)
            out.write(b"</Sources></Project>")


def yaml_bomb(path: Path, levels: int = 9) -> None:
    lines = ['a0: &a0 "lol lol lol lol lol lol lol lol lol lol"']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    lines += ["codebook:", "  id: bom", "  name: Bom", "codes:", f"  - id: x", f"    label: *a{levels}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


CASES = {
    "qdpx-60mb-text": (text_bomb, ".qdpx", "import"),
    "qdpx-1gb-zeros": (zero_bomb, ".qdpx", "import"),
    "qdpx-1gb-qde-spaces": (qde_bomb, ".qdpx", "import"),
    "qdpx-99mb-qde-spaces": (qde_spaces_under_limit, ".qdpx", "import"),
    "qdpx-60mb-qde-inline": (qde_text_bomb, ".qdpx", "import"),
    "yaml-alias-bomb": (yaml_bomb, ".yaml", "validate"),
}


def run(name: str, cap_mb: int, tmp: Path) -> None:
    build, suffix, how = CASES[name]
    source = tmp / f"{name}{suffix}"
    build(source)
    project = tmp / f"{name}.codering"
    cmd = CODERING + (["-p", str(project), "import", str(source)] if how == "import"
                      else ["codebook", "validate", str(source)])
    cap = cap_mb * 1024 * 1024

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    err_path = tmp / f"{name}.stderr"
    with open(err_path, "w") as err_file:
        child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err_file, preexec_fn=limit, cwd=ROOT)
        timer = threading.Timer(600, child.kill)
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest so far
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    err = (err_path.read_text(errors="replace").strip().splitlines() or [""])[0]
    print(f"{name:22} archive {source.stat().st_size / 1024:8.0f} KB  {seconds:6.1f} s  "
          f"peak {usage.ru_maxrss / 1024:6.0f} MB  exit {child.returncode}  project left: {project.exists()}\n"
          f"{'':22} {err[:160]}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-mb", type=int, default=3000, help="address-space cap of each child (MB)")
    parser.add_argument("--only", choices=sorted(CASES), action="append")
    args = parser.parse_args()
    os.environ.setdefault("CODERING_CODER", "bench")
    order = args.only or list(CASES)
    with tempfile.TemporaryDirectory() as tmp:
        for name in order:
            run(name, args.cap_mb, Path(tmp))


if __name__ == "__main__":
    main()
