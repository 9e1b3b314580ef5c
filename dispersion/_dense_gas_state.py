"""Named slots of the two flat arrays the SLAB kernels share (no Numba here, only integer constants).

The SLAB model (Ermak 1990, UCRL-MA-105607) advances one cloud whose state is a few dozen scalars. Numba kernels
cannot share a mutable record cheaply and `jitclass` cannot be cached, so the kernels pass two float64 arrays and
address them by the names below (module-level integers are compile-time constants inside ``@njit`` code):

* ``p`` — release, ambient and derived *parameters* (fixed during the integration, set by the source set-up);
* ``s`` — the *cloud state*: current values, the values at the start of the step (suffix ``_OLD``, the Fortran's
  ``…0`` variables) and the step's integrated increments.

Units: SI throughout ([m], [s], [kg], [K], [kg/m³], [m/s], [J/(kg K)]). Mass fractions are [-].
"""

from __future__ import annotations

# ---- parameters p[...] --------------------------------------------------------------------------------------------
(
    P_WMS,  # molecular weight of the released gas [kg/mol]
    P_CPS,  # vapour heat capacity of the released gas [J/(kg K)]
    P_TBP,  # boiling temperature [K]
    P_DHE,  # heat of vaporisation at the boiling point [J/kg]
    P_CPSL,  # liquid heat capacity [J/(kg K)]
    P_RHOSL,  # liquid density [kg/m3]
    P_SPA,  # saturation-pressure constant A [-]
    P_SPB,  # saturation-pressure constant B [K]
    P_SPC,  # saturation-pressure constant C [K]
    P_SPAW,  # water saturation-pressure constant A [-]
    P_SPBW,  # water saturation-pressure constant B [K]
    P_TS,  # source temperature [K]
    P_QS,  # release rate [kg/s]
    P_AREA,  # source area [m2]
    P_TSD,  # release duration [s]
    P_QTCS,  # mass of the continuous part qs*tsd [kg]
    P_QTIS,  # instantaneous mass [kg]
    P_HS,  # source height (after plume rise for a buoyant stack) [m]
    P_BS,  # source half-width 0.5*sqrt(area) [m]
    P_BSE,  # effective pool half-width (SLAB re-sizes it) [m]
    P_WS,  # vertical source velocity [m/s]
    P_US,  # horizontal source velocity [m/s]
    P_RHOS,  # source gas density at ts [kg/m3]
    P_RHOA,  # ambient air density [kg/m3]
    P_TA,  # ambient temperature [K]
    P_WMAE,  # molecular weight of the humid ambient air [kg/mol]
    P_CPAA,  # heat capacity of the humid ambient air [J/(kg K)]
    P_CMWA,  # water mass fraction of the ambient air [-]
    P_CMDAA,  # dry-air mass fraction of the ambient air [-]
    P_USTAR,  # friction velocity u* [m/s]
    P_ALA,  # inverse Monin-Obukhov length 1/L [1/m]
    P_ALA0,  # 1/L corrected to the reference height, ala*(1+z/zl) [1/m]
    P_ZL,  # height scale of the 1/L correction [m]
    P_HMX,  # mixing-layer height [m]
    P_ZT,  # height below which the wind profile is a parabola, e*z0 [m]
    P_CU1,  # linear coefficient of that parabola [1/m]
    P_CU2,  # quadratic coefficient of that parabola [1/m2]
    P_Z0,  # surface roughness [m]
    P_STB,  # stability offset from neutral, stab - 4 [-]
    P_PHIMI,  # unstable phi_m at the reference height [-]
    P_PHGAM,  # unstable phi_m shape constant [1/m]
    P_AFA,  # horizontal entrainment (meander-free) coefficient [-]
    P_RCF,  # sqrt(cf0/cf00), surface-friction ratio [-]
    P_CF0,  # friction coefficient u*/u(2 m) [-]
    P_URF,  # normalised wind at the 4 m reference height [-]
    P_TGON,  # 1 when ground heat transfer is on, 0 for a lifted buoyant plume [-]
    P_IDSPL,  # source type 1..4 (a pool may turn into 4)
    P_XCC0,  # first steady output station for the time-of-arrival mapping [m]
    P_BXS0,  # initial along-wind half-length of the steady cloud [m]
    P_US_ORIG,  # horizontal jet exit velocity used by the jet meander factor [m/s]
    P_RHOS_ORIG,  # source gas density for the jet meander factor [kg/m3]
    P_XFFM,  # last downwind distance [m]
    P_TFFM,  # time scale xffm/u(2 m) of an instantaneous release [s]
    P_NSSM,  # integration sub-steps per output step (3*ncalc)
    P_UA_INPUT,  # wind speed at the measurement height [m/s]
    P_COUNT,
) = range(56)

