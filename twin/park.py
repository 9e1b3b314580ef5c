"""The park model: the validated ``park.yaml`` schema (pydantic) and the runtime :class:`Park`.

Coordinates are projected metres in the park CRS, x = easting, y = northing (pyproj ``always_xy=True``).
Elevations are metres above the DEM's vertical datum. Every field documents its unit in the exported JSON Schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
import pyproj
from pydantic import BaseModel, Field, field_validator, model_validator
from shapely.geometry import LineString, MultiPoint, Polygon

from twin import geo
from twin.buildings import Building
from twin.chemicals import ChemicalTable
from twin.emission_sources import (AREA_RELEASE_CODE, AREA_SHAPES, STACK_RELEASES, VOLUME_RELEASE_CODE, AreaCircle,
                                   AreaLine, AreaRectangle, AreaSource, EmissionSchedule, Stack, VolumeSource)
from twin.errors import InputError
from twin.park_fields import ELEVATION, STRICT, Easting, Identifier, Northing, Point, check_ring
from twin.terrain import Terrain
from twin.units import Plausible, described, quantity
from twin.thresholds import RiskThresholds
from twin.water import River

__all__ = [
    "ParkSpec", "Stack", "VolumeSource", "AreaSource", "AreaRectangle", "AreaCircle", "AreaLine", "AREA_SHAPES",
    "EmissionSchedule", "RiskSource", "Receptor", "Monitor", "FloodDefence", "WaterBody",
    "Park", "ReceptorPoints", "park_json_schema",
]

# Plausible ranges of the park's physical quantities (twin.units): wide enough for any real plant, narrow enough
# to catch a slip of units — a temperature in °C read as K, a pressure in MPa or bar read as Pa, a diameter in mm
# read as m — and the 1e300 a probe writes. Bare numbers are SI; a string may carry its unit ('25 degC').
INVENTORY = Plausible("kg", 0.01, 1e9, "inventory", example="50 t")
STORAGE_PRESSURE = Plausible("Pa", 1e4, 1e8, "storage pressure (absolute)", ("MPa", "bar"), example="1.2 MPa")
STORAGE_TEMPERATURE = Plausible("K", 60.0, 1000.0, "storage temperature", ("degC",), example="25 degC")
SILL_HEIGHT = Plausible("m", 0.0, 10.0, "sill or bund wall height", ("cm", "mm"))
UNIT_DIAMETER = Plausible("m", 0.005, 100.0, "tank or pipe inner diameter", ("mm", "cm"))
BUND_AREA = Plausible("m**2", 0.0, 1e6, "bund area", low_open=True)
MONITOR_HEIGHT = Plausible("m", 0.0, 500.0, "monitor inlet height above ground", ("cm", "mm"))


class RiskSource(BaseModel):
    """A storage or transfer unit that could release a hazardous substance (HJ 169 risk unit)."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '液氯储罐 T-101'.")
    enterprise: str = Field(description="Operating enterprise.")
    enterprise_en: str | None = Field(None, description="English name of the enterprise.")
    kind: Literal["tank", "pipe", "warehouse"] = Field(description="Type of risk unit.")
    substance: str = Field(description="Substance key of twin/chemicals.csv.")
    inventory: quantity(INVENTORY) = Field(description=described(INVENTORY, "Maximum amount held. [kg]"))
    pressure: quantity(STORAGE_PRESSURE) = Field(
        description=described(STORAGE_PRESSURE, "Storage pressure, absolute. [Pa]"))
    temperature: quantity(STORAGE_TEMPERATURE) = Field(
        description=described(STORAGE_TEMPERATURE, "Storage temperature. [K]"))
    x: Easting
    y: Northing
    floor_elevation: quantity(ELEVATION) | None = Field(
        None, description=described(ELEVATION, "Elevation of the unit's floor or bund floor; None = from the DEM. [m]"))
    sill_height: quantity(SILL_HEIGHT) = Field(0.0, description=described(
        SILL_HEIGHT, "Height of the door sill or bund wall above the floor that flood water must overtop. [m]"))
    diameter: quantity(UNIT_DIAMETER) | None = Field(
        None, description=described(UNIT_DIAMETER, "Inner diameter of the tank or pipe, if known. [m]"))
    bund_area: quantity(BUND_AREA) | None = Field(None, description=described(
        BUND_AREA, "Area inside the bund (dike, 围堰) that contains a liquid spill, if the unit has one: the largest "
                   "pool area (HJ 169-2018 §8.2.2.1). [m²]"))
    footprint: list[Point] | None = Field(None, description="Outline [[x, y], ...] in the park CRS. [m]")
    water_reactive: bool = Field(False, description="Contents react dangerously with water (GHS H260/H261, e.g. "
                                                    "sodium, calcium carbide, metal phosphides): any water at the "
                                                    "unit escalates, even below the sill.")
    thresholds: RiskThresholds | None = Field(None, description="Warning thresholds of the unit's instruments "
                                                                "(level %, pressure, temperature, gas ppm) per "
                                                                "level blue/yellow/orange/red (twin.thresholds; "
                                                                "parktwin watch).")

    @field_validator("footprint")
    @classmethod
    def _footprint_ring(cls, value):
        return None if value is None else check_ring(value, "footprint")


