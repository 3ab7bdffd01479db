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
from numba import njit

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


def threat_fields(plans: tuple[ThreatPlan, ...]) -> dict[str, np.ndarray]:
    """What every fleet of threats (drones, munitions) holds per threat, from its plan: launch time [s],
    radar cross-section [m^2] and Swerling case, vulnerable radius [m], P(kill | hit), and the time it
    was destroyed or impacted [s] (NaN while alive)."""

    def arr(f):
        return np.array([f(p) for p in plans], dtype=float)

    return {
        "launch_time": arr(lambda p: p.launch_time_s),
        "rcs": arr(lambda p: p.type.rcs_m2),
        "swerling": np.array([p.type.swerling for p in plans], dtype=int),
        "vulnerable_radius": arr(lambda p: p.type.vulnerable_radius_m),
        "p_kill_given_hit": arr(lambda p: p.type.p_kill_given_hit),
        "end_time": np.full(len(plans), np.nan),
    }


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
            **threat_fields(plans),
        )

    def __post_init__(self) -> None:
        # the dive geometry depends only on the type: tan(dive angle) once, not at every step
        self._tan_dive = np.tan(self.dive_angle)

    @property
    def airborne(self) -> np.ndarray:
        return (self.state == CRUISE) | (self.state == DIVE)

    def step(self, t: float, dt: float) -> np.ndarray:
        """Advance from ``t`` by ``dt`` seconds; return indices of drones that hit the ground.

        The loop over the drones is compiled (:func:`_advance`; its numpy reference is
        :func:`advance_reference`, which it is tested against); a quiet step (none waiting or flying)
        costs one test.
        """
        state = self.state
        if state.size == 0 or not (state < DESTROYED).any():  # none waiting or flying: nothing moves
            return NO_INDEX
        landed = np.empty(state.size, dtype=np.int64)
        n = _advance(
            float(t),
            float(dt),
            state,
            self.pos,
            self.vel,
            self.speed,
            self.altitude,
            self.waypoints,
            self.n_waypoints,
            self.wp_index,
            self.aim,
            self.dive_speed,
            self._tan_dive,
            self.max_turn,
            self.max_climb,
            self.launch_time,
            self.end_time,
            landed,
        )
        return landed[:n] if n else NO_INDEX

    def destroy(self, i: np.ndarray, t: float) -> None:
        self.state[i] = DESTROYED
        self.end_time[i] = t


@njit(cache=True)
def _advance(
    t, dt, state, pos, vel, speed, altitude, waypoints, n_waypoints, wp_index, aim, dive_speed, tan_dive,
    max_turn, max_climb, launch_time, end_time, landed,
):  # fmt: skip
    """One step of every drone, in place (see the module docstring); returns how many landed,
    their indices in ``landed``.

    Per drone: a waiting drone whose launch time falls in the step sets off towards its first
    waypoint. A cruising drone captures its waypoint within max(3 speed dt, 150 m) (except the
    last), turns towards it at no more than its turn rate, climbs or descends to its cruise height
    at no more than its climb rate, and enters its dive when the aim point is within its dive
    range (height / tan(dive angle)) plus one step. A diving drone flies pure pursuit at dive
    speed. Flying drones then move by ``vel * dt``; one that crosses the ground stops at the
    crossing (linear within the step, as ``geometry.level_crossing``) and has impacted.
    """
    n_landed = 0
    for i in range(state.shape[0]):
        if state[i] == WAITING and launch_time[i] <= t + dt:
            state[i] = CRUISE
            first_e = waypoints[i, 0, 0] - pos[i, 0]
            first_n = waypoints[i, 0, 1] - pos[i, 1]
            heading = np.arctan2(first_e, first_n)
            vel[i, 0] = speed[i] * np.sin(heading)
            vel[i, 1] = speed[i] * np.cos(heading)
            vel[i, 2] = 0.0
        if state[i] == CRUISE:
            s = speed[i]
            x, y, z = pos[i, 0], pos[i, 1], pos[i, 2]
            wp = wp_index[i]
            last_wp = n_waypoints[i] - 1
            to_e, to_n = waypoints[i, wp, 0] - x, waypoints[i, wp, 1] - y
            dist = np.hypot(to_e, to_n)
            if dist < max(3.0 * s * dt, 150.0) and not wp >= last_wp:
                wp += 1
                wp_index[i] = wp
                to_e, to_n = waypoints[i, wp, 0] - x, waypoints[i, wp, 1] - y
                dist = np.hypot(to_e, to_n)
            heading = np.arctan2(vel[i, 0], vel[i, 1])
            want = np.arctan2(to_e, to_n)
            turn_max = max_turn[i] * dt
            turn = np.pi - (np.pi - (want - heading)) % (2.0 * np.pi)  # geodesy.wrap_angle
            heading = heading + min(max(turn, -turn_max), turn_max)
            climb = min(max((altitude[i] - z) / max(dt, 1e-9), -max_climb[i]), max_climb[i])
            vel[i, 0] = s * np.sin(heading)
            vel[i, 1] = s * np.cos(heading)
            vel[i, 2] = climb
            if wp >= last_wp and dist <= z / tan_dive[i] + s * dt:
                state[i] = DIVE
            moving = True
        else:
            moving = False
        if state[i] == DIVE:
            to_e, to_n, to_u = aim[i, 0] - pos[i, 0], aim[i, 1] - pos[i, 1], aim[i, 2] - pos[i, 2]
            norm = max(np.sqrt(to_e * to_e + to_n * to_n + to_u * to_u), 1e-6)
            vel[i, 0] = to_e / norm * dive_speed[i]
            vel[i, 1] = to_n / norm * dive_speed[i]
            vel[i, 2] = to_u / norm * dive_speed[i]
            moving = True
        if not moving:
            continue
        x0, y0, z0 = pos[i, 0], pos[i, 1], pos[i, 2]
        x1, y1, z1 = x0 + vel[i, 0] * dt, y0 + vel[i, 1] * dt, z0 + vel[i, 2] * dt
        if z1 <= 0.0:
            f = min(max(z0 / max(z0 - z1, 1e-12), 0.0), 1.0)
            x1, y1, z1 = x0 + f * (x1 - x0), y0 + f * (y1 - y0), 0.0
            state[i] = IMPACTED
            end_time[i] = t + f * dt
            landed[n_landed] = i
            n_landed += 1
        pos[i, 0], pos[i, 1], pos[i, 2] = x1, y1, z1
    return n_landed


