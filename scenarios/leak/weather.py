"""A toxic leak's weather: an HJ 169-2018 §9 preset or the prepared hourly weather, as the puff model's PuffMet.

:func:`leak_meteorology` gives the weather a leak is run in and its description for the plan: the worst case or the
most common conditions of a year of local weather, blowing towards the nearest residential area, school or hospital
unless a direction is given; or hourly weather from the hour holding the release's start (:func:`release_met`),
which must cover the whole time the cloud is followed (:func:`followed_seconds`).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from dispersion.puff import PuffMet
from meteo import most_common_conditions
from scenarios.common.impact import PEOPLE_KINDS, no_people_to_aim_at
from scenarios.common.models import puff_met
from scenarios.common.storm import utc64
from scenarios.common.times import local_text
from scenarios.common.weather import coverage_error, load_weather
from scenarios.leak.assessment import AVERAGING_TIME
from scenarios.leak.spec import LeakScenario
from twin.errors import MeteoCoverageError
from viz.wording import sentence, term, terms

__all__ = ["HJ169_WORST", "followed_seconds", "leak_meteorology", "release_met"]

HJ169_WORST = {"wind_speed": 1.5, "stability": 5, "air_temperature": 298.15, "relative_humidity": 0.5}  # HJ 169 §9
_STABILITY_METHODS_ZH = terms("stability_method", "zh")


def followed_seconds(scenario: LeakScenario) -> float:
    """How long [s] the cloud is followed: ``simulation_hours``, raised to the thresholds' averaging window (60 min)
    when shorter — a running mean over a window longer than the simulation does not exist, and a shorter simulation
    would show no zone at all while the cloud is still there."""
    return max(scenario.simulation_hours * 3600.0, AVERAGING_TIME)


def leak_meteorology(scenario: LeakScenario, park, source, receptors_all, base_dir: Path, where: str):
    """(PuffMet, air temperature [K], description, the description in Chinese) of the leak's weather: a preset of
    HJ 169-2018 §9 — the worst case (F, 1.5 m/s, 25 °C) or the most common conditions of a year of local weather —
    blowing towards the nearest residential area, school or hospital unless a direction is given; or the prepared
    hourly weather (piecewise constant per hour)."""
    spec = scenario.meteorology
    if spec.preset is not None:
        direction = spec.wind_from_direction
        if spec.preset == "hj169_worst":
            speed, stability, temperature = (HJ169_WORST["wind_speed"], HJ169_WORST["stability"],
                                             HJ169_WORST["air_temperature"])
            mixing_height = 1e30
            text, text_zh = term("weather.hj169_worst", "en"), term("weather.hj169_worst", "zh")
        else:
            climate = load_weather(spec.climatology, base_dir, park,
                                    f"{where}: meteorology.climatology")
            common = most_common_conditions(climate, utc_offset_hours=park.spec.utc_offset_hours,
                                            where=f"{where}: meteorology.climatology")
            speed, stability, temperature = common.wind_speed, common.stability, common.air_temperature
            mixing_height = common.mixing_height
            if direction == "most_frequent":
                direction = common.wind_from_direction
            path = spec.climatology.path
            text, text_zh = (sentence("weather.most_common", language, hours=common.hours, conditions=conditions,
                                      mixing_height=mixing_height,
                                      source=sentence("weather.most_common.file", language, path=path) if path
                                      else term("weather.most_common.synthetic", language))
                             for language, conditions in (("en", common.describe()), ("zh", common.describe_zh())))
        if direction is None:  # the most unfavourable direction: towards the nearest residential area/school/hospital
            people = [i for i, kind in enumerate(receptors_all.kinds) if kind in PEOPLE_KINDS]
            if not people:
                raise no_people_to_aim_at(where)
            distances = [math.hypot(receptors_all.x[i] - source.x, receptors_all.y[i] - source.y) for i in people]
            target = people[int(np.argmin(distances))]
            bearing = math.degrees(math.atan2(receptors_all.x[target] - source.x, receptors_all.y[target] - source.y))
            direction = (bearing + 180.0) % 360.0
        met = PuffMet(times=np.array([0.0]), wind_speed=np.array([speed]),
                      wind_from_direction=np.array([float(direction)]), stability=np.array([stability]),
                      mixing_height=np.array([mixing_height]))
        return met, temperature, *(sentence("weather.wind_from", language, text=words, direction=direction)
                                   for words, language in ((text, "en"), (text_zh, "zh")))

    spec = spec.weather
    prepared = load_weather(spec, base_dir, park, where)
    met = release_met(prepared, scenario, f"{where}: meteorology.weather", coverage_error(spec))
    methods = {"en": spec.stability_method,
               "zh": _STABILITY_METHODS_ZH.get(spec.stability_method, spec.stability_method)}
    weather_text, weather_zh = (
        sentence("weather.typhoon", language, start=local_text(spec.start, park.spec.utc_offset_hours)) if spec.source == "typhoon" else
        sentence("weather.hourly", language, method=methods[language],
                 source=sentence("weather.hourly.file", language, path=spec.path) if spec.path
                 else term("weather.hourly.synthetic", language))
        for language in ("en", "zh"))
    return met, float(prepared["air_temperature"].values[0]), weather_text, weather_zh


def release_met(prepared, scenario: LeakScenario, where: str, error=MeteoCoverageError) -> PuffMet:
    """The hourly weather from the hour holding the release's start, timed in seconds after that start (hour k
    holds [t_k, t_k + 1 h)). The weather must cover the release's start and the whole followed time
    (:func:`followed_seconds`): a gap raises ``error`` (:func:`scenarios.common.weather.coverage_error`: exit 65
    for a weather file, 75 for a forecast), never weather stretched over hours it does not describe."""
    times = prepared["time"].values.astype("datetime64[ns]")
    start = utc64(scenario.start)
    end = start + np.timedelta64(int(round(followed_seconds(scenario))), "s")
    hour = np.timedelta64(3600, "s")
    first = int(np.searchsorted(times, start, side="right")) - 1
    if first < 0 or times[first] + hour <= start:
        raise error(f"{where}: the weather ({_iso(times[0])} to {_iso(times[-1] + hour)} UTC) does not "
                                 f"cover the release's start {scenario.start.isoformat()}; give weather from the "
                                 f"release's hour on")
    if times[-1] + hour < end or np.any(np.diff(times[first:]) != hour):
        raise error(f"{where}: the weather ({_iso(times[first])} to {_iso(times[-1] + hour)} UTC) does "
                                 f"not cover the {followed_seconds(scenario) / 3600:g} h the cloud is followed after "
                                 f"the release's start {scenario.start.isoformat()} in consecutive hours; give "
                                 f"weather to {_iso(end)} UTC or shorten simulation_hours")
    met = puff_met(prepared.isel(time=slice(first, None)))
    seconds = met.times - (start - times[first]) / np.timedelta64(1, "s")
    seconds[0] = 0.0  # the release's hour holds from the release's start
    return dataclasses.replace(met, times=seconds)


def _iso(moment: np.datetime64) -> str:
    return str(np.datetime_as_string(moment, unit="m"))
