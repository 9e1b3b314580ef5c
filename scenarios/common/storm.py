"""A typhoon as forcing: its track in time, the Holland wind at a point, the rain over a grid and the sea level at
the coast — for ``kind: typhoon``, the nightly flood check and the ``typhoon`` weather source of plume and leak runs.
"""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import numpy as np
import xarray as xr

from meteo import make_weather
from meteo.typhoon import holland_vmax_cyclostrophic
from meteo.typhoon_rain import (
    TideConstituent,
    astronomical_tide,
    inverse_barometer,
    ipet_rain_rate,
    rcliper_rain_rate,
    read_gridded_rain,
    wind_setup_dean_dalrymple,
)
from meteo.typhoon_tracks import complete_track, design_typhoon_track, read_cma_best_track, read_ibtracs_csv
from meteo.typhoon_wind import ENVIRONMENTAL_PRESSURE_WNP, typhoon_wind_field
from scenarios.typhoon.spec import TyphoonScenario
from twin.errors import InputError

__all__ = ["Storm", "GriddedRain", "utc64"]


def utc64(moment) -> np.datetime64:
    return np.datetime64(moment.astimezone(timezone.utc).replace(tzinfo=None), "ns")


class Storm:
    """The track interpolated in time, with the rain and sea-level forcing it drives."""

    def __init__(self, park, scenario: "TyphoonScenario | None", base_dir: Path, *, track=None, start=None,
                 hours: float | None = None):
        """From a typhoon scenario, or (``scenario=None``) from a ``track`` spec, ``start`` and ``hours`` alone (the
        typhoon weather of a plume or leak scenario: no rain, no sea level)."""
        spec = scenario.track if scenario is not None else track
        cx, cy = park.centre()
        start = utc64(scenario.start if scenario is not None else start)
        end = start + np.timedelta64(int((scenario.hours if scenario is not None else hours) * 3600), "s")
        if hasattr(spec, "landfall_offset_km"):
            lon, lat = park.to_lonlat(cx + spec.landfall_offset_km[0] * 1e3, cy + spec.landfall_offset_km[1] * 1e3)
            landfall = utc64(spec.landfall_time)
            before = max((landfall - start) / np.timedelta64(1, "h"), 0.0) + 2.0
            after = max((end - landfall) / np.timedelta64(1, "h"), 0.0) + 2.0
            self.track = design_typhoon_track(float(lon), float(lat), spec.heading_deg, spec.forward_speed,
                                              spec.central_pressure_hpa * 100.0, spec.rmax_km * 1e3, before, after,
                                              0.5, landfall_time=str(landfall), max_wind_speed=spec.max_wind_speed)
        else:
            reader = read_cma_best_track if spec.format == "cma" else read_ibtracs_csv
            track = reader(base_dir / spec.file, storm=spec.storm)
            self.track = complete_track(track, averaging_period=spec.averaging_period)
            times = self.track["time"].values
            if times[0] > start or times[-1] < end:
                raise InputError.field(f"track {spec.file}", "time", f"{times[0]} to {times[-1]}",
                                       f"a track covering the simulation {start} to {end}")
            # "Landfall" for a file track: the closest approach to the park centre.
            tx, ty = park.from_lonlat(self.track["longitude"].values, self.track["latitude"].values)
            landfall = times[int(np.argmin(np.hypot(np.asarray(tx) - cx, np.asarray(ty) - cy)))]
        self.park, self.scenario, self.start, self.landfall = park, scenario, start, landfall
        self.base_dir = base_dir
        seconds = (self.track["time"].values - start) / np.timedelta64(1, "s")
        cx_track, cy_track = park.from_lonlat(self.track["longitude"].values, self.track["latitude"].values)
        self._t, self._x, self._y = seconds.astype(np.float64), np.asarray(cx_track), np.asarray(cy_track)
        self._pc = self.track["central_pressure"].values
        self._rmax = self.track["radius_of_maximum_wind"].values
        self.environmental_pressure = ENVIRONMENTAL_PRESSURE_WNP
        winds = self.track["max_wind_speed"].values.astype(np.float64)
        # Where the track has no wind: Holland (1980) cyclostrophic peak with B = 1.3, reduced to 10 m by 0.8 (a
        # stated planning choice).
        fallback = 0.8 * holland_vmax_cyclostrophic(np.maximum(self.environmental_pressure - self._pc, 0.0), 1.3)
        self._vmax = np.where(np.isfinite(winds), winds, fallback)
        self.vmax = float(np.nanmax(self._vmax))
        # The coast point: the sea cell of the flood domain nearest the park centre; onshore = towards the centre.
        self.coast = None

    def point_weather(self, times: np.ndarray, x: float, y: float, air_temperature: float = 298.15):
        """Hourly Weather (``meteo.make_weather``) at (x, y) from the vortex: 10 m wind and direction, surface
        pressure; overcast (cloud 1.0) — in typhoon winds GB/T 3840 and Turner both give neutral class D."""
        speed, direction, pressure = [], [], []
        for t64 in np.asarray(times, dtype="datetime64[ns]"):
            t = float((t64 - self.start) / np.timedelta64(1, "s"))
            x0, y0 = self.centre(t)
            index = int(np.clip(np.searchsorted(self._t, t), 1, self._t.size - 1))
            u, v, p = typhoon_wind_field(self.track.isel(time=index), np.array([x]), np.array([y]),
                                         centre_x=x0, centre_y=y0)
            speed.append(float(np.hypot(u[0], v[0])))
            direction.append(float(np.degrees(np.arctan2(-u[0], -v[0])) % 360.0))  # the direction it blows from
            pressure.append(float(p[0]))
        n = len(speed)
        return make_weather(times, np.array(speed), np.array(direction), np.full(n, air_temperature),
                            np.ones(n), np.ones(n), surface_air_pressure=np.array(pressure))

    def centre(self, t: float) -> tuple[float, float]:
        return float(np.interp(t, self._t, self._x)), float(np.interp(t, self._t, self._y))

    def rain_field(self, t: float, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        if self.scenario.rain_model == "gridded":
            return self._gridded_rain(t, gx, gy) * self.scenario.rain_scale
        x0, y0 = self.centre(t)
        r = np.hypot(gx - x0, gy - y0)
        if self.scenario.rain_model == "rcliper":
            rate = rcliper_rain_rate(r, float(np.interp(t, self._t, self._vmax)))
        else:
            dp = self.environmental_pressure - float(np.interp(t, self._t, self._pc))
            rate = ipet_rain_rate(r, float(np.interp(t, self._t, self._rmax)), dp)
        return rate * self.scenario.rain_scale

    def _gridded_rain(self, t: float, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        """The rain file's rate over the interval holding t, bilinear at the flood cells (0 outside its grid)."""
        if not hasattr(self, "_rain"):
            self._rain = GriddedRain(read_gridded_rain(self.base_dir / self.scenario.rain_file), park=self.park,
                                     start=self.start, where=f"rain_file {self.scenario.rain_file}")
        return self._rain(t, gx, gy)

    def sea_level(self, t: float) -> dict:
        """Tide, inverse barometer, wind set-up and their sum at the coast point [m]."""
        tide_spec = self.scenario.tide
        tide = float(astronomical_tide(t, [TideConstituent(*c) for c in tide_spec.constituents],
                                       tide_spec.mean_level))
        out = {"tide": tide, "inverse_barometer": 0.0, "wind_setup": 0.0}
        if self.scenario.surge and self.coast is not None:
            x0, y0 = self.centre(t)
            index = int(np.clip(np.searchsorted(self._t, t), 1, self._t.size - 1))
            point = self.track.isel(time=index)
            u, v, pressure = typhoon_wind_field(point, np.array([self.coast[0]]), np.array([self.coast[1]]),
                                                centre_x=x0, centre_y=y0)
            onshore = float(u[0] * self.coast[2] + v[0] * self.coast[3])
            out["inverse_barometer"] = float(inverse_barometer(self.environmental_pressure - float(pressure[0])))
            out["wind_setup"] = float(wind_setup_dean_dalrymple(onshore, self.scenario.shelf_depth,
                                                                self.scenario.shelf_width_km * 1e3))
        out["total"] = out["tide"] + out["inverse_barometer"] + out["wind_setup"]
        return out


class GriddedRain:
    """A gridded rain rate [m s-1] on (time, latitude, longitude) — each time stamp holding the mean rate until the
    next one (the convention of :func:`meteo.typhoon_rain.read_gridded_rain`) — sampled at the flood cells.

    ``rate(t, gx, gy)`` returns the rate over the interval holding ``t`` [s after ``start``], bilinear at the cells
    (0 outside the rain grid). A ``t`` before the first stamp or beyond one interval after the last raises an
    InputError naming ``where``.
    """

    def __init__(self, rate: xr.DataArray, *, park, start: np.datetime64, where: str):
        self.rate_field, self.park, self.where = rate, park, where
        self._t = (rate["time"].values.astype("datetime64[ns]") - start) / np.timedelta64(1, "s")
        self._cells = None
        self._cache: dict[int, np.ndarray] = {}

    def __call__(self, t: float, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        if self._cells is None:
            lon, lat = self.park.to_lonlat(gx.ravel(), gy.ravel())
            self._cells = (xr.DataArray(np.asarray(lat), dims="cell"), xr.DataArray(np.asarray(lon), dims="cell"))
        slot = int(np.searchsorted(self._t, t, side="right")) - 1
        if slot < 0 or t > self._t[-1] + (self._t[-1] - self._t[-2] if self._t.size > 1 else 0):
            raise InputError.field(self.where, "time", f"no rain for {t:.0f} s after the start",
                                   "rain covering the simulation")
        if slot not in self._cache:
            lat, lon = self._cells
            values = self.rate_field.isel(time=slot).interp(latitude=lat, longitude=lon).fillna(0.0).values
            self._cache = {slot: values.reshape(gx.shape)}
        return self._cache[slot]
