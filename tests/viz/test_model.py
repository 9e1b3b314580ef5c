"""The view model validates shapes and values with messages that name the layer, the field and what was received."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.errors import InputError
from viz.model import BuildingLayer, FieldLayer, MapView, ReceptorLayer, StackLayer, TerrainLayer

from .conftest import synthetic_view

SQUARE = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])


def test_synthetic_view_builds_and_arrays_are_read_only(view):
    assert view.field.values.shape == (80, 100)
    with pytest.raises(ValueError):
        view.field.values[0, 0] = 1.0
    with pytest.raises(ValueError):
        view.buildings.footprints[0][0, 0] = 1.0


def test_caller_array_is_copied_not_frozen():
    elevation = np.zeros((2, 3))
    TerrainLayer(x=[0, 1, 2], y=[0, 1], elevation=elevation)
    elevation[0, 0] = 5.0  # still writable: the layer took a copy


def test_terrain_shape_mismatch_names_layer_field_and_shapes():
    with pytest.raises(InputError) as error:
        TerrainLayer(x=np.arange(100.0), y=np.arange(80.0), elevation=np.zeros((80, 99)))
    message = str(error.value)
    assert "TerrainLayer" in message and "elevation shape" in message
    assert "(80, 99)" in message and "(80, 100)" in message


def test_decreasing_north_up_axis_is_flipped_with_its_rows():
    # a north-up raster: first row is the northernmost
    elevation = np.array([[3.0, 4.0], [1.0, 2.0]])
    terrain = TerrainLayer(x=[0.0, 10.0], y=[10.0, 0.0], elevation=elevation)
    np.testing.assert_array_equal(terrain.y, [0.0, 10.0])
    np.testing.assert_array_equal(terrain.elevation, [[1.0, 2.0], [3.0, 4.0]])


def test_non_monotonic_axis_rejected():
    with pytest.raises(InputError, match="FieldLayer: y"):
        FieldLayer(x=[0, 1], y=[0, 2, 1], values=np.ones((3, 2)), units="mg/m³", title="t")


def test_building_heights_must_match_and_be_positive():
    with pytest.raises(InputError, match="heights length"):
        BuildingLayer(footprints=[SQUARE, SQUARE], heights=[10.0])
    with pytest.raises(InputError, match=r"building 1: height must be > 0 m, got -3.0"):
        BuildingLayer(footprints=[SQUARE, SQUARE], heights=[10.0, -3.0])


def test_ring_closing_vertex_dropped_and_bad_ring_rejected():
    closed = np.vstack([SQUARE, SQUARE[:1]])
    layer = BuildingLayer(footprints=[closed], heights=[5.0], names=["罐区A"])
    assert layer.footprints[0].shape == (4, 2)
    with pytest.raises(InputError, match=r"footprint 0: ring shape"):
        BuildingLayer(footprints=[np.zeros((4, 3))], heights=[5.0])


def test_names_empty_or_one_per_item():
    StackLayer(x=[0.0], y=[0.0], height=[30.0])
    with pytest.raises(InputError, match="names length"):
        StackLayer(x=[0.0, 1.0], y=[0.0, 1.0], height=[30.0, 20.0], names=["S01"])


def test_receptor_kind_error_lists_allowed_kinds():
    with pytest.raises(InputError) as error:
        ReceptorLayer(names=["幼儿园"], kinds=["kindergarten"], points=[(0.0, 0.0)])
    message = str(error.value)
    assert "'幼儿园'" in message and "kindergarten" in message and "school" in message


def test_receptor_needs_point_or_polygon():
    with pytest.raises(InputError, match="a point"):
        ReceptorLayer(names=["A", "B"], kinds=["school", "school"], points=[(0.0, 0.0), None])


def test_receptor_label_point_inside_polygon():
    # an L-shaped area whose vertex mean lies outside it: the label must still sit inside
    ring = np.array([[0, 0], [100, 0], [100, 10], [10, 10], [10, 100], [0, 100]], dtype=float)
    receptors = ReceptorLayer(names=["居民区A"], kinds=["residential"], polygons=[ring])
    x, y = receptors.label_point(0)
    assert (0 <= x <= 10 and 0 <= y <= 100) or (0 <= x <= 100 and 0 <= y <= 10)


def test_mapview_checks_epsg_layers_and_wind():
    with pytest.raises(InputError, match="epsg"):
        MapView(title="t", epsg=0)
    with pytest.raises(InputError, match="terrain"):
        MapView(title="t", epsg=4549, terrain=np.zeros((2, 2)))
    with pytest.raises(InputError, match="wind_speed"):
        MapView(title="t", epsg=4549, wind_speed=-1.0)
    with pytest.raises(InputError, match="notes"):
        MapView(title="t", epsg=4549, notes="one string")
    assert MapView(title="t", epsg=4549, wind_from_direction=-90.0).wind_from_direction == 270.0


def test_extent_covers_field_and_terrain():
    view = synthetic_view()
    assert view.extent() == (540_000.0, 545_000.0, 3_420_000.0, 3_424_000.0)
    with pytest.raises(InputError, match="nothing to draw"):
        MapView(title="t", epsg=4549).extent()


def test_levels_validated():
    with pytest.raises(InputError, match="levels"):
        FieldLayer(x=[0, 1], y=[0, 1], values=np.ones((2, 2)), units="mg/m³", title="t", levels=[5.0, 1.0])


def test_default_levels_for_the_synthetic_peak():
    # peak 799 µg/m³: the next 1-2-5 value is 1000, four decades below is 0.1 (1-2-5 series, by construction)
    levels = synthetic_view().field.contour_levels()
    np.testing.assert_allclose(levels, [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])


def test_no_positive_value_means_no_levels():
    field = FieldLayer(x=[0, 1], y=[0, 1], values=np.zeros((2, 2)), units="mg/m³", title="t")
    assert field.contour_levels() is None


@given(st.floats(min_value=1e-9, max_value=1e9))
def test_default_levels_bracket_the_maximum(maximum):
    field = FieldLayer(x=[0, 1], y=[0, 1], values=np.array([[maximum, 0.0], [0.0, 0.0]]), units="u", title="t")
    levels = field.contour_levels()
    assert levels[-1] >= maximum * (1 - 1e-9)
    assert levels[-1] <= maximum * 2.5 * (1 + 1e-9)  # largest step of the 1-2-5 series is ×2.5
    np.testing.assert_allclose(levels[0], levels[-1] / 1e4, rtol=1e-9)
    assert np.all(np.diff(levels) > 0)


def test_a_field_far_below_its_limit_is_banded_over_two_decades_below_its_maximum():
    # Issue 14: the demo's plume (max 37.9 µg/m³, 8 % of the 500 µg/m³ limit) was banded down to 0.005 µg/m³ and
    # painted the whole domain; below a tenth of the limit the bands now span two decades under the maximum.
    values = np.array([[37.9, 1.0], [0.01, 0.0]])
    field = FieldLayer(x=[0, 1], y=[0, 1], values=values, units="µg/m³", title="t", limit=500.0)
    np.testing.assert_allclose(field.contour_levels(), [0.5, 1, 2, 5, 10, 20, 50])
    unlimited = FieldLayer(x=[0, 1], y=[0, 1], values=values, units="µg/m³", title="t")
    assert unlimited.contour_levels()[0] == pytest.approx(0.005)  # no limit: four decades, as before
