"""Picture tests of the map outputs a planner or reviewer reads (issue 14 item 5), each on a small real run of the
demo park: the EIA year maps, the plume run's maximum-hour map, the nightly forecast's probability map and the flood
map. Each map is rendered, its PNG decoded, and the figure rebuilt from the very view the run drew, to check what must
be visible: the legend entries, the maximum's label, the limit isopleth (or the line saying it is not reached), the
source, no two labels overlapping, and the sea left unshaded on the flood map. Not pixel snapshots.

The leak's threat-zone map has its own tests (tests/scenarios/test_leak_threat_map.py, tests/viz/test_threat_map.py),
as do the wind rose and stability figures (tests/viz/test_meteorology.py).
"""

from __future__ import annotations

import base64
import re
from contextlib import contextmanager
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from tests.viz._png import read_png

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """The demo park bundle and scenario files, written without running anything."""
    from scenarios.demo import write_demo

    root = tmp_path_factory.mktemp("output-maps")
    write_demo(root)
    return root


@contextmanager
def kept_views(module, *, scene: bool = True):
    """Record every MapView ``module`` renders as a map, by file name (the map is still drawn); with ``scene=False``
    the 3D scene is not rendered (not under test here)."""
    drawn = {}
    real = module.render_map

    def render_and_keep(view, path, **options):
        drawn[Path(path).name] = view
        return real(view, path, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "render_map", render_and_keep)
        for name in () if scene else ("render_scene", "export_scene_gltf"):
            if hasattr(module, name):
                patch.setattr(module, name, lambda view, path, **options: Path(path))
        yield drawn


def _figure(view):
    from viz.maps import build_map

    fig = build_map(view, dpi=80)
    return fig, fig.axes[0]


def _visible_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_visible()]


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def _assert_no_label_overlaps(fig, ax) -> None:
    """No name the map places (the maximum, the assets, receptors, stacks: ``parktwin:label*``) overlaps another
    visible text — names, the north arrow, the scale bar, the wind, terrain contour labels."""
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_visible() and t.get_text()]
    names = [t for t in texts if str(t.get_gid()).startswith("parktwin:label")]
    assert any(t.get_text().startswith("max ") for t in names)  # the maximum is among them
    for name in names:
        box = name.get_window_extent(renderer)
        hits = [other.get_text() for other in texts
                if other is not name and box.overlaps(other.get_window_extent(renderer))]
        assert not hits, f"{name.get_text()!r} overlaps {hits}"


def _field_pixels(pixels: np.ndarray, band_count: int) -> int:
    """Pixels of the map drawn in one of the field's band colours (alpha 0.78 over paper or terrain, so within a
    tolerance of the colour itself)."""
    from viz.maps import field_colormap

    colours = (field_colormap(band_count).colors[:, :3] * 255).astype(int)
    pixels = pixels.astype(int)
    near = np.zeros(pixels.shape[:2], dtype=bool)
    for colour in colours:
        blended = 0.78 * colour + 0.22 * np.array([0xF4, 0xF1, 0xEA])
        near |= np.abs(pixels - blended).max(axis=2) < 14
    return int(near.sum())


def _limit_contours(ax) -> list:
    from viz.maps import LIMIT_GID

    return [artist for artist in ax.collections if artist.get_gid() == LIMIT_GID]


def _check_limit(fig, ax, field) -> None:
    """The limit is a drawn isopleth with its legend entry when the field reaches it, else a legend line saying it
    is not reached and by how much; the first band starts at a tenth of it (HJ 2.2-2018 D10%) when reached."""
    from viz.maps import format_value

    peak = float(np.nanmax(field.values))
    legend = _legend(ax)
    if peak >= field.limit:
        assert field.limit_label in legend
        (isopleth,) = _limit_contours(ax)
        assert sum(len(path.vertices) for path in isopleth.get_paths()) > 4  # a real line, not an empty set
    else:
        assert f"{field.limit_label}: not reached (max {100 * peak / field.limit:.0f} %)" in legend
        assert not _limit_contours(ax)
    if peak >= 0.1 * field.limit:
        assert field.contour_levels()[0] == pytest.approx(0.1 * field.limit)
    assert f"max {format_value(peak)} {field.units}" in _visible_texts(ax)  # the maximum is named on the map
    assert "最大值 maximum" in legend


def _check_isopleth_when_reached(view) -> None:
    """The same map with a limit its field does reach (half the maximum): the dashed isopleth is drawn."""
    peak = float(np.nanmax(view.field.values))
    field = replace(view.field, limit=0.5 * peak, limit_label="half the maximum")
    fig, ax = _figure(replace(view, field=field))
    (isopleth,) = _limit_contours(ax)
    assert isopleth.levels == pytest.approx([0.5 * peak])
    assert sum(len(path.vertices) for path in isopleth.get_paths()) > 4
    assert "half the maximum" in _legend(ax)


# ---------------------------------------------------------------------------------------------------- EIA maps

