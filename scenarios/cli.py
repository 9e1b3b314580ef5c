"""The ``parktwin`` command line.

    parktwin demo [--out DIR]              build the embedded demo park and run its flagship scenario end to end
    parktwin run SCENARIO.yaml [--out DIR] run a scenario file
    parktwin ensemble SCENARIO.yaml [--out DIR] [--scheduler tcp://HOST:8786]   run its ensemble (plume, leak on
                                           Dask; typhoon member after member)
    parktwin eia SCENARIO.yaml [--out DIR]  EIA year run: statistics, transfer matrices, summary tables
    parktwin caps SCENARIO.yaml [--out DIR] total-emission cap (linear program) of an eia scenario
    parktwin water-caps PARK.yaml [--out DIR] [--river ID]  wastewater caps per outfall from the park's river model
    parktwin forecast PARK.yaml FORECAST.nc --out OUT   nightly batch: risk sources in the forecast weather
    parktwin sample-forecast PARK.yaml OUT.nc    write a realistic sample forecast NetCDF
    parktwin trace --park P --weather W --monitors M --observed O --out DIR   rank the park's sources by how well
                                           each explains the monitors' series (docs/trace.md)
    parktwin validate FILE.yaml            check a park bundle or a scenario and the files it names
    parktwin evaluate --observed OBS --predicted PRED.nc [--predicted-b PRED2.nc] --out DIR   model evaluation at
                                           the monitors (Chang & Hanna 2004 measures, bootstrap intervals, plots)
    parktwin schema park|scenario          print a JSON Schema
    parktwin watch FOLDER --park PARK.yaml [--once]   risk-source readings → warnings; orange/red starts a leak
    parktwin ledger verify [LEDGER]        recompute the hash chain of the ledger and its files' digests
    parktwin ledger repair LEDGER          move an incomplete last record (crash while appending) aside

Every command that writes an output folder appends a record to the ledger (scenarios.common.ledger): ``--ledger
FILE``, else ``PARKTWIN_LEDGER`` (``off`` disables it), else ledger.jsonl in the output folder's parent.

Exit codes a cron job can act on (docs/architecture.md): 0 ok, 2 usage, 65 bad data, 66 missing input, 73 cannot write
output, 75 retry later, 70 internal error. Heavy libraries (numba, xarray, pyvista) are imported inside the commands so that ``--help``
answers at once.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
from pathlib import Path

__all__ = ["main"]

log = logging.getLogger("parktwin")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("parktwin")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


def _parser() -> argparse.ArgumentParser:
    """The command line: global options, then one sub-parser per command, in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="parktwin",
        description="ParkTwin: dispersion digital twin of a chemical industrial park.",
        epilog="Exit codes: 0 ok, 2 usage, 65 bad input data, 66 missing input file, 73 cannot write output, "
               "75 retry later, 70 bug.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action="version", version=f"parktwin {_version()}")
    parser.add_argument("--ledger", type=Path, default=None,
                        help="ledger file the command appends its record to (default: $PARKTWIN_LEDGER, else "
                             "ledger.jsonl in the output folder's parent; PARKTWIN_LEDGER=off disables it)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add_command in (_add_demo, _add_run, _add_ensemble, _add_eia, _add_caps, _add_water_caps, _add_forecast,
                        _add_sample_forecast, _add_trace, _add_validate, _add_evaluate, _add_schema, _add_watch,
                        _add_ledger, _add_buildings, _add_bpip):
        add_command(commands)
    return parser


def _add_demo(commands) -> None:
    demo = commands.add_parser("demo", help="build the demo park and run its scenarios end to end")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: demo-output)")


def _add_run(commands) -> None:
    run = commands.add_parser("run", help="run a scenario file")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--out", type=Path, default=None,
                     help="output folder (default: results/<scenario name> beside the scenario file)")


def _add_ensemble(commands) -> None:
    ensemble = commands.add_parser("ensemble", help="run the ensemble block of a scenario file on Dask")
    ensemble.add_argument("scenario", type=Path, help="scenario YAML file with an ensemble: block")
    ensemble.add_argument("--out", type=Path, default=None,
                          help="output folder (default: results/<scenario name>-ensemble beside the scenario file)")
    ensemble.add_argument("--scheduler", default=None,
                          help="'threads' (default), 'synchronous', or a dask.distributed scheduler address such as "
                               "tcp://HOST:8786 (also read from DASK_SCHEDULER_ADDRESS)")
    ensemble.add_argument("--workers", type=int, default=None, help="local threads (default: the number of cores)")


