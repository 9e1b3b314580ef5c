"""Every run records the input files it read with their SHA-256, in run.json and in its NetCDF files; parktwin
--version; a flood file says it is a flood simulation (issue 13 item 10)."""

from __future__ import annotations

import hashlib
import json

import pytest
import xarray as xr

from scenarios.cli import main
from scenarios.common.results import read_manifest
from tests.scenarios.conftest import XDIST_GROUP
from tests.scenarios.test_atomic import coarse
from twin.errors import InputError
from twin.inputs import inputs_read, record_input, recording_inputs
from twin.io import load_park

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_json_and_the_netcdf_list_every_input_with_its_digest(bundle):
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    out = bundle.root / "out"
    assert main(["run", str(bundle.scenario_yaml), "--out", str(out)]) == 0
    manifest = read_manifest(out)
    inputs = manifest["inputs_sha256"]
    park = bundle.root / "park"
    for path in (bundle.scenario_yaml, park / "park.yaml", park / "dem.tif", park / "buildings.geojson",
                 park / "weather.csv"):
        assert inputs[str(path.resolve())] == _sha(path.resolve()), path
    assert manifest["software"]["parktwin"]
    assert manifest["command_line"] == f"parktwin run {bundle.scenario_yaml} --out {out}"
    with xr.open_dataset(out / "plume.nc") as ds:
        assert json.loads(ds.attrs["input_files_sha256"]) == inputs


def test_recording_is_per_run_and_a_no_op_outside_one(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("a")
    b.write_text("b")
    record_input(a)  # outside a recording: nothing
    assert inputs_read() == {}
    with recording_inputs():
        record_input(a)
        with recording_inputs():  # nested: the same run's list
            record_input(b)
        assert inputs_read() == {str(a.resolve()): _sha(a), str(b.resolve()): _sha(b)}
    assert inputs_read() == {}


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("parktwin ")


def test_a_flood_file_does_not_call_itself_a_dispersion_simulation(demo):
    with xr.open_dataset(demo.root / "typhoon" / "flood.nc") as ds:
        assert "flood" in ds.attrs["processing_level"] and "dispersion" not in ds.attrs["processing_level"]


def test_park_metadata_sets_the_identity_attributes_of_every_netcdf_file(bundle):
    """creator_* and institution come from park.yaml's metadata (ACDD-1.3), not 'unspecified' (issue 13 item 10)."""
    bundle.edit_yaml(bundle.scenario_yaml, coarse)
    bundle.edit_yaml(bundle.park_yaml, lambda park: park.update(metadata={
        "institution": "示例化工园区应急管理办公室", "creator_name": "Li Wei", "creator_type": "person",
        "creator_email": "li.wei@example.org", "license": "internal use only"}))
    out = bundle.root / "out"
    assert main(["run", str(bundle.scenario_yaml), "--out", str(out)]) == 0
    with xr.open_dataset(out / "plume.nc") as ds:
        assert ds.attrs["institution"] == "示例化工园区应急管理办公室"
        assert (ds.attrs["creator_name"], ds.attrs["creator_type"]) == ("Li Wei", "person")
        assert ds.attrs["creator_email"] == "li.wei@example.org" and ds.attrs["license"] == "internal use only"
        assert "publisher_name" not in ds.attrs  # not given: not invented


def test_park_metadata_is_checked(bundle):
    bundle.edit_yaml(bundle.park_yaml, lambda park: park.update(metadata={"creator_email": "not an address"}))
    with pytest.raises(InputError, match="creator_email"):
        load_park(bundle.park_yaml)
