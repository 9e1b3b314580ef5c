"""One forecast cycle's folder: its settings, its work folder, the marker of a finished cycle and publishing.

The cycle is named by the forecast's reference time (:func:`park_and_cycle`). Work happens in
``OUT/.YYYYMMDDHH.work/`` (:func:`prepare_work`: resumed when the forecast file and the settings are the same,
started afresh otherwise); ``run.json`` is written last (:func:`mark_finished`) and a finished cycle with the same
forecast SHA-256 and settings is recognised by it (:func:`cycle_finished`); the work folder is renamed to
``OUT/YYYYMMDDHH`` only once complete (:func:`publish_cycle`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import xarray as xr

from meteo.forecast import read_forecast_netcdf
from scenarios.common.batch import JsonLinesLog, sha256_file
from scenarios.forecast.rules import FORECAST_PERTURBATIONS, RELEASE_RULE
from twin.atomic import write_text_atomic
from twin.errors import InputError, OutputError
from twin.io import load_park

__all__ = ["ForecastResult", "check_batch_arguments", "make_out_root", "batch_settings", "park_and_cycle",
           "prepare_work", "mark_finished", "published_result", "cycle_finished", "publish_cycle"]

@dataclass
class ForecastResult:
    cycle: str
    folder: Path
    skipped: bool
    computed_members: int = 0
    summary: dict = field(default_factory=dict)


def check_batch_arguments(members, hours, cycle, language: str = "zh") -> None:
    """InputError for a horizon outside 24..72 h, a member count outside 1..1000, a cycle not YYYYMMDDHH or a brief
    language other than zh or en."""
    if not 24 <= int(hours) <= 72:
        raise InputError.field("forecast", "hours", hours, "between 24 and 72 h")
    if not 1 <= int(members) <= 1000:
        raise InputError.field("forecast", "members", members, "between 1 and 1000")
    if cycle is not None and not (len(cycle) == 10 and cycle.isdigit()):
        raise InputError.field("forecast", "cycle", cycle, "YYYYMMDDHH (UTC), e.g. 2026071500")
    if language not in ("zh", "en"):
        raise InputError.field("forecast", "language", language, "zh or en (the language of the morning brief)")


def make_out_root(out_root: Path) -> None:
    """Create the root of the dated cycle folders; an OutputError when it cannot be written."""
    try:
        out_root.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"output folder {str(out_root)!r} must be writable, got {error.strerror or error}") from error


def batch_settings(park_yaml: Path, *, members, hours, simulation_hours, grid_size, grid_spacing, seed, maps,
                    flood: dict, language: str = "zh") -> dict:
    """The settings a finished cycle is recognised by (their SHA-256 is in run.json), recorded in run.json."""
    return {"members": int(members), "hours": int(hours), "simulation_hours": float(simulation_hours),
            "grid_size": float(grid_size), "grid_spacing": float(grid_spacing), "seed": int(seed),
            "perturbations": FORECAST_PERTURBATIONS, "park_sha256": sha256_file(park_yaml)
            if park_yaml.is_file() else None, "rule": RELEASE_RULE, "maps": bool(maps),
            "flood": flood, "language": language}


def park_and_cycle(park_yaml: Path, forecast_nc: Path, cycle: str | None):
    """(park, the forecast's cycle time [UTC]); an InputError when the cycle asked for is another."""
    park = load_park(park_yaml)

    lon, lat = park.centre_lonlat()
    weather = read_forecast_netcdf(forecast_nc, longitude=lon, latitude=lat)
    cycle_time = _forecast_cycle(forecast_nc, weather)
    name = cycle_time.strftime("%Y%m%d%H")
    if cycle is not None and cycle != name:
        raise InputError.field(forecast_nc.name, "forecast_reference_time", name,
                               f"the cycle asked for on the command line ({cycle})")
    return park, cycle_time


def _forecast_cycle(path: Path, weather) -> datetime:
    """The forecast's reference time (UTC): ``forecast_reference_time`` variable or attribute, else the first step."""
    with xr.open_dataset(path, engine="netcdf4") as ds:
        if "forecast_reference_time" in ds.variables:
            value = np.asarray(ds["forecast_reference_time"].values).ravel()[0]
        elif "forecast_reference_time" in ds.attrs:
            try:
                value = np.datetime64(datetime.fromisoformat(str(ds.attrs["forecast_reference_time"]))
                                      .astimezone(timezone.utc).replace(tzinfo=None), "s")
            except ValueError as error:
                raise InputError.field(path.name, "forecast_reference_time", ds.attrs["forecast_reference_time"],
                                       "an ISO 8601 time with a UTC offset") from error
        else:
            value = weather["time"].values[0]
    seconds = int(np.datetime64(value, "s").astype(np.int64))
    return datetime.fromtimestamp(seconds - seconds % 3600, tz=timezone.utc)


def prepare_work(work: Path, journal: JsonLinesLog, name: str, forecast_sha: str, settings_sha: str,
                  force: bool) -> None:
    """The work folder of the cycle: started afresh when forced or left by another forecast file or other settings,
    else resumed; the journal goes to its log.jsonl from here on."""
    if force and work.exists():
        shutil.rmtree(work)
    if work.exists() and not _same_settings(work, forecast_sha, settings_sha):
        shutil.rmtree(work)  # a half-done cycle of another forecast file or other settings: start afresh
    work.mkdir(parents=True, exist_ok=True)
    (work / "settings.json").write_text(json.dumps({"forecast_sha256": forecast_sha,
                                                    "settings_sha256": settings_sha}), encoding="utf-8")
    journal.attach(work / "log.jsonl")
    journal("info", "cycle_started", cycle=name, forecast_sha256=forecast_sha, work=str(work),
            force=force, resumed=any(work.glob("*/members/*.npz")))


def mark_finished(work: Path, journal: JsonLinesLog, name: str, forecast_nc: Path, forecast_sha: str,
                   settings_sha: str, settings: dict, started: float, computed: int, command_line: str, *,
                   dem_note: str | None = None) -> None:
    """Journal the finished cycle and write run.json, last: it marks the cycle finished. ``dem_note``: what was done
    to the park's DEM to use it (reprojected, voids filled; ``twin.dem_regrid``), or None."""
    elapsed = time.perf_counter() - started
    journal("info", "cycle_finished", cycle=name, seconds=round(elapsed, 2), computed_members=computed)

    outputs = sorted(str(p.relative_to(work)) for p in work.rglob("*")
                     if p.is_file() and "members" not in p.parts and p.name != "settings.json")
    write_text_atomic(work / "run.json", json.dumps({  # written last: marks a finished cycle
        "cycle": name, "forecast_file": str(forecast_nc.resolve()), "forecast_sha256": forecast_sha,
        "settings_sha256": settings_sha, "settings": settings, "seconds": round(elapsed, 2),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command_line": command_line, "dem_note": dem_note or None, "outputs": outputs}, indent=2,
        ensure_ascii=False) + "\n")


def published_result(name: str, final: Path, *, skipped: bool, computed_members: int = 0) -> ForecastResult:
    """The ForecastResult of the published cycle folder ``final`` (its summary.json)."""
    return ForecastResult(cycle=name, folder=final, skipped=skipped, computed_members=computed_members,
                          summary=json.loads((final / "summary.json").read_text(encoding="utf-8")))


def cycle_finished(folder: Path, forecast_sha: str, settings_sha: str) -> bool:
    try:
        marker = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("forecast_sha256") == forecast_sha and marker.get("settings_sha256") == settings_sha


def _same_settings(work: Path, forecast_sha: str, settings_sha: str) -> bool:
    try:
        recorded = json.loads((work / "settings.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return recorded == {"forecast_sha256": forecast_sha, "settings_sha256": settings_sha}


def publish_cycle(work: Path, final: Path) -> None:
    """Rename the finished work folder to its dated name; an older finished folder is moved aside, then deleted."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old.{os.getpid()}")
        os.replace(final, old)
    os.replace(work, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
