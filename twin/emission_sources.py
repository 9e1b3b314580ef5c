"""The park's emission sources as park.yaml declares them (pydantic models, :class:`twin.park.ParkSpec` holds them):
stacks, volume sources and area sources — a polygon, or AERMOD's rectangle, circle or line — with their emission
rates and schedules. Plausible ranges as :mod:`twin.park_fields` explains them.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, Field, field_validator, model_validator
from shapely.geometry import Polygon

from twin.park_fields import ELEVATION, STRICT, Easting, Identifier, Northing, Point, check_ring
from twin.units import Plausible, described, quantity

__all__ = ["Stack", "VolumeSource", "AreaSource", "AreaRectangle", "AreaCircle", "AreaLine", "AREA_SHAPES",
           "EmissionSchedule", "STACK_RELEASES", "VOLUME_RELEASE_CODE", "AREA_RELEASE_CODE"]

EMISSION_RATE = Plausible("g s-1", 0.0, 1e5, "emission rate", example="45 kg/h")
STACK_HEIGHT = Plausible("m", 1.0, 500.0, "stack height")
STACK_DIAMETER = Plausible("m", 0.0, 30.0, "stack inner diameter", ("mm", "cm"), low_open=True)
EXIT_VELOCITY = Plausible("m s-1", 0.01, 150.0, "stack exit velocity", example="15 m/s")
EXIT_TEMPERATURE = Plausible("K", 200.0, 1800.0, "stack exit temperature", ("degC",), example="120 degC")
RELEASE_HEIGHT = Plausible("m", 0.0, 300.0, "volume source release height", ("cm", "mm"))
INITIAL_SIGMA = Plausible("m", 0.0, 500.0, "initial dispersion σ of a volume source", ("cm", "mm"), low_open=True)
AREA_SIGMA_Z = Plausible("m", 0.0, 500.0, "initial vertical dispersion σ_z0 of an area source", ("cm", "mm"))
SIDE_LENGTH = Plausible("m", 0.0, 20000.0, "side of a rectangular area source", ("cm", "mm"), low_open=True)
CIRCLE_RADIUS = Plausible("m", 0.5, 10000.0, "radius of a circular area source (AERMOD AREACIRC: > 0.5 m)",
                          ("cm", "mm"), low_open=True)
LINE_WIDTH = Plausible("m", 1.0, 1000.0, "width of a line source (AERMOD LINE: ≥ 1 m)", ("cm", "mm"))

EmissionRate = Annotated[quantity(EMISSION_RATE), Field(description=described(EMISSION_RATE, "Emission rate. [g/s]"))]


class EmissionSchedule(BaseModel):
    """Multiplicative emission factors by local hour of day, day of week and month (the AERMOD ``EMISFACT``
    HROFDY / WEEKDAY / MONTH idea): the rate in an hour is the stack's rate × hour × weekday × month factor.
    Omitted lists mean factor 1."""

    model_config = STRICT

    hour_of_day: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, min_length=24, max_length=24, description="24 factors for local hours 0..23. [-]")
    day_of_week: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, min_length=7, max_length=7, description="7 factors, Monday first. [-]")
    month: list[Annotated[float, Field(ge=0)]] | None = Field(
        None, min_length=12, max_length=12, description="12 factors, January first. [-]")

    def factors(self, local_times: np.ndarray) -> np.ndarray:
        """Factor of each hour; ``local_times`` are local clock times as datetime64. [-]"""
        times = np.asarray(local_times).astype("datetime64[h]")
        out = np.ones(times.shape)
        if self.hour_of_day is not None:
            out *= np.asarray(self.hour_of_day)[(times - times.astype("datetime64[D]")).astype(np.int64)]
        if self.day_of_week is not None:
            # 1970-01-01 was a Thursday (index 3, Monday = 0).
            out *= np.asarray(self.day_of_week)[(times.astype("datetime64[D]").astype(np.int64) + 3) % 7]
        if self.month is not None:
            out *= np.asarray(self.month)[times.astype("datetime64[M]").astype(np.int64) % 12]
        return out


# The fields every emission source of park.yaml has (stacks, volume and area sources), declared once
Enterprise = Annotated[str, Field(description="Operating enterprise.")]
EnterpriseEnglish = Annotated[str | None, Field(description="English name of the enterprise.")]
Schedule = Annotated[EmissionSchedule | None, Field(description="Time variation of the emission rates "
                                                                "(default: constant).")]
EnterpriseGrade = Annotated[Literal["A", "B", "C", "D"] | None, Field(
    description="Enterprise environmental performance grade (A best … D) used for heavy-pollution emergency "
                "measures.")]

STACK_RELEASES = ("vertical", "capped", "horizontal")  # Stack.release; its index is dispersion.plume.RELEASE_CODES
VOLUME_RELEASE_CODE = 3  # a volume source's code among dispersion.plume.RELEASE_CODES
AREA_RELEASE_CODE = 4  # and an area source's


class Stack(BaseModel):
    """A point emission source (chimney/stack) for routine (EIA) emissions."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Stack name, e.g. '1#锅炉烟囱'.")
    enterprise: Enterprise
    enterprise_en: EnterpriseEnglish = None
    x: Easting
    y: Northing
    base_elevation: quantity(ELEVATION) | None = Field(
        None, description=described(ELEVATION, "Ground elevation at the stack base; None = from the DEM. [m]"))
    height: quantity(STACK_HEIGHT) = Field(description=described(STACK_HEIGHT, "Stack height above its base. [m]"))
    inner_diameter: quantity(STACK_DIAMETER) = Field(
        description=described(STACK_DIAMETER, "Inner diameter at the stack exit. [m]"))
    exit_velocity: quantity(EXIT_VELOCITY) = Field(description=described(EXIT_VELOCITY, "Gas exit velocity. [m/s]"))
    exit_temperature: quantity(EXIT_TEMPERATURE) = Field(
        description=described(EXIT_TEMPERATURE, "Gas exit temperature. [K]"))
    emissions: dict[str, EmissionRate] = Field(description="Emission rate per substance key of twin/chemicals.csv. "
                                                            "[g/s]")
    schedule: Schedule = None
    enterprise_grade: EnterpriseGrade = None
    release: Literal["vertical", "capped", "horizontal"] = Field(
        "vertical", description="How the gas leaves the stack: vertical (open), capped (a rain cap or other "
                                "obstruction) or horizontal — capped and horizontal releases rise by buoyancy only "
                                "(exit velocity 0.001 m/s at the same flow, U.S. EPA Model Clearinghouse 1993; "
                                "AERMOD's POINTCAP/POINTHOR); a capped stack is downwashed by up to 3 diameters, a "
                                "horizontal one not at all.")


