"""Slow NumPy oracles of AERMOD's vertical distribution at a receptor height and of the fraction of a stable plume
below the dividing streamline (dispersion/_aermod_vertical.py: ``vertical_stable_at``, ``vertical_convective_at``,
``fraction_below``).

Source: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD") §5.1 and
Eq. 48 (the two plume states and φ_p), with the reflected Gaussians of MFD §5.3 (stable) and Eqs. 59–60, §5.2.2
(convective). Each oracle is the plain image sum with a fixed, large number of images (no stopping rule, no
Poisson-summation form, no exp(−50) cut-off); φ_p is the numerical integral (scipy.integrate.quad) of the stable
F_z over [0, limit], an independent computation of the erf sum the kernel uses.

Units: heights and σ_z [m], F_z [m⁻¹], φ_p [-].
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import quad

__all__ = ["stable_vertical", "convective_vertical", "fraction_below"]

IMAGES = 200  # images each side of the source: ≥ 66 σ_z beyond the lid for σ_z ≤ 6 lid
_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _g(distance, sz):
    return np.exp(-0.5 * (distance / sz) ** 2)


def stable_vertical(sz: float, he: float, lid: float, z: float, images: int = IMAGES) -> float:
    """F_z [m⁻¹] at height ``z`` above the stack base of a plume at ``he`` with σ_z ``sz`` reflected at the ground and
    at ``lid``: for z ≤ lid Σ_{n=−N..N} [g(z − h + 2nL) + g(z + h + 2nL)] / (√(2π) σ_z), h = max(he, he − z),
    L = max(lid, lid − z) (a receptor below the stack base measures both from its own ground); above the lid the
    plume and its ground image only (n = 0)."""
    h = max(he, he - z)
    if z > lid:
        return float((_g(z - h, sz) + _g(z + h, sz)) / (_SQRT_2PI * sz))
    top = max(lid, lid - z)
    shift = 2.0 * np.arange(-images, images + 1) * top
    return float(np.sum(_g(z - h + shift, sz) + _g(z + h + shift, sz)) / (_SQRT_2PI * sz))


def convective_vertical(he1: float, he2: float, sz1: float, sz2: float, lam1: float, lam2: float, zi: float,
                        sign: float, z: float, images: int = IMAGES) -> float:
    """F_z [m⁻¹] at height ``z`` of the bi-Gaussian convective source (updraft/downdraft heights ``he1``/``he2``,
    σ's ``sz1``/``sz2``, weights ``lam1``/``lam2``) reflected at the ground and z_i: with a = 2n·top·sign + h_j
    (direct ``sign`` +1: n = 0..N; indirect −1: n = 1..N), h_j = max(he_j, he_j − z), top = max(z_i, z_i − z),
    Σ_j λ_j/σ_j Σ_n [g(z − a) + g(z + a)] / √(2π); 0 above z_i."""
    if z > zi:
        return 0.0
    top = max(zi, zi - z)
    n = np.arange(0 if sign > 0 else 1, images + 1)
    total = 0.0
    for he, sz, lam in ((he1, sz1, lam1), (he2, sz2, lam2)):
        a = 2.0 * n * top * sign + max(he, he - z)
        total += lam / sz * np.sum(_g(z - a, sz) + _g(z + a, sz))
    return float(total / _SQRT_2PI)


def fraction_below(limit: float, he: float, sz: float, lid: float) -> float:
    """φ_p [-]: the mass below ``limit`` (0 ≤ limit ≤ lid) of the stable plume at ``he`` reflected at the ground and
    ``lid``, ∫_0^limit F_z(z) dz with F_z of :func:`stable_vertical` (whose integral over [0, lid] is 1), by
    adaptive quadrature with the plume's centre as a break point."""
    if limit <= 0.0:
        return 0.0
    points = [he] if 0.0 < he < limit else None
    value, _ = quad(lambda z: stable_vertical(sz, he, lid, z), 0.0, limit, points=points, epsabs=1e-11,
                    epsrel=1e-10, limit=400)
    return float(value)
