"""Extended Kalman filter update, batched (Bar-Shalom et al. 2001 §10.3).

Joseph-form covariance update, P = (I - K H) P (I - K H)' + K R K', which stays symmetric positive
definite under round-off; gains use a Cholesky solve rather than an explicit inverse.
"""

from __future__ import annotations

import numpy as np


def innovation_covariance(P: np.ndarray, H: np.ndarray, R: np.ndarray) -> np.ndarray:
    """S = H P H' + R, shape (N, m, m)."""
    return H @ P @ H.transpose(0, 2, 1) + R


def update(x: np.ndarray, P: np.ndarray, nu: np.ndarray, H: np.ndarray, R: np.ndarray):
    """Update states (N, n) and covariances (N, n, n) with innovations ``nu`` (N, m)."""
    S = innovation_covariance(P, H, R)
    PHt = P @ H.transpose(0, 2, 1)
    K = np.linalg.solve(S, PHt.transpose(0, 2, 1)).transpose(0, 2, 1)  # K = P H' S^-1
    x = x + np.einsum("nij,nj->ni", K, nu)
    I_KH = np.eye(P.shape[-1]) - K @ H
    P = I_KH @ P @ I_KH.transpose(0, 2, 1) + K @ R @ K.transpose(0, 2, 1)
    return x, 0.5 * (P + P.transpose(0, 2, 1))
