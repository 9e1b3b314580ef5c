"""``parktwin demo``: build the embedded demo park as a real bundle, write its weather and scenario, run it.

Everything is generated in code (no downloads) and written as files a user can copy and edit:
``OUT/park/`` (park.yaml, buildings.geojson, dem.tif, weather.csv), ``OUT/scenario.yaml`` (24-h plume of every
stack) with ``OUT/results/``, ``OUT/leak.yaml`` (a chlorine-tank leak) with ``OUT/leak/`` (zones, plan draft),
``OUT/leak_ensemble.yaml`` (that leak as a 50-member ensemble) with ``OUT/leak_ensemble/``, and
``OUT/eia.yaml`` (a year of hourly weather on a coarse grid, with the NO2 cap) with ``OUT/eia/``, and
``OUT/typhoon.yaml`` (a design typhoon flooding the park) with ``OUT/typhoon/``, and ``OUT/ensemble.yaml`` (the
plume as a 50-member ensemble) with ``OUT/ensemble/`` (exceedance-probability maps), and ``OUT/water.yaml`` (the
water environmental capacity of 南河 below the park's two outfalls) with ``OUT/water/``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from meteo import synthetic_weather, write_station_csv
from scenarios.common.results import RunResult
from scenarios.leak.ensemble import run_leak_ensemble
from scenarios.plume.ensemble import run_ensemble
from scenarios.run import run_scenario_file
from twin.atomic import write_text_atomic
from twin.demo import build_demo_park
from twin.io import load_park

__all__ = ["write_demo", "run_demo", "DEMO_START", "DEMO_HOURS"]

log = logging.getLogger("parktwin")

DEMO_START = "2026-07-15T00:00:00+08:00"  # a summer day: south-easterly monsoon, onshore sea breeze
DEMO_HOURS = 24

_SCENARIO = """\
# ParkTwin scenario: 24-hour steady-plume run of every stack of the demo park.
# Validate with `parktwin schema scenario`; run with `parktwin run scenario.yaml`.
schema_version: 1
kind: plume
name: demo-24h-plume
park: park/park.yaml
weather:
  source: station_csv
  path: park/weather.csv
  start: "{start}"
  hours: {hours}
  stability_method: gb3840
grid:
  size: [5000, 5000]     # m, centred on the stacks
  spacing: 25            # m -> 201 x 201 = 40,401 receptors
  receptor_height: 0.0   # m above ground
model:
  sigma: briggs_rural
  terrain: simple
pollutants: [sulfur_dioxide, nitrogen_dioxide, pm10]
"""


_LEAK = """\
# ParkTwin scenario: the outlet valve of liquid-chlorine tank T-CL01 breaks at 02:00 (HJ 169-2018 worst-case weather).
schema_version: 1
kind: leak
name: demo-chlorine-leak
park: park/park.yaml
risk_source: T-CL01
source_term:
  model: tank_liquid_hole  # liquid outflow; airborne = flash vapour + evaporation of the boiling pool (HJ 169 F.1.4)
  hole_diameter: 0.025     # m, a broken DN25 outlet valve
  release_height: 1.0      # m
  # liquid density, heat capacity and heat of vaporization come from twin/chemicals.csv (Perry's 8th ed., CRC);
  # try `model: tank_two_phase_hole` for a flashing two-phase jet (HJ 169 F.1.3, all of it airborne);
  # `hole_height: 1.0` (m above the tank bottom) for a hole in the shell: only the liquid above it drains;
  # or the chlorine line: `risk_source: P-CL01` with `model: pipe_two_phase` and `failure: full_bore_rupture`
  # (constant operating pressure until isolation at duration_limit, at most the line's 400 kg inventory)
start: "2026-07-15T02:00:00+08:00"
duration_limit: 1800       # s: the leak is isolated after 30 minutes
simulation_hours: 2
meteorology:
  preset: hj169_worst      # F, 1.5 m/s, 25 C, 50 % RH, blowing towards the nearest residential area
  # or `preset: hj169_most_common` with `climatology: {source: synthetic, start: "2025-01-01T00:00:00+08:00",
  # hours: 8760}` (a year of local weather): its most frequent class and that class's mean non-calm wind
