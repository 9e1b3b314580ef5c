"""Receptor impacts: running means by averaging time, arrival, time above thresholds, dose, population."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.common.impact import (
    NOT_AVAILABLE,
    ProbitCoefficients,
    Threshold,
    death_probability,
    probit_value,
    receptor_impacts,
    receptor_probits,
    running_mean,
    toxic_load,
)
from twin.errors import InputError


def test_running_mean_by_hand():
    # 1-min samples 0, 6, 6, 0 with a 2-min window: means 0, 3, 6, 3 (hand-computed; samples before start are 0).
    np.testing.assert_allclose(running_mean(np.array([[0.0, 6.0, 6.0, 0.0]]), 60.0, 120.0), [[0.0, 3.0, 6.0, 3.0]])


def test_a_short_spike_does_not_exceed_a_60_min_threshold_but_does_a_10_min_one():
    # A 10-minute cloud at 60 mg/m3: its 10-min mean reaches 60, its 60-min mean only 10 (= 60 x 10/60) — a
    # 60-min AEGL of 20 mg/m3 is therefore NOT exceeded, though the instantaneous peak is three times it.
    step = 60.0
    series = np.zeros((1, 120))
    series[0, 30:40] = 60e-6  # kg m-3
    impacts = receptor_impacts(series, step, [Threshold("10-min", 20e-6, 600.0), Threshold("60-min", 20e-6, 3600.0)],
                               population=np.array([1200]), arrival_threshold="10-min")
    assert impacts.peak["10-min"][0] == pytest.approx(60e-6)
    assert impacts.peak["60-min"][0] == pytest.approx(10e-6)
    assert impacts.time_above["60-min"][0] == 0 and impacts.population_reached["60-min"] == 0
    assert impacts.population_reached["10-min"] == 1200
    # The 10-min mean first exceeds 20 mg/m3 once 4 of the 10 high samples are in the window: sample 33, t = 34 min.
    assert impacts.arrival_time[0] == pytest.approx(34 * 60.0)
    assert impacts.dose[0] == pytest.approx(60e-6 * 600.0)  # 10 minutes at 60 mg/m3


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.1, 10.0))
def test_impacts_scale_with_the_series(seed, factor):
    rng = np.random.default_rng(seed)
    series = rng.random((4, 30)) * 1e-5
    thresholds = [Threshold("a", 3e-6, 300.0)]
    base = receptor_impacts(series, 60.0, thresholds, np.ones(4, int), "a")
    scaled = receptor_impacts(series * factor, 60.0, [Threshold("a", 3e-6 * factor, 300.0)], np.ones(4, int), "a")
    np.testing.assert_allclose(scaled.dose, base.dose * factor, rtol=1e-12)
    np.testing.assert_allclose(scaled.peak["a"], base.peak["a"] * factor, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(scaled.arrival_time), np.isnan(base.arrival_time))


def test_bad_inputs_name_the_field():
    with pytest.raises(InputError, match="averaging_time"):
        running_mean(np.zeros((1, 5)), 60.0, 90.0)
    with pytest.raises(InputError, match="arrival_threshold"):
        receptor_impacts(np.zeros((1, 5)), 60.0, [Threshold("a", 1.0, 60.0)], np.ones(1), "b")


# Lethality probit Y = a + b ln(Σ Cⁿ Δt), C in mg/m3, Δt in min; P = Φ(Y − 5). Constants as in twin/chemicals.csv
# (TNO Purple Book CPR 18E values, see its source_probit column): chlorine a = −6.35, b = 0.5, n = 2.75;
# ammonia a = −15.6, b = 1, n = 2.
CHLORINE_PROBIT = ProbitCoefficients(-6.35, 0.5, 2.75, "test")
AMMONIA_PROBIT = ProbitCoefficients(-15.6, 1.0, 2.0, "test")


def test_probit_of_a_constant_exposure_is_the_closed_form():
    # Chlorine at 1000 mg/m3 for 30 min (30 one-minute samples), by hand:
    # Y = −6.35 + 0.5 ln(1000^2.75 × 30) = −6.35 + 0.5 (18.99633 + 3.40120) = 4.84876; P = Φ(−0.15124) = 0.43989.
    series = np.zeros((1, 60))
    series[0, :30] = 1000e-6  # kg m-3
    assert probit_value(series, 60.0, CHLORINE_PROBIT)[0] == pytest.approx(4.84876, abs=1e-5)
    assert death_probability(probit_value(series, 60.0, CHLORINE_PROBIT))[0] == pytest.approx(0.43989, abs=1e-5)
    # Ammonia at 5000 mg/m3 for 10 min sampled every 30 s: Y = −15.6 + ln(5000² × 10) = 3.73697; P = 0.10329.
    series = np.full((1, 20), 5000e-6)
    assert probit_value(series, 30.0, AMMONIA_PROBIT)[0] == pytest.approx(3.73697, abs=1e-5)
    assert receptor_probits(series, 30.0, AMMONIA_PROBIT)[0]["probability_of_death"] == pytest.approx(0.10329,
                                                                                                       abs=1e-5)


def test_no_exposure_gives_no_probit_and_zero_probability():
    result = receptor_probits(np.zeros((2, 10)), 60.0, CHLORINE_PROBIT)
    assert result == [{"probit": None, "probability_of_death": 0.0}] * 2


def test_a_substance_without_constants_is_not_available_never_a_number():
    result = receptor_probits(np.full((3, 10), 1e-3), 60.0, None)
    assert all(r == {"probit": NOT_AVAILABLE, "probability_of_death": NOT_AVAILABLE} for r in result)
    assert NOT_AVAILABLE == "not available"


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31), st.floats(1.01, 10.0))
def test_probability_grows_with_concentration(seed, factor):
    series = np.random.default_rng(seed).random((4, 30)) * 2e-3  # up to 2000 mg/m3
    base = death_probability(probit_value(series, 60.0, CHLORINE_PROBIT))
    more = death_probability(probit_value(series * factor, 60.0, CHLORINE_PROBIT))
    assert np.all(more >= base)
    assert np.all((0.0 <= base) & (base <= 1.0))
    # Y rises by exactly b·n·ln(factor) when every concentration is multiplied by factor [closed form].
    np.testing.assert_allclose(probit_value(series * factor, 60.0, CHLORINE_PROBIT)
                               - probit_value(series, 60.0, CHLORINE_PROBIT), 0.5 * 2.75 * np.log(factor))


def test_probit_bad_inputs_name_the_field():
    with pytest.raises(InputError, match="step/exponent"):
        toxic_load(np.zeros((1, 3)), 0.0, 2.0)
