"""Write the AERMOD deck of the NO2 comparison (``tests/data/aermod/no2-arm2``, README there).

The eight stacks of the urban deck (``tools/aermod_urban_deck.py``), rural, their SO2 rates of the Anchorage
reference deck times ``SCALE`` as NOx, so that the highest 1-h totals (≈ 500 µg/m³) span the range where ARM2's
ratio falls from its maximum to its minimum; all receptors of the reference deck, flat terrain, ``POLLUTID NO2`` and
AERMOD's Ambient Ratio Method 2 (``MODELOPT CONC FLAT ARM2``; AERMOD's default ratios 0.5 and 0.9, or
``--ratios MIN MAX`` for an ``ARMRATIO`` card), the whole of 1999.

    .venv/bin/python tools/aermod_no2_deck.py tests/data/aermod/no2-arm2
    .venv/bin/python tools/aermod_no2_deck.py --ratios 0.6 1.0 tests/data/aermod/no2-arm2-ratios
    .venv/bin/python tools/aermod_no2_deck.py --olm tests/data/aermod/no2-olm
    .venv/bin/python tools/aermod_no2_deck.py --olm --ppb tests/data/aermod/no2-olm-ppb
    .venv/bin/python tools/aermod_no2_deck.py --olm --no-group tests/data/aermod/no2-olm-sources

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
``--olm``: the Ozone Limiting Method instead (``MODELOPT CONC FLAT OLM``, ``OLMGROUP ALL``, each stack its own
in-stack ratio ``NO2RATIO`` from ``IN_STACK``), with an hourly ozone file ``ozone.dat`` (µg/m³; ``--ppb``: in ppb)
of a synthetic daily and yearly cycle with missing hours (``ozone_value``) that ``OZONEVAL 60 UG/M3`` fills
(``--ppb``: no fill, a missing hour fully converted); ``--no-group``: without ``OLMGROUP``, each stack on its own
with all the ozone.
"""

from __future__ import annotations

import argparse
import math
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import point_cards, read_deck, write_reference_receptor_deck  # noqa: E402

STACKS = ("S004", "S005", "S006", "S015", "S016", "S017", "S019", "S020")  # the urban deck's
SCALE = 30.0  # NOx rate / the reference deck's SO2 rate [-]
IN_STACK = (0.05, 0.1, 0.2, 0.5, 0.1, 0.3, 0.15, 0.08)  # --olm: each stack's in-stack NO2/NOx ratio [-]
OZONE_FILL = 60.0  # [µg/m³] --olm: OZONEVAL, the value of a missing hour
MISSING = -999.0


def ozone_value(day: int, hour: int) -> float:
    """The synthetic ozone [µg/m³] of day-of-year ``day`` (1–365) at hour-ending ``hour`` (1–24, local): a daily
    cycle peaking mid-afternoon on a yearly one, 5–135 µg/m³; every 101st hour and day 200's hours 1–12 missing."""
    index = (day - 1) * 24 + hour
    if index % 101 == 0 or (day == 200 and hour <= 12):
        return MISSING
    return 70.0 + 45.0 * math.sin(2.0 * math.pi * (hour - 9) / 24.0) + 20.0 * math.sin(2.0 * math.pi * day / 365.0)


def write_ozone(folder: Path, ppb: bool) -> None:
    """``ozone.dat``: year month day hour value, the AERMET file's hours of 1999 (hour-ending local time)."""
    lines = []
    start = datetime(1999, 1, 1)
    for index in range(365 * 24):
        stamp = start + timedelta(hours=index)
        value = ozone_value(index // 24 + 1, index % 24 + 1)
        if ppb and value != MISSING:
            value /= 1.96
        lines.append(f"{stamp.year % 100:2d} {stamp.month:2d} {stamp.day:2d} {index % 24 + 1:2d} {value:9.3f}")
    (folder / "ozone.dat").write_text("\n".join(lines) + "\n")


def deck_olm(folder: Path, met):
    """The OLM of an ``--olm`` deck as ParkTwin takes it: ``ozone.dat`` of ``folder`` through
    ``dispersion.no2_chemistry.olm_ozone`` with the Obukhov lengths of ``met`` (``tests.aermod_reference
    .reference_met``), ppb unfilled when the deck says PPB, µg/m³ filled with ``OZONE_FILL`` otherwise; the stacks'
    ``IN_STACK`` ratios, every stack in one plume when the deck has ``OLMGROUP ALL``. Returns (Olm, the ozone hours'
    counts)."""
    import numpy as np

    from dispersion.aermod import aermod_weather
    from dispersion.no2_chemistry import Olm, olm_ozone

    deck = (folder / "aermod.inp").read_text()
    ppb = "OZONEFIL  ozone.dat  PPB" in deck
    raw = np.loadtxt(folder / "ozone.dat")[:, 4]
    ozone, missing, counts = olm_ozone(raw, aermod_weather(met).obukhov_length, units="ppb" if ppb else "ug_m3",
                                       fill_ug_m3=None if ppb else OZONE_FILL)
    return Olm(ozone, missing, np.array(IN_STACK), grouped="OLMGROUP  ALL" in deck), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ratios", nargs=2, type=float, metavar=("MIN", "MAX"), help="ARMRATIO's two ratios")
    parser.add_argument("--olm", action="store_true", help="OLM with an hourly ozone file instead of ARM2")
    parser.add_argument("--ppb", action="store_true", help="--olm: the ozone file in ppb, no fill")
    parser.add_argument("--no-group", action="store_true", help="--olm: no OLMGROUP, each stack on its own")
    args = parser.parse_args()
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    deck = read_deck()
    ratios = ([f"   ARMRATIO  {args.ratios[0]:.2f}  {args.ratios[1]:.2f}"] if args.ratios else [])
    method = "OLM" if args.olm else "ARM2"
    if args.olm:
        write_ozone(folder, args.ppb)
        ratios = [f"   OZONEFIL  ozone.dat  {'PPB' if args.ppb else 'UG/M3'}",
                  *([] if args.ppb else [f"   OZONEVAL  {OZONE_FILL:.1f}  UG/M3"])]
    lines = ["CO STARTING",
             f"   TITLEONE  ParkTwin comparison: 8 stacks, NOx as NO2 with {method}, flat terrain, rural, no downwash",
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_no2_deck.py",
             f"   MODELOPT  CONC FLAT {method}", "   AVERTIME  1  24  PERIOD", "   POLLUTID  NO2", *ratios,
             "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    lines += point_cards(deck, STACKS, rate_scale=SCALE)
    if args.olm:
        lines += [f"   NO2RATIO  {STACKS[k]}  {IN_STACK[k]:.2f}" for k in range(len(STACKS))]
        if not args.no_group:
            lines.append("   OLMGROUP  ALL")
    lines += ["   SRCGROUP  ALL", "SO FINISHED", "", "RE STARTING"]
    write_reference_receptor_deck(folder, lines, deck)
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(STACKS)} stacks, {deck.receptors.x.size} receptors)")


if __name__ == "__main__":
    main()
