"""EIA year runs and caps end to end: the demo's outputs, statistics against a direct hourly run, caps feasibility."""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from scenarios.eia.caps_run import run_caps
from scenarios.eia.run import run_eia_scenario, text_summary
from scenarios.eia.report import LIMIT_WORDS, WORDS, eia_report_view, meteorology_figures
from scenarios.eia.setup import prepare_eia
from scenarios.spec import load_scenario
from tests.scenarios.conftest import XDIST_GROUP, parktwin
from tests.viz._png import read_png
from twin.errors import InputError

pytestmark = pytest.mark.xdist_group(XDIST_GROUP)

SMALL = """\
schema_version: 1
kind: eia
name: small-eia
park: park/park.yaml
weather: {{source: synthetic, start: "2025-03-01T00:00:00+08:00", hours: {hours}}}
grid: {{size: [4000, 4000], spacing: 1000}}
pollutants: [sulfur_dioxide, vocs]
background: {{hourly_csv: background.csv, constant: {{vocs: 0}}}}
maps: false
hourly_fields: true
heavy_pollution: {{start: "2025-03-03T00:00:00+08:00", hours: 48}}
caps: {{pollutant: sulfur_dioxide, upper_bound_factor: null, receptor_spacing: 2000, a_value: 4.2}}
"""


def hj663(values, p):
    """HJ 663-2013 percentile written out: k = 1 + (n - 1) p %, m = X(s) + (X(s+1) - X(s))(k - s)."""
    xs = sorted(values)
    k = 1 + (len(xs) - 1) * p / 100.0
    s = int(math.floor(k))
    return xs[-1] if s >= len(xs) else xs[s - 1] + (xs[s] - xs[s - 1]) * (k - s)


def hourly_so2_at_sensitive_receptors(setup) -> np.ndarray:
    """(hours, sensitive receptors) SO2 contribution [µg/m³] of a direct hourly kernel run on the year run's set-up."""
    from dispersion.plume import ReceptorSet, evaluate_plume

    r = setup.receptors
    tail = slice(setup.n_grid, None)
    sensitive = ReceptorSet(x=r.x[tail], y=r.y[tail], height=r.height[tail], ground_elevation=r.ground_elevation[tail])
    rates = setup.park.emission_rates("sulfur_dioxide")[None, :] * setup.factors * 1e-3
    return evaluate_plume(setup.stacks, rates[None], sensitive, setup.hours,
                          replace(setup.options, store_hourly=True, store_daily=False),
                          substances=["so2"])["so2"][1] * 1e9


@pytest.fixture(scope="module")
def small(demo, tmp_path_factory):
    """A 20-day EIA scenario on a 5 x 5 grid of the demo park, with an hourly background series."""
    import shutil

    root = tmp_path_factory.mktemp("eia")
    shutil.copytree(demo.park_dir, root / "park")
    hours = 20 * 24
    (root / "eia.yaml").write_text(SMALL.format(hours=hours), encoding="utf-8")
    start = np.datetime64("2025-02-28T16:00")  # = 2025-03-01T00:00+08:00
    with (root / "background.csv").open("w", encoding="utf-8") as handle:
        handle.write("time,sulfur_dioxide_ug_m3\n")
        for h in range(hours + 24):
            handle.write(f"{np.datetime_as_string(start + np.timedelta64(h, 'h'), 'm')}Z,{10 + 5 * math.sin(h / 5):.3f}\n")
    scenario = load_scenario(root / "eia.yaml")
    summary = run_eia_scenario(scenario, base_dir=root, out_dir=root / "out", where="eia.yaml")
    return root, scenario, summary


