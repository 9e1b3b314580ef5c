"""Ensemble definition: reproducible members, Latin-hypercube stratification, distributions, probabilities."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scenarios.common.ensemble import (
    EnsembleSpec,
    PerturbationSpec,
    exceedance_probability,
    expand_members,
    percentile_fields,
    perturb_weather,
)
from twin.errors import InputError
from twin.validation import parse_model

HASH_A = hashlib.sha256(b"scenario A").hexdigest()
HASH_B = hashlib.sha256(b"scenario B").hexdigest()


def spec(members=50, seed=0, **perturbations):
    return EnsembleSpec(members=members, seed=seed,
                        perturbations={k: PerturbationSpec(**v) for k, v in perturbations.items()})


WIND = {"distribution": "uniform", "low": -30.0, "high": 30.0}


def test_same_inputs_same_members_and_different_scenarios_differ():
    a = expand_members(spec(wind_direction_offset=WIND), HASH_A)
    again = expand_members(spec(wind_direction_offset=WIND), HASH_A)
    other = expand_members(spec(wind_direction_offset=WIND), HASH_B)
    reseeded = expand_members(spec(seed=1, wind_direction_offset=WIND), HASH_A)
    assert a == again
    assert [m.parameters for m in a] != [m.parameters for m in other]
    assert [m.parameters for m in a] != [m.parameters for m in reseeded]
    assert len({m.seed for m in a}) == len(a)  # every member has its own random stream


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 200), st.integers(0, 2**31))
def test_latin_hypercube_puts_one_member_in_each_equal_probability_bin(members, seed):
    # McKay et al. (1979): each margin is split into N equal-probability strata, one sample per stratum.
    design = expand_members(spec(members=members, seed=seed, wind_direction_offset=WIND), HASH_A)
    offsets = np.array([m.parameters["wind_direction_offset"] for m in design])
    bins = np.floor((offsets + 30.0) / 60.0 * members).astype(int)
    assert sorted(bins) == list(range(members))


def test_distributions_map_through_their_inverse_cdf():
    members = expand_members(spec(
        members=2000,
        wind_speed_factor={"distribution": "lognormal", "median": 1.0, "sigma_ln": 0.2},
        mixing_height_factor={"distribution": "normal", "mean": 1.0, "std": 0.2, "low": 0.5, "high": 1.5},
        emission_factor={"distribution": "uniform", "low": 0.5, "high": 2.0},
    ), HASH_A)
    speed = np.array([m.parameters["wind_speed_factor"] for m in members])
    mixing = np.array([m.parameters["mixing_height_factor"] for m in members])
    emission = np.array([m.parameters["emission_factor"] for m in members])
    # LHS margins are exact to one stratum: medians and bounds follow from the distributions' definitions.
    assert np.median(speed) == pytest.approx(1.0, rel=2e-3)
    assert np.std(np.log(speed)) == pytest.approx(0.2, rel=1e-2)
    assert mixing.min() >= 0.5 and mixing.max() <= 1.5
    assert np.median(mixing) == pytest.approx(1.0, abs=2e-3)
    assert emission.min() >= 0.5 and emission.max() <= 2.0
    assert stats.kstest(emission, "uniform", args=(0.5, 1.5)).pvalue > 0.5  # stratified: far better than random


def test_bad_specs_name_the_field():
    with pytest.raises(InputError, match="unknown perturbation 'wind_gust'"):
        parse_model(EnsembleSpec, {"members": 5, "perturbations": {"wind_gust": WIND}}, "scenario.yaml")
    with pytest.raises(InputError, match="needs std"):
        parse_model(EnsembleSpec, {"members": 5, "perturbations": {
            "emission_factor": {"distribution": "normal", "mean": 1.0}}}, "scenario.yaml")
    with pytest.raises(InputError, match="members"):
        parse_model(EnsembleSpec, {"members": 0}, "scenario.yaml")
    with pytest.raises(InputError, match="scenario_sha256"):
        expand_members(spec(), "not-a-hash")


def test_exceedance_probability_of_a_known_ensemble():
    # Ten members whose value at a receptor is 0, 1, ..., 9: P(C > 6.5) = 3/10 exactly, and P(C > 9) = 0.
    values = np.arange(10.0)[:, None] * np.ones((1, 3))
    assert exceedance_probability(values, 6.5) == pytest.approx([0.3, 0.3, 0.3])
    assert exceedance_probability(values, 9.0) == pytest.approx([0.0, 0.0, 0.0])
    # Percentiles by linear interpolation between order statistics: the 50th of 0..9 is 4.5.
    assert percentile_fields(values, (50.0,))[0] == pytest.approx([4.5, 4.5, 4.5])


def test_wind_direction_ensemble_probability_follows_from_the_sampled_directions():
    # A receptor 20° off the mean plume axis is inside a narrow plume (half-width 5°) only for members whose offset
    # lies within 20 ± 5°: with offsets uniform in ±30°, P = 10/60 — LHS hits it to within one stratum (1/N).
    members = expand_members(spec(members=600, wind_direction_offset=WIND), HASH_A)
    offsets = np.array([m.parameters["wind_direction_offset"] for m in members])
    inside = (np.abs(offsets - 20.0) < 5.0).astype(float)  # stands in for "concentration above the threshold"
    assert exceedance_probability(inside[:, None], 0.5)[0] == pytest.approx(10.0 / 60.0, abs=1.0 / 600)


def test_plume_ensemble_exceedance_matches_the_analytic_angular_window():
    """Wind-direction-only ensemble through the real kernel: the probability at a receptor follows from the draws.

    One 10-m ground-level release, class D, Briggs rural, 4 m/s, receptor 1 km north-east-ish at bearing 20° off
    the mean downwind axis. The concentration exceeds c* exactly when the crosswind offset y = r·sin(Δ) satisfies
    C_axis(x)·exp(-y²/2σy²) > c* (Turner 1970, Eq. 3.1) — so P(C > c*) is the fraction of sampled offsets inside
    that window, which we compute from the same formula member by member.
    """
    import xarray as xr

    from dispersion.plume import PlumeOptions, ReceptorSet, StackSet, run_plume

    members = expand_members(spec(members=120, wind_direction_offset=WIND), HASH_A)
    met = xr.Dataset(
        {"model_wind_speed": ("time", [4.0]), "wind_from_direction": ("time", [180.0]),  # blowing north
         "air_temperature": ("time", [293.15]), "stability_class": ("time", np.array([3], np.int8)),
         "atmosphere_boundary_layer_thickness": ("time", [5000.0])},
        coords={"time": np.array(["2026-07-15T00:00"], dtype="datetime64[ns]")})
    stacks = StackSet(("S",), np.zeros(1), np.zeros(1), np.zeros(1), np.full(1, 10.0), np.full(1, 0.1),
                      np.full(1, 0.1), np.full(1, 293.15))  # no buoyancy, negligible momentum rise
    bearing = np.deg2rad(20.0)
    receptors = ReceptorSet(x=np.array([1000.0 * np.sin(bearing)]), y=np.array([1000.0 * np.cos(bearing)]),
                            height=np.zeros(1), ground_elevation=np.zeros(1))
    options = PlumeOptions(sigma_model="briggs_rural", terrain="flat", stack_tip_downwash=False, parallel=False)
    values = []
    for member in members:
        result = run_plume(stacks, {"x": np.ones(1)}, receptors, perturb_weather(met, member.parameters), options)
        values.append(result["x_max_1h"].values[0])
    values = np.array(values)
    threshold = 0.3 * values.max()

    # The analytic window: angle between the receptor and each member's plume axis.
    offsets = np.array([m.parameters["wind_direction_offset"] for m in members])
    delta = np.deg2rad(20.0 - offsets)
    x, y = 1000.0 * np.cos(delta), 1000.0 * np.sin(delta)
    sigma_y = 0.08 * x / np.sqrt(1 + 0.0001 * x)  # Briggs (1973) rural D
    sigma_z = 0.06 * x / np.sqrt(1 + 0.0015 * x)
    height = result["effective_height"].values[0, 0]
    analytic = np.exp(-0.5 * (y / sigma_y) ** 2 - 0.5 * (height / sigma_z) ** 2) / (np.pi * 4.0 * sigma_y * sigma_z)
    expected = np.mean(analytic * 1e-3 > threshold)  # 1 g/s = 1e-3 kg/s
    assert 0.05 < expected < 0.95  # the receptor sits on the window's edge for some members, not all or none
    assert exceedance_probability(values[:, None], threshold)[0] == pytest.approx(expected, abs=1e-12)
