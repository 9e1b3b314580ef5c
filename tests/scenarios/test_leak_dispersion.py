"""The leak's model choice (HJ 169-2018 G.2.1 with aerosol), the transect that measures zones, the validity limit."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.puff import PuffMet
from scenarios.common.zones import limit_to_distance, threat_zone, transect, transect_extent
from scenarios.leak.dispersion import AIR_MOLAR_MASS, choose_dispersion_model, cloud_paths, release_density, wind_axes
from twin.chemicals import load_chemicals

R = 8.314462618
P = 101325.0
CHEMICALS = load_chemicals()


def term(model, rate=10.0, duration=600.0, split=None, diameter=0.05):
    return SimpleNamespace(model=model, rate_times=np.array([0.0, duration]), rates=np.array([rate]),
                           released=rate * duration, split=split or {}, source_diameter=diameter)


def test_two_phase_ammonia_with_aerosol_is_dense():
    """The issue's case: a two-phase ammonia jet with 94 % of its mass as aerosol. Its vapour alone is lighter than
    air (Ri < 0), the vapour + droplet mixture is not: 1/ρ = 0.06/ρ_v + 0.94/ρ_l."""
    ammonia = CHEMICALS["ammonia"]
    jet = term("tank_two_phase_hole", rate=5.0, split={"two_phase_vapour": 0.06 * 3000, "two_phase_aerosol": 0.94 * 3000})
    rho, temperature, fraction = release_density(jet, ammonia, air_temperature=298.15, pressure=P)
    rho_v = P * 0.0170305 / (R * ammonia.boiling_point)
    assert temperature == pytest.approx(ammonia.boiling_point)
    assert fraction == pytest.approx(0.94)
    assert rho == pytest.approx(1.0 / (0.06 / rho_v + 0.94 / ammonia.liquid_density_kg_m3), rel=1e-12)
    choice = choose_dispersion_model(jet, ammonia, forced="auto", wind_speed=1.5, air_temperature=298.15, pressure=P)
    assert choice.dense and choice.model == "slab"
    assert choice.richardson_number > choice.threshold
    assert choice.buoyancy_flux == 0.0
    assert "94%" in choice.rule and "94%" in choice.rule_zh


def test_ammonia_vapour_is_light_and_rises():
    """Ammonia gas from a vessel at 25 °C: ρ = pM/(RT) < air, Ri < 0 → Gaussian puffs with Briggs' buoyancy flux
    F = g/π · (Q/ρ) · (1 − ρ/ρ_a)."""
    ammonia = CHEMICALS["ammonia"]
    gas = term("tank_gas_hole", rate=2.0)
    choice = choose_dispersion_model(gas, ammonia, forced="auto", wind_speed=1.5, air_temperature=298.15, pressure=P)
    rho = P * 0.0170305 / (R * 298.15)
    rho_a = P * AIR_MOLAR_MASS / (R * 298.15)
    assert not choice.dense and choice.richardson_number < 0
    assert choice.buoyancy_flux == pytest.approx(9.80665 / math.pi * 2.0 / rho * (1 - rho / rho_a), rel=1e-12)


def test_boiling_chlorine_pool_vapour_is_cold_and_dense():
    chlorine = CHEMICALS["chlorine"]
    pool = term("tank_liquid_hole", rate=3.0, diameter=20.0)
    choice = choose_dispersion_model(pool, chlorine, forced="auto", wind_speed=1.5, air_temperature=298.15,
                                     pressure=P)
    assert choice.release_temperature == pytest.approx(chlorine.boiling_point)
    assert choice.release_density == pytest.approx(P * 0.070906 / (R * chlorine.boiling_point), rel=1e-9)
    assert choice.dense


def test_a_scenario_can_force_either_model():
    chlorine = CHEMICALS["chlorine"]
    direct = term("direct", rate=10.0)
    auto = choose_dispersion_model(direct, chlorine, forced="auto", wind_speed=1.5, air_temperature=298.15, pressure=P)
    passive = choose_dispersion_model(direct, chlorine, forced="passive", wind_speed=1.5, air_temperature=298.15,
                                      pressure=P)
    assert auto.dense and not auto.forced
    assert passive.model == "gaussian_puff" and passive.forced
    assert passive.richardson_number == auto.richardson_number  # the rule is still evaluated and reported
    assert "forced" in passive.rule
    light = choose_dispersion_model(term("tank_gas_hole", rate=1.0), CHEMICALS["ammonia"], forced="dense",
                                    wind_speed=3.0, air_temperature=298.15, pressure=P)
    assert light.dense and light.buoyancy_flux == 0.0
    with pytest.raises(Exception, match="dispersion_model"):
        choose_dispersion_model(direct, chlorine, forced="heavy", wind_speed=1.5, air_temperature=298.15, pressure=P)


def test_wind_axes_turn_with_the_wind():
    # Wind from the west blows towards the east: a point 100 m east is 100 m downwind; 50 m north is to the left.
    down, cross = wind_axes(np.array([100.0, 0.0]), np.array([0.0, 50.0]), 0.0, 0.0, 270.0, 0.0)
    assert down == pytest.approx([100.0, 0.0], abs=1e-9)
    assert cross == pytest.approx([0.0, 50.0], abs=1e-9)
    down, cross = wind_axes(np.array([0.0]), np.array([-30.0]), 0.0, 0.0, 0.0, 0.0)  # from the north: south is down
    assert down == pytest.approx([30.0]) and cross == pytest.approx([0.0], abs=1e-9)


def test_cloud_paths_follow_the_hourly_wind():
    constant = PuffMet(times=np.array([0.0]), wind_speed=np.array([2.0]), wind_from_direction=np.array([270.0]),
                       stability=np.array([5]), mixing_height=np.array([1e30]))
    (path,) = cloud_paths(constant, source_x=0.0, source_y=0.0, release_start=0.0, release_end=600.0,
                          simulation_end=3600.0, grid_bearing=0.0)
    assert path[-1] == pytest.approx([7200.0, 0.0], abs=1e-6)
    turning = PuffMet(times=np.array([0.0, 1800.0]), wind_speed=np.array([2.0, 2.0]),
                      wind_from_direction=np.array([270.0, 180.0]), stability=np.array([3, 3]),
                      mixing_height=np.array([1000.0, 1000.0]))
    paths = cloud_paths(turning, source_x=0.0, source_y=0.0, release_start=0.0, release_end=600.0,
                        simulation_end=3600.0, grid_bearing=0.0)
    assert len(paths) == 3
    assert paths[0][-1] == pytest.approx([3600.0, 3600.0], abs=1e-6)  # east for 30 min, then north for 30 min


def _plume_field(x, y, peak=100.0, growth=0.08):
    """A Gaussian plume-like field along +x from the origin: C = peak·(100/x)·exp(−y²/2σ²), σ = growth·x [m]."""
    x = np.asarray(x, dtype=np.float64)
    sigma = growth * np.maximum(x, 1e-9)
    return np.where(x > 0, peak * 100.0 / np.maximum(x, 1e-9) * np.exp(-0.5 * (y / sigma) ** 2), 0.0)


@settings(max_examples=25, deadline=None)
@given(level=st.floats(1.0, 300.0), growth=st.floats(0.01, 0.2))
def test_transect_measures_a_zone_of_any_width(level, growth):
    """Analytic zone of C = peak·100/x·exp(−y²/2σ²): reaches x* = 100·peak/level; half-width at x is
    σ √(2 ln(C₀(x)/level)). The transect finds the distance to its point spacing and the width to its offsets'."""
    line = transect([np.array([[0.0, 0.0], [20000.0, 0.0]])])
    values = _plume_field(line.x, line.y, growth=growth)
    extent = transect_extent(line, values, level, 0.0, 0.0)
    reach = 100.0 * 100.0 / level
    ratio = (20000.0 / 10.0) ** (1.0 / 159.0)  # spacing of the log-spaced centreline points
    assert reach / ratio <= extent.farthest_distance <= reach * 1.0000001 + 1.0
    xs = np.geomspace(10.0, reach, 2000)
    widths = 2 * growth * xs * np.sqrt(2 * np.log(np.maximum(100.0 * 100.0 / xs / level, 1.0)))
    assert extent.width <= widths.max() * 1.0 + 2.0
    assert extent.width >= widths.max() / 1.7 - 2.0