def test_demo_writes_the_eia_and_caps_outputs(demo):
    out = demo.root / "eia"
    for name in ("eia.nc", "eia_receptors.nc", "transfer.nc", "eia_summary.csv", "eia_summary.json",
                 "eia_summary.html", "run.json", "caps/caps.csv", "caps/caps.json", "caps/caps.html",
                 "caps/run.json", "map_sulfur_dioxide_p98_24h.png", "map_nitrogen_dioxide_annual_mean.png",
                 "aermod_building_cards.txt"):
        assert (out / name).is_file(), name
    # the screening mode does not model building downwash either: the stacks in the buildings' wakes are counted
    wakes = json.loads((out / "eia_summary.json").read_text(encoding="utf-8"))["building_wakes"]
    assert wakes["downwash_modelled"] is False and wakes["stacks_below_wake_height"] > 0
    with xr.open_dataset(out / "eia.nc") as ds:
        assert ds["sulfur_dioxide_p98_24h"].attrs["units"] == "ug m-3"
        assert "HJ 663" in ds["sulfur_dioxide_p98_24h"].attrs["comment"]
        assert ds["nitrogen_dioxide_annual_mean"].attrs["cell_methods"].startswith("period_days: mean within days")
    with xr.open_dataset(out / "transfer.nc") as ds:
        assert ds["transfer_daily"].dtype == np.float64 and ds.sizes["source"] == 117
    caps = json.loads((out / "caps" / "caps.json").read_text(encoding="utf-8"))
    assert caps["pollutant"] == "nitrogen_dioxide" and caps["binding"]
    # the caps' transfer matrices have no building downwash either: the capped stacks in wakes are named, and the
    # report's footer names the model the matrices came from
    capped = {s["id"] for s in caps["sources"]}
    assert caps["dispersion"] == "screening" and caps["building_wakes"]["stacks_below_wake_height"] > 0
    assert {row["id"] for row in caps["building_wakes"]["stacks"]} <= capped
    html = (out / "caps" / "caps.html").read_text(encoding="utf-8")
    assert "稳态高斯烟羽（估算模式）" in html or "steady Gaussian plume (screening mode)" in html
    # Every constraint row holds when re-evaluated at the caps (the LP's answer is feasible).
    assert max(caps["verification"]["constraint_rows_max_excess_of_capacity_scale"].values()) <= 1e-6
    # Bounds of the scenario: 0.2 <= cap/current <= 1.5 for every stack.
    ratios = [s["ratio"] for s in caps["sources"]]
    assert min(ratios) >= 0.2 - 1e-9 and max(ratios) <= 1.5 + 1e-9
    with (out / "caps" / "caps.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert rows[-1]["stack_id"] == "TOTAL"
    assert float(rows[-1]["cap_t_yr"]) == pytest.approx(caps["cap_total_t_yr"], rel=1e-5)


def test_statistics_equal_a_direct_hourly_run_with_the_background(small):
    """Percentiles, annual means and 1-h maxima at the sensitive receptors, recomputed by hand from hourly values."""
    root, scenario, summary = small
    setup = prepare_eia(scenario, base_dir=root)
    hourly = hourly_so2_at_sensitive_receptors(setup)  # µg/m³
    background = setup.background["sulfur_dioxide"] * 1e9
    total = hourly + background[:, None]
    days = setup.day_index
    full_days = [d for d in np.unique(days) if (days == d).sum() >= 20]  # GB 3095 Table 4: >= 20 hours
    daily = np.array([total[days == d].mean(axis=0) for d in full_days])
    limits = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}
    for i, receptor in enumerate(limits["24h"]["receptors"]):
        assert receptor["total_ug_m3"] == pytest.approx(hj663(daily[:, i], 98), rel=1e-9)
    for i, receptor in enumerate(limits["annual"]["receptors"]):
        assert receptor["total_ug_m3"] == pytest.approx(daily[:, i].mean(), rel=1e-9)
    for i, receptor in enumerate(limits["1h"]["receptors"]):
        assert receptor["total_ug_m3"] == pytest.approx(total[:, i].max(), rel=1e-9)
    # VOCs: HJ 2.2-2018 Appendix D 8-h TVOC value, the maximum 8-h running mean (no background given).
    vocs = summary["pollutants"]["vocs"]["limits"][0]
    assert vocs["averaging"] == "8h" and vocs["limit_ug_m3"] == pytest.approx(600.0)


def test_transfer_matrix_reproduces_the_run(small):
    """transfer.nc: Σ_s A_annual[s, r] q_s equals the annual-mean contribution at every receptor."""
    root, scenario, summary = small
    with xr.open_dataset(root / "out" / "transfer.nc") as transfer, \
            xr.open_dataset(root / "out" / "eia_receptors.nc") as receptors:
        column = list(transfer["pollutant_key"].values).index("sulfur_dioxide")
        q = transfer["source_rate"].values[:, column]
        annual = transfer["transfer_annual"].values.T @ q
        np.testing.assert_allclose(annual, receptors["sulfur_dioxide_annual_mean"].values, rtol=2e-6)
        daily = np.einsum("dsr,s->dr", transfer["transfer_daily"].values, q)
        assert transfer["transfer_hourly"].dims == ("time", "source", "station")
        hourly = np.einsum("hsr,s->hr", transfer["transfer_hourly"].values, q)
        valid = ~np.isnan(daily).any(axis=1)
        np.testing.assert_allclose(np.nanmax(daily[valid], axis=0), receptors["sulfur_dioxide_max_24h"].values,
                                   rtol=2e-6)
        np.testing.assert_allclose(hourly.max(axis=0), receptors["sulfur_dioxide_max_1h"].values, rtol=2e-6)


