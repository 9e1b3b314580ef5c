"""Numba kernels of the local inertial flood model (Bates et al. 2010; de Almeida et al. 2012): one step = 4 sweeps.

Plain arrays in, arrays written in place, no Python objects, no checks (``dispersion/flood.py`` validates and
prepares every input and documents the physics). Layout on an (ny, nx) raster of square cells of side ``dx`` [m]:

* cell arrays (ny, nx): bed elevation ``z`` [m] (blocked cells — buildings, outside the domain — raised far above
  any water surface by the wrapper, so their faces never carry water), depth ``h`` [m], ``n2`` = Manning n²
  [s² m^-2/3], ``open_`` (1 = water may enter, 0 = blocked; rain falls on open cells only);
* x-face discharges per unit width ``qx`` (ny, nx + 1) [m² s-1], face i between cells i − 1 and i, faces 0 and nx on
  the domain edge (closed: always 0); y-face discharges ``qy`` (ny + 1, nx) likewise along rows.

Sweeps (each a ``prange`` over rows; every array element is written by one iteration only):

1. ``momentum``: new face discharges from the old ones (double buffered, so the θ-weighting and the 2-D |q| read
   only old values);
2. ``limit_outflow``: a factor ≤ 1 per cell so that what leaves a cell in the step is at most what it holds, then
   ``scale_faces`` applies the donor cell's factor to each face — depths stay ≥ 0 and mass is exact;
3. ``continuity``: the depth update, per-row maxima for the next time step, and the running statistics.
"""

from __future__ import annotations

import math

from numba import njit, prange

from dispersion._math_kernels import KERNEL_OPTIONS, bits_to_float64, float64_to_bits, inv_pow_7_3
from twin.constants import STANDARD_GRAVITY

__all__ = ["momentum", "limit_outflow", "scale_faces", "continuity", "sources"]

G = STANDARD_GRAVITY  # [m s-2]


@njit(inline="always", **KERNEL_OPTIONS)
def _face_discharge(q0, q_prev, q_next, q_cross, eta_1, eta_2, z_1, z_2, n2_face, dt, dx, theta, hmin):
    """One face's discharge at t + dt (Bates et al. 2010 Eq. 11; de Almeida et al. 2012 Eq. 18 θ-weighting), from
    its old value q0, its two old neighbours along the flow, the mean q_cross of the four orthogonal faces around
    it, the water surfaces η and beds z of the cells on each side (1 upstream in the index direction, 2 downstream).

    Branch-free so that LLVM vectorises the row loop: every face is computed, then kept only where h_f > h_min.
    Blocked cells (buildings) arrive with a bed far above any water surface, so h_f ≤ 0 on their faces.
    """
    hf = max(eta_1, eta_2) - max(z_1, z_2)  # face flow depth, well balanced (Bates 2010)
    active = hf > hmin
    hf = max(hf, hmin)
    q_tilde = theta * q0 + 0.5 * (1.0 - theta) * (q_prev + q_next)
    q_norm = math.sqrt(q0 * q0 + q_cross * q_cross)
    friction = G * dt * n2_face * q_norm * inv_pow_7_3(hf)
    q = (q_tilde - G * hf * dt * (eta_2 - eta_1) / dx) / (1.0 + friction)
    return q if active else 0.0


@njit(parallel=True, **KERNEL_OPTIONS)
def momentum(h, z, n2, qx, qy, qx_new, qy_new, dt, dx, theta, hmin, open_x, open_y):
    """All face discharges at t + dt in one sweep over rows: the x-faces of row j and the y-face between rows j − 1
    and j share the loads of row j (old discharges read, new ones written: no element is read after being written).
    Domain-edge faces stay 0 (closed).

    θ-average at closed edges: ``open_x`` (ny, nx + 1) and ``open_y`` (ny + 1, nx) are 1 on the faces between two
    open cells of the grid, 0 on the domain edge and beside a blocked cell. A face whose neighbour along the flow is
    such a closed face takes its own old discharge in place of that neighbour, q̃ = θ q + (1 − θ)/2 (q_prev + q)
    and so on. The closed face's zero is not a discharge of the flow (a wall carries none by construction), and
    averaging it in made the steady state depend on Δt: with every face at q in a steady flow, q̃ = q only if no
    zero enters (MacDonald's steady channel came 10–14 cm too high at θ = 0.8, issue 13). The masks are per face,
    read at the same index as the discharges, so that the loops stay vectorised (indexing the cells two away
    instead made LLVM gather or clamp, +40 % on the x-faces).
    """
    ny, nx = h.shape
    for j in prange(ny + 1):
        if j < ny:
            qx_new[j, 0] = 0.0
            qx_new[j, nx] = 0.0
            for i in range(1, nx):
                left = i - 1
                q0 = qx[j, i]
                q_prev = qx[j, left]  # loaded unconditionally, then selected: a conditional load would be a gather
                q_next = qx[j, i + 1]
                q_prev = q_prev if open_x[j, left] != 0 else q0
                q_next = q_next if open_x[j, i + 1] != 0 else q0
                qx_new[j, i] = _face_discharge(
                    q0, q_prev, q_next,
                    0.25 * (qy[j, left] + qy[j + 1, left] + qy[j, i] + qy[j + 1, i]),
                    z[j, left] + h[j, left], z[j, i] + h[j, i], z[j, left], z[j, i],
                    0.5 * (n2[j, left] + n2[j, i]), dt, dx, theta, hmin)
        if j == 0 or j == ny:
            for i in range(nx):
                qy_new[j, i] = 0.0
            continue
        below = j - 1
        for i in range(nx):
            q0 = qy[j, i]
            q_prev = qy[below, i]
            q_next = qy[j + 1, i]
            q_prev = q_prev if open_y[below, i] != 0 else q0
            q_next = q_next if open_y[j + 1, i] != 0 else q0
            qy_new[j, i] = _face_discharge(
                q0, q_prev, q_next,
                0.25 * (qx[below, i] + qx[below, i + 1] + qx[j, i] + qx[j, i + 1]),
                z[below, i] + h[below, i], z[j, i] + h[j, i], z[below, i], z[j, i],
                0.5 * (n2[below, i] + n2[j, i]), dt, dx, theta, hmin)


