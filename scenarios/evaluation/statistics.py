"""Model performance measures of Chang & Hanna (2004), on paired observed and predicted concentrations.

Chang, J. C. and Hanna, S. R. (2004), *Air quality model performance evaluation*, Meteorol. Atmos. Phys. 87,
167–196 (``chang2004``), §3, the measures of the BOOT package (Chang and Hanna 2005, BOOT user's guide v2.0):

    FB   = (⟨Co⟩ − ⟨Cp⟩) / (0.5 (⟨Co⟩ + ⟨Cp⟩))           fractional bias (> 0: the model under-predicts)
    MG   = exp(⟨ln Co⟩ − ⟨ln Cp⟩)                         geometric mean bias
    NMSE = ⟨(Co − Cp)²⟩ / (⟨Co⟩ ⟨Cp⟩)                     normalised mean square error
    VG   = exp(⟨(ln Co − ln Cp)²⟩)                        geometric variance
    FAC2 = fraction of pairs with 0.5 ≤ Cp/Co ≤ 2          fraction within a factor of two
    NAD  = ⟨|Co − Cp|⟩ / (⟨Co⟩ + ⟨Cp⟩)                     normalised absolute difference
    r    = ⟨(Co − ⟨Co⟩)(Cp − ⟨Cp⟩)⟩ / (σ_Co σ_Cp)          correlation coefficient

⟨·⟩ is the mean over the pairs. A perfect model has FB = NMSE = NAD = 0 and MG = VG = FAC2 = r = 1.

Zeros (BOOT's lower threshold): MG, VG and FAC2 take logarithms or ratios, undefined at zero and dominated by
values near it, so, as BOOT does with its user-set threshold, every observed and predicted value below
``threshold`` is set to ``threshold`` for these three measures (a pair with both values below it then counts as
within a factor of two, and ln Co − ln Cp = 0). FB, NMSE, NAD and r use the values as they are.

Acceptance ranges (:data:`ACCEPTANCE`), Chang & Hanna (2004) §5.1 for research-grade field experiments:
FAC2 ≥ 0.5, |FB| ≤ 0.3, 0.7 ≤ MG ≤ 1.3, NMSE ≤ 1.5, VG ≤ 4 — the paper's abstract states "a relative mean bias less
than about 30 % and a relative scatter less than about a factor of two"; the individual numbers were not read in
the paper here and are listed in docs/unverified.md. NAD and r have no range there.
"""

from __future__ import annotations

import numpy as np

from twin.errors import InputError

__all__ = ["MEASURES", "ACCEPTANCE", "performance_measures", "within_acceptance", "check_pairs"]

MEASURES = ("FB", "MG", "NMSE", "VG", "FAC2", "NAD", "r")

# Measure -> (lowest, highest) accepted value, Chang & Hanna (2004) §5.1 (module docstring; docs/unverified.md).
ACCEPTANCE = {"FB": (-0.3, 0.3), "MG": (0.7, 1.3), "NMSE": (None, 1.5), "VG": (None, 4.0), "FAC2": (0.5, None)}


def check_pairs(observed, predicted, where: str = "evaluation") -> tuple[np.ndarray, np.ndarray]:
    """The pairs as two float64 1-D arrays of the same length ≥ 2, finite and ≥ 0; InputError otherwise."""
    observed = np.asarray(observed, dtype=np.float64).ravel()
    predicted = np.asarray(predicted, dtype=np.float64).ravel()
    if observed.shape != predicted.shape or observed.size < 2:
        raise InputError.field(where, "pairs", f"{observed.size} observed and {predicted.size} predicted",
                               "the same number (≥ 2) of observed and predicted values")
    for name, values in (("observed", observed), ("predicted", predicted)):
        if not np.isfinite(values).all() or (values < 0).any():
            raise InputError.field(where, name, float(values[~np.isfinite(values) | (values < 0)][0]),
                                   "finite concentrations ≥ 0")
    return observed, predicted


def performance_measures(observed, predicted, *, threshold: float) -> dict[str, float]:
    """FB, MG, NMSE, VG, FAC2, NAD and r of paired values (module docstring).

    Parameters
    ----------
    observed, predicted : array_like
        Paired concentrations, same shape, ≥ 0. [kg m-3] (any one unit for both)
    threshold : float
        Lower threshold for MG, VG and FAC2 (values below it are set to it), > 0, in the unit of the values.

    Returns
    -------
    dict
        Measure name -> value (NaN where undefined: NMSE, FB with both means 0; r with a constant series).
    """
    if not (np.isfinite(threshold) and threshold > 0):
        raise InputError.field("evaluation", "threshold", threshold, "a concentration > 0 (BOOT's lower threshold)")
    co, cp = check_pairs(observed, predicted)
    mean_o, mean_p = co.mean(), cp.mean()
    with np.errstate(invalid="ignore", divide="ignore"):
        fb = (mean_o - mean_p) / (0.5 * (mean_o + mean_p))
        nmse = np.mean((co - cp) ** 2) / (mean_o * mean_p)
        nad = np.mean(np.abs(co - cp)) / (mean_o + mean_p)
        # a series constant to rounding (std below 1e-12 of its mean) has no correlation
        constant = co.std() <= 1e-12 * abs(mean_o) or cp.std() <= 1e-12 * abs(mean_p)
        spread = co.std() * cp.std()
        r = np.nan if constant or spread == 0 else np.mean((co - mean_o) * (cp - mean_p)) / spread
    lo, lp = np.log(np.maximum(co, threshold)), np.log(np.maximum(cp, threshold))
    ratio = np.exp(lp - lo)
    return {
        "FB": float(fb),
        "MG": float(np.exp(np.mean(lo - lp))),
        "NMSE": float(nmse) if np.isfinite(nmse) else float("nan"),
        "VG": float(np.exp(np.mean((lo - lp) ** 2))),
        "FAC2": float(np.mean((ratio >= 0.5) & (ratio <= 2.0))),
        "NAD": float(nad),
        "r": float(r),
    }


def within_acceptance(measures: dict[str, float]) -> dict[str, bool | None]:
    """Measure -> whether it lies in Chang & Hanna's (2004) range (:data:`ACCEPTANCE`); None where none is given."""
    out: dict[str, bool | None] = {}
    for name in MEASURES:
        if name not in ACCEPTANCE:
            out[name] = None
            continue
        low, high = ACCEPTANCE[name]
        value = measures[name]
        out[name] = bool(np.isfinite(value) and (low is None or value >= low) and (high is None or value <= high))
    return out
