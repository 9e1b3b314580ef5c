"""The AERMOD reference deck end to end: agreement with AERMOD's own outputs and the time of each part of the run.

    .venv/bin/python benchmarks/aermod_year.py [--hour-rules aermod|screening] [--sigma briggs_rural|...]
    .venv/bin/python benchmarks/aermod_year.py --dispersion aermod [--hours N]

``--dispersion screening`` (default) runs the screening Gaussian plume kernel (``dispersion.plume``);
``--dispersion aermod`` runs ParkTwin's AERMOD (``dispersion.aermod.run_aermod``, the Numba kernels, AERMOD's hour
rules always; ``--hours N`` stops after the first N hours, for a quick look — the comparison is then not against
like; ``--every-pair`` evaluates every (stack, receptor) pair exactly instead of the tabulated path;
``--table-density K`` the tabulated path's distances per decade; ``--threads N`` Numba threads;
``--oracle`` runs the slow NumPy oracle of the tests instead, ``tests/dispersion/aermod_oracle_hours.py``; ``--save FILE``
keeps the values). The NumPy oracle, measured 2026-12-06 on this machine: tabulated 267 s wall, every pair 577 s.

The deck (``tests/data/aermod/anchorage-1999``, README there): the demo park's 117 stacks (SO2), 466 receptors
(a 21 × 21 grid at 250 m and the park's 25 sensitive and fence receptors), flat terrain, rural, the AERMET files of
EPA's Anchorage 1999 test case (8760 h, 1342 calm and 469 missing). AERMOD v24142 took 1073 s wall, 485 s CPU on
this machine for it (the README's measurement, not repeated here).

Printed, measured in this one run:

* per statistic (period mean, highest 1-h, highest 24-h): FAC2, FB, r over the receptors, max ParkTwin / max
  AERMOD and the distance between the two maxima (``tests/aermod_reference.py``);
* the time of each part — AERMET files read, hourly source terms, kernel, statistics, NetCDF written — wall and
  CPU, and source-receptor-hours (SRH) per second for the kernel alone and end to end; the CPU-time ratio to
  AERMOD's 485 s (the issue's target is ≥ 300×).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import contextmanager
from types import SimpleNamespace
from pathlib import Path

import numpy as np
import xarray as xr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dispersion.aermod import TABLE_DENSITY, aermod_statistics, aermod_weather, run_aermod  # noqa: E402
from dispersion.plume import PlumeOptions, evaluate_plume, source_hours  # noqa: E402
from meteo import read_aermet  # noqa: E402
from tests.aermod_reference import REFERENCE, WDROTATE, compare, read_deck, read_plot  # noqa: E402
from twin.atomic import atomic_output  # noqa: E402

AERMOD_CPU_SECONDS = 485.0  # tests/data/aermod/README.md
UTC_OFFSET = -9.0  # Alaska standard time; any offset works if the days are cut with the same one


@contextmanager
def timed(parts: dict, name: str):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    parts[name] = (time.perf_counter() - wall, time.process_time() - cpu)


def run(hour_rules: str, sigma: str) -> tuple[dict, dict, int]:
    """The deck through ParkTwin: {statistic: µg/m³ per receptor}, {part: (wall, cpu) [s]}, source-receptor-hours."""
    parts: dict = {}
    deck = read_deck()
    with timed(parts, "AERMET read"):
        met = read_aermet(REFERENCE / "ANCH-99_ADJU.SFC", REFERENCE / "ANCH-99_ADJU.PFL",
                          utc_offset_hours=UTC_OFFSET, fill_missing=True)
    options = PlumeOptions(sigma_model=sigma, terrain="flat", true_north_grid_bearing=-WDROTATE,
                           utc_offset_hours=UTC_OFFSET, store_hourly=False, store_daily=True, hour_rules=hour_rules)
    with timed(parts, "source terms"):
        hours = source_hours(deck.stacks, met, options)
        rates = np.broadcast_to(deck.rates_g_s * 1e-3, hours.effective_height.shape)[None].copy()
    with timed(parts, "kernel"):
        fields = evaluate_plume(deck.stacks, rates, deck.receptors, hours, options, substances=["so2"])
    with timed(parts, "statistics"):
        ug = 1e9
        values = {"period": fields["so2_period_mean"][1] * ug, "1h": fields["so2_max_1h"][1] * ug,
                  "24h": fields["so2_max_24h"][1] * ug}
    with timed(parts, "NetCDF"), tempfile.TemporaryDirectory() as folder:
        data = xr.Dataset({f"so2_{k}": ("receptor", v, {"units": "ug m-3"}) for k, v in values.items()})
        with atomic_output(Path(folder) / "aermod_deck.nc") as part:
            data.to_netcdf(part)
    srh = deck.stacks.x.size * deck.receptors.x.size * met.sizes["time"]
    return values, parts, srh


def run_aermod_deck(n_hours: int | None, tabulate: bool = True, table_density: int = TABLE_DENSITY,
                    oracle: bool = False) -> tuple[dict, dict, int]:
    """The deck through ParkTwin's AERMOD: {statistic: µg/m³ per receptor}, {part: (wall, cpu) [s]}, SRH."""
    parts: dict = {}
    deck = read_deck()
    with timed(parts, "AERMET read"):
        met = read_aermet(REFERENCE / "ANCH-99_ADJU.SFC", REFERENCE / "ANCH-99_ADJU.PFL",
                          utc_offset_hours=UTC_OFFSET, fill_missing=True)
    if n_hours is not None:
        met = met.isel(time=slice(0, n_hours))
    if oracle:
        from tests.dispersion.aermod_oracle_hours import run_aermod as run_oracle
        with timed(parts, "AERMOD hours"):
            result = run_oracle(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met,
                                true_north_grid_bearing=-WDROTATE, utc_offset_hours=UTC_OFFSET, tabulate=tabulate)
    else:
        # compile or load the kernels outside the timed run
        run_aermod(deck.stacks, deck.rates_g_s * 1e-3, deck.receptors, met.isel(time=slice(0, 2)),
                   tabulate=tabulate, table_density=table_density)
        with timed(parts, "AERMOD profiles"):
            weather = aermod_weather(met, true_north_grid_bearing=-WDROTATE)
            local = met["time"].values + np.timedelta64(int(UTC_OFFSET * 3600), "s")
            day = local.astype("datetime64[D]").astype(np.int64)
        with timed(parts, "kernel"):
            stats = aermod_statistics(deck.stacks, deck.receptors, weather, (deck.rates_g_s * 1e-3)[None, None, :]
                                      * np.ones((1, met.sizes["time"], 1)), day - day[0], tabulate=tabulate,
                                      table_density=table_density)
        with timed(parts, "statistics"):
            result = SimpleNamespace(period_mean=stats.period_mean[0], max_1h=stats.max_1h[0],
                                     max_24h=stats.daily[0].max(axis=0))
    ug = 1e9
    values = {"period": result.period_mean * ug, "1h": result.max_1h * ug, "24h": result.max_24h * ug}
    with timed(parts, "NetCDF"), tempfile.TemporaryDirectory() as folder:
        data = xr.Dataset({f"so2_{k}": ("receptor", v, {"units": "ug m-3"}) for k, v in values.items()})
        with atomic_output(Path(folder) / "aermod_deck.nc") as part:
            data.to_netcdf(part)
    srh = deck.stacks.x.size * deck.receptors.x.size * met.sizes["time"]
    if oracle:
        parts["kernel"] = parts["AERMOD hours"]
    return values, parts, srh


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hour-rules", default="aermod", choices=("aermod", "screening"))
    parser.add_argument("--sigma", default="briggs_rural")
    parser.add_argument("--dispersion", default="screening", choices=("screening", "aermod"))
    parser.add_argument("--hours", type=int, default=None, help="aermod only: the first N hours (a quick look)")
    parser.add_argument("--every-pair", action="store_true",
                        help="aermod only: evaluate every (stack, receptor) pair instead of the tabulated path")
    parser.add_argument("--table-density", type=int, default=TABLE_DENSITY,
                        help="aermod only: distances per decade of the tabulated path")
    parser.add_argument("--oracle", action="store_true", help="aermod only: the slow NumPy oracle of the tests")
    parser.add_argument("--threads", type=int, default=None, help="Numba threads (default: all cores)")
    parser.add_argument("--save", type=Path, default=None, help="also write ParkTwin's values to this NetCDF file")
    args = parser.parse_args()
    if args.threads:
        import numba
        numba.set_num_threads(args.threads)
    if args.dispersion == "aermod":
        values, parts, srh = run_aermod_deck(args.hours, tabulate=not args.every_pair, table_density=args.table_density,
                                             oracle=args.oracle)
        label = ("ParkTwin AERMOD (" + ("NumPy oracle" if args.oracle else "Numba") + ", "
                 + ("every pair" if args.every_pair else f"tabulated, {args.table_density} distances a decade")
                 + "), hour rules aermod"
                 + (f", first {args.hours} h" if args.hours else ""))
    else:
        run(args.hour_rules, args.sigma)  # compile or load the kernels outside the timed run
        values, parts, srh = run(args.hour_rules, args.sigma)
        label = f"{args.sigma}, hour rules {args.hour_rules}"
    deck = read_deck()
    if args.save is not None:
        xr.Dataset({f"so2_{k}": ("receptor", v, {"units": "ug m-3"}) for k, v in values.items()}).to_netcdf(args.save)
    print(f"AERMOD reference deck, {label}")
    print(f"{'statistic':<10} {'FAC2':>6} {'FB':>7} {'r':>6} {'max PT/AERMOD':>14} {'maxima apart':>13}")
    for name, label in (("period", "period"), ("1h", "highest 1-h"), ("24h", "highest 24-h")):
        stats = compare(read_plot(name, deck), values[name], deck.receptors.x, deck.receptors.y)
        print(f"{label:<10} {stats['fac2']:6.3f} {stats['fb']:7.3f} {stats['r']:6.3f} {stats['max_ratio']:14.3f} "
              f"{stats['max_distance_m']:11.0f} m")
    shown = {k: v for k, v in parts.items() if not (k == "kernel" and "AERMOD hours" in parts)}
    wall = sum(w for w, _ in shown.values())
    cpu = sum(c for _, c in shown.values())
    print(f"\n{'part':<14} {'wall s':>8} {'CPU s':>8}")
    for name, (w, c) in shown.items():
        print(f"{name:<14} {w:8.3f} {c:8.3f}")
    print(f"{'end to end':<14} {wall:8.3f} {cpu:8.3f}")
    print(f"\nSRH/s: kernel {srh / parts['kernel'][0]:.3g}, end to end {srh / wall:.3g} ({srh:.3g} SRH)")
    print(f"CPU time vs AERMOD's {AERMOD_CPU_SECONDS:g} s: {AERMOD_CPU_SECONDS / cpu:.0f}x faster end to end")


if __name__ == "__main__":
    main()
