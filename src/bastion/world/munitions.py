"""Rockets and mortar bombs in flight: point masses with standard drag, truth side.

At its launch time each munition leaves its launcher at the type's launch speed, aimed by the
attacker at the target: the attacker's firing solution is exact for still air (elevation from the
type's range table, low angle for rockets, high angle for mortars), but aimed at a point displaced
by the weapon's dispersion (1-sigma range and deflection errors proportional to range), and the real
flight meets the real wind. From then on it is a point mass under gravity and drag
(:mod:`bastion.physics.ballistics`) until it is destroyed or reaches the ground, where its warhead
detonates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, rk4_step
from bastion.physics.firing_table import elevation_for_range, range_table
from bastion.physics.geometry import level_crossing
from bastion.scenario.compiled import ThreatPlan
from bastion.world.drones import DESTROYED, IMPACTED, WAITING, threat_fields

FLYING = 5

_RANGE_TABLES: dict[tuple, tuple] = {}


def _table(plan: ThreatPlan, air: Air) -> tuple:
    t = plan.type
    key = (t.name, round(air.ground_altitude_m, 0), round(air.delta_t_k, 1))
    if key not in _RANGE_TABLES:
        _RANGE_TABLES[key] = range_table(
            t.launch_speed_mps,
            float(drag_factor_from_bc(t.ballistic_coefficient)),
            DragFunction.standard(t.drag_function),
            air,
            launch_height_m=float(plan.launch[2]),
        )
    return _RANGE_TABLES[key]


@dataclass
class Munitions:
    """Ballistic threats, truth. ``index`` maps each to its threat number in the scenario."""

    plans: tuple[ThreatPlan, ...]
    index: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    launch_vel: np.ndarray
    k: np.ndarray
    state: np.ndarray
    launch_time: np.ndarray
    rcs: np.ndarray
    swerling: np.ndarray
    vulnerable_radius: np.ndarray
    p_kill_given_hit: np.ndarray
    end_time: np.ndarray
    aimed_at: np.ndarray  # (M, 2) the point the attacker's solution aimed at (after dispersion)
    drag: DragFunction

    @classmethod
    def launch_plan(
        cls, plans: tuple[ThreatPlan, ...], index: np.ndarray, air: Air, rng: np.random.Generator
    ) -> Munitions:
        m = len(plans)
        launch_vel = np.zeros((m, 3))
        aimed = np.zeros((m, 2))
        for j, p in enumerate(plans):
            t = p.type
            d = p.aim[:2] - p.launch[:2]
            rng_m = float(np.hypot(*d))
            u = d / max(rng_m, 1e-9)
            nrm = np.array([u[1], -u[0]])
            aim = (
                p.aim[:2]
                + u * rng.normal(0.0, t.range_error * rng_m)
                + nrm * rng.normal(0.0, t.deflection_error * rng_m)
            )
            aimed[j] = aim
            dd = aim - p.launch[:2]
            r_aim = float(np.hypot(*dd))
            el, _ = elevation_for_range(_table(p, air), r_aim, t.high_angle)
            if not np.isfinite(el):
                el = np.radians(45.0)  # out of range: the crew fires at maximum range
            az = np.arctan2(dd[0], dd[1])
            launch_vel[j] = t.launch_speed_mps * np.array(
                [np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)]
            )
        drags = {p.type.drag_function for p in plans} or {"G1"}
        if len(drags) > 1:
            raise ValueError(f"munitions of one scenario must share a drag function, got {sorted(drags)}")

        return cls(
            plans=plans,
            index=np.asarray(index, dtype=int),
            pos=np.array([p.launch for p in plans], dtype=float).reshape(m, 3),
            vel=np.zeros((m, 3)),
            launch_vel=launch_vel,
            k=np.array([float(drag_factor_from_bc(p.type.ballistic_coefficient)) for p in plans]),
            state=np.full(m, WAITING, dtype=np.int8),
            **threat_fields(plans),
            aimed_at=aimed,
            drag=DragFunction.standard(drags.pop()),
        )

    @property
    def airborne(self) -> np.ndarray:
        return self.state == FLYING

    def step(self, t: float, dt: float, air: Air) -> np.ndarray:
        """Advance from ``t`` by ``dt``; return local indices of munitions that reached the ground."""
        if self.state.size == 0:
            return np.zeros(0, dtype=int)
        launch = (self.state == WAITING) & (self.launch_time < t + dt)
        if launch.any():
            self.state[launch] = FLYING
            self.vel[launch] = self.launch_vel[launch]
        fly = np.flatnonzero(self.state == FLYING)
        if fly.size == 0:
            return np.zeros(0, dtype=int)
        # munitions launched inside the step fly only the remainder of it
        h = np.minimum(dt, t + dt - np.maximum(self.launch_time[fly], t))
        p0 = self.pos[fly]
        p1, v1 = rk4_step(p0, self.vel[fly], h, self.k[fly], self.drag, air)
        down = p1[:, 2] <= 0.0
        if down.any():
            _, p1[down] = level_crossing(p0[down], p1[down])
        self.pos[fly], self.vel[fly] = p1, v1
        landed = fly[down]
        self.state[landed] = IMPACTED
        self.end_time[landed] = t + dt
        return landed

    def destroy(self, j: np.ndarray, t: float) -> None:
        self.state[j] = DESTROYED
        self.end_time[j] = t

    def undisturbed_impacts(self, air: Air, dt: float = 0.1, max_time_s: float = 600.0) -> np.ndarray:
        """Where each munition (M, 3) would reach the ground if nothing hit it (scoring, truth side).

        After launch a munition's flight is deterministic (the attacker's dispersion is drawn into
        ``launch_vel`` at launch; the wind is uniform and steady), so this flies the launch state on
        with the same equations, integrator (:func:`rk4_step`) and ground crossing as :meth:`step`,
        in steps of ``dt`` (the world's fine step, 0.1 s): for a round that was not destroyed it is
        where it did land, to well under a metre (the world's steps are the same length except
        where cut short at a wake-up, which changes the RK4 truncation error only). A munition still
        above ground after ``max_time_s`` of flight (none of the catalogue's: their flights last
        under two minutes) gets NaN.
        """
        m = self.state.size
        out = np.full((m, 3), np.nan)
        if m == 0:
            return out
        pos = np.array([p.launch for p in self.plans], dtype=float).reshape(m, 3)
        vel = self.launch_vel.copy()
        fly = np.arange(m)
        for _ in range(int(np.ceil(max_time_s / dt))):
            p1, v1 = rk4_step(pos[fly], vel[fly], dt, self.k[fly], self.drag, air)
            down = p1[:, 2] <= 0.0
            if down.any():
                _, ground = level_crossing(pos[fly[down]], p1[down])
                out[fly[down]] = ground
            pos[fly], vel[fly] = p1, v1
            fly = fly[~down]
            if fly.size == 0:
                break
        return out