EIA = """\
schema_version: 1
kind: eia
name: eia-maps
park: park/park.yaml
weather: {source: synthetic, start: "2025-03-01T00:00:00+08:00", hours: 240}
grid: {size: [4000, 4000], spacing: 250}
pollutants: [sulfur_dioxide]
background: {constant: {sulfur_dioxide: 12}}
language: en
"""


@pytest.fixture(scope="module")
def eia_maps(bundle):
    import scenarios.eia.outputs as outputs
    from scenarios.eia.run import run_eia_scenario
    from scenarios.spec import load_scenario

    (bundle / "eia_maps.yaml").write_text(EIA, encoding="utf-8")
    with kept_views(outputs) as drawn:
        run_eia_scenario(load_scenario(bundle / "eia_maps.yaml"), base_dir=bundle, out_dir=bundle / "eia_maps",
                         where="eia_maps.yaml")
    return bundle / "eia_maps", drawn


def test_the_eia_maps_show_the_limit_the_maximum_and_their_statistic_in_the_report_language(eia_maps):
    out, drawn = eia_maps
    assert sorted(drawn) == ["map_sulfur_dioxide_annual_mean.png", "map_sulfur_dioxide_p98_24h.png"]
    html = (out / "eia_summary.html").read_text(encoding="utf-8")
    embedded = [base64.b64decode(data) for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)]
    # GB 3095-2012 grade II SO2: annual mean 60 µg/m³, 24-h mean 150 µg/m³ (Table 1).
    for name, limit, what in (("map_sulfur_dioxide_annual_mean.png", 60.0, "annual-mean contribution"),
                              ("map_sulfur_dioxide_p98_24h.png", 150.0, "98th-percentile daily-mean contribution")):
        view = drawn[name]
        assert (out / name).read_bytes() in embedded, name  # the report shows this very map
        pixels = read_png(out / name)
        assert _field_pixels(pixels, len(view.field.contour_levels()) - 1) > 2000, name
        assert view.field.limit == pytest.approx(limit)
        assert view.field.limit_label == f"limit {limit:g} µg/m³ (GB 3095-2012 grade II)"
        assert view.field.title == f"Sulfur dioxide: {what}"
        fig, ax = _figure(view)
        assert ax.get_title() == view.field.title and not CJK.search(ax.get_title())
        _check_limit(fig, ax, view.field)
        _assert_no_label_overlaps(fig, ax)
    _check_isopleth_when_reached(drawn["map_sulfur_dioxide_p98_24h.png"])


# ---------------------------------------------------------------------------------------------------- plume map


