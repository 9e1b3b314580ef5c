"""The 3D scene: off-screen PNG of the requested size with the field drawn, and a .vtm export that reads back."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from twin.errors import InputError
from viz.model import MapView
from viz.scene import _level_position, export_scene, render_scene

from ._png import distinct_colours, plume_red_pixels, read_png
from .conftest import X0, Y0, synthetic_view

WINDOW = (640, 400)


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenes")
    with_field = render_scene(synthetic_view(), folder / "with_field.png", window_size=WINDOW)
    without_field = render_scene(synthetic_view(with_field=False), folder / "without_field.png", window_size=WINDOW)
    return folder, read_png(with_field), read_png(without_field)


def test_scene_is_a_png_of_the_window_size(scenes):
    _, pixels, _ = scenes
    assert pixels.shape == (WINDOW[1], WINDOW[0], 3)


def test_scene_is_not_blank(scenes):
    _, pixels, _ = scenes
    assert pixels.std() > 20.0


def test_field_drawn_on_the_terrain(scenes):
    _, with_field, without_field = scenes
    assert distinct_colours(with_field) > distinct_colours(without_field)
    assert plume_red_pixels(with_field) > 0.03 * WINDOW[0] * WINDOW[1]
    assert plume_red_pixels(without_field) < 0.01 * WINDOW[0] * WINDOW[1]


def test_scene_written_atomically(scenes):
    folder, _, _ = scenes
    assert sorted(p.name for p in folder.iterdir()) == ["with_field.png", "without_field.png"]


def test_level_position_is_log_linear_between_levels():
    # analytic: between levels 1 and 10, log10(sqrt(10)) = 0.5 lies half-way
    levels = np.array([1.0, 10.0, 100.0])
    values = np.array([1.0, np.sqrt(10.0), 10.0, 100.0, 0.5, 0.0, -1.0, 1000.0])
    position = _level_position(values, levels)
    np.testing.assert_allclose(position[:4], [0.0, 0.5, 1.0, 2.0])
    assert position[4] < 0  # below the lowest level: cut from the drape
    assert np.isnan(position[5]) and np.isnan(position[6])  # no concentration
    assert position[7] > 2.0  # above the top level: the "over" colour


def test_export_reads_back_in_true_coordinates(tmp_path):
    path = export_scene(synthetic_view(), tmp_path / "park.vtm")
    export_scene(synthetic_view(), path)  # overwriting an existing export works
    blocks = pv.read(path)
    assert sorted(blocks.keys()) == ["buildings", "field", "stacks", "terrain"]
    terrain = blocks["terrain"]
    assert terrain.points.dtype == np.float64
    assert terrain.bounds[0] == pytest.approx(X0) and terrain.bounds[2] == pytest.approx(Y0)
    assert list(blocks["buildings"].field_data["names"])[0] == "罐区A"
    assert blocks["field"].field_data["units"][0] == "µg/m³"
    assert np.nanmax(blocks["field"].point_data["value"]) == pytest.approx(800.0, rel=0.01)
    # tallest stack: 80 m above ground, no exaggeration in the export
    stacks = blocks["stacks"]
    assert 80.0 < stacks.bounds[5] < 80.0 + 60.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["park", "park.vtm"]


def test_export_keeps_values_at_their_grid_nodes(tmp_path):
    # point order of a StructuredGrid is x fastest: a mix-up of rows and columns would move the peak or the hill
    view = synthetic_view()
    blocks = pv.read(export_scene(view, tmp_path / "park.vtm"))
    field = blocks["field"]
    peak_point = field.points[np.nanargmax(field.point_data["value"])]
    row, column = np.unravel_index(np.argmax(view.field.values), view.field.values.shape)
    assert peak_point[:2] == pytest.approx([view.field.x[column], view.field.y[row]])
    terrain = blocks["terrain"]
    np.testing.assert_allclose(terrain.points[:, 2], terrain.point_data["elevation"])
    highest = terrain.points[np.argmax(terrain.points[:, 2])]
    row, column = np.unravel_index(np.argmax(view.terrain.elevation), view.terrain.elevation.shape)
    assert highest[:2] == pytest.approx([view.terrain.x[column], view.terrain.y[row]])


def test_export_path_must_end_in_vtm(tmp_path):
    with pytest.raises(InputError, match="path_vtm"):
        export_scene(synthetic_view(), tmp_path / "park.vtk")


def test_scene_of_buildings_only_renders(tmp_path):
    view = MapView(title="建筑 only", epsg=4549, buildings=synthetic_view().buildings)
    pixels = read_png(render_scene(view, tmp_path / "b.png", window_size=(320, 200)))
    assert pixels.shape == (200, 320, 3) and pixels.std() > 10.0