def test_hourly_fields_only_when_asked(small, demo):
    root, _, _ = small
    with xr.open_dataset(root / "out" / "eia.nc") as ds:
        assert ds["sulfur_dioxide"].dims == ("realization", "time", "z", "y", "x")
        np.testing.assert_allclose(ds["sulfur_dioxide"].max("time").values, ds["sulfur_dioxide_max_1h"].values,
                                   rtol=1e-6)
    with xr.open_dataset(demo.root / "eia" / "eia.nc") as ds:
        assert "sulfur_dioxide" not in ds and "sulfur_dioxide_max_1h" in ds


def test_heavy_pollution_cuts_never_raise_a_concentration(small):
    root, scenario, summary = small
    episode = summary["heavy_pollution"]["pollutants"]["sulfur_dioxide"]
    assert 0.0 < episode["emission_cut_percent"] < 100.0
    for receptor in episode["receptors"]:
        for stat in ("max_1h", "max_24h"):
            base, cut = receptor[f"{stat}_base_ug_m3"], receptor[f"{stat}_cut_ug_m3"]
            assert cut <= base * (1 + 1e-12) or (math.isnan(base) and math.isnan(cut))


def test_caps_answer_is_feasible_and_uses_the_room(small):
    root, scenario, _ = small
    report = run_caps(scenario, base_dir=root, out_dir=root / "caps", where="eia.yaml")
    assert max(report["verification"]["constraint_rows_max_excess_of_capacity_scale"].values()) <= 1e-6
    assert report["binding"], "an unbounded-above cap must be held by some receptor"
    # Optimality, checked from outside: raising any stack by 1 % breaks a constraint or does not raise the
    # weighted total (LP duality: at the optimum no feasible ascent direction exists along a single source) — here
    # simply: the binding rows sit at their capacity.
    assert report["cap_total_t_yr"] > 0
    assert report["a_value"]["total_t_yr"] > 0
    assert (root / "caps" / "caps.html").read_text(encoding="utf-8").count("<tr") > len(report["sources"])


def test_bad_inputs_exit_65_naming_the_field(small, tmp_path):
    root, _, _ = small
    bad = root / "bad.yaml"
    bad.write_text(SMALL.format(hours=48).replace("pollutant: sulfur_dioxide", "pollutant: chlorine"),
                   encoding="utf-8")
    result = parktwin("caps", bad, "--out", tmp_path / "x")
    assert result.returncode == 65 and "pollutant" in result.stderr and "chlorine" in result.stderr
    plume = root / "plume.yaml"
    plume.write_text(SMALL.format(hours=48).replace("kind: eia", "kind: plume"), encoding="utf-8")
    result = parktwin("eia", plume, "--out", tmp_path / "y")
    assert result.returncode == 65


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_eia_netcdf_passes_cf_and_acdd_checks(small, tmp_path):
    from compliance_checker.runner import CheckSuite

    from tests.twin.test_store import high_priority_failures, readable

    root, _, _ = small
    CheckSuite().load_all_available_checkers()
    # Known, stated ACDD items (README): CF has no standard name for total VOC mass nor for a source-receptor
    # coefficient. Nothing else may fail.
    def unexpected(failures, *known):
        return [f for f in failures["acdd:1.3"]
                if not (any(k in str(f) for k in known) and "standard_name" in str(f))]

    failures = high_priority_failures(root / "out" / "eia.nc", tmp_path / "eia.json")
    assert failures["cf:1.11"] == [] and unexpected(failures, '"vocs') == [], readable(failures)
    failures = high_priority_failures(root / "out" / "transfer.nc", tmp_path / "transfer.json")
    assert failures["cf:1.11"] == [] and unexpected(failures, '"transfer_', '"source_rate') == [], readable(failures)


