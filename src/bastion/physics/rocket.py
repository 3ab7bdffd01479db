"""Boost phase of an unguided artillery rocket: thrust, burning mass and drag, vectorised.

Point-mass model of a spin- or fin-stabilised rocket in powered flight (the zero-lag weathercock
model, e.g. Fleeman, *Tactical Missile Design*, 2nd ed., 2006, §4; McCoy 1999 ch. 5 for the drag):

    dv/dt = g + (T / m(tau)) u - k(tau) rho(h) C(M) |v - w| (v - w),

where ``tau`` is the time since ignition, the thrust ``T = Isp g0 mdot`` is constant for the burn
time ``t_b`` and nil after it, the mass falls linearly ``m = m0 - mdot min(tau, t_b)`` with
``mdot = m_prop / t_b``, and the drag factor of the burnt-out body ``k_b`` (from its ballistic
coefficient, :func:`bastion.physics.ballistics.drag_factor_from_bc`) scales as ``k = k_b m_b / m``
(the same shape, a heavier body). The thrust ``u`` points along the rocket's axis, taken along its
flight path (``v / |v|``: a gravity turn; the axis of a spinning rocket stays near its path). A
fin-stabilised rocket also turns its axis into a crosswind while the motor burns (weathercocking):
with ``Motor.weathercocks`` the axis is taken along the velocity relative to the air
(``u = (v - w) / |v - w|``), the zero-lag limit. That limit is an upper bound — right off the rail
(25-45 m/s) a 3 m/s crosswind turns it by 4-7 deg, moving a 107 mm rocket's impact by ~10 % of its
range — and the real lag depends on the rocket's yaw dynamics, which are not public; the catalogue's
rockets therefore do not weathercock (their wind error is the drag's drift), a stated limitation.

The rocket leaves its launcher's rail (or tube) of length ``L`` along the launcher's axis at the
speed the thrust gives it there, ``v_rail = sqrt(2 a L)``, ``a = T / m0 - g sin(elevation)``
(friction and the rail's own drag neglected), ``tau_rail = v_rail / a`` after ignition; from there it
flies free. After burnout it is a point mass under gravity and drag, as every round in bastion.

Integration: classical RK4 with the time-dependent thrust and mass, in sub-steps of at most
``BOOST_STEP_S`` and cut at burnout (the thrust's discontinuity falls on a step boundary), checked
against scipy's DOP853 in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.ballistics import GRAVITY, Air, DragFunction, rk4_step
from bastion.physics.constants import G0

BOOST_STEP_S = 0.02
"""Longest RK4 sub-step of a burning motor [s]: ~1 % of a 2 s burn; the speed changes ~10 m/s in it."""


@dataclass(frozen=True)
class Motor:
    """A solid rocket motor: burn time [s], propellant mass [kg], delivered specific impulse [s], and
    the length of the launcher's rail or tube it leaves along [m]."""

    burn_time_s: float
    propellant_kg: float
    specific_impulse_s: float
    rail_length_m: float
    weathercocks: bool = False  # thrust along the air-relative velocity (zero-lag weathercocking), else the path

    @property
    def mass_flow(self) -> float:
        """Propellant burnt per second [kg/s]."""
        return self.propellant_kg / self.burn_time_s

    @property
    def thrust_n(self) -> float:
        """Thrust [N] while it burns: Isp g0 mdot."""
        return self.specific_impulse_s * G0 * self.mass_flow

    @property
    def total_impulse_ns(self) -> float:
        """Thrust times burn time [N s]."""
        return self.thrust_n * self.burn_time_s

    def rail_exit(self, launch_mass_kg: float, elevation_rad: float) -> tuple[float, float]:
        """(speed [m/s], time after ignition [s]) at which the rocket leaves its rail."""
        a = self.thrust_n / launch_mass_kg - G0 * np.sin(elevation_rad)
        if not a > 0.0:
            raise ValueError("the motor cannot lift the rocket off its rail at this elevation")
        v = float(np.sqrt(2.0 * a * self.rail_length_m))
        return v, v / a