@njit(parallel=True, **KERNEL_OPTIONS)
def limit_outflow(h, qx, qy, dt, dx, factor, row_limited):
    """factor[j, i] = min(1, h / outflow depth of the step): scaling a cell's outgoing faces by it keeps h ≥ 0.
    row_limited[j] = 1 when some cell of row j needs it (most rows, most steps, do not). Only the rows that need it
    get their factors written (a read-only counting pass first): ``scale_faces`` reads no other row's factors, and
    a whole-array write costs as much as the count on a large grid."""
    ny, nx = h.shape
    scale = dt / dx
    for j in prange(ny):
        limited = 0
        for i in range(nx):
            out = (max(qx[j, i + 1], 0.0) + max(-qx[j, i], 0.0) + max(qy[j + 1, i], 0.0)
                   + max(-qy[j, i], 0.0)) * scale
            limited += 1 if out > h[j, i] else 0
        row_limited[j] = 1 if limited > 0 else 0
        if limited == 0:
            continue
        for i in range(nx):
            out = (max(qx[j, i + 1], 0.0) + max(-qx[j, i], 0.0) + max(qy[j + 1, i], 0.0)
                   + max(-qy[j, i], 0.0)) * scale
            factor[j, i] = h[j, i] / out if out > h[j, i] else 1.0


@njit(parallel=True, **KERNEL_OPTIONS)
def scale_faces(qx, qy, factor, row_limited):
    """Scale every face by the factor of its donor (upwind) cell; rows whose cells all have factor 1 are skipped.
    The factors of a row are valid only where ``row_limited`` says the row was written this step; a y-face between
    a limited and an unlimited row takes 1 for the unlimited side."""
    ny, nx = factor.shape
    for j in prange(ny + 1):
        if j < ny and row_limited[j]:
            for i in range(1, nx):
                q = qx[j, i]
                qx[j, i] = q * (factor[j, i - 1] if q > 0.0 else factor[j, i])
        if 0 < j < ny and (row_limited[j - 1] or row_limited[j]):
            below_valid = row_limited[j - 1] != 0
            here_valid = row_limited[j] != 0
            for i in range(nx):
                q = qy[j, i]
                below = factor[j - 1, i] if below_valid else 1.0
                here = factor[j, i] if here_valid else 1.0
                qy[j, i] = q * (below if q > 0.0 else here)


