"""Physical constants (SI).

Sources: ICAO Doc 7488 (Manual of the ICAO Standard Atmosphere, 1993) for the atmosphere;
CODATA 2018 for Boltzmann's constant.
"""

G0 = 9.80665
"""Standard gravity [m/s^2] (ICAO Doc 7488)."""

R_AIR = 287.05287
"""Specific gas constant of dry air [J/(kg K)] (ICAO Doc 7488)."""

GAMMA_AIR = 1.4
"""Ratio of specific heats of air [-]."""

T0_ISA = 288.15
"""ISA sea-level temperature [K]."""

P0_ISA = 101_325.0
"""ISA sea-level pressure [Pa]."""

RHO0_ISA = 1.225
"""ISA sea-level density [kg/m^3]."""

LAPSE_TROPOSPHERE = -0.0065
"""ISA temperature lapse rate below 11 km geopotential [K/m]."""

H_TROPOPAUSE = 11_000.0
"""ISA tropopause geopotential altitude [m]."""

BOLTZMANN = 1.380649e-23
"""Boltzmann constant [J/K] (CODATA 2018)."""

FT = 0.3048
"""One international foot [m]."""

KT = 1852.0 / 3600.0
"""One knot [m/s]."""

NM = 1852.0
"""One international nautical mile [m]."""

LB_PER_IN2 = 703.069_579_639_159_9
"""One pound per square inch of cross-section, as used for ballistic coefficients [kg/m^2]."""
