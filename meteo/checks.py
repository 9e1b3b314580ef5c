"""Input checks shared by the meteo modules: numbers as float64 arrays, ranges, UTC times.

Every failure raises ``InputError`` naming where it happened, the field, the value received and what is allowed
(docs/architecture.md, "Errors"). This module is the bottom of meteo's import chain: it imports nothing from meteo.

Two families, kept as they were written, because their callers' messages differ:

* ``float_array`` / ``check_range`` / ``as_utc_datetime64`` (keyword ``where`` and ``field``): convert, then check a
  range separately, naming the first bad element and its index (solar, stability, profiles, weather).
* ``finite_array`` / ``positive_array`` / ``float_if_scalar`` (positional ``name, where``): finite numbers, or
  finite numbers > 0, and a float back for scalar input (the typhoon profiles and wind field).
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

__all__ = [
    "as_utc_datetime64",
    "check_range",
    "finite_array",
    "float_array",
    "float_if_scalar",
    "positive_array",
]


def float_array(value, *, where: str, field: str) -> np.ndarray:
    """``value`` as a float64 array; non-numeric input raises InputError naming the field."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.field(where, field, value, "a number or an array of numbers") from None
    return array


def check_range(
    array: np.ndarray,
    *,
    where: str,
    field: str,
    allowed: str,
    lower: float | None = None,
    upper: float | None = None,
    lower_inclusive: bool = True,
    upper_inclusive: bool = True,
    allow_nan: bool = False,
    allow_inf: bool = False,
) -> None:
    """Raise InputError naming the first element outside the allowed range (and its index for arrays)."""
    bad = np.zeros(array.shape, dtype=bool)
    nan = np.isnan(array)
    if not allow_nan:
        bad |= nan
    finite_or_nan = nan | np.isfinite(array)
    if not allow_inf:
        bad |= ~finite_or_nan
    with np.errstate(invalid="ignore"):
        if lower is not None:
            bad |= (array < lower) if lower_inclusive else (array <= lower)
        if upper is not None:
            bad |= (array > upper) if upper_inclusive else (array >= upper)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        label = field if array.ndim == 0 else f"{field}[{', '.join(map(str, index))}]"
        raise InputError.field(where, label, float(array[index]), allowed)


def as_utc_datetime64(time_utc, *, where: str, field: str = "time_utc") -> np.ndarray:
    """``time_utc`` as datetime64[ns]; values are taken to be UTC (the convention inside ParkTwin)."""
    try:
        array = np.asarray(time_utc)
        if not np.issubdtype(array.dtype, np.datetime64):
            raise TypeError
        return array.astype("datetime64[ns]")
    except (TypeError, ValueError):
        raise InputError.field(where, field, time_utc, "numpy datetime64 values in UTC") from None


def finite_array(value, name: str, where: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers; otherwise InputError naming ``name``."""
    try:
        out = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError.field(where, name, value, "a number or an array of numbers") from None
    if not np.all(np.isfinite(out)):
        raise InputError.field(where, name, value, "finite")
    return out


def positive_array(value, name: str, where: str, unit: str) -> np.ndarray:
    """``value`` as a float64 array of finite numbers > 0 [``unit``]; InputError names the first one that is not."""
    out = finite_array(value, name, where)
    if np.any(out <= 0):
        raise InputError.field(where, name, float(out[out <= 0].ravel()[0]), f"> 0 {unit}")
    return out


def float_if_scalar(out: np.ndarray):
    """A Python float for a 0-d result (scalar input), the array itself otherwise."""
    return float(out) if out.ndim == 0 else out