AERMET_EIA = """\
schema_version: 1
kind: eia
name: aermet-eia
park: park/park.yaml
weather: {source: aermet, path: met/SITE.SFC, pfl_path: met/SITE.PFL, start: "2025-03-01T00:00:00+08:00", hours: 48}
grid: {size: [4000, 4000], spacing: 1000}
pollutants: [sulfur_dioxide]
maps: false
"""


def _aermet_files(folder: Path, days: int = 3) -> None:
    """A synthetic AERMET SFC/PFL pair in AERMET's column layout (hour-ending local standard time): convective
    days (L < 0, zic growing to 1200 m) and stable nights (L > 0), a veering wind, one calm hour. Values are
    chosen to exercise the path, not to describe real weather."""
    folder.mkdir()
    header = ("   31.900N  121.200E          UA_ID: 00058362  SF_ID: 58362     OS_ID:              "
              "VERSION: 24142    CCVR_Sub TEMP_Sub")
    sfc, pfl = [header], []
    for index in range(days * 24):
        day = 28 + index // 24  # 2025-02-28 .. (local), hours 1..24 ending
        month, dom = (2, day) if day <= 28 else (3, day - 28)
        julian = dom + (31 if month == 2 else 59)
        hour = index % 24 + 1
        daytime = 8 <= hour <= 17
        length = -20.0 - 10 * abs(hour - 13) if daytime else 40.0 + 5 * (hour % 7)
        heat = 120.0 if daytime else -15.0
        zic = 200.0 + 100 * (hour - 8) if daytime else -999.0
        speed = 0.0 if index == 30 else 2.0 + (index % 5) * 0.6
        direction = (90.0 + 7.5 * index) % 360.0
        wstar = "1.200" if daytime else "-9.000"
        sfc.append(f"2025 {month:2d} {dom:2d} {julian:3d} {hour:2d} {heat:7.1f}  0.300 {wstar} 0.005 {zic:6.0f}. "
                   f" 400. {length:9.1f}  0.1000   1.00  0.20 {speed:6.2f} {direction:6.1f}  10.0  283.0   2.0  0 "
                   f"-9.00 999. 1013.  0 NAD-SFC NoSubs")
        pfl.append(f"25 {month:2d} {dom:2d} {hour:2d}    10.0 1 {direction:7.1f} {speed:8.2f}     9.85    99.00    99.00")
    (folder / "SITE.SFC").write_text("\n".join(sfc) + "\n")
    (folder / "SITE.PFL").write_text("\n".join(pfl) + "\n")


def test_eia_runs_on_aermet_meteorology(demo, tmp_path):
    """weather.source aermet: the year-run path takes the AERMET met as prepared (Golder class from L, mixing
    height from zic/zim) — the setup's met equals meteo.read_aermet's over the window, and the 1-h maxima equal a
    direct hourly run on that met."""
    import shutil

    from meteo import read_aermet

    shutil.copytree(demo.park_dir, tmp_path / "park")
    _aermet_files(tmp_path / "met")
    (tmp_path / "eia.yaml").write_text(AERMET_EIA, encoding="utf-8")
    scenario = load_scenario(tmp_path / "eia.yaml")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    direct = read_aermet(tmp_path / "met/SITE.SFC", tmp_path / "met/SITE.PFL", utc_offset_hours=8.0)
    window = direct.sel(time=setup.met["time"])
    assert setup.met.sizes["time"] == 48
    assert str(setup.met["time"].values[0]) == "2025-02-28T16:00:00.000000000"  # 00:00+08 → 16:00Z
    np.testing.assert_array_equal(setup.met["stability_class"].values, window["stability_class"].values)
    np.testing.assert_array_equal(setup.met["atmosphere_boundary_layer_thickness"].values,
                                  window["atmosphere_boundary_layer_thickness"].values)
    classes = set(np.unique(setup.met["stability_class"].values))
    assert min(classes) <= 2 and max(classes) >= 4  # convective (A-C) and stable (E-F) hours both present
    assert setup.met.attrs["land_use"] == setup.park.spec.land_use

    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    hourly = hourly_so2_at_sensitive_receptors(setup)
    one_hour = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}["1h"]
    for i, receptor in enumerate(one_hour["receptors"]):
        assert receptor["total_ug_m3"] == pytest.approx(hourly[:, i].max(), rel=1e-9)
    assert hourly.max() > 0


