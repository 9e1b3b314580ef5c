"""Airborne source term of a liquid spill (flash + pool evaporation) and of a two-phase jet (dispersion.source_terms
.spill): mass balance, analytic solutions and hand-evaluated HJ 169-2018 formulas.

References next to the numbers:

[ANA]   Exact time integral of HJ 169-2018 Eq. (F.11) for a constant pool area S:
        m(t) = 2 λ S (T₀ − T_b) √t / (H √(π α)).
[HAND]  The HJ 169-2018 formula evaluated by hand, written out next to the number.
[CHEM]  twin/chemicals.csv values for chlorine (Perry's 8th ed. / CRC, see its source columns):
        C_p = 927.1 J/(kg K), H_v = 287 846 J/kg, T_b = 239.15 K.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispersion.source_terms import (
    GROUND_THERMAL_PROPERTIES_HJ169,
    MASS_TRANSFER_COEFFICIENTS_HJ169,
    PoolConditions,
    flash_and_pool_series,
    flash_fraction,
    two_phase_series,
)
from twin.errors import InputError

CHLORINE_POOL = PoolConditions(liquid_density=1393.9, boiling_temperature=239.15, heat_of_vaporization=287846.0,
                               molar_mass=0.070906, ambient_temperature=298.15, wind_speed=1.5, stability="stable")


def test_flash_fraction_of_liquid_chlorine_at_25_c():
    # [HAND] with [CHEM]: F_v = 927.1 × (298.15 − 239.15) / 287846 = 0.190028
    assert flash_fraction(927.1, 298.15, 239.15, 287846.0) == pytest.approx(0.190028, rel=1e-5)


def test_a_bunded_boiling_pool_evaporates_as_the_exact_integral_of_f11():
    # 10 t spilled in the first minute into a 100 m² bund (spreading would reach 15.9 m > 5.64 m at 60 s, so the
    # bund limits the pool from the first step); no flash. [ANA]: m(600 s) = 2·1.1·100·59 √600/(287846 √(π·1.29e-7))
    # = 1735.08 kg on concrete (λ = 1.1 W/(m K), α = 1.29e-7 m²/s, HJ 169 Table F.2).
    pool = PoolConditions(**{**CHLORINE_POOL.__dict__, "bund_area": 100.0})
    time = np.arange(0.0, 601.0, 60.0)
    tank = np.where(time > 0.0, 0.0, 10000.0)
    series = flash_and_pool_series(time, tank, 0.0, pool)
    conductivity, diffusivity = GROUND_THERMAL_PROPERTIES_HJ169["concrete"]
    exact = 2 * conductivity * 100.0 * 59.0 * math.sqrt(600.0) / (287846.0 * math.sqrt(math.pi * diffusivity))
    assert exact == pytest.approx(1735.08, abs=0.01)
    assert series.airborne_mass[-1] == pytest.approx(exact, rel=1e-12)
    assert series.pool_mass[-1] == pytest.approx(10000.0 - exact, rel=1e-12)
    np.testing.assert_allclose(series.pool_radius[1:], math.sqrt(100.0 / math.pi))


def test_a_pool_below_its_boiling_point_evaporates_by_mass_transfer_f12():
    # Benzene at 25 °C (T_b 353.24 K > T₀): no heat-transfer term, Q₃ of HJ 169 Eq. (F.12) on the bund's radius.
    # [HAND] Q₃ = α p M/(R T₀) u^((2−n)/(2+n)) r^((4+n)/(2+n)), stable row n = 0.3, α = 5.285e-3.
    pool = PoolConditions(liquid_density=873.0, boiling_temperature=353.24, heat_of_vaporization=393282.0,
                          molar_mass=0.0781118, ambient_temperature=298.15, wind_speed=1.5, stability="stable",
                          vapour_pressure=12640.0, bund_area=400.0)
    time = np.arange(0.0, 1201.0, 60.0)
    tank = np.where(time > 0.0, 0.0, 50000.0)
    series = flash_and_pool_series(time, tank, 0.0, pool)
    n, alpha = MASS_TRANSFER_COEFFICIENTS_HJ169["stable"]
    radius = math.sqrt(400.0 / math.pi)
    q3 = (alpha * 12640.0 * 0.0781118 / (8.314462618 * 298.15) * 1.5 ** ((2 - n) / (2 + n))
          * radius ** ((4 + n) / (2 + n)))
    np.testing.assert_allclose(series.pool_evaporation, q3, rtol=1e-12)
    assert np.all(series.flash == 0.0)


def test_flash_follows_the_outflow_and_the_pool_outlives_it():
    # Liquid chlorine leaving at 10 kg/s for 5 min, then nothing: flash = F_v × 10 kg/s while it flows and 0 after;
    # the boiling pool keeps evaporating after the outflow stops until it is gone.
    fraction = 0.190028  # [HAND] above
    time = np.arange(0.0, 3601.0, 60.0)
    tank = np.maximum(60000.0 - 10.0 * np.minimum(time, 300.0), 0.0)
    series = flash_and_pool_series(time, tank, fraction, CHLORINE_POOL)
    np.testing.assert_allclose(series.flash[:5], fraction * 10.0, rtol=1e-12)
    assert np.all(series.flash[5:] == 0.0)
    assert series.pool_evaporation[5] > 0.0  # evaporating after the outflow stopped
    assert series.pool_mass.min() >= 0.0
    if series.pool_mass[-1] == 0.0:  # gone: nothing airborne after that
        gone = int(np.argmax(series.pool_mass[1:] == 0.0)) + 1
        assert np.all(series.airborne[gone:] == 0.0)


@settings(max_examples=60, deadline=None)
@given(st.floats(100.0, 1e5), st.lists(st.floats(0.0, 1.0), min_size=2, max_size=40), st.floats(0.0, 0.5),
       st.booleans(), st.one_of(st.none(), st.floats(1.0, 2000.0)))
def test_mass_is_conserved(inventory, draws, fraction, boiling, bund):
    # airborne + pool + tank = inventory at every step edge, whatever the outflow history.
    steps = np.cumsum(np.asarray(draws)) / max(sum(draws), 1e-12)
    tank = np.concatenate([[inventory], inventory * (1.0 - np.minimum(steps, 1.0))])
    tank = np.minimum.accumulate(tank)
    time = 60.0 * np.arange(tank.size)
    pool = PoolConditions(liquid_density=1000.0, boiling_temperature=250.0 if boiling else 350.0,
                          heat_of_vaporization=4e5, molar_mass=0.05, ambient_temperature=298.15, wind_speed=2.0,
                          stability="neutral", vapour_pressure=5000.0, bund_area=bund)
    series = flash_and_pool_series(time, tank, fraction, pool)
    np.testing.assert_allclose(series.airborne_mass + series.pool_mass + series.tank_mass, inventory, rtol=1e-12)
    assert np.all(series.airborne >= 0.0) and np.all(series.pool_mass >= -1e-9 * inventory)


def test_two_phase_release_is_all_airborne_and_stops_when_the_tank_is_empty():
    # 1000 kg at 2 kg/s empties at 500 s (before the 1800 s limit): exactly the inventory is airborne, split
    # F_v : (1 − F_v) into vapour and aerosol [HAND].
    series = two_phase_series(2.0, 0.1, 1000.0, 1800.0, 60.0)
    assert series.time[-1] == pytest.approx(500.0)
    assert series.tank_mass[-1] == 0.0 and series.airborne_mass[-1] == pytest.approx(1000.0)
    np.testing.assert_allclose(series.two_phase_vapour, 0.2)
    np.testing.assert_allclose(series.two_phase_aerosol, 1.8)
    np.testing.assert_allclose(series.airborne_mass + series.tank_mass, 1000.0)
    assert np.all(series.pool_mass == 0.0)


def test_two_phase_release_is_cut_at_the_duration_limit():
    series = two_phase_series(2.0, 0.1, 10000.0, 1800.0, 60.0)
    assert series.time[-1] == 1800.0 and series.airborne_mass[-1] == pytest.approx(3600.0)  # 2 kg/s × 1800 s
    assert series.tank_mass[-1] == pytest.approx(6400.0)


def test_bad_inputs_name_the_field():
    subcooled = PoolConditions(**{**CHLORINE_POOL.__dict__, "boiling_temperature": 350.0})
    with pytest.raises(InputError, match="vapour_pressure"):
        flash_and_pool_series([0.0, 60.0], [10.0, 0.0], 0.0, subcooled)
    with pytest.raises(InputError, match="tank_mass"):
        flash_and_pool_series([0.0, 60.0], [10.0, 20.0], 0.0, CHLORINE_POOL)
    with pytest.raises(InputError, match="flash_fraction"):
        flash_and_pool_series([0.0, 60.0], [10.0, 0.0], 1.5, CHLORINE_POOL)
    with pytest.raises(InputError, match="release_rate"):
        two_phase_series(0.0, 0.1, 10.0, 60.0, 60.0)