# ---- cloud state s[...] --------------------------------------------------------------------------------------------
(
    S_X, S_XN, S_TIM, S_TIMN,  # downwind distance [m] and time [s]: start of step and current stage
    S_R, S_R_OLD,  # quarter/half total mass (puff [kg]) or half mass flux (plume [kg/s])
    S_BB, S_BB_OLD,  # cloud half-width [m]
    S_B, S_B_OLD,  # half-width of the flat crosswind core, b [m]
    S_BBV, S_BBV_OLD, S_BV, S_BV_OLD,  # entrainment-only half-widths (before density-ratio scaling) [m]
    S_H, S_H_OLD,  # cloud depth [m]
    S_HTP, S_HTP_OLD,  # cloud top height [m]
    S_U, S_U_OLD,  # cloud along-wind speed [m/s]
    S_UAB, S_UAB_OLD,  # ambient wind averaged over the cloud depth [m/s]
    S_RHO, S_RHO_OLD,  # cloud density [kg/m3]
    S_T, S_T_OLD,  # cloud temperature [K]
    S_CM, S_CM_OLD,  # released-material mass fraction [-]
    S_CV,  # released-material volume (mole) fraction of the gas phase [-]
    S_CMW, S_CMW_OLD,  # water mass fraction [-]
    S_CMWV, S_CMWV_OLD,  # water-vapour mass fraction [-]
    S_CMEV, S_CMEV_OLD,  # released-material vapour mass fraction [-]
    S_CP, S_CP_OLD,  # cloud heat capacity [J/(kg K)]
    S_VG, S_VG_OLD,  # gravity-spreading crosswind edge velocity [m/s]
    S_WC, S_WC_OLD,  # vertical velocity of the cloud centre [m/s]
    S_ZC, S_ZC_OLD,  # height of the cloud centre of mass [m]
    S_V, S_W, S_VX,  # side, top and along-wind entrainment velocities [m/s]
    S_BETA, S_BETAX,  # crosswind and along-wind edge-profile parameters [m]
    S_QINT, S_QINT_OLD,  # released mass inside the cloud (plume: time integral, as SLAB) [kg]
    S_G, S_GW, S_GX,  # step increments of the crosswind/vertical/along-wind momentum
    S_SFT, S_SFU, S_SFY, S_SFZ, S_SFX,  # step increments of heat and momentum surface fluxes
    S_UBS2, S_UBS2_OLD,  # squared friction velocity felt by the cloud [m2/s2]
    S_BBX, S_BBX_OLD, S_BX, S_BX_OLD,  # puff half-length and core half-length [m]
    S_BBVX, S_BBVX_OLD, S_BVX, S_BVX_OLD,  # entrainment-only half-lengths [m]
    S_UG, S_UG_OLD,  # along-wind gravity-spreading edge velocity [m/s]
    S_RMI,  # instantaneous part of the puff's released mass (quarter) [kg]
    S_FU, S_FT, S_FV, S_FW, S_FUG,  # surface/shear fluxes of momentum and heat (rates)
    S_DBBX, S_UTM3, S_UTC3,  # gravity-current transition bookkeeping of the plume speed solver
    S_KEVAL,  # 4 while the last Runge-Kutta stage of the pool integration runs (SLAB's keval)
    S_ALFG,  # gravity-spreading coefficient in the momentum equation (0.25 grounded, 0 lifted) [-]
    S_WSS, S_WSE,  # vertical source velocity felt by entrainment / effective pool velocity [m/s]
    S_XSTR,  # relaxation length of the source-induced friction velocity [m]
    S_SRU0,  # momentum flux carried from the previous step
    S_IDPF,  # 0 steady plume, 2 transient puff
    S_DBT,  # accumulated pool half-width excess of the gravity-current transition [m]
    S_UTST,  # 3 when the plume speed solver hit the gravity-current limit (pool re-sizing flag)
    S_COUNT,
) = range(89)

# ---- stored stations rec[i, ...] (SLAB's 61 output points) ---------------------------------------------------------
(
    R_X, R_ZC, R_H, R_BB, R_B, R_BBX, R_BX, R_CV, R_RHO, R_T, R_U, R_UA,
    R_CM, R_CMEV, R_CMDA, R_CMW, R_CMWV, R_WC, R_VG, R_UG, R_W, R_V, R_VX,
    R_BETA, R_BETAX, R_TIM, R_QINT, R_XCC, R_TCC,
    R_COUNT,
) = range(30)

N_STATIONS = 61  # SLAB stores 61 output stations (mffm)
N_SOURCE_STATIONS = 11  # stations across the pool source region (msfm)

# ---- the run's input vector inp[...] (the SLAB deck, one value each, SI units) --------------------------------------
(
    I_IDSPL, I_NCALC, I_WMS, I_CPS, I_TBP, I_CMED0, I_DHE, I_CPSL, I_RHOSL, I_SPB, I_SPC, I_TS, I_QS, I_AREA,
    I_TSD, I_QTIS, I_HS, I_XFFM, I_Z0, I_ZA, I_UA, I_TA, I_RH, I_STAB, I_ALA, I_PA,
    I_COUNT,
) = range(27)

# ---- scalar results out[...] of the integration --------------------------------------------------------------------
(
    O_NXTR,  # first station in puff mode (1-based as SLAB; 62 = never)
    O_STATUS,  # 0 ok, 1 source above the mixing layer, 2 non-finite state
    O_USTAR, O_HMX, O_RHOS, O_RHOA, O_STAB, O_ALA, O_IDSPL, O_BS, O_US, O_WS, O_HS, O_TSD,
    O_COUNT,
) = range(15)
