"""The ``kind: leak`` scenario an orange or red warning starts, on the current weather, and its run.

The release is the nightly forecast's credible-worst release of the unit (:func:`scenarios.forecast.rules.
release_rule`: the whole inventory in the 10-min isolation time, airborne directly for a liquefied gas, as a spill
into the bund for a liquid), starting at the time of the reading that raised the warning. The weather
(:func:`leak_weather`) is

* a forecast NetCDF (``--weather FILE.nc``): its hours from the one holding the reading on, as the nightly batch
  reads it (not there yet: retry later, exit 75);
* a station CSV (``--weather FILE.csv``): the station's last hour at or before the reading, held for the hours the
  cloud is followed (persistence: the only forecast an hourly station gives), written beside the scenario as
  ``weather.csv``; a last hour older than ``max_weather_age_hours`` is refused (retry later, exit 75: newer data will
  come), never stretched over hours it does not describe;
* none: the HJ 169-2018 §9 worst case (stability F, 1.5 m/s, 25 °C) blowing towards the nearest residential area,
  school or hospital (the ``hj169_worst`` preset of ``kind: leak``).

The scenario is written as ``scenario.yaml`` into ``OUT/leaks/<ID>-<reading time, UTC>/`` and run there with
``parktwin run``'s machinery (lock, ``run.json`` last, ledger record, plan draft ``plan.html``). The folder's name
comes from the reading, so a pass that is repeated after a crash runs into the same folder, and a folder whose
``run.json`` holds the same scenario is not run again.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml

from scenarios.common.results import read_manifest
from scenarios.common.spec import scenario_hash
from scenarios.forecast.rules import RELEASE_RULE, release_rule
from scenarios.run import run_scenario_file
from scenarios.spec import load_scenario
from twin.atomic import write_text_atomic
from twin.errors import InputError, MeteoCoverageError
from twin.textfiles import read_text

__all__ = ["leak_folder_name", "leak_weather", "start_leak"]


def leak_folder_name(source_id: str, moment: datetime) -> str:
    return f"{source_id}-{moment.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def leak_weather(weather: Path | None, start: datetime, hours: int, folder: Path,
                 max_weather_age_hours: float) -> dict:
    """The ``meteorology:`` block of the triggered leak (module docstring); may write ``folder/weather.csv``."""
    if weather is None:
        return {"preset": "hj169_worst"}
    weather = Path(weather).resolve()
    first_hour = start.replace(minute=0, second=0, microsecond=0)
    if weather.suffix.lower() == ".nc":
        return {"weather": {"source": "forecast_netcdf", "path": str(weather), "start": first_hour.isoformat(),
                            "hours": hours + 1}}
    if weather.suffix.lower() != ".csv":
        raise InputError.field("watch", "weather", str(weather), "a forecast NetCDF (.nc) or a station CSV (.csv)")
    header, row, last = _last_station_hour(weather, start)
    age = (start - last).total_seconds() / 3600.0
    if age > max_weather_age_hours:
        raise MeteoCoverageError(f"weather {weather}: the station's last hour at or before the reading "
                                 f"({last.isoformat()}) is {age:.1f} h old, more than the {max_weather_age_hours:g} h "
                                 "allowed for the current weather; retry when newer data have arrived")
    count = int(math.ceil(age + hours)) + 1  # from the last hour to past the end of the followed time
    column = header.index("time")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    buffer.write(f"# persistence of the station's hour {last.isoformat()} from {weather.name} (parktwin watch)\n")
    writer.writerow(header)
    for step in range(count):
        values = list(row)
        values[column] = (last + timedelta(hours=step)).isoformat()
        writer.writerow(values)
    write_text_atomic(folder / "weather.csv", buffer.getvalue())
    return {"weather": {"source": "station_csv", "path": "weather.csv", "start": last.isoformat(), "hours": count}}


def _last_station_hour(path: Path, start: datetime) -> tuple[list[str], list[str], datetime]:
    """(header, row, its time [UTC]) of the last row of the station CSV at or before ``start``."""
    lines = [line for line in read_text(path).splitlines() if line.strip() and not line.lstrip().startswith("#")]
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    if not rows or "time" not in [name.strip() for name in rows[0]]:
        raise InputError.field(f"station CSV {path.name}", "header", ",".join(rows[0]) if rows else "",
                               "a station CSV header with a time column (meteo.io)")
    header = [name.strip() for name in rows[0]]
    column = header.index("time")
    best = None
    for row in rows[1:]:
        text = row[column].strip()
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            continue  # a malformed row: the weather reader names it if the run reads it
        if moment.tzinfo is None:
            continue
        moment = moment.astimezone(timezone.utc)
        if moment <= start and (best is None or moment > best[1]):
            best = (row, moment)
    if best is None:
        raise MeteoCoverageError(f"weather {path}: no hour at or before the reading {start.isoformat()}; retry "
                                 "when the station's data have arrived")
    return header, best[0], best[1]


def start_leak(park, park_yaml: Path, source, start: datetime, out: Path, *, weather: Path | None,
               simulation_hours: int, grid_size: float, grid_spacing: float, language: str,
               max_weather_age_hours: float, command_line: str) -> dict:
    """Write and run the leak of ``source`` from ``start`` [aware]; return what was done (for the log)."""
    chemical = park.chemicals[source.substance]
    rule = release_rule(source, chemical)
    folder = out / "leaks" / leak_folder_name(source.id, start)
    if isinstance(rule, str):
        return {"status": "not_assessed", "reason": rule}
    folder.mkdir(parents=True, exist_ok=True)
    pool = rule.model == "liquid_spill"
    scenario = {
        "kind": "leak", "name": f"watch-{folder.name}", "park": str(park_yaml.resolve()), "risk_source": source.id,
        "source_term": {"model": rule.model, "rate": rule.rate, "duration": rule.duration,
                        "release_height": 0.0 if pool else 1.0},
        "start": start.isoformat(), "duration_limit": simulation_hours * 3600.0 if pool else rule.duration,
        "simulation_hours": simulation_hours,
        "meteorology": leak_weather(weather, start, simulation_hours, folder, max_weather_age_hours),
        "grid": {"size": [grid_size, grid_size], "spacing": grid_spacing}, "language": language}
    path = folder / "scenario.yaml"
    write_text_atomic(path, f"# Started by parktwin watch: a warning on {source.id} at {start.isoformat()}.\n"
                            f"# Release: {RELEASE_RULE}\n"
                      + yaml.safe_dump(scenario, sort_keys=False, allow_unicode=True))
    manifest = read_manifest(folder)
    if manifest is not None and manifest.get("scenario_config_sha256") == scenario_hash(load_scenario(path)):
        return {"status": "already_run", "folder": str(folder)}
    result = run_scenario_file(path, folder, command_line=command_line)
    return {"status": "started", "folder": str(folder), "plan": str(result.paths.get("plan", folder / "plan.html")),
            "summary": result.summary_text}
