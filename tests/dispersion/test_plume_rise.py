"""Briggs plume rise (ISC3 §1.1.4) against the issue's worked case, hand evaluations and properties.

[ISC3] EPA-454/B-95-003b Vol. II §1.1.4 (equations cited by section; numbers as in dispersion/plume_rise.py).
[HAND] the ISC3 formula evaluated by hand, written out next to the number.
Worked case of the issue: T_s = 425 K, T_a = 293 K, v_s = 15 m/s, d_s = 5 m, u = 5 m/s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dispersion.plume_rise import (
    BUOYANCY_FLUX_BREAK,
    DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT,
    GRAVITY_ISC3,
    RiseRegime,
    buoyancy_flux,
    buoyancy_induced_dispersion,
    crossover_temperature_difference,
    momentum_flux,
    plume_rise_briggs,
    plume_rise_briggs_calm_stable,
    plume_rise_briggs_gradual,
    stability_parameter,
    stack_tip_downwash,
)
from twin.errors import InputError

A, B, C, D, E, F = range(6)
CASE = dict(exit_velocity=15.0, inner_diameter=5.0, exit_temperature=425.0, ambient_temperature=293.0)


# ---------------------------------------------------------------------------------------- reference values


def test_issue_worked_case_fluxes():
    # F_b = g v d² ΔT/(4 T_s) = 9.80616·15·25·132/1700 (ISC3 §1.1.4.2) = 285.5 m⁴/s³ (issue).
    assert round(float(buoyancy_flux(**CASE)), 1) == 285.5
    # F_m = v² d² T_a/(4 T_s) = 225·25·293/1700 = 969.49 m⁴/s² [HAND].
    assert float(momentum_flux(**CASE)) == pytest.approx(969.485, abs=1e-3)


def test_issue_worked_case_class_d():
    # ΔT = 132 K ≥ ΔT_c = 0.00575·425·15^(2/3)/5^(1/3) = 8.69 K (F_b ≥ 55) → buoyant;
    # Δh = 38.71 F_b^(3/5)/u = 230.3 m, x_f = 119 F_b^(2/5) = 1142 m (issue; ISC3 §1.1.4.3–4).
    assert float(crossover_temperature_difference(**CASE, stability=D)) == pytest.approx(8.692, abs=1e-3)
    result = plume_rise_briggs(**CASE, wind_speed=5.0, stability=D)
    assert round(float(result.rise), 1) == 230.3
    assert round(float(result.distance_to_final_rise)) == 1142
    assert result.regime == RiseRegime.BUOYANT_UNSTABLE
    for cls in (A, B, C):  # ISC3 uses one set of formulas for A–D
        assert float(plume_rise_briggs(**CASE, wind_speed=5.0, stability=cls).rise) == float(result.rise)


def test_issue_worked_case_class_f():
    # s = g·0.035/293 = 1.17138e-3 s⁻² (ISC3 §1.1.4.6 default for F); ΔT_c = 0.019582·425·15·√s = 4.27 K (Eq. 1-18);
    # Δh = 2.6 (F_b/(u s))^(1/3) = 94.98 m (issue; ISC3 §1.1.4.8), x_f = 2.0715 u/√s = 302.6 m [HAND].
    assert float(stability_parameter(293.0, 0.035)) == pytest.approx(1.17138e-3, rel=1e-5)
    assert float(crossover_temperature_difference(**CASE, stability=F)) == pytest.approx(4.2725, abs=1e-4)
    for limit in (True, False):  # at 5 m/s the calm limit (206.6 m) does not bind
        result = plume_rise_briggs(**CASE, wind_speed=5.0, stability=F, calm_stable_limit=limit)
        assert round(float(result.rise), 2) == 94.98
        assert float(result.distance_to_final_rise) == pytest.approx(302.63, abs=0.01)
        assert result.regime == RiseRegime.BUOYANT_STABLE


def test_class_e_uses_its_default_gradient():
    # s = g·0.020/293 = 6.6937e-4 s⁻²; Δh = 2.6·(285.532/(5·6.6937e-4))^(1/3) = 114.46 m [HAND].
    assert DEFAULT_POTENTIAL_TEMPERATURE_GRADIENT == {4: 0.020, 5: 0.035}
    result = plume_rise_briggs(**CASE, wind_speed=5.0, stability=E)
    assert float(result.rise) == pytest.approx(114.46, abs=0.01)
    explicit = plume_rise_briggs(**CASE, wind_speed=5.0, stability=E, potential_temperature_gradient=0.020)
    assert float(explicit.rise) == float(result.rise)


def test_small_buoyancy_flux_branch():
    # v = 10 m/s, d = 1 m, T_s = 400 K, T_a = 290 K: F_b = 9.80616·10·110/1600 = 6.7417 < 55;
    # ΔT_c = 0.0297·400·10^(1/3)/1 = 25.595 K → buoyant; Δh = 21.425·F_b^(3/4)/4 = 22.41 m at u = 4 m/s,
    # x_f = 49 F_b^(5/8) = 161.5 m [HAND, ISC3 §1.1.4.3–4].
    kwargs = dict(exit_velocity=10.0, inner_diameter=1.0, exit_temperature=400.0, ambient_temperature=290.0)
    assert float(buoyancy_flux(**kwargs)) == pytest.approx(6.74174, rel=1e-5)
    assert float(crossover_temperature_difference(**kwargs, stability=C)) == pytest.approx(25.595, abs=1e-3)
    result = plume_rise_briggs(**kwargs, wind_speed=4.0, stability=C)
    assert float(result.rise) == pytest.approx(22.41, abs=0.01)
    assert float(result.distance_to_final_rise) == pytest.approx(161.5, abs=0.1)


def test_momentum_dominated_cold_exit():
    # T_s = 280 K < T_a = 295 K: momentum dominated. v = 20 m/s, d = 0.5 m, u = 4 m/s.
    kwargs = dict(exit_velocity=20.0, inner_diameter=0.5, exit_temperature=280.0, ambient_temperature=295.0)
    unstable = plume_rise_briggs(**kwargs, wind_speed=4.0, stability=D)
    assert unstable.regime == RiseRegime.MOMENTUM_UNSTABLE
    assert float(unstable.rise) == pytest.approx(3 * 0.5 * 20 / 4)  # Eq. 1-16: 7.5 m
    # F_b ≤ 0: x_max = 4 d (v + 3u)²/(v u) = 4·0.5·32²/80 = 25.6 m (ISC3 §1.1.4.10).
    assert float(unstable.distance_to_final_rise) == pytest.approx(25.6)
    # Stable (ISC3 §1.1.4.9): min(1.5 (F_m/(u √s))^(1/3), 3 d v/u), F_m = 400·0.25·295/1120 = 26.339 m⁴/s²,
    # s = g·0.035/295 = 1.16343e-3 s⁻² [HAND]. At u = 4 m/s: min(8.669, 7.5) = 7.5 m; at u = 2 m/s: min(10.923, 15).
    s = GRAVITY_ISC3 * 0.035 / 295.0
    stable = plume_rise_briggs(**kwargs, wind_speed=4.0, stability=F)
    assert stable.regime == RiseRegime.MOMENTUM_STABLE
    assert float(stable.rise) == pytest.approx(7.5)
    assert 1.5 * (26.339286 / (4.0 * math.sqrt(s))) ** (1 / 3) == pytest.approx(8.669, abs=1e-3)
    assert float(stable.distance_to_final_rise) == pytest.approx(math.pi * 4.0 / (2 * math.sqrt(s)))  # π u/(2√s)
    slower = plume_rise_briggs(**kwargs, wind_speed=2.0, stability=F)
    assert float(slower.rise) == pytest.approx(1.5 * (26.339286 / (2.0 * math.sqrt(s))) ** (1 / 3), rel=1e-6)
    assert float(slower.rise) == pytest.approx(10.923, abs=1e-3)


def test_calm_stable_limit():
    # At u = 0.2 m/s the windy stable rise 2.6 (F_b/(u s))^(1/3) = 277.7 m exceeds the calm rise
    # 4 F_b^(1/4) s^(-3/8) = 206.64 m (Briggs 1975) [HAND]; ISC3 alone has no such limit.
    s = GRAVITY_ISC3 * 0.035 / 293.0
    calm = 4.0 * 285.5323 ** 0.25 * s ** -0.375
    assert float(plume_rise_briggs_calm_stable(285.5323, s)) == pytest.approx(calm, rel=1e-6)
    assert calm == pytest.approx(206.64, abs=0.01)
    limited = plume_rise_briggs(**CASE, wind_speed=0.2, stability=F)
    assert limited.regime == RiseRegime.BUOYANT_STABLE_CALM
    assert float(limited.rise) == pytest.approx(calm, rel=1e-6)
    isc3 = plume_rise_briggs(**CASE, wind_speed=0.2, stability=F, calm_stable_limit=False)
    assert isc3.regime == RiseRegime.BUOYANT_STABLE
    assert float(isc3.rise) == pytest.approx(2.6 * (285.5323 / (0.2 * s)) ** (1 / 3), rel=1e-6)


def test_stack_tip_downwash():
    # Briggs (1974), ISC3 §1.1.4.1: h' = h_s when v_s ≥ 1.5 u; else h_s + 2 d (v_s/u − 1.5).
    assert float(stack_tip_downwash(50.0, 2.0, 7.5, 5.0)) == 50.0
    assert float(stack_tip_downwash(50.0, 2.0, 20.0, 5.0)) == 50.0
    assert float(stack_tip_downwash(50.0, 2.0, 1.0, 5.0)) == pytest.approx(50.0 + 4.0 * (0.2 - 1.5))  # 44.8 m
    heights = stack_tip_downwash(np.array([30.0, 60.0]), 1.0, np.array([[2.0], [10.0]]), 4.0)
    assert heights.shape == (2, 2)
    np.testing.assert_allclose(heights, [[28.0, 58.0], [30.0, 60.0]])  # 30 + 2·(0.5 − 1.5)


def test_buoyancy_induced_dispersion():
    # ISC3 §1.1.5.4 (Pasquill 1976): σ_e = (σ² + (Δh/3.5)²)^½; 3-4-5 triangle [HAND].
    assert float(buoyancy_induced_dispersion(30.0, 3.5 * 40.0)) == pytest.approx(50.0)
    assert float(buoyancy_induced_dispersion(30.0, 0.0)) == 30.0


# --------------------------------------------------------------------------------------------- gradual rise


@pytest.mark.parametrize(("kwargs", "stability"), [
    (CASE, D),  # F_b ≥ 55
    (dict(exit_velocity=10.0, inner_diameter=1.0, exit_temperature=400.0, ambient_temperature=290.0), B),  # F_b < 55
    (CASE, F),  # stable
])
def test_buoyant_gradual_rise_meets_final_rise_at_xf(kwargs, stability):
    # 1.60 F_b^(1/3) x_f^(2/3)/u reproduces the final rise: ISC3's constants are rounded (1.6·49^(2/3) = 21.4248 vs
    # 21.425, 1.6·119^(2/3) = 38.715 vs 38.71, 1.6·2.0715^(2/3) = 2.5998 vs 2.6), hence 2e-4.
    final = plume_rise_briggs(**kwargs, wind_speed=5.0, stability=stability)
    xf = float(final.distance_to_final_rise)
    unclipped = 1.60 * float(buoyancy_flux(**kwargs)) ** (1 / 3) * xf ** (2 / 3) / 5.0
    assert unclipped == pytest.approx(float(final.rise), rel=2e-4)
    just_before = plume_rise_briggs_gradual(xf * (1 - 1e-12), **kwargs, wind_speed=5.0, stability=stability)
    assert float(just_before) == pytest.approx(float(final.rise), rel=2e-4)
    for x in (xf, 2 * xf, 1e5):
        assert float(plume_rise_briggs_gradual(x, **kwargs, wind_speed=5.0, stability=stability)) == float(final.rise)
    assert float(plume_rise_briggs_gradual(0.0, **kwargs, wind_speed=5.0, stability=stability)) == 0.0


def test_momentum_gradual_rise_formulas():
    # ISC3 Eq. 1-23 and 1-25 at x = 10 m [HAND]: v = 20 m/s, d = 0.5 m, T_s = 280 K, T_a = 295 K, u = 4 m/s.
    kwargs = dict(exit_velocity=20.0, inner_diameter=0.5, exit_temperature=280.0, ambient_temperature=295.0)
    fm = 20.0**2 * 0.25 * 295.0 / (4 * 280.0)
    beta_j = 1 / 3 + 4.0 / 20.0
    unstable = (3 * fm * 10.0 / (beta_j**2 * 16.0)) ** (1 / 3)
    assert float(plume_rise_briggs_gradual(10.0, **kwargs, wind_speed=4.0, stability=D)) == pytest.approx(unstable)
    s = GRAVITY_ISC3 * 0.035 / 295.0
    stable = (3 * fm * math.sin(10.0 * math.sqrt(s) / 4.0) / (beta_j**2 * 4.0 * math.sqrt(s))) ** (1 / 3)
    assert float(plume_rise_briggs_gradual(10.0, **kwargs, wind_speed=4.0, stability=F)) == pytest.approx(stable)


# ------------------------------------------------------------------------------------------ documented steps


def test_isc3_final_rise_steps_down_at_fb_55():
    # ISC3's two buoyant fits disagree at F_b = 55 m⁴/s³: 21.425·55^(3/4) = 432.4 vs 38.71·55^(3/5) = 428.3 (per u),
    # 0.95 % less.
    # Documented in the module: rise is monotone in exit velocity only within a branch.
    d, ts, ta = 2.0, 400.0, 290.0
    velocity_at_break = BUOYANCY_FLUX_BREAK * 4 * ts / (GRAVITY_ISC3 * d**2 * (ts - ta))
    below, above = (plume_rise_briggs(v, d, ts, ta, 1.0, D).rise for v in
                    (np.nextafter(velocity_at_break, 0), velocity_at_break))
    assert float(below) == pytest.approx(21.425 * 55**0.75, rel=1e-6)
    assert float(above) == pytest.approx(38.71 * 55**0.6, rel=1e-6)
    assert float(above) / float(below) == pytest.approx(0.9905, abs=1e-4)


def test_isc3_stable_crossover_can_step_down():
    # ISC3 §1.1.4.7–9, class F, d = 1 m, T_s = 293.3 K, T_a = 293 K, u = 10 m/s [HAND]:
    # v = 1 m/s: ΔT_c = 0.019582·293.3·1·√s = 0.197 K < 0.3 K → buoyant, 2.6 (F_b/(u s))^(1/3) = 1.555 m;
    # v = 2 m/s: ΔT_c = 0.393 K > 0.3 K → momentum, min(1.5 (F_m/(u √s))^(1/3) = 2.14, 3·1·2/10 = 0.6) = 0.6 m.
    slow = plume_rise_briggs(1.0, 1.0, 293.3, 293.0, 10.0, F)
    fast = plume_rise_briggs(2.0, 1.0, 293.3, 293.0, 10.0, F)
    assert slow.regime == RiseRegime.BUOYANT_STABLE and float(slow.rise) == pytest.approx(1.555, abs=1e-3)
    assert fast.regime == RiseRegime.MOMENTUM_STABLE and float(fast.rise) == pytest.approx(0.6)


# ------------------------------------------------------------------------------------------------ arrays and errors


def test_broadcasting_matches_scalar_calls():
    velocity = np.array([2.0, 15.0, 30.0])  # (S,)
    temperature = np.array([[285.0], [300.0]])  # (H, 1)
    wind = np.array([[1.0, 4.0, 9.0], [2.0, 3.0, 6.0]])  # (H, S)
    stability = np.array([[D], [F]])
    result = plume_rise_briggs(velocity, 1.5, 420.0, temperature, wind, stability)
    gradual = plume_rise_briggs_gradual(250.0, velocity, 1.5, 420.0, temperature, wind, stability)
    assert result.rise.shape == result.distance_to_final_rise.shape == result.regime.shape == (2, 3)
    for h in range(2):
        for s in range(3):
            one = plume_rise_briggs(velocity[s], 1.5, 420.0, temperature[h, 0], wind[h, s], int(stability[h, 0]))
            # Same formulas; vectorised and scalar powers may differ in the last bit.
            np.testing.assert_allclose([result.rise[h, s], result.distance_to_final_rise[h, s]], one[:2], rtol=1e-14)
            assert result.regime[h, s] == one.regime
            one_gradual = plume_rise_briggs_gradual(250.0, velocity[s], 1.5, 420.0, temperature[h, 0], wind[h, s],
                                                    int(stability[h, 0]))
            assert gradual[h, s] == pytest.approx(float(one_gradual), rel=1e-14)


def test_input_errors_name_field_and_value():
    with pytest.raises(InputError, match="wind_speed must be a finite number > 0 m/s, got 0.0"):
        plume_rise_briggs(**CASE, wind_speed=[3.0, 0.0], stability=D)
    with pytest.raises(InputError, match="exit_velocity"):
        plume_rise_briggs(-1.0, 5.0, 425.0, 293.0, 5.0, D)
    with pytest.raises(InputError, match="stability must be an integer code 0..5"):
        plume_rise_briggs(**CASE, wind_speed=5.0, stability=6)
    with pytest.raises(InputError, match="potential_temperature_gradient"):
        plume_rise_briggs(**CASE, wind_speed=5.0, stability=F, potential_temperature_gradient=-0.01)
    # ...but a gradient is not needed (nor checked) in unstable or neutral hours.
    plume_rise_briggs(**CASE, wind_speed=5.0, stability=D, potential_temperature_gradient=-0.01)
    with pytest.raises(InputError, match="downwind_distance"):
        plume_rise_briggs_gradual(-1.0, **CASE, wind_speed=5.0, stability=D)


# ------------------------------------------------------------------------------------------------- properties

sources = st.fixed_dictionaries({
    "exit_velocity": st.floats(0.5, 40.0),
    "inner_diameter": st.floats(0.1, 10.0),
    "exit_temperature": st.floats(250.0, 1000.0),
    "ambient_temperature": st.floats(250.0, 320.0),
})


def _branch(kwargs, wind_speed, stability):
    """(regime, side of F_b = 55): the pieces inside which ISC3's final rise is a smooth formula."""
    result = plume_rise_briggs(**kwargs, wind_speed=wind_speed, stability=stability)
    return int(result.regime), bool(buoyancy_flux(**kwargs) >= BUOYANCY_FLUX_BREAK), float(result.rise)