grid:
  size: [22000, 22000]     # m: the zones stop at 10 km under constant weather (ALOHA's limit), inside the grid
  spacing: 110             # m -> 201 x 201 receptors (zone distances and widths come from a finer transect)
language: zh
"""


# The same leak as an ensemble: the forecast of the wind is uncertain by tens of degrees, the hole size is a guess.
_LEAK_ENSEMBLE = _LEAK.replace("name: demo-chlorine-leak", "name: demo-chlorine-leak-ensemble").replace(
    "  spacing: 110             # m -> 201 x 201 receptors (zone distances and widths come from a finer transect)",
    "  spacing: 220             # m -> 101 x 101 receptors") + """\
ensemble:                  # parktwin ensemble leak_ensemble.yaml: P(endpoint-2 reached) per receptor and on the map
  members: 50
  seed: 7
  perturbations:
    wind_direction_offset: {distribution: normal, mean: 0, std: 15}    # degree
    wind_speed_factor: {distribution: uniform, low: 0.8, high: 1.5}
    hole_diameter_factor: {distribution: uniform, low: 0.6, high: 1.4}  # DN15 to DN35
"""

_EIA = """\
# ParkTwin scenario: a year of hourly (synthetic) weather over every stack on a coarse grid — HJ 2.2-2018 statistics,
# transfer matrices, a heavy-pollution episode with grade-dependent cuts, and the NO2 total-emission cap.
# Run with `parktwin eia eia.yaml` and `parktwin caps eia.yaml` (`parktwin run eia.yaml` runs both).
schema_version: 1
kind: eia
name: demo-year-eia
park: park/park.yaml
weather:
  source: synthetic        # deterministic coastal East-China year; use station_csv or aermet for real data
  start: "2025-01-01T00:00:00+08:00"
  hours: 8760
grid:
  size: [6000, 6000]       # m, centred on the stacks
  spacing: 500             # m: a coarse demo grid (HJ 2.2 wants <= 100 m near the park; use 100 m for a study)
grade: 2                   # GB 3095-2012 grade II (residential, commercial, industrial areas)
background:
  constant: {sulfur_dioxide: 12, nitrogen_dioxide: 25, pm10: 55}   # ug/m3, current monitoring (illustrative)
transfer_hourly: false     # daily and annual transfer matrices only (hourly ones are 100 MB for a year)
heavy_pollution:
  start: "2025-01-10T00:00:00+08:00"
  hours: 72
  cuts: {A: 0.0, B: 0.3, C: 0.5, D: 1.0, ungraded: 0.3}   # illustrative; set by the local emergency plan
caps:
  pollutant: nitrogen_dioxide
  rule: optimal
  safety_factor: 0.9
  upper_bound_factor: 1.5          # no stack above 1.5 x its current rate
  technical_minimum_fraction: 0.2  # nor below 20 % of it
  receptor_spacing: 1000           # m, plus every sensitive and fence receptor
  a_value: 4.2                     # GB/T 3840-91 A, East-China coastal range (verify for the province)
"""


_ENSEMBLE = """\
# ParkTwin scenario: the demo's 24-hour plume as a 50-member ensemble (Latin hypercube over wind direction, wind
# speed, stability and emission uncertainty) on a coarser grid: P(max 1-h SO2 > 50 / 150 ug/m3) maps.
# Run with `parktwin ensemble ensemble.yaml` (add --scheduler tcp://HOST:8786 for a dask.distributed cluster).
schema_version: 1
kind: plume
name: demo-plume-ensemble
park: park/park.yaml
weather:
  source: station_csv
  path: park/weather.csv
  start: "{start}"
  hours: {hours}
grid:
  size: [5000, 5000]
  spacing: 100             # m -> 51 x 51 receptors
