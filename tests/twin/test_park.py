"""park.yaml validation, load_park checks and the runtime Park."""

from __future__ import annotations

import os

import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from tests.twin.park_factory import CELL, X0, Y0, small_spec, write_bundle
from twin.errors import InputError, MissingInputError
from twin.io import load_park
from twin.park import ParkSpec, park_json_schema
from twin.validation import parse_model


@pytest.fixture
def park(tmp_path):
    return load_park(write_bundle(tmp_path))


def load_with(tmp_path, mutate) -> InputError:
    """Write the small bundle after ``mutate(spec)`` and return the InputError load_park raises."""
    spec = small_spec()
    mutate(spec)
    with pytest.raises(InputError) as info:
        load_park(write_bundle(tmp_path, spec))
    return info.value


# --- one test per kind of bad input: each message names the field, the value and what is allowed -------------------

def test_bad_epsg_names_field_value_and_example(tmp_path):
    error = load_with(tmp_path, lambda s: s.update(epsg=99999))
    assert str(error) == ("park.yaml: epsg must be an EPSG code of a projected CRS (e.g. 4549 for CGCS2000 / "
                          "3-degree Gauss-Kruger CM 120E), got 99999")
    assert error.exit_code == 65


def test_geographic_epsg_is_refused(tmp_path):
    error = load_with(tmp_path, lambda s: s.update(epsg=4490))  # CGCS2000 geographic (degrees)
    assert "epsg must be an EPSG code of a projected CRS" in str(error)
    assert "got 4490" in str(error) and "geographic" in str(error)


def test_negative_stack_height(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][1].update(height=-3.0))
    assert str(error).startswith("park.yaml: stacks[1] (id 'S02').height: a plausible stack height (≥ 1 and ≤ 500 m")
    assert str(error).endswith("got -3 m")


def test_unknown_substance_lists_valid_keys(tmp_path):
    error = load_with(tmp_path, lambda s: s["risk_sources"][0].update(substance="chlorinee"))
    message = str(error)
    assert "risk_sources[0].substance" in message and "'chlorinee'" in message
    for key in ("chlorine", "ammonia", "hydrogen_sulfide", "benzene", "vocs"):
        assert key in message


def test_unknown_substance_in_stack_emissions(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][0]["emissions"].update(so2=1.0))
    assert "stacks[0].emissions" in str(error) and "'so2'" in str(error) and "sulfur_dioxide" in str(error)


def test_missing_dem_file_is_a_bad_bundle(tmp_path):
    spec = small_spec()
    spec["dem"] = "terrain/missing.tif"
    with pytest.raises(InputError) as info:
        load_park(write_bundle(tmp_path, spec))
    message = str(info.value)
    assert "dem file not found" in message and "'terrain/missing.tif'" in message
    assert str(tmp_path.resolve() / "terrain" / "missing.tif") in message
    assert info.value.exit_code == os.EX_DATAERR  # 65: fix the bundle, not "retry later"


def test_extra_unknown_field_lists_allowed_fields(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][0].update(colour="red"))
    message = str(error)
    assert message.startswith("park.yaml: stacks[0] (id 'S01').colour: unknown field (allowed fields: ")
    assert "exit_velocity" in message and "inner_diameter" in message and "got 'red'" in message


def test_duplicate_ids(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][1].update(id="S01"))
    assert str(error) == ("park.yaml: stacks: ids must be unique within stacks, got duplicate id 'S01' at items 0 "
                          "and 1")


def test_polygon_with_two_vertices(tmp_path):
    error = load_with(tmp_path, lambda s: s["receptors"][1].update(polygon=[[X0, Y0], [X0 + 10, Y0]]))
    message = str(error)
    assert message.startswith("park.yaml: receptors[1] (id 'R02').polygon: polygon needs at least 3 distinct vertices")
    assert "got 2" in message and str(X0 + 10) in message


def test_receptor_needs_exactly_one_geometry(tmp_path):
    error = load_with(tmp_path, lambda s: s["receptors"][0].update(polygon=[[X0, Y0], [X0 + 9, Y0], [X0, Y0 + 9]]))
    assert "receptors[0] (id 'R01'): receptor 'R01': exactly one of point [x, y] or polygon" in str(error)
    assert "got both point and polygon" in str(error)


