"""SLAB dense-gas model (dispersion.dense_gas): the four SLAB example problems, kernels against NumPy oracles,
physical properties and input checks.

The reference listings (tests/data/slab_examples, public-domain data shipped with SLAB) are the output of the original program
(Ermak 1990, UCRL-MA-105607). Run with ``-s`` to see the worst relative error per problem, met case and quantity.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numba import config

from dispersion import dense_gas as dg
from dispersion._dense_gas_kernels import plume_slope, puff_slope, wind_profile
from dispersion._dense_gas_output import along_wind_window, crosswind_factor, vertical_factor
from dispersion._dense_gas_state import *  # noqa: F403
from dispersion._dense_gas_thermo import humid_air_properties, mixture_thermodynamics
from twin.errors import InputError

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "slab_examples"
TOLERANCE = 0.05
EXAMPLES = 5 if config.DISABLE_JIT else 40
CASES = [(1, 0), (1, 1), (2, 0), (3, 0), (4, 0)]

CHLORINE = dict(molecular_weight=0.070906, vapour_heat_capacity=498.1, boiling_temperature=239.1,
                liquid_mass_fraction=0.0, heat_of_vaporization=287840.0, liquid_heat_capacity=926.3,
                liquid_density=1574.0, saturation_pressure_b=1978.34, saturation_pressure_c=-27.01,
                source_temperature=239.1)


def worst_relative_error(mine: np.ndarray, reference: np.ndarray) -> tuple[float, int]:
    """Worst |mine/ref − 1| over the printed distances; a printed 0 must be matched by |mine| < 5e-4 of the
    column's largest value (the listing prints 3 significant digits)."""
    mine, reference = np.asarray(mine, float), np.asarray(reference, float)
    worst, where = 0.0, -1
    scale = np.max(np.abs(reference))
    for i, (a, b) in enumerate(zip(mine, reference)):
        error = abs(a / b - 1.0) if b != 0.0 else (0.0 if a == 0.0 else abs(a) / scale / 5e-4 * TOLERANCE)
        if error > worst:
            worst, where = error, i
    return worst, where


def comparison_table() -> list[tuple[int, int, str, float, float]]:
    """(problem, met case, quantity, worst relative error, distance [m] of the worst) for all listings."""
    rows = []
    for problem in (1, 2, 3, 4):
        cases = dg.read_slab_input(REFERENCE / f"INPR{problem}")
        listings = dg.slab_listing_tables(REFERENCE / f"OUTPR{problem}")
        assert len(cases) == len(listings)
        for case, ((release, met, options), listing) in enumerate(zip(cases, listings)):
            result = dg.run_slab(release, met, options)
            quantities = {
                "c_max (centreline max, time-averaged)": (result.averaged["c_max"], listing["c_max"]),
                "b (half-width)": (result.cloud["b"], listing["b"]),
                "h (depth)": (result.cloud["h"], listing["h"]),
                "zc (centre height)": (result.cloud["zc"], listing["zc"]),
                "sig (vertical, time-averaged)": (result.averaged["sig"], listing["sig"]),
                "betac (crosswind, time-averaged)": (result.averaged["betac"], listing["betac"]),
            }
            for name, (mine, reference) in quantities.items():
                worst, i = worst_relative_error(mine, reference)
                rows.append((problem, case + 1, name, worst, float(listing["x"][i]) if i >= 0 else float("nan")))
    return rows


def test_slab_examples_reproduce_the_listings_within_5_percent():
    rows = comparison_table()
    print("\nSLAB examples: worst relative error over all printed distances")
    for problem, case, name, worst, x in rows:
        print(f"  problem {problem} met {case}  {name:38s} {100 * worst:6.2f} %  (x = {x:.3g} m)")
    required = ("c_max", "b (", "h (")
    failing = [row for row in rows if row[2].startswith(required) and row[3] > TOLERANCE]
    assert not failing, f"outside 5 %: {failing}"
    assert {(r[0], r[1]) for r in rows} == {(p, c + 1) for p, c in CASES}


def test_deck_reader_reads_all_met_cases_and_implied_decimals(tmp_path):
    cases = dg.read_slab_input(REFERENCE / "INPR1")
    assert len(cases) == 2
    assert cases[0][1].inverse_obukhov_length == pytest.approx(0.0665)
    assert cases[1][1].wind_speed == 4.0
    text = (REFERENCE / "INPR4").read_text().splitlines()
    text[12] = "5"  # qs without a decimal point: f10.3 reads 0.005
    deck = tmp_path / "deck"
    deck.write_text("\n".join(text) + "\n")
    assert dg.read_slab_input(deck)[0][0].rate == pytest.approx(0.005)


