"""Fire control of a C-RAM gun: the lead solution and the kill probability of a burst.

Lead solution (the classical fire-control iteration, e.g. Weaver, *Fire control systems*; McCoy
1999 ch. 5): the round fired at ``t_f`` meets the target at ``t_f + T``, where ``T`` is the time of
flight to the target's predicted position at that instant. Starting from ``T = R / v0`` the
iteration predicts the target (constant velocity from the track state), shifts the aim point upwind
by the round's wind drift (lag rule), asks the firing table for the elevation and time of flight
to that point, and repeats; it converges in a few iterations because the target moves far slower
than the round. One target at a time, over the knots of a burst's aim schedule, as a compiled
loop (:mod:`bastion.engage.kernels`: a handful of knots, where numpy's per-call cost would dominate).

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

from bastion.engage.kernels import lead_solution
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc
from bastion.physics.firing_table import FiringTable
from bastion.scenario.compiled import GunSite

_LAG_X, _LAG_W = np.polynomial.laguerre.laggauss(24)
_TABLES: dict[tuple, FiringTable] = {}
_NO_ACCEL = np.zeros(3)


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
        # the compiled lead solution's per-gun constants
        self._gun_pos = np.asarray(gun.position, dtype=float)
        self._v0 = float(gun.type.muzzle_velocity)
        self._wind_e, self._wind_n = float(air.wind[0]), float(air.wind[1])

    def lead(
        self, x: np.ndarray, t_state: float, t_fire: np.ndarray, iterations: int = 6, accel: np.ndarray | None = None
    ) -> LeadSolution:
        """Lead solution for one target state ``x`` (6,) at ``t_state`` [s] and fire times ``t_fire`` (K,) [s].

        The target is predicted with constant velocity, or with the constant acceleration ``accel``
        (3,) [m/s^2] where one is known — gravity and drag for a rocket or mortar round in free
        flight. The iteration runs compiled (:func:`bastion.engage.kernels.lead_solution`); only the
        azimuth is taken with numpy, from the last aim point."""
        t_fire = np.asarray(t_fire, dtype=float)
        k = t_fire.shape[0]
        rows = np.empty((5, k))  # aim east, aim north [m], elevation [rad], time of flight [s], slant range [m]
        target = np.empty((k, 3))
        valid = np.empty(k, dtype=bool)
        lead_solution(
            np.asarray(x, dtype=float),
            float(t_state),
            t_fire,
            _NO_ACCEL if accel is None else 0.5 * np.asarray(accel, dtype=float),
            accel is not None,
            self._gun_pos,
            self._v0,
            self._wind_e,
            self._wind_n,
            self.table.kernel_table,
            iterations,
            rows,
            target,
            valid,
        )
        return LeadSolution(np.arctan2(rows[0], rows[1]), rows[2], rows[3], target, rows[4], valid)

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
