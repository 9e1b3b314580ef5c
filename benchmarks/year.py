"""EIA year run: wall time and throughput of every demo stack × 40,000 receptors × 8,760 h, statistics only.

    .venv/bin/python benchmarks/year.py [--quick] [--substances N]

Measured in one run (the machine is shared, so only the ratios and the order of magnitude carry over):

* the plume kernel over the full year with statistics only (maximum 1-h value, daily means of every local day,
  period mean), all cores, tile culling on — the kernel call of ``parktwin eia``;
* then the EIA statistics on its output: HJ 663-2013 percentile of the daily means and the annual mean at every
  receptor (``scenarios.eia.stats``);
* the NumPy oracle (``tests/dispersion/plume_oracle.py``, the obviously-correct reference) on a slice of hours; its
  rate per source-receptor-hour (SRH) does not depend on the number of hours, so rates are compared.

Target (issue 6): the full year in <= 60 s on this 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.plume import PlumeOptions, ReceptorSet, StackSet, evaluate_plume, source_hours  # noqa: E402
from meteo import prepare_dispersion_met, synthetic_weather  # noqa: E402
from scenarios.eia.stats import annual_mean, hj663_percentile  # noqa: E402
from tests.dispersion.plume_oracle import plume_oracle  # noqa: E402
from twin.demo import build_demo_park  # noqa: E402
from twin.io import load_park  # noqa: E402

SUBSTANCES = ("sulfur_dioxide", "nitrogen_dioxide", "pm10", "vocs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 30-day 'year' and a 2-hour oracle slice")
    parser.add_argument("--substances", type=int, default=2, choices=range(1, 5),
                        help="substances accumulated in the same kernel call (default 2: SO2 and NO2)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="parktwin-year-"))
    park = load_park(build_demo_park(folder / "park"))
    lon, lat = park.centre_lonlat()
    n_hours = 720 if args.quick else 8760
    weather = synthetic_weather("2025-01-01T00:00:00+08:00", n_hours, latitude=lat, longitude=lon, seed=1)
    met = prepare_dispersion_met(weather, latitude=lat, longitude=lon, stability_method="gb3840", land_use="rural")
    arrays = park.stack_arrays()
    stacks = StackSet(ids=tuple(s.id for s in park.stacks), **arrays)
    axis = (np.arange(200) - 99.5) * 25.0
    mx, my = np.meshgrid(arrays["x"].mean() + axis, arrays["y"].mean() + axis)
    x, y = mx.ravel(), my.ravel()
    receptors = ReceptorSet(x=x, y=y, height=np.zeros(x.size), ground_elevation=park.terrain.elevation_at(x, y))
    keys = SUBSTANCES[: args.substances]
    factors = park.schedule_factors(met["time"].values)
    rates = np.stack([park.emission_rates(k)[None, :] * factors * 1e-3 for k in keys])  # (P, H, S) [kg/s]
    options = PlumeOptions(store_hourly=False, store_daily=True, cull=True, parallel=True)
    srh = len(stacks.ids) * x.size * n_hours
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} before the run")
    print(f"{len(stacks.ids)} stacks x {x.size} receptors x {n_hours} h = {srh:.3e} source-receptor-hours, "
          f"{len(keys)} substance(s), statistics only")

    # Warm the JIT (or load its cache) on a tiny case, so that compilation is not timed.
    tiny = ReceptorSet(x=receptors.x[:2], y=receptors.y[:2], height=np.zeros(2), ground_elevation=np.zeros(2))
    evaluate_plume(stacks, rates[:, :2], tiny, source_hours(stacks, met.isel(time=slice(0, 2)), options), options)

    started = time.perf_counter()
    hours = source_hours(stacks, met, options)
    hoisted = time.perf_counter() - started
    started = time.perf_counter()
    fields = evaluate_plume(stacks, rates, receptors, hours, options, substances=list(keys))
    kernel = time.perf_counter() - started
    started = time.perf_counter()
    for key in keys:
        daily = fields[f"{key}_daily"][1]
        hj663_percentile(daily, 98.0)
        annual_mean(daily)
    statistics = time.perf_counter() - started
    total = hoisted + kernel + statistics

    oracle_hours = 2 if args.quick else 6
    sub_hours = hours.__class__(**{k: (v[:oracle_hours] if np.ndim(v) else v) for k, v in hours.__dict__.items()})
    oracle_options = PlumeOptions(store_hourly=False, cull=False)
    started = time.perf_counter()
    plume_oracle(stacks, rates[:, :oracle_hours], receptors, sub_hours, oracle_options)
    oracle_seconds = time.perf_counter() - started
    oracle_rate = len(stacks.ids) * x.size * oracle_hours / oracle_seconds

    print(f"  plume rise, wind, lid per (hour, stack)   {hoisted:8.2f} s")
    print(f"  kernel over the year                      {kernel:8.2f} s   {srh / kernel:.3e} SRH/s")
    print(f"  HJ 663 percentiles + annual means         {statistics:8.2f} s")
    print(f"  full year, wall time                      {total:8.2f} s   {srh / total:.3e} SRH/s   "
          f"(target <= 60 s: {'met' if total <= 60 or args.quick else 'NOT met'})")
    print(f"  NumPy oracle on {oracle_hours} h                      {oracle_seconds:8.2f} s   {oracle_rate:.3e} SRH/s")
    print(f"  ratio kernel / oracle (rates)             {srh / kernel / oracle_rate:8.1f} x")


if __name__ == "__main__":
    main()
