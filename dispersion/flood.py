"""Surface flooding of the park: the local inertial shallow-water scheme on the park DEM.

Physics (Bates, Horritt & Fewtrell 2010, J. Hydrol. 387:33–45, Eqs. 7–11; de Almeida, Bates, Freer & Souvignet
2012, Water Resour. Res. 48:W05528, Eq. 18 for the θ-weighting):

    q_{i+½}^{n+1} = [ q̃ − g h_f Δt (η_{i+1} − η_i)/Δx ] / [ 1 + g Δt n² |q^n| / h_f^{7/3} ]
    q̃ = θ q_{i+½}^n + (1 − θ)/2 (q_{i−½}^n + q_{i+3/2}^n)    (a missing neighbour face — domain edge, blocked
                                                                 cell — replaced by q_{i+½}^n itself)
    h_f = max(η_i, η_{i+1}) − max(z_i, z_{i+1})                         (well balanced: a lake at rest stays at rest)
    h^{n+1} = h^n + Δt (Σ q_in − Σ q_out)/Δx + Δt (rain − infiltration − drainage)
    Δt = C Δx / √(g h_max),  C = min(α, 0.95 √(θ/2))                     (Bates et al. 2010 Eq. 12, α ≈ 0.7)

with q the discharge per unit width [m² s-1], η = z + h the water surface [m], z the bed [m], h the depth [m], n
Manning's coefficient [s m^-1/3], g = 9.80665 m s-2, |q| the 2-D magnitude with the four neighbouring orthogonal
faces averaged. Friction is semi-implicit (always damping). Faces with h_f ≤ h_min carry nothing.

Stability of the θ-weighted scheme (the von Neumann analysis of de Almeida et al. 2012, §3, of the linearised,
frictionless scheme; written out here for the 2-D raster, which is what bounds the step). A Fourier mode of wave
numbers k_x, k_y, with s_x = sin(k_x Δx/2), s_y = sin(k_y Δx/2) and the Courant number C = Δt √(g h)/Δx, has the
amplification matrix (faces in units of √(g h), level η)

    q_x' = A_x q_x − 2 i C s_x η,   q_y' = A_y q_y − 2 i C s_y η,   η' = η − 2 i C (s_x q_x' + s_y q_y'),
    A = 1 − 2 (1 − θ) s²  (the θ-average of a face and its two neighbours)

and its worst mode, the checkerboard s_x = s_y = 1 (A = 2θ − 1), has eigenvalues λ² − (2θ − 8 C²) λ + (2θ − 1) = 0,
inside the unit circle if and only if C ≤ √(θ/2). Bates et al. (2010) Eq. 12 with α = 0.7 is this bound at θ = 1
(√½ = 0.707); at the default θ = 0.8 the bound is 0.632, and α = 0.7 grew the checkerboard mode in deep, nearly
frictionless water (a sea bed at −6 m: 1,000 m/s and metres of water thrown up, issue 13). The step therefore uses
C = min(α, 0.95 √(θ/2)) (5 % margin: friction and the non-linear terms are not in the analysis), on the deepest
water the step can reach: the current maximum depth, the stage level over the lowest stage cell, plus the rain and
point inflow of the step.

Choices made here, each stated: closed domain edges; buildings are blocked cells (no storage, no conveyance — their
roof rain is not added: roof drainage is assumed to leave by downpipes, and the budget says so); bunds and sea walls
are burned into the DEM by the caller with max-aggregation (``twin`` does it); a positivity limiter scales a cell's
outgoing faces so that it never sends more than it holds (depths ≥ 0 and mass exact, instead of clipping negative
depths, which creates water); a stage boundary imposes the water level (tide + surge) in marked cells; losses by
Green–Ampt infiltration per cell (K_s = 0 on paved cells) and a sewer sink at the drainage design capacity.

Limits: the scheme drops the advection term; it holds for gradually varied flow with Froude numbers below about
0.5 (de Almeida & Bates 2013, Water Resour. Res. 49:4833) and not for dam breaks, supercritical flow or oscillating
shorelines (``SCHEME_LIMITS``, written into ``flood.nc``).

Outputs: depth snapshots at the output times, and over the whole run the maximum depth, maximum speed, maximum DEFRA
FD2320 hazard rating HR = d (v + 0.5) + DF and the arrival time of water deeper than ``wet_depth``; a volume budget
(rain, point inflows, boundary, infiltration, drainage, storage) at every output time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from twin.constants import STANDARD_GRAVITY
from twin.errors import InputError, NumericalStabilityError

__all__ = ["FloodGrid", "FloodOptions", "FloodResult", "PointInflow", "run_flood", "hazard_class",
           "HAZARD_CLASSES", "SCHEME_LIMITS", "courant_number", "open_faces"]

G = STANDARD_GRAVITY  # [m s-2]
# Grids smaller than this run the kernels on one thread, where starting and joining a parallel region costs more
# than the sweep. Measured on this 2-core machine, quiet, µs a step on 1 / 2 threads: 2,500 cells 38 / 33,
# 10,000 cells 91 / 60, 40,000 cells 289 / 161 — two threads win from a few thousand cells. When another process
# holds the second core the balance turns (40,000 cells: 395 / 561 µs; a whole typhoon run 41 s on one thread, 42 s
# on two when quiet, 360 s on two beside a busy process — every step waits for the thread that lost its core): the
# automatic choice therefore times both and keeps the faster (_ThreadChooser).
SERIAL_BELOW_CELLS = 2_000
# The automatic thread choice: time TRIAL_STEPS steps on each candidate, run on the faster, try again every
# RETRY_SECONDS of wall time (another process may have started or stopped). [steps], [s]
TRIAL_STEPS = 40
RETRY_SECONDS = 20.0
# A long flood run reports its progress (simulated time, steps, threads, time left) at most this often. [s]
PROGRESS_SECONDS = 10.0
# Where the scheme holds, written into flood.nc (global attribute scheme_limits) and said in the README.
SCHEME_LIMITS = (
    "Local inertial approximation of the shallow water equations (Bates et al. 2010, J. Hydrol. 387:33; "
    "de Almeida et al. 2012, Water Resour. Res. 48:W05528): the advection term is dropped. It holds for gradually "
    "varied, subcritical flow with Froude numbers below about 0.5 (de Almeida & Bates 2013, Water Resour. Res. "
    "49:4833, 'Applicability of the local inertial approximation of the shallow water equations to flood "
    "modeling'): floodplain filling, ponding, slow overland flow. It does not hold for dam or defence breaches, "
    "supercritical or rapidly varied flow, or oscillating shorelines, where its errors do not shrink as the grid "
    "is refined (measured with ParkTwin against SWASHES, Delestre et al. 2013, at 100 to 800 cells: Stoker's wet "
    "dam break 6 % L1 depth error, Thacker's 1-D parabola 60 % after five periods). Check a result's Froude "
    "number, speed / sqrt(g depth), where it matters."
)
# DEFRA/EA FD2320 (HR Wallingford 2006) Table 13.1 hazard classes by HR.
HAZARD_CLASSES = ((0.75, "low"), (1.25, "danger for some"), (2.0, "danger for most"), (math.inf, "danger for all"))


def hazard_class(rating: np.ndarray) -> np.ndarray:
    """FD2320 class index of a hazard rating HR [-]: 0 low (< 0.75), 1 danger for some (0.75–1.25), 2 danger for
    most (1.25–2.0), 3 danger for all (> 2.0); −1 where HR ≤ 0 (dry)."""
    rating = np.asarray(rating, dtype=np.float64)
    out = np.searchsorted(np.array([0.75, 1.25, 2.0]), rating, side="right").astype(np.int8)
    return np.where(rating > 0, out, -1).astype(np.int8)


@dataclass(frozen=True)
class FloodGrid:
    """The raster the flood runs on: square cells of side ``dx`` [m], rows along y.

    z (ny, nx) bed elevation [m]; manning (ny, nx) Manning n [s m^-1/3]; open_ (ny, nx) bool, False for buildings and
    cells outside the domain; ks (ny, nx) Green–Ampt saturated conductivity [m s-1] (0: paved or no infiltration);
    psi_dtheta (ny, nx) Green–Ampt suction head × moisture deficit [m]; drain_capacity (ny, nx) sewer capacity as an
    equivalent rainfall rate [m s-1]; stage_mask (ny, nx) bool, cells whose water level the stage boundary imposes.
    x (nx,), y (ny,) cell centres [m], for outputs.
    """

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    manning: np.ndarray
    open_: np.ndarray | None = None
    ks: np.ndarray | None = None
    psi_dtheta: np.ndarray | None = None
    drain_capacity: np.ndarray | None = None
    stage_mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64)
        y = np.asarray(self.y, dtype=np.float64)
        if x.ndim != 1 or y.ndim != 1 or x.size < 2 or y.size < 2:
            raise InputError.field("flood grid", "x, y", (x.shape, y.shape), "1-D axes of at least 2 cells")
        spacing = np.diff(x)
        if not (np.allclose(spacing, spacing[0], rtol=1e-9) and np.allclose(np.diff(y), spacing[0], rtol=1e-9)
                and spacing[0] > 0):
            raise InputError.field("flood grid", "x, y spacing", f"{spacing[0]} / {np.diff(y)[0]}",
                                   "equal, increasing square cells")
        shape = (y.size, x.size)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        for name, default, check in (("z", None, "finite elevations [m]"), ("manning", None, "> 0 s m^-1/3"),
                                     ("open_", True, "booleans"), ("ks", 0.0, ">= 0 m/s"),
                                     ("psi_dtheta", 0.0, ">= 0 m"), ("drain_capacity", 0.0, ">= 0 m/s"),
                                     ("stage_mask", False, "booleans")):
            value = getattr(self, name)
            if value is None:
                value = np.full(shape, default)
            dtype = np.uint8 if name in ("open_", "stage_mask") else np.float64
            array = np.ascontiguousarray(np.broadcast_to(np.asarray(value, dtype=dtype), shape))
            if array.shape != shape:
                raise InputError.field("flood grid", name, f"shape {np.shape(value)}", f"shape {shape}")
            if dtype is np.float64:
                bad = ~np.isfinite(array) | ((array <= 0) if name == "manning" else (array < 0) if name != "z"
                                             else np.zeros(shape, bool))
                if bad.any():
                    j, i = np.argwhere(bad)[0]
                    raise InputError.field("flood grid", f"{name}[{j}, {i}]", float(array[j, i]), check)
            object.__setattr__(self, name, array)

    @property
    def dx(self) -> float:
        return float(self.x[1] - self.x[0])

    @property
    def shape(self) -> tuple[int, int]:
        return self.z.shape


@dataclass(frozen=True)
class FloodOptions:
    """θ (de Almeida et al. 2012: 0.7–0.9 damps checkerboard modes; 1 = Bates 2010), α (CFL, ≤ 0.7; the step uses
    min(α, 0.95 √(θ/2)), the θ-scheme's stability limit with a margin: see the module docstring), h_min [m]
    (faces shallower carry nothing), dt_max [s], wet_depth [m] (arrival and speed threshold), statistics_every:
    speed, hazard and arrival are updated every this many steps and at every output time (1 = every step, exact;
    larger samples them, e.g. for a very large grid; the maximum depth is always updated every step), threads:
    kernel threads (None: one below ``SERIAL_BELOW_CELLS`` cells, else Numba's thread count; capped by it)."""

    theta: float = 0.8
    alpha: float = 0.7
    hmin: float = 1e-3
    dt_max: float = 30.0
    wet_depth: float = 0.01
    statistics_every: int = 1
    threads: int | None = None

    def __post_init__(self) -> None:
        for name, low, high in (("theta", 0.0, 1.0), ("alpha", 0.0, 1.0)):
            value = getattr(self, name)
            if not low < value <= high:
                raise InputError.field("flood options", name, value, f"in ({low}, {high}]")
        for name in ("hmin", "dt_max", "wet_depth"):
            if not getattr(self, name) > 0:
                raise InputError.field("flood options", name, getattr(self, name), "> 0")
        if not (isinstance(self.statistics_every, int) and self.statistics_every >= 1):
            raise InputError.field("flood options", "statistics_every", self.statistics_every, "an integer >= 1")
        if self.threads is not None and not (isinstance(self.threads, int) and self.threads >= 1):
            raise InputError.field("flood options", "threads", self.threads, "None (automatic) or an integer >= 1")


@dataclass(frozen=True)
class PointInflow:
    """A discharge into one cell (row j, column i): ``discharge(t)`` [m³ s-1] at time t [s] (a culvert, a breach)."""

    j: int
    i: int
    discharge: Callable[[float], float]


@dataclass
class FloodResult:
    """Depth snapshots (T, ny, nx) [m] at ``times`` [s]; over the run: max depth [m], max speed [m s-1], max hazard
    rating [-], arrival time [s] (−1 never wet); ``budget``: one row per output time of cumulative volumes [m³]
    (rain, inflow, boundary, infiltration, drainage, storage, error = storage − initial − in + out); ``steps``."""

    times: np.ndarray
    depth: np.ndarray
    max_depth: np.ndarray
    max_speed: np.ndarray
    max_hazard: np.ndarray
    arrival: np.ndarray
    budget: list[dict] = field(default_factory=list)
    steps: int = 0
    qx: np.ndarray | None = None
    qy: np.ndarray | None = None


def run_flood(grid: FloodGrid, *, output_times: Sequence[float], rain: Callable[[float, float], object] | None = None,
              stage: Callable[[float], float] | None = None, inflows: Sequence[PointInflow] = (),
              initial_depth: np.ndarray | None = None, options: FloodOptions = FloodOptions(),
              max_steps: int = 50_000_000,
              progress: Callable[[float, float, int, int], None] | None = None) -> FloodResult:
    """Run the flood from t = 0 to the last output time.

    Parameters
    ----------
    grid : FloodGrid
    output_times : increasing times [s] at which depth snapshots and the budget are taken (> 0).
    rain : ``rain(t0, t1)`` → the mean rain rate over [t0, t1) [m s-1], a scalar or an (ny, nx) array.
    stage : ``stage(t)`` → the water level imposed in ``grid.stage_mask`` cells [m].
    inflows : point discharges.
    initial_depth : (ny, nx) depth at t = 0 [m] (default dry).
    progress : ``progress(t, t_end, steps, threads)`` [s, s, -, -], called at most every ``PROGRESS_SECONDS`` of
        wall time during the run (a long run shows it is alive and how far it is).

    Threads: ``options.threads`` fixes them; by default a grid below ``SERIAL_BELOW_CELLS`` runs on one, and a
    larger one on whichever of one thread and Numba's thread count is faster on this machine now, timed during the
    run (``_ThreadChooser``). The kernels give the same numbers on any thread count, so the choice changes only the
    time taken.
    """
    import numba

    available = numba.get_num_threads()
    if options.threads is not None:
        candidates = (min(options.threads, available),)
    elif grid.z.size < SERIAL_BELOW_CELLS or available == 1:
        candidates = (1,)
    else:
        candidates = (available, 1)
    chooser = _ThreadChooser(candidates, numba.set_num_threads)
    try:
        return _run_flood(grid, output_times, rain, stage, inflows, initial_depth, options, max_steps, chooser,
                          progress)
    finally:
        numba.set_num_threads(available)  # this thread's parallel regions only (Dask threads keep their own setting)


class _ThreadChooser:
    """Runs the flood steps on the fastest of ``candidates`` thread counts, as measured now.

    Trials: ``TRIAL_STEPS`` steps on each candidate in turn (wall time per step), then the faster one until
    ``RETRY_SECONDS`` have passed, then trials again. With a busy second core, a two-thread step waits for the thread
    that lost its core, and one thread wins; when the core frees, two threads win again. ParkTwin's own rule (no
    published source): it bounds the cost of a busy core to the trial steps on the slower count plus the one-thread
    time (``benchmarks/flood.py`` prints the quiet and busy times).
    """

    def __init__(self, candidates: tuple[int, ...], set_threads) -> None:
        self.candidates = candidates
        self._set = set_threads
        self._trial = 0 if len(candidates) > 1 else None  # index of the candidate on trial, None: settled
        self._step_in_trial = -1  # the first step loads or compiles the kernels: not timed
        self._trial_started = 0.0
        self._seconds_per_step: list[float] = [math.inf] * len(candidates)
        self._settled_at = time.perf_counter()
        self.threads = candidates[0]
        self._set(self.threads)

    def before_step(self) -> None:
        if self._trial is None and len(self.candidates) > 1 and time.perf_counter() - self._settled_at > RETRY_SECONDS:
            self._trial, self._step_in_trial = 0, 0
        if self._trial is not None and self._step_in_trial == 0:
            self.threads = self.candidates[self._trial]
            self._set(self.threads)
            self._trial_started = time.perf_counter()

    def after_step(self) -> None:
        if self._trial is None:
            return
        self._step_in_trial += 1
        if self._step_in_trial == 0:  # the untimed first step is done
            return
        if self._step_in_trial < TRIAL_STEPS:
            return
        self._seconds_per_step[self._trial] = (time.perf_counter() - self._trial_started) / TRIAL_STEPS
        self._trial += 1
        self._step_in_trial = 0
        if self._trial == len(self.candidates):  # every candidate timed: settle on the fastest
            self._trial = None
            self.threads = self.candidates[int(np.argmin(self._seconds_per_step))]
            self._set(self.threads)
            self._settled_at = time.perf_counter()


def _run_flood(grid, output_times, rain, stage, inflows, initial_depth, options, max_steps, chooser,
               progress) -> FloodResult:
    from dispersion import _flood_kernels as k

    times, h = _checked_run_inputs(grid, output_times, inflows, initial_depth)
    ny, nx = grid.shape
    dx = grid.dx
    area = dx * dx
    n2 = np.ascontiguousarray(grid.manning ** 2)
    # Blocked cells: a bed 10 km above the highest ground, so that no face next to them ever has water depth.
    z_flow = np.ascontiguousarray(np.where(grid.open_ != 0, grid.z, grid.z.max() + 1e4))
    qx = np.zeros((ny, nx + 1))
    qy = np.zeros((ny + 1, nx))
    qx_new = np.zeros_like(qx)
    qy_new = np.zeros_like(qy)
    factor = np.ones((ny, nx))
    open_x, open_y = open_faces(grid.open_)
    row_hmax = np.zeros(ny)
    row_limited = np.zeros(ny, dtype=np.uint8)
    budget_rows = np.zeros((ny, 4))
    infiltrated = np.zeros((ny, nx))
    loss_capacity = np.zeros((ny, nx))
    rain_field = np.zeros((ny, nx))
    max_depth = h.copy()
    max_speed = np.zeros((ny, nx))
    max_hazard = np.zeros((ny, nx))
    arrival = np.where(h > options.wet_depth, 0.0, -1.0)
    stage_mask = grid.stage_mask
    has_stage = stage is not None and bool(stage_mask.any())
    no_stage = np.zeros_like(stage_mask)
    open_float = grid.open_.astype(np.float64)
    last_rate = 0.0
    full_sources = has_stage or bool(grid.ks.any() or grid.drain_capacity.any())
    # The lowest bed under the stage boundary [m]: the stage level above it is the deepest water the boundary imposes.
    stage_bed = float(grid.z[(stage_mask != 0) & (grid.open_ != 0)].min()) if has_stage else math.inf

    snapshots = np.empty((times.size, ny, nx))
    totals = {"rain": 0.0, "inflow": 0.0, "boundary": 0.0, "infiltration": 0.0, "drainage": 0.0}
    initial_volume = float(h.sum()) * area
    budget: list[dict] = []
    t = 0.0
    steps = 0
    h_max = float(h.max())
    reported = time.perf_counter()
    for out_index, t_out in enumerate(times):
        while t < t_out - 1e-9:
            chooser.before_step()
            dt = _stable_step(t, t_out, h_max, rain, inflows, area, dx, options,
                              stage if has_stage else None, stage_bed)
            # Sources first (rain, stage, inflows), so that the limiter sees the water a cell holds this step.
            if rain is not None:
                last_rate = _fill_rain(rain(t, t + dt), rain_field, open_float, last_rate)
            level = float(stage(t + dt)) if has_stage else 0.0
            k.sources(h, grid.z, rain_field, grid.open_, dt, stage_mask if has_stage else no_stage,
                      level, loss_capacity, grid.drain_capacity, grid.ks, grid.psi_dtheta, infiltrated, budget_rows,
                      full_sources)
            sums = budget_rows.sum(axis=0) * area
            totals["rain"] += sums[0]
            totals["boundary"] += sums[1]
            totals["infiltration"] += sums[2]
            totals["drainage"] += sums[3]
            for inflow in inflows:
                volume = max(float(inflow.discharge(t + 0.5 * dt)), 0.0) * dt
                h[inflow.j, inflow.i] += volume / area
                totals["inflow"] += volume
            k.momentum(h, z_flow, n2, qx, qy, qx_new, qy_new, dt, dx, options.theta, options.hmin, open_x, open_y)
            qx, qx_new = qx_new, qx
            qy, qy_new = qy_new, qy
            k.limit_outflow(h, qx, qy, dt, dx, factor, row_limited)
            k.scale_faces(qx, qy, factor, row_limited)
            with_stats = (steps + 1) % options.statistics_every == 0 or t + dt >= t_out - 1e-9
            k.continuity(h, qx, qy, dt, dx, t + dt, options.wet_depth, row_hmax, max_depth, max_speed, max_hazard,
                         arrival, with_stats)
            h_max = float(row_hmax.max())
            t += dt
            steps += 1
            chooser.after_step()
            if progress is not None and time.perf_counter() - reported >= PROGRESS_SECONDS:
                progress(t, float(times[-1]), steps, chooser.threads)
                reported = time.perf_counter()
            if steps > max_steps or not math.isfinite(h_max):
                raise NumericalStabilityError(f"flood run: {'no finite depth' if not math.isfinite(h_max) else 'step limit'} "
                                              f"at t = {t:.1f} s after {steps} steps; check the DEM and inputs")
        snapshots[out_index] = h
        budget.append(_budget_entry(float(t_out), totals, float(h.sum()) * area, initial_volume))
    return FloodResult(times=times, depth=snapshots, max_depth=max_depth, max_speed=max_speed,
                       max_hazard=max_hazard, arrival=arrival, budget=budget, steps=steps, qx=qx, qy=qy)


def open_faces(open_: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The faces that exist as θ-neighbours (``_flood_kernels.momentum``): x-faces (ny, nx + 1) and y-faces
    (ny + 1, nx), 1 between two open cells, 0 on the domain edge and beside a blocked cell (uint8)."""
    is_open = np.asarray(open_) != 0
    ny, nx = is_open.shape
    open_x = np.zeros((ny, nx + 1), np.uint8)
    open_x[:, 1:nx] = is_open[:, :-1] & is_open[:, 1:]
    open_y = np.zeros((ny + 1, nx), np.uint8)
    open_y[1:ny, :] = is_open[:-1, :] & is_open[1:, :]
    return open_x, open_y


def _checked_run_inputs(grid, output_times, inflows, initial_depth) -> tuple[np.ndarray, np.ndarray]:
    """The output times [s] and the starting depth [m] (zero in blocked cells), checked: times increasing and
    > 0, inflows in open cells, depths finite, ≥ 0 and of the grid's shape."""
    times = np.asarray(output_times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or times[0] <= 0 or np.any(np.diff(times) <= 0):
        raise InputError.field("flood run", "output_times", times.tolist()[:5], "increasing times > 0 s")
    ny, nx = grid.shape
    for inflow in inflows:
        if not (0 <= inflow.j < ny and 0 <= inflow.i < nx) or not grid.open_[inflow.j, inflow.i]:
            raise InputError.field("flood run", "inflow cell", (inflow.j, inflow.i), "an open cell of the grid")
    h = np.zeros((ny, nx)) if initial_depth is None else np.array(initial_depth, dtype=np.float64)
    if h.shape != (ny, nx) or np.any(~np.isfinite(h)) or np.any(h < 0):
        raise InputError.field("flood run", "initial_depth", f"shape {h.shape}", f"finite depths >= 0 of shape {(ny, nx)}")
    h[grid.open_ == 0] = 0.0
    return times, h


def courant_number(options: FloodOptions) -> float:
    """The Courant number the step uses [-]: min(α, 0.95 √(θ/2)), α capped by the stability limit √(θ/2) of the
    θ-weighted scheme on a 2-D raster (von Neumann, as in de Almeida et al. 2012 §3; the module docstring derives
    it) with a 5 % margin."""
    return min(options.alpha, 0.95 * math.sqrt(0.5 * options.theta))


def _stable_step(t, t_out, h_max, rain, inflows, area, dx, options, stage=None, stage_bed=math.inf) -> float:
    """The next time step [s]: at most ``dt_max`` and the time left to ``t_out`` [s], and within the CFL bound
    C Δx/√(g h) (Bates et al. 2010, Eq. 12, with C = :func:`courant_number`) on the depth the step will reach:
    the larger of h_max [m] and the stage level over the lowest stage cell (``stage(t) − stage_bed``, at the start
    and the end of the longest step: a rising sea over deep stage cells is deeper than anything the last step
    held), plus what the rain and the point inflows add during it, r Δt with r the largest rate [m s-1] (rain, or
    Q / cell area).

    That bound depends on Δt itself: Δt = f(Δt) = C Δx / √(g (h + r Δt)), solved by iterating f from the longest
    step. f decreases, so the iterates fall alternately below and above the solution, and |f'| = r Δt / (2 (h + r Δt))
    < ½ makes each iterate at least twice as close as the one before; the fifth (an odd one: below the solution,
    hence stable, and within 1/32 of the first guess's error) is the step. (Taking the minimum of the iterates, as
    before, kept the first and smallest: a point inflow of 0.4 m s-1 over a cell made every step 4× too short.)
    """
    courant = courant_number(options)
    dt_longest = min(options.dt_max, t_out - t)
    if stage is not None:
        level = max(float(stage(t)), float(stage(t + dt_longest)))
        h_max = max(h_max, level - stage_bed)
    peak_rate = 0.0
    if rain is not None:
        peak_rate = float(np.max(rain(t, t + dt_longest)))
    for inflow in inflows:  # a point inflow raises its cell by Q dt / area
        peak_rate = max(peak_rate, float(inflow.discharge(t)) / area)
    peak_rate = max(peak_rate, 0.0)
    if h_max + peak_rate * dt_longest <= options.hmin:  # nothing can be deep enough to bound the step
        return dt_longest
    dt = dt_longest
    for _ in range(5):
        dt = min(dt_longest, courant * dx / math.sqrt(G * max(h_max + peak_rate * dt, options.hmin)))
    return dt


def _fill_rain(rate, rain_field, open_float, last_rate: float) -> float:
    """Put the step's rain rate [m/s] (a scalar or a field) into ``rain_field`` on open cells; a scalar is written
    only when it changed (4 million cells take 4 ms). Returns the rate now in the field (NaN for a field)."""
    if np.ndim(rate) == 0:
        if float(rate) != last_rate:
            rain_field[:] = float(rate) * open_float
        return float(rate)
    rain_field[:] = np.asarray(rate) * open_float
    return math.nan


def _budget_entry(time_s: float, totals: dict, storage: float, initial_volume: float) -> dict:
    """One row of the water budget [m³]: the running totals, the storage, and the closure error
    storage − initial − (rain + inflow + boundary) + (infiltration + drainage), absolute and relative."""
    into = totals["rain"] + totals["inflow"] + totals["boundary"]
    out = totals["infiltration"] + totals["drainage"]
    error = storage - initial_volume - into + out
    return {"time_s": time_s, **{f"{key}_m3": value for key, value in totals.items()}, "storage_m3": storage,
            "error_m3": error, "relative_error": error / max(abs(initial_volume) + into + out, 1e-300)}
