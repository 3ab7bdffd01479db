"""Motion models in ENU, batched over tracks.

Constant velocity (CV) with continuous white-noise acceleration of spectral density ``q``
[m^2/s^3] on each axis (Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking
and Navigation*, 2001, §6.2.2):

    F = [[I, dt I], [0, I]],   Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]].
"""

from __future__ import annotations

import numpy as np

_I3 = np.eye(3)


def cv_transition(dt: np.ndarray) -> np.ndarray:
    """State-transition matrices (N, 6, 6) for time steps ``dt`` (N,) [s]."""
    dt = np.asarray(dt, dtype=float)
    F = np.broadcast_to(np.eye(6), (dt.size, 6, 6)).copy()
    F[:, 0, 3] = F[:, 1, 4] = F[:, 2, 5] = dt
    return F


def cv_process_noise(dt: np.ndarray, q: float | np.ndarray) -> np.ndarray:
    """Process-noise covariances (N, 6, 6) of the CV model over ``dt`` (N,)."""
    dt = np.asarray(dt, dtype=float)
    q = np.broadcast_to(np.asarray(q, dtype=float), dt.shape)
    Q = np.zeros((dt.size, 6, 6))
    a, b, c = q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt
    for i in range(3):
        Q[:, i, i] = a
        Q[:, i, i + 3] = Q[:, i + 3, i] = b
        Q[:, i + 3, i + 3] = c
    return Q


def cv_predict(x: np.ndarray, P: np.ndarray, dt: np.ndarray, q: float | np.ndarray):
    """Predict states (N, 6) and covariances (N, 6, 6) forward by ``dt`` (N,) seconds."""
    F = cv_transition(dt)
    x = np.einsum("nij,nj->ni", F, x)
    P = F @ P @ F.transpose(0, 2, 1) + cv_process_noise(dt, q)
    return x, P
