"""The outputs of a plume run: CF NetCDF (grid and sensitive receptors), maps, 3D scene, text and JSON summary."""

from __future__ import annotations

import json
import math
import unicodedata
from pathlib import Path

import numpy as np
import xarray as xr

from scenarios.common.cf import hourly_time_bounds, park_substance
from scenarios.common.times import local_text
from scenarios.common.views import map_view
from scenarios.plume.spec import PlumeScenario
from dispersion.plume import ReceptorSet
from twin.errors import InputError
from twin.park import Park
from twin.schema import grid_dataset, receptor_dataset
from twin.standards import screening_hourly_limit
from twin.store import Provenance, write_netcdf, write_text_atomic
from viz import FieldLayer, render_map, render_scene
from viz.gltf import export_scene_gltf

__all__ = ["write_outputs", "write_pictures_and_summary", "monitor_receptors", "write_monitor_series"]

STATISTICS = ("max_1h", "max_24h", "period_mean")
_UG = 1e9  # kg m-3 -> µg m-3, the unit of GB 3095-2012 and HJ 2.2-2018 tables (reports only; files convert in schema)
_COMPASS = ["N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW"]


def write_outputs(scenario: PlumeScenario, park: Park, met: xr.Dataset, result: xr.Dataset, gx: np.ndarray,
                  gy: np.ndarray, pollutants: list[str], out_dir: Path, config_json: str,
                  command_line) -> dict[str, Path]:
    """plume.nc (grid, dims realization, time, z, y, x) and receptors.nc (CF timeSeries at sensitive receptors)."""
    n_grid = gx.size * gy.size
    n_hours = met.sizes["time"]
    shape = (gy.size, gx.size)
    substances = [park_substance(park, key) for key in pollutants]
    fields, statistics, station_fields, station_statistics = {}, {}, {}, {}
    for key in pollutants:
        hourly = result[key].values if (key in result and scenario.output.hourly_fields) else None
        fields[key] = None if hourly is None else hourly[:, :n_grid].reshape(n_hours, *shape)[None, :, None]
        statistics[key] = {stat: result[f"{key}_{stat}"].values[:n_grid].reshape(shape)[None, None]
                           for stat in STATISTICS}
        station_fields[key] = result[key].values[:, n_grid:].T if key in result else None
        station_statistics[key] = {stat: result[f"{key}_{stat}"].values[n_grid:] for stat in STATISTICS}
    time = met["time"].values.astype("datetime64[ns]")
    bounds = hourly_time_bounds(met)
    provenance = Provenance(scenario_config=config_json, command_line=command_line,
                            extra_attrs={"scenario_id": scenario.name, "park_name": park.spec.name,
                                         "sigma_model": str(result.attrs.get("sigma_model")),
                                         "stability_method": scenario.weather.stability_method})
    common = dict(title=f"ParkTwin steady plume: {scenario.name} ({park.spec.name})",
                  keywords=["air quality", "dispersion", "Gaussian plume", "chemical industrial park"])
    grid = grid_dataset(x=gx, y=gy, z=np.array([scenario.grid.receptor_height]), time=time,
                        crs_epsg=park.spec.epsg, lon=None, lat=None, fields=fields, statistics=statistics,
                        substances=substances, time_bounds=bounds, attrs={})
    plume_path = write_netcdf(
        grid, out_dir / "plume.nc", provenance,
        summary=(f"Hourly ground-level concentrations and statistics (maximum 1-h, maximum daily mean, period mean) "
                 f"of {', '.join(pollutants)} from {len(park.stacks)} stacks, steady Gaussian plume "
                 f"({result.attrs.get('sigma_model')} dispersion coefficients, Briggs plume rise, ISC3 terrain and "
                 f"mixing-lid treatment), {n_hours} hours."),
        **common)
    sensitive = park.receptor_points()
    stations = receptor_dataset(
        station_id=sensitive.ids, station_name=sensitive.names, kind=sensitive.kinds,
        population=np.asarray(sensitive.population, dtype=np.int64), x=sensitive.x, y=sensitive.y,
        height=np.full(len(sensitive.ids), scenario.grid.receptor_height), time=time, crs_epsg=park.spec.epsg,
        fields=station_fields, statistics=station_statistics, substances=substances, time_bounds=bounds, attrs={})
    receptor_path = write_netcdf(
        stations, out_dir / "receptors.nc", provenance,
        summary=f"Hourly concentrations and statistics at the {len(sensitive.ids)} sensitive receptors of "
                f"{park.spec.name} (residential areas, schools, hospitals, water-source zones, fence line).",
        **common)
    return {"netcdf": plume_path, "receptors_netcdf": receptor_path}


