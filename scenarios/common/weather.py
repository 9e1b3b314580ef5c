"""Weather for a run from a scenario's ``weather:`` block (station CSV, forecast NetCDF, AERMET, synthetic, typhoon)."""

from __future__ import annotations

import logging
from datetime import timezone
from pathlib import Path

import numpy as np
import xarray as xr

from meteo import prepare_dispersion_met, read_aermet, read_station_csv, select_period, synthetic_weather
from meteo.forecast import read_forecast_netcdf
from scenarios.common.spec import MAX_WEATHER_HOURS, WeatherSpec
from scenarios.common.storm import Storm
from scenarios.common.times import local_text
from twin.errors import InputError, MeteoCoverageError, WeatherFileCoverageError
from twin.inputs import note_input
from twin.park import Park

__all__ = ["load_weather"]

_log = logging.getLogger("parktwin")


def coverage_error(spec: WeatherSpec) -> type[MeteoCoverageError]:
    """What weather that does not cover the period raises: retry later (75) for a forecast, which a later cycle may
    cover; bad input (65) for every other source, which waiting does not change."""
    return MeteoCoverageError if spec.source == "forecast_netcdf" else WeatherFileCoverageError


def load_weather(spec: WeatherSpec, base_dir: Path, park: Park, where: str, *,
                 hour_rules: str = "screening") -> xr.Dataset:
    """The hourly weather a ``weather:`` block names, cut to its window and prepared for dispersion.

    ``spec`` paths are relative to ``base_dir``; ``where`` (the scenario file and block) prefixes every error. The
    result carries the stability class and the mixing height (``meteo.prepare_dispersion_met``), except AERMET
    input, which arrives prepared (stability from the Obukhov length, mixing height from zic/zim). Under
    ``hour_rules="aermod"`` (``dispersion.plume``) AERMET's missing hours are accepted — flagged, left out of the
    model and its averages — and the dataset's attributes ``calm_hours`` and ``missing_hours`` count the hours the
    run leaves out.
    """
    lon, lat = park.centre_lonlat()
    if spec.source == "synthetic":
        weather = synthetic_weather(spec.start, spec.hours, latitude=lat, longitude=lon, seed=spec.seed,
                                    utc_offset_hours=park.spec.utc_offset_hours)
    elif spec.source == "typhoon":
        storm = Storm(park, None, base_dir, track=spec.typhoon_track, start=spec.start, hours=spec.hours)
        times = storm.start + np.arange(spec.hours).astype("timedelta64[h]").astype("timedelta64[ns]")
        weather = storm.point_weather(times, *park.centre())
    elif spec.source == "forecast_netcdf":
        weather = read_forecast_netcdf(base_dir / spec.path, longitude=lon, latitude=lat)
    elif spec.source == "aermet":
        pfl = base_dir / spec.pfl_path if spec.pfl_path else None
        weather = read_aermet(base_dir / spec.path, pfl, utc_offset_hours=park.spec.utc_offset_hours,
                              fill_missing=spec.aermet_fill_missing or hour_rules == "aermod")
    else:
        weather = read_station_csv(base_dir / spec.path, fill_missing_hours=spec.fill_missing_hours)
    source = (f"AERMET file {spec.path}" if spec.source == "aermet" else spec.path) or "synthetic weather"
    start, hours = _period(spec, weather, park.spec.utc_offset_hours, f"{where}: weather {source}")
    end = start + np.timedelta64(hours - 1, "h")
    first = (spec.start.isoformat() if spec.start is not None
             else f"{local_text(start, park.spec.utc_offset_hours)} (the file's first hour)")
    weather = select_period(weather, start, end,
                            where=f"{where}: weather.start/weather.hours ({first}, {hours} h) in {source}",
                            error=coverage_error(spec))
    if weather.sizes["time"] != hours:
        raise InputError.field(f"{where}: weather {source}", "time", f"{weather.sizes['time']} records",
                               f"exactly one record per hour for the {hours} hours from {first}")
    if "station_hour_flag" in weather:  # missing hours filled (meteo.io): stated for the hours the run uses
        filled = int(np.count_nonzero(weather["station_hour_flag"].values))
        weather.attrs["missing_hours_filled"] = filled
        if filled:
            note = (f"weather {spec.path}: {filled} of the {hours} hours used were missing and filled; "
                    f"{weather.attrs.get('comment', '')}")
            _log.warning("%s: %s", where, note)
            note_input(base_dir / spec.path, note)
    if hour_rules == "aermod":
        _count_left_out_hours(weather, spec, where)
    if spec.source == "aermet":  # already prepared: stability from L, mixing height from zic/zim, not cloud cover
        weather.attrs["land_use"] = park.spec.land_use  # wind-profile exponents and dispersion-coefficient family
        return weather
    return prepare_dispersion_met(weather, latitude=lat, longitude=lon, stability_method=spec.stability_method,
                                  land_use=park.spec.land_use)


def _period(spec: WeatherSpec, weather: xr.Dataset, utc_offset_hours: float,
            where: str) -> tuple[np.datetime64, int]:
    """The first hour (UTC) and the number of hours a ``weather:`` block asks for: as written, or, for an AERMET
    file without ``start``, the file's own period from its first hour (``hours`` of it, by default all)."""
    if spec.start is not None:
        return np.datetime64(spec.start.astimezone(timezone.utc).replace(tzinfo=None), "ns"), spec.hours  # UTC
    times = weather["time"].values.astype("datetime64[ns]")
    if spec.hours is not None:
        return times[0], spec.hours
    if times.size > MAX_WEATHER_HOURS:  # WeatherSpec.hours' bound holds for a file's own period too
        period = f"{local_text(times[0], utc_offset_hours)} to {local_text(times[-1], utc_offset_hours)}"
        raise InputError.field(where, "hours", f"{times.size} hours ({period})",
                               f"at most {MAX_WEATHER_HOURS} hours (one year) in a run; give weather.start and "
                               "weather.hours to choose the year")
    return times[0], int(times.size)


def _count_left_out_hours(weather: xr.Dataset, spec: WeatherSpec, where: str) -> None:
    """AERMOD's hour rules: count the calm and missing hours of the period (attributes ``calm_hours``,
    ``missing_hours``) and state them once in the log."""
    if "aermet_hour_flag" in weather:
        flag = np.asarray(weather["aermet_hour_flag"].values)
        calm, missing = int(np.sum(flag == 1)), int(np.sum(flag == 2))
    else:
        calm = int(np.count_nonzero(weather["calm_flag"].values)) if "calm_flag" in weather else 0
        missing = 0
    weather.attrs["calm_hours"], weather.attrs["missing_hours"] = calm, missing
    if calm or missing:
        _log.info("%s: AERMOD hour rules: %d calm and %d missing hours of %d are left out of the model and its "
                  "averages (weather %s)", where, calm, missing, weather.sizes["time"], spec.path or spec.source)
