"""Motion and measurement models against closed forms, numerical integration and finite differences."""

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from bastion.track.measurements import PolarRadar, polar_to_cartesian, polar_to_cartesian_cov
from bastion.track.models import ConstantAcceleration, ConstantVelocity, CoordinatedTurn


def _numeric_jacobian(f, x, eps):
    """Central differences of f (1, n) -> (1, k) at x (1, n)."""
    cols = []
    for i in range(x.shape[1]):
        d = np.zeros_like(x)
        d[0, i] = eps[i]
        cols.append((f(x + d) - f(x - d))[0] / (2 * eps[i]))
    return np.stack(cols, axis=1)


def _discrete_noise(F_of, L, q, dt):
    """Q = int_0^dt F(s) L q L' F(s)' ds, by adaptive quadrature of each element (BLK eq. 4.3.1-12)."""
    n = L.shape[0]
    Q = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            Q[i, j] = quad(lambda s, i=i, j=j: (F_of(s) @ L @ L.T @ F_of(s).T)[i, j] * q, 0.0, dt)[0]
    return Q


def test_cv_transition_and_noise_match_the_integral_of_white_acceleration():
    dt = 1.7
    cv = ConstantVelocity(q=3.0)
    x = np.array([[10.0, -5.0, 100.0, 30.0, -20.0, 1.5]])
    assert np.allclose(cv.f(x, np.array([dt]))[0, :3], x[0, :3] + dt * x[0, 3:])
    L = np.vstack([np.zeros((3, 3)), np.eye(3)])  # acceleration drives the velocities

    def F(s):
        return cv.jacobian(x, np.array([s]))[0]

    assert np.allclose(cv.noise(x, np.array([dt]))[0], _discrete_noise(F, L, 3.0, dt), rtol=1e-9, atol=1e-12)


def test_ca_noise_matches_the_integral_of_white_jerk():
    dt = 0.8
    ca = ConstantAcceleration(q=2.0)
    x = np.zeros((1, 9))
    L = np.vstack([np.zeros((6, 3)), np.eye(3)])

    def F(s):
        return ca.jacobian(x, np.array([s]))[0]

    assert np.allclose(ca.noise(x, np.array([dt]))[0], _discrete_noise(F, L, 2.0, dt), rtol=1e-9, atol=1e-12)
    x = np.array([[0, 0, 0, 10, 0, -1, 2.0, -1.0, 0.5]])
    got = ca.f(x, np.array([3.0]))[0]
    assert np.allclose(got[:3], x[0, :3] + 3 * x[0, 3:6] + 4.5 * x[0, 6:9])  # p + v t + a t^2 / 2
    assert np.allclose(got[3:6], x[0, 3:6] + 3 * x[0, 6:9])


@pytest.mark.parametrize("omega", [0.0, 1e-7, 0.02, -0.3])
def test_ct_matches_numerical_integration_of_a_coordinated_turn(omega):
    """The exact discretisation equals integrating de/dt = ve, dve/dt = -omega vn, dvn/dt = omega ve (1 um)."""
    x0 = np.array([100.0, -200.0, 300.0, 40.0, 15.0, -2.0, omega])

    def rhs(_t, s):
        return [s[3], s[4], s[5], -omega * s[4], omega * s[3], 0.0]

    ref = solve_ivp(rhs, (0.0, 5.0), x0[:6], rtol=1e-12, atol=1e-12).y[:, -1]
    got = CoordinatedTurn(1.0, 1e-4).f(x0[None], np.array([5.0]))[0]
    assert np.allclose(got[:6], ref, atol=1e-6)
    assert got[6] == omega


@pytest.mark.parametrize("omega", [0.0, 2e-5, 0.05, -0.4])
def test_ct_jacobian_matches_finite_differences(omega):
    ct = CoordinatedTurn(1.0, 1e-4)
    x = np.array([[100.0, -200.0, 300.0, 40.0, 15.0, -2.0, omega]])
    dt = np.array([2.0])
    J = ct.jacobian(x, dt)[0]
    num = _numeric_jacobian(lambda s: ct.f(s, dt), x, np.array([1e-3] * 6 + [1e-6]))
    assert np.allclose(J, num, rtol=1e-6, atol=1e-5)


def test_cv_with_turn_state_holds_the_turn_rate_at_zero():
    cv = ConstantVelocity(1.0, turn_state=True)
    x = np.array([[0, 0, 0, 10.0, 0, 0, 0.3]])
    assert cv.f(x, np.array([1.0]))[0, 6] == 0.0
    assert cv.jacobian(x, np.array([1.0]))[0, 6, 6] == 0.0
    assert cv.noise(x, np.array([1.0]))[0, 6, 6] > 0.0  # keeps covariances positive definite


@pytest.mark.parametrize("with_rate", [False, True])
def test_polar_jacobian_matches_finite_differences(with_rate):
    sig = [5.0, 1e-3, 1e-3, 1.0][: 4 if with_rate else 3]
    meas = PolarRadar(np.array([50.0, -20.0, 5.0]), np.array(sig), with_rate)
    x = np.array([[3000.0, -4000.0, 800.0, -30.0, 45.0, 2.0, 0.01]])  # extra component: zero columns
    J = meas.jacobian(x)[0]
    num = _numeric_jacobian(meas.h, x, np.array([1e-2] * 6 + [1e-6]))
    assert np.allclose(J, num, rtol=1e-6, atol=1e-9)
    assert np.all(J[:, 6] == 0.0)


def test_polar_measurement_inverts_polar_to_cartesian():
    rng = np.random.default_rng(3)
    r, az, el = rng.uniform(100, 2e4, 50), rng.uniform(-np.pi, np.pi, 50), rng.uniform(-0.2, 1.2, 50)
    sensor = np.array([10.0, 20.0, 30.0])
    pos = polar_to_cartesian(r, az, el, sensor)
    z = PolarRadar(sensor, np.ones(3)).h(np.hstack([pos, np.zeros((50, 3))]))
    assert np.allclose(z, np.stack([r, az, el], 1), atol=1e-9)


def test_polar_to_cartesian_covariance_matches_monte_carlo_for_small_errors():
    """First-order conversion is exact in the limit of small angular errors: check against 200k samples."""
    rng = np.random.default_rng(4)
    r, az, el = 5000.0, 0.7, 0.2
    s = (5.0, 1e-3, 2e-3)
    samples = polar_to_cartesian(
        r + rng.normal(0, s[0], 200_000), az + rng.normal(0, s[1], 200_000), el + rng.normal(0, s[2], 200_000), 0.0
    )
    got = polar_to_cartesian_cov(r, az, el, *s)[0]
    assert np.allclose(got, np.cov(samples.T), rtol=0.02, atol=0.5)  # 2 %: MC error on 200k samples ~0.5 %
