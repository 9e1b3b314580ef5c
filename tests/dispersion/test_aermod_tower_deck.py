"""ParkTwin's AERMOD against AERMOD v21112 itself with a site tower: four profile levels (7, 30, 60, 120 m) with
gaps and measured σθ/σw, the whole of 1999 (``tests/data/aermod/tower-profile``, README there)."""

from __future__ import annotations

from pathlib import Path

import pytest

import dispersion.aermod as A
from tests.aermod_reference import WDROTATE, agreement, assert_agrees, read_deck, reference_met

FOLDER = Path(__file__).resolve().parents[1] / "data" / "aermod" / "tower-profile"


@pytest.mark.slow
def test_tower_deck_meets_the_agreement_targets_and_one_level_does_not(tmp_path):
    """Per receptor FAC2 ≥ 0.95, |FB| ≤ 0.05, r ≥ 0.98 for the period mean and the highest 1-h and 24-h values,
    the domain maxima within 5 % on the same receptor or a neighbour (≤ 354 m); the same hours profiled from the
    7 m level alone (what ParkTwin did before it read the tower) are further from AERMOD at the worst receptor
    and less correlated."""
    from tools.aermod_tower_deck import TOWER, write_tower  # the file AERMOD read (not kept in git: 2.3 MB)

    write_tower(tmp_path)
    deck = read_deck(FOLDER)
    mets = {"tower": reference_met(tmp_path / TOWER), "7 m level": reference_met()}
    runs = {name: A.run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met,
                               true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0)
            for name, met in mets.items()}
    # measured (tower | 7 m level), 8760 h (AERMOD 22 s CPU; ParkTwin 4.9 s):
    #   period FAC2 1.000 | 0.925, FB −0.0005 | −0.128, r 1.0000 | 0.772, max ratio 1.0005 (0 m) | 1.179 (354 m),
    #          worst receptor |Cp/Co − 1| 0.003 | 2.07
    #   1h     FAC2 1.000 | 0.891, FB −0.0007 | +0.331, r 1.0000 | 0.219, max ratio 1.0001 (0 m) | 0.428 (3536 m),
    #          worst 0.012 | 0.87
    #   24h    FAC2 1.000 | 0.927, FB −0.0006 | −0.117, r 1.0000 | 0.645, max ratio 1.0025 (0 m) | 1.107 (2086 m),
    #          worst 0.012 | 3.70
    agreements = {label: agreement(result, deck, FOLDER) for label, result in runs.items()}
    for name in ("period", "1h", "24h"):
        ours, one_level = agreements["tower"][name], agreements["7 m level"][name]
        assert_agrees(name, ours)
        assert one_level["worst"] > 20.0 * ours["worst"], (name, ours, one_level)
        assert one_level["r"] < ours["r"], (name, ours, one_level)