# ----------------------------------------------------------------------------------------------------------------
# kernels against NumPy oracles
# ----------------------------------------------------------------------------------------------------------------
def random_state(seed: int, puff: bool):
    rng = np.random.default_rng(seed)
    p, s = np.zeros(P_COUNT), np.zeros(S_COUNT)
    p[P_RHOA] = rng.uniform(1.0, 1.3)
    p[P_QS] = rng.uniform(0.1, 500.0)
    p[P_BSE] = rng.uniform(0.5, 30.0)
    p[P_TSD] = rng.uniform(10.0, 3000.0)
    p[P_WS] = rng.uniform(0.0, 0.5)
    for k, lo, hi in ((S_RHO, 0.8, 6.0), (S_H, 0.01, 30.0), (S_BB, 0.5, 300.0), (S_BBX, 0.5, 300.0),
                      (S_U, 0.2, 20.0), (S_V, 0.0, 1.0), (S_W, 0.0, 0.5), (S_VX, 0.0, 1.0), (S_VG, -1.0, 3.0),
                      (S_UG, -1.0, 3.0), (S_WC, -0.5, 0.5), (S_CM, 0.0, 1.0), (S_R, 1.0, 1e4), (S_FT, -1e3, 1e3),
                      (S_FU, -10.0, 10.0), (S_FV, -10.0, 10.0), (S_FW, -10.0, 10.0), (S_FUG, -10.0, 10.0)):
        s[k] = rng.uniform(lo, hi)
    s[S_B] = s[S_BB] * rng.uniform(0.0, 0.99)
    s[S_BX] = s[S_BBX] * rng.uniform(0.0, 0.99)
    s[S_X] = rng.uniform(-p[P_BSE], 3 * p[P_BSE])
    s[S_TIM] = rng.uniform(0.0, 2 * p[P_TSD])
    return p, s


def plume_slope_oracle(p, s):
    """Ermak (1990) steady-plume right-hand side written out from the equations."""
    g, rhoa = 9.80665, p[P_RHOA]
    rho, h, B, u, b = s[S_RHO], s[S_H], s[S_BB], s[S_U], s[S_B]
    on_pool = s[S_X] < p[P_BSE]
    return np.array([
        rhoa * math.sqrt(3) * (s[S_V] * h + s[S_W] * B) + (p[P_QS] / (4 * p[P_BSE]) if on_pool else 0.0),
        (math.sqrt(3) * rhoa / rho * s[S_V] + s[S_VG]) / u,
        s[S_VG] * b / (u * B),
        0.75 * g * (rho - rhoa) * h ** 2,
        s[S_FT], s[S_FU],
        -g * (rho - rhoa) * B * h,
        s[S_WC] / u,
        2 * rho * B * h * s[S_CM],
        s[S_FV], s[S_FW]])


def puff_slope_oracle(p, s):
    """Ermak (1990) puff right-hand side written out from the equations."""
    g, rhoa = 9.80665, p[P_RHOA]
    rho, h, B, Bx, r = s[S_RHO], s[S_H], s[S_BB], s[S_BBX], s[S_R]
    releasing = s[S_TIM] < p[P_TSD]
    source = 0.25 * p[P_QS] if releasing else 0.0
    force = 0.75 * g * (rho - rhoa) * h ** 2
    return np.array([
        rhoa * math.sqrt(3) * ((s[S_VX] * B + s[S_V] * Bx) * h + s[S_W] * B * Bx) + source,
        s[S_U] - (source / r) * s[S_X],
        math.sqrt(3) * rhoa / rho * s[S_V] + s[S_VG],
        s[S_VG] * s[S_B] / B,
        math.sqrt(3) * rhoa / rho * s[S_VX] + s[S_UG],
        s[S_UG] * s[S_BX] / Bx,
        force * Bx, force * B,
        s[S_FT], s[S_FU],
        -g * (rho - rhoa) * B * Bx * h,
        s[S_WC], s[S_FV], s[S_FUG], s[S_FW]])


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_plume_slope_matches_oracle(seed):
    p, s = random_state(seed, puff=False)
    f = np.zeros(11)
    plume_slope(p, s, f)
    np.testing.assert_allclose(f, plume_slope_oracle(p, s), rtol=1e-12, atol=1e-300)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_puff_slope_matches_oracle(seed):
    p, s = random_state(seed, puff=True)
    f = np.zeros(15)
    puff_slope(p, s, f)
    np.testing.assert_allclose(f, puff_slope_oracle(p, s), rtol=1e-12, atol=1e-300)
    assert s[S_WSS] == (p[P_WS] if s[S_TIM] < p[P_TSD] else 0.0)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.floats(0.5, 200.0), st.floats(1e-4, 1.0), st.floats(-0.2, -1e-5) | st.floats(0.0, 0.2))
