"""Orders from the decision side to the guns: the only data that crosses back over the barrier.

A :class:`FireOrder` is what a fire-control computer sends a mount: when to fire, for how long,
and where to point at each instant (knots of an aim schedule the mount interpolates, so the gun
follows the predicted target during the burst). It names the track it engages for the record, but
the world never looks it up: rounds go where the barrel points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FireOrder:
    order_id: int
    gun: int  # gun index in the site's guns
    track_id: int  # the engaged track (for the record only)
    t_start: float  # first round [s]
    t_end: float  # last round no later than this [s]
    knot_t: np.ndarray  # (K,) times of the aim schedule [s]
    knot_azimuth: np.ndarray  # (K,) [rad] clockwise from north
    knot_elevation: np.ndarray  # (K,) [rad]
    # closed-loop fire control: the C2 track's cue for the mount's own fire-control radar, the target's
    # position, velocity and predicted acceleration (9,) [m, m/s, m/s^2] at ``cue_t`` [s]; None: open loop
    cue: np.ndarray | None = None
    cue_t: float = float("nan")

    def aim_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth and elevation [rad] of the aim schedule at times ``t`` (linear in between)."""
        return _aim_at(self.knot_t, self.knot_azimuth, self.knot_elevation, t)


@dataclass(frozen=True)
class AimUpdate:
    """Closed-loop fire control: a new aim schedule for the rounds of a burst in progress that leave
    the muzzle at or after ``t_from`` [s] (the rounds already fired fly on)."""

    gun: int
    order_id: int
    t_from: float
    knot_t: np.ndarray  # (K,) [s]
    knot_azimuth: np.ndarray  # (K,) [rad]
    knot_elevation: np.ndarray  # (K,) [rad]

    def aim_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth and elevation [rad] of the new schedule at times ``t`` (linear in between)."""
        return _aim_at(self.knot_t, self.knot_azimuth, self.knot_elevation, t)


def _aim_at(knot_t: np.ndarray, knot_az: np.ndarray, knot_el: np.ndarray, t: np.ndarray):
    az = np.unwrap(knot_az)
    return np.interp(t, knot_t, az), np.interp(t, knot_t, knot_el)


@dataclass(frozen=True)
class CeaseFire:
    """Stop a burst in progress: its rounds that would leave the muzzle at or after ``t_from`` [s] are
    not fired (they stay in the magazine). Closed-loop fire control sends it when the mount's own
    radar no longer sees the target it locked on (destroyed, or lost): the mount's kill assessment."""

    gun: int
    order_id: int
    t_from: float
    reason: str


@dataclass(frozen=True)
class EffectorOrder:
    """An order to an effector other than a gun (issue 19).

    ``action``: "launch" (an interceptor at the cued target), "cue" (a fresh cue over the uplink for the
    interceptor launched by order ``engagement``), "abort" (that interceptor destroys itself: its target
    is assessed destroyed), "lase" (a laser at the cued target until ``t_end``), "radiate" or
    "silence" (a jammer). Like a fire order it names the engaged track for the
    record only; the effector finds its target itself from the cue (the C2 track's position and
    velocity (6,) [m, m/s] at ``cue_t`` [s]): an interceptor's seeker, a laser's own tracker."""

    order_id: int
    effector: int  # index among the site's effectors
    action: str
    t: float  # when the order was given [s]
    track_id: int = -1  # the engaged track (for the record only; -1 for a jammer)
    cue: np.ndarray | None = None
    cue_t: float = float("nan")
    t_end: float = float("nan")  # lase: stop by then [s]
    engagement: int = -1  # "cue", "abort": the launch order of the interceptor concerned
