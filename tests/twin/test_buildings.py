"""Building footprints: WGS84 GeoJSON in, park CRS inside, RFC 7946 GeoJSON out."""

from __future__ import annotations

import json

import pyproj
import pytest
from shapely.geometry import Polygon

from tests.twin.park_factory import EPSG, X0, Y0, buildings_geojson
from twin.buildings import Building, read_buildings, write_buildings_geojson
from twin.errors import InputError

PARK_CRS = pyproj.CRS.from_epsg(EPSG)


def _write(path, collection):
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


def test_wgs84_footprints_are_projected_to_the_park_crs(tmp_path):
    (building,) = read_buildings(_write(tmp_path / "b.geojson", buildings_geojson()), PARK_CRS)
    assert building.id == "B1" and building.name == "主厂房" and building.height == 18.0
    assert building.footprint.area == pytest.approx(60.0 * 40.0, rel=1e-6)  # built as a 60 m x 40 m rectangle
    assert building.footprint.bounds == pytest.approx((X0 + 200, Y0 + 100, X0 + 260, Y0 + 140), abs=1e-4)


def test_write_is_rfc7946_and_round_trips(tmp_path):
    square = Polygon([(X0, Y0), (X0, Y0 + 30), (X0 + 30, Y0 + 30), (X0 + 30, Y0)])  # clockwise on purpose
    path = write_buildings_geojson(tmp_path / "out.geojson", [Building("X1", "仓库", square, 9.5)], PARK_CRS)
    text = path.read_text(encoding="utf-8")
    assert "仓库" in text  # UTF-8 characters, not \\u escapes
    data = json.loads(text)
    assert "crs" not in data  # RFC 7946 §4: no crs member, WGS84 lon/lat implied
    ring = data["features"][0]["geometry"]["coordinates"][0]
    assert all(len(str(c).split(".")[1]) <= 7 for point in ring for c in point)  # 7 decimals
    assert Polygon(ring).exterior.is_ccw  # RFC 7946 §3.1.6: exterior rings counter-clockwise
    (back,) = read_buildings(path, PARK_CRS)
    assert back.footprint.hausdorff_distance(square) < 0.015  # 1e-7° rounds to ≤ 0.6 cm here [m]
    assert back.height == 9.5 and back.name == "仓库"


def test_footprints_already_in_the_park_crs(tmp_path):
    collection = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"id": "P1", "height": 12},
        "geometry": {"type": "MultiPolygon", "coordinates": [
            [[[X0, Y0], [X0 + 10, Y0], [X0 + 10, Y0 + 10], [X0, Y0]]],
            [[[X0 + 50, Y0], [X0 + 60, Y0], [X0 + 60, Y0 + 10], [X0 + 50, Y0]]]]}}]}
    buildings = read_buildings(_write(tmp_path / "b.geojson", collection), PARK_CRS, "park")
    assert [b.id for b in buildings] == ["P1#0", "P1#1"]
    assert buildings[0].footprint.area == pytest.approx(50.0)


@pytest.mark.parametrize("height", [None, -4.0, "high", 0, 18000, 1e300])
def test_bad_height_names_the_feature(tmp_path, height):
    collection = buildings_geojson()
    collection["features"][0]["properties"]["height"] = height
    if height is None:
        del collection["features"][0]["properties"]["height"]
    with pytest.raises(InputError) as info:
        read_buildings(_write(tmp_path / "b.geojson", collection), PARK_CRS)
    hint = " (in mm or cm? heights are in metres)" if isinstance(height, (int, float)) and height > 1000 else ""
    assert str(info.value) == (f"b.geojson: feature 0 (id 'B1'): height must be a number in (0, 1000] m, got "
                               f"{str(height)[:40]!r}{hint}")


@pytest.mark.parametrize("collection, match", [
    ({"type": "FeatureCollection", "features": [5]}, "feature 0 must be a GeoJSON Feature object, got a int"),
    ({"type": "FeatureCollection", "features": {"a": 1}}, "features must be a list of Feature objects, got a dict"),
    ({"type": "FeatureCollection", "crs": 3, "features": []}, "crs must be an object"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [1], "geometry": None}]},
     "properties must be an object"),
    ({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"height": 5}, "geometry": 7}]},
     "geometry must be a Polygon or MultiPolygon object, got a int"),
])
def test_a_collection_of_the_wrong_shapes_is_bad_input_not_a_crash(tmp_path, collection, match):
    """Non-object features crashed with AttributeError (exit 70) (issue 13, 'Bad input, everywhere')."""
    with pytest.raises(InputError, match=match):
        read_buildings(_write(tmp_path / "b.geojson", collection), PARK_CRS)


def test_deeply_nested_json_is_bad_input(tmp_path):
    path = tmp_path / "b.geojson"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(InputError, match="nested too deeply"):
        read_buildings(path, PARK_CRS)


def test_wrong_geometry_type_names_the_feature(tmp_path):
    collection = buildings_geojson()
    collection["features"][0]["geometry"] = {"type": "Point", "coordinates": [121.0, 32.0]}
    with pytest.raises(InputError, match=r"feature 0 \(id 'B1'\): geometry type must be Polygon or MultiPolygon, "
                                         r"got 'Point'"):
        read_buildings(_write(tmp_path / "b.geojson", collection), PARK_CRS)


def test_projected_file_declared_but_wgs84_expected(tmp_path):
    collection = buildings_geojson() | {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}}
    with pytest.raises(InputError, match="set buildings_crs: park"):
        read_buildings(_write(tmp_path / "b.geojson", collection), PARK_CRS)
