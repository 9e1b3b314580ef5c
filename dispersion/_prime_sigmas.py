"""PRIME's dispersion in the wake: the ambient σ's with PRIME's effective values, the σ_z and σ_y of the plume and of
the cavity source tabulated through the wake, and the fraction of the plume the near wake captures (scalar Numba
functions; :mod:`dispersion._prime_kernels` puts PRIME together).

Source: Schulman, Strimaitis & Scire (2000), *J. Air & Waste Manage. Assoc.* 50:378–390 ("PRIME Eq. n"): σ growth
with the wake's turbulence in a p.d.f. then an eddy-diffusivity regime, Eqs. 27–32; the cavity source's σ's,
Eqs. 33, 35; the captured fraction, Eq. 34; the ambient σ's are AERMOD's (Cimorelli et al. 2004, EPA-454/R-03-004,
"MFD Eq. n"); the tabulation as AERMOD v21112 codes it (prime.f wake_dfsn, wake_xsig, wake_fqc; "as coded", listed in
``docs/unverified.md``). x in the tables is from the stack.

Units: lengths and σ's [m], speeds [m s⁻¹].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from dispersion._aermod_physics import GRAVITY, MINIMUM_SIGMA_V_OVER_U, profile_at
from dispersion._aermod_vertical import SQRT_2PI
from dispersion._math_kernels import KERNEL_OPTIONS
from dispersion._prime_wake import ambient_distances, cavity_dimensions, wake_dimensions, wake_intensity

MAX_STEPS = 5000  # steps kept (as coded, mxnw)
TRAJECTORY = 50  # points the path is kept as (as coded, mxntr)
_TINY_SIGMA = 1e-5
_RT2BYPI = math.sqrt(2.0 / math.pi)


@njit(**KERNEL_OPTIONS)
def _wake_sigma(x, xd, xold, turbz, turby, szold, syold, b, zk, yk):
    """One step of the wake's σ_z, σ_y from xold to x (PRIME Eq. 31–32): dσ/dx = i before x_d (the p.d.f. region, a
    near wake's length behind where the plume met the wake), dσ²/dx = k i H_W(x) (k fixed at x_d by continuity)
    after. Returns (zk, yk, σ_z, σ_y, dσ_z/dx)."""
    htwake, hwwake = wake_dimensions(x, b.height, b.width, b.scale)
    fwwake = 2.0 * hwwake
    delx = x - xold
    if x < xd:
        return zk, yk, szold + delx * turbz, syold + delx * turby, turbz
    if xold > xd:
        sz = math.sqrt(szold * szold + delx * zk * turbz * htwake)
        sy = math.sqrt(syold * syold + delx * yk * turby * fwwake)
        return zk, yk, sz, sy, (sz - szold) / delx
    sigzd = szold + (xd - xold) * turbz
    sigyd = syold + (xd - xold) * turby
    zk = 2.0 * sigzd / htwake
    yk = 2.0 * sigyd / fwwake
    rest = x - xd
    sz = math.sqrt(sigzd * sigzd + rest * zk * turbz * htwake)
    sy = math.sqrt(sigyd * sigyd + rest * yk * turby * fwwake)
    return zk, yk, sz, sy, (sz - szold) / delx


@njit(**KERNEL_OPTIONS)
def cavity_initial_sigmas(b, sy_capture):
    """σ_z and σ_y of the cavity source at the lee wall (PRIME Eqs. 33, 35: the width W_B′ = W between H/3 and
    3 H, at least the plume's top-hat width √(2π) σ_y (≤ W); σ_yc = W_B′/√(2π); σ_zc by C_N = C_F at the lee wall:
    √(2/π) (U_b/U_s) H_c/3 with H_c = H, or H_R when the roof cavity does not reattach)."""
    wcapt = min(SQRT_2PI * sy_capture, b.width)
    wscale = min(b.width, 3.0 * b.height)
    wscale = max(wscale, b.height / 3.0)
    wscale = max(wscale, wcapt)
    hcav = b.height if b.roof_cavity < b.length else b.cavity_height
    return _RT2BYPI * (b.u_building / b.u_stack) * hcav / 3.0, wscale / SQRT_2PI


@njit(**KERNEL_OPTIONS)
def sigma_y_ambient(x, z, hour, amb):
    """Ambient σ_y at x from the source for a plume at height z with PRIME's effective values (MFD Eqs. 77–78 in
    stable hours, with T_Ly from z_im; in convective ones (σ_v/u) x/(1 + β (σ_v/u) x/z_i)^0.3 with
    β = max(78 · 0.46/max(z, 0.46), 0.7), MFD Eq. 78 as AERMOD's SIGYPR codes it)."""
    ratio = max(MINIMUM_SIGMA_V_OVER_U, amb.sv / amb.u)
    if hour.stable:
        time_scale = (hour.mechanical_mixing_height / (156.0 * amb.sv)) * (max(z, 0.46) / 0.46)
        return ratio * x / (1.0 + x / (2.0 * amb.u * time_scale)) ** 0.3
    beta = max(78.0 * (0.46 / max(z, 0.46)), 0.7)
    return ratio * x / (1.0 + beta * ratio * x / hour.mixing_height) ** 0.3


