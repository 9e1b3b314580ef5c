"""Shared fixtures of the scenario-layer tests: the `parktwin` command, and the demo built and run once per session.

The demo (117 stacks x 40,401 receptors x 24 h, NetCDF, maps, 3D scene) is the expensive part, so `parktwin demo`
runs exactly once per session, as a real subprocess; every other test reads its outputs or copies its bundle.
Under `pytest -n 2 --dist loadgroup` all scenario tests share one xdist group (see ``XDIST_GROUP``), so the demo is
not run again on a second worker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

XDIST_GROUP = "scenarios-demo"
REPO = Path(__file__).resolve().parents[2]
PARKTWIN = Path(sys.executable).parent / "parktwin"  # the console script installed by `pip install -e .`
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: park.yaml is ~60 kB
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


COLLECTED = pytest.StashKey[list]()  # every test collected, before -k or -m leave some out


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    config.stash[COLLECTED] = list(items)  # for the check that every test using the demo is in XDIST_GROUP


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("MPLBACKEND", "Agg")
    env.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")
    env.setdefault("NUMBA_CACHE_DIR", str(REPO / ".numba_cache"))
    # The `parktwin` subprocess must import the packages of the checkout under test, not whichever checkout the
    # venv's editable install points at (a git worktree sharing another checkout's venv would test that one).
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def fill_park_lists(path: Path, lists: str) -> None:
    """Give the demo's park.yaml at ``path`` the YAML ``lists`` (blocks such as ``volume_sources:`` and
    ``area_sources:`` at the start of a line) in place of the empty lists of those names, which the demo writes for
    every list of the schema; fails if the demo no longer writes one of them."""
    text = path.read_text(encoding="utf-8")
    for name in re.findall(r"^(\w+):", lists, flags=re.M):
        assert f"\n{name}: []\n" in text, f"the demo's park.yaml has no empty {name}: update the test"
        text = text.replace(f"\n{name}: []\n", "\n")
    path.write_text(text + lists, encoding="utf-8")


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def parktwin(*args: str | os.PathLike, timeout: float = 300.0) -> CliResult:
    """Run the installed `parktwin` console script with ``args``; return exit code, output and wall time."""
    assert PARKTWIN.is_file(), f"console script not installed at {PARKTWIN}"
    started = time.perf_counter()
    done = subprocess.run([str(PARKTWIN), *map(str, args)], capture_output=True, text=True, env=cli_env(),
                          timeout=timeout, cwd=REPO)
    return CliResult(done.returncode, done.stdout, done.stderr, time.perf_counter() - started)


@dataclass
class Demo:
    """The output of one `parktwin demo --out ROOT`: the bundle the demo wrote and the results of its run."""

    root: Path
    cli: CliResult

    @property
    def park_dir(self) -> Path:
        return self.root / "park"

    @property
    def park_yaml(self) -> Path:
        return self.root / "park" / "park.yaml"

    @property
    def weather_csv(self) -> Path:
        return self.root / "park" / "weather.csv"

    @property
    def scenario_yaml(self) -> Path:
        return self.root / "scenario.yaml"

    @property
    def results(self) -> Path:
        return self.root / "results"


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> Demo:
    """Build the demo park and run its 24-h plume scenario end to end, once per session (`parktwin demo`)."""
    root = tmp_path_factory.mktemp("demo")
    # The whole demo (every flagship scenario, every kernel compiled on a fresh cache) takes 2–4 min on 2 idle cores;
    # a shared CI machine can be several times slower, and a timeout here fails ~80 tests at once.
    result = parktwin("demo", "--out", root, timeout=1500.0)
    assert result.returncode == 0, f"parktwin demo failed ({result.returncode}):\n{result.stderr[-4000:]}"
    return Demo(root=root, cli=result)


@pytest.fixture(scope="module")
def leak(demo):
    """The output folder of the demo's chlorine leak (``leak/`` of the demo run)."""
    return demo.root / "leak"


@dataclass
class Bundle:
    """A private, editable copy of the demo bundle: park/ (park.yaml, dem.tif, buildings.geojson, weather.csv)
    and scenario.yaml (which points at park/park.yaml and park/weather.csv)."""

    root: Path

    @property
    def park_yaml(self) -> Path:
        return self.root / "park" / "park.yaml"

    @property
    def weather_csv(self) -> Path:
        return self.root / "park" / "weather.csv"

    @property
    def scenario_yaml(self) -> Path:
        return self.root / "scenario.yaml"

    def replace_in(self, path: Path, old: str, new: str) -> None:
        """Replace the first ``old`` in ``path`` by ``new``; fail if ``old`` is not there (the demo changed)."""
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not found in {path}: update the test to the current demo"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def edit_yaml(self, path: Path, edit) -> None:
        """Load ``path`` as YAML, let ``edit(data)`` change it in place, write it back."""
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
        edit(data)
        path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.fixture
def bundle(demo, tmp_path) -> Bundle:
    """A fresh copy of the demo bundle in ``tmp_path`` for a test to break."""
    shutil.copytree(demo.park_dir, tmp_path / "park")
    shutil.copy2(demo.scenario_yaml, tmp_path / "scenario.yaml")
    return Bundle(tmp_path)