class VolumeSource(BaseModel):
    """A volume source of routine fugitive emissions (无组织排放: a tank farm, a process unit, a loading bay, roof
    vents), as AERMOD's VOLUME source and HJ 2.2-2018's 体源: released at ``release_height`` with initial lateral and
    vertical spreads σ_y0, σ_z0, no plume rise and no building downwash. Modelled by the EIA run in AERMOD mode
    (``model.dispersion: aermod``); the screening plume has no volume sources. The σ's from the source's size
    (U.S. EPA, *User's Guide for the AMS/EPA Regulatory Model AERMOD*, EPA-454/B-03-001, Table 3-1): σ_y0 = side/4.3
    for a single volume (a line of volumes: separation/2.15); σ_z0 = vertical extent/2.15 for a surface-based source,
    building height/2.15 for one on or next to a building, vertical extent/4.3 for an elevated one; the release height
    is the centre of the volume (half the vertical extent for a surface-based one)."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Source name, e.g. '罐区无组织'.")
    enterprise: Enterprise
    enterprise_en: EnterpriseEnglish = None
    x: Easting
    y: Northing
    base_elevation: quantity(ELEVATION) | None = Field(
        None, description=described(ELEVATION, "Ground elevation at the source; None = from the DEM. [m]"))
    release_height: quantity(RELEASE_HEIGHT) = Field(
        description=described(RELEASE_HEIGHT, "Height of the volume's centre above its ground. [m]"))
    initial_sigma_y: quantity(INITIAL_SIGMA) = Field(
        description=described(INITIAL_SIGMA, "Initial lateral dispersion σ_y0 (side/4.3 for one volume). [m]"))
    initial_sigma_z: quantity(INITIAL_SIGMA) = Field(
        description=described(INITIAL_SIGMA, "Initial vertical dispersion σ_z0 (vertical extent/2.15 at the "
                                             "surface, building height/2.15 on a building). [m]"))
    emissions: dict[str, EmissionRate] = Field(description="Emission rate per substance key of twin/chemicals.csv. "
                                                            "[g/s]")
    schedule: Schedule = None
    enterprise_grade: EnterpriseGrade = None


class AreaRectangle(BaseModel):
    """A rectangular area source as AERMOD's AREA source gives it (and HJ 2.2's 矩形面源): from the corner (x, y), the
    side ``y_length`` runs ``angle`` degrees clockwise from grid north and ``x_length`` at right angles to it, to
    the east when the angle is 0 (AERMOD SOSET ARVERT: vertices clockwise from that corner)."""

    model_config = STRICT
    x: Easting
    y: Northing
    x_length: quantity(SIDE_LENGTH) = Field(description=described(SIDE_LENGTH, "Side along x (east at angle 0). [m]"))
    y_length: quantity(SIDE_LENGTH) = Field(description=described(SIDE_LENGTH, "Side along y (north at angle 0). "
                                                                               "[m]"))
    angle: float = Field(0.0, ge=-360.0, le=360.0, description="Turn of the rectangle about (x, y), clockwise from "
                                                               "grid north. [degree]")

    def corners(self) -> list[tuple[float, float]]:
        """The four vertices, clockwise from (x, y). [m]"""
        a = np.radians(self.angle)
        sin, cos = float(np.sin(a)), float(np.cos(a))
        p2 = (self.x + self.y_length * sin, self.y + self.y_length * cos)
        p3 = (p2[0] + self.x_length * cos, p2[1] - self.x_length * sin)
        p4 = (p3[0] - self.y_length * sin, p3[1] - self.y_length * cos)
        return [(self.x, self.y), p2, p3, p4]


AREA_SHAPES = ("polygon", "rectangle", "circle", "line")  # AERMOD AREAPOLY, AREA, AREACIRC, LINE


class AreaCircle(BaseModel):
    """A circular area source as AERMOD's AREACIRC gives it (HJ 2.2's 近圆形面源: a round tank top, a pond): the
    regular polygon of ``vertices`` sides with the circle's area πr², its first vertex due north of the centre and
    the others clockwise (the AREACIRC keyword: radius [m] and number of vertices, U.S. EPA, *User's Guide for the
    AMS/EPA Regulatory Model AERMOD*, EPA-454/B-03-001 and later editions, SO pathway; the vertices as the AERMOD
    program's SOSET GENCIR makes them, circumradius r' = √(πr²/n · tan(180°/n)) / sin(180°/n) [m],
    docs/unverified.md)."""

    model_config = STRICT
    x: Easting
    y: Northing
    radius: quantity(CIRCLE_RADIUS) = Field(description=described(CIRCLE_RADIUS, "Radius of the circle. [m]"))
    vertices: int = Field(20, ge=3, le=360, description="Vertices of the polygon that stands for the circle "
                                                        "(AERMOD's NVERTS, default 20).")

    def corners(self) -> list[tuple[float, float]]:
        """The polygon's vertices, clockwise from due north of the centre. [m]"""
        n = self.vertices
        half = np.pi / n
        circumradius = float(np.sqrt(np.pi * self.radius ** 2 / n * np.tan(half)) / np.sin(half))
        angles = 2.0 * half * np.arange(n)
        return [(self.x + circumradius * float(np.sin(a)), self.y + circumradius * float(np.cos(a))) for a in angles]


