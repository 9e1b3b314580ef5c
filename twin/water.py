"""Receiving waters of the park model: rivers as polylines cut into reaches, the park's wastewater outfalls on them,
and the control sections whose GB 3838-2002 class the river must meet (``park.yaml`` ``rivers:``).

Positions are projected metres in the park CRS; distances along a river (chainage) run from its upstream end, the
first vertex of ``line``. Everything is SI once validated: flows [m3/s], concentrations [kg m-3] (a bare number is
kg m-3, so write '20 mg/L'), rates [s-1] (write '0.2 1/d').

Design flow and background per reach: the first reach's ``design_flow`` and ``background`` are the upstream boundary;
where a later reach's design flow is larger, the difference enters at the reach's start as a clean inflow (tributary,
groundwater) at that reach's background concentration; where it is smaller, water is withdrawn at the river's
concentration (see ``dispersion.river``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from shapely.geometry import LineString, Point as ShapelyPoint

from twin.units import Plausible, described, quantity
from twin.water_standards import WATER_CLASSES, water_pollutants

__all__ = ["River", "Reach", "Outfall", "ControlSection", "StageDischarge", "RiverGeometry", "river_geometry",
           "OXYGEN"]

_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=True)
OXYGEN = "dissolved_oxygen"

FLOW = Plausible("m**3 s-1", 0.0, 1e6, "river or effluent flow", ("L/s", "m**3/h", "m**3/d"), low_open=True,
                 example="12 m**3/s")
WIDTH = Plausible("m", 0.0, 1e5, "river width", low_open=True)
DEPTH = Plausible("m", 0.0, 500.0, "mean depth", ("cm",), low_open=True)
VELOCITY = Plausible("m s-1", 0.0, 10.0, "mean velocity", ("cm/s",), low_open=True, example="0.3 m/s")
RATE = Plausible("s-1", 0.0, 1e-3, "first-order rate", ("1/d", "1/h"), example="0.2 1/d")
CONCENTRATION = Plausible("kg m-3", 0.0, 1.0, "concentration", ("mg/L",), example="20 mg/L")
SLOPE = Plausible("1", 0.0, 0.1, "water-surface slope", low_open=True, example="0.0001")
OFFSET = Plausible("m", 0.0, 1e5, "distance of the outfall from the bank")

Identifier = Annotated[str, Field(min_length=1, description="Unique id within its list.")]
Easting = Annotated[float, Field(description="Easting in the park CRS. [m]")]
Northing = Annotated[float, Field(description="Northing in the park CRS. [m]")]
Concentration = Annotated[quantity(CONCENTRATION), Field(description=described(CONCENTRATION, "[kg m-3]"))]
Rate = Annotated[quantity(RATE), Field(description=described(RATE, "[s-1]"))]


def _known_keys(values: dict, what: str, allow_oxygen: bool) -> dict:
    allowed = water_pollutants() if allow_oxygen else [k for k in water_pollutants() if k != OXYGEN]
    for key in values:
        if key not in allowed:
            raise ValueError(f"{what}: unknown pollutant {key!r}, allowed: {', '.join(allowed)} (the keys of the "
                             f"GB 3838-2002 table twin/water_quality_standards.csv)")
    return values


class StageDischarge(BaseModel):
    """Mean depth from the flow by a power law h = a Q^b (a rating curve fitted to gaugings; Leopold & Maddock
    1953 hydraulic geometry)."""

    model_config = _STRICT
    coefficient: float = Field(gt=0, description="a in h = a Q^b. [m (m3/s)^-b]")
    exponent: float = Field(gt=0, lt=1, description="b in h = a Q^b. [-]")


class Reach(BaseModel):
    """A stretch of river with one set of hydraulic and kinetic parameters."""

    model_config = _STRICT
    id: Identifier
    name: str = Field("", description="Name, e.g. '南河园区段'.")
    end: float | None = Field(None, gt=0, description="Chainage of the reach's downstream end, from the river's "
                                                       "upstream end along its line; None = the end of the line. [m]")
    width: quantity(WIDTH) = Field(description=described(WIDTH, "Mean water-surface width. [m]"))
    depth: quantity(DEPTH) | None = Field(None, description=described(DEPTH, "Mean depth at the design flow; give "
                                                                             "depth or stage_discharge. [m]"))
    stage_discharge: StageDischarge | None = Field(None, description="Depth from the flow, h = a Q^b.")
    velocity: quantity(VELOCITY) | None = Field(None, description=described(
        VELOCITY, "Mean velocity; None = flow / (width × depth). [m/s]"))
    slope: quantity(SLOPE) | None = Field(None, description=described(
        SLOPE, "Water-surface slope I, for the mixing-zone length of side outfalls. [-]"))
    design_flow: quantity(FLOW) = Field(description=described(
        FLOW, "Design flow of the reach, e.g. the 90 % guaranteed driest-month mean flow (90%保证率最枯月平均流量) "
              "or the driest-month mean of the last 10 years. [m3/s]"))
    design_flow_basis: str = Field("90% guaranteed driest-month mean flow", description="How the design flow was "
                                                                                        "obtained (reported).")
    decay: dict[str, Rate] = Field(default_factory=dict, description="First-order decay rate K per pollutant key "
                                                                     "(for the oxygen-demand pollutant also its "
                                                                     "deoxygenation rate). [s-1]")
    reaeration: quantity(RATE) | None = Field(None, description=described(
        RATE, "Reaeration rate k_a for dissolved oxygen (Streeter–Phelps); required when the river models "
              "dissolved oxygen. [s-1]"))
    background: dict[str, Concentration] = Field(default_factory=dict, description=(
        "Background concentration per pollutant key (dissolved_oxygen allowed): the upstream boundary for the "
        "first reach, the concentration of the water entering with a larger design flow for later reaches. "
        "[kg m-3]"))

    @field_validator("decay")
    @classmethod
    def _decay_keys(cls, value):
        return _known_keys(value, "decay", allow_oxygen=False)

    @field_validator("background")
    @classmethod
    def _background_keys(cls, value):
        return _known_keys(value, "background", allow_oxygen=True)

    @model_validator(mode="after")
    def _one_depth(self):
        if (self.depth is None) == (self.stage_discharge is None):
            given = "both" if self.depth is not None else "neither"
            raise ValueError(f"reach {self.id!r}: exactly one of depth [m] or stage_discharge (h = a Q^b) is "
                             f"required, got {given}")
        return self


class Outfall(BaseModel):
    """A wastewater outfall (排污口) of the park on a river: position, effluent flow and concentrations."""

    model_config = _STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '园区污水处理厂排口'.")
    enterprise: str = Field("", description="Operator (e.g. the park's central wastewater treatment plant).")
    x: Easting
    y: Northing
    flow: quantity(FLOW) = Field(description=described(FLOW, "Effluent flow. [m3/s]"))
    effluent: dict[str, Concentration] = Field(default_factory=dict, description=(
        "Current effluent concentration per pollutant key; the load is concentration × flow. dissolved_oxygen: the "
        "effluent's oxygen (default: 0, the conservative choice). [kg m-3]"))
    distance_from_bank: quantity(OFFSET) = Field(0.0, description=described(
        OFFSET, "Distance of the outlet from the nearer bank (0 = a side outfall), for the mixing-zone length. [m]"))

    @field_validator("effluent")
    @classmethod
    def _effluent_keys(cls, value):
        return _known_keys(value, "effluent", allow_oxygen=True)


class ControlSection(BaseModel):
    """A cross-section where the river must meet its GB 3838-2002 class (控制断面): a function-zone boundary, a
    drinking-water intake, a provincial-boundary section."""

    model_config = _STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '南河镇取水口'.")
    kind: Literal["control", "intake", "zone_boundary", "monitoring"] = Field(
        "control", description="What the section is (intake: a drinking-water intake in its protection zone).")
    x: Easting
    y: Northing
    water_class: str = Field(description=f"GB 3838-2002 class the section must meet, one of "
                                                        f"{', '.join(WATER_CLASSES)} (II: first-grade drinking-water "
                                                        "protection zone; III: second-grade).")
    pollutants: list[str] | None = Field(None, description="Pollutants judged here; None = every pollutant the "
                                                           "river models.")

    @field_validator("water_class", mode="before")
    @classmethod
    def _class_in_table(cls, value):
        text = str(value).strip().upper() if isinstance(value, str) else value
        if text not in WATER_CLASSES:
            raise ValueError(f"water_class must be one of the GB 3838-2002 classes in twin/water_quality_standards.csv "
                             f"({', '.join(WATER_CLASSES)}), got {value!r}")
        return text

    @field_validator("pollutants")
    @classmethod
    def _pollutant_keys(cls, value):
        return None if value is None else list(_known_keys(dict.fromkeys(value), "pollutants", allow_oxygen=True))


class River(BaseModel):
    """A receiving river: centreline from upstream to downstream, reaches, outfalls and control sections."""

    model_config = _STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '南河'.")
    line: list[tuple[Easting, Northing]] = Field(min_length=2, description="Centreline [[x, y], ...] in the park "
                                                                           "CRS, upstream end first. [m]")
    reaches: list[Reach] = Field(min_length=1, description="Reaches in downstream order; the last ends at the end "
                                                           "of the line.")
    outfalls: list[Outfall] = Field(default_factory=list, description="Wastewater outfalls on this river.")
    control_sections: list[ControlSection] = Field(default_factory=list, description="Control sections.")
    oxygen_demand: str | None = Field("bod5", description="Pollutant whose decay consumes dissolved oxygen in the "
                                                          "Streeter–Phelps model (its decay rate is the "
                                                          "deoxygenation rate); None = no dissolved-oxygen model.")
    oxygen_saturation: quantity(CONCENTRATION) | None = Field(None, description=described(
        CONCENTRATION, "Dissolved-oxygen saturation at the design water temperature, e.g. 9.09 mg/L at 20 °C "
                       "(APHA Standard Methods 4500-O); required with oxygen_demand. [kg m-3]"))
    snap_tolerance: float = Field(100.0, gt=0, description="Largest distance of an outfall or control section from "
                                                           "the line. [m]")

    @model_validator(mode="after")
    def _consistent(self):
        line = LineString(self.line)
        if line.length <= 0:
            raise ValueError(f"river {self.id!r}: line must have non-zero length, got {self.line}")
        previous = 0.0
        for index, reach in enumerate(self.reaches):
            last = index == len(self.reaches) - 1
            end = line.length if reach.end is None else reach.end
            if reach.end is None and not last:
                raise ValueError(f"river {self.id!r}: reaches[{index}] (id {reach.id!r}).end is required except for "
                                 "the last reach [m]")
            if not previous < end <= line.length + 1.0:
                raise ValueError(f"river {self.id!r}: reaches[{index}] (id {reach.id!r}).end must be > "
                                 f"{previous:g} m (the previous end) and ≤ the line length {line.length:.1f} m, "
                                 f"got {end:g}")
            previous = end
        if previous < line.length - 1.0:
            raise ValueError(f"river {self.id!r}: the last reach ends at {previous:g} m, before the end of the line "
                             f"({line.length:.1f} m); leave its end out or set it to the line length")
        for kind, items in (("outfalls", self.outfalls), ("control_sections", self.control_sections)):
            seen: set[str] = set()
            for index, item in enumerate(items):
                if item.id in seen:
                    raise ValueError(f"river {self.id!r}: {kind} ids must be unique, got duplicate {item.id!r}")
                seen.add(item.id)
                distance = line.distance(ShapelyPoint(item.x, item.y))
                if distance > self.snap_tolerance:
                    raise ValueError(f"river {self.id!r}: {kind}[{index}] (id {item.id!r}) at ({item.x:.1f}, "
                                     f"{item.y:.1f}) is {distance:.1f} m from the river line; it must be within "
                                     f"snap_tolerance {self.snap_tolerance:g} m of it (is it on another river, or "
                                     "are x and y swapped?)")
        if self.oxygen_demand is not None:
            _known_keys({self.oxygen_demand: None}, "oxygen_demand", allow_oxygen=False)
            if self.oxygen_saturation is None:
                raise ValueError(f"river {self.id!r}: oxygen_saturation [kg m-3, e.g. '9.09 mg/L'] is required when "
                                 f"oxygen_demand is set (got oxygen_demand {self.oxygen_demand!r}); set "
                                 "oxygen_demand: null for no dissolved-oxygen model")
            missing = [r.id for r in self.reaches if r.reaeration is None]
            if missing:
                raise ValueError(f"river {self.id!r}: reaeration [s-1, e.g. '0.5 1/d'] is required on every reach "
                                 f"when oxygen_demand is set, missing on {', '.join(missing)}")
        return self


class RiverGeometry:
    """A river's line with chainage lookups: ``chainage(x, y)`` [m] of the nearest point on the line,
    ``points(s)`` (x, y) [m] at chainages ``s``, ``reach_ends`` [m]."""

    def __init__(self, river: River) -> None:
        self.line = LineString(river.line)
        self.length = float(self.line.length)
        self.reach_ends = np.array([self.length if r.end is None else min(r.end, self.length)
                                    for r in river.reaches], dtype=np.float64)
        self.reach_ends[-1] = self.length

    def chainage(self, x: float, y: float) -> float:
        return float(self.line.project(ShapelyPoint(x, y)))

    def points(self, chainages) -> tuple[np.ndarray, np.ndarray]:
        xy = np.array([self.line.interpolate(float(s)).coords[0] for s in np.atleast_1d(chainages)])
        return xy[:, 0], xy[:, 1]


def river_geometry(river: River) -> RiverGeometry:
    """The :class:`RiverGeometry` of ``river``."""
    return RiverGeometry(river)
