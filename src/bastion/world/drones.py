"""One-way-attack drones: point-mass kinematics with performance limits, as parallel arrays.

Each drone follows GPS waypoints to its aim point at a cruise speed and altitude, turning at no
more than its maximum turn rate and climbing at no more than its maximum climb rate, then dives on
the aim point along its dive angle at dive speed (pure pursuit) until it hits the ground, where the
warhead detonates. Navigation error is a per-waypoint offset drawn once (GPS waypoint navigation,
shared/domain/threats.md §3). Wind is assumed compensated by the autopilot (ground track held).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from bastion.physics.geodesy import wrap_angle
from bastion.physics.geometry import level_crossing
from bastion.scenario.compiled import ThreatPlan
from bastion.world.readonly import NO_INDEX


class DroneState(IntEnum):
    WAITING = 0  # not launched yet
    CRUISE = 1
    DIVE = 2
    DESTROYED = 3  # killed by fire
    IMPACTED = 4  # reached the ground under its own power


# plain ints for the per-step path (IntEnum attribute access is slow in hot loops)
WAITING, CRUISE, DIVE, DESTROYED, IMPACTED = (int(s) for s in DroneState)


@dataclass
class DroneFleet:
    """All threat drones, truth. Arrays of shape (N,) or (N, 3); ENU metres and m/s."""

    plans: tuple[ThreatPlan, ...]
    index: np.ndarray  # (N,) threat number of each drone in the scenario
    pos: np.ndarray
    vel: np.ndarray
    state: np.ndarray
    speed: np.ndarray  # cruise ground speed [m/s]
    altitude: np.ndarray  # cruise height AGL [m]
    waypoints: np.ndarray  # (N, K, 2) padded with the aim point
    n_waypoints: np.ndarray
    wp_index: np.ndarray
    aim: np.ndarray  # (N, 3)
    dive_speed: np.ndarray
    dive_angle: np.ndarray
    max_turn: np.ndarray
    max_climb: np.ndarray
    launch_time: np.ndarray
    rcs: np.ndarray
    swerling: np.ndarray
    vulnerable_radius: np.ndarray
    p_kill_given_hit: np.ndarray
    end_time: np.ndarray  # time destroyed or impacted [s], NaN while alive

    @classmethod
    def launch_plan(cls, plans: tuple[ThreatPlan, ...], index: np.ndarray, rng: np.random.Generator) -> DroneFleet:
        """Draw each drone's unspecified cruise speed and altitude from its type's ranges."""
        n = len(plans)
        k = max((p.waypoints.shape[0] for p in plans), default=1)
        wps = np.zeros((n, k, 2))
        nwp = np.zeros(n, dtype=int)
        speed, alt = np.zeros(n), np.zeros(n)
        for i, p in enumerate(plans):
            t = p.type
            speed[i] = p.speed_mps if p.speed_mps is not None else rng.uniform(*t.cruise_speed_mps)
            alt[i] = p.cruise_altitude_m if p.cruise_altitude_m is not None else rng.uniform(*t.cruise_altitude_m)
            w = p.waypoints.copy()
            w[:-1] += rng.normal(0.0, t.navigation_sigma_m, w[:-1].shape)
            w[-1] += rng.normal(0.0, t.navigation_sigma_m, 2)
            wps[i, : len(w)] = w
            wps[i, len(w) :] = w[-1]
            nwp[i] = len(w)

        def arr(f):
            return np.array([f(p) for p in plans], dtype=float)

        aim = np.zeros((n, 3))
        aim[:, :2] = wps[np.arange(n), np.maximum(nwp - 1, 0)] if n else aim[:, :2]
        return cls(
            plans=plans,
            index=np.asarray(index, dtype=int),
            pos=np.array([p.launch for p in plans], dtype=float).reshape(n, 3),
            vel=np.zeros((n, 3)),
            state=np.zeros(n, dtype=np.int8),
            speed=speed,
            altitude=alt,
            waypoints=wps,
            n_waypoints=nwp,
            wp_index=np.zeros(n, dtype=int),
            aim=aim,
            dive_speed=arr(lambda p: p.type.dive_speed_mps),
            dive_angle=arr(lambda p: p.type.dive_angle),
            max_turn=arr(lambda p: p.type.max_turn_rate),
            max_climb=arr(lambda p: p.type.max_climb_rate),
            launch_time=arr(lambda p: p.launch_time_s),
            rcs=arr(lambda p: p.type.rcs_m2),
            swerling=np.array([p.type.swerling for p in plans], dtype=int),
            vulnerable_radius=arr(lambda p: p.type.vulnerable_radius_m),
            p_kill_given_hit=arr(lambda p: p.type.p_kill_given_hit),
            end_time=np.full(n, np.nan),
        )

    def __post_init__(self) -> None:
        # the dive geometry depends only on the type: tan(dive angle) once, not at every step
        self._tan_dive = np.tan(self.dive_angle)

    @property
    def airborne(self) -> np.ndarray:
        return (self.state == CRUISE) | (self.state == DIVE)

    def step(self, t: float, dt: float) -> np.ndarray:
        """Advance from ``t`` by ``dt`` seconds; return indices of drones that hit the ground."""
        state = self.state
        if state.size == 0 or not (state < DESTROYED).any():  # none waiting or flying: nothing moves
            return NO_INDEX
        launch = (state == WAITING) & (self.launch_time <= t + dt)
        if launch.any():
            state[launch] = CRUISE
            first = self.waypoints[launch, 0] - self.pos[launch, :2]
            heading = np.arctan2(first[:, 0], first[:, 1])
            self.vel[launch] = np.stack(
                [self.speed[launch] * np.sin(heading), self.speed[launch] * np.cos(heading), np.zeros(launch.sum())],
                axis=1,
            )
        cruise = state == CRUISE
        if cruise.any():
            self._cruise(cruise.nonzero()[0], dt)
        dive = state == DIVE
        if dive.any():
            j = dive.nonzero()[0]
            to = self.aim[j] - self.pos[j]
            rng_ = np.linalg.norm(to, axis=1)
            self.vel[j] = to / np.maximum(rng_, 1e-6)[:, None] * self.dive_speed[j][:, None]
            moving = cruise | dive
        else:
            moving = cruise
        before = self.pos[moving]
        self.pos[moving] += self.vel[moving] * dt
        hit_ground = moving & (self.pos[:, 2] <= 0.0)
        if not hit_ground.any():
            return NO_INDEX
        # the ground is crossed inside the step: interpolate to the crossing point
        f, self.pos[hit_ground] = level_crossing(before[hit_ground[moving]], self.pos[hit_ground])
        state[hit_ground] = IMPACTED
        self.end_time[hit_ground] = t + f * dt
        return np.flatnonzero(hit_ground)

    def _cruise(self, i: np.ndarray, dt: float) -> None:
        """Waypoint guidance of the cruising drones ``i`` over ``dt``: capture, turn, climb, dive entry."""
        speed = self.speed[i]
        wp = self.wp_index[i]
        last_wp = self.n_waypoints[i] - 1
        pos = self.pos[i]
        target = self.waypoints[i, wp]
        to = target - pos[:, :2]
        dist = np.hypot(to[:, 0], to[:, 1])
        on_last = wp >= last_wp
        advance = (dist < np.maximum(3.0 * speed * dt, 150.0)) & ~on_last
        if advance.any():
            self.wp_index[i[advance]] += 1
            wp = self.wp_index[i]
            target = self.waypoints[i, wp]
            to = target - pos[:, :2]
            dist = np.hypot(to[:, 0], to[:, 1])
            on_last = wp >= last_wp
        heading = np.arctan2(self.vel[i, 0], self.vel[i, 1])
        want = np.arctan2(to[:, 0], to[:, 1])
        max_turn = self.max_turn[i] * dt
        max_climb = self.max_climb[i]
        turn = wrap_angle(want - heading)
        heading = heading + np.minimum(np.maximum(turn, -max_turn), max_turn)  # np.clip, lighter on few drones
        climb = np.minimum(np.maximum((self.altitude[i] - pos[:, 2]) / max(dt, 1e-9), -max_climb), max_climb)
        new_vel = np.empty((i.size, 3))
        new_vel[:, 0] = speed * np.sin(heading)
        new_vel[:, 1] = speed * np.cos(heading)
        new_vel[:, 2] = climb
        self.vel[i] = new_vel
        dive_range = pos[:, 2] / self._tan_dive[i]
        start_dive = on_last & (dist <= dive_range + speed * dt)
        if start_dive.any():
            self.state[i[start_dive]] = DIVE

    def destroy(self, i: np.ndarray, t: float) -> None:
        self.state[i] = DESTROYED
        self.end_time[i] = t
