"""Outputs of an EIA run: eia.nc, eia_receptors.nc, transfer.nc, eia_summary.{csv,json,html} and maps."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import xarray as xr

from meteo.climatology import meteorology_summary
from scenarios.common.cf import hourly_time_bounds, park_substance
from scenarios.common.views import map_view
from scenarios.eia.report import eia_report_view, meteorology_figures
from scenarios.eia.setup import source_count
from scenarios.eia.stats import MIN_DAYS_ANNUAL
from twin.atomic import atomic_output, write_text_atomic
from twin.schema import grid_dataset, point_xy_coords, receptor_dataset, station_coords, time_coord
from twin.store import Provenance, write_netcdf
from viz import FieldLayer, render_map
from viz.report import render_report

__all__ = ["write_eia_netcdf", "write_transfer_netcdf", "write_eia_report"]

_UG = 1e9
_SOURCE_TYPES = {0: "stack", 1: "stack", 2: "stack", 3: "volume", 4: "area"}  # dispersion.plume.RELEASE_CODES
_MAP_WORDS = {"zh": {"annual": "年平均浓度贡献", "percentile": "第{p:g}百分位日平均浓度贡献",
                     "notes": "{hours} 小时，限值 {limit:g} µg/m³（GB 3095-2012 {grade} 级）",
                     "limit": "标准限值 {limit:g} µg/m³（GB 3095-2012 {grade} 级）"},
              "en": {"annual": "annual-mean contribution", "percentile": "{p:g}th-percentile daily-mean contribution",
                     "notes": "{hours} h, limit {limit:g} µg/m³ (GB 3095-2012 grade {grade})",
                     "limit": "limit {limit:g} µg/m³ (GB 3095-2012 grade {grade})"}}


def _statistic_arrays(per: dict, select: slice) -> dict[str, np.ndarray]:
    """{schema statistic name: values} of one pollutant on a receptor slice; NaN-only statistics are left out."""
    out = {}
    for item in per.values():
        values = item["contribution"][select]
        if np.isfinite(values).any():
            out[item["statistic"]] = values
        if "max_daily" in item and np.isfinite(item["max_daily"][select]).any():
            out["max_24h"] = item["max_daily"][select]
    return out


def _provenance(setup, config_json: str, command_line) -> Provenance:
    return Provenance(scenario_config=config_json, command_line=command_line,
                      extra_attrs={"scenario_id": setup.scenario.name, "park_name": setup.park.spec.name,
                                   "sigma_model": setup.options.sigma_model,
                                   "ambient_standard": f"GB 3095-2012 grade {'I' if setup.scenario.grade == 1 else 'II'}"})


def write_eia_netcdf(setup, stats: dict, fields: dict, out_dir: Path, config_json: str, command_line) -> dict:
    """eia.nc (grid statistics, contribution only) and eia_receptors.nc (sensitive receptors)."""
    park, n_grid = setup.park, setup.n_grid
    shape = (setup.gy.size, setup.gx.size)
    time = setup.met["time"].values.astype("datetime64[ns]")
    bounds = hourly_time_bounds(setup.met)
    substances = [park_substance(park, key) for key in setup.pollutants]
    grid_stats = {}
    station_stats = {}
    for key, per in stats.items():
        grid_stats[key] = {name: values.reshape(shape)[None, None]
                           for name, values in _statistic_arrays(per, slice(0, n_grid)).items()}
        station_stats[key] = _statistic_arrays(per, slice(n_grid, None))
    provenance = _provenance(setup, config_json, command_line)
    common = dict(title=f"ParkTwin EIA year run: {setup.scenario.name} ({park.spec.name})",
                  keywords=["air quality", "environmental impact assessment", "HJ 2.2-2018", "GB 3095-2012",
                            "Gaussian plume", "chemical industrial park"])
    n_hours = time.size
    grid = grid_dataset(x=setup.gx, y=setup.gy, z=np.array([setup.scenario.grid.receptor_height]), time=time,
                        crs_epsg=park.spec.epsg, lon=None, lat=None,
                        fields={k: fields[k][1][:, :n_grid].reshape(time.size, *shape)[None, :, None]
                                if k in fields else None for k in setup.pollutants},
                        statistics=grid_stats, substances=substances, time_bounds=bounds, attrs={})
    paths = {"netcdf": write_netcdf(
        grid, out_dir / "eia.nc", provenance,
        summary=(f"The park's contribution (no background) of {', '.join(setup.pollutants)} from "
                 f"{source_count(park)} over {n_hours} hours: maximum 1-h mean, HJ 663-2013 percentile and "
                 "maximum of the daily means, annual mean of the valid daily means (GB 3095-2012 Table 4); "
                 "statistics only."), **common)}
    sensitive = park.receptor_points()
    stations = receptor_dataset(
        station_id=sensitive.ids, station_name=sensitive.names, kind=sensitive.kinds,
        population=np.asarray(sensitive.population, dtype=np.int64), x=sensitive.x, y=sensitive.y,
        height=np.full(len(sensitive.ids), setup.scenario.grid.receptor_height), time=time,
        crs_epsg=park.spec.epsg, fields={k: None for k in setup.pollutants}, statistics=station_stats,
        substances=substances, time_bounds=bounds, attrs={})
    paths["receptors_netcdf"] = write_netcdf(
        stations, out_dir / "eia_receptors.nc", provenance,
        summary=f"EIA statistics of the park's contribution at the {len(sensitive.ids)} sensitive and fence "
                f"receptors of {park.spec.name}.", **common)
    return paths


def write_transfer_netcdf(setup, transfer, emitting: np.ndarray, out_dir: Path, config_json: str,
                          command_line) -> Path:
    """transfer.nc: concentration per unit emission rate of each stack at each sensitive receptor.

    ``transfer_hourly`` (time, source, station), ``transfer_daily`` (day, source, station), ``transfer_annual``
    (source, station), in µg m-3 per g s-1, schedule factors included, no decay; C = Σ_s A[..., s, :] q_s with q_s
    the stack's nominal rate [g/s]. Double precision.
    """
    park = setup.park
    sensitive = park.receptor_points()
    stacks = [park.emission_sources()[i] for i in emitting]
    time = setup.met["time"].values.astype("datetime64[ns]")
    n_days = transfer.daily.shape[0]
    first_day = np.datetime64(int(setup.hours.day[0]), "D")
    days = first_day + np.arange(n_days).astype("timedelta64[D]")
    # CF has no standard name for a source-receptor coefficient; long_name and comment say what it is.
    unit_attrs = {"units": "ug m-3 (g s-1)-1", "coverage_content_type": "modelResult",
                  "comment": "concentration at the station when the source emits 1 g/s times its schedule factor; "
                             "linear: C = sum over sources of A * q [g/s]; an inert substance (no decay: a "
                             "half-life, or SO2's 4 h from an urban park in AERMOD mode, lowers eia.nc but not "
                             "this matrix; so does ARM2, which turns the hourly NOx total of every source into "
                             "NO2 and is not linear: for nitrogen_dioxide this matrix is NOx as NO2)"}

    annual = np.nanmean(transfer.daily, axis=0)  # mean of the valid daily means (NaN days left out)
    data_vars = {
        "transfer_daily": (("day", "source", "station"), transfer.daily * _UG,
                           {**unit_attrs, "long_name": "daily-mean concentration per unit emission rate",
                            "cell_methods": "day: mean"}),
        "transfer_annual": (("source", "station"), annual * _UG,
                            {**unit_attrs, "long_name": "annual-mean concentration (mean of valid daily means) per "
                                                        "unit emission rate", "cell_methods": "period: mean"}),
    }
    if transfer.hourly is not None:
        data_vars["transfer_hourly"] = (("time", "source", "station"), transfer.hourly * _UG,
                                        {**unit_attrs, "long_name": "hourly concentration per unit emission rate",
                                         "cell_methods": "time: mean"})
    coords = {
        # Per-source inputs as auxiliary coordinates (ACDD asks data variables for standard names).
        "source_rate": (("source", "pollutant"),
                        np.array([[s.emissions.get(k, 0.0) for k in setup.pollutants] for s in stacks]),
                        {"long_name": "nominal emission rate of the source", "units": "g s-1",
                         "coverage_content_type": "auxiliaryInformation"}),
        "source_mean_factor": (("source",), setup.factors[:, emitting].mean(axis=0),
                               {"long_name": "mean schedule factor of the source over the period", "units": "1",
                                "coverage_content_type": "auxiliaryInformation"}),
        "time": time_coord(time, long_name="start of the hour (UTC)", units_metadata=False),
        "day": time_coord(days.astype("datetime64[ns]"), "day", long_name="local calendar day (start, UTC-naive)",
                          axis=False, units_metadata=False),
        # Identifiers as auxiliary coordinates (string dimension coordinates trip CF monotonicity checks).
        "source_id": ("source", np.array([s.id for s in stacks], dtype=object),
                      {"long_name": "stack, volume or area source identifier"}),
        "pollutant_key": ("pollutant", np.array(setup.pollutants, dtype=object),
                          {"long_name": "substance key of twin/chemicals.csv"}),
        **point_xy_coords(np.array([s.x for s in stacks]), np.array([s.y for s in stacks]), park.spec.epsg, "source",
                          names=("source_x", "source_y", "source_lon", "source_lat"),
                          long_names=("stack easting", "stack northing", "stack longitude", "stack latitude")),
        "source_height": ("source", np.array([setup.stacks.height[i] for i in emitting]),
                          {"long_name": "stack height, or a volume or area source's release height", "units": "m"}),
        "source_type": ("source", np.array([_SOURCE_TYPES[int(setup.stacks.release[i])] for i in emitting],
                                           dtype=object),
                        {"long_name": "source type: stack (point source), volume (AERMOD VOLUME) or area (AERMOD "
                                      "AREA/AREAPOLY; x, y its centroid)"}),
        **station_coords(sensitive.ids, sensitive.names),
        **point_xy_coords(sensitive.x, sensitive.y, park.spec.epsg, "station",
                          names=("station_x", "station_y", "lon", "lat")),
    }
    ds = xr.Dataset(data_vars, coords)
    names = [n for n in ("transfer_hourly", "transfer_daily", "transfer_annual") if n in ds]
    return write_netcdf(
        ds, out_dir / "transfer.nc", _provenance(setup, config_json, command_line),
        title=f"ParkTwin source-receptor transfer matrices: {setup.scenario.name} ({park.spec.name})",
        summary="Unit-emission response of every emitting stack at every sensitive and fence receptor: hourly, daily "
                "and annual means (linear statistics; C = A q). For total-emission-cap optimisation.",
        keywords=["transfer matrix", "source-receptor matrix", "total emission control"], float64=names)


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "—"
    return f"{value:.{digits}g}"


def write_eia_report(setup, stats: dict, summary: dict, out_dir: Path) -> dict[str, Path]:
    """eia_summary.csv (one row per pollutant, averaging time and receptor), eia_summary.json, eia_summary.html,
    and maps of the annual-mean and percentile fields."""
    paths: dict[str, Path] = {}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["pollutant", "averaging", "statistic", "receptor_id", "receptor_name", "kind",
                     "contribution_ug_m3", "total_with_background_ug_m3", "limit_ug_m3", "percent_of_limit",
                     "complies", "standard"])
    for key, entry in summary["pollutants"].items():
        for limit in entry["limits"]:
            # a period too short for GB 3095-2012's annual mean (Table 4: ≥ 324 daily means) complies or not as such
            short = (f"n/a: {limit['valid_days']} valid days < {MIN_DAYS_ANNUAL}"
                     if limit.get("valid_annual_mean") is False else None)
            if limit["grid_max_total_ug_m3"] is not None:
                writer.writerow([key, limit["averaging"], limit["statistic"], "GRID_MAX", "grid maximum", "grid",
                                 _fmt(limit["grid_max_contribution_ug_m3"], 6), _fmt(limit["grid_max_total_ug_m3"], 6),
                                 _fmt(limit["limit_ug_m3"], 6), _fmt(limit["grid_percent_of_limit"], 4),
                                 short or ("yes" if limit["grid_percent_of_limit"] <= 100 else "no"), limit["source"]])
            for r in limit["receptors"]:
                writer.writerow([key, limit["averaging"], limit["statistic"], r["id"], r["name"], r["kind"],
                                 _fmt(r["contribution_ug_m3"], 6), _fmt(r["total_ug_m3"], 6),
                                 _fmt(limit["limit_ug_m3"], 6), _fmt(r["percent_of_limit"], 4),
                                 short or ("yes" if r["complies"] else "no"), limit["source"]])
    with atomic_output(out_dir / "eia_summary.csv") as temporary:  # BOM: spreadsheet programs then read UTF-8
        temporary.write_text(buffer.getvalue(), encoding="utf-8-sig")
    paths["summary_csv"] = out_dir / "eia_summary.csv"
    paths["summary_json"] = write_text_atomic(out_dir / "eia_summary.json", summary_json(summary))
    language = setup.scenario.language
    images = _maps(setup, stats, out_dir, language) if setup.scenario.maps else {}
    paths.update({f"map_{name}": path for name, path in images.items()})
    met = meteorology_summary(setup.met)  # once, for the figures and the report's table
    if setup.scenario.maps:
        figures = meteorology_figures(setup, out_dir, language, met)
        paths.update(figures)
        images.update(figures)
    paths["summary_html"] = render_report(eia_report_view(setup, summary, images, language, met),
                                          out_dir / "eia_summary.html", images=images)
    return paths


def _maps(setup, stats: dict, out_dir: Path, language: str) -> dict[str, Path]:
    images = {}
    shape = (setup.gy.size, setup.gx.size)
    words = _MAP_WORDS[language]
    for key, per in stats.items():
        chem = setup.park.chemicals[key]
        for averaging in ("annual", "24h"):
            if averaging not in per:
                continue
            item = per[averaging]
            values = item["contribution"][: setup.n_grid].reshape(shape) * _UG
            what = words["annual"] if averaging == "annual" else words["percentile"].format(p=item["percentile"])
            grade = "I" if setup.scenario.grade == 1 else "II"
            layer = FieldLayer(x=setup.gx, y=setup.gy, values=values, units="µg/m³",
                               title=f"{chem.name_zh if language == 'zh' else chem.name_en}: {what}",
                               limit=item["limit"] * _UG, scale="linear",  # smooth fields: equal steps show them
                               limit_label=words["limit"].format(limit=item["limit"] * _UG, grade=grade))
            view = map_view(setup.park, layer, title=f"{setup.park.spec.name} — {setup.scenario.name}",
                            notes=(words["notes"].format(hours=setup.met.sizes["time"], limit=item["limit"] * _UG,
                                                         grade=grade),), volume_sources=True)
            name = f"{key}_{item['statistic']}"
            path = out_dir / f"map_{name}.png"
            images[name] = render_map(view, path) or path
    return images


def summary_json(summary: dict) -> str:
    return json.dumps(summary, ensure_ascii=False, indent=2, default=float) + "\n"


def write_summary_json(out_dir: Path, summary: dict) -> Path:
    return write_text_atomic(out_dir / "eia_summary.json", summary_json(summary))
