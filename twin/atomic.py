"""Atomic output files: a crash never leaves a truncated file that looks complete.

Every output (NetCDF, PNG, GeoJSON, JSON, text) is written to ``<name>.part<suffix>`` in the same folder and renamed
over the final name only once it is complete (``os.replace`` is atomic on POSIX within one file system). Kept apart
from :mod:`twin.store` so that light modules (readers, writers of small files) need not import xarray.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "write_text_atomic"]


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block ends without error.

    The temporary file keeps the final suffix (``map.png`` → ``map.part.png``) so libraries that pick a format from
    the suffix (matplotlib, VTK, netCDF4) still do. On error the temporary file is removed and nothing is renamed.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f"{final.stem}.part{final.suffix}")
    try:
        yield temporary
        with open(temporary, "rb+") as handle:  # flush the data to disk before the rename makes it visible
            os.fsync(handle.fileno())
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically and return the final path."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)