@dataclass(frozen=True)
class Boosters:
    """Per-rocket motor arrays (N,): thrust [N], mass flow [kg/s], burn time [s], launch mass [kg],
    the burnt-out body's drag factor [m^2/kg] (a body without a motor: zero thrust and burn), and
    whether it weathercocks (``Motor.weathercocks``; None: none does)."""

    thrust: np.ndarray
    mass_flow: np.ndarray
    burn_time: np.ndarray
    launch_mass: np.ndarray
    k_burnout: np.ndarray
    weathercocks: np.ndarray | None = None

    def mass(self, tau: np.ndarray) -> np.ndarray:
        """Mass [kg] at ``tau`` seconds after ignition."""
        return self.launch_mass - self.mass_flow * np.clip(tau, 0.0, self.burn_time)

    def drag_factor(self, tau: np.ndarray) -> np.ndarray:
        """Drag factor [m^2/kg] at ``tau``: the burnt-out body's, scaled by its mass over the mass now."""
        burnt = self.launch_mass - self.mass_flow * self.burn_time
        return self.k_burnout * burnt / self.mass(tau)

    def take(self, idx: np.ndarray) -> Boosters:
        wc = None if self.weathercocks is None else self.weathercocks[idx]
        return Boosters(
            self.thrust[idx], self.mass_flow[idx], self.burn_time[idx], self.launch_mass[idx], self.k_burnout[idx], wc
        )


def _acceleration(vel, up, tau, b: Boosters, drag: DragFunction, air: Air) -> np.ndarray:
    """Acceleration (N, 3) [m/s^2] of burning rockets at velocities ``vel`` (N, 3), heights ``up``
    (N,) and ``tau`` (N,) seconds after ignition (the thrust on while ``tau`` < burn time)."""
    rho, a = air.density_and_sound(up)
    rel = vel - air.wind_at(up)
    speed = np.sqrt(np.einsum("ij,ij->i", rel, rel))
    axis = vel
    if b.weathercocks is not None and b.weathercocks.any():
        axis = np.where(b.weathercocks[:, None], rel, vel)
    unit = axis / np.maximum(np.sqrt(np.einsum("ij,ij->i", axis, axis)), 1e-9)[:, None]
    burning = tau < b.burn_time
    thrust = np.where(burning, b.thrust / b.mass(tau), 0.0)
    c = b.drag_factor(tau) * rho * drag(speed / a) * speed
    return GRAVITY + thrust[:, None] * unit - c[:, None] * rel


def boost_step(
    pos: np.ndarray, vel: np.ndarray, tau: np.ndarray, h: np.ndarray, b: Boosters, drag: DragFunction, air: Air
) -> tuple[np.ndarray, np.ndarray]:
    """One RK4 step of burning rockets (N, 3) over ``h`` (N,) seconds from ``tau`` (N,) after ignition.
    The step must not cross burnout (:func:`fly_boost` cuts it there)."""
    hh = h[:, None]

    def acc(p, v, t):
        return _acceleration(v, p[:, 2], t, b, drag, air)

    k1v = acc(pos, vel, tau)
    k1x = vel
    k2x = vel + 0.5 * hh * k1v
    k2v = acc(pos + 0.5 * hh * k1x, k2x, tau + 0.5 * h)
    k3x = vel + 0.5 * hh * k2v
    k3v = acc(pos + 0.5 * hh * k2x, k3x, tau + 0.5 * h)
    k4x = vel + hh * k3v
    k4v = acc(pos + hh * k3x, k4x, tau + h)
    return (
        pos + hh * (k1x + 2.0 * k2x + 2.0 * k3x + k4x) / 6.0,
        vel + hh * (k1v + 2.0 * k2v + 2.0 * k3v + k4v) / 6.0,
    )


