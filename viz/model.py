"""The plain view model that every viz renderer draws from.

The caller (``scenarios``) fills these frozen dataclasses in; ``viz`` knows what a map shows, not how its numbers
were made, so nothing here imports the park model or a scenario. All coordinates are projected metres in the park's
CRS (x = easting, y = northing, the order pyproj gives with ``always_xy=True``); heights and elevations are metres.

Arrays are copied to float64 and made read-only in ``__post_init__``, so a view cannot change under a renderer.
Grid axes given in decreasing order (a north-up raster has y decreasing) are flipped together with the rows or
columns of their values; the picture is the same, the renderers only ever see increasing axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely

from twin.errors import InputError
from viz.threat_layers import ParkOutlineLayer, ReleasePoint, ThreatZoneLayer, WindBand

__all__ = [
    "RECEPTOR_KINDS",
    "RECEPTOR_STYLE",
    "TerrainLayer",
    "BuildingLayer",
    "StackLayer",
    "AreaSourceLayer",
    "ReceptorLayer",
    "AssetLayer",
    "FieldLayer",
    "MapView",
]

#: Receptor kinds a map knows how to draw.
RECEPTOR_KINDS = ("residential", "school", "hospital", "water_source", "fence", "other")

#: How each receptor kind is drawn in maps and scenes: colour, matplotlib marker, bilingual legend label.
RECEPTOR_STYLE = {
    "residential": ("#1f5fae", "s", "居民区 residential"),
    "school": ("#7b3fa0", "^", "学校 school"),
    "hospital": ("#1a8a3a", "P", "医院 hospital"),
    "water_source": ("#0f8c9c", "o", "水源保护区 water source"),
    "fence": ("#555555", "D", "厂界 fence line"),
    "other": ("#8a5a2b", "o", "其他 other"),
}


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _vector(where: str, name: str, values: object, length: int | None = None) -> np.ndarray:
    """Copy ``values`` into a read-only 1-D float64 array, checking its length when one is required."""
    array = np.array(values, dtype=np.float64, copy=True)
    if array.ndim != 1:
        raise InputError.field(where, f"{name} shape", array.shape, "1-D")
    if length is not None and array.shape[0] != length:
        raise InputError.field(where, f"{name} length", array.shape[0], f"{length} (one per item)")
    return _frozen(array)


def _grid(where: str, x: object, y: object, values: object, values_name: str) -> tuple[np.ndarray, ...]:
    """Validate a regular grid: 1-D monotonic axes, values shaped (ny, nx); return increasing axes and values."""
    x_axis = np.array(x, dtype=np.float64, copy=True)
    y_axis = np.array(y, dtype=np.float64, copy=True)
    grid = np.array(values, dtype=np.float64, copy=True)
    for name, axis in (("x", x_axis), ("y", y_axis)):
        if axis.ndim != 1 or axis.shape[0] < 2:
            raise InputError.field(where, f"{name} shape", axis.shape, "1-D with at least 2 coordinates [m]")
        if not np.all(np.isfinite(axis)):
            raise InputError.field(where, name, "non-finite coordinates", "finite projected metres")
        steps = np.diff(axis)
        if not (np.all(steps > 0) or np.all(steps < 0)):
            raise InputError.field(where, name, "non-monotonic coordinates", "strictly increasing or decreasing")
    expected = (y_axis.shape[0], x_axis.shape[0])
    if grid.shape != expected:
        raise InputError.field(where, f"{values_name} shape", grid.shape, f"(ny, nx) = {expected} from len(y), len(x)")
    if x_axis[1] < x_axis[0]:
        x_axis, grid = x_axis[::-1].copy(), grid[:, ::-1].copy()
    if y_axis[1] < y_axis[0]:
        y_axis, grid = y_axis[::-1].copy(), grid[::-1, :].copy()
    return _frozen(x_axis), _frozen(y_axis), _frozen(grid)


def _ring(where: str, ring: object) -> np.ndarray:
    """An exterior ring as a read-only (n, 2) array of n >= 3 vertices; a repeated closing vertex is dropped."""
    array = np.array(ring, dtype=np.float64, copy=True)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputError.field(where, "ring shape", array.shape, "(n, 2) x/y vertices [m]")
    if array.shape[0] > 1 and np.array_equal(array[0], array[-1]):
        array = array[:-1]
    if array.shape[0] < 3:
        raise InputError.field(where, "ring vertex count", array.shape[0], ">= 3 distinct vertices")
    if not np.all(np.isfinite(array)):
        raise InputError.field(where, "ring", "non-finite vertices", "finite projected metres")
    return _frozen(array)


def _names(where: str, names: Sequence[str], length: int) -> tuple[str, ...]:
    """Names are optional as a whole (empty) but, when given, one per item."""
    names = tuple(str(name) for name in names)
    if names and len(names) != length:
        raise InputError.field(where, "names length", len(names), f"0 or {length} (one per item)")
    return names


@dataclass(frozen=True, eq=False)
class TerrainLayer:
    """Ground elevation on a regular grid.

    x : 1-D easting of the grid columns. [m]
    y : 1-D northing of the grid rows. [m]
    elevation : (ny, nx) ground elevation; NaN marks no data (e.g. sea in a DEM). [m]
    """

    x: np.ndarray
    y: np.ndarray
    elevation: np.ndarray

    def __post_init__(self) -> None:
        x, y, elevation = _grid("TerrainLayer", self.x, self.y, self.elevation, "elevation")
        if not np.any(np.isfinite(elevation)):
            raise InputError.field("TerrainLayer", "elevation", "all NaN", "at least one finite value [m]")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "elevation", elevation)


@dataclass(frozen=True, eq=False)
class BuildingLayer:
    """Building footprints extruded to a height above the local ground.

    footprints : list of (n, 2) exterior rings (x, y). [m]
    heights : height of each building above ground. [m]
    names : one name per building (may be Chinese), or empty.
    """

    footprints: Sequence[np.ndarray]
    heights: np.ndarray
    names: Sequence[str] = ()

    def __post_init__(self) -> None:
        rings = tuple(_ring(f"BuildingLayer footprint {i}", ring) for i, ring in enumerate(self.footprints))
        heights = _vector("BuildingLayer", "heights", self.heights, len(rings))
        bad = np.flatnonzero(~(heights > 0))
        if bad.size:
            raise InputError.field(f"BuildingLayer building {int(bad[0])}", "height", float(heights[bad[0]]), "> 0 m")
        object.__setattr__(self, "footprints", rings)
        object.__setattr__(self, "heights", heights)
        object.__setattr__(self, "names", _names("BuildingLayer", self.names, len(rings)))


@dataclass(frozen=True, eq=False)
class AreaSourceLayer:
    """Area sources (fugitive emissions of a surface: tank farms, ponds).

    outlines : list of (n, 2) rings (x, y). [m]
    names : one name per area, or empty.
    """

    outlines: Sequence[np.ndarray]
    names: Sequence[str] = ()

    def __post_init__(self) -> None:
        rings = tuple(_ring(f"AreaSourceLayer outline {i}", ring) for i, ring in enumerate(self.outlines))
        object.__setattr__(self, "outlines", rings)
        object.__setattr__(self, "names", _names("AreaSourceLayer", self.names, len(rings)))


@dataclass(frozen=True, eq=False)
class StackLayer:
    """Emission stacks.

    x, y : position of each stack. [m]
    height : stack height (a volume source's release height) above ground. [m]
    names : one name per stack, or empty.
    """

    x: np.ndarray
    y: np.ndarray
    height: np.ndarray
    names: Sequence[str] = ()

    def __post_init__(self) -> None:
        x = _vector("StackLayer", "x", self.x)
        y = _vector("StackLayer", "y", self.y, x.shape[0])
        height = _vector("StackLayer", "height", self.height, x.shape[0])
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise InputError.field("StackLayer", "x/y", "non-finite coordinates", "finite projected metres")
        bad = np.flatnonzero(~(height >= 0))  # ≥ 0: a ground-level volume source's release height may be 0
        if bad.size:
            raise InputError.field(f"StackLayer stack {int(bad[0])}", "height", float(height[bad[0]]), ">= 0 m")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "height", height)
        object.__setattr__(self, "names", _names("StackLayer", self.names, x.shape[0]))


@dataclass(frozen=True, eq=False)
class ReceptorLayer:
    """Sensitive receptors: residential areas, schools, hospitals, water-source zones, the fence line.

    names : one name per receptor (may be Chinese).
    kinds : one of :data:`RECEPTOR_KINDS` per receptor.
    points : per receptor an (x, y) position [m] or None; None as a whole means no receptor is a point.
    polygons : per receptor an (n, 2) exterior ring [m] or None; None as a whole means none is a polygon.

    Every receptor needs a point, a polygon, or both (a polygon with a label point).
    """

    names: Sequence[str]
    kinds: Sequence[str]
    points: Sequence[tuple[float, float] | None] | None = None
    polygons: Sequence[np.ndarray | None] | None = None

    def __post_init__(self) -> None:
        names = tuple(str(name) for name in self.names)
        count = len(names)
        kinds = tuple(str(kind) for kind in self.kinds)
        if len(kinds) != count:
            raise InputError.field("ReceptorLayer", "kinds length", len(kinds), f"{count} (one per name)")
        for name, kind in zip(names, kinds):
            if kind not in RECEPTOR_KINDS:
                raise InputError.field(f"receptor {name!r}", "kind", kind, f"one of {', '.join(RECEPTOR_KINDS)}")
        points = (None,) * count if self.points is None else tuple(self.points)
        polygons = (None,) * count if self.polygons is None else tuple(self.polygons)
        if len(points) != count:
            raise InputError.field("ReceptorLayer", "points length", len(points), f"{count} (one per name, or None)")
        if len(polygons) != count:
            raise InputError.field("ReceptorLayer", "polygons length", len(polygons),
                                   f"{count} (one per name, or None)")
        checked_points: list[np.ndarray | None] = []
        checked_polygons: list[np.ndarray | None] = []
        for name, point, polygon in zip(names, points, polygons):
            where = f"receptor {name!r}"
            if point is None and polygon is None:
                raise InputError.field(where, "point/polygon", None, "a point (x, y), a polygon ring, or both")
            if point is not None:
                xy = np.array(point, dtype=np.float64, copy=True)
                if xy.shape != (2,) or not np.all(np.isfinite(xy)):
                    raise InputError.field(where, "point", point, "finite (x, y) in metres")
                point = _frozen(xy)
            checked_points.append(point)
            checked_polygons.append(None if polygon is None else _ring(where, polygon))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "kinds", kinds)
        object.__setattr__(self, "points", tuple(checked_points))
        object.__setattr__(self, "polygons", tuple(checked_polygons))

    def label_point(self, index: int) -> np.ndarray:
        """Where receptor ``index`` is labelled: its point, else a point inside its polygon. [m]

        A fence line encloses the whole park (and the release), so it is labelled at its northernmost vertex instead.
        """
        point = self.points[index]
        if point is not None:
            return point
        ring = self.polygons[index]
        if self.kinds[index] == "fence":
            return ring[np.argmax(ring[:, 1])]
        inside = shapely.Polygon(ring).representative_point()
        return np.array([inside.x, inside.y])


@dataclass(frozen=True, eq=False)
class FieldLayer:
    """A scalar field on a regular grid, e.g. ground-level concentration, dose or flood depth.

    x : 1-D easting of the grid columns. [m]
    y : 1-D northing of the grid rows. [m]
    values : (ny, nx) values in ``units``; values <= 0 or NaN are drawn transparent.
    units : label shown on the colour bar, e.g. "µg/m³" or "mg/m³" (the caller converts, viz only labels).
    title : what the field is, e.g. "氯气 1 h 平均浓度 / chlorine 1-h mean".
    levels : optional increasing positive contour levels in ``units``; default: see :meth:`contour_levels`.
    limit : optional reference level in ``units`` (an air-quality limit, a toxic endpoint), drawn as a bold isopleth;
        the default levels then start at a tenth of it (HJ 2.2-2018's 10 % of the standard, D10%).
    limit_label : how the legend names the limit, e.g. "GB 3095-2012 1-h limit 500 µg/m³".
    scale : "log" (1-2-5 steps, for fields spanning decades) or "linear" (equal steps, for structure near the
        maximum).
    """

    x: np.ndarray
    y: np.ndarray
    values: np.ndarray
    units: str
    title: str
    levels: np.ndarray | None = None
    limit: float | None = None
    limit_label: str = ""
    scale: str = "log"

    def __post_init__(self) -> None:
        x, y, values = _grid("FieldLayer", self.x, self.y, self.values, "values")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "values", values)
        if self.levels is not None:
            levels = _vector("FieldLayer", "levels", self.levels)
            if levels.shape[0] < 2 or not np.all(levels > 0) or not np.all(np.diff(levels) > 0):
                raise InputError.field("FieldLayer", "levels", levels.tolist(), "at least 2 increasing values > 0")
            object.__setattr__(self, "levels", levels)
        if self.limit is not None and not (np.isfinite(self.limit) and self.limit > 0):
            raise InputError.field("FieldLayer", "limit", self.limit, "a finite value > 0, or None")
        if self.scale not in ("log", "linear"):
            raise InputError.field("FieldLayer", "scale", self.scale, "'log' or 'linear'")

    def contour_levels(self, decades: int = 4) -> np.ndarray | None:
        """Contour levels in ``units``; None when the field has no positive finite value (nothing to draw).

        The given ``levels``; else, with a ``limit`` the field reaches a tenth of, levels from 0.1 × limit to the
        first level at or above the maximum, the limit among them — 1-2-5 multiples of the limit on the log scale,
        equal 1-2-5-sized steps on the linear one; else 1-2-5 steps over ``decades`` below the maximum (log) or
        about eight equal steps up to it (linear). A field that stays below a tenth of its ``limit`` gets two decades
        below its maximum at most: values under 1/1000 of the limit are no part of an assessment, and four decades of
        a multi-stack field shade the whole domain (issue 14: "a log scale down to 0.005 µg/m³").
        """
        if self.levels is not None:
            return self.levels
        positive = self.values[np.isfinite(self.values) & (self.values > 0)]
        if positive.size == 0:
            return None
        maximum = float(positive.max())
        limit = self.limit if self.limit is not None and maximum >= 0.1 * self.limit else None
        if self.limit is not None and limit is None:
            decades = min(decades, 2)
        if self.scale == "linear":
            step = _nice_step(maximum / 8.0)
            levels = step * np.arange(1, max(int(np.ceil(maximum / step - 1e-9)), 1) + 1)  # the last >= maximum
            if limit is not None:  # from a tenth of the limit, the limit itself among them when the field reaches it
                extra = [0.1 * limit] + ([limit] if limit <= levels[-1] else [])
                levels = np.unique(np.concatenate([levels[levels > 0.1 * limit], extra]))
            return _frozen(levels if levels.size >= 2 else np.array([levels[0] / 2.0, levels[0]]))
        if limit is not None:
            factors = [m * 10.0**e for e in range(-1, 9) for m in (1.0, 2.0, 5.0)]
            levels = [f * limit for f in factors]
            top = next(level for level in levels if level >= maximum * (1 - 1e-12))
            return _frozen(np.array([level for level in levels if level <= top * (1 + 1e-9)]))
        exponent = int(np.floor(np.log10(maximum)))
        top = next(m * 10.0**exponent for m in (1.0, 2.0, 5.0, 10.0) if m * 10.0**exponent >= maximum * (1 - 1e-12))
        bottom = top / 10.0**decades
        steps = [m * 10.0**e for e in range(exponent - decades - 1, exponent + 2) for m in (1.0, 2.0, 5.0)]
        levels = np.array([s for s in steps if bottom * (1 - 1e-9) <= s <= top * (1 + 1e-9)])
        return _frozen(levels)


def _nice_step(raw: float) -> float:
    """The 1-2-5 number at or above ``raw`` (> 0)."""
    exponent = int(np.floor(np.log10(raw)))
    return next(m * 10.0**exponent for m in (1.0, 2.0, 5.0, 10.0) if m * 10.0**exponent >= raw * (1 - 1e-12))


@dataclass(frozen=True, eq=False)
class AssetLayer:
    """Risk units a flood map reports on (hazardous-chemical warehouses, tanks): their outline or position, name,
    and whether the flood reaches them.

    names : one per asset; footprints : per asset an (n, 2) exterior ring [m] or None; points : per asset (x, y) [m]
    (the label anchor, and the marker when there is no footprint); flooded : per asset, True when water crosses its
    sill in the run.
    """

    names: Sequence[str]
    points: Sequence[tuple[float, float]]
    footprints: Sequence[np.ndarray | None]
    flooded: Sequence[bool]

    def __post_init__(self) -> None:
        names = tuple(str(name) for name in self.names)
        count = len(names)
        for label, values in (("points", self.points), ("footprints", self.footprints), ("flooded", self.flooded)):
            if len(values) != count:
                raise InputError.field("AssetLayer", f"{label} length", len(values), f"{count} (one per name)")
        points = []
        for name, point in zip(names, self.points):
            xy = np.array(point, dtype=np.float64, copy=True)
            if xy.shape != (2,) or not np.all(np.isfinite(xy)):
                raise InputError.field(f"asset {name!r}", "point", point, "finite (x, y) in metres")
            points.append(_frozen(xy))
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "points", tuple(points))
        object.__setattr__(self, "footprints", tuple(None if ring is None else _ring(f"asset {name!r}", ring)
                                                     for name, ring in zip(names, self.footprints)))
        object.__setattr__(self, "flooded", tuple(bool(f) for f in self.flooded))


@dataclass(frozen=True, eq=False, kw_only=True)
class MapView:
    """Everything one map or 3D scene shows. Layers left as None are not drawn.

    title : map title (may be Chinese).
    epsg : EPSG code of the projected CRS of every coordinate, e.g. 4549 (CGCS2000 / 3-degree GK CM 120E).
    wind_from_direction : direction the wind blows from, clockwise from north (meteorological). [degree]
    wind_speed : wind speed shown beside the wind arrow. [m/s]
    notes : short lines printed small under the map (model, time, met source, disclaimers).
    assets : risk units a flood map reports on (maps only; scenes do not draw them).
    volume_sources : the park's volume sources (fugitive emissions; ``height`` their release height), as a
        StackLayer; area_sources : its area sources' outlines (both maps only).
    threat_zones, release, wind_band, outline : a threat-zone map's named zones, the leaking tank or pipe, the
        wind-direction band and the park's boundary, flood defences and water (:mod:`viz.threat_layers`; maps only).
    bounds : (xmin, xmax, ymin, ymax) of the map [m]; None: the field's and terrain's extent (:meth:`extent`).
    """

    title: str
    epsg: int
    field: FieldLayer | None = None
    terrain: TerrainLayer | None = None
    buildings: BuildingLayer | None = None
    stacks: StackLayer | None = None
    volume_sources: StackLayer | None = None
    area_sources: AreaSourceLayer | None = None
    receptors: ReceptorLayer | None = None
    assets: AssetLayer | None = None
    threat_zones: ThreatZoneLayer | None = None
    release: ReleasePoint | None = None
    wind_band: WindBand | None = None
    outline: ParkOutlineLayer | None = None
    bounds: tuple[float, float, float, float] | None = None
    wind_from_direction: float | None = None
    wind_speed: float | None = None
    notes: Sequence[str] = ()

    def __post_init__(self) -> None:
        if isinstance(self.epsg, bool) or not isinstance(self.epsg, (int, np.integer)) or self.epsg <= 0:
            raise InputError.field("MapView", "epsg", self.epsg, "a positive integer EPSG code, e.g. 4549")
        expected = {
            "field": FieldLayer,
            "terrain": TerrainLayer,
            "buildings": BuildingLayer,
            "stacks": StackLayer,
            "volume_sources": StackLayer,
            "area_sources": AreaSourceLayer,
            "receptors": ReceptorLayer,
            "assets": AssetLayer,
            "threat_zones": ThreatZoneLayer,
            "release": ReleasePoint,
            "wind_band": WindBand,
            "outline": ParkOutlineLayer,
        }
        for name, kind in expected.items():
            layer = getattr(self, name)
            if layer is not None and not isinstance(layer, kind):
                raise InputError.field("MapView", name, type(layer).__name__, f"a {kind.__name__} or None")
        if self.bounds is not None:
            bounds = tuple(float(b) for b in self.bounds)
            if len(bounds) != 4 or not all(np.isfinite(bounds)) or bounds[0] >= bounds[1] or bounds[2] >= bounds[3]:
                raise InputError.field("MapView", "bounds", self.bounds, "(xmin, xmax, ymin, ymax) [m], min < max")
            object.__setattr__(self, "bounds", bounds)
        if self.wind_from_direction is not None:
            direction = float(self.wind_from_direction)
            if not np.isfinite(direction):
                raise InputError.field("MapView", "wind_from_direction", direction, "finite degrees from north")
            object.__setattr__(self, "wind_from_direction", direction % 360.0)
        if self.wind_speed is not None:
            speed = float(self.wind_speed)
            if not (np.isfinite(speed) and speed >= 0):
                raise InputError.field("MapView", "wind_speed", speed, ">= 0 m/s")
            object.__setattr__(self, "wind_speed", speed)
        if isinstance(self.notes, str):
            raise InputError.field("MapView", "notes", self.notes, "a sequence of lines, not one string")
        object.__setattr__(self, "epsg", int(self.epsg))
        object.__setattr__(self, "notes", tuple(str(note) for note in self.notes))

    def extent(self) -> tuple[float, float, float, float]:
        """(xmin, xmax, ymin, ymax): ``bounds`` when given, else covering the field and the terrain, else every drawn
        feature. [m]"""
        if self.bounds is not None:
            return self.bounds
        boxes = []
        for grid in (self.field, self.terrain):
            if grid is not None:
                boxes.append((grid.x[0], grid.x[-1], grid.y[0], grid.y[-1]))

        if not boxes:
            points = []
            if self.buildings is not None:
                points.extend(self.buildings.footprints)
            if self.stacks is not None:
                points.append(np.column_stack([self.stacks.x, self.stacks.y]))
            if self.receptors is not None:
                points.extend(ring for ring in self.receptors.polygons if ring is not None)
                points.extend(point[None, :] for point in self.receptors.points if point is not None)
            if not points:
                raise InputError.field("MapView", "layers", "nothing to draw", "at least one layer")
            stacked = np.concatenate(points)
            (xmin, ymin), (xmax, ymax) = stacked.min(axis=0), stacked.max(axis=0)
            pad = max(xmax - xmin, ymax - ymin, 100.0) * 0.1
            return float(xmin - pad), float(xmax + pad), float(ymin - pad), float(ymax + pad)
        boxes = np.array(boxes)
        return (float(boxes[:, 0].min()), float(boxes[:, 1].max()), float(boxes[:, 2].min()), float(boxes[:, 3].max()))
