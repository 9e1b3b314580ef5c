"""Warning thresholds of a risk source's instruments (``thresholds:`` of a risk source in ``park.yaml``).

The seed case grades risk-source warnings blue / yellow / orange / red (蓝 / 黄 / 橙 / 红) and gives one rule: a
tank whose liquid level rises above 80 % of its safe level gives a yellow warning. The four colours are those of the
four-level early-warning scale of the Emergency Response Law of the PRC (2007, Art. 42: levels I–IV shown red,
orange, yellow, blue); the thresholds themselves are the operator's, per instrument, and none is assumed here
(see docs/unverified.md for the 80 % rule's status).

A risk source may give, per quantity, the value at which each level starts; a reading at or above it is at that
level (the highest level reached wins), below the lowest given one it is "normal"::

    thresholds:
      level:       {yellow: 80, orange: 90, red: 95}           # liquid level, % of the tank's safe capacity
      pressure:    {yellow: "0.9 MPa", red: "1.1 MPa"}          # absolute pressure [Pa, or with a unit]
      temperature: {orange: "40 degC", red: "50 degC"}          # [K, or with a unit]
      gas:         {blue: 5, yellow: 10, orange: 25, red: 50}   # gas detector [ppm by volume]

Levels given must rise strictly from blue to red; any may be left out. Every threshold is a rise: a low-pressure or
low-level alarm is not modelled.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from twin.units import Plausible, described, quantity

__all__ = ["WARNING_LEVELS", "QUANTITIES", "LevelThresholds", "PercentThresholds", "PressureThresholds",
           "TemperatureThresholds", "GasThresholds", "RiskThresholds", "warning_level", "level_rank"]

WARNING_LEVELS = ("normal", "blue", "yellow", "orange", "red")  # in rising order
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True, frozen=True)

# quantity → (SI unit inside, what it is); readings and thresholds are converted to these once, at the boundary
QUANTITIES = {"level": ("%", "liquid level as % of the tank's safe capacity"),
              "pressure": ("Pa", "absolute pressure"),
              "temperature": ("K", "temperature"),
              "gas": ("ppm", "gas detector reading, parts per million by volume")}

PRESSURE = Plausible("Pa", 1e3, 1e8, "pressure threshold (absolute)", ("MPa", "bar", "kPa"), example="1.2 MPa")
TEMPERATURE = Plausible("K", 60.0, 1500.0, "temperature threshold", ("degC",), example="40 degC")
Percent = Annotated[float, Field(ge=0, le=200, description="[% of the safe capacity]")]
Ppm = Annotated[float, Field(ge=0, le=1e6, description="[ppm by volume]")]
PressureValue = Annotated[quantity(PRESSURE), Field(description=described(PRESSURE, "Absolute pressure. [Pa]"))]
TemperatureValue = Annotated[quantity(TEMPERATURE), Field(description=described(TEMPERATURE, "Temperature. [K]"))]


class LevelThresholds(BaseModel):
    """The value at which each warning level starts; at least one, rising from blue to red."""

    model_config = _STRICT

    @model_validator(mode="after")
    def _rising(self):
        given = [(name, getattr(self, name)) for name in WARNING_LEVELS[1:] if getattr(self, name) is not None]
        if not given:
            raise ValueError("give at least one of blue, yellow, orange, red")
        for (low_name, low), (high_name, high) in zip(given, given[1:]):
            if not high > low:
                raise ValueError(f"thresholds must rise from blue to red: {high_name} ({high:g}) must be above "
                                 f"{low_name} ({low:g})")
        return self

    def starts(self) -> list[tuple[str, float]]:
        """[(level, value at which it starts)], rising."""
        return [(name, getattr(self, name)) for name in WARNING_LEVELS[1:] if getattr(self, name) is not None]


class PercentThresholds(LevelThresholds):
    blue: Percent | None = None
    yellow: Percent | None = None
    orange: Percent | None = None
    red: Percent | None = None


class PressureThresholds(LevelThresholds):
    blue: PressureValue | None = None
    yellow: PressureValue | None = None
    orange: PressureValue | None = None
    red: PressureValue | None = None


class TemperatureThresholds(LevelThresholds):
    blue: TemperatureValue | None = None
    yellow: TemperatureValue | None = None
    orange: TemperatureValue | None = None
    red: TemperatureValue | None = None


class GasThresholds(LevelThresholds):
    blue: Ppm | None = None
    yellow: Ppm | None = None
    orange: Ppm | None = None
    red: Ppm | None = None


class RiskThresholds(BaseModel):
    """Warning thresholds of one risk source's instruments, per quantity (module docstring)."""

    model_config = _STRICT
    level: PercentThresholds | None = Field(None, description="Liquid level, % of the tank's safe capacity; the "
                                                              "seed case's rule is yellow above 80 %. [%]")
    pressure: PressureThresholds | None = Field(None, description="Absolute pressure. [Pa]")
    temperature: TemperatureThresholds | None = Field(None, description="Temperature. [K]")
    gas: GasThresholds | None = Field(None, description="Gas detector at the unit. [ppm by volume]")


def level_rank(level: str) -> int:
    """0 for normal … 4 for red."""
    return WARNING_LEVELS.index(level)


def warning_level(thresholds: LevelThresholds | None, value: float) -> str:
    """The warning level of ``value`` (in the quantity's SI unit, :data:`QUANTITIES`): the highest level whose
    threshold it reaches (≥), else "normal"; "normal" when the quantity has no thresholds."""
    level = "normal"
    for name, start in (thresholds.starts() if thresholds is not None else []):
        if value >= start:
            level = name
    return level
