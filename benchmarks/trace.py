"""One VOC source trace, end to end: a week of hourly data from 8 monitors, all 117 stacks of the demo park (plus its
tank farms and warehouse), timed part by part against the 5-s target of issue 16 §3.

    .venv/bin/python benchmarks/trace.py

Parts: reading the park, the weather and the observations, the transfer array (candidates × 8 monitors × 168 h through the plume kernel), the inference
(single-source posterior of every candidate and NNLS), the outputs (ranking CSV/JSON, map PNG, zh brief with its
embedded font subset); end to end is their sum (Python's start-up and imports, about 2 s, are not in it). The JIT is warmed first on a tiny case, so no timing includes
compilation. The inputs are a twin case (scenarios.trace.experiment): S050 emitting 5 g/s, 30 % noise.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.plume import ReceptorSet  # noqa: E402
from dispersion.source_inversion import InversionOptions, Observations, nnls_rates, single_source_posterior  # noqa: E402
from scenarios.common.models import plume_options  # noqa: E402
from scenarios.common.spec import ModelSpec, WeatherSpec  # noqa: E402
from scenarios.common.weather import load_weather  # noqa: E402
from scenarios.trace.candidates import candidate_responses, park_candidates  # noqa: E402
from scenarios.trace.experiment import write_twin_case  # noqa: E402
from scenarios.trace.io import read_monitors_csv, read_observed_csv  # noqa: E402
from scenarios.trace.outputs import ranking_rows, write_brief, write_map, write_ranking  # noqa: E402
from twin.demo import build_demo_park  # noqa: E402
from twin.io import load_park  # noqa: E402

TARGET = 5.0  # [s] issue 16 §3: one trace over a week, 8 monitors, 117 stacks, on 2 cores


def main() -> None:
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    folder = Path(tempfile.mkdtemp(prefix="parktwin-trace-bench-"))
    park_path = build_demo_park(folder / "park")
    files = write_twin_case(folder / "case", park_path, source_id="S050", rate=5.0, seed=1)  # also warms the JIT

    started = time.perf_counter()
    park = load_park(park_path)
    monitors = read_monitors_csv(files["monitors"], default_detection_limit_ug_m3=1.0)
    series = read_observed_csv(files["observed"], monitors)
    spec = WeatherSpec(source="station_csv", path=str(files["weather"]), start="2025-07-01T00:00:00+08:00",
                       hours=series.times.size)
    met = load_weather(spec, Path("."), park, "benchmark")
    t_read = time.perf_counter() - started

    started = time.perf_counter()
    candidates = park_candidates(park)
    receptors = ReceptorSet(x=monitors.x, y=monitors.y, height=monitors.height,
                            ground_elevation=np.asarray(park.terrain.elevation_at(monitors.x, monitors.y)))
    responses = candidate_responses(candidates, receptors, met,
                                    plume_options(ModelSpec(), park, monitors.x, monitors.y, store_hourly=True))
    t_transfer = time.perf_counter() - started

    started = time.perf_counter()
    calm = np.asarray(met["calm_flag"].values, dtype=bool)
    lower, upper = series.observations.lower.copy(), series.observations.upper.copy()
    lower[calm], upper[calm] = np.nan, np.nan
    observations = Observations(lower=lower, upper=upper)
    posterior = single_source_posterior(responses, observations, InversionOptions())
    nnls, _ = nnls_rates(responses, observations)
    t_inference = time.perf_counter() - started

    started = time.perf_counter()
    rows = ranking_rows(candidates, posterior, nnls)
    summary = {"park": park.spec.name, "start_utc": str(series.times[0].astype("datetime64[s]")) + "Z",
               "end_utc": str(series.times[-1].astype("datetime64[s]")) + "Z", "hours": int(series.times.size),
               "utc_offset_hours": park.spec.utc_offset_hours, "monitors": list(monitors.ids),
               "observations": int(np.count_nonzero(~np.isnan(lower))),
               "detections": int(np.count_nonzero(lower > 0)), "calm_hours": int(calm.sum()),
               "calm_hours_rule": "drop", "sigma_ln": 0.3, "outlier_fraction": 0.01, "rate_min_g_s": 1e-4,
               "rate_max_g_s": 1e4, "merge_distance_m": 60.0}
    out = folder / "out"
    out.mkdir()
    write_ranking(out, rows, summary)
    map_path = write_map(out, park, candidates, posterior, monitors, "zh", None)
    write_brief(out, summary, rows, "zh", map_path, "benchmark")
    t_outputs = time.perf_counter() - started

    first = int(np.argmax(posterior.probability))
    n_stacks = sum(c.kind == "stack" for c in candidates.candidates)
    print(f"case: {series.times.size} h x {len(monitors.ids)} monitors, {len(candidates.candidates)} candidates "
          f"({n_stacks} stacks); first: {candidates.ids[first]} P = {posterior.probability[first]:.3f}, rate "
          f"{posterior.rate_median[first]:.3g} g/s (true S050, 5 g/s)")
    print(f"read park + weather + observations : {t_read:7.3f} s")
    print(f"transfer array                     : {t_transfer:7.3f} s")
    print(f"inference (posterior + NNLS)       : {t_inference:7.3f} s")
    print(f"outputs (CSV, JSON, map PNG, brief): {t_outputs:7.3f} s")
    total = t_read + t_transfer + t_inference + t_outputs
    print(f"end to end                         : {total:7.3f} s   ratio to the {TARGET:g}-s target: "
          f"{total / TARGET:.2f}")


if __name__ == "__main__":
    main()
