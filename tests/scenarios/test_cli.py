"""The `parktwin` command line: fast help, JSON Schemas, `validate`, and the exit code and message of each kind of
mistake (docs/architecture.md: 0 ok, 2 usage, 65 bad data, 66 missing input, 75 retry later).

Every case runs the installed console script in a subprocess, as a cron job would, and reads its stderr.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.cli import main
from tests.scenarios.conftest import COLLECTED, PARKTWIN, XDIST_GROUP, cli_env, parktwin

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 2, 65, 66, 75
HEAVY_MODULES = ("numba", "xarray", "pyvista", "vtk", "matplotlib")


def assert_error(result, code: int, *fragments: str) -> None:
    """Exit ``code``, nothing on stdout, no traceback, and every fragment on stderr."""
    assert result.returncode == code, f"exit {result.returncode}, expected {code}; stderr:\n{result.stderr}"
    assert result.stdout == "", result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in stderr:\n{result.stderr}"


def _group(item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else (mark.args[0] if mark.args else mark.kwargs.get("name"))


def test_every_test_that_uses_the_demo_is_in_its_group(request):
    """The tests that share the 3-minute demo carry ``xdist_group(XDIST_GROUP)``: under `make test` (pytest -n 2
    --dist loadgroup) they run on one worker, which runs the demo once; one outside runs it again on the other."""
    outside = [item.nodeid for item in request.config.stash[COLLECTED]
               if "demo" in getattr(item, "fixturenames", ()) and _group(item) != XDIST_GROUP]
    assert not outside, f"tests that use the demo outside xdist_group({XDIST_GROUP!r}): {outside[:5]}"


def test_the_demo_group_stays_on_one_worker(request, tmp_path):
    """pytest-xdist keeps a group on one worker by its mark in the test's node id, which pytest 9.2 lost (pyproject
    pins it below). Under --dist loadgroup, as `make test` runs, this test's own node id carries the mark; whatever
    the outer run, a probe run the way `make test` runs (pytest -n 2 --dist loadgroup) must give its test the mark."""
    if request.config.getoption("loadgroup", False):
        assert request.node.nodeid.endswith(f"@{XDIST_GROUP}"), request.node.nodeid
    (tmp_path / "test_probe.py").write_text(
        "import pytest\n\n\n@pytest.mark.xdist_group('probe')\ndef test_probe(request):\n"
        "    assert request.node.nodeid.endswith('@probe'), request.node.nodeid\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p",
                           "no:cacheprovider", "test_probe.py"], cwd=tmp_path, capture_output=True, text=True,
                          env=cli_env(), timeout=120)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]


# ----------------------------------------------------------------------------------------------- help and imports


def test_help_answers_at_once():
    started = time.perf_counter()
    done = subprocess.run([str(PARKTWIN), "--help"], capture_output=True, text=True, env=cli_env(), timeout=30)
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    for command in ("demo", "run", "validate", "schema"):
        assert command in done.stdout
    assert "65" in done.stdout and "75" in done.stdout  # the epilog tells a cron job what exit codes mean
    assert seconds < 1.5, f"`parktwin --help` took {seconds:.2f} s"


def test_help_imports_no_heavy_library():
    """Importing the CLI and answering --help must not pull numba, xarray, pyvista/vtk or matplotlib (seconds each)."""
    probe = (
        "import json, sys\n"
        "import scenarios.cli\n"
        "after_import = sorted(sys.modules)\n"
        "try:\n"
        "    scenarios.cli.main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps({'import': after_import, 'help': sorted(sys.modules)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=cli_env(), timeout=30)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.splitlines()[-1])
    for stage, modules in loaded.items():
        heavy = sorted({name.split(".")[0] for name in modules} & set(HEAVY_MODULES))
        assert heavy == [], f"after {stage}: {heavy} imported"


def test_no_command_is_a_usage_error():
    assert_error(parktwin(), EX_USAGE, "usage:")


def test_run_without_scenario_is_a_usage_error():
    assert_error(parktwin("run"), EX_USAGE, "usage:", "scenario")


def test_unknown_schema_is_a_usage_error():
    assert_error(parktwin("schema", "reactor"), EX_USAGE, "'reactor'", "park", "scenario")


# ----------------------------------------------------------------------------------------------- schema


@pytest.mark.parametrize(("which", "kind", "fields"), [
    ("park", None, {"epsg", "dem", "buildings", "stacks", "risk_sources", "receptors"}),
    ("scenario", "PlumeScenario", {"kind", "name", "park", "weather", "grid", "model", "pollutants"}),
    ("scenario", "LeakScenario", {"kind", "name", "park", "risk_source", "source_term", "meteorology", "grid"}),
])
def test_schema_prints_json_schema(which, kind, fields):
    result = parktwin("schema", which)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    if kind is not None:  # a scenario is one of the kinds, chosen by its `kind` field
        assert {"$ref": f"#/$defs/{kind}"} in schema["oneOf"]
        schema = schema["$defs"][kind]
    assert schema["type"] == "object"
    assert fields <= set(schema["properties"]), sorted(schema["properties"])
    assert schema.get("additionalProperties") is False  # extra="forbid": a misspelt key is an error


# ----------------------------------------------------------------------------------------------- validate


def test_validate_the_demo_park(demo):
    result = parktwin("validate", demo.park_yaml)
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "滨海化工园区" in result.stdout  # the park's name
    assert "117 stacks" in result.stdout and "EPSG:4549" in result.stdout


def test_validate_bad_epsg(bundle):
    bundle.replace_in(bundle.park_yaml, "epsg: 4549", "epsg: 99999")
    assert_error(parktwin("validate", bundle.park_yaml), EX_DATAERR, "park.yaml", "epsg", "99999", "projected CRS")


def test_validate_negative_stack_height(bundle):
    bundle.replace_in(bundle.park_yaml, "  height: 26.9\n", "  height: -26.9\n")  # stack S001, the first stack
    assert_error(parktwin("validate", bundle.park_yaml), EX_DATAERR,
                 "park.yaml", "stacks[0] (id 'S001').height", "-26.9", "a plausible stack height")


def test_validate_unknown_substance(bundle):
    bundle.replace_in(bundle.park_yaml, "sulfur_dioxide: 0.1239", "unobtainium: 0.1239")  # stack S001
    assert_error(parktwin("validate", bundle.park_yaml), EX_DATAERR,
                 "stacks[0].emissions", "'unobtainium'", "S001", "sulfur_dioxide, nitrogen_dioxide")


def test_validate_missing_dem(bundle):
    """A file named by park.yaml that is absent is a bad bundle (65), not a missing input (twin/io.py docstring)."""
    (bundle.park_yaml.parent / "dem.tif").unlink()
    assert_error(parktwin("validate", bundle.park_yaml), EX_DATAERR, "park.yaml", "dem", "'dem.tif'", "not found")


def test_validate_missing_park_yaml(tmp_path):
    assert_error(parktwin("validate", tmp_path / "park.yaml"), EX_NOINPUT, "park.yaml", "not found")


# ----------------------------------------------------------------------------------------------- run


def test_run_malformed_station_csv_row(bundle):
    lines = bundle.weather_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].strip().split(",")
    column = header.index("wind_speed_m_s")
    cells = lines[4].split(",")  # line 5 of the file: the 4th observation
    cells[column] = "abc"
    lines[4] = ",".join(cells)
    bundle.weather_csv.write_text("".join(lines), encoding="utf-8")
    out = bundle.root / "out"
    assert_error(parktwin("run", bundle.scenario_yaml, "--out", out), EX_DATAERR,
                 "weather.csv", "line 5", "wind_speed_m_s", "'abc'", "[0, 100]")
    assert not out.exists() or not any(out.iterdir()), "a failed run left files behind"


def test_run_station_csv_with_a_missing_hour_refuses_then_fills_when_asked(bundle):
    """A station CSV missing one hour (issue 13, item 7): exit 65 naming the option; with weather.fill_missing_hours
    the hour is filled and the run says so in run.json and in the NetCDF attributes."""
    lines = bundle.weather_csv.read_text(encoding="utf-8").splitlines(keepends=True)
    data = [i for i, line in enumerate(lines) if line[:1].isdigit()]
    del lines[data[5]]  # the 6th hour of the day is gone
    bundle.weather_csv.write_text("".join(lines), encoding="utf-8")
    out = bundle.root / "out"
    assert_error(parktwin("run", bundle.scenario_yaml, "--out", out), EX_DATAERR,
                 "weather.csv", "time", "weather.fill_missing_hours")
    bundle.replace_in(bundle.scenario_yaml, "source: station_csv", "source: station_csv\n  fill_missing_hours: 1")
    done = parktwin("run", bundle.scenario_yaml, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "missing and filled" in done.stderr  # the warning, as it happens
    notes = json.loads((out / "run.json").read_text(encoding="utf-8"))["input_notes"]
    assert list(notes) == [str(bundle.weather_csv.resolve())]
    assert "1 of the 24 hours used were missing and filled" in notes[str(bundle.weather_csv.resolve())]
    import xarray as xr
    with xr.open_dataset(next(out.glob("*.nc"))) as ds:
        assert "missing and filled" in ds.attrs["input_notes"]


def test_run_scenario_with_unknown_key(bundle):
    text = bundle.scenario_yaml.read_text(encoding="utf-8")
    bundle.scenario_yaml.write_text(text + "colour: red\n", encoding="utf-8")
    assert_error(parktwin("run", bundle.scenario_yaml), EX_DATAERR,
                 "scenario.yaml", "colour", "unknown field", "'red'", "weather")


def test_run_missing_scenario_file(tmp_path):
    assert_error(parktwin("run", tmp_path / "nowhere.yaml"), EX_NOINPUT, "nowhere.yaml", "not found")


def test_run_weather_not_covering_the_period(bundle):
    """The demo weather covers 2026-07-15 00:00..23:00 +08:00; 24 h from noon run past its end. The station CSV will
    not grow by waiting: bad input (65), not retry later (75), which a cron job would retry forever (issue 13, 7)."""
    bundle.replace_in(bundle.scenario_yaml, "2026-07-15T00:00:00+08:00", "2026-07-15T12:00:00+08:00")
    out = bundle.root / "out"
    # Requested and available ranges, in UTC (+08:00 → Z): 2026-07-15T04:00Z..07-16T03:00Z vs ..07-15T15:00Z.
    assert_error(parktwin("run", bundle.scenario_yaml, "--out", out), EX_DATAERR,
                 "does not cover", "2026-07-16T03:00", "2026-07-15T15:00")
    assert not out.exists() or not any(out.iterdir()), "a failed run left files behind"


def test_run_into_an_unwritable_folder_fails_before_the_computation(bundle, tmp_path):
    """An output folder that cannot be created is reported as EX_CANTCREAT (73), naming the folder."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = parktwin("run", bundle.scenario_yaml, "--out", blocker / "results")
    assert_error(result, 73, "output folder", str(blocker / "results"), "writable")
    assert "plume kernel" not in result.stderr  # refused before the kernel stage started


