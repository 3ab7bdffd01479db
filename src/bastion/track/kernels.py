"""Compiled loops (numba) of the IMM's mixing and moment matching, the motion models' prediction and
the radar's measurement Jacobian, and gating all against all within the groups of a batch.

Why compiled: every radar scan mixes the mode estimates of every track (:func:`mix`), predicts each
mode (:func:`constant_velocity`, :func:`coordinated_turn`), linearises the radar measurement
(:func:`polar_jacobian`) and combines the modes two or three times (:func:`combine`: gating,
deletion tests, the track picture). Written with ``einsum`` and fancy-indexed assignments each is
several array calls whose fixed cost (~1 µs each) and generic three-operand loops made them a large
part of the tracker's cost in a Monte Carlo sweep (issue 8), at some 300 tracks of 3 modes per
batched scan. One loop over the tracks does the same arithmetic.

Each kernel has a readable numpy reference in ``src``: :func:`mix_reference`,
:func:`combine_reference` and :func:`polar_jacobian_reference` beside them, and the models' own
``transition`` and ``noise`` (:mod:`bastion.track.models`) for the prediction loops.
``tests/track/test_track_kernels.py`` holds the kernels to them within 1e-12 of the magnitude of
the terms summed (any order of the floating-point operations passes, a wrong term does not), not
bit for bit. No fast-math: IEEE operations only.

The tracker imports this module at first use (:mod:`bastion.track.compiled_loops`, which says why),
and below a batch size runs bit-identical numpy twins of :func:`constant_velocity` and
:func:`polar_jacobian` instead. :func:`pairs_within_groups` is held to scipy's distance matrix
(``tests/track/test_association.py``).

The equations are those :mod:`bastion.track.imm` documents (BLK §11.6.6); these functions hold no
model of their own. Compiled once per machine and cached beside the source (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def mix(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, Pi: np.ndarray):
    """IMM mixing of states ``xs`` (K, M, n), covariances ``Ps`` (K, M, n, n) with mode probabilities
    ``mu`` (K, M) and transition matrices ``Pi`` (K, M, M), or (1, M, M) for every track: the mixed
    states (K, M, n), covariances (K, M, n, n) and predicted mode probabilities c (K, M)."""
    K, M, n = xs.shape
    x0 = np.empty((K, M, n))
    P0 = np.empty((K, M, n, n))
    c = np.empty((K, M))
    joint = np.empty((M, M))
    w = np.empty(M)
    d = np.empty((M, n))
    shared = Pi.shape[0] == 1
    for k in range(K):
        p = 0 if shared else k
        for i in range(M):
            for j in range(M):
                joint[i, j] = Pi[p, i, j] * mu[k, i]
        for j in range(M):
            s = joint[0, j]
            for i in range(1, M):
                s += joint[i, j]
            c[k, j] = s
            floor = max(s, 1e-300)
            for i in range(M):
                w[i] = joint[i, j] / floor  # mu_{i|j}
            for a in range(n):
                acc = 0.0
                for i in range(M):
                    acc += w[i] * xs[k, i, a]
                x0[k, j, a] = acc
            for i in range(M):
                for a in range(n):
                    d[i, a] = xs[k, i, a] - x0[k, j, a]
            for a in range(n):
                for b in range(n):
                    spread = 0.0
                    own = 0.0
                    for i in range(M):
                        own += w[i] * Ps[k, i, a, b]
                        spread += (w[i] * d[i, a]) * d[i, b]
                    P0[k, j, a, b] = own + spread
    return x0, P0, c


@njit(cache=True)
def combine(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray):
    """Moment-matched combination of mode states ``xs`` (K, M, n) and covariances ``Ps`` (K, M, n, n)
    with probabilities ``mu`` (K, M): x (K, n), P (K, n, n)."""
    K, M, n = xs.shape
    x = np.empty((K, n))
    P = np.empty((K, n, n))
    d = np.empty((M, n))
    for k in range(K):
        for a in range(n):
            acc = 0.0
            for j in range(M):
                acc += mu[k, j] * xs[k, j, a]
            x[k, a] = acc
        for j in range(M):
            for a in range(n):
                d[j, a] = xs[k, j, a] - x[k, a]
        for a in range(n):
            for b in range(n):
                own = 0.0
                spread = 0.0
                for j in range(M):
                    own += mu[k, j] * Ps[k, j, a, b]
                    spread += (mu[k, j] * d[j, a]) * d[j, b]
                P[k, a, b] = own + spread
    return x, P


@njit(cache=True)
def _white_acceleration(Q: np.ndarray, k: int, dt: float, dt3: float, q: float) -> None:
    """Row ``k`` of Q (zeros) gets q [[dt^3/3, dt^2/2], [dt^2/2, dt]] on (position, velocity) of each axis."""
    a = q * dt3 / 3.0
    b = q * (dt * dt) / 2.0
    c = q * dt
    for i in range(3):
        Q[k, i, i] += a
        Q[k, i, i + 3] += b
        Q[k, i + 3, i] += b
        Q[k, i + 3, i + 3] += c


@njit(cache=True)
def constant_velocity(x, dt, dt3, q, turn_sigma2, gravity, turn_state, out_x, F, Q) -> None:
    """A (nearly) constant-velocity model's prediction of states ``x`` (K, n) over ``dt`` (K,) [s]
    (``dt3``: dt**3 as numpy forms it, whose power the compiled one does not match to the last bit):
    the states ``out_x``, transition matrices ``F`` and process noise ``Q`` (K, n, n), written in place.

    ``gravity`` [m/s^2]: 0 for :class:`~bastion.track.models.ConstantVelocity`, g0 for
    :class:`~bastion.track.models.FreeFall`; ``turn_state``: the 7th component, a turn rate held at
    zero with variance ``turn_sigma2``."""
    K, n = x.shape
    for k in range(K):
        h = dt[k]
        for a in range(n):
            out_x[k, a] = x[k, a]
            for b in range(n):
                F[k, a, b] = 1.0 if a == b else 0.0
                Q[k, a, b] = 0.0
        for a in range(3):
            out_x[k, a] += x[k, a + 3] * h
            F[k, a, a + 3] = h
        if gravity != 0.0:
            out_x[k, 2] -= 0.5 * gravity * (h * h)
            out_x[k, 5] -= gravity * h
        _white_acceleration(Q, k, h, dt3[k], q)
        if turn_state:
            out_x[k, 6] = 0.0
            F[k, 6, 6] = 0.0
            Q[k, 6, 6] = turn_sigma2


@njit(cache=True)
def coordinated_turn(x, dt, dt3, dt4, w3, q, q_turn, out_x, F, Q) -> None:
    """The coordinated-turn model's prediction of states ``x`` (K, 7) over ``dt`` (K,) [s], in place
    as :func:`constant_velocity`; ``dt3``, ``dt4`` and ``w3`` = (omega dt)**3 as numpy forms them.

    The formulas of :class:`~bastion.track.models.CoordinatedTurn` (its series below |omega dt| < 1e-3)."""
    K = x.shape[0]
    for k in range(K):
        h = dt[k]
        omega = x[k, 6]
        w = omega * h
        s = np.sin(w)
        c = np.cos(w)
        if abs(w) < 1e-3:
            ca = h * (1.0 - w * w / 6.0)
            cb = h * (w / 2.0 - w3[k] / 24.0)
            da = -omega * dt3[k] / 3.0
            db = h * h / 2.0 - omega * omega * dt4[k] / 8.0
        else:
            ca = s / omega
            cb = (1.0 - c) / omega
            da = (h * c * omega - s) / (omega * omega)
            db = (h * s * omega - (1.0 - c)) / (omega * omega)
        ve = x[k, 3]
        vn = x[k, 4]
        for a in range(7):
            out_x[k, a] = x[k, a]
            for b in range(7):
                F[k, a, b] = 1.0 if a == b else 0.0
                Q[k, a, b] = 0.0
        out_x[k, 0] += ca * ve - cb * vn
        out_x[k, 1] += cb * ve + ca * vn
        out_x[k, 2] += h * x[k, 5]
        out_x[k, 3] = c * ve - s * vn
        out_x[k, 4] = s * ve + c * vn
        F[k, 0, 3] = ca
        F[k, 0, 4] = -cb
        F[k, 0, 6] = da * ve - db * vn
        F[k, 1, 3] = cb
        F[k, 1, 4] = ca
        F[k, 1, 6] = db * ve + da * vn
        F[k, 2, 5] = h
        F[k, 3, 3] = c
        F[k, 3, 4] = -s
        F[k, 3, 6] = -h * (s * ve + c * vn)
        F[k, 4, 3] = s
        F[k, 4, 4] = c
        F[k, 4, 6] = h * (c * ve - s * vn)
        _white_acceleration(Q, k, h, dt3[k], q)
        Q[k, 6, 6] = q_turn * h


@njit(cache=True)
def polar_jacobian(x: np.ndarray, position: np.ndarray, m: int) -> np.ndarray:
    """dh/dx (K, m, n) of a radar's (range, azimuth, elevation[, range rate]) measurement at ``position``
    (3,) ENU [m], at states ``x`` (K, n): the formulas of :meth:`bastion.track.measurements.PolarRadar.jacobian`
    (:func:`polar_jacobian_reference`)."""
    K, n = x.shape
    H = np.zeros((K, m, n))
    for k in range(K):
        e = x[k, 0] - position[0]
        nn = x[k, 1] - position[1]
        u = x[k, 2] - position[2]
        rho2 = e * e + nn * nn
        if rho2 < 1e-6:
            rho2 = 1e-6
        rho = np.sqrt(rho2)
        r2 = rho2 + u * u
        r = np.sqrt(r2)
        H[k, 0, 0] = e / r
        H[k, 0, 1] = nn / r
        H[k, 0, 2] = u / r
        H[k, 1, 0] = nn / rho2
        H[k, 1, 1] = -e / rho2
        H[k, 2, 0] = -e * u / (r2 * rho)
        H[k, 2, 1] = -nn * u / (r2 * rho)
        H[k, 2, 2] = rho / r2
        if m == 4:
            ve = x[k, 3]
            vn = x[k, 4]
            vu = x[k, 5]
            rdot = ((e * ve + u * vu) + nn * vn) / r
            H[k, 3, 0] = (ve - rdot * e / r) / r
            H[k, 3, 1] = (vn - rdot * nn / r) / r
            H[k, 3, 2] = (vu - rdot * u / r) / r
            H[k, 3, 3] = e / r
            H[k, 3, 4] = nn / r
            H[k, 3, 5] = u / r
    return H


@njit(cache=True)
def pairs_within_groups(track_pos, radius, det_pos, track_bounds, det_bounds):  # pragma: no cover (compiled)
    """(track, detection) pairs of each group within each track's radius, all against all: a first
    sweep counts them, a second writes them (:func:`bastion.track.gating.candidate_pairs_by_group`)."""
    ti = np.empty(0, dtype=np.intp)
    dj = np.empty(0, dtype=np.intp)
    for sweep in range(2):
        k = 0
        for g in range(track_bounds.size - 1):
            for i in range(track_bounds[g], track_bounds[g + 1]):
                r2 = radius[i] * radius[i]
                for j in range(det_bounds[g], det_bounds[g + 1]):
                    dx = track_pos[i, 0] - det_pos[j, 0]
                    dy = track_pos[i, 1] - det_pos[j, 1]
                    dz = track_pos[i, 2] - det_pos[j, 2]
                    if dx * dx + dy * dy + dz * dz <= r2:
                        if sweep == 1:
                            ti[k] = i
                            dj[k] = j
                        k += 1
        if sweep == 0:
            ti = np.empty(k, dtype=np.intp)
            dj = np.empty(k, dtype=np.intp)
    return ti, dj


def mix_reference(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray, Pi: np.ndarray):
    """What :func:`mix` computes, with ``einsum`` (BLK eq. 11.6.6-9 to -14): c_j = sum_i Pi_ij mu_i,
    mu_{i|j} = Pi_ij mu_i / c_j, x0_j = sum_i mu_{i|j} x_i, P0_j = sum_i mu_{i|j} (P_i + d d'), d = x_i - x0_j."""
    joint = Pi * mu[:, :, None]
    c = joint.sum(axis=1)
    w = joint / np.maximum(c[:, None, :], 1e-300)
    x0 = np.einsum("kij,kin->kjn", w, xs)
    d = xs[:, :, None, :] - x0[:, None, :, :]
    P0 = np.einsum("kij,kinm->kjnm", w, Ps) + np.einsum("kij,kijn,kijm->kjnm", w, d, d)
    return x0, P0, c


def combine_reference(xs: np.ndarray, Ps: np.ndarray, mu: np.ndarray):
    """What :func:`combine` computes, with ``einsum``: x = sum_j mu_j x_j, P = sum_j mu_j (P_j + d d'), d = x_j - x."""
    x = np.einsum("kj,kjn->kn", mu, xs)
    d = xs - x[:, None, :]
    P = np.einsum("kj,kjnm->knm", mu, Ps) + np.einsum("kj,kjn,kjm->knm", mu, d, d)
    return x, P


def polar_jacobian_reference(x: np.ndarray, position: np.ndarray, m: int) -> np.ndarray:
    """What :func:`polar_jacobian` computes, with array operations: the derivatives of range
    r = |rel|, azimuth atan2(e, n) and elevation atan2(u, rho) (rho = horizontal range, at least 1 mm),
    and of the range rate rel . v / r, with respect to position and velocity (BLK §10.4)."""
    rel = x[:, :3] - position
    e, n, u = rel[:, 0], rel[:, 1], rel[:, 2]
    rho2 = np.maximum(e * e + n * n, 1e-6)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    H = np.zeros((x.shape[0], m, x.shape[1]))
    H[:, 0, 0:3] = rel / r[:, None]
    H[:, 1, 0] = n / rho2
    H[:, 1, 1] = -e / rho2
    H[:, 2, 0] = -e * u / (r2 * rho)
    H[:, 2, 1] = -n * u / (r2 * rho)
    H[:, 2, 2] = rho / r2
    if m == 4:
        v = x[:, 3:6]
        rdot = np.einsum("ij,ij->i", rel, v) / r
        H[:, 3, 0:3] = (v - rdot[:, None] * rel / r[:, None]) / r[:, None]
        H[:, 3, 3:6] = rel / r[:, None]
    return H
