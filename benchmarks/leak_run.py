"""The demo leak end to end: today's models against the previous default (commit e32afad), ratios from one run.

    .venv/bin/python benchmarks/leak_run.py

Issue 11 asks the converged puff model to cost at most 2× the previous default run on the demo leak. This script
builds the demo park once, writes the demo leak scenario (T-CL01, HJ 169 worst case, 22 km grid at 110 m) and times
``run_scenario_file`` — source term, dispersion, zones, impacts, NetCDF, maps, 3D scene, plan — in three trees:

* previous: commit e32afad (30-s instantaneous puffs sampled every 60 s, no model choice), unpacked with
  ``git archive`` into a temporary folder;
* converged puffs: this tree with ``dispersion_model: passive`` (the integrated puffs, automatic interval, the zone
  transect);
* dense (the default): this tree as HJ 169-2018 G.2.1 chooses for the demo's chlorine pool (the SLAB equations).

Each run is a fresh ``python`` process (as the CLI runs) after one warm-up run that fills the Numba caches; the best
of ``REPEAT`` is printed. Machines are shared: compare the ratios, not the seconds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PREVIOUS = "e32afad"
REPEAT = 2


def run_once(tree: Path, scenario: Path, out: Path, cache: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree), NUMBA_CACHE_DIR=str(cache), MPLBACKEND="Agg",
               PYVISTA_OFF_SCREEN="true")
    env.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    code = ("import sys; from scenarios.run import run_scenario_file; "
            "run_scenario_file(sys.argv[1], sys.argv[2])")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(scenario), str(out)], cwd=tree, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def best(tree: Path, scenario: Path, work: Path, name: str) -> float:
    cache = work / f"cache-{name}"
    run_once(tree, scenario, work / f"{name}-warm", cache)  # compile or load the kernels once
    return min(run_once(tree, scenario, work / f"{name}-{k}", cache) for k in range(REPEAT))


def main() -> None:
    sys.path.insert(0, str(REPO))
    from scenarios.demo import _LEAK
    from twin.demo import build_demo_park

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        build_demo_park(work / "park")
        scenarios = {"previous": _LEAK, "converged": _LEAK + "dispersion_model: passive\n", "dense": _LEAK}
        paths = {}
        for name, text in scenarios.items():
            paths[name] = work / f"leak-{name}.yaml"
            paths[name].write_text(text, encoding="utf-8")
        previous_tree = work / "previous"
        previous_tree.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", PREVIOUS], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(previous_tree)], input=archive.stdout, check=True)
        load = os.getloadavg()[0]
        seconds = {"previous": best(previous_tree, paths["previous"], work, "previous"),
                   "converged": best(REPO, paths["converged"], work, "converged"),
                   "dense": best(REPO, paths["dense"], work, "dense")}
    print(f"demo leak end to end (parktwin run leak.yaml in a fresh process, best of {REPEAT}; load {load:.2f}):")
    for name in ("previous", "converged", "dense"):
        print(f"  {name:<10s} {seconds[name]:6.2f} s   ratio to previous {seconds[name] / seconds['previous']:.2f}")


if __name__ == "__main__":
    main()
