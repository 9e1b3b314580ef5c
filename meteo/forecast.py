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
from twin.inputs import record_input
from twin.units import UnitError, to_si

__all__ = ["read_forecast_netcdf", "read_forecast_precipitation", "write_sample_forecast", "NAME_ADAPTER",
           "PRECIPITATION_UNITS", "SI_UNITS"]

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
# Quantity -> (its SI unit, the plausible range of its values in that unit, in words). The unit a file states in
# its 'units' attribute is converted to the SI unit (twin.units.to_si: '%', 'km h-1', 'knots', 'degC' …); values
# outside the range after conversion are a unit slip or a corrupt file, refused rather than clipped. The 10 m wind
# bound is above the strongest tropical-cyclone 10 m winds measured (about 90 m/s); temperatures span the surface
# air records (184 K and 330 K) with margin; the boundary layer is within the troposphere.
SI_UNITS: dict[str, tuple[str, float, float]] = {
    "u10": ("m s-1", -100.0, 100.0), "v10": ("m s-1", -100.0, 100.0), "t2": ("K", 180.0, 340.0),
    "cloud": ("1", 0.0, 1.0), "low_cloud": ("1", 0.0, 1.0), "boundary_layer": ("m", 0.0, 10000.0),
}
# Rounding in packed (scale_factor) fractions may put a cloud cover a hair outside [0, 1]; that much is clipped.
_FRACTION_ROUNDING = 1e-3
# Precipitation rate units -> factor to [m s-1] of liquid water. A mass flux of water [kg m-2 s-1] is a depth rate
# once divided by the density of water (1000 kg m-3): 1 kg m-2 = 1 mm.
PRECIPITATION_UNITS = {"kg m-2 s-1": 1e-3, "kg m**-2 s**-1": 1e-3, "kg/m^2/s": 1e-3, "kg/m2/s": 1e-3,
                       "mm s-1": 1e-3, "mm/s": 1e-3, "mm h-1": 1e-3 / 3600.0, "mm/h": 1e-3 / 3600.0,
                       "m s-1": 1.0}


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


def _lon_lat(ds: xr.Dataset, where: str) -> tuple[xr.DataArray, xr.DataArray]:
    """The forecast's longitude and latitude variables (1-D on a regular grid, 2-D on a projected one)."""
    lon_name = next((n for n in ("lon", "longitude", "XLONG") if n in ds.variables), None)
    lat_name = next((n for n in ("lat", "latitude", "XLAT") if n in ds.variables), None)
    if lon_name is None or lat_name is None:
        raise InputError(f"{where}: longitude/latitude coordinates are required (lon/longitude, lat/latitude)")
    for name, limit in ((lon_name, 360.0), (lat_name, 90.0)):
        values = np.asarray(ds[name].values)
        if values.dtype.kind not in "fiu" or values.size == 0:
            raise InputError.field(where, name, f"{values.dtype} of shape {values.shape}", "a numeric coordinate")
        if not np.all(np.isfinite(values)) or np.any(np.abs(values) > limit):
            bad = values[~np.isfinite(values) | (np.abs(values) > limit)].ravel()[0]
            raise InputError.field(where, name, float(bad), f"finite values within ±{limit:g} degrees")
        if values.ndim == 1 and values.size > 1 and not (np.all(np.diff(values) > 0) or np.all(np.diff(values) < 0)):
            raise InputError.field(where, name, "not monotonic", "strictly increasing or decreasing values")
    return ds[lon_name], ds[lat_name]


def _at_site(variable: xr.DataArray, ds: xr.Dataset, lon: float, lat: float, where: str) -> np.ndarray:
    """The variable's time series at (lon, lat): bilinear on a regular grid, nearest point on a 2-D one."""
    lons, lats = _lon_lat(ds, where)
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


def _decoded_time(ds: xr.Dataset, where: str) -> np.ndarray:
    """The time coordinate as datetime64[ns]; a time without CF units (numbers that would read as nanoseconds after
    1970) or outside the datetime64[ns] range (years after 2262, decoded to cftime objects) is refused."""
    time = ds["time"]
    if not np.issubdtype(time.dtype, np.datetime64):
        units = time.attrs.get("units") or time.encoding.get("units")
        raise InputError.field(where, "time", f"{time.dtype} values with units {units!r}",
                               "a CF time coordinate with units such as 'hours since 2026-07-15 00:00:00' (UTC), "
                               "between the years 1678 and 2262")
    return time.values.astype("datetime64[ns]")