pollutants: [sulfur_dioxide]
output: {{hourly_fields: false, maps: false}}
ensemble:
  members: 50
  seed: 1
  perturbations:
    wind_direction_offset: {{distribution: normal, mean: 0, std: 15, low: -45, high: 45}}   # degree
    wind_speed_factor: {{distribution: lognormal, median: 1.0, sigma_ln: 0.2}}
    stability_shift: {{distribution: uniform, low: -1, high: 1}}
    emission_factor: {{distribution: lognormal, median: 1.0, sigma_ln: 0.3}}
  thresholds_ug_m3:
    sulfur_dioxide: [50, 150]    # 10 % of the SO2 1-h grade II limit (HJ 2.2 level-1 screening line), grade I limit
"""


_TYPHOON = """\
# ParkTwin scenario: a design super typhoon making landfall 20 km south of the park (935 hPa), heading NNW.
# Rain (R-CLIPER x 2), tide + surge at the sea wall, a 12-hour flood of the park; which warehouses take water, when.
schema_version: 1
kind: typhoon
name: demo-design-typhoon
park: park/park.yaml
track:
  landfall_offset_km: [0, -20]          # km east, north of the park centre
  landfall_time: "2026-09-15T06:00:00+08:00"
  heading_deg: 330
  forward_speed: 6.0                    # m/s
  central_pressure_hpa: 935
  rmax_km: 30
start: "2026-09-14T22:00:00+08:00"
hours: 12
rain_model: rcliper
rain_scale: 2.0                         # a wet landfall (orographic and rain-band enhancement)
grid_spacing: 50                        # m
drainage_mm_h: 30                       # sewer design capacity inside the park
output_minutes: 10
language: zh
# The natech chain: when the hazardous-waste warehouse floods, its toluene drums breach and the slick evaporates
# into the storm's wind. 2 kg/s for 30 min is a screening assumption, not a computed evaporation rate.
triggered_leak:
  risk_source: W-HW01
  source_term: {model: direct, rate: 2.0, duration: 1800, release_height: 0.5}
  simulation_hours: 2
  grid: {size: [6000, 6000], spacing: 100}
"""


_WATER = """\
# ParkTwin scenario: water environmental capacity (水环境容量) of 南河 below the park's two outfalls, at the design
# flow of park.yaml's reaches; the 南河镇 drinking-water intake downstream must stay in class II (GB 3838-2002).
# Also `parktwin water-caps park/park.yaml` (the same with the defaults).
schema_version: 1
kind: water
name: demo-nanhe-water-caps
park: park/park.yaml
river: RV-NANHE
caps:
  rule: optimal                    # largest total load by linear program; equal_proportion is reported beside it
  safety_factor: 0.9               # 10 % of every limit kept back
  technical_minimum_fraction: 0.5  # no outfall is cut below half its current load by the program
spacing: 50                        # m along the river
ensemble:                          # P(section fails its class) at the current loads
  members: 200
  flow_sigma: 0.25                 # design flow x exp(N(0, 0.25))
  decay_sigma: 0.3                 # each pollutant's decay rates x exp(N(0, 0.3))
