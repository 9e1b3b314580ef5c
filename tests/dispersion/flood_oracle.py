"""Slow, obviously-correct NumPy oracle of one step of the local inertial flood scheme (the flood kernel's reference).

Written from the equations in ``dispersion/flood.py`` (Bates, Horritt & Fewtrell 2010, J. Hydrol. 387:33–45;
de Almeida et al. 2012, Water Resour. Res. 48:W05528; Green & Ampt 1911), not from ``_flood_kernels.py``: whole-array
slicing instead of row sweeps, ``h_f ** (-7/3)`` instead of the Newton ``inv_pow_7_3``, one factor per cell computed
everywhere instead of the row-skipping limiter, ``numpy.max`` instead of the int64 bit-pattern maximum. Equation
numbers are those quoted in ``dispersion/flood.py``.

Layout as in the kernels: cells (ny, nx); x-faces ``qx`` (ny, nx + 1), face i between cells i − 1 and i; y-faces
``qy`` (ny + 1, nx), face j between rows j − 1 and j; the outer faces are closed (always 0). In the θ-average a
face whose neighbour face does not exist (domain edge; a blocked cell beyond) uses its own old discharge there —
derived here from ``open_`` cell by cell, where the kernel reads per-face masks (``dispersion.flood.open_faces``).
Functions return new arrays and never write their inputs.

One step, in the order ``dispersion.flood._run_flood`` calls the kernels: ``sources`` (rain, stage, Green–Ampt,
sewer) → ``momentum`` → ``limit_outflow`` (scaled faces) → ``continuity``. Point inflows and the choice of Δt
(Bates 2010 Eq. 12) are the driver's business and are not part of the step (``run_steps`` takes the Δt's).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

G = 9.80665  # standard gravity [m s-2]
GREEN_AMPT_MIN_F = 1e-6  # [m] floor on the infiltrated depth F in K_s ψΔθ / F (the kernel's choice, mirrored)


def sources(h, z, rain, open_, dt, stage_mask, stage, loss_capacity, drain_capacity, ks, psi_dtheta, infiltrated):
    """Rain in, stage imposed, then Green–Ampt + constant loss and the sewer sink out, on open cells only.

    Returns (h, infiltrated, budget) with budget = [rain in, boundary in, infiltration out, drainage out] [m],
    each summed over the grid (× cell area = m³).
    """
    is_open = open_ != 0
    staged = is_open & (stage_mask != 0)
    lossy = is_open & (stage_mask == 0)
    added = np.where(is_open, rain * dt, 0.0)  # rain [m s-1] falls on open cells only
    depth = h + added
    imposed = np.maximum(stage - z, 0.0)  # stage boundary: water level = stage, depth ≥ 0
    boundary = np.where(staged, imposed - depth, 0.0)  # what the boundary brings in (negative: takes out)
    depth = np.where(staged, imposed, depth)
    # Green–Ampt (Green & Ampt 1911; Rawls et al. 1983): f = K_s (1 + ψΔθ / F), F the infiltrated depth so far
    green_ampt = np.where(ks > 0.0, ks * (1.0 + psi_dtheta / np.maximum(infiltrated, GREEN_AMPT_MIN_F)), 0.0)
    capacity = loss_capacity + green_ampt  # [m s-1]
    loss = np.where(lossy, np.minimum(capacity * dt, depth), 0.0)  # at most what the cell holds
    depth = depth - loss
    sink = np.where(lossy, np.minimum(drain_capacity * dt, depth), 0.0)  # sewer at its design capacity
    depth = depth - sink
    h_new = np.where(is_open, depth, h)  # blocked cells untouched
    budget = np.array([added.sum(), boundary.sum(), loss.sum(), sink.sum()])
    return h_new, infiltrated + loss, budget


def _faces(q0, q_prev, q_next, q_cross, eta_1, eta_2, z_1, z_2, n2_face, dt, dx, theta, hmin):
    """New discharge per unit width on a set of faces (arrays of one shape), side 1 upstream, side 2 downstream."""
    h_f = np.maximum(eta_1, eta_2) - np.maximum(z_1, z_2)  # face flow depth (Bates 2010, well balanced)
    wet = h_f > hmin  # faces shallower than h_min carry nothing
    h_f = np.where(wet, h_f, 1.0)  # placeholder on dry faces (result discarded), avoids 0 ** (-7/3)
    q_tilde = theta * q0 + (1.0 - theta) / 2.0 * (q_prev + q_next)  # de Almeida et al. 2012 Eq. 18 (θ-weighting)
    q_magnitude = np.hypot(q0, q_cross)  # |q^n|, 2-D, with the orthogonal faces averaged (Bates 2010)
    slope = (eta_2 - eta_1) / dx  # water surface slope across the face
    numerator = q_tilde - G * h_f * dt * slope  # Bates 2010 Eq. 11, numerator
    denominator = 1.0 + G * dt * n2_face * q_magnitude / h_f ** (7.0 / 3.0)  # Bates 2010 Eq. 11, semi-implicit friction
    return np.where(wet, numerator / denominator, 0.0)


def _neighbour_or_self(q0, neighbour, exists):
    """The neighbour face's old discharge where that face exists, the face's own old discharge where it does not
    (domain edge, blocked cell beyond): a closed edge's zero is not averaged into the θ-weighting."""
    return np.where(exists, neighbour, q0)