@njit(**KERNEL_OPTIONS)
def sigma_z_ambient(x, z, hour, amb):
    """Ambient σ_z at x for a plume at height z with PRIME's effective values: stable, MFD Eq. 83 (N from PRIME's
    effective dθ/dz and θ at z; none in the urban stable layer) blended below z_i with the surface σ_z (Eq. 84) by
    z/z_i; convective, α_b σ_w x/u (α_b = 0.6 + 0.4 z/(0.1 z_i) below 0.1 z_i) with the surface term
    0.5 (1 − 10 z/z_i) (u*/u)² x²/|L| below 0.1 z_i in quadrature (MFD Eqs. 85–87 and 75 as AERMOD's SIGZPR, SZSFCLPR
    code them)."""
    zi = hour.mixing_height
    ustar = hour.friction_velocity
    if hour.stable:
        t = x / amb.u
        theta = profile_at(hour, z)[4]
        n = math.sqrt(max(GRAVITY * amb.tg / theta, 0.0))
        n = max(n, 1e-10)
        ztmp = max(z, 1e-4)
        if hour.urban:
            elevated = amb.sw * t / math.sqrt(1.0 + amb.sw * t * (1.0 / (0.72 * ztmp)))
        else:
            elevated = amb.sw * t / math.sqrt(1.0 + amb.sw * t * (1.0 / (0.72 * ztmp) + n / (0.54 * amb.sw)))
        if z < zi:
            surface = _RT2BYPI * ustar * t * (1.0 + 0.7 * x / hour.obukhov_length) ** (-1.0 / 3.0)
            weight = min(z / zi, 1.0)
            return (1.0 - weight) * surface + weight * elevated
        return elevated
    alpha = 1.0 if z >= 0.1 * zi else 0.6 + 0.4 * (z / (0.1 * zi))
    szad = alpha * amb.sw * x / amb.u
    surface = 0.0
    if z < 0.1 * zi:
        surface = 0.5 * (1.0 - 10.0 * (z / zi)) * (ustar / amb.u) ** 2 * (x * x / abs(hour.obukhov_length))
    return math.sqrt(szad * szad + surface * surface)


@njit(**KERNEL_OPTIONS)
def trajectory_height(x, xtr, ztr):
    """Plume height at x along the kept path, linear between points, the first point's before it and the last's
    beyond (as coded, numgrad)."""
    n = xtr.shape[0]
    if x >= xtr[n - 1]:
        return ztr[n - 1]
    return _table_at(x, xtr, ztr, n)


@njit(**KERNEL_OPTIONS)
def _table_at(x, xs, values, n):
    """Linear interpolation in the first n points of a table, its first value before it (x below xs[n − 1])."""
    for i in range(n - 2, -1, -1):
        if x >= xs[i]:
            fac = (xs[i + 1] - x) / (xs[i + 1] - xs[i])
            return values[i + 1] - (values[i + 1] - values[i]) * fac
    return values[0]


@njit(**KERNEL_OPTIONS)
def _height(follow, x, z, xtr, ztr):
    return trajectory_height(x, xtr, ztr) if follow else z


@njit(**KERNEL_OPTIONS)
def _keep(out, row, values, n_points, first, v0):
    """Thin a column of n_points steps, of which the first ``first`` precede the start, to at most TRAJECTORY points
    in out[row]: the start value v0, then evenly (up to twice as many) or with growing gaps (as coded), the last
    step last. Returns the count."""
    npw = n_points - first
    out[row, 0] = v0
    if npw >= TRAJECTORY:
        n = TRAJECTORY
        out[row, n - 1] = values[n_points - 1]
        if npw <= 2 * TRAJECTORY:
            deln = npw / n
            for i in range(2, n):
                out[row, i - 1] = values[int(i * deln) + first - 1]
        else:
            deln = 2.0 * (npw - TRAJECTORY) / (TRAJECTORY * (TRAJECTORY - 1))
            rn = 1.0
            for i in range(2, n):
                rn += 1.0 + (i - 1) * deln
                out[row, i - 1] = values[int(rn) + first - 1]
        return n
    for i in range(2, npw + 1):
        out[row, i - 1] = values[i + first - 1]
    return npw


