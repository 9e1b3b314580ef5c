"""Every script in ``examples/`` runs as a user would run it — a fresh Python process — and prints what it promises.

Each example has a check in :data:`CHECKS` (a new example without one fails ``test_every_example_has_a_check``).
The scripts run one after the other in one xdist group: under ``pytest -n 2 --dist loadgroup`` they share a worker
and do not compete with each other for the two cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scenarios.conftest import REPO, cli_env

EXAMPLES = REPO / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
TIMEOUT = 600.0  # [s] the leak example takes ~20-40 s on 2 shared cores; a loaded CI machine can be much slower

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("examples")]


def _table(stdout: str, header_start: str) -> list[list[str]]:
    """The whitespace-split rows printed after the line starting with ``header_start``."""
    lines = stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(header_start)]
    assert starts, f"no table header starting with {header_start!r} in the output:\n{stdout}"
    return [line.split() for line in lines[starts[-1] + 1:] if line.strip()]


def check_leak_hole_sizes(stdout: str, out: Path) -> None:
    """Three rows (5, 10, 20 mm); a larger hole releases faster and reaches at least as far; the printed distances are
    those of each run's impacts.json."""
    rows = _table(stdout, "hole [mm]")
    assert [row[0] for row in rows] == ["5", "10", "20"], rows
    assert all(len(row) == 6 for row in rows), rows
    hole, rate, _released, peak, endpoint1, endpoint2 = (list(map(float, column)) for column in zip(*rows))
    assert rate == sorted(rate) and len(set(rate)) == 3, f"peak release rate must grow with the hole: {rate}"
    assert peak == sorted(peak), f"the grid's maximum 60-min mean must grow with the hole: {peak}"
    assert endpoint1 == sorted(endpoint1) and endpoint2 == sorted(endpoint2), (endpoint1, endpoint2)
    assert all(0 < e1 <= e2 for e1, e2 in zip(endpoint1, endpoint2)), "endpoint-1 (higher) must lie inside endpoint-2"
    for millimetres, e1, e2 in zip(hole, endpoint1, endpoint2):
        impacts = json.loads((out / f"hole_{millimetres:g}mm" / "impacts.json").read_text(encoding="utf-8"))
        zones = {zone["name"]: zone["farthest_m"] for zone in impacts["zones"]}
        assert (zones["HJ 169 endpoint-1"], zones["HJ 169 endpoint-2"]) == (e1, e2), (millimetres, zones)


CHECKS = {"leak_hole_sizes.py": check_leak_hole_sizes}


def test_every_example_has_a_check():
    assert SCRIPTS, f"no example scripts in {EXAMPLES}"
    assert sorted(CHECKS) == [script.name for script in SCRIPTS]


@pytest.mark.parametrize("script", SCRIPTS, ids=[script.name for script in SCRIPTS])
def test_example_runs_and_prints_its_result(script, tmp_path):
    env = cli_env()
    env["PARKTWIN_EXAMPLES_OUT"] = str(tmp_path)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=TIMEOUT)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, f"{script.name} exited {done.returncode}:\n{done.stderr[-4000:]}"
    print(f"{script.name}: {seconds:.1f} s")
    CHECKS[script.name](done.stdout, tmp_path)