def momentum(h, z, n2, qx, qy, dt, dx, theta, hmin, open_):
    """All face discharges at t + Δt from those at t (Bates 2010 Eq. 11 with de Almeida 2012 Eq. 18).

    ``z`` is the flow bed (blocked cells raised far above any water surface); ``open_`` 0 marks blocked cells, whose
    faces do not exist as θ-neighbours. Returns (qx_new, qy_new)."""
    ny, nx = h.shape
    is_open = open_ != 0
    eta = z + h  # water surface [m]
    qx_new = np.zeros((ny, nx + 1))  # outer faces closed
    qy_new = np.zeros((ny + 1, nx))
    # x-faces 1 … nx − 1: cell 1 = column i − 1 (left), cell 2 = column i (right). The face before face i is face
    # i − 1, between columns i − 2 and i − 1: it exists if i ≥ 2 and column i − 2 is open; the face after, face
    # i + 1, if i ≤ nx − 2 and column i + 1 is open.
    prev_x = np.zeros((ny, nx - 1), bool)
    prev_x[:, 1:] = is_open[:, 0:nx - 2]
    next_x = np.zeros((ny, nx - 1), bool)
    next_x[:, :-1] = is_open[:, 2:nx]
    q0 = qx[:, 1:nx]
    qx_new[:, 1:nx] = _faces(
        q0=q0, q_prev=_neighbour_or_self(q0, qx[:, 0:nx - 1], prev_x),
        q_next=_neighbour_or_self(q0, qx[:, 2:nx + 1], next_x),
        q_cross=(qy[0:ny, 0:nx - 1] + qy[1:ny + 1, 0:nx - 1] + qy[0:ny, 1:nx] + qy[1:ny + 1, 1:nx]) / 4.0,
        eta_1=eta[:, 0:nx - 1], eta_2=eta[:, 1:nx], z_1=z[:, 0:nx - 1], z_2=z[:, 1:nx],
        n2_face=(n2[:, 0:nx - 1] + n2[:, 1:nx]) / 2.0, dt=dt, dx=dx, theta=theta, hmin=hmin)
    # y-faces 1 … ny − 1: cell 1 = row j − 1 (below), cell 2 = row j (above)
    prev_y = np.zeros((ny - 1, nx), bool)
    prev_y[1:, :] = is_open[0:ny - 2, :]
    next_y = np.zeros((ny - 1, nx), bool)
    next_y[:-1, :] = is_open[2:ny, :]
    q0 = qy[1:ny, :]
    qy_new[1:ny, :] = _faces(
        q0=q0, q_prev=_neighbour_or_self(q0, qy[0:ny - 1, :], prev_y),
        q_next=_neighbour_or_self(q0, qy[2:ny + 1, :], next_y),
        q_cross=(qx[0:ny - 1, 0:nx] + qx[0:ny - 1, 1:nx + 1] + qx[1:ny, 0:nx] + qx[1:ny, 1:nx + 1]) / 4.0,
        eta_1=eta[0:ny - 1, :], eta_2=eta[1:ny, :], z_1=z[0:ny - 1, :], z_2=z[1:ny, :],
        n2_face=(n2[0:ny - 1, :] + n2[1:ny, :]) / 2.0, dt=dt, dx=dx, theta=theta, hmin=hmin)
    return qx_new, qy_new


def outflow_depth(qx, qy, dt, dx):
    """Depth [m] each cell would send out through its four faces in Δt (only the faces leaving it)."""
    east = np.maximum(qx[:, 1:], 0.0)  # face i + 1, positive = out of cell i
    west = np.maximum(-qx[:, :-1], 0.0)  # face i, negative = out of cell i
    north = np.maximum(qy[1:, :], 0.0)
    south = np.maximum(-qy[:-1, :], 0.0)
    return (east + west + north + south) * dt / dx


def limit_outflow(h, qx, qy, dt, dx):
    """Positivity limiter: every face scaled by its donor cell's factor min(1, h / outflow depth).

    Returns (qx, qy, factor)."""
    out = outflow_depth(qx, qy, dt, dx)
    factor = np.ones_like(h)
    limited = out > h
    factor[limited] = h[limited] / out[limited]  # the cell sends exactly what it holds
    qx = qx.copy()
    qy = qy.copy()
    ny, nx = h.shape
    for j in range(ny):  # one face at a time, donor = upwind cell
        for i in range(1, nx):
            donor = i - 1 if qx[j, i] > 0.0 else i
            qx[j, i] *= factor[j, donor]
    for j in range(1, ny):
        for i in range(nx):
            donor = j - 1 if qy[j, i] > 0.0 else j
            qy[j, i] *= factor[donor, i]
    return qx, qy, factor


