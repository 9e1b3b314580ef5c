"""Fill viz's plain view model from a park and a result field (viz knows what a map shows, not where it comes from)."""

from __future__ import annotations

import numpy as np
import shapely

from twin.park import Park
from viz.model import (AreaSourceLayer, AssetLayer, BuildingLayer, FieldLayer, MapView, ReceptorLayer, StackLayer,
                       TerrainLayer)
from viz.threat_layers import ParkOutlineLayer

__all__ = ["map_view", "asset_layer", "outline_layer"]


def _crop_terrain(park: Park, extent: tuple[float, float, float, float], margin: float) -> TerrainLayer:
    xmin, xmax, ymin, ymax = extent
    terrain = park.terrain
    cols = (terrain.x >= xmin - margin) & (terrain.x <= xmax + margin)
    rows = (terrain.y >= ymin - margin) & (terrain.y <= ymax + margin)
    return TerrainLayer(x=terrain.x[cols], y=terrain.y[rows], elevation=terrain.elevation[np.ix_(rows, cols)])


def map_view(park: Park, field: FieldLayer | None, *, title: str, wind_from_direction: float | None = None,
             wind_speed: float | None = None, notes: tuple[str, ...] = (),
             extent: tuple[float, float, float, float] | None = None, volume_sources: bool = False,
             **layers) -> MapView:
    """A MapView of ``field`` over the park: terrain, buildings and receptors cropped to the field's extent (or to
    ``extent`` = (xmin, xmax, ymin, ymax) [m] when given, e.g. a threat-zone map without a field); ``layers`` are
    further MapView layers (threat_zones, release, wind_band, outline); ``volume_sources``: draw the park's volume
    and area sources too (the maps of a run that models them: the EIA run)."""
    bounds = extent
    if extent is None:
        extent = (float(field.x.min()), float(field.x.max()), float(field.y.min()), float(field.y.max()))
    margin = 200.0

    def inside(x: float, y: float) -> bool:
        return extent[0] - margin <= x <= extent[1] + margin and extent[2] - margin <= y <= extent[3] + margin

    buildings = [b for b in park.buildings if inside(*b.footprint.centroid.coords[0])]
    stacks = [s for s in park.stacks if inside(s.x, s.y)]
    volumes = [s for s in park.volume_sources if inside(s.x, s.y)] if volume_sources else []
    areas = [a for a in park.area_sources if inside(a.x, a.y)] if volume_sources else []
    receptors = [r for r in park.receptors
                 if (r.point is not None and inside(*r.point))
                 or (r.polygon is not None and any(inside(px, py) for px, py in r.polygon))]
    return MapView(
        title=title,
        field=field,
        terrain=_crop_terrain(park, extent, margin),
        buildings=BuildingLayer(
            footprints=[np.asarray(b.footprint.exterior.coords) for b in buildings],
            heights=np.array([b.height for b in buildings], dtype=np.float64),
            names=[b.name or "" for b in buildings],
        ),
        stacks=StackLayer(
            x=np.array([s.x for s in stacks]), y=np.array([s.y for s in stacks]),
            height=np.array([s.height for s in stacks]), names=[s.name for s in stacks],
        ),
        volume_sources=StackLayer(
            x=np.array([s.x for s in volumes]), y=np.array([s.y for s in volumes]),
            height=np.array([s.release_height for s in volumes]), names=[s.name for s in volumes],
        ) if volumes else None,
        area_sources=AreaSourceLayer(outlines=[np.asarray(a.vertices()) for a in areas],
                                     names=[a.name for a in areas]) if areas else None,
        receptors=ReceptorLayer(
            names=[r.name for r in receptors], kinds=[r.kind for r in receptors],
            points=[tuple(r.point) if r.point is not None else None for r in receptors],
            polygons=[np.asarray(r.polygon) if r.polygon is not None else None for r in receptors],
        ),
        epsg=park.spec.epsg,
        wind_from_direction=wind_from_direction,
        wind_speed=wind_speed,
        notes=notes,
        bounds=bounds,
        **layers,
    )


def outline_layer(park: Park, extent: tuple[float, float, float, float] | None = None) -> ParkOutlineLayer | None:
    """The park's boundary (厂界: park.yaml's ``boundary``, else the hull of its fence-line receptors), flood
    defences and water bodies that reach into ``extent`` = (xmin, xmax, ymin, ymax) [m] (None: all), as far as the
    park has them; None when it has none there."""
    boundary = park.boundary_polygon()
    area = None if extent is None else shapely.box(extent[0], extent[2], extent[1], extent[3])

    def shown(geometry) -> bool:
        return area is None or geometry.intersects(area)

    layer = ParkOutlineLayer(
        boundary=None if boundary is None or not shown(boundary) else np.asarray(boundary.exterior.coords)[:-1],
        defences=[(d.name, d.kind, np.asarray(d.line, dtype=float)) for d in park.spec.flood_defences
                  if shown(shapely.LineString(d.line))],
        water=[(w.name, w.kind, np.asarray(w.polygon, dtype=float)) for w in park.spec.water_bodies
               if shown(shapely.Polygon(w.polygon))],
    )
    return None if layer.empty else layer


def asset_layer(park: Park, events: list[dict], field: FieldLayer) -> AssetLayer | None:
    """The risk units of a flood's asset events (``scenarios.typhoon.run.asset_events``: id, name, flooded) that lie
    on the field's grid, for the flood map; None when none does."""
    by_id = {source.id: source for source in park.risk_sources}
    x0, x1, y0, y1 = float(field.x.min()), float(field.x.max()), float(field.y.min()), float(field.y.max())
    shown = [(by_id[e["id"]], e) for e in events
             if e["id"] in by_id and x0 <= by_id[e["id"]].x <= x1 and y0 <= by_id[e["id"]].y <= y1]
    if not shown:
        return None
    return AssetLayer(names=[f"{source.name} ({source.id})" for source, _ in shown],
                      points=[(source.x, source.y) for source, _ in shown],
                      footprints=[np.asarray(source.footprint, dtype=float) if source.footprint else None
                                  for source, _ in shown],
                      flooded=[bool(event["flooded"]) for _, event in shown])
