"""The leak's threat-zone map in the manner of ALOHA's printout: which zones it shows, the band of wind directions,
and the view (:class:`viz.model.MapView`) that viz draws.

* Zones: up to three named zones of one family chosen by the scenario's ``threat_zones`` (:data:`ZONE_FAMILIES`):
  the HJ 169-2018 Appendix H endpoint-1 / endpoint-2 (the default, the legal values of an environmental-risk
  assessment in China), or AEGL-3/2/1 (60 min), or ERPG-3/2/1, most severe first (red, orange, yellow). Each is
  labelled with its level in mg/m³ and in ppm at 25 °C, 101.325 kPa (:func:`twin.chemicals.ppm_at_25c`).
* Wind band: from the spread of the ensemble's (or the hourly weather's) directions when there are several
  (:func:`direction_spread`), else the default half-angle :func:`default_band_half_angle`.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from scenarios.common.views import map_view, outline_layer
from scenarios.leak.assessment import threshold_name_zh
from twin.chemicals import ppm_at_25c
from twin.errors import InputError
from viz.threat_layers import ReleasePoint, ThreatZoneBand, ThreatZoneLayer, WindBand

__all__ = ["ZONE_FAMILIES", "ZONE_FAMILY_NAMES", "chosen_zone_names", "default_band_half_angle",
           "direction_spread", "wind_band", "release_point", "threat_zone_layer", "threat_map_extent", "threat_map_view"]

# The zones each family shows, most severe first (the names of scenarios.leak.assessment.toxic_thresholds).
ZONE_FAMILIES = {
    "hj169": ("HJ 169 endpoint-1", "HJ 169 endpoint-2"),
    "aegl": ("AEGL-3 (60 min)", "AEGL-2 (60 min)", "AEGL-1 (60 min)"),
    "erpg": ("ERPG-3", "ERPG-2", "ERPG-1"),
}
ZONE_FAMILY_NAMES = tuple(ZONE_FAMILIES)

# ParkTwin's default wind-direction band when one direction is all the run has: ±22.5° (one 16-point compass sector
# either side of the reported direction) at 3 m/s and above, widening as 1/u below (a light wind meanders more:
# ±45° at 1.5 m/s, the HJ 169-2018 worst case) up to ±90°. ParkTwin's own choice, NOT ALOHA's rule: ALOHA's
# confidence lines (Jones et al. 2013, NOAA Technical Memorandum NOS OR&R 43) also widen at low wind speed, but
# their formula could not be read here (docs/unverified.md).
BAND_HALF_ANGLE = 22.5  # [degree]
BAND_REFERENCE_SPEED = 3.0  # [m/s]
BAND_MAX_HALF_ANGLE = 90.0  # [degree]
SPREAD_COVERAGE = (2.5, 97.5)  # percentiles of the directions' offsets that bound the band (central 95 %)


def chosen_zone_names(family: str, threshold_names, where: str) -> list[str]:
    """The threshold names of ``family`` (:data:`ZONE_FAMILIES`) that the substance has, most severe first; an
    InputError naming ``threat_zones`` when it has none of them."""
    if family not in ZONE_FAMILIES:
        raise InputError.field(where, "threat_zones", family, f"one of {ZONE_FAMILY_NAMES}")
    names = [name for name in ZONE_FAMILIES[family] if name in threshold_names]
    if not names:
        having = [f for f, members in ZONE_FAMILIES.items() if any(n in threshold_names for n in members)]
        raise InputError.field(where, "threat_zones", family,
                               f"a family the substance has values for in twin/chemicals.csv: {having}")
    return names


def default_band_half_angle(wind_speed: float) -> float:
    """Half-angle [degree] of the default wind-direction band at ``wind_speed`` [m/s] (see :data:`BAND_HALF_ANGLE`):
    22.5° × max(1, 3 m/s / u), at most 90°."""
    if not wind_speed > 0:
        return BAND_MAX_HALF_ANGLE
    return float(min(BAND_MAX_HALF_ANGLE, BAND_HALF_ANGLE * max(1.0, BAND_REFERENCE_SPEED / wind_speed)))


def direction_spread(directions) -> tuple[float, float, float]:
    """(centre, lower, upper) [degree] of a set of wind directions [degree from north]: the circular mean, and the
    2.5th and 97.5th percentiles (linear interpolation) of the offsets from it in (−180, 180], so that the band holds
    the central 95 % of the directions (an ensemble's members, or a run's hours)."""
    directions = np.asarray(directions, dtype=np.float64).ravel()
    if directions.size == 0 or not np.all(np.isfinite(directions)):
        raise InputError.field("wind band", "directions", directions.tolist(), "one or more finite degrees")
    radians = np.deg2rad(directions)
    centre = float(np.rad2deg(np.arctan2(np.mean(np.sin(radians)), np.mean(np.cos(radians)))) % 360.0)
    offsets = (directions - centre + 180.0) % 360.0 - 180.0
    lower, upper = np.percentile(offsets, SPREAD_COVERAGE)
    return centre, float(min(lower, 0.0)), float(max(upper, 0.0))


def wind_band(directions, speeds, source_x: float, source_y: float, radius: float, *,
              members: int | None = None) -> WindBand:
    """The band drawn from the release: the spread of ``directions`` when they differ (``members`` given: an
    ensemble's), else the default half-angle at the mean of ``speeds`` [m/s]. radius [m]."""
    directions = np.asarray(directions, dtype=np.float64).ravel()
    centre, lower, upper = direction_spread(directions)
    if upper - lower > 1e-6:
        basis = (f"集合 ensemble, {members} members, 95 %" if members is not None else "逐时 hourly directions, 95 %")
    else:
        half = default_band_half_angle(float(np.mean(speeds)))
        lower, upper = -half, half
        basis = f"默认 default, {float(np.mean(speeds)):.1f} m/s"
    return WindBand(x=source_x, y=source_y, from_direction=centre, lower=lower, upper=upper, radius=radius,
                    basis=basis)


def _rings(geometry) -> list[list[np.ndarray]]:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return [[np.asarray(p.exterior.coords), *(np.asarray(h.coords) for h in p.interiors)]
            for p in polygons if isinstance(p, Polygon) and not p.is_empty]


def threat_zone_layer(zones, names: list[str], chemical, title: str) -> ThreatZoneLayer:
    """The map's zones: the ThreatZones (level in mg/m³) called ``names``, most severe first, named in both
    languages, with their level in ppm at 25 °C (None when the substance has no molar mass)."""
    by_name = {zone.name: zone for zone in zones}
    bands = []
    for name in names:
        zone = by_name[name]
        chinese = threshold_name_zh(name)
        bands.append(ThreatZoneBand(
            name=name if chinese == name else f"{chinese} {name}", level_mg_m3=zone.level,
            level_ppm=None if chemical.molar_mass is None else float(ppm_at_25c(zone.level, chemical.molar_mass)),
            polygons=_rings(zone.polygon), farthest_distance=zone.farthest_distance))
    return ThreatZoneLayer(zones=bands, title=title)


def threat_map_extent(zones, source_x: float, source_y: float, gx: np.ndarray, gy: np.ndarray,
                      minimum: float = 1500.0) -> tuple[float, float, float, float]:
    """(xmin, xmax, ymin, ymax) [m] of the map: the shown zones and the release with a quarter of their size around
    them, at least ``minimum`` [m] from the release each way, within the grid."""
    grid = box(float(gx[0]), float(gy[0]), float(gx[-1]), float(gy[-1]))
    reached = [z.polygon for z in zones if not z.polygon.is_empty]
    shape = shapely.union_all([shapely.Point(source_x, source_y).buffer(minimum, quad_segs=4), *reached])
    xmin, ymin, xmax, ymax = shape.bounds
    pad = 0.25 * max(xmax - xmin, ymax - ymin) if reached else 0.0
    xmin, ymin, xmax, ymax = box(xmin - pad, ymin - pad, xmax + pad, ymax + pad).intersection(grid).bounds
    return float(xmin), float(xmax), float(ymin), float(ymax)


def threat_map_view(park, zones, names, chemical, *, source, gx, gy, met, title: str, substance: str, notes=()):
    """The MapView of the leak's threat-zone map: the zones ``names`` of ``zones``, the release, the wind arrow (one
    direction) and band, the park's outline, receptors and buildings, cropped to :func:`threat_map_extent`."""
    shown = [z for z in zones if z.name in names]
    extent = threat_map_extent(shown, source.x, source.y, gx, gy)
    radius = max([z.farthest_distance for z in shown] + [0.3 * min(extent[1] - extent[0], extent[3] - extent[2])])
    directions = np.asarray(met.wind_from_direction, dtype=np.float64)
    single = directions.size == 1
    layer = threat_zone_layer(zones, names, chemical,
                              title=f"{substance}: 威胁区 threat zones (最大 60 分钟平均 maximum 60-min mean)")
    ppm_note = (f"ppm 按 25 °C、101.325 kPa: ppm = mg/m³ × 24.45 / M, M = {chemical.molar_mass:g} g/mol"
                if chemical.molar_mass is not None else "ppm: 无摩尔质量 no molar mass")
    return map_view(park, None, title=title, extent=extent,
                    wind_from_direction=float(directions[0]) if single else None,
                    wind_speed=float(met.wind_speed[0]) if single else None,
                    notes=(*notes, ppm_note),
                    threat_zones=layer, release=release_point(source),
                    wind_band=wind_band(directions, met.wind_speed, source.x, source.y, radius),
                    outline=outline_layer(park, extent))


def release_point(source) -> ReleasePoint:
    """The map's release: the risk source's name, with its id unless the name holds it already."""
    name = source.name if source.id in source.name else f"{source.name} ({source.id})"
    return ReleasePoint(name=name, x=float(source.x), y=float(source.y))
