"""View-model layers of a threat-zone map (the ALOHA-style printout of a toxic leak) and of the park's outline.

Plain frozen dataclasses that ``scenarios`` fills in and :mod:`viz.threat_map` draws: up to three named zones (most
severe first, drawn red / orange / yellow), the release point, the wind-direction band, and the park's boundary,
flood defences and water bodies. Coordinates are in the park's projected CRS. [m]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["ThreatZoneBand", "ThreatZoneLayer", "ReleasePoint", "WindBand", "ParkOutlineLayer",
           "THREAT_ZONE_COLOURS", "MAX_THREAT_ZONES"]

# Most severe first, as ALOHA and the US emergency-planning printouts colour them (red, orange, yellow).
THREAT_ZONE_COLOURS = ("#d7301f", "#fc8d3c", "#fee245")
MAX_THREAT_ZONES = len(THREAT_ZONE_COLOURS)


def _ring(where: str, ring: object) -> np.ndarray:
    array = np.array(ring, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 2 or not np.all(np.isfinite(array)):
        raise InputError.field(where, "ring", f"shape {array.shape}", "an (n >= 2, 2) array of finite [m]")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class ThreatZoneBand:
    """One named zone: where the 60-min mean reaches ``level_mg_m3``.

    name : what the map and legend call it, e.g. "毒性终点浓度-1 HJ 169 endpoint-1".
    level_mg_m3 : the zone's level. [mg/m³]
    level_ppm : the same level at 25 °C, 101.325 kPa [ppm]; None when the substance has no molar mass.
    polygons : the zone's polygons, each a sequence of rings (the exterior, then its holes). [m]
    farthest_distance : farthest distance of the zone from the release. [m]
    """

    name: str
    level_mg_m3: float
    level_ppm: float | None
    polygons: Sequence[Sequence[np.ndarray]]
    farthest_distance: float = 0.0

    def __post_init__(self) -> None:
        where = f"threat zone {self.name!r}"
        if not (np.isfinite(self.level_mg_m3) and self.level_mg_m3 > 0):
            raise InputError.field(where, "level_mg_m3", self.level_mg_m3, "> 0 mg/m³")
        if self.level_ppm is not None and not (np.isfinite(self.level_ppm) and self.level_ppm > 0):
            raise InputError.field(where, "level_ppm", self.level_ppm, "> 0 ppm or None")
        object.__setattr__(self, "polygons", tuple(tuple(_ring(where, r) for r in rings) for rings in self.polygons
                                                   if len(rings)))

    @property
    def reached(self) -> bool:
        return bool(self.polygons)


@dataclass(frozen=True, eq=False)
class ThreatZoneLayer:
    """Up to :data:`MAX_THREAT_ZONES` zones, most severe first (the first is drawn red); ``title`` heads the map."""

    zones: Sequence[ThreatZoneBand]
    title: str = ""

    def __post_init__(self) -> None:
        zones = tuple(self.zones)
        if not 1 <= len(zones) <= MAX_THREAT_ZONES or not all(isinstance(z, ThreatZoneBand) for z in zones):
            raise InputError.field("ThreatZoneLayer", "zones", f"{len(zones)} items",
                                   f"1 to {MAX_THREAT_ZONES} ThreatZoneBand, most severe first")
        levels = [z.level_mg_m3 for z in zones]
        if levels != sorted(levels, reverse=True):
            raise InputError.field("ThreatZoneLayer", "zones", f"levels {levels} mg/m³", "most severe (highest) first")
        object.__setattr__(self, "zones", zones)


@dataclass(frozen=True, eq=False)
class ReleasePoint:
    """The leaking tank or pipe: its name as the map labels it and its position. [m]"""

    name: str
    x: float
    y: float


@dataclass(frozen=True, eq=False)
class WindBand:
    """The wind-direction uncertainty wedge drawn from the release downwind.

    from_direction : the central direction the wind blows from, clockwise from north. [degree]
    lower, upper : the band's edges as offsets from ``from_direction`` (lower <= 0 <= upper). [degree]
    radius : how far the wedge is drawn. [m]
    basis : one line saying where the band comes from (printed in the legend).
    """

    x: float
    y: float
    from_direction: float
    lower: float
    upper: float
    radius: float
    basis: str

    def __post_init__(self) -> None:
        if not (-180.0 <= self.lower <= 0.0 <= self.upper <= 180.0):
            raise InputError.field("WindBand", "lower, upper", (self.lower, self.upper),
                                   "-180 <= lower <= 0 <= upper <= 180 degrees")
        if not (np.isfinite(self.radius) and self.radius > 0):
            raise InputError.field("WindBand", "radius", self.radius, "> 0 m")


@dataclass(frozen=True, eq=False)
class ParkOutlineLayer:
    """What the park has of: its boundary (厂界, a ring or None), flood defences ((name, kind, polyline) with kind
    sea_wall / bund / levee) and water bodies ((name, kind, ring) with kind river / canal / lake / sea). [m]"""

    boundary: np.ndarray | None = None
    defences: Sequence[tuple[str, str, np.ndarray]] = ()
    water: Sequence[tuple[str, str, np.ndarray]] = ()

    def __post_init__(self) -> None:
        if self.boundary is not None:
            object.__setattr__(self, "boundary", _ring("park boundary", self.boundary))
        object.__setattr__(self, "defences", tuple((str(n), str(k), _ring(f"flood defence {n!r}", line))
                                                   for n, k, line in self.defences))
        object.__setattr__(self, "water", tuple((str(n), str(k), _ring(f"water body {n!r}", ring))
                                                for n, k, ring in self.water))

    @property
    def empty(self) -> bool:
        return self.boundary is None and not self.defences and not self.water
