"""Steady one-dimensional river water quality below the park's outfalls, at the design flow.

The river is marched from its upstream end through its events in chainage order (:class:`RiverModel`):

* within a reach, every pollutant decays in plug flow, C ← C e^(−K Δx/u) (:func:`plug_flow_decay`), and the
  dissolved-oxygen deficit follows Streeter–Phelps from the oxygen-demand pollutant (:func:`streeter_phelps_deficit`);
* at an outfall, the effluent mixes completely over the section (:func:`complete_mix`) — the 1-D model's
  assumption; the mixing-zone length (:func:`mixing_length_side_outfall`) says how far below the outfall it
  actually holds, and a control section inside it is flagged;
* at the start of a reach whose design flow is larger than the previous one's, the difference enters as clean
  water at that reach's background (a tributary or groundwater); a smaller design flow withdraws water at the
  river's concentration.

Depth is the reach's ``depth`` or h = a Q^b; velocity the reach's ``velocity`` or Q / (B h), both at the flow
actually there (the outfalls' effluent included). Concentrations are linear in the outfalls' loads for fixed
flows, which :meth:`RiverModel.section_response` uses to give the capacity program its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dispersion.river_formulas import (
    complete_mix,
    lateral_mixing_fischer,
    mixing_length_hj_2018,
    mixing_length_side_outfall,
    plug_flow_decay,
    streeter_phelps_critical,
    streeter_phelps_deficit,
)
from twin.errors import InputError
from twin.water import OXYGEN, River, river_geometry

__all__ = ["RiverModel", "RiverProfile", "OxygenSag", "MixingZone"]


@dataclass
class OxygenSag:
    """Lowest dissolved oxygen along the river: chainage [m], DO [kg m-3], deficit [kg m-3], and the travel time
    from the last mixing point [s] (the Streeter–Phelps critical time t_c there)."""

    distance: float
    oxygen: float
    deficit: float
    critical_time: float


@dataclass
class MixingZone:
    """Mixing-process length below an outfall: HJ/T 2.3-93 form and HJ 2.3-2018 form [m] (None without a slope)."""

    outfall: str
    distance: float
    length_hjt_1993: float | None
    length_hj_2018: float | None


@dataclass
class RiverProfile:
    """Concentrations along a river at design flow: every array is (N,) over ``distance`` (chainage from the
    upstream end [m], increasing; values at an outfall's chainage are after mixing)."""

    river: str
    distance: np.ndarray
    x: np.ndarray
    y: np.ndarray
    flow: np.ndarray          # [m3/s]
    velocity: np.ndarray      # [m/s]
    depth: np.ndarray         # [m]
    width: np.ndarray         # [m]
    travel_time: np.ndarray   # [s] from the upstream end
    reach: np.ndarray         # reach index
    concentration: dict[str, np.ndarray] = field(default_factory=dict)  # [kg m-3], dissolved_oxygen included
    sag: OxygenSag | None = None


class RiverModel:
    """The river model of one ``park.yaml`` river at its design flow.

    Parameters
    ----------
    river : twin.water.River
    where : how errors name it (e.g. "park.yaml: rivers[0]").
    flow_factor : every design flow × this (ensembles). [-]
    decay_factor : every decay rate of a pollutant × this, per key (ensembles). [-]
    """

    def __init__(self, river: River, *, where: str = "river", flow_factor: float = 1.0,
                 decay_factor: dict[str, float] | None = None) -> None:
        if not flow_factor > 0:
            raise InputError.field(where, "flow_factor", flow_factor, "> 0")
        self.river = river
        self.where = f"{where} (id {river.id!r})"
        self.geometry = river_geometry(river)
        self.flow_factor = float(flow_factor)
        self.decay_factor = dict(decay_factor or {})
        self.oxygen_demand = river.oxygen_demand
        self.pollutants = self._pollutants()
        self._check_kinetics()
        self.outfall_chainage = np.array([self.geometry.chainage(o.x, o.y) for o in river.outfalls])
        self.section_chainage = np.array([self.geometry.chainage(s.x, s.y) for s in river.control_sections])
        self.effluent_flow = np.array([o.flow for o in river.outfalls], dtype=np.float64)

    # --- set-up -------------------------------------------------------------------------------------------------
    def _pollutants(self) -> list[str]:
        keys: list[str] = []
        for outfall in self.river.outfalls:
            keys += [k for k in outfall.effluent if k != OXYGEN]
        for section in self.river.control_sections:
            keys += [k for k in (section.pollutants or []) if k != OXYGEN]
        if self.oxygen_demand is not None:
            keys.append(self.oxygen_demand)
        return list(dict.fromkeys(keys))

    def _check_kinetics(self) -> None:
        first = self.river.reaches[0]
        for key in self.pollutants:
            if key not in first.background:
                raise InputError.field(f"{self.where}: reaches[0] (id {first.id!r}).background", key, None,
                                       "a background concentration [kg m-3, e.g. '12 mg/L'] for every pollutant "
                                       "the river models (the upstream boundary)")
            for index, reach in enumerate(self.river.reaches):
                if key not in reach.decay:
                    raise InputError.field(f"{self.where}: reaches[{index}] (id {reach.id!r}).decay", key, None,
                                           "a first-order rate [s-1, e.g. '0.2 1/d'; 0 for a conservative "
                                           "substance] for every pollutant the river models")
        if self.oxygen_demand is not None and OXYGEN not in first.background:
            raise InputError.field(f"{self.where}: reaches[0] (id {first.id!r}).background", OXYGEN, None,
                                   "the upstream dissolved oxygen [kg m-3, e.g. '7 mg/L'] (the river models DO)")

    def current_loads(self) -> dict[str, np.ndarray]:
        """Effluent concentration × flow of every outfall, per pollutant (0 where not given). [kg/s]"""
        return {key: np.array([o.effluent.get(key, 0.0) * o.flow for o in self.river.outfalls])
                for key in self.pollutants}

    def hydraulics(self, reach_index: int, flow: float) -> tuple[float, float]:
        """(depth [m], velocity [m/s]) of a reach carrying ``flow`` [m3/s]."""
        reach = self.river.reaches[reach_index]
        depth = reach.depth if reach.depth is not None else \
            reach.stage_discharge.coefficient * flow ** reach.stage_discharge.exponent
        velocity = reach.velocity if reach.velocity is not None else flow / (reach.width * depth)
        return float(depth), float(velocity)

    def rate(self, reach_index: int, key: str) -> float:
        """Decay rate of ``key`` in reach ``reach_index``, perturbation factor included. [s-1]"""
        return self.river.reaches[reach_index].decay[key] * self.decay_factor.get(key, 1.0)

    def reach_of(self, chainage: float) -> int:
        """Index of the reach holding chainage (a reach holds (start, end]; 0 holds 0)."""
        return int(min(np.searchsorted(self.geometry.reach_ends, chainage, side="left"), len(self.river.reaches) - 1))

    # --- the march ----------------------------------------------------------------------------------------------
    def run(self, loads: dict[str, np.ndarray] | None = None, distances=None, spacing: float = 50.0) -> RiverProfile:
        """Concentrations along the river for outfall ``loads`` [kg/s] per pollutant (default: the current ones),
        at ``distances`` [m] (default: every ``spacing`` m plus every outfall, section and reach end)."""
        loads = self.current_loads() if loads is None else {k: np.asarray(v, dtype=np.float64)
                                                             for k, v in loads.items()}
        if distances is None:
            distances = np.unique(np.concatenate([np.arange(0.0, self.geometry.length, spacing),
                                                  [self.geometry.length], self.outfall_chainage,
                                                  self.section_chainage, self.geometry.reach_ends]))
        distances = np.asarray(distances, dtype=np.float64)
        if np.any(np.diff(distances) < 0) or distances[0] < 0 or distances[-1] > self.geometry.length + 1e-6:
            raise InputError.field(self.where, "distances", "unsorted or outside the river",
                                   f"increasing chainages in [0, {self.geometry.length:.1f}] m")
        return self._march(loads, distances)

    def _events(self, distances: np.ndarray) -> list[tuple[float, int, int]]:
        """(chainage, order, index): reach starts (order 0), outfalls (1), outputs (2), in chainage order."""
        events = [(float(end), 0, r + 1) for r, end in enumerate(self.geometry.reach_ends[:-1])]
        events += [(float(s), 1, j) for j, s in enumerate(self.outfall_chainage)]
        events += [(float(s), 2, i) for i, s in enumerate(distances)]
        return sorted(events)

    def _march(self, loads: dict[str, np.ndarray], distances: np.ndarray) -> RiverProfile:
        reaches = self.river.reaches
        first = reaches[0]
        natural = first.design_flow * self.flow_factor
        flow = natural
        conc = {k: float(first.background[k]) for k in self.pollutants}
        saturation = self.river.oxygen_saturation
        deficit = saturation - first.background[OXYGEN] if self.oxygen_demand is not None else 0.0
        n = distances.size
        out = {name: np.zeros(n) for name in ("flow", "velocity", "depth", "width", "travel_time")}
        out["reach"] = np.zeros(n, dtype=np.int64)
        series = {k: np.zeros(n) for k in self.pollutants}
        oxygen = np.zeros(n)
        position, reach, time = 0.0, 0, 0.0
        since_mix = 0.0  # travel time since the last mixing point (for the sag's critical time)
        sag = None
        for chainage, order, index in self._events(distances):
            step = chainage - position
            if step > 0:
                depth, velocity = self.hydraulics(reach, flow)
                dt = step / velocity
                if self.oxygen_demand is not None:
                    bod0 = conc[self.oxygen_demand]
                    kd, ka = self.rate(reach, self.oxygen_demand), reaches[reach].reaeration
                    t_c, d_c = streeter_phelps_critical(bod0, deficit, kd, ka)
                    if 0.0 < t_c < dt and (sag is None or d_c > sag.deficit):
                        sag = OxygenSag(distance=position + t_c * velocity, oxygen=saturation - d_c, deficit=d_c,
                                        critical_time=since_mix + t_c)
                    deficit = float(streeter_phelps_deficit(bod0, deficit, kd, ka, dt))
                for key in self.pollutants:
                    conc[key] = float(plug_flow_decay(conc[key], self.rate(reach, key), step, velocity))
                time += dt
                since_mix += dt
                position = chainage
            if order == 0:  # start of reach `index`: design flow changes
                reach = index
                new_natural = reaches[index].design_flow * self.flow_factor
                inflow = new_natural - natural
                if inflow > 0:
                    background = self._background(index)
                    for key in self.pollutants:
                        conc[key] = float(complete_mix(conc[key], flow, background[key], inflow))
                    if self.oxygen_demand is not None:
                        deficit = float(complete_mix(deficit, flow, saturation - background[OXYGEN], inflow))
                flow = max(flow + inflow, 1e-12)
                natural = new_natural
            elif order == 1:  # outfall `index`
                q = self.effluent_flow[index]
                for key in self.pollutants:
                    load = float(loads.get(key, np.zeros(len(self.river.outfalls)))[index])
                    conc[key] = (conc[key] * flow + load) / (flow + q)
                if self.oxygen_demand is not None:
                    effluent_deficit = saturation - self.river.outfalls[index].effluent.get(OXYGEN, 0.0)
                    deficit = float(complete_mix(deficit, flow, effluent_deficit, q))
                flow += q
                since_mix = 0.0
            else:  # an output point
                reach_here = self.reach_of(chainage)
                depth, velocity = self.hydraulics(reach_here, flow)
                for name, value in (("flow", flow), ("velocity", velocity), ("depth", depth),
                                    ("width", reaches[reach_here].width), ("travel_time", time)):
                    out[name][index] = value
                out["reach"][index] = reach_here
                for key in self.pollutants:
                    series[key][index] = conc[key]
                oxygen[index] = saturation - deficit if self.oxygen_demand is not None else np.nan
        if self.oxygen_demand is not None:
            series[OXYGEN] = oxygen
            lowest = int(np.argmin(oxygen))
            if sag is None or saturation - sag.deficit > oxygen[lowest]:
                sag = OxygenSag(distance=float(distances[lowest]), oxygen=float(oxygen[lowest]),
                                deficit=float(saturation - oxygen[lowest]), critical_time=0.0)
        x, y = self.geometry.points(distances)
        return RiverProfile(river=self.river.id, distance=distances, x=x, y=y, concentration=series, sag=sag,
                            **{k: out[k] for k in ("flow", "velocity", "depth", "width", "travel_time", "reach")})

    def _background(self, reach_index: int) -> dict[str, float]:
        """Background of reach ``reach_index``, a pollutant it does not give taken from the nearest upstream reach
        that does."""
        values: dict[str, float] = {}
        for reach in self.river.reaches[:reach_index + 1]:
            values.update(reach.background)
        return values

    # --- what the capacity program needs ---------------------------------------------------------------------
    def section_values(self, loads: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
        """Concentration at every control section per pollutant (dissolved_oxygen included). [kg m-3]"""
        if self.section_chainage.size == 0:
            return {}
        order = np.argsort(self.section_chainage, kind="stable")
        profile = self.run(loads, distances=self.section_chainage[order])
        values = {}
        for key, array in profile.concentration.items():
            values[key] = np.empty_like(array)
            values[key][order] = array
        return values

    def section_response(self, pollutant: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Affine response of the sections to ``pollutant``'s loads: ({key: value at zero load (S,)},
        {key: (S, J) change per kg/s at each outfall}); keys are ``pollutant`` and, for the oxygen-demand
        pollutant, dissolved_oxygen too. Exact: the model is linear in the loads at fixed flows."""
        if pollutant not in self.pollutants:
            raise InputError.field(self.where, "pollutant", pollutant,
                                   f"one the river models ({', '.join(self.pollutants)})")
        others = self.current_loads()
        n_out = len(self.river.outfalls)
        base_loads = {**others, pollutant: np.zeros(n_out)}
        base = self.section_values(base_loads)
        keys = [pollutant] + ([OXYGEN] if pollutant == self.oxygen_demand else [])
        matrix = {k: np.zeros((self.section_chainage.size, n_out)) for k in keys}
        for j in range(n_out):
            unit = np.zeros(n_out)
            unit[j] = 1.0
            values = self.section_values({**others, pollutant: unit})
            for key in keys:
                matrix[key][:, j] = values[key] - base[key]
        return {k: base[k] for k in keys}, matrix

    def mixing_zones(self) -> list[MixingZone]:
        """Mixing-process length below every outfall, with the hydraulics just below it (current flows)."""
        zones = []
        flow_above = np.zeros(len(self.river.outfalls))
        if flow_above.size:
            order = np.argsort(self.outfall_chainage, kind="stable")
            flow_above[order] = self.run(distances=np.maximum(self.outfall_chainage[order] - 1e-6, 0.0)).flow
        for j, outfall in enumerate(self.river.outfalls):
            reach_index = self.reach_of(self.outfall_chainage[j])
            reach = self.river.reaches[reach_index]
            depth, velocity = self.hydraulics(reach_index, flow_above[j] + outfall.flow)
            if reach.slope is None:
                zones.append(MixingZone(outfall.id, float(self.outfall_chainage[j]), None, None))
                continue
            offset = min(outfall.distance_from_bank, reach.width / 2)
            zones.append(MixingZone(
                outfall.id, float(self.outfall_chainage[j]),
                float(mixing_length_side_outfall(reach.width, offset, velocity, depth, reach.slope)),
                float(mixing_length_hj_2018(reach.width, offset, velocity, lateral_mixing_fischer(depth,
                                                                                                   reach.slope)))))
        return zones
