"""Run a steady-plume scenario end to end: park → weather → receptors → kernel → NetCDF, maps, summary.

Every output goes through an atomic write (``twin.store``), so an interrupted run leaves either finished files or
none. The scenario's canonical JSON and its SHA-256 travel into the NetCDF provenance.
"""

from __future__ import annotations

import logging
from pathlib import Path

from dispersion.plume import run_plume
from scenarios.common.grids import grid_axes
from scenarios.common.models import grid_receptors, park_stacks, plume_options
from scenarios.common.progress import Stages
from scenarios.common.results import RunResult, check_writable, write_manifest
from scenarios.common.spec import canonical_json
from scenarios.common.weather import load_weather
from scenarios.plume.outputs import monitor_receptors, write_monitor_series, write_outputs, \
    write_pictures_and_summary
from scenarios.plume.spec import PlumeScenario
from twin.errors import InputError
from twin.io import load_park
from twin.limits import check_memory

__all__ = ["run_plume_scenario"]

_LOG = logging.getLogger("parktwin")


def run_plume_scenario(scenario: PlumeScenario, *, base_dir: Path, out_dir: Path,
                       command_line: list[str] | str = "", where: str = "scenario") -> RunResult:
    """Run ``scenario`` (paths relative to ``base_dir``) and write every output into ``out_dir``.

    ``run.json`` is written last: its presence (with the scenario's SHA-256) marks a complete run.
    """
    stages = Stages(6, scenario.name)
    try:
        with stages.stage("park"):
            park = load_park(base_dir / scenario.park)
            fugitive = [*park.volume_sources, *park.area_sources]
            if fugitive:  # said, not refused: this is the stacks' screening picture
                _LOG.warning("%s: the park's %d volume and %d area sources (fugitive emissions, e.g. %r) are not in "
                             "this steady plume run, which models stacks only; kind: eia with model.dispersion: "
                             "aermod models them", where, len(park.volume_sources), len(park.area_sources),
                             fugitive[0].id)
            emitted = park.pollutants()
            pollutants = scenario.pollutants or emitted
            if not pollutants:
                raise InputError.field(where, "pollutants", [], "at least one substance the stacks emit")
            for key in pollutants:
                if key not in emitted:
                    raise InputError.field(where, "pollutants", key,
                                           f"a substance emitted by the park's stacks ({', '.join(emitted)})")
            check_writable(out_dir)  # before the computation, not after it
        with stages.stage("weather"):
            met = load_weather(scenario.weather, base_dir, park, where)
        with stages.stage("receptors"):
            gx, gy = grid_axes(scenario.grid, park)
            check_memory(8.0 * gx.size * gy.size * met.sizes["time"] * len(pollutants),
                         f"hourly fields of {gx.size * gy.size:,} receptors × {met.sizes['time']:,} h × "
                         f"{len(pollutants)} pollutants", f"{where}: grid, weather.hours, pollutants",
                         "use a coarser grid, fewer hours or fewer pollutants")
            receptors = grid_receptors(park, gx, gy, scenario.grid.receptor_height)
            stacks = park_stacks(park)
            rates = {key: park.emission_rates(key) for key in pollutants}
        with stages.stage("plume kernel"):
            options = plume_options(scenario.model, park, gx, gy, store_hourly=True)
            result = run_plume(stacks, rates, receptors, met, options)
            # the same plumes at the park's monitors (their own inlet heights), for ``parktwin evaluate``
            at_monitors = (run_plume(stacks, rates, monitor_receptors(park, scenario.grid.receptor_height), met,
                                     options) if park.monitors else None)
        with stages.stage("NetCDF"):
            paths = write_outputs(scenario, park, met, result, gx, gy, pollutants, out_dir,
                                  canonical_json(scenario), command_line)
            if at_monitors is not None:
                paths["monitors_netcdf"] = write_monitor_series(scenario, park, met, at_monitors, pollutants, out_dir,
                                                                canonical_json(scenario), command_line)
        with stages.stage("maps and summary"):
            paths.update(write_pictures_and_summary(scenario, park, met, result, gx, gy, pollutants, out_dir))
            paths["manifest"] = write_manifest(out_dir, scenario, paths)
    finally:
        stages.close()
    summary = paths["summary"].read_text(encoding="utf-8")
    return RunResult(out_dir=out_dir, paths=paths, summary_text=summary)
