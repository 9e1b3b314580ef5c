"""Run a steady-plume scenario end to end: park → weather → receptors → kernel → NetCDF, maps, summary.

Every output goes through an atomic write (``twin.store``), so an interrupted run leaves either finished files or
none. The scenario's canonical JSON and its SHA-256 travel into the NetCDF provenance.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timezone
from pathlib import Path

import numpy as np

from scenarios.spec import PlumeScenario, canonical_json, load_scenario
from scenarios.progress import Stages
from twin.errors import InputError, OutputError
from twin.park import Park

__all__ = ["RunResult", "run_scenario_file", "run_plume_scenario", "grid_axes", "true_north_grid_bearing"]

log = logging.getLogger("parktwin")


@dataclass
class RunResult:
    out_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)
    summary_text: str = ""


def _slug(name: str) -> str:
    return re.sub(r"[^\w.-]+", "-", name, flags=re.UNICODE).strip("-") or "scenario"


def run_scenario_file(path: str | Path, out_dir: str | Path | None = None,
                      command_line: list[str] | str | None = None) -> RunResult:
    """Validate and run the scenario file at ``path``; outputs go to ``out_dir`` (default results/<name>)."""
    path = Path(path)
    scenario = load_scenario(path)
    out = Path(out_dir) if out_dir is not None else path.parent / "results" / _slug(scenario.name)
    if command_line is None:
        command_line = f"parktwin run {path}" + (f" --out {out_dir}" if out_dir is not None else "")
    if scenario.kind == "leak":
        from scenarios.leak import run_leak_scenario, summary_text

        view = run_leak_scenario(scenario, base_dir=path.parent, out_dir=out, command_line=command_line,
                                 where=path.name)
        return RunResult(out_dir=out, paths={"plan": out / "plan.html", "zones": out / "zones.geojson",
                                             "netcdf": out / "leak.nc", "impacts": out / "impacts.json"},
                         summary_text=summary_text(view))
    if scenario.kind == "typhoon":
        from scenarios.typhoon import run_typhoon_scenario

        summary = run_typhoon_scenario(scenario, base_dir=path.parent, out_dir=out, command_line=command_line,
                                       where=path.name)
        lines = [f"Typhoon {scenario.name}: landfall {summary['landfall_utc']}, peak sea level "
                 f"{summary['peak_sea_level_m']} m, flooded: {', '.join(summary['flooded']) or 'none'}"]
        for event in summary["assets"][:5]:
            lines.append(f"  {event['id']} {event['name']}: "
                         + (f"floods at {event['first_flooded_utc']}, {event['peak_water_above_floor_m']:.2f} m above "
                            f"the floor" if event["flooded"] else
                            ("no water around it" if event["margin_to_flooding_m"] is None else
                             f"stays dry ({event['margin_to_flooding_m']:.2f} m below its sill)")))
        paths = {"netcdf": out / "flood.nc", "report": out / "report.html", "assets": out / "assets.json"}
        leak = summary.get("triggered_leak")
        if leak and leak["triggered"]:
            lines.append(f"  secondary release from {leak['risk_source']} at {leak['start_utc']}: response level "
                         f"{leak['response_level']}, endpoint-2 reaches {', '.join(leak['receptors_reached']) or 'no receptor'}"
                         f" (plan: {out / leak['folder'] / 'plan.html'})")
            paths["leak_plan"] = out / leak["folder"] / "plan.html"
        elif leak:
            lines.append(f"  {leak['risk_source']} stays dry: no secondary release")
        return RunResult(out_dir=out, paths=paths, summary_text="\n".join(lines))
    if scenario.kind == "eia":
        from scenarios.eia import run_eia_scenario, text_summary

        text = text_summary(run_eia_scenario(scenario, base_dir=path.parent, out_dir=out,
                                             command_line=command_line, where=path.name))
        paths = {"netcdf": out / "eia.nc", "summary": out / "eia_summary.html", "transfer": out / "transfer.nc"}
        if scenario.caps is not None:
            from scenarios.caps_run import run_caps
            from scenarios.caps_run import text_summary as caps_text

            caps_out = out / "caps"
            text += "\n" + caps_text(run_caps(scenario, base_dir=path.parent, out_dir=caps_out,
                                               command_line=command_line, where=path.name))
            paths["caps"] = caps_out / "caps.html"
        return RunResult(out_dir=out, paths=paths, summary_text=text)
    return run_plume_scenario(scenario, base_dir=path.parent, out_dir=out, command_line=command_line,
                              where=path.name)


def grid_axes(scenario: PlumeScenario, park: Park) -> tuple[np.ndarray, np.ndarray]:
    """Easting and northing [m] of the receptor grid's columns and rows (centred on the stacks by default)."""
    if scenario.grid.centre is not None:
        cx, cy = scenario.grid.centre
    else:
        stacks = park.stack_arrays()
        if stacks["x"].size == 0:
            raise InputError.field(f"park {park.spec.name!r}", "stacks", [], "at least one stack for a plume run")
        cx, cy = float(stacks["x"].mean()), float(stacks["y"].mean())
    spacing = scenario.grid.spacing
    nx = int(scenario.grid.size[0] // spacing) + 1
    ny = int(scenario.grid.size[1] // spacing) + 1
    # Round the origin to the spacing so that grids of the same park line up run after run.
    x0 = np.round((cx - (nx - 1) * spacing / 2) / spacing) * spacing
    y0 = np.round((cy - (ny - 1) * spacing / 2) / spacing) * spacing
    return x0 + spacing * np.arange(nx), y0 + spacing * np.arange(ny)


def true_north_grid_bearing(park: Park, x: float, y: float) -> float:
    """Grid bearing of true north at (x, y) [degree clockwise from grid north] (minus the meridian convergence).

    Computed from the CRS itself: the grid vector from (x, y) to a point 0.01° of latitude further north.
    """
    lon, lat = park.to_lonlat(x, y)
    nx_, ny_ = park.from_lonlat(lon, lat + 0.01)
    return float(np.degrees(np.arctan2(nx_ - x, ny_ - y)))


def _load_weather(scenario: PlumeScenario, base_dir: Path, park: Park, where: str):
    from meteo import prepare_dispersion_met, read_station_csv, select_period, synthetic_weather

    spec = scenario.weather
    lon, lat = park.centre_lonlat()
    if spec.source == "synthetic":
        weather = synthetic_weather(spec.start, spec.hours, latitude=lat, longitude=lon, seed=spec.seed,
                                    utc_offset_hours=park.spec.utc_offset_hours)
    elif spec.source == "typhoon":
        from scenarios.typhoon import _Storm

        storm = _Storm(park, None, base_dir, track=spec.typhoon_track, start=spec.start, hours=spec.hours)
        times = storm.start + np.arange(spec.hours).astype("timedelta64[h]").astype("timedelta64[ns]")
        weather = storm.point_weather(times, *park.centre())
    elif spec.source == "forecast_netcdf":
        from meteo.forecast import read_forecast_netcdf

        weather = read_forecast_netcdf(base_dir / spec.path, longitude=lon, latitude=lat)
    elif spec.source == "aermet":
        from meteo import read_aermet

        pfl = base_dir / spec.pfl_path if spec.pfl_path else None
        weather = read_aermet(base_dir / spec.path, pfl, utc_offset_hours=park.spec.utc_offset_hours,
                              fill_missing=spec.aermet_fill_missing)
    else:
        weather = read_station_csv(base_dir / spec.path)
    start = np.datetime64(spec.start.astimezone(timezone.utc).replace(tzinfo=None), "ns")  # UTC inside
    end = start + np.timedelta64(spec.hours - 1, "h")
    source = (f"AERMET file {spec.path}" if spec.source == "aermet" else spec.path) or "synthetic weather"
    weather = select_period(weather, start, end,
                            where=f"{where}: weather.start/weather.hours ({spec.start.isoformat()}, "
                                  f"{spec.hours} h) in {source}")
    if weather.sizes["time"] != spec.hours:
        raise InputError.field(f"{where}: weather {source}", "time", f"{weather.sizes['time']} records",
                               f"exactly one record per hour for the {spec.hours} hours from {spec.start.isoformat()}")
    if spec.source == "aermet":  # already prepared: stability from L, mixing height from zic/zim, not cloud cover
        weather.attrs["land_use"] = park.spec.land_use  # wind-profile exponents and dispersion-coefficient family
        return weather
    return prepare_dispersion_met(weather, latitude=lat, longitude=lon, stability_method=spec.stability_method,
                                  land_use=park.spec.land_use)


def _check_writable(out_dir: Path) -> None:
    """Fail before the computation, not after it, when the output folder cannot be written."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".parktwin-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise OutputError(f"output folder {str(out_dir)!r} must be writable, got {error.strerror or error}") from error


def run_plume_scenario(scenario: PlumeScenario, *, base_dir: Path, out_dir: Path,
                       command_line: list[str] | str = "", where: str = "scenario") -> RunResult:
    """Run ``scenario`` (paths relative to ``base_dir``) and write every output into ``out_dir``.

    ``run.json`` is written last: its presence (with the scenario's SHA-256) marks a complete run.
    """
    from dispersion.plume import PlumeOptions, ReceptorSet, StackSet, run_plume
    from twin.io import load_park

    stages = Stages(6, scenario.name)
    try:
        with stages.stage("park"):
            park = load_park(base_dir / scenario.park)
            emitted = park.pollutants()
            pollutants = scenario.pollutants or emitted
            if not pollutants:
                raise InputError.field(where, "pollutants", [], "at least one substance the stacks emit")
            for key in pollutants:
                if key not in emitted:
                    raise InputError.field(where, "pollutants", key,
                                           f"a substance emitted by the park's stacks ({', '.join(emitted)})")
            _check_writable(out_dir)  # before the computation, not after it
        with stages.stage("weather"):
            met = _load_weather(scenario, base_dir, park, where)
        with stages.stage("receptors"):
            gx, gy = grid_axes(scenario, park)
            mesh_x, mesh_y = np.meshgrid(gx, gy)
            sensitive = park.receptor_points()
            rx = np.concatenate([mesh_x.ravel(), sensitive.x])
            ry = np.concatenate([mesh_y.ravel(), sensitive.y])
            ground = np.asarray(park.terrain.elevation_at(rx, ry), dtype=np.float64)
            receptors = ReceptorSet(x=rx, y=ry, height=np.full(rx.size, scenario.grid.receptor_height),
                                    ground_elevation=ground)
            arrays = park.stack_arrays()
            stacks = StackSet(ids=tuple(s.id for s in park.stacks), **arrays)
            rates = {key: park.emission_rates(key) for key in pollutants}
        with stages.stage("plume kernel"):
            model = scenario.model
            options = PlumeOptions(
                sigma_model=model.sigma or f"briggs_{park.spec.land_use}",
                land_use=park.spec.land_use,
                terrain=model.terrain,
                stack_tip_downwash=model.stack_tip_downwash,
                buoyancy_induced_dispersion=model.buoyancy_induced_dispersion,
                half_life=dict(model.half_life),
                true_north_grid_bearing=true_north_grid_bearing(park, float(gx.mean()), float(gy.mean())),
                utc_offset_hours=park.spec.utc_offset_hours,
                store_hourly=True,
            )
            result = run_plume(stacks, rates, receptors, met, options)
        from scenarios.outputs import write_outputs

        with stages.stage("NetCDF"):
            paths = write_outputs(scenario, park, met, result, gx, gy, pollutants, out_dir,
                                  canonical_json(scenario), command_line)
        with stages.stage("maps and summary"):
            from scenarios.outputs import write_manifest, write_pictures_and_summary

            paths.update(write_pictures_and_summary(scenario, park, met, result, gx, gy, pollutants, out_dir))
            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    summary = paths["summary"].read_text(encoding="utf-8")
    return RunResult(out_dir=out_dir, paths=paths, summary_text=summary)