def _add_eia(commands) -> None:
    eia = commands.add_parser("eia", help="EIA year run: HJ 2.2 statistics, transfer matrices, summary tables")
    eia.add_argument("scenario", type=Path, help="scenario YAML file of kind: eia")
    eia.add_argument("--out", type=Path, default=None,
                     help="output folder (default: results/<scenario name> beside the scenario file)")


def _add_caps(commands) -> None:
    caps = commands.add_parser("caps", help="total-emission cap of the caps: block of an eia scenario")
    caps.add_argument("scenario", type=Path, help="scenario YAML file of kind: eia with a caps: block")
    caps.add_argument("--out", type=Path, default=None,
                      help="output folder (default: results/<scenario name>-caps beside the scenario file)")


def _add_water_caps(commands) -> None:
    water = commands.add_parser("water-caps", help="wastewater caps per outfall (water environmental capacity) from "
                                                   "the park's river model")
    water.add_argument("park", type=Path, help="park.yaml with a rivers: block")
    water.add_argument("--out", type=Path, default=None,
                       help="output folder (default: results/water-caps beside park.yaml)")
    water.add_argument("--river", default=None, help="river id (default: the park's only river)")


def _add_forecast(commands) -> None:
    forecast = commands.add_parser(
        "forecast", help="nightly batch: every risk source's credible-worst release in the forecast weather",
        description="Run the nightly forecast cycle into OUT/YYYYMMDDHH/ (summary.json, brief.html, per-source "
                    "NetCDF/GeoJSON/PNG, log.jsonl, run.json last). A finished cycle is not recomputed unless "
                    "--force. Exit codes: 0 ok (or already done), 65 malformed forecast, 75 forecast not there yet "
                    "or another batch holds the lock (retry later).")
    forecast.add_argument("park", type=Path, help="park.yaml")
    forecast.add_argument("forecast", type=Path, help="forecast NetCDF (CF names; see meteo.forecast)")
    forecast.add_argument("--out", type=Path, required=True, help="root of the dated cycle folders")
    forecast.add_argument("--force", action="store_true", help="recompute a cycle that is already finished")
    forecast.add_argument("--language", choices=("zh", "en"), default="zh",
                          help="language of the morning brief (default zh); its times are local with their offset")
    forecast.add_argument("--members", type=int, default=20, help="ensemble members per risk source (default 20)")
    forecast.add_argument("--hours", type=int, default=24, help="forecast horizon searched, 24..72 h (default 24)")
    forecast.add_argument("--cycle", default=None, help="expected cycle YYYYMMDDHH (UTC); default: the file's")
    forecast.add_argument("--grid-spacing", type=float, default=250.0, help="receptor grid spacing [m] (default 250)")
    forecast.add_argument("--grid-size", type=float, default=20000.0, help="receptor grid side [m] (default 20000)")
    forecast.add_argument("--scheduler", default=None,
                          help="'threads' (default), 'synchronous', or a dask.distributed address tcp://HOST:8786")
    for window, default, source in ((24, 50, "GB/T 28592-2012"), (12, 30, "GB/T 28592-2012"),
                                    (1, 16, "hourly grade, not verified")):
        forecast.add_argument(f"--heavy-rain-{window}h-mm", default=None, metavar="MM",
                              help=f"flood when the forecast rain at the park reaches this many mm in {window} h "
                                   f"(default {default}, {source})")
    forecast.add_argument("--flood-grid-spacing", type=float, default=None,
                          help="flood grid cell size [m] (default 50; kind: typhoon uses 20)")
    forecast.add_argument("--flood-grid-size", type=float, default=None,
                          help="flood domain side [m] (default 10000, as kind: typhoon)")


def _add_sample_forecast(commands) -> None:
    sample = commands.add_parser("sample-forecast", help="write a realistic sample forecast NetCDF for a park")
    sample.add_argument("park", type=Path, help="park.yaml (e.g. demo-output/park/park.yaml)")
    sample.add_argument("out", type=Path, help="forecast NetCDF to write")
    sample.add_argument("--start", default=None, help="first hour, ISO 8601 with offset (default: 00 UTC today)")
    sample.add_argument("--hours", type=int, default=72, help="length [h] (default 72)")
    sample.add_argument("--seed", type=int, default=0, help="seed of the synthetic weather (default 0)")
    sample.add_argument("--rain", choices=("dry", "wet"), default="dry",
                        help="dry: a light 6-mm shower (default); wet: a rain band crossing the park, ~150 mm in a "
                             "day (fires the flood part of the nightly batch)")


