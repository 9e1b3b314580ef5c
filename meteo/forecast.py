"""Weather forecasts from NetCDF (NWP output): read one site's hourly series, and make a realistic sample file.

A forecast file is recognised by CF standard names first (``eastward_wind``/``northward_wind`` at 10 m,
``air_temperature`` at 2 m, ``cloud_area_fraction``, ``low_type_cloud_area_fraction``,
``atmosphere_boundary_layer_thickness``, ``precipitation_flux``), then by the variable names of common models
(:data:`NAME_ADAPTER`: ERA5, WRF, GFS/NCEP GRIB-to-NetCDF conversions). Grids may be regular lat/lon or projected
with 2-D ``lat``/``lon``; the site's series is the bilinear interpolation (regular) or the nearest grid point (2-D).

Errors separate "retry later" from "fix the input": a forecast file that is not there yet, or that ends before the
period asked for, raises :class:`twin.errors.MeteoCoverageError` (exit code 75); a file that is there but malformed
raises :class:`twin.errors.InputError` (65).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import xarray as xr

from meteo.weather import make_weather
from twin.errors import InputError, MeteoCoverageError

__all__ = ["read_forecast_netcdf", "write_sample_forecast", "NAME_ADAPTER"]

# Quantity -> (CF standard names, variable names used by common models), searched in that order.
NAME_ADAPTER: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "u10": (("eastward_wind",), ("u10", "U10", "UGRD_10maboveground", "10u")),
    "v10": (("northward_wind",), ("v10", "V10", "VGRD_10maboveground", "10v")),
    "t2": (("air_temperature",), ("t2m", "T2", "TMP_2maboveground", "2t")),
    "cloud": (("cloud_area_fraction",), ("tcc", "TCDC_entireatmosphere", "CLDFRA_total")),
    "low_cloud": (("low_type_cloud_area_fraction",), ("lcc", "LCDC_lowcloudlayer")),
    "boundary_layer": (("atmosphere_boundary_layer_thickness",), ("blh", "PBLH", "HPBL_surface")),
    "precipitation": (("precipitation_flux",), ("tp_rate", "PRATE_surface")),
}
_REQUIRED = ("u10", "v10", "t2", "cloud")


def _find(ds: xr.Dataset, quantity: str, where: str) -> xr.DataArray | None:
    standard_names, names = NAME_ADAPTER[quantity]
    for variable in ds.data_vars.values():
        if variable.attrs.get("standard_name") in standard_names:
            if quantity in ("u10", "v10", "t2") and "height" in variable.attrs:
                wanted = 10.0 if quantity != "t2" else 2.0
                if abs(float(str(variable.attrs["height"]).rstrip(" m")) - wanted) > 0.5:
                    continue
            return variable
    for name in names:
        if name in ds.data_vars:
            return ds[name]
    if quantity in _REQUIRED:
        raise InputError(f"{where}: no variable for {quantity} — looked for standard_name "
                         f"{' or '.join(standard_names)} or a variable named {', '.join(names)}; "
                         f"the file has {', '.join(sorted(ds.data_vars))}")
    return None


def _at_site(variable: xr.DataArray, ds: xr.Dataset, lon: float, lat: float, where: str) -> np.ndarray:
    """The variable's time series at (lon, lat): bilinear on a regular grid, nearest point on a 2-D one."""
    lon_name = next((n for n in ("lon", "longitude", "XLONG") if n in ds.variables), None)
    lat_name = next((n for n in ("lat", "latitude", "XLAT") if n in ds.variables), None)
    if lon_name is None or lat_name is None:
        raise InputError(f"{where}: longitude/latitude coordinates are required (lon/longitude, lat/latitude)")
    lons, lats = ds[lon_name], ds[lat_name]
    if lons.ndim == 1 and lats.ndim == 1:
        if not (float(lons.min()) <= lon <= float(lons.max()) and float(lats.min()) <= lat <= float(lats.max())):
            raise InputError.field(where, "site", (lon, lat),
                                   f"inside the forecast grid lon {float(lons.min()):.3f}..{float(lons.max()):.3f}, "
                                   f"lat {float(lats.min()):.3f}..{float(lats.max()):.3f}")
        return np.asarray(variable.interp({lons.dims[0]: lon, lats.dims[0]: lat}).values, dtype=np.float64)
    distance = (np.asarray(lons) - lon) ** 2 + (np.asarray(lats) - lat) ** 2
    row, col = np.unravel_index(np.argmin(distance), distance.shape)
    spatial = [d for d in variable.dims if d != "time"]
    return np.asarray(variable.isel({spatial[0]: row, spatial[1]: col}).values, dtype=np.float64)


