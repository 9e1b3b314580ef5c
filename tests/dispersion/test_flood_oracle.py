"""The Numba flood kernels against their NumPy oracle (``tests/dispersion/flood_oracle.py``) and physical properties.

Marked ``kernel``: the suite runs these a second time with ``NUMBA_DISABLE_JIT=1`` (Makefile ``test``).

Tolerance: every compared field agrees to 1e-12 relative to that field's largest magnitude (|a − b| ≤ 1e-12 ·
max|b| + 1e-300), not element-wise. Element-wise relative error is meaningless where the scheme itself cancels: a
cell the limiter empties ends at h − h·(out/out) ≈ 1e-17 m, and θ q0 + (1 − θ)/2 (q_prev + q_next) can cancel to
a tiny q; there the kernel (its own order of operations; Newton x^(-7/3) with relative error < 4e-15) and the
oracle (plain NumPy, ** (-7/3)) differ by a few ulp of the field's scale, not of the element.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numba import config

from dispersion import _flood_kernels as k
from dispersion.flood import FloodGrid, FloodOptions, open_faces, run_flood
from tests.dispersion import flood_oracle as oracle

pytestmark = pytest.mark.kernel

RTOL = 1e-12
EXAMPLES = 30 if config.DISABLE_JIT else 60
hypothesis_settings = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
G = 9.80665


def assert_close(actual, expected, name, rtol=RTOL):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, name
    scale = float(np.max(np.abs(expected), initial=0.0))
    error = np.abs(actual - expected)
    worst = float(np.max(error, initial=0.0))
    assert worst <= rtol * scale + 1e-300, (
        f"{name}: max |kernel − oracle| = {worst:.3e} > {rtol:g} × {scale:.3e} at "
        f"{np.unravel_index(np.argmax(error), error.shape)}")


@dataclass
class Case:
    inputs: oracle.FloodInputs
    h: np.ndarray
    qx: np.ndarray
    qy: np.ndarray
    infiltrated: np.ndarray
    rain: np.ndarray
    stage: float
    dt: float
    full: bool


@st.composite
def flood_cases(draw, random_faces=True, losses_allowed=True):
    """A small grid with a random bed, wet and dry cells (some below h_min), optional levee, buildings, rain,
    Green–Ampt and sewer losses, a stage boundary, random initial faces."""
    ny = draw(st.integers(5, 12))
    nx = draw(st.integers(5, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    theta = draw(st.floats(0.7, 1.0))
    dx = draw(st.sampled_from([1.0, 2.5, 5.0, 10.0]))
    shape = (ny, nx)
    z = rng.uniform(0.0, 1.0, shape) * draw(st.sampled_from([0.0, 0.2, 1.0]))
    level = rng.uniform(0.0, 1.2)
    h = np.maximum(level - z, 0.0) + rng.uniform(0.0, 0.3, shape) * (rng.random(shape) < 0.5)
    h[rng.random(shape) < draw(st.floats(0.0, 0.5))] = 0.0  # dry cells: wet/dry fronts everywhere
    shallow = rng.random(shape) < 0.1
    h[shallow] = rng.uniform(0.0, 2e-3, int(shallow.sum()))  # around h_min
    if draw(st.booleans()):  # a levee (burned into the DEM) across the grid, with or without a gap
        if draw(st.booleans()):
            column = int(rng.integers(1, nx - 1))
            z[:, column] += 3.0
            h[:, column] = 0.0
            if draw(st.booleans()):
                z[int(rng.integers(0, ny)), column] -= 3.0
        else:
            row = int(rng.integers(1, ny - 1))
            z[row, :] += 3.0
            h[row, :] = 0.0
    open_ = (rng.random(shape) >= draw(st.sampled_from([0.0, 0.1, 0.25]))).astype(np.uint8)
    h[open_ == 0] = 0.0
    manning = rng.uniform(0.01, 0.1, shape)
    rain = rng.uniform(0.0, 1e-4, shape) * draw(st.sampled_from([0.0, 1.0])) * open_
    zeros = np.zeros(shape)
    ks, psi, drain, loss, stage_mask, stage = zeros, zeros, zeros, zeros, np.zeros(shape, np.uint8), 0.0
    if losses_allowed and draw(st.booleans()):
        ks = rng.uniform(0.0, 1e-5, shape) * (rng.random(shape) < 0.3)
        psi = rng.uniform(0.0, 0.1, shape)
        drain = rng.uniform(0.0, 5e-4, shape) * (rng.random(shape) < 0.5)
        loss = rng.uniform(0.0, 2e-5, shape) * (rng.random(shape) < 0.2)
    if losses_allowed and draw(st.booleans()):
        stage_mask[:, 0] = 1
        stage = float(rng.uniform(-0.2, 1.5))
    qx = np.zeros((ny, nx + 1))
    qy = np.zeros((ny + 1, nx))
    if random_faces and draw(st.booleans()):
        qx[:, 1:nx] = rng.normal(0.0, 0.2, (ny, nx - 1))
        qy[1:ny, :] = rng.normal(0.0, 0.2, (ny - 1, nx))
    infiltrated = rng.uniform(0.0, 0.05, shape) * (rng.random(shape) < 0.5)
    alpha = draw(st.floats(0.2, 0.7))
    dt = min(2.0, alpha * dx / math.sqrt(G * max(float(h.max()) + 1e-4, 1e-3)))
    inputs = oracle.FloodInputs(z=z, manning=manning, open_=open_, dx=dx, ks=ks, psi_dtheta=psi,
                                drain_capacity=drain, loss_capacity=loss, stage_mask=stage_mask, theta=theta)
    full = bool(stage_mask.any() or ks.any() or drain.any() or loss.any())
    return Case(inputs, h, qx, qy, infiltrated, rain, stage, dt, full)


class KernelRun:
    """The kernels called in ``dispersion.flood._run_flood``'s order, on arrays kept between steps (the limiter's
    stale factors and the double-buffered faces included)."""

    def __init__(self, case: Case):
        inputs = case.inputs
        ny, nx = case.h.shape
        self.case = case
        self.h = case.h.copy()
        self.qx, self.qy = case.qx.copy(), case.qy.copy()
        self.qx_new, self.qy_new = np.zeros_like(self.qx), np.zeros_like(self.qy)
        self.z_flow = np.ascontiguousarray(inputs.z_flow)
        self.n2 = np.ascontiguousarray(inputs.manning ** 2)
        self.factor = np.ones((ny, nx))
        self.row_limited = np.zeros(ny, np.uint8)
        self.row_hmax = np.zeros(ny)
        self.budget_rows = np.zeros((ny, 4))
        self.infiltrated = case.infiltrated.copy()
        self.max_depth = self.h.copy()
        self.max_speed = np.zeros((ny, nx))
        self.max_hazard = np.zeros((ny, nx))
        self.arrival = np.where(self.h > inputs.wet_depth, 0.0, -1.0)
        self.t = 0.0

    def step(self, dt, with_stats=True):
        """One step; returns (budget [m] summed, h after sources, faces after momentum, faces after the limiter)."""
        c, inputs = self.case, self.case.inputs
        k.sources(self.h, inputs.z, c.rain, inputs.open_, dt, inputs.stage_mask, c.stage, inputs.loss_capacity,
                  inputs.drain_capacity, inputs.ks, inputs.psi_dtheta, self.infiltrated, self.budget_rows, c.full)
        after_sources = self.h.copy()
        k.momentum(self.h, self.z_flow, self.n2, self.qx, self.qy, self.qx_new, self.qy_new, dt, inputs.dx,
                   inputs.theta, inputs.hmin, *open_faces(inputs.open_))
        self.qx, self.qx_new = self.qx_new, self.qx
        self.qy, self.qy_new = self.qy_new, self.qy
        after_momentum = (self.qx.copy(), self.qy.copy())
        k.limit_outflow(self.h, self.qx, self.qy, dt, inputs.dx, self.factor, self.row_limited)
        k.scale_faces(self.qx, self.qy, self.factor, self.row_limited)
        self.t += dt
        k.continuity(self.h, self.qx, self.qy, dt, inputs.dx, self.t, inputs.wet_depth, self.row_hmax,
                     self.max_depth, self.max_speed, self.max_hazard, self.arrival, with_stats)
        return self.budget_rows.sum(axis=0), after_sources, after_momentum


def oracle_start(case: Case) -> oracle.FloodState:
    state = oracle.FloodState.start(case.h, case.inputs.wet_depth, case.qx, case.qy)
    return replace(state, infiltrated=case.infiltrated.copy())


def assert_states_match(run: KernelRun, state: oracle.FloodState, label: str):
    assert_close(run.h, state.h, f"{label} depth")
    assert_close(run.qx, state.qx, f"{label} qx")
    assert_close(run.qy, state.qy, f"{label} qy")
    assert_close(run.infiltrated, state.infiltrated, f"{label} infiltrated F")
    assert_close(run.max_depth, state.max_depth, f"{label} max depth")
    assert_close(run.max_speed, state.max_speed, f"{label} max speed")
    assert_close(run.max_hazard, state.max_hazard, f"{label} max hazard")
    np.testing.assert_array_equal(run.arrival, state.arrival, err_msg=f"{label} arrival")


@given(case=flood_cases(), with_stats=st.booleans())
@hypothesis_settings
def test_one_step_matches_the_oracle_sweep_by_sweep(case, with_stats):
    run = KernelRun(case)
    budget, after_sources, (qx_momentum, qy_momentum) = run.step(case.dt, with_stats)
    inputs = case.inputs
    h, infiltrated, expected_budget = oracle.sources(case.h, inputs.z, case.rain, inputs.open_, case.dt,
                                                     inputs.stage_mask, case.stage, inputs.loss_capacity,
                                                     inputs.drain_capacity, inputs.ks, inputs.psi_dtheta,
                                                     case.infiltrated)
    assert_close(after_sources, h, "sources: depth")
    assert_close(run.infiltrated, infiltrated, "sources: infiltrated F")
    assert_close(budget, expected_budget, "sources: budget")
    qx, qy = oracle.momentum(h, inputs.z_flow, inputs.manning ** 2, case.qx, case.qy, case.dt, inputs.dx,
                             inputs.theta, inputs.hmin, inputs.open_)
    assert_close(qx_momentum, qx, "momentum: qx")
    assert_close(qy_momentum, qy, "momentum: qy")
    state, _, _, _ = oracle.step(oracle_start(case), inputs, case.rain, case.dt, case.stage, with_stats)
    assert_states_match(run, state, "step")
    assert_close(run.row_hmax, state.h.max(axis=1), "row maxima")


@given(case=flood_cases(random_faces=False), steps=st.integers(3, 8))
@hypothesis_settings
def test_several_steps_match_the_oracle(case, steps):
    run = KernelRun(case)
    state = oracle_start(case)
    for n in range(steps):
        run.step(case.dt)
        state, _, _, _ = oracle.step(state, case.inputs, case.rain, case.dt, case.stage)
        assert_states_match(run, state, f"step {n + 1}")


@given(case=flood_cases(), steps=st.integers(1, 6))
@hypothesis_settings
def test_mass_is_conserved_and_depths_stay_non_negative(case, steps):
    """Σ h·A after − before = (rain + boundary − infiltration − drainage)·A to round-off (closed edges: no other
    boundary flux); depths ≥ 0 without relying on the clip (the oracle's unclipped depth is ≥ 0 to round-off);
    buildings stay dry and their faces carry nothing."""
    run = KernelRun(case)
    state = oracle_start(case)
    area = case.inputs.dx ** 2
    blocked = case.inputs.open_ == 0
    for _ in range(steps):
        before = run.h.sum() * area
        budget, _, _ = run.step(case.dt)
        change = run.h.sum() * area - before
        expected = (budget[0] + budget[1] - budget[2] - budget[3]) * area
        scale = before + abs(budget).sum() * area + 1e-12
        assert abs(change - expected) <= 1e-13 * scale, (change, expected)
        assert np.all(run.h >= 0.0)
        assert np.all(run.h[blocked] == 0.0)
        state, _, unclipped, factor = oracle.step(state, case.inputs, case.rain, case.dt, case.stage)
        assert unclipped.min() >= -1e-13 * max(state.h.max(), 1.0)
        assert np.all((factor >= 0.0) & (factor <= 1.0))
    for j, i in np.argwhere(blocked):
        assert run.qx[j, i] == 0.0 and run.qx[j, i + 1] == 0.0 and run.qy[j, i] == 0.0 and run.qy[j + 1, i] == 0.0


@given(case=flood_cases(random_faces=False, losses_allowed=False), steps=st.integers(1, 4))
@hypothesis_settings
def test_a_lake_at_rest_stays_at_rest(case, steps):
    """Well-balanced: a flat water surface (islands, levee and buildings above it) carries no flow, exactly."""
    inputs = case.inputs
    level = 0.5
    h = np.where(inputs.open_ != 0, np.maximum(level - inputs.z, 0.0), 0.0)
    still = Case(inputs, h, case.qx, case.qy, case.infiltrated, np.zeros_like(h), 0.0, case.dt, False)
    run = KernelRun(still)
    for _ in range(steps):
        run.step(case.dt)
    assert np.all(run.qx == 0.0) and np.all(run.qy == 0.0)
    np.testing.assert_array_equal(run.h, h)
    state, _, _ = oracle.run_steps(oracle_start(still), inputs, still.rain, [case.dt] * steps)
    assert np.all(state.qx == 0.0) and np.all(state.qy == 0.0)


@given(case=flood_cases(random_faces=False), with_rain=st.booleans())
@settings(max_examples=max(EXAMPLES // 2, 5), deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_run_flood_matches_the_oracle_driven_at_a_fixed_step(case, with_rain):
    """End to end through ``run_flood`` (blocked-cell bed, rain × open, n², the rain-only fast path, budget
    totals): Δt = dt_max = 0.25 s, well below the CFL step of these grids (checked by the step count)."""
    # run_flood has no constant loss (its loss_capacity is 0); cells of 5 m or more keep the CFL step above 0.25 s
    inputs = replace(case.inputs, loss_capacity=np.zeros_like(case.h), dx=max(case.inputs.dx, 5.0))
    ny, nx = case.h.shape
    grid = FloodGrid(x=np.arange(nx) * inputs.dx, y=np.arange(ny) * inputs.dx, z=inputs.z, manning=inputs.manning,
                     open_=inputs.open_.astype(bool), ks=inputs.ks, psi_dtheta=inputs.psi_dtheta,
                     drain_capacity=inputs.drain_capacity, stage_mask=inputs.stage_mask.astype(bool))
    rain = case.rain if with_rain else np.zeros_like(case.h)
    options = FloodOptions(theta=inputs.theta, dt_max=0.25)
    result = run_flood(grid, output_times=[1.0, 2.0], rain=lambda t0, t1: rain, stage=lambda t: case.stage,
                       initial_depth=case.h, options=options)
    assert result.steps == 8
    state, budget, _ = oracle.run_steps(oracle.FloodState.start(case.h, inputs.wet_depth), inputs, rain,
                                        [0.25] * 8, case.stage)
    assert_close(result.depth[-1], state.h, "run_flood depth")
    assert_close(result.qx, state.qx, "run_flood qx")
    assert_close(result.qy, state.qy, "run_flood qy")
    assert_close(result.max_depth, state.max_depth, "run_flood max depth")
    assert_close(result.max_speed, state.max_speed, "run_flood max speed")
    assert_close(result.max_hazard, state.max_hazard, "run_flood max hazard")
    np.testing.assert_array_equal(result.arrival, state.arrival)
    area = inputs.dx ** 2
    totals = result.budget[-1]
    assert_close([totals["rain_m3"], totals["boundary_m3"], totals["infiltration_m3"], totals["drainage_m3"]],
                 budget * area, "run_flood budget")
    assert abs(totals["error_m3"]) <= 1e-12 * (case.h.sum() * area + abs(budget).sum() * area + 1e-12)