class AreaLine(BaseModel):
    """A line source as AERMOD's LINE source gives it (HJ 2.2's 线源: a road, a loading line, a conveyor): the
    rectangle of ``width`` [m] centred on the segment from ``start`` to ``end`` [m], modelled as an area source (the
    LINE keyword, AERMOD User's Guide, EPA-454/B-03-001 and later editions, SO pathway; the vertices as the AERMOD
    program's SOSET LPARM makes them, docs/unverified.md)."""

    model_config = STRICT
    start: Point = Field(description="One end of the line's centre line [x, y] in the park CRS. [m]")
    end: Point = Field(description="The other end [x, y]. [m]")
    width: quantity(LINE_WIDTH) = Field(description=described(LINE_WIDTH, "Width of the line source. [m]"))

    @model_validator(mode="after")
    def _has_length(self):
        if math.hypot(self.end[0] - self.start[0], self.end[1] - self.start[1]) < 1.0:
            raise ValueError(f"line source from {list(self.start)} to {list(self.end)}: its ends must be at least 1 m "
                             f"apart")
        return self

    def corners(self) -> list[tuple[float, float]]:
        """The rectangle's vertices, clockwise from the left of ``start`` (looking towards ``end``). [m]"""
        (x1, y1), (x2, y2) = self.start, self.end
        length = math.hypot(x2 - x1, y2 - y1)
        sin, cos = (x2 - x1) / length, (y2 - y1) / length  # the line's bearing from grid north
        half = 0.5 * self.width
        p1 = (x1 - half * cos, y1 + half * sin)
        p2 = (p1[0] + length * sin, p1[1] + length * cos)
        p3 = (p2[0] + self.width * cos, p2[1] - self.width * sin)
        p4 = (p3[0] - length * sin, p3[1] - length * cos)
        return [p1, p2, p3, p4]


