"""Rockets and mortar bombs in flight: point masses with standard drag, truth side.

At its launch time each munition leaves its launcher, aimed by the attacker at the target: the
attacker's firing solution is exact for still air (elevation from the type's range table, low angle
for rockets, high angle for mortars), but aimed at a point displaced by the weapon's dispersion
(1-sigma range and deflection errors proportional to range), and the real flight meets the real
wind. A mortar bomb leaves the tube at its launch speed; a rocket leaves its rail at the speed its
motor gives it there and burns the rest of its motor in flight — thrust along its air-relative
velocity, its mass falling as the propellant burns (:mod:`bastion.physics.rocket`), its range table
flown the same way. From burnout on, or from the tube, it is a point mass under gravity and drag
(:mod:`bastion.physics.ballistics`) until it is destroyed or reaches the ground, where its warhead
detonates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics import rocket
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc
from bastion.physics.firing_table import elevation_for_range, range_table
from bastion.physics.geometry import level_crossing
from bastion.scenario.compiled import ThreatPlan
from bastion.world.drones import DESTROYED, IMPACTED, WAITING, threat_fields

FLYING = 5

_RANGE_TABLES: dict[tuple, tuple] = {}


def _table(plan: ThreatPlan, air: Air) -> tuple:
    t = plan.type
    key = (t.name, *air.thermo_key())
    if key not in _RANGE_TABLES:
        k = float(drag_factor_from_bc(t.ballistic_coefficient))
        drag = DragFunction.standard(t.drag_function)
        if t.motor is not None:
            _RANGE_TABLES[key] = rocket.range_table(t.motor, t.mass_kg, k, drag, air, float(plan.launch[2]))
        else:
            _RANGE_TABLES[key] = range_table(t.launch_speed_mps, k, drag, air, launch_height_m=float(plan.launch[2]))
    return _RANGE_TABLES[key]


@dataclass
class Munitions:
    """Ballistic threats, truth. ``index`` maps each to its threat number in the scenario."""

    plans: tuple[ThreatPlan, ...]
    index: np.ndarray
    pos: np.ndarray
    vel: np.ndarray
    launch_pos: np.ndarray  # (M, 3) where each leaves its launcher (a rocket: the end of its rail)
    launch_vel: np.ndarray
    launch_tau: np.ndarray  # (M,) seconds after ignition at which it leaves (0 without a motor)
    motors: rocket.Boosters  # thrust, mass flow, burn time, launch mass, burnt-out drag factor
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
        launch_pos = np.array([p.launch for p in plans], dtype=float).reshape(m, 3)
        launch_vel = np.zeros((m, 3))
        launch_tau = np.zeros(m)
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
            if t.motor is not None:
                launch_pos[j], launch_vel[j], launch_tau[j] = rocket.launch_state(t.motor, t.mass_kg, p.launch, el, az)
            else:
                launch_vel[j] = t.launch_speed_mps * np.array(
                    [np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)]
                )
        drags = {p.type.drag_function for p in plans} or {"G1"}
        if len(drags) > 1:
            raise ValueError(f"munitions of one scenario must share a drag function, got {sorted(drags)}")

        def arr(f):
            return np.array([f(p) for p in plans], dtype=float)

        k = np.array([float(drag_factor_from_bc(p.type.ballistic_coefficient)) for p in plans])
        motors = rocket.Boosters(
            arr(lambda p: p.type.motor.thrust_n if p.type.motor else 0.0),
            arr(lambda p: p.type.motor.mass_flow if p.type.motor else 0.0),
            arr(lambda p: p.type.motor.burn_time_s if p.type.motor else 0.0),
            arr(lambda p: p.type.mass_kg),
            k,
            np.array([bool(p.type.motor and p.type.motor.weathercocks) for p in plans], dtype=bool),
        )
        return cls(
            plans=plans,
            index=np.asarray(index, dtype=int),
            pos=launch_pos.copy(),
            vel=np.zeros((m, 3)),
            launch_pos=launch_pos,
            launch_vel=launch_vel,
            launch_tau=launch_tau,
            motors=motors,
            k=k,
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
        start = np.maximum(self.launch_time[fly], t)
        h = np.minimum(dt, t + dt - start)
        p0 = self.pos[fly]
        tau = start - self.launch_time[fly] + self.launch_tau[fly]  # since ignition: a rocket's motor may burn
        p1, v1 = rocket.fly(p0, self.vel[fly], tau, h, self.motors.take(fly), self.drag, air)
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
        ``launch_vel`` at launch; the wind and the motor are steady), so this flies the launch state on
        with the same equations, integrator (:func:`bastion.physics.rocket.fly`) and ground crossing as :meth:`step`,
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
        pos = self.launch_pos.copy()
        vel = self.launch_vel.copy()
        fly = np.arange(m)
        for i in range(int(np.ceil(max_time_s / dt))):
            tau = i * dt + self.launch_tau[fly]
            p1, v1 = rocket.fly(pos[fly], vel[fly], tau, np.full(fly.size, dt), self.motors.take(fly), self.drag, air)
            down = p1[:, 2] <= 0.0
            if down.any():
                _, ground = level_crossing(pos[fly[down]], p1[down])
                out[fly[down]] = ground
            pos[fly], vel[fly] = p1, v1
            fly = fly[~down]
            if fly.size == 0:
                break
        return out
