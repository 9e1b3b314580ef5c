"""Dispersion coefficients σ_y(x), σ_z(x) of the Gaussian plume: one function per published model.

Stability classes are integer codes 0..5 for Pasquill–Gifford A..F (``meteo.stability.CLASS_LABELS = "ABCDEF"``);
downwind distance x and the returned σ_y, σ_z are in metres. Every table below is a named constant with its source;
a bad class or model name raises :class:`twin.errors.InputError` listing the valid keys.

Models (``SIGMA_MODELS``):

* ``"pasquill_gifford_isc3"`` — Pasquill–Gifford curves as parameterised for ISC3 (rural): Turner's σ_y tangent form
  and the piecewise power law σ_z = a x^b with a 5000 m cap [1]_ (Tables 1-1, 1-2).
* ``"briggs_rural"``, ``"briggs_urban"`` — Briggs (1973) open-country and urban (McElroy–Pooler) fits [2]_, [3]_.
* ``"gb13201"`` — the Chinese national power laws σ = γ x^α of GB/T 13201-91 (0.5-h sampling) with the
  GB/T 3840-91 sampling-time correction of σ_y [4]_.

For the Numba plume kernel every model except ISC3 σ_y is also available as a uniform table of power-law segments
(:func:`power_law_segments`), and :func:`sigma_y_linear_bound` gives a constant k with σ_y(x) ≤ k·x for culling.

References
----------
.. [1] U.S. EPA (1995). User's Guide for the Industrial Source Complex (ISC3) Dispersion Models, Vol. II:
   Description of Model Algorithms. EPA-454/B-95-003b, §1.1.5, Tables 1-1 and 1-2. The same coefficients are
   printed (with σ_z at each range end) in Boubel, Fox, Turner & Stern (1994), Fundamentals of Air Pollution,
   3rd ed., Tables 19-4 and 19-5.
.. [2] Briggs, G. A. (1973). Diffusion estimation for small emissions. ATDL Contribution File No. 79, NOAA.
.. [3] Boubel et al. (1994), op. cit., Tables 19-6 (urban) and 19-7 (rural), "for distances between 100 and
   10 000 m"; also Hanna, Briggs & Hosker (1982), Handbook on Atmospheric Diffusion.
.. [4] GB/T 13201-91 制定地方大气污染物排放标准的技术方法, Appendix B (diffusion parameters, 0.5-h sampling);
   GB/T 3840-91 (same tables) and its sampling-time rule. The standards' text was not available here: the
   numbers were checked against three independent Chinese implementations that agree with each other (see
   ``tests/dispersion/test_coefficients.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Literal, NamedTuple

import numpy as np

from twin.errors import InputError

__all__ = [
    "ISC3_PG_SIGMA_Y",
    "ISC3_PG_SIGMA_Z",
    "ISC3_SIGMA_Z_CAP",
    "BRIGGS_RURAL_SIGMA",
    "BRIGGS_URBAN_SIGMA",
    "GB13201_SIGMA",
    "GB3840_SAMPLING_TIME_EXPONENTS",
    "SIGMA_MODELS",
    "SIGMA_MODEL_NAMES",
    "STABILITY_CLASSES",
    "sigma_pasquill_gifford_isc3",
    "sigma_briggs_rural",
    "sigma_briggs_urban",
    "sigma_gb13201",
    "gb3840_sampling_time_factor",
    "sigma",
    "power_law_segments",
    "sigma_y_linear_bound",
]

STABILITY_CLASSES = (0, 1, 2, 3, 4, 5)  # Pasquill–Gifford A..F
_LABELS = "ABCDEF"
_ALLOWED_CLASSES = "an integer code 0..5 (A..F)"


class TurnerSigmaY(NamedTuple):
    """σ_y = 465.11628 · x · tan(0.017453293 · (c − d ln x)), x in km, σ_y in m (ISC3 Eq. 1-34 form)."""

    c: float
    d: float


class IscSigmaZRange(NamedTuple):
    """σ_z = a · x^b [m] for x ≤ x_upper_km (x in km)."""

    x_upper_km: float
    a: float
    b: float


class BriggsCurve(NamedTuple):
    """σ = a · x · (1 + b·x)^beta [m], x in m."""

    a: float
    b: float
    beta: float


class PowerLaw(NamedTuple):
    """σ = gamma · x^alpha [m] for x ≤ x_upper_m (x in m)."""

    x_upper_m: float
    gamma: float
    alpha: float


_INF = math.inf

# ISC3 Vol. II (EPA-454/B-95-003b) Table 1-1: Turner's parameters (c, d) of the P–G σ_y curves (rural).
ISC3_PG_SIGMA_Y: Mapping[int, TurnerSigmaY] = MappingProxyType({
    0: TurnerSigmaY(24.1670, 2.5334),
    1: TurnerSigmaY(18.3330, 1.8096),
    2: TurnerSigmaY(12.5000, 1.0857),
    3: TurnerSigmaY(8.3330, 0.72382),
    4: TurnerSigmaY(6.2500, 0.54287),
    5: TurnerSigmaY(4.1667, 0.36191),
})

# ISC3 Vol. II Table 1-2: P–G σ_z = a x^b, x in km, by range "x ≤ upper bound"; σ_z never exceeds 5000 m.
# Class A beyond 3.11 km is the 5000 m cap itself (written here as a = 5000, b = 0).
ISC3_SIGMA_Z_CAP = 5000.0  # [m]
ISC3_PG_SIGMA_Z: Mapping[int, tuple[IscSigmaZRange, ...]] = MappingProxyType({
    0: (IscSigmaZRange(0.10, 122.800, 0.94470), IscSigmaZRange(0.15, 158.080, 1.05420),
        IscSigmaZRange(0.20, 170.220, 1.09320), IscSigmaZRange(0.25, 179.520, 1.12620),
        IscSigmaZRange(0.30, 217.410, 1.26440), IscSigmaZRange(0.40, 258.890, 1.40940),
        IscSigmaZRange(0.50, 346.750, 1.72830), IscSigmaZRange(3.11, 453.850, 2.11660),
        IscSigmaZRange(_INF, 5000.0, 0.0)),
    1: (IscSigmaZRange(0.20, 90.673, 0.93198), IscSigmaZRange(0.40, 98.483, 0.98332),
        IscSigmaZRange(_INF, 109.300, 1.09710)),
    2: (IscSigmaZRange(_INF, 61.141, 0.91465),),
    3: (IscSigmaZRange(0.30, 34.459, 0.86974), IscSigmaZRange(1.00, 32.093, 0.81066),
        IscSigmaZRange(3.00, 32.093, 0.64403), IscSigmaZRange(10.00, 33.504, 0.60486),
        IscSigmaZRange(30.00, 36.650, 0.56589), IscSigmaZRange(_INF, 44.053, 0.51179)),
    4: (IscSigmaZRange(0.10, 24.260, 0.83660), IscSigmaZRange(0.30, 23.331, 0.81956),
        IscSigmaZRange(1.00, 21.628, 0.75660), IscSigmaZRange(2.00, 21.628, 0.63077),
        IscSigmaZRange(4.00, 22.534, 0.57154), IscSigmaZRange(10.00, 24.703, 0.50527),
        IscSigmaZRange(20.00, 26.970, 0.46713), IscSigmaZRange(40.00, 35.420, 0.37615),
        IscSigmaZRange(_INF, 47.618, 0.29592)),
    5: (IscSigmaZRange(0.20, 15.209, 0.81558), IscSigmaZRange(0.70, 14.457, 0.78407),
        IscSigmaZRange(1.00, 13.953, 0.68465), IscSigmaZRange(2.00, 13.953, 0.63227),
        IscSigmaZRange(3.00, 14.823, 0.54503), IscSigmaZRange(7.00, 16.187, 0.46490),
        IscSigmaZRange(15.00, 17.836, 0.41507), IscSigmaZRange(30.00, 22.651, 0.32681),
        IscSigmaZRange(60.00, 27.074, 0.27436), IscSigmaZRange(_INF, 34.219, 0.21716)),
})

# Briggs (1973) ATDL-79, open country; as in Boubel et al. (1994) Table 19-7. {class: {"y": curve, "z": curve}}.
BRIGGS_RURAL_SIGMA: Mapping[int, Mapping[str, BriggsCurve]] = MappingProxyType({
    0: MappingProxyType({"y": BriggsCurve(0.22, 0.0001, -0.5), "z": BriggsCurve(0.20, 0.0, 0.0)}),
    1: MappingProxyType({"y": BriggsCurve(0.16, 0.0001, -0.5), "z": BriggsCurve(0.12, 0.0, 0.0)}),
    2: MappingProxyType({"y": BriggsCurve(0.11, 0.0001, -0.5), "z": BriggsCurve(0.08, 0.0002, -0.5)}),
    3: MappingProxyType({"y": BriggsCurve(0.08, 0.0001, -0.5), "z": BriggsCurve(0.06, 0.0015, -0.5)}),
    4: MappingProxyType({"y": BriggsCurve(0.06, 0.0001, -0.5), "z": BriggsCurve(0.03, 0.0003, -1.0)}),
    5: MappingProxyType({"y": BriggsCurve(0.04, 0.0001, -0.5), "z": BriggsCurve(0.016, 0.0003, -1.0)}),
})

# Briggs (1973) ATDL-79, urban (fit to McElroy–Pooler St. Louis data); Boubel et al. (1994) Table 19-6.
# The source gives one curve for A–B and one for E–F; classes A, B (and E, F) therefore share a row.
_URBAN_AB = MappingProxyType({"y": BriggsCurve(0.32, 0.0004, -0.5), "z": BriggsCurve(0.24, 0.001, 0.5)})
_URBAN_EF = MappingProxyType({"y": BriggsCurve(0.11, 0.0004, -0.5), "z": BriggsCurve(0.08, 0.0015, -0.5)})
BRIGGS_URBAN_SIGMA: Mapping[int, Mapping[str, BriggsCurve]] = MappingProxyType({
    0: _URBAN_AB,
    1: _URBAN_AB,
    2: MappingProxyType({"y": BriggsCurve(0.22, 0.0004, -0.5), "z": BriggsCurve(0.20, 0.0, 0.0)}),
    3: MappingProxyType({"y": BriggsCurve(0.16, 0.0004, -0.5), "z": BriggsCurve(0.14, 0.0003, -0.5)}),
    4: _URBAN_EF,
    5: _URBAN_EF,
})

# GB/T 13201-91 Appendix B (= GB/T 3840-91 tables): σ_y = γ1 x^α1, σ_z = γ2 x^α2, x in m, 0.5-h sampling,
# by range "x ≤ upper bound". Only the six pure classes A–F (the standard also lists A~B, B~C, ... halves).
GB13201_SIGMA: Mapping[int, Mapping[str, tuple[PowerLaw, ...]]] = MappingProxyType({
    0: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.425809, 0.901074), PowerLaw(_INF, 0.602052, 0.850934)),
        "z": (PowerLaw(300.0, 0.0799904, 1.12154), PowerLaw(500.0, 0.00854771, 1.51360),
              PowerLaw(_INF, 0.000211545, 2.10881)),
    }),
    1: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.281846, 0.914370), PowerLaw(_INF, 0.396353, 0.865014)),
        "z": (PowerLaw(500.0, 0.127190, 0.964435), PowerLaw(_INF, 0.0570251, 1.09356)),
    }),
    2: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.177154, 0.924279), PowerLaw(_INF, 0.232123, 0.885157)),
        "z": (PowerLaw(_INF, 0.106803, 0.917595),),
    }),
    3: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.110726, 0.929418), PowerLaw(_INF, 0.146669, 0.888723)),
        "z": (PowerLaw(1000.0, 0.104634, 0.826212), PowerLaw(10000.0, 0.400167, 0.632023),
              PowerLaw(_INF, 0.810763, 0.555360)),
    }),
    4: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.0864001, 0.920818), PowerLaw(_INF, 0.101947, 0.896864)),
        "z": (PowerLaw(1000.0, 0.0927529, 0.788370), PowerLaw(10000.0, 0.433384, 0.565188),
              PowerLaw(_INF, 1.73241, 0.414743)),
    }),
    5: MappingProxyType({
        "y": (PowerLaw(1000.0, 0.0553634, 0.929418), PowerLaw(_INF, 0.0733348, 0.888723)),
        "z": (PowerLaw(1000.0, 0.0620765, 0.784400), PowerLaw(10000.0, 0.370015, 0.525969),
              PowerLaw(_INF, 2.40691, 0.322659)),
    }),
})

# GB/T 3840-91 sampling-time correction σ_y(τ) = σ_y(0.5 h) · (τ / 0.5 h)^q: (lower τ [h], upper τ [h], q).
GB3840_SAMPLING_TIME_EXPONENTS: tuple[tuple[float, float, float], ...] = ((0.5, 1.0, 0.2), (1.0, 100.0, 0.3))


# --------------------------------------------------------------------------------------------------- helpers


def _check_class(stability, where: str) -> np.ndarray:
    """Integer class codes as an int64 array; InputError naming the first bad value otherwise."""
    codes = np.asarray(stability)
    if codes.dtype.kind == "b" or codes.dtype.kind not in "iuf":
        raise InputError.field(where, "stability", stability, _ALLOWED_CLASSES)
    bad = ~np.isin(codes, STABILITY_CLASSES)
    if np.any(bad):
        raise InputError.field(where, "stability", codes[bad].flat[0].item(), _ALLOWED_CLASSES)
    return codes.astype(np.int64)


def _check_distance(x, where: str) -> np.ndarray:
    """Downwind distance as float64; must be finite and > 0 m (mask upwind receptors before calling)."""
    distance = np.asarray(x, dtype=np.float64)
    bad = ~(np.isfinite(distance) & (distance > 0.0))
    if np.any(bad):
        raise InputError.field(where, "x", float(distance[bad].flat[0]), "a finite downwind distance > 0 m")
    return distance


def _scalar_or_array(values: np.ndarray):
    return values[()] if values.ndim == 0 else values


def _per_class(x, stability, where: str, evaluate: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]]):
    """Broadcast x with the class codes and evaluate (σ_y, σ_z) class by class."""
    distance = _check_distance(x, where)
    codes = _check_class(stability, where)
    distance, codes = np.broadcast_arrays(distance, codes)
    sigma_y = np.empty(distance.shape)
    sigma_z = np.empty(distance.shape)
    for cls in np.unique(codes):
        mask = codes == cls
        sigma_y[mask], sigma_z[mask] = evaluate(distance[mask], int(cls))
    return _scalar_or_array(sigma_y), _scalar_or_array(sigma_z)


def _range_index(distance: np.ndarray, upper_bounds: np.ndarray) -> np.ndarray:
    """Index i of the range (upper[i-1], upper[i]] holding each distance (the published "x ≤ bound" rule)."""
    return np.searchsorted(upper_bounds, distance, side="left")


def _isc3_bounds_m(cls: int) -> np.ndarray:
    # Bounds are published in km; converted once to m (rounded so that e.g. 0.15 km is exactly 150 m).
    return np.array([round(r.x_upper_km * 1000.0, 6) for r in ISC3_PG_SIGMA_Z[cls]])


# ---------------------------------------------------------------------------------------------------- models


def sigma_pasquill_gifford_isc3(x, stability):
    r"""Pasquill–Gifford σ_y, σ_z as parameterised in ISC3 (rural curves).

    .. math::
        σ_y = 465.11628\,x_k \tan θ,\quad θ = 0.017453293\,(c − d \ln x_k),\qquad
        σ_z = \min(5000,\ a\,x_k^{b})

    with x_k = x / 1000 the distance in km, (c, d) from ISC3 Table 1-1 and (a, b) from Table 1-2 by range
    ("x ≤ upper bound") [1]_.

    Parameters
    ----------
    x : array_like
        Downwind distance, > 0. [m]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F), broadcast with ``x``.

    Returns
    -------
    sigma_y, sigma_z : numpy.ndarray or float
        Lateral and vertical dispersion coefficients. [m]
    """

    def evaluate(distance, cls):
        c, d = ISC3_PG_SIGMA_Y[cls]
        x_km = distance / 1000.0
        theta = 0.017453293 * (c - d * np.log(x_km))
        sigma_y = 465.11628 * x_km * np.tan(theta)
        ranges = ISC3_PG_SIGMA_Z[cls]
        i = _range_index(distance, _isc3_bounds_m(cls))
        a = np.array([r.a for r in ranges])[i]
        b = np.array([r.b for r in ranges])[i]
        sigma_z = np.minimum(ISC3_SIGMA_Z_CAP, a * x_km**b)
        return sigma_y, sigma_z

    return _per_class(x, stability, "sigma_pasquill_gifford_isc3", evaluate)


def _briggs(table: Mapping[int, Mapping[str, BriggsCurve]], where: str):
    def evaluate(distance, cls):
        out = []
        for axis in ("y", "z"):
            a, b, beta = table[cls][axis]
            out.append(a * distance * (1.0 + b * distance) ** beta)
        return out[0], out[1]

    return evaluate, where


def sigma_briggs_rural(x, stability):
    r"""Briggs (1973) open-country σ_y, σ_z: σ = a x (1 + b x)^β [2]_ (Boubel et al. 1994, Table 19-7).

    ====== =========================== ===========================
    class  σ_y [m]                      σ_z [m]
    ====== =========================== ===========================
    A      0.22 x (1 + 0.0001 x)^-½     0.20 x
    B      0.16 x (1 + 0.0001 x)^-½     0.12 x
    C      0.11 x (1 + 0.0001 x)^-½     0.08 x (1 + 0.0002 x)^-½
    D      0.08 x (1 + 0.0001 x)^-½     0.06 x (1 + 0.0015 x)^-½
    E      0.06 x (1 + 0.0001 x)^-½     0.03 x (1 + 0.0003 x)^-1
    F      0.04 x (1 + 0.0001 x)^-½     0.016 x (1 + 0.0003 x)^-1
    ====== =========================== ===========================

    Published for 100 m < x < 10 km; evaluated as written outside that range.

    Parameters
    ----------
    x : array_like
        Downwind distance, > 0. [m]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F), broadcast with ``x``.

    Returns
    -------
    sigma_y, sigma_z : numpy.ndarray or float
        Lateral and vertical dispersion coefficients. [m]
    """
    evaluate, where = _briggs(BRIGGS_RURAL_SIGMA, "sigma_briggs_rural")
    return _per_class(x, stability, where, evaluate)


def sigma_briggs_urban(x, stability):
    r"""Briggs (1973) urban σ_y, σ_z (McElroy–Pooler data) [2]_ (Boubel et al. 1994, Table 19-6).

    ====== =========================== ===========================
    class  σ_y [m]                      σ_z [m]
    ====== =========================== ===========================
    A, B   0.32 x (1 + 0.0004 x)^-½     0.24 x (1 + 0.001 x)^+½
    C      0.22 x (1 + 0.0004 x)^-½     0.20 x
    D      0.16 x (1 + 0.0004 x)^-½     0.14 x (1 + 0.0003 x)^-½
    E, F   0.11 x (1 + 0.0004 x)^-½     0.08 x (1 + 0.0015 x)^-½
    ====== =========================== ===========================

    Published for 100 m < x < 10 km; evaluated as written outside that range.

    Parameters
    ----------
    x : array_like
        Downwind distance, > 0. [m]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F), broadcast with ``x``.

    Returns
    -------
    sigma_y, sigma_z : numpy.ndarray or float
        Lateral and vertical dispersion coefficients. [m]
    """
    evaluate, where = _briggs(BRIGGS_URBAN_SIGMA, "sigma_briggs_urban")
    return _per_class(x, stability, where, evaluate)


def gb3840_sampling_time_factor(averaging_time: float) -> float:
    r"""GB/T 3840-91 sampling-time factor of σ_y: σ_y(τ) = σ_y(0.5 h) · (τ / 0.5 h)^q [4]_.

    q = 0.2 for 0.5 h ≤ τ < 1 h and q = 0.3 for 1 h ≤ τ < 100 h (GB3840_SAMPLING_TIME_EXPONENTS). Note the rule
    as published jumps at τ = 1 h (factor 2^0.2 = 1.149 just below, 2^0.3 = 1.231 at 1 h).

    Parameters
    ----------
    averaging_time : float
        Averaging (sampling) time τ, 0.5 ≤ τ < 100. [h]

    Returns
    -------
    float
        Factor on the 0.5-h σ_y. [-]
    """
    tau = float(averaging_time)
    for lower, upper, q in GB3840_SAMPLING_TIME_EXPONENTS:
        if lower <= tau < upper:
            return (tau / 0.5) ** q
    raise InputError.field("gb3840_sampling_time_factor", "averaging_time", averaging_time,
                           "0.5 <= averaging_time < 100 h (GB/T 3840-91)")


def sigma_gb13201(x, stability, averaging_time: float = 0.5):
    r"""GB/T 13201-91 power laws σ_y = γ1 x^α1 · f(τ), σ_z = γ2 x^α2 for classes A–F [4]_.

    γ, α by class and range ("x ≤ upper bound", x in m) from ``GB13201_SIGMA`` (0.5-h sampling);
    f(τ) = :func:`gb3840_sampling_time_factor` corrects σ_y to the averaging time τ; σ_z is not corrected.

    Parameters
    ----------
    x : array_like
        Downwind distance, > 0. [m]
    stability : int or array_like of int
        Pasquill–Gifford class code 0..5 (A..F), broadcast with ``x``.
    averaging_time : float, default 0.5
        Averaging time τ of the concentrations, 0.5 ≤ τ < 100. [h]

    Returns
    -------
    sigma_y, sigma_z : numpy.ndarray or float
        Lateral and vertical dispersion coefficients. [m]
    """
    factor = gb3840_sampling_time_factor(averaging_time)

    def evaluate(distance, cls):
        out = []
        for axis in ("y", "z"):
            laws = GB13201_SIGMA[cls][axis]
            i = _range_index(distance, np.array([law.x_upper_m for law in laws]))
            gamma = np.array([law.gamma for law in laws])[i]
            alpha = np.array([law.alpha for law in laws])[i]
            out.append(gamma * distance**alpha)
        return out[0] * factor, out[1]

    return _per_class(x, stability, "sigma_gb13201", evaluate)


SIGMA_MODELS: Mapping[str, Callable] = MappingProxyType({
    "briggs_rural": sigma_briggs_rural,
    "briggs_urban": sigma_briggs_urban,
    "pasquill_gifford_isc3": sigma_pasquill_gifford_isc3,
    "gb13201": sigma_gb13201,
})
"""Every dispersion-coefficient set by name: the one list of sigma sets (a new set is a function here, its entry
in this mapping and its branch of :func:`power_law_segments`; options and scenario schemas take their names from
:data:`SIGMA_MODEL_NAMES`)."""

SIGMA_MODEL_NAMES: tuple[str, ...] = tuple(SIGMA_MODELS)


def _check_model(model: str, where: str) -> str:
    if model not in SIGMA_MODELS:
        raise InputError.field(where, "model", model, f"one of {', '.join(repr(k) for k in SIGMA_MODELS)}")
    return model


def sigma(model: str, x, stability, *, averaging_time: float | None = None):
    """σ_y, σ_z [m] of a model of ``SIGMA_MODELS`` at downwind distance ``x`` [m] for class code(s) ``stability``.

    ``averaging_time`` [h] is used by ``"gb13201"`` only (GB/T 3840-91 σ_y correction; None = its 0.5-h default);
    the ISC3 and Briggs curves are used as published (ISC3 applies them to 1-h averages) and ignore it.
    """
    _check_model(model, "sigma")
    if model == "gb13201" and averaging_time is not None:
        return sigma_gb13201(x, stability, averaging_time=averaging_time)
    return SIGMA_MODELS[model](x, stability)


# -------------------------------------------------------------------------------------- tables for the kernel


def power_law_segments(model: str, stability: int, axis: Literal["y", "z"],
                       averaging_time: float = 1.0) -> np.ndarray:
    """The model's σ(x) for one class and axis as uniform power-law segments (for the Numba kernel).

    Returns a C-contiguous float64 array of shape (n_segments, 6), columns
    ``[x_upper_m, a, alpha, b, beta, cap_m]``: for the first segment with x ≤ x_upper (x in m),

        σ(x) = min(cap, a · x^alpha · (1 + b·x)^beta)   [m].

    x_upper increases; the last is +inf; cap is +inf when the model has none (only ISC3 σ_z has one, 5000 m).
    ISC3 σ_z: a = a_km · 1000^(−b) turns a·(x/1000)^b into a·x^b. GB/T 13201 σ_y includes the GB/T 3840-91
    sampling-time factor for ``averaging_time`` [h] (ignored by the other models). Reproduces
    :func:`sigma` to ~1e-15 relative for every x > 0.

    ISC3 σ_y (Turner's tangent form) has no power-law form: asking for it raises InputError; the kernel uses
    ``ISC3_PG_SIGMA_Y`` (c, d) directly.
    """
    where = "power_law_segments"
    _check_model(model, where)
    cls = int(_check_class(stability, where))
    if axis not in ("y", "z"):
        raise InputError.field(where, "axis", axis, "'y' or 'z'")
    rows: list[tuple[float, float, float, float, float, float]]
    if model == "pasquill_gifford_isc3":
        if axis == "y":
            raise InputError.field(where, "model", model,
                                   "a model with a power-law σ_y (ISC3 σ_y is tan-shaped: use ISC3_PG_SIGMA_Y)")
        rows = [(bound_m, r.a * 1000.0 ** (-r.b), r.b, 0.0, 0.0, ISC3_SIGMA_Z_CAP)
                for bound_m, r in zip(_isc3_bounds_m(cls), ISC3_PG_SIGMA_Z[cls])]
    elif model in ("briggs_rural", "briggs_urban"):
        table = BRIGGS_RURAL_SIGMA if model == "briggs_rural" else BRIGGS_URBAN_SIGMA
        a, b, beta = table[cls][axis]
        rows = [(_INF, a, 1.0, b, beta, _INF)]
    else:
        factor = gb3840_sampling_time_factor(averaging_time) if axis == "y" else 1.0
        rows = [(law.x_upper_m, law.gamma * factor, law.alpha, 0.0, 0.0, _INF) for law in GB13201_SIGMA[cls][axis]]
    return np.ascontiguousarray(rows, dtype=np.float64)


# Relative head-room on the bound so that rounding in σ_y(1 m) can never exceed k·1 m.
_BOUND_MARGIN = 1.0 + 1e-12


def sigma_y_linear_bound(model: str, stability: int, averaging_time: float = 1.0) -> float:
    """A constant k [-] with σ_y(x) ≤ k·x for every x ≥ 1 m (for culling receptors beyond 6 σ_y).

    Every σ_y here has σ_y/x non-increasing in x on each range: the power laws have alpha ≤ 1 and β ≤ 0
    (checked), and Turner's ISC3 form gives σ_y/x = 0.46511628 tan θ with θ falling as x grows (θ stays in
    (0, π/2) for x ≥ 1 m and all six classes). So sup σ_y/x is attained at the left end of a range: at x = 1 m
    or just right of a range boundary. k is the largest of those values (times 1 + 1e-12 for rounding).
    ``averaging_time`` [h] as in :func:`power_law_segments`.
    """
    where = "sigma_y_linear_bound"
    _check_model(model, where)
    cls = int(_check_class(stability, where))
    if model == "pasquill_gifford_isc3":
        c, d = ISC3_PG_SIGMA_Y[cls]
        theta = 0.017453293 * (c - d * math.log(1.0 / 1000.0))
        if not 0.0 < theta < math.pi / 2:
            raise InputError.field(where, "stability", cls, "a class whose ISC3 σ_y angle is below 90° at 1 m")
        return 0.46511628 * math.tan(theta) * _BOUND_MARGIN
    segments = power_law_segments(model, cls, "y", averaging_time=averaging_time)
    k = 0.0
    lower = 1.0
    for x_upper, a, alpha, b, beta, _cap in segments:
        if alpha > 1.0 or b * beta > 0.0:
            raise InputError.field(where, "model", model, "a σ_y whose σ_y/x does not grow with x")
        if x_upper >= lower:  # ranges ending below 1 m do not matter
            k = max(k, a * lower ** (alpha - 1.0) * (1.0 + b * lower) ** beta)
        lower = max(lower, x_upper)
    return float(k * _BOUND_MARGIN)
