"""A run that fails part-way leaves only complete files: no truncated output, no ``*.part*`` temporary.

The failure is simulated where a real one happens (disk full while a file is being written): the writer is
wrapped so that it writes its file, truncates it to half, and raises. The run uses the demo bundle on a coarse grid
(21 x 21 receptors, one pollutant) so that it takes about a second.
"""

from __future__ import annotations

import errno
import json
from pathlib import Path

import matplotlib.figure
import netCDF4
import numpy as np
import pytest
import xarray as xr
from PIL import Image

from scenarios.run import run_scenario_file
from tests.scenarios.conftest import XDIST_GROUP
from twin.errors import OutputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def coarse(data: dict) -> None:
    data["grid"]["spacing"] = 250
    data["pollutants"] = ["sulfur_dioxide"]


def fail_half_way(monkeypatch, owner, method: str, when) -> list[Path]:
    """Wrap ``owner.method(self, path, ...)``: when ``when(path)``, write, cut the file to half its size, raise
    ENOSPC. Returns the list of paths the failure struck (to check that it did)."""
    original = getattr(owner, method)
    struck: list[Path] = []

    def write_then_fail(self, path, *args, **kwargs):
        result = original(self, path, *args, **kwargs)
        if when(Path(path)):
            size = Path(path).stat().st_size
            with open(path, "rb+") as handle:
                handle.truncate(size // 2)
            struck.append(Path(path))
            raise OSError(errno.ENOSPC, "No space left on device (simulated by the test)", str(path))
        return result

    monkeypatch.setattr(owner, method, write_then_fail)
    return struck


def assert_only_complete_files(folder: Path) -> list[str]:
    """Every file in ``folder`` is final (no ``.part``) and reads completely; return their names."""
    names = sorted(p.name for p in folder.iterdir())
    assert [n for n in names if ".part" in n] == [], names
    for path in folder.iterdir():
        if path.suffix == ".nc":
            with netCDF4.Dataset(path) as nc:
                for variable in nc.variables.values():
                    variable[...]  # a truncated HDF5 file fails to open or to read
        elif path.suffix == ".png":
            with Image.open(path) as image:
                image.load()  # a truncated PNG raises here
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        else:
            assert path.read_text(encoding="utf-8").endswith("\n"), path
    return names


def test_a_failed_map_leaves_complete_netcdf_and_no_partial_png(bundle, monkeypatch):
    """The run dies while the first map PNG is written (after the NetCDF stage)."""
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    struck = fail_half_way(monkeypatch, matplotlib.figure.Figure, "savefig", lambda path: path.suffix == ".png")
    out = bundle.root / "out"
    with pytest.raises(OutputError, match="No space left"):  # exit 73 (twin.atomic), not a traceback
        run_scenario_file(bundle.scenario_yaml, out)
    assert len(struck) == 1 and struck[0].parent == out, struck
    names = assert_only_complete_files(out)
    assert names == ["monitors.nc", "plume.nc", "receptors.nc", "summary.json", "summary.txt"]
    with xr.open_dataset(out / "plume.nc", engine="netcdf4") as ds:  # the NetCDF stage finished: all 24 hours
        assert ds["sulfur_dioxide"].shape == (1, 24, 1, 21, 21)
        assert np.isfinite(ds["sulfur_dioxide"].values).all()


def test_a_failed_second_netcdf_leaves_the_first_complete_and_no_partial_file(bundle, monkeypatch):
    """The run dies while receptors.nc (the second file of the NetCDF stage) is written."""
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    struck = fail_half_way(monkeypatch, xr.Dataset, "to_netcdf", lambda path: path.name.lstrip(".").startswith("receptors"))
    out = bundle.root / "out"
    with pytest.raises(OutputError, match="No space left"):  # exit 73 (twin.atomic), not a traceback
        run_scenario_file(bundle.scenario_yaml, out)
    assert len(struck) == 1, struck
    assert assert_only_complete_files(out) == ["plume.nc"]
