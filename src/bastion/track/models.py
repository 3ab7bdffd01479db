"""Motion models in ENU, batched over tracks: constant velocity, constant acceleration, coordinated turn.

Every model holds the position [e, n, u] in state components 0-2 and the velocity [ve, vn, vu] in
3-5, so measurement models and the engine-facing :class:`~bastion.track.types.Tracks` read the
first six components whatever the model; extra components follow (acceleration, turn rate).
Each model gives, for states ``x`` (N, n) and time steps ``dt`` (N,) [s]:

* ``f(x, dt)``: the predicted states (N, n);
* ``jacobian(x, dt)``: df/dx (N, n, n) (the transition matrix of a linear model);
* ``noise(x, dt)``: the process-noise covariance Q (N, n, n);
* ``transition(x, dt)``: ``f`` and ``jacobian`` together (one evaluation of shared terms);
* ``predict_into(x, dt, dt3, out_x, F, Q)``: ``f``, ``jacobian`` and ``noise`` at once, written into
  the arrays given (the EKF's prediction, a compiled loop where the model has one; ``dt3`` = dt**3).

Sources: Bar-Shalom, Li and Kirubarajan, *Estimation with Applications to Tracking and
Navigation*, Wiley 2001 (BLK): §6.2.2 continuous white-noise acceleration (CV), §6.2.3 Wiener-
process acceleration (CA), §11.7.2 coordinated turn with unknown turn rate (CT); X. R. Li and
V. P. Jilkov, "Survey of maneuvering target tracking, Part I: dynamic models", IEEE TAES 39(4),
2003, §V (CT Jacobian).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.constants import G0
from bastion.track.compiled_loops import COMPILED_MIN_ROWS, kernels


def _eye_batch(n: int, k: int) -> np.ndarray:
    return np.broadcast_to(np.eye(n), (k, n, n)).copy()


def _white_acceleration_blocks(Q: np.ndarray, dt: np.ndarray, q: float, axes=(0, 1, 2)) -> None:
    """Add q [[dt^3/3, dt^2/2], [dt^2/2, dt]] on (position, velocity) of each axis (BLK eq. 6.2.2-12)."""
    a, b, c = q * dt**3 / 3.0, q * dt**2 / 2.0, q * dt
    for i in axes:  # three axes: a loop over coordinates, not over tracks
        Q[:, i, i] += a
        Q[:, i, i + 3] += b
        Q[:, i + 3, i] += b
        Q[:, i + 3, i + 3] += c


@dataclass(frozen=True)
class ConstantVelocity:
    """Nearly constant velocity: white-noise acceleration of spectral density ``q`` [m^2/s^3] per axis.

    F = [[I, dt I], [0, I]], Q = q [[dt^3/3 I, dt^2/2 I], [dt^2/2 I, dt I]] (BLK §6.2.2).
    With ``turn_state`` the state carries a turn rate omega [rad/s] as its 7th component that this
    model holds at zero (the CV hypothesis omega = 0, so that it can be mixed with a
    :class:`CoordinatedTurn` in an IMM; X. R. Li and Jilkov 2003 §V.A); ``turn_sigma`` [rad/s]
    keeps that component's variance positive so covariances stay positive definite.
    """

    q: float
    turn_state: bool = False
    turn_sigma: float = 1e-3
    linear = True
    _gravity = 0.0  # [m/s^2] known acceleration down (FreeFall's)

    @property
    def dim(self) -> int:
        return 7 if self.turn_state else 6

    def jacobian(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        F = _eye_batch(self.dim, dt.size)
        F[:, 0, 3] = F[:, 1, 4] = F[:, 2, 5] = dt
        if self.turn_state:
            F[:, 6, 6] = 0.0
        return F

    def f(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[:, :3] += x[:, 3:6] * np.asarray(dt, dtype=float)[:, None]
        if self.turn_state:
            out[:, 6] = 0.0
        return out

    def transition(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x, dt)`` and ``jacobian(x, dt)`` together."""
        return self.f(x, dt), self.jacobian(x, dt)

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        Q = np.zeros((dt.size, self.dim, self.dim))
        _white_acceleration_blocks(Q, dt, self.q)
        if self.turn_state:
            Q[:, 6, 6] = self.turn_sigma**2
        return Q

    def predict_into(self, x, dt, dt3, out_x, F, Q) -> None:
        """``f``, ``jacobian`` and ``noise`` into ``out_x`` (K, n), ``F`` and ``Q`` (K, n, n): one compiled
        loop from :data:`~bastion.track.compiled_loops.COMPILED_MIN_ROWS` rows; below, these methods,
        whose operations are the loop's in the same order (the same bits, tested)."""
        if x.shape[0] < COMPILED_MIN_ROWS:
            out_x[:], F[:], Q[:] = self.f(x, dt), self.jacobian(x, dt), self.noise(x, dt)
            return
        turn = self.turn_state
        kernels().constant_velocity(x, dt, dt3, self.q, self.turn_sigma**2, self._gravity, turn, out_x, F, Q)


