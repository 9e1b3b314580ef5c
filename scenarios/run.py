"""Run a scenario — from a file, a dict or a validated model — through the kind registry.

The functions a user calls (also from a notebook, see ``docs/api.md``)::

    from scenarios.run import run_scenario, run_scenario_file
    result = run_scenario_file("leak.yaml", "out/")            # what ``parktwin run`` does
    result = run_scenario(scenario_from_dict({...}), base_dir=".", out_dir="out/")

Every output goes through an atomic write; ``run.json`` (or the kind's manifest) is written last.
"""

from __future__ import annotations

import logging
from pathlib import Path

from scenarios.common.results import RunResult, slug
from scenarios.common.spec import StrictModel
from scenarios.registry import KINDS
from scenarios.spec import load_scenario

__all__ = ["RunResult", "run_scenario", "run_scenario_file"]

log = logging.getLogger("parktwin")


def run_scenario(scenario: StrictModel, *, base_dir: str | Path = ".", out_dir: str | Path | None = None,
                 command_line: list[str] | str = "", where: str = "scenario") -> RunResult:
    """Run a validated scenario (``scenarios.spec.load_scenario`` or ``scenario_from_dict``).

    base_dir : folder the scenario's relative paths (park, weather files) start from.
    out_dir : output folder (default ``base_dir/results/<scenario name>``).
    where : how errors name the scenario (the file name, for a file).
    """
    base_dir = Path(base_dir)
    out = Path(out_dir) if out_dir is not None else base_dir / "results" / slug(scenario.name)
    return KINDS[scenario.kind].run(scenario, base_dir=base_dir, out_dir=out, command_line=command_line,
                                    where=where)


def run_scenario_file(path: str | Path, out_dir: str | Path | None = None,
                      command_line: list[str] | str | None = None) -> RunResult:
    """Validate and run the scenario file at ``path``; outputs go to ``out_dir`` (default results/<name>)."""
    path = Path(path)
    scenario = load_scenario(path)
    if command_line is None:
        command_line = f"parktwin run {path}" + (f" --out {out_dir}" if out_dir is not None else "")
    return run_scenario(scenario, base_dir=path.parent, out_dir=out_dir, command_line=command_line, where=path.name)
