"""Building footprints with heights, read from and written to GeoJSON.

RFC 7946 GeoJSON is WGS84 lon/lat (section 4), exterior rings counter-clockwise and holes clockwise (section 3.1.6);
coordinates are rounded to 7 decimals (~1 cm, the precision GDAL's RFC 7946 writer uses).
Footprints in the park CRS (legacy 2008 GeoJSON with a ``crs`` member) are read when ``source_crs="park"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.polygon import orient

from twin import geo
from twin.errors import InputError, MissingInputError
from twin.inputs import record_input
from twin.atomic import atomic_output

__all__ = ["Building", "read_buildings", "write_buildings_geojson", "BUILDING_SOURCE_CRS"]

BUILDING_SOURCE_CRS = ("EPSG:4326", "park")
_WGS84_NAMES = ("EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "CRS84")
GEOJSON_DECIMALS = 7


@dataclass(frozen=True, eq=False)
class Building:
    """One building.

    Parameters
    ----------
    id : str
        Unique id.
    name : str
        Name (Chinese allowed), may be empty.
    footprint : shapely.Polygon
        Ground outline in the park CRS. [m]
    height : float
        Roof height above ground. [m]
    """

    id: str
    name: str
    footprint: Polygon
    height: float


def _to_park(geometry, transformer: pyproj.Transformer | None):
    if transformer is None:
        return geometry

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def _feature_label(index: int, feature: dict[str, Any]) -> str:
    properties = feature.get("properties")
    fid = feature.get("id", properties.get("id") if isinstance(properties, dict) else None)
    return f"feature {index}" + (f" (id {str(fid)[:40]!r})" if fid is not None else "")


def _member(where: str, label: str, container: dict, key: str, kind: type, allowed: str):
    """``container[key]`` when it is a ``kind`` (an empty one when absent or null), else an InputError."""
    value = container.get(key)
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise InputError(f"{where}: {label}: {key} must be {allowed}, got a {type(value).__name__}")
    return value


# The tallest building (Burj Khalifa) is 828 m; a footprint taller than this is a unit slip (mm, cm) [m].
MAX_BUILDING_HEIGHT = 1000.0


def read_buildings(path: str | Path, crs: pyproj.CRS, source_crs: str = "EPSG:4326", *,
                   where: str | None = None) -> list[Building]:
    """Read a GeoJSON FeatureCollection of Polygon/MultiPolygon footprints with a numeric ``height`` [m] property.

    Parameters
    ----------
    path : path-like
        The GeoJSON file (UTF-8).
    crs : pyproj.CRS
        The park CRS; footprints are returned in it.
    source_crs : {"EPSG:4326", "park"}
        Coordinates of the file: WGS84 lon/lat (RFC 7946) or already in the park CRS.
    where : str, optional
        How messages name the file.

    Returns
    -------
    list[Building]
        MultiPolygon features become one Building per part, with ids ``"<id>#<k>"``.
    """
    path = Path(path)
    where = where or path.name
    if source_crs not in BUILDING_SOURCE_CRS:
        raise InputError.field(where, "source_crs", source_crs, f"one of {BUILDING_SOURCE_CRS}")
    if not path.is_file():
        raise MissingInputError(f"{where}: buildings file not found: {path}")
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
        record_input(path)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{where}: not valid UTF-8 JSON ({exc})") from None
    except RecursionError:  # e.g. 100,000 nested arrays
        raise InputError(f"{where}: JSON nested too deeply to be a GeoJSON FeatureCollection") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        kind = collection.get("type") if isinstance(collection, dict) else type(collection).__name__
        raise InputError.field(where, "type", kind, "'FeatureCollection'")
    crs_member = _member(where, "the collection", collection, "crs", dict, "an object (GeoJSON 2008 named CRS)")
    declared = _member(where, "crs", crs_member, "properties", dict, "an object").get("name")
    if source_crs == "EPSG:4326" and declared is not None and declared not in _WGS84_NAMES:
        raise InputError(f"{where}: file declares crs {declared!r} but buildings_crs is 'EPSG:4326'; "
                         "set buildings_crs: park in park.yaml if the footprints are in the park CRS")
    transformer = geo.transformer("EPSG:4326", crs) if source_crs == "EPSG:4326" else None
    buildings: list[Building] = []
    seen: set[str] = set()
    features = _member(where, "the collection", collection, "features", list, "a list of Feature objects")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict):
            raise InputError(f"{where}: feature {index} must be a GeoJSON Feature object, got a "
                             f"{type(feature).__name__}")
        label = _feature_label(index, feature)
        properties = _member(where, label, feature, "properties", dict, "an object with a numeric 'height' [m]")
        height = properties.get("height")
        if (isinstance(height, bool) or not isinstance(height, (int, float)) or not np.isfinite(height)
                or not 0 < height <= MAX_BUILDING_HEIGHT):
            raise InputError(f"{where}: {label}: height must be a number in (0, {MAX_BUILDING_HEIGHT:g}] m, got "
                             f"{str(height)[:40]!r}" + (" (in mm or cm? heights are in metres)"
                                                        if isinstance(height, (int, float)) and not
                                                        isinstance(height, bool) and height > MAX_BUILDING_HEIGHT
                                                        and np.isfinite(height) else ""))
        geometry_json = _member(where, label, feature, "geometry", dict, "a Polygon or MultiPolygon object")
        kind = geometry_json.get("type")
        if kind not in ("Polygon", "MultiPolygon"):
            raise InputError(f"{where}: {label}: geometry type must be Polygon or MultiPolygon, got {kind!r}")
        try:
            geometry = _to_park(shape(geometry_json), transformer)
        except (ValueError, TypeError, AttributeError, IndexError, KeyError, RecursionError,
                shapely.errors.ShapelyError) as exc:
            raise InputError(f"{where}: {label}: unreadable geometry ({exc})") from None
        if not geometry.is_valid or geometry.is_empty:
            reason = shapely.is_valid_reason(geometry)
            raise InputError(f"{where}: {label}: footprint must be a valid, non-empty polygon, got {reason}")
        base_id = str(feature.get("id", properties.get("id", f"B{index:05d}")))
        parts = list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]
        for k, part in enumerate(parts):
            building_id = base_id if len(parts) == 1 else f"{base_id}#{k}"
            if building_id in seen:
                raise InputError(f"{where}: {label}: building ids must be unique, got duplicate {building_id!r}")
            seen.add(building_id)
            buildings.append(Building(id=building_id, name=str(properties.get("name") or ""),
                                      footprint=part, height=float(height)))
    return buildings


def _round_coords(coords) -> list[list[float]]:
    return [[round(float(x), GEOJSON_DECIMALS), round(float(y), GEOJSON_DECIMALS)] for x, y in coords]


def buildings_feature_collection(buildings: list[Building], crs: pyproj.CRS) -> dict[str, Any]:
    """RFC 7946 FeatureCollection (WGS84 lon/lat, CCW exterior rings, 7 decimals) of ``buildings``."""
    transformer = geo.transformer(crs, "EPSG:4326")
    features = []
    for building in buildings:
        lonlat = orient(_to_park(building.footprint, transformer), sign=1.0)  # CCW shell, CW holes
        geometry = mapping(lonlat)
        rings = [_round_coords(ring) for ring in geometry["coordinates"]]
        features.append({
            "type": "Feature",
            "id": building.id,
            "properties": {"id": building.id, "name": building.name, "height": round(building.height, 2)},
            "geometry": {"type": "Polygon", "coordinates": rings},
        })
    return {"type": "FeatureCollection", "features": features}


def write_buildings_geojson(path: str | Path, buildings: list[Building], crs: pyproj.CRS) -> Path:
    """Write ``buildings`` as RFC 7946 GeoJSON (UTF-8, Chinese names kept as characters), atomically."""
    text = json.dumps(buildings_feature_collection(buildings, crs), ensure_ascii=False, separators=(",", ":"))
    with atomic_output(path) as temporary:
        temporary.write_text(text + "\n", encoding="utf-8")
    return Path(path)