def test_aermod_hour_rules_leave_calm_and_missing_hours_out(demo, tmp_path):
    """model.hour_rules aermod on AERMET met with one calm and one missing hour in the window: the run accepts the
    missing hour (without aermet_fill_missing), counts both in the summary, models neither (zero), and the period
    mean divides the sum by the 46 valid hours; the screening rules refuse the missing hour."""
    import shutil

    shutil.copytree(demo.park_dir, tmp_path / "park")
    _aermet_files(tmp_path / "met")
    sfc = (tmp_path / "met/SITE.SFC").read_text().splitlines()
    fields = sfc[1 + 40].split()
    fields[18] = "999.0"  # local 2025-03-01 hour 17: temperature missing (AERMOD CHKMSG)
    sfc[1 + 40] = " ".join(fields)
    (tmp_path / "met/SITE.SFC").write_text("\n".join(sfc) + "\n")
    (tmp_path / "eia.yaml").write_text(AERMET_EIA + "model: {hour_rules: aermod}\n", encoding="utf-8")
    scenario = load_scenario(tmp_path / "eia.yaml")
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    assert setup.hours.valid.sum() == 46 and not setup.hours.valid[30 - 24] and not setup.hours.valid[40 - 24]
    summary = run_eia_scenario(scenario, base_dir=tmp_path, out_dir=tmp_path / "out", where="eia.yaml")
    assert (summary["hour_rules"], summary["calm_hours"], summary["missing_hours"]) == ("aermod", 1, 1)
    assert "1 calm and 1 missing hours left out" in text_summary(summary)
    hourly = hourly_so2_at_sensitive_receptors(setup)
    assert np.all(hourly[[30 - 24, 40 - 24]] == 0.0) and hourly.max() > 0
    annual = {item["averaging"]: item for item in summary["pollutants"]["sulfur_dioxide"]["limits"]}["annual"]
    assert annual["statistic"] == "period_mean"
    for i, receptor in enumerate(annual["receptors"]):
        assert receptor["contribution_ug_m3"] == pytest.approx(hourly[:, i].sum() / 46, rel=1e-9, abs=1e-12)

    (tmp_path / "eia.yaml").write_text(AERMET_EIA, encoding="utf-8")
    with pytest.raises(InputError, match="missing"):
        prepare_eia(load_scenario(tmp_path / "eia.yaml"), base_dir=tmp_path, where="eia.yaml")


def test_aermet_weather_needs_its_path_and_only_aermet_takes_a_profile(tmp_path):
    from pydantic import ValidationError

    from scenarios.common.spec import WeatherSpec

    with pytest.raises(ValidationError, match="path is required when source is 'aermet'"):
        WeatherSpec(source="aermet", start="2025-03-01T00:00:00+08:00")
    with pytest.raises(ValidationError, match="apply to source 'aermet' only"):
        WeatherSpec(source="synthetic", pfl_path="x.PFL", start="2025-03-01T00:00:00+08:00")


def test_an_aermet_file_without_start_is_run_for_its_own_period(demo, tmp_path, monkeypatch):
    """weather.source aermet without start: the file's whole period (72 h from its first hour, local 00:00+08), or
    its first ``hours``; a file longer than a run may be is refused by name; every other source still needs a
    start, and a start without hours is still 24 h."""
    import shutil

    from pydantic import ValidationError

    from scenarios.common.spec import WeatherSpec
    from scenarios.common import weather as weather_module
    from scenarios.common.weather import load_weather
    from twin.errors import WeatherFileCoverageError

    shutil.copytree(demo.park_dir, tmp_path / "park")
    _aermet_files(tmp_path / "met")
    whole = AERMET_EIA.replace(', start: "2025-03-01T00:00:00+08:00", hours: 48', "")
    (tmp_path / "eia.yaml").write_text(whole, encoding="utf-8")
    scenario = load_scenario(tmp_path / "eia.yaml")
    assert scenario.weather.start is None and scenario.weather.hours is None
    setup = prepare_eia(scenario, base_dir=tmp_path, where="eia.yaml")
    times = setup.met["time"].values
    assert times.size == 72 and str(times[0]) == "2025-02-27T16:00:00.000000000"  # 2025-02-28 00:00+08
    assert str(times[-1]) == "2025-03-02T15:00:00.000000000"

    park = setup.park
    first_ten = WeatherSpec(source="aermet", path="met/SITE.SFC", hours=10)
    assert load_weather(first_ten, tmp_path, park, "test").sizes["time"] == 10
    assert WeatherSpec(source="aermet", path="met/SITE.SFC", start="2025-03-01T00:00:00+08:00").hours == 24
    assert WeatherSpec(source="synthetic", start="2025-03-01T00:00:00+08:00").hours == 24
    with pytest.raises(ValidationError, match="start is required when source is 'station_csv'"):
        WeatherSpec(source="station_csv", path="weather.csv")
    with pytest.raises(WeatherFileCoverageError, match=r"2025-02-28 00:00 \+08:00 \(the file's first hour\), 100 h"):
        load_weather(WeatherSpec(source="aermet", path="met/SITE.SFC", hours=100), tmp_path, park, "test")
    monkeypatch.setattr(weather_module, "MAX_WEATHER_HOURS", 48)  # a file longer than a run may be (one leap year)
    with pytest.raises(InputError, match=r"SITE.SFC: hours must be at most 48 hours .*, got '72 hours \(2025-02-28 "
                                         r"00:00 \+08:00 to 2025-03-02 23:00 \+08:00\)'"):
        load_weather(WeatherSpec(source="aermet", path="met/SITE.SFC"), tmp_path, park, "test")