def _in_si(values: np.ndarray, variable: xr.DataArray, quantity: str, time: np.ndarray, where: str) -> np.ndarray:
    """The site series of ``variable`` in the SI unit of ``quantity`` (:data:`SI_UNITS`), from the unit its
    ``units`` attribute states; an unknown or missing unit, a non-finite value or one outside the plausible range is
    an InputError naming the variable, the time and the value."""
    si_unit, low, high = SI_UNITS[quantity]
    label = f"{where}: variable {variable.name!r}"
    try:
        converted = to_si(values, variable.attrs.get("units"), si_unit)
    except UnitError as error:
        raise InputError.field(label, "units", variable.attrs.get("units"),
                               f"a unit of {si_unit} ({error})") from None
    if si_unit == "1":
        converted = np.where((converted > high) & (converted <= high + _FRACTION_ROUNDING), high, converted)
        converted = np.where((converted < low) & (converted >= low - _FRACTION_ROUNDING), low, converted)
    bad = ~np.isfinite(converted) | (converted < low) | (converted > high)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError.field(f"{label} at {np.datetime_as_string(time[k], unit='m')}Z", quantity,
                               f"{values[k]:g} {variable.attrs.get('units')} (= {converted[k]:g} {si_unit})",
                               f"finite and within {low:g}..{high:g} {si_unit} (check the 'units' attribute)")
    return converted


