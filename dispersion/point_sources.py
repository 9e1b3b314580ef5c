"""The park's stacks over hours in either dispersion mode, one entry point for every caller (EIA, transfer
matrices, caps, episodes):

* ``screening`` — the steady Gaussian plume with Briggs or Pasquill–Gifford σ's from a stability class
  (:mod:`dispersion.plume`), fast and conservative, for screening (HJ 2.2-2018 §7 估算模型 level) and emergencies;
* ``aermod`` — AERMOD's formulation (:mod:`dispersion.aermod`: similarity profiles from AERMET's u*, w*, L, z_i,
  the convective bi-Gaussian and the stable plume, meander), the model HJ 2.2-2018 names for further prediction
  (进一步预测); it needs AERMET weather (``weather.source: aermet``); terrain flat or elevated (AERMOD's two plume
  states, with the receptors' hill heights); an urban park is AERMOD's urban option (URBANOPT) for every stack;
  ``no2_conversion: arm2`` or ``olm`` turns the hourly NOx (emitted as NO2) of every source into NO2 by AERMOD's
  ARM2 or OLM (:mod:`dispersion.no2_chemistry`) before the statistics — a per-source run (transfer matrices) stays
  linear NOx.

Both return the same fields, {name: (dims, array [kg m-3])} — ``<key>`` hourly (time, receptor) when stored,
``<key>_max_1h``, ``<key>_max_24h``, ``<key>_daily`` (day, receptor) when asked for, ``<key>_period_mean`` — so
the statistics, reports and caps do not depend on the mode.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import xarray as xr

from dispersion.aermod import (HALF_LIFE_CONSTANT, AermodTerrain, AermodUrban, aermod_statistics, aermod_weather,
                               decay_coefficient)
from dispersion.no2_chemistry import Arm2, Olm, is_nox
from dispersion.plume import (RELEASE_CODES, PlumeOptions, ReceptorSet, SourceHours, StackSet, evaluate_plume,
                              source_hours)
from twin.errors import InputError

__all__ = ["point_source_hours", "evaluate_point_sources", "aermod_point_statistics", "aermod_fields",
           "decay_half_life", "no2_method", "DISPERSION_MODES"]

DISPERSION_MODES = ("screening", "aermod")


def point_source_hours(stacks: StackSet, met: xr.Dataset, options: PlumeOptions) -> SourceHours:
    """The hoisted per-hour inputs (:func:`dispersion.plume.source_hours`), with the AERMOD weather attached when
    ``options.dispersion`` is "aermod" (``met`` must then be an AERMET dataset, ``meteo.read_aermet``)."""
    if options.dispersion != "aermod":
        return source_hours(stacks, met, options)  # refuses volume sources, by name
    hours = source_hours(_stand_in(stacks), met, options)
    if "convective_mixing_height" not in met:
        raise InputError.field("weather", "source", met.attrs.get("source", "not AERMET"),
                               "aermet (an AERMET .SFC/.PFL pair) for model.dispersion: aermod")
    weather = aermod_weather(met, true_north_grid_bearing=options.true_north_grid_bearing,
                             hour_rules=options.hour_rules, urban=_urban(options))
    return replace(hours, aermod=weather)


def _stand_in(stacks: StackSet) -> StackSet:
    """``stacks`` with every volume or area source a vertical stack of 1 m/s, 1 m and 293.15 K (at least 1 m high):
    the screening hoist's per-hour quantities that the AERMOD mode keeps (hours, days, wind; the statistics') do
    not depend on the source's exit conditions, and its plume rise, which does, is not used there."""
    volume = stacks.release >= RELEASE_CODES["volume"]  # volume and area sources
    if not volume.any():
        return stacks
    return replace(stacks, height=np.where(volume, np.maximum(stacks.height, 1.0), stacks.height),
                   inner_diameter=np.where(volume, 1.0, stacks.inner_diameter),
                   exit_velocity=np.where(volume, 1.0, stacks.exit_velocity),
                   exit_temperature=np.where(volume, 293.15, stacks.exit_temperature),
                   release=np.where(volume, RELEASE_CODES["vertical"], stacks.release), initial_sigma_y=None,
                   initial_sigma_z=None, area_vertices=None)


def decay_half_life(substance: str, options: PlumeOptions) -> float | None:
    """The half-life [s] ``substance`` decays with in ``options``' mode — its ``half_life``, or in AERMOD mode on an
    urban park SO2's 4 h as AERMOD takes it (0.693/4.81e-5 s, ``dispersion.aermod.decay_coefficient``), else None —
    for runs that carry it under another name (transfer matrices: "unit")."""
    given = options.half_life.get(substance)
    if given is not None or options.dispersion != "aermod":
        return given
    psi = decay_coefficient(substance, None, options.land_use == "urban")
    return HALF_LIFE_CONSTANT / psi if psi > 0.0 else None