def test_an_hourly_background_without_a_pollutant_s_column_is_refused(tmp_path):
    """Issue 13 D: the assessed pollutant's column missing from background.csv silently meant a background of 0 (or
    the constant); now it is an error unless a constant is given for that pollutant, which is then used."""
    from scenarios.eia.setup import read_background
    from scenarios.eia.spec import BackgroundSpec
    from twin.errors import InputError

    times = np.datetime64("2025-03-01T00:00") + np.arange(3) * np.timedelta64(1, "h")
    (tmp_path / "bg.csv").write_text("time,sulfur_dioxide_ug_m3\n" + "".join(
        f"{np.datetime_as_string(t, 'm')}Z,{10 + k}\n" for k, t in enumerate(times)), encoding="utf-8")
    with pytest.raises(InputError, match=r"bg\.csv: header must be a 'nitrogen_dioxide_ug_m3' column") as caught:
        read_background(BackgroundSpec(hourly_csv="bg.csv"), ["sulfur_dioxide", "nitrogen_dioxide"], times, tmp_path,
                        "eia.yaml")
    assert caught.value.exit_code == 65
    stated = BackgroundSpec(hourly_csv="bg.csv", constant={"nitrogen_dioxide": 20.0, "sulfur_dioxide": 99.0})
    background = read_background(stated, ["sulfur_dioxide", "nitrogen_dioxide"], times, tmp_path, "eia.yaml")
    np.testing.assert_allclose(background["sulfur_dioxide"] * 1e9, [10.0, 11.0, 12.0])  # the column wins
    np.testing.assert_allclose(background["nitrogen_dioxide"] * 1e9, [20.0, 20.0, 20.0])  # the stated constant


def _report(percent: float, ratios, factor=100.0, bound_only=False) -> dict:
    return {"pollutant": "sulfur_dioxide", "method": "max_total", "current_total_t_yr": 10.0, "cap_total_t_yr": 20.0,
            "upper_bound_factor": factor, "binding": [], "a_value": None,
            "sources": [{"ratio": r} for r in ratios],
            "verification": {"constraint_rows_max_excess_of_capacity_scale": {},
                             "standard_checks": [{"averaging": "1h", "statistic": "max", "percent_of_limit": percent,
                                                  "at": "grid", "complies": percent <= 100.0,
                                                  "bound_only": bound_only}]}}


def test_a_cap_that_fails_its_verification_says_so_first_and_exits_65(tmp_path, monkeypatch):
    """Issue 13, 11: a cap at 107.5 % of the 1-h limit in its own verification printed its headline and exited 0."""
    import scenarios.eia.caps_run as caps_run
    from scenarios.eia.caps_run import CapVerificationError, failed_checks, from_the_bound, text_summary

    failing = _report(107.5, [3.0, 5.0])
    assert text_summary(failing).splitlines()[0].startswith("VERIFICATION FAILED: at the caps the 1h max reaches "
                                                            "107.5 % of its limit")
    assert failed_checks(_report(99.0, [3.0])) == [] and failed_checks(_report(120.0, [3.0], bound_only=True)) == []
    assert "VERIFICATION FAILED" not in text_summary(_report(99.0, [3.0]))
    monkeypatch.setattr(caps_run, "load_scenario", lambda path: type("S", (), {"kind": "eia", "name": "x"})())
    monkeypatch.setattr(caps_run, "run_caps", lambda *a, **k: failing)
    with pytest.raises(CapVerificationError, match="VERIFICATION FAILED") as caught:
        caps_run.run_caps_file(tmp_path / "eia.yaml", tmp_path / "out")
    assert caught.value.exit_code == 65
    assert from_the_bound(_report(50.0, [100.0, 100.0])) and not from_the_bound(_report(50.0, [100.0, 40.0]))
    assert "comes from the bound, not from air quality" in text_summary(_report(50.0, [100.0, 100.0]))
    assert not from_the_bound(_report(50.0, [3.0], factor=None))


