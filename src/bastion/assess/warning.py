"""Localised warning: sound the alarm only in the zones a threat can reach.

A zone (populated, military or infrastructure) is warned when a threat track (hostile, or unknown
and classified drone/ballistic) has a predicted impact whose 95 % ellipse intersects the zone and
whose probability of reaching it is at least ``min_probability``. The warning carries the expected
warning time: the predicted time to impact when it was issued. The all-clear is given when the
threat is assessed destroyed, has fallen or its track is lost, or when it has not threatened the
zone for ``clear_after_s`` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.physics.geometry import ellipse_polygon
from bastion.scenario.compiled import ZoneArea

WARNED_KINDS = ("populated", "military", "infrastructure")


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
    min_probability: float = 0.05
    clear_after_s: float = 10.0
    active: dict[tuple[int, int], ActiveWarning] = field(default_factory=dict)

    def update(self, picture: ThreatPicture, ended: dict[int, str]) -> list[tuple[str, dict]]:
        """Warnings and all-clears for this scan; ``ended`` maps track ids to why they ended."""
        events: list[tuple[str, dict]] = []
        t = picture.t
        for i in range(len(picture)):
            tid = int(picture.track_id[i])
            ident, klass = picture.identity[i], picture.klass[i]
            threat = ident == Identity.HOSTILE or (
                ident == Identity.UNKNOWN and klass in (TrackClass.DRONE, TrackClass.BALLISTIC)
            )
            if not threat or tid in ended or not np.isfinite(picture.impact_time[i]):
                continue
            ell = ellipse_polygon(
                picture.impact_point[i], picture.ellipse_axes[i], float(picture.ellipse_orientation[i])
            )
            for z in self.zones:
                if z.kind not in WARNED_KINDS:
                    continue
                key = (z.index, tid)
                at_risk = z.index == picture.zone[i] and picture.p_reach[i] >= self.min_probability
                if not at_risk and not (
                    picture.p_reach[i] >= self.min_probability and shapely.intersects(ell, z.geometry)
                ):
                    continue
                tti = float(picture.impact_time[i] - t)
                if key in self.active:
                    self.active[key].last_seen = t
                    self.active[key].impact_time = float(picture.impact_time[i])
                    continue
                self.active[key] = ActiveWarning(z.index, tid, t, float(picture.impact_time[i]), t)
                events.append(
                    (
                        "warning",
                        {
                            "zone": z.name,
                            "zone_kind": z.kind,
                            "track": tid,
                            "identity": Identity(ident).name.lower(),
                            "warning_time_s": round(tti, 2),
                            "impact_time": round(float(picture.impact_time[i]), 2),
                            "impact_point": [round(float(c), 1) for c in picture.impact_point[i]],
                            "p_reach": round(float(picture.p_reach[i]), 3),
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
