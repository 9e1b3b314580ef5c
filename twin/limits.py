"""How much memory a request may take, checked from the request before anything is allocated.

A run whose arrays would not fit (4 million receptors × 8,784 hourly fields is 785 GiB; a 10⁶ × 10⁶ GeoTIFF
header asks for 7.3 TiB) is refused up front with its estimate and the limit — exit 65, the request must change —
instead of swapping the machine to a halt or dying with a MemoryError (exit 70) hours later.

The limit is 75 % of this machine's physical memory, or ``PARKTWIN_MAX_MEMORY_GIB`` when set (a cluster node, a
machine shared with other work).
"""

from __future__ import annotations

import os

from twin.errors import InputError

__all__ = ["memory_limit_bytes", "check_memory", "MEMORY_LIMIT_ENV", "GIB"]

MEMORY_LIMIT_ENV = "PARKTWIN_MAX_MEMORY_GIB"
GIB = 1024 ** 3
_DEFAULT_FRACTION = 0.75


def memory_limit_bytes() -> int:
    """The largest request in bytes: ``PARKTWIN_MAX_MEMORY_GIB`` [GiB] if set, else 75 % of physical memory."""
    text = os.environ.get(MEMORY_LIMIT_ENV)
    if text:
        try:
            gib = float(text)
        except ValueError:
            raise InputError.field("environment", MEMORY_LIMIT_ENV, text, "a number of GiB > 0") from None
        if not gib > 0 or gib == float("inf"):
            raise InputError.field("environment", MEMORY_LIMIT_ENV, text, "a number of GiB > 0")
        return int(gib * GIB)
    return int(_DEFAULT_FRACTION * os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_memory(estimate_bytes: float, what: str, where: str, fix: str = "ask for less") -> None:
    """Refuse (InputError, exit 65) a request whose arrays need more than :func:`memory_limit_bytes`.

    Parameters
    ----------
    estimate_bytes : float
        The request's largest arrays, in bytes (a lower bound of what the run would use).
    what : str
        The arrays in words, with their shape (e.g. '4,000,000 receptors × 8,784 h × 2 pollutants of hourly fields').
    where : str
        The file and field the size comes from.
    fix : str
        What to change in the request (e.g. 'a coarser grid, fewer hours or hourly_fields: false').
    """
    limit = memory_limit_bytes()
    if estimate_bytes > limit:
        raise InputError(f"{where}: {what} need about {_gib(estimate_bytes)} GiB, more than the {_gib(limit)} GiB "
                         f"allowed (75 % of this machine's memory, or {MEMORY_LIMIT_ENV}); {fix}, or raise "
                         f"{MEMORY_LIMIT_ENV}")


def _gib(size: float) -> str:
    gib = size / GIB
    return f"{gib:,.0f}" if gib >= 10 else f"{gib:.2g}"