def _add_trace(commands) -> None:
    trace = commands.add_parser(
        "trace", help="VOC source tracing: rank the park's sources by how well each explains the monitors' series",
        description="Rank the park's stacks, tanks, warehouses (and optional area cells) by posterior probability of "
                    "being the one source of what the monitors saw, with each one's rate and 90 %% credible "
                    "interval; writes ranking.csv, ranking.json, map.png, brief.html and run.json (docs/trace.md).")
    trace.add_argument("--park", type=Path, required=True, help="park.yaml")
    trace.add_argument("--weather", type=Path, required=True,
                       help="hourly station CSV (as weather: source station_csv) covering the observed hours")
    trace.add_argument("--monitors", type=Path, default=None,
                       help="monitors CSV: id,x,y,height[,detection_limit_ug_m3] (park CRS, m); default: the "
                            "monitors: of park.yaml")
    trace.add_argument("--observed", type=Path, nargs="+", required=True,
                       help="the tracer's observed CSV: time (ISO 8601 with offset), one column per monitor id "
                            "[µg/m³]; empty = missing, <X below X, >X above X — or the monitors' own files: station "
                            "CSVs <id>.csv, CF NetCDF time series, or folders of them (docs/observations.md)")
    trace.add_argument("--pollutant", default=None,
                       help="substance key to trace in the observation files (default: the only one they hold)")
    trace.add_argument("--out", type=Path, required=True, help="output folder")
    trace.add_argument("--language", choices=("zh", "en"), default="zh", help="language of brief.html (default zh)")
    trace.add_argument("--sigma-ln", type=float, default=0.3,
                       help="standard deviation of ln(observed/modelled) (default 0.3 = about 30 %%)")
    trace.add_argument("--detection-limit", type=float, default=1.0, metavar="UG_M3",
                       help="detection limit of monitors without their own column [µg/m³] (default 1)")
    trace.add_argument("--rate-range", type=float, nargs=2, default=(1e-4, 1e4), metavar=("MIN", "MAX"),
                       help="bounds of the log-uniform rate prior [g/s] (default 1e-4 1e4)")
    trace.add_argument("--kinds", default="stack,tank,warehouse,fugitive",
                       help="candidate kinds, comma-separated from stack,tank,warehouse,fugitive,area (default: the "
                            "first four; fugitive: park.yaml's volume and area sources)")
    trace.add_argument("--area-cell", type=float, default=None, metavar="M",
                       help="side of the area-source grid cells [m]; adds 'area' to --kinds")
    trace.add_argument("--calm-hours", choices=("drop", "use"), default="drop",
                       help="leave calm hours out (default; the plume model does not hold in calms) or use them")
    trace.add_argument("--fill-missing-hours", type=int, default=0, help="fill weather gaps up to this many hours")


def _add_buildings(commands) -> None:
    buildings = commands.add_parser(
        "buildings", help="GEP stack heights and AERMOD's building cards (BPIP-PRIME rules) of a park's stacks")
    buildings.add_argument("park", type=Path, help="park.yaml")
    buildings.add_argument("--out", type=Path, default=Path("buildings"),
                           help="folder for gep.csv, gep.geojson and aermod_building_cards.txt (default ./buildings)")


def _add_bpip(commands) -> None:
    bpip = commands.add_parser(
        "bpip", help="BPIP-PRIME on a BPIP input file: AERMOD's building cards and GEP stack heights (BPIPPRM's work)")
    bpip.add_argument("input", type=Path, help="BPIP input file (BPIP.INP)")
    bpip.add_argument("--out", type=Path, default=Path("bpip"),
                      help="folder for bpip_cards.txt and gep.csv (default ./bpip)")


def _add_validate(commands) -> None:
    validate = commands.add_parser("validate", help="check a park bundle or a scenario file (any kind) and the files "
                                                    "it names, without running it")
    validate.add_argument("park", type=Path, metavar="FILE", help="park.yaml or a scenario file")


