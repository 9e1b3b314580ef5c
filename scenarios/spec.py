"""Scenario files: what to run, on which park, with which weather and model choices.

A scenario file is YAML validated by pydantic (``extra="forbid"``: a misspelt key is an error, not a silent
default). ``kind`` selects the scenario type; this module holds the steady-plume kind (``kind: plume``), the
foundation that leak, typhoon, annual and forecast kinds extend. Paths inside the file are relative to the file.
``parktwin schema scenario`` prints the JSON Schema so editors can validate files as users type.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from scenarios.ensemble import EnsembleSpec
from twin.validation import load_yaml, parse_model

__all__ = ["PlumeScenario", "WeatherSpec", "GridSpec", "ModelSpec", "OutputSpec", "load_scenario",
           "scenario_json_schema", "canonical_json", "scenario_hash"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WeatherSpec(_Strict):
    """Where the hourly weather comes from."""

    source: Literal["station_csv", "synthetic"] = Field(
        description="station_csv: an hourly station CSV (meteo.read_station_csv); synthetic: the deterministic "
                    "coastal East-China generator (meteo.synthetic_weather)")
    path: str | None = Field(None, description="station CSV path, relative to the scenario file")
    start: datetime = Field(description="first hour, ISO 8601 with an explicit UTC offset, e.g. "
                                        "2026-07-15T00:00:00+08:00")
    hours: int = Field(24, gt=0, le=8784, description="number of hourly steps [h]")
    seed: int = Field(20261124, ge=0, description="random seed of the synthetic generator")
    stability_method: Literal["gb3840", "turner"] = Field(
        "gb3840", description="Pasquill–Gifford class method: GB/T 3840-91 (default for Chinese parks) or "
                              "Turner (1964) net-radiation index")

    @field_serializer("start")
    def _start_in_utc(self, start: datetime) -> str:
        """Serialised in UTC, so the same instant written with another offset hashes the same."""
        return start.astimezone(timezone.utc).isoformat() if start.tzinfo is not None else start.isoformat()

    @model_validator(mode="after")
    def _check(self) -> "WeatherSpec":
        if self.start.tzinfo is None:
            raise ValueError(f"start must carry an explicit UTC offset (e.g. +08:00), got {self.start.isoformat()}")
        if self.source == "station_csv" and not self.path:
            raise ValueError("path is required when source is 'station_csv'")
        return self


class GridSpec(_Strict):
    """The Cartesian receptor grid [m, park CRS]."""

    centre: tuple[float, float] | None = Field(None, description="grid centre (x, y) [m]; default: the centroid "
                                                                 "of the park's stacks")
    size: tuple[float, float] = Field((5000.0, 5000.0), description="grid extent (east-west, north-south) [m]")
    spacing: float = Field(25.0, gt=0, description="receptor spacing [m]")
    receptor_height: float = Field(0.0, ge=0, description="receptor height above ground [m] (0 = ground level, "
                                                           "as HJ 2.2-2018 predicts ground-level concentrations)")

    @model_validator(mode="after")
    def _check(self) -> "GridSpec":
        if min(self.size) <= 0:
            raise ValueError(f"size must be > 0 m in both directions, got {self.size}")
        count = (int(self.size[0] // self.spacing) + 1) * (int(self.size[1] // self.spacing) + 1)
        if count > 4_000_000:
            raise ValueError(f"size/spacing give {count} receptors; at most 4,000,000 are allowed")
        return self


class ModelSpec(_Strict):
    """Explicit model choices (nothing is inferred from the data)."""

    sigma: Literal["briggs_rural", "briggs_urban", "pasquill_gifford_isc3", "gb13201"] | None = Field(
        None, description="dispersion coefficients; default briggs_rural or briggs_urban from the park's land_use")
    terrain: Literal["simple", "flat"] = Field("simple", description="ISC3 simple-terrain truncation, or flat")
    stack_tip_downwash: bool = True
    buoyancy_induced_dispersion: bool = True
    half_life: dict[str, float] = Field(default_factory=dict,
                                        description="first-order decay half-life per substance [s]")


class OutputSpec(_Strict):
    hourly_fields: bool = Field(True, description="write hourly fields (else statistics only)")
    maps: bool = Field(True, description="render the 2D map PNGs and the 3D scene PNG")


class PlumeScenario(_Strict):
    """``kind: plume`` — hourly steady Gaussian plumes of every stack of the park."""

    schema_version: Literal[1] = 1
    kind: Literal["plume"]
    name: str = Field(min_length=1, description="scenario name, used in titles and file names")
    park: str = Field(description="park.yaml path, relative to the scenario file")
    weather: WeatherSpec
    grid: GridSpec = GridSpec()
    model: ModelSpec = ModelSpec()
    pollutants: list[str] | None = Field(None, description="substance keys to model; default: all the stacks emit")
    output: OutputSpec = OutputSpec()
    ensemble: EnsembleSpec | None = Field(None, description="optional ensemble of perturbed members "
                                                            "(run with scenarios.ensemble_run.run_ensemble)")


def load_scenario(path: str | Path) -> PlumeScenario:
    """Read and validate a scenario YAML file (InputError names every bad field; MissingInputError if absent)."""
    path = Path(path)
    data = load_yaml(path, where=path.name)
    return parse_model(PlumeScenario, data, where=path.name)


def scenario_json_schema() -> dict:
    return PlumeScenario.model_json_schema()


def canonical_json(scenario: BaseModel) -> str:
    """The scenario as canonical JSON (sorted keys): what is hashed and stored in the outputs' provenance."""
    return json.dumps(scenario.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def scenario_hash(scenario: BaseModel) -> str:
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()
