"""3D park scene with PyVista, rendered off-screen to PNG, and a ``.vtm`` export for ParaView.

Off-screen rendering needs no display: VTK >= 9.4 picks EGL (Mesa llvmpipe on CPU-only machines) when
``VTK_DEFAULT_OPENGL_WINDOW=vtkEGLRenderWindow`` is set, which this module sets (if unset) before importing PyVista
(since VTK 9.4 the PyPI wheel carries GLX, EGL and OSMesa and picks one at run time:
https://docs.vtk.org/en/v9.4.2/advanced/available_python_wheels.html).

Meshes for rendering are shifted to a local origin (the scene centre): OpenGL works in float32, and 7-digit
Gauss–Krüger northings would jitter. The ``.vtm`` export keeps the true projected coordinates in float64.
Heights are multiplied by ``vertical_exaggeration`` (terrain, buildings, stacks alike), so proportions hold.
"""

from __future__ import annotations

import os

os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pyvista as pv
from matplotlib.colors import LinearSegmentedColormap
from scipy.interpolate import RegularGridInterpolator
from vtkmodules.vtkCommonCore import VTK_FONT_FILE, vtkStringArray

from twin.errors import InputError
from twin.atomic import atomic_output
from viz.fonts import cjk_font_path
from viz.maps import field_colormap
from viz.model import RECEPTOR_STYLE, FieldLayer, MapView, TerrainLayer

pv.OFF_SCREEN = True

__all__ = [
    "render_scene",
    "export_scene",
    "scene_blocks",
    # shared with viz.gltf, so the glTF export looks like the PNG scene
    "TERRAIN_COLORMAP",
    "BUILDING_COLOUR",
    "STACK_COLOUR",
    "densified_ring",
    "ground_sampler",
    "overlay_lift",
]

#: Muted ground colours, low to high: sand, grey-green, grey-brown.
TERRAIN_COLORMAP = LinearSegmentedColormap.from_list("parktwin_terrain", ["#d9d4c3", "#b3bc9c", "#a39580"])
BUILDING_COLOUR = "#a3a3a3"
STACK_COLOUR = "#303030"  # dark and neutral: red stacks would read as part of the plume
_WIND_COLOUR = "#1f3b57"


def _string_field(mesh: pv.DataSet, name: str, values) -> None:
    """Attach UTF-8 strings as field data (PyVista refuses non-ASCII strings; VTK's own string array stores UTF-8)."""
    array = vtkStringArray()
    array.SetName(name)
    for value in values:
        array.InsertNextValue(str(value))
    mesh.GetFieldData().AddArray(array)


def ground_sampler(terrain: TerrainLayer | None, max_nodes: int | None):
    """Return f(x, y) -> ground elevation [m], bilinear inside the DEM, edge value outside, 0 without terrain.

    Samples the DEM thinned exactly as the rendered terrain is, so that what sits on the ground (buildings, the
    draped field, receptor outlines) follows the surface that is drawn rather than cutting into it.
    """
    if terrain is None:
        return lambda x, y: np.zeros(np.broadcast(x, y).shape)
    x_axis, y_axis, elevation = _thin(terrain.x, terrain.y, terrain.elevation, max_nodes)
    filled = np.where(np.isfinite(elevation), elevation, np.nanmin(elevation))
    interpolator = RegularGridInterpolator((y_axis, x_axis), filled, method="linear")

    def sample(x, y):
        x = np.clip(x, x_axis[0], x_axis[-1])
        y = np.clip(y, y_axis[0], y_axis[-1])
        x, y = np.broadcast_arrays(x, y)
        return interpolator(np.column_stack([y.ravel(), x.ravel()])).reshape(x.shape)

    return sample


def _thin(x: np.ndarray, y: np.ndarray, values: np.ndarray, max_nodes: int | None):
    """Keep evenly spread nodes so that no axis has more than ``max_nodes`` nodes (first and last always kept)."""
    if max_nodes is None:
        return x, y, values
    columns, rows = (np.unique(np.round(np.linspace(0, n - 1, min(n, max_nodes))).astype(int))
                     for n in (x.size, y.size))
    return x[columns], y[rows], values[np.ix_(rows, columns)]


