"""The river model against closed forms worked by hand: one outfall's decay curve, the Streeter–Phelps critical
point, the mixing-zone length, mass balance at a tributary, linearity in the loads."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from dispersion.river import RiverModel
from dispersion.river_formulas import (
    lateral_mixing_fischer,
    mixing_length_hj_2018,
    mixing_length_side_outfall,
    segment_capacity,
    streeter_phelps_critical,
    streeter_phelps_deficit,
)
from tests.twin.park_factory import X0, Y0
from tests.twin.water_factory import small_river
from twin.water import River

DAY = 86400.0


def one_reach_river(**changes) -> River:
    data = small_river()
    data["reaches"] = [data["reaches"][0] | {"end": None}]
    data.update(changes)
    return River.model_validate(data)


def test_single_outfall_decay_curve():
    # Closed form: above the outfall C = C0 e^(−K x/u), below it C = (Q C0' + W)/(Q + q) e^(−K (x − x_o)/u'),
    # u = Q/(B H), u' = (Q + q)/(B H); Q = 10, q = 0.5 m3/s, B = 50, H = 2 m, K = 0.2/d, C0 = 10 mg/L, Ce = 50 mg/L.
    model = RiverModel(one_reach_river())
    x = np.array([0.0, 1000.0, 2000.0, 2500.0, 5000.0, 10000.0])
    profile = model.run(distances=x)
    k, c0, q_river, q, ce = 0.2 / DAY, 0.010, 10.0, 0.5, 0.050
    u, u2 = q_river / (50 * 2), (q_river + q) / (50 * 2)
    above = c0 * np.exp(-k * x[:2] / u)
    at_outfall = (q_river * c0 * math.exp(-k * 2000 / u) + q * ce) / (q_river + q)
    below = at_outfall * np.exp(-k * (x[2:] - 2000) / u2)
    np.testing.assert_allclose(profile.concentration["cod"], np.concatenate([above, below]), rtol=1e-12)
    np.testing.assert_allclose(profile.flow, [10, 10, 10.5, 10.5, 10.5, 10.5])
    np.testing.assert_allclose(profile.travel_time[-1], 2000 / u + 8000 / u2, rtol=1e-12)


def test_streeter_phelps_critical_point_by_hand():
    # L0 = 10 mg/L, D0 = 1 mg/L, k_d = 0.3/d, k_a = 0.6/d:
    # t_c = ln[2 (1 − 1·0.3/(0.3·10))]/0.3 d = ln(1.8)/0.3 = 1.959289 d; D_c = 0.5 · 10 · e^(−0.3 t_c) = 2.777778 mg/L
    t_c, d_c = streeter_phelps_critical(10e-3, 1e-3, 0.3 / DAY, 0.6 / DAY)
    assert t_c / DAY == pytest.approx(math.log(1.8) / 0.3, rel=1e-12)
    assert t_c / DAY == pytest.approx(1.959289, abs=1e-6)
    assert d_c * 1e3 == pytest.approx(5.0 * math.exp(-math.log(1.8)), rel=1e-12)  # = 5/1.8 = 2.7778
    # the critical point is the maximum of D(t)
    t = np.linspace(0, 6 * DAY, 60001)
    d = streeter_phelps_deficit(10e-3, 1e-3, 0.3 / DAY, 0.6 / DAY, t)
    assert d.max() == pytest.approx(d_c, rel=1e-8) and t[np.argmax(d)] == pytest.approx(t_c, abs=20.0)


def test_streeter_phelps_equal_rates_is_the_limit():
    rates = 0.4 / DAY
    t = np.array([0.5, 1.0, 3.0]) * DAY
    exact = streeter_phelps_deficit(8e-3, 0.5e-3, rates, rates, t)
    near = streeter_phelps_deficit(8e-3, 0.5e-3, rates, rates * (1 + 1e-7), t)
    np.testing.assert_allclose(exact, near, rtol=1e-6)


def test_river_sag_matches_closed_form_below_the_outfall():
    data = small_river()
    reach = data["reaches"][0] | {"end": None, "reaeration": "1.2 1/d"}
    reach["decay"] = reach["decay"] | {"bod5": "0.6 1/d"}
    data["reaches"] = [reach]
    data["outfalls"][0]["effluent"].update(bod5="100 mg/L", dissolved_oxygen="6 mg/L")
    model = RiverModel(River.model_validate(data))
    profile = model.run(spacing=5.0)
    # state just below the outfall from the closed forms (above it: decay and sag from the upstream boundary)
    kd, ka, q_river, q = 0.6 / DAY, 1.2 / DAY, 10.0, 0.5
    u, u2 = q_river / 100, (q_river + q) / 100
    t1 = 2000 / u
    bod_above = 2e-3 * math.exp(-kd * t1)
    deficit_above = float(streeter_phelps_deficit(2e-3, 9.09e-3 - 7.5e-3, kd, ka, t1))
    bod0 = (q_river * bod_above + q * 100e-3) / (q_river + q)
    deficit0 = (q_river * deficit_above + q * (9.09e-3 - 6e-3)) / (q_river + q)
    t_c, d_c = streeter_phelps_critical(bod0, deficit0, kd, ka)
    assert 0 < t_c * u2 < 8000
    assert profile.sag.distance == pytest.approx(2000 + t_c * u2, rel=1e-9)
    assert profile.sag.oxygen == pytest.approx(9.09e-3 - d_c, rel=1e-12)
    assert profile.sag.oxygen <= profile.concentration["dissolved_oxygen"].min() + 1e-15


def test_mixing_length_by_hand():
    # B = 50 m, a = 0, u = 0.3 m/s, H = 2 m, I = 1e-4:
    # √(g H I) = √(9.80665 · 2e-4) = 0.0442869; (0.058·2 + 0.0065·50) = 0.441; L = 0.4·50·50·0.3 / (0.441·0.0442869)
    shear = math.sqrt(9.80665 * 2e-4)
    assert shear == pytest.approx(0.0442869, rel=1e-6)
    assert mixing_length_side_outfall(50.0, 0.0, 0.3, 2.0, 1e-4) == pytest.approx(300.0 / (0.441 * shear), rel=1e-12)
    assert mixing_length_side_outfall(50.0, 0.0, 0.3, 2.0, 1e-4) == pytest.approx(15360.7, rel=1e-5)
    # a centre outfall (a = B/2) mixes over a shorter length: (0.4 B − 0.6 · 25) = 5 instead of 20
    assert mixing_length_side_outfall(50.0, 25.0, 0.3, 2.0, 1e-4) == pytest.approx(15360.7 / 4, rel=1e-5)
    # HJ 2.3-2018 form, side outfall: (0.11 + 0.7 √(0.5 − 0.275)) u B² / E_y with E_y = 0.6 H u*
    e_y = lateral_mixing_fischer(2.0, 1e-4)
    assert e_y == pytest.approx(0.6 * 2.0 * shear, rel=1e-12)
    assert mixing_length_hj_2018(50.0, 0.0, 0.3, e_y) == pytest.approx(
        (0.11 + 0.7 * math.sqrt(0.225)) * 0.3 * 2500 / e_y, rel=1e-12)


def test_segment_capacity_closes_the_mass_balance():
    # W from the segment formula, put back into mix + decay, gives the limit at x
    w = segment_capacity(20e-3, 10e-3, 10.0, 0.5, 0.2 / DAY, 3000.0, 0.105)
    back = (10.0 * 10e-3 + w) / 10.5 * math.exp(-0.2 / DAY * 3000.0 / 0.105)
    assert back == pytest.approx(20e-3, rel=1e-12)
    # customary units: W [kg/d] = 86.4 [Cs (Q+q) exp(K x / (86400 u)) − C0 Q], C in mg/L, K in 1/d
    customary = 86.4 * (20 * 10.5 * math.exp(0.2 * 3000 / (86400 * 0.105)) - 10 * 10)
    assert w * 86400 == pytest.approx(customary, rel=1e-12)


def test_tributary_inflow_mass_balance():
    data = small_river()
    data["reaches"][1].update(design_flow=15.0, background={"cod": "4 mg/L"})
    data["outfalls"] = []
    data["oxygen_demand"] = None
    data["control_sections"][0]["pollutants"] = ["cod"]
    model = RiverModel(River.model_validate(data))
    profile = model.run(distances=np.array([4000.0, 4000.0 + 1e-9]))
    u = 10.0 / 100
    arriving = 10e-3 * math.exp(-0.2 / DAY * 4000 / u)
    assert profile.concentration["cod"][0] == pytest.approx((10 * arriving + 5 * 4e-3) / 15, rel=1e-12)
    assert profile.flow[0] == pytest.approx(15.0)


def test_stage_discharge_depth_and_velocity():
    reach = small_river()["reaches"][0] | {"end": None, "depth": None,
                                             "stage_discharge": {"coefficient": 0.5, "exponent": 0.4}}
    model = RiverModel(one_reach_river(reaches=[reach]))
    profile = model.run(distances=np.array([0.0, 5000.0]))
    np.testing.assert_allclose(profile.depth, [0.5 * 10 ** 0.4, 0.5 * 10.5 ** 0.4], rtol=1e-12)
    np.testing.assert_allclose(profile.velocity, [10 / (50 * 0.5 * 10 ** 0.4), 10.5 / (50 * 0.5 * 10.5 ** 0.4)],
                               rtol=1e-12)


def test_section_response_is_exact_superposition():
    data = small_river()
    data["outfalls"].append({"id": "OF2", "name": "二号排口", "x": X0 + 4500, "y": Y0 + 400, "flow": 0.2,
                             "effluent": {"cod": "80 mg/L", "bod5": "20 mg/L"}})
    data["control_sections"].append({"id": "CS2", "name": "末端", "x": X0 + 7900, "y": Y0 + 400,
                                     "water_class": "II"})
    model = RiverModel(River.model_validate(data))
    for key in ("cod", "bod5"):
        base, matrix = model.section_response(key)
        loads = model.current_loads()
        direct = model.section_values(loads)
        for name in base:
            np.testing.assert_allclose(base[name] + matrix[name] @ loads[key], direct[name], rtol=1e-10)
    _, matrix = model.section_response("bod5")
    assert matrix["dissolved_oxygen"][1, 1] < 0  # oxygen demand lowers DO downstream
    assert matrix["cod"][0, 1] == 0 if "cod" in matrix else True  # CS1 is upstream of OF2


def test_mixing_zone_of_each_outfall():
    model = RiverModel(one_reach_river())
    (zone,) = model.mixing_zones()
    assert zone.outfall == "OF1" and zone.distance == pytest.approx(2000.0)
    assert zone.length_hjt_1993 == pytest.approx(mixing_length_side_outfall(50.0, 0.0, 0.105, 2.0, 1e-4))


@settings(max_examples=40, deadline=None)
@given(flows=st.lists(st.floats(1.0, 50.0), min_size=2, max_size=2),
       effluent=st.lists(st.floats(0.01, 2.0), min_size=2, max_size=2),
       loads=st.lists(st.floats(0.0, 0.5), min_size=2, max_size=2),
       positions=st.lists(st.floats(100.0, 9900.0), min_size=2, max_size=2))
def test_conservative_substance_keeps_its_mass(flows, effluent, loads, positions):
    """K = 0: the mass flux at the mouth is the upstream flux + the tributary's + every load, whatever the geometry
    (an oracle from the mass balance alone)."""
    data = small_river()
    for reach, flow in zip(data["reaches"], flows):
        reach["decay"] = {"cod": 0.0}
        reach["design_flow"] = flow
        reach["background"] = {"cod": "10 mg/L"}
        reach.pop("reaeration")
    data["oxygen_demand"] = None
    data["outfalls"] = [{"id": f"O{j}", "name": "o", "x": X0 - 2000.0 + s, "y": Y0 + 400.0, "flow": q,
                         "effluent": {"cod": "50 mg/L"}} for j, (s, q) in enumerate(zip(positions, effluent))]
    model = RiverModel(River.model_validate(data))
    profile = model.run({"cod": np.array(loads)}, distances=np.array([10000.0]))
    tributary = max(flows[1] - flows[0], 0.0)
    q_end = flows[0] + tributary - max(flows[0] - flows[1], 0.0) + sum(effluent)
    # a withdrawal at 4 km removes water at the river's concentration: only check the pure-inflow case exactly
    if flows[1] >= flows[0]:
        mass = 10e-3 * flows[0] + 10e-3 * tributary + sum(loads)
        assert profile.flow[0] == pytest.approx(q_end, rel=1e-12)
        assert profile.concentration["cod"][0] * profile.flow[0] == pytest.approx(mass, rel=1e-10)
    else:
        assert profile.flow[0] == pytest.approx(q_end, rel=1e-12)
        assert profile.concentration["cod"][0] > 0
