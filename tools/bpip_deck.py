"""Write a BPIP-PRIME input (EPA's BPIPPRM) for the demo park's stacks and buildings, to build the reference data
in ``tests/data/bpip/`` with BPIPPRM outside the project (its source and binary never enter it).

    .venv/bin/python tools/bpip_deck.py OUT_DIR        # writes OUT_DIR/BPIP.INP; then run bpipprm in OUT_DIR

Coordinates are the park CRS minus the origin of the AERMOD reference deck (622000, 3587000): BPIPPRM keeps its
turned coordinates in single precision, which loses decimetres at UTM magnitudes. Building base elevations are the
ones ``dispersion.building_profile.park_tiers`` takes (the DEM at each footprint's representative point), stack base
elevations the park's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.building_profile import park_tiers  # noqa: E402
from tests.bpip_reference import write_bpip_input  # noqa: E402
from twin.demo import build_demo_park  # noqa: E402
from twin.io import load_park  # noqa: E402

ORIGIN = (622000.0, 3587000.0)  # [m] as tests/data/aermod/anchorage-1999


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    park = load_park(build_demo_park(tempfile.mkdtemp()))
    arrays = park.stack_arrays()
    stacks = [(s.id, float(arrays["base_elevation"][i]), s.height, float(arrays["x"][i]) - ORIGIN[0],
               float(arrays["y"][i]) - ORIGIN[1]) for i, s in enumerate(park.stacks)]
    buildings = [(f"B{i + 1:04d}", t.base, [(t.height, t.corners[:-1] - ORIGIN)])
                 for i, t in enumerate(park_tiers(park))]
    args.out.mkdir(parents=True, exist_ok=True)
    write_bpip_input(args.out / "BPIP.INP", "ParkTwin demo park", stacks, buildings)
    print(f"{args.out / 'BPIP.INP'}: {len(stacks)} stacks, {len(buildings)} buildings")


if __name__ == "__main__":
    main()
