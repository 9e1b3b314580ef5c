"""ParkTwin's AERMOD against AERMOD v21112 on EPA's own measured site tower: the AERMET2 files of the AERMOD test
cases (Albany, NY, 1–4 March 1988: wind, temperature, σθ and σw at 10, 50 and 100 m, AERMET's −99.00 for a missing
temperature, one hour of a one-level substituted profile), six stacks, 396 receptors
(``tests/data/aermod/albany-tower``, README there)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import dispersion.aermod as A
from meteo import read_aermet
from tests.aermod_reference import agreement, assert_agrees, read_deck

FOLDER = Path(__file__).resolve().parents[1] / "data" / "aermod" / "albany-tower"
OFFSET = -5.0  # Eastern standard time: AERMET's hours are local standard time


def _met():
    return read_aermet(FOLDER / "AERMET2.SFC", FOLDER / "AERMET2.PFL", utc_offset_hours=OFFSET, fill_missing=True)


def _run(tabulate: bool) -> dict:
    deck = read_deck(FOLDER)
    result = A.run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, _met(), utc_offset_hours=OFFSET,
                          tabulate=tabulate)
    return agreement(result, deck, FOLDER)


def test_the_tower_files_read_as_aermod_reads_them():
    """Three levels every hour but one (hour 11 of 1 March: the airport's 6.1 m wind, one level); the 50 m
    temperature missing (−99.00) from 3 March hour 18 on, the 50 m σw (99.00) in every hour; no calm or missing
    hour."""
    met = _met()
    heights = met["profile_height"].values
    assert met.sizes["time"] == 96 and (met["aermet_hour_flag"].values == 0).all()
    np.testing.assert_array_equal(heights[0], [10.0, 50.0, 100.0])
    assert heights[10, 0] == 6.1 and np.isnan(heights[10, 1:]).all()
    temperature, hours = met["profile_air_temperature"].values, np.arange(96)
    assert np.isnan(temperature[65:, 1]).all() and np.isfinite(temperature[(hours < 65) & (hours != 10), 1]).all()
    assert np.isfinite(temperature[hours != 10][:, [0, 2]]).all()
    assert np.isnan(met["profile_sigma_w"].values[:, 1]).all()


@pytest.mark.slow
def test_every_pair_evaluated_exactly_is_aermod_at_every_receptor():
    """The exact path (every pair at its own distance) gives AERMOD's period mean and highest 1-h and 24-h values
    at every receptor to the plot files' five decimals — measured: 8e-7, 1e-7 and 5e-7 of the value at the worst
    receptor."""
    stats = _run(tabulate=False)
    for name in ("period", "1h", "24h"):
        assert_agrees(name, stats[name], fb=1e-5, r=0.999999, max_ratio=1e-5, worst=1e-5)


@pytest.mark.slow
def test_the_tabulated_path_meets_the_targets_with_its_measured_error():
    """The tabulated path (``dispersion._aermod_kernels``): measured worst receptors 0.15 / 1.31 / 0.37 % (period,
    1-h, 24-h). Without the bends of ``_mark_kinks`` it was 0.30 / 2.45 / 0.76 % — the 1-h one where a stable
    plume's meander weight and F_z stop growing abruptly between two nodes, 342 m upwind of the 10 m stack (the
    effective-parameter layer reaches the ground) — and fails here."""
    stats = _run(tabulate=True)
    for name, worst in (("period", 0.0025), ("1h", 0.02), ("24h", 0.006)):
        assert_agrees(name, stats[name], fb=0.002, r=0.999, max_ratio=0.005, worst=worst)
