"""The embedded demo park: deterministic, complete, and physically sensible."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from twin import geo
from twin.demo import DEMO_CENTRE_LONLAT, DEMO_EPSG, build_demo_park
from twin.io import load_park

TANK_SUBSTANCES = {"chlorine", "ammonia", "hydrogen_sulfide", "hydrogen_chloride", "benzene"}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    build_demo_park(folder)
    return folder


@pytest.fixture(scope="module")
def park(demo_folder):
    return load_park(demo_folder / "park.yaml")


def test_two_builds_are_byte_identical(demo_folder, tmp_path):
    path = build_demo_park(tmp_path)
    assert path == tmp_path / "park.yaml"
    names = sorted(p.name for p in demo_folder.iterdir())
    assert names == ["buildings.geojson", "dem.tif", "park.yaml"]
    for name in names:
        assert (demo_folder / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_centre_is_valid_in_cgcs2000_gauss_kruger():
    x, y = geo.transformer("EPSG:4326", f"EPSG:{DEMO_EPSG}").transform(*DEMO_CENTRE_LONLAT)
    # CM 120E, false easting 500 km: 121.3E lies ~122 km east of the central meridian at 32.4N
    assert 600e3 < x < 650e3 and 3.55e6 < y < 3.62e6


def test_counts(park):
    assert park.crs.to_epsg() == DEMO_EPSG
    assert len({stack.enterprise for stack in park.stacks}) == 82
    per_enterprise = Counter(stack.enterprise for stack in park.stacks)
    assert set(per_enterprise.values()) <= {1, 2}
    kinds = Counter(receptor.kind for receptor in park.receptors)
    assert kinds["residential"] == 3 and kinds["water_source"] == 2
    assert kinds["school"] >= 1 and kinds["hospital"] >= 1 and kinds["fence"] >= 4
    assert all(r.polygon is not None for r in park.receptors if r.kind in ("residential", "water_source"))
    tanks = {r.substance for r in park.risk_sources if r.kind == "tank"}
    assert TANK_SUBSTANCES <= tanks
    assert {r.kind for r in park.risk_sources} == {"tank", "pipe", "warehouse"}
    assert 4 <= len(park.monitors) <= 6
    assert 300 <= len(park.buildings) <= 600
    assert {d.kind for d in park.spec.flood_defences} >= {"sea_wall"}
    assert {w.kind for w in park.spec.water_bodies} == {"river", "sea"}


def test_chinese_names_survive_the_yaml_round_trip(park, demo_folder):
    text = (demo_folder / "park.yaml").read_text(encoding="utf-8")
    assert "name: 滨海化工园区" in text and "\\u" not in text  # written as characters, not escapes
    assert text.startswith("# ParkTwin park bundle")
    assert park.spec.name == "滨海化工园区"
    assert any(r.name == "东港村居民区" for r in park.receptors)
    assert any(r.name == "危废仓库" for r in park.risk_sources)
    assert any(b.name == "园区管委会大楼" for b in park.buildings)


def test_stacks_are_varied_and_sit_near_the_centre(park):
    arrays = park.stack_arrays()
    assert arrays["height"].min() >= 15 and arrays["height"].max() <= 120
    assert arrays["height"].max() > 100 and np.median(arrays["height"]) < 50
    cx, cy = park.centre()
    assert np.all(np.abs(arrays["x"] - cx) < 2500) and np.all(np.abs(arrays["y"] - cy) < 2500)
    assert park.centre_lonlat() == pytest.approx(DEMO_CENTRE_LONLAT, abs=2e-3)
    assert park.pollutants() == ["nitrogen_dioxide", "pm10", "sulfur_dioxide", "vocs"]
    # larger stacks emit more: emission rate rises with the exit flow of the stack
    flow = np.pi * arrays["inner_diameter"] ** 2 / 4 * arrays["exit_velocity"]
    so2 = park.emission_rates("sulfur_dioxide")
    assert np.corrcoef(flow, so2)[0, 1] > 0.8


def test_liquefied_gases_are_pressurised_and_liquids_atmospheric(park):
    for source in park.risk_sources:
        if source.kind == "tank" and source.substance in ("chlorine", "ammonia", "hydrogen_sulfide"):
            assert 5e5 < source.pressure < 3e6 and source.temperature == pytest.approx(298.15)
        if source.substance == "benzene":
            assert source.pressure == pytest.approx(101325.0)


def test_warehouse_sits_in_a_depression(park):
    (warehouse,) = [r for r in park.risk_sources if r.kind == "warehouse"]
    floor = park.terrain.elevation_at(warehouse.x, warehouse.y)
    angles = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    around = park.terrain.elevation_at(warehouse.x + 600 * np.cos(angles), warehouse.y + 600 * np.sin(angles))
    assert floor < around.min() - 1.5


def test_terrain_plain_hills_and_sea(park):
    terrain = park.terrain
    dx, dy = terrain.resolution
    assert 25 <= dx <= 50 and 25 <= dy <= 50
    xmin, ymin, xmax, ymax = terrain.bounds
    assert xmax - xmin >= 10_000 and ymax - ymin >= 10_000
    cx, cy = park.centre()
    assert 2 <= terrain.elevation_at(cx, cy) <= 6  # coastal plain
    west = terrain.elevation[:, terrain.x < cx - 4000]
    assert 60 <= west.max() <= 125  # low hills to the west
    sea = Polygon(next(w for w in park.spec.water_bodies if w.kind == "sea").polygon)
    inside = sea.representative_point()
    assert terrain.elevation_at(inside.x, inside.y) < 0
    wall = next(d for d in park.spec.flood_defences if d.kind == "sea_wall")
    assert wall.crest_elevation > terrain.elevation_at(cx, cy)


def test_receptors_within_5_km_and_most_residents_on_the_5_km_grid(park):
    cx, cy = park.centre()
    points = park.receptor_points()
    assert np.all(np.hypot(points.x - cx, points.y - cy) < 5000)
    grid = Polygon([(cx - 2500, cy - 2500), (cx + 2500, cy - 2500), (cx + 2500, cy + 2500), (cx - 2500, cy + 2500)])
    residential = [Polygon(r.polygon) for r in park.receptors if r.kind == "residential"]
    assert sum(grid.intersects(p) for p in residential) >= 2
    river = Polygon(next(w for w in park.spec.water_bodies if w.kind == "river").polygon)
    assert any(Polygon(r.polygon).intersects(river) for r in park.receptors if r.kind == "water_source")
    assert not any(river.contains(Point(s.x, s.y)) for s in park.stacks)


def test_demo_park_has_a_boundary_around_its_stacks(park):
    boundary = park.boundary_polygon()
    assert boundary is not None and boundary.area == pytest.approx(3600.0 * 3400.0)
    assert all(boundary.covers(Point(s.x, s.y)) for s in park.stacks)