def test_wind_profile_matches_similarity_oracle(z, z0, inverse_length):
    """Without the mixing-layer term (h_mx → ∞) the profile is the integral of φ_m/z from z0 (quadrature); the
    mixing-layer term is checked against its closed form as coded in SLAB (see docs/unverified.md)."""
    zl = 2.0
    z = max(z, 3.0 * z0)
    value = wind_profile(z, z0, inverse_length, zl, 1e15, 2.71828183 * z0, 0.0, 0.0)
    grid = np.geomspace(z0, z, 40001)
    if inverse_length >= 0:
        phi = 1 + 5 * inverse_length * grid / (1 + grid / zl)
    else:
        phmi = (1 - 16 * zl * inverse_length) ** -0.25
        gam = -8 * inverse_length / (1 - phmi)
        phi = phmi + (1 - phmi) / np.sqrt(1 + gam * grid)
    integrand = phi / grid
    expected = float(np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(grid)))
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-7)
    hmx = 800.0
    lid = wind_profile(z, z0, inverse_length, zl, hmx, 2.71828183 * z0, 0.0, 0.0) - value
    if inverse_length >= 0:
        expected_lid = -(z - z0) / hmx - 5 * inverse_length * zl * (z - z0) / hmx + 5 * inverse_length * zl * (
            zl / hmx) * math.log((z + zl) / (z0 + zl))
    else:
        xu, xu0 = math.sqrt(1 + gam * z), math.sqrt(1 + gam * z0)
        expected_lid = -phmi * (z - z0) / hmx + 2 * (1 - phmi) * (math.sqrt(xu) - math.sqrt(xu0)) / (gam * hmx)
    assert lid == pytest.approx(expected_lid, rel=1e-6, abs=1e-9)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.floats(240.0, 320.0), st.floats(0.0, 100.0))
def test_humid_air_matches_oracle(ta, rh):
    water, dry, cp, wm = humid_air_properties(ta, rh)
    ratio = 0.01 * rh * math.exp(15.08 - 5514.0 / ta)  # p_w/p_a
    mole_water = ratio
    expected_water = mole_water * 0.01802 / (mole_water * 0.01802 + (1 - mole_water) * 0.02896)
    assert water == pytest.approx(expected_water, rel=1e-12, abs=1e-15)
    assert dry + water == pytest.approx(1.0)
    assert 1.0 / wm == pytest.approx(water / 0.01802 + dry / 0.02896, rel=1e-12)
    assert cp == pytest.approx(dry * 1005.87 + water * 1846.0, rel=1e-12)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.floats(1e-4, 0.9), st.floats(0.1, 1.0), st.floats(250.0, 310.0))
def test_dry_mixing_has_enthalpy_temperature_and_ideal_gas_density(cm, carried, t0):
    """A superheated, aerosol-free gas in dry air: T = E/c_p of the mixing enthalpy and ρ = p M/(R T)."""
    p, s = np.zeros(P_COUNT), np.zeros(S_COUNT)
    ta, wms, cps, ts = 293.0, 0.0709, 498.0, 300.0
    wmae, rhoa = 0.02896, 0.02896 * 101325.0 / (8.31431 * ta)
    for k, v in ((P_WMS, wms), (P_CPS, cps), (P_TBP, 100.0), (P_DHE, 3e5), (P_CPSL, 900.0), (P_RHOSL, 1500.0),
                 (P_SPA, 5.0), (P_SPB, 500.0), (P_SPC, 0.0), (P_SPAW, 15.08), (P_SPBW, 5514.0), (P_TS, ts),
                 (P_QS, 1.0), (P_BSE, 1.0), (P_RHOA, rhoa), (P_TA, ta), (P_WMAE, wmae), (P_CPAA, 1005.87),
                 (P_CMWA, 0.0), (P_CMDAA, 1.0)):
        p[k] = v
    s[S_R] = 0.5 / cm
    s[S_XN] = 5.0
    s[S_R_OLD] = carried * s[S_R]
    cm_now = 0.5 * p[P_QS] / s[S_R]
    s[S_CM_OLD] = s[S_CMEV_OLD] = cm_now
    cp0 = (1 - cm_now) * 1005.87 + cm_now * cps
    s[S_CP_OLD], s[S_T_OLD] = cp0, t0
    mixture_thermodynamics(p, s)
    cp = (1 - cm_now) * 1005.87 + cm_now * cps
    enthalpy = ((1 - cm_now) * 1005.87 * ta + cm_now * cps * ts
                + carried * (cp0 * t0 - (1 - cm_now) * 1005.87 * ta - cm_now * cps * ts))
    assert s[S_T] == pytest.approx(enthalpy / cp, rel=1e-12)
    molar = 1.0 / ((1 - cm_now) / 0.02896 + cm_now / wms)
    assert s[S_RHO] == pytest.approx(101325.0 * molar / (8.31431 * s[S_T]), rel=1e-9)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.floats(-200.0, 200.0), st.floats(0.1, 100.0), st.floats(1.0, 100.0), st.floats(0.5, 30.0))
