"""Chang & Hanna (2004) performance measures, the block bootstrap and ``parktwin evaluate``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scenarios.evaluation import (
    ACCEPTANCE,
    block_ids,
    bootstrap_measures,
    compare_models,
    performance_measures,
    within_acceptance,
)
from twin.errors import InputError

THRESHOLD = 1e-12


def test_measures_against_hand_computed_values():
    # Co = [1, 2, 4], Cp = [2, 2, 2]: <Co> = 7/3, <Cp> = 2.
    m = performance_measures([1.0, 2.0, 4.0], [2.0, 2.0, 2.0], threshold=THRESHOLD)
    assert m["FB"] == pytest.approx((7 / 3 - 2) / (0.5 * (7 / 3 + 2)))  # = 2/13
    assert m["FB"] == pytest.approx(2 / 13)
    assert m["NMSE"] == pytest.approx((1 + 0 + 4) / 3 / (7 / 3 * 2))  # = 5/14
    assert m["MG"] == pytest.approx(1.0)  # ln-differences -ln2, 0, +ln2 cancel
    assert m["VG"] == pytest.approx(math.exp(2 / 3 * math.log(2) ** 2))
    assert m["FAC2"] == 1.0  # ratios 2, 1, 0.5 sit on the bounds, which count
    assert m["NAD"] == pytest.approx(3 / 13)  # <|Co-Cp|> = 1, <Co> + <Cp> = 13/3
    assert math.isnan(m["r"])  # a constant prediction has no correlation
    m = performance_measures([1.0, 2.0, 4.0, 8.0], [1.0, 3.0, 3.0, 1.0], threshold=THRESHOLD)
    assert m["FAC2"] == 0.75  # ratios 1, 1.5, 0.75 inside; 0.125 outside
    assert m["r"] == pytest.approx(np.corrcoef([1, 2, 4, 8], [1, 3, 3, 1])[0, 1])


def test_fac2_counts_by_hand():
    # ratios Cp/Co: 1.0, 1.5, 0.75, 0.125, 2.5 -> three of five inside [0.5, 2]
    m = performance_measures([1, 2, 4, 8, 2], [1, 3, 3, 1, 5], threshold=THRESHOLD)
    assert m["FAC2"] == pytest.approx(3 / 5)


def test_perfect_model():
    values = np.array([1e-9, 5e-8, 3e-7, 2e-6])
    m = performance_measures(values, values, threshold=THRESHOLD)
    assert m["FB"] == 0 and m["NMSE"] == 0 and m["NAD"] == 0 and m["FAC2"] == 1
    assert m["MG"] == pytest.approx(1) and m["VG"] == pytest.approx(1) and m["r"] == pytest.approx(1)
    assert all(within_acceptance(m)[name] for name in ACCEPTANCE)


def test_zeros_take_the_lower_threshold_as_boot_does():
    m = performance_measures([0.0, 4e-9, 1e-8], [0.0, 0.5e-9, 1e-8], threshold=1e-9)
    # pair 1: both below -> both 1e-9 (ratio 1); pair 2: 4e-9 vs 1e-9 (ratio 0.25, outside); pair 3: equal
    assert m["FAC2"] == pytest.approx(2 / 3)
    assert m["MG"] == pytest.approx(math.exp(math.log(4) / 3))
    with pytest.raises(InputError, match="threshold"):
        performance_measures([1.0, 2.0], [1.0, 2.0], threshold=0.0)
    with pytest.raises(InputError, match="observed"):
        performance_measures([1.0, -2.0], [1.0, 2.0], threshold=THRESHOLD)


positive = st.lists(st.floats(1e-3, 1e3), min_size=3, max_size=30)


@settings(max_examples=60, deadline=None)
@given(positive, st.floats(0.1, 10.0), st.integers(0, 2**32 - 1))
def test_symmetries(observed, scale, seed):
    observed = np.array(observed)
    predicted = observed * np.random.default_rng(seed).lognormal(0.0, 1.0, observed.size)
    m = performance_measures(observed, predicted, threshold=1e-9)
    swapped = performance_measures(predicted, observed, threshold=1e-9)
    assert swapped["FB"] == pytest.approx(-m["FB"], abs=1e-12)  # FB is antisymmetric
    assert swapped["MG"] == pytest.approx(1 / m["MG"], rel=1e-9)  # MG is reciprocal
    for name in ("NMSE", "VG", "NAD", "r"):  # symmetric measures
        assert swapped[name] == pytest.approx(m[name], rel=1e-9, abs=1e-12, nan_ok=True)
    scaled = performance_measures(observed * scale, predicted * scale, threshold=1e-9 * scale)
    for name in m:  # every measure is dimensionless: a change of unit changes nothing
        assert scaled[name] == pytest.approx(m[name], rel=1e-7, abs=1e-12, nan_ok=True)
    biased = performance_measures(observed, observed * scale, threshold=1e-9)
    assert biased["MG"] == pytest.approx(1 / scale)  # a pure factor k gives MG = 1/k and VG = exp(ln²k)
    assert biased["VG"] == pytest.approx(math.exp(math.log(scale) ** 2))


def test_block_ids_group_consecutive_hours_of_a_station():
    ids = block_ids(np.array([0, 0, 0, 0, 1, 1]), np.array([0, 1, 2, 3, 0, 1]), 2)
    assert list(ids) == [0, 0, 1, 1, 2, 2]


def test_bootstrap_is_reproducible_and_covers_the_true_value():
    rng = np.random.default_rng(7)
    true_mg = 1.25  # Cp = Co * exp(-ln 1.25 + noise): <ln Co - ln Cp> = ln 1.25
    covered = 0
    trials = 40
    for trial in range(trials):
        observed = rng.lognormal(3.0, 1.0, 120)
        predicted = observed * np.exp(-math.log(true_mg) + rng.normal(0.0, 0.5, observed.size))
        blocks = np.arange(observed.size)
        table = bootstrap_measures(observed, predicted, blocks, threshold=1e-9, resamples=300, seed=trial)
        covered += table["MG"]["low"] <= true_mg <= table["MG"]["high"]
    assert covered / trials >= 0.85  # nominal 95 %
    observed = rng.lognormal(0.0, 1.0, 50)
    predicted = observed * rng.lognormal(0.0, 0.5, 50)
    first = bootstrap_measures(observed, predicted, np.arange(50) // 5, threshold=1e-9, resamples=200, seed=3)
    again = bootstrap_measures(observed, predicted, np.arange(50) // 5, threshold=1e-9, resamples=200, seed=3)
    other = bootstrap_measures(observed, predicted, np.arange(50) // 5, threshold=1e-9, resamples=200, seed=4)
    assert first == again and first != other


def test_comparison_of_two_configurations():
    rng = np.random.default_rng(11)
    observed = rng.lognormal(0.0, 1.0, 200)
    model_a = observed * rng.lognormal(0.0, 0.3, 200)
    same = compare_models(observed, model_a, model_a, np.arange(200), threshold=1e-9, resamples=200)
    assert all(row["value"] == 0 and not row["significant"] for row in same.values())
    model_b = model_a * 3.0  # over-predicts by a factor of three
    diff = compare_models(observed, model_a, model_b, np.arange(200), threshold=1e-9, resamples=200)
    assert diff["FB"]["significant"] and diff["FB"]["low"] > 0  # FB(A) - FB(B) > 0: B is far more negative
    assert diff["FAC2"]["significant"] and diff["FAC2"]["value"] > 0


def test_parktwin_evaluate_end_to_end(tmp_path):
    from scenarios.cli import main
    from twin.chemicals import load_chemicals
    from twin.observations import observation_dataset
    from twin.observations_io import write_observations_netcdf

    hours = 72
    time = np.datetime64("2026-07-15T00:00", "ns") + np.arange(hours) * np.timedelta64(1, "h")
    rng = np.random.default_rng(5)
    observed = rng.lognormal(np.log(20e-9), 0.6, (2, hours))
    lines = ["time_start,so2_ug_m3,flag"]
    for h in range(hours):
        local = (time[h] + np.timedelta64(8, "h")).astype("datetime64[m]")
        lines.append(f"{local}+08:00,{observed[0, h] * 1e9:.6f},V")
    (tmp_path / "M01.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = observed * 1.5
    predicted = observation_dataset(station_id=["M01", "M02"], station_name=["a", "b"], x=[0, 1], y=[0, 1],
                                    height=[3, 3], time=time, fields={"sulfur_dioxide": model},
                                    chemicals=load_chemicals())
    write_observations_netcdf(predicted, tmp_path / "pred.nc")
    out = tmp_path / "eval"
    code = main(["evaluate", "--observed", str(tmp_path / "M01.csv"), "--predicted", str(tmp_path / "pred.nc"),
                 "--predicted-b", str(tmp_path / "pred.nc"), "--out", str(out), "--resamples", "200"])
    assert code == 0
    summary = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    entry = summary["substances"]["sulfur_dioxide"]
    assert entry["n_pairs"] == hours and entry["n_blocks"] == 3
    assert entry["model_a"]["MG"]["value"] == pytest.approx(1 / 1.5, rel=1e-5)  # µg written to 6 decimals
    assert entry["model_a"]["FB"]["value"] == pytest.approx((1 - 1.5) / 1.25, rel=1e-5)
    assert entry["difference_a_minus_b"]["FB"]["value"] == 0
    rows = (out / "evaluation.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("substance,model,measure") and len(rows) == 1 + 3 * 7
    for name in ("scatter_sulfur_dioxide.png", "qq_sulfur_dioxide.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "run.json").read_text())["command"] == "evaluate"
    # the evaluation's record in the ledger beside its folder (docs/ledger.md): its inputs and outputs
    (record,) = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["kind"] == "evaluate" and record["folder"] == "eval" and "evaluation.json" in record["outputs"]
    assert str((tmp_path / "M01.csv").resolve()) in record["inputs"] and str((tmp_path / "pred.nc").resolve()) in \
        record["inputs"]
    bad = tmp_path / "M02.csv"
    bad.write_text("time_start,so2_ug_m3\n2026-07-15T08:00,1\n2026-07-15T09:00,1\n", encoding="utf-8")
    assert main(["evaluate", "--observed", str(bad), "--predicted", str(tmp_path / "pred.nc"),
                 "--out", str(out)]) == 65
