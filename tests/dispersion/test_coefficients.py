"""Dispersion coefficients against published numbers, and the kernel tables against the model functions.

Sources of the reference numbers (cited next to each):
[ISC3]  EPA-454/B-95-003b (ISC3 User's Guide Vol. II), Tables 1-1 and 1-2.
[FAP]   Boubel, Fox, Turner & Stern (1994), Fundamentals of Air Pollution, 3rd ed.: Table 19-5 (P–G σ_z with the
        value at the end of each distance range), Tables 19-6/19-7 (Briggs urban/rural), and the worked example
        of §19.III.D (class B, x = 0.26/0.28/0.30 km).
[HAND]  the published closed-form formula evaluated by hand (a literal number, not a call into the module):
        catches transcription errors in a coefficient or in the form (e.g. a·x^(1+1e-4) written for
        a·x·(1+1e-4 x)^-½, which is +5 % at 1 km and +41 % at 10 km, notes §4.2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.coefficients import (
    GB13201_SIGMA,
    ISC3_PG_SIGMA_Y,
    SIGMA_MODELS,
    gb3840_sampling_time_factor,
    power_law_segments,
    sigma,
    sigma_briggs_rural,
    sigma_briggs_urban,
    sigma_gb13201,
    sigma_pasquill_gifford_isc3,
    sigma_y_linear_bound,
)
from twin.errors import InputError

A, B, C, D, E, F = range(6)
MODELS = tuple(SIGMA_MODELS)

# Largest relative drop of a piecewise-tabulated σ across a range boundary: the published coefficients are rounded,
# so the two sides of a boundary differ by up to ~1.1e-4 (ISC3 σ_z class A at 0.25 km: 37.677 → 37.673 m).
BOUNDARY_TOLERANCE = 2e-4


def evaluate_segments(segments: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Plain reading of the power_law_segments contract: first row with x ≤ x_upper, min(cap, a x^α (1+bx)^β)."""
    out = np.empty_like(x)
    for j, xj in enumerate(x):
        for x_upper, a, alpha, b, beta, cap in segments:
            if xj <= x_upper:
                out[j] = min(cap, a * xj**alpha * (1.0 + b * xj) ** beta)
                break
    return out


# ----------------------------------------------------------------------------------------- reference values


def test_brief_reference_values_class_d_at_1_km():
    # Values given in the issue, to the rounding shown; they equal [ISC3]/[FAP]/[HAND] evaluations.
    sy, sz = sigma_pasquill_gifford_isc3(1000.0, D)
    assert round(float(sy), 1) == 68.1  # [ISC3] Table 1-1, 465.11628·tan(0.017453293·8.333)
    assert round(float(sz), 1) == 32.1  # [FAP] Table 19-5: σ_z = 32.1 m at the end of the 0.3–1 km range
    sy, sz = sigma_briggs_rural(1000.0, D)
    assert round(float(sy), 1) == 76.3  # [HAND] 80/√1.1
    assert round(float(sz), 1) == 37.9  # [HAND] 60/√2.5
    sy, sz = sigma_briggs_urban(1000.0, D)
    assert round(float(sy), 1) == 135.2  # [HAND] 160/√1.4
    assert round(float(sz), 1) == 122.8  # [HAND] 140/√1.3


def test_isc3_worked_example_class_b():
    # [FAP] §19.III.D worked example, class B: x [km] → σ_z, σ_y [m] (table printed to 0.1 m).
    for x_km, sz_ref, sy_ref in ((0.26, 26.2, 45.9), (0.28, 28.2, 49.0), (0.30, 30.1, 52.2)):
        sy, sz = sigma_pasquill_gifford_isc3(x_km * 1000.0, B)
        assert float(sz) == pytest.approx(sz_ref, abs=0.05)
        assert float(sy) == pytest.approx(sy_ref, abs=0.05)


# [FAP] Table 19-5, σ_z [m] printed at the far end of each range (computed with that range's a, b).
FAP_TABLE_19_5 = [
    (A, 0.10, 14.0), (A, 0.15, 21.4), (A, 0.20, 29.3), (A, 0.25, 37.7), (A, 0.30, 47.4), (A, 0.40, 71.2),
    (A, 0.50, 104.7), (B, 0.20, 20.2), (B, 0.40, 40.0), (D, 0.30, 12.1), (D, 1.0, 32.1), (D, 3.0, 65.1),
    (D, 10.0, 134.9), (D, 30.0, 251.2), (E, 20.0, 109.3), (E, 40.0, 141.9),
]


