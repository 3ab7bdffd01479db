"""The compiled IMM loops against the array formulas they replace: equal to the last bit.

The array versions below are the ``einsum`` formulation :mod:`bastion.track.imm` used before the
loops were compiled; any reordering of the floating-point operations in the kernels shows up here
as a mismatch."""

import numpy as np
import pytest

from bastion.track import imm, kernels
from bastion.track.measurements import PolarRadar
from bastion.track.models import ConstantAcceleration, ConstantVelocity, CoordinatedTurn, FreeFall


def mix_arrays(xs, Ps, mu, Pi):
    joint = Pi * mu[:, :, None]
    c = joint.sum(axis=1)
    w = joint / np.maximum(c[:, None, :], 1e-300)
    x0 = np.einsum("kij,kin->kjn", w, xs)
    d = xs[:, :, None, :] - x0[:, None, :, :]
    P0 = np.einsum("kij,kinm->kjnm", w, Ps) + np.einsum("kij,kijn,kijm->kjnm", w, d, d)
    return x0, P0, c


def combine_arrays(xs, Ps, mu):
    x = np.einsum("kj,kjn->kn", mu, xs)
    d = xs - x[:, None, :]
    P = np.einsum("kj,kjnm->knm", mu, Ps) + np.einsum("kj,kjn,kjm->knm", mu, d, d)
    return x, P


def bits(a):
    return np.ascontiguousarray(a).view(np.uint64)


def random_modes(rng, K, M, n):
    """Estimates over many magnitudes, and probabilities down to the IMM's floor (and exact zeros)."""
    xs = rng.normal(size=(K, M, n)) * 10.0 ** rng.uniform(-3, 5, size=(K, M, n))
    A = rng.normal(size=(K, M, n, n)) * 10.0 ** rng.uniform(-2, 3, size=(K, M, 1, n))
    Ps = A @ np.swapaxes(A, -1, -2)
    mu = rng.dirichlet(np.full(M, 0.3), size=K)
    mu[rng.random((K, M)) < 0.1] = 1e-9
    mu[0] = 0.0  # a track whose mixing weights all vanish: the 1e-300 floor
    return xs, Ps, mu


@pytest.mark.parametrize("M, n", [(2, 6), (2, 7), (3, 7), (3, 9)])
def test_mix_equals_the_array_formulas(M, n):
    rng = np.random.default_rng(3)
    for K in (1, 5, 300):
        xs, Ps, mu = random_modes(rng, K, M, n)
        for Pi in (
            imm.transition_matrix(M, 0.05, np.array([1.0])),
            imm.transition_matrix(M, 0.05, rng.uniform(0.0, 30.0, K)),
        ):
            for got, want in zip(kernels.mix(xs, Ps, mu, Pi), mix_arrays(xs, Ps, mu, Pi), strict=True):
                assert np.array_equal(bits(got), bits(want))


@pytest.mark.parametrize("M, n", [(2, 6), (3, 7), (3, 9)])
def test_combine_equals_the_array_formulas(M, n):
    rng = np.random.default_rng(4)
    for K in (1, 5, 300):
        xs, Ps, mu = random_modes(rng, K, M, n)
        for got, want in zip(kernels.combine(xs, Ps, mu), combine_arrays(xs, Ps, mu), strict=True):
            assert np.array_equal(bits(got), bits(want))


@pytest.mark.parametrize(
    "model",
    [
        ConstantVelocity(0.5),
        ConstantVelocity(0.5, turn_state=True),
        FreeFall(150.0, turn_state=True),
        CoordinatedTurn(0.5, 1e-4),
        ConstantAcceleration(1.0),
    ],
)
def test_predict_into_equals_transition_and_noise(model):
    rng = np.random.default_rng(5)
    for K in (1, 7, 300):
        x = rng.normal(0.0, 300.0, (K, model.dim))
        if model.dim == 7:  # turn rates from none (the series) to a few degrees a second
            x[:, 6] = rng.normal(0.0, 0.05, K) * (rng.random(K) < 0.7)
            x[: K // 3, 6] *= 1e-4
        for dt in (np.full(K, 1.0), rng.uniform(0.0, 30.0, K), np.zeros(K)):
            out_x, F, Q = (
                np.empty((K, model.dim)),
                np.empty((K, model.dim, model.dim)),
                np.empty((K, model.dim, model.dim)),
            )
            model.predict_into(x, dt, dt**3, out_x, F, Q)
            want_x, want_F = model.transition(x, dt)
            for got, want in ((out_x, want_x), (F, want_F), (Q, model.noise(x, dt))):
                assert np.array_equal(bits(got), bits(want))


def polar_jacobian_arrays(meas, x):
    rel = x[:, :3] - meas.position
    e, n, u = rel[:, 0], rel[:, 1], rel[:, 2]
    rho2 = np.maximum(e * e + n * n, 1e-6)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    H = np.zeros((x.shape[0], meas.dim, x.shape[1]))
    H[:, 0, 0:3] = rel / r[:, None]
    H[:, 1, 0] = n / rho2
    H[:, 1, 1] = -e / rho2
    H[:, 2, 0] = -e * u / (r2 * rho)
    H[:, 2, 1] = -n * u / (r2 * rho)
    H[:, 2, 2] = rho / r2
    if meas.with_rate:
        v = x[:, 3:6]
        rdot = np.einsum("ij,ij->i", rel, v) / r
        H[:, 3, 0:3] = (v - rdot[:, None] * rel / r[:, None]) / r[:, None]
        H[:, 3, 3:6] = rel / r[:, None]
    return H


@pytest.mark.parametrize("rate", [False, True])
def test_polar_jacobian_equals_the_array_formulas(rate):
    rng = np.random.default_rng(6)
    meas = PolarRadar(np.array([120.0, -40.0, 12.0]), np.array([5.0, 1e-3, 1e-3, 1.0][: 4 if rate else 3]), rate)
    for K in (1, 9, 900):
        x = rng.normal(0.0, 3000.0, (K, 7))
        x[:, 3:6] = rng.normal(0.0, 100.0, (K, 3))
        x[0, :3] = meas.position  # over the radar: the horizontal-range floor
        for states in (x, x[:, :6].copy()):
            assert np.array_equal(bits(meas.jacobian(states)), bits(polar_jacobian_arrays(meas, states)))