def advance_reference(f: DroneFleet, t: float, dt: float) -> np.ndarray:
    """What :func:`_advance` does to fleet ``f`` (in place), with array operations over the drones:
    the indices of the drones that reached the ground in the step (see :func:`_advance`)."""
    state = f.state
    launch = (state == WAITING) & (f.launch_time <= t + dt)
    if launch.any():
        state[launch] = CRUISE
        first = f.waypoints[launch, 0] - f.pos[launch, :2]
        h = np.arctan2(first[:, 0], first[:, 1])
        f.vel[launch] = np.stack([f.speed[launch] * np.sin(h), f.speed[launch] * np.cos(h), 0.0 * h], axis=1)
    cruise = state == CRUISE
    i = cruise.nonzero()[0]
    if i.size:
        speed, pos, last_wp = f.speed[i], f.pos[i], f.n_waypoints[i] - 1
        target = f.waypoints[i, f.wp_index[i]]
        dist = np.hypot(*(target - pos[:, :2]).T)
        advance = (dist < np.maximum(3.0 * speed * dt, 150.0)) & ~(f.wp_index[i] >= last_wp)
        f.wp_index[i[advance]] += 1
        to = f.waypoints[i, f.wp_index[i]] - pos[:, :2]
        dist = np.hypot(to[:, 0], to[:, 1])
        heading = np.arctan2(f.vel[i, 0], f.vel[i, 1])
        max_turn = f.max_turn[i] * dt
        heading = heading + np.clip(wrap_angle(np.arctan2(to[:, 0], to[:, 1]) - heading), -max_turn, max_turn)
        climb = np.clip((f.altitude[i] - pos[:, 2]) / max(dt, 1e-9), -f.max_climb[i], f.max_climb[i])
        f.vel[i] = np.stack([speed * np.sin(heading), speed * np.cos(heading), climb], axis=1)
        start_dive = (f.wp_index[i] >= last_wp) & (dist <= pos[:, 2] / np.tan(f.dive_angle[i]) + speed * dt)
        state[i[start_dive]] = DIVE
    dive = state == DIVE
    to = f.aim[dive] - f.pos[dive]
    f.vel[dive] = to / np.maximum(np.linalg.norm(to, axis=1), 1e-6)[:, None] * f.dive_speed[dive][:, None]
    moving = cruise | dive
    before = f.pos[moving]
    f.pos[moving] += f.vel[moving] * dt
    down = moving & (f.pos[:, 2] <= 0.0)
    frac, f.pos[down] = level_crossing(before[down[moving]], f.pos[down])
    state[down] = IMPACTED
    f.end_time[down] = t + frac * dt
    return np.flatnonzero(down)