class Receptor(BaseModel):
    """A sensitive receptor (HJ 169 环境敏感目标): exactly one of ``point`` or ``polygon``."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '东港村居民区'.")
    kind: Literal["residential", "school", "hospital", "water_source", "fence", "other"] = Field(
        description="Receptor kind.")
    population: int = Field(0, ge=0, description="People present. [persons]")
    point: Point | None = Field(None, description="Location [x, y] in the park CRS. [m]")
    polygon: list[Point] | None = Field(None, description="Outline [[x, y], ...] in the park CRS; closing vertex "
                                                          "optional. [m]")

    @field_validator("polygon")
    @classmethod
    def _polygon_ring(cls, value):
        return None if value is None else check_ring(value, "polygon")

    @model_validator(mode="after")
    def _exactly_one_geometry(self):
        if (self.point is None) == (self.polygon is None):
            given = "both point and polygon" if self.point is not None else "neither point nor polygon"
            raise ValueError(f"receptor {self.id!r}: exactly one of point [x, y] or polygon [[x, y], ...] is "
                             f"required, got {given}")
        return self


class Monitor(BaseModel):
    """An air-quality monitoring station: where it stands, how high its inlet is, what it measures. Its observations
    are read by ``twin.observations_io`` (one CSV per station named ``<id>.csv``, or a CF NetCDF whose ``station_id``
    values are these ids)."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Station name.")
    x: Easting
    y: Northing
    height: quantity(MONITOR_HEIGHT) | None = Field(
        None, description=described(MONITOR_HEIGHT, "Height of the sampling inlet above ground; None = not stated "
                                                    "(the model's receptor height is then used). [m]"))
    pollutants: list[str] = Field(default_factory=list, description="Substance keys measured.")


