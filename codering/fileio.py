"""Reading a researcher's input files safely, atomic file writes (a crash never leaves a half-written
file behind) and safe CSV cells."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable


def input_problem(info: os.stat_result) -> str | None:
    """Why a file with this ``stat`` cannot be read as an input file, or None. A device (``/dev/zero``,
    ``/dev/urandom``), a pipe or a socket never ends or blocks, so only regular files are read."""
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, pipe or socket); save its content to a file first"
    return None


def megabytes(size: int) -> str:
    """'50.1 MiB': a size in MiB (2**20 bytes, as the limits are set) rounded up to 0.1, so a size just
    over a limit never reads as the limit."""
    return f"{-(-size * 10 // (1024 * 1024)) / 10:g} MiB"


def size_problem(size: int, limit: int) -> str | None:
    """"the file is 50.1 MiB; the limit is 50 MiB" when ``size`` is over ``limit``, else None."""
    if size <= limit:
        return None
    return f"the file is {megabytes(size)}; the limit is {megabytes(limit)}"


def read_input(path: Path, limit: int, fail: Callable[[str], Exception]) -> bytes:
    """The bytes of the input file ``path``, read whole but never more than ``limit``.

    Anything that is not a regular file (a folder, a device, a pipe) and a file
    over ``limit`` are refused with ``fail(reason)``, which makes the error to
    raise; so is a file that grows past the limit while it is read. A pipe is
    opened without waiting for a writer.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _unreadable(exc, fail) from None
    try:
        info = os.fstat(fd)
        problem = input_problem(info) or size_problem(info.st_size, limit)
        if problem:
            raise fail(problem)
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise fail(size_problem(total, limit) or "the file is too large")
        return b"".join(chunks)
    except OSError as exc:
        raise _unreadable(exc, fail) from None
    finally:
        os.close(fd)


def stat_input(path: Path, fail: Callable[[str], Exception]) -> os.stat_result:
    """``os.stat`` of the input file ``path``, refused with ``fail(reason)`` when it is missing, unreadable,
    a folder, a device or a pipe (the size is the caller's to check)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _unreadable(exc, fail) from None
    problem = input_problem(info)
    if problem:
        raise fail(problem)
    return info


def check_input(path: Path, limit: int, fail: Callable[[str], Exception]) -> int:
    """The size of the input file ``path`` (read by a library, e.g. a zip), after the checks of
    :func:`read_input`; ``fail(reason)`` makes the error for a file that cannot be read."""
    size = stat_input(path, fail).st_size
    problem = size_problem(size, limit)
    if problem:
        raise fail(problem)
    return size


def _unreadable(exc: OSError, fail: Callable[[str], Exception]) -> Exception:
    if isinstance(exc, FileNotFoundError):
        return fail("no such file")
    if isinstance(exc, PermissionError):
        return fail("cannot be read (permission denied)")
    return fail(f"cannot be read ({exc.strerror or exc})")


def remove_stale_folders(parent: Path, prefix: str, age: float = 3600.0) -> None:
    """Delete the folders ``parent/prefix*`` last changed ``age`` seconds ago or more: what a killed build,
    export or adaptation round left behind (one in progress changes its folder far more often)."""
    import shutil
    import time

    now = time.time()
    for entry in Path(parent).glob(prefix + "*"):
        try:
            if now - entry.stat().st_mtime > age:
                shutil.rmtree(entry, ignore_errors=True)
        except OSError:
            pass


def current_umask() -> int:
    """The process's umask, read without changing it where the system tells (Linux), else set and reset."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def new_file_mode(path: Path) -> int:
    """The mode a written file gets: an existing file's own mode, else what ``open()`` would give (0666
    less the umask), not the 0600 of a temporary file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync, then rename; the file's mode respects
    the umask (or stays what it was when ``path`` is replaced)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def free_path(path: Path) -> Path:
    """``path`` if it does not exist, else ``name-2.ext``, ``name-3.ext``, ..."""
    path = Path(path)
    if not path.exists():
        return path
    n = 2
    while True:
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        if not candidate.exists():
            return candidate
        n += 1


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (Excel, LibreOffice, Google Sheets)."""


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a text starting with ``=``, ``+``, ``-``, ``@``, a tab
    or a carriage return gets a leading apostrophe (``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``), which
    spreadsheets hide and read as "this is text". Numbers and other values are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