@settings(max_examples=300, deadline=None)
@given(source=sources, wind=st.floats(0.3, 30.0), factor=st.floats(1.0, 10.0), stability=st.integers(0, 5))
def test_rise_non_negative_and_non_increasing_in_wind_speed(source, wind, factor, stability):
    low = plume_rise_briggs(**source, wind_speed=wind, stability=stability)
    high = plume_rise_briggs(**source, wind_speed=wind * factor, stability=stability)
    assert np.isfinite(low.rise) and low.rise >= 0.0 and low.distance_to_final_rise >= 0.0
    assert high.rise <= low.rise * (1 + 1e-12)


@settings(max_examples=300, deadline=None)
@given(source=sources, wind=st.floats(0.3, 30.0), factor=st.floats(1.0, 3.0), stability=st.integers(0, 5))
def test_rise_non_decreasing_in_exit_velocity_within_a_branch(source, wind, factor, stability):
    faster = dict(source, exit_velocity=source["exit_velocity"] * factor)
    regime_1, side_1, rise_1 = _branch(source, wind, stability)
    regime_2, side_2, rise_2 = _branch(faster, wind, stability)
    assume(regime_1 == regime_2 and side_1 == side_2)
    assert rise_2 >= rise_1 * (1 - 1e-12)


@settings(max_examples=300, deadline=None)
@given(source=sources, wind=st.floats(0.3, 30.0), delta=st.floats(0.0, 300.0), stability=st.integers(0, 5))
def test_rise_and_exit_temperature_within_a_branch(source, wind, delta, stability):
    hotter = dict(source, exit_temperature=source["exit_temperature"] + delta)
    regime_1, side_1, rise_1 = _branch(source, wind, stability)
    regime_2, side_2, rise_2 = _branch(hotter, wind, stability)
    if regime_1 == RiseRegime.MOMENTUM_UNSTABLE and regime_2 != RiseRegime.MOMENTUM_UNSTABLE:
        # Leaving 3 d v/u for a buoyant formula can step down by < 1 % (rounded ISC3 constants at ΔT_c).
        assert rise_2 >= rise_1 * (1 - 0.01)
    assume(regime_1 == regime_2 and side_1 == side_2)
    if regime_1 == RiseRegime.MOMENTUM_STABLE:
        assert rise_2 <= rise_1 * (1 + 1e-12)  # F_m ∝ T_a/T_s: a hotter jet carries less momentum
    elif regime_1 == RiseRegime.MOMENTUM_UNSTABLE:
        assert rise_2 == pytest.approx(rise_1, rel=1e-12)  # 3 d v/u does not depend on temperature
    else:
        assert rise_2 >= rise_1 * (1 - 1e-12)


