"""``parktwin trace``: twin experiments on the demo park (the acceptance scores of issue 16 §3), the CLI end to end,
and its named errors.

Twin: the demo park's 117 stacks, its five tank farms and the hazardous-waste warehouse are the candidates; 8
fence-line monitors; a synthetic week of hourly weather with its calm hours; one candidate emits a rate log-uniform
in 0.1–100 g/s; 30 % multiplicative log-normal noise (σ_ln = 0.3); a detection limit of 1 µg/m³; calm hours replaced
by values unrelated to the model (scenarios.trace.experiment). The transfer array is computed once per module.
"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from dispersion.plume import ReceptorSet
from meteo import prepare_dispersion_met, synthetic_weather
from scenarios.common.models import plume_options
from scenarios.common.spec import ModelSpec
from scenarios.trace.candidates import candidate_responses, park_candidates
from scenarios.trace.experiment import fence_monitors, run_twin_cases, summarise_cases, write_twin_case
from tests.scenarios.conftest import PARKTWIN, cli_env, fill_park_lists
from twin.demo import build_demo_park
from twin.io import load_park

WEEK = 168  # [h]
DETECTION_LIMIT = 1e-9  # [kg m-3] = 1 µg/m³


@pytest.fixture(scope="module")
def park_path(tmp_path_factory):
    return build_demo_park(tmp_path_factory.mktemp("trace") / "park")


@pytest.fixture(scope="module")
def week(park_path):
    """(park, prepared weather of a synthetic week with calm hours, monitors (ids, x, y, height), receptors)."""
    park = load_park(park_path)
    lon, lat = park.centre_lonlat()
    weather = synthetic_weather("2025-07-01T00:00:00+08:00", WEEK, latitude=lat, longitude=lon, seed=3)
    wind = weather["wind_speed"].values.copy()
    wind[[27, 28, 51, 52, 75, 100]] = 0.3  # six more night-time calms than the generator happened to give
    weather["wind_speed"].values[:] = wind
    met = prepare_dispersion_met(weather, latitude=lat, longitude=lon, stability_method="gb3840", land_use="rural")
    ids, x, y, height = fence_monitors(park, 8)
    receptors = ReceptorSet(x=x, y=y, height=height, ground_elevation=np.asarray(park.terrain.elevation_at(x, y)))
    return park, met, receptors


@pytest.fixture(scope="module")
def twin(week):
    """(candidates, responses (H, C, 8), calm (H,)) for the week; the expensive part, built once."""
    park, met, receptors = week
    candidates = park_candidates(park)
    responses = candidate_responses(candidates, receptors, met, plume_options(ModelSpec(), park, receptors.x,
                                                                              receptors.y, store_hourly=True))
    return candidates, responses, np.asarray(met["calm_flag"].values, dtype=bool)


def test_candidates_of_the_demo_park(twin):
    candidates, responses, calm = twin
    kinds = [c.kind for c in candidates.candidates]
    assert kinds.count("stack") == 117
    assert [c.id for c in candidates.candidates if c.kind != "stack"] == [
        "T-CL01–T-CL03", "T-NH01+T-NH02", "T-HS01", "T-HCL01+T-HCL02", "T-BZ01+T-BZ02", "W-HW01"]
    assert responses.shape == (WEEK, 123, 8)
    print("calm hours", int(calm.sum()))
    assert calm.sum() >= 6
    # a ground-level release gives more at the fence than the same rate from a tall stack nearby (no rise, no height)
    tank = candidates.ids.index("T-BZ01+T-BZ02")
    tallest = int(np.argmax([c.height for c in candidates.candidates]))
    assert responses[:, tank].max() > 10 * responses[:, tallest].max()


def test_twin_quick(twin):
    """20 cases (a few seconds): the same acceptance thresholds, looser by the small sample."""
    _, responses, calm = twin
    scores = summarise_cases(run_twin_cases(responses, 20, seed=11, calm=calm, detection_limit=DETECTION_LIMIT))
    assert scores["top1"] >= 0.85 and scores["top3"] >= 0.95
    assert scores["rate_within_factor_2"] >= 0.85


@pytest.mark.slow
def test_twin_200_cases_meet_the_acceptance_scores(twin):
    """Issue 16 §3: true source first in >= 90 % of 200 cases, top three in >= 98 %, rate within a factor of 2 in
    >= 90 %, 90 % intervals covering the true rate in 85–95 %."""
    _, responses, calm = twin
    scores = summarise_cases(run_twin_cases(responses, 200, seed=2026, calm=calm, detection_limit=DETECTION_LIMIT))
    print(scores)
    assert scores["top1"] >= 0.90
    assert scores["top3"] >= 0.98
    assert scores["rate_within_factor_2"] >= 0.90
    assert 0.85 <= scores["interval_coverage"] <= 0.95


def test_exceedances_alone_are_enough(twin):
    """Only "above 10 µg/m³" or "not above" per hour (an alarm log, no values): the source is still found and its
    rate bounded (20 cases; measured on 40 other cases: 95 % first, 100 % in the top three, 95 % coverage)."""
    _, responses, calm = twin
    scores = summarise_cases(run_twin_cases(responses, 20, seed=21, calm=calm, detection_limit=DETECTION_LIMIT,
                                            rate_range=(1.0, 100.0), exceedance_threshold=10 * DETECTION_LIMIT))
    assert scores["top1"] >= 0.85 and scores["top3"] >= 0.95, scores
    assert scores["rate_within_factor_2"] >= 0.85 and scores["interval_coverage"] >= 0.75, scores


def test_using_calm_hours_misleads_the_tracer(twin):
    """The calm hours' observations are unrelated to the model: dropping them (the default) must do better."""
    _, responses, calm = twin
    dropped = summarise_cases(run_twin_cases(responses, 15, seed=5, calm=calm, detection_limit=DETECTION_LIMIT))
    used = summarise_cases(run_twin_cases(responses, 15, seed=5, calm=calm, detection_limit=DETECTION_LIMIT,
                                          drop_calm=False))
    assert dropped["interval_coverage"] > used["interval_coverage"] or dropped["top1"] > used["top1"]


