"""Write the AERMOD deck of the urban comparison (``tests/data/aermod/urban``, README there).

The eight stacks of the tower deck (``tools/aermod_tower_deck.py``) and all receptors of the Anchorage reference
deck (``tests/data/aermod/anchorage-1999``), flat terrain, AERMOD's urban option for every stack
(``URBANOPT`` with a population of 800 000 and AERMOD's default urban roughness of 1 m; ``URBANSRC ALL``),
``POLLUTID SO2`` without a half-life (AERMOD then decays urban SO2 with its 4-hour half-life), the whole of 1999.

    .venv/bin/python tools/aermod_urban_deck.py tests/data/aermod/urban
    .venv/bin/python tools/aermod_urban_deck.py --terrain-hill tests/data/aermod/urban-hill

writes ``aermod.inp`` and ``receptors.csv``; AERMOD itself is run outside the project (README of the folder).
``--terrain-hill``: the elevated-terrain deck of ``tests/data/aermod/terrain-hill`` (its own receptors, hill heights
and flagpoles) with the same urban option and met paths. ``--rural-nostd``: the flat deck rural, without stack-tip
downwash (``MODELOPT CONC FLAT NOSTD``; ``tests/data/aermod/nostd``). ``--capped``: the flat deck rural with
S004 and S006 capped (``POINTCAP``) and S005 and S015 horizontal (``POINTHOR``; ``tests/data/aermod/capped``).
``--tower``: the site-tower deck of ``tests/data/aermod/tower-profile`` with ``URBANOPT 500000``
(``tests/data/aermod/tower-urban``; its ``TOWER.PFL`` is written by ``tools/aermod_tower_deck.py``). ``--area``: the
area-source deck of ``tests/data/aermod/area`` with the urban option (``tests/data/aermod/area-urban``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.aermod_reference import point_cards, read_deck, write_reference_receptor_deck  # noqa: E402

STACKS = ("S004", "S005", "S006", "S015", "S016", "S017", "S019", "S020")
POPULATION = 800_000  # [persons]
URBAN_ROUGHNESS = 1.0  # [m], AERMOD's default
CAPPED = {"S004": "POINTCAP", "S006": "POINTCAP", "S005": "POINTHOR", "S015": "POINTHOR"}  # --capped


TOWER_POPULATION = 500_000  # [persons], --tower


def urban_copy(folder: Path, source: str, population: int, title: str | None) -> None:
    """Another deck with the urban option: URBANOPT before POLLUTID, URBANSRC before SRCGROUP, the met files read from
    the sibling ``anchorage-1999`` folder (a tower's own TOWER.PFL stays where it is)."""
    base = ROOT / "tests" / "data" / "aermod" / source
    lines = []
    for line in (base / "aermod.inp").read_text().splitlines():
        words = line.split()
        if words[:1] == ["TITLEONE"] and title:
            line = f"   TITLEONE  {title}"
        elif words[:1] == ["POLLUTID"]:
            lines.append(f"   URBANOPT  {population}")
        elif words[:1] == ["SRCGROUP"]:
            lines.append("   URBANSRC  ALL")
        elif words[:1] in (["SURFFILE"], ["PROFFILE"]) and "/" not in words[1] and words[1].startswith("ANCH"):
            line = f"   {words[0]}  ../anchorage-1999/{words[1]}"
        lines.append(line)
    (folder / "aermod.inp").write_text("\n".join(lines) + "\n")
    shutil.copyfile(base / "receptors.csv", folder / "receptors.csv")
    print(f"wrote {folder}/aermod.inp and receptors.csv (the {source} deck, urban)")


def terrain_hill(folder: Path) -> None:
    """The terrain-hill deck with the urban option."""
    urban_copy(folder, "terrain-hill", POPULATION, "ParkTwin comparison: 8 stacks on a 120 m hill, SO2, elevated "
                                                   "terrain, urban, no downwash")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--terrain-hill", action="store_true", help="the elevated-terrain deck, urban")
    parser.add_argument("--rural-nostd", action="store_true", help="the flat deck, rural, no stack-tip downwash")
    parser.add_argument("--capped", action="store_true", help="the flat deck, rural, capped and horizontal stacks")
    parser.add_argument("--tower", action="store_true", help="the site-tower deck, urban (population 500000)")
    parser.add_argument("--area", action="store_true", help="the area-source deck, urban")
    args = parser.parse_args()
    rural = args.rural_nostd or args.capped
    folder = args.folder
    folder.mkdir(parents=True, exist_ok=True)
    if args.terrain_hill:
        terrain_hill(folder)
        return
    if args.tower:
        urban_copy(folder, "tower-profile", TOWER_POPULATION, None)
        return
    if args.area:
        urban_copy(folder, "area", POPULATION, "ParkTwin comparison: 4 area sources, SO2, flat terrain, urban")
        return
    deck = read_deck()
    lines = ["CO STARTING",
             "   TITLEONE  ParkTwin comparison: 8 stacks, SO2, flat terrain, "
             + ("rural, NOSTD, no downwash" if args.rural_nostd else "rural, capped and horizontal stacks, no downwash"
                if args.capped else "urban (population 800000), no downwash"),
             "   TITLETWO  met ANCH-99_ADJU.SFC / ANCH-99_ADJU.PFL; written by tools/aermod_urban_deck.py",
             "   MODELOPT  CONC FLAT NOSTD" if args.rural_nostd else "   MODELOPT  CONC FLAT",
             "   AVERTIME  1  24  PERIOD", *([] if rural else [f"   URBANOPT  {POPULATION}"]),
             "   POLLUTID  SO2", "   RUNORNOT  RUN", "   ERRORFIL  errors.out", "CO FINISHED", "", "SO STARTING"]
    lines += point_cards(deck, STACKS, kinds=CAPPED if args.capped else None)
    lines += [*([] if rural else ["   URBANSRC  ALL"]), "   SRCGROUP  ALL", "SO FINISHED", "",
              "RE STARTING"]
    write_reference_receptor_deck(folder, lines, deck)
    print(f"wrote {folder}/aermod.inp and receptors.csv ({len(STACKS)} stacks, {deck.receptors.x.size} receptors)")


if __name__ == "__main__":
    main()