@example(56.0, 22.0, 33.0, 0.5)  # the window over an edge's tail, where the old trapezoid reference was too coarse
def test_along_wind_window_matches_quadrature(offset, half_window, bx, betax):
    # adaptive quadrature with the profile's edges as break points (a trapezoid rule on 20 001 points was off by
    # h²/12 · f' ≈ 1e-7 where the window holds only the tail of an edge, more than the tolerance)
    from scipy.integrate import quad
    from scipy.special import erf
    k = math.sqrt(2) * betax
    lo, hi = offset - half_window, offset + half_window
    edges = [e for e in (-bx, bx) if lo < e < hi]
    integral, _ = quad(lambda s: erf((s + bx) / k) - erf((s - bx) / k), lo, hi, points=edges or None,
                       epsabs=1e-14, epsrel=1e-12, limit=500)
    expected = 0.5 * integral / k
    assert along_wind_window(offset, half_window, bx, betax) == pytest.approx(expected, rel=1e-8, abs=1e-12)


@pytest.mark.kernel
@settings(max_examples=EXAMPLES, deadline=None)
@given(st.floats(0.0, 500.0), st.floats(0.0, 100.0), st.floats(0.1, 50.0), st.floats(0.0, 50.0), st.floats(0.1, 30.0))
def test_profile_factors_symmetric_and_non_negative(y, b, betac, zc, sig):
    assert crosswind_factor(y, b, betac) == pytest.approx(crosswind_factor(-y, b, betac), abs=1e-15)
    assert crosswind_factor(y, b, betac) >= 0.0
    assert vertical_factor(y / 10.0, zc, sig) >= 0.0


# ----------------------------------------------------------------------------------------------------------------
# whole-model properties
# ----------------------------------------------------------------------------------------------------------------
MET_F = dg.SlabMet(roughness=0.1, wind_height=10.0, wind_speed=1.5, air_temperature=293.0, relative_humidity=50.0,
                   stability_class=6.0)


@pytest.fixture(scope="module")
def chlorine_jet():
    release = dg.SlabRelease(source_type="horizontal_jet", rate=10.0, source_area=0.01, duration=3600.0, height=1.0,
                             **CHLORINE)
    return dg.run_slab(release, MET_F, dg.SlabOptions(averaging_time=600.0, max_distance=10000.0))


def test_steady_plume_conserves_released_mass_flux(chlorine_jet):
    """∫∫ c dy dz · u · p M_s/(R T) = Q at steady stations after the source (dilute, aerosol-free cloud)."""
    r = chlorine_jet
    steady = np.arange(r.first_puff_station)
    for i in steady[steady > 20][::5]:
        x = r.cloud["x"][i]
        b, betac, sig, zc = r.averaged["b"][i], r.averaged["betac"][i], r.averaged["sig"][i], r.averaged["zc"][i]
        y = np.linspace(-(b + 8 * betac), b + 8 * betac, 801)
        z = np.linspace(0.0, zc + 8 * sig, 401)
        yy, zz = np.meshgrid(y, z, indexing="ij")
        c = dg.slab_peak_concentration(r, x, yy, zz)
        assert np.all(c < 1.0)
        integral = np.trapezoid(np.trapezoid(c, z, axis=1), y)
        flux = integral * r.cloud["u"][i] * 101325.0 * CHLORINE["molecular_weight"] / (8.31431 * r.cloud["t"][i])
        assert flux == pytest.approx(10.0, rel=0.02)


