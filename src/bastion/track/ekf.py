"""Extended Kalman filter, batched over tracks (BLK §10.3).

Prediction linearises the motion model at the current estimate (exact for the linear CV and CA
models, so the EKF is then the Kalman filter); the measurement prediction linearises the
measurement model at the predicted state. Both return the moments every filter shares — predicted
measurement z (N, m), innovation covariance S (N, m, m) and state-measurement cross covariance
C (N, n, m) — so :func:`update` serves the EKF, the UKF, the IMM and the JPDA update alike.
"""

from __future__ import annotations

import numpy as np


def predict(model, x: np.ndarray, P: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States (N, n) and covariances (N, n, n) ``dt`` (N,) seconds later: x' = f(x), P' = F P F' + Q."""
    return model.f(x, dt), propagate_covariance(model.jacobian(x, dt), P, model.noise(x, dt))


def propagate_covariance(F: np.ndarray, P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """F P F' + Q, symmetrised against round-off (any leading batch dimensions)."""
    P = F @ P @ np.swapaxes(F, -1, -2) + Q
    return 0.5 * (P + np.swapaxes(P, -1, -2))


def predict_measurement(meas, x: np.ndarray, P: np.ndarray, R: np.ndarray):
    """Predicted measurement z (N, m), S = H P H' + R (N, m, m) and C = P H' (N, n, m)."""
    H = meas.jacobian(x)
    C = P @ H.transpose(0, 2, 1)
    return meas.h(x), H @ C + R, C


def gain(S: np.ndarray, C: np.ndarray) -> np.ndarray:
    """Kalman gain K = C S^-1 (N, n, m), by a linear solve (S symmetric) rather than an inverse."""
    return np.linalg.solve(S, C.transpose(0, 2, 1)).transpose(0, 2, 1)


def update(x: np.ndarray, P: np.ndarray, nu: np.ndarray, S: np.ndarray, C: np.ndarray):
    """Updated states and covariances for innovations ``nu`` (N, m): x + K nu, P - K S K'.

    With the optimal gain, P - K S K' equals the Joseph form (I - K H) P (I - K H)' + K R K'; the
    result is symmetrised against round-off.
    """
    K = gain(S, C)
    x = x + np.einsum("nij,nj->ni", K, nu)
    P = P - K @ S @ K.transpose(0, 2, 1)
    return x, 0.5 * (P + P.transpose(0, 2, 1))


def innovation_covariance(P: np.ndarray, H: np.ndarray, R: np.ndarray) -> np.ndarray:
    """S = H P H' + R, shape (N, m, m)."""
    return H @ P @ H.transpose(0, 2, 1) + R