def read_forecast_netcdf(path: str | os.PathLike, *, longitude: float, latitude: float) -> xr.Dataset:
    """The forecast at a site as a Weather dataset (``meteo.weather``), hourly, SI units.

    Every variable is read in the unit its ``units`` attribute states and converted to SI (:data:`SI_UNITS`): cloud
    cover in % or a wind in km/h is converted, not clipped to 1 or taken as m/s; a variable without a known unit, a
    non-finite value or one outside its plausible range is an InputError.

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
    except (OSError, ValueError, OverflowError, TypeError) as error:  # OverflowError: times beyond datetime64[ns]
        raise InputError(f"{where}: not a readable NetCDF forecast ({error})") from error
    record_input(path)
    with ds:
        if "time" not in ds.coords:
            raise InputError.field(where, "time", "missing", "a time coordinate")
        time = _decoded_time(ds, where)
        series = {}
        for quantity in SI_UNITS:
            variable = _find(ds, quantity, where)
            series[quantity] = None if variable is None else _in_si(
                _at_site(variable, ds, longitude, latitude, where), variable, quantity, time, where)
    u, v = series["u10"], series["v10"]
    speed = np.hypot(u, v)
    direction = np.degrees(np.arctan2(-u, -v)) % 360.0  # meteorological "from" direction, clockwise from north
    cloud = np.clip(series["cloud"], 0.0, 1.0)
    low = cloud if series["low_cloud"] is None else np.clip(series["low_cloud"], 0.0, cloud)
    optional = {}
    if series["boundary_layer"] is not None:
        optional["atmosphere_boundary_layer_thickness"] = series["boundary_layer"]
    return make_weather(time, speed, direction, series["t2"], cloud, low, **optional)


def read_forecast_precipitation(path: str | os.PathLike) -> xr.DataArray | None:
    """The forecast's precipitation as a rate field [m s-1] on (time, latitude, longitude) — or on (time, y, x) with
    2-D ``latitude``/``longitude`` coordinates for a projected grid — or None when the file carries none.

    The variable is found as :func:`read_forecast_netcdf` finds it (standard_name ``precipitation_flux``, else a
    variable named ``tp_rate`` or ``PRATE_surface``); its ``units`` must be one of :data:`PRECIPITATION_UNITS`
    (converted here, once, to m s-1). Each time stamp is taken to hold the mean rate until the next stamp (the
    convention of :func:`meteo.typhoon_rain.read_gridded_rain`). Coordinates as :func:`read_forecast_netcdf` takes
    them (``lon``/``longitude``/``XLONG``, ``lat``/``latitude``/``XLAT``, 1-D or 2-D).
    """
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise MeteoCoverageError(f"{where}: forecast file not there yet ({path}); retry later")
    try:
        opened = xr.open_dataset(path, engine="netcdf4")
    except (OSError, ValueError, OverflowError, TypeError) as error:
        raise InputError(f"{where}: not a readable NetCDF forecast ({error})") from error
    record_input(path)
    with opened as ds:
        variable = _find(ds, "precipitation", where)
        if variable is None:
            return None
        units = str(variable.attrs.get("units", ""))
        if units not in PRECIPITATION_UNITS:
            raise InputError.field(f"{where}: {variable.name}", "units", units or None,
                                   f"one of {', '.join(PRECIPITATION_UNITS)}")
        lons, lats = _lon_lat(ds, where)
        if lons.ndim == 1 and lats.ndim == 1:
            rate = variable.rename({lons.dims[0]: "longitude", lats.dims[0]: "latitude"})
            order = ("time", "latitude", "longitude")
        else:  # a projected grid: keep its two dims (renamed y, x) and carry 2-D latitude/longitude
            spatial = [d for d in variable.dims if d != "time"]
            if len(spatial) != 2 or lons.shape != tuple(variable.sizes[d] for d in spatial):
                raise InputError.field(f"{where}: {variable.name}", "dims", variable.dims,
                                       "(time, y, x) matching the 2-D longitude/latitude")
            rate = variable.reset_coords(drop=True).rename({spatial[0]: "y", spatial[1]: "x"})
            rate = rate.assign_coords(latitude=(("y", "x"), np.asarray(lats, dtype=np.float64)),
                                      longitude=(("y", "x"), np.asarray(lons, dtype=np.float64)))
            order = ("time", "y", "x")
        if set(rate.dims) != set(order):
            raise InputError.field(f"{where}: {variable.name}", "dims", variable.dims, "(time, lat, lon)")
        rate = (rate.transpose(*order).astype(np.float64) * PRECIPITATION_UNITS[units]).load()
    if not np.all(np.isfinite(rate.values)) or np.any(rate.values < 0):
        raise InputError.field(f"{where}: {variable.name}", "values", float(np.nanmin(rate.values)),
                               "finite precipitation rates >= 0")
    rate.attrs = {"units": "m s-1", "source_variable": str(variable.name)}
    return rate


# The sample's precipitation (illustrative values chosen for demos and tests, not climatology):
# dry: a light shower of 1.5 mm/h over the whole grid in hours 14-17 after the start (6 mm, "light rain");
# wet: a north-south rain band with a Gaussian cross-section (standard deviation 20 km) moving east at 10 km/h and
# peaking at 30 mm/h, whose axis crosses the site 12 h after the start. At the site the rate is then
# 30 exp(-(t - 12 h)^2 / (2 (2 h)^2)) mm/h, so the event total is 30 × 2 × sqrt(2π) = 150.4 mm, nearly all of it
# within 24 h (a rainstorm or heavier by the 24-h grades of GB/T 28592-2012).
SAMPLE_SHOWER = {"rate_mm_h": 1.5, "first_hour": 14, "last_hour": 17}
SAMPLE_RAIN_BAND = {"peak_mm_h": 30.0, "sigma_km": 20.0, "speed_km_h": 10.0, "crossing_hour": 12.0}
SAMPLE_RAIN = ("dry", "wet")


def _sample_precipitation(rain: str, hours_since_start: np.ndarray, east_km: np.ndarray) -> np.ndarray:
    """Precipitation rate [mm h-1] on (time, lon) of the sample (:data:`SAMPLE_SHOWER`, :data:`SAMPLE_RAIN_BAND`)."""
    t = hours_since_start[:, None]
    if rain == "dry":
        shower = (t >= SAMPLE_SHOWER["first_hour"]) & (t <= SAMPLE_SHOWER["last_hour"])
        return np.where(shower, SAMPLE_SHOWER["rate_mm_h"], 0.0) * np.ones((1, east_km.size))
    band = SAMPLE_RAIN_BAND
    axis = band["speed_km_h"] * (t - band["crossing_hour"])  # the band's axis, km east of the site
    return band["peak_mm_h"] * np.exp(-0.5 * ((east_km[None, :] - axis) / band["sigma_km"]) ** 2)


def write_sample_forecast(path: str | os.PathLike, *, start, hours: int, longitude: float, latitude: float,
                          seed: int = 0, half_width_deg: float = 0.15, step_deg: float = 0.05,
                          rain: str = "dry") -> Path:
    """A realistic sample forecast file around a site: the synthetic coastal weather on a small lat/lon grid.

    The site's series comes from :func:`meteo.synthetic.synthetic_weather`; across the grid the wind turns and
    strengthens slightly towards the sea (east) and the temperature falls 0.6 K per 0.1° eastward, so a reader
    that interpolates in the wrong axis gives a different answer. CF standard names, hourly, written atomically.
    Precipitation (``precipitation_flux`` [kg m-2 s-1], the mean rate until the next stamp): ``rain`` "dry" (a light
    shower) or "wet" (a rain band crossing the site), see :data:`SAMPLE_SHOWER` and :data:`SAMPLE_RAIN_BAND`.
    """
    if rain not in SAMPLE_RAIN:
        raise InputError.field("sample forecast", "rain", rain, f"one of {', '.join(SAMPLE_RAIN)}")
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
    hours_since_start = (weather["time"].values - weather["time"].values[0]) / np.timedelta64(1, "h")
    east_km = (lons - longitude) * 111.32 * np.cos(np.deg2rad(latitude))  # km per degree of longitude there
    rain_rate = _sample_precipitation(rain, hours_since_start.astype(np.float64), east_km)[:, None, :]
    precipitation = rain_rate / 3600.0  # mm h-1 -> kg m-2 s-1 (1 mm of water = 1 kg m-2)

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
            "pr": field(precipitation, "precipitation_flux", "kg m-2 s-1",
                        comment="mean rate from this time stamp until the next"),
        },
        coords={"time": weather["time"].values,
                "lat": ("lat", lats, {"standard_name": "latitude", "units": "degrees_north"}),
                "lon": ("lon", lons, {"standard_name": "longitude", "units": "degrees_east"})},
        attrs={"Conventions": "CF-1.11", "title": "ParkTwin sample forecast (synthetic, for demos and tests)",
               "sample_rain": rain},
    )
    with atomic_output(path) as temporary:
        dataset.to_netcdf(temporary, engine="netcdf4")
    return Path(path)
