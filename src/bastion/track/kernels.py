"""Compiled loops (numba) of the IMM's mixing and moment matching.

Why compiled: every radar scan mixes the mode estimates of every track (:func:`mix`) and combines
them two or three times (:func:`combine`: gating, deletion tests, the track picture). Written with
``einsum`` each is three or four calls whose three-operand products run through numpy's generic
loop, which made them a large part of the tracker's cost in a Monte Carlo sweep (issue 8), at
some 300 tracks of 3 modes per batched scan. One loop over the tracks does the same arithmetic.

The loops perform the floating-point operations of the array formulation they replace in the same
order, so they give the same results to the last bit (tested against the array formulas in
``tests/track/test_kernels.py``): ``einsum`` sums over the modes in mode order starting from 0.0,
forms a three-operand product as ``(a * b) * c``, and a sum over a middle axis adds its rows in
order. No fast-math: IEEE operations only, no reassociation or fused multiply-add.

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