@pytest.mark.parametrize(("cls", "x_km", "sigma_z_ref"), FAP_TABLE_19_5)
def test_isc3_sigma_z_matches_published_range_ends(cls, x_km, sigma_z_ref):
    # Printed to 0.1 m; at A, 0.1 km both neighbouring ranges give 13.95 m, which the book prints as 14.0.
    _, sz = sigma_pasquill_gifford_isc3(x_km * 1000.0, cls)
    assert float(sz) == pytest.approx(sigma_z_ref, abs=0.06)


def test_isc3_sigma_z_cap():
    # [ISC3] Table 1-2 / [FAP] Table 19-5: σ_z = 5000 m for A beyond 3.11 km and B beyond ~35 km.
    assert float(sigma_pasquill_gifford_isc3(5000.0, A)[1]) == 5000.0
    assert float(sigma_pasquill_gifford_isc3(40000.0, B)[1]) == 5000.0
    assert float(sigma_pasquill_gifford_isc3(3000.0, A)[1]) < 5000.0


# σ at 1 km and 10 km for every class (notes §4.2 lesson), [HAND] evaluations of the published formulas.
ISC3_1_10_KM = {  # class: ((σy, σz) at 1 km, (σy, σz) at 10 km)
    A: ((208.7, 453.9), (1541.3, 5000.0)), B: ((154.1, 109.3), (1174.0, 1366.8)),
    C: ((103.1, 61.1), (820.1, 502.3)), D: ((68.1, 32.1), (543.6, 134.9)),
    E: ((50.9, 21.6), (406.9, 79.1)), F: ((33.9, 14.0), (270.9, 46.4)),
}
BRIGGS_RURAL_1_10_KM = {
    A: ((209.8, 200.0), (1555.6, 2000.0)), B: ((152.6, 120.0), (1131.4, 1200.0)),
    C: ((104.9, 73.0), (777.8, 461.9)), D: ((76.3, 37.9), (565.7, 150.0)),
    E: ((57.2, 23.1), (424.3, 75.0)), F: ((38.1, 12.3), (282.8, 40.0)),
}
BRIGGS_URBAN_1_10_KM = {
    A: ((270.4, 339.4), (1431.1, 7959.9)), B: ((270.4, 339.4), (1431.1, 7959.9)),
    C: ((185.9, 200.0), (983.9, 2000.0)), D: ((135.2, 122.8), (715.5, 700.0)),
    E: ((93.0, 50.6), (491.9, 200.0)), F: ((93.0, 50.6), (491.9, 200.0)),
}


@pytest.mark.parametrize(("function", "table"), [
    (sigma_pasquill_gifford_isc3, ISC3_1_10_KM),
    (sigma_briggs_rural, BRIGGS_RURAL_1_10_KM),
    (sigma_briggs_urban, BRIGGS_URBAN_1_10_KM),
])
def test_sigma_at_1_and_10_km_every_class(function, table):
    for cls, expected in table.items():
        for x, (sy_ref, sz_ref) in zip((1000.0, 10000.0), expected):
            sy, sz = function(x, cls)
            assert (round(float(sy), 1), round(float(sz), 1)) == (sy_ref, sz_ref), (cls, x)


def test_gb13201_fits_meet_at_their_range_boundaries():
    # The GB/T 13201-91 power laws were fitted through rounded P–G values, so both ranges meet at each boundary:
    # σ_y(1 km) = 215, 156, 105, 68, 50, 34 m; σ_z(1 km) = 31.5, 21.5, 14 m and σ_z(10 km) = 135, 79, 47 m (D, E, F).
    # A typo in any γ or α (e.g. 0.177157 for 0.177154, or 0.109356 for 1.09356, both seen in copies) breaks this.
    anchors = [
        ("y", A, 1000.0, 215.0), ("y", B, 1000.0, 156.0), ("y", C, 1000.0, 105.0), ("y", D, 1000.0, 68.0),
        ("y", E, 1000.0, 50.0), ("y", F, 1000.0, 34.0), ("z", A, 300.0, 48.0), ("z", A, 500.0, 104.0),
        ("z", B, 500.0, 51.0), ("z", D, 1000.0, 31.5), ("z", E, 1000.0, 21.5), ("z", F, 1000.0, 14.0),
        ("z", D, 10000.0, 135.0), ("z", E, 10000.0, 79.0), ("z", F, 10000.0, 47.0),
    ]
    for axis, cls, boundary, value in anchors:
        for x in (boundary, np.nextafter(boundary, np.inf)):  # the last point of one range, the first of the next
            sy, sz = sigma_gb13201(x, cls)
            assert float(sy if axis == "y" else sz) == pytest.approx(value, rel=5e-4), (axis, cls, x)