def _add_evaluate(commands) -> None:
    evaluate = commands.add_parser("evaluate", help="predicted against observed at the monitors: FB, NMSE, MG, VG, "
                                                    "FAC2, NAD, r with bootstrap 95 %% intervals, plots, tables")
    evaluate.add_argument("--observed", type=Path, nargs="+", required=True,
                          help="station CSV files (<monitor id>.csv), a folder of them, or a CF timeSeries NetCDF")
    evaluate.add_argument("--predicted", type=Path, required=True, help="model station series NetCDF (model A)")
    evaluate.add_argument("--predicted-b", type=Path, default=None, help="a second configuration to compare (B)")
    evaluate.add_argument("--out", type=Path, required=True, help="output folder")
    evaluate.add_argument("--park", type=Path, default=None, help="park.yaml: monitors' positions, heights, pollutants")
    evaluate.add_argument("--threshold", type=float, default=1.0,
                          help="lower threshold for MG, VG, FAC2 in ug/m3 (BOOT's rule; default 1)")
    evaluate.add_argument("--block-hours", type=int, default=24, help="bootstrap block length in hours (default 24)")
    evaluate.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    evaluate.add_argument("--seed", type=int, default=None, help="bootstrap seed (default fixed)")
    evaluate.add_argument("--max-distance", type=float, default=50.0,
                          help="farthest a predicted station may lie from the monitor it stands for, m (default 50)")


def _add_schema(commands) -> None:
    schema = commands.add_parser("schema", help="print the JSON Schema of a park or scenario file")
    schema.add_argument("which", choices=["park", "scenario"])


def _add_watch(commands) -> None:
    watch = commands.add_parser(
        "watch", help="risk-source instrument readings against park.yaml thresholds: warnings, and a leak plan on "
                      "an orange or red warning",
        description="Read the readings files (CSV or JSON lines: time, risk_source, quantity, value, unit) dropped "
                    "in FOLDER against each risk source's thresholds: in park.yaml; log every change of warning "
                    "level (OUT/warnings.jsonl and the ledger); an orange or red warning on a tank or pipe runs its "
                    "leak scenario and plan draft into OUT/leaks/. A file is read once. Exit codes: 0 ok, 65 a file "
                    "was rejected, 75 another watcher runs or a leak waits for its weather (retry later).")
    watch.add_argument("folder", type=Path, help="folder the readings files are dropped in")
    watch.add_argument("--park", type=Path, required=True, help="park.yaml")
    watch.add_argument("--out", type=Path, default=None,
                       help="state, logs and triggered leaks (default: FOLDER/../watch)")
    mode = watch.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="one pass over what is there, then exit")
    mode.add_argument("--interval", type=float, default=60.0, help="seconds between passes (default 60)")
    watch.add_argument("--passes", type=int, default=None, help="stop after this many passes (default: never)")
    watch.add_argument("--weather", type=Path, default=None,
                       help="current weather of a triggered leak: a forecast NetCDF, or a station CSV whose last "
                            "hour persists (default: the HJ 169-2018 worst case)")
    watch.add_argument("--max-weather-age", type=float, default=3.0,
                       help="a station's last hour older than this many hours is refused (default 3)")
    watch.add_argument("--hours", type=int, default=3, help="hours the cloud of a triggered leak is followed (3)")
    watch.add_argument("--grid-size", type=float, default=10000.0, help="leak grid side [m] (default 10000)")
    watch.add_argument("--grid-spacing", type=float, default=100.0, help="leak grid spacing [m] (default 100)")
    watch.add_argument("--language", choices=("zh", "en"), default="zh", help="plan draft language (default zh)")


def _add_ledger(commands) -> None:
    ledger = commands.add_parser(
        "ledger", help="check the tamper-evident ledger of runs, evaluations, traces and warnings",
        description="verify: recompute every record's SHA-256, the chain and the digests of the files the records "
                    "name; print the first record or file that changed (exit 65) or OK and the head digest (exit 0). "
                    "repair: move an incomplete last record (a crash while appending) aside.")
    actions = ledger.add_subparsers(dest="ledger_action", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="recompute the chain and the files' digests")
    verify.add_argument("ledger_file", type=Path, nargs="?", default=None, metavar="LEDGER",
                        help="ledger file (default: --ledger, $PARKTWIN_LEDGER, else ./ledger.jsonl)")
    verify.add_argument("--inputs", action="store_true",
                        help="also check the input files (park bundle, weather, observations) against the latest "
                             "record naming each")
    verify.add_argument("--head", default=None, help="a head SHA-256 kept elsewhere that the chain must contain")
    repair = actions.add_parser("repair", help="move an incomplete last record (crash while appending) aside")
    repair.add_argument("ledger_file", type=Path, nargs="?", default=None, metavar="LEDGER",
                        help="ledger file (default: --ledger, $PARKTWIN_LEDGER, else ./ledger.jsonl)")


