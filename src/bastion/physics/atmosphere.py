"""International Standard Atmosphere (ISA), troposphere and lower stratosphere (0–20 km).

Equations and constants from ICAO Doc 7488 (1993). A temperature offset ``delta_t_k`` shifts the
temperature profile (a hot or cold day) at unchanged sea-level pressure, as in aviation practice
(ISA+dT); density then follows from the ideal gas law. Altitudes are geopotential metres above
mean sea level; below 20 km the difference from geometric altitude is under 0.3 % and ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.constants import (
    G0,
    GAMMA_AIR,
    H_TROPOPAUSE,
    LAPSE_TROPOSPHERE,
    P0_ISA,
    R_AIR,
    T0_ISA,
)

_T_TROPOPAUSE = T0_ISA + LAPSE_TROPOSPHERE * H_TROPOPAUSE
_P_TROPOPAUSE = P0_ISA * (_T_TROPOPAUSE / T0_ISA) ** (-G0 / (LAPSE_TROPOSPHERE * R_AIR))


@dataclass(frozen=True)
class AirState:
    """Air properties at one or many altitudes (arrays broadcast with the altitude)."""

    temperature: np.ndarray  # [K]
    pressure: np.ndarray  # [Pa]
    density: np.ndarray  # [kg/m^3]
    speed_of_sound: np.ndarray  # [m/s]


def isa(altitude_m: np.ndarray | float, delta_t_k: float = 0.0) -> AirState:
    """Air state of the ISA (+ ``delta_t_k``) at ``altitude_m`` metres above mean sea level.

    Valid from -500 m to 20 km; altitudes outside are clipped to that band.
    """
    h = np.clip(np.asarray(altitude_m, dtype=float), -500.0, 20_000.0)
    trop = h <= H_TROPOPAUSE
    t_std = np.where(trop, T0_ISA + LAPSE_TROPOSPHERE * h, _T_TROPOPAUSE)
    p_trop = P0_ISA * (t_std / T0_ISA) ** (-G0 / (LAPSE_TROPOSPHERE * R_AIR))
    p_strat = _P_TROPOPAUSE * np.exp(-G0 * (h - H_TROPOPAUSE) / (R_AIR * _T_TROPOPAUSE))
    p = np.where(trop, p_trop, p_strat)
    t = t_std + delta_t_k
    rho = p / (R_AIR * t)
    a = np.sqrt(GAMMA_AIR * R_AIR * t)
    return AirState(temperature=t, pressure=p, density=rho, speed_of_sound=a)


def density(altitude_m: np.ndarray | float, delta_t_k: float = 0.0) -> np.ndarray:
    """Air density [kg/m^3] at ``altitude_m`` (ISA + ``delta_t_k``)."""
    return isa(altitude_m, delta_t_k).density
