"""The 3D scene as a binary glTF 2.0 file (``.glb``): terrain, buildings, stacks, the draped field and the receptors,
coloured as in the PNG scene, for any glTF viewer (a browser viewer, Windows 3D Viewer, Blender, PowerPoint).

Why not VTK's exporter (``Plotter.export_gltf``): it writes the scalar colouring as texture coordinates into a colour-map
texture multiplied by the actor's base colour, so the terrain came out tinted, and the NaN values that hide the field
outside the threat zones became NaN texture coordinates (an invalid accessor). Here every mesh carries plain vertex
colours (glTF ``COLOR_0``), computed with the same colour maps as the PNG, and the field is clipped at its lowest level
before export; trimesh writes the file.

Axes and units (glTF 2.0 §3.4: right-handed, +Y up, metres): glTF (X, Y, Z) = (easting − x₀, height × exaggeration,
−(northing − y₀)), so −Z points north. The origin (x₀, y₀), the CRS, the exaggeration and the field's levels are in the
scene's ``extras``, which lets a GIS user place the model.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyvista as pv
from matplotlib.colors import to_rgba

from twin.atomic import atomic_output
from twin.errors import InputError
from viz.maps import field_colormap
from viz.model import RECEPTOR_STYLE, MapView
from viz.scene import (BUILDING_COLOUR, STACK_COLOUR, TERRAIN_COLORMAP, densified_ring, ground_sampler, overlay_lift,
                       scene_blocks)

__all__ = ["export_scene_gltf"]

_WATER_COLOUR = "#cfe3f2"  # terrain cells without elevation (the PNG scene's nan_color)
_TO_GLTF = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # (east, north, up) -> (X, Y, Z): a rotation


def _rgba(colour: str, count: int) -> np.ndarray:
    return np.tile(np.round(np.array(to_rgba(colour)) * 255).astype(np.uint8), (count, 1))


def _triangles(dataset) -> pv.PolyData:
    surface = dataset.extract_surface(algorithm="dataset_surface").triangulate()
    return surface.clean() if surface.n_points else surface


def _trimesh(surface: pv.PolyData, colours: np.ndarray, name: str):
    import trimesh

    vertices = np.asarray(surface.points, dtype=np.float64) @ _TO_GLTF.T
    faces = np.asarray(surface.regular_faces, dtype=np.int64)
    return trimesh.Trimesh(vertices=vertices, faces=faces, vertex_colors=colours, process=False,
                           metadata={"name": name})


def _terrain_colours(surface: pv.PolyData) -> np.ndarray:
    elevation = np.asarray(surface.point_data["elevation"], dtype=np.float64)
    finite = np.isfinite(elevation)
    colours = _rgba(_WATER_COLOUR, elevation.size)
    if finite.any():
        low, high = float(elevation[finite].min()), float(elevation[finite].max())
        scaled = (elevation[finite] - low) / (high - low) if high > low else np.zeros(int(finite.sum()))
        colours[finite] = np.round(TERRAIN_COLORMAP(scaled) * 255).astype(np.uint8)
    return colours


def _field_surface(drape: pv.StructuredGrid, levels: np.ndarray) -> tuple[pv.PolyData, np.ndarray] | None:
    """The drape clipped along its lowest level (as the PNG scene), coloured by level band (over: the darkest)."""
    if "level_position" not in drape.point_data:
        return None
    surface = drape.copy()
    surface.point_data["level_position"] = np.nan_to_num(surface.point_data["level_position"], nan=-1.0)
    visible = surface.clip_scalar(scalars="level_position", value=0.0, invert=False)
    if visible.n_cells == 0:
        return None
    visible = _triangles(visible)
    bands = levels.size - 1
    colormap = field_colormap(bands)
    position = np.asarray(visible.point_data["level_position"], dtype=np.float64)
    band = np.clip(np.floor(position), 0, bands - 1).astype(np.int64)
    rgba = colormap((band + 0.5) / bands)
    rgba[position > bands] = colormap.get_over()
    return visible, np.round(rgba * 255).astype(np.uint8)


def _receptor_meshes(view: MapView, ground, origin: np.ndarray, exaggeration: float, lift: float, spacing: float):
    """Point receptors as spheres, polygon receptors as low walls along their outline, coloured by kind."""
    meshes = []
    receptors = view.receptors
    for index, (name, kind) in enumerate(zip(receptors.names, receptors.kinds)):
        colour = RECEPTOR_STYLE[kind][0]
        ring = receptors.polygons[index]
        if ring is not None:
            outline = densified_ring(ring, spacing)
            base = ground(outline[:, 0], outline[:, 1]) * exaggeration + lift
            xy = outline - origin
            n = xy.shape[0]
            points = np.vstack([np.column_stack([xy, base]), np.column_stack([xy, base + 6.0 * lift])])
            i = np.arange(n - 1)
            faces = np.vstack([np.column_stack([i, i + 1, n + i + 1]), np.column_stack([i, n + i + 1, n + i])])
            wall = pv.PolyData(points, np.hstack([np.full((faces.shape[0], 1), 3), faces]).ravel())
            meshes.append((wall, _rgba(colour, wall.n_points), f"receptor {name}"))
        point = receptors.points[index]
        if point is not None:
            z = float(ground(point[0], point[1])) * exaggeration + 2 * lift
            sphere = pv.Sphere(radius=spacing * 4.0, center=(*(point - origin), z), theta_resolution=12,
                               phi_resolution=8)
            meshes.append((sphere, _rgba(colour, sphere.n_points), f"receptor {name}"))
    return meshes


def export_scene_gltf(view: MapView, path: str | os.PathLike, *, vertical_exaggeration: float = 3.0,
                      max_grid_nodes: int = 300) -> Path:
    """Write ``view`` as a binary glTF 2.0 scene (``.glb``) at ``path``, atomically; return the path.

    vertical_exaggeration : factor on elevations and heights (as the PNG scene, default ×3). [1]
    max_grid_nodes : terrain and field grids thinned to at most this many nodes per axis (file size). [1]
    Nodes are named ``terrain``, ``buildings``, ``stacks``, ``field`` and ``receptor <name>``.
    """
    import trimesh

    final = Path(path)
    if final.suffix != ".glb":
        raise InputError.field("export_scene_gltf", "path", str(final), "a path ending in .glb")
    xmin, xmax, ymin, ymax = view.extent()
    origin = np.array([(xmin + xmax) / 2.0, (ymin + ymax) / 2.0])
    blocks = scene_blocks(view, origin=tuple(origin), vertical_exaggeration=vertical_exaggeration,
                          max_grid_nodes=max_grid_nodes)
    diagonal = float(np.hypot(xmax - xmin, ymax - ymin))
    lift = overlay_lift(diagonal, vertical_exaggeration)
    scene = trimesh.Scene()
    if "terrain" in blocks.keys():
        terrain = _triangles(blocks["terrain"])
        scene.add_geometry(_trimesh(terrain, _terrain_colours(terrain), "terrain"), geom_name="terrain",
                           node_name="terrain")
    for name, colour in (("buildings", BUILDING_COLOUR), ("stacks", STACK_COLOUR)):
        if name in blocks.keys():
            surface = _triangles(blocks[name])
            scene.add_geometry(_trimesh(surface, _rgba(colour, surface.n_points), name), geom_name=name,
                               node_name=name)
    levels = view.field.contour_levels() if view.field is not None else None
    if levels is not None and "field" in blocks.keys():
        field = _field_surface(blocks["field"], levels)
        if field is not None:
            scene.add_geometry(_trimesh(field[0], field[1], "field"), geom_name="field", node_name="field")
    if view.receptors is not None:
        ground = ground_sampler(view.terrain, max_grid_nodes)
        spacing = max(xmax - xmin, ymax - ymin) / 300.0
        for k, (surface, colours, name) in enumerate(_receptor_meshes(view, ground, origin, vertical_exaggeration,
                                                                      lift, spacing)):
            scene.add_geometry(_trimesh(surface, colours, name), geom_name=f"{name} #{k}", node_name=name)
    scene.metadata.update({
        "generator": "ParkTwin viz.export_scene_gltf", "title": view.title,
        "crs": f"EPSG:{view.epsg}", "origin_easting_northing_m": [float(origin[0]), float(origin[1])],
        "axes": "glTF X = easting - origin, Y = height x vertical_exaggeration, -Z = northing - origin (metres)",
        "vertical_exaggeration": float(vertical_exaggeration),
        "field": None if view.field is None else {"title": view.field.title, "units": view.field.units,
                                                  "levels": None if levels is None else [float(v) for v in levels]},
    })
    final.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(final) as temporary:
        temporary.write_bytes(scene.export(file_type="glb"))
    return final
