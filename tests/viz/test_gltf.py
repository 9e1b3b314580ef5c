"""The 3D scene as binary glTF 2.0: structure by the specification (read here from the GLB's JSON chunk), geometry and
colours read back by an independent implementation (VTK's glTF reader, through pyvista).

glTF 2.0 (Khronos, 2017/2021) §4.4 GLB: a 12-byte header (magic "glTF", version 2, length), then chunks of
(length, type, data), the first of type JSON; §3.4: +Y up, metres, right-handed; §3.7.2.1: COLOR_0 vertex colours.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest
import pyvista as pv

from twin.errors import InputError
from viz.gltf import export_scene_gltf
from viz.maps import field_colormap

from .conftest import synthetic_view


def _glb_json(path) -> dict:
    data = path.read_bytes()
    magic, version, length = struct.unpack_from("<4sII", data, 0)
    assert magic == b"glTF" and version == 2 and length == len(data)  # §4.4 header
    chunk_length, chunk_type = struct.unpack_from("<II", data, 12)
    assert chunk_type == 0x4E4F534A  # "JSON"
    return json.loads(data[20:20 + chunk_length])


def _vtk_blocks(path) -> list[pv.PolyData]:
    """One mesh per glTF node, in node order, as VTK's reader returns them."""
    def leaves(block):
        if isinstance(block, pv.MultiBlock):
            for child in block:
                yield from leaves(child)
        elif block is not None:
            yield block
    return [next(leaves(node)) for node in pv.read(path)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    view = synthetic_view()
    path = export_scene_gltf(view, tmp_path_factory.mktemp("gltf") / "scene.glb", vertical_exaggeration=3.0)
    return view, path, _glb_json(path), _vtk_blocks(path)


def test_the_glb_has_the_named_parts_with_vertex_colours_and_its_placement(exported):
    view, path, gltf, _ = exported
    assert gltf["asset"]["version"] == "2.0"
    names = [node["name"] for node in gltf["nodes"]]
    assert names[:4] == ["terrain", "buildings", "stacks", "field"]
    assert {"receptor 居民区A", "receptor 学校"} <= set(names)
    for mesh in gltf["meshes"]:
        for primitive in mesh["primitives"]:
            assert "COLOR_0" in primitive["attributes"] and primitive.get("mode", 4) == 4  # coloured triangles
    extras = gltf["scenes"][0]["extras"]
    xmin, xmax, ymin, ymax = view.extent()
    assert extras["crs"] == "EPSG:4549" and extras["vertical_exaggeration"] == 3.0
    assert extras["origin_easting_northing_m"] == pytest.approx([(xmin + xmax) / 2, (ymin + ymax) / 2])
    assert extras["field"]["units"] == "µg/m³" and len(extras["field"]["levels"]) >= 2
    assert [p.name for p in path.parent.iterdir()] == ["scene.glb"]  # written atomically: no temporary left


def test_the_scene_reads_back_in_place_y_up_and_north_along_minus_z(exported):
    view, _, gltf, blocks = exported
    assert len(blocks) == len(gltf["nodes"])
    for block in blocks:
        assert np.isfinite(block.points).all()  # no NaN reached an accessor
    x0, y0 = gltf["scenes"][0]["extras"]["origin_easting_northing_m"]
    terrain = blocks[0]
    highest = terrain.points[np.argmax(terrain.points[:, 1])]  # glTF +Y is up
    row, column = np.unravel_index(np.argmax(view.terrain.elevation), view.terrain.elevation.shape)
    # the hill of the synthetic terrain: easting = X + x0, northing = −Z + y0, height = Y / exaggeration
    assert highest[0] + x0 == pytest.approx(view.terrain.x[column], abs=60.0)
    assert -highest[2] + y0 == pytest.approx(view.terrain.y[row], abs=60.0)
    assert highest[1] / 3.0 == pytest.approx(view.terrain.elevation.max(), rel=0.02)
    tallest = blocks[2].points[:, 1].max() / 3.0  # stacks: 80 m above ground (≈ 2–75 m) at most
    assert 80.0 < tallest < 80.0 + 75.0


def test_the_field_is_only_where_the_lowest_level_is_reached_and_darkest_at_its_peak(exported):
    view, _, gltf, blocks = exported
    levels = np.array(gltf["scenes"][0]["extras"]["field"]["levels"])
    x0, y0 = gltf["scenes"][0]["extras"]["origin_easting_northing_m"]
    field = blocks[3]
    from scipy.interpolate import RegularGridInterpolator

    value = RegularGridInterpolator((view.field.y, view.field.x), view.field.values)
    northing, easting = -field.points[:, 2] + y0, field.points[:, 0] + x0
    at_vertices = value(np.column_stack([northing, easting]))
    assert at_vertices.min() > 0.9 * levels[0]  # clipped along the lowest level (the edge is interpolated)
    colours = np.asarray(field.point_data["COLOR_0"], dtype=float)
    colours = colours / 255.0 if colours.max() > 1.0 else colours
    peak = np.argmax(at_vertices)
    expected = field_colormap(levels.size - 1)(1.0 - 1e-9)[:3]  # the top band (the peak is below the over level)
    if at_vertices[peak] > levels[-1]:
        expected = field_colormap(levels.size - 1).get_over()[:3]
    np.testing.assert_allclose(colours[peak, :3], expected, atol=2 / 255)
    lowest = np.argmin(at_vertices)
    np.testing.assert_allclose(colours[lowest, :3], field_colormap(levels.size - 1)(0.0)[:3], atol=2 / 255)


def test_the_path_must_end_in_glb(tmp_path):
    with pytest.raises(InputError, match=r"path.*\.glb"):
        export_scene_gltf(synthetic_view(), tmp_path / "scene.gltf")
