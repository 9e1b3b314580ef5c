"""The flood part of the nightly forecast: when the forecast carries heavy rain, flood the park with it.

**Rule** (:func:`heavy_rain_rule`): the forecast's precipitation at the park centre (bilinear in the forecast grid,
the point the batch reads all its weather at) is accumulated over every window of 24 h, 12 h and 1 h that starts
at a forecast time step inside the horizon (windows are cut at the end of the horizon). The rule fires when any
window reaches its threshold (:data:`HEAVY_RAIN_GRADES_MM`, each configurable):

* **24 h ≥ 50.0 mm and 12 h ≥ 30.0 mm** — the lower bound of 暴雨 (rainstorm) in GB/T 28592-2012 降水量等级 (Grade of
  precipitation), Table 1 "不同时段的降雨量等级划分", whose §3 grades rain over 24 h and 12 h only. [Found with the
  standard's own preview (scope, §3, the title of Table 1) and a secondary page citing it for 暴雨 = 12 h
  30.0–69.9 mm, 24 h 50.0–99.9 mm; the table body itself was not seen: quoted, not verified.]
* **1 h ≥ 16.0 mm** — the 暴雨 class of the hourly rain-intensity grades used in Chinese operational forecasting.
  GB/T 28592-2012 has no 1-h grade, so this value is *not* from that standard: quoted, not verified.

Rain totals are in mm of water [mm]; the forecast's rate at each time stamp is the mean until the next stamp (the
last stamp's interval is as long as the one before it), so a window's total is the integral of that step function.

**Flood** (:func:`run_forecast_flood`), when the rule fires: the park flood of ``kind: typhoon`` (same DEM, grid,
defences, drainage and soil defaults: :mod:`scenarios.typhoon.flood`) over the forecast horizon from the cycle time,
with the forecast's own gridded rain (bilinear at every cell, 0 outside the forecast grid; on a projected forecast
grid with 2-D lat/lon, the park-centre series on every cell — the 10-km domain spans about one cell of a regional
model) and no typhoon: the sea level is the astronomical tide alone (``kind: typhoon``'s default tide, :class:`scenarios.spec.TideSpec`, phase at
the cycle start — a forecast file does not say where the tide stands; an assumption, stated in the summary).
Then :func:`scenarios.typhoon.run.asset_events` for every risk source. Outputs in ``flood/`` of the cycle folder:
``flood.nc`` (CF, as the typhoon writes it), ``assets.json`` (the summary block and every asset; written last, with
the digest of its inputs: a resumed cycle whose flood is finished does not recompute it) and ``map.png``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

from meteo.forecast import NAME_ADAPTER, read_forecast_precipitation
from meteo.typhoon_rain import TideConstituent, astronomical_tide
from scenarios.common.storm import GriddedRain
from scenarios.common.times import local_text
from scenarios.common.views import asset_layer, map_view
from scenarios.typhoon.flood import (FLOOD_GRID_DEFAULTS, check_flood_memory, depth_layer, flood_dataset,
                                      park_flood_grid, run_park_flood)
from scenarios.typhoon.run import asset_events
from scenarios.typhoon.spec import TideSpec
from twin.atomic import write_text_atomic
from twin.errors import InputError
from twin.store import FLOOD_PROCESSING_LEVEL, Provenance, write_netcdf
from viz import render_map
from viz.wording import sentence, term

__all__ = ["HEAVY_RAIN_GRADES_MM", "HEAVY_RAIN_OPTIONS", "FLOOD_OUTPUT_MINUTES", "flood_view", "rain_accumulations",
           "heavy_rain_rule", "heavy_rain_rule_text", "flood_settings", "run_forecast_flood"]

# Window [h] -> rainstorm (暴雨) threshold [mm]: GB/T 28592-2012 Table 1 for 24 h and 12 h; the hourly grade for 1 h
# (not in GB/T 28592-2012; quoted, not verified). See the module docstring.
HEAVY_RAIN_GRADES_MM = {24: 50.0, 12: 30.0, 1: 16.0}
HEAVY_RAIN_SOURCES = {24: "GB/T 28592-2012 Table 1", 12: "GB/T 28592-2012 Table 1",
                      1: "hourly grade, not in GB/T 28592-2012; quoted, not verified"}
HEAVY_RAIN_OPTIONS = {24: "--heavy-rain-24h-mm", 12: "--heavy-rain-12h-mm", 1: "--heavy-rain-1h-mm"}
MAX_THRESHOLD_MM = 1000.0  # [mm] above any recorded 24-h total in China: a larger value is a typing error
# Depth snapshots and asset checks every 30 min (kind: typhoon: 10 min): a 72-h horizon on 500 x 500 cells of 20 m
# keeps the snapshots to 144 x 250,000 x 8 B = 288 MB instead of 864 MB.
FLOOD_OUTPUT_MINUTES = 30.0
# Nightly default cell size [m]: 50 m, not kind: typhoon's 20 m. A 24-h flood of the demo park's 10 km domain took
# 74 s at 50 m on this 2-core machine; 20 m has 6.25x the cells and a 2.5x shorter time step, ~15x the cost, so a
# 72-h horizon would take about an hour — too long for a batch that must finish before the morning shift.
# --flood-grid-spacing 20 asks for the typhoon resolution.
FORECAST_FLOOD_GRID_SPACING = 50.0


def flood_settings(*, heavy_rain_24h_mm=None, heavy_rain_12h_mm=None, heavy_rain_1h_mm=None,
                   grid_spacing=None, grid_size=None) -> dict:
    """The checked flood settings of a cycle (part of its settings hash). None takes the default.

    Thresholds [mm] may be given as numbers or strings (the command line passes them through); a value that is not
    a number in (0, 1000] mm raises an InputError naming its command-line option. ``grid_spacing`` [m] 2..200 and
    ``grid_size`` [m] (square side, at least 4 cells) default to ``kind: typhoon``'s.
    """
    thresholds = {}
    for window, value in ((24, heavy_rain_24h_mm), (12, heavy_rain_12h_mm), (1, heavy_rain_1h_mm)):
        if value is None:
            thresholds[window] = HEAVY_RAIN_GRADES_MM[window]
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not (math.isfinite(number) and 0.0 < number <= MAX_THRESHOLD_MM):
            raise InputError.field("forecast", f"{HEAVY_RAIN_OPTIONS[window]} (heavy-rain threshold over "
                                   f"{window} h)", value, f"a rain total in mm, > 0 and <= {MAX_THRESHOLD_MM:g} "
                                   f"(default {HEAVY_RAIN_GRADES_MM[window]:g}, {HEAVY_RAIN_SOURCES[window]})")
        thresholds[window] = number
    spacing = float(FORECAST_FLOOD_GRID_SPACING if grid_spacing is None else grid_spacing)
    if not (math.isfinite(spacing) and 2.0 <= spacing <= 200.0):
        raise InputError.field("forecast", "--flood-grid-spacing", grid_spacing, "a cell size in m, 2..200")
    size = (tuple(float(v) for v in FLOOD_GRID_DEFAULTS["grid_size"]) if grid_size is None
            else (float(grid_size), float(grid_size)))
    if not (math.isfinite(size[0]) and size[0] >= 4 * spacing and size[1] >= 4 * spacing):
        raise InputError.field("forecast", "--flood-grid-size", grid_size,
                               f"a domain side in m of at least 4 cells ({4 * spacing:g} m)")
    return {"heavy_rain_mm": {f"{w}h": v for w, v in thresholds.items()}, "grid_spacing": spacing,
            "grid_size": list(size), "output_minutes": FLOOD_OUTPUT_MINUTES}


def heavy_rain_rule_text(settings: dict, language: str = "en") -> str:
    """The rule as the summary and the brief state it, in ``language`` ('en' or 'zh'; wording: viz.wording)."""
    parts = [sentence("forecast.heavy_rain.part", language, mm=settings["heavy_rain_mm"][f"{w}h"], window=w,
                      source=term(f"forecast.heavy_rain_source.{w}", language)) for w in HEAVY_RAIN_GRADES_MM]
    return sentence("forecast.heavy_rain.rule", language, parts=term("forecast.heavy_rain.or", language).join(parts))


def rain_accumulations(rate: np.ndarray, times: np.ndarray, start: np.datetime64, hours: float) -> dict:
    """Largest rain totals [mm] over 24-h, 12-h and 1-h windows starting at a time step in [start, start + hours).

    rate : mean precipitation rate from each stamp to the next [m s-1]; times : the stamps (datetime64).
    Returns ``{"total_mm", "windows": {"24h": {"max_mm", "window_start_utc"}, ...}}``; windows are cut at the end of
    the horizon (a partial window's total can only be smaller, so the maximum is unaffected for full ones).
    """
    rate = np.asarray(rate, dtype=np.float64)
    seconds = (np.asarray(times, dtype="datetime64[ns]") - np.datetime64(start, "ns")) / np.timedelta64(1, "s")
    last = seconds[-1] - seconds[-2] if seconds.size > 1 else 3600.0
    knots = np.r_[seconds, seconds[-1] + last]
    cumulative = np.r_[0.0, np.cumsum(rate * np.diff(knots))] * 1e3  # m -> mm
    end = hours * 3600.0

    def total(t0, t1):
        return np.interp(t1, knots, cumulative) - np.interp(t0, knots, cumulative)

    starts = seconds[(seconds >= 0.0) & (seconds < end)]
    windows = {}
    for window in HEAVY_RAIN_GRADES_MM:
        amounts = total(starts, np.minimum(starts + window * 3600.0, end))
        best = int(np.argmax(np.round(amounts, 6))) if amounts.size else 0  # ties (to 1e-6 mm): the earliest
        windows[f"{window}h"] = {
            "max_mm": round(float(amounts[best]), 2) if amounts.size else 0.0,
            "window_start_utc": (str((np.datetime64(start, "s") + np.timedelta64(int(starts[best]), "s"))
                                     .astype("datetime64[m]")) + "Z") if amounts.size else None}
    return {"total_mm": round(float(total(0.0, end)), 2), "windows": windows}


def heavy_rain_rule(accumulations: dict, thresholds_mm: dict, language: str = "en") -> tuple[bool, str]:
    """(fires, the sentence saying why in ``language``) from :func:`rain_accumulations` and thresholds
    ``{"24h": mm, ...}``."""
    reached, missed = [], []
    for key, threshold in thresholds_mm.items():
        value = accumulations["windows"][key]["max_mm"]
        (reached if value >= threshold else missed).append(sentence(
            "forecast.heavy_rain.item", language, window=key.removesuffix("h"), value=value,
            op=">=" if value >= threshold else "<", threshold=threshold))
    separator = term("separator.clause", language)
    if reached:
        return True, sentence("forecast.heavy_rain.triggered", language, items=separator.join(reached))
    return False, sentence("forecast.heavy_rain.not_triggered", language, items=separator.join(missed))


def _no_precipitation(language: str) -> str:
    standard, names = NAME_ADAPTER["precipitation"]
    return sentence("forecast.heavy_rain.no_precipitation", language, standard=" or ".join(standard),
                    names=", ".join(names))


def flood_view(block: dict, language: str, utc_offset_hours: float) -> dict:
    """The summary's ``flood`` block as the brief shows it: the rule, the verdict, the rain field and the sea level
    in ``language`` ('en' or 'zh'), and every time also as local time with its offset (``*_local`` beside each
    ``*_utc``, :func:`scenarios.common.times.local_text`). ``block`` (from :func:`run_forecast_flood`) is not
    changed."""
    view = {k: v for k, v in block.items() if k not in ("assets", "digest")}
    view["rule"] = heavy_rain_rule_text({"heavy_rain_mm": block["thresholds_mm"]}, language)
    rain = block.get("rain")
    if rain is None:
        view["decision"] = _no_precipitation(language)
    else:
        view["decision"] = heavy_rain_rule(rain, block["thresholds_mm"], language)[1]
        view["rain"] = {**rain, "windows": {key: {**window, "window_start_local": (
            local_text(window["window_start_utc"], utc_offset_hours) if window["window_start_utc"] else None)}
            for key, window in rain["windows"].items()}}
    if block.get("start_utc"):
        view["start_local"] = local_text(block["start_utc"], utc_offset_hours)
    if block.get("rain_field_kind"):
        view["rain_field"] = term(f"forecast.rain_field.{block['rain_field_kind']}", language)
    if block.get("sea_level"):
        view["sea_level"] = sentence("forecast.sea_level", language,
                                     constituents=", ".join(c[0] for c in TideSpec().constituents))
    for group, key in (("flooded", "first_flooded"), ("water_reactive_wet", "water_at_unit")):
        view[group] = [{**row, f"{key}_local": local_text(row[f"{key}_utc"], utc_offset_hours)}
                       for row in block.get(group, [])]
    return view


def _digest(forecast_sha: str, park_sha: str | None, cycle: str, hours: int, settings: dict) -> str:
    text = json.dumps({"forecast": forecast_sha, "park": park_sha, "cycle": cycle, "hours": hours,
                       "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def run_forecast_flood(park, forecast_nc: Path, cycle_time: datetime, hours: int, work: Path, journal, *,
                       settings: dict, forecast_sha: str, park_sha: str | None, maps: bool) -> dict:
    """Evaluate the heavy-rain rule and, when it fires, flood the park; return the summary's ``flood`` block.

    Writes ``work/flood/{flood.nc, map.png, assets.json}`` when the rule fires (``assets.json`` last). A finished
    ``assets.json`` with the same input digest is reused as it is (resume).
    """
    cycle = f"{cycle_time:%Y%m%d%H}"
    folder = work / "flood"
    digest = _digest(forecast_sha, park_sha, cycle, hours, settings)
    done = _finished_flood(folder, digest, maps)
    if done is not None:
        journal("info", "flood_already_done", cycle=cycle, flooded=done.get("flooded_ids", []))
        return done
    lon, lat = park.centre_lonlat()
    block = {"rule": heavy_rain_rule_text(settings), "thresholds_mm": settings["heavy_rain_mm"],
             "site": {"longitude": round(float(lon), 5), "latitude": round(float(lat), 5),
                      "what": "park centre (bilinear in the forecast grid)"}}
    rate = read_forecast_precipitation(forecast_nc)
    if rate is None:
        block.update(triggered=False, rain=None, decision=_no_precipitation("en"))
        journal("warning", "flood_not_assessed", reason=block["decision"])
        return block
    start = np.datetime64(cycle_time.replace(tzinfo=None), "ns")
    site = _site_series(rate, lon, lat, forecast_nc.name)
    accumulations = rain_accumulations(site, rate["time"].values, start, hours)
    triggered, decision = heavy_rain_rule(accumulations, settings["heavy_rain_mm"])
    block.update(triggered=triggered, rain=accumulations, decision=decision)
    journal("info", "heavy_rain_rule", triggered=triggered, decision=decision)
    if not triggered:
        return block
    if _regular(rate):
        rain, kind = GriddedRain(rate, park=park, start=start, where="forecast precipitation"), "gridded"
    else:
        rain, kind = _UniformRain(site, rate["time"].values, start), "park_centre"
    block.update(_flood(park, rain, term(f"forecast.rain_field.{kind}", "en"), start, cycle, hours, folder, journal,
                        settings=settings, maps=maps), rain_field_kind=kind)
    block["digest"] = digest

    write_text_atomic(folder / "assets.json", json.dumps(block, ensure_ascii=False, indent=2, default=float) + "\n")
    return block


def _regular(rate) -> bool:
    return rate["latitude"].ndim == 1


def _site_series(rate, lon: float, lat: float, where: str) -> np.ndarray:
    """The rate at the park centre [m s-1]: bilinear on a regular grid, the nearest point on a 2-D one (as
    :func:`meteo.forecast.read_forecast_netcdf` reads every other quantity)."""
    if _regular(rate):
        site = rate.interp(latitude=lat, longitude=lon).values
    else:
        distance = (rate["longitude"].values - lon) ** 2 + (rate["latitude"].values - lat) ** 2
        row, col = np.unravel_index(int(np.argmin(distance)), distance.shape)
        site = rate.isel(y=row, x=col).values
    if not np.all(np.isfinite(site)):
        raise InputError.field(where, "precipitation site", (lon, lat), "the park centre inside the forecast grid")
    return np.asarray(site, dtype=np.float64)


class _UniformRain:
    """A projected (2-D lat/lon) forecast grid: the park-centre series applied to every flood cell — the flood
    domain (10 km) is about one NWP cell of a regional model; stated in the summary."""

    def __init__(self, site: np.ndarray, times: np.ndarray, start: np.datetime64):
        self.site = site
        self._t = (np.asarray(times, dtype="datetime64[ns]") - start) / np.timedelta64(1, "s")

    def __call__(self, t: float, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
        slot = int(np.searchsorted(self._t, t, side="right")) - 1
        if slot < 0 or t > self._t[-1] + (self._t[-1] - self._t[-2] if self._t.size > 1 else 0):
            raise InputError.field("forecast precipitation", "time", f"no rain for {t:.0f} s after the start",
                                   "rain covering the simulation")
        return np.full(gx.shape, self.site[slot])


def _finished_flood(folder: Path, digest: str, maps: bool) -> dict | None:
    try:
        block = json.loads((folder / "assets.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if block.get("digest") != digest or not (folder / "flood.nc").is_file():
        return None
    if maps and not (folder / "map.png").is_file():
        return None
    return block


def _flood(park, rain, rain_text: str, start: np.datetime64, cycle: str, hours: int, folder: Path, journal, *, settings: dict,
           maps: bool) -> dict:
    """Run the flood with ``rain(t, gx, gy)`` [m s-1] and the tide; write flood.nc and the map; return the flood fields of
    the block (assets ranked by first flooded time)."""

    folder.mkdir(parents=True, exist_ok=True)
    defaults = {k: v for k, v in FLOOD_GRID_DEFAULTS.items() if k not in ("grid_spacing", "grid_size")}
    check_flood_memory(tuple(settings["grid_size"]), settings["grid_spacing"], float(hours), settings["output_minutes"],
                       "parktwin forecast: --flood-grid-size/--flood-grid-spacing")
    grid, water = park_flood_grid(park, grid_spacing=settings["grid_spacing"], grid_size=tuple(settings["grid_size"]),
                                  **defaults)
    tide = TideSpec()
    constituents = [TideConstituent(*c) for c in tide.constituents]
    journal("info", "flood_started", cells=list(grid.shape), spacing_m=grid.dx, hours=hours)
    started = time.perf_counter()
    result, times, levels = run_park_flood(
        grid, water, hours=float(hours), output_minutes=settings["output_minutes"], rain_at=rain,
        sea_level_at=lambda t: float(astronomical_tide(t, constituents, tide.mean_level)))
    seconds = round(time.perf_counter() - started, 2)
    events = asset_events(park, grid, result, times, start, start)
    for event in events:  # no landfall here: the lead time counts from the cycle start
        lead = event.pop("lead_time_from_landfall_h", None)
        if lead is not None:
            event["hours_after_cycle_start"] = lead
    flooded = [{"rank": rank, **{k: e.get(k) for k in ("id", "name", "kind", "substance", "enterprise",
                                                         "first_flooded_utc", "first_flooded_local",
                                                         "hours_after_cycle_start",
                                                         "peak_water_above_floor_m", "hours_above_sill",
                                                         "hazard_class")}}
               for rank, e in enumerate((e for e in events if e["flooded"]), start=1)]
    # GHS H260/H261 contents: water at the door is already the emergency, below the sill too (asset_events).
    escalated = [{k: e.get(k) for k in ("id", "name", "substance", "water_at_unit_utc", "water_at_unit_local")}
                 for e in events if e.get("escalated")]
    journal("info", "flood_finished", seconds=seconds, steps=result.steps, flooded=[e["id"] for e in flooded],
            escalated=[e["id"] for e in escalated])
    out = {"start_utc": str(start.astype("datetime64[m]")) + "Z",
           "start_local": local_text(start, park.spec.utc_offset_hours), "hours": hours, "rain_field": rain_text,
           "grid": {"cells": list(grid.shape), "spacing_m": grid.dx}, "steps": result.steps,
           "sea_level": sentence("forecast.sea_level", "en", constituents=", ".join(c[0] for c in tide.constituents)),
           "peak_sea_level_m": round(max(levels.values()), 3) if levels else None,
           "rain_total_m3": round(float(result.budget[-1]["rain_m3"]), 1),
           "budget_relative_error": float(result.budget[-1]["relative_error"]),
           "flooded": flooded, "flooded_ids": [e["id"] for e in flooded], "water_reactive_wet": escalated,
           "assets": events,
           "files": {"netcdf": "flood/flood.nc", "assets": "flood/assets.json",
                     "map": "flood/map.png" if maps else None}}
    _write_netcdf(folder / "flood.nc", park, grid, result, times, start, cycle, settings)
    if maps:
        layer = depth_layer(grid, result, water)
        start_local = out["start_local"]
        view = map_view(park, layer, title=f"{park.spec.name} — forecast flood {cycle}",
                        notes=(f"{hours} h of forecast rain from {start_local}, cells {grid.dx:g} m; the sea and "
                               "permanent water are not shaded",))
        render_map(replace(view, assets=asset_layer(park, events, layer)), folder / "map.png")
    return out


def _write_netcdf(path: Path, park, grid, result, times, start, cycle: str, settings: dict) -> None:
    provenance = Provenance(scenario_config=json.dumps({"cycle": cycle, "flood": settings}, sort_keys=True),
                            command_line="parktwin forecast",
                            extra_attrs={"park_name": park.spec.name, "processing_level": FLOOD_PROCESSING_LEVEL})
    write_netcdf(flood_dataset(park, grid, result, times, start), path, provenance,
                 title=f"ParkTwin nightly forecast flood {cycle} ({park.spec.name})",
                 summary="Local inertial flood (Bates et al. 2010, de Almeida et al. 2012) of the park under the "
                         "forecast's gridded rain and the astronomical tide: depth snapshots, maxima, hazard rating "
                         "and arrival time.",
                 keywords=["flood", "heavy rain", "forecast", "local inertial", "chemical industrial park"])