def test_an_unlisted_area_source_is_located(week):
    """With 400-m area cells among the candidates, a source in a cell (emitting 1–100 g/s) is put first in its own
    cell or a neighbouring one (centres within one diagonal, 566 m) in at least 85 % of 20 cases."""
    park, met, receptors = week
    candidates = park_candidates(park, kinds=("stack", "tank", "warehouse", "area"), area_cell=400.0)
    cells = np.array([k for k, c in enumerate(candidates.candidates) if c.kind == "area"])
    assert 60 <= cells.size <= 90  # the 3.6 km x 3.4 km boundary in 400-m cells
    responses = candidate_responses(candidates, receptors, met, plume_options(ModelSpec(), park, receptors.x,
                                                                              receptors.y, store_hourly=True))
    calm = np.asarray(met["calm_flag"].values, dtype=bool)
    results = run_twin_cases(responses, 20, seed=8, calm=calm, detection_limit=DETECTION_LIMIT, sources=cells,
                             rate_range=(1.0, 100.0))
    xy = np.array([(c.x, c.y) for c in candidates.candidates])
    distance = np.array([np.hypot(*(xy[r.first] - xy[r.source])) for r in results])
    print(summarise_cases(results), "first within one cell:", np.mean(distance <= 400.0 * np.sqrt(2) + 1.0))
    assert np.mean(distance <= 400.0 * np.sqrt(2) + 1.0) >= 0.85, distance
    assert summarise_cases(results)["top1"] >= 0.85