@njit(parallel=True, **KERNEL_OPTIONS)
def continuity(h, qx, qy, dt, dx, t_end, wet_depth, row_hmax, max_depth, max_speed, max_hazard, arrival,
               with_stats):
    """h ← h + dt·(net inflow)/dx; per-row maximum depth; running max depth, speed, DEFRA hazard, arrival time.

    Speed at a cell: the magnitude of the mean of its two x-face and two y-face discharges over its depth [m s-1].
    Hazard rating (DEFRA/EA FD2320, HR Wallingford 2006): HR = d (v + 0.5) + DF, DF = 0 for d ≤ 0.25 m, else 1
    (urban debris factor) [-]. Arrival: the first time the depth exceeds ``wet_depth`` [s]; −1 while dry.
    ``with_stats`` False skips speed, hazard and arrival for this step (the maximum depth is always kept).

    The row maximum is taken on the int64 bit patterns of the depths: for doubles ≥ 0 the bit pattern orders as
    the value, and LLVM vectorises an integer max reduction but not a float one (measured: the float form left
    the whole row loop scalar). A NaN depth has a larger pattern than +inf, so it still reaches ``row_hmax``.
    """
    ny, nx = h.shape
    inv_dx = 1.0 / dx
    for j in prange(ny):
        top = 0  # int64 bits of the row's largest depth (depths are >= 0)
        if not with_stats:  # depth and its maximum only (about a third of the cost of the full pass)
            for i in range(nx):
                depth = h[j, i] + dt * inv_dx * (qx[j, i] - qx[j, i + 1] + qy[j, i] - qy[j + 1, i])
                depth = max(depth, 0.0)
                h[j, i] = depth
                top = max(top, float64_to_bits(depth))
                max_depth[j, i] = max(max_depth[j, i], depth)
            row_hmax[j] = bits_to_float64(top)
            continue
        for i in range(nx):
            depth = h[j, i] + dt * inv_dx * (qx[j, i] - qx[j, i + 1] + qy[j, i] - qy[j + 1, i])
            depth = max(depth, 0.0)  # the limiter makes this ≥ 0 up to rounding (~1e-18 m)
            h[j, i] = depth
            top = max(top, float64_to_bits(depth))
            max_depth[j, i] = max(max_depth[j, i], depth)
            # Branch-free from here (vectorised): speed and hazard computed everywhere, kept where wet.
            wet = depth > wet_depth
            ux = 0.5 * (qx[j, i] + qx[j, i + 1])
            uy = 0.5 * (qy[j, i] + qy[j + 1, i])
            speed = math.sqrt(ux * ux + uy * uy) / max(depth, wet_depth)
            hazard = depth * (speed + 0.5) + (1.0 if depth > 0.25 else 0.0)
            max_speed[j, i] = max(max_speed[j, i], speed if wet else 0.0)
            max_hazard[j, i] = max(max_hazard[j, i], hazard if wet else 0.0)
            first = arrival[j, i]
            arrival[j, i] = t_end if (wet and first < 0.0) else first
        row_hmax[j] = bits_to_float64(top)


@njit(parallel=True, **KERNEL_OPTIONS)
def sources(h, z, rain, open_, dt, stage_mask, stage, loss_capacity, drain_capacity, ks, psi_dtheta, infiltrated,
            budget_rows, full):
    """Rain in, the stage boundary imposed, then Green–Ampt infiltration and sewer drainage out, per cell.

    rain [m s-1] (ny, nx); stage_mask 1 where the water level is imposed (sea, river) to ``stage`` [m];
    Green–Ampt (Green & Ampt 1911; as in Rawls et al. 1983): infiltration capacity f = K_s (1 + ψΔθ / F) [m s-1],
    F the infiltrated depth so far [m] (``infiltrated``), K_s = ``ks`` [m s-1], ψΔθ = ``psi_dtheta`` [m] (0 on paved
    cells: K_s = 0); ``loss_capacity`` [m s-1] a constant extra loss rate; sewer drainage at most
    ``drain_capacity`` [m s-1] (the design capacity as an equivalent rainfall rate). Budget per row:
    [rain in, boundary in (− out), infiltration out, drainage out] [m] (× cell area = m³). ``full`` False: rain only
    (the caller knows there is no stage and no loss), a single vectorised pass; ``rain`` must then be 0 on blocked
    cells.
    """
    ny, nx = h.shape
    for j in prange(ny):
        rain_in = 0.0
        boundary = 0.0
        infiltration = 0.0
        drained = 0.0
        if not full:
            # Rain only (no stage, no losses): rain is already 0 on blocked cells; one vectorised pass.
            for i in range(nx):
                added = rain[j, i] * dt
                h[j, i] += added
                rain_in += added
            budget_rows[j, 0] = rain_in
            budget_rows[j, 1] = 0.0
            budget_rows[j, 2] = 0.0
            budget_rows[j, 3] = 0.0
            continue
        for i in range(nx):
            if open_[j, i] == 0:
                continue
            depth = h[j, i] + rain[j, i] * dt
            rain_in += rain[j, i] * dt
            if stage_mask[j, i] != 0:
                imposed = max(stage - z[j, i], 0.0)
                boundary += imposed - depth
                depth = imposed
            else:
                capacity = loss_capacity[j, i]
                if ks[j, i] > 0.0:
                    capacity += ks[j, i] * (1.0 + psi_dtheta[j, i] / max(infiltrated[j, i], 1e-6))
                loss = min(capacity * dt, depth)
                infiltrated[j, i] += loss
                infiltration += loss
                depth -= loss
                sink = min(drain_capacity[j, i] * dt, depth)
                drained += sink
                depth -= sink
            h[j, i] = depth
        budget_rows[j, 0] = rain_in
        budget_rows[j, 1] = boundary
        budget_rows[j, 2] = infiltration
        budget_rows[j, 3] = drained
