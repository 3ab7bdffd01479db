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

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from bastion.scenario.compiled import FlightPlan, RecordedFlight
from bastion.world.labels import CIVIL_LABEL
from bastion.world.readonly import frozen

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "_memo", {})  # t -> state, (t0, t1) -> targets (see :meth:`state`)
        # each synthetic flight's profile, with its runway threshold and direction as Python floats
        synthetic = [
            (
                _arrival if f.kind == "arrival" else _departure,
                f,
                tuple(f.threshold.tolist()),
                tuple(f.direction.tolist()),
            )
            for f in self.flights
        ]
        object.__setattr__(self, "_synthetic", synthetic)
        # recorded flights concatenated, with times offset per flight so one searchsorted serves all
        r = self.recorded
        if r:
            span = max(float(f.t[-1] - f.t[0]) for f in r) + 1.0
            base = np.arange(len(r)) * (span + max(abs(float(f.t[0])) for f in r) * 2 + 1e6)
            t_all = np.concatenate([f.t + b for f, b in zip(r, base, strict=True)])
            start = np.cumsum([0] + [f.t.size for f in r])[:-1]
            object.__setattr__(
                self,
                "_rec",
                (
                    base,
                    t_all,
                    np.concatenate([f.enu for f in r]),
                    start,
                    np.array([f.t.size for f in r]),
                    np.array([f.t[0] for f in r]),
                    np.array([f.t[-1] for f in r]),
                ),
            )

    def __len__(self) -> int:
        return len(self.flights) + len(self.recorded)

    @property
    def icao24(self) -> list[str]:
        return [f.icao24 for f in self.flights] + [r.icao24 for r in self.recorded]

    @property
    def callsign(self) -> list[str]:
        return [f.callsign for f in self.flights] + [r.callsign for r in self.recorded]

    def _per_aircraft(self, attr: str, dtype=float) -> np.ndarray:
        return frozen(
            np.array(
                [getattr(f.aircraft, attr) for f in self.flights] + [getattr(r.aircraft, attr) for r in self.recorded],
                dtype=dtype,
            )
        )

    # the aircraft's constant figures, built once (read-only): the air picture and the rounds' targets
    # take rows of them at every instant they are asked for
    @cached_property
    def rcs(self) -> np.ndarray:
        return self._per_aircraft("rcs_m2")

    @cached_property
    def swerling(self) -> np.ndarray:
        return self._per_aircraft("swerling", int)

    @cached_property
    def vulnerable_radius(self) -> np.ndarray:
        return self._per_aircraft("vulnerable_radius_m")

    @cached_property
    def nacp(self) -> np.ndarray:
        return self._per_aircraft("adsb_nacp", int)

    @cached_property
    def broadcasts_adsb(self) -> np.ndarray:
        return frozen(np.array([f.adsb for f in self.flights] + [r.adsb for r in self.recorded], dtype=bool))

    @cached_property
    def friendly_iff(self) -> np.ndarray:
        flags = [f.friendly_iff for f in self.flights] + [r.friendly_iff for r in self.recorded]
        return frozen(np.array(flags, dtype=bool))

    def state(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions (M, 3), velocities (M, 3) and an 'exists' mask (M,) at time ``t`` (read-only).

        Civil traffic is a function of time alone (flown to the scenario's plan or recording), so the
        states of recent instants are kept: a world asks for the same instants several times (step
        ends, scans, ADS-B batches), and nights simulated in lock-step share one traffic."""
        return self._kept(t, self._state, t)

    def in_the_air(self, t: float) -> tuple[np.ndarray, ...]:
        """The aircraft a radar could see at ``t`` (flying above 1 m), as the world's air picture
        lists them: positions, velocities, mean RCS, Swerling case, truth label and friendly IFF
        (read-only, kept like :meth:`state`)."""
        return self._kept(("air", t), self._in_the_air, t)

    def targets(self, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The aircraft rounds can hit during the step ``t0 -> t1``: those flying (above 1 m) at both
        ends, as start (K, 3) and end (K, 3) positions, vulnerable radius (K,) and aircraft index (K,)
        (read-only, kept like :meth:`state`: every night of a lock-step batch asks for the same steps
        while its rounds fly)."""
        return self._kept((t0, t1), self._targets, t0, t1)

    def _kept(self, key, build, *args) -> tuple[np.ndarray, ...]:
        memo = self._memo
        hit = memo.get(key)
        if hit is None:
            hit = tuple(frozen(a) for a in build(*args))
            if len(memo) >= _MEMO:
                del memo[next(iter(memo))]  # the oldest
            memo[key] = hit
        return hit

    def _in_the_air(self, t: float) -> tuple[np.ndarray, ...]:
        pos, vel, on = self.state(t)
        c = (on & (pos[:, 2] > 1.0)).nonzero()[0]
        return pos[c], vel[c], self.rcs[c], self.swerling[c], CIVIL_LABEL + c, self.friendly_iff[c]

    def _targets(self, t0: float, t1: float) -> tuple[np.ndarray, ...]:
        c0, _, on0 = self.state(t0)
        c1, _, on1 = self.state(t1)
        ci = np.flatnonzero(on0 & on1 & (c1[:, 2] > 1.0))
        return c0[ci], c1[ci], self.vulnerable_radius[ci], ci

    def _state(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = len(self)
        pos = np.zeros((m, 3))
        vel = np.zeros((m, 3))
        exists = np.zeros(m, dtype=bool)
        n = len(self.flights)
        if n:  # a handful of synthetic flights: closed forms per flight, on Python floats
            profiles = [profile(f, thr, d, t) for profile, f, thr, d in self._synthetic]
            pos[:n] = [p for p, _ in profiles]
            vel[:n] = [v for _, v in profiles]
            exists[:n] = [
                math.isfinite(p[0])
                and math.isfinite(p[1])
                and math.isfinite(p[2])
                and np.hypot(p[0], p[1]) < ACTIVE_RANGE_M
                for p, _ in profiles
            ]
        if self.recorded:
            base, t_all, enu, start, count, first, last = self._rec
            k = np.searchsorted(t_all, t + base) - 1 - start  # sample before t, per flight
            k = np.clip(k, 0, np.maximum(count - 2, 0))
            j0 = start + k
            j1 = start + np.minimum(k + 1, count - 1)
            t0, t1 = t_all[j0] - base, t_all[j1] - base
            dt = t1 - t0
            f = np.divide(t - t0, dt, out=np.zeros_like(dt), where=dt > 0)
            pos[n:] = enu[j0] + f[:, None] * (enu[j1] - enu[j0])
            vel[n:] = np.divide(enu[j1] - enu[j0], dt[:, None], out=np.zeros((dt.size, 3)), where=dt[:, None] > 0)
            exists[n:] = (first <= t) & (t <= last) & (count >= 2)
        return pos, vel, exists


_MEMO = 256  # instants of civil traffic kept (a few seconds of a night's instants, for many nights)


# The profiles work on 3-vectors as tuples of floats: a handful of aircraft evaluated at thousands
# of instants a night, where numpy's per-call overhead on 3-element arrays would dominate. The
# helpers are the vector operations of the formulas, component by component (the same IEEE
# operations numpy performs element-wise).
Vec = tuple[float, float, float]
_NAN3: Vec = (math.nan, math.nan, math.nan)
_ZERO3: Vec = (0.0, 0.0, 0.0)
_TAN_GLIDE = float(np.tan(GLIDE_PATH))


def _add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def _scale(d: Vec, s: float) -> Vec:
    return (d[0] * s, d[1] * s, d[2] * s)


def _along(p: Vec, d: Vec, s: float) -> Vec:
    """``p + d * s``."""
    return (p[0] + d[0] * s, p[1] + d[1] * s, p[2] + d[2] * s)


@lru_cache(maxsize=32)
def _climb_trig(gradient: float) -> tuple[float, float]:
    """cos and sin of a climb gradient (a per-type constant: computed once, not at every instant)."""
    return float(np.cos(gradient)), float(np.sin(gradient))


def _arrival(f: FlightPlan, threshold: Vec, d: Vec, t: float) -> tuple[Vec, Vec]:
    ac = f.aircraft
    v = ac.approach_speed_mps
    s = (t - f.time_s) * v  # along-runway distance past the threshold [m] while airborne
    if s < TOUCHDOWN_M:
        height = (
            THRESHOLD_HEIGHT_M - s * THRESHOLD_HEIGHT_M / TOUCHDOWN_M if s >= 0 else THRESHOLD_HEIGHT_M - s * _TAN_GLIDE
        )
        slope = THRESHOLD_HEIGHT_M / TOUCHDOWN_M if s >= 0 else _TAN_GLIDE
        pos = _add(_along(threshold, d, s), (0.0, 0.0, height))
        return pos, _sub(_scale(d, v), (0.0, 0.0, v * slope))
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
        return _NAN3, _ZERO3  # vacated the runway
    return _along(threshold, d, dist), _scale(d, speed)


def _departure(f: FlightPlan, threshold: Vec, d: Vec, t: float) -> tuple[Vec, Vec]:
    ac = f.aircraft
    tau = t - f.time_s
    if tau < -60.0:
        return _NAN3, _ZERO3
    if tau <= 0:
        return threshold, _ZERO3
    a = ac.takeoff_accel_mps2
    t_rot = ac.rotate_speed_mps / a
    if tau <= t_rot:
        return _along(threshold, d, 0.5 * a * tau**2), _scale(d, a * tau)
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
    cos_g, sin_g = _climb_trig(ac.climb_gradient)
    pos = _add(_along(threshold, d, s_rot + dist * cos_g), (0.0, 0.0, dist * sin_g))
    return pos, _add(_scale(_scale(d, speed), cos_g), (0.0, 0.0, speed * sin_g))
