"""Scenario files: what to run, on which park, with which weather and model choices.

A scenario file is YAML validated by pydantic (``extra="forbid"``: a misspelt key is an error, not a silent
default). ``kind`` selects the scenario type; each kind's model lives in ``scenarios/<kind>/spec.py`` and is listed
once in :data:`scenarios.registry.KINDS`, from which this module builds the file format. Paths inside the file are
relative to the file. ``parktwin schema scenario`` prints the JSON Schema so editors can validate files as users type.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import Field, create_model

from scenarios.common.spec import (
    DesignTrackSpec,
    GridSpec,
    ModelSpec,
    StrictModel,
    TrackFileSpec,
    WeatherSpec,
    canonical_json,
    scenario_hash,
)
from scenarios.eia.spec import BackgroundSpec, CapsSpec, EiaScenario, HeavyPollutionSpec
from scenarios.leak.spec import LeakMeteorologySpec, LeakScenario, SourceTermSpec
from scenarios.plume.spec import OutputSpec, PlumeScenario
from scenarios.registry import KINDS
from scenarios.typhoon.spec import TideSpec, TyphoonScenario
from twin.errors import InputError
from twin.validation import load_yaml, parse_model

__all__ = ["PlumeScenario", "LeakScenario", "EiaScenario", "TyphoonScenario", "DesignTrackSpec", "TrackFileSpec",
           "TideSpec", "CapsSpec", "HeavyPollutionSpec", "BackgroundSpec", "SourceTermSpec", "LeakMeteorologySpec",
           "WeatherSpec", "GridSpec", "ModelSpec", "OutputSpec", "StrictModel", "load_scenario", "scenario_from_dict",
           "scenario_json_schema", "canonical_json", "scenario_hash"]

Scenario = Annotated[Union[tuple(kind.spec for kind in KINDS.values())], Field(discriminator="kind")]
_ScenarioFile = create_model("_ScenarioFile", scenario=(Scenario, ...))


def scenario_from_dict(data: dict[str, Any], *, where: str = "scenario") -> StrictModel:
    """Validate a scenario given as a dict (what a YAML file holds); ``where`` names it in errors.

    InputError names every bad field; an unknown ``kind`` is reported together with what the rest of the data gets
    wrong as a plume scenario.
    """
    kind = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(kind, str) or kind not in KINDS:  # 'kind: [plume]' is a list, not a name
        problems = [str(InputError.field(where, "kind", kind, f"one of {', '.join(KINDS)}"))]
        try:
            parse_model(PlumeScenario, {**(data if isinstance(data, dict) else {}), "kind": "plume"}, where=where)
        except InputError as error:
            problems += str(error).splitlines()
        raise InputError("\n".join(problems))
    return parse_model(KINDS[kind].spec, data, where=where)


def load_scenario(path: str | Path) -> StrictModel:
    """Read and validate a scenario YAML file (InputError names every bad field; MissingInputError if absent)."""
    path = Path(path)
    return scenario_from_dict(load_yaml(path, where=path.name), where=path.name)


def scenario_json_schema() -> dict:
    """JSON Schema of a scenario file: one of the kinds, chosen by ``kind``."""
    definitions = _ScenarioFile.model_json_schema()["$defs"]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "ParkTwin scenario",
            "oneOf": [{"$ref": f"#/$defs/{kind.spec.__name__}"} for kind in KINDS.values()],
            "discriminator": {"propertyName": "kind"}, "$defs": definitions}