def test_concentration_non_negative_symmetric_and_decreasing_far_field(chlorine_jet):
    r = chlorine_jet
    x = np.geomspace(200.0, r.cloud["x"][-1] * 0.999, 30)
    centre = dg.slab_peak_concentration(r, x, 0.0, 0.0)
    assert np.all(np.diff(centre) < 0)
    y = np.linspace(0.0, 500.0, 11)
    left = dg.slab_peak_concentration(r, 1000.0, -y, 0.5)
    right = dg.slab_peak_concentration(r, 1000.0, y, 0.5)
    np.testing.assert_array_equal(left, right)
    assert np.all(left >= 0.0)


def test_time_series_plateau_and_peak(chlorine_jet):
    """A 1-h release: nothing before arrival, a t-independent plateau while the plume covers the receptor, whose
    value is the peak, and nothing long after the end."""
    r = chlorine_jet
    x = 500.0
    peak = dg.slab_peak_concentration(r, x, 0.0, 0.0)
    tmax = np.interp(x, r.averaged["x"], r.averaged["time_of_max"])
    series = dg.slab_concentration(r, x, 0.0, 0.0, np.array([0.0, tmax - 600.0, tmax, tmax + 600.0, tmax + 1e4]))
    assert series[0] == 0.0 and series[-1] < 0.05 * peak  # the puff tail after the end (β_x grows with travel)
    assert series[1:4] == pytest.approx(np.full(3, float(peak)), rel=1e-6)


def test_puff_time_series_peaks_at_time_of_maximum():
    release = dg.SlabRelease(source_type="instantaneous", rate=0.0, source_area=100.0, duration=0.0,
                             instantaneous_mass=2000.0, **CHLORINE)
    r = dg.run_slab(release, MET_F, dg.SlabOptions(averaging_time=60.0, max_distance=5000.0))
    x = 1500.0
    tmax = float(np.interp(x, r.averaged["x"], r.averaged["time_of_max"]))
    t = tmax + np.linspace(-600.0, 600.0, 241)
    series = dg.slab_concentration(r, x, 0.0, 0.0, t)
    peak = float(dg.slab_peak_concentration(r, x, 0.0, 0.0))
    assert series[120] == pytest.approx(peak, rel=1e-9)  # SLAB's flat-topped puff: the maximum, maybe a plateau
    assert series.max() <= peak * (1 + 1e-12)
    assert series[0] < 0.5 * peak and series[-1] < 0.5 * peak
    assert np.all(series >= 0.0)


def test_molecular_weight_in_g_per_mol_is_rejected_with_a_hint():
    with pytest.raises(InputError, match="0.0709"):
        dg.SlabRelease(source_type="evaporating_pool", rate=1.0, source_area=10.0, duration=600.0,
                       **{**CHLORINE, "molecular_weight": 70.9})


def test_temperature_in_celsius_and_percent_liquid_are_rejected():
    with pytest.raises(InputError, match="source_temperature"):
        dg.SlabRelease(source_type="horizontal_jet", rate=1.0, source_area=0.01, duration=600.0,
                       **{**CHLORINE, "source_temperature": -34.0})
    with pytest.raises(InputError, match="liquid_mass_fraction"):
        dg.SlabRelease(source_type="horizontal_jet", rate=1.0, source_area=0.01, duration=600.0,
                       **{**CHLORINE, "liquid_mass_fraction": 80.0})


def test_release_outside_the_model_range_raises_not_nan():
    """A 2.5 m² chlorine pool at 1 kg/s over rough ground in stable air: the original SLAB prints NaN."""
    release = dg.SlabRelease(source_type="evaporating_pool", rate=1.0, source_area=2.5, duration=1800.0, **CHLORINE)
    met = dg.SlabMet(roughness=1.0, wind_height=10.0, wind_speed=2.0, air_temperature=293.0, relative_humidity=50.0,
                     stability_class=6.0)
    with pytest.raises(InputError, match="rate/source_area"):
        dg.run_slab(release, met, dg.SlabOptions(averaging_time=600.0, max_distance=10000.0))


def test_tiny_non_zero_inverse_obukhov_length_is_rejected():
    with pytest.raises(InputError, match="inverse_obukhov_length"):
        dg.SlabMet(roughness=0.1, wind_height=10.0, wind_speed=2.0, air_temperature=293.0, relative_humidity=50.0,
                   inverse_obukhov_length=-1e-9)


def test_query_beyond_last_station_raises(chlorine_jet):
    with pytest.raises(InputError, match="max_distance"):
        dg.slab_peak_concentration(chlorine_jet, 1e6, 0.0, 0.0)