# The report in one language with the tables and figures of an HJ 2.2-2018 report (issue 14 item 4).
_CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_report_in_english_and_in_chinese(small, tmp_path):
    root, scenario, summary = small
    setup = prepare_eia(scenario.model_copy(update={"language": "en"}), base_dir=root, where="eia.yaml")
    english = eia_report_view(setup, summary, {}, "en")
    chinese = eia_report_view(setup, summary, {}, "zh")
    headings = [section["heading"] for section in english["sections"]]
    assert headings[:2] == [WORDS["en"]["sources"], WORDS["en"]["meteorology"]]
    assert not any(_CJK.search(h) for h in headings) and not _CJK.search(english["title"])
    assert all(_CJK.search(section["heading"]) for section in chinese["sections"])
    # one language per report (issue 14): no English words in the Chinese headings beyond standard numbers
    for section in chinese["sections"]:
        words = re.findall(r"[A-Za-z]{3,}", re.sub(r"(HJ|GB|AERMOD)[\s\d.\-–§]*", "", section["heading"]))
        assert not words, section["heading"]
    assert "steady Gaussian plume" in english["footer"] and "稳态高斯烟羽" in chinese["footer"]
    sources = english["sections"][0]
    assert len(sources["rows"]) == len(setup.park.spec.stacks)  # one row per stack
    stack = setup.park.spec.stacks[0]
    first = sources["rows"][0]["cells"]
    assert first[0] == stack.id and float(first[6]) == stack.height
    assert float(first[9]) == pytest.approx(stack.exit_temperature - 273.15, abs=0.05)  # °C
    assert sources["columns"][-1].endswith("(g/s)") and len(sources["columns"]) == 10 + len(setup.pollutants)
    results = next(s for s in english["sections"] if s["heading"].startswith("4."))
    for row in results["rows"]:
        contribution, background, total = (float(v) if v != "—" else np.nan for v in row["cells"][4:7])
        if np.isfinite(total):
            assert contribution + background == pytest.approx(total, rel=1e-3, abs=1e-3)  # the superposition