def test_a_zone_narrower_than_the_grid_is_still_found():
    """On a 400 m grid a narrow stable plume vanishes from the contour; the transect still has it."""
    gx = np.arange(-8000.0, 8001.0, 400.0)
    gy = np.arange(-8000.0, 8001.0, 400.0)
    grid = _plume_field(gx[None, :], gy[:, None] + 150.0, growth=0.01)  # centreline between grid rows
    level = 2.0  # reached to 5 km
    contour = threat_zone(gx, gy, grid, level)
    line = transect([np.array([[0.0, 0.0], [16000.0, 0.0]])])
    extent = transect_extent(line, _plume_field(line.x, line.y + 150.0, growth=0.01), level, 0.0, 0.0)
    assert contour.is_empty or contour.area < 1e5
    assert extent.farthest_distance == pytest.approx(5000.0, rel=0.05)
    assert 0 < extent.width < 400.0 and extent.area > 0


def test_limit_to_distance_stops_a_zone():
    from shapely.geometry import box

    zone = box(0.0, -100.0, 20000.0, 100.0)
    clipped = limit_to_distance(zone, 0.0, 0.0, 10000.0)
    assert clipped.bounds[2] == pytest.approx(10000.0, abs=1.0)
    assert clipped.area == pytest.approx(200.0 * 10000.0, rel=1e-3)


