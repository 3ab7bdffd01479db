"""Kill assessment after a burst (shoot–look–shoot) of a drone or other air-breathing target: did it
fall, or was its track lost? (A ballistic round — rocket, artillery, mortar — falls whatever
happens to it: it is assessed on sensor evidence by :mod:`bastion.engage.ballistic_kill`.)

Looked at once the burst's last round has had time to arrive plus a look period. The filtered
velocity of a constant-velocity track lags a sudden change, so the assessment also fits the
target's recent motion directly: a straight line through the track positions of the last two
seconds gives its current ground speed and climb rate.

* destroyed — the track was deleted (lost) since the burst, or it is falling: descending faster
  than 8 m/s, or its ground speed is down by more than 30 % from before the burst (a destroyed
  airframe loses speed to drag; a diving drone gains it);
* survived — it flies on as before: ground speed within 15 % of before, not descending faster
  than 3 m/s;
* undetermined otherwise: keep looking, up to ``max_extra_s`` more, then treat as survived
  (re-engage) — failing safe means shooting again at a target that may still be flying.
"""

from __future__ import annotations

import numpy as np

from bastion.event_types import KillAssessment
from bastion.track.types import Tracks

MAX_EXTRA_LOOK_S = 3.0  # [s] an undetermined look goes on this much longer, then counts as survived

WINDOW_S = 2.0


def recent_motion(history: list[tuple[float, np.ndarray]], t: float) -> tuple[float, float] | None:
    """Ground speed and climb rate [m/s] fitted to the positions of the last ``WINDOW_S`` seconds."""
    pts = [(ti, p) for ti, p in history if ti >= t - WINDOW_S - 1e-9]
    if len(pts) < 2:
        return None
    ts = np.array([p[0] for p in pts])
    xs = np.array([p[1] for p in pts])
    A = np.stack([ts - ts.mean(), np.ones_like(ts)], axis=1)
    slope = np.linalg.lstsq(A, xs, rcond=None)[0][0]
    return float(np.hypot(slope[0], slope[1])), float(slope[2])


def assess(
    tracks: Tracks, track_id: int, speed_before: float, history: list[tuple[float, np.ndarray]]
) -> tuple[str, str]:
    """('destroyed' | 'survived' | 'undetermined', reason) for the engaged track."""
    i = tracks.index_of(track_id)
    if i is None:
        return "destroyed", "track lost after engagement"
    motion = recent_motion(history, tracks.t)
    if motion is None:
        v = tracks.x[i, 3:6]
        gs, climb = float(np.hypot(v[0], v[1])), float(v[2])
    else:
        gs, climb = motion
    if climb < -8.0 or gs < 0.7 * speed_before:
        return "destroyed", f"falling (climb {climb:.0f} m/s, ground speed {gs:.0f} from {speed_before:.0f} m/s)"
    if abs(gs - speed_before) <= 0.15 * speed_before and climb > -3.0:
        return "survived", f"still flying ({gs:.0f} m/s, {tracks.x[i, 2]:.0f} m)"
    return "undetermined", f"ground speed {gs:.0f} m/s, climb {climb:.0f} m/s"


def concluded(
    t: float, look_until: float, track: int, by: str, order: int, klass: str, verdict: str, reason: str
) -> KillAssessment | None:
    """The kill assessment of a look (``by``: the gun or effector that engaged; ``klass``: ballistic
    or other) that ended at ``look_until`` [s], at ``t`` [s]: None while an undetermined look may go
    on (up to ``MAX_EXTRA_LOOK_S``); then the verdict, destroyed or not. Shared by the guns'
    looks (:mod:`bastion.engage.manager`) and the other effectors' (:mod:`bastion.engage.layers`)."""
    if verdict == "undetermined" and t < look_until + MAX_EXTRA_LOOK_S:
        return None
    return KillAssessment(
        track=track, gun=by, order=order, destroyed=verdict == "destroyed", klass=klass, verdict=verdict, reason=reason
    )
