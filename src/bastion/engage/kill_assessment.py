"""Kill assessment after a burst: did the target fall, or was its track lost?

Looked at once the burst's last round has had time to arrive plus a look period. A target is
assessed destroyed when its track was deleted (lost) since the burst, or when it is falling:
descending faster than 5 m/s with its ground speed down by more than a third from before the burst
(a destroyed airframe loses speed to drag; a diving drone gains it). Otherwise it survived and may
be re-engaged.
"""

from __future__ import annotations

import numpy as np

from bastion.track.types import Tracks


def assess(tracks: Tracks, track_id: int, speed_before: float) -> tuple[bool, str]:
    """(destroyed, reason) for the engaged track."""
    i = tracks.index_of(track_id)
    if i is None:
        return True, "track lost after engagement"
    v = tracks.x[i, 3:6]
    gs = float(np.hypot(v[0], v[1]))
    if v[2] < -5.0 and gs < (2.0 / 3.0) * speed_before:
        return True, f"falling (descent {-v[2]:.0f} m/s, ground speed {gs:.0f} from {speed_before:.0f} m/s)"
    return False, f"still flying ({gs:.0f} m/s, {tracks.x[i, 2]:.0f} m)"
