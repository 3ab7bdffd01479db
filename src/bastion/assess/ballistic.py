"""Ballistic-arc fitting: is a track a rocket or mortar round, where will it land, where was it fired?

A track's recent plots (ENU positions with their measurement covariances) are fitted by weighted
least squares (Gauss–Newton, numerical Jacobian) with the point-mass model of
:mod:`bastion.physics.ballistics` — gravity, ISA air, the site's wind and a G1 standard-drag body of
unknown ballistic coefficient. The seven unknowns are the position and velocity at the newest plot
and the logarithm of the drag factor. The fit's normalised residual says whether the track *is*
ballistic (a drone's powered flight does not fit a free-flight arc); its parameter covariance,
pushed through the model by the unscented transform (Julier and Uhlmann 2004; 2n+1 sigma points),
gives the predicted point of impact and the point of origin — the arc flown backwards to the
ground — each with a 95 % error ellipse. Rockets are fitted after burnout and the origin is where
their post-burnout arc, flown backwards, meets the ground: the estimator assumes no motor (it is not
told the rocket's type, and no catalogue figure of it is used). The truth burns its motor
(:mod:`bastion.physics.rocket`); the boost climbs nearly straight along the launcher's line, so the
backward arc lands 3-25 m behind the launcher for the catalogue's rockets at 20-55 deg (tested in
``tests/physics/test_rocket.py``), small beside the fit's own error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.ballistics import Air, DragFunction, rk4_step
from bastion.physics.geometry import error_ellipse, level_crossing

G1 = DragFunction.standard("G1")
MIN_PLOTS = 6
CHI2_PER_DOF_MAX = 4.0  # a free-flight arc fits its plots to about their noise
LOG_K_PRIOR = (np.log(2e-4), 2.0)  # drag factor of rockets and mortar bombs (BC ~0.5-5 lb/in^2), loose prior


@dataclass(frozen=True)
class ArcFit:
    t_ref: float  # time of the state [s]
    theta: np.ndarray  # (7,) position (3), velocity (3), log drag factor
    cov: np.ndarray  # (7, 7)
    chi2_per_dof: float
    n_plots: int

    @property
    def ballistic(self) -> bool:
        return self.n_plots >= MIN_PLOTS and self.chi2_per_dof <= CHI2_PER_DOF_MAX


@dataclass(frozen=True)
class GroundPoint:
    """Where the arc meets the ground: mean point (2,), time, 95 % ellipse."""

    point: np.ndarray
    time: float
    cov: np.ndarray  # (2, 2)
    axes: np.ndarray  # (2,) 95 % semi-axes [m]
    orientation: float  # major axis azimuth [rad]


def _propagate(theta: np.ndarray, dts: np.ndarray, air: Air, step: float = 0.5) -> np.ndarray:
    """Positions (S, M, 3) of S parameter sets (S, 7) at offsets ``dts`` (M,) from the reference time
    (negative offsets fly the arc backwards)."""
    theta = np.atleast_2d(theta)
    s = theta.shape[0]
    out = np.empty((s, dts.size, 3))
    order = np.argsort(dts)
    k = np.exp(theta[:, 6])
    for sign in (-1.0, 1.0):
        sel = order[(dts[order] * sign) >= 0] if sign > 0 else order[::-1][dts[order[::-1]] < 0]
        if sel.size == 0:
            continue
        pos, vel, t = theta[:, :3].copy(), theta[:, 3:6].copy(), 0.0
        for j in sel:
            target = dts[j]
            while abs(target - t) > 1e-12:
                h = sign * min(step, abs(target - t))
                pos, vel = rk4_step(pos, vel, h, k, G1, air)
                t += h
            out[:, j] = pos
    return out


def fit_arc(
    times: np.ndarray, pos: np.ndarray, cov: np.ndarray, air: Air, iterations: int = 8, previous: ArcFit | None = None
) -> ArcFit | None:
    """Fit a free-flight arc to plots at ``times`` (M,), positions (M, 3), covariances (M, 3, 3).

    ``previous`` (the last scan's fit of the same track) warm-starts the iteration: its state is
    flown forward to the newest plot, and three Gauss–Newton steps then suffice."""
    m = times.size
    if m < MIN_PLOTS:
        return None
    t_ref = float(times[-1])
    dts = times - t_ref
    # initial guess: quadratic in time through the plots (gravity-like curvature), mid drag
    if previous is not None and previous.t_ref <= t_ref:
        start = _propagate(previous.theta, np.array([t_ref - previous.t_ref]), air, step=0.25)
        # velocity: difference of positions flown 0.1 s either side (the state's own velocity is not kept)
        near = _propagate(previous.theta, np.array([t_ref - previous.t_ref - 0.05, t_ref - previous.t_ref + 0.05]), air)
        theta = np.r_[start[0, 0], (near[0, 1] - near[0, 0]) / 0.1, previous.theta[6]]
        iterations = min(iterations, 3)
    else:
        A = np.stack([np.ones(m), dts, 0.5 * dts**2], axis=1)
        coef = np.linalg.lstsq(A, pos, rcond=None)[0]
        theta = np.r_[coef[0], coef[1], LOG_K_PRIOR[0]]
    W = np.linalg.inv(cov)  # (M, 3, 3)
    prior_w = 1.0 / LOG_K_PRIOR[1] ** 2
    eps = np.r_[np.full(3, 0.5), np.full(3, 0.05), 0.01]
    # a diverging iterate can fly a parameter set out of range (overflow, inf - inf): its fit is then
    # non-finite and rejected below (None), so those floating-point warnings are expected, not errors
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(iterations):
            sets = np.vstack([theta, theta + np.diag(eps)])
            pred = _propagate(sets, dts, air)
            r = pos - pred[0]  # (M, 3)
            J = ((pred[1:] - pred[0]) / eps[:, None, None]).transpose(1, 2, 0)  # (M, 3, 7)
            JtW = np.einsum("mai,mab->mib", J, W)
            H = np.einsum("mib,mbj->ij", JtW, J)
            g = np.einsum("mib,mb->i", JtW, r)
            H[6, 6] += prior_w
            g[6] += prior_w * (LOG_K_PRIOR[0] - theta[6])
            try:
                delta = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                return None
            theta = theta + delta
            theta[6] = np.clip(theta[6], -16.0, 0.0)  # drag factors from feathers to bricks
            if not np.isfinite(theta).all():
                return None
            if np.abs(delta[:3]).max() < 0.01 and abs(delta[6]) < 1e-3:
                break
        pred = _propagate(theta, dts, air)[0]
        r = pos - pred
        chi2 = float(np.einsum("ma,mab,mb->", r, W, r))
        if not np.isfinite(chi2):
            return None
    try:
        theta_cov = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return None
    return ArcFit(t_ref, theta, theta_cov, chi2 / max(3 * m - 7, 1), m)


def _sigma_points(mean: np.ndarray, cov: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric sigma points at +-sqrt(n) sigma with equal weights 1/(2n) (the unscented transform
    with lambda = 0: all weights positive, so the transformed covariance stays positive definite)."""
    n = mean.size
    L = np.linalg.cholesky(n * (cov + np.eye(n) * 1e-12))
    pts = np.vstack([mean, mean + L.T, mean - L.T])
    w = np.full(2 * n + 1, 1.0 / (2 * n))
    w[0] = 0.0
    return pts, w


def ground_crossing(
    fit: ArcFit, air: Air, backwards: bool = False, step: float = 0.5, t_max: float = 200.0
) -> GroundPoint | None:
    """Point of impact (forwards) or of origin (backwards) of the fitted arc, with its 95 % ellipse."""
    pts, w = _sigma_points(fit.theta, fit.cov)
    h = -step if backwards else step
    pos, vel = pts[:, :3].copy(), pts[:, 3:6].copy()
    k = np.exp(pts[:, 6])
    out = np.full((pts.shape[0], 2), np.nan)
    t_hit = np.full(pts.shape[0], np.nan)
    active = pos[:, 2] > 0
    out[~active] = pos[~active, :2]
    t_hit[~active] = 0.0
    t = 0.0
    while active.any() and abs(t) < t_max:
        p1, v1 = rk4_step(pos[active], vel[active], h, k[active], G1, air)
        idx = np.flatnonzero(active)
        down = p1[:, 2] <= 0
        if down.any():
            f, crossing = level_crossing(pos[idx[down]], p1[down])
            out[idx[down]] = crossing[:, :2]
            t_hit[idx[down]] = t + f * h
            active[idx[down]] = False
        pos[idx], vel[idx] = p1, v1
        t += h
    if not np.isfinite(out).all():
        return None
    mean = w @ out
    d = out - mean
    cov = np.einsum("s,si,sj->ij", w, d, d)
    axes, orient = error_ellipse(cov, 0.95)
    return GroundPoint(mean, fit.t_ref + float(w @ t_hit), cov, axes, float(orient))


def predict_positions(fit: ArcFit, times: np.ndarray, air: Air) -> tuple[np.ndarray, np.ndarray]:
    """Where the fitted arc puts the round at ``times`` (K,) [s], and how sure it is: mean positions
    (K, 3) and their *joint* covariance (3K, 3K) (row ``3k + a`` is axis ``a`` at time ``k``).

    The unscented transform (:func:`_sigma_points`) of the fit's parameter covariance, scaled by its
    reduced chi-square when that exceeds 1 (the usual allowance for a model that fits its plots a
    little worse than their noise says; Bevington and Robinson 2003, §11.5), flown through the same
    point-mass model as the fit. The predictions at different times share the fit's errors, so their
    covariance is joint, not block-diagonal: a residual test over several plots must use it whole."""
    cov = fit.cov * max(1.0, fit.chi2_per_dof)
    pts, w = _sigma_points(fit.theta, cov)
    pred = _propagate(pts, np.asarray(times, dtype=float) - fit.t_ref, air)  # (S, K, 3)
    flat = pred.reshape(pts.shape[0], -1)
    mean = w @ flat
    d = flat - mean
    joint = np.einsum("s,si,sj->ij", w, d, d)
    return mean.reshape(-1, 3), joint


def arc_positions(fit: ArcFit, times: np.ndarray, air: Air) -> np.ndarray:
    """Positions (K, 3) of the fitted arc's mean at ``times`` (K,) [s] (no covariance: a quick look
    along the arc, e.g. whether it ever enters a gun's envelope)."""
    return _propagate(fit.theta, np.asarray(times, dtype=float) - fit.t_ref, air)[0]
