"""Threat zones: where a concentration field reaches a threshold, as polygons and RFC 7946 GeoJSON.

A zone is the filled contour {C ≥ level} of a gridded field (contourpy, marching squares with linear
interpolation along cell edges), as shapely polygons with holes in the park's projected CRS, so that areas [m²]
and distances [m] are measured where they are true. GeoJSON leaves in WGS84 longitude/latitude with exterior rings
counter-clockwise and holes clockwise (RFC 7946 §3.1.6, the right-hand rule) and no ``crs`` member (§4).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from contourpy import FillType, contour_generator
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.polygon import orient

from twin.atomic import write_text_atomic
from twin.errors import InputError

__all__ = ["ThreatZone", "threat_zone", "farthest_distance", "zones_geojson", "write_zones_geojson", "Transect",
           "transect", "TransectExtent", "transect_extent", "limit_to_distance"]


@dataclass(frozen=True)
class ThreatZone:
    """name (e.g. "HJ 169 endpoint-2"), level and its units (e.g. 5.8, "mg/m3"), the polygon [m, park CRS],
    its area [m²] and the farthest distance [m] of the zone from the source."""

    name: str
    level: float
    units: str
    polygon: Polygon | MultiPolygon
    area: float
    farthest_distance: float


def threat_zone(x: np.ndarray, y: np.ndarray, field: np.ndarray, level: float) -> Polygon | MultiPolygon:
    """The region where ``field`` ≥ ``level`` [same units] on the grid (x [m] columns, y [m] rows), as polygons.

    Empty (``Polygon()``) when the field never reaches the level.
    """
    field = np.asarray(field, dtype=np.float64)
    if field.shape != (np.size(y), np.size(x)):
        raise InputError.field("threat zone", "field", f"shape {field.shape}", f"(len(y), len(x)) = ({np.size(y)}, "
                                                                               f"{np.size(x)})")
    if not level > 0:
        raise InputError.field("threat zone", "level", level, "> 0")
    if np.nanmax(field, initial=0.0) < level:
        return Polygon()
    generator = contour_generator(x=x, y=y, z=np.nan_to_num(field, nan=0.0), fill_type=FillType.OuterOffset)
    points_list, offsets_list = generator.filled(level, np.inf)
    polygons = []
    for points, offsets in zip(points_list, offsets_list):
        rings = [points[offsets[k]:offsets[k + 1]] for k in range(len(offsets) - 1)]
        polygons.append(Polygon(rings[0], rings[1:]))
    return orient(shapely.union_all(polygons), 1.0) if len(polygons) > 1 else orient(polygons[0], 1.0)


def farthest_distance(zone: Polygon | MultiPolygon, source_x: float, source_y: float) -> float:
    """Largest distance [m] from the source to any point of the zone (attained on its boundary); 0 if empty."""
    if zone.is_empty:
        return 0.0
    coordinates = shapely.get_coordinates(zone.boundary)
    return float(np.hypot(coordinates[:, 0] - source_x, coordinates[:, 1] - source_y).max())


def zones_geojson(zones: Sequence[ThreatZone], to_lonlat) -> dict:
    """An RFC 7946 FeatureCollection of the zones; ``to_lonlat(x, y)`` maps park coordinates to WGS84 lon/lat."""
    features = []
    for zone in zones:
        if zone.polygon.is_empty:
            geometry = None
        else:
            def transform(coordinates: np.ndarray) -> np.ndarray:
                lon, lat = to_lonlat(coordinates[:, 0], coordinates[:, 1])
                return np.round(np.column_stack([lon, lat]), 7)  # 7 decimals ≈ 1 cm (RFC 7946 §11.2)

            # Orientation is checked after the projection: a conformal map keeps it, but say so explicitly.
            geometry = mapping(orient(shapely.transform(zone.polygon, transform), 1.0))
        features.append({
            "type": "Feature",
            "geometry": geometry,
            "properties": {"name": zone.name, "level": zone.level, "units": zone.units,
                           "area_m2": round(zone.area, 1), "farthest_distance_m": round(zone.farthest_distance, 1)},
        })
    return {"type": "FeatureCollection", "features": features}


def write_zones_geojson(path: str | os.PathLike, zones: Sequence[ThreatZone], to_lonlat) -> Path:
    """Write the zones as RFC 7946 GeoJSON (UTF-8), atomically."""
    return write_text_atomic(path, json.dumps(zones_geojson(zones, to_lonlat), ensure_ascii=False) + "\n")


# --- Zones from a transect: fine enough for the zone itself, whatever the map's grid --------------------------------

# Cross-wind offsets [m] of the transect receptors on either side of each centreline point: from 1 m to 2.5 km,
# roughly doubling, so a zone of any width between a metre and a few kilometres is resolved to a factor ~1.6.
TRANSECT_OFFSETS = np.array([0.0, 1.0, 2.0, 4.0, 7.0, 12.0, 20.0, 35.0, 60.0, 100.0, 160.0, 250.0, 400.0, 650.0,
                             1000.0, 1600.0, 2500.0])
TRANSECT_NEAREST = 10.0  # first centreline point [m] from the source
TRANSECT_POINTS = 160  # centreline points per path, log-spaced


@dataclass(frozen=True)
class Transect:
    """Receptors along cloud paths and across them.

    x, y [m, park CRS] of every transect receptor; path (which path), along (distance along the path [m]) and
    offset (signed cross-path offset [m]) of each; paths: the number of paths.
    """

    x: np.ndarray
    y: np.ndarray
    path: np.ndarray
    along: np.ndarray
    offset: np.ndarray
    paths: int


def transect(paths: Sequence[np.ndarray], *, nearest: float = TRANSECT_NEAREST, points: int = TRANSECT_POINTS,
             offsets: np.ndarray = TRANSECT_OFFSETS) -> Transect:
    """Transect receptors along each path (an (n, 2) polyline [m] starting at the source, e.g. the track of the
    cloud's centre) at ``points`` log-spaced distances from ``nearest`` [m] to the path's length, each with the
    cross-path ``offsets`` [m] on both sides (perpendicular to the local direction of the path)."""
    xs, ys, ids, alongs, offs = [], [], [], [], []
    signed = np.concatenate([-offsets[:0:-1], offsets])
    for k, polyline in enumerate(paths):
        polyline = np.asarray(polyline, dtype=np.float64)
        steps = np.hypot(*np.diff(polyline, axis=0).T)
        keep = np.concatenate([[True], steps > 1e-9])
        polyline = polyline[keep]
        if polyline.shape[0] < 2:
            continue
        cumulative = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(polyline, axis=0).T))])
        length = cumulative[-1]
        if length <= nearest:
            continue
        s = np.geomspace(nearest, length, points)
        segment = np.clip(np.searchsorted(cumulative, s, side="right") - 1, 0, polyline.shape[0] - 2)
        direction = polyline[segment + 1] - polyline[segment]
        direction /= np.hypot(direction[:, 0], direction[:, 1])[:, None]
        fraction = (s - cumulative[segment]) / (cumulative[segment + 1] - cumulative[segment])
        centre = polyline[segment] + fraction[:, None] * (polyline[segment + 1] - polyline[segment])
        normal = np.column_stack([-direction[:, 1], direction[:, 0]])
        xs.append((centre[:, None, 0] + signed[None, :] * normal[:, None, 0]).ravel())
        ys.append((centre[:, None, 1] + signed[None, :] * normal[:, None, 1]).ravel())
        ids.append(np.full(s.size * signed.size, k))
        alongs.append(np.repeat(s, signed.size))
        offs.append(np.tile(signed, s.size))
    if not xs:
        empty = np.zeros(0)
        return Transect(empty, empty, np.zeros(0, dtype=np.int64), empty, empty, 0)
    return Transect(np.concatenate(xs), np.concatenate(ys), np.concatenate(ids), np.concatenate(alongs),
                    np.concatenate(offs), len(paths))


@dataclass(frozen=True)
class TransectExtent:
    """What the transect says of one zone: farthest distance from the source [m], largest cross-path width [m] and
    area [m²] (∫ width d(along) on the path where the area is largest); all 0 when the level is not reached."""

    farthest_distance: float
    width: float
    area: float


def transect_extent(t: Transect, values: np.ndarray, level: float, source_x: float, source_y: float
                    ) -> TransectExtent:
    """Farthest distance, width and area of {values ≥ level} on the transect ``t`` (values [any unit] at its
    receptors, level in the same unit). The width at a centreline point is the span of offsets reaching the level."""
    values = np.asarray(values, dtype=np.float64)
    above = np.nan_to_num(values) >= level
    if not np.any(above):
        return TransectExtent(0.0, 0.0, 0.0)
    farthest = float(np.hypot(t.x[above] - source_x, t.y[above] - source_y).max())
    best_width, best_area = 0.0, 0.0
    for k in range(t.paths):
        on = t.path == k
        if not np.any(on & above):
            continue
        along = t.along[on].reshape(-1, np.unique(t.offset[on]).size)
        offset = t.offset[on].reshape(along.shape)
        hit = above[on].reshape(along.shape)
        low = np.where(hit, offset, np.inf).min(axis=1)
        high = np.where(hit, offset, -np.inf).max(axis=1)
        width = np.where(np.isfinite(low), high - low, 0.0)
        # A single offset reached: the zone is narrower than the offsets' spacing; count the half-gaps around it.
        spacing = np.diff(np.unique(offset[0])).min(initial=1.0)
        width = np.where(np.isfinite(low) & (width == 0.0), spacing, width)
        s = along[:, 0]
        best_width = max(best_width, float(width.max()))
        best_area = max(best_area, float(np.trapezoid(width, s)) if s.size > 1 else 0.0)
    return TransectExtent(farthest, best_width, best_area)


def limit_to_distance(zone: Polygon | MultiPolygon, source_x: float, source_y: float, distance: float
                      ) -> Polygon | MultiPolygon:
    """The part of ``zone`` within ``distance`` [m] of the source (a 256-gon disc; area error < 0.01 %)."""
    if zone.is_empty:
        return zone
    disc = shapely.Point(source_x, source_y).buffer(distance, quad_segs=64)
    clipped = zone.intersection(disc)
    if clipped.geom_type not in ("Polygon", "MultiPolygon"):
        clipped = shapely.union_all([g for g in getattr(clipped, "geoms", [clipped])
                                     if g.geom_type in ("Polygon", "MultiPolygon")]) if not clipped.is_empty else Polygon()
    return orient(clipped, 1.0) if clipped.geom_type == "Polygon" and not clipped.is_empty else clipped
