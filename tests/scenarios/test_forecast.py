"""The nightly forecast batch (`parktwin forecast`) on the demo park with the sample forecast.

A trimmed copy of the demo park (three assessed risk sources and one that is not), a coarse grid and few members
keep each run to seconds. The unattended behaviour is checked the way cron sees it: exit codes of the real console
script, a held lock, a batch killed with SIGKILL and run again.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from scenarios.common.batch import BatchLock, JsonLinesLog
from scenarios.common.impact import risk_score
from scenarios.common.ledger import verify_ledger
from scenarios.common.times import local_text
from scenarios.forecast.rules import release_rule, worst_start_hour
from scenarios.forecast.run import run_forecast, write_demo_sample_forecast
from tests.scenarios.conftest import PARKTWIN, cli_env, parktwin
from twin.chemicals import load_chemicals
from twin.errors import InputError
from viz.wording import term

KEEP = ("T-CL01", "T-NH01", "P-CL01", "T-BZ01", "T-HCL01")  # T-BZ01: a benzene pool; T-HCL01: acid, not assessed
CYCLE = "2026071500"
MEMBERS = 4
FAST = {"members": MEMBERS, "hours": 24, "grid_spacing": 500.0, "grid_size": 10000.0}
FAST_CLI = ["--members", str(MEMBERS), "--hours", "24", "--grid-spacing", "500", "--grid-size", "10000"]
# A UTC stamp a reader could take for local time: ISO 8601 with a T, a trailing Z, or the word UTC.
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|\d{2}:\d{2}(:\d{2})?Z\b|\bUTC\b")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The demo park trimmed to five risk sources, and a 48-h sample forecast starting 2026-07-15 00 UTC."""
    from twin.demo import build_demo_park

    root = tmp_path_factory.mktemp("forecast-inputs")
    park_yaml = build_demo_park(root / "park")
    data = yaml.safe_load(park_yaml.read_text(encoding="utf-8"))
    data["risk_sources"] = [r for r in data["risk_sources"] if r["id"] in KEEP]
    assert sorted(r["id"] for r in data["risk_sources"]) == sorted(KEEP), "the demo park changed: update KEEP"
    park_yaml.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    forecast = write_demo_sample_forecast(park_yaml, root / "forecast.nc", start="2026-07-15T00:00:00+00:00",
                                          hours=48)
    return park_yaml, forecast


@pytest.fixture(scope="module")
def wet_inputs(inputs, tmp_path_factory):
    """The same park plus the low-lying hazardous-waste warehouse W-HW01, and the wet 48-h sample forecast."""
    park_yaml, _dry = inputs
    from twin.demo import build_demo_park

    root = tmp_path_factory.mktemp("forecast-wet-inputs")
    wet_park = build_demo_park(root / "park")
    data = yaml.safe_load(wet_park.read_text(encoding="utf-8"))
    data["risk_sources"] = [r for r in data["risk_sources"] if r["id"] in KEEP + ("W-HW01",)]
    wet_park.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    forecast = write_demo_sample_forecast(wet_park, root / "wet.nc", start="2026-07-15T00:00:00+00:00", hours=48,
                                          rain="wet")
    return wet_park, forecast


@pytest.fixture(scope="module")
def first(inputs, tmp_path_factory):
    """One finished cycle, run in-process; its wall time is kept for the report."""
    park_yaml, forecast = inputs
    out = tmp_path_factory.mktemp("forecast-out")
    started = time.perf_counter()
    result = run_forecast(park_yaml, forecast, out, **FAST)
    return result, out, time.perf_counter() - started


# ------------------------------------------------------------------------------------------------ pure rules


