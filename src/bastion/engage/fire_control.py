"""Fire control of a C-RAM gun: the lead solution and the kill probability of a burst.

Lead solution (the classical fire-control iteration, e.g. Weaver, *Fire control systems*; McCoy
1999 ch. 5): the round fired at ``t_f`` meets the target at ``t_f + T``, where ``T`` is the time of
flight to the target's predicted position at that instant. Starting from ``T = R / v0`` the
iteration predicts the target (constant velocity from the track state), shifts the aim point upwind
by the round's wind drift (lag rule), asks the firing table for the elevation and time of flight
to that point, and repeats; it converges in a few iterations because the target moves far slower
than the round. Vectorised over targets and over the knots of a burst's aim schedule.

Kill probability of a burst of ``n`` rounds against a target of vulnerable radius ``R`` at range
``r``: the aim error common to the whole burst (track prediction error across the line of fire,
plus the mount's pointing bias) is a circular Gaussian of sigma ``s_c``; each round adds an
independent dispersion of sigma ``s_d``. Given the common offset ``b``, a round hits with
probability ``p(b) ~= R^2 / (2 s_d^2) exp(-|b|^2 / (2 s_d^2))`` (small target, Rayleigh offset), and
the burst kills with ``1 - (1 - p_kh p(b))^n``. Averaging over ``|b|^2 / (2 s_c^2) ~ Exp(1)`` is a
one-dimensional Gauss–Laguerre quadrature.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc
from bastion.physics.firing_table import FiringTable, wind_drift
from bastion.scenario.compiled import GunSite

_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(24)
_TABLES: dict[tuple, FiringTable] = {}


def firing_table(gun: GunSite, air: Air) -> FiringTable:
    """The firing table of a gun type at a site (built once per type, altitude and temperature)."""
    gt = gun.type
    key = (gt.name, round(air.ground_altitude_m + gun.position[2], 0), round(air.delta_t_k, 1))
    if key not in _TABLES:
        _TABLES[key] = FiringTable(
            v0=gt.muzzle_velocity,
            k=float(drag_factor_from_bc(gt.ballistic_coefficient)),
            drag=DragFunction.standard(gt.drag_function),
            air=Air(air.ground_altitude_m + gun.position[2], air.delta_t_k),
            t_max=gt.self_destruct_s,
            max_range_m=2_600.0,
            el_min=gt.min_elevation,
            el_max=gt.max_elevation,
        )
    return _TABLES[key]


@dataclass(frozen=True)
class LeadSolution:
    """Aim and intercept for targets x knots (shapes (..., K))."""

    azimuth: np.ndarray  # [rad] clockwise from north
    elevation: np.ndarray  # [rad]
    tof: np.ndarray  # [s]
    intercept: np.ndarray  # (..., K, 3) predicted target position at intercept
    slant_range: np.ndarray  # [m] gun to intercept
    valid: np.ndarray  # ballistic solution exists (within the self-destruct time)


class FireControl:
    """Fire-control computer of one gun."""

    def __init__(self, gun: GunSite, air: Air) -> None:
        self.gun = gun
        self.air = air
        self.table = firing_table(gun, air)

    def lead(
        self, x: np.ndarray, t_state: float, t_fire: np.ndarray, iterations: int = 6, accel: np.ndarray | None = None
    ) -> LeadSolution:
        """Lead solution for target states ``x`` (..., 6) at ``t_state`` and fire times (..., K).

        The target is predicted with constant velocity, or with the constant acceleration ``accel``
        (..., 3) where one is known — gravity and drag for a rocket or mortar round in free flight."""
        v0 = self.gun.type.muzzle_velocity
        gun_pos = self.gun.position
        pos = x[..., None, :3]
        vel = x[..., None, 3:6]
        acc = None if accel is None else 0.5 * np.asarray(accel, dtype=float)[..., None, :]
        dt = (t_fire - t_state)[..., None]
        rel0 = pos + vel * dt if acc is None else pos + vel * dt + acc * dt**2
        tof = np.linalg.norm(rel0 - gun_pos, axis=-1) / v0
        el = np.zeros_like(tof)
        valid = np.ones_like(tof, dtype=bool)
        for _ in range(iterations):
            tau = dt + tof[..., None]
            target = pos + vel * tau if acc is None else pos + vel * tau + acc * tau**2
            rel = target - gun_pos
            slant = np.sqrt(np.add.reduce(rel * rel, axis=-1))  # np.linalg.norm(rel, axis=-1)
            aim = rel - wind_drift(self.air.wind, tof, slant, v0)  # aim upwind by the round's drift
            rh = aim[..., 1:].copy()  # (horizontal range, height)
            rh[..., 0] = np.hypot(aim[..., 0], aim[..., 1])
            el, sol_tof, valid = self.table.lookup(rh)
            tof = np.where(valid, sol_tof, tof)
        el = np.where(valid, el, np.nan)
        az = np.arctan2(aim[..., 0], aim[..., 1])
        return LeadSolution(az, el, tof, target, slant, valid & np.isfinite(el))

    def burst_pk(
        self,
        slant_range: np.ndarray,
        cross_sigma_m: np.ndarray,
        n_rounds: int,
        vulnerable_radius_m: float,
        p_kill_given_hit: float,
    ) -> np.ndarray:
        """Kill probability of a burst of ``n_rounds`` (see module docstring)."""
        gt = self.gun.type
        r = np.maximum(np.asarray(slant_range, dtype=float), 1.0)
        sd = gt.dispersion_rad * r
        sc2 = np.asarray(cross_sigma_m, dtype=float) ** 2 + (gt.pointing_bias_rad * r) ** 2
        c = vulnerable_radius_m**2 / (2.0 * sd**2)
        ratio = sc2 / sd**2
        # E over u ~ Exp(1): 1 - (1 - pkh * c * exp(-u * ratio))^n
        p = np.clip(c[..., None] * np.exp(-_LAG_X * ratio[..., None]), 0.0, 1.0) * p_kill_given_hit
        miss_all = (1.0 - p) ** n_rounds
        return 1.0 - np.sum(_LAG_W * miss_all, axis=-1)
