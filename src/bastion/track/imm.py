"""Interacting multiple model (IMM) estimator, batched over tracks (BLK §11.6.6).

Each track carries M mode-conditioned estimates ``xs`` (N, M, n), ``Ps`` (N, M, n, n) and mode
probabilities ``mu`` (N, M). One cycle: mode transition over dt, mixing (:func:`mix`), mode-matched
prediction and update by the chosen filter (EKF or UKF, in the tracker), mode-probability update
from the mode likelihoods (:func:`update_probabilities`), and the moment-matched combination
(:func:`combine`) that the rest of the kill chain sees.

Mode switching is a continuous-time Markov chain: a track leaves its mode at ``rate`` [1/s] and
goes to each other mode with equal probability, so the generator is G = r/(M-1) (J - M I) with J
the all-ones matrix. Because J^2 = M J, exp(G dt) = e^{-a dt} I + (1 - e^{-a dt})/M J with
a = r M/(M-1): the transition matrix for any scan interval in closed form.
"""

from __future__ import annotations

import numpy as np

from bastion.track.compiled_loops import kernels


def transition_matrix(n_modes: int, rate: float, dt: np.ndarray) -> np.ndarray:
    """Mode transition probabilities Pi[k, i, j] = P(mode j at t + dt | mode i at t), shape (N, M, M)."""
    dt = np.asarray(dt, dtype=float)
    if n_modes == 1:
        return np.ones((dt.size, 1, 1))
    a = rate * n_modes / (n_modes - 1)
    stay = np.exp(-a * dt)[:, None, None]
    return stay * np.eye(n_modes) + (1.0 - stay) / n_modes


def mix(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, Pi: np.ndarray):
    """Mixed initial conditions (x0 (N, M, n), P0 (N, M, n, n)) and predicted mode probabilities (N, M).

    c_j = sum_i Pi_ij mu_i;  mu_{i|j} = Pi_ij mu_i / c_j;  x0_j = sum_i mu_{i|j} x_i;
    P0_j = sum_i mu_{i|j} (P_i + (x_i - x0_j)(x_i - x0_j)')   (BLK eq. 11.6.6-9 to -14).

    ``Pi`` (N, M, M), or (1, M, M) for every track; a compiled loop (:func:`bastion.track.kernels.mix`).
    """
    return kernels().mix(xs, Ps, mu, Pi)


def update_probabilities(c: np.ndarray, log_likelihood: np.ndarray, floor: float = 1e-9) -> np.ndarray:
    """Posterior mode probabilities (N, M) from predicted ones and mode log-likelihoods (N, M).

    A floor keeps every mode alive so the estimator can switch back (probabilities renormalised)."""
    ll = log_likelihood - log_likelihood.max(axis=1, keepdims=True)
    mu = c * np.exp(ll)
    mu /= mu.sum(axis=1, keepdims=True)
    mu = np.maximum(mu, floor)
    return mu / mu.sum(axis=1, keepdims=True)


def combine(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moment-matched combination: x = sum mu_j x_j, P = sum mu_j (P_j + (x_j - x)(x_j - x)') (a compiled
    loop, :func:`bastion.track.kernels.combine`; a single model's estimates as they are)."""
    if xs.shape[1] == 1:
        return xs[:, 0], Ps[:, 0]
    return kernels().combine(xs, Ps, mu)


def combine_measurements(residual, zs: np.ndarray, Ss: np.ndarray, mu: np.ndarray):
    """Mixture moments of mode-conditioned measurement predictions zs (N, M, m), Ss (N, M, m, m).

    The mean is formed as residuals about mode 0 (angles wrapped); used for gating."""
    if zs.shape[1] == 1:
        return zs[:, 0], Ss[:, 0]
    z0 = zs[:, 0]
    z = z0 + np.einsum("kj,kjm->km", mu, residual(zs, z0[:, None, :]))
    d = residual(zs, z[:, None, :])
    S = np.einsum("kj,kjab->kab", mu, Ss) + np.einsum("kj,kja,kjb->kab", mu, d, d)
    return z, S