def test_release_rule_is_the_10_minute_release_of_the_inventory():
    chemicals = load_chemicals()

    class Unit:
        def __init__(self, kind, inventory, temperature=298.15, pressure=7.8e5):
            self.kind, self.inventory, self.temperature, self.pressure = kind, inventory, temperature, pressure

    assert release_rule(Unit("tank", 60000.0), chemicals["chlorine"]) == (100.0, 600.0, "direct")  # 60 t / 600 s
    rule = release_rule(Unit("pipe", 400.0), chemicals["ammonia"])
    assert rule.model == "direct" and (rule.rate, rule.duration) == pytest.approx((400.0 / 600.0, 600.0))
    # Benzene (298 K < 353 K boiling point): the 10-min outflow spills into a pool (liquid_spill).
    assert release_rule(Unit("tank", 8e5), chemicals["benzene"]) == pytest.approx((8e5 / 600.0, 600.0, "liquid_spill"))
    # Toluene has no pool properties in the table yet: not assessed, naming what is missing.
    assert "lacks liquid_density_kg_m3" in release_rule(Unit("tank", 8e5), chemicals["toluene"])
    assert "warehouse" in release_rule(Unit("warehouse", 2e4), chemicals["chlorine"])
    # Hydrogen chloride (boils at 188 K) in a tank at 1 atm is hydrochloric acid, not a liquefied gas.
    assert "solution" in release_rule(Unit("tank", 6e4, pressure=101325.0), chemicals["hydrogen_chloride"])
    # The brief's language: the same reasons in Chinese, naming the substance by its Chinese name.
    assert release_rule(Unit("tank", 6e4, pressure=101325.0), chemicals["hydrogen_chloride"], "zh").startswith(
        "氯化氢高于其沸点（188 K）但接近常压储存（101325 Pa）：为溶液或气柜")
    assert "缺少该物质的 liquid_density_kg_m3" in release_rule(Unit("tank", 8e5), chemicals["toluene"], "zh")


def test_worst_start_hour_prefers_stable_then_light_wind_then_early():
    stability = np.array([3, 5, 5, 4, 5, 5])
    wind = np.array([1.0, 2.0, 1.5, 0.5, 1.5, 0.1])
    assert worst_start_hour(stability, wind, usable=5) == 2  # F at 1.5 m/s beats F at 2.0; hour 5 is not usable
    assert worst_start_hour(stability, wind, usable=6) == 5
    assert worst_start_hour(np.array([2, 2]), np.array([1.0, 1.0]), usable=2) == 0


def test_risk_score_counts_people_only():
    assert risk_score(np.array([0.5, 1.0, 0.25]), np.array([1000, 200, 4000]), np.array([True, False, True])) == 1500.0


def test_a_live_lock_refuses_and_a_dead_one_is_taken_over(tmp_path):
    journal = JsonLinesLog(tmp_path / "log.jsonl")
    lock = tmp_path / "forecast.lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": "x"}))
    with pytest.raises(Exception) as error:
        BatchLock(lock, journal).__enter__()
    assert getattr(error.value, "exit_code", None) == 75 and str(os.getpid()) in str(error.value)
    dead = subprocess.Popen(["true"])
    dead.wait()
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname(), "started": "x"}))
    with BatchLock(lock, journal):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()
    assert "stale_lock_taken_over" in (tmp_path / "log.jsonl").read_text()


# ------------------------------------------------------------------------------------------------ a cycle