@njit(**KERNEL_OPTIONS)
def wake_sigmas(b, amb, hour, xi, szi, syi, z, xtr, ztr, follow, tables, virtual):
    """Tabulate σ_z, σ_y and dr/dx = √(π/2) dσ_z/dx of the plume (from xi, where it meets the wake, with σ's szi, syi)
    and σ_z, σ_y of the cavity source (from the lee wall or xi) in steps of about 2 m until both wake regimes end
    (PRIME Eqs. 23, 27–32; the ambient curves beyond x_a with virtual σ's matching them there), at the fixed height z
    or (``follow``) along the path (xtr, ztr). Fills ``tables`` (7, TRAJECTORY) and ``virtual`` (4,); returns
    (n_wake, n_cavity) (as coded, wake_dfsn/wake_dfsn2). x in the tables is from the stack."""
    xbadj = b.xbadj
    xaz, xay = ambient_distances(b, amb, True)
    xamx = max(xaz, xay)
    xamn = min(xaz, xay)
    zxay = _height(follow, xay + xbadj, z, xtr, ztr)
    zxaz = _height(follow, xaz + xbadj, z, xtr, ztr)
    vsigy = vsigz = vsigyc = vsigzc = 0.0
    el, lr = b.length, b.cavity_length
    xcave = el + lr
    xbc = min(max(xi, el), xcave)
    xdc = xbc + lr
    szcav0, sycav0 = cavity_initial_sigmas(b, syi)
    lrevcav = xi < el
    n_cavity = 1
    tables[4, 0], tables[5, 0], tables[6, 0] = xbc + xbadj, szcav0, sycav0
    lcav = xi < xcave
    if not lcav:
        lrevcav = False
    n_wake = 1
    tables[0, 0], tables[1, 0], tables[2, 0], tables[3, 0] = xi + xbadj, szi, syi, 0.0
    lwak = xi < xamx
    if not lwak and not lcav:
        virtual[0], virtual[1], virtual[2], virtual[3] = vsigz, vsigy, vsigzc, vsigyc
        return n_wake, n_cavity
    xd = xi + lr
    dx = 2.0
    xlow, xhi = xi, xamx
    if lcav:
        xlow = min(xi, xbc)
        xhi = max(xamx, xcave)
    xrange = xhi - xlow + dx
    npts = min(int(xrange / dx + 0.5) + 1, MAX_STEPS - 1)
    dx = xrange / (npts - 1.0)
    dxi = 1.0 / dx
    nws = ncs = 0
    dist = np.empty(npts)
    asz = np.zeros(npts)
    asy = np.zeros(npts)
    dsz = np.zeros(npts)
    csz = np.zeros(npts)
    csy = np.zeros(npts)
    dist[0] = xlow + xbadj
    if lwak:
        asz[0], asy[0] = szi, syi
    if lcav:
        csz[0], csy[0] = szcav0, sycav0
    x = xlow
    zk = yk = zkc = ykc = 0.0
    for n in range(1, npts):
        xold = x
        x = x + dx
        dist[n] = dist[n - 1] + dx
        if lrevcav and xold >= el:  # a plume that met the wake over the roof: the cavity's width from its σ_y
            _, sycav0r = cavity_initial_sigmas(b, asy[n - 1])
            if sycav0r > sycav0:
                sycav0 = sycav0r
                tables[6, 0] = sycav0
                for ir in range(n):
                    csy[ir] = max(csy[ir], sycav0)
            lrevcav = False
        if lwak and xi >= x:
            asz[n], asy[n], dsz[n] = asz[n - 1], asy[n - 1], dsz[n - 1]
            nws = n + 1  # counts steps (the program's 1-based index)
        if lcav and xbc >= x:
            csz[n], csy[n] = szcav0, sycav0
            ncs = n + 1
        if xold > xamx:  # ambient growth with the virtual σ's
            if lwak and xi < x:
                vsigz = max(vsigz, szi)
                vsigy = max(vsigy, syi)
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc < x:
                vsigzc = max(vsigzc, szcav0)
                vsigyc = max(vsigyc, sycav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
            continue
        if x < xamn:  # both in the wake regime
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                zk, yk, asz[n], asy[n], dsz[n] = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b,
                                                             zk, yk)
            if lcav and xbc <= x:
                zkc, ykc, csz[n], csy[n], _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b,
                                                          zkc, ykc)
                csz[n] = max(csz[n], szcav0)
            continue
        # σ_z
        if xold >= xaz:
            if lwak and xi <= x:
                vsigz = max(vsigz, szi)
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc <= x:
                vsigzc = max(vsigzc, szcav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
        elif x >= xaz:  # the step crosses x_az: grow in the wake to x_az, then match the ambient curve there
            tiz, tiy = wake_intensity(0.5 * (xaz + xold), b, amb)
            if lwak and xi <= xaz:
                zk, _, sigzxa, _, _ = _wake_sigma(xaz, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
                sz = sigma_z_ambient(xaz + xbadj, zxaz, hour, amb)
                vsigz = math.sqrt(sigzxa * sigzxa - sz * sz) if sigzxa > sz else 0.0
                zd = _height(follow, dist[n], z, xtr, ztr)
                asz[n] = math.hypot(sigma_z_ambient(dist[n], zd, hour, amb), vsigz)
                dsz[n] = (asz[n] - asz[n - 1]) * dxi
            if lcav and xbc <= xaz:
                zkc, _, sigzxa, _, _ = _wake_sigma(xaz, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                sz = sigma_z_ambient(xaz + xbadj, 0.0, hour, amb)
                vsigzc = math.sqrt(sigzxa * sigzxa - sz * sz) if sigzxa > sz else 0.0
                vsigzc = max(vsigzc, szcav0)
                csz[n] = math.hypot(sigma_z_ambient(dist[n], 0.0, hour, amb), vsigzc)
        else:
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                zk, _, asz[n], _, dsz[n] = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
            if lcav and xbc <= x:
                zkc, _, csz[n], _, _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                csz[n] = max(csz[n], szcav0)
        # σ_y
        if xold >= xay:
            if lwak and xi <= x:
                zd = _height(follow, dist[n], z, xtr, ztr)
                vsigy = max(vsigy, syi)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
            if lcav and xbc <= x:
                vsigyc = max(vsigyc, sycav0)
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
        elif x >= xay:
            tiz, tiy = wake_intensity(0.5 * (xay + xold), b, amb)
            if lwak and xi <= xay:
                _, yk, _, sigyxa, _ = _wake_sigma(xay, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
                sy = sigma_y_ambient(xay + xbadj, zxay, hour, amb)
                vsigy = math.sqrt(sigyxa * sigyxa - sy * sy) if sigyxa > sy else 0.0
                zd = _height(follow, dist[n], z, xtr, ztr)
                asy[n] = math.hypot(sigma_y_ambient(dist[n], zd, hour, amb), vsigy)
            if lcav and xbc <= xay:
                _, ykc, _, sigyxa, _ = _wake_sigma(xay, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
                sy = sigma_y_ambient(xay + xbadj, 0.0, hour, amb)
                vsigyc = math.sqrt(sigyxa * sigyxa - sy * sy) if sigyxa > sy else 0.0
                csy[n] = math.hypot(sigma_y_ambient(dist[n], 0.0, hour, amb), vsigyc)
        else:
            tiz, tiy = wake_intensity(0.5 * (x + xold), b, amb)
            if lwak and xi <= x:
                _, yk, _, asy[n], _ = _wake_sigma(x, xd, xold, tiz, tiy, asz[n - 1], asy[n - 1], b, zk, yk)
            if lcav and xbc <= x:
                _, ykc, _, csy[n], _ = _wake_sigma(x, xdc, xold, tiz, tiy, csz[n - 1], csy[n - 1], b, zkc, ykc)
    if lwak:
        dr = np.sqrt(np.pi / 2.0) * dsz
        n_wake = _keep(tables, 0, dist, npts, nws, xi + xbadj)
        _keep(tables, 1, asz, npts, nws, szi)
        _keep(tables, 2, asy, npts, nws, syi)
        _keep(tables, 3, dr, npts, nws, 0.0)
    if lcav:
        n_cavity = _keep(tables, 4, dist, npts, ncs, xbc + xbadj)
        _keep(tables, 5, csz, npts, ncs, szcav0)
        _keep(tables, 6, csy, npts, ncs, sycav0)
    virtual[0], virtual[1], virtual[2], virtual[3] = vsigz, vsigy, vsigzc, vsigyc
    return n_wake, n_cavity


@njit(**KERNEL_OPTIONS)
def wake_table_sigmas(w, hour, x, hstk, rise, bid):
    """(σ_z, σ_y) of the plume and (σ_zc, σ_yc) of the cavity source at x from the stack: from the tables where they
    reach, the ambient curves at hstk + rise before (with buoyancy-induced σ (rise/3.5) when ``bid``) and with the
    virtual σ's after (as coded, wake_xsig)."""
    t, amb, nw, nc, v = w.tables, w.ambient, w.n_wake, w.n_cavity, w.virtual
    if x <= 0.0:
        sz = sy = 0.0
    elif nw <= 1 or x < t[0, 0]:
        sz = sigma_z_ambient(x, hstk + rise, hour, amb)
        sy = sigma_y_ambient(x, hstk + rise, hour, amb)
        if bid:
            bidsq = (rise / 3.5) ** 2
            sz = math.sqrt(sz * sz + bidsq)
            sy = math.sqrt(sy * sy + bidsq)
    elif x > t[0, nw - 1]:
        sz = math.hypot(sigma_z_ambient(x, hstk + rise, hour, amb), v[0])
        sy = math.hypot(sigma_y_ambient(x, hstk + rise, hour, amb), v[1])
    else:
        sz = _table_at(x, t[0], t[1], nw)
        sy = _table_at(x, t[0], t[2], nw)
    if nc <= 1 or x < t[4, 0]:
        szc, syc = t[5, 0], t[6, 0]
    elif x > t[4, nc - 1]:
        szc = math.hypot(sigma_z_ambient(x, 0.0, hour, amb), v[2])
        syc = math.hypot(sigma_y_ambient(x, 0.0, hour, amb), v[3])
    else:
        szc = _table_at(x, t[4], t[5], nc)
        syc = _table_at(x, t[4], t[6], nc)
    return sz, sy, szc, syc


@njit(**KERNEL_OPTIONS)
def _fraction_between(centre, sigma, h1, h2):
    """Fraction of a Gaussian (centre, σ) between h1 and h2, ½|erf((h1 − c)/√2σ) − erf((h2 − c)/√2σ)|."""
    s = math.sqrt(2.0) * max(sigma, _TINY_SIGMA)
    return 0.5 * abs(math.erf((h1 - centre) / s) - math.erf((h2 - centre) / s))


@njit(**KERNEL_OPTIONS)
def captured_fraction(w, hour, xbi, xtr, ztr):
    """Fraction f of the plume the near wake captures (PRIME Eq. 34 and the text after it): the largest product of
    the fractions of the plume within the cavity's height (at most the fraction below H at the cavity's end) and
    half-width over the cavity's length from where the plume meets the wake, sampled in ≥ 5 steps of ≤ 10 m; at most
    the linear fall to 0 between L + 0.85 L_R and L + L_R when the plume meets the wake there (as coded, wake_fqc)."""
    b = w.building
    el, lr, h = b.length, b.cavity_length, b.height
    xbstart = max(xbi, el)
    xbend = el + lr
    xrange = 0.99 * (xbend - xbstart)
    yba = abs(b.ybadj)
    xend = xbend + b.xbadj
    nstep = max(5, int(1.0 + xrange / 10.0))
    xstep = xrange / nstep
    zplm = trajectory_height(xend, xtr, ztr)
    sz, _, _, _ = wake_table_sigmas(w, hour, xend, h, 0.0, False)
    fractz0 = _fraction_between(zplm, sz, h, -h)
    fq = 0.0
    for i in range(nstep + 1):
        xb = xbstart + i * xstep
        x = xb + b.xbadj
        zplm = trajectory_height(x, xtr, ztr)
        zcav, ycav = cavity_dimensions(b, xb)
        sz, sy, _, _ = wake_table_sigmas(w, hour, x, zplm, 0.0, False)
        fz = min(_fraction_between(zplm, sz, zcav, -zcav), fractz0)
        fract = fz * _fraction_between(yba, sy, ycav, -ycav)
        if fract > fq:
            fq = fract
    xb85 = el + 0.85 * lr
    if xbstart > xb85:
        fq = min(fq, max(0.0, 1.0 - (xbstart - xb85) / (xbend - xb85)))
    return fq


@njit(**KERNEL_OPTIONS)
def wake_growth(x, tables, n_wake):
    """dr/dx of the wake's growth at x from the stack (PRIME Eq. 23), 0 outside the table (as coded, wake_drdx)."""
    if n_wake <= 1 or x > tables[0, n_wake - 1] or x < tables[0, 0]:
        return 0.0
    return _table_at(x, tables[0], tables[3], n_wake)
