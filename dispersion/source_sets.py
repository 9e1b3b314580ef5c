"""The sources and receptors every point-source model of ParkTwin takes — the screening plume
(:mod:`dispersion.plume`) and the AERMOD mode (:mod:`dispersion.aermod`): :class:`StackSet` (stacks, volume and area
sources, with their release types and BPIP-PRIME building dimensions) and :class:`ReceptorSet`, each checked once
here so that the models' drivers and kernels can trust them (DESIGN.md: checks in the wrappers, never in a kernel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import InputError

__all__ = ["RELEASE_CODES", "VOLUME_SIGMA_LIMIT", "StackSet", "ReceptorSet", "checked_buildings"]

RELEASE_CODES = {"vertical": 0, "capped": 1, "horizontal": 2, "volume": 3, "area": 4}  # twin.park.Stack.release, …
VOLUME_SIGMA_LIMIT = 500.0  # [m] initial σ_y0, σ_z0 above this are refused as a unit slip (a 2 km wide volume)


def checked_buildings(values, n_stacks: int, where: str) -> np.ndarray:
    """(S, 36, 5) BPIP-PRIME dimensions H, W, L, XBADJ, YBADJ [m] per stack and 10° flow sector as float64, refused
    by name unless of that shape, finite and with H, W, L ≥ 0."""
    buildings = np.ascontiguousarray(values, dtype=np.float64)
    if buildings.shape != (n_stacks, 36, 5):
        raise InputError.field(where, "buildings", f"shape {buildings.shape}",
                               f"({n_stacks}, 36, 5): H, W, L, XBADJ, YBADJ per stack and 10° sector")
    if not np.all(np.isfinite(buildings)) or np.any(buildings[..., :3] < 0.0):
        raise InputError.field(where, "buildings", "negative or not finite", "finite BPIP-PRIME dimensions, H, W, L ≥ 0 m")
    return buildings


@dataclass(frozen=True)
class StackSet:
    """Point sources (stacks). All arrays have shape (S,).

    x, y : projected coordinates of the stack [m]; base_elevation : ground elevation at the stack [m];
    height : physical stack height [m]; inner_diameter [m]; exit_velocity [m/s]; exit_temperature [K];
    release : ``RELEASE_CODES`` per stack (None: every stack vertical); buildings : (S, 36, 5) each stack's BPIP-PRIME
    structure per 10° flow sector (10° … 360°): H, W, L, XBADJ, YBADJ [m] (:mod:`dispersion.building_profile`), which
    the AERMOD mode's PRIME building downwash takes (None: none; the screening plume has no downwash).

    A ``"volume"`` release is a volume source (AERMOD's VOLUME, for fugitive emissions of a tank farm or a process
    unit), which only the AERMOD mode models: ``height`` is its release height (≥ 0), ``initial_sigma_y`` and
    ``initial_sigma_z`` (S,) its initial σ_y0, σ_z0 [m] (0 for every other release; None: zeros), and its exit
    velocity, diameter and temperature are not used (NaN allowed).

    An ``"area"`` release is an area source (AERMOD's AREA/AREAPOLY: a tank farm's or a pond's surface), also for the
    AERMOD mode only: ``area_vertices`` (S, V, 2) [m] its polygon (3 or more vertices, the rest of its row NaN; NaN
    rows for every other source), ``x``, ``y`` a point of it (the names and maps use it), ``height`` its release
    height, ``initial_sigma_z`` its initial σ_z0 and ``initial_sigma_y`` 0; its emission rate is the whole area's.
    """

    ids: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    base_elevation: np.ndarray
    height: np.ndarray
    inner_diameter: np.ndarray
    exit_velocity: np.ndarray
    exit_temperature: np.ndarray
    release: np.ndarray | None = None
    buildings: np.ndarray | None = None
    initial_sigma_y: np.ndarray | None = None
    initial_sigma_z: np.ndarray | None = None
    area_vertices: np.ndarray | None = None

    def subset(self, index) -> "StackSet":
        """The sources at ``index`` (int array), in that order."""
        index = np.asarray(index, dtype=np.int64)
        return StackSet(ids=tuple(self.ids[i] for i in index), x=self.x[index], y=self.y[index],
                        base_elevation=self.base_elevation[index], height=self.height[index],
                        inner_diameter=self.inner_diameter[index], exit_velocity=self.exit_velocity[index],
                        exit_temperature=self.exit_temperature[index], release=self.release[index],
                        buildings=None if self.buildings is None else self.buildings[index],
                        initial_sigma_y=self.initial_sigma_y[index], initial_sigma_z=self.initial_sigma_z[index],
                        area_vertices=None if self.area_vertices is None else self.area_vertices[index])

    def __post_init__(self) -> None:
        n = len(self.ids)
        if self.buildings is not None:
            object.__setattr__(self, "buildings", checked_buildings(self.buildings, n, "stacks"))
        release = np.zeros(n, dtype=np.int64) if self.release is None else np.asarray(self.release)
        if release.shape != (n,) or not np.isin(release, list(RELEASE_CODES.values())).all():
            raise InputError.field("stacks", "release", np.asarray(release).tolist()[:5],
                                   f"({n},) codes {RELEASE_CODES}")
        object.__setattr__(self, "release", np.ascontiguousarray(release, dtype=np.int64))
        volume = (self.release == RELEASE_CODES["volume"]) | (self.release == RELEASE_CODES["area"])
        for name in ("x", "y", "base_elevation", "height", "inner_diameter", "exit_velocity", "exit_temperature",
                     "initial_sigma_y", "initial_sigma_z"):
            given = getattr(self, name)
            values = np.ascontiguousarray(np.zeros(n) if given is None else given, dtype=np.float64)
            if values.shape != (n,):
                raise InputError.field("stacks", name, f"shape {values.shape}", f"an array of shape ({n},)")
            checked = ~volume if name in ("inner_diameter", "exit_velocity", "exit_temperature") else np.ones(n, bool)
            if not np.all(np.isfinite(values[checked])):
                bad = int(np.flatnonzero(checked & ~np.isfinite(values))[0])
                raise InputError.field(f"stack {self.ids[bad]!r}", name, float(values[bad]), "a finite number")
            object.__setattr__(self, name, values)
        for name, unit in (("height", "m"), ("inner_diameter", "m"), ("exit_velocity", "m/s"),
                           ("exit_temperature", "K")):
            values = getattr(self, name)
            bad = np.flatnonzero(~volume & ~(values > 0))
            if bad.size:
                raise InputError.field(f"stack {self.ids[bad[0]]!r}", name, float(values[bad[0]]), f"> 0 {unit}")
        for name in ("height", "initial_sigma_y", "initial_sigma_z"):
            values = getattr(self, name)
            bad = np.flatnonzero(volume & ~((values >= 0.0) & (values <= (VOLUME_SIGMA_LIMIT if name != "height"
                                                                                   else np.inf))))
            if bad.size:
                raise InputError.field(f"{self._kind(bad[0])} {self.ids[bad[0]]!r}", name, float(values[bad[0]]),
                                       "≥ 0 m" if name == "height" else f"between 0 and {VOLUME_SIGMA_LIMIT:g} m "
                                       "(AERMOD User's Guide Table 3-1: σ_y0 = side/4.3, σ_z0 = vertical extent/2.15)")
        stray = np.flatnonzero(~volume & ((self.initial_sigma_y != 0.0) | (self.initial_sigma_z != 0.0)))
        if stray.size:
            raise InputError.field(f"stack {self.ids[stray[0]]!r}", "initial_sigma_y/initial_sigma_z",
                                   f"{self.initial_sigma_y[stray[0]]:g}/{self.initial_sigma_z[stray[0]]:g}",
                                   "0 for a stack (initial σ's belong to volume sources, release 'volume')")
        self._check_areas(n)

    def _kind(self, s: int) -> str:
        return {RELEASE_CODES["volume"]: "volume source", RELEASE_CODES["area"]: "area source"}.get(
            int(self.release[s]), "stack")

    def _check_areas(self, n: int) -> None:
        """``area_vertices``: a polygon of ≥ 3 finite vertices with an area for each area source, σ_y0 = 0."""
        area = self.release == RELEASE_CODES["area"]
        if self.area_vertices is None:
            if area.any():
                raise InputError.field(f"area source {self.ids[int(np.flatnonzero(area)[0])]!r}", "area_vertices",
                                       None, "its polygon, (S, V, 2) with V ≥ 3")
            return
        vertices = np.ascontiguousarray(self.area_vertices, dtype=np.float64)
        if vertices.ndim != 3 or vertices.shape[0] != n or vertices.shape[2] != 2:
            raise InputError.field("stacks", "area_vertices", f"shape {vertices.shape}", f"({n}, V, 2)")
        for s in np.flatnonzero(area):
            rows = vertices[s][np.isfinite(vertices[s]).all(axis=1)]
            x, y = rows[:, 0], rows[:, 1]
            size = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y)) if rows.shape[0] else 0.0
            if rows.shape[0] < 3 or not size > 0.0:
                raise InputError.field(f"area source {self.ids[s]!r}", "area_vertices", rows.tolist()[:4],
                                       "a polygon of at least 3 vertices enclosing an area > 0 m²")
            if self.initial_sigma_y[s] != 0.0:
                raise InputError.field(f"area source {self.ids[s]!r}", "initial_sigma_y",
                                       float(self.initial_sigma_y[s]), "0 (an area source spreads laterally by "
                                       "being integrated over; only σ_z0 is given)")
        object.__setattr__(self, "area_vertices", vertices)

    @property
    def has_volumes(self) -> bool:
        """Whether any source is a volume or area source (release ``"volume"`` or ``"area"``), which only the AERMOD
        mode models."""
        return bool(np.any(self.release >= RELEASE_CODES["volume"]))


@dataclass(frozen=True)
class ReceptorSet:
    """Receptors. All arrays have shape (R,).

    x, y : projected coordinates [m]; height : height above local ground ("flagpole") [m];
    ground_elevation : terrain elevation at the receptor [m]; hill_height : AERMAP's hill-height scale of each
    receptor [m above the same datum] (``dispersion.hill_height``), for AERMOD's elevated terrain; None otherwise.
    """

    x: np.ndarray
    y: np.ndarray
    height: np.ndarray
    ground_elevation: np.ndarray
    hill_height: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = np.asarray(self.x).shape[0] if np.ndim(self.x) == 1 else -1
        for name in ("x", "y", "height", "ground_elevation"):
            values = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            if values.ndim != 1 or values.shape[0] != n:
                raise InputError.field("receptors", name, f"shape {values.shape}", "a 1-D array as long as x")
            if not np.all(np.isfinite(values)):
                raise InputError.field("receptors", name, "a non-finite value", "finite numbers")
            object.__setattr__(self, name, values)
        if np.any(self.height < 0):
            raise InputError.field("receptors", "height", float(self.height.min()), ">= 0 m above ground")
        if self.hill_height is not None:
            hill = np.ascontiguousarray(self.hill_height, dtype=np.float64)
            if hill.shape != (n,) or not np.all(np.isfinite(hill)):
                raise InputError.field("receptors", "hill_height", f"shape {hill.shape}" if hill.shape != (n,) else
                                       "a non-finite value", "finite heights, one per receptor [m]")
            object.__setattr__(self, "hill_height", hill)

    def subset(self, index) -> "ReceptorSet":
        """The receptors at ``index`` (a slice, an index array or a boolean mask), hill heights included."""
        return ReceptorSet(x=self.x[index], y=self.y[index], height=self.height[index],
                           ground_elevation=self.ground_elevation[index],
                           hill_height=None if self.hill_height is None else self.hill_height[index])