def monitor_receptors(park: Park, default_height: float) -> ReceptorSet:
    """The park's monitors as receptors: their positions, their inlet heights (``default_height`` [m] where
    park.yaml does not state one) and the terrain's ground elevation [m]."""
    x = np.array([m.x for m in park.monitors], dtype=np.float64)
    y = np.array([m.y for m in park.monitors], dtype=np.float64)
    height = np.array([default_height if m.height is None else m.height for m in park.monitors], dtype=np.float64)
    return ReceptorSet(x=x, y=y, height=height,
                       ground_elevation=np.asarray(park.terrain.elevation_at(x, y), dtype=np.float64))


def write_monitor_series(scenario: PlumeScenario, park: Park, met: xr.Dataset, result: xr.Dataset,
                         pollutants: list[str], out_dir: Path, config_json: str, command_line) -> Path:
    """monitors.nc: hourly concentrations and statistics at the park's monitors (CF timeSeries, ``station_id`` =
    the monitor ids), the predicted series ``parktwin evaluate --predicted`` pairs with the observations."""
    monitors = park.monitors
    receptors = monitor_receptors(park, scenario.grid.receptor_height)
    stations = receptor_dataset(
        station_id=[m.id for m in monitors], station_name=[m.name for m in monitors],
        kind=["monitor"] * len(monitors), population=np.zeros(len(monitors), dtype=np.int64),
        x=receptors.x, y=receptors.y, height=receptors.height, time=met["time"].values.astype("datetime64[ns]"),
        crs_epsg=park.spec.epsg, fields={key: result[key].values.T for key in pollutants},
        statistics={key: {stat: result[f"{key}_{stat}"].values for stat in STATISTICS} for key in pollutants},
        substances=[park_substance(park, key) for key in pollutants], time_bounds=hourly_time_bounds(met), attrs={})
    provenance = Provenance(scenario_config=config_json, command_line=command_line,
                            extra_attrs={"scenario_id": scenario.name, "park_name": park.spec.name,
                                         "sigma_model": str(result.attrs.get("sigma_model")),
                                         "stability_method": scenario.weather.stability_method})
    return write_netcdf(
        stations, out_dir / "monitors.nc", provenance,
        title=f"ParkTwin steady plume at the monitors: {scenario.name} ({park.spec.name})",
        keywords=["air quality", "dispersion", "Gaussian plume", "model evaluation", "monitoring stations"],
        summary=f"Hourly concentrations and statistics at the {len(monitors)} monitoring stations of "
                f"{park.spec.name}, at each station's inlet height, for comparison with its observations.")


