"""Assessment data types."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Identity(IntEnum):
    """Track identity (STANAG 1241 standard identities, reduced to what bastion uses)."""

    PENDING = 0  # not yet evaluated (tentative or too young)
    UNKNOWN = 1
    CIVIL = 2  # cooperative civil aircraft (ADS-B correlated): never engaged
    FRIENDLY = 3  # IFF or declared friendly: never engaged
    HOSTILE = 4


class TrackClass(IntEnum):
    UNKNOWN = 0
    DRONE = 1
    AIRCRAFT = 2
    BALLISTIC = 3
    FALLING = 4  # debris or a destroyed target
    BIRD = 5  # a single bird or a flock, by micro-Doppler (assess/birds.py): never engaged


@dataclass(frozen=True)
class ThreatPicture:
    """Threat evaluation of every track of one scan; arrays aligned with the tracks (N,)."""

    t: float
    track_id: np.ndarray
    identity: np.ndarray  # Identity
    klass: np.ndarray  # TrackClass
    zone: np.ndarray  # index of the zone most at risk, -1 none
    impact_point: np.ndarray  # (N, 2) predicted impact / arrival point, ENU [m]; NaN none
    impact_time: np.ndarray  # absolute predicted time of impact [s]; NaN none
    ellipse_axes: np.ndarray  # (N, 2) 95 % semi-axes [m]
    ellipse_orientation: np.ndarray  # major-axis azimuth [rad]
    p_reach: np.ndarray  # probability the threat reaches ``zone``
    value: np.ndarray  # value of ``zone``
    threat_value: np.ndarray  # value x p_reach (0 for civil/friendly/open ground)
    p_zone: np.ndarray  # (N, Z) probability of reaching each zone of the site
    t_zone: np.ndarray  # (N, Z) absolute time of reaching each zone [s], NaN never

    def __len__(self) -> int:
        return int(self.track_id.size)

    @classmethod
    def of(cls, *values) -> ThreatPicture:
        """The picture of ``values`` (the fields in order), written straight into the new instance's
        ``__dict__`` like :meth:`Tracks.rows <bastion.track.types.Tracks.rows>`: a frozen dataclass's
        ``__init__`` sets its fourteen fields one ``object.__setattr__`` at a time (every night, every scan)."""
        out = object.__new__(cls)
        out.__dict__.update(zip(_PICTURE_FIELDS, values, strict=True))
        return out


_PICTURE_FIELDS = tuple(ThreatPicture.__dataclass_fields__)
