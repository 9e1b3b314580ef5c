"""The flood stays stable on deep sea beds behind a sea wall under a rising stage and rain (issue 13 item 1).

A user's typhoon on a 200² park with a sea wall and a sea bed at −6 m reached 1,081 m/s, water 16 m over the bed
with a peak sea level of 3.53 m, and ponds against a closed edge on a hillside: at θ = 0.8 the step's Courant number
α = 0.7 was above the θ-scheme's stability limit √(θ/2) = 0.632 (``dispersion.flood`` module docstring), and deep,
nearly frictionless water grew the checkerboard mode. These synthetic parks have the same ingredients at a size a
test can run: a sea of bed −6 m (its outer rows stage cells, the inner rows — a harbour — not), a sea wall with a
gap, a 2 % hillside behind it rising to closed edges, the sea level rising from 0.5 m to 3.5 m and falling, rain.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from dispersion.flood import FloodGrid, FloodOptions, courant_number, run_flood

G = 9.80665  # [m s-2]
DX = 10.0  # cell side [m]
SEA_BED = -6.0  # [m]
START_LEVEL, PEAK_STAGE = 0.5, 3.5  # sea level at the start and at its peak [m]
RAIN_RATE = 100e-3 / 3600.0  # 100 mm/h [m s-1], for the first 3 h
RAIN_HOURS = 3.0
HILL_SLOPE = 0.02  # [-]


def _park(ny: int = 40, nx: int = 50, staged_rows: int = 6, sea_rows: int = 12) -> FloodGrid:
    """Rows 0 … sea_rows − 1 sea (bed −6 m; the first ``staged_rows`` stage cells), row ``sea_rows`` a sea wall
    (crest 4.5 m, a 40 m gap at 1 m), then a hillside from 1 m rising at 2 % to the closed northern edge."""
    z = np.empty((ny, nx))
    z[:sea_rows] = SEA_BED
    z[sea_rows] = 4.5
    z[sea_rows, 20:24] = 1.0
    rows = np.arange(ny - sea_rows - 1)
    z[sea_rows + 1:] = (1.0 + HILL_SLOPE * DX * rows)[:, None]
    stage_mask = np.zeros((ny, nx), bool)
    stage_mask[:staged_rows] = True
    return FloodGrid(x=np.arange(nx) * DX, y=np.arange(ny) * DX, z=z, manning=0.03, stage_mask=stage_mask)


def _stage(t: float) -> float:
    """Sea level [m] at t [s]: 0.5 m rising linearly to 3.5 m at 2 h, back to 0.5 m at 4 h."""
    return START_LEVEL + (PEAK_STAGE - START_LEVEL) * float(np.interp(t, [0.0, 7200.0, 14400.0], [0.0, 1.0, 0.0]))


def _rain(t0: float, t1: float) -> float:
    return RAIN_RATE if t1 <= RAIN_HOURS * 3600.0 else 0.0


@pytest.mark.parametrize("theta", [0.7, 0.8])
def test_a_rising_sea_over_a_deep_bed_behind_a_sea_wall_stays_physical(theta):
    grid = _park()
    # As scenarios.typhoon.flood.run_park_flood starts: the sea (stage cells and harbour) filled to the start level.
    initial = np.where(grid.z < 0.0, np.maximum(START_LEVEL - grid.z, 0.0), 0.0)
    result = run_flood(grid, output_times=np.arange(600.0, 4 * 3600.0 + 1.0, 600.0), rain=_rain, stage=_stage,
                       initial_depth=initial, options=FloodOptions(theta=theta, alpha=0.7, dt_max=60.0))
    # Speed: no shallow-water flow here is faster than a dam-break front, 2 √(g h) (Ritter 1892), on the deepest
    # water the run can have (the peak stage over the sea bed, 9.5 m: 19.3 m/s), + 1 m/s for thin wet/dry cells.
    # Measured after the fix: 1.1 m/s; before: 1,691 m/s at θ = 0.8.
    h_deepest = PEAK_STAGE - SEA_BED
    assert result.max_speed.max() <= 2.0 * math.sqrt(G * h_deepest) + 1.0
    # Level: below the peak stage, no water surface above the peak stage plus all the rain that fell (0.3 m; the low
    # land drains to the sea through the gap). Measured after: 3.53 m; before: 14.3 m in the harbour.
    surface = grid.z + result.max_depth
    low = grid.z < PEAK_STAGE
    assert surface[low].max() <= PEAK_STAGE + RAIN_RATE * RAIN_HOURS * 3600.0
    # Hillside above the sea's reach (bed > peak stage + 0.5 m) only ever carries the rain's sheet flow down the 2 %
    # slope: kinematic depth (n q / √S)^(3/5) with q = rain × 270 m of slope ≈ 2 cm at its foot; nothing ponds
    # against the closed northern, western or eastern edges. Measured after: 1.2 cm; before: 34 cm.
    hill = grid.z > PEAK_STAGE + 0.5
    assert result.max_depth[hill].max() <= 0.05
    edges = np.zeros_like(hill)
    edges[-1, :] = edges[:, 0] = edges[:, -1] = True
    assert result.max_depth[hill & edges].max() <= 0.05
    assert abs(result.budget[-1]["relative_error"]) < 1e-10


def test_the_first_step_over_dry_stage_cells_respects_the_stage_depth():
    # A run started dry with a stage boundary: the first step imposes 3.5 − (−6) = 9.5 m of water in the stage cells.
    # Its Δt must be within the CFL bound on that depth, C Δx / √(g 9.5 m) = 0.60 × 10 / 9.65 = 0.62 s at θ = 0.8 —
    # not dt_max (before the fix: one 60 s step over 9.5 m of water, Courant number 58).
    grid = _park()
    options = FloodOptions(theta=0.8, dt_max=60.0)
    result = run_flood(grid, output_times=[60.0], stage=lambda t: PEAK_STAGE, options=options)
    largest_step = courant_number(options) * DX / math.sqrt(G * (PEAK_STAGE - SEA_BED))
    assert result.steps >= math.ceil(60.0 / largest_step)
    assert np.isfinite(result.depth).all()


def test_the_courant_number_is_capped_by_the_theta_schemes_stability_limit():
    # min(α, 0.95 √(θ/2)): the von Neumann limit of the θ-weighted scheme on a 2-D raster (dispersion.flood docstring).
    assert courant_number(FloodOptions(theta=0.8, alpha=0.7)) == pytest.approx(0.95 * math.sqrt(0.4))
    assert courant_number(FloodOptions(theta=1.0, alpha=0.5)) == 0.5


def test_a_point_inflow_bounds_the_step_by_the_depth_it_adds_not_by_the_longest_step():
    # Δt = C Δx / √(g (h + r Δt)) with r = Q / cell area, solved for Δt: a 1 m deep lake of 10 × 10 cells of 5 m, a
    # point inflow of 10 m³/s (r = 0.4 m/s): Δt = 0.60 × 5 / √(9.81 (1 + 0.4 Δt)) = 0.83 s at the start, 0.78 s once
    # the lake has risen by the 0.24 m the inflow brings in 60 s — 73 to 77 steps. Taking the smallest iterate (the
    # bound on the longest step, h + r × 60 s = 25 m: 0.19 s) made it 219.
    from dispersion.flood import PointInflow

    grid = FloodGrid(x=np.arange(10) * 5.0, y=np.arange(10) * 5.0, z=np.zeros((10, 10)), manning=0.03)
    result = run_flood(grid, output_times=[60.0], inflows=[PointInflow(5, 5, lambda t: 10.0)],
                       initial_depth=np.ones((10, 10)), options=FloodOptions(theta=0.8, dt_max=60.0))
    assert 70 <= result.steps <= 85
    assert result.budget[-1]["inflow_m3"] == pytest.approx(600.0, rel=1e-12)
