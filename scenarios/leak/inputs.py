"""What a toxic leak's dispersion is run with: the risk source, its chemical and source term, the weather, the
dispersion model chosen, the receptors and the puff options.

:func:`leak_inputs` gathers the park, the risk source and its chemical, the weather
(:func:`scenarios.leak.weather.leak_meteorology`), the airborne source term and the HJ 169-2018 G.2.1 model
(:class:`LeakInputs`). :func:`leak_receptors` places the receptor grid and the park's receptors,
:func:`with_transect` appends the transect along the cloud's paths, :func:`puff_options` sets the puff model's
options and :func:`check_leak_memory` refuses up front a run whose outputs would not fit in memory. The ensemble
(:mod:`scenarios.leak.ensemble`) builds its members from the same functions.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from dispersion.plume import ReceptorSet
from dispersion.puff import PuffMet, PuffOptions, PuffRelease
from scenarios.common.grids import true_north_grid_bearing
from scenarios.common.results import check_writable
from scenarios.leak.assessment import AVERAGING_TIME
from scenarios.leak.dispersion import choose_dispersion_model
from scenarios.leak.source import airborne_source_term
from scenarios.leak.spec import LeakScenario
from scenarios.leak.weather import followed_seconds, leak_meteorology
from twin.constants import STANDARD_PRESSURE
from twin.errors import InputError
from twin.io import load_park
from twin.limits import check_memory

__all__ = ["AMBIENT_PRESSURE", "LeakInputs", "leak_inputs", "leak_source_and_chemical", "release_term",
           "leak_receptors", "with_transect", "puff_options", "check_leak_memory"]

# [Pa] air pressure of the release: thresholds' ppm conversion, gas densities, orifices
AMBIENT_PRESSURE = STANDARD_PRESSURE


@dataclasses.dataclass(frozen=True)
class LeakInputs:
    """What the leak's dispersion starts from: the park, the risk source and its chemical, the weather, the source
    term and the release it feeds, and the HJ 169-2018 G.2.1 dispersion model chosen for it."""

    park: object
    source: object
    chemical: object
    receptors_all: object  # the park's sensitive receptors (park.receptor_points())
    met: PuffMet
    air_temperature: float  # [K]
    pressure: float  # [Pa]
    weather_text: str
    weather_zh: str
    term: object  # scenarios.leak.source.AirborneSourceTerm
    release: PuffRelease
    choice: object  # scenarios.leak.dispersion's model choice
    constant_weather: bool


def leak_inputs(scenario: LeakScenario, base_dir: Path, out_dir: Path, where: str) -> LeakInputs:
    """The park, the risk source and its chemical (the output folder checked writable), the weather, the airborne
    source term and the dispersion model."""
    park = load_park(base_dir / scenario.park)
    source, chemical = leak_source_and_chemical(scenario, park, where)
    check_writable(out_dir)

    # Meteorology (piecewise constant) and the air the thresholds are converted at.
    receptors_all = park.receptor_points()
    met, air_temperature, weather_text, weather_zh = leak_meteorology(scenario, park, source, receptors_all,
                                                                      base_dir, where)
    pressure = AMBIENT_PRESSURE

    term = release_term(scenario, source, chemical, met, air_temperature)
    release = PuffRelease(source.x, source.y, float(park.terrain.elevation_at(source.x, source.y)),
                          scenario.source_term.release_height, term.rate_times, term.rates)
    # The model: HJ 169-2018 G.2.1 (Richardson number of what leaves the hole, aerosol included) or forced.
    choice = choose_dispersion_model(term, chemical, forced=scenario.dispersion_model,
                                     wind_speed=float(met.wind_speed[0]), air_temperature=air_temperature,
                                     pressure=pressure)
    constant_weather = scenario.meteorology.preset is not None or choice.dense
    return LeakInputs(park=park, source=source, chemical=chemical, receptors_all=receptors_all, met=met,
                       air_temperature=air_temperature, pressure=pressure, weather_text=weather_text,
                       weather_zh=weather_zh, term=term, release=release, choice=choice,
                       constant_weather=constant_weather)


def leak_source_and_chemical(scenario: LeakScenario, park, where: str):
    """The scenario's risk source in the park and the chemical it holds; InputError for an unknown id."""
    sources = {r.id: r for r in park.risk_sources}
    if scenario.risk_source not in sources:
        raise InputError.field(where, "risk_source", scenario.risk_source, f"one of {', '.join(sources)}")
    source = sources[scenario.risk_source]
    return source, park.chemicals[source.substance]


