"""``parktwin watch``: readings → warning levels, the warnings log, ledger records and the leak an orange warning
starts — unattended, idempotent, with the batch lock's exit codes. A small park (tests/twin/park_factory.py) and a
small, one-hour leak grid keep the triggered leak fast."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from scenarios.cli import main
from scenarios.common.batch import BatchLockedError
from scenarios.common.ledger import read_ledger, verify_ledger
from scenarios.watch.io import read_readings
from scenarios.watch.run import WatchSettings, watch_once
from tests.twin.park_factory import small_spec, write_bundle
from twin.errors import InputError
from twin.park import RiskSource
from twin.thresholds import PercentThresholds, warning_level

HEADER = "time,risk_source,quantity,value,unit\n"


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A park whose chlorine tank T01 has level and pressure thresholds, a station CSV of six hours, a drop folder."""
    monkeypatch.delenv("PARKTWIN_LEDGER", raising=False)
    spec = small_spec()
    spec["risk_sources"][0]["thresholds"] = {"level": {"yellow": 80, "orange": 90, "red": 95},
                                             "pressure": {"orange": "0.9 MPa", "red": "1.0 MPa"}}
    park = write_bundle(tmp_path / "park", spec)
    rows = ["time,wind_speed_m_s,wind_direction_deg,air_temperature_C,total_cloud_tenths,low_cloud_tenths"]
    rows += [f"2026-07-15T{h:02d}:00:00+08:00,{2.0 + 0.2 * h:.1f},{90 + 5 * h},{24 + 0.5 * h},2,1" for h in range(6)]
    (tmp_path / "station.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "drop").mkdir()
    settings = WatchSettings(weather=tmp_path / "station.csv", simulation_hours=1, grid_size=2000.0,
                             grid_spacing=100.0, language="en")
    return tmp_path, park, settings


def _drop(folder: Path, name: str, text: str) -> None:
    (folder / f".{name}.part").write_text(text, encoding="utf-8")
    os.replace(folder / f".{name}.part", folder / name)  # dropped whole, as a writer should


def test_a_sequence_of_readings_gives_warnings_a_log_a_ledger_and_one_leak_plan(site):
    root, park, settings = site
    drop, out = root / "drop", root / "watch"
    _drop(drop, "001.csv", HEADER + "2026-07-15T03:10:00+08:00,T01,level,75,%\n"
                                    "2026-07-15T03:20:00+08:00,T01,level,82.5,%\n")
    _drop(drop, "002.jsonl", json.dumps({"time": "2026-07-15T03:40:00+08:00", "risk_source": "T01",
                                         "quantity": "pressure", "value": 9.3, "unit": "bar"}) + "\n")
    first = watch_once(drop, park, out, settings)
    assert first.exit_code == 0 and first.files_read == ["001.csv", "002.jsonl"]
    # the seed's rule: a level above 80 % is yellow; 9.3 bar reaches the 0.9 MPa orange threshold
    assert [(c["quantity"], c["previous_level"], c["level"], c["risk_source_level"]) for c in first.changes] == [
        ("level", "normal", "yellow", "yellow"), ("pressure", "normal", "orange", "orange")]
    assert first.changes[1]["value"] == pytest.approx(9.3e5) and first.changes[1]["threshold"] == 9e5
    assert first.changes[0]["time_local"] == "2026-07-15 03:20:00 +08:00"
    (leak,) = first.leaks
    folder = Path(leak["folder"])
    assert leak["status"] == "started" and folder.name == "T01-20260714T194000Z"
    plan = (folder / "plan.html").read_text(encoding="utf-8")
    assert "液氯储罐" in plan and "2026-07-15 03:40 +08:00" in plan
    impacts = json.loads((folder / "impacts.json").read_text(encoding="utf-8"))
    assert impacts["released_kg"] == pytest.approx(30000.0)  # the whole inventory: the forecast's rule
    # the current weather: the station's last hour before the reading (03:00 local), persisted
    weather = (folder / "weather.csv").read_text(encoding="utf-8").splitlines()
    assert weather[2].startswith("2026-07-14T19:00:00+00:00,2.6,105,25.5") and len(weather) == 2 + 3
    logged = [json.loads(line) for line in (out / "warnings.jsonl").read_text(encoding="utf-8").splitlines()]
    assert logged == first.changes

    # more readings: red on the level (same episode: no second leak), then back down (the episode ends)
    _drop(drop, "003.csv", HEADER + "2026-07-15T03:50:00+08:00,T01,level,96,%\n"
                                    "2026-07-15T04:10:00+08:00,T01,level,85,%\n"
                                    "2026-07-15T04:10:00+08:00,T01,pressure,800,kPa\n")
    second = watch_once(drop, park, out, settings)
    assert [(c["quantity"], c["previous_level"], c["level"], c["risk_source_level"]) for c in second.changes] == [
        ("level", "yellow", "red", "red"), ("level", "red", "yellow", "orange"),
        ("pressure", "orange", "normal", "yellow")]
    assert second.leaks == [] and second.files_read == ["003.csv"]

    # the same readings twice start nothing: the same file, and the same readings under a new name
    _drop(drop, "004.csv", (drop / "003.csv").read_text(encoding="utf-8"))
    third = watch_once(drop, park, out, settings)
    assert third.files_read == ["004.csv"] and third.changes == [] and third.leaks == [] and third.exit_code == 0
    fourth = watch_once(drop, park, out, settings)
    assert fourth.files_read == [] and fourth.changes == []
    assert len((out / "warnings.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    assert [p.name for p in (out / "leaks").iterdir()] == ["T01-20260714T194000Z"]

    # every change and the leak run are in the ledger (beside the watch folder), and the chain verifies
    ledger = root / "ledger.jsonl"
    rows, _ = read_ledger(ledger)
    assert [record["kind"] for _, record, _ in rows] == ["warning", "warning", "run", "warning", "warning",
                                                        "warning"]
    assert rows[1][1]["name"] == "T01 pressure: normal -> orange"
    assert rows[1][1]["inputs"] == {str((drop / "002.jsonl").resolve()): rows[1][1]["inputs"][
        str((drop / "002.jsonl").resolve())]}
    assert "plan.html" in rows[2][1]["outputs"] and rows[2][1]["folder"] == "watch/leaks/T01-20260714T194000Z"
    report = verify_ledger(ledger)
    print(report.text())
    assert report.ok and report.records == 6
    # an edited warnings log is caught
    text = (out / "warnings.jsonl").read_text(encoding="utf-8")
    (out / "warnings.jsonl").write_text(text.replace('"level": "red"', '"level": "orange"'), encoding="utf-8")
    report = verify_ledger(ledger)
    print(report.text())
    assert not report.ok and "warnings.jsonl (record seq 5) was changed" in report.problems[0]


def test_a_bad_file_is_rejected_by_name_and_the_rest_is_read(site, capsys):
    root, park, settings = site
    drop, out = root / "drop", root / "watch"
    _drop(drop, "001.csv", HEADER + "2026-07-15T03:10:00,T01,level,75,%\n")  # no UTC offset
    _drop(drop, "002.csv", HEADER + "2026-07-15T03:10:00+08:00,T99,level,75,%\n")
    _drop(drop, "003.csv", HEADER + "2026-07-15T03:10:00+08:00,T01,level,85,%\n")
    code = main(["--ledger", str(root / "ledger.jsonl"), "watch", str(drop), "--park", str(park), "--out", str(out),
                 "--once", "--weather", str(root / "station.csv")])
    assert code == 65
    assert "1 readings files read, 2 rejected; 1 changes of warning level" in capsys.readouterr().out
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert state["files"]["001.csv"]["error"] == ("001.csv line 2: time must be ISO 8601 with a UTC offset, e.g. "
                                                  "2026-07-15T08:30:00+08:00 (a time without one could be any "
                                                  "zone), got '2026-07-15T03:10:00'")
    assert "002.csv line 2: risk_source must be one of the park's risk sources (T01), got 'T99'" in \
        state["files"]["002.csv"]["error"]
    assert state["instruments"]["T01/level"]["level"] == "yellow"
    # a rejected file is not read again until it changes
    assert watch_once(drop, park, out, settings).files_rejected == []


def test_a_second_watcher_is_retry_later(site):
    root, park, settings = site
    out = root / "watch"
    out.mkdir()
    (out / "watch.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                "started": "2026-07-15T00:00:00+00:00"}), encoding="utf-8")
    with pytest.raises(BatchLockedError) as caught:
        watch_once(root / "drop", park, out, settings)
    assert caught.value.exit_code == 75 and "another watcher is running" in str(caught.value)


def test_readings_units_are_converted_once_and_bad_ones_named(tmp_path):
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (
        {"time": "2026-07-15T03:10:00Z", "risk_source": "T01", "quantity": "temperature", "value": 40,
         "unit": "degC"},
        {"time": "2026-07-15T03:10:00+08:00", "risk_source": "T01", "quantity": "gas", "value": 500, "unit": "ppb"},
        {"time": "2026-07-15T03:10:00+08:00", "risk_source": "T01", "quantity": "pressure", "value": 1.2,
         "unit": "MPa"})) + "\n", encoding="utf-8")
    temperature, gas, pressure = read_readings(path)
    assert temperature.value == pytest.approx(313.15) and temperature.time.isoformat() == "2026-07-15T03:10:00+00:00"
    assert gas.value == pytest.approx(0.5) and pressure.value == pytest.approx(1.2e6)
    csv_path = tmp_path / "r.csv"
    csv_path.write_text(HEADER + "2026-07-15T03:10:00+08:00,T01,pressure,9,barg\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r.csv line 2: unit must be an absolute pressure unit .*got 'barg'"):
        read_readings(csv_path)
    csv_path.write_text(HEADER + "2026-07-15T03:10:00+08:00,T01,level,85,m\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r.csv line 2: unit must be for level: one of %, percent, got 'm'"):
        read_readings(csv_path)


def test_thresholds_rise_and_give_the_highest_level_reached():
    seed = PercentThresholds(yellow=80)  # the seed case: a tank above 80 % of its level is yellow
    assert warning_level(seed, 79.9) == "normal" and warning_level(seed, 80.5) == "yellow"
    levels = PercentThresholds(blue=70, yellow=80, orange=90, red=95)
    assert [warning_level(levels, v) for v in (50, 70, 85, 90, 99)] == ["normal", "blue", "yellow", "orange", "red"]
    with pytest.raises(ValueError, match=r"red \(85\) must be above orange \(90\)"):
        PercentThresholds(orange=90, red=85)
    source = RiskSource.model_validate(small_spec()["risk_sources"][0] | {
        "thresholds": {"temperature": {"orange": "40 degC"}, "pressure": {"red": "11 bar"}}})
    assert source.thresholds.temperature.orange == pytest.approx(313.15)
    assert source.thresholds.pressure.red == pytest.approx(1.1e6)


def test_the_loop_mode_polls_and_reads_new_files_once(site):
    root, park, _settings = site
    drop, out = root / "drop", root / "watch"
    _drop(drop, "001.csv", HEADER + "2026-07-15T03:10:00+08:00,T01,level,85,%\n")
    code = main(["watch", str(drop), "--park", str(park), "--out", str(out), "--interval", "0", "--passes", "2"])
    assert code == 0
    logged = [json.loads(line) for line in (out / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [entry["file"] for entry in logged if entry["event"] == "readings_read"] == ["001.csv"]
    assert len((out / "warnings.jsonl").read_text(encoding="utf-8").splitlines()) == 1
    assert verify_ledger(root / "ledger.jsonl").ok


def test_a_leak_waiting_for_its_weather_is_retry_later_then_runs(site):
    root, park, settings = site
    drop, out = root / "drop", root / "watch"
    # the station's last hour (05:00) is 3 h 10 min before the reading: too old for the current weather
    _drop(drop, "001.csv", HEADER + "2026-07-15T08:10:00+08:00,T01,level,91,%\n")
    first = watch_once(drop, park, out, settings)
    assert first.exit_code == 75 and first.changes[0]["level"] == "orange"
    assert first.leaks[0]["status"] == "pending" and "3.2 h old" in first.leaks[0]["error"]
    state = json.loads((out / "state.json").read_text(encoding="utf-8"))
    assert state["sources"]["T01"]["leak"]["status"] == "pending"
    # the station's next hours arrive: the next pass starts the leak (no new reading needed), once
    with open(root / "station.csv", "a", encoding="utf-8") as station:
        station.write("2026-07-15T06:00:00+08:00,3.2,120,27,3,1\n2026-07-15T07:00:00+08:00,3.4,125,27.5,3,1\n"
                      "2026-07-15T08:00:00+08:00,3.6,130,28,3,1\n")
    second = watch_once(drop, park, out, settings)
    assert second.exit_code == 0 and second.changes == [] and second.leaks[0]["status"] == "started"
    assert "2026-07-15T00:00:00+00:00,3.6,130,28" in (out / "leaks" / "T01-20260715T001000Z" / "weather.csv"
                                                      ).read_text(encoding="utf-8")
    assert watch_once(drop, park, out, settings).leaks == []


def test_the_leak_weather_block_by_source(tmp_path):
    from datetime import datetime, timezone

    from scenarios.watch.leak import leak_weather

    start = datetime(2026, 7, 15, 2, 40, tzinfo=timezone.utc)
    assert leak_weather(None, start, 3, tmp_path, 3.0) == {"preset": "hj169_worst"}
    block = leak_weather(tmp_path / "nwp.nc", start, 3, tmp_path, 3.0)["weather"]
    assert block["source"] == "forecast_netcdf" and block["start"] == "2026-07-15T02:00:00+00:00"
    assert block["hours"] == 4
    with pytest.raises(InputError, match="a forecast NetCDF"):
        leak_weather(tmp_path / "weather.grib", start, 3, tmp_path, 3.0)


def test_the_thresholds_example_of_docs_watch_md_validates():
    import re

    import yaml

    from twin.thresholds import RiskThresholds

    text = (Path(__file__).resolve().parents[2] / "docs" / "watch.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"^```yaml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    thresholds = RiskThresholds.model_validate(yaml.safe_load(block)["risk_sources"][0]["thresholds"])
    assert thresholds.level.yellow == 80 and thresholds.pressure.orange == pytest.approx(9e5)
    assert thresholds.temperature.red == pytest.approx(323.15) and thresholds.gas.blue == 5


def test_the_demo_parks_tanks_warn_yellow_above_80_percent(tmp_path, monkeypatch):
    """The seed case's rule on the demo park (its tanks carry level thresholds 80/90/95 %): a chlorine tank at 85 %
    is yellow, a second reading at 79 % is back to normal; no leak is started below orange."""
    from twin.demo import build_demo_park

    monkeypatch.setenv("PARKTWIN_LEDGER", "off")
    park = build_demo_park(tmp_path / "park")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "r1.csv").write_text("time,risk_source,quantity,value,unit\n"
                                 "2026-07-15T03:00:00+08:00,T-CL01,level,85,%\n"
                                 "2026-07-15T03:10:00+08:00,T-CL01,level,79,%\n", encoding="utf-8")
    result = watch_once(drop, park, tmp_path / "out", WatchSettings())
    changes = [json.loads(line) for line in (tmp_path / "out" / "warnings.jsonl").read_text().splitlines()]
    assert [(c["risk_source"], c["previous_level"], c["level"]) for c in changes] == [
        ("T-CL01", "normal", "yellow"), ("T-CL01", "yellow", "normal")]
    assert result.files_rejected == [] and not list((tmp_path / "out").glob("leaks/*/plan.html"))