class FloodDefence(BaseModel):
    """A sea wall, bund or levee, as a polyline with its crest elevation."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '海堤'.")
    kind: Literal["sea_wall", "bund", "levee"] = Field(description="Defence type.")
    line: list[Point] = Field(min_length=2, description="Crest line [[x, y], ...] in the park CRS. [m]")
    crest_elevation: float = Field(description="Crest elevation above the DEM vertical datum. [m]")


class WaterBody(BaseModel):
    """A river, canal, lake or sea area as a polygon."""

    model_config = STRICT
    id: Identifier
    name: str = Field(description="Name, e.g. '黄海'.")
    kind: Literal["river", "canal", "lake", "sea"] = Field(description="Water body type.")
    polygon: list[Point] = Field(description="Outline [[x, y], ...] in the park CRS. [m]")

    @field_validator("polygon")
    @classmethod
    def _polygon_ring(cls, value):
        return check_ring(value, "polygon")


def _unique_ids(items: list, list_name: str) -> list:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.id in first:
            raise ValueError(f"ids must be unique within {list_name}, got duplicate id {item.id!r} at items "
                             f"{first[item.id]} and {index}")
        first[item.id] = index
    return items


class OutputMetadata(BaseModel):
    """Who made the results and under which terms: the ACDD-1.3 identity attributes every NetCDF file of a run on this
    park carries (Unidata, *Attribute Convention for Data Discovery* 1-3); "unspecified" where not given."""

    model_config = STRICT
    institution: str | None = Field(None, min_length=1, description="Institution that produced the data, e.g. "
                                                                    "'XX Chemical Park Emergency Management Office'.")
    creator_name: str | None = Field(None, min_length=1, description="Person or organisation that produced it.")
    creator_type: Literal["person", "group", "institution", "position"] | None = Field(
        None, description="What creator_name is (ACDD-1.3).")
    creator_email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+$", description="Contact e-mail.")
    creator_url: str | None = Field(None, pattern=r"^https?://\S+$", description="Contact web page.")
    creator_institution: str | None = Field(None, min_length=1, description="The creator's institution.")
    publisher_name: str | None = Field(None, min_length=1, description="Who publishes the results.")
    license: str | None = Field(None, min_length=1, description="Terms of use, e.g. 'internal use only'.")


class ParkSpec(BaseModel):
    """Contents of ``park.yaml`` (schema_version 1)."""

    model_config = STRICT
    schema_version: Literal[1] = Field(description="Version of this schema.")
    name: str = Field(min_length=1, description="Park name (Chinese allowed).")
    name_en: str | None = Field(None, description="English park name.")
    epsg: int = Field(description="EPSG code of the projected park CRS, e.g. 4549 = CGCS2000 / 3-degree "
                                  "Gauss-Kruger CM 120E.")
    utc_offset_hours: float = Field(8.0, ge=-12, le=14, description="Local time offset from UTC for reports. [h]")
    land_use: Literal["rural", "urban"] = Field(description="Land use around the park (selects dispersion "
                                                            "coefficients).")
    dem: str = Field(min_length=1, description="DEM file (GeoTIFF or NetCDF) in the park CRS, relative to park.yaml.")
    buildings: str = Field(min_length=1, description="Building footprints GeoJSON with a numeric 'height' [m] "
                                                     "property, relative to park.yaml.")
    buildings_crs: Literal["EPSG:4326", "park"] = Field(
        "EPSG:4326", description="CRS of the buildings file: RFC 7946 WGS84 lon/lat, or 'park' = the park CRS.")
    stacks: list[Stack] = Field(default_factory=list, description="Emission stacks.")
    volume_sources: list[VolumeSource] = Field(
        default_factory=list, description="Volume sources of fugitive emissions (AERMOD VOLUME, HJ 2.2 体源), modelled "
                                          "by the EIA run in AERMOD mode; their ids differ from the stacks'.")
    area_sources: list[AreaSource] = Field(
        default_factory=list, description="Area sources of fugitive emissions (AERMOD AREA/AREAPOLY, HJ 2.2 面源), "
                                          "modelled by the EIA run in AERMOD mode; ids unique among all sources.")
    risk_sources: list[RiskSource] = Field(default_factory=list, description="Tanks, pipes and warehouses.")
    receptors: list[Receptor] = Field(default_factory=list, description="Sensitive receptors.")
    monitors: list[Monitor] = Field(default_factory=list, description="Monitoring stations.")
    flood_defences: list[FloodDefence] = Field(default_factory=list, description="Sea walls, bunds, levees.")
    water_bodies: list[WaterBody] = Field(default_factory=list, description="Rivers, lakes, sea.")
    rivers: list[River] = Field(default_factory=list, description="Receiving rivers of the park's wastewater: "
                                                                  "reaches, outfalls, control sections (twin.water).")
    boundary: list[Point] | None = Field(None, description="Park boundary (fence line, 厂界) [[x, y], ...] in the "
                                                           "park CRS; sets the atmospheric protection distance "
                                                           "(HJ 2.2-2018). [m]")
    metadata: OutputMetadata | None = Field(None, description="Identity attributes written into every output "
                                                              "NetCDF file (institution, creator_*, license).")

    @field_validator("boundary")
    @classmethod
    def _boundary_ring(cls, value):
        return None if value is None else check_ring(value, "boundary")

    @field_validator("stacks", "volume_sources", "area_sources", "risk_sources", "receptors", "monitors",
                     "flood_defences", "water_bodies", "rivers")
    @classmethod
    def _ids_unique(cls, value, info):
        return _unique_ids(value, info.field_name)

    @model_validator(mode="after")
    def _source_ids_unique(self):
        seen = {stack.id: "a stack's" for stack in self.stacks}
        for name, sources in (("volume_sources", self.volume_sources), ("area_sources", self.area_sources)):
            for index, source in enumerate(sources):
                if source.id in seen:
                    raise ValueError(f"{name}[{index}] id {source.id!r} is also {seen[source.id]} id: an emission "
                                     "source's id must be unique among stacks, volume and area sources (results "
                                     "name them)")
                seen[source.id] = f"a {name[:-1].replace('_', ' ')}'s"
        return self


def park_json_schema() -> dict:
    """JSON Schema (draft 2020-12, as generated by pydantic) of ``park.yaml``; field descriptions carry units."""
    return ParkSpec.model_json_schema()


class ReceptorPoints(NamedTuple):
    """Receptors as points (a polygon's representative point, which lies inside it)."""

    ids: list[str]
    names: list[str]
    kinds: list[str]
    x: np.ndarray  # [m]
    y: np.ndarray  # [m]
    population: np.ndarray  # [persons]


@dataclass(frozen=True, eq=False)
class Park:
    """A loaded park bundle: the validated spec plus terrain, buildings, CRS and chemicals table.

    Build it with :func:`twin.io.load_park`, which checks everything below is consistent.
    """

    spec: ParkSpec
    root: Path
    crs: pyproj.CRS
    terrain: Terrain
    buildings: list[Building]
    chemicals: ChemicalTable

    @property
    def stacks(self) -> list[Stack]:
        return self.spec.stacks

    @property
    def volume_sources(self) -> list[VolumeSource]:
        return self.spec.volume_sources

    @property
    def area_sources(self) -> list[AreaSource]:
        return self.spec.area_sources

    def emission_sources(self, include_fugitive: bool = True) -> list[Stack | VolumeSource | AreaSource]:
        """The routine emission sources in the order of every per-source array below: the stacks, then (with
        ``include_fugitive``) the volume sources and the area sources."""
        if not include_fugitive:
            return list(self.spec.stacks)
        return [*self.spec.stacks, *self.spec.volume_sources, *self.spec.area_sources]

    @property
    def risk_sources(self) -> list[RiskSource]:
        return self.spec.risk_sources

    @property
    def receptors(self) -> list[Receptor]:
        return self.spec.receptors

    @property
    def monitors(self) -> list[Monitor]:
        return self.spec.monitors

    def to_lonlat(self, x, y):
        """Park easting/northing [m] → WGS84 (longitude, latitude) [degrees] (cached transformer, always_xy)."""
        return geo.transformer(self.crs, "EPSG:4326").transform(x, y)

    def from_lonlat(self, lon, lat):
        """WGS84 (longitude, latitude) [degrees] → park (easting, northing) [m] (cached transformer, always_xy)."""
        return geo.transformer("EPSG:4326", self.crs).transform(lon, lat)

    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) [m] of all park features: stacks, risk sources, receptors, monitors, buildings."""
        xs: list[float] = []
        ys: list[float] = []
        for item in (*self.spec.stacks, *self.spec.volume_sources, *self.spec.area_sources, *self.spec.risk_sources,
                     *self.spec.monitors):
            xs.append(item.x)
            ys.append(item.y)
        for receptor in self.spec.receptors:
            for px, py in ([receptor.point] if receptor.point is not None else receptor.polygon):
                xs.append(px)
                ys.append(py)
        for building in self.buildings:
            bxmin, bymin, bxmax, bymax = building.footprint.bounds
            xs += [bxmin, bxmax]
            ys += [bymin, bymax]
        if not xs:
            return self.terrain.bounds
        return min(xs), min(ys), max(xs), max(ys)

    def centre(self) -> tuple[float, float]:
        """Centre [m] of the bounding box of stacks and risk sources (the industrial area); DEM centre if none."""
        sources = [*self.spec.stacks, *self.spec.volume_sources, *self.spec.area_sources, *self.spec.risk_sources]
        if not sources:
            xmin, ymin, xmax, ymax = self.terrain.bounds
        else:
            xmin, xmax = min(s.x for s in sources), max(s.x for s in sources)
            ymin, ymax = min(s.y for s in sources), max(s.y for s in sources)
        return (xmin + xmax) / 2, (ymin + ymax) / 2

    def centre_lonlat(self) -> tuple[float, float]:
        """:meth:`centre` as WGS84 (longitude, latitude). [degrees]"""
        lon, lat = self.to_lonlat(*self.centre())
        return float(lon), float(lat)

    def pollutants(self, include_fugitive: bool = False) -> list[str]:
        """Sorted substance keys emitted (rate > 0) by at least one stack (or volume source, ``include_fugitive``)."""
        return sorted({key for source in self.emission_sources(include_fugitive)
                       for key, rate in source.emissions.items() if rate > 0})

    def stack_release_codes(self, include_fugitive: bool = False) -> np.ndarray:
        """Each stack's release as ``dispersion.plume.RELEASE_CODES`` (0 vertical, 1 capped, 2 horizontal; 3 for the
        volume sources and 4 for the area sources after them with ``include_fugitive``)."""
        codes = [STACK_RELEASES.index(s.release) for s in self.spec.stacks]
        if include_fugitive:
            codes += [VOLUME_RELEASE_CODE] * len(self.spec.volume_sources)
            codes += [AREA_RELEASE_CODE] * len(self.spec.area_sources)
        return np.array(codes, dtype=np.int64)

    def stack_arrays(self, include_fugitive: bool = False) -> dict[str, np.ndarray]:
        """Stack parameters as float64 arrays in stack order.

        Keys: x, y [m], base_elevation [m] (from the DEM where not given), height [m], inner_diameter [m],
        exit_velocity [m/s], exit_temperature [K]. With ``include_fugitive`` the volume and area sources follow the
        stacks (:meth:`emission_sources`): ``height`` their release height, NaN exit conditions, x and y an area's
        centroid, and the keys initial_sigma_y, initial_sigma_z [m] (0 for a stack) and, with area sources,
        area_vertices (S, V, 2) [m] (NaN rows for the others) — the arguments of ``dispersion.plume.StackSet``.
        """
        stacks = self.spec.stacks
        arrays = {name: np.array([getattr(s, name) for s in stacks], dtype=np.float64)
                  for name in ("x", "y", "height", "inner_diameter", "exit_velocity", "exit_temperature")}
        sources = self.emission_sources(include_fugitive)
        if include_fugitive:
            fugitive = [*self.spec.volume_sources, *self.spec.area_sources]
            nan = np.full(len(fugitive), np.nan)
            arrays["x"] = np.array([s.x for s in sources], dtype=np.float64)
            arrays["y"] = np.array([s.y for s in sources], dtype=np.float64)
            arrays["height"] = np.r_[arrays["height"], [v.release_height for v in fugitive]].astype(np.float64)
            for name in ("inner_diameter", "exit_velocity", "exit_temperature"):
                arrays[name] = np.r_[arrays[name], nan]
            zeros = np.zeros(len(stacks))
            arrays["initial_sigma_y"] = np.r_[zeros, [getattr(v, "initial_sigma_y", 0.0) for v in fugitive]
                                              ].astype(np.float64)
            arrays["initial_sigma_z"] = np.r_[zeros, [v.initial_sigma_z for v in fugitive]].astype(np.float64)
            if self.spec.area_sources:
                outlines = [a.vertices() for a in self.spec.area_sources]
                vertices = np.full((len(sources), max(len(o) for o in outlines), 2), np.nan)
                for k, outline in enumerate(outlines):
                    vertices[len(sources) - len(outlines) + k, :len(outline)] = outline
                arrays["area_vertices"] = vertices
        base = np.array([np.nan if s.base_elevation is None else s.base_elevation for s in sources], dtype=np.float64)
        missing = np.isnan(base)
        if missing.any():
            base[missing] = self.terrain.elevation_at(arrays["x"][missing], arrays["y"][missing])
        arrays["base_elevation"] = base
        return arrays

    def emission_rates(self, substance: str, include_fugitive: bool = False) -> np.ndarray:
        """Emission rate of ``substance`` per stack (and volume source after them, ``include_fugitive``), in that
        order (0 where a source does not emit it). [g/s]"""
        self.chemicals[substance]  # unknown key → InputError listing the valid keys
        emitted = self.pollutants(include_fugitive)
        if substance not in emitted:
            what = "stack or volume source" if include_fugitive else "stack"
            raise InputError.field(f"park {self.spec.name!r}", "substance", substance,
                                   f"a substance emitted by a {what} ({', '.join(emitted) or 'none'})")
        return np.array([s.emissions.get(substance, 0.0) for s in self.emission_sources(include_fugitive)],
                        dtype=np.float64)

    def schedule_factors(self, times_utc: np.ndarray, include_fugitive: bool = False) -> np.ndarray:
        """(H, S) emission factor of every stack (and volume source, ``include_fugitive``) in every hour (UTC times;
        schedules read local clock time). [-]"""
        local = np.asarray(times_utc).astype("datetime64[s]") + np.timedelta64(
            int(round(self.spec.utc_offset_hours * 3600)), "s")
        sources = self.emission_sources(include_fugitive)
        out = np.ones((local.size, len(sources)))
        for s, source in enumerate(sources):
            if source.schedule is not None:
                out[:, s] = source.schedule.factors(local)
        return out

    def receptor_points(self) -> ReceptorPoints:
        """Receptors as points: (ids, names, kinds, x [m], y [m], population [persons])."""
        xs, ys = [], []
        for receptor in self.spec.receptors:
            if receptor.point is not None:
                px, py = receptor.point
            else:
                point = Polygon(receptor.polygon).representative_point()
                px, py = point.x, point.y
            xs.append(px)
            ys.append(py)
        receptors = self.spec.receptors
        return ReceptorPoints(
            ids=[r.id for r in receptors], names=[r.name for r in receptors], kinds=[r.kind for r in receptors],
            x=np.array(xs, dtype=np.float64), y=np.array(ys, dtype=np.float64),
            population=np.array([r.population for r in receptors], dtype=np.float64),
        )

    def receptor_polygons(self) -> dict[str, Polygon]:
        """Polygon receptors by id, as shapely polygons in the park CRS."""
        return {r.id: Polygon(r.polygon) for r in self.spec.receptors if r.polygon is not None}

    def boundary_polygon(self) -> Polygon | None:
        """The park boundary: ``boundary`` when given, else the convex hull of the fence-line receptors (≥ 3), else
        None."""
        if self.spec.boundary is not None:
            return Polygon(self.spec.boundary)
        fence = [r.point for r in self.spec.receptors if r.kind == "fence" and r.point is not None]
        if len(fence) >= 3:
            hull = MultiPoint(fence).convex_hull
            return hull if isinstance(hull, Polygon) and hull.area > 0 else None
        return None

    def flood_defence_lines(self) -> dict[str, LineString]:
        """Flood defences by id, as shapely lines in the park CRS."""
        return {d.id: LineString(d.line) for d in self.spec.flood_defences}
