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

__all__ = ["ThreatZone", "threat_zone", "farthest_distance", "zones_geojson", "write_zones_geojson"]


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
