"""ADS-B into the radar track picture: reports as Cartesian position measurements in the site frame.

A report's horizontal position error follows from its NACp: the 95 % horizontal bound EPU
(:data:`bastion.sense.types.NACP_EPU_M`, RTCA DO-260B) of a circular Gaussian is
sqrt(-2 ln 0.05) sigma = 2.448 sigma (Rayleigh quantile). The vertical component is barometric
altitude compared with the radar's geometric height; its sigma is a tracker setting (60 m, the
barometric-versus-geometric disagreement used by identification, :mod:`bastion.assess.identify`).
Heights follow the site convention: up = altitude above mean sea level minus the site elevation.
"""

from __future__ import annotations

import numpy as np

from bastion.physics.geodesy import Origin
from bastion.sense.types import NACP_EPU_M, AdsbReports

EPU_95_TO_SIGMA = 1.0 / np.sqrt(-2.0 * np.log(0.05))
"""Ratio of a circular Gaussian's per-axis sigma to its 95 % radius (1/2.448)."""


def adsb_measurements(
    reports: AdsbReports, origin: Origin, vertical_sigma_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ENU positions (K, 3) [m], their covariances (K, 3, 3) and a mask of usable reports (K,).

    Unusable: non-finite position or altitude, or NACp outside 1..11 (NACp 0: accuracy unknown)."""
    k = len(reports)
    nacp = np.asarray(reports.nacp, dtype=int)
    ok = (nacp >= 1) & (nacp < NACP_EPU_M.size)
    ok &= np.isfinite(reports.lat) & np.isfinite(reports.lon) & np.isfinite(reports.altitude_m)
    ok &= np.isfinite(reports.t)
    enu = np.zeros((k, 3))
    if ok.any():
        enu[ok] = origin.to_enu(reports.lat[ok], reports.lon[ok], reports.altitude_m[ok])
        enu[ok, 2] = reports.altitude_m[ok] - origin.alt_m
    sigma_h = NACP_EPU_M[np.clip(nacp, 0, NACP_EPU_M.size - 1)] * EPU_95_TO_SIGMA
    R = np.zeros((k, 3, 3))
    R[:, 0, 0] = R[:, 1, 1] = np.where(ok, sigma_h, 1.0) ** 2
    R[:, 2, 2] = vertical_sigma_m**2
    return enu, R, ok