def read_forecast_netcdf(path: str | os.PathLike, *, longitude: float, latitude: float) -> xr.Dataset:
    """The forecast at a site as a Weather dataset (``meteo.weather``), hourly, SI units.

    Parameters
    ----------
    path : path
        Forecast NetCDF file.
    longitude, latitude : float
        Site position. [degrees_east, degrees_north]

    Returns
    -------
    xarray.Dataset
        Weather: ``wind_speed`` and ``wind_from_direction`` from the 10 m components, ``air_temperature`` [K],
        cloud fractions [1] (low cloud taken equal to total cloud when the forecast has none — the conservative
        choice for the GB/T 3840 night classes), ``atmosphere_boundary_layer_thickness`` [m] when given.
    """
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise MeteoCoverageError(f"{where}: forecast file not there yet ({path}); retry later")
    try:
        ds = xr.open_dataset(path, engine="netcdf4")
    except (OSError, ValueError) as error:
        raise InputError(f"{where}: not a readable NetCDF forecast ({error})") from error
    with ds:
        if "time" not in ds.coords:
            raise InputError.field(where, "time", "missing", "a time coordinate")
        series = {}
        for quantity in NAME_ADAPTER:
            variable = _find(ds, quantity, where)
            series[quantity] = None if variable is None else _at_site(variable, ds, longitude, latitude, where)
        time = ds["time"].values.astype("datetime64[ns]")
    u, v = series["u10"], series["v10"]
    speed = np.hypot(u, v)
    direction = np.degrees(np.arctan2(-u, -v)) % 360.0  # meteorological "from" direction, clockwise from north
    cloud = np.clip(series["cloud"], 0.0, 1.0)
    low = cloud if series["low_cloud"] is None else np.clip(series["low_cloud"], 0.0, cloud)
    optional = {}
    if series["boundary_layer"] is not None:
        optional["atmosphere_boundary_layer_thickness"] = series["boundary_layer"]
    return make_weather(time, speed, direction, series["t2"], cloud, low, **optional)


def write_sample_forecast(path: str | os.PathLike, *, start, hours: int, longitude: float, latitude: float,
                          seed: int = 0, half_width_deg: float = 0.15, step_deg: float = 0.05) -> Path:
    """A realistic sample forecast file around a site: the synthetic coastal weather on a small lat/lon grid.

    The site's series comes from :func:`meteo.synthetic.synthetic_weather`; across the grid the wind turns and
    strengthens slightly towards the sea (east) and the temperature falls 0.6 K per 0.1° eastward, so a reader
    that interpolates in the wrong axis gives a different answer. CF standard names, hourly, written atomically.
    """
    from meteo.synthetic import synthetic_weather
    from twin.atomic import atomic_output

    weather = synthetic_weather(start, hours, latitude=latitude, longitude=longitude, seed=seed)
    lons = np.round(np.arange(longitude - half_width_deg, longitude + half_width_deg + 1e-9, step_deg), 6)
    lats = np.round(np.arange(latitude - half_width_deg, latitude + half_width_deg + 1e-9, step_deg), 6)
    east = (lons - longitude)[None, None, :] / 0.1  # tenths of a degree east of the site
    speed = weather["wind_speed"].values[:, None, None] * (1.0 + 0.05 * east) * np.ones((1, lats.size, 1))
    to = np.deg2rad(weather["wind_from_direction"].values[:, None, None] + 180.0 + 2.0 * east)
    u, v = speed * np.sin(to), speed * np.cos(to)
    t2 = weather["air_temperature"].values[:, None, None] - 0.6 * east
    # Boundary layer: ~300 m at night, up to ~1100 m in the early afternoon (local solar time at the site).
    local_hour = (weather["time"].values.astype("datetime64[m]").astype(np.int64) / 60.0 + longitude / 15.0) % 24
    blh = 300.0 + 800.0 * np.clip(np.sin(np.pi * (local_hour - 7.0) / 12.0), 0.0, None)
    shape = u.shape

    def field(values, standard_name, units, **extra):
        return (("time", "lat", "lon"), np.broadcast_to(values, shape).astype(np.float32),
                {"standard_name": standard_name, "units": units, **extra})

    dataset = xr.Dataset(
        {
            "u10": field(u, "eastward_wind", "m s-1", height="10 m"),
            "v10": field(v, "northward_wind", "m s-1", height="10 m"),
            "t2m": field(t2, "air_temperature", "K", height="2 m"),
            "tcc": field(weather["cloud_area_fraction"].values[:, None, None], "cloud_area_fraction", "1"),
            "lcc": field(weather["low_cloud_area_fraction"].values[:, None, None], "low_type_cloud_area_fraction",
                         "1"),
            "blh": field(blh[:, None, None], "atmosphere_boundary_layer_thickness", "m"),
        },
        coords={"time": weather["time"].values,
                "lat": ("lat", lats, {"standard_name": "latitude", "units": "degrees_north"}),
                "lon": ("lon", lons, {"standard_name": "longitude", "units": "degrees_east"})},
        attrs={"Conventions": "CF-1.11", "title": "ParkTwin sample forecast (synthetic, for demos and tests)"},
    )
    with atomic_output(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4")
    return Path(path)
