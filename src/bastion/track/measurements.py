"""Measurement models, batched: polar radar plots and Cartesian positions (ADS-B).

A model maps states ``x`` (N, n), whose components 0-2 are the ENU position [m] and 3-5 the
velocity [m/s], to predicted measurements (N, m), with its Jacobian (N, m, n) for the EKF and a
``residual`` that wraps angles for every filter.

Polar radar: (range [m], azimuth [rad, clockwise from north], elevation [rad, up from the
horizontal]) relative to the sensor position, optionally range rate [m/s]. Jacobian analytic
(BLK §10.4). :func:`polar_to_cartesian_cov` converts a plot's covariance to ENU for track
initiation (first-order, BLK §10.4.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.physics.geodesy import polar_to_enu, wrap_angle
from bastion.track.compiled_loops import COMPILED_MIN_ROWS, kernels


@dataclass(frozen=True)
class PolarRadar:
    """Plots of a radar at ``position`` (3,) ENU [m] with noise sigmas (range, az, el[, range rate])."""

    position: np.ndarray
    sigma: np.ndarray
    with_rate: bool = False
    noise_cov: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        sigma = np.asarray(self.sigma, dtype=float)
        if sigma.size != (4 if self.with_rate else 3):
            raise ValueError("PolarRadar: sigma needs 3 components (4 with range rate)")
        object.__setattr__(self, "noise_cov", np.diag(sigma**2))
        object.__setattr__(self, "position", np.asarray(self.position, dtype=float))

    @property
    def dim(self) -> int:
        return 4 if self.with_rate else 3

    def h(self, x: np.ndarray) -> np.ndarray:
        """Predicted measurements (N, m) of states (N, n)."""
        rel = x[:, :3] - self.position
        e, n, u = rel[:, 0], rel[:, 1], rel[:, 2]
        rho = np.hypot(e, n)
        r = np.sqrt(rho * rho + u * u)
        z = np.empty((x.shape[0], self.dim))
        z[:, 0] = r
        z[:, 1] = np.arctan2(e, n)
        z[:, 2] = np.arctan2(u, rho)
        if self.with_rate:
            z[:, 3] = np.einsum("ij,ij->i", rel, x[:, 3:6]) / np.maximum(r, 1e-9)
        return z

    def jacobian(self, x: np.ndarray) -> np.ndarray:
        """dh/dx (N, m, n), analytic (BLK §10.4): a compiled loop (:func:`bastion.track.kernels.polar_jacobian`)
        from :data:`~bastion.track.compiled_loops.COMPILED_MIN_ROWS` rows, below its numpy twin
        (:func:`polar_jacobian`, the same bits)."""
        if x.shape[0] < COMPILED_MIN_ROWS:
            return polar_jacobian(x, self.position, self.dim)
        return kernels().polar_jacobian(x, self.position, self.dim)

    @staticmethod
    def residual(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """a - b with the azimuth difference wrapped to (-pi, pi]."""
        d = a - b
        d[..., 1] = wrap_angle(d[..., 1])
        return d

    def noise(self, k: int) -> np.ndarray:
        """Noise covariances (k, m, m), a broadcast view."""
        return np.broadcast_to(self.noise_cov, (k, self.dim, self.dim))

    def coverage_volume(self, min_range: float, max_range: float, min_el: float, max_el: float, rate_span: float):
        """Measurement-space volume [m rad^2 (m/s)] of a coverage, for a uniform clutter density."""
        v = (max_range - min_range) * 2.0 * np.pi * (max_el - min_el)
        return v * rate_span if self.with_rate else v


@dataclass(frozen=True)
class CartesianPosition:
    """Measured ENU position [m] (e.g. ADS-B converted to the site frame); R given per report."""

    dim = 3

    @staticmethod
    def h(x: np.ndarray) -> np.ndarray:
        return x[:, :3].copy()

    @staticmethod
    def jacobian(x: np.ndarray) -> np.ndarray:
        H = np.zeros((x.shape[0], 3, x.shape[1]))
        H[:, 0, 0] = H[:, 1, 1] = H[:, 2, 2] = 1.0
        return H

    @staticmethod
    def residual(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b


def innovation(z: np.ndarray, z_pred: np.ndarray) -> np.ndarray:
    """Polar measurement minus prediction, with the azimuth difference wrapped to (-pi, pi]."""
    return PolarRadar.residual(np.array(z, dtype=float), z_pred)


def polar_to_cartesian(r, az, el, sensor: np.ndarray) -> np.ndarray:
    """ENU positions (N, 3) of plots."""
    return polar_to_enu(r, az, el) + sensor


def polar_to_cartesian_cov(r, az, el, sig_r: float, sig_az: float, sig_el: float) -> np.ndarray:
    """First-order ENU position covariances (N, 3, 3) of plots (range, azimuth, elevation)."""
    r, az, el = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (r, az, el))
    ce, se, ca, sa = np.cos(el), np.sin(el), np.cos(az), np.sin(az)
    J = np.zeros((r.size, 3, 3))
    # e = r ce sa, n = r ce ca, u = r se
    J[:, 0, 0], J[:, 0, 1], J[:, 0, 2] = ce * sa, r * ce * ca, -r * se * sa
    J[:, 1, 0], J[:, 1, 1], J[:, 1, 2] = ce * ca, -r * ce * sa, -r * se * ca
    J[:, 2, 0], J[:, 2, 1], J[:, 2, 2] = se, 0.0, r * ce
    R = np.diag([sig_r**2, sig_az**2, sig_el**2])
    return J @ R @ J.transpose(0, 2, 1)


def polar_jacobian(x: np.ndarray, position: np.ndarray, m: int) -> np.ndarray:
    """:func:`bastion.track.kernels.polar_jacobian` as array operations: the same floating-point
    operations in the same order (its result to the last bit, tested), for batches too small to be
    worth loading numba (:mod:`bastion.track.compiled_loops`). The formulas are those of
    :func:`bastion.track.kernels.polar_jacobian_reference`."""
    e = x[:, 0] - position[0]
    nn = x[:, 1] - position[1]
    u = x[:, 2] - position[2]
    rho2 = e * e + nn * nn
    rho2 = np.where(rho2 < 1e-6, 1e-6, rho2)  # (as the loop: a NaN stays NaN)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    H = np.zeros((x.shape[0], m, x.shape[1]))
    H[:, 0, 0] = e / r
    H[:, 0, 1] = nn / r
    H[:, 0, 2] = u / r
    H[:, 1, 0] = nn / rho2
    H[:, 1, 1] = -e / rho2
    H[:, 2, 0] = -e * u / (r2 * rho)
    H[:, 2, 1] = -nn * u / (r2 * rho)
    H[:, 2, 2] = rho / r2
    if m == 4:
        ve, vn, vu = x[:, 3], x[:, 4], x[:, 5]
        rdot = ((e * ve + u * vu) + nn * vn) / r
        H[:, 3, 0] = (ve - rdot * e / r) / r
        H[:, 3, 1] = (vn - rdot * nn / r) / r
        H[:, 3, 2] = (vu - rdot * u / r) / r
        H[:, 3, 3] = e / r
        H[:, 3, 4] = nn / r
        H[:, 3, 5] = u / r
    return H