def test_a_period_too_short_for_an_annual_mean_says_so_where_it_is_compared_with_the_annual_limit(small):
    """20 days are 20 valid daily means, not GB 3095-2012's annual mean (Table 4: at least 324): the annual rows of
    eia_summary.csv, the report's results table and the terminal summary say so instead of complying or not; the
    1-h and 24-h rows still do."""
    root, scenario, summary = small
    annual = [limit for entry in summary["pollutants"].values() for limit in entry["limits"]
              if limit["averaging"] == "annual"]
    assert annual and all(limit["valid_days"] == 20 and limit["valid_annual_mean"] is False for limit in annual)
    with open(root / "out" / "eia_summary.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["complies"] for r in rows if r["averaging"] == "annual"} == {"n/a: 20 valid days < 324"}
    assert {r["complies"] for r in rows if r["averaging"] != "annual"} <= {"yes", "no"}
    text = text_summary(summary)
    assert text.count("not a valid annual mean: 20 valid daily means, GB 3095-2012 Table 4 asks for 324") == len(annual)
    setup = prepare_eia(scenario.model_copy(update={"language": "en"}), base_dir=root, where="eia.yaml")
    for language, expected in (("en", "n/a: 20 valid daily means"), ("zh", "不适用：有效日均值 20 个")):
        results = next(s for s in eia_report_view(setup, summary, {}, language)["sections"]
                       if s["heading"].startswith("4."))
        cells = [row["cells"] for row in results["rows"]]
        annual_word = LIMIT_WORDS["annual"][language]
        assert any(c[1] == annual_word for c in cells)
        assert all(c[-1].startswith(expected) for c in cells if c[1] == annual_word)
        assert all(c[-1] in (WORDS[language]["yes"], WORDS[language]["no"], "—") for c in cells
                   if c[1] != annual_word)


def test_wind_rose_and_stability_figures_are_real_pictures(small, tmp_path):
    root, scenario, _ = small
    setup = prepare_eia(scenario, base_dir=root, where="eia.yaml")
    figures = meteorology_figures(setup, tmp_path, "en")
    for name in ("wind_rose", "stability"):
        pixels = read_png(figures[name])
        assert pixels.shape[0] > 300 and pixels.std() > 20.0, name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stability.png", "wind_rose.png"]  # atomic, no leftovers


def test_the_caps_report_in_one_language_with_local_periods(demo):
    from scenarios.eia.caps_run import caps_report_view

    from scenarios.eia.caps_run import period_label

    report = json.loads((demo.root / "eia" / "caps" / "caps.json").read_text(encoding="utf-8"))
    assert period_label(np.datetime64("2025-07-25T06:00"), 1, 8.0) == "2025-07-25 14:00 +08:00"  # hourly rows
    assert period_label(np.datetime64("2025-07-25T06:00"), 8, 8.0) == "8 h from 2025-07-25 14:00 +08:00"
    english, chinese = caps_report_view(report, "en"), caps_report_view(report, "zh")
    assert not _CJK.search(english["title"]) and not any(_CJK.search(s["heading"]) for s in english["sections"])
    assert all(_CJK.search(s["heading"]) for s in chinese["sections"])
    assert english["sections"][1]["columns"][1] == "Period (local time)"
    assert "steady Gaussian plume (screening mode)" in english["footer"]
    assert "AERMOD mode" in caps_report_view({**report, "dispersion": "aermod"}, "en")["footer"]
    assert any("too lenient" in p["text"] and p.get("warn") for p in english["sections"][0]["paragraphs"])


def test_transfer_matrices_over_the_memory_limit_are_refused_up_front(monkeypatch):
    """The year run keeps each source's response at the sensitive receptors: hourly (transfer_hourly) they are
    H × S × sensitive receptors doubles — refused before the run when that is over the limit, naming the field."""
    from types import SimpleNamespace

    from scenarios.eia.run import check_eia_memory

    setup = SimpleNamespace(receptors=SimpleNamespace(x=np.zeros(30)), n_grid=10, met=SimpleNamespace(
        sizes={"time": 8760}), pollutants=["sulfur_dioxide"], stacks=SimpleNamespace(x=np.zeros(1000)))
    monkeypatch.setenv("PARKTWIN_MAX_MEMORY_GIB", "1.0")  # hourly: 8760 × 1000 × 20 × 8 B = 1.3 GiB; daily: 56 MiB
    with pytest.raises(InputError, match=r"eia\.yaml: transfer_hourly.*1,000 sources × 20 sensitive receptors × "
                                         r"8,760 hours.*transfer_hourly: false"):
        check_eia_memory(SimpleNamespace(hourly_fields=False, transfer_hourly=True), setup, "eia.yaml")
    check_eia_memory(SimpleNamespace(hourly_fields=False, transfer_hourly=False), setup, "eia.yaml")


def test_caps_from_kept_hourly_matrices_equal_caps_from_kernel_runs(small, tmp_path, monkeypatch):
    """The hourly constraints read the hourly transfer matrices when they fit (``CAPS_HOURLY_BYTES``), else run the
    kernel for the rows and values they need: the same caps either way."""
    import scenarios.eia.caps_run as caps_run

    root, scenario, _ = small
    kept = run_caps(scenario, base_dir=root, out_dir=tmp_path / "kept", where="eia.yaml")
    monkeypatch.setattr(caps_run, "CAPS_HOURLY_BYTES", 0)
    runs = run_caps(scenario, base_dir=root, out_dir=tmp_path / "runs", where="eia.yaml")
    assert kept["cap_total_t_yr"] == pytest.approx(runs["cap_total_t_yr"], rel=1e-6)
    assert [s["id"] for s in kept["sources"]] == [s["id"] for s in runs["sources"]]
    for a, b in zip(kept["sources"], runs["sources"]):
        assert a["cap_t_yr"] == pytest.approx(b["cap_t_yr"], rel=1e-6, abs=1e-9)
    assert kept["binding"] and kept["cap_total_t_yr"] > 0.0