def release_term(scenario: LeakScenario, source, chemical, met, air_temperature: float):
    """The airborne source term (:func:`scenarios.leak.source.airborne_source_term`) in the weather ``met``
    [PuffMet] and air temperature [K]: the first period's 10 m wind [m/s] and stability class set a pool's
    evaporation, so an ensemble member with other weather evaporates at its own rate."""
    return airborne_source_term(scenario, source, chemical, ambient_pressure=AMBIENT_PRESSURE,
                                air_temperature=air_temperature, wind_speed=float(met.wind_speed[0]),
                                stability=int(met.stability[0]))


def leak_receptors(scenario: LeakScenario, park, source, receptors_all):
    """(gx [m], gy [m], ReceptorSet): the grid centred on ``grid.centre`` when the scenario gives one, else on the
    source (row-major, y then x; nodes on multiples of the spacing), then the park's receptors, all at breathing
    height 1.5 m above the ground."""
    spacing = scenario.grid.spacing
    cx, cy = scenario.grid.centre if scenario.grid.centre is not None else (source.x, source.y)
    nx = int(scenario.grid.size[0] // spacing) + 1
    ny = int(scenario.grid.size[1] // spacing) + 1
    gx = np.round(cx / spacing) * spacing + spacing * (np.arange(nx) - (nx - 1) // 2)
    gy = np.round(cy / spacing) * spacing + spacing * (np.arange(ny) - (ny - 1) // 2)
    mx, my = np.meshgrid(gx, gy)
    rx = np.concatenate([mx.ravel(), receptors_all.x])
    ry = np.concatenate([my.ravel(), receptors_all.y])
    receptors = ReceptorSet(x=rx, y=ry, height=np.full(rx.size, 1.5),  # breathing height [m]
                            ground_elevation=np.asarray(park.terrain.elevation_at(rx, ry, clamp=True)))
    return gx, gy, receptors


def with_transect(receptors, line, park):
    """``receptors`` with the transect's points appended (breathing height 1.5 m)."""
    x = np.concatenate([receptors.x, line.x])
    y = np.concatenate([receptors.y, line.y])
    ground = np.asarray(park.terrain.elevation_at(line.x, line.y, clamp=True)) if line.x.size else np.zeros(0)
    return ReceptorSet(x=x, y=y, height=np.full(x.size, 1.5),
                       ground_elevation=np.concatenate([receptors.ground_elevation, ground]))


def puff_options(scenario: LeakScenario, park, source, *, parallel: bool, output_times: bool = True):
    """PuffOptions of the leak: 60-min running means, snapshots every output_step (unless ``output_times`` is
    False), Numba threads only when ``parallel`` (never inside an ensemble's Dask threads). The cloud is followed for
    ``simulation_hours`` but never less than the averaging window (:func:`followed_seconds`)."""
    steps = int(math.ceil(followed_seconds(scenario) / scenario.sampling_step - 1e-9))
    snapshots = tuple(scenario.output_step * np.arange(1, int(steps * scenario.sampling_step
                                                              // scenario.output_step) + 1))
    return PuffOptions(
        sigma_model=scenario.sigma or f"briggs_{park.spec.land_use}", puff_interval=scenario.puff_interval,
        sampling_step=scenario.sampling_step, duration=steps * scenario.sampling_step,
        averaging_windows=(AVERAGING_TIME,), output_times=snapshots if output_times else (),
        true_north_grid_bearing=true_north_grid_bearing(park, source.x, source.y), parallel=parallel)


def check_leak_memory(options: PuffOptions, n_receptors: int, n_series: int, where: str) -> None:
    """Refuse up front (exit 65) a leak whose kernel outputs would not fit in memory: a snapshot row per output time
    and the peak, dose and window maxima for every receptor, a series per sampling step for the sensitive ones
    (``dispersion.puff``'s Outputs, float64)."""
    steps = math.ceil(options.duration / options.sampling_step)
    per_receptor = len(options.output_times) + 2 + len(options.averaging_windows)
    check_memory(8.0 * (n_receptors * per_receptor + n_series * steps),
                 f"{n_receptors:,} receptors × {len(options.output_times):,} snapshots and {n_series:,} series × "
                 f"{steps:,} sampling steps", f"{where}: grid, output_step, sampling_step, simulation_hours",
                 "use a coarser grid, a longer output_step or sampling_step, or a shorter simulation")