def test_the_parks_fugitive_sources_are_suspects_and_are_found(week, park_path, tmp_path):
    """park.yaml's volume and area sources (a tank farm's vents, a wastewater pond) are candidates of their own,
    passive releases at their release heights over the volume's square (side 4.3 σ_y0) or the area's outline; a
    trace whose true source is one of them puts it first in at least 85 % of 20 cases (the demo's stacks, tanks and
    warehouse competing)."""
    import shutil

    _, met, receptors = week
    folder = tmp_path / "park"
    shutil.copytree(park_path.parent, folder)  # build_demo_park returns the park.yaml
    path = folder / "park.yaml"
    park = load_park(path)
    a, b = park.stacks[0], park.stacks[40]
    fill_park_lists(path, f"""
volume_sources:
  - {{id: V01, name: 罐区呼吸阀, enterprise: {a.enterprise}, x: {a.x + 80.0}, y: {a.y}, release_height: 6,
     initial_sigma_y: 11.63, initial_sigma_z: 2.8, emissions: {{vocs: 0.5}}}}
area_sources:
  - {{id: A01, name: 污水调节池, enterprise: {b.enterprise}, release_height: 0,
     polygon: [[{b.x - 150.0}, {b.y}], [{b.x - 70.0}, {b.y + 20.0}], [{b.x - 40.0}, {b.y + 90.0}],
               [{b.x - 110.0}, {b.y + 140.0}]], emissions: {{vocs: 0.3}}}}
""")
    park = load_park(path)
    candidates = park_candidates(park)
    fugitive = [k for k, c in enumerate(candidates.candidates) if c.kind == "fugitive"]
    assert [candidates.candidates[k].id for k in fugitive] == ["V01", "A01"]
    points = candidates.points
    for k, (height, n_points) in zip(fugitive, ((6.0, 4), (1.0, 8))):  # a 50 m square: 2 × 2; the pond (at the
        # ground, modelled 1 m up): its cells
        used = np.flatnonzero(candidates.weights[:, k])
        assert np.allclose(points.height[used], height) and candidates.weights[used, k].sum() == pytest.approx(1.0)
        assert len(used) >= n_points // 2, len(used)
    pond = np.flatnonzero(candidates.weights[:, fugitive[1]])
    from shapely.geometry import Point, Polygon

    outline = Polygon(park.area_sources[0].vertices())
    assert all(outline.contains(Point(x, y)) for x, y in zip(points.x[pond], points.y[pond]))
    assert park_candidates(park, kinds=("stack", "tank", "warehouse")).weights.shape[1] == len(candidates.ids) - 2
    responses = candidate_responses(candidates, receptors, met, plume_options(ModelSpec(), park, receptors.x,
                                                                              receptors.y, store_hourly=True))
    calm = np.asarray(met["calm_flag"].values, dtype=bool)
    results = run_twin_cases(responses, 20, seed=12, calm=calm, detection_limit=DETECTION_LIMIT,
                             sources=np.array(fugitive), rate_range=(0.1, 10.0))
    scores = summarise_cases(results)
    assert scores["top1"] >= 0.85 and scores["top3"] >= 0.95, scores


def _trace(files, out, *extra):
    return subprocess.run([str(PARKTWIN), "trace", "--park", str(files["park"]), "--weather", str(files["weather"]),
                           "--monitors", str(files["monitors"]), "--observed", str(files["observed"]),
                           "--out", str(out), *extra], capture_output=True, text=True, env=cli_env(), timeout=300)


@pytest.fixture(scope="module")
def case_files(park_path, tmp_path_factory):
    return write_twin_case(tmp_path_factory.mktemp("case"), park_path, source_id="T-BZ01+T-BZ02", rate=3.0, seed=4)


def test_cli_finds_the_source_and_writes_its_outputs(case_files, tmp_path):
    done = _trace(case_files, tmp_path / "out", "--language", "en")
    assert done.returncode == 0, done.stderr
    assert "1. T-BZ01+T-BZ02 (tank)" in done.stdout
    rows = (tmp_path / "out" / "ranking.csv").read_text(encoding="utf-8").splitlines()
    first = dict(zip(rows[0].split(","), rows[1].split(",")))
    assert first["id"] == "T-BZ01+T-BZ02" and float(first["probability"]) > 0.9
    assert float(first["rate_low_g_s"]) < 3.0 * 1.5 and float(first["rate_high_g_s"]) > 3.0 / 1.5
    summary = json.loads((tmp_path / "out" / "ranking.json").read_text(encoding="utf-8"))
    assert summary["candidates"][0]["members"] == ["T-BZ01", "T-BZ02"] and summary["hours"] == WEEK
    html = (tmp_path / "out" / "brief.html").read_text(encoding="utf-8")
    assert "VOC source-tracing brief" in html and "T-BZ01+T-BZ02" in html and "data:image/png;base64" in html
    assert "+08:00" in html  # local times with their offset
    manifest = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert set(manifest["outputs"]) == {"brief", "map", "ranking_csv", "ranking_json"}
    assert any(name.endswith("observed.csv") for name in manifest["inputs_sha256"])