class AreaSource(BaseModel):
    """An area source of routine fugitive emissions (无组织排放 from a surface: a tank farm, a wastewater pond, a
    yard), as AERMOD's AREA / AREAPOLY source and HJ 2.2-2018's 面源: the area emits uniformly at ``release_height``
    with an initial vertical spread σ_z0, no plume rise, no building downwash; modelled by the EIA run in AERMOD mode
    (``model.dispersion: aermod``). Exactly one of ``polygon``, ``rectangle``, ``circle`` or ``line``. The emission
    rates are the whole area's (g/s), not per square metre."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Source name, e.g. '污水处理站调节池'.")
    enterprise: Enterprise
    enterprise_en: EnterpriseEnglish = None
    polygon: list[Point] | None = Field(None, description="Outline [[x, y], ...] in the park CRS (AERMOD AREAPOLY); "
                                                          "closing vertex optional. [m]")
    rectangle: AreaRectangle | None = Field(None, description="A rectangle as AERMOD's AREA source gives it.")
    circle: AreaCircle | None = Field(None, description="A circle as AERMOD's AREACIRC source gives it.")
    line: AreaLine | None = Field(None, description="A line source as AERMOD's LINE source gives it.")
    base_elevation: quantity(ELEVATION) | None = Field(
        None, description=described(ELEVATION, "Ground elevation of the area; None = from the DEM at its centre. "
                                                "[m]"))
    release_height: quantity(RELEASE_HEIGHT) = Field(
        description=described(RELEASE_HEIGHT, "Release height above the ground (0 for a pond's surface). [m]"))
    initial_sigma_z: quantity(AREA_SIGMA_Z) = Field(
        0.0, description=described(AREA_SIGMA_Z, "Initial vertical dispersion σ_z0 (AERMOD's Szinit; e.g. the "
                                                 "height of the tanks over 2.15). [m]"))
    emissions: dict[str, EmissionRate] = Field(description="Emission rate of the whole area per substance key of "
                                                            "twin/chemicals.csv. [g/s]")
    schedule: Schedule = None
    enterprise_grade: EnterpriseGrade = None

    @field_validator("polygon")
    @classmethod
    def _polygon_ring(cls, value):
        return None if value is None else check_ring(value, "polygon")

    @model_validator(mode="after")
    def _exactly_one_shape(self):
        given = [name for name in AREA_SHAPES if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(f"area source {self.id!r}: exactly one of polygon [[x, y], ...], rectangle {{x, y, "
                             f"x_length, y_length, angle}}, circle {{x, y, radius, vertices}} or line {{start, end, "
                             f"width}} is required, got {' and '.join(given) if given else 'none'}")
        return self

    @property
    def shape(self) -> str:
        """Which of ``AREA_SHAPES`` gives the outline."""
        return next(name for name in AREA_SHAPES if getattr(self, name) is not None)

    def vertices(self) -> list[tuple[float, float]]:
        """The outline's vertices, without a repeated closing vertex. [m]"""
        for given in (self.rectangle, self.circle, self.line):
            if given is not None:
                return given.corners()
        points = [tuple(p) for p in self.polygon]
        return points[:-1] if len(points) > 3 and points[0] == points[-1] else points

    @property
    def x(self) -> float:
        """Easting of the outline's centroid. [m]"""
        return float(Polygon(self.vertices()).centroid.x)

    @property
    def y(self) -> float:
        """Northing of the outline's centroid. [m]"""
        return float(Polygon(self.vertices()).centroid.y)