def test_gb13201_agrees_with_isc3_pg_curves_at_1_km():
    # Both parameterise the same Pasquill–Gifford σ_y curves: within 3.5 % at 1 km for every class.
    for cls in range(6):
        gb = float(sigma_gb13201(1000.0, cls)[0])
        isc3 = float(sigma_pasquill_gifford_isc3(1000.0, cls)[0])
        assert gb == pytest.approx(isc3, rel=0.035), cls


def test_gb3840_sampling_time_factor():
    # GB/T 3840-91: σ_y(τ) = σ_y(0.5 h)(τ/0.5)^q, q = 0.2 for 0.5 ≤ τ < 1 h, q = 0.3 for 1 ≤ τ < 100 h.
    assert gb3840_sampling_time_factor(0.5) == 1.0
    assert gb3840_sampling_time_factor(0.75) == pytest.approx(1.5**0.2)
    assert gb3840_sampling_time_factor(1.0) == pytest.approx(2.0**0.3)
    assert gb3840_sampling_time_factor(24.0) == pytest.approx(48.0**0.3)
    for bad in (0.25, 100.0, -1.0):
        with pytest.raises(InputError, match="averaging_time"):
            gb3840_sampling_time_factor(bad)
    sy_half, sz_half = sigma_gb13201(2000.0, D)
    sy_hour, sz_hour = sigma_gb13201(2000.0, D, averaging_time=1.0)
    assert float(sy_hour) == pytest.approx(float(sy_half) * 2.0**0.3)
    assert float(sz_hour) == float(sz_half)  # σ_z is not corrected


# ------------------------------------------------------------------------------------- API and input checks


def test_registry_and_errors_list_valid_keys():
    assert set(SIGMA_MODELS) == {"pasquill_gifford_isc3", "briggs_rural", "briggs_urban", "gb13201"}
    with pytest.raises(InputError, match="briggs_rural.*gb13201"):
        sigma("pasquill_gifford", 1000.0, D)
    for bad_class in (6, -1, 2.5, "D", True):
        with pytest.raises(InputError, match="0..5"):
            sigma("briggs_rural", 1000.0, bad_class)
    with pytest.raises(InputError, match="0..5"):
        power_law_segments("briggs_rural", 9, "y")
    with pytest.raises(InputError, match="'y' or 'z'"):
        power_law_segments("briggs_rural", D, "x")
    with pytest.raises(InputError, match="ISC3_PG_SIGMA_Y"):
        power_law_segments("pasquill_gifford_isc3", D, "y")
    for bad_x in (0.0, -5.0, np.nan, np.inf):
        with pytest.raises(InputError, match="x must be"):
            sigma("gb13201", [100.0, bad_x], D)


def test_isc3_sigma_y_table_is_exported_for_the_kernel():
    c, d = ISC3_PG_SIGMA_Y[D]
    assert (c, d) == (8.3330, 0.72382)  # [ISC3] Table 1-1


def test_array_classes_broadcast_with_distance():
    x = np.array([[500.0], [5000.0]])
    classes = np.array([A, D, F])
    for model in MODELS:
        sy, sz = sigma(model, x, classes)
        assert sy.shape == sz.shape == (2, 3)
        for i in range(2):
            for j, cls in enumerate(classes):
                one_y, one_z = sigma(model, float(x[i, 0]), int(cls))
                assert (sy[i, j], sz[i, j]) == (one_y, one_z)


def test_scalar_in_scalar_out():
    sy, sz = sigma("briggs_rural", 1000.0, D)
    assert np.ndim(sy) == 0 and np.ndim(sz) == 0


# ------------------------------------------------------------------------------------ kernel segment tables

