"""Numba's on-disk cache, keyed by the source of every kernel module, so that an update never runs stale machine code.

Numba invalidates a cached function when the file that defines it changes (its modification time and size), not
when a function it calls, defined in another file, does — the compiled caller has the callee inlined, and loads it
from the cache unchanged (Numba user manual, "Notes on caching": "changes in other files are not detected";
numba/numba pull requests 8396 and 9563, "Extend cache invalidation to include changes in other files", not
merged as of Numba 0.62). ParkTwin's kernels are split by responsibility across modules: after an update that
changes, say, ``_aermod_physics.py`` but not ``_aermod_kernels.py``, the AERMOD kernel would run the old physics
from the cache, silently (found on this project: a change of ``_aermod_physics.py`` left a run's numbers
bit-identical to the old ones until the cache was cleared).

:func:`key_numba_cache` therefore points Numba's cache at a sub-directory named by a hash of the kernel sources
(``KERNEL_SOURCES``: every ``dispersion/_*.py`` and the modules outside the package they import constants from;
``tests/dispersion/test_kernel_cache.py`` checks the list is complete): new sources, a new directory, every kernel
compiled afresh once. The base directory is ``NUMBA_CACHE_DIR`` when set, else ``$XDG_CACHE_HOME/parktwin/numba``
(``~/.cache/parktwin/numba``). It must run before the first ``@njit(cache=True)`` decoration: ``dispersion``'s
``__init__`` calls it first. Each use marks its directory; another source version's directory unused for 30 days
is removed (two checkouts may share a base: a version in use is never that old).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from numba import config

ROOT = Path(__file__).resolve().parents[1]

_NOT_KERNELS = ("__init__.py", "_kernel_cache.py")  # dispersion/_*.py files without compiled code
# Modules other than dispersion/_*.py whose values are compiled into kernels (a kernel module imports from them).
OUTSIDE_SOURCES = ("dispersion/plume_rise.py", "meteo/aermod_profiles.py", "twin/constants.py")


def kernel_sources() -> list[Path]:
    """Every file whose content is compiled into a kernel: dispersion/_*.py (but this one) and ``OUTSIDE_SOURCES``."""
    files = sorted((ROOT / "dispersion").glob("_*.py"))
    return [f for f in files if f.name not in _NOT_KERNELS] + [ROOT / name for name in OUTSIDE_SOURCES]


def sources_key() -> str:
    """A 16-hex-digit SHA-256 of the kernel sources' names and contents."""
    digest = hashlib.sha256()
    for path in kernel_sources():
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


def is_cached(dispatcher) -> bool:
    """Whether Numba's cache holds compiled code of ``dispatcher`` (an ``@njit(cache=True)`` function) — its index
    file exists; for a notice before a long first compile. True when it cannot tell (Numba's cache layout is not a
    public interface: its FunctionCache's index path)."""
    try:
        return os.path.exists(dispatcher._cache._cache_file._index_path)
    except AttributeError:
        return True


def key_numba_cache() -> str:
    """Set Numba's cache directory to <base>/<sources_key()> (module docstring) and return it; marks it used now and
    removes the base's other source versions unused for ``STALE_DAYS`` (:func:`prune_stale`)."""
    base = os.environ.get("NUMBA_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "parktwin" / "numba")
    key = sources_key()
    folder = os.path.join(base, key)
    config.CACHE_DIR = folder
    try:
        os.makedirs(folder, exist_ok=True)
        os.utime(folder)
    except OSError:  # a read-only base: Numba falls back to its other cache locations
        return folder
    prune_stale(base, keep=key)
    return folder


STALE_DAYS = 30.0  # a source version's compiled kernels unused this long are removed (about 25 MB each)


def prune_stale(base: str, keep: str, now: float | None = None) -> list[str]:
    """Remove the directories of ``base`` named like a source key (16 hex digits) but ``keep`` whose modification
    time (each use sets it, :func:`key_numba_cache`) is older than ``STALE_DAYS``; best effort (another process may
    be using or removing one). Returns the names removed."""
    import shutil
    import time

    limit = (time.time() if now is None else now) - STALE_DAYS * 86400.0
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if name == keep or len(name) != 16 or any(c not in "0123456789abcdef" for c in name):
            continue
        try:
            if entry.is_dir(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < limit:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed.append(name)
        except OSError:
            continue
    return removed
