"""What a year run prepares once — park, weather, receptors, stacks, hourly source terms, background — and the
HJ 2.2-2018 statistics of a pollutant's fields; shared by the year run and the caps."""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import xarray as xr

from dispersion.aermod import building_array
from dispersion.building_profile import park_building_profiles
from dispersion.no2_chemistry import is_nox, olm_ozone
from dispersion.point_sources import no2_method, point_source_hours
from meteo.weather import to_utc_datetime64
from scenarios.common.grids import grid_axes
from scenarios.common.models import grid_receptors, park_stacks, plume_options
from scenarios.common.weather import load_weather
from scenarios.eia.spec import EiaScenario
from scenarios.eia.stats import (
    annual_mean,
    hj663_percentile,
    running_mean_max,
)
from twin.errors import InputError, MissingInputError
from twin.io import load_park
from twin.park import Park
from twin.standards import standards_for
from twin.textfiles import read_text

__all__ = ["EiaSetup", "prepare_eia", "read_background", "daily_background", "year_statistics", "source_count"]

log = logging.getLogger("parktwin")
_UG = 1e9  # kg m-3 → µg m-3 (reports)

_LOG = logging.getLogger("parktwin")


@dataclass
class EiaSetup:
    """Everything a year run needs, prepared once (also used by ``scenarios.eia.caps_run``)."""

    scenario: EiaScenario
    park: Park
    met: xr.Dataset
    pollutants: list[str]
    gx: np.ndarray
    gy: np.ndarray
    receptors: object  # dispersion.plume.ReceptorSet: the grid (row-major) then the sensitive receptors
    n_grid: int
    stacks: object  # dispersion.plume.StackSet: the stacks, then the volume sources (park.emission_sources())
    hours: object  # dispersion.plume.SourceHours
    options: object  # dispersion.plume.PlumeOptions (statistics only, daily means kept)
    factors: np.ndarray  # (H, S) schedule factors [-], S the stacks and volume sources
    day_index: np.ndarray  # (H,) 0-based local day of each hour
    background: dict[str, np.ndarray]  # pollutant → (H,) hourly background [kg m-3]
    building_profiles: object = None  # dispersion.building_profile.BuildingProfiles of the stacks; None: no buildings
    ozone_counts: dict | None = None  # OLM: the ozone hours missing, filled and raised (dispersion.no2_chemistry)


def read_background(spec, pollutants: list[str], times: np.ndarray, base_dir: Path, where: str, table=None) -> dict:
    """Hourly background per pollutant [kg m-3] on the weather's hours (UTC datetime64): from ``spec.hourly_csv``
    (one row per hour, every model hour present) or ``spec.constant`` [µg/m³]; 0 where none is given. With an hourly
    CSV every assessed pollutant needs its column, or a constant given for it explicitly (used, and logged): a
    missing column no longer falls back to 0 or to the constant without a word. ``table``: the CSV as
    :func:`hourly_background_table` read it (None: read here)."""
    out = {key: np.full(times.size, spec.constant.get(key, 0.0) * 1e-9) for key in pollutants}
    if spec.hourly_csv is None:
        return out
    path, rows, index = table or hourly_background_table(spec, times, base_dir, where)
    for key in pollutants:
        column = f"{key}_ug_m3"
        if column not in rows[0]:
            if key not in spec.constant:
                raise InputError.field(path.name, "header", list(rows[0]),
                                       f"a '{column}' column for the assessed pollutant {key!r} (or its value in "
                                       f"background.constant)")
            _LOG.warning("%s: no %s column: the constant background %g µg/m³ of background.constant is used for %s",
                         path.name, column, spec.constant[key], key)
            continue
        values = np.empty(len(rows))
        for line, row in enumerate(rows, start=2):
            try:
                values[line - 2] = float(row[column])
            except (TypeError, ValueError):
                raise InputError(f"{path.name} line {line}: {column} must be a number >= 0 (µg/m³), got "
                                 f"{row[column]!r}") from None
        if np.any(values < 0) or not np.all(np.isfinite(values)):
            raise InputError.field(path.name, column, float(np.nanmin(values)), "finite values >= 0 µg/m³")
        out[key] = values[index] * 1e-9
    return out


def hourly_background_table(spec, times: np.ndarray, base_dir: Path, where: str):
    """The background's hourly CSV (``spec.hourly_csv``, read once for the pollutants and OLM's ozone): (path, rows
    as dicts, the row of each weather hour), every weather hour present."""
    path = base_dir / spec.hourly_csv
    if not path.is_file():
        raise MissingInputError(f"{where}: background.hourly_csv {str(path)!r} does not exist")
    lines = io.StringIO(read_text(path, f"{where}: background.hourly_csv {path.name}"), newline="")
    try:
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    except csv.Error as error:
        raise InputError(f"{path.name}: not a readable CSV ({error})") from None
    if not rows or "time" not in rows[0]:
        raise InputError.field(f"{path.name}", "header", list(rows[0]) if rows else [], "a 'time' column")
    stamps = np.array([to_utc_datetime64(r["time"], where=path.name, field="time")[()] for r in rows])
    position = {t: i for i, t in enumerate(stamps.astype("datetime64[h]"))}
    wanted = times.astype("datetime64[h]")
    missing = [t for t in wanted if t not in position]
    if missing:
        raise InputError.field(path.name, "time", f"{len(missing)} model hours missing, first {missing[0]}Z",
                               "one row for every hour of the weather period")
    return path, rows, np.array([position[t] for t in wanted])


