"""Kinematic classification of tracks.

Rules (stated, tunable) on the track's estimated velocity and the geometric-mean RCS of its plots:

* FALLING: descending faster than 5 m/s while slower than 40 m/s horizontally and under 400 m —
  a destroyed target or debris;
* BALLISTIC: faster than 150 m/s with a steep flight path (|climb angle| > 15 deg) and small RCS
  (< 1 m^2) — a rocket, artillery or mortar round;
* AIRCRAFT: RCS of at least 3 m^2 (airliners are 10–100 m^2), or faster than 110 m/s and level;
* DRONE: 8–110 m/s, small RCS (< 1 m^2) and low (< 2,000 m);
* otherwise UNKNOWN. Tracks with fewer than ``min_updates`` plots stay UNKNOWN (not guessed).

Birds fly at drone speeds with drone-sized RCS: the pipeline re-classifies slow DRONE and UNKNOWN
tracks from the radars' micro-Doppler looks (:mod:`bastion.assess.birds`).
"""

from __future__ import annotations

import numpy as np

from bastion.assess.types import TrackClass
from bastion.track.types import Tracks

_UNKNOWN, _DRONE, _AIRCRAFT = int(TrackClass.UNKNOWN), int(TrackClass.DRONE), int(TrackClass.AIRCRAFT)
_BALLISTIC, _FALLING = int(TrackClass.BALLISTIC), int(TrackClass.FALLING)
assert _UNKNOWN == 0
_STEEP = np.radians(15)  # climb angle [rad] between level flight and a ballistic path


def classify(tracks: Tracks, min_updates: int = 3) -> np.ndarray:
    """TrackClass of every track (N,)."""
    v = tracks.x[:, 3:6]
    gs = np.hypot(v[:, 0], v[:, 1])
    vu = v[:, 2]
    speed = np.hypot(gs, vu)
    climb = np.abs(np.arctan2(vu, np.maximum(gs, 1e-6)))
    h = tracks.x[:, 2]
    rcs = tracks.rcs
    small = rcs < 1.0
    out = np.zeros(len(tracks), dtype=np.int8)  # UNKNOWN
    drone = (speed >= 8) & (speed <= 110) & small & (h < 2000)
    aircraft = (rcs >= 3.0) | ((speed > 110) & (climb < _STEEP) & (rcs >= 0.3))
    ballistic = (speed > 150) & (climb > _STEEP) & small
    falling = (vu < -5) & (gs < 40) & (h < 400)
    out[drone] = _DRONE
    out[aircraft] = _AIRCRAFT
    out[ballistic] = _BALLISTIC
    out[falling] = _FALLING
    out[tracks.updates < min_updates] = _UNKNOWN
    return out
