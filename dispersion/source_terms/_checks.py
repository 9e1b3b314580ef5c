"""Argument checks shared by the source-term models: every bad value raises twin.errors.InputError.

Each check converts to float64 arrays once (SI in, SI out) and names the function, the argument, what is allowed and
the first offending value, so a scenario author can fix the input without reading the code.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from twin.errors import InputError


def as_array(value) -> np.ndarray:
    return np.asarray(value, dtype=np.float64)


def out(value: np.ndarray):
    """A 0-d array back as a Python float, anything else as the array."""
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def checked(where: str, name: str, value, *, low: float | None = 0.0, low_inclusive: bool = False,
            high: float | None = None, high_inclusive: bool = True, unit: str = "") -> np.ndarray:
    """``value`` as a float64 array, finite and within (low, high]; else InputError naming where, name and the value."""
    array = as_array(value)
    good = np.isfinite(array)
    if low is not None:
        good &= (array >= low) if low_inclusive else (array > low)
    if high is not None:
        good &= (array <= high) if high_inclusive else (array < high)
    if not np.all(good):
        parts = []
        if low is not None:
            parts.append(f"{'>=' if low_inclusive else '>'} {low:g}")
        if high is not None:
            parts.append(f"{'<=' if high_inclusive else '<'} {high:g}")
        allowed = "a finite number" + (" " + " and ".join(parts) if parts else "") + (f" {unit}" if unit else "")
        raise InputError.field(where, name, float(array[~good].flat[0]), allowed)
    return array


def lookup(where: str, name: str, table: Mapping, key):
    """``table[key]``; a key not in the table raises InputError listing the valid keys."""
    try:
        return table[key]
    except (KeyError, TypeError):
        raise InputError.field(where, name, key, f"one of {sorted(table, key=str)}") from None