@dataclass(frozen=True)
class ConstantAcceleration:
    """Nearly constant acceleration: state [p(3), v(3), a(3)], white jerk of density ``q`` [m^2/s^5].

    Per axis F = [[1, dt, dt^2/2], [0, 1, dt], [0, 0, 1]] and
    Q = q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]] (BLK §6.2.3).
    """

    q: float
    linear = True
    dim = 9

    def jacobian(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        F = _eye_batch(9, dt.size)
        for i in range(3):  # three axes
            F[:, i, i + 3] = dt
            F[:, i, i + 6] = dt**2 / 2.0
            F[:, i + 3, i + 6] = dt
        return F

    def f(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)[:, None]
        out = x.copy()
        out[:, :3] += x[:, 3:6] * dt + x[:, 6:9] * dt**2 / 2.0
        out[:, 3:6] += x[:, 6:9] * dt
        return out

    def transition(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x, dt)`` and ``jacobian(x, dt)`` together."""
        return self.f(x, dt), self.jacobian(x, dt)

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        Q = np.zeros((dt.size, 9, 9))
        q = self.q
        blocks = {
            (0, 0): dt**5 / 20.0,
            (0, 1): dt**4 / 8.0,
            (0, 2): dt**3 / 6.0,
            (1, 1): dt**3 / 3.0,
            (1, 2): dt**2 / 2.0,
            (2, 2): dt,
        }
        for i in range(3):  # three axes
            for (a, b), v in blocks.items():
                Q[:, i + 3 * a, i + 3 * b] = q * v
                Q[:, i + 3 * b, i + 3 * a] = q * v
        return Q

    def predict_into(self, x, dt, dt3, out_x, F, Q) -> None:
        """``f``, ``jacobian`` and ``noise`` into ``out_x`` (K, 9), ``F`` and ``Q`` (K, 9, 9)."""
        out_x[:], F[:] = self.transition(x, dt)
        Q[:] = self.noise(x, dt)


@dataclass(frozen=True)
class CoordinatedTurn:
    """Horizontal coordinated turn with unknown turn rate, constant vertical velocity.

    State [e, n, u, ve, vn, vu, omega]; omega [rad/s] is positive counter-clockwise seen from above
    (a left turn: the velocity vector rotates from east towards north). Exact discretisation
    (BLK §11.7.2, Li and Jilkov 2003 eq. 61), with s = sin(omega dt), c = cos(omega dt):

        e' = e + (s/omega) ve - ((1-c)/omega) vn,   ve' = c ve - s vn,
        n' = n + ((1-c)/omega) ve + (s/omega) vn,   vn' = s ve + c vn,
        u' = u + dt vu,  vu' = vu,  omega' = omega,

    with the limits s/omega -> dt, (1-c)/omega -> 0 as omega -> 0 (series used for |omega dt| < 1e-3).
    Process noise: white acceleration of density ``q`` [m^2/s^3] on every axis, as in the CV model
    (the common approximation of the CT noise, Li and Jilkov 2003 §V.B), and a turn-rate random
    walk of density ``q_turn`` [rad^2/s^3].
    """

    q: float
    q_turn: float
    linear = False
    dim = 7

    @staticmethod
    def _coefficients(omega: np.ndarray, dt: np.ndarray):
        """s/omega, (1-c)/omega and their derivatives with respect to omega; s and c."""
        w = omega * dt
        s, c = np.sin(w), np.cos(w)
        small = np.abs(w) < 1e-3
        safe = np.where(small, 1.0, omega)
        a = np.where(small, dt * (1.0 - w**2 / 6.0), s / safe)
        b = np.where(small, dt * (w / 2.0 - w**3 / 24.0), (1.0 - c) / safe)
        da = np.where(small, -omega * dt**3 / 3.0, (dt * c * safe - s) / safe**2)
        db = np.where(small, dt**2 / 2.0 - omega**2 * dt**4 / 8.0, (dt * s * safe - (1.0 - c)) / safe**2)
        return a, b, da, db, s, c

    def f(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        return self.transition(x, dt)[0]

    def jacobian(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        return self.transition(x, dt)[1]

    def transition(self, x: np.ndarray, dt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``f(x, dt)`` and ``jacobian(x, dt)`` from one evaluation of the turn coefficients."""
        dt = np.asarray(dt, dtype=float)
        a, b, da, db, s, c = self._coefficients(x[:, 6], dt)
        ve, vn = x[:, 3], x[:, 4]
        out = x.copy()
        out[:, 0] += a * ve - b * vn
        out[:, 1] += b * ve + a * vn
        out[:, 2] += dt * x[:, 5]
        out[:, 3] = c * ve - s * vn
        out[:, 4] = s * ve + c * vn
        F = _eye_batch(7, dt.size)
        F[:, 0, 3], F[:, 0, 4], F[:, 0, 6] = a, -b, da * ve - db * vn
        F[:, 1, 3], F[:, 1, 4], F[:, 1, 6] = b, a, db * ve + da * vn
        F[:, 2, 5] = dt
        F[:, 3, 3], F[:, 3, 4], F[:, 3, 6] = c, -s, -dt * (s * ve + c * vn)
        F[:, 4, 3], F[:, 4, 4], F[:, 4, 6] = s, c, dt * (c * ve - s * vn)
        return out, F

    def noise(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        Q = np.zeros((dt.size, 7, 7))
        _white_acceleration_blocks(Q, dt, self.q)
        Q[:, 6, 6] = self.q_turn * dt
        return Q

    def predict_into(self, x, dt, dt3, out_x, F, Q) -> None:
        """``f``, ``jacobian`` and ``noise`` into ``out_x`` (K, 7), ``F`` and ``Q`` (K, 7, 7): one compiled
        loop (numpy forms the series' powers, which the compiled power does not match to the last bit)."""
        w3 = (x[:, 6] * dt) ** 3
        kernels().coordinated_turn(x, dt, dt3, dt**4, w3, self.q, self.q_turn, out_x, F, Q)


@dataclass(frozen=True)
class FreeFall(ConstantVelocity):
    """Free flight under gravity: a rocket after burnout, a mortar bomb, a falling body.

    The CV model plus the known acceleration of gravity (a control input, so F is that of CV):
    p' = p + v dt - (g dt^2 / 2) u,  v' = v - g dt u. The unknown drag deceleration (tens of m/s^2
    for a rocket, decreasing as it slows) is left to white acceleration noise of density ``q``
    [m^2/s^3]. With ``turn_state`` the state carries a turn rate held at zero, so that this model can
    be a mode of an IMM beside a :class:`CoordinatedTurn` (as :class:`ConstantVelocity` does).
    """

    _gravity = G0

    def f(self, x: np.ndarray, dt: np.ndarray) -> np.ndarray:
        dt = np.asarray(dt, dtype=float)
        out = super().f(x, dt)
        out[:, 2] -= 0.5 * G0 * dt**2
        out[:, 5] -= G0 * dt
        return out


MotionModel = ConstantVelocity | ConstantAcceleration | CoordinatedTurn | FreeFall


def cv_transition(dt: np.ndarray) -> np.ndarray:
    """State-transition matrices (N, 6, 6) of the CV model for time steps ``dt`` (N,) [s]."""
    return ConstantVelocity(0.0).jacobian(np.zeros((np.size(dt), 6)), np.atleast_1d(dt))


def cv_process_noise(dt: np.ndarray, q: float) -> np.ndarray:
    """Process-noise covariances (N, 6, 6) of the CV model over ``dt`` (N,)."""
    dt = np.atleast_1d(np.asarray(dt, dtype=float))
    return ConstantVelocity(q).noise(np.zeros((dt.size, 6)), dt)