def _pad(text: str, width: int) -> str:
    """Left-justify to a terminal width, counting East-Asian wide characters (Chinese names) as two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 1)


def _where(park: Park, x: float, y: float) -> str:
    cx, cy = park.centre()
    distance = math.hypot(x - cx, y - cy)
    bearing = math.degrees(math.atan2(x - cx, y - cy)) % 360.0
    lon, lat = park.to_lonlat(x, y)
    return (f"x={x:.0f} m, y={y:.0f} m ({lon:.4f}°E, {lat:.4f}°N), {distance / 1000:.2f} km "
            f"{_COMPASS[int((bearing + 11.25) // 22.5) % 16]} of the park centre")


def summarise(scenario: PlumeScenario, park: Park, met: xr.Dataset, result: xr.Dataset, gx: np.ndarray,
              gy: np.ndarray, pollutants: list[str]) -> tuple[str, dict]:
    """Highest concentrations per pollutant and where/when, and the values at each sensitive receptor."""
    n_grid = gx.size * gy.size
    mesh_x, mesh_y = np.meshgrid(gx, gy)
    flat_x, flat_y = mesh_x.ravel(), mesh_y.ravel()
    offset = park.spec.utc_offset_hours
    times = met["time"].values
    sensitive = park.receptor_points()
    calm = int(np.asarray(met["calm_flag"].values).sum()) if "calm_flag" in met else 0
    lines = [
        f"ParkTwin steady plume — {scenario.name} — {park.spec.name}",
        f"Period: {local_text(times[0], offset)} to {local_text(times[-1] + np.timedelta64(1, 'h'), offset)} "
        f"({times.size} h); stability {scenario.weather.stability_method}; sigma {result.attrs.get('sigma_model')}; "
        f"terrain {result.attrs.get('terrain')}",
        f"Grid: {gx.size} x {gy.size} receptors at {scenario.grid.spacing:g} m "
        f"(x {gx[0]:.0f}..{gx[-1]:.0f}, y {gy[0]:.0f}..{gy[-1]:.0f}, EPSG:{park.spec.epsg}); "
        f"{len(sensitive.ids)} sensitive receptors; {len(park.stacks)} stacks",
        f"Calm hours (wind < 1 m/s, modelled at 1 m/s): {calm} of {times.size}",
        "",
    ]
    data: dict = {"scenario": scenario.name, "park": park.spec.name, "hours": int(times.size), "pollutants": {}}
    for key in pollutants:
        chem = park.chemicals[key]
        entry: dict = {}
        lines.append(f"{chem.name_en} ({chem.name_zh}), µg/m³:")
        grid_max1h = result[f"{key}_max_1h"].values[:n_grid]
        k = int(np.argmax(grid_max1h))
        when = ""
        if key in result:
            t = int(np.argmax(result[key].values[:, k]))
            when = f" at {local_text(times[t], offset)}"
        lines.append(f"  highest 1-h mean   {grid_max1h[k] * _UG:12.2f} at {_where(park, flat_x[k], flat_y[k])}{when}")
        entry["max_1h"] = {"value_ug_m3": float(grid_max1h[k] * _UG), "x": float(flat_x[k]), "y": float(flat_y[k])}
        for stat, label in (("max_24h", "highest daily mean"), ("period_mean", "highest period mean")):
            values = result[f"{key}_{stat}"].values[:n_grid]
            if np.all(np.isnan(values)):
                lines.append(f"  {label:18s} n/a (no day with 20 valid hours, GB 3095-2012 Table 4)")
                continue
            k = int(np.nanargmax(values))
            lines.append(f"  {label:18s} {values[k] * _UG:12.2f} at {_where(park, flat_x[k], flat_y[k])}")
            entry[stat] = {"value_ug_m3": float(values[k] * _UG), "x": float(flat_x[k]), "y": float(flat_y[k])}
        station_max = result[f"{key}_max_1h"].values[n_grid:]
        order = np.argsort(station_max)[::-1]
        lines.append("  sensitive receptors (highest 1-h mean):")
        entry["receptors"] = {}
        for i in order:
            lines.append(f"    {_pad(sensitive.names[i], 26)}{sensitive.kinds[i]:<13s} {station_max[i] * _UG:12.3f}")
            entry["receptors"][sensitive.ids[i]] = float(station_max[i] * _UG)
        lines.append("")
        data["pollutants"][key] = entry
    return "\n".join(lines), data


def write_pictures_and_summary(scenario: PlumeScenario, park: Park, met: xr.Dataset, result: xr.Dataset,
                               gx: np.ndarray, gy: np.ndarray, pollutants: list[str],
                               out_dir: Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    text, data = summarise(scenario, park, met, result, gx, gy, pollutants)
    paths["summary"] = write_text_atomic(out_dir / "summary.txt", text + "\n")
    paths["summary_json"] = write_text_atomic(out_dir / "summary.json",
                                              json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    if not scenario.output.maps:
        return paths

    n_grid = gx.size * gy.size
    for index, key in enumerate(pollutants):
        chem = park.chemicals[key]
        values = result[f"{key}_max_1h"].values[:n_grid].reshape(gy.size, gx.size) * _UG
        limit, label = _hourly_limit(key)
        layer = FieldLayer(x=gx, y=gy, values=values, units="µg/m³",
                           title=f"{chem.name_zh} {chem.name_en}: 最大小时浓度 maximum 1-h mean",
                           limit=limit, limit_label=label)
        view = map_view(park, layer, title=f"{park.spec.name} — {scenario.name}",
                        notes=(f"{met.sizes['time']} h, sigma: {result.attrs.get('sigma_model')}",))
        paths[f"map_{key}"] = render_map(view, out_dir / f"map_{key}.png") or out_dir / f"map_{key}.png"
        if index == 0:
            paths["scene"] = render_scene(view, out_dir / "scene.png") or out_dir / "scene.png"
            paths["scene_gltf"] = export_scene_gltf(view, out_dir / "scene.glb")
    return paths


def _hourly_limit(key: str) -> tuple[float | None, str]:
    """The 1-h map's reference isopleth: C0 of HJ 2.2-2018's screening (the GB 3095-2012 grade II 1-h limit, or its
    8-h/24-h/annual substitute) [µg/m³] and its legend text; (None, "") for a substance without a limit."""
    try:
        c0, how = screening_hourly_limit(key, 2)
    except InputError:
        return None, ""
    return c0 * _UG, f"C0 = {c0 * _UG:g} µg/m³ ({how}, GB 3095-2012 grade II)"
