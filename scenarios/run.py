"""Run a scenario — from a file, a dict or a validated model — through the kind registry.

The functions a user calls (also from a notebook, see ``docs/api.md``)::

    from scenarios.run import run_scenario, run_scenario_file
    result = run_scenario_file("leak.yaml", "out/")            # what ``parktwin run`` does
    result = run_scenario({"kind": "leak", "park": "park/park.yaml", ...}, base_dir="study/", out_dir="out/")

Every output goes through an atomic write; ``run.json`` (or the kind's manifest) is written last.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from scenarios.common.results import RunResult, slug
from scenarios.common.spec import StrictModel
from scenarios.registry import KINDS
from scenarios.spec import load_scenario, scenario_from_dict
from twin.errors import MissingInputError
from twin.inputs import recording_inputs

__all__ = ["RunResult", "run_scenario", "run_scenario_file"]

log = logging.getLogger("parktwin")


def run_scenario(scenario: StrictModel | dict[str, Any], *, base_dir: str | Path = ".",
                 out_dir: str | Path | None = None, command_line: list[str] | str = "",
                 where: str = "scenario") -> RunResult:
    """Run a scenario: a validated model (``load_scenario``, ``scenario_from_dict``) or the dict a YAML file holds.

    Parameters
    ----------
    scenario : StrictModel or dict
        The scenario; a dict is validated first with :func:`scenarios.spec.scenario_from_dict`.
    base_dir : str or Path, default "."
        Folder the scenario's relative paths (``park``, weather and track files) start from — for a file, its folder
        (what :func:`run_scenario_file` passes); the default is the current working directory. Absolute paths in the
        scenario ignore it.
    out_dir : str or Path, optional
        Output folder, created if needed (default ``base_dir/results/<scenario name>``).
    command_line : list of str or str
        Recorded in the outputs' provenance (``history`` of the NetCDF files).
    where : str
        How errors name the scenario (the file name, for a file).

    Returns
    -------
    RunResult
        ``out_dir``, the output ``paths`` by role, and the summary the CLI prints.

    Raises
    ------
    InputError
        The scenario, the park or the weather holds a value that is not allowed (the message names it).
    MissingInputError
        A file the scenario names (park.yaml, a weather file) does not exist.
    OutputError
        ``out_dir`` cannot be written.
    """
    if isinstance(scenario, dict):
        scenario = scenario_from_dict(scenario, where=where)
    base_dir = Path(base_dir)
    park = base_dir / scenario.park
    if not park.is_file():
        raise MissingInputError(f"{where}: park {scenario.park!r} not found: {park} does not exist (relative paths "
                                f"in a scenario start from base_dir, here {str(base_dir.resolve())!r}: pass "
                                f"run_scenario(..., base_dir=<the folder they start from>) or an absolute path)")
    out = Path(out_dir) if out_dir is not None else base_dir / "results" / slug(scenario.name)
    return KINDS[scenario.kind].run(scenario, base_dir=base_dir, out_dir=out, command_line=command_line,
                                    where=where)


def run_scenario_file(path: str | Path, out_dir: str | Path | None = None,
                      command_line: list[str] | str | None = None) -> RunResult:
    """Validate and run the scenario file at ``path`` (what ``parktwin run`` does).

    Parameters
    ----------
    path : str or Path
        The scenario YAML; its relative paths start from its folder.
    out_dir : str or Path, optional
        Output folder (default ``<folder of path>/results/<scenario name>``).
    command_line : list of str or str, optional
        Recorded in the provenance (default: the equivalent ``parktwin run`` command).

    Returns
    -------
    RunResult

    Raises
    ------
    MissingInputError
        ``path`` (or a file it names) does not exist.
    InputError, OutputError
        As :func:`run_scenario`.
    """
    path = Path(path)
    with recording_inputs():  # the scenario file too, in run.json's inputs
        scenario = load_scenario(path)
        if command_line is None:
            command_line = f"parktwin run {path}" + (f" --out {out_dir}" if out_dir is not None else "")
        return run_scenario(scenario, base_dir=path.parent, out_dir=out_dir, command_line=command_line,
                            where=path.name)