OZONE_COLUMNS = {"ozone_ug_m3": "ug_m3", "ozone_ppb": "ppb"}  # the background CSV's ozone column → its units


def read_ozone(spec, times: np.ndarray, base_dir: Path, where: str,
               table=None) -> tuple[np.ndarray, str, float | None]:
    """The hourly ozone of AERMOD's OLM from the background (scenario block ``background``): (values (H,) in the
    column's units, NaN where a cell is empty — a missing hour —, units "ug_m3" or "ppb", the fill [µg/m³]
    ``background.constant.ozone`` or None). Without an ozone column every hour takes the constant (AERMOD's
    OZONEVAL); with neither, an error says what OLM needs. ``table`` as :func:`read_background`'s."""
    fill = spec.constant.get("ozone")
    columns = []
    if spec.hourly_csv is not None:
        path, rows, index = table or hourly_background_table(spec, times, base_dir, where)
        columns = [c for c in OZONE_COLUMNS if c in rows[0]]
    if not columns:
        if fill is None:
            raise InputError.field(f"{where}: background", "ozone", None,
                                   "AERMOD's OLM needs the hours' ozone: an ozone_ug_m3 or ozone_ppb column in "
                                   "background.hourly_csv, or background.constant.ozone [µg/m³]")
        return np.full(times.size, np.nan), "ug_m3", float(fill)
    if len(columns) > 1:
        raise InputError.field(path.name, "header", columns, "one ozone column: ozone_ug_m3 or ozone_ppb")
    column = columns[0]
    values = np.full(len(rows), np.nan)
    for line, row in enumerate(rows, start=2):
        cell = (row[column] or "").strip()
        if cell:
            try:
                values[line - 2] = float(cell)
            except ValueError:
                raise InputError(f"{path.name} line {line}: {column} must be a number (µg/m³ or ppb as named) or "
                                 f"empty for a missing hour, got {row[column]!r}") from None
    return values[index], OZONE_COLUMNS[column], None if fill is None else float(fill)


def source_count(park: Park) -> str:
    """"117 stacks", or "117 stacks, 6 volume sources and 2 area sources": the park's routine emission sources in
    words."""
    parts = [f"{len(park.stacks)} stacks"] + [f"{len(items)} {what}" for what, items in (
        ("volume sources", park.volume_sources), ("area sources", park.area_sources)) if items]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _eia_pollutants(scenario: EiaScenario, park: Park, where: str) -> list[str]:
    emitted = park.pollutants(include_fugitive=True)
    with_limits = []
    for key in emitted:
        try:
            standards_for(key)
            with_limits.append(key)
        except InputError:
            continue
    chosen = scenario.pollutants or with_limits
    for key in chosen:
        if key not in emitted:
            raise InputError.field(where, "pollutants", key, f"a substance the park's sources emit ({', '.join(emitted)})")
        standards_for(key)  # raises, naming the pollutants that have limits
    if not chosen:
        raise InputError.field(where, "pollutants", [], "at least one emitted substance with a GB 3095 limit")
    return chosen