def _os_error_exit_code(error: OSError) -> int | None:
    """Log an OSError that is the user's situation, not a bug, and return its exit code (None for a bug): a path
    over the system's limits (65), or a write refused by the disk, the file-size limit or a read-only file system
    outside ``twin.atomic`` (73)."""
    if error.errno == errno.ENAMETOOLONG:  # an argument or a file named in a scenario: no such path can exist
        name = str(error.filename or "")
        log.error("path too long: %r (%d characters): the system allows at most 255 bytes per name and 4,096 "
                  "per path", name[:60] + ("…" if len(name) > 60 else ""), len(name))
        return os.EX_DATAERR
    if error.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EROFS):
        log.error("cannot write %s: %s (free space, the file-size limit, a read-only folder)",
                  error.filename or "an output", os.strerror(error.errno))
        return os.EX_CANTCREAT
    return None


def _configure_logging(verbose: bool) -> None:
    level = logging.DEBUG if verbose else logging.INFO
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        logging.basicConfig(level=level, format="%(message)s", handlers=[RichHandler(show_path=False)])
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                            stream=sys.stderr)
    logging.getLogger("numba").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # the CJK subsetting of every HTML output


def _cmd_demo(args: argparse.Namespace) -> int:
    from scenarios.demo import run_demo

    result = run_demo(args.out)
    print(result.summary_text)
    print(f"Outputs in {args.out.resolve()}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from scenarios.run import run_scenario_file

    result = run_scenario_file(args.scenario, args.out, command_line=["parktwin", *sys.argv[1:]])
    print(result.summary_text)
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from scenarios.common.results import slug
    from scenarios.registry import KINDS
    from scenarios.spec import load_scenario
    from twin.errors import InputError

    scenario = load_scenario(args.scenario)
    kind = KINDS[scenario.kind]
    if kind.ensemble is None:
        raise InputError.field(args.scenario.name, "kind", scenario.kind,
                               f"a kind with an ensemble ({', '.join(k.name for k in KINDS.values() if k.ensemble)})")
    name = slug(scenario.name)
    out = args.out or args.scenario.parent / "results" / (name if name.endswith("ensemble") else f"{name}-ensemble")
    print(kind.run_ensemble(scenario, args.scenario, out, scheduler=args.scheduler, workers=args.workers))
    return 0


def _cmd_eia(args: argparse.Namespace) -> int:
    from scenarios.eia.run import run_eia_file

    print(run_eia_file(args.scenario, args.out, command_line=["parktwin", *sys.argv[1:]]))
    return 0


def _cmd_caps(args: argparse.Namespace) -> int:
    from scenarios.eia.caps_run import run_caps_file

    print(run_caps_file(args.scenario, args.out, command_line=["parktwin", *sys.argv[1:]]))
    return 0


def _cmd_water_caps(args: argparse.Namespace) -> int:
    from scenarios.water.run import run_water_caps_file

    print(run_water_caps_file(args.park, args.out, command_line=["parktwin", *sys.argv[1:]], river=args.river))
    return 0


def _cmd_forecast(args: argparse.Namespace) -> int:
    from scenarios.forecast.run import run_forecast

    result = run_forecast(args.park, args.forecast, args.out, cycle=args.cycle, force=args.force,
                          members=args.members, hours=args.hours, scheduler=args.scheduler,
                          grid_size=args.grid_size, grid_spacing=args.grid_spacing,
                          heavy_rain_24h_mm=args.heavy_rain_24h_mm, heavy_rain_12h_mm=args.heavy_rain_12h_mm,
                          heavy_rain_1h_mm=args.heavy_rain_1h_mm, flood_grid_spacing=args.flood_grid_spacing,
                          flood_grid_size=args.flood_grid_size, language=args.language,
                          command_line=" ".join(["parktwin", *sys.argv[1:]]))
    # what a person reads here is local time with its offset (summary.json's *_local fields), never a UTC stamp
    when = result.summary.get("cycle_time_local", "")
    if result.skipped:
        print(f"cycle {result.cycle} ({when}) already finished in {result.folder} (use --force to recompute)")
    else:
        top = result.summary["sources"][:3]
        print(f"cycle {result.cycle} ({when}): {len(result.summary['sources'])} risk sources, "
              f"{result.computed_members} members computed; release start "
              f"{result.summary['release_start']['start_local']}; brief in {result.folder / 'brief.html'}")
        for row in top:
            print(f"  {row['rank']}. {row['id']} ({row['substance']}): expected people above endpoint-2 "
                  f"{row['risk_score']}, max P {row['max_probability_endpoint2']:.0%}")
        flood = result.summary["flood"]
        print(f"  flood: {flood['decision']}"
              + (f"; flooded: {', '.join(flood['flooded_ids']) or 'none'}" if flood.get("triggered") else ""))
    return 0


def _cmd_sample_forecast(args: argparse.Namespace) -> int:
    from scenarios.forecast.run import write_demo_sample_forecast

    path = write_demo_sample_forecast(args.park, args.out, start=args.start, hours=args.hours, seed=args.seed,
                                      rain=args.rain)
    print(f"sample forecast written to {path}")
    return 0


def _cmd_trace(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from scenarios.trace.run import TraceSettings, run_trace
    from twin.errors import InputError

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    if args.area_cell is not None and "area" not in kinds:
        kinds.append("area")
    try:
        settings = TraceSettings(park=str(args.park), weather=str(args.weather),
                                 monitors=None if args.monitors is None else str(args.monitors),
                                 observed=[str(p) for p in args.observed], pollutant=args.pollutant,
                                 language=args.language, sigma_ln=args.sigma_ln,
                                 rate_min=args.rate_range[0], rate_max=args.rate_range[1],
                                 detection_limit_ug_m3=args.detection_limit, kinds=tuple(kinds),
                                 area_cell=args.area_cell, calm_hours=args.calm_hours,
                                 fill_missing_hours=args.fill_missing_hours)
    except ValidationError as error:
        first = error.errors()[0]
        option = {"rate_min": "rate-range", "rate_max": "rate-range"}.get(str(first["loc"][0]),
                                                                           str(first["loc"][0]).replace("_", "-"))
        raise InputError.field("parktwin trace", f"--{option}", first.get("input"),
                               f"valid ({first['msg']})") from None
    summary = run_trace(settings, args.out)
    print(f"trace over {summary['hours']} h from {summary['start_local']}: {summary['detections']} detections at "
          f"{len(summary['monitors'])} monitors; brief in {args.out / 'brief.html'}")
    for row in summary["top"]:
        rate = (f"rate {row['rate_median_g_s']:.3g} g/s (90 % {row['rate_low_g_s']:.3g}–{row['rate_high_g_s']:.3g})"
                if row["rate_median_g_s"] == row["rate_median_g_s"] else "rate not integrated (P < e^-50 of the first)")
        print(f"  {row['rank']}. {row['id']} ({row['kind']}): P = {row['probability']:.1%}, {rate}")
    return 0


def _cmd_buildings(args: argparse.Namespace) -> int:
    from scenarios.eia.buildings import write_park_building_profiles

    paths, rows = write_park_building_profiles(args.park, args.out)
    below = [row["stack_id"] for row in rows if row["below_gep_formula_height"] == "yes"]
    wake = [row["stack_id"] for row in rows if row["directions_below_wake_height"]]
    low = [row["stack_id"] for row in rows if row["gb16297_5m_above_buildings"] == "no"]
    print(f"{len(rows)} stacks: {len(below)} below their GEP formula height H + 1.5 L, {len(wake)} below a building's "
          f"wake height for some of the 36 flow directions, {len(low)} not 5 m above the buildings within 200 m "
          "(GB 16297-1996 7.1)")
    for path in paths.values():
        print(f"  {path}")
    return 0


def _cmd_bpip(args: argparse.Namespace) -> int:
    from scenarios.eia.buildings import write_bpip_profiles

    paths, rows = write_bpip_profiles(args.input, args.out)
    below = [row["stack_id"] for row in rows if row["below_gep_formula_height"] == "yes"]
    print(f"{len(rows)} stacks: {len(below)} below their GEP formula height H + 1.5 L")
    for path in paths.values():
        print(f"  {path}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from scenarios.validate import validate_file

    print(validate_file(args.park))
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from scenarios.evaluation.bootstrap import DEFAULT_SEED
    from scenarios.evaluation.run import EvaluationOptions, evaluate_files

    options = EvaluationOptions(threshold=args.threshold * 1e-9,  # ug/m3 -> kg m-3, SI inside
                                block_hours=args.block_hours, resamples=args.resamples,
                                seed=DEFAULT_SEED if args.seed is None else args.seed, max_distance=args.max_distance)
    summary = evaluate_files(args.observed, args.predicted, args.out, predicted_b=args.predicted_b, park=args.park,
                             options=options)
    for key, entry in summary["substances"].items():
        row = entry["model_a"]
        print(f"{key}: {entry['n_pairs']} pairs; " + ", ".join(
            f"{name} {row[name]['value']:.3g} [{row[name]['low']:.3g}, {row[name]['high']:.3g}]" for name in row))
    print(f"Outputs in {args.out.resolve()}")
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    if args.which == "park":
        from twin.park import park_json_schema

        schema = park_json_schema()
    else:
        from scenarios.spec import scenario_json_schema

        schema = scenario_json_schema()
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def _cmd_watch(args: argparse.Namespace) -> int:
    from scenarios.watch.run import WatchSettings, watch_loop, watch_once

    settings = WatchSettings(weather=args.weather, simulation_hours=args.hours, grid_size=args.grid_size,
                             grid_spacing=args.grid_spacing, language=args.language,
                             max_weather_age_hours=args.max_weather_age,
                             command_line=" ".join(["parktwin", *sys.argv[1:]]))
    out = args.out or args.folder.resolve().parent / "watch"
    if not args.once:
        return watch_loop(args.folder, args.park, out, settings, interval=args.interval, passes=args.passes)
    result = watch_once(args.folder, args.park, out, settings)
    print(f"{len(result.files_read)} readings files read, {len(result.files_rejected)} rejected; "
          f"{len(result.changes)} changes of warning level; {len(result.leaks)} leaks; outputs in {out}")
    for change in result.changes:
        print(f"  {change['time_local']} {change['risk_source']} {change['quantity']} {change['as_read']}: "
              f"{change['previous_level']} -> {change['level']}")
    for leak in result.leaks:
        print(f"  leak {leak['risk_source']}: {leak['status']} {leak.get('plan') or leak.get('reason') or ''}")
    return result.exit_code


def _cmd_ledger(args: argparse.Namespace) -> int:
    from scenarios.common.ledger import LEDGER_ENV, LEDGER_NAME, repair_ledger, verify_ledger

    path = args.ledger_file or args.ledger or Path(os.environ.get(LEDGER_ENV, "").strip() or LEDGER_NAME)
    if args.ledger_action == "repair":
        done = repair_ledger(path)
        print(f"ledger {path}: " + ("whole, nothing to repair" if done is None else
                                    f"incomplete last record ({done['incomplete_bytes']} bytes, sha256 "
                                    f"{done['incomplete_sha256']}) moved to {done['moved_to']}"))
        return 0
    report = verify_ledger(path, check_inputs=args.inputs, head=args.head)
    print(report.text())
    return 0 if report.ok else os.EX_DATAERR


_COMMANDS = {"demo": _cmd_demo, "run": _cmd_run, "ensemble": _cmd_ensemble, "eia": _cmd_eia, "caps": _cmd_caps,
             "water-caps": _cmd_water_caps,
             "forecast": _cmd_forecast, "sample-forecast": _cmd_sample_forecast, "trace": _cmd_trace,
             "validate": _cmd_validate, "evaluate": _cmd_evaluate,
             "schema": _cmd_schema, "watch": _cmd_watch, "ledger": _cmd_ledger, "buildings": _cmd_buildings,
             "bpip": _cmd_bpip}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _configure_logging(args.verbose)
    os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    from scenarios.common.ledger import using_ledger
    from twin.errors import ParkTwinError
    from twin.inputs import recording_inputs

    try:
        with recording_inputs(["parktwin", *(sys.argv[1:] if argv is None else argv)]), using_ledger(args.ledger):
            return _COMMANDS[args.command](args)  # run.json: inputs, command; the ledger its records go to
    except ParkTwinError as error:
        log.error("%s", error)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        code = _os_error_exit_code(error)
        if code is not None:
            return code
        log.exception("internal error (please report it with this traceback)")
        return os.EX_SOFTWARE
    except Exception:  # a bug: say so plainly, keep the traceback for the report, exit 70 (EX_SOFTWARE)
        log.exception("internal error (please report it with this traceback)")
        return os.EX_SOFTWARE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