def no2_method(stacks: StackSet, hours: SourceHours, options: PlumeOptions):
    """How a NOx substance becomes NO2 in ``options``: None (all of it), AERMOD's ARM2, or AERMOD's OLM with the
    hours' ozone and each source's in-stack ratio (by id, else the common one; a source with neither is named)."""
    if options.no2_conversion == "arm2":
        return Arm2(*options.arm2_ratios)
    if options.no2_conversion != "olm":
        return None
    if hours.ozone is None or hours.ozone_missing is None:
        raise InputError.field("point-source run", "hours.ozone", None,
                               "the hours' ozone (dispersion.no2_chemistry.olm_ozone) for no2_conversion olm")
    ratios = [options.olm_in_stack_ratios.get(i, options.olm_in_stack_ratio) for i in stacks.ids]
    lacking = [i for i, r in zip(stacks.ids, ratios) if r is None]
    if lacking:
        raise InputError.field("OLM", "in-stack NO2/NOx ratio", f"none for {', '.join(lacking[:5])}"
                               + (f" and {len(lacking) - 5} more" if len(lacking) > 5 else ""),
                               "a ratio for every source (olm in_stack_ratios by id, or in_stack_ratio for all)")
    return Olm(hours.ozone, hours.ozone_missing, np.array(ratios, dtype=np.float64), options.olm_equilibrium,
               grouped=options.olm_grouped)


def _urban(options: PlumeOptions) -> AermodUrban | None:
    """AERMOD's urban option of an urban park (every stack urban), else None."""
    if options.land_use != "urban":
        return None
    return AermodUrban(population=float(options.urban_population), roughness=float(options.urban_roughness))


def evaluate_point_sources(stacks: StackSet, rates: np.ndarray, receptors: ReceptorSet, hours: SourceHours,
                           options: PlumeOptions, substances: list[str] | None = None, *,
                           hourly_at=None) -> dict:
    """``rates`` (P, H, S) [kg s-1] at every receptor in the mode ``options.dispersion`` (module docstring).
    ``hourly_at`` (receptor indices): the hourly fields ``<key>`` at those receptors only (``options.store_hourly``
    is then not needed; the other fields stay at every receptor) — in the AERMOD mode from the same run."""
    substances = substances or [f"substance_{p}" for p in range(np.shape(rates)[0])]
    if options.dispersion != "aermod":
        fields = evaluate_plume(stacks, rates, receptors, hours, replace(options, store_hourly=options.store_hourly
                                                                         and hourly_at is None),
                                substances=substances)
        if hourly_at is not None:
            hourly = evaluate_plume(stacks, rates, receptors.subset(np.asarray(hourly_at, dtype=np.int64)), hours,
                                    replace(options, store_hourly=True, store_daily=False), substances=substances)
            fields.update({key: hourly[key] for key in substances})
        return fields
    stats = aermod_point_statistics(stacks, rates, receptors, hours, options, substances,
                                    keep_hourly=options.store_hourly or hourly_at is not None, hourly_at=hourly_at)
    return aermod_fields(stats, substances, receptors.x.size, options.store_daily)


def aermod_point_statistics(stacks: StackSet, rates: np.ndarray, receptors: ReceptorSet, hours: SourceHours,
                            options: PlumeOptions, substances: list[str], **extra):
    """The AERMOD mode's run of ``rates`` (P, H, S) [kg s-1] with the options' decay, NO2 chemistry, terrain and
    stack-tip downwash: :func:`dispersion.aermod.aermod_statistics` (``extra``: its keyword arguments for kept hours
    and source responses)."""
    if hours.aermod is None:
        raise InputError.field("point-source run", "hours", "no AERMOD weather",
                               "hours from dispersion.point_sources.point_source_hours with dispersion aermod")
    rates = np.asarray(rates, dtype=np.float64)
    day = np.asarray(hours.day, dtype=np.int64)
    if np.any(np.diff(day) < 0):
        raise InputError.field("point-source run", "time", "not increasing", "hours in time order")
    decay = [decay_coefficient(key, options.half_life.get(key), options.land_use == "urban") for key in substances]
    no2 = [no2_method(stacks, hours, options) if is_nox(key) else None for key in substances]
    return aermod_statistics(stacks, receptors, hours.aermod, rates, day - day[0] if day.size else day,
                             parallel=options.parallel, terrain=AermodTerrain(options.terrain, receptors.hill_height),
                             decay=decay, stack_tip_downwash=options.stack_tip_downwash, no2=no2, **extra)


def aermod_fields(stats, substances: list[str], n_receptors: int, store_daily: bool) -> dict:
    """The fields (module docstring) of an AERMOD run's statistics."""
    fields: dict = {}
    for p, key in enumerate(substances):
        if stats.hourly is not None:
            fields[key] = (("time", "receptor"), stats.hourly[:, p])
        fields[f"{key}_max_1h"] = (("receptor",), stats.max_1h[p])
        daily = stats.daily[p]
        fields[f"{key}_max_24h"] = (("receptor",), daily.max(axis=0) if daily.shape[0] else
                                    np.full(n_receptors, np.nan))
        if store_daily:
            fields[f"{key}_daily"] = (("day", "receptor"), daily)
        fields[f"{key}_period_mean"] = (("receptor",), stats.period_mean[p])
    return fields