def prepare_eia(scenario: EiaScenario, *, base_dir: Path, where: str = "scenario") -> EiaSetup:
    """Load the park and weather, build receptors, stacks, schedules, background and the hoisted kernel inputs."""
    park = load_park(base_dir / scenario.park)
    pollutants = _eia_pollutants(scenario, park, where)
    for key in scenario.background.constant:
        if key == "ozone" and scenario.model.no2_conversion == "olm":  # OLM's ozone, not an assessed pollutant
            continue
        if key not in park.pollutants(include_fugitive=True):
            raise InputError.field(f"{where}: background.constant", "pollutant", key,
                                   f"a substance the park's sources emit ({', '.join(park.pollutants(True))})")
    met = load_weather(scenario.weather, base_dir, park, where, hour_rules=scenario.model.hour_rules)
    gx, gy = grid_axes(scenario.grid, park)
    receptors = grid_receptors(park, gx, gy, scenario.grid.receptor_height,
                               hill_heights=scenario.model.terrain == "elevated")
    fugitive = [*park.volume_sources, *park.area_sources]
    if fugitive and scenario.model.dispersion != "aermod":
        raise InputError.field(where, "model.dispersion", scenario.model.dispersion,
                               f"aermod: the park has {len(park.volume_sources)} volume sources and "
                               f"{len(park.area_sources)} area sources (fugitive emissions, e.g. {fugitive[0].id!r}), "
                               "which only the AERMOD mode models — the screening plume would leave them out of the "
                               "totals")
    stacks = park_stacks(park, include_fugitive=True)  # the stacks, then the volume and area sources
    profiles = park_building_profiles(park, stacks) if park.buildings else None
    if scenario.model.dispersion == "aermod" and scenario.model.building_downwash and profiles is not None:
        stacks = replace(stacks, buildings=building_array(profiles, len(stacks.ids)))
    options = plume_options(scenario.model, park, gx, gy, store_hourly=False, store_daily=True)
    hours = point_source_hours(stacks, met, options)
    times = met["time"].values.astype("datetime64[ns]")
    ozone_counts = None
    background = scenario.background
    table = None if background.hourly_csv is None else hourly_background_table(background, times, base_dir, where)
    if options.no2_conversion == "olm" and any(is_nox(key) for key in pollutants):
        raw, units, fill = read_ozone(background, times, base_dir, where, table)
        ozone, missing, ozone_counts = olm_ozone(raw, hours.aermod.obukhov_length, units=units, fill_ug_m3=fill)
        hours = replace(hours, ozone=ozone, ozone_missing=missing)
        no2_method(stacks, hours, options)  # every source has its in-stack ratio, or the error names those without
    return EiaSetup(
        scenario=scenario, park=park, met=met, pollutants=pollutants, gx=gx, gy=gy, receptors=receptors,
        n_grid=gx.size * gy.size, stacks=stacks, hours=hours, options=options,
        factors=park.schedule_factors(times, include_fugitive=True), day_index=hours.day - hours.day[0],
        background=read_background(background, pollutants, times, base_dir, where, table),
        building_profiles=profiles, ozone_counts=ozone_counts)


def daily_background(setup: EiaSetup, key: str) -> np.ndarray:
    """(D,) daily means of the hourly background [kg m-3], on the kernel's local days."""
    n_days = int(setup.day_index[-1]) + 1
    sums = np.bincount(setup.day_index, weights=setup.background[key], minlength=n_days)
    counts = np.bincount(setup.day_index, minlength=n_days)
    return sums / np.maximum(counts, 1)


def year_statistics(setup: EiaSetup, key: str, fields: dict, hourly_sensitive: np.ndarray) -> dict:
    """Contribution and total statistics of ``key`` at every receptor: {averaging: {contribution, total, ...}}."""
    daily = fields[f"{key}_daily"][1]  # (D, R), NaN on days with < 20 hours
    background = setup.background[key]
    bg_daily = daily_background(setup, key)[:, None]
    out: dict[str, dict] = {}
    n_grid = setup.n_grid
    for standard in standards_for(key):
        limit = standard.limit(setup.scenario.grade)
        entry: dict = {"standard": standard, "limit": limit}
        if standard.averaging == "1h":
            contribution = fields[f"{key}_max_1h"][1]
            total = contribution + background.max()  # grid: a bound unless the background is constant
            total[n_grid:] = running_mean_max(hourly_sensitive + background[:, None], 1)
            entry.update(statistic="max_1h", contribution=contribution, total=total, exact_from=n_grid)
        elif standard.averaging == "8h":
            contribution = np.full(daily.shape[1], np.nan)
            total = np.full(daily.shape[1], np.nan)
            contribution[n_grid:] = running_mean_max(hourly_sensitive, 8)
            total[n_grid:] = running_mean_max(hourly_sensitive + background[:, None], 8)
            entry.update(statistic="max_8h", contribution=contribution, total=total, exact_from=n_grid)
        elif standard.averaging == "24h":
            p = standard.percentile or 100.0
            entry.update(statistic=f"p{p:g}_24h", percentile=p, contribution=hj663_percentile(daily, p),
                         total=hj663_percentile(daily + bg_daily, p), exact_from=0,
                         max_daily=np.nanmax(daily, axis=0) if np.isfinite(daily).any() else daily[0])
        elif setup.options.hour_rules == "aermod":  # AERMOD's period mean: the sum over the valid hours
            contribution = fields[f"{key}_period_mean"][1]
            days = int(setup.day_index[-1]) + 1
            entry.update(statistic="period_mean", contribution=contribution,
                         total=contribution + bg_daily.mean(), exact_from=0, valid_days=days)
        else:
            contribution, n_valid = annual_mean(daily)
            valid = ~np.all(np.isnan(daily), axis=1)
            entry.update(statistic="annual_mean", contribution=contribution,
                         total=contribution + (bg_daily[valid].mean() if n_valid else np.nan), exact_from=0,
                         valid_days=n_valid)
        out[standard.averaging] = entry
    return out
