"""BPIP-PRIME building profiles (``dispersion.building_profile``): agreement with EPA's BPIPPRM and time.

    .venv/bin/python benchmarks/bpip.py

* ``tests/data/bpip/{A1P,A5p,demo}`` (README there): every dimension of every stack and direction and every GEP
  formula height against BPIPPRM 04274's printed values — the largest difference [m] and the count beyond its two
  decimals (0.01 m); CPU time of the compiled run, and BPIPPRM's CPU time on this machine for the demo park (8.7 s,
  the README's measurement — BPIPPRM is not part of the project) over ours.
* Larger parks than BPIPPRM handles in reasonable time, synthetic and seeded: 5000 rectangular buildings with 500
  stacks, and 100 round tanks of 64 corners with 20 stacks — CPU time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.building_profile import Tier, building_profiles  # noqa: E402
from tests.bpip_reference import DIMENSIONS, read_bpip_input, read_bpip_output  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "bpip"
BPIPPRM_DEMO_CPU = 8.7  # [s] tests/data/bpip/README.md
FIELDS = dict(zip(DIMENSIONS, ("height", "width", "length", "xbadj", "ybadj")))


def timed(stacks_x, stacks_y, base, tiers):
    cpu = time.process_time()
    profiles = building_profiles(stacks_x, stacks_y, base, tiers)
    return profiles, time.process_time() - cpu


def synthetic(kind: str):
    rng = np.random.default_rng(1)
    tiers = []
    if kind == "blocks":
        for i in range(100):
            for j in range(50):
                x, y = i * 40.0 + rng.uniform(0, 10), j * 40.0 + rng.uniform(0, 10)
                w, d = rng.uniform(10, 30), rng.uniform(10, 30)
                tiers.append(Tier(corners=np.array([[x, y], [x + w, y], [x + w, y + d], [x, y + d]]),
                                  height=rng.uniform(5, 60), building=len(tiers)))
        return rng.uniform(0, 4000, 500), rng.uniform(0, 2000, 500), tiers
    angle = np.linspace(0.0, 2.0 * np.pi, 65)[:-1]
    for i in range(10):
        for j in range(10):
            r = rng.uniform(8, 15)
            tiers.append(Tier(corners=np.column_stack([i * 35.0 + r * np.cos(angle), j * 35.0 + r * np.sin(angle)]),
                              height=rng.uniform(10, 20), building=len(tiers)))
    return rng.uniform(0, 350, 20), rng.uniform(0, 350, 20), tiers


def main() -> None:
    names, stacks, tiers = read_bpip_input(DATA / "A1P" / "BPIP.INP")
    building_profiles(stacks[:, 0], stacks[:, 1], stacks[:, 2], tiers)  # compile or load the kernels first
    print(f"{'case':<8} {'stacks':>6} {'tiers':>6} {'worst |ours - BPIPPRM| m':>26} {'beyond 0.01 m':>14} {'CPU s':>7}")
    for case in ("A1P", "A5p", "demo"):
        names, stacks, tiers = read_bpip_input(DATA / case / "BPIP.INP")
        reference, gep = read_bpip_output(DATA / case / "BPIP.OUT")
        profiles, cpu = timed(stacks[:, 0], stacks[:, 1], stacks[:, 2], tiers)
        differences = [np.abs(getattr(profiles, field)[i] - reference[name][key])
                       for i, name in enumerate(names) for key, field in FIELDS.items()]
        differences.append(np.abs(profiles.gep_formula - np.array([gep[n] for n in names])))
        worst = max(float(d.max()) for d in differences)
        beyond = sum(int((d > 0.01).sum()) for d in differences)
        print(f"{case:<8} {len(names):>6} {len(tiers):>6} {worst:>26.4f} {beyond:>14} {cpu:>7.2f}")
        if case == "demo":
            print(f"  BPIPPRM's CPU time on the demo park / ParkTwin's: {BPIPPRM_DEMO_CPU / cpu:.0f}x")
    for kind, label in (("blocks", "5000 buildings x 500 stacks"), ("tanks", "100 round 64-corner tanks x 20 stacks")):
        sx, sy, tiers = synthetic(kind)
        _, cpu = timed(sx, sy, np.zeros(sx.size), tiers)
        print(f"{label}: {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
