"""The scenario kinds, in one place: each kind's file model, its runner and its ensemble.

``scenarios.spec`` builds the scenario-file format (the ``kind`` union, the JSON Schema, the error for an unknown
kind) from :data:`KINDS`, and the CLI's ``run`` and ``ensemble`` commands dispatch through it, so a new kind is a
new subpackage plus one entry here.

Runners are named by ``"module:function"`` and imported when called: importing a runner pulls in Numba, xarray and
matplotlib (about 1.5 s), which ``parktwin --help``, ``validate`` and ``schema`` must not pay (measured with
``python -X importtime -m scenarios.cli --help``).

Runner signature: ``runner(scenario, *, base_dir, out_dir, command_line, where) -> RunResult``.
Ensemble signature: ``ensemble(scenario, scenario_path, out_dir, *, scheduler, workers) -> str`` (what the CLI
prints); ``None`` when the kind has no ensemble.

Both run inside :func:`scenarios.common.results.output_folder`: one run at a time per output folder (a lock file),
the previous ``run.json`` removed first; an ensemble gets its ``run.json`` (every file it left at the top of its
folder) when it finishes.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from scenarios.common.results import RunResult, output_folder, write_folder_manifest
from scenarios.common.spec import StrictModel
from scenarios.eia.spec import EiaScenario
from scenarios.leak.spec import LeakScenario
from scenarios.plume.spec import PlumeScenario
from scenarios.typhoon.spec import TyphoonScenario
from scenarios.water.spec import WaterScenario

__all__ = ["ScenarioKind", "KINDS", "kind_of"]


@dataclass(frozen=True)
class ScenarioKind:
    """One ``kind:`` of scenario file."""

    name: str                   # the value of ``kind:`` in the file
    spec: type[StrictModel]     # the pydantic model of the file
    runner: str                 # "module:function" that runs it (see the module docstring)
    ensemble: str | None        # "module:function" of its ensemble, or None
    description: str            # one line for ``--help`` and the docs

    def run(self, scenario: StrictModel, *, base_dir: Path, out_dir: Path, command_line: list[str] | str,
            where: str) -> RunResult:
        with output_folder(out_dir, details={"scenario_kind": self.name}):
            return _resolve(self.runner)(scenario, base_dir=base_dir, out_dir=out_dir, command_line=command_line,
                                         where=where)

    def run_ensemble(self, scenario: StrictModel, scenario_path: Path, out_dir: Path, *, scheduler: str | None,
                     workers: int | None) -> str:
        if self.ensemble is None:
            raise NotImplementedError(f"kind {self.name!r} has no ensemble")
        with output_folder(out_dir, "ensemble", details={"scenario_kind": self.name}):
            text = _resolve(self.ensemble)(scenario, scenario_path, out_dir, scheduler=scheduler, workers=workers)
            write_folder_manifest(out_dir, scenario)  # last: the ensemble's completion marker
        return text


def _resolve(target: str):
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(module), function)


KINDS: dict[str, ScenarioKind] = {kind.name: kind for kind in (
    ScenarioKind("plume", PlumeScenario, "scenarios.plume.run:run_plume_scenario", "scenarios.plume.ensemble:run_cli",
                 "hourly steady Gaussian plumes of every stack of the park"),
    ScenarioKind("leak", LeakScenario, "scenarios.leak.run:run_leak", "scenarios.leak.ensemble:run_cli",
                 "a toxic release from a risk source: source term, dense-gas or puff dispersion, threat zones, plan"),
    ScenarioKind("eia", EiaScenario, "scenarios.eia.run:run_eia", None,
                 "a year of hourly weather over every stack: HJ 2.2-2018 statistics, transfer matrices, caps"),
    ScenarioKind("typhoon", TyphoonScenario, "scenarios.typhoon.run:run_typhoon", "scenarios.typhoon.ensemble:run_cli",
                 "wind, rain and sea level from a track; the park flood; warehouses that flood and when"),
    ScenarioKind("water", WaterScenario, "scenarios.water.run:run_water", None,
                 "a park river at its design flow: concentrations, wastewater caps per outfall, class-failure odds"),
)}


def kind_of(name: str) -> ScenarioKind:
    """The kind called ``name`` (KeyError if there is none: ``scenarios.spec.load_scenario`` reports it first)."""
    return KINDS[name]