@pytest.mark.slow
def test_a_cycle_writes_the_dated_folder_summary_and_brief(first, inputs):
    result, out, _seconds = first
    folder = out / CYCLE
    assert result.cycle == CYCLE and result.folder == folder and not result.skipped
    # no work folder, no lock left behind; the cycle's record in the ledger beside it (scenarios.common.ledger)
    assert sorted(p.name for p in out.iterdir()) == [CYCLE, "ledger.jsonl"]
    (record,) = [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["kind"] == "forecast" and record["name"] == CYCLE and record["folder"] == CYCLE
    assert "summary.json" in record["outputs"] and str(inputs[1].resolve()) in record["inputs"]
    assert verify_ledger(out / "ledger.jsonl").ok
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    # the brief's language (zh by default) for the texts; the release rule's English stays in run.json's settings
    assert summary["cycle"] == CYCLE and summary["language"] == "zh"
    assert summary["release_rule"] == term("forecast.release_rule", "zh")
    assert summary["cycle_time_local"] == "2026-07-15 08:00 +08:00"  # 00 UTC in the demo park (UTC+8)
    assert summary["release_start"]["start_local"] == local_text(summary["release_start"]["start_utc"], 8.0)
    assert [s["id"] for s in summary["not_assessed"]] == ["T-HCL01"]
    rows = summary["sources"]
    assert sorted(r["id"] for r in rows) == ["P-CL01", "T-BZ01", "T-CL01", "T-NH01"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    keys = [(-r["risk_score"], -r["max_probability_endpoint2"], -r["endpoint2_distance_m"]["p50"]) for r in rows]
    assert keys == sorted(keys)
    for row in rows:
        probabilities = [r["probability_endpoint2"] for r in row["receptors"]]
        assert all(round(p * MEMBERS) == pytest.approx(p * MEMBERS) for p in probabilities)  # k of N members
        expected = sum(r["probability_endpoint2"] * r["population"] for r in row["receptors"]
                       if r["kind"] in ("residential", "school", "hospital"))
        assert row["risk_score"] == pytest.approx(expected, abs=0.06)
        assert [r["id"] for r in row["receptors_reached"]] == [
            r["id"] for r in sorted((r for r in row["receptors"] if r["probability_endpoint2"] > 0),
                                    key=lambda r: (-r["probability_endpoint2"], r["distance_m"]))]
        assert 0 <= row["endpoint2_distance_m"]["p50"] <= row["endpoint2_distance_m"]["max"] <= 5500 * math.sqrt(2)
        assert row["endpoint1_distance_m"]["max"] <= row["endpoint2_distance_m"]["max"]  # endpoint-1 > endpoint-2
        for name in ("forecast.nc", "zones.geojson", "map.png", "scenario.yaml"):
            assert (folder / row["id"] / name).is_file(), name
    # 60 t of chlorine in 10 min outranks 400 kg from a pipe; the big tank reaches further.
    by_id = {r["id"]: r for r in rows}
    assert by_id["T-CL01"]["released_kg"] == pytest.approx(60000.0)
    assert by_id["T-CL01"]["endpoint2_distance_m"]["p50"] > by_id["P-CL01"]["endpoint2_distance_m"]["p50"]
    assert by_id["T-CL01"]["rank"] < by_id["P-CL01"]["rank"]

    # The per-source NetCDF agrees with the summary's probabilities being fractions of members.
    with xr.open_dataset(folder / "T-CL01" / "forecast.nc", engine="netcdf4") as ds:
        p2 = ds["probability_endpoint2"].values
        assert set(np.unique(np.round(p2 * MEMBERS, 4))) <= set(range(MEMBERS + 1))
        assert ds.attrs["Conventions"].startswith("CF-1.11")
        assert (ds["probability_endpoint1"].values <= p2 + 1e-6).all()
    zones = json.loads((folder / "T-CL01" / "zones.geojson").read_text(encoding="utf-8"))
    assert zones["type"] == "FeatureCollection" and len(zones["features"]) == 5

    brief = (folder / "brief.html").read_text(encoding="utf-8")
    positions = [brief.index(f"（{r['id']}）") for r in rows]  # the Chinese brief's full-width brackets
    assert positions == sorted(positions)  # ranked order in the page
    assert "T-HCL01" in brief and "未评估" in brief and "data:image/png;base64," in brief and "{{" not in brief
    assert summary["not_assessed"][0]["reason"] in brief and "溶液" in summary["not_assessed"][0]["reason"]
    assert not ISO_UTC.search(brief), ISO_UTC.search(brief)  # times in the brief: local with their offset only
    # The benzene tank is assessed as a pool: its 10-min spill evaporates over the followed window, far less
    # than the inventory becomes airborne (mass transfer, HJ 169 Eq. F.12).
    benzene = by_id["T-BZ01"]
    scenario = yaml.safe_load((folder / "T-BZ01" / "scenario.yaml").read_text(encoding="utf-8").split("\n", 2)[2])
    assert scenario["source_term"]["model"] == "liquid_spill"
    assert 0.0 < benzene["released_kg"] < 0.5 * scenario["source_term"]["rate"] * 600.0

    lines = [json.loads(line) for line in (folder / "log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all({"time", "level", "event"} <= set(line) for line in lines)
    events = [line["event"] for line in lines]
    assert events[0] == "batch_started" and "release_start_chosen" in events and events[-1] == "cycle_published"
    marker = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert marker["forecast_sha256"] == hashlib.sha256(inputs[1].read_bytes()).hexdigest()
    assert marker["cycle"] == CYCLE and "summary.json" in marker["outputs"] and "brief.html" in marker["outputs"]


@pytest.mark.slow
def test_a_second_run_is_a_no_op_and_force_recomputes(first, inputs):
    _result, out, _seconds = first
    park_yaml, forecast = inputs
    folder = out / CYCLE
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "log.jsonl"]
    before = {p: p.stat().st_mtime_ns for p in files}
    again = run_forecast(park_yaml, forecast, out, **FAST)
    assert again.skipped and again.computed_members == 0
    assert {p: p.stat().st_mtime_ns for p in files} == before
    assert sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "log.jsonl") == sorted(files)
    assert json.loads((folder / "log.jsonl").read_text().splitlines()[-1])["event"] == "cycle_already_finished"

    forced = run_forecast(park_yaml, forecast, out, force=True, **FAST)
    assert not forced.skipped and forced.computed_members == 4 * MEMBERS  # four assessed sources
    summary = folder / "summary.json"
    assert summary.stat().st_mtime_ns > before[summary]
    assert json.loads(summary.read_text())["sources"] == again.summary["sources"]  # same seed, same answer
    assert sorted(p.name for p in out.iterdir()) == [CYCLE, "ledger.jsonl"]  # the cycles' ledger beside them


@pytest.mark.slow
def test_the_english_brief_and_the_printed_summary_give_local_time_with_its_offset(inputs, tmp_path):
    park_yaml, forecast = inputs
    out = tmp_path / "out"
    done = parktwin("forecast", park_yaml, forecast, "--out", out, "--language", "en", *FAST_CLI)
    assert done.returncode == 0, done.stderr
    # 'cycle 2026071500 (2026-07-15 08:00 +08:00): 4 risk sources, ...; release start 2026-07-15 HH:MM +08:00; ...'
    first_line = done.stdout.splitlines()[0]
    assert first_line.startswith(f"cycle {CYCLE} (2026-07-15 08:00 +08:00): 4 risk sources"), first_line
    assert re.search(r"; release start 2026-07-1[56] \d{2}:\d{2} \+08:00;", first_line), first_line
    assert not ISO_UTC.search(done.stdout), done.stdout
    summary = json.loads((out / CYCLE / "summary.json").read_text(encoding="utf-8"))
    assert summary["language"] == "en" and summary["release_rule"] == term("forecast.release_rule", "en")
    assert summary["release_start"]["start_local"] in first_line
    brief = (out / CYCLE / "brief.html").read_text(encoding="utf-8")
    assert "Ranking" in brief and "Not assessed" in brief and "a solution or gas holder" in brief
    assert "Flooding — heavy-rain rule" in brief and "not triggered: max 24 h 6 mm &lt; 50 mm" in brief  # escaped HTML
    assert not [word for word in ("风险排序", "未评估", "泄漏起始时间", "暴雨", "毒性终点浓度", "敏感目标") if word in brief]
    assert not ISO_UTC.search(brief), ISO_UTC.search(brief)
    again = parktwin("forecast", park_yaml, forecast, "--out", out, "--language", "en", *FAST_CLI)
    assert again.returncode == 0 and again.stdout.startswith(f"cycle {CYCLE} (2026-07-15 08:00 +08:00) already "
                                                             "finished")


def test_a_brief_language_other_than_zh_or_en_is_refused(inputs, tmp_path):
    with pytest.raises(InputError, match="language must be zh or en .*got 'fr'"):
        run_forecast(*inputs, tmp_path / "out", language="fr", **FAST)
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------------ as cron sees it


def _finished_members(work: Path) -> int:
    """Member files renamed into place (a ``member_NNNN.part.npz`` being written does not count)."""
    return sum(1 for p in work.glob("*/members/member_*.npz") if ".part" not in p.name)


@pytest.mark.slow
def test_exit_codes_missing_malformed_and_locked(inputs, tmp_path):
    park_yaml, forecast = inputs
    out = tmp_path / "out"
    missing = parktwin("forecast", park_yaml, tmp_path / "not-yet.nc", "--out", out, *FAST_CLI)
    assert missing.returncode == 75 and "not there yet" in missing.stderr

    with xr.open_dataset(forecast, engine="netcdf4") as ds:
        ds.load().drop_vars("u10").to_netcdf(tmp_path / "bad.nc")
    bad = parktwin("forecast", park_yaml, tmp_path / "bad.nc", "--out", out, *FAST_CLI)
    assert bad.returncode == 65 and "u10" in bad.stderr and "eastward_wind" in bad.stderr
    assert not (out / CYCLE).exists()
    failures = [json.loads(line) for line in (out / "forecast-log.jsonl").read_text().splitlines()
                if json.loads(line)["event"] == "batch_failed"]
    assert [f["exit_code"] for f in failures] == [75, 65]

    (out / "forecast.lock").write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                                   "started": "2026-07-15T02:15:00+00:00"}))
    locked = parktwin("forecast", park_yaml, forecast, "--out", out, *FAST_CLI)
    assert locked.returncode == 75 and "another forecast batch is running" in locked.stderr
    assert not (out / CYCLE).exists()


