"""The 2D map: a real PNG of the requested size, not blank, with the field visibly drawn; no leaked state."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
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


def _crowded_view(limit=None, scale="log"):
    """The synthetic view with 16 fence points 60 m apart along a line and the stacks' names: labels must crowd."""
    from dataclasses import replace

    import numpy as np

    from viz.model import FieldLayer, ReceptorLayer

    from .conftest import X0, Y0

    view = synthetic_view()
    names = [f"厂界{k}号点" for k in range(1, 17)] + ["学校"]
    points = [(X0 + 1000.0 + 60.0 * k, Y0 + 600.0) for k in range(16)] + [(X0 + 2600.0, Y0 + 3000.0)]
    receptors = ReceptorLayer(names=names, kinds=["fence"] * 16 + ["school"], points=points,
                              polygons=[None] * 17)
    field = view.field
    field = FieldLayer(x=field.x, y=field.y, values=field.values, units=field.units, title=field.title,
                       limit=limit, limit_label="" if limit is None else f"限值 limit {limit:g} µg/m³", scale=scale)
    return replace(view, receptors=receptors, field=field)


def test_no_two_labels_overlap_and_the_maximum_is_named():
    from viz.maps import build_map, label_boxes

    fig = build_map(_crowded_view(), dpi=DPI, figsize=FIGSIZE)
    ax = fig.axes[0]
    names = [t for t in ax.texts if t.get_visible() and t.get_gid() in ("parktwin:label", "parktwin:label-first")]
    boxes = label_boxes(fig, ax)
    assert len(names) >= 6
    renderer = fig.canvas.get_renderer()
    for name in names:  # a name overlaps no other text (names, the maximum, north arrow, scale, wind, contours)
        box = name.get_window_extent(renderer)
        assert sum(box.overlaps(other) for other in boxes) == 1, name.get_text()  # itself only
    visible = [t.get_text() for t in ax.texts if t.get_visible()]
    assert any(text.startswith("max 79") for text in visible)  # the maximum (799 on the grid) is never dropped
    assert sum(text.startswith("厂界") for text in visible) >= 3  # the crowded fence keeps the names that fit


def test_the_limit_is_an_isopleth_and_the_first_contour_a_tenth_of_it():
    from viz.maps import build_map

    view = _crowded_view(limit=500.0)
    assert view.field.contour_levels()[0] == pytest.approx(50.0)  # 10 % of the limit
    assert 500.0 in view.field.contour_levels()
    fig = build_map(view, dpi=DPI, figsize=FIGSIZE)
    legend = fig.axes[0].get_legend()
    assert "限值 limit 500 µg/m³" in [t.get_text() for t in legend.get_texts()]
    above = _crowded_view(limit=5000.0)  # the peak (800) is below it: the legend says so
    legend = build_map(above, dpi=DPI, figsize=FIGSIZE).axes[0].get_legend()
    assert any("not reached (max 16 %)" in t.get_text() for t in legend.get_texts())
    linear = _crowded_view(limit=500.0, scale="linear").field.contour_levels()
    assert linear[0] == pytest.approx(50.0) and np.allclose(np.diff(linear[1:]), 100.0)


def test_volume_sources_are_drawn_and_named_in_the_legend():
    """A park's volume sources (fugitive emissions) on the map: brown squares at their places, "体源 volume source" in
    the legend; a view without them has neither."""
    from dataclasses import replace

    from viz.maps import build_map
    from viz.model import StackLayer

    view = synthetic_view()
    x0, y0 = float(np.mean(view.stacks.x)), float(np.mean(view.stacks.y))
    volumes = StackLayer(x=[x0 + 40.0, x0 - 60.0], y=[y0, y0 + 30.0], height=[0.0, 12.0], names=["罐区", "车间"])
    fig = build_map(replace(view, volume_sources=volumes), dpi=DPI, figsize=FIGSIZE)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "体源 volume source" in labels
    drawn = [c for c in fig.axes[0].collections if len(c.get_offsets()) == 2
             and np.allclose(np.sort(np.asarray(c.get_offsets())[:, 0]), np.sort(volumes.x))]
    assert len(drawn) == 1
    plain = [t.get_text() for t in build_map(view, dpi=DPI, figsize=FIGSIZE).axes[0].get_legend().get_texts()]
    assert "体源 volume source" not in plain


def test_area_sources_are_outlined_and_named_in_the_legend():
    from dataclasses import replace

    from viz.maps import build_map
    from viz.model import AreaSourceLayer

    view = synthetic_view()
    x0, y0 = float(np.mean(view.stacks.x)), float(np.mean(view.stacks.y))
    pond = np.array([[x0, y0], [x0 + 80.0, y0 + 20.0], [x0 + 50.0, y0 + 90.0]])
    fig = build_map(replace(view, area_sources=AreaSourceLayer(outlines=[pond], names=["调节池"])), dpi=DPI,
                    figsize=FIGSIZE)
    assert "面源 area source" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    outlined = [c for c in fig.axes[0].collections if c.get_hatch() == "////"]
    assert len(outlined) == 1 and np.allclose(outlined[0].get_paths()[0].vertices[:3], pond)