language: zh
"""


def write_demo(out: str | Path) -> dict[str, Path]:
    """Write the demo park bundle, its weather and its scenario files into ``out`` without running anything.

    Parameters
    ----------
    out : str or Path
        Folder to write into (created if needed); existing demo files are replaced.

    Returns
    -------
    dict of str to Path
        ``"park"`` (``out/park/park.yaml``), ``"weather"`` (``out/park/weather.csv``, 24 hourly rows from
        :data:`DEMO_START`) and the scenario files by name: ``"plume"`` (``scenario.yaml``), ``"leak"``,
        ``"leak_ensemble"``, ``"eia"``, ``"typhoon"``, ``"ensemble"``, ``"water"`` (``<name>.yaml``). Deterministic: the same bytes
        on every call.

    Raises
    ------
    OSError
        ``out`` cannot be written (the files are written atomically: none is left half-written).
    """
    out = Path(out)
    park_yaml = build_demo_park(out / "park")
    park = load_park(park_yaml)
    lon, lat = park.centre_lonlat()
    weather = synthetic_weather(DEMO_START, DEMO_HOURS, latitude=lat, longitude=lon, seed=20261124,
                                utc_offset_hours=park.spec.utc_offset_hours)
    weather_csv = out / "park" / "weather.csv"
    write_station_csv(weather_csv, weather, utc_offset_hours=park.spec.utc_offset_hours)
    return {
        "park": park_yaml, "weather": weather_csv,
        "plume": write_text_atomic(out / "scenario.yaml", _SCENARIO.format(start=DEMO_START, hours=DEMO_HOURS)),
        "leak": write_text_atomic(out / "leak.yaml", _LEAK),
        "leak_ensemble": write_text_atomic(out / "leak_ensemble.yaml", _LEAK_ENSEMBLE),
        "eia": write_text_atomic(out / "eia.yaml", _EIA),
        "typhoon": write_text_atomic(out / "typhoon.yaml", _TYPHOON),
        "ensemble": write_text_atomic(out / "ensemble.yaml", _ENSEMBLE.format(start=DEMO_START, hours=DEMO_HOURS)),
        "water": write_text_atomic(out / "water.yaml", _WATER),
    }


def run_demo(out: str | Path) -> RunResult:
    """Write the demo (:func:`write_demo`) into ``out`` and run every demo scenario; return the plume run's result
    with the other runs' summaries and paths added."""
    out = Path(out)
    files = write_demo(out)
    scenario_path, leak_path, leak_ensemble_path = files["plume"], files["leak"], files["leak_ensemble"]
    eia_path, typhoon_path, ensemble_path = files["eia"], files["typhoon"], files["ensemble"]
    log.info("demo park and scenarios written to %s", out)
    plume = run_scenario_file(scenario_path, out / "results")
    leak = run_scenario_file(leak_path, out / "leak")
    plume.summary_text += "\n\n" + leak.summary_text + f"\nEmergency-plan draft: {leak.out_dir / 'plan.html'}"
    plume.paths.update({f"leak_{name}": path for name, path in leak.paths.items()})

    leak_ensemble = run_leak_ensemble(leak_ensemble_path, out / "leak_ensemble")
    reached = ", ".join(f"{r['id']} {r['probability_endpoint2']:.2f}" for r in leak_ensemble.summary["receptors"][:4])
    plume.summary_text += (f"\nLeak ensemble ({len(leak_ensemble.member_paths)} members): P(endpoint-2 reached) "
                           f"{reached}; plan section {leak_ensemble.paths['plan']}")
    plume.paths["leak_ensemble_plan"] = leak_ensemble.paths["plan"]
    eia = run_scenario_file(eia_path, out / "eia")
    plume.summary_text += "\n\n" + eia.summary_text + f"\nEIA tables: {eia.out_dir / 'eia_summary.html'}"
    plume.paths.update({f"eia_{name}": path for name, path in eia.paths.items()})

    ensemble = run_ensemble(ensemble_path, out / "ensemble")
    plume.summary_text += (f"\n\nEnsemble: {len(ensemble.member_paths)} members; exceedance probabilities in "
                           f"{ensemble.probability_path}, maps {out / 'ensemble' / 'probability_sulfur_dioxide_50.png'}")
    plume.paths["ensemble"] = ensemble.probability_path
    typhoon = run_scenario_file(typhoon_path, out / "typhoon")
    plume.summary_text += "\n\n" + typhoon.summary_text + f"\nTyphoon plan section: {typhoon.out_dir / 'report.html'}"
    plume.paths.update({f"typhoon_{name}": path for name, path in typhoon.paths.items()})
    water = run_scenario_file(files["water"], out / "water")
    plume.summary_text += "\n\n" + water.summary_text + f"\nWater caps: {water.out_dir / 'caps.html'}"
    plume.paths.update({f"water_{name}": path for name, path in water.paths.items()})
    return plume
