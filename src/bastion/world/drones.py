"""One-way-attack drones: point-mass kinematics with performance limits, as parallel arrays.

Each drone follows GPS waypoints to its aim point at a cruise speed and altitude, turning at no
more than its maximum turn rate and climbing at no more than its maximum climb rate, then dives on
the aim point along its dive angle at dive speed (pure pursuit) until it hits the ground, where the
warhead detonates. Navigation error is a per-waypoint offset drawn once (GPS waypoint navigation,
shared/domain/threats.md §3).

Wind (the true air's, :class:`bastion.physics.ballistics.Air`, at each drone's height) acts on a drone
as its guidance lets it:

- ``gnss-waypoints`` and ``rf-link`` (the catalogue's drones): the autopilot knows where it is over the ground and
  flies its ground track by crabbing into the wind: the ground velocity is the one its plan gives
  (track and ground speed held; the catalogue's cruise speeds are used as ground speeds, as before
  the wind was modelled), and what the wind changes is its velocity through the air, ``v - w(h)``
  (:meth:`DroneFleet.air_velocity`: a heading into the crosswind, an airspeed higher into a headwind
  and lower down a tailwind). Assumption (L): the autopilot holds the ground speed as well as the
  track, and no airspeed limit binds (a 3-10 m/s wind is 5-25 % of a 42-56 m/s fixed-wing drone's
  cruise, within its ~72 m/s maximum; a quadcopter's 12-20 m/s in a strong wind aloft is not checked).
- ``dead-reckoning`` (no GNSS, e.g. denied; a scenario's ``guidance``): the autopilot flies the
  headings and airspeed its plan gives in still air and does not know the wind: the guidance above
  runs on where it believes it is (its launch point plus its velocity through the air), and the
  ground track drifts from it with the wind at its height, ``dx/dt = v_air + w(h)`` (horizontal;
  the drone holds its height, so a vertical wind does not move it). The drift is integrated with
  the wind at the step's mid-point height (exact for a wind uniform in height, and tested against
  a quadrature of a sheared profile).
In still air both are the same flight, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numba import njit

from bastion.physics.ballistics import Air
from bastion.physics.geodesy import wrap_angle
from bastion.physics.geometry import level_crossing
from bastion.scenario.catalogue.threats import Guidance, guidance_of
from bastion.scenario.compiled import ThreatPlan
from bastion.world.readonly import NO_INDEX


class DroneState(IntEnum):
    WAITING = 0  # not launched yet
    CRUISE = 1
    DIVE = 2
    DESTROYED = 3  # killed by fire
    IMPACTED = 4  # reached the ground under its own power
    # a link-flown drone whose radio link is jammed (its fail-safe: :mod:`bastion.world.effectors`
    # flies these states; the compiled step leaves them alone)
    HOVER = 5  # link lost: hovering
    RETURN = 6  # link lost: flying back to its launch point on GNSS
    LANDING = 7  # link lost: descending to land
    LANDED = 8  # on the ground after a fail-safe landing (its mission abandoned)


# plain ints for the per-step path (IntEnum attribute access is slow in hot loops)
WAITING, CRUISE, DIVE, DESTROYED, IMPACTED, HOVER, RETURN, LANDING, LANDED = (int(s) for s in DroneState)


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
    drifts: np.ndarray  # (N,) bool: dead reckoning, the wind drifts its ground track (see the module docstring)
    drift: np.ndarray  # (N, 2) how far the wind has carried it from where it believes it is [m]
    air_vel: np.ndarray  # (N, 3) a drifting drone's velocity through the air (its autopilot's) [m/s]

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
            drifts=np.array([_guidance(p).control == "dead-reckoning" for p in plans], dtype=bool),
            drift=np.zeros((n, 2)),
            air_vel=np.zeros((n, 3)),
        )

    def __post_init__(self) -> None:
        # the dive geometry depends only on the type: tan(dive angle) once, not at every step
        self._tan_dive = np.tan(self.dive_angle)

    @property
    def airborne(self) -> np.ndarray:
        state = self.state
        return (state == CRUISE) | (state == DIVE) | ((state >= HOVER) & (state <= LANDING))

    def step(self, t: float, dt: float, air: Air | None = None) -> np.ndarray:
        """Advance from ``t`` by ``dt`` seconds through ``air`` (None: still); return indices of drones
        that hit the ground.

        The loop over the drones is compiled (:func:`_advance`; its numpy reference is
        :func:`advance_reference`, which it is tested against); a quiet step (none waiting or flying)
        costs one test. Drones whose guidance corrects for the wind fly it as it is; dead-reckoning
        drones fly it where they believe they are and drift with the wind (:meth:`_drift_step`).
        """
        state = self.state
        if state.size == 0 or not (state < DESTROYED).any():  # none waiting or flying: nothing moves
            return NO_INDEX
        if air is not None and (self.drifts & (state < DESTROYED)).any():
            return self._drift_step(t, dt, air)
        return self._advance(t, dt, self.pos, self.vel)

    def _advance(self, t: float, dt: float, pos: np.ndarray, vel: np.ndarray) -> np.ndarray:
        """:func:`_advance` of the fleet's guidance with positions ``pos`` and velocities ``vel`` (in place)."""
        landed = np.empty(self.state.size, dtype=np.int64)
        n = _advance(
            float(t),
            float(dt),
            self.state,
            pos,
            vel,
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

    def _drift_step(self, t: float, dt: float, air: Air) -> np.ndarray:
        """A step with dead-reckoning drones: the guidance runs on what each believes (its position less
        its drift, its velocity through the air), then each that moved drifts by the wind at its
        mid-step height over the part of the step it flew (to its impact if it landed)."""
        drifts, state = self.drifts, self.state
        nav_pos, nav_vel = self.pos.copy(), self.vel.copy()
        nav_pos[drifts, :2] -= self.drift[drifts]
        nav_vel[drifts] = self.air_vel[drifts]
        z0 = nav_pos[:, 2].copy()
        landed = self._advance(t, dt, nav_pos, nav_vel)
        moved = drifts & ((state == CRUISE) | (state == DIVE))
        moved[landed] = drifts[landed]
        flown = np.full(state.size, float(dt))
        flown[landed] = self.end_time[landed] - t  # up to its impact
        wind = air.wind_at(0.5 * (z0[moved] + nav_pos[moved, 2]))[..., :2]
        self.drift[moved] += wind * flown[moved, None]
        self.air_vel[drifts] = nav_vel[drifts]
        nav_vel[moved, :2] += wind  # over the ground: through the air plus the wind
        nav_pos[drifts, :2] += self.drift[drifts]
        self.pos[:], self.vel[:] = nav_pos, nav_vel
        return landed

    def air_velocity(self, air: Air) -> np.ndarray:
        """Each drone's velocity through the air (N, 3) [m/s]: a dead-reckoning drone's own; a GNSS
        drone's, its ground velocity less the horizontal wind at its height (the crab that holds its track)."""
        out = self.vel.copy()
        gnss = ~self.drifts
        out[gnss, :2] -= air.wind_at(self.pos[gnss, 2])[..., :2]
        out[self.drifts] = self.air_vel[self.drifts]
        return out

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


def _guidance(plan: ThreatPlan) -> Guidance:
    """A drone's guidance: the scenario's, else its type's (:func:`guidance_of`)."""
    return plan.guidance or guidance_of(plan.type.name, plan.type.kind)
