"""kind: water end to end: the outputs (CF NetCDF on a distance axis, caps CSV/JSON/HTML, figures), the CLI
``parktwin water-caps`` and its exit code on bad input, the ensemble, and the demo river."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import xarray as xr

from scenarios.cli import main
from scenarios.run import run_scenario
from tests.twin.park_factory import Y0, small_spec, write_bundle
from tests.twin.water_factory import small_river
from twin.water_standards import water_limit


@pytest.fixture
def park_with_river(tmp_path):
    spec = small_spec()
    river = small_river()
    river["outfalls"].append({"id": "OF2", "name": "二号排口", "x": 604500.0, "y": Y0 + 400.0, "flow": 0.2,
                              "effluent": {"cod": "80 mg/L", "ammonia_nitrogen": "6 mg/L", "bod5": "20 mg/L"}})
    river["control_sections"].append({"id": "CS2", "name": "取水口", "kind": "intake", "x": 607900.0,
                                      "y": Y0 + 400.0, "water_class": "II"})
    spec["rivers"] = [river]
    return write_bundle(tmp_path / "park", spec)


def scenario(**changes) -> dict:
    return {"kind": "water", "name": "test-water", "park": "park/park.yaml", "maps": False, "language": "en",
            **changes}


def test_outputs_hold_the_caps_and_the_profile(park_with_river, tmp_path):
    result = run_scenario(scenario(), base_dir=tmp_path, out_dir=tmp_path / "out")
    report = json.loads((tmp_path / "out" / "caps.json").read_text(encoding="utf-8"))
    with xr.open_dataset(tmp_path / "out" / "water.nc") as ds:
        assert ds["distance"].attrs["units"] == "m" and ds["distance"].size > 100
        assert ds["loading"].attrs["flag_meanings"] == "current_effluent at_caps"
        assert ds["cod"].attrs["units"] == "mg L-1" and ds["cod"].dims == ("loading", "distance")
        intake = float(ds["section_distance"].values[1])
        at_intake = float(ds["cod"].sel(loading=1).interp(distance=intake))
        # the intake (class II, COD 15 mg/L x 0.9) binds COD: the caps bring it to its limit
        cod = next(e for e in report["pollutants"] if e["pollutant"] == "cod")
        assert [b["section"] for b in cod["binding"]] == ["CS2"]
        assert at_intake == pytest.approx(water_limit("cod", "II") * 0.9e3, rel=1e-3)
        assert ds.attrs["Conventions"].startswith("CF-1.11")
    rows = list(csv.DictReader((tmp_path / "out" / "caps.csv").read_text(encoding="utf-8-sig").splitlines()))
    cod_rows = [r for r in rows if r["pollutant"] == "cod" and r["outfall_id"] != "TOTAL"]
    assert [r["outfall_id"] for r in cod_rows] == ["OF1", "OF2"]
    total = next(r for r in rows if r["pollutant"] == "cod" and r["outfall_id"] == "TOTAL")
    assert float(total["cap_t_yr"]) == pytest.approx(sum(float(r["cap_t_yr"]) for r in cod_rows), rel=1e-5)
    for r in cod_rows:  # the segment method and the LP agree on each outfall alone
        assert float(r["segment_alone_t_yr"]) == pytest.approx(float(r["lp_alone_t_yr"]), rel=1e-6)
    html = (tmp_path / "out" / "caps.html").read_text(encoding="utf-8")
    assert "Binding sections: CS2" in html
    assert (tmp_path / "out" / "run.json").is_file()
    assert "cod: current" in result.summary_text


def test_equal_proportion_rule_scales_every_outfall_alike(park_with_river, tmp_path):
    run_scenario(scenario(caps={"rule": "equal_proportion"}, pollutants=["ammonia_nitrogen"]), base_dir=tmp_path,
                 out_dir=tmp_path / "out")
    report = json.loads((tmp_path / "out" / "caps.json").read_text(encoding="utf-8"))
    (entry,) = report["pollutants"]
    ratios = [o["cap_over_current"] for o in entry["outfalls"]]
    assert ratios[0] == pytest.approx(ratios[1], rel=1e-12)
    assert entry["method"].startswith("equal proportion")


def test_ensemble_without_spread_is_the_deterministic_answer(park_with_river, tmp_path):
    spec = scenario(ensemble={"members": 5, "flow_sigma": 0.0, "decay_sigma": 0.0})
    run_scenario(spec, base_dir=tmp_path, out_dir=tmp_path / "out")
    report = json.loads((tmp_path / "out" / "caps.json").read_text(encoding="utf-8"))
    probabilities = {(s["section"], s["quantity"]): s["probability_of_failing_class"]
                     for s in report["ensemble"]["sections"]}
    assert set(probabilities.values()) <= {0.0, 1.0}
    # at the current loads the class II intake holds COD (10-ish mg/L < 15) and fails nothing by construction
    assert probabilities[("CS2", "cod")] == 0.0


def test_ensemble_spread_gives_a_probability(park_with_river, tmp_path):
    data = scenario(ensemble={"members": 400, "flow_sigma": 0.8, "decay_sigma": 0.5, "seed": 3},
                    pollutants=["ammonia_nitrogen"])
    run_scenario(data, base_dir=tmp_path, out_dir=tmp_path / "out")
    report = json.loads((tmp_path / "out" / "caps.json").read_text(encoding="utf-8"))
    p = {(s["section"], s["quantity"]): s["probability_of_failing_class"] for s in report["ensemble"]["sections"]}
    assert 0.0 < p[("CS2", "ammonia_nitrogen")] < 1.0  # NH3-N 0.44 mg/L at the intake vs 0.5: low flows break it


def test_cli_water_caps_exit_65_names_the_outfall_off_the_river(tmp_path, caplog):
    spec = small_spec()
    river = small_river()
    river["outfalls"][0]["y"] = Y0 + 2000.0
    spec["rivers"] = [river]
    park = write_bundle(tmp_path / "park", spec)
    assert main(["water-caps", str(park), "--out", str(tmp_path / "out")]) == 65
    assert "outfalls[0] (id 'OF1')" in caplog.text and "from the river line" in caplog.text


def test_cli_water_caps_writes_the_outputs(park_with_river, tmp_path, capsys):
    assert main(["water-caps", str(park_with_river), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "binding: CS2" in printed and (tmp_path / "out" / "caps.csv").is_file()


def test_demo_river_run_with_figures(tmp_path):
    from scenarios.demo import write_demo
    from scenarios.run import run_scenario_file

    files = write_demo(tmp_path)
    result = run_scenario_file(files["water"], tmp_path / "water")
    report = json.loads((tmp_path / "water" / "caps.json").read_text(encoding="utf-8"))
    for entry in report["pollutants"]:
        assert [b["section"] for b in entry["binding"]] == ["CS-INTAKE"], entry["pollutant"]
    zones = {z["outfall"]: z for z in report["mixing_zones"]}
    assert "CS-PARK" in zones["OF-E12"]["sections_inside"]
    for name in ("profile.png", "river_map.png", "river_map_caps.png"):
        assert (tmp_path / "water" / name).stat().st_size > 20_000
    html = (tmp_path / "water" / "caps.html").read_text(encoding="utf-8")
    assert html.count("data:image/png;base64") == 3
    assert "Water environmental capacity of 南河" in result.summary_text
    np.testing.assert_array_less(0, [o["cap_t_yr"] for e in report["pollutants"] for o in e["outfalls"]])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_water_nc_passes_cf_and_only_misses_standard_names(park_with_river, tmp_path):
    from compliance_checker.runner import CheckSuite, ComplianceChecker

    CheckSuite().load_all_available_checkers()
    run_scenario(scenario(pollutants=["cod"]), base_dir=tmp_path, out_dir=tmp_path / "out")
    report_path = tmp_path / "report.json"
    ComplianceChecker.run_checker(str(tmp_path / "out" / "water.nc"), ["cf:1.11", "acdd:1.3"], verbose=0,
                                  criteria="normal", output_filename=str(report_path), output_format="json")
    report = json.loads(report_path.read_text())
    failed = {checker: [(item["name"], item["msgs"]) for item in result["high_priorities"]
                        if item["value"][0] < item["value"][1]] for checker, result in report.items()}
    assert failed["cf:1.11"] == []
    # COD, BOD5, NH3-N, DO in river water, depth, velocity, travel time have no CF standard name (none is invented)
    assert all(msgs == ["standard_name"] for _, msgs in failed["acdd:1.3"]), failed["acdd:1.3"]


def test_validate_checks_the_river_and_the_pollutants(park_with_river, tmp_path, caplog):
    import yaml

    path = tmp_path / "water.yaml"
    path.write_text(yaml.safe_dump(scenario(river="RV1")), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    path.write_text(yaml.safe_dump(scenario(river="RV9")), encoding="utf-8")
    assert main(["validate", str(path)]) == 65
    assert "water.yaml: river must be one of the park's rivers (RV1), got 'RV9'" in caplog.text
    path.write_text(yaml.safe_dump(scenario(pollutants=["total_phosphorus"])), encoding="utf-8")
    assert main(["validate", str(path)]) == 65
    assert ("water.yaml: pollutants must be a pollutant the river models (cod, ammonia_nitrogen, bod5), got "
            "'total_phosphorus'") in caplog.text


def test_effluent_limits_bound_the_caps(park_with_river, tmp_path):
    run_scenario(scenario(pollutants=["cod"], caps={"effluent_limits": {"cod": "60 mg/L"}}), base_dir=tmp_path,
                 out_dir=tmp_path / "out")
    report = json.loads((tmp_path / "out" / "caps.json").read_text(encoding="utf-8"))
    (entry,) = report["pollutants"]
    for outfall in entry["outfalls"]:
        assert outfall["cap_mg_l"] <= 60.0 * (1 + 1e-9)
        assert outfall["equal_proportion_t_yr"] <= outfall["flow_m3_d"] * 365 * 60e-6 * (1 + 1e-9)
    held = {o["id"]: o["held_by"] for o in entry["outfalls"]}
    assert "effluent limit" in held.values()
