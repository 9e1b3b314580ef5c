"""PRIME building downwash against AERMOD v21112 with PRIME: agreement per receptor and CPU time, deck by deck.

    .venv/bin/python benchmarks/aermod_prime.py [--decks prime-cases prime-urban prime-terrain prime-tower prime-demo]

The decks are in ``tests/data/aermod`` (README there; ``tools/aermod_prime_deck.py`` writes the prime-* ones):
``prime-cases`` (8 stacks by 4 buildings, 396 receptors from 25 m to 2 km, 1999), the same in AERMOD's urban
option (``prime-urban``), in elevated terrain (``prime-terrain``) and with a four-level site tower
(``prime-tower``), and ``prime-demo`` (the demo park's 117 stacks and its buildings, January–February 1999).

Printed, measured in this one run, per deck: FAC2, FB, r, max ParkTwin / max AERMOD and the worst receptor's
|Cp/Co − 1| for the period mean, highest 1-h and highest 24-h values; ParkTwin's CPU time with the building cards
and without them (the same deck's plain AERMOD run), and the ratio of AERMOD's CPU time for the deck with PRIME
(measured once outside the project, README of ``tests/data/aermod``) to ParkTwin's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dispersion.aermod as A  # noqa: E402
from tests.aermod_reference import WDROTATE, agreement, read_building_cards, read_deck, reference_met  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "aermod"
AERMOD_CPU_SECONDS = {"prime-cases": 43.0, "prime-urban": 46.0, "prime-terrain": 46.0, "prime-tower": 41.0,
                      "prime-demo": 74.0}  # tests/data/aermod/README.md
HOURS = {"prime-demo": 59 * 24}  # the others: the whole of 1999


def _run(name: str, deck, buildings, met) -> object:
    options = dict(true_north_grid_bearing=-WDROTATE, utc_offset_hours=-9.0, buildings=buildings)
    if name == "prime-urban":
        options.update(urban=A.AermodUrban(800_000.0), decay=A.decay_coefficient("SO2", None, urban=True))
    if name == "prime-terrain":
        options.update(terrain=A.AermodTerrain("elevated", deck.hill_heights))
    return A.run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met, **options)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decks", nargs="+", default=list(AERMOD_CPU_SECONDS), choices=list(AERMOD_CPU_SECONDS))
    args = parser.parse_args()
    for name in args.decks:
        folder = DATA / name
        deck = read_deck(folder)
        if name == "prime-tower":
            from tools.aermod_tower_deck import TOWER, write_tower
            scratch = Path(tempfile.mkdtemp())
            write_tower(scratch)
            met = reference_met(scratch / TOWER)
        else:
            met = reference_met()
        if name in HOURS:
            met = met.isel(time=slice(0, HOURS[name]))
        buildings = read_building_cards(deck, folder)
        _run(name, deck, buildings, met.isel(time=slice(0, 2)))  # compile or load the kernels outside the timing
        times = {}
        for label, cards in (("with PRIME", buildings), ("without cards", None)):
            start = time.process_time()
            result = _run(name, deck, cards, met)
            times[label] = time.process_time() - start
            if cards is not None:
                stats = agreement(result, deck, folder)
        print(f"{name}: {len(deck.stacks.ids)} stacks, {deck.receptors.x.size} receptors, {met.sizes['time']} h")
        for statistic, s in stats.items():
            print(f"  {statistic:<7} FAC2 {s['fac2']:.3f}  FB {s['fb']:+.4f}  r {s['r']:.4f}  max ratio "
                  f"{s['max_ratio']:.4f} ({s['max_distance_m']:.0f} m)  worst receptor {100 * s['worst']:.2f} %")
        aermod = AERMOD_CPU_SECONDS[name]
        print(f"  CPU: ParkTwin {times['with PRIME']:.1f} s with PRIME ({times['without cards']:.1f} s without the "
              f"cards); AERMOD {aermod:.0f} s with PRIME: {aermod / times['with PRIME']:.1f}x")


if __name__ == "__main__":
    main()
