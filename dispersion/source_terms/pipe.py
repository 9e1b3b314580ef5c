r"""A leak from a pipeline at operating pressure: a hole in the wall or a full-bore rupture, fed until isolation.

A pipe is not a tank: the line upstream keeps the break at its operating pressure (pumps, compressors, the vessels it
connects) until the segment is isolated. The release rate is therefore the orifice rate at the operating pressure —
HJ 169-2018 Eq. (F.1) for a liquid, Eqs. (F.2)–(F.5) for a gas, Eqs. (F.6)–(F.8) for a flashing two-phase flow
(:mod:`.orifice`) — held **constant** from the break until the isolation time (no depletion), or until the
releasable mass is gone, whichever comes first. The releasable mass is the caller's cap: the isolable segment's
content plus what flows in before isolation (``inventory`` of the pipe risk source).

Model assumptions, stated:

* the operating pressure and temperature at the break hold until isolation (a stiff feed; no line-pack decay, no
  pressure loss along the pipe between the feed and the break: conservative for the rate);
* a full-bore rupture is a circular hole of the pipe's inner diameter with the discharge coefficient of the
  orifice models (HJ 169-2018 Table F.1 for a liquid, the note to Eq. (F.4) for a gas, 0.8 for two-phase);
* after isolation nothing more leaves (the isolated segment's own blow-down is not modelled: cap the release with
  ``inventory`` to count it).

Isolation time. HJ 169-2018 §8.2.2 suggests a release time of 10 min for a unit with an emergency isolation system
and 30 min without one. **Quoted from memory, not verified against the text of the standard**: the two constants
below carry that caveat and are not applied by default — the scenario's ``duration_limit`` is the isolation time.

All inputs SI: [kg/s], [kg], [s], [m], [m²].
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dispersion.source_terms._checks import checked, out

__all__ = ["ISOLATION_TIME_WITH_EMERGENCY_SYSTEM_HJ169", "ISOLATION_TIME_WITHOUT_EMERGENCY_SYSTEM_HJ169",
           "PipeOutflow", "full_bore_hole_area", "pipe_outflow"]

# HJ 169-2018 §8.2.2 release times by isolation system, quoted from memory and UNVERIFIED (primary text not seen). [s]
ISOLATION_TIME_WITH_EMERGENCY_SYSTEM_HJ169 = 600.0
ISOLATION_TIME_WITHOUT_EMERGENCY_SYSTEM_HJ169 = 1800.0


def full_bore_hole_area(inner_diameter):
    r"""Hole area of a full-bore (guillotine) rupture: the pipe's inner cross-section, A = π D²/4.

    Parameters
    ----------
    inner_diameter : array_like
        Inner diameter of the pipe D. [m]

    Returns
    -------
    numpy.ndarray or float
        Hole area A for the orifice models of HJ 169-2018 Appendix F.1 (Eqs. (F.1)–(F.8)). [m²]
    """
    diameter = checked("full_bore_hole_area", "inner_diameter", inner_diameter, unit="m")
    return out(np.pi * diameter**2 / 4.0)


class PipeOutflow(NamedTuple):
    """Result of :func:`pipe_outflow`: step edges ``time`` [s] (n + 1), the constant ``release_rate`` over each of
    the n steps [kg/s], the cumulative ``released_mass`` [kg] and the ``remaining_mass`` of the cap [kg] at the edges,
    and ``end_time`` [s] when the release stopped (isolation or the cap reached)."""

    time: np.ndarray
    release_rate: np.ndarray
    released_mass: np.ndarray
    remaining_mass: np.ndarray
    end_time: float


def pipe_outflow(release_rate: float, inventory: float, isolation_time: float, step: float) -> PipeOutflow:
    r"""Constant-pressure outflow of a pipe break until isolation or until the releasable mass is gone.

    .. math:: Q(t) = Q_0 \text{ for } 0 \le t < t_{end}, \quad t_{end} = \min(t_{iso}, M / Q_0), \quad
              m_{released}(t) = Q_0 \min(t, t_{end})

    with Q₀ the orifice rate at the operating pressure (HJ 169-2018 Eq. (F.1), (F.2)–(F.5) or (F.6)–(F.8)).
    Released + remaining = M exactly at every edge, and released = M exactly when the cap is reached first.

    Parameters
    ----------
    release_rate : float
        Q₀, the rate through the break at the operating pressure. [kg/s]
    inventory : float
        M, the releasable mass: the isolable segment's content plus the inflow before isolation. [kg]
    isolation_time : float
        t_iso, time from the break to isolation (the scenario's duration limit). [s]
    step : float
        Spacing of the returned edges (the last edge is t_end). [s]

    Returns
    -------
    PipeOutflow
    """
    where = "pipe_outflow"
    rate = float(checked(where, "release_rate", release_rate, unit="kg/s"))
    mass = float(checked(where, "inventory", inventory, unit="kg"))
    limit = float(checked(where, "isolation_time", isolation_time, unit="s"))
    step = float(checked(where, "step", step, unit="s"))
    emptied = mass / rate <= limit
    end = mass / rate if emptied else limit
    time = np.unique(np.append(np.arange(0.0, end, step), end))
    released = np.minimum(rate * time, mass)
    if emptied:
        released[-1] = mass  # the cap reached: exactly the inventory released
    remaining = mass - released
    return PipeOutflow(time, np.diff(released) / np.diff(time), released, remaining, float(end))
