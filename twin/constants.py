"""Physical constants used across ParkTwin, each with its unit and published source. SI units throughout.

Import from here instead of writing the literal again. Numba kernels may use these module-level floats: they are
frozen into the compiled code as constants.

Deliberate exceptions (a published model that defines its own value, kept so its reference results reproduce):

- ``dispersion.plume_rise.GRAVITY_ISC3`` = 9.80616 m s-2, the g of ISC3 (EPA-454/B-95-003b);
- ``dispersion._dense_gas_thermo``: SLAB's own R = 8.31431 J mol-1 K-1, g, k = 0.41, dry-air M = 0.02896 kg mol-1
  and ambient pressure (Ermak 1990, UCRL-MA-105607, as set in the SLAB program), on which the SLAB reference
  listings depend.

References: docs/bibliography.md.
"""

from __future__ import annotations

__all__ = [
    "GAS_CONSTANT",
    "STANDARD_GRAVITY",
    "STANDARD_PRESSURE",
    "ZERO_CELSIUS",
    "AIR_MOLAR_MASS",
    "EARTH_RADIUS",
]

# Molar gas constant R [J mol-1 K-1]: CODATA 2018 (Tiesinga et al. 2021), R = N_A k, exact since the 2019 SI
# redefinition (8.314 462 618 … ; the digits written here are the first ten).
GAS_CONSTANT = 8.314462618

# Standard acceleration of gravity g_n [m s-2]: 3rd CGPM (1901), a defined value; ISO 80000-3:2019.
STANDARD_GRAVITY = 9.80665

# Standard atmosphere [Pa]: 10th CGPM (1954), Resolution 4, 1 atm = 101 325 Pa (defined).
STANDARD_PRESSURE = 101325.0

# 0 °C in kelvin [K]: SI Brochure, 9th edition (BIPM 2019), §2.3.1: t/°C = T/K − 273.15 (defined).
ZERO_CELSIUS = 273.15

# Mean molar mass of dry air [kg mol-1]: U.S. Standard Atmosphere 1976 (NOAA/NASA/USAF 1976) gives the sea-level
# mean molecular weight M0 = 28.9644 kg/kmol. The code has always used 28.964 g/mol (M0 to five significant
# figures, 1.4e-5 relative below it); kept so that results do not change.
AIR_MOLAR_MASS = 0.028964

# Mean radius of the Earth R1 = (2a + b)/3 [m]: Geodetic Reference System 1980 (IUGG; Moritz 2000), R1 =
# 6 371 008.7714 m, written to 0.1 m.
EARTH_RADIUS = 6371008.8
