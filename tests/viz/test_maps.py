"""The 2D map: a real PNG of the requested size, not blank, with the field visibly drawn; no leaked state."""

from __future__ import annotations

import warnings

import matplotlib
import pytest

from viz.maps import _nice_length, render_map
from viz.model import MapView

from ._png import distinct_colours, plume_red_pixels, read_png
from .conftest import synthetic_view

FIGSIZE, DPI = (6.0, 5.0), 80  # small and fast: 480 × 400 pixels


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    folder = tmp_path_factory.mktemp("maps")
    with_field = render_map(synthetic_view(), folder / "with_field.png", dpi=DPI, figsize=FIGSIZE)
    without_field = render_map(synthetic_view(with_field=False), folder / "without_field.png", dpi=DPI,
                               figsize=FIGSIZE)
    return folder, read_png(with_field), read_png(without_field)


def test_map_is_a_png_of_the_requested_size(maps):
    _, pixels, _ = maps
    assert pixels.shape == (400, 480, 3)


def test_map_is_not_blank(maps):
    _, pixels, _ = maps
    assert pixels.std() > 20.0  # a blank or single-colour figure has ~0


def test_field_adds_colour(maps):
    _, with_field, without_field = maps
    assert distinct_colours(with_field) > distinct_colours(without_field) + 200
    # The plume's red bands cover a good part of the map; without a field, nothing on the map is that red.
    assert plume_red_pixels(with_field) > 0.05 * with_field.shape[0] * with_field.shape[1]
    assert plume_red_pixels(without_field) < 0.002 * without_field.shape[0] * without_field.shape[1]


def test_written_atomically(maps):
    folder, _, _ = maps
    assert sorted(p.name for p in folder.iterdir()) == ["with_field.png", "without_field.png"]


def test_no_global_matplotlib_state_leaks(tmp_path):
    before = list(matplotlib.rcParams["font.sans-serif"])
    render_map(synthetic_view(), tmp_path / "m.png", dpi=40, figsize=FIGSIZE)
    assert matplotlib.rcParams["font.sans-serif"] == before


def test_chinese_names_render_without_missing_glyphs(tmp_path):
    # the synthetic view has Chinese in the title, the field title, the receptor names and the legend
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        render_map(synthetic_view(), tmp_path / "m.png", dpi=40, figsize=FIGSIZE)
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_default_size_follows_map_aspect(tmp_path):
    path = render_map(synthetic_view(), tmp_path / "m.png", dpi=40)
    height, width, _ = read_png(path).shape
    assert width == 400 and 300 < height < 560


def test_map_with_only_buildings_and_no_wind(tmp_path):
    base = synthetic_view()
    view = MapView(title="建筑 only", epsg=4549, buildings=base.buildings)
    pixels = read_png(render_map(view, tmp_path / "b.png", dpi=40, figsize=FIGSIZE))
    assert pixels.shape == (200, 240, 3) and pixels.std() > 10.0


@pytest.mark.parametrize("target, expected", [(1000.0, 1000.0), (999.0, 500.0), (450.0, 200.0), (0.3, 0.2)])
def test_scale_bar_length_is_a_round_number(target, expected):
    assert _nice_length(target) == pytest.approx(expected)
