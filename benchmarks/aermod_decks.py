"""ParkTwin's AERMOD on the further AERMOD reference decks: agreement with AERMOD's own outputs and CPU time.

    .venv/bin/python benchmarks/aermod_decks.py [--deck NAME]   (NAME: albany-tower, area, area-shapes, area-urban,
                                                                  fugitive-hill, no2-arm2, no2-arm2-ratios, no2-olm,
                                                                  no2-olm-ppb, no2-olm-sources, terrain-hill,
                                                                  tower-hill, tower-profile, urban, urban-hill,
                                                                  volume or volume-urban)

* ``terrain-hill`` — elevated terrain (AERMOD's ELEV): 8 stacks around a 120 m hill, 441 receptors with AERMAP hill
  heights, every third on a 1.5 m flagpole; run as ``terrain: elevated`` and, for comparison, as flat terrain.
* ``tower-profile`` — a four-level site tower with gaps and measured σθ/σw (``TOWER.PFL``, written into a temporary
  folder by ``tools/aermod_tower_deck.py``); run through the tower's levels and, for comparison, from the 7 m level
  alone.
* ``tower-hill`` — the terrain deck with the tower deck's ``TOWER.PFL``, elevated terrain, July 1999 only; run
  through the tower's levels and, for comparison, from the 7 m level alone.
* ``urban`` — AERMOD's urban option (population 800 000, SO2 with its 4-h urban half-life), flat terrain, all
  receptors of the Anchorage deck; run urban and, for comparison, rural. ``urban-hill`` — the terrain-hill deck
  with the same urban option, elevated terrain; run urban and, for comparison, rural.
* ``volume`` — six volume sources (AERMOD VOLUME; 1–40 m, σ_y0 1–23 m, σ_z0 0.5–9 m), the Anchorage receptors and
  rings down to 10 m; run as volume sources and, for comparison, with no initial σ's. ``volume-urban`` — the same
  with the urban option; run urban and, for comparison, rural.
* ``area`` — four area sources (AERMOD AREA and AREAPOLY: a tank farm, a loading rack, a pond at the ground, a roof
  at 15 m), the Anchorage receptors and rings from the tank farm's centre out to 300 m; run as area sources only.
* ``area-urban`` — the area deck with the urban option; run urban and, for comparison, rural.
* ``area-shapes`` — two circular (AERMOD AREACIRC) and two line (AERMOD LINE) sources, as park.yaml's ``circle`` and
  ``line`` make them; run as area sources only.
* ``fugitive-hill`` — three volume and three area sources of those decks on the terrain deck's hill, elevated
  terrain, flagpoles; run as ``terrain: elevated`` and, for comparison, as flat terrain.
* ``no2-arm2`` — eight stacks of NOx, NO2 by AERMOD's ARM2 (default ratios 0.5 and 0.9); ``no2-arm2-ratios`` — the
  same with ARMRATIO 0.6 1.0; run with ARM2 and, for comparison, with every NOx as NO2. ``no2-olm`` — the same
  stacks with AERMOD's OLM (OLMGROUP ALL) and an hourly ozone file in µg/m³ with fills; ``no2-olm-ppb`` — in ppb
  without fills; ``no2-olm-sources`` — without OLMGROUP, each stack on its own; run with OLM and, for comparison,
  with every NOx as NO2.

* ``albany-tower`` — EPA's measured site tower of the AERMOD test cases (Albany, NY, 1–4 March 1988: three levels
  with σθ and σw), six stacks, 396 receptors on rings; run tabulated and, for comparison, with every pair evaluated
  exactly (``tabulate=False``, AERMOD's own cost).

All but ``albany-tower`` cover 1999 with the Anchorage surface file (``tests/data/aermod/README.md``). Printed,
measured in this run: FAC2, FB, r, max ParkTwin / max AERMOD and the distance between the maxima for the period
mean and the highest 1-h and 24-h values, the worst receptor's |Cp/Co − 1|, and ParkTwin's CPU time for the run. AERMOD's CPU time on this
machine is the README's measurement (v21112, gfortran -O2), not repeated here: AERMOD is not part of the project.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import dispersion.aermod as A  # noqa: E402
from dispersion.no2_chemistry import Arm2  # noqa: E402
from meteo import read_aermet  # noqa: E402
from tests.aermod_reference import WDROTATE, agreement, read_deck, reference_met  # noqa: E402
from tools.aermod_no2_deck import deck_olm  # noqa: E402
from tools.aermod_tower_deck import TOWER, write_tower  # noqa: E402
from tools.aermod_tower_hill_deck import JULY  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "aermod"
AERMOD_CPU_SECONDS = {"albany-tower": 0.3, "terrain-hill": 31.6, "tower-profile": 22.0, "tower-hill": 3.3,
                      "urban": 40.9, "urban-hill": 42.7,
                      "volume": 15.2, "volume-urban": 15.8, "area": 84.7,
                      "fugitive-hill": 70.0, "area-shapes": 184.0, "area-urban": 92.3,
                      "no2-arm2": 33.3, "no2-arm2-ratios": 33.4, "no2-olm": 35.0,
                      "no2-olm-ppb": 39.2, "no2-olm-sources": 35.9}  # tests/data/aermod/README.md
URBAN = A.AermodUrban(800_000.0)  # the urban decks' URBANOPT (tools/aermod_urban_deck.py)
UTC_OFFSET = -9.0  # Alaska standard time, the AERMET files' local time


def runs(deck_name: str, folder: Path) -> dict:
    """{label: (AermodResult, CPU seconds)}: the deck as AERMOD ran it, and the simpler run it replaces."""
    deck = read_deck(DATA / deck_name)
    options: dict = {}
    sources = {}
    bearing, offset = -WDROTATE, UTC_OFFSET
    met = reference_met()  # the Anchorage 1999 files every deck but albany-tower reads (a tower deck: its own PFL)
    if deck_name == "albany-tower":  # its own AERMET files, Eastern standard time, no grid rotation
        met = read_aermet(DATA / deck_name / "AERMET2.SFC", DATA / deck_name / "AERMET2.PFL", utc_offset_hours=-5.0,
                          fill_missing=True)
        bearing, offset = 0.0, -5.0
        cases = {"tabulated": (met, A.AermodTerrain()), "every pair": (met, A.AermodTerrain())}
        options = {"every pair": dict(tabulate=False)}
    elif deck_name == "volume":
        cases = {"volume": (met, A.AermodTerrain()), "no σ_0": (met, A.AermodTerrain())}
        sources = {"no σ_0": replace(deck.stacks, initial_sigma_y=deck.stacks.initial_sigma_y * 0.0,
                                     initial_sigma_z=deck.stacks.initial_sigma_z * 0.0)}
    elif deck_name.startswith("no2-olm"):
        cases = {"OLM": (met, A.AermodTerrain()), "all NO2": (met, A.AermodTerrain())}
        options = {"OLM": dict(no2=deck_olm(DATA / deck_name, met)[0])}
    elif deck_name.startswith("no2-arm2"):
        cases = {"ARM2": (met, A.AermodTerrain()), "all NO2": (met, A.AermodTerrain())}
        options = {"ARM2": dict(no2=Arm2(0.6, 1.0) if deck_name == "no2-arm2-ratios" else Arm2())}
    elif deck_name in ("area", "area-shapes"):
        cases = {"area": (met, A.AermodTerrain())}
    elif deck_name == "fugitive-hill":
        cases = {"elevated": (met, A.AermodTerrain("elevated", deck.hill_heights)), "flat": (met, A.AermodTerrain())}
    elif deck_name == "terrain-hill":
        cases = {"elevated": (met, A.AermodTerrain("elevated", deck.hill_heights)), "flat": (met, A.AermodTerrain())}
    elif deck_name.startswith("urban") or deck_name in ("volume-urban", "area-urban"):
        terrain = A.AermodTerrain("elevated", deck.hill_heights) if deck_name == "urban-hill" else A.AermodTerrain()
        cases = {"urban": (met, terrain), "rural": (met, terrain)}
        options = {"urban": dict(urban=URBAN, decay=A.decay_coefficient("SO2", None, urban=True))}
    elif deck_name == "tower-hill":  # July only (the deck's STARTEND)
        write_tower(folder)
        terrain = A.AermodTerrain("elevated", deck.hill_heights)
        cases = {"tower": (reference_met(folder / TOWER).sel(time=JULY), terrain),
                 "7 m level": (met.sel(time=JULY), terrain)}
    else:
        write_tower(folder)
        cases = {"tower": (reference_met(folder / TOWER), A.AermodTerrain()), "7 m level": (met, A.AermodTerrain())}
    out = {}
    for label, (met, terrain) in cases.items():
        # compile or load the kernels outside the timed run
        stacks = sources.get(label, deck.stacks)
        A.run_aermod(stacks, deck.rates_g_s * 1e-3, deck.receptors, met.isel(time=slice(0, 2)),
                     true_north_grid_bearing=bearing, terrain=terrain,
                     tabulate=options.get(label, {}).get("tabulate", True))
        cpu = time.process_time()
        result = A.run_aermod(stacks, deck.rates_g_s * 1e-3, deck.receptors, met,
                              true_north_grid_bearing=bearing, utc_offset_hours=offset, terrain=terrain,
                              **options.get(label, {}))
        out[label] = (result, time.process_time() - cpu)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deck", choices=sorted(AERMOD_CPU_SECONDS), action="append")
    args = parser.parse_args()
    for name in args.deck or sorted(AERMOD_CPU_SECONDS):
        deck = read_deck(DATA / name)
        with tempfile.TemporaryDirectory() as folder:
            results = runs(name, Path(folder))
        print(f"\n{name} (AERMOD v21112: {AERMOD_CPU_SECONDS[name]:g} s CPU, README)")
        print(f"{'run':<10} {'statistic':<12} {'FAC2':>6} {'FB':>8} {'r':>7} {'max ratio':>10} {'apart':>8} "
              f"{'worst':>7}")
        for label, (result, cpu) in results.items():
            for statistic, stats in agreement(result, deck, DATA / name).items():
                print(f"{label:<10} {statistic:<12} {stats['fac2']:6.3f} {stats['fb']:8.4f} {stats['r']:7.4f} "
                      f"{stats['max_ratio']:10.4f} {stats['max_distance_m']:6.0f} m {stats['worst']:7.3f}")
            same = label == next(iter(results))  # the first run is the one AERMOD made
            ratio = f" — AERMOD's CPU time / ParkTwin's: {AERMOD_CPU_SECONDS[name] / cpu:.1f}"
            print(f"{label:<10} CPU {cpu:.1f} s" + (ratio if same else " (not the run AERMOD made)"))


if __name__ == "__main__":
    main()
