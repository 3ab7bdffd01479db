"""Localised warning: sound the alarm only in the zones a threat can reach, and only when it matters.

A zone (populated, military or infrastructure) is warned when a threat track — HOSTILE, or UNKNOWN
and classified drone or ballistic with at least ``min_updates`` plots (so debris and clutter do not
sound alarms) — has a probability of reaching that zone of at least ``min_probability`` and a
predicted time to impact within ``horizon_s``. The warning carries the expected warning time: the
predicted time to impact when it was issued. The all-clear is given when the threat is assessed
destroyed, has fallen or its track is lost, or when it has not threatened the zone for
``clear_after_s`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.scenario.compiled import ZoneArea

WARNED_KINDS = ("populated", "military", "infrastructure")
_UNKNOWN, _HOSTILE = int(Identity.UNKNOWN), int(Identity.HOSTILE)
_DRONE, _BALLISTIC = int(TrackClass.DRONE), int(TrackClass.BALLISTIC)


@dataclass
class ActiveWarning:
    zone: int
    track: int
    issued: float
    impact_time: float
    last_seen: float


@dataclass
class WarningBoard:
    zones: tuple[ZoneArea, ...]
    min_probability: float = 0.1
    horizon_s: float = 120.0
    clear_after_s: float = 10.0
    min_updates: int = 5
    active: dict[tuple[int, int], ActiveWarning] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._warned = np.array([z.kind in WARNED_KINDS for z in self.zones], dtype=bool)
        self._any_warned = bool(self._warned.any())

    def _threats(self, picture: ThreatPicture, updates: np.ndarray) -> np.ndarray | None:
        """Mask (N,) of the tracks that may sound a warning; None when there is none (most scans)."""
        if not len(picture) or not self._any_warned:
            return None
        threat = (picture.identity == _HOSTILE) | (
            (picture.identity == _UNKNOWN)
            & ((picture.klass == _DRONE) | (picture.klass == _BALLISTIC))
            & (updates >= self.min_updates)
        )
        return threat if threat.any() else None

    def update(self, picture: ThreatPicture, ended: dict[int, str], updates: np.ndarray) -> list[tuple[str, dict]]:
        """Warnings and all-clears for this scan; ``ended`` maps track ids to why they ended,
        ``updates`` is each track's number of plots."""
        events: list[tuple[str, dict]] = []
        t = picture.t
        threat = self._threats(picture, updates)
        if threat is not None:
            tti = picture.t_zone - t  # (N, Z)
            soon = np.isfinite(tti) & (tti <= self.horizon_s)
            hit = (picture.p_zone >= self.min_probability) & self._warned[None, :] & soon & threat[:, None]
            for i, z in zip(*np.nonzero(hit), strict=True):
                tid = int(picture.track_id[i])
                if tid in ended:
                    continue
                key = (int(z), tid)
                w = self.active.get(key)
                if w is not None:
                    w.last_seen, w.impact_time = t, float(picture.t_zone[i, z])
                    continue
                self.active[key] = ActiveWarning(int(z), tid, t, float(picture.t_zone[i, z]), t)
                zone = self.zones[z]
                events.append(
                    (
                        "warning",
                        {
                            "zone": zone.name,
                            "zone_kind": zone.kind,
                            "track": tid,
                            "identity": Identity(picture.identity[i]).name.lower(),
                            "warning_time_s": round(float(tti[i, z]), 2),
                            "impact_time": round(float(picture.t_zone[i, z]), 2),
                            "impact_point": [round(float(c), 1) for c in picture.impact_point[i]],
                            "p_reach": round(float(picture.p_zone[i, z]), 3),
                        },
                    )
                )
        for key, w in list(self.active.items()):
            reason = ended.get(w.track)
            if reason is None and t - w.last_seen >= self.clear_after_s:
                reason = "no longer threatened"
            if reason is not None:
                del self.active[key]
                events.append(
                    (
                        "all_clear",
                        {
                            "zone": self.zones[w.zone].name,
                            "track": w.track,
                            "reason": reason,
                            "duration_s": round(t - w.issued, 2),
                        },
                    )
                )
        return events
