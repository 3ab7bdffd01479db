"""Measurement models, batched: polar radar plots (range, azimuth, elevation, optional range rate).

Azimuth clockwise from north, elevation from the horizontal, relative to the sensor position.
The Jacobian is analytic (the EKF linearisation); :func:`polar_to_cartesian_cov` converts a plot's
covariance to ENU for track initiation (first-order, as in Bar-Shalom et al. 2001 §10.4.3).
"""

from __future__ import annotations

import numpy as np

from bastion.physics.geodesy import polar_to_enu, wrap_angle


def polar_predict(x: np.ndarray, sensor: np.ndarray, with_rate: bool) -> tuple[np.ndarray, np.ndarray]:
    """Predicted measurement (N, m) and Jacobian (N, m, 6) of states ``x`` (N, 6); m = 3 or 4."""
    rel = x[:, :3] - sensor
    e, n, u = rel[:, 0], rel[:, 1], rel[:, 2]
    rho2 = np.maximum(e * e + n * n, 1e-6)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    m = 4 if with_rate else 3
    N = x.shape[0]
    z = np.empty((N, m))
    z[:, 0] = r
    z[:, 1] = np.arctan2(e, n)
    z[:, 2] = np.arctan2(u, rho)
    H = np.zeros((N, m, 6))
    H[:, 0, 0:3] = rel / r[:, None]
    H[:, 1, 0] = n / rho2
    H[:, 1, 1] = -e / rho2
    H[:, 2, 0] = -e * u / (r2 * rho)
    H[:, 2, 1] = -n * u / (r2 * rho)
    H[:, 2, 2] = rho / r2
    if with_rate:
        v = x[:, 3:6]
        rdot = np.einsum("ij,ij->i", rel, v) / r
        z[:, 3] = rdot
        H[:, 3, 0:3] = (v - rdot[:, None] * rel / r[:, None]) / r[:, None]
        H[:, 3, 3:6] = rel / r[:, None]
    return z, H


def innovation(z: np.ndarray, z_pred: np.ndarray) -> np.ndarray:
    """Measurement minus prediction, with the azimuth difference wrapped to (-pi, pi]."""
    nu = z - z_pred
    nu[..., 1] = wrap_angle(nu[..., 1])
    return nu


def polar_noise(sigmas: np.ndarray, n: int) -> np.ndarray:
    """Diagonal measurement-noise covariances (n, m, m) from per-component sigmas (m,)."""
    return np.broadcast_to(np.diag(np.asarray(sigmas, dtype=float) ** 2), (n, len(sigmas), len(sigmas))).copy()


def polar_to_cartesian(r, az, el, sensor: np.ndarray) -> np.ndarray:
    """ENU positions (N, 3) of plots."""
    return polar_to_enu(r, az, el) + sensor


def polar_to_cartesian_cov(r, az, el, sig_r: float, sig_az: float, sig_el: float) -> np.ndarray:
    """First-order ENU position covariances (N, 3, 3) of plots (range, azimuth, elevation)."""
    r, az, el = (np.asarray(a, dtype=float) for a in (r, az, el))
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    J = np.zeros((r.size, 3, 3))
    # e = r ce sa, n = r ce ca, u = r se
    J[:, 0, 0], J[:, 0, 1], J[:, 0, 2] = ce * sa, r * ce * ca, -r * se * sa
    J[:, 1, 0], J[:, 1, 1], J[:, 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
    J[:, 2, 0], J[:, 2, 1], J[:, 2, 2] = se, 0.0, r * ce
    R = np.diag([sig_r**2, sig_az**2, sig_el**2])
    return J @ R @ J.transpose(0, 2, 1)