@settings(max_examples=200, deadline=None)
@given(name=st.text(min_size=0, max_size=40))
def test_a_slug_is_one_harmless_path_component(name):
    """Issue 13 G: scenario names become folder names; none may climb out, be absolute, hidden or empty."""
    from pathlib import PurePosixPath

    from scenarios.common.results import slug

    part = slug(name)
    assert part and "/" not in part and "\x00" not in part
    assert not part.startswith(".") and part not in (".", "..")
    assert PurePosixPath("results", part).parent == PurePosixPath("results")


@pytest.mark.parametrize("name", ["../../../../escaped", "/tmp/absolute", ".."])
def test_an_ensemble_without_out_stays_in_results(demo, tmp_path, monkeypatch, name):
    """``parktwin ensemble`` without ``--out`` used the raw scenario name as a path (issue 13 G)."""
    import yaml

    import scenarios.registry as registry
    import scenarios.spec  # noqa: F401  (the schema is built from the real kinds before one is replaced)

    calls = []
    real = registry.KINDS["plume"]

    class _Kind:
        """The plume kind with its ensemble runner replaced by a recorder of the folder it was given."""

        ensemble = "x:y"

        def __getattr__(self, name):
            return getattr(real, name)

        def run_ensemble(self, scenario, scenario_path, out_dir, *, scheduler, workers):
            calls.append(out_dir)
            return "ok"

    monkeypatch.setitem(registry.KINDS, "plume", _Kind())
    scenario = yaml.safe_load((demo.root / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["name"] = name
    (tmp_path / "park").symlink_to(demo.root / "park")
    (tmp_path / "scenario.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    assert main(["ensemble", str(tmp_path / "scenario.yaml")]) == 0
    (out,) = calls
    assert out.resolve().parent == (tmp_path / "results").resolve()


@pytest.mark.parametrize("name", ["scenario.yaml", "leak.yaml", "eia.yaml", "typhoon.yaml", "ensemble.yaml",
                                  "leak_ensemble.yaml", "park/park.yaml"])
def test_validate_checks_every_kind_of_scenario_and_the_park(demo, name, capsys):
    """Issue 13, 9: ``parktwin validate`` on a scenario file answered "unknown field"; it checks any file now."""
    assert main(["validate", str(demo.root / name)]) == 0
    out = capsys.readouterr().out
    assert ": OK — " in out and ("kind " in out or "stacks" in out)
    if name == "eia.yaml":  # the weather's period as the run will take it, in the park's local time
        assert "weather (synthetic, 8760 h, first hour 2025-01-01 00:00 +08:00, last 2025-12-31 23:00 +08:00)" in out


def _scenario_copy(demo, tmp_path, name, change):
    import yaml

    (tmp_path / "park").symlink_to(demo.root / "park")
    data = yaml.safe_load((demo.root / name).read_text(encoding="utf-8"))
    change(data)
    (tmp_path / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path / name


@pytest.mark.parametrize("change, code, words", [
    (lambda d: d["weather"].update(path="nowhere.csv"), 66, ["nowhere.csv"]),
    (lambda d: d["weather"].update(hours=96), 65, ["does not cover"]),
    (lambda d: d.update(park="missing/park.yaml"), 66, ["missing/park.yaml"]),
])
def test_validate_reads_the_files_a_scenario_names(demo, tmp_path, change, code, words, caplog):
    path = _scenario_copy(demo, tmp_path, "scenario.yaml", change)
    assert main(["validate", str(path)]) == code
    assert all(word in caplog.text for word in words), caplog.text


def test_validate_names_a_leak_s_unknown_risk_source(demo, tmp_path, caplog):
    path = _scenario_copy(demo, tmp_path, "leak.yaml", lambda d: d.update(risk_source="T-NOPE"))
    assert main(["validate", str(path)]) == 65
    assert "risk_source must be one of the park's risk sources" in caplog.text


def test_paths_over_255_characters_are_bad_input_not_a_crash(bundle):
    """ENAMETOOLONG from an argument (the scenario) or from --out was a traceback (exit 70)."""
    long_name = "a" * 300
    assert_error(parktwin("run", bundle.root / f"{long_name}.yaml"), EX_DATAERR, "path too long", "255")
    assert_error(parktwin("run", bundle.scenario_yaml, "--out", bundle.root / long_name), EX_DATAERR,
                 "path too long")