def test_stack_outside_dem(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][0].update(x=X0 + 5000.0))
    message = str(error)
    assert "stacks[0] ('S01'): position must lie on the DEM" in message and f"({X0 + 5000.0:.1f}," in message


def test_every_problem_is_listed_in_one_error(tmp_path):
    def break_twice(spec):
        spec["land_use"] = "suburban"
        spec["stacks"][0]["exit_temperature"] = 0

    lines = str(load_with(tmp_path, break_twice)).splitlines()
    assert lines == [
        "park.yaml: land_use: Input should be 'rural' or 'urban', got 'suburban'",
        "park.yaml: stacks[0] (id 'S01').exit_temperature: a plausible stack exit temperature (≥ 200 and ≤ 1800 K; "
        "bare numbers are in K, or write the unit, e.g. '120 degC'), got 0 K — did you mean '0 degC'?",
    ]


def test_malformed_yaml_gives_line_number(tmp_path):
    path = tmp_path / "park.yaml"
    path.write_text("schema_version: 1\nname: [unclosed\nepsg: 4549\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"park.yaml: malformed YAML at line \d+, column \d+"):
        load_park(path)


def test_missing_park_yaml_is_missing_input(tmp_path):
    with pytest.raises(MissingInputError) as info:
        load_park(tmp_path / "park.yaml")
    assert info.value.exit_code == os.EX_NOINPUT


def test_parse_model_where_prefix():
    with pytest.raises(InputError, match=r"^scenario.yaml: schema_version: Input should be 1, got 2"):
        parse_model(ParkSpec, {**small_spec(), "schema_version": 2}, "scenario.yaml")


# --- the runtime Park -------------------------------------------------------------------------------------------------

def test_stack_arrays_take_base_elevation_from_dem(park):
    arrays = park.stack_arrays()
    assert set(arrays) == {"x", "y", "base_elevation", "height", "inner_diameter", "exit_velocity",
                           "exit_temperature"}
    assert all(a.dtype == np.float64 for a in arrays.values())
    # S01 at (X0+300, Y0+200) on the plane z = 2 + 0.01 dx + 0.02 dy (bilinear is exact on a plane): 9.0 m;
    # S02 gives base_elevation 9.0 explicitly.
    np.testing.assert_allclose(arrays["base_elevation"], [2 + 3 + 4, 9.0])
    np.testing.assert_allclose(arrays["height"], [60.0, 25.0])


def test_emission_rates_and_pollutants(park):
    assert park.pollutants() == ["nitrogen_dioxide", "sulfur_dioxide", "vocs"]  # S02's SO2 rate is 0
    np.testing.assert_allclose(park.emission_rates("sulfur_dioxide"), [2.5, 0.0])
    np.testing.assert_allclose(park.emission_rates("vocs"), [0.0, 0.3])
    with pytest.raises(InputError, match="valid keys"):
        park.emission_rates("sulphur")
    with pytest.raises(InputError, match=r"substance must be a substance emitted by a stack .*got 'chlorine'"):
        park.emission_rates("chlorine")


def test_receptor_points_use_a_point_inside_polygons(park):
    points = park.receptor_points()
    assert points.ids == ["R01", "R02"] and points.kinds == ["school", "residential"]
    assert points.names[1] == "东港村居民区"
    np.testing.assert_allclose([points.x[0], points.y[0]], [X0 + 800, Y0 + 600])
    polygon = Polygon(park.spec.receptors[1].polygon)
    assert polygon.contains(Point(points.x[1], points.y[1]))
    np.testing.assert_allclose(points.population, [800, 3000])


def test_lonlat_round_trip_and_centre(park):
    lon, lat = park.to_lonlat(X0, Y0)
    assert 121.0 < lon < 122.0 and 32.0 < lat < 33.0  # EPSG:4549 false easting 500 km, CM 120E
    x, y = park.from_lonlat(lon, lat)
    assert abs(x - X0) < 1e-6 and abs(y - Y0) < 1e-6
    cx, cy = park.centre()  # centre of the bounding box of stacks and risk sources
    assert (cx, cy) == (X0 + 400.0, Y0 + 300.0)
    assert park.centre_lonlat() == pytest.approx(park.to_lonlat(cx, cy))


def test_bounds_cover_all_features(park):
    xmin, ymin, xmax, ymax = park.bounds()
    assert xmin <= X0 + 100 and xmax >= X0 + 800 and ymax >= Y0 + 700
    assert ymin <= Y0 + 100 + 1e-6  # the building's southern edge
    assert len(park.buildings) == 1 and park.buildings[0].name == "主厂房"
    assert park.terrain.resolution == (CELL, CELL)


def test_json_schema_documents_units():
    schema = park_json_schema()
    stack = schema["$defs"]["Stack"]["properties"]
    assert "[m]" in stack["height"]["description"]
    assert "[m/s]" in stack["exit_velocity"]["description"]
    assert "[K]" in stack["exit_temperature"]["description"]
    assert "[g/s]" in stack["emissions"]["description"]
    risk = schema["$defs"]["RiskSource"]["properties"]
    assert "[Pa]" in risk["pressure"]["description"] and "[kg]" in risk["inventory"]["description"]
    assert schema["$defs"]["Stack"]["additionalProperties"] is False


# --- units and unit slips (issue 13, item 6) ---------------------------------------------------------------------

def test_values_may_carry_their_units(tmp_path):
    spec = small_spec()
    spec["risk_sources"][0].update(temperature="25 degC", pressure="0.78 MPa", inventory="30 t", sill_height="120 cm")
    spec["stacks"][0].update(exit_temperature="126.85 °C", inner_diameter="2000 mm", exit_velocity="54 km/h",
                             emissions={"sulfur_dioxide": "9 kg/h", "nitrogen_dioxide": 4.0})
    park = load_park(write_bundle(tmp_path, spec))
    tank, stack = park.spec.risk_sources[0], park.spec.stacks[0]
    assert (tank.temperature, tank.pressure, tank.inventory, tank.sill_height) == pytest.approx(
        (298.15, 7.8e5, 3.0e4, 1.2))
    assert (stack.exit_temperature, stack.inner_diameter, stack.exit_velocity) == pytest.approx((400.0, 2.0, 15.0))
    assert stack.emissions["sulfur_dioxide"] == pytest.approx(2.5)


@pytest.mark.parametrize("target, field, value, meant", [
    ("risk_sources", "temperature", 25, "'25 degC'"),
    ("risk_sources", "pressure", 1.0, "'1 MPa' or '1 bar'"),
    ("stacks", "exit_temperature", 50, "'50 degC'"),
    ("stacks", "inner_diameter", 800, "'800 mm' or '800 cm'"),
])
def test_a_unit_slip_is_refused_with_the_unit_it_was_probably_meant_in(tmp_path, target, field, value, meant):
    error = load_with(tmp_path, lambda s: s[target][0].update({field: value}))
    assert f".{field}: a plausible" in str(error) and f"did you mean {meant}?" in str(error)


@pytest.mark.parametrize("target, field", [("stacks", "height"), ("stacks", "exit_velocity"),
                                           ("stacks", "exit_temperature"), ("risk_sources", "pressure"),
                                           ("risk_sources", "inventory"), ("risk_sources", "diameter")])
@pytest.mark.parametrize("absurd", [1e300, 1e-300, -1.0])
def test_absurd_magnitudes_are_refused(tmp_path, target, field, absurd):
    error = load_with(tmp_path, lambda s: s[target][0].update({field: absurd}))
    assert f".{field}: a plausible" in str(error) and f"got {absurd:g}" in str(error)


def test_lonlat_buildings_read_as_park_coordinates_are_refused(tmp_path):
    """``buildings_crs: park`` on a lon/lat file put every building near the CRS origin, off the DEM: they were
    silently dropped from every model."""
    error = load_with(tmp_path, lambda s: s.update(buildings_crs="park"))
    assert "all 1 footprints lie off the DEM" in str(error)
    assert "look like longitude/latitude: set buildings_crs: EPSG:4326" in str(error)


def test_json_schema_states_unit_and_plausible_range():
    temperature = park_json_schema()["$defs"]["RiskSource"]["properties"]["temperature"]
    assert temperature["x-unit"] == "K" and temperature["x-plausible"] == [60.0, 1000.0]
    assert "25 degC" in temperature["description"]


# --- what a hostile park.yaml or weather path can read (issue 13 H) --------------------------------------------------

def test_a_dem_outside_the_bundle_is_refused_unless_allowed(tmp_path, monkeypatch):
    import shutil

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    park_yaml = write_bundle(tmp_path / "bundle")
    shutil.move(tmp_path / "bundle" / "dem.tif", outside / "dem.tif")
    error = load_with(tmp_path / "bundle", lambda s: s.update(dem=str(outside / "dem.tif")))
    assert "dem must be a file inside the park bundle's folder" in str(error)
    assert "PARKTWIN_ALLOW_OUTSIDE_BUNDLE=1" in str(error)
    error = load_with(tmp_path / "bundle", lambda s: s.update(dem="../elsewhere/dem.tif"))
    assert "inside the park bundle's folder" in str(error)
    monkeypatch.setenv("PARKTWIN_ALLOW_OUTSIDE_BUNDLE", "1")
    (tmp_path / "bundle" / "park.yaml").write_text(
        park_yaml.read_text(encoding="utf-8").replace("dem: dem.tif", "dem: ../elsewhere/dem.tif"), encoding="utf-8")
    assert load_park(tmp_path / "bundle" / "park.yaml").terrain is not None


@pytest.mark.parametrize("reader", ["station", "cma", "ibtracs", "aermet"])
def test_a_file_that_is_not_weather_is_not_quoted_in_the_error(tmp_path, reader):
    """``weather.path: /etc/passwd`` answered with the file's first line."""
    from meteo.aermet import read_aermet
    from meteo.io import read_station_csv
    from meteo.typhoon_tracks import read_cma_best_track, read_ibtracs_csv

    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:SECRET-TOKEN:/root:/bin/bash\n", encoding="utf-8")
    read = {"station": read_station_csv, "cma": read_cma_best_track, "ibtracs": read_ibtracs_csv,
            "aermet": lambda p: read_aermet(p, None, utc_offset_hours=8)}[reader]
    with pytest.raises(InputError) as caught:
        read(secret)
    assert "SECRET-TOKEN" not in str(caught.value) and "root:x" not in str(caught.value)
    assert "not shown" in str(caught.value) and caught.value.exit_code == 65


def test_stack_release_reaches_the_stack_set(tmp_path):
    from scenarios.common.models import park_stacks

    spec = small_spec()
    spec["stacks"][1]["release"] = "horizontal"
    park = load_park(write_bundle(tmp_path, spec))
    assert park.stack_release_codes().tolist() == [0, 2]  # S01 vertical (the default), S02 horizontal
    assert park_stacks(park).release.tolist() == [0, 2]


def test_unknown_stack_release_names_the_allowed_ones(tmp_path):
    error = load_with(tmp_path, lambda s: s["stacks"][1].update(release="bent"))
    message = str(error)
    assert "stacks[1]" in message and "release" in message and "'bent'" in message
    for word in ("vertical", "capped", "horizontal"):
        assert word in message


# --- volume sources ---------------------------------------------------------------------------------------------------

VOLUME = {"id": "V01", "name": "罐区无组织", "enterprise": "E", "x": X0 + 500.0, "y": Y0 + 100.0,
          "release_height": "2 m", "initial_sigma_y": 23.26, "initial_sigma_z": "186 cm",
          "emissions": {"benzene": 0.4, "sulfur_dioxide": 0.1},
          "schedule": {"hour_of_day": [0.0] * 8 + [1.0] * 10 + [0.0] * 6}}


def test_volume_sources_follow_the_stacks_in_every_source_array(tmp_path):
    spec = small_spec()
    spec["volume_sources"] = [VOLUME]
    park = load_park(write_bundle(tmp_path, spec))
    assert [s.id for s in park.emission_sources()] == ["S01", "S02", "V01"]
    assert [s.id for s in park.emission_sources(include_fugitive=False)] == ["S01", "S02"]
    arrays = park.stack_arrays(include_fugitive=True)
    np.testing.assert_allclose(arrays["height"], [60.0, 25.0, 2.0])
    np.testing.assert_allclose(arrays["initial_sigma_y"], [0.0, 0.0, 23.26])
    np.testing.assert_allclose(arrays["initial_sigma_z"], [0.0, 0.0, 1.86])  # '186 cm'
    assert np.isnan(arrays["inner_diameter"][2]) and np.isfinite(arrays["inner_diameter"][:2]).all()
    np.testing.assert_allclose(arrays["base_elevation"][2], 2 + 5 + 2)  # from the DEM plane
    assert set(park.stack_arrays()) == {"x", "y", "base_elevation", "height", "inner_diameter", "exit_velocity",
                                        "exit_temperature"}  # the stacks alone, as before
    assert park.stack_release_codes(include_fugitive=True).tolist() == [0, 0, 3]
    assert "benzene" in park.pollutants(include_fugitive=True) and "benzene" not in park.pollutants()
    np.testing.assert_allclose(park.emission_rates("sulfur_dioxide", include_fugitive=True), [2.5, 0.0, 0.1])
    with pytest.raises(InputError, match="emitted by a stack .*got 'benzene'"):
        park.emission_rates("benzene")
    times = np.array(["2025-01-01T00", "2025-01-01T04"], dtype="datetime64[ns]")  # 08:00 and 12:00 at UTC+8
    np.testing.assert_allclose(park.schedule_factors(times, include_fugitive=True)[:, 2], [1.0, 1.0])
    from scenarios.common.models import park_stacks

    stacks = park_stacks(park, include_fugitive=True)
    assert stacks.ids == ("S01", "S02", "V01") and stacks.has_volumes and not park_stacks(park).has_volumes


@pytest.mark.parametrize("field, value, message", [
    ("initial_sigma_y", "3 km", "initial_sigma_y"), ("initial_sigma_z", 0.0, "initial_sigma_z"),
    ("release_height", 450.0, "release_height"), ("emissions", {"sulphur": 1.0}, "sulphur")])
def test_bad_volume_sources_are_named(tmp_path, field, value, message):
    error = load_with(tmp_path, lambda s: s.update(volume_sources=[{**VOLUME, field: value}]))
    assert "volume_sources" in str(error) and message in str(error), str(error)


AREA = {"id": "A01", "name": "调节池", "enterprise": "E", "release_height": 0.0,
        "polygon": [[X0 + 600.0, Y0 + 100.0], [X0 + 680.0, Y0 + 120.0], [X0 + 650.0, Y0 + 200.0],
                    [X0 + 600.0, Y0 + 100.0]], "emissions": {"sulfur_dioxide": 0.2}}
RECTANGLE = {"id": "A02", "name": "罐区", "enterprise": "E", "release_height": "4 m", "initial_sigma_z": 1.9,
             "rectangle": {"x": X0 + 700.0, "y": Y0 + 300.0, "x_length": 100.0, "y_length": 60.0, "angle": 90.0},
             "emissions": {"vocs": 0.5}}


def test_area_sources_follow_the_volume_sources_with_their_outlines(tmp_path):
    spec = small_spec()
    spec["volume_sources"] = [VOLUME]
    spec["area_sources"] = [AREA, RECTANGLE]
    park = load_park(write_bundle(tmp_path, spec))
    assert [s.id for s in park.emission_sources()] == ["S01", "S02", "V01", "A01", "A02"]
    assert park.stack_release_codes(include_fugitive=True).tolist() == [0, 0, 3, 4, 4]
    arrays = park.stack_arrays(include_fugitive=True)
    vertices = arrays["area_vertices"]
    assert vertices.shape == (5, 4, 2) and np.isnan(vertices[:3]).all()
    np.testing.assert_allclose(vertices[3, :3], np.array(AREA["polygon"][:3]))  # the closing vertex dropped
    assert np.isnan(vertices[3, 3]).all()
    # AERMOD's AREA at 90°: y_length runs east from the corner, x_length south
    corner = np.array([X0 + 700.0, Y0 + 300.0])
    np.testing.assert_allclose(vertices[4], corner + [[0, 0], [60, 0], [60, -100], [0, -100]], atol=1e-9)
    np.testing.assert_allclose([arrays["x"][4], arrays["y"][4]], corner + [30.0, -50.0])  # the centroid
    np.testing.assert_allclose(arrays["height"][3:], [0.0, 4.0])
    np.testing.assert_allclose(arrays["initial_sigma_z"][3:], [0.0, 1.9])
    np.testing.assert_allclose(arrays["initial_sigma_y"][3:], [0.0, 0.0])
    np.testing.assert_allclose(park.emission_rates("vocs", include_fugitive=True), [0.0, 0.3, 0.0, 0.0, 0.5])
    from scenarios.common.models import park_stacks

    stacks = park_stacks(park, include_fugitive=True)
    assert stacks.ids[3:] == ("A01", "A02") and stacks.area_vertices.shape == (5, 4, 2)


def test_circular_and_line_area_sources_are_aermods_polygons(tmp_path):
    """AREACIRC: the regular polygon with the circle's area, first vertex due north, clockwise (AERMOD GENCIR);
    LINE: the rectangle of the width centred on the segment (AERMOD LPARM) — checked against the vertices AERMOD
    v21112 agrees on a deck of them (tests/data/aermod/area-shapes)."""
    spec = small_spec()
    circle = {**{k: v for k, v in AREA.items() if k != "polygon"}, "id": "C01",
              "circle": {"x": X0 + 500.0, "y": Y0 + 500.0, "radius": "15 m", "vertices": 8}}
    line = {**{k: v for k, v in AREA.items() if k != "polygon"}, "id": "L01",
            "line": {"start": [X0 + 100.0, Y0 + 100.0], "end": [X0 + 400.0, Y0 + 500.0], "width": 10.0}}
    spec["area_sources"] = [circle, line]
    park = load_park(write_bundle(tmp_path, spec))
    ring, road = (np.array(s.vertices()) for s in park.area_sources)
    assert [s.shape for s in park.area_sources] == ["circle", "line"]
    assert ring.shape == (8, 2) and road.shape == (4, 2)
    from shapely.geometry import Polygon

    assert Polygon(ring).area == pytest.approx(np.pi * 15.0 ** 2, rel=1e-12)
    radii = np.hypot(ring[:, 0] - X0 - 500.0, ring[:, 1] - Y0 - 500.0)
    np.testing.assert_allclose(radii, radii[0])
    np.testing.assert_allclose(ring[0] - [X0 + 500.0, Y0 + 500.0], [0.0, radii[0]], atol=1e-9)  # due north
    assert ring[1, 0] > ring[0, 0] and ring[1, 1] < ring[0, 1]  # then clockwise (east of north)
    assert Polygon(road).area == pytest.approx(500.0 * 10.0) and Polygon(road).exterior.is_ccw is False
    np.testing.assert_allclose(road.mean(axis=0), [X0 + 250.0, Y0 + 300.0])
    # the first vertex 5 m to the left of the start, looking along the line (bearing atan2(3, 4))
    np.testing.assert_allclose(road[0], [X0 + 100.0 - 5.0 * 0.8, Y0 + 100.0 + 5.0 * 0.6], atol=1e-9)


@pytest.mark.parametrize("change, message", [
    ({"polygon": [[X0 + 600.0, Y0 + 100.0], [X0 + 680.0, Y0 + 120.0]]}, "polygon"),
    ({"rectangle": RECTANGLE["rectangle"]}, "exactly one of polygon"),
    ({"polygon": None, "circle": {"x": X0, "y": Y0, "radius": 0.3}}, "radius"),
    ({"polygon": None, "circle": {"x": X0, "y": Y0, "radius": 10.0, "vertices": 2}}, "vertices"),
    ({"polygon": None, "line": {"start": [X0, Y0], "end": [X0 + 0.5, Y0], "width": 5.0}}, "at least 1 m apart"),
    ({"polygon": None, "line": {"start": [X0, Y0], "end": [X0 + 50.0, Y0], "width": "50 cm"}}, "width"),
    ({"circle": {"x": X0, "y": Y0, "radius": 10.0}}, "polygon and circle"),
    ({"release_height": -1.0}, "release_height"),
    ({"initial_sigma_z": "2 km"}, "initial_sigma_z")])
def test_bad_area_sources_are_named(tmp_path, change, message):
    error = load_with(tmp_path, lambda s: s.update(area_sources=[{**AREA, **change}]))
    assert "area_sources" in str(error) and message in str(error), str(error)
