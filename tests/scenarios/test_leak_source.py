"""Leak source terms (HJ 169-2018 Appendix F): flash and pools, two-phase jets, raised holes, pipes, mass
balance, refused inputs, two end-to-end runs, and the Chinese wording of every source-term branch."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scenarios.conftest import XDIST_GROUP
from tests.scenarios.leak_factory import WORST, pipe_source, source_scenario, stated_numbers, tank_source
from twin.errors import InputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)  # uses the demo: on the demo's worker, which runs it once


def test_liquid_chlorine_flash_and_boiling_pool_conserve_mass():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    term = airborne_source_term(source_scenario(model="tank_liquid_hole", hole_diameter=0.025),
                                tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15),
                                load_chemicals()["chlorine"], **WORST)
    assert term.split["flash"] == pytest.approx(0.190028 * term.outflow, rel=1e-5)  # F_v by hand, test_spill.py
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    assert float((term.rates * np.diff(term.rate_times)).sum()) == pytest.approx(term.released, rel=1e-12)
    assert "heat transfer" in term.description
    assert term.source_diameter > 1.0  # the dense-gas check sees the pool (tens of metres), not the 25 mm hole


def test_a_bunded_benzene_pool_evaporates_by_mass_transfer_only():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    term = airborne_source_term(source_scenario(model="tank_liquid_hole", hole_diameter=0.05),
                                tank_source(inventory=800000.0, pressure=101325.0, temperature=298.15, diameter=12.0,
                                      bund_area=900.0), load_chemicals()["benzene"], **WORST)
    assert term.split["flash"] == 0.0 and term.split["pool_evaporation"] > 0.0  # 25 °C is below 80 °C: no flash
    assert "mass transfer" in term.description and "bund (900 m²)" in term.description
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(800000.0, rel=1e-12)


def test_a_liquid_spill_into_a_bund_matches_the_same_pool_fed_by_a_hole():
    # liquid_spill: a given outflow (rate x duration, at most the inventory) feeds the same flash + pool model.
    # With the outflow equal to what the hole released, step by step, the pool and its evaporation are the same.
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    benzene = load_chemicals()["benzene"]
    tank = tank_source(inventory=800000.0, pressure=101325.0, temperature=298.15, diameter=12.0, bund_area=900.0)
    spill = airborne_source_term(source_scenario(model="liquid_spill", rate=800000.0 / 600.0, duration=600.0),
                                 tank, benzene, **WORST)
    assert spill.model == "liquid_spill" and "spilled at 1333.33 kg/s for 600 s" in spill.description
    assert spill.outflow == pytest.approx(800000.0, rel=1e-12)  # the whole inventory in 10 min (HJ 169 Table E.1)
    assert spill.split["flash"] == 0.0 and spill.split["pool_evaporation"] > 0.0
    assert sum(spill.split.values()) + spill.remaining_pool + spill.remaining_tank == pytest.approx(800000.0,
                                                                                                rel=1e-12)
    # Mass transfer (Eq. F.12) from the full 900 m² bund: the rate stops growing once the bund is covered.
    assert spill.rates[-1] == pytest.approx(spill.rates.max(), rel=1e-9)
    capped = airborne_source_term(source_scenario(model="liquid_spill", rate=1000.0, duration=1e5), tank, benzene,
                                  **WORST)  # asks for more than the tank holds
    assert capped.outflow == pytest.approx(800000.0, rel=1e-12) and capped.outflow <= tank.inventory
    with pytest.raises(InputError, match="air_temperature/wind_speed/stability"):
        airborne_source_term(source_scenario(model="liquid_spill", rate=1.0, duration=60.0), tank, benzene,
                             ambient_pressure=101325.0)


def test_two_phase_chlorine_follows_hj169_f6_and_is_all_airborne():
    import math

    from scenarios.leak.source import TWO_PHASE_RULE, airborne_source_term
    from twin.chemicals import boiling_temperature, load_chemicals

    chlorine = load_chemicals()["chlorine"]
    term = airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.025),
                                tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine, **WORST)
    # [HAND] HJ 169-2018 Eqs. F.6-F.8: P_c = 0.55 P, T_c = T_sat(P_c), F_v = C_p (T − T_c)/H, ρ₁ ideal gas at
    # (P_c, T_c), ρ_m = 1/(F_v/ρ₁ + (1 − F_v)/ρ₂), Q = 0.8 A √(2 ρ_m (P − P_c)).
    p, pc = 7.8e5, 0.55 * 7.8e5
    tc = boiling_temperature(chlorine, pc)
    fv = 927.1 * (298.15 - tc) / 287846.0
    rho1 = pc * 0.070906 / (8.314462618 * tc)
    rho_m = 1.0 / (fv / rho1 + (1.0 - fv) / 1393.9)
    rate = 0.8 * math.pi * 0.025**2 / 4.0 * math.sqrt(2.0 * rho_m * (p - pc))
    np.testing.assert_allclose(term.rates, rate, rtol=1e-12)
    assert term.split["two_phase_vapour"] == pytest.approx(fv * term.released, rel=1e-9)
    assert term.released == pytest.approx(rate * 1800.0, rel=1e-12) and term.released == term.outflow
    assert term.released + term.remaining_tank == pytest.approx(60000.0) and term.rule == TWO_PHASE_RULE


def test_a_missing_property_names_the_field_and_the_substance():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals
    from twin.errors import InputError

    hcl = load_chemicals()["hydrogen_chloride"]  # no liquid properties in the table
    tank = tank_source(inventory=1000.0, pressure=4.7e6, temperature=298.15)
    with pytest.raises(InputError, match=r"source_term: liquid_density must be given in the scenario \[kg/m3\].*"
                                         r"'hydrogen_chloride'"):
        airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.02), tank, hcl, **WORST)
    with pytest.raises(InputError, match="liquid_heat_capacity"):
        airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.02, liquid_density=1190.0),
                             tank, hcl, **WORST)
    with pytest.raises(InputError, match="temperature must be above the boiling temperature at P_c"):
        airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.02),
                             tank_source(inventory=1000.0, pressure=7.8e5, temperature=250.0),
                             load_chemicals()["chlorine"], **WORST)


def test_a_two_phase_leak_runs_end_to_end(demo, tmp_path):
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["source_term"] = {"model": "tank_two_phase_hole", "hole_diameter": 0.025, "release_height": 1.0}
    scenario["grid"] = {"size": [6000, 6000], "spacing": 100}
    scenario["simulation_hours"] = 1
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    result = run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "tank_two_phase_hole" and "aerosol" in view["source_rule"]
    assert set(view["airborne_split_kg"]) == {"two_phase_vapour", "two_phase_aerosol"}
    assert view["released_kg"] == pytest.approx(view["outflow_kg"]) and view["remaining_pool_kg"] == 0.0
    assert "two_phase_aerosol" in result.summary_text
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")
    assert "两相流（液滴）" in html and "两相流规则" in html and "all of it is counted airborne" not in html


def test_a_raised_hole_in_a_tank_releases_only_the_liquid_above_it():
    # Chlorine tank of 4 m diameter, 60 t: level = 60000 / (1393.9 π 2²) = 3.425 m. A 25 mm hole 1 m up: the
    # 1393.9 × π × 2² × 1 = 17,516 kg below it stay in the tank; the mass balance still closes exactly.
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    below = 1393.9 * math.pi * 4.0 * 1.0
    scenario = source_scenario(model="tank_liquid_hole", hole_diameter=0.1, hole_height=1.0)
    scenario.duration_limit = 7200.0  # long enough to drain to the hole
    term = airborne_source_term(scenario, tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine,
                                **WORST)
    assert term.remaining_tank == pytest.approx(below, rel=1e-9) and term.outflow == pytest.approx(60000.0 - below)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    assert "1 m above the bottom" in term.description
    two_phase = airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.1,
                                                      hole_height=3.0), tank_source(inventory=60000.0, pressure=7.8e5,
                                                                              temperature=298.15), chlorine, **WORST)
    assert two_phase.remaining_tank == pytest.approx(3.0 * below, rel=1e-9)  # 3 m of liquid below the hole
    assert two_phase.released + two_phase.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    for model in ("tank_liquid_hole", "tank_two_phase_hole"):
        with pytest.raises(InputError, match=r"source_term: hole_height must be >= 0 m and below the initial liquid "
                                             r"level 3.43 m of tank 'T-1'.*tank_gas_hole, got 3.5"):
            airborne_source_term(source_scenario(model=model, hole_diameter=0.025, hole_height=3.5),
                                 tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15), chlorine, **WORST)


@settings(max_examples=12, deadline=None)
@given(height_fraction=st.floats(0.0, 0.95), hole=st.floats(0.005, 0.15), limit=st.sampled_from([600.0, 3600.0]))
def test_a_raised_hole_conserves_the_tank_mass(height_fraction, hole, limit):
    # airborne (flash + pool evaporation) + pool left + tank left = inventory, for any hole height below the level;
    # the liquid below the hole (ρ π D²/4 × hole_height) never leaves the tank
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    level = 60000.0 / (1393.9 * math.pi * 4.0)
    scenario = source_scenario(model="tank_liquid_hole", hole_diameter=hole, hole_height=height_fraction * level)
    scenario.duration_limit = limit
    term = airborne_source_term(scenario, tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15),
                                load_chemicals()["chlorine"], **WORST)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)
    below = 1393.9 * math.pi * 4.0 * height_fraction * level
    assert term.remaining_tank >= below - 1e-12 * 60000.0  # rounding of the level arithmetic only
    assert term.outflow + term.remaining_tank == pytest.approx(60000.0, rel=1e-12)


def test_liquid_pipe_rate_is_hj169_f1_at_the_operating_pressure_until_isolation():
    # [HAND] HJ 169-2018 Eq. F.1 without a liquid head, full bore of DN100: Q = 0.65 × π 0.1²/4 × √(2 ρ ΔP)
    # = 0.65 × 7.853982e-3 × √(2 × 1393.9 × 678675) = 222.1 kg/s; released = Q × min(t_iso, M/Q)
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    rate = 0.65 * math.pi * 0.1**2 / 4.0 * math.sqrt(2.0 * 1393.9 * (7.8e5 - 101325.0))
    assert rate == pytest.approx(222.1, abs=0.05)
    big = pipe_source(inventory=1e6)  # isolation comes first: 222 kg/s × 1800 s = 400 t < 1,000 t
    term = airborne_source_term(source_scenario(model="pipe_liquid", failure="full_bore_rupture"), big, chlorine,
                                **WORST)
    assert term.model == "pipe_liquid" and term.outflow == pytest.approx(rate * 1800.0, rel=1e-12)
    assert term.remaining_tank == pytest.approx(1e6 - rate * 1800.0, rel=1e-9)
    assert sum(term.split.values()) + term.remaining_pool + term.remaining_tank == pytest.approx(1e6, rel=1e-12)
    for words in ("full-bore rupture", "constant operating pressure", "until isolation", "C_d 0.65 from Table F.1",
                  "isolated at duration_limit 1800 s"):
        assert words in term.description, words
    capped = airborne_source_term(source_scenario(model="pipe_liquid", failure="full_bore_rupture"), pipe_source(),
                                  chlorine, **WORST)  # 400 kg gone in 1.8 s: the inventory caps the release
    assert capped.outflow == 400.0 and "is released before isolation" in capped.description
    # a 10 mm hole: C_d and the Eq. F.1 rate scale with the hole area, (10/100)² of the full bore
    hole = airborne_source_term(source_scenario(model="pipe_liquid", hole_diameter=0.01), big, chlorine, **WORST)
    assert hole.outflow == pytest.approx(rate * 0.01 * 1800.0, rel=1e-12) and "10 mm circular hole" in hole.description


def test_gas_and_two_phase_pipes_release_a_constant_rate_all_airborne():
    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    area = math.pi * 0.1**2 / 4.0
    # [HAND] HJ 169-2018 Eqs. F.2-F.5, choked (P0/P = 0.13 < 0.54), C_d 1.00, κ 1.325, M 0.070906 kg/mol, 298.15 K:
    # Q = C_d A P √(M κ/(R T) (2/(κ+1))^((κ+1)/(κ-1)))
    kappa = 1.325
    gas_rate = area * 7.8e5 * math.sqrt(0.070906 * kappa / (8.314462618 * 298.15)
                                        * (2.0 / (kappa + 1.0)) ** ((kappa + 1.0) / (kappa - 1.0)))
    gas = airborne_source_term(source_scenario(model="pipe_gas", failure="full_bore_rupture"), pipe_source(inventory=1e6),
                               chlorine, **WORST)
    np.testing.assert_allclose(gas.rates, gas_rate, rtol=1e-9)
    assert gas.released == pytest.approx(gas_rate * 1800.0, rel=1e-12) and gas.split == {"gas": gas.released}
    capped = airborne_source_term(source_scenario(model="pipe_gas", failure="full_bore_rupture"), pipe_source(), chlorine,
                                  **WORST)
    assert capped.released == 400.0 and capped.rate_times[-1] == pytest.approx(400.0 / gas_rate, rel=1e-12)
    # two-phase: the HJ 169 Eq. F.6 rate of the tank test, with the full-bore area, constant until the cap
    from dispersion.source_terms import two_phase_release_rate
    from twin.chemicals import boiling_temperature

    tc = boiling_temperature(chlorine, 0.55 * 7.8e5)
    rho1 = 0.55 * 7.8e5 * 0.070906 / (8.314462618 * tc)
    rate = two_phase_release_rate(area, 7.8e5, 298.15, tc, 927.1, 287846.0, rho1, 1393.9)
    term = airborne_source_term(source_scenario(model="pipe_two_phase", failure="full_bore_rupture",
                                                 hole_diameter=0.1), pipe_source(), chlorine, **WORST)
    np.testing.assert_allclose(term.rates, rate, rtol=1e-9)
    assert term.released == 400.0 == term.outflow and term.remaining_tank == 0.0  # 400 kg / 70 kg/s < 1800 s
    assert "full-bore rupture" in term.description and "all airborne" in term.description


def test_tank_and_pipe_models_refuse_the_other_kind_and_bad_holes():
    from pydantic import ValidationError

    from scenarios.leak.source import airborne_source_term
    from scenarios.leak.spec import SourceTermSpec
    from twin.chemicals import load_chemicals

    chlorine = load_chemicals()["chlorine"]
    tank = tank_source(inventory=60000.0, pressure=7.8e5, temperature=298.15)
    with pytest.raises(InputError, match=r"risk source 'P-CL01': kind must be 'tank' for source_term.model "
                                         r"'tank_two_phase_hole' \(a pipe risk source takes pipe_liquid, pipe_gas, "
                                         r"pipe_two_phase, direct, liquid_spill\), got 'pipe'"):
        airborne_source_term(source_scenario(model="tank_two_phase_hole", hole_diameter=0.025), pipe_source(), chlorine,
                             **WORST)
    with pytest.raises(InputError, match=r"risk source 'T-1': kind must be 'pipe' for source_term.model 'pipe_gas' "
                                         r"\(a tank risk source takes tank_liquid_hole, tank_gas_hole"):
        airborne_source_term(source_scenario(model="pipe_gas", hole_diameter=0.025), tank, chlorine, **WORST)
    with pytest.raises(InputError, match=r"source_term: hole_diameter must be omitted or equal to the inner diameter "
                                         r"of pipe 'P-CL01' \(0.1 m\) for failure 'full_bore_rupture'.*got 0.05"):
        airborne_source_term(source_scenario(model="pipe_gas", failure="full_bore_rupture", hole_diameter=0.05),
                             pipe_source(), chlorine, **WORST)
    with pytest.raises(InputError, match=r"hole_diameter must be <= the inner diameter of pipe 'P-CL01'"):
        airborne_source_term(source_scenario(model="pipe_gas", hole_diameter=0.2), pipe_source(), chlorine, **WORST)
    with pytest.raises(InputError, match=r"risk source 'P-CL01': diameter must be a pipe inner diameter"):
        airborne_source_term(source_scenario(model="pipe_gas", failure="full_bore_rupture"), pipe_source(diameter=None),
                             chlorine, **WORST)
    for bad, message in [({"model": "tank_gas_hole", "hole_diameter": 0.02, "failure": "full_bore_rupture"},
                          "failure 'full_bore_rupture' applies to the pipe models"),
                         ({"model": "pipe_gas"}, "source term 'pipe_gas' needs hole_diameter"),
                         ({"model": "pipe_gas", "failure": "full_bore_rupture", "hole_shape": "triangular"},
                          "hole_shape must be 'circular'"),
                         ({"model": "tank_gas_hole", "hole_diameter": 0.02, "hole_height": 2.0},
                          "hole_height applies to tank_liquid_hole and tank_two_phase_hole only")]:
        with pytest.raises(ValidationError, match=message):
            SourceTermSpec(**bad)


def test_a_full_bore_pipe_rupture_runs_end_to_end(demo, tmp_path):
    """The demo's chlorine line P-CL01 (DN100, 7.8 bar (a), 400 kg isolable) breaks across; 10-min isolation.
    impacts.json must report the pipe model and the released mass: min(Q × 600 s, 400 kg) = 400 kg."""
    import shutil

    import yaml

    from scenarios.run import run_scenario_file

    shutil.copytree(demo.root / "park", tmp_path / "park")
    park = yaml.safe_load((tmp_path / "park" / "park.yaml").read_text(encoding="utf-8"))
    line = next(r for r in park["risk_sources"] if r["id"] == "P-CL01")
    assert line["kind"] == "pipe" and line["substance"] == "chlorine" and line["inventory"] == 400.0
    scenario = yaml.safe_load((demo.root / "leak.yaml").read_text(encoding="utf-8"))
    scenario["risk_source"] = "P-CL01"
    scenario["source_term"] = {"model": "pipe_two_phase", "failure": "hole", "hole_diameter": 0.008,
                               "release_height": 1.0}
    scenario["duration_limit"] = 600.0
    scenario["grid"] = {"size": [4000, 4000], "spacing": 100}
    scenario["simulation_hours"] = 0.5
    (tmp_path / "leak.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    run_scenario_file(tmp_path / "leak.yaml", tmp_path / "out")
    view = json.loads((tmp_path / "out" / "impacts.json").read_text(encoding="utf-8"))
    assert view["source_model"] == "pipe_two_phase"
    # [HAND] Eq. F.6 rate of an 8 mm hole = (8/100)² × the full-bore rate (69.98 kg/s) = 0.448 kg/s; × 600 s =
    # 268.7 kg < 400 kg: isolation stops the release
    from dispersion.source_terms import two_phase_release_rate
    from twin.chemicals import boiling_temperature, load_chemicals

    chlorine = load_chemicals()["chlorine"]
    tc = boiling_temperature(chlorine, 0.55 * 7.8e5)
    rate = two_phase_release_rate(math.pi * 0.008**2 / 4.0, 7.8e5, 298.15, tc, 927.1, 287846.0,
                                  0.55 * 7.8e5 * 0.070906 / (8.314462618 * tc), 1393.9)
    assert view["released_kg"] == pytest.approx(rate * 600.0, abs=0.1) and view["released_kg"] < 400.0
    assert view["remaining_tank_kg"] == pytest.approx(400.0 - rate * 600.0, abs=0.1)
    assert "constant operating pressure" in view["source_term"] and "isolated at duration_limit 600 s" in view[
        "source_term"]
    html = (tmp_path / "out" / "plan.html").read_text(encoding="utf-8")  # a line, not a tank, in the plan's words
    assert view["container_kind"] == "pipe" and "管道隔离后未泄漏" in html and "罐内剩余" not in html


_ZH_SOURCE_CASES = {  # one case per model and wording branch of scenarios.leak.source
    "direct": ({"model": "direct", "rate": 2.0, "duration": 600.0}, "tank", {}, "chlorine"),
    "tank_liquid_hole, boiling, unbunded": ({"model": "tank_liquid_hole", "hole_diameter": 0.025}, "tank", {},
                                            "chlorine"),
    "tank_liquid_hole, raised hole, bund": (
        {"model": "tank_liquid_hole", "hole_diameter": 0.05, "hole_height": 1.0}, "tank",
        {"inventory": 800000.0, "pressure": 101325.0, "diameter": 12.0, "bund_area": 900.0}, "benzene"),
    "liquid_spill": ({"model": "liquid_spill", "rate": 800000.0 / 600.0, "duration": 600.0}, "tank",
                     {"inventory": 800000.0, "pressure": 101325.0, "diameter": 12.0, "bund_area": 900.0}, "benzene"),
    "tank_gas_hole": ({"model": "tank_gas_hole", "hole_diameter": 0.02}, "tank", {"inventory": 1000.0}, "chlorine"),
    "tank_two_phase_hole, raised hole": ({"model": "tank_two_phase_hole", "hole_diameter": 0.025, "hole_height": 1.0},
                                         "tank", {}, "chlorine"),
    "pipe_liquid, full bore, inventory first": ({"model": "pipe_liquid", "failure": "full_bore_rupture"}, "pipe", {},
                                                "chlorine"),
    "pipe_liquid, hole, isolated": ({"model": "pipe_liquid", "hole_diameter": 0.01}, "pipe", {"inventory": 1e6},
                                    "chlorine"),
    "pipe_gas, triangular hole": ({"model": "pipe_gas", "hole_diameter": 0.02, "hole_shape": "triangular"}, "pipe",
                                  {"inventory": 1e6}, "chlorine"),
    "pipe_two_phase, full bore": ({"model": "pipe_two_phase", "failure": "full_bore_rupture"}, "pipe", {},
                                  "chlorine"),
}


@pytest.mark.parametrize("case", sorted(_ZH_SOURCE_CASES))
def test_the_chinese_source_term_states_the_same_numbers_as_the_english(case):
    """The Chinese plan's 源项 and rule: every number of the English sentence, written the same way, and no English
    word (the HJ 169-2018 symbols C_d, F_v, P_c, T_c, Q_LG, Re and the units are shorter than four letters)."""
    import re

    from scenarios.leak.source import airborne_source_term
    from twin.chemicals import load_chemicals

    source_term, kind, values, substance = _ZH_SOURCE_CASES[case]
    if kind == "tank":  # the demo's T-CL01 unless the case says otherwise
        risk_source = tank_source(**({"inventory": 60000.0, "pressure": 7.8e5, "temperature": 298.15} | values))
    else:  # the demo's P-CL01
        risk_source = pipe_source(**values)
    term = airborne_source_term(source_scenario(**source_term), risk_source, load_chemicals()[substance], **WORST)
    assert term.description_zh and term.description_zh != term.description
    assert stated_numbers(term.description) <= stated_numbers(term.description_zh), (term.description, term.description_zh)
    assert not re.findall(r"[A-Za-z]{4,}", term.description_zh), term.description_zh  # "bar", "kg", "mm": units
    assert bool(term.rule) == bool(term.rule_zh) and stated_numbers(term.rule) <= stated_numbers(term.rule_zh)
    assert not re.findall(r"[A-Za-z]{4,}", term.rule_zh), term.rule_zh
