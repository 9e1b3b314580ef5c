"""Write the AERMOD deck of the NO2 comparison (``tests/data/aermod/no2-arm2``, README there).

The eight stacks of the urban deck (``tools/aermod_urban_deck.py``), rural, their SO2 rates of the Anchorage
reference deck times ``SCALE`` as NOx, so that the highest 1-h totals (≈ 500 µg/m³) span the range where ARM2's
ratio falls from its maximum to its minimum; all receptors of the reference deck, flat terrain, ``POLLUTID NO2`` and
AERMOD's Ambient Ratio Method 2 (``MODELOPT CONC FLAT ARM2``; AERMOD's default ratios 0.5 and 0.9, or
``--ratios MIN MAX`` for an ``ARMRATIO`` card), the whole of 1999.

    .venv/bin/python tools/aermod_no2_deck.py tests/data/aermod/no2-arm2
    .venv/bin/python tools/aermod_no2_deck.py --ratios 0.6 1.0 tests/data/aermod/no2-arm2-ratios

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import REFERENCE, deck_end, read_deck  # noqa: E402

STACKS = ("S004", "S005", "S006", "S015", "S016", "S017", "S019", "S020")  # the urban deck's
SCALE = 30.0  # NOx rate / the reference deck's SO2 rate [-]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ratios", nargs=2, type=float, metavar=("MIN", "MAX"), help="ARMRATIO's two ratios")
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    index = [deck.stacks.ids.index(i) for i in STACKS]
    s = deck.stacks
    ratios = ([f"   ARMRATIO  {args.ratios[0]:.2f}  {args.ratios[1]:.2f}"] if args.ratios else [])
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: 8 stacks, NOx as NO2 with ARM2, flat terrain, rural, no downwash",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_no2_deck.py",
             "   MODELOPT  CONC FLAT ARM2", "   AVERTIME  1  24  PERIOD", "   POLLUTID  NO2", *ratios,
             "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    for k, i in enumerate(index):
        lines.append(f"   LOCATION  {STACKS[k]}  {'POINT':>8}  {s.x[i]:10.2f} {s.y[i]:10.2f} {0.0:8.2f}")
    for k, i in enumerate(index):
        lines.append(f"   SRCPARAM  {STACKS[k]}  {deck.rates_g_s[i] * SCALE:12.4f} {s.height[i]:7.2f} "
                     f"{s.exit_temperature[i]:7.2f} {s.exit_velocity[i]:6.2f} {s.inner_diameter[i]:6.3f}")
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    for j in range(deck.receptors.x.size):
        lines.append(f"   DISCCART  {deck.receptors.x[j]:10.2f} {deck.receptors.y[j]:10.2f}")
    lines += deck_end()
    (folder / "aermod.inp").write_text("\n".join(lines))
    shutil.copyfile(REFERENCE / "receptors.csv", folder / "receptors.csv")
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(STACKS)} stacks, {deck.receptors.x.size} receptors)")


if __name__ == "__main__":
    main()
