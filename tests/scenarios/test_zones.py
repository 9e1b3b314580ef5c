"""Threat zones: polygons agree with the gridded field (and converge under refinement); GeoJSON is RFC 7946."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import shape

from scenarios.common.zones import ThreatZone, farthest_distance, threat_zone, zones_geojson
from twin.errors import InputError

EPSG = 4549  # CGCS2000 / 3-degree Gauss-Kruger CM 120E
X0, Y0 = 622000.0, 3587000.0


def gaussian(spacing: float, peak=100.0, width=300.0):
    axis = np.arange(-2000.0, 2000.0 + spacing / 2, spacing)
    x, y = X0 + axis, Y0 + axis
    gx, gy = np.meshgrid(x, y)
    return x, y, peak * np.exp(-0.5 * ((gx - X0) ** 2 + (gy - Y0) ** 2) / width**2)


def test_zone_of_a_gaussian_blob_is_its_analytic_disk_and_converges_under_refinement():
    # {A exp(-r²/2s²) >= c} is the disk r <= s·sqrt(2 ln(A/c)): area π R², farthest distance R (analytic).
    level = 10.0
    radius = 300.0 * math.sqrt(2.0 * math.log(100.0 / level))
    errors, reach = [], []
    for spacing in (100.0, 50.0, 25.0, 12.5):
        zone = threat_zone(*gaussian(spacing), level)
        errors.append(abs(zone.area / (math.pi * radius**2) - 1.0))
        reach.append(abs(farthest_distance(zone, X0, Y0) / radius - 1.0))
    assert errors[-1] < 2e-3 and reach[-1] < 2e-3
    assert all(later < earlier for earlier, later in zip(errors, errors[1:]))  # converges as the grid refines
    assert reach[-1] < reach[0] / 4


def test_zone_agrees_with_the_grid_cells_above_the_level():
    # Counting cells above the level approximates the same area (to the cell boundary band).
    x, y, field = gaussian(20.0)
    zone = threat_zone(x, y, field, 5.0)
    cells = (field >= 5.0).sum() * 20.0 * 20.0
    assert zone.area == pytest.approx(cells, rel=0.02)


def test_holes_and_several_parts_are_kept():
    x, y, blob = gaussian(25.0)
    gx, gy = np.meshgrid(x, y)
    second = 100.0 * np.exp(-0.5 * ((gx - X0 - 1200) ** 2 + (gy - Y0) ** 2) / 150.0**2)
    ring = blob - 100.0 * np.exp(-0.5 * ((gx - X0) ** 2 + (gy - Y0) ** 2) / 120.0**2) + second
    zone = threat_zone(x, y, ring, 10.0)
    assert zone.geom_type == "MultiPolygon" and len(zone.geoms) == 2
    assert sum(len(part.interiors) for part in zone.geoms) == 1  # the dip in the middle of the first blob


def test_nothing_reached_gives_an_empty_zone_and_bad_input_names_the_field():
    x, y, field = gaussian(100.0)
    assert threat_zone(x, y, field, 1000.0).is_empty
    assert farthest_distance(threat_zone(x, y, field, 1000.0), X0, Y0) == 0.0
    with pytest.raises(InputError, match="level must be > 0"):
        threat_zone(x, y, field, 0.0)
    with pytest.raises(InputError, match="field"):
        threat_zone(x, y, field[:-1], 1.0)


def test_geojson_is_rfc7946():
    x, y, blob = gaussian(25.0)
    gx, gy = np.meshgrid(x, y)
    field = blob - 100.0 * np.exp(-0.5 * ((gx - X0) ** 2 + (gy - Y0) ** 2) / 120.0**2)  # an annulus: a hole
    polygon = threat_zone(x, y, field, 10.0)
    transformer = pyproj.Transformer.from_crs(EPSG, 4326, always_xy=True)
    zones = [ThreatZone("endpoint-2", 10.0, "mg/m3", polygon, polygon.area, farthest_distance(polygon, X0, Y0))]
    collection = zones_geojson(zones, transformer.transform)
    assert collection["type"] == "FeatureCollection" and "crs" not in collection  # RFC 7946 §4: WGS84 only
    geometry = collection["features"][0]["geometry"]
    rings = [geometry["coordinates"][0], *geometry["coordinates"][1:]]
    assert len(rings) == 2
    for k, ring in enumerate(rings):
        ring = np.asarray(ring)
        assert np.all(np.abs(ring[:, 0] - 121.29) < 0.1) and np.all(np.abs(ring[:, 1] - 32.4) < 0.1)  # lon, lat
        assert np.array_equal(ring[0], ring[-1])  # closed (§3.1.6)
        ccw = shapely.LinearRing(ring).is_ccw
        assert ccw if k == 0 else not ccw  # right-hand rule: exterior counter-clockwise, holes clockwise
    assert shape(geometry).is_valid