def fly(
    pos: np.ndarray, vel: np.ndarray, tau: np.ndarray, h: np.ndarray, b: Boosters, drag: DragFunction, air: Air
) -> tuple[np.ndarray, np.ndarray]:
    """Fly rockets (N, 3) for ``h`` (N,) seconds from ``tau`` (N,) after ignition: the rest of their burn
    in RK4 sub-steps of at most :data:`BOOST_STEP_S`, cut at burnout, then coasting (one
    :func:`~bastion.physics.ballistics.rk4_step` with the burnt-out drag factor). Bodies without a
    motor (burn time 0) only coast: the same step as :func:`~bastion.physics.ballistics.rk4_step`."""
    pos = np.asarray(pos, dtype=float)
    vel = np.asarray(vel, dtype=float)
    tau = np.asarray(tau, dtype=float)
    h = np.asarray(h, dtype=float)
    boost = np.clip(b.burn_time - tau, 0.0, h)
    burning = np.flatnonzero(boost > 0.0)
    if burning.size:
        bb = b.take(burning)
        p, v, t, left = pos[burning], vel[burning], tau[burning].copy(), boost[burning]
        n = int(np.ceil(left.max() / BOOST_STEP_S - 1e-9))
        dt = left / n
        for _ in range(n):
            p, v = boost_step(p, v, t, dt, bb, drag, air)
            t = t + dt
        pos, vel = pos.copy(), vel.copy()
        pos[burning], vel[burning] = p, v
    coast = h - boost
    if (coast > 0.0).any():
        moving = np.flatnonzero(coast > 0.0)
        p1, v1 = rk4_step(pos[moving], vel[moving], coast[moving], b.k_burnout[moving], drag, air)
        if moving.size == pos.shape[0]:
            return p1, v1
        pos, vel = pos.copy(), vel.copy()
        pos[moving], vel[moving] = p1, v1
    return pos, vel


def launch_state(
    motor: Motor, launch_mass_kg: float, launch: np.ndarray, elevation_rad: float, azimuth_rad: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Where and how fast a rocket fired from ``launch`` (3,) along (elevation, azimuth) leaves its
    rail: (position (3,), velocity (3,), time after ignition [s])."""
    v, tau = motor.rail_exit(launch_mass_kg, elevation_rad)
    ce = np.cos(elevation_rad)
    axis = np.array([ce * np.sin(azimuth_rad), ce * np.cos(azimuth_rad), np.sin(elevation_rad)])
    return np.asarray(launch, dtype=float) + motor.rail_length_m * axis, v * axis, tau


def range_table(
    motor: Motor,
    launch_mass_kg: float,
    k_burnout: float,
    drag: DragFunction,
    air: Air,
    launch_height_m: float = 1.0,
    d_el_deg: float = 0.5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground range [m] and time of flight from the rail [s] against elevation [rad] of a rocket with
    this motor in still air (the attacker's firing table; :func:`bastion.physics.firing_table.range_table`
    is the instant-launch one)."""
    from bastion.physics.ballistics import impact

    still = air.still()
    el = np.radians(np.arange(5.0, 80.0 + 1e-9, d_el_deg))
    n = el.size
    pos, vel, tau = np.zeros((n, 3)), np.zeros((n, 3)), np.zeros(n)
    for i, e in enumerate(el):
        pos[i], vel[i], tau[i] = launch_state(
            motor, launch_mass_kg, np.array([0.0, 0.0, launch_height_m]), e, np.pi / 2
        )
    boosters = Boosters(
        np.full(n, motor.thrust_n),
        np.full(n, motor.mass_flow),
        np.full(n, motor.burn_time_s),
        np.full(n, launch_mass_kg),
        np.full(n, k_burnout),
    )
    burn = motor.burn_time_s - tau
    p, v = fly(pos, vel, tau, burn, boosters, drag, still)
    ground, t, _ = impact(p, v, np.full(n, k_burnout), drag, still, dt=0.1, t_max=400.0)
    return el, np.hypot(ground[:, 0], ground[:, 1]), burn + t
