"""Quantities with units at the input boundary (twin.units) and the plausible ranges that catch a unit slip
(issue 13, item 6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from twin.units import Plausible, UnitError, parse_quantity, to_si


@pytest.mark.parametrize("text, unit, expected", [
    ("25 degC", "K", 298.15), ("50 °C", "K", 323.15), ("1.0 MPa", "Pa", 1.0e6), ("7.8 bar", "Pa", 7.8e5),
    ("36 km/h", "m s-1", 10.0), ("800 mm", "m", 0.8), ("50 t", "kg", 5.0e4), ("45 kg/h", "g s-1", 12.5),
    ("298.15", "K", 298.15), ("-3.5e2 Pa", "Pa", -350.0), (12, "m", 12.0), (2.5, "m", 2.5),
])
def test_a_value_with_its_unit_is_converted_to_the_field_s_si_unit(text, unit, expected):
    assert parse_quantity(text, unit) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text, unit, match", [
    ("25 kg", "K", "not a unit of K"), ("25 furlongs-ish", "m", "unknown unit"), ("warm", "K", "a number in K"),
    (True, "K", "a number in K"), ([25], "K", "a number in K"),
])
def test_a_value_whose_unit_is_wrong_or_unknown_is_refused(text, unit, match):
    with pytest.raises(ValueError, match=match):
        parse_quantity(text, unit)


@settings(max_examples=100, deadline=None)
@given(celsius=st.floats(-200.0, 700.0, allow_nan=False))
def test_celsius_is_kelvin_minus_273_15(celsius):
    assert parse_quantity(f"{celsius!r} degC", "K") == pytest.approx(celsius + 273.15, abs=1e-9)


@pytest.mark.parametrize("units, values, si, expected", [
    ("m s-1", [3.0], "m s-1", [3.0]), ("km h-1", [36.0], "m s-1", [10.0]), ("knots", [10.0], "m s-1", [5.144444]),
    ("%", [50.0, 100.0], "1", [0.5, 1.0]), ("(0 - 1)", [0.3], "1", [0.3]), ("1", [0.3], "1", [0.3]),
    ("K", [290.0], "K", [290.0]), ("degC", [20.0], "K", [293.15]), ("km", [1.2], "m", [1200.0]),
    ("kg m-2 s-1", [1.0], "kg m-2 s-1", [1.0]),
])
def test_netcdf_units_attributes_in_udunits_spelling(units, values, si, expected):
    np.testing.assert_allclose(to_si(np.array(values), units, si), expected, rtol=1e-6)


@pytest.mark.parametrize("units", [None, "m", "furlongs"])
def test_a_netcdf_wind_without_a_speed_unit_is_refused(units):
    with pytest.raises(UnitError):
        to_si(np.array([1.0]), units, "m s-1")


def test_a_number_outside_the_plausible_range_names_the_unit_it_was_probably_meant_in():
    temperature = Plausible("K", 60.0, 1000.0, "storage temperature", ("degC",))
    with pytest.raises(ValueError, match=r"got 25 K — did you mean '25 degC'\?"):
        temperature.check(25.0)
    pressure = Plausible("Pa", 1e4, 1e8, "storage pressure", ("MPa", "bar"))
    with pytest.raises(ValueError, match=r"did you mean '1 MPa' or '1 bar'\?"):
        pressure.check(1.0)
    with pytest.raises(ValueError, match="did you mean") as info:
        pressure.check(50.0)  # 50 bar is plausible, 50 MPa too
    assert "'50 MPa'" in str(info.value) and "'50 bar'" in str(info.value)
    for absurd in (1e300, math.inf, math.nan, -1.0):
        with pytest.raises(ValueError, match="plausible storage pressure") as info:
            pressure.check(absurd)
        assert "did you mean" not in str(info.value)
    assert pressure.check(7.8e5) == 7.8e5


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True))
def test_check_passes_exactly_the_values_in_the_range(value):
    rng = Plausible("m", 0.0, 500.0, "stack height", low_open=True)
    inside = math.isfinite(value) and 0.0 < value <= 500.0
    if inside:
        assert rng.check(value) == value
    else:
        with pytest.raises(ValueError):
            rng.check(value)