@settings(max_examples=200, deadline=None)
@given(source=sources, wind=st.floats(0.3, 30.0), stability=st.integers(0, 5),
       fractions=st.lists(st.floats(0.0, 3.0), min_size=2, max_size=10))
def test_gradual_rise_grows_with_distance_up_to_the_final_rise(source, wind, stability, fractions):
    final = plume_rise_briggs(**source, wind_speed=wind, stability=stability)
    x = np.sort(np.array(fractions)) * float(final.distance_to_final_rise)
    gradual = plume_rise_briggs_gradual(x, **source, wind_speed=wind, stability=stability)
    assert np.all(gradual >= 0.0)
    assert np.all(gradual <= float(final.rise) * (1 + 1e-12))
    assert np.all(np.diff(gradual) >= -1e-12 * float(final.rise))


def test_capped_and_horizontal_releases_rise_by_buoyancy_only():
    # U.S. EPA Model Clearinghouse (1993), as AERMOD's POINTCAP/POINTHOR: 0.001 m/s at the same flow (F_b kept,
    # momentum lost); a capped stack is downwashed with 0.001 m/s (even without stack_tip_downwash), a horizontal
    # one not at all.
    import xarray as xr

    from dispersion.plume import RELEASE_CODES, PlumeOptions, StackSet, source_hours
    from dispersion._aermod_physics import AREA_RELEASE, VOLUME_RELEASE
    from twin.park import AREA_RELEASE_CODE, STACK_RELEASES, VOLUME_RELEASE_CODE

    # park.yaml's words and the codes, in one order; volume and area sources (their own lists in park.yaml) come last
    assert list(RELEASE_CODES) == [*STACK_RELEASES, "volume", "area"]
    assert RELEASE_CODES["volume"] == VOLUME_RELEASE_CODE == VOLUME_RELEASE
    assert RELEASE_CODES["area"] == AREA_RELEASE_CODE == AREA_RELEASE

    n = 3
    stacks = StackSet(ids=("V", "C", "H"), x=np.zeros(n), y=np.zeros(n), base_elevation=np.zeros(n),
                      height=np.full(n, 40.0), inner_diameter=np.full(n, 2.0), exit_velocity=np.full(n, 15.0),
                      exit_temperature=np.array([420.0, 420.0, 420.0]), release=np.array([0, 1, 2]))
    cold = StackSet(ids=stacks.ids, x=stacks.x, y=stacks.y, base_elevation=stacks.base_elevation,
                    height=stacks.height, inner_diameter=stacks.inner_diameter, exit_velocity=stacks.exit_velocity,
                    exit_temperature=np.full(n, 290.0), release=stacks.release)
    times = np.array(["2025-01-01T00", "2025-01-01T01"], dtype="datetime64[ns]")
    met = xr.Dataset({"model_wind_speed": ("time", [3.0, 8.0]), "wind_from_direction": ("time", [270.0, 90.0]),
                      "air_temperature": ("time", [290.0, 290.0]), "stability_class": ("time", [3, 5]),
                      "atmosphere_boundary_layer_thickness": ("time", [800.0, 800.0])}, coords={"time": times})
    for tip in (True, False):
        hot = source_hours(stacks, met, PlumeOptions(stack_tip_downwash=tip))
        u = hot.stack_wind_speed
        # the capped stack: downwashed 2 D (0.001/u − 1.5) ≈ −3 D in every hour, with or without tip downwash
        capped_base = 40.0 + 2.0 * 2.0 * (0.001 / u[:, 1] - 1.5)
        flat = source_hours(cold, met, PlumeOptions(stack_tip_downwash=tip))  # no buoyancy: momentum only
        # what momentum is left, 3 d' w'/u with d' w' = d √(0.001 w), is a few decimetres (ISC3 Eq. 1-16)
        np.testing.assert_allclose(flat.effective_height[:, 1], capped_base, rtol=0, atol=0.5)
        np.testing.assert_allclose(flat.effective_height[:, 2], 40.0, rtol=0, atol=0.5)  # horizontal: no downwash
        assert np.all(flat.effective_height[:, 0] > flat.effective_height[:, 2] + 2.0)  # vertical: momentum rise
        # hot stacks: the buoyant rise is the same for the capped and the horizontal one (F_b kept)
        np.testing.assert_allclose(hot.effective_height[:, 2] - 40.0, hot.effective_height[:, 1] - capped_base,
                                   rtol=1e-12)
        assert np.all(hot.effective_height[:, 2] - 40.0 > 10.0)