def test_cli_brief_in_chinese(case_files, tmp_path):
    done = _trace(case_files, tmp_path / "zh")
    assert done.returncode == 0, done.stderr
    assert "VOC 溯源简报" in (tmp_path / "zh" / "brief.html").read_text(encoding="utf-8")


def test_cli_names_bad_input(case_files, tmp_path):
    observed = case_files["observed"].read_text(encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(observed.replace("time,F01", "time,X99", 1), encoding="utf-8")
    done = _trace({**case_files, "observed": bad}, tmp_path / "o1")
    assert done.returncode == 65 and "bad.csv: header must be 'time' or a monitor id" in done.stderr
    lines = observed.splitlines()
    bad.write_text("\n".join(lines[:3] + lines[4:]) + "\n", encoding="utf-8")  # an hour left out
    done = _trace({**case_files, "observed": bad}, tmp_path / "o2")
    assert done.returncode == 65 and "bad.csv line 4: time must be one hour after the previous row" in done.stderr
    bad.write_text(observed.replace(",<1,", ",abc,", 1), encoding="utf-8")
    done = _trace({**case_files, "observed": bad}, tmp_path / "o3")
    assert done.returncode == 65 and "got 'abc'" in done.stderr
    bad.write_text(observed.replace("2025-07-", "2024-07-"), encoding="utf-8")  # hours the weather does not cover
    done = _trace({**case_files, "observed": bad}, tmp_path / "o6")
    assert done.returncode == 65 and "trace: --weather weather.csv" in done.stderr
    done = _trace({**case_files, "monitors": tmp_path / "none.csv"}, tmp_path / "o4")
    assert done.returncode == 66
    done = _trace(case_files, tmp_path / "o5", "--sigma-ln", "-1")
    assert done.returncode == 65 and "--sigma-ln" in done.stderr


def test_cli_takes_the_parks_monitors_and_their_station_files(case_files, tmp_path):
    """Issue 16 §1 → §3: the same case given as park.yaml ``monitors:`` and one station CSV per monitor in the
    observation format of twin.observations_io (``time_start``, ``vocs_ug_m3``; a value under the detection limit
    written as a number below it) ranks the same source with the same probability and interval as the tracer's own
    CSVs."""
    import csv
    import shutil
    from pathlib import Path

    import yaml

    park_dir = tmp_path / "park"
    shutil.copytree(Path(case_files["park"]).parent, park_dir)
    with open(case_files["monitors"], encoding="utf-8") as handle:
        monitors = [row for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    data = yaml.safe_load((park_dir / "park.yaml").read_text(encoding="utf-8"))
    data["monitors"] = [{"id": m["id"], "name": f"fence {m['id']}", "x": float(m["x"]), "y": float(m["y"]),
                         "height": float(m["height"]), "pollutants": ["vocs"]} for m in monitors]
    (park_dir / "park.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    stations = tmp_path / "stations"
    stations.mkdir()
    with open(case_files["observed"], encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(line for line in handle if not line.startswith("#"))]
    for m in monitors:
        lines = ["time_start,vocs_ug_m3"]
        for row in rows:
            cell = row.get(m["id"], "")
            value = "" if cell in ("", "NA") else str(0.5 * float(cell[1:])) if cell.startswith("<") else cell
            lines.append(f"{row['time']},{value}")
        (stations / f"{m['id']}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    ours = _trace(case_files, tmp_path / "csv", "--language", "en")
    assert ours.returncode == 0, ours.stderr
    done = subprocess.run([str(PARKTWIN), "trace", "--park", str(park_dir / "park.yaml"), "--weather",
                           str(case_files["weather"]), "--observed", str(stations), "--pollutant", "vocs",
                           "--out", str(tmp_path / "stations_out"), "--language", "en"],
                          capture_output=True, text=True, env=cli_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    first = [json.loads((tmp_path / name / "ranking.json").read_text(encoding="utf-8"))["candidates"][0]
             for name in ("csv", "stations_out")]
    assert first[0]["id"] == first[1]["id"] == "T-BZ01+T-BZ02"
    for key in ("probability", "rate_median_g_s", "rate_low_g_s", "rate_high_g_s"):
        assert first[1][key] == pytest.approx(first[0][key], rel=1e-6), key
