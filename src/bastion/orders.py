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

    def aim_at(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth and elevation [rad] of the aim schedule at times ``t`` (linear in between)."""
        az = np.unwrap(self.knot_azimuth)
        return np.interp(t, self.knot_t, az), np.interp(t, self.knot_t, self.knot_elevation)


@dataclass(frozen=True)
class CeaseFire:
    """Stop a gun now (the target is assessed killed, or the engagement was withdrawn)."""

    gun: int
    reason: str
