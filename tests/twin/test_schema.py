"""Tests of twin.schema: names, units, CF attributes and the datasets built from arrays."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import compliance_checker
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.integrate import quad

from twin import schema
from twin.errors import InputError

SULFUR_DIOXIDE = schema.Substance(
    "sulfur_dioxide", "sulfur dioxide", "7446-09-5", "mass_concentration_of_sulfur_dioxide_in_air"
)
CHLORINE = schema.Substance("chlorine", "chlorine", "7782-50-5", None)  # CF table v93 has no name for Cl2

# A small grid in EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E), about 121.06E 32.43N.
X = 600000.0 + 100.0 * np.arange(6)
Y = 3590000.0 + 100.0 * np.arange(5)
Z = np.array([1.5])
TIME = np.datetime64("2025-07-01T01:00") + np.arange(3) * np.timedelta64(1, "h")
TIME_BOUNDS = np.stack([TIME - np.timedelta64(1, "h"), TIME], axis=1)  # hour-ending 1-h means


def make_fields(n_time: int = 3, seed: int = 0) -> np.ndarray:
    """Hourly field (realization, time, z, y, x). [kg m-3]"""
    return np.random.default_rng(seed).random((1, n_time, 1, Y.size, X.size)) * 1e-7


def make_grid(substances=(SULFUR_DIOXIDE, CHLORINE), n_time: int = 3, **overrides):
    field = make_fields(n_time)
    time = np.datetime64("2025-07-01T01:00") + np.arange(n_time) * np.timedelta64(1, "h")
    kwargs = dict(
        x=X,
        y=Y,
        z=Z,
        time=time,
        crs_epsg=4549,
        lon=None,
        lat=None,
        fields={s.key: field * (i + 1) for i, s in enumerate(substances)},
        statistics={
            s.key: {"max_1h": field.max(axis=1), "max_24h": field.mean(axis=1), "period_mean": field.mean(axis=1)}
            for s in substances
        },
        substances=substances,
        time_bounds=np.stack([time - np.timedelta64(1, "h"), time], axis=1),
        attrs={"institution": "ParkTwin test suite"},
    )
    kwargs.update(overrides)
    return schema.grid_dataset(**kwargs)


def make_receptors(substances=(SULFUR_DIOXIDE, CHLORINE), **overrides):
    rng = np.random.default_rng(1)
    kwargs = dict(
        station_id=["R01", "R02", "R03"],
        station_name=["化工园区第一小学", "东港村", "长江取水口水源保护区"],
        kind=["school", "residential", "water_source_protection_zone"],
        population=[800, 2400, 0],
        x=[600120.0, 600310.0, 600480.0],
        y=[3590050.0, 3590260.0, 3590390.0],
        height=1.5,
        time=TIME,
        crs_epsg=4549,
        fields={s.key: rng.random((3, TIME.size)) * 1e-7 for s in substances},
        statistics={s.key: {"max_1h": rng.random(3) * 1e-7, "max_24h": rng.random(3) * 1e-7} for s in substances},
        substances=substances,
        time_bounds=TIME_BOUNDS,
        attrs={},
    )
    kwargs.update(overrides)
    return schema.receptor_dataset(**kwargs)


def cf_standard_names() -> set[str]:
    table = Path(compliance_checker.__file__).parent / "data" / "cf-standard-name-table.xml"
    return {entry.get("id") for entry in ET.parse(table).getroot().iter("entry")}


# ---------------------------------------------------------------------------------------------- names and attrs


def test_standard_names_used_are_those_of_the_cf_table():
    names = cf_standard_names()
    assert SULFUR_DIOXIDE.cf_standard_name in names
    # Chlorine (Cl2) has no CF name: neither spelling exists in table v93, so none may be written.
    assert "mass_concentration_of_chlorine_in_air" not in names
    assert "mass_concentration_of_molecular_chlorine_in_air" not in names
    assert {"realization", "height", "projection_x_coordinate", "projection_y_coordinate", "time"} <= names


def test_attrs_with_a_cf_standard_name():
    attrs = schema.concentration_attrs(SULFUR_DIOXIDE)
    assert attrs["standard_name"] == "mass_concentration_of_sulfur_dioxide_in_air"
    assert attrs["units"] == "ug m-3"
    assert attrs["coverage_content_type"] == "modelResult"
    assert attrs["grid_mapping"] == "crs"
    assert "cell_methods" not in attrs


def test_attrs_without_a_cf_standard_name_name_the_substance_precisely():
    attrs = schema.concentration_attrs(CHLORINE, "max_1h", units="mg m-3")
    assert "standard_name" not in attrs
    assert attrs["long_name"] == "maximum over the period of the hourly mass concentration of chlorine (CAS 7782-50-5) in air"
    assert attrs["cas_number"] == "7782-50-5"
    assert attrs["substance"] == "chlorine"
    assert attrs["units"] == "mg m-3"


@pytest.mark.parametrize(
    ("statistic", "cell_methods"),
    [
        ("max_1h", "period: maximum"),
        ("period_mean", "period: mean"),
        # CF §7.4 form for a maximum of daily values (CF-1.11 Example 7.14 uses "sum within days ... maximum over days").
        ("max_24h", "period_days: mean within days period_days: maximum over days"),
    ],
)
def test_cell_methods(statistic, cell_methods):
    assert schema.concentration_attrs(SULFUR_DIOXIDE, statistic)["cell_methods"] == cell_methods
    assert schema.variable_name("sulfur_dioxide", statistic) == f"sulfur_dioxide_{statistic}"


def test_unknown_statistic_and_unit_are_rejected_with_the_valid_choices():
    with pytest.raises(InputError, match=r"statistic must be one of \['max_1h', 'max_24h', 'period_mean', 'max_8h', 'annual_mean', 'p98_24h', 'p95_24h'\], got 'max_2h'"):
        schema.concentration_attrs(SULFUR_DIOXIDE, "max_2h")
    with pytest.raises(InputError, match="units must be one of"):
        schema.concentration_attrs(SULFUR_DIOXIDE, units="ppm")


def test_substance_fields_are_checked():
    with pytest.raises(InputError, match="key must be lowercase"):
        schema.Substance("Chlorine", "chlorine")
    with pytest.raises(InputError, match="cf_standard_name must be None or 'mass_concentration_of_<X>_in_air'"):
        schema.Substance("ammonia", "ammonia", "7664-41-7", "mole_fraction_of_ammonia_in_air")


# ---------------------------------------------------------------------------------------------- grid dataset


def test_grid_dataset_layout():
    ds = make_grid()
    assert ds["sulfur_dioxide"].dims == ("realization", "time", "z", "y", "x")
    assert ds["chlorine_max_24h"].dims == ("realization", "z", "y", "x")
    assert ds["lat"].dims == ("y", "x") and ds["lon"].dims == ("y", "x")
    assert ds["x"].attrs["standard_name"] == "projection_x_coordinate" and ds["x"].dtype == np.float64
    assert ds["z"].attrs["positive"] == "up" and ds["z"].attrs["standard_name"] == "height"
    assert ds["realization"].attrs["standard_name"] == "realization"
    assert ds["crs"].attrs["grid_mapping_name"] == "transverse_mercator"
    assert ds["crs"].attrs["longitude_of_central_meridian"] == 120.0  # EPSG:4549 is CM 120E
    assert ds["time"].attrs["bounds"] == "time_bnds"


def test_statistics_carry_the_period_they_cover():
    ds = make_grid()
    start, end = TIME_BOUNDS[0, 0], TIME_BOUNDS[-1, 1]
    np.testing.assert_array_equal(ds["period_bnds"].values, [start, end])
    np.testing.assert_array_equal(ds["period_days_climatology"].values, [start, end])
    assert ds["period"].attrs["bounds"] == "period_bnds"
    assert ds["period_days"].attrs["climatology"] == "period_days_climatology"
    assert "bounds" not in ds["period_days"].attrs  # CF §7.4: a climatological time has no bounds attribute
    assert start <= ds["period"].values <= end


def test_concentrations_are_converted_once_from_kg_to_ug():
    field = np.full((1, 3, 1, Y.size, X.size), 2.5e-7)  # kg m-3
    stats = {"max_1h": field.max(axis=1)}
    ds = make_grid(fields={"sulfur_dioxide": field}, statistics={"sulfur_dioxide": stats}, substances=[SULFUR_DIOXIDE])
    # 1 kg = 1e9 µg (SI prefixes), so 2.5e-7 kg m-3 = 250 µg m-3.
    np.testing.assert_allclose(ds["sulfur_dioxide"].values, 250.0, rtol=1e-7)
    np.testing.assert_allclose(ds["sulfur_dioxide_max_1h"].values, 250.0, rtol=1e-7)
    ds_mg = make_grid(fields={"sulfur_dioxide": field}, statistics={}, substances=[SULFUR_DIOXIDE], units="mg m-3")
    np.testing.assert_allclose(ds_mg["sulfur_dioxide"].values, 0.25, rtol=1e-7)
    assert ds_mg["sulfur_dioxide"].attrs["units"] == "mg m-3"


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, (1, 2, 1, 5, 6), elements=st.floats(0.0, 1.0, allow_subnormal=False)))
def test_unit_conversion_matches_the_factor_for_any_field(field):
    ds = make_grid(fields={"chlorine": field}, statistics={}, substances=[CHLORINE], n_time=2, time_bounds=None)
    np.testing.assert_allclose(ds["chlorine"].values, field * 1e9, rtol=2e-7, atol=1e-30)
    assert ds["chlorine"].dtype == np.float32


def test_a_field_may_be_absent():
    ds = make_grid(fields={"sulfur_dioxide": None, "chlorine": make_fields()})
    assert "sulfur_dioxide" not in ds and "chlorine" in ds and "sulfur_dioxide_max_1h" in ds


def test_statistics_need_time_bounds():
    with pytest.raises(InputError, match=r"time_bounds must be a \(time, 2\) array when statistics are written"):
        make_grid(time_bounds=None)


def test_wrong_shapes_and_keys_are_rejected():
    with pytest.raises(InputError, match=r"shape of fields\['chlorine'\] must be \(1, 3, 1, 5, 6\) \(realization, time, z, y, x\), got \(1, 3, 1, 6, 5\)"):
        make_grid(fields={"chlorine": np.zeros((1, 3, 1, 6, 5))}, statistics={})
    with pytest.raises(InputError, match=r"substance key must be one of \['chlorine', 'sulfur_dioxide'\], got 'ammonia'"):
        make_grid(fields={"ammonia": make_fields()})
    with pytest.raises(InputError, match="statistic must be one of"):
        make_grid(statistics={"chlorine": {"max_2h": make_fields().max(axis=1)}})
    with pytest.raises(InputError, match="x must be strictly monotonic"):
        make_grid(x=X[[0, 2, 1, 3, 4, 5]])
    bad_bounds = TIME_BOUNDS.copy()
    bad_bounds[1] = bad_bounds[1, ::-1]
    with pytest.raises(InputError, match="time_bounds must be start < end"):
        make_grid(time_bounds=bad_bounds)


# ---------------------------------------------------------------------------------------------- coordinates


def meridian_arc(latitude_deg: float, a: float, inverse_flattening: float) -> float:
    """Meridian arc length from the equator: the integral of the meridional radius of curvature
    a (1 - e²) / (1 - e² sin²φ)^(3/2) over φ. [m]"""
    f = 1.0 / inverse_flattening
    e2 = f * (2.0 - f)
    value, _ = quad(lambda p: a * (1 - e2) / (1 - e2 * math.sin(p) ** 2) ** 1.5, 0.0, math.radians(latitude_deg))
    return value


def test_cgcs2000_gauss_kruger_on_the_central_meridian():
    # On the central meridian of a Gauss-Kruger zone with scale 1 and false northing 0 (EPSG:4549: CM 120E,
    # false easting 500000 m), the northing is the meridian arc length. CGCS2000 ellipsoid: a = 6378137 m,
    # 1/f = 298.257222101 (the values pyproj.CRS.from_epsg(4549).to_cf() reports).
    northing = meridian_arc(31.5, 6378137.0, 298.257222101)
    lon, lat = schema.geographic_coordinates(500000.0, northing, 4549)
    assert lon == pytest.approx(120.0, abs=1e-9)
    assert lat == pytest.approx(31.5, abs=1e-9)  # 1e-9 degree is 0.1 mm


def test_transverse_mercator_inverse_matches_the_epsg_guidance_note_example():
    # IOGP/EPSG Guidance Note 7-2, Transverse Mercator worked example (OSGB 1936 / British National Grid,
    # EPSG:27700): E = 577274.99 m, N = 69740.50 m is latitude 50°30'00"N, longitude 00°30'00"E.
    lon, lat = schema.geographic_coordinates(577274.99, 69740.50, 27700)
    assert lat == pytest.approx(50.5, abs=1e-7)  # the example gives E, N to 1 cm, about 1e-7 degree
    assert lon == pytest.approx(0.5, abs=1e-7)


def test_grid_lat_lon_are_the_projected_cells_seen_on_the_datum():
    ds = make_grid()
    lon, lat = schema.geographic_coordinates(X[2], Y[3], 4549)
    assert ds["lon"].values[3, 2] == pytest.approx(lon, abs=1e-12)
    assert ds["lat"].values[3, 2] == pytest.approx(lat, abs=1e-12)
    assert (np.diff(ds["lat"].values, axis=0) > 0).all()  # northing increases with y
    assert (np.diff(ds["lon"].values, axis=1) > 0).all()  # easting increases with x


def test_a_geographic_crs_is_rejected():
    with pytest.raises(InputError, match="crs_epsg must be an EPSG code of a projected CRS in metres, got 4490"):
        make_grid(crs_epsg=4490)


# ---------------------------------------------------------------------------------------------- receptors


def test_receptor_dataset_is_a_cf_time_series():
    ds = make_receptors()
    assert ds.attrs["featureType"] == "timeSeries"
    assert ds["station_id"].attrs["cf_role"] == "timeseries_id"
    assert ds["sulfur_dioxide"].dims == ("station", "time")
    assert ds["chlorine_max_24h"].dims == ("station",)
    assert ds["station_name"].values[0] == "化工园区第一小学"
    assert ds["population"].values.tolist() == [800, 2400, 0]
    lon, lat = schema.geographic_coordinates(600310.0, 3590260.0, 4549)
    assert ds["lon"].values[1] == pytest.approx(lon) and ds["lat"].values[1] == pytest.approx(lat)


def test_receptor_inputs_are_checked():
    with pytest.raises(InputError, match="station_id must be unique identifiers"):
        make_receptors(station_id=["R01", "R01", "R03"])
    with pytest.raises(InputError, match="population must be 3 integers >= 0"):
        make_receptors(population=[800, -1, 0])
    with pytest.raises(InputError, match=r"shape of fields\['chlorine'\] must be \(3, 3\) \(station, time\), got \(3, 2\)"):
        make_receptors(fields={"chlorine": np.zeros((3, 2))})
