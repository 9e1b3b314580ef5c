"""``parktwin validate FILE``: check a park bundle or a scenario file, and every file it names, without running it.

A file with a top-level ``kind`` is a scenario: its schema, its park bundle (:func:`twin.io.load_park`), the risk
source a leak names, and every block that reads a file — each ``weather:`` block (read and cut to its period as a
run would: station CSV, AERMET, forecast NetCDF, typhoon track), each typhoon track file, an EIA hourly background
CSV, a gridded rain file. Anything else is a park bundle. The first problem raises the error a run would raise
(with its exit code); a file that passes gets one line saying what was checked.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from twin.validation import load_yaml

__all__ = ["validate_file"]


def validate_file(path: Path) -> str:
    """Check ``path`` (park.yaml or a scenario file) and the files it names; return the one-line report."""
    data = load_yaml(path)
    if isinstance(data, dict) and "kind" in data:
        return _validate_scenario(Path(path))
    return _validate_park(Path(path))


def _validate_park(path: Path) -> str:
    from twin.io import load_park

    park = load_park(path)
    spec = park.spec
    volumes = "".join(f"{len(items)} {what}, " for what, items in (("volume sources", spec.volume_sources),
                                                                   ("area sources", spec.area_sources)) if items)
    return (f"{path}: OK — {spec.name}: {len(spec.stacks)} stacks, {volumes}{len(spec.risk_sources)} risk sources, "
            f"{len(park.buildings)} buildings, {len(spec.receptors)} receptors, {len(spec.monitors)} monitors, "
            f"EPSG:{spec.epsg}")


def _validate_scenario(path: Path) -> str:
    from scenarios.common.spec import TrackFileSpec, WeatherSpec
    from scenarios.common.times import local_text
    from scenarios.common.weather import load_weather
    from scenarios.spec import load_scenario
    from twin.errors import InputError, MissingInputError
    from twin.io import load_park
    from twin.textfiles import read_text

    scenario = load_scenario(path)
    base_dir = path.parent
    where = path.name
    park_path = base_dir / scenario.park
    if not park_path.is_file():
        raise MissingInputError(f"{where}: park {scenario.park!r} not found: {park_path} does not exist")
    park = load_park(park_path)
    checked = [f"park {scenario.park}"]
    ids = [s.id for s in park.spec.risk_sources]
    for location, block in [("", scenario), *_blocks(scenario)]:  # a leak's source, a typhoon's triggered leak
        risk_source = getattr(block, "risk_source", None) if "risk_source" in type(block).model_fields else None
        if isinstance(risk_source, str):
            field = f"{location}.risk_source" if location else "risk_source"
            if risk_source not in ids:
                raise InputError.field(where, field, risk_source, f"one of the park's risk sources {ids}")
            checked.append(f"{field} {risk_source}")
    meteorology = getattr(scenario, "meteorology", None) if scenario.kind == "leak" else None
    if meteorology is not None and meteorology.preset is not None and meteorology.wind_from_direction is None:
        from scenarios.common.impact import people_mask, no_people_to_aim_at  # the preset aims at the nearest

        if not people_mask([receptor.kind for receptor in park.spec.receptors]).any():
            raise no_people_to_aim_at(where)
    for location, block in _blocks(scenario):
        if isinstance(block, WeatherSpec):
            weather = load_weather(block, base_dir, park, f"{where}: {location}")
            times, offset = weather["time"].values, park.spec.utc_offset_hours  # the period it gives, local time
            checked.append(f"{location} ({block.source}, {times.size} h, first hour {local_text(times[0], offset)}, "
                           f"last {local_text(times[-1], offset)})")
    if scenario.kind == "typhoon":  # the storm's track (a file is read and must cover the simulation)
        from scenarios.common.storm import Storm

        Storm(park, scenario, base_dir)
        track = scenario.track
        checked.append(f"track ({track.file})" if isinstance(track, TrackFileSpec) else "track (design typhoon)")
    if scenario.kind == "water":  # the river, its kinetics, the pollutants and outfall ids the scenario names
        from scenarios.water.run import check_water

        model, pollutants = check_water(scenario, park, where)
        checked.append(f"river {model.river.id} ({len(model.river.outfalls)} outfalls, "
                       f"{len(model.river.control_sections)} sections; caps of {', '.join(pollutants)})")
    for location, relative in _named_files(scenario):
        if relative.endswith(".csv"):
            read_text(base_dir / relative, f"{where}: {location} {relative!r}")
        else:
            _must_exist(base_dir / relative, f"{where}: {location}")
        checked.append(f"{location} ({relative})")
    return f"{path}: OK — kind {scenario.kind}, {scenario.name}: checked " + ", ".join(checked)


def _must_exist(path: Path, where: str) -> None:
    from twin.errors import MissingInputError

    if not path.is_file():
        raise MissingInputError(f"{where}: file not found: {path}")


def _blocks(model: BaseModel, prefix: str = ""):
    """Every nested pydantic block of ``model`` with its dotted location ('meteorology.weather')."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        location = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield location, value
            yield from _blocks(value, location + ".")
        elif isinstance(value, (list, tuple)):
            for k, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield f"{location}[{k}]", item
                    yield from _blocks(item, f"{location}[{k}].")


# Fields that name a file outside the weather and track blocks (which are read in full above).
_FILE_FIELDS = ("hourly_csv", "rain_file")


def _named_files(model: BaseModel):
    for location, block in [("", model), *_blocks(model)]:
        for name in _FILE_FIELDS:
            value = getattr(block, name, None) if name in type(block).model_fields else None
            if isinstance(value, str):
                yield (f"{location}.{name}" if location else name), value