def _level_position(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Map values onto the level index axis: level i -> i, linear in log10 between levels; NaN where value <= 0.

    Colouring this with ``len(levels) - 1`` discrete colours over [0, len(levels) - 1] gives exactly the bands of
    the 2D map, whatever the spacing of the levels.
    """
    positive = np.isfinite(values) & (values > 0)
    logs = np.log10(np.where(positive, values, 1.0))
    position = np.interp(logs, np.log10(levels), np.arange(levels.size, dtype=np.float64), left=-1.0,
                         right=np.nan)
    above = positive & (values > levels[-1])
    # above the top level: a position past the last band, drawn with the "over" colour
    position = np.where(above, levels.size - 1 + np.log10(np.where(above, values, levels[-1]) / levels[-1]), position)
    return np.where(positive, position, np.nan)


def _prisms(view: MapView, ground, origin: np.ndarray, exaggeration: float) -> pv.PolyData | None:
    """All buildings as one closed mesh: footprint rings extruded from their lowest ground point to their height."""
    layer = view.buildings
    if layer is None or not layer.footprints:
        return None
    points, faces, heights, index = [], [], [], []
    offset = 0
    for number, (ring, height) in enumerate(zip(layer.footprints, layer.heights)):
        x, y = ring[:, 0], ring[:, 1]
        if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:  # clockwise: reverse so that normals face out
            x, y = x[::-1], y[::-1]
        base = float(ground(x, y).min())
        n = x.size
        local = np.column_stack([x - origin[0], y - origin[1]])
        points.append(np.column_stack([local, np.full(n, base * exaggeration)]))
        points.append(np.column_stack([local, np.full(n, (base + height) * exaggeration)]))
        bottom, top = offset + np.arange(n), offset + n + np.arange(n)
        faces.append(np.r_[n, top])
        faces.append(np.r_[n, bottom[::-1]])
        for i in range(n):
            j = (i + 1) % n
            faces.append(np.array([4, bottom[i], bottom[j], top[j], top[i]]))
        heights += [height] * (n + 2)
        index += [number] * (n + 2)
        offset += 2 * n
    mesh = pv.PolyData(np.concatenate(points), np.concatenate(faces))
    mesh.cell_data["height"] = np.array(heights)
    mesh.cell_data["building_index"] = np.array(index)
    if layer.names:
        _string_field(mesh, "names", layer.names)
    return mesh.triangulate()  # concave (L-shaped) roofs need triangles to render right


def _stacks(view: MapView, ground, origin: np.ndarray, exaggeration: float, radius: float) -> pv.PolyData | None:
    """Stacks as cylinders from the ground to their height, merged into one mesh."""
    layer = view.stacks
    if layer is None or layer.x.size == 0:
        return None
    base = ground(layer.x, layer.y)
    cylinders = []
    for x, y, z, height in zip(layer.x - origin[0], layer.y - origin[1], base, layer.height):
        # built at (0, 0) and moved in float64: pv.Cylinder makes float32 points, too coarse for true northings
        cylinder = pv.Cylinder(center=(0.0, 0.0, (z + height / 2) * exaggeration), direction=(0, 0, 1),
                               radius=radius, height=height * exaggeration, resolution=20)
        cylinder.points = cylinder.points.astype(np.float64) + np.array([x, y, 0.0])
        cylinders.append(cylinder)
    mesh = pv.merge(cylinders)
    if layer.names:
        _string_field(mesh, "names", layer.names)
    return mesh


def overlay_lift(diagonal: float, exaggeration: float) -> float:
    """How far [rendered m] overlays float above the ground so the depth test never hides them (0.04 % of the scene
    diagonal, more with stronger exaggeration)."""
    return max(0.5, diagonal * 4e-4) * max(1.0, exaggeration / 3.0)


def _drape(field: FieldLayer, ground, origin, exaggeration: float, lift: float, max_nodes) -> pv.StructuredGrid:
    """The field on a surface that follows the ground, ``lift`` [rendered m] above it."""
    x, y, values = _thin(field.x, field.y, field.values, max_nodes)
    xx, yy = np.meshgrid(x, y)
    zz = ground(xx, yy) * exaggeration + lift
    grid = pv.StructuredGrid(xx - origin[0], yy - origin[1], zz)
    grid.point_data["value"] = np.where(values > 0, values, np.nan).ravel(order="F")
    levels = field.contour_levels()
    if levels is not None:
        grid.point_data["level_position"] = _level_position(values, levels).ravel(order="F")
    _string_field(grid, "units", [field.units])
    _string_field(grid, "title", [field.title])
    return grid


def scene_blocks(
    view: MapView,
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    vertical_exaggeration: float = 1.0,
    max_grid_nodes: int | None = None,
) -> pv.MultiBlock:
    """The scene's meshes as a MultiBlock: terrain, buildings, stacks, field (blocks absent from the view are left out).

    origin : subtracted from x, y of every mesh. [m]
    vertical_exaggeration : factor on every elevation and height. [1]
    max_grid_nodes : thin terrain and field grids to at most this many nodes per axis (None: keep all).
    """
    if not (np.isfinite(vertical_exaggeration) and vertical_exaggeration > 0):
        raise InputError.field("scene", "vertical_exaggeration", vertical_exaggeration, "> 0")
    origin = np.asarray(origin, dtype=np.float64)
    ground = ground_sampler(view.terrain, max_grid_nodes)
    xmin, xmax, ymin, ymax = view.extent()
    diagonal = float(np.hypot(xmax - xmin, ymax - ymin))
    blocks = pv.MultiBlock()
    if view.terrain is not None:
        x, y, elevation = _thin(view.terrain.x, view.terrain.y, view.terrain.elevation, max_grid_nodes)
        xx, yy = np.meshgrid(x, y)
        filled = np.where(np.isfinite(elevation), elevation, np.nanmin(elevation))
        terrain = pv.StructuredGrid(xx - origin[0], yy - origin[1], filled * vertical_exaggeration)
        terrain.point_data["elevation"] = elevation.ravel(order="F")
        blocks["terrain"] = terrain
    buildings = _prisms(view, ground, origin, vertical_exaggeration)
    if buildings is not None:
        blocks["buildings"] = buildings
    stacks = _stacks(view, ground, origin, vertical_exaggeration, radius=max(2.0, diagonal / 800.0))
    if stacks is not None:
        blocks["stacks"] = stacks
    if view.field is not None:
        lift = overlay_lift(diagonal, vertical_exaggeration)
        blocks["field"] = _drape(view.field, ground, origin, vertical_exaggeration, lift, max_grid_nodes)
    return blocks


def export_scene(view: MapView, path_vtm: str | os.PathLike, *, vertical_exaggeration: float = 1.0) -> Path:
    """Write the scene as a ParaView-readable ``.vtm`` MultiBlock in true projected coordinates; return its path.

    VTK writes the index ``<name>.vtm`` plus a folder ``<name>/`` of pieces. Both are written to a temporary folder
    first; the pieces folder is moved into place, then the index is published last by an atomic rename, so a
    reader never finds an index whose pieces are missing.
    """
    final = Path(path_vtm)
    if final.suffix != ".vtm":
        raise InputError.field("export_scene", "path_vtm", str(final), "a path ending in .vtm")
    blocks = scene_blocks(view, vertical_exaggeration=vertical_exaggeration)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.stem}.", dir=final.parent))
    try:
        blocks.save(staging / final.name)
        pieces, old_pieces = final.with_suffix(""), staging / "previous"
        if pieces.exists():
            pieces.rename(old_pieces)
        (staging / final.stem).rename(pieces)
        with atomic_output(final) as temporary:
            (staging / final.name).rename(temporary)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return final


def _set_font(text_property, font_file: str) -> None:
    """Point a vtkTextProperty at the CJK font file (VTK's own Arial has no Chinese glyphs)."""
    text_property.SetFontFamily(VTK_FONT_FILE)
    text_property.SetFontFile(font_file)


def _add_field(plotter, drape: pv.StructuredGrid, field: FieldLayer, font_file: str, lines: bool, lift: float,
               scale) -> None:
    """Colour the drape by level band; hide cells below the lowest level; scalar bar labelled with the levels.

    Everything is opaque: translucent meshes went missing altogether in small off-screen windows with Mesa llvmpipe
    (seen at 640×400, fine at 1600×1000), so the scene uses no translucency at all.
    """
    levels = field.contour_levels()
    if levels is None or "level_position" not in drape.point_data:
        return
    # Cut the surface along the lowest level (smooth edge, unlike dropping whole cells); NaN (value <= 0) -> cut.
    surface = drape.copy()
    surface.point_data["level_position"] = np.nan_to_num(surface.point_data["level_position"], nan=-1.0)
    visible = surface.clip_scalar(scalars="level_position", value=0.0, invert=False)
    if visible.n_cells == 0:
        return
    bands = levels.size - 1
    colormap = field_colormap(bands)
    over = {}
    if np.nanmax(field.values) > levels[-1]:
        over = {"above_color": tuple(colormap.get_over()[:3])}
    plotter.add_mesh(visible, scalars="level_position", cmap=colormap, clim=(0.0, float(bands)), n_colors=bands,
                     smooth_shading=True, show_scalar_bar=False, name="field", **over)
    bar = plotter.add_scalar_bar(
        title=f"[{field.units}]", n_labels=0, vertical=True, position_x=0.86, position_y=0.14, width=0.05,
        height=0.66, title_font_size=scale(16), label_font_size=scale(14), color="black", mapper=plotter.mapper,
    )
    bar.SetTextPosition(bar.PrecedeScalarBar)  # tick labels (none) left, so level annotations go right
    bar.SetAnnotationTextScaling(False)
    bar.SetAnnotationLeaderPadding(6)
    lookup = plotter.mapper.lookup_table
    for index, level in enumerate(levels):
        lookup.SetAnnotation(float(index), f"{level:g}")
    bar.SetDrawAnnotations(True)
    _set_font(bar.GetTitleTextProperty(), font_file)
    _set_font(bar.GetAnnotationTextProperty(), font_file)
    if lines:
        contours = visible.contour(isosurfaces=np.arange(levels.size, dtype=float), scalars="level_position")
        if contours.n_points:
            contours.points[:, 2] += lift / 2  # just above the coloured surface, or the depth test hides them
            plotter.add_mesh(contours, color="#6b3a22", line_width=1.2, name="field_contours")


def densified_ring(ring: np.ndarray, spacing: float) -> np.ndarray:
    """The closed outline of polygon ``ring`` (n, 2) [m] with points every ``spacing`` [m] or closer along each edge,
    first vertex repeated at the end, so a line draped on the terrain follows the ground between the vertices."""
    closed = np.vstack([ring, ring[:1]])
    pieces = [np.linspace(a, b, max(2, int(np.ceil(np.hypot(*(b - a)) / spacing))), endpoint=False)
              for a, b in zip(closed[:-1], closed[1:])]
    return np.vstack(pieces + [closed[-1:]])


def _add_receptors(plotter, view: MapView, ground, origin, exaggeration: float, lift: float, font_file: str, scale):
    """Receptor polygons as lines on the ground (densified to follow it), points as spheres, names as labels."""
    receptors = view.receptors
    label_points, label_texts, kinds_drawn = [], [], []
    xmin, xmax, ymin, ymax = view.extent()
    spacing = max(xmax - xmin, ymax - ymin) / 300.0
    for index, (name, kind) in enumerate(zip(receptors.names, receptors.kinds)):
        colour = RECEPTOR_STYLE[kind][0]
        ring = receptors.polygons[index]
        if ring is not None:
            outline = densified_ring(ring, spacing)
            z = ground(outline[:, 0], outline[:, 1]) * exaggeration + 2 * lift
            line = pv.lines_from_points(np.column_stack([outline - origin, z]))
            plotter.add_mesh(line, color=colour, line_width=4)
        point = receptors.points[index]
        if point is not None:
            z = float(ground(point[0], point[1])) * exaggeration + 2 * lift
            plotter.add_mesh(pv.Sphere(radius=spacing * 4.0, center=(*(point - origin), z)), color=colour)
        # Labels are boxes growing right from their anchor: anchor polygons at their northernmost (far) vertex so
        # the box does not hide the outline.
        anchor = receptors.label_point(index) if ring is None else ring[np.argmax(ring[:, 1])]
        label_points.append([*(anchor - origin), float(ground(anchor[0], anchor[1])) * exaggeration + 12 * lift])
        label_texts.append(name)
        kinds_drawn.append(kind)
    plotter.add_point_labels(np.array(label_points), label_texts, font_size=scale(20), font_file=font_file,
                             text_color="#1a1a1a", shape="rounded_rect", shape_color="white", shape_opacity=0.75,
                             show_points=False, always_visible=True, margin=4)
    return kinds_drawn


def _downwind(view: MapView) -> np.ndarray:
    """Unit vector (east, north, 0) the wind blows towards; the map grid's north is taken as north."""
    to_direction = np.deg2rad(view.wind_from_direction + 180.0)
    return np.array([np.sin(to_direction), np.cos(to_direction), 0.0])


def _add_wind_arrow(plotter, view: MapView, ground, origin, exaggeration: float) -> None:
    """A 3D arrow just outside the upwind edge of the scene, pointing downwind, so it covers nothing."""
    xmin, xmax, ymin, ymax = view.extent()
    direction = _downwind(view)
    size = 0.15 * min(xmax - xmin, ymax - ymin)
    half = np.array([(xmax - xmin) / 2, (ymax - ymin) / 2])
    with np.errstate(divide="ignore"):
        to_edge = float(np.min(half / np.abs(direction[:2])))
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    edge = centre - direction[:2] * to_edge
    tail = edge - direction[:2] * size * 1.15
    z = float(ground(edge[0], edge[1])) * exaggeration + 0.2 * size
    arrow = pv.Arrow(start=(*(tail - origin), z), direction=direction, scale=size, tip_length=0.35, tip_radius=0.12,
                     shaft_radius=0.045)
    plotter.add_mesh(arrow, color=_WIND_COLOUR, name="wind_arrow")


def _screen_angle(plotter, direction: np.ndarray, window_size) -> float:
    """Angle on screen (degrees, counter-clockwise from the +x screen axis) of a horizontal world direction."""
    camera = plotter.camera
    matrix = camera.GetCompositeProjectionTransformMatrix(window_size[0] / window_size[1], -1, 1)
    transform = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    focus = np.array(camera.focal_point)
    step = 0.01 * camera.distance
    ends = []
    for point in (focus, focus + direction * step):
        clip = transform @ np.r_[point, 1.0]
        ends.append(clip[:2] / clip[3] * np.array(window_size) / 2)  # normalised device -> pixels
    delta = ends[1] - ends[0]
    return float(np.degrees(np.arctan2(delta[1], delta[0])))


def _legend(plotter, view: MapView, kinds: list[str], font_file: str, window_size, scale) -> None:
    """Coloured legend lines in the lower left, one per feature type shown; the wind line has an arrow turned to
    point downwind on screen (add after the camera is set)."""
    entries = [(RECEPTOR_STYLE[kind][2], RECEPTOR_STYLE[kind][0]) for kind in dict.fromkeys(kinds)]
    if view.buildings is not None:
        entries.append(("建筑 building", "#7a7a7a"))
    if view.stacks is not None:
        entries.append(("排气筒 stack", STACK_COLOUR))
    font_size = scale(12)
    line_height = int(round(font_size * 2.1))
    left, bottom = int(window_size[0] * 0.015), int(window_size[1] * 0.03)
    if view.wind_from_direction is not None:
        wind = f"风 wind from {view.wind_from_direction:.0f}°"
        if view.wind_speed is not None:
            wind += f", {view.wind_speed:.1f} m/s"
        entries.append((wind, None))
    for number, (text, colour) in enumerate(reversed(entries)):
        position = (left, bottom + number * line_height)
        if colour is not None:
            plotter.add_text(f"■ {text}", position=position, font_size=font_size, color=colour, font_file=font_file)
            continue
        plotter.add_text(text, position=(left + int(2.6 * font_size), position[1]), font_size=font_size,
                         color=_WIND_COLOUR, font_file=font_file)
        arrow = plotter.add_text("→", position=(left + int(1.3 * font_size), position[1] + int(0.9 * font_size)),
                                 font_size=int(font_size * 1.5), color=_WIND_COLOUR, font_file=font_file,
                                 orientation=_screen_angle(plotter, _downwind(view), window_size))
        arrow.GetTextProperty().SetJustificationToCentered()
        arrow.GetTextProperty().SetVerticalJustificationToCentered()


def render_scene(
    view: MapView,
    path: str | os.PathLike,
    *,
    window_size: tuple[int, int] = (1600, 1000),
    vertical_exaggeration: float = 3.0,
    camera_azimuth: float = 200.0,
    camera_elevation: float = 45.0,
    contour_lines: bool = True,
    max_grid_nodes: int = 400,
) -> Path:
    """Render ``view`` as an oblique 3D PNG (off-screen) at ``path``, written atomically; return the path.

    window_size : (width, height) of the PNG. [pixel]
    vertical_exaggeration : factor on elevations and heights. [1]
    camera_azimuth : direction from the scene centre to the camera, clockwise from grid north. [degree]
    camera_elevation : angle of the view line above the horizontal. [degree]
    contour_lines : draw the field's level contours as lines on the draped field.
    max_grid_nodes : terrain and field grids are thinned to at most this many nodes per axis, for speed.
    """
    xmin, xmax, ymin, ymax = view.extent()
    origin = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    blocks = scene_blocks(view, origin=tuple(origin), vertical_exaggeration=vertical_exaggeration,
                          max_grid_nodes=max_grid_nodes)
    ground = ground_sampler(view.terrain, max_grid_nodes)
    font_file = str(cjk_font_path())
    diagonal = float(np.hypot(xmax - xmin, ymax - ymin))
    lift = overlay_lift(diagonal, vertical_exaggeration)
    # font sizes are given for the default 1600 × 1000 window and scaled with the window
    factor = min(window_size[0] / 1600.0, window_size[1] / 1000.0)

    def scale(size: float) -> int:
        return max(6, int(round(size * factor)))

    plotter = pv.Plotter(off_screen=True, window_size=list(window_size))
    try:
        plotter.set_background("white", top="#c9d9e8")
        _add_ground_buildings_stacks(plotter, blocks, (xmax - xmin, ymax - ymin))
        if view.field is not None:
            _add_field(plotter, blocks["field"], view.field, font_file, contour_lines, lift, scale)
        kinds = []
        if view.receptors is not None:
            kinds = _add_receptors(plotter, view, ground, origin, vertical_exaggeration, lift, font_file, scale)
        if view.wind_from_direction is not None:
            _add_wind_arrow(plotter, view, ground, origin, vertical_exaggeration)
        title = view.title if view.field is None else f"{view.title}\n{view.field.title}"
        plotter.add_text(title, position="upper_edge", font_size=scale(16), color="black", font_file=font_file)
        subtitle = f"EPSG:{view.epsg} · 垂直放大 vertical exaggeration ×{vertical_exaggeration:g}"
        plotter.add_text("\n".join([*view.notes, subtitle]), position="lower_right", font_size=scale(8),
                         color="#444444", font_file=font_file)
        _place_camera(plotter, view, camera_azimuth, camera_elevation, diagonal, vertical_exaggeration)
        _legend(plotter, view, kinds, font_file, window_size, scale)
        with atomic_output(path) as temporary:
            plotter.screenshot(str(temporary))
    finally:
        plotter.close()
    return Path(path)


def _add_ground_buildings_stacks(plotter, blocks, size) -> None:
    """The terrain (or a flat ground plane of ``size`` = (width, depth) [m] without one), buildings and stacks."""
    if "terrain" in blocks.keys():
        plotter.add_mesh(blocks["terrain"], scalars="elevation", cmap=TERRAIN_COLORMAP, nan_color="#cfe3f2",
                         smooth_shading=True, show_scalar_bar=False, name="terrain")
    else:
        plane = pv.Plane(center=(0, 0, 0), i_size=size[0], j_size=size[1])
        plotter.add_mesh(plane, color="#e4e0d6", name="ground")
    if "buildings" in blocks.keys():
        plotter.add_mesh(blocks["buildings"], color=BUILDING_COLOUR, name="buildings")
    if "stacks" in blocks.keys():
        plotter.add_mesh(blocks["stacks"], color=STACK_COLOUR, smooth_shading=True, name="stacks")


def _place_camera(plotter, view: MapView, camera_azimuth: float, camera_elevation: float, diagonal: float,
                  vertical_exaggeration: float) -> None:
    """Look at the scene centre (at the mean terrain height) from ``camera_azimuth`` and ``camera_elevation``
    [degree], one scene ``diagonal`` [m] away, then fit the scene and zoom in by 1.2."""
    azimuth, elevation = np.deg2rad(camera_azimuth), np.deg2rad(camera_elevation)
    view_direction = np.array([np.sin(azimuth) * np.cos(elevation), np.cos(azimuth) * np.cos(elevation),
                               np.sin(elevation)])
    focus = np.array([0.0, 0.0, 0.0 if view.terrain is None
                      else float(np.nanmean(view.terrain.elevation)) * vertical_exaggeration])
    plotter.camera.focal_point = focus
    plotter.camera.position = focus + view_direction * diagonal
    plotter.camera.up = (0.0, 0.0, 1.0)
    plotter.reset_camera()
    plotter.camera.zoom(1.2)