def continuity(h, qx, qy, dt, dx):
    """h^{n+1} = h^n + Δt (Σ q_in − Σ q_out) / Δx (storage-cell mass balance, Bates 2010), clipped at 0 (round-off
    only: the limiter keeps it ≥ 0). Returns (h_new, unclipped)."""
    net = qx[:, :-1] - qx[:, 1:] + qy[:-1, :] - qy[1:, :]  # in through west and south, out through east and north
    unclipped = h + dt * net / dx
    return np.maximum(unclipped, 0.0), unclipped


def statistics(h, qx, qy, t_end, wet_depth, max_depth, max_speed, max_hazard, arrival, with_stats):
    """Running maxima after a step: depth always; speed, hazard, arrival when ``with_stats``.

    Speed = |mean of the two x-faces, mean of the two y-faces| / depth; DEFRA FD2320 hazard HR = d (v + 0.5) + DF,
    DF = 1 above 0.25 m; arrival = first t_end with depth > wet_depth. All only where depth > wet_depth."""
    max_depth = np.maximum(max_depth, h)
    if not with_stats:
        return max_depth, max_speed.copy(), max_hazard.copy(), arrival.copy()
    wet = h > wet_depth
    ux = (qx[:, :-1] + qx[:, 1:]) / 2.0
    uy = (qy[:-1, :] + qy[1:, :]) / 2.0
    speed = np.where(wet, np.hypot(ux, uy) / np.where(wet, h, 1.0), 0.0)
    hazard = np.where(wet, h * (speed + 0.5) + np.where(h > 0.25, 1.0, 0.0), 0.0)
    arrival = np.where(wet & (arrival < 0.0), t_end, arrival)
    return max_depth, np.maximum(max_speed, speed), np.maximum(max_hazard, hazard), arrival


@dataclass(frozen=True)
class FloodState:
    """Everything a step reads and writes: depth, faces, Green–Ampt F and the running statistics."""

    h: np.ndarray
    qx: np.ndarray
    qy: np.ndarray
    infiltrated: np.ndarray
    max_depth: np.ndarray
    max_speed: np.ndarray
    max_hazard: np.ndarray
    arrival: np.ndarray
    t: float = 0.0

    @classmethod
    def start(cls, h, wet_depth, qx=None, qy=None):
        ny, nx = h.shape
        return cls(h=h.copy(), qx=np.zeros((ny, nx + 1)) if qx is None else qx.copy(),
                   qy=np.zeros((ny + 1, nx)) if qy is None else qy.copy(), infiltrated=np.zeros((ny, nx)),
                   max_depth=h.copy(), max_speed=np.zeros((ny, nx)), max_hazard=np.zeros((ny, nx)),
                   arrival=np.where(h > wet_depth, 0.0, -1.0))


@dataclass(frozen=True)
class FloodInputs:
    """The fixed fields of a run: real bed z, Manning n, open cells, losses, stage; scalars of the scheme."""

    z: np.ndarray
    manning: np.ndarray
    open_: np.ndarray
    dx: float
    ks: np.ndarray
    psi_dtheta: np.ndarray
    drain_capacity: np.ndarray
    loss_capacity: np.ndarray
    stage_mask: np.ndarray
    theta: float = 0.8
    hmin: float = 1e-3
    wet_depth: float = 0.01

    @property
    def z_flow(self):
        """Blocked cells (buildings) 10 km above the highest ground: no face next to them ever holds water."""
        return np.where(self.open_ != 0, self.z, self.z.max() + 1e4)


def step(state: FloodState, inputs: FloodInputs, rain, dt, stage=0.0, with_stats=True):
    """One time step. Returns (new state, budget [rain, boundary, infiltration, drainage] [m], the depth before the
    clip at 0 (to check positivity), the limiter factors)."""
    h, infiltrated, budget = sources(state.h, inputs.z, rain, inputs.open_, dt, inputs.stage_mask, stage,
                                     inputs.loss_capacity, inputs.drain_capacity, inputs.ks, inputs.psi_dtheta,
                                     state.infiltrated)
    qx, qy = momentum(h, inputs.z_flow, inputs.manning ** 2, state.qx, state.qy, dt, inputs.dx, inputs.theta,
                      inputs.hmin, inputs.open_)
    qx, qy, factor = limit_outflow(h, qx, qy, dt, inputs.dx)
    h, unclipped = continuity(h, qx, qy, dt, inputs.dx)
    t_end = state.t + dt
    max_depth, max_speed, max_hazard, arrival = statistics(h, qx, qy, t_end, inputs.wet_depth, state.max_depth,
                                                           state.max_speed, state.max_hazard, state.arrival,
                                                           with_stats)
    new = replace(state, h=h, qx=qx, qy=qy, infiltrated=infiltrated, max_depth=max_depth, max_speed=max_speed,
                  max_hazard=max_hazard, arrival=arrival, t=t_end)
    return new, budget, unclipped, factor


def run_steps(state: FloodState, inputs: FloodInputs, rain, dts, stage=0.0):
    """N steps of given Δt's (statistics every step). Returns (final state, summed budget [m], states after each
    step)."""
    total = np.zeros(4)
    history = []
    for dt in dts:
        state, budget, _, _ = step(state, inputs, rain, dt, stage)
        total += budget
        history.append(state)
    return state, total, history
