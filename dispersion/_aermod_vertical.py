"""AERMOD's vertical distribution F_z at a receptor height, and its terrain treatment: the dividing-streamline height
H_c and the plume-state weight f (scalar Numba functions, used by :mod:`dispersion._aermod_physics`).

Sources: Cimorelli et al. (2004), *AERMOD: Description of Model Formulation*, EPA-454/R-03-004 ("MFD") §5.1 and
Cimorelli et al. (2005), *J. Appl. Meteor.* 44:682–693 §3. The concentration at a receptor is the weighted sum of a
plume that stays horizontal and one that follows the terrain (MFD Eq. 48):

    C_T{x_r, y_r, z_r} = f · C_{c,s}{x_r, y_r, z_r} + (1 − f) · C_{c,s}{x_r, y_r, z_p}

z_r the receptor's height above the stack base (terrain height above the base + flagpole), z_p its flagpole height
above local ground. f = 0.5 (1 + φ_p), φ_p the fraction of the plume's mass below the dividing-streamline height H_c
(MFD §5.1; φ_p = 0 in convective hours, so f = ½ there). H_c solves (Snyder et al. 1985, *J. Fluid Mech.* 152:249;
as in CTDMPLUS, Perry et al. 1989, EPA/600/8-89/041)

    ½ u²{H_c} = ∫_{H_c}^{h_c} N²(z) (h_c − z) dz

with h_c the receptor's hill-height scale (AERMAP) above the stack base. The layer discretisation of that integral,
the limit h_c ≤ z_t + h_e, the images in φ_p and the F_z images at a receptor above the ground follow the AERMOD
program (CRITDS, PFRACT, VRTSBL, VRTSBN, VRTCBL; read, not copied) and are listed in ``docs/unverified.md``.

Units: heights and σ_z [m], F_z [m⁻¹], N² [s⁻²], speeds [m s⁻¹], θ [K], dθ/dz [K m⁻¹].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._math_kernels import KERNEL_OPTIONS
from meteo.aermod_profiles import AERMOD_GRAVITY

MAXIMUM_IMAGES_STABLE = 100
MAXIMUM_IMAGES_CONVECTIVE = 1000
EXP_LIMIT = -50.0  # exp(a) is taken as 0 below this (AERMOD EXPLIM)
SQRT_2PI = math.sqrt(2.0 * math.pi)
SQRT_2 = math.sqrt(2.0)
_WIDE = 0.7  # σ_z / lid above which the image sum is taken in its Poisson-summation form
_ERF_ONE = 6.0  # erf(a) is 1.0 in double precision for a ≥ 5.93


@njit(**KERNEL_OPTIONS)
def gauss(a):
    """exp(a) for a > −50, else 0 (AERMOD's EXPLIM)."""
    return math.exp(a) if a > EXP_LIMIT else 0.0


@njit(**KERNEL_OPTIONS)
def _periodic(sz, a, b, lid):
    """Σ_{n∈ℤ} [exp(−(a + 2n·lid)²/2σ²) + exp(−(b + 2n·lid)²/2σ²)] / (√(2π) σ) in its Poisson-summation form,
    (1/(2 lid)) Σ_{k∈ℤ} exp(−π²σ²k²/(2 lid²)) [cos(π k a/lid) + cos(π k b/lid)] — k and −k alike, so 2 Σ_{k≥1} —
    (the two forms of the Jacobi theta function; Whittaker & Watson, *A Course of Modern Analysis*, ch. 21). [m⁻¹]"""
    c = -(math.pi * sz / lid) ** 2 / 2.0
    total = 2.0
    for k in range(1, 64):
        term = math.exp(c * k * k)
        total += 2.0 * term * (math.cos(math.pi * k * a / lid) + math.cos(math.pi * k * b / lid))
        if term < 1e-17:
            break
    return total / (2.0 * lid)


@njit(**KERNEL_OPTIONS)
def vertical_stable(sz, he, lid):
    """F_z at the ground of a plume at ``he`` reflected at the ground and at ``lid`` (MFD §5.3). [m⁻¹]

    The images at 2n·lid ± he sum to Σ_{n∈ℤ} exp(−(he + 2n·lid)²/2σ²). While σ_z < 0.7 lid the sum is taken
    directly, term by term until a term adds < 5e-7 of the total (AERMOD's rule); for a wider plume it is taken in
    its Poisson-summation form, (1/lid)[1 + 2 Σ_k exp(−π²σ²k²/(2 lid²)) cos(π k he/lid)], which converges in a few
    terms where the image sum needs many; both are the same series to within the truncation
    (tests/dispersion/test_aermod_kernel.py)."""
    if sz > _WIDE * lid:
        a = -(math.pi * sz / lid) ** 2 / 2.0
        total = 1.0
        for k in range(1, 64):
            term = math.exp(a * k * k)
            total += 2.0 * term * math.cos(math.pi * k * he / lid)
            if term < 1e-17:
                break
        return total / lid
    inv = -0.5 / (sz * sz)
    direct = gauss(inv * he * he)
    total = 0.0
    for i in range(1, MAXIMUM_IMAGES_STABLE + 1):
        two = 2.0 * i * lid
        term = gauss(inv * (two - he) ** 2) + gauss(inv * (two + he) ** 2)
        total += term
        if abs(term) <= 5e-7 * abs(total):
            break
    return 2.0 * (direct + total) / (SQRT_2PI * sz)


@njit(**KERNEL_OPTIONS)
def vertical_stable_at(sz, he, lid, z):
    """F_z at height ``z`` above the stack base of a plume at ``he`` (MFD §5.3 with z ≠ 0). [m⁻¹]

    z = 0: :func:`vertical_stable`. 0 < z ≤ lid, or z < 0 (a receptor below the stack base, the plume and lid
    measured from the receptor's ground: h = he − z, lid − z, AERMOD VRTSBL): the images z ∓ h + 2n·lid, summed
    directly until a term adds ≤ 1e-6 of the total or, for σ_z > 0.7 lid, in the Poisson form. z > lid: the plume and
    its ground image only (AERMOD VRTSBN)."""
    if z == 0.0:
        return vertical_stable(sz, he, lid)
    h = max(he, he - z)
    inv = -0.5 / (sz * sz)
    if z > lid:
        return (gauss(inv * (z - h) ** 2) + gauss(inv * (z + h) ** 2)) / (SQRT_2PI * sz)
    top = max(lid, lid - z)
    if sz > _WIDE * top:
        return _periodic(sz, z - h, z + h, top)
    total = gauss(inv * (z - h) ** 2) + gauss(inv * (z + h) ** 2)
    images = 0.0
    for i in range(1, MAXIMUM_IMAGES_STABLE + 1):
        two = 2.0 * i * top
        term = (gauss(inv * (z - (two - h)) ** 2) + gauss(inv * (z + (two - h)) ** 2)
                + gauss(inv * (z - (two + h)) ** 2) + gauss(inv * (z + (two + h)) ** 2))
        images += term
        if abs(term) <= 1e-6 * abs(images):
            break
    return (total + images) / (SQRT_2PI * sz)


@njit(**KERNEL_OPTIONS)
def vertical_convective(he1, he2, sz1, sz2, lam1, lam2, zi, sign):
    """F_z at the ground of the bi-Gaussian source with images every 2 z_i (``sign`` +1: direct, images 2n z_i,
    n ≥ 0; −1: indirect, images −2n z_i, n ≥ 1) (MFD Eqs. 59–60, §5.2.2). [m⁻¹]"""
    inv1, inv2 = -0.5 / (sz1 * sz1), -0.5 / (sz2 * sz2)
    c1, c2 = lam1 / sz1, lam2 / sz2
    total = 0.0
    for i in range(0 if sign > 0 else 1, MAXIMUM_IMAGES_CONVECTIVE + 1):
        two = 2.0 * i * zi * sign
        term = c1 * gauss(inv1 * (two + he1) ** 2) + c2 * gauss(inv2 * (two + he2) ** 2)
        total += term
        if abs(term) <= 5e-7 * abs(total):
            break
    return 2.0 * total / SQRT_2PI


@njit(**KERNEL_OPTIONS)
def vertical_convective_at(he1, he2, sz1, sz2, lam1, lam2, zi, sign, z):
    """F_z at height ``z`` above the stack base of the bi-Gaussian source (MFD Eqs. 59–60, §5.2.2, with z ≠ 0):
    z = 0 :func:`vertical_convective`; z ≤ z_i the images z ∓ (2n z_i ± h_j) (heights and z_i from the receptor's
    ground when z < 0), until a term adds ≤ 1e-6; above z_i zero (AERMOD VRTCBL). [m⁻¹]"""
    if z == 0.0:
        return vertical_convective(he1, he2, sz1, sz2, lam1, lam2, zi, sign)
    if z > zi:
        return 0.0
    h1, h2, top = max(he1, he1 - z), max(he2, he2 - z), max(zi, zi - z)
    inv1, inv2 = -0.5 / (sz1 * sz1), -0.5 / (sz2 * sz2)
    c1, c2 = lam1 / sz1, lam2 / sz2
    total = 0.0
    for i in range(0 if sign > 0 else 1, MAXIMUM_IMAGES_CONVECTIVE + 1):
        two = 2.0 * i * top * sign
        a1, a2 = two + h1, two + h2
        term = (c1 * (gauss(inv1 * (z - a1) ** 2) + gauss(inv1 * (z + a1) ** 2))
                + c2 * (gauss(inv2 * (z - a2) ** 2) + gauss(inv2 * (z + a2) ** 2)))
        total += term
        if abs(term) <= 1e-6 * abs(total):
            break
    return total / SQRT_2PI


@njit(**KERNEL_OPTIONS)
def _interpolate(heights, rows, k, z, j):
    return rows[k, j] + (rows[k + 1, j] - rows[k, j]) * (z - heights[k]) / (heights[k + 1] - heights[k])


@njit(**KERNEL_OPTIONS)
def dividing_streamline(heights, rows, hill):
    """H_c [m] for a hill of height ``hill`` [m] above the stack base in a stable hour whose profile is ``rows``
    (Z, 5) = (u, σ_v, σ_w, dθ/dz, θ) on ``heights`` (Z,) (module docstring). 0 when ``hill`` ≤ 0.

    The integral is taken layer by layer on the profile's levels below the hill and the hill top, N² = (g/θ) dθ/dz
    with θ and dθ/dz at each layer's middle; H_c lies in the lowest layer whose bottom level already satisfies
    ½u² ≥ RHS, where u and N² are linear and constant in the layer, which makes the balance a quadratic in H_c
    (AERMOD CRITDS, the CTDMPLUS scheme)."""
    if hill <= 0.0:
        return 0.0
    n = heights.shape[0]
    k = min(max(np.searchsorted(heights, hill, side="right") - 1, 0), n - 2)  # heights[k] ≤ hill < heights[k+1]
    top_level = k + 1  # levels 0..k and the hill top (index k + 1)
    u_top = _interpolate(heights, rows, k, hill, 0)
    pt_top = _interpolate(heights, rows, k, hill, 4)
    tg_top = _interpolate(heights, rows, k, hill, 3)
    # from the hill top down: the running right-hand side at each level, keeping the lowest level where
    # ½u² ≥ RHS, its two sides and N² of the layer below it
    right = 0.0
    it, left_it, right_it = top_level, 0.5 * u_top * u_top, 0.0  # the top always holds (RHS 0 there)
    n2_below = 0.0
    found_below = False
    for i in range(top_level - 1, -1, -1):
        if i < top_level - 1:
            middle = 0.5 * (heights[i + 1] + heights[i])
            theta = 0.5 * (rows[i + 1, 4] + rows[i, 4])
            gradient = 0.5 * (rows[i + 1, 3] + rows[i, 3])
            top = heights[i + 1]
        else:
            middle = 0.5 * (hill + heights[i])
            theta = 0.5 * (pt_top + rows[i, 4])
            gradient = 0.5 * (tg_top + rows[i, 3])
            top = hill
        n2 = AERMOD_GRAVITY / theta * gradient
        if i == it - 1 and not found_below:
            n2_below = n2
            found_below = True
        right += n2 * (hill - middle) * (top - heights[i])
        left = 0.5 * rows[i, 0] * rows[i, 0]
        if left >= right:
            it, left_it, right_it = i, left, right
            found_below = False
    if it == 0:
        return 0.0
    if it == top_level:
        u_hi, z_hi = u_top, hill
    else:
        u_hi, z_hi = rows[it, 0], heights[it]
    below = it - 1
    shear = (u_hi - rows[below, 0]) / (z_hi - heights[below])
    shear2 = shear * shear
    n2_layer = n2_below
    a = 0.5 * (n2_layer - shear2)
    b = z_hi * shear2 - u_hi * shear - n2_layer * hill
    c = (n2_layer * hill * z_hi - 0.5 * n2_layer * z_hi * z_hi - 0.5 * shear2 * z_hi * z_hi + u_hi * shear * z_hi
         - (left_it - right_it))
    if abs(a) < 1e-30:  # linear balance (AERMOD divides by zero here; docs/unverified.md)
        return max(-c / b, 0.0) if b != 0.0 else 0.0
    b2 = b * b
    ac4 = 4.0 * a * c
    if b2 - ac4 < 0.0:  # AERMOD: within −0.1 % of b² taken as 0; below that it has no root either (unverified.md)
        ac4 = b2
    return (-b - math.sqrt(b2 - ac4)) / (2.0 * a)


@njit(**KERNEL_OPTIONS)
def fraction_below(limit, he, sz, lid):
    """φ_p, the fraction of a stable plume at ``he`` (σ_z ``sz``, reflected at the ground and at ``lid``) below
    ``limit`` = min(lid, H_c): ½ Σ over the images of [erf((limit − h)/√2σ) + erf((limit + h)/√2σ)] (MFD §5.1;
    images at ±2n·lid, n ≥ 1, at least five and until a term adds ≤ 1e-6, AERMOD PFRACT). Above 1.01 it is 1."""
    s = SQRT_2 * sz
    first = math.erf((limit - he) / s) + math.erf((limit + he) / s)
    total = 0.0
    for i in range(1, 101):
        two = 2.0 * i * lid
        if two - (limit + he) > _ERF_ONE * s:  # every argument beyond ±6: the four are 1, 1, −1, −1 exactly, now
            break                                 # and for every further image (a term adds 0)
        term = (math.erf((limit - he + two) / s) + math.erf((limit + he + two) / s)
                + math.erf((limit - he - two) / s) + math.erf((limit + he - two) / s))
        total += term
        if abs(term) <= 1e-6 * abs(total) and i >= 5:
            break
    phi = 0.5 * (first + total)
    return 1.0 if phi > 1.01 else phi


@njit(**KERNEL_OPTIONS)
def state_weight(stable, heights, rows, hill, ground, he, sz, lid):
    """The weight f = ½(1 + φ_p) of MFD Eq. 48 (§5.1) for a stable-type plume at ``he`` (σ_z ``sz``, lid ``lid``)
    and a receptor whose ground is ``ground`` and whose hill-height scale is ``hill`` above the stack base [m]; ½ in a
    convective hour (``stable`` False). The hill entering H_c is min(hill, ground + he) (AERMOD CRITDS)."""
    if not stable:
        return 0.5
    critical = dividing_streamline(heights, rows, min(hill, ground + he))
    if critical <= 0.0:
        return 0.5
    return 0.5 * (1.0 + fraction_below(min(lid, critical), he, sz, lid))