@pytest.mark.slow
def test_a_killed_batch_leaves_no_finished_cycle_and_the_rerun_completes(inputs, tmp_path):
    park_yaml, forecast = inputs
    out = tmp_path / "out"
    work = out / f".{CYCLE}.work"
    members = 12
    process = subprocess.Popen([str(PARKTWIN), "forecast", str(park_yaml), str(forecast), "--out", str(out),
                                "--members", str(members), "--grid-spacing", "500", "--grid-size", "10000",
                                "--scheduler", "synchronous"],
                               env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and _finished_members(work) < 3:
            assert process.poll() is None, "the batch finished before it could be killed"
            time.sleep(0.05)
        assert _finished_members(work) >= 3, "no member was written in time"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    done_before = _finished_members(work)
    assert not (out / CYCLE).exists() and not (work / "run.json").exists()
    assert json.loads((out / "forecast.lock").read_text())["pid"] == process.pid  # stale lock left behind

    rerun = parktwin("forecast", park_yaml, forecast, "--out", out, "--members", str(members),
                     "--grid-size", "10000", "--grid-spacing", "500")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert (out / CYCLE / "run.json").is_file() and not work.exists() and not (out / "forecast.lock").exists()
    events = [json.loads(line) for line in (out / CYCLE / "log.jsonl").read_text().splitlines()]
    names = [e["event"] for e in events]
    assert "stale_lock_taken_over" in names
    started = [e for e in events if e["event"] == "members_started"]
    assert started[-1]["total"] == 4 * members and started[-1]["to_compute"] == 4 * members - done_before
    summary = json.loads((out / CYCLE / "summary.json").read_text())
    assert len(summary["sources"]) == 4 and summary["members"] == members


# ------------------------------------------------------------------------------------------------ the flood part

FLOOD_FAST = {**FAST, "flood_grid_spacing": 200.0}  # 50 x 50 cells over the 10-km domain


def _site_rain_mm(forecast: Path, park_yaml: Path) -> np.ndarray:
    """Hourly rain [mm] at the park centre read straight from the file: the sample's grid is centred on the park,
    so the centre is the middle grid node; pr [kg m-2 s-1] x 3600 s = mm per hourly step."""
    from twin.io import load_park

    lon, lat = load_park(park_yaml).centre_lonlat()
    with xr.open_dataset(forecast, engine="netcdf4") as ds:
        assert ds["pr"].attrs["units"] == "kg m-2 s-1"
        j, i = ds.sizes["lat"] // 2, ds.sizes["lon"] // 2
        assert abs(float(ds["lon"][i]) - lon) < 1e-4 and abs(float(ds["lat"][j]) - lat) < 1e-4
        return ds["pr"].values[:, j, i].astype(float) * 3600.0


@pytest.fixture(scope="module")
def wet(wet_inputs, tmp_path_factory):
    park_yaml, forecast = wet_inputs
    out = tmp_path_factory.mktemp("forecast-wet-out")
    started = time.perf_counter()
    result = run_forecast(park_yaml, forecast, out, **FLOOD_FAST)
    return result, out, time.perf_counter() - started


def test_the_rule_counts_windows_of_the_step_function():
    from scenarios.forecast.flood import heavy_rain_rule, rain_accumulations

    start = np.datetime64("2026-07-15T00:00")
    times = start + np.arange(8).astype("timedelta64[h]") * 3  # 3-hourly steps: 24 h
    rate = np.array([0, 0, 10, 4, 0, 0, 0, 0]) / 3.6e6  # mm/h -> m/s
    acc = rain_accumulations(rate, times, start, 24)
    assert acc["total_mm"] == pytest.approx(42.0)  # 3 h x 10 + 3 h x 4
    assert acc["windows"]["12h"]["max_mm"] == pytest.approx(42.0)
    assert acc["windows"]["1h"]["max_mm"] == pytest.approx(10.0)  # the mean rate over the 3-h step, for 1 h
    assert acc["windows"]["1h"]["window_start_utc"] == "2026-07-15T06:00Z"
    fires, why = heavy_rain_rule(acc, {"24h": 50.0, "12h": 30.0, "1h": 16.0})
    assert fires and "max 12 h 42 mm >= 30 mm" in why and "24 h" not in why
    fires_zh, why_zh = heavy_rain_rule(acc, {"24h": 50.0, "12h": 30.0, "1h": 16.0}, "zh")
    assert fires_zh and why_zh == "暴雨判据触发：12 小时最大 42 mm >= 30 mm"
    assert not heavy_rain_rule(acc, {"24h": 50.0, "12h": 45.0, "1h": 16.0})[0]


@pytest.mark.slow
def test_the_dry_sample_does_not_trigger_the_flood(first, inputs):
    result, out, _seconds = first
    hourly = _site_rain_mm(inputs[1], inputs[0])
    assert hourly[:24].sum() == pytest.approx(6.0, abs=1e-4)  # the 1.5 mm/h shower of hours 14-17
    flood = result.summary["flood"]
    assert flood["triggered"] is False and flood["rain"]["total_mm"] == pytest.approx(hourly[:24].sum(), abs=0.01)
    assert flood["rain"]["windows"]["24h"]["max_mm"] == pytest.approx(6.0, abs=0.01)
    assert flood["rain"]["windows"]["1h"]["max_mm"] == pytest.approx(hourly.max(), abs=0.01) == 1.5
    assert flood["decision"].startswith("未达暴雨") and "24 小时最大 6 mm < 50 mm" in flood["decision"]
    assert not (out / CYCLE / "flood").exists()
    brief = (out / CYCLE / "brief.html").read_text(encoding="utf-8")
    assert "暴雨判据" in brief and "未达暴雨" in brief and "GB/T 28592-2012 表 1" in brief


@pytest.mark.slow
def test_the_wet_sample_floods_the_warehouse_and_says_when(wet, wet_inputs):
    result, out, seconds = wet
    folder = out / CYCLE
    hourly = _site_rain_mm(wet_inputs[1], wet_inputs[0])
    # Hand check: the band peaks at 30 mm/h at hour 12 with sigma 2 h, 30 x 2 x sqrt(2 pi) = 150.4 mm in the day.
    assert hourly[12] == pytest.approx(30.0, abs=1e-3) and hourly[:24].sum() == pytest.approx(150.4, abs=0.1)
    flood = result.summary["flood"]
    assert flood["triggered"] is True and flood["decision"].startswith("暴雨判据触发")
    assert flood["rain"]["windows"]["24h"]["max_mm"] == pytest.approx(hourly[:24].sum(), abs=0.01)
    assert flood["rain"]["windows"]["1h"] == {"max_mm": pytest.approx(30.0, abs=0.01),
                                             "window_start_utc": "2026-07-15T12:00Z",
                                             "window_start_local": "2026-07-15 20:00 +08:00"}
    assert flood["grid"] == {"cells": [50, 50], "spacing_m": 200.0}
    assert flood["budget_relative_error"] < 1e-6
    # The rain the flood received is the forecast's: the site total over the domain to within the band's gradient.
    assert flood["rain_total_m3"] == pytest.approx(0.1504 * 50 * 50 * 200.0**2, rel=0.1)
    flooded = {a["id"]: a for a in flood["flooded"]}
    assert "W-HW01" in flooded and [a["rank"] for a in flood["flooded"]] == list(range(1, len(flooded) + 1))
    first_flooded = [a["first_flooded_utc"] for a in flood["flooded"]]
    assert first_flooded == sorted(first_flooded)
    assert "2026-07-15T06:00Z" <= flooded["W-HW01"]["first_flooded_utc"] <= "2026-07-15T23:59Z"
    for name in ("flood.nc", "assets.json", "map.png"):
        assert (folder / "flood" / name).is_file(), name
    assets = json.loads((folder / "flood" / "assets.json").read_text(encoding="utf-8"))
    assert {a["id"] for a in assets["assets"]} >= {"W-HW01", "T-CL01"} and assets["flooded"] == flood["flooded"]
    with xr.open_dataset(folder / "flood" / "flood.nc", engine="netcdf4") as ds:
        assert ds.attrs["Conventions"].startswith("CF-1.11")
        assert ds["max_water_depth"].attrs["standard_name"] == "flood_water_thickness"
        assert ds.sizes["time"] == 48  # every 30 min over 24 h
    marker = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert {"flood/flood.nc", "flood/assets.json", "flood/map.png"} <= set(marker["outputs"])
    brief = (folder / "brief.html").read_text(encoding="utf-8")
    section = brief[brief.index("内涝 — 暴雨判据"):]
    local = flooded["W-HW01"]["first_flooded_local"]
    assert local == local_text(flooded["W-HW01"]["first_flooded_utc"], 8.0) and local.endswith(" +08:00")
    assert "（W-HW01）" in section and local in section and flooded["W-HW01"]["first_flooded_utc"] not in section
    assert section.count("data:image/png;base64,") == 1
    print(f"wet cycle: {seconds:.1f} s")


@pytest.mark.slow
def test_a_wet_rerun_recomputes_nothing(wet, wet_inputs):
    _result, out, _seconds = wet
    folder = out / CYCLE
    files = [p for p in folder.rglob("*") if p.is_file() and p.name != "log.jsonl"]
    before = {p: p.stat().st_mtime_ns for p in files}
    again = run_forecast(*wet_inputs, out, **FLOOD_FAST)
    assert again.skipped and {p: p.stat().st_mtime_ns for p in files} == before
    assert again.summary["flood"]["flooded"] == _result.summary["flood"]["flooded"]


@pytest.mark.slow
def test_a_resumed_cycle_reuses_a_finished_flood(wet_inputs, tmp_path):
    # A batch killed after its flood: the flood's assets.json (written last, with its input digest) is reused.
    from datetime import datetime, timezone

    from scenarios.forecast.flood import flood_settings, run_forecast_flood
    from twin.io import load_park

    park_yaml, forecast = wet_inputs
    park = load_park(park_yaml)
    settings = flood_settings(grid_spacing=200.0, grid_size=4000.0)
    cycle = datetime(2026, 7, 15, tzinfo=timezone.utc)
    journal = JsonLinesLog(tmp_path / "log.jsonl")
    kwargs = {"settings": settings, "forecast_sha": "f", "park_sha": "p", "maps": False}
    block = run_forecast_flood(park, forecast, cycle, 24, tmp_path, journal, **kwargs)
    written = (tmp_path / "flood" / "flood.nc").stat().st_mtime_ns
    again = run_forecast_flood(park, forecast, cycle, 24, tmp_path, journal, **kwargs)
    assert again == json.loads(json.dumps(block, default=float))
    assert (tmp_path / "flood" / "flood.nc").stat().st_mtime_ns == written
    assert json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])["event"] == "flood_already_done"
    other = run_forecast_flood(park, forecast, cycle, 24, tmp_path, journal, **{**kwargs, "forecast_sha": "g"})
    assert other["digest"] != block["digest"]  # other inputs: computed afresh


