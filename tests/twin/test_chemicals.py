"""The chemicals table and the ideal-gas unit conversions."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

import compliance_checker
import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin.chemicals import (STANDARD_PRESSURE, STANDARD_TEMPERATURE, boiling_temperature, load_chemicals, mg_m3_to_ppm,
                            ppm_to_mg_m3, vapour_pressure)
from twin.errors import InputError

REQUIRED = ["chlorine", "ammonia", "hydrogen_sulfide", "hydrogen_chloride", "benzene", "sulfur_dioxide",
            "nitrogen_dioxide", "carbon_monoxide", "pm10", "pm2_5", "vocs", "toluene"]
TABLE = load_chemicals()


def _two_significant(value: float) -> float:
    return round(value, 1 - int(math.floor(math.log10(abs(value)))))


def test_required_substances_present():
    assert set(REQUIRED) <= set(TABLE.keys())
    assert TABLE["chlorine"].name_zh == "氯气" and TABLE["chlorine"].cas == "7782-50-5"
    assert TABLE["vocs"].molar_mass is None  # a lumped total has no molar mass


def test_unknown_key_lists_valid_keys():
    with pytest.raises(InputError) as info:
        TABLE["phosgene"]
    assert str(info.value).startswith("substance 'phosgene' is not in twin/chemicals.csv; valid keys: chlorine, ")
    assert "toluene" in str(info.value)


def test_benzene_conversion_factor_at_25c():
    # WHO Guidelines for Indoor Air Quality: Selected Pollutants (2010), benzene ch. 1: "at 25 °C, 1 ppm = 3.194 mg/m3"
    assert ppm_to_mg_m3(1.0, 78.11) == pytest.approx(3.194, rel=5e-4)


def test_chlorine_conversion_factor_matches_epa_24_45_rule():
    # US EPA air-toxics fact sheet (chlorine): mg/m3 = ppm x MW / 24.45; "for chlorine: 1 ppm = 2.9 mg/m3"
    assert ppm_to_mg_m3(1.0, TABLE["chlorine"].molar_mass) == pytest.approx(70.906 / 24.45, rel=1e-3)
    assert round(float(ppm_to_mg_m3(1.0, TABLE["chlorine"].molar_mass)), 1) == 2.9


def test_ppm_at_25c_by_hand():
    from twin.chemicals import ppm_at_25c

    # By hand, ppm = mg/m³ × 24.45 / M: chlorine's HJ 169 endpoint-2, 5.8 × 24.45 / 70.906 = 141.81 / 70.906
    # = 1.99997 ppm (its AEGL-2, 2.0 ppm); ammonia's endpoint-2, 110 × 24.45 / 17.0305 = 157.92 ppm.
    assert float(ppm_at_25c(5.8, 70.906)) == pytest.approx(1.99997, abs=1e-5)
    assert float(ppm_at_25c(110.0, TABLE["ammonia"].molar_mass)) == pytest.approx(157.92, abs=0.01)
    # The 24.45 L/mol rule and the ideal-gas inverse (R T / p = 24.465 L/mol) agree to 0.06 %.
    assert float(ppm_at_25c(58.0, 70.906)) == pytest.approx(float(mg_m3_to_ppm(58.0, 70.906)), rel=1e-3)
    with pytest.raises(InputError, match="molar_mass"):
        ppm_at_25c(1.0, None)


def test_chlorine_hj169_endpoint_is_aegl3_at_25c():
    # HJ 169-2018 Table H.1 endpoint-1 of chlorine 58 mg/m3 = AEGL-3 (60 min) 20 ppm at 25 °C → 58.0
    chlorine = TABLE["chlorine"]
    assert round(float(ppm_to_mg_m3(chlorine.aegl3_60min_ppm, chlorine.molar_mass)), 1) == 58.0
    assert chlorine.hj169_endpoint1_mg_m3 == 58.0


@pytest.mark.parametrize("key", ["chlorine", "ammonia", "hydrogen_sulfide", "hydrogen_chloride", "benzene",
                                 "sulfur_dioxide", "nitrogen_dioxide", "carbon_monoxide", "toluene"])
def test_hj169_endpoints_are_aegl_60min_at_25c_to_two_figures(key):
    """HJ 169-2018 Table H.1 endpoint-1/-2 = PAC-3/PAC-2 (here = AEGL-3/-2, 60 min) at 25 °C, 1 atm, rounded to two
    significant figures (e.g. ammonia 1100 ppm → 766 → 770 mg/m3)."""
    chemical = TABLE[key]
    endpoint1 = ppm_to_mg_m3(chemical.aegl3_60min_ppm, chemical.molar_mass)
    endpoint2 = ppm_to_mg_m3(chemical.aegl2_60min_ppm, chemical.molar_mass)
    assert _two_significant(float(endpoint1)) == chemical.hj169_endpoint1_mg_m3
    assert _two_significant(float(endpoint2)) == chemical.hj169_endpoint2_mg_m3


def test_legal_and_guideline_values_are_ordered_and_sourced():
    for chemical in TABLE:
        if chemical.hj169_endpoint1_mg_m3 is not None:
            assert chemical.hj169_endpoint1_mg_m3 > chemical.hj169_endpoint2_mg_m3
            assert "HJ 169-2018" in chemical.source_hj169
        levels = [v for v in (chemical.aegl1_60min_ppm, chemical.aegl2_60min_ppm, chemical.aegl3_60min_ppm) if v]
        assert levels == sorted(levels)
        if levels:
            assert "AEGL" in chemical.source_aegl
        erpg = [v for v in (chemical.erpg1_ppm, chemical.erpg2_ppm, chemical.erpg3_ppm) if v]
        assert erpg == sorted(erpg)
        assert chemical.source_properties and chemical.source_erpg


# (attribute, level name, source column) of every AEGL (60 min) and ERPG value of the table
GUIDELINE_LEVELS = (("aegl1_60min_ppm", "AEGL-1", "source_aegl"), ("aegl2_60min_ppm", "AEGL-2", "source_aegl"),
                    ("aegl3_60min_ppm", "AEGL-3", "source_aegl"), ("erpg1_ppm", "ERPG-1", "source_erpg"),
                    ("erpg2_ppm", "ERPG-2", "source_erpg"), ("erpg3_ppm", "ERPG-3", "source_erpg"))


@pytest.mark.parametrize("key", REQUIRED)
def test_every_aegl_and_erpg_value_is_filled_or_its_blank_is_explained(key):
    """A blank AEGL/ERPG cell says why in its source column: the whole family does not apply (lumped totals), the
    level was not recommended (carbon monoxide AEGL-1, 'NR'), or it names the level it left blank and why."""
    chemical = TABLE[key]
    for attribute, level, source_column in GUIDELINE_LEVELS:
        if getattr(chemical, attribute) is not None:
            continue
        reason = getattr(chemical, source_column)
        assert reason.startswith("not applicable") or (
            level in reason and ("not recommended" in reason or "left blank" in reason)), (key, level, reason)


def test_single_substances_have_aegl2_aegl3_and_erpg2():
    # The zones of a leak plan need the 60-min AEGL-2/-3 and the ERPG-2 of every single substance of the table; only
    # sulfur dioxide lacks its ERPG-3 and carbon monoxide its AEGL-1 (NR), each with its reason in the source column.
    singles = [chemical for chemical in TABLE if chemical.molar_mass is not None]
    assert len(singles) == 9
    for chemical in singles:
        assert None not in (chemical.aegl2_60min_ppm, chemical.aegl3_60min_ppm, chemical.erpg2_ppm), chemical.key
    blanks = {(chemical.key, level) for chemical in singles for attribute, level, _ in GUIDELINE_LEVELS
              if getattr(chemical, attribute) is None}
    assert blanks == {("carbon_monoxide", "AEGL-1"), ("sulfur_dioxide", "ERPG-3")}


def test_ammonia_guideline_values():
    # NRC (2008) AEGLs Vol. 6 ch. 2, 60 min: AEGL-1/2/3 30/160/1100 ppm; AIHA ERPG-1/2/3 25/150/750 ppm (ERPG-2 as
    # in the Korean NICS guideline 2021-3 Attachment 1 table; see the source column and docs/unverified.md)
    ammonia = TABLE["ammonia"]
    assert (ammonia.aegl1_60min_ppm, ammonia.aegl2_60min_ppm, ammonia.aegl3_60min_ppm) == (30.0, 160.0, 1100.0)
    assert (ammonia.erpg1_ppm, ammonia.erpg2_ppm, ammonia.erpg3_ppm) == (25.0, 150.0, 750.0)
    # hydrogen chloride: AEGL-1 1.8 ppm for all durations (NRC 2004 Vol. 4), ERPG 3/20/150 ppm (AIHA 2002 set)
    hydrogen_chloride = TABLE["hydrogen_chloride"]
    assert hydrogen_chloride.aegl1_60min_ppm == 1.8
    assert (hydrogen_chloride.erpg1_ppm, hydrogen_chloride.erpg2_ppm, hydrogen_chloride.erpg3_ppm) == (3.0, 20.0, 150.0)


def test_no_guideline_source_cites_a_team_note():
    for chemical in TABLE:
        assert "team notes" not in chemical.source_aegl + chemical.source_erpg, chemical.key


def _cf_standard_names() -> set[str]:
    table = Path(compliance_checker.__file__).parent / "data" / "cf-standard-name-table.xml"
    return {entry.get("id") for entry in ET.parse(table).getroot().iter("entry")}


def test_cf_standard_names_exist_in_the_cf_table():
    names = _cf_standard_names()
    for chemical in TABLE:
        if chemical.cf_standard_name is not None:
            assert chemical.cf_standard_name in names, chemical.key
    # CF standard-name table v93 has no chlorine or hydrogen sulfide mass concentration (CF Standard Name Table v93)
    assert TABLE["chlorine"].cf_standard_name is None and TABLE["hydrogen_sulfide"].cf_standard_name is None
    assert "CAS 7782-50-5" in TABLE["chlorine"].long_name


def test_lumped_totals_cannot_be_converted_to_ppm():
    with pytest.raises(InputError, match="'vocs': molar_mass is blank"):
        TABLE["vocs"].ppm_to_kg_m3(1.0)


@given(ppm=st.floats(1e-6, 1e6), temperature=st.floats(230.0, 330.0), pressure=st.floats(5e4, 1.1e5),
       molar_mass=st.floats(2.0, 300.0))
def test_ppm_mg_m3_round_trip(ppm, temperature, pressure, molar_mass):
    mg_m3 = ppm_to_mg_m3(ppm, molar_mass, temperature, pressure)
    assert mg_m3_to_ppm(mg_m3, molar_mass, temperature, pressure) == pytest.approx(ppm, rel=1e-12)


def test_mass_concentration_scales_with_density_of_air():
    # ideal gas: at fixed mixing ratio, c ∝ p / T
    hot = ppm_to_mg_m3(10.0, 17.0305, 2 * STANDARD_TEMPERATURE, STANDARD_PRESSURE)
    assert hot == pytest.approx(ppm_to_mg_m3(10.0, 17.0305) / 2)
    assert TABLE["ammonia"].ppm_to_kg_m3(1100.0) == pytest.approx(766e-6, rel=1e-3)  # ammonia AEGL-3 (60 min) at 25 °C


@pytest.mark.parametrize("key", ["chlorine", "ammonia", "benzene"])
def test_vapour_pressure_at_the_crc_boiling_point_is_one_atmosphere(key):
    # Two independent sources agree: Perry's 8th ed. Table 2-8 (DIPPR Eq. 101) at the CRC normal boiling point gives
    # 1 atm within 1 % (ammonia: +0.5 %, its table boiling point 239.85 K vs 239.82 K in the CRC Hvap table), and
    # inverting it returns the boiling point within 0.2 K.
    chemical = TABLE[key]
    assert vapour_pressure(chemical, chemical.boiling_point) == pytest.approx(STANDARD_PRESSURE, rel=1e-2)
    assert boiling_temperature(chemical, STANDARD_PRESSURE) == pytest.approx(chemical.boiling_point, abs=0.2)


def test_liquefied_gases_are_saturated_at_the_demo_tank_pressures():
    # The demo keeps chlorine at 7.8e5 Pa and ammonia at 1.0e6 Pa at 25 °C: their saturation pressures at 298.15 K
    # from Perry's Table 2-8 are 7.806e5 Pa and 9.996e5 Pa (evaluated here by hand from the DIPPR-101 coefficients).
    assert vapour_pressure(TABLE["chlorine"], 298.15) == pytest.approx(7.806e5, rel=1e-3)
    assert vapour_pressure(TABLE["ammonia"], 298.15) == pytest.approx(9.996e5, rel=1e-3)


def test_source_term_properties_and_probit_constants_carry_their_source():
    for chemical in TABLE:
        properties = (chemical.liquid_density_kg_m3, chemical.liquid_heat_capacity_j_kg_k,
                      chemical.heat_of_vaporization_j_kg, chemical.vapour_pressure_dippr101)
        if any(value is not None for value in properties):
            assert "Perry" in chemical.source_source_term and "CRC" in chemical.source_source_term
        probit = (chemical.probit_a, chemical.probit_b, chemical.probit_n)
        assert all(v is None for v in probit) or all(v is not None for v in probit)
        if chemical.probit_a is not None:
            assert "Purple Book" in chemical.source_probit
            # the Chinese plan's citation: the same title as published, the same caveat, in Chinese
            title = chemical.source_probit.split(")", 1)[0] + ")"
            assert chemical.source_probit_zh.startswith(title) and "待核实" in chemical.source_probit_zh
    assert TABLE["benzene"].probit_a is None  # no citable probit constants: the reports say "not available"


def test_vapour_pressure_outside_the_correlation_is_refused():
    with pytest.raises(InputError, match="range"):
        vapour_pressure(TABLE["chlorine"], 500.0)
    with pytest.raises(InputError, match="vapour_pressure_dippr101 is blank"):
        vapour_pressure(TABLE["hydrogen_chloride"], 250.0)
