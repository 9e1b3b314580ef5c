"""The AERMOD mode's transfer matrices: each source's response kept by the kernel in the run itself
(:func:`dispersion.aermod.aermod_hours_and_responses`), against a direct run and against the runs it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from dispersion.transfer import source_responses, subset_hours


def _aermod_case(land_use: str):
    """Sixty hours of EPA's Anchorage 1999 AERMET files (June: convective and stable hours) over three stacks (one by
    a building), a volume and an area source, in the AERMOD mode."""
    from dispersion.plume import PlumeOptions
    from dispersion.point_sources import point_source_hours
    from tests.aermod_reference import reference_met
    from tests.dispersion.test_aermod import receptors_grid
    from tests.dispersion.test_aermod_kernel import mixed_sources

    met = reference_met().isel(time=slice(3960, 4020))
    stacks = mixed_sources()
    options = PlumeOptions(dispersion="aermod", hour_rules="aermod", terrain="flat", land_use=land_use,
                           urban_population=5e5 if land_use == "urban" else None,
                           utc_offset_hours=-9.0, store_hourly=True, store_daily=True,
                           no2_conversion="arm2")
    return stacks, receptors_grid(250.0, 1500.0), point_source_hours(stacks, met, options), options


def test_aermod_transfer_matrix_times_q_equals_a_direct_run():
    """The AERMOD mode's transfer matrices (each source's response kept by the kernel in one run) against a direct
    run at emissions q × factors: hourly, daily and period means to 1e-9."""
    from dispersion.point_sources import evaluate_point_sources

    stacks, receptors, hours, options = _aermod_case("rural")
    rng = np.random.default_rng(11)
    factors = rng.uniform(0.0, 2.0, (hours.valid.size, 5))
    q = rng.uniform(1.0, 40.0, 5)  # [g/s]
    matrices = source_responses(stacks, receptors, hours, options, factors)
    direct = evaluate_point_sources(stacks, (factors * q * 1e-3)[None], receptors, hours, options, ["x"])
    scale = direct["x"][1].max()
    assert scale > 0.0 and matrices.hourly.shape == (hours.valid.size, 5, receptors.x.size)
    np.testing.assert_allclose(np.einsum("hsr,s->hr", matrices.hourly, q), direct["x"][1], rtol=1e-9,
                               atol=1e-12 * scale)
    np.testing.assert_allclose(np.einsum("dsr,s->dr", matrices.daily, q), direct["x_daily"][1], rtol=1e-9,
                               atol=1e-12 * scale)
    np.testing.assert_allclose(matrices.period_mean.T @ q, direct["x_period_mean"][1], rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("land_use, half_life", [("rural", {}), ("urban", {}), ("urban", {"unit": 7200.0})])
def test_fields_and_responses_of_one_aermod_run_equal_the_three_runs(land_use, half_life):
    """fields_and_responses (the EIA's year run: the field, the hours at the sensitive receptors and their transfer
    matrices from one AERMOD run) against the three runs it replaces — rural, urban (SO2 decays, the responses ride
    on the run without decay) and with a half-life of the responses' own (a run of their own) — with ARM2 on the NOx,
    which the transfer matrices leave linear."""
    from dataclasses import replace

    from dispersion.point_sources import evaluate_point_sources
    from dispersion.transfer import fields_and_responses, subset_stacks

    stacks, receptors, hours, options = _aermod_case(land_use)
    options = replace(options, store_hourly=False)
    substances = ["sulfur_dioxide", "nitrogen_dioxide"]
    rng = np.random.default_rng(5)
    factors = rng.uniform(0.5, 1.5, (hours.valid.size, 5))
    rates = rng.uniform(0.001, 0.02, (2, 1, 5)) * factors[None]
    rates[1, :, 3] = 0.0  # the volume source emits no NOx
    sources, at = np.array([0, 1, 3, 4]), np.array([5, 60, 84, 150])
    response_options = replace(options, store_hourly=True, store_daily=True, half_life=half_life)
    fields, hourly, transfer = fields_and_responses(stacks, rates, receptors, hours, options, substances, at=at,
                                                    factors=factors, sources=sources,
                                                    response_options=response_options)
    expected = evaluate_point_sources(stacks, rates, receptors, hours, options, substances)
    assert fields.keys() == expected.keys()
    for key, (dims, values) in expected.items():
        assert fields[key][0] == dims
        np.testing.assert_allclose(fields[key][1], values, rtol=1e-13, atol=1e-30)
    alone = evaluate_point_sources(stacks, rates, receptors.subset(at), hours, replace(options, store_hourly=True),
                                   substances)
    for key in substances:
        np.testing.assert_allclose(hourly[key], alone[key][1], rtol=1e-12, atol=1e-30)
    apart = source_responses(subset_stacks(stacks, sources), receptors.subset(at),
                             subset_hours(hours, source_index=sources), response_options, factors[:, sources])
    for name in ("hourly", "daily", "period_mean", "max_1h"):
        ours, theirs = getattr(transfer, name), getattr(apart, name)
        assert ours.shape == theirs.shape and theirs.max() > 0.0
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-13 * theirs.max())
