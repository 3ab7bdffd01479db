"""Civil aircraft: synthetic arrivals and departures on the site's runways, and recorded flights.

Synthetic profiles (typical airline procedures, stated as assumptions):

* arrival: a straight-in final on the runway heading along a 3 degree glide path at the approach
  speed, crossing the threshold at 15 m (50 ft), touching down 300 m beyond it, then braking at the
  type's deceleration to 15 m/s and leaving the runway;
* departure: brake release at the threshold, constant acceleration to rotation speed, then a
  straight climb on the runway heading at the type's initial climb gradient, accelerating
  linearly to climb speed over 30 s.

Recorded flights are interpolated linearly in time between their samples. Positions are evaluated
in closed form at any time, for all aircraft at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.scenario.compiled import FlightPlan, RecordedFlight

GLIDE_PATH = np.radians(3.0)
THRESHOLD_HEIGHT_M = 15.0
TOUCHDOWN_M = 300.0
TAXI_SPEED = 15.0
ACTIVE_RANGE_M = 60_000.0  # flights are simulated within this distance of the site


@dataclass(frozen=True)
class CivilTraffic:
    """All civil aircraft. Index i < len(flights) is synthetic, the rest recorded."""

    flights: tuple[FlightPlan, ...]
    recorded: tuple[RecordedFlight, ...]

    def __len__(self) -> int:
        return len(self.flights) + len(self.recorded)

    @property
    def icao24(self) -> list[str]:
        return [f.icao24 for f in self.flights] + [r.icao24 for r in self.recorded]

    @property
    def callsign(self) -> list[str]:
        return [f.callsign for f in self.flights] + [r.callsign for r in self.recorded]

    @property
    def rcs(self) -> np.ndarray:
        return np.array([f.aircraft.rcs_m2 for f in self.flights] + [r.aircraft.rcs_m2 for r in self.recorded])

    @property
    def swerling(self) -> np.ndarray:
        return np.array(
            [f.aircraft.swerling for f in self.flights] + [r.aircraft.swerling for r in self.recorded], dtype=int
        )

    @property
    def vulnerable_radius(self) -> np.ndarray:
        return np.array(
            [f.aircraft.vulnerable_radius_m for f in self.flights]
            + [r.aircraft.vulnerable_radius_m for r in self.recorded]
        )

    @property
    def broadcasts_adsb(self) -> np.ndarray:
        return np.array([f.adsb for f in self.flights] + [r.adsb for r in self.recorded], dtype=bool)

    @property
    def nacp(self) -> np.ndarray:
        return np.array(
            [f.aircraft.adsb_nacp for f in self.flights] + [r.aircraft.adsb_nacp for r in self.recorded], dtype=int
        )

    def state(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions (M, 3), velocities (M, 3) and an 'exists' mask (M,) at time ``t``."""
        m = len(self)
        pos = np.zeros((m, 3))
        vel = np.zeros((m, 3))
        exists = np.zeros(m, dtype=bool)
        for i, f in enumerate(self.flights):
            p, v = (_arrival if f.kind == "arrival" else _departure)(f, t)
            pos[i], vel[i] = p, v
            exists[i] = np.isfinite(p).all() and np.hypot(p[0], p[1]) < ACTIVE_RANGE_M
        base = len(self.flights)
        for j, r in enumerate(self.recorded):
            i = base + j
            if r.t[0] <= t <= r.t[-1] and r.t.size >= 2:
                k = int(np.clip(np.searchsorted(r.t, t) - 1, 0, r.t.size - 2))
                dt = r.t[k + 1] - r.t[k]
                f = (t - r.t[k]) / dt if dt > 0 else 0.0
                pos[i] = r.enu[k] + f * (r.enu[k + 1] - r.enu[k])
                vel[i] = (r.enu[k + 1] - r.enu[k]) / dt if dt > 0 else 0.0
                exists[i] = True
        return pos, vel, exists


def _arrival(f: FlightPlan, t: float) -> tuple[np.ndarray, np.ndarray]:
    ac = f.aircraft
    v = ac.approach_speed_mps
    s = (t - f.time_s) * v  # along-runway distance past the threshold [m] while airborne
    d = f.direction
    if s < TOUCHDOWN_M:
        height = (
            THRESHOLD_HEIGHT_M - s * THRESHOLD_HEIGHT_M / TOUCHDOWN_M
            if s >= 0
            else THRESHOLD_HEIGHT_M - s * np.tan(GLIDE_PATH)
        )
        slope = THRESHOLD_HEIGHT_M / TOUCHDOWN_M if s >= 0 else np.tan(GLIDE_PATH)
        pos = f.threshold + d * s
        pos = pos + np.array([0.0, 0.0, height])
        return pos, d * v - np.array([0.0, 0.0, v * slope])
    # rollout
    tau = t - (f.time_s + TOUCHDOWN_M / v)
    a = ac.rollout_decel_mps2
    t_stop = (v - TAXI_SPEED) / a
    if tau <= t_stop:
        dist = TOUCHDOWN_M + v * tau - 0.5 * a * tau**2
        speed = v - a * tau
    else:
        dist = TOUCHDOWN_M + v * t_stop - 0.5 * a * t_stop**2 + TAXI_SPEED * (tau - t_stop)
        speed = TAXI_SPEED
    if dist > f.runway_length_m:
        return np.full(3, np.nan), np.zeros(3)  # vacated the runway
    return f.threshold + d * dist, d * speed


def _departure(f: FlightPlan, t: float) -> tuple[np.ndarray, np.ndarray]:
    ac = f.aircraft
    tau = t - f.time_s
    if tau < -60.0:
        return np.full(3, np.nan), np.zeros(3)
    d = f.direction
    if tau <= 0:
        return f.threshold.copy(), np.zeros(3)
    a = ac.takeoff_accel_mps2
    t_rot = ac.rotate_speed_mps / a
    if tau <= t_rot:
        return f.threshold + d * (0.5 * a * tau**2), d * (a * tau)
    s_rot = 0.5 * a * t_rot**2
    tc = tau - t_rot
    ramp = 30.0
    v0, v1 = ac.rotate_speed_mps, ac.climb_speed_mps
    if tc <= ramp:
        dist = v0 * tc + 0.5 * (v1 - v0) / ramp * tc**2
        speed = v0 + (v1 - v0) * tc / ramp
    else:
        dist = v0 * ramp + 0.5 * (v1 - v0) * ramp + v1 * (tc - ramp)
        speed = v1
    g = ac.climb_gradient
    pos = f.threshold + d * (s_rot + dist * np.cos(g)) + np.array([0.0, 0.0, dist * np.sin(g)])
    return pos, d * speed * np.cos(g) + np.array([0.0, 0.0, speed * np.sin(g)])