@pytest.mark.slow
def test_a_bad_heavy_rain_threshold_exits_65_naming_the_option(inputs, tmp_path):
    park_yaml, forecast = inputs
    for value in ("-5", "lots"):
        bad = parktwin("forecast", park_yaml, forecast, "--out", tmp_path / "out", *FAST_CLI,
                       f"--heavy-rain-24h-mm={value}")
        assert bad.returncode == 65, bad.stderr[-2000:]
        assert "--heavy-rain-24h-mm" in bad.stderr and value in bad.stderr and "> 0" in bad.stderr
    assert not (tmp_path / "out" / CYCLE).exists()
    from twin.errors import InputError

    for option, value in (("flood_grid_spacing", 500.0), ("flood_grid_size", 10.0), ("heavy_rain_1h_mm", "nan")):
        flag = "--" + option.replace("_", "-") if option.startswith("flood") else "--heavy-rain-1h-mm"
        with pytest.raises(InputError, match=flag) as caught:
            run_forecast(park_yaml, forecast, tmp_path / "out", **{**FAST, option: value})
        assert caught.value.exit_code == 65


@pytest.mark.slow
def test_a_projected_forecast_grid_gives_the_same_rule_and_a_uniform_rain_flood(wet_inputs, tmp_path):
    # A WRF-like file (2-D XLAT/XLONG on south_north/west_east): the park centre is a grid node of the sample, so
    # the nearest point is the regular grid's bilinear value there, and the rule reads the same numbers.
    from datetime import datetime, timezone

    from scenarios.forecast.flood import flood_settings, run_forecast_flood
    from twin.io import load_park

    park_yaml, forecast = wet_inputs
    with xr.open_dataset(forecast, engine="netcdf4") as ds:
        regular = ds.load()
    lon2, lat2 = np.meshgrid(regular["lon"].values, regular["lat"].values)
    wrf = regular.rename({"lat": "south_north", "lon": "west_east"}).drop_vars(["south_north", "west_east"])
    wrf = wrf.assign_coords(XLAT=(("south_north", "west_east"), lat2), XLONG=(("south_north", "west_east"), lon2))
    wrf.to_netcdf(tmp_path / "wrf.nc", engine="netcdf4")
    park = load_park(park_yaml)
    cycle = datetime(2026, 7, 15, tzinfo=timezone.utc)
    kwargs = {"settings": flood_settings(grid_spacing=200.0, grid_size=4000.0), "forecast_sha": "f",
              "park_sha": "p", "maps": False}
    a = run_forecast_flood(park, forecast, cycle, 24, tmp_path / "a", JsonLinesLog(tmp_path / "a.jsonl"), **kwargs)
    b = run_forecast_flood(park, tmp_path / "wrf.nc", cycle, 24, tmp_path / "b", JsonLinesLog(tmp_path / "b.jsonl"),
                           **kwargs)
    assert a["rain"] == b["rain"] and a["triggered"] and b["triggered"]
    assert "bilinear" in a["rain_field"] and "park centre on every cell" in b["rain_field"]
    # Uniform rain at the site's rate: every open cell (buildings take none: dispersion.flood) receives the site's
    # 24-h total, 150.4 mm.
    from scenarios.typhoon.flood import FLOOD_GRID_DEFAULTS, park_flood_grid

    grid, _water = park_flood_grid(park, **{**FLOOD_GRID_DEFAULTS, "grid_spacing": 200.0, "grid_size": (4000, 4000)})
    open_cells = int((grid.open_ != 0).sum())
    assert b["rain_total_m3"] == pytest.approx(0.1504 * open_cells * 200.0**2, rel=1e-3)
