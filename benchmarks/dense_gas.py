"""SLAB dense-gas member: time per run after compilation, and its ratio to a Gaussian puff member, in one run.

    .venv/bin/python benchmarks/dense_gas.py

Case: chlorine 10 kg/s for 1 h as a horizontal jet (1 m high, 0.01 m² exit) and as an evaporating pool (200 m²),
F stability, 1.5 m/s at 10 m, z0 = 0.1 m, followed to 10 km (61 stations, 180 integration steps), plus the peak
concentration on a 100-receptor transect. The puff member: the same 10 kg/s for 1 h with 1-min puffs, F, 1.5 m/s,
on 100 receptors along the same transect, single-threaded. Ratios are measured here, not asserted by a test.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion import dense_gas as dg  # noqa: E402
from dispersion.plume import ReceptorSet  # noqa: E402
from dispersion.puff import PuffMet, PuffOptions, PuffRelease, run_puff  # noqa: E402

CHLORINE = dict(molecular_weight=0.070906, vapour_heat_capacity=498.1, boiling_temperature=239.1,
                liquid_mass_fraction=0.0, heat_of_vaporization=287840.0, liquid_heat_capacity=926.3,
                liquid_density=1574.0, saturation_pressure_b=1978.34, saturation_pressure_c=-27.01,
                source_temperature=239.1)


def best_of(function, repeats: int = 20) -> float:
    function()  # compile or load from the cache
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return min(runs)


def main() -> None:
    met = dg.SlabMet(roughness=0.1, wind_height=10.0, wind_speed=1.5, air_temperature=293.0, relative_humidity=50.0,
                     stability_class=6.0)
    options = dg.SlabOptions(averaging_time=600.0, max_distance=10000.0)
    x = np.geomspace(20.0, 10000.0, 100)
    members = {
        "horizontal jet": dg.SlabRelease(source_type="horizontal_jet", rate=10.0, source_area=0.01, duration=3600.0,
                                         height=1.0, **CHLORINE),
        "evaporating pool": dg.SlabRelease(source_type="evaporating_pool", rate=10.0, source_area=200.0,
                                           duration=3600.0, **CHLORINE),
    }
    started = time.perf_counter()
    dg.run_slab(members["horizontal jet"], met, options)
    first_call = time.perf_counter() - started

    rec = ReceptorSet(x=x, y=np.zeros(x.size), height=np.zeros(x.size), ground_elevation=np.zeros(x.size))
    puff_met = PuffMet(times=np.array([0.0]), wind_speed=np.array([1.5]), wind_from_direction=np.array([270.0]),
                       stability=np.array([5]), mixing_height=np.array([1e30]))
    puff_release = PuffRelease(0.0, 0.0, 0.0, 1.0, np.array([0.0, 3600.0]), np.array([10.0]))
    puff_options = PuffOptions(puff_interval=60.0, sampling_step=600.0, duration=3 * 3600.0,
                               averaging_windows=(600.0,), terrain="flat", parallel=False)
    puff = best_of(lambda: run_puff(puff_release, rec, puff_met, puff_options), repeats=5)

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"first call (compile or cache load): {first_call:.2f} s")
    print(f"Gaussian puff member (60 puffs, 100 receptors, 3 h, 1 thread): {1e3 * puff:8.2f} ms")
    for name, release in members.items():
        run = best_of(lambda: dg.run_slab(release, met, options))
        result = dg.run_slab(release, met, options)
        query = best_of(lambda: dg.slab_peak_concentration(result, x, 0.0, 0.0))
        print(f"SLAB {name:17s} to 10 km: {1e3 * run:8.2f} ms per member (+{1e3 * query:.3f} ms for 100 peak "
              f"receptors)  ratio to the puff member {run / puff:.2f}")


if __name__ == "__main__":
    main()
