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
import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output", "write_text_atomic", "WRITE_ERRNOS"]

# errno values that mean "this output cannot be written here" (not a bug): disk full, file-size limit (ulimit -f),
# quota, read-only file system, no permission.
WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})
_LOW_SPACE = 16 * 1024 * 1024  # below this free space, a library's opaque write error is taken as a full disk [B]


def _file_size_limit() -> int | None:
    """The process's file-size limit (``ulimit -f``, RLIMIT_FSIZE) [B], or None when there is none."""
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def _cannot_write(final: Path, error: BaseException, temporary: Path | None = None):
    """The OutputError (exit 73) that ``error`` raised while writing ``final`` stands for, or None if it is not a
    write failure. netCDF4/HDF5 report a full disk or a file-size limit as RuntimeError('NetCDF: HDF error'), without
    an errno; that one is taken as a write failure when the folder's free space is low or the temporary file has
    reached the file-size limit."""
    from twin.errors import OutputError

    if isinstance(error, OSError) and error.errno in WRITE_ERRNOS:
        reason = os.strerror(error.errno)
    elif isinstance(error, (RuntimeError, OSError)) and ("HDF" in str(error) or "NetCDF" in str(error)):
        try:
            free = shutil.disk_usage(final.parent).free
            size = temporary.stat().st_size if temporary is not None and temporary.exists() else 0
        except OSError:
            return None
        limit = _file_size_limit()
        if free < _LOW_SPACE:
            reason = f"{error} with {free / 1e6:.1f} MB free"
        elif limit is not None and size + _LOW_SPACE >= limit:
            reason = f"{error}: the file reached the file-size limit (ulimit -f) of {limit:,} bytes"
        else:
            return None
    else:
        return None
    return OutputError(f"cannot write {final}: {reason}; nothing was left half-written (free space, the file-size "
                       "limit or the folder's permissions)")


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` when the block ends without error.

    The temporary file keeps the final suffix (``map.png`` → ``.map.k3j9x2.part.png``) so libraries that pick a
    format from the suffix (matplotlib, VTK, netCDF4) still do. It is created empty (mode 0600 while written) and
    gets the permissions a new file would (0666 less the umask) before the rename. On error the temporary file is
    removed and nothing is renamed.
    """
    final = Path(path)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{final.stem}.", suffix=f".part{final.suffix}", dir=final.parent)
    except OSError as error:  # the folder cannot be made or written: a file in the way, permissions, a full disk
        from twin.errors import OutputError

        raise OutputError(f"cannot write {final}: {error.strerror or error} (creating the output folder or a "
                          f"file in it failed)") from error
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb+") as written:  # flush the data to disk before the rename makes it visible
            os.fsync(written.fileno())
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, final)
    except (OSError, RuntimeError) as error:
        translated = _cannot_write(final, error, temporary)
        if translated is None:
            raise
        raise translated from error
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
