"""The tracker's compiled loops against the readable references in ``src``: ``kernels.mix_reference``,
``kernels.combine_reference``, ``kernels.polar_jacobian_reference`` and the models' ``transition``
and ``noise``. Within 1e-12 of the magnitude of the terms each value sums (the same sums over
absolute values), not bit for bit: any order of the floating-point operations passes, a wrong term
does not."""

import numpy as np
import pytest

from bastion.track import imm, kernels
from bastion.track.measurements import PolarRadar
from bastion.track.models import ConstantAcceleration, ConstantVelocity, CoordinatedTurn, FreeFall

RTOL = 1e-12


def within(got, want, magnitude):
    """|got - want| <= RTOL * magnitude, element by element (``magnitude``: the terms' absolute sum)."""
    assert got.shape == want.shape
    err = np.abs(got - want)
    assert (err <= RTOL * magnitude).all(), float(np.max(err / np.maximum(magnitude, 1e-300)))


def mix_magnitudes(xs, Ps, mu, Pi, x0):
    """The sums of :func:`kernels.mix_reference` over absolute values: bounds of each value's terms."""
    joint = Pi * mu[:, :, None]
    w = joint / np.maximum(joint.sum(axis=1)[:, None, :], 1e-300)
    m = np.abs(xs)[:, :, None, :] + np.abs(x0)[:, None, :, :]
    return (
        np.einsum("kij,kin->kjn", w, np.abs(xs)),
        np.einsum("kij,kinm->kjnm", w, np.abs(Ps)) + np.einsum("kij,kijn,kijm->kjnm", w, m, m),
        joint.sum(axis=1),
    )


def combine_magnitudes(xs, Ps, mu, x):
    m = np.abs(xs) + np.abs(x)[:, None, :]
    return (
        np.einsum("kj,kjn->kn", mu, np.abs(xs)),
        np.einsum("kj,kjnm->knm", mu, np.abs(Ps)) + np.einsum("kj,kjn,kjm->knm", mu, m, m),
    )


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
def test_mix_equals_the_reference(M, n):
    rng = np.random.default_rng(3)
    for K in (1, 5, 300):
        xs, Ps, mu = random_modes(rng, K, M, n)
        for Pi in (
            imm.transition_matrix(M, 0.05, np.array([1.0])),
            imm.transition_matrix(M, 0.05, rng.uniform(0.0, 30.0, K)),
        ):
            want = kernels.mix_reference(xs, Ps, mu, Pi)
            magnitudes = mix_magnitudes(xs, Ps, mu, Pi, want[0])
            for got, ref, mag in zip(kernels.mix(xs, Ps, mu, Pi), want, magnitudes, strict=True):
                within(got, ref, mag)


@pytest.mark.parametrize("M, n", [(2, 6), (3, 7), (3, 9)])
def test_combine_equals_the_reference(M, n):
    rng = np.random.default_rng(4)
    for K in (1, 5, 300):
        xs, Ps, mu = random_modes(rng, K, M, n)
        want = kernels.combine_reference(xs, Ps, mu)
        magnitudes = combine_magnitudes(xs, Ps, mu, want[0])
        for got, ref, mag in zip(kernels.combine(xs, Ps, mu), want, magnitudes, strict=True):
            within(got, ref, mag)


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
                # each value against the largest of its track's (a coefficient such as
                # (dt c omega - s) / omega^2 cancels: its error scales with the terms, not itself)
                scale = np.abs(want).reshape(K, -1).max(axis=1).reshape(K, *(1,) * (want.ndim - 1))
                within(got, want, np.abs(want) + scale)


@pytest.mark.parametrize("rate", [False, True])
def test_polar_jacobian_equals_the_reference(rate):
    rng = np.random.default_rng(6)
    meas = PolarRadar(np.array([120.0, -40.0, 12.0]), np.array([5.0, 1e-3, 1e-3, 1.0][: 4 if rate else 3]), rate)
    for K in (1, 9, 900):
        x = rng.normal(0.0, 3000.0, (K, 7))
        x[:, 3:6] = rng.normal(0.0, 100.0, (K, 3))
        x[0, :3] = meas.position  # over the radar: the horizontal-range floor
        for states in (x, x[:, :6].copy()):
            want = kernels.polar_jacobian_reference(states, meas.position, meas.dim)
            scale = np.abs(want).max(axis=2, keepdims=True)  # each row's largest derivative
            within(meas.jacobian(states), want, np.abs(want) + scale)


@pytest.mark.parametrize(
    "model",
    [ConstantVelocity(8.0), ConstantVelocity(0.5, turn_state=True), FreeFall(150.0), FreeFall(150.0, turn_state=True)],
)
def test_predict_into_below_the_compiled_size_is_the_compiled_loop_to_the_last_bit(model, monkeypatch):
    """Below ``COMPILED_MIN_ROWS`` rows the (nearly) constant-velocity prediction runs as the model's
    numpy ``f``, ``jacobian`` and ``noise`` (numba not loaded, issue 18): the kernel's result exactly,
    so the choice never changes a track. Both sides of the switch, and the kernel called directly."""
    from bastion.track import compiled_loops, models

    rng = np.random.default_rng(8)
    K = 40
    x = rng.normal(0.0, 3000.0, (K, model.dim))
    x[:, 3:6] = rng.normal(0.0, 200.0, (K, 3))
    for dt in (np.full(K, 1.0), rng.uniform(0.0, 30.0, K), np.zeros(K), np.r_[np.full(K - 1, 0.7), np.nan]):
        outs = []
        for rows in (10**9, 0):  # the numpy twin, then the compiled loop
            monkeypatch.setattr(models, "COMPILED_MIN_ROWS", rows)
            n = model.dim
            out = (np.full((K, n), np.nan), np.full((K, n, n), np.nan), np.full((K, n, n), np.nan))
            model.predict_into(x, dt, dt**3, *out)
            outs.append(out)
        direct = tuple(np.full_like(a, np.nan) for a in outs[0])
        turn_sigma2 = model.turn_sigma**2
        kernels.constant_velocity(x, dt, dt**3, model.q, turn_sigma2, model._gravity, model.turn_state, *direct)
        for twin, loop, ref in zip(*outs, direct, strict=True):
            assert np.array_equal(twin, loop, equal_nan=True) and np.array_equal(loop, ref, equal_nan=True)
    assert compiled_loops.COMPILED_MIN_ROWS > 300  # (the 200-target whole process never loads numba)


@pytest.mark.parametrize("rate", [False, True])
def test_polar_jacobian_numpy_twin_is_the_compiled_loop_to_the_last_bit(rate):
    """The radar Jacobian's numpy twin (batches below ``COMPILED_MIN_ROWS``) equals the compiled loop
    bit for bit: ordinary states, one over the radar (the horizontal-range floor), one on the floor's
    edge and one not finite."""
    from bastion.track.measurements import polar_jacobian

    rng = np.random.default_rng(9)
    position = np.array([120.0, -40.0, 12.0])
    m = 4 if rate else 3
    for K in (1, 9, 600):
        x = rng.normal(0.0, 3000.0, (K, 7))
        x[:, 3:6] = rng.normal(0.0, 100.0, (K, 3))
        x[0, :3] = position
        if K > 3:
            x[1, :3] = position + [1e-3, 0.0, 50.0]  # rho2 = 1e-6 exactly near the floor
            x[2, 1] = np.nan
        for states in (x, x[:, :6].copy()):
            want = kernels.polar_jacobian(states, position, m)
            assert np.array_equal(polar_jacobian(states, position, m), want, equal_nan=True)