def test_a_vapour_that_cannot_condense_does_not_need_liquid_properties():
    """H2S released at 25 °C (boiling point −59.5 °C, no aerosol): the table has no liquid properties, the dense model
    runs on stand-ins, and the stand-ins do not change the answer (two very different sets give the same field)."""
    from dataclasses import replace as dc_replace

    from dispersion.dense_gas import run_slab, slab_concentration, slab_peak_concentration
    from scenarios.leak.dispersion import slab_inputs

    h2s = CHEMICALS["hydrogen_sulfide"]
    assert h2s.heat_capacity_ratio is None and h2s.liquid_density_kg_m3 is None
    release = term("direct", rate=20.0, duration=600.0)
    choice = choose_dispersion_model(release, h2s, forced="auto", wind_speed=1.5, air_temperature=298.15, pressure=P)
    assert choice.dense, choice.rule
    fields = []
    for stand_in in (None, dict(heat_capacity_ratio=1.1, heat_of_vaporization_j_kg=9e5, liquid_heat_capacity_j_kg_k=4000.0,
                                liquid_density_kg_m3=600.0)):
        chemical = h2s if stand_in is None else dc_replace(h2s, **stand_in)
        inputs = slab_inputs(release, chemical, choice, release_height=1.0, hole_area=None, wind_speed=1.5,
                             stability=5, air_temperature=298.15, relative_humidity=50.0, roughness=0.1,
                             pressure=P, averaging_time=60.0, max_distance=3000.0)
        result = run_slab(*inputs)
        x = np.array([50.0, 200.0, 1000.0, 2500.0])
        fields.append(np.concatenate([slab_peak_concentration(result, x, np.zeros(4), np.full(4, 1.5)),
                                      slab_concentration(result, x, np.zeros(4), np.full(4, 1.5), np.full(4, 900.0))]))
    assert np.all(fields[0][:4] > 0)
    np.testing.assert_allclose(fields[0], fields[1], rtol=1e-3)


def test_a_dense_vapour_that_can_condense_without_properties_runs_puffs_and_says_why():
    toluene = CHEMICALS["toluene"]  # boils at 110.6 °C: its vapour at 25 °C can condense; no liquid data in the table
    choice = choose_dispersion_model(term("direct", rate=2.0), toluene, forced="auto", wind_speed=1.5,
                                     air_temperature=298.15, pressure=P)
    assert choice.model == "gaussian_puff" and choice.richardson_number > choice.threshold
    assert "cannot run" in choice.rule and "heat_capacity_ratio" in choice.rule and "无法运行" in choice.rule_zh
