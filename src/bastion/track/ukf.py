"""Unscented Kalman filter, batched over tracks: the scaled unscented transform.

Sigma points and weights of the scaled unscented transform (S. J. Julier, "The scaled unscented
transformation", ACC 2002; E. A. Wan and R. van der Merwe, "The unscented Kalman filter for
nonlinear estimation", AS-SPCC 2000, eq. 15): with lambda = alpha^2 (n + kappa) - n,

    X_0 = x,  X_i = x + sqrt(n + lambda) L_i,  X_{n+i} = x - sqrt(n + lambda) L_i   (L L' = P),
    Wm_0 = lambda / (n + lambda),  Wc_0 = Wm_0 + 1 - alpha^2 + beta,  W_i = 1 / (2 (n + lambda)).

Defaults alpha = 1, beta = 2, kappa = 0 keep every weight non-negative (so covariances stay
positive semi-definite) and beta = 2 is the optimum for a Gaussian prior. Angular measurement
components are averaged as residuals about the central sigma point, so azimuths near +-pi average
correctly. A linear motion model is propagated exactly by the Kalman prediction (the unscented
transform of a linear map is exact, so the result is the same, at a fraction of the cost).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.track import ekf


@dataclass(frozen=True)
class UnscentedParameters:
    alpha: float = 1.0
    beta: float = 2.0
    kappa: float = 0.0

    def weights(self, n: int) -> tuple[np.ndarray, np.ndarray, float]:
        """Mean weights (2n+1,), covariance weights (2n+1,) and the spread sqrt(n + lambda)."""
        lam = self.alpha**2 * (n + self.kappa) - n
        wm = np.full(2 * n + 1, 0.5 / (n + lam))
        wc = wm.copy()
        wm[0] = lam / (n + lam)
        wc[0] = wm[0] + 1.0 - self.alpha**2 + self.beta
        return wm, wc, float(np.sqrt(n + lam))


def matrix_sqrt(P: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors (N, n, n) of covariances; an eigen-decomposition square root (with
    negative round-off eigenvalues clipped to zero) where a matrix is not numerically positive definite."""
    try:
        return np.linalg.cholesky(P)
    except np.linalg.LinAlgError:
        w, V = np.linalg.eigh(0.5 * (P + P.transpose(0, 2, 1)))
        return V * np.sqrt(np.maximum(w, 0.0))[:, None, :]


def sigma_points(x: np.ndarray, P: np.ndarray, params: UnscentedParameters):
    """Sigma points (N, 2n+1, n) of states (N, n) and covariances (N, n, n), with their weights."""
    n = x.shape[1]
    wm, wc, spread = params.weights(n)
    L = matrix_sqrt(P) * spread  # columns are the sigma directions
    cols = L.transpose(0, 2, 1)  # (N, n, n): row i is column i of L
    X = np.concatenate([x[:, None, :], x[:, None, :] + cols, x[:, None, :] - cols], axis=1)
    return X, wm, wc


def predict(model, x: np.ndarray, P: np.ndarray, dt: np.ndarray, params: UnscentedParameters | None = None):
    """States and covariances ``dt`` (N,) seconds later through the unscented transform of f."""
    if model.linear:
        return ekf.predict(model, x, P, dt)
    params = params or UnscentedParameters()
    N, n = x.shape
    X, wm, wc = sigma_points(x, P, params)
    k = X.shape[1]
    FX = model.f(X.reshape(N * k, n), np.repeat(np.asarray(dt, dtype=float), k)).reshape(N, k, n)
    xp = np.einsum("k,nki->ni", wm, FX)
    d = FX - xp[:, None, :]
    Pp = np.einsum("k,nki,nkj->nij", wc, d, d) + model.noise(xp, dt)
    return xp, 0.5 * (Pp + Pp.transpose(0, 2, 1))


def predict_measurement(meas, x: np.ndarray, P: np.ndarray, R: np.ndarray, params: UnscentedParameters | None = None):
    """Predicted measurement z (N, m), innovation covariance S (N, m, m) and cross covariance C (N, n, m)."""
    params = params or UnscentedParameters()
    N, n = x.shape
    X, wm, wc = sigma_points(x, P, params)
    k = X.shape[1]
    Z = meas.h(X.reshape(N * k, n)).reshape(N, k, meas.dim)
    z0 = Z[:, 0, :]
    z = z0 + np.einsum("k,nkm->nm", wm, meas.residual(Z, z0[:, None, :]))
    dZ = meas.residual(Z, z[:, None, :])
    dX = X - x[:, None, :]
    S = np.einsum("k,nki,nkj->nij", wc, dZ, dZ) + R
    C = np.einsum("k,nki,nkj->nij", wc, dX, dZ)
    return z, 0.5 * (S + S.transpose(0, 2, 1)), C


update = ekf.update
