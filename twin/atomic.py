"""Atomic output files: a crash never leaves a truncated file that looks complete.

Every output (NetCDF, PNG, GeoJSON, JSON, text) is written to a fresh temporary file in the same folder,
``.<stem>.<random>.part<suffix>``, and renamed over the final name only once it is complete (``os.replace`` is
atomic on POSIX within one file system). The temporary file is created by :func:`tempfile.mkstemp` — a new name,
``O_CREAT | O_EXCL | O_NOFOLLOW`` — so a symbolic link planted in a shared output folder under a predictable name
is never followed, and two runs writing the same file never share a temporary. Kept apart from :mod:`twin.store`
so that light modules (readers, writers of small files) need not import xarray.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "write_text_atomic"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block ends without error.

    The temporary file keeps the final suffix (``map.png`` → ``.map.k3j9x2.part.png``) so libraries that pick a
    format from the suffix (matplotlib, VTK, netCDF4) still do. It is created empty (mode 0600 while written) and
    gets the permissions a new file would (0666 less the umask) before the rename. On error the temporary file is
    removed and nothing is renamed.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".part{final.suffix}", dir=final.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as written:  # flush the data to disk before the rename makes it visible
            os.fsync(written.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, final)
    finally:
        if temporary.exists() or temporary.is_symlink():
            temporary.unlink()


def _umask() -> int:
    """The process's umask, read without changing it (``/proc/self/status`` on Linux; 0o022 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the final path."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)