SEGMENT_CASES = [(m, c, axis) for m in MODELS for c in range(6) for axis in ("y", "z")
                 if not (m == "pasquill_gifford_isc3" and axis == "y")]


@pytest.mark.parametrize(("model", "cls", "axis"), SEGMENT_CASES)
def test_segment_table_shape(model, cls, axis):
    seg = power_law_segments(model, cls, axis)
    assert seg.dtype == np.float64 and seg.flags.c_contiguous and seg.shape[1] == 6
    assert np.all(np.diff(seg[:, 0]) > 0) and seg[-1, 0] == np.inf
    assert np.all(seg[:, 5] > 0)
    expected_cap = 5000.0 if model == "pasquill_gifford_isc3" else np.inf
    assert np.all(seg[:, 5] == expected_cap)


@settings(max_examples=150, deadline=None)
@given(
    case=st.sampled_from(SEGMENT_CASES),
    averaging_time=st.sampled_from([0.5, 0.75, 1.0, 8.0, 24.0]),
    log_x=st.lists(st.floats(0.0, math.log10(50_000.0)), min_size=1, max_size=20),
)
def test_segments_reproduce_the_model_function(case, averaging_time, log_x):
    model, cls, axis = case
    x = 10.0 ** np.array(log_x)
    x = np.concatenate([x, [100.0, 300.0, 500.0, 1000.0, 3110.0, 10000.0, 30000.0]])  # range boundaries too
    seg = power_law_segments(model, cls, axis, averaging_time=averaging_time)
    expected = sigma(model, x, cls, averaging_time=averaging_time)[0 if axis == "y" else 1]
    np.testing.assert_allclose(evaluate_segments(seg, x), expected, rtol=1e-12, atol=0.0)


@pytest.mark.parametrize("model", MODELS)
def test_sigma_y_linear_bound_on_dense_grid(model):
    x = np.geomspace(1.0, 50_000.0, 20_001)
    for averaging_time in (0.5, 1.0, 24.0):
        for cls in range(6):
            k = sigma_y_linear_bound(model, cls, averaging_time=averaging_time)
            sy = sigma(model, x, cls, averaging_time=averaging_time)[0]
            assert np.all(sy <= k * x), (model, cls, averaging_time)
            # ...and tight: the bound is reached at 1 m or just past a range boundary (no loose constant).
            boundary = np.nextafter(1000.0, np.inf)
            ratio = max(float(np.max(sy / x)), float(sigma(model, boundary, cls, averaging_time=averaging_time)[0])
                        / boundary)
            assert ratio >= k / (1.0 + 1e-9), (model, cls, averaging_time)


# ------------------------------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    cls=st.integers(0, 5),
    log_x=st.floats(0.0, math.log10(50_000.0)),
    log_step=st.floats(1e-9, 2.0),
)
def test_sigma_positive_and_non_decreasing(model, cls, log_x, log_step):
    x1 = 10.0**log_x
    x2 = 10.0 ** (log_x + log_step)
    sy1, sz1 = sigma(model, x1, cls)
    sy2, sz2 = sigma(model, x2, cls)
    assert sy1 > 0 and sz1 > 0
    tolerance = 0.0 if model.startswith("briggs") else BOUNDARY_TOLERANCE
    assert sy2 >= sy1 * (1.0 - tolerance)
    assert sz2 >= sz1 * (1.0 - tolerance)


def test_boundary_drops_are_only_coefficient_rounding():
    """Where a tabulated σ steps down at a range boundary, the step is below BOUNDARY_TOLERANCE (and exists)."""
    worst = 0.0
    for model in ("pasquill_gifford_isc3", "gb13201"):
        for cls in range(6):
            for axis in ("y", "z"):
                if model == "pasquill_gifford_isc3" and axis == "y":
                    continue
                for x_upper in power_law_segments(model, cls, axis)[:-1, 0]:
                    left, right = (sigma(model, x, cls)[0 if axis == "y" else 1]
                                   for x in (x_upper, np.nextafter(x_upper, np.inf)))
                    worst = max(worst, (left - right) / left)
    assert 5e-5 < worst < BOUNDARY_TOLERANCE


def test_gb13201_table_covers_six_classes_two_axes():
    assert set(GB13201_SIGMA) == set(range(6))
    for cls in range(6):
        assert set(GB13201_SIGMA[cls]) == {"y", "z"}
