"""Pair observed and predicted hourly concentrations in time and space.

Predicted series come from a model run's CF ``timeSeries`` NetCDF (``receptors.nc`` of a plume run, or any file with
``station_id`` and (station, time) variables named by substance key with a ``units`` attribute), read here and
converted to kg m-3. A monitor is paired with the predicted station of the same ``station_id``; failing that (a
run whose receptors were placed at the monitors under other ids), with the predicted station nearest to the
monitor's position when it lies within ``max_distance``. Hours are paired on their start time (UTC); an hour is
used when both values are finite.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from twin.errors import InputError
from twin.observations_io import open_series_netcdf
from twin.units import UnitError, to_si

__all__ = ["Pairs", "read_predicted", "pair_series"]


@dataclass(frozen=True)
class Pairs:
    """Paired values of one substance: observed, predicted [kg m-3], station index, hour index (for blocks),
    the station ids and the hour starts (UTC) they refer to."""

    substance: str
    observed: np.ndarray
    predicted: np.ndarray
    station: np.ndarray
    hour: np.ndarray
    station_ids: list[str]
    times: np.ndarray


def read_predicted(path: str | Path) -> xr.Dataset:
    """A predicted-series NetCDF with its concentration variables converted to kg m-3 (others dropped)."""
    path = Path(path)
    ds = open_series_netcdf(path, "predicted station series", missing=f"--predicted: file not found: {path}")
    if "station_id" not in ds or "time" not in ds.dims:
        raise InputError.field(path.name, "station_id / time", sorted(map(str, ds.variables)),
                               "a CF timeSeries with a station_id variable and a time dimension (e.g. receptors.nc "
                               "of a plume run)")
    station_dim = ds["station_id"].dims[0]
    out = {}
    for name, variable in ds.data_vars.items():
        if variable.dims != (station_dim, "time"):
            continue
        key = str(variable.attrs.get("substance", name))
        try:
            out[key] = ((station_dim, "time"), to_si(variable.values, variable.attrs.get("units"), "kg m-3"))
        except UnitError:
            continue  # not a concentration
    coords = {"time": ds["time"].values, "station_id": (station_dim, [str(s) for s in ds["station_id"].values])}
    for name in ("x", "y"):
        if name in ds and ds[name].dims == (station_dim,):
            coords[name] = (station_dim, ds[name].values.astype(np.float64))
    return xr.Dataset(out, coords=coords, attrs={"source": str(path)}).rename({station_dim: "station"})


def _match(observations: xr.Dataset, predicted: xr.Dataset, max_distance: float) -> dict[int, int]:
    """Observed station index -> predicted station index."""
    predicted_ids = [str(s) for s in predicted["station_id"].values]
    matches = {}
    for s, station in enumerate(str(v) for v in observations["station_id"].values):
        if station in predicted_ids:
            matches[s] = predicted_ids.index(station)
            continue
        x, y = float(observations["x"].values[s]), float(observations["y"].values[s])
        if "x" in predicted and np.isfinite(x) and np.isfinite(y):
            distance = np.hypot(predicted["x"].values - x, predicted["y"].values - y)
            nearest = int(np.argmin(distance))
            if distance[nearest] <= max_distance:
                matches[s] = nearest
    return matches


def pair_series(observations: xr.Dataset, predicted: xr.Dataset, substance: str, *,
                max_distance: float = 50.0) -> Pairs:
    """The pairs of ``substance`` (module docstring); InputError when no pair exists."""
    if substance not in observations or substance not in predicted:
        raise InputError.field("evaluation", "substance", substance, "a substance both files hold (observed: "
                               f"{', '.join(map(str, observations.data_vars))}; predicted: "
                               f"{', '.join(map(str, predicted.data_vars))})")
    matches = _match(observations, predicted, max_distance)
    obs_times = observations["time"].values.astype("datetime64[ns]")
    pred_times = predicted["time"].values.astype("datetime64[ns]")
    common, obs_index, pred_index = np.intersect1d(obs_times, pred_times, return_indices=True)
    observed, model, station, hour = [], [], [], []
    for s, p in matches.items():
        o = observations[substance].values[s, obs_index]
        m = predicted[substance].values[p, pred_index]
        keep = np.isfinite(o) & np.isfinite(m)
        observed.append(o[keep])
        model.append(m[keep])
        station.append(np.full(keep.sum(), s))
        hour.append(np.flatnonzero(keep))
    n = sum(a.size for a in observed)
    if n < 2:
        raise InputError.field("evaluation", f"pairs of {substance!r}", n,
                               f"at least 2 hours where a monitor and a predicted station (same station_id, or "
                               f"within {max_distance:g} m) both have a value; monitors matched: "
                               f"{len(matches)} of {observations.sizes['station']}, common hours: {common.size}")
    return Pairs(substance=substance, observed=np.concatenate(observed), predicted=np.concatenate(model),
                 station=np.concatenate(station), hour=np.concatenate(hour),
                 station_ids=[str(v) for v in observations["station_id"].values], times=common)