@pytest.fixture(scope="module")
def plume_map(bundle):
    import scenarios.plume.outputs as outputs
    from scenarios.run import run_scenario_file

    scenario = yaml.safe_load((bundle / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["weather"]["hours"] = 3
    scenario.update(name="plume-map", grid={"size": [4000, 4000], "spacing": 100, "receptor_height": 0.0},
                    pollutants=["sulfur_dioxide"])
    (bundle / "plume_map.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    with kept_views(outputs, scene=False) as drawn:
        run_scenario_file(bundle / "plume_map.yaml", bundle / "plume_map")
    return bundle / "plume_map", drawn


def test_the_plume_map_names_the_maximum_apart_from_the_stacks_and_shows_the_hourly_limit(plume_map):
    out, drawn = plume_map
    view = drawn["map_sulfur_dioxide.png"]
    field = view.field
    levels = field.contour_levels()
    pixels = read_png(out / "map_sulfur_dioxide.png")
    assert _field_pixels(pixels, len(levels) - 1) > 2000
    # GB 3095-2012 grade II SO2 1-h mean 500 µg/m³.
    assert field.limit == pytest.approx(500.0)
    fig, ax = _figure(view)
    _check_limit(fig, ax, field)
    # The lowest band: a tenth of the limit when the field reaches it (checked above), else at most four decades
    # below the maximum.
    assert levels[0] >= 1e-4 * float(np.nanmax(field.values)) * 0.999
    legend = _legend(ax)
    assert "排气筒 stack" in legend and "厂界 fence line" in legend
    _assert_no_label_overlaps(fig, ax)  # the maximum's label overlaps no stack's name


# ------------------------------------------------------------------------------------------- forecast map


@pytest.fixture(scope="module")
def forecast_map(tmp_path_factory):
    import scenarios.forecast.outputs as outputs
    from scenarios.forecast.run import run_forecast, write_demo_sample_forecast
    from twin.demo import build_demo_park

    root = tmp_path_factory.mktemp("forecast-map")
    park_yaml = build_demo_park(root / "park")
    data = yaml.safe_load(park_yaml.read_text(encoding="utf-8"))
    data["risk_sources"] = [r for r in data["risk_sources"] if r["id"] == "T-CL01"]
    park_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    forecast = write_demo_sample_forecast(park_yaml, root / "forecast.nc", start="2026-07-15T00:00:00+00:00",
                                          hours=48)
    with kept_views(outputs) as drawn:
        result = run_forecast(park_yaml, forecast, root / "out", members=4, hours=24, grid_spacing=500.0,
                              grid_size=10000.0, language="en")
    return result, drawn


def test_the_forecast_map_shows_the_probability_bands_the_source_and_its_maximum(forecast_map):
    result, drawn = forecast_map
    assert sorted(drawn) == ["map.png"]  # one assessed source, one map
    (view,) = drawn.values()
    field = view.field
    assert list(field.contour_levels()) == [1.0, 10.0, 50.0, 90.0, 100.0]  # % bands
    assert field.title == "Chlorine: P(endpoint-2 reached) — T-CL01"
    (path,) = sorted(Path(result.folder).rglob("map.png"))
    assert _field_pixels(read_png(path), 4) > 500
    html = (Path(result.folder) / "brief.html").read_text(encoding="utf-8")
    assert base64.b64encode(path.read_bytes()).decode() in html  # the brief shows this very map
    fig, ax = _figure(view)
    colour_bar = fig.axes[1]
    assert [t.get_text() for t in colour_bar.get_yticklabels()] == ["1", "10", "50", "90", "100"]
    texts, legend = _visible_texts(ax), _legend(ax)
    assert view.release is not None and view.release.name in texts  # the source is drawn and named
    assert f"泄漏源 release: {view.release.name}" in legend
    assert any(text.startswith("max ") and text.endswith(" %") for text in texts)
    assert not CJK.search(ax.get_title())
    _assert_no_label_overlaps(fig, ax)


# ---------------------------------------------------------------------------------------------------- flood map

TYPHOON = """\
schema_version: 1
kind: typhoon
name: flood-map
park: park/park.yaml
track:
  landfall_offset_km: [0, -20]
  landfall_time: "2026-09-15T06:00:00+08:00"
  heading_deg: 330
  forward_speed: 6.0
  central_pressure_hpa: 935
  rmax_km: 30
start: "2026-09-15T00:00:00+08:00"
hours: 8
rain_scale: 2.0
grid_spacing: 80
language: en
"""


@pytest.fixture(scope="module")
def flood_map(bundle):
    import scenarios.typhoon.run as typhoon
    from scenarios.run import run_scenario_file

    (bundle / "flood_map.yaml").write_text(TYPHOON, encoding="utf-8")
    with kept_views(typhoon, scene=False) as drawn:
        run_scenario_file(bundle / "flood_map.yaml", bundle / "flood_map")
    return bundle / "flood_map", drawn


def test_the_flood_map_leaves_the_sea_unshaded_and_names_the_flooded_warehouse(flood_map):
    out, drawn = flood_map
    view = drawn["map.png"]
    field = view.field
    pixels = read_png(out / "map.png")
    levels = field.contour_levels()
    assert _field_pixels(pixels, len(levels) - 1) > 500  # the flooded land is shaded
    with xr.open_dataset(out / "flood.nc") as flood:
        depth = flood["max_water_depth"].values  # the model's depth, the sea's own included (6.5 m there)
    # The sea and the permanent water: deep in the model, left out of the map (the map once shaded them as flood).
    sea = ~np.isfinite(field.values) & (depth > 1.0)
    assert sea.sum() > 100 and np.isfinite(field.values).any()
    fig, ax = _figure(view)
    legend, texts = _legend(ax), _visible_texts(ax)
    warehouse = next(name for name in view.assets.names if "W-HW01" in name)
    assert warehouse in texts and "进水的风险单元 risk unit flooded" in legend
    _assert_no_label_overlaps(fig, ax)
    # Rendered twice, with and without the depth bands: every sea / permanent-water cell (away from flooded land)
    # looks the same in both, while the flooded land does not.
    from matplotlib.contour import ContourSet

    fig.set_layout_engine("none")  # the layout build_map made, for both renderings (a re-layout moves the axes)
    shaded = _png_of(fig)
    for artist in ax.collections:
        if isinstance(artist, ContourSet) and artist.get_zorder() >= 2:  # the field's (terrain contours: 1)
            artist.set_visible(False)
    bare = _png_of(fig)
    wet = np.isfinite(field.values) & (field.values >= levels[0])
    near_wet = np.zeros_like(wet)
    for dr in range(-2, 3):
        for dc in range(-2, 3):
            near_wet |= np.roll(np.roll(wet, dr, axis=0), dc, axis=1)
    height = shaded.shape[0]

    def pixel(image, row, column):
        px, py = ax.transData.transform((field.x[column], field.y[row]))
        return image[int(height - py), int(px)].astype(int)

    open_sea = list(zip(*np.nonzero(sea & ~near_wet)))
    assert len(open_sea) > 50
    for row, column in open_sea:
        assert np.array_equal(pixel(shaded, row, column), pixel(bare, row, column)), (row, column)
    flooded = list(zip(*np.nonzero(wet)))
    changed = sum(not np.array_equal(pixel(shaded, r, c), pixel(bare, r, c)) for r, c in flooded)
    assert changed > 0.8 * len(flooded)


def _png_of(fig) -> np.ndarray:
    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    buffer.seek(0)
    return read_png(buffer)
