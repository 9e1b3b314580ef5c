"""CF pieces every output shares: how a park's substance is described, and the bounds of hourly values."""

from __future__ import annotations

import numpy as np
import xarray as xr

from twin.park import Park
from twin.schema import Substance

__all__ = ["park_substance", "hourly_time_bounds"]


def park_substance(park: Park, key: str) -> Substance:
    """The CF description of substance ``key`` of the park's chemicals table (name, CAS number, CF standard name)."""
    chem = park.chemicals[key]
    name = chem.name_en
    long_name = name if name[:2].isupper() else name[0].lower() + name[1:]
    return Substance(key=key, long_name=long_name, cas=chem.cas, cf_standard_name=chem.cf_standard_name)


def hourly_time_bounds(met: xr.Dataset) -> np.ndarray:
    """Each hourly value covers [t, t + 1 h) (hour-beginning time stamps)."""
    time = met["time"].values.astype("datetime64[ns]")
    return np.stack([time, time + np.timedelta64(1, "h")], axis=1)
