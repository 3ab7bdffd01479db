"""Localised warning: sound the alarm only in the zones a threat can reach, and only when it matters.

A zone (populated, military or infrastructure) is warned when a threat track — HOSTILE, or UNKNOWN
and classified drone or ballistic with at least ``min_updates`` plots (so debris and clutter do not
sound alarms) — has a probability of reaching that zone of at least ``min_probability`` and a
predicted time to impact within ``horizon_s``. The warning carries the expected warning time: the
predicted time to impact when it was issued, less the siren chain's latency ``latency_s`` (radar
confirm, C2, radio to the speaker heads): the time people have once they hear it.

All-clears. A drone's (or an unclassified threat's) warning ends when the threat is assessed
destroyed, has fallen or its track is lost, or when it has not threatened the zone for
``clear_after_s`` seconds. A ballistic round's warning (its track classified BALLISTIC at some
scan) holds until its latest predicted impact time (wherever the track now predicts it to fall: an
early prediction for this zone may be seconds short) plus ``hold_margin_s``: track loss says nothing about a
round (it may drop below the radar's mask, or the tracker may lose it) and "fallen" is what every
round does on its descending leg. It ends early only while its track is still held and has
predicted impact elsewhere for ``clear_after_s`` seconds. Assessed destroyed, it ends once the
debris has had time to fall from the height the round was destroyed at (``debris_fall_speed_mps``;
a warhead may fall intact and fuze on the ground) — issue 15: 53 all-clears were followed by an
impact in the same zone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.event_types import AllClear, Payload, ZoneWarning
from bastion.scenario.catalogue import SIREN_CHAIN_LATENCY_S
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
    ballistic: bool = False  # held until impact unless assessed destroyed
    debris_down: float = math.inf  # a destroyed round's warning: when its debris has had time to fall


@dataclass
class WarningBoard:
    zones: tuple[ZoneArea, ...]
    min_probability: float = 0.1
    horizon_s: float = 120.0
    clear_after_s: float = 10.0
    min_updates: int = 5
    latency_s: float = SIREN_CHAIN_LATENCY_S  # sensor -> C2 -> siren: when a warning is heard
    # a ballistic warning holds until the predicted impact time plus this [s]: a labelled assumption
    # (L) covering the error of the predicted impact time (a fraction of a second within the last
    # ~20 s of a tracked arc) and the fall of debris or a warhead after a late intercept
    hold_margin_s: float = 5.0
    # the slowest a destroyed round's heavy pieces (warhead section, motor casing) fall [m/s]: a
    # labelled assumption (L; a tumbling body of a few kg at 20-60 m/s terminal speed), the slow end
    # so that a destroyed round's warning holds until its debris — which may still fuze on the
    # ground — is down: h / this + ``hold_margin_s`` after the kill is assessed at height h
    debris_fall_speed_mps: float = 20.0
    active: dict[tuple[int, int], ActiveWarning] = field(default_factory=dict)
    ballistic: set[int] = field(default_factory=set)  # threat tracks classified ballistic at some scan
    height: dict[int, float] = field(default_factory=dict)  # threat track -> its last height [m]

    def __post_init__(self) -> None:
        self._warned = tuple(z.kind in WARNED_KINDS for z in self.zones)
        self._any_warned = any(self._warned)

    def _threats(self, picture: ThreatPicture, updates: np.ndarray) -> list[int]:
        """Rows (a list) of the tracks that may sound a warning."""
        if not self._any_warned:
            return []
        identity, klass, plots = picture.identity.tolist(), picture.klass.tolist(), updates.tolist()
        return [
            i
            for i, ident in enumerate(identity)
            if ident == _HOSTILE
            or (ident == _UNKNOWN and (klass[i] == _DRONE or klass[i] == _BALLISTIC) and plots[i] >= self.min_updates)
        ]

    def update(
        self,
        picture: ThreatPicture,
        ended: dict[int, str],
        updates: np.ndarray,
        heights: np.ndarray | None = None,
        debris_from: dict[int, tuple[float, float]] | None = None,
    ) -> list[Payload]:
        """Warnings and all-clears for this scan; ``ended`` maps track ids to why they ended,
        ``updates`` is each track's number of plots, ``heights`` each track's height [m] (None: not
        known), ``debris_from`` the (time [s], height [m]) from which a destroyed round's debris
        falls (the engagement's first possible hit; else the round's last height now, else 1,000 m).

        Plain Python over the few threat tracks and zones: a scan has a handful of each, for which
        whole-array operations cost more than the loop (issue 8)."""
        events: list[Payload] = []
        t = picture.t
        klass = picture.klass.tolist()
        for i in self._threats(picture, updates):
            tid = int(picture.track_id[i])
            if klass[i] == _BALLISTIC:
                self.ballistic.add(tid)
            if heights is not None:
                self.height[tid] = float(heights[i])
            if tid in ended:
                continue
            ballistic = tid in self.ballistic
            if ballistic:  # a round's warnings hold until its latest predicted impact, wherever it now falls
                t_now = float(picture.impact_time[i])
                if math.isfinite(t_now):
                    for w in self.active.values():
                        if w.track == tid and t_now > w.impact_time:
                            w.impact_time = t_now
            p_zone, t_zone = picture.p_zone[i].tolist(), picture.t_zone[i].tolist()
            for z, (p, t_hit, warned) in enumerate(zip(p_zone, t_zone, self._warned, strict=True)):
                tti = t_hit - t
                if not (warned and p >= self.min_probability and math.isfinite(tti) and tti <= self.horizon_s):
                    continue
                key = (z, tid)
                w = self.active.get(key)
                if w is not None:
                    w.last_seen, w.impact_time = t, t_hit
                    w.ballistic = w.ballistic or ballistic
                    continue
                self.active[key] = ActiveWarning(z, tid, t, t_hit, t, ballistic)
                zone = self.zones[z]
                events.append(
                    ZoneWarning(
                        zone=zone.name,
                        zone_kind=zone.kind,
                        track=tid,
                        identity=Identity(picture.identity[i]).name.lower(),
                        warning_time_s=round(tti - self.latency_s, 2),
                        issued_time_to_impact_s=round(tti, 2),
                        heard_at=round(t + self.latency_s, 2),
                        latency_s=self.latency_s,
                        ballistic=ballistic,
                        impact_time=round(t_hit, 2),
                        impact_point=[round(float(c), 1) for c in picture.impact_point[i]],
                        p_reach=round(p, 3),
                    )
                )
        live = None
        for key, w in list(self.active.items()):
            reason = ended.get(w.track)
            w.ballistic = w.ballistic or w.track in self.ballistic
            if w.ballistic:
                if reason == "assessed destroyed" and w.debris_down == math.inf:
                    t_k, h = (debris_from or {}).get(w.track, (t, self.height.get(w.track, 1000.0)))
                    w.debris_down = t_k + max(h, 0.0) / self.debris_fall_speed_mps + self.hold_margin_s
                if w.debris_down < math.inf:
                    reason = "assessed destroyed, its debris down" if t >= w.debris_down else None
                else:
                    if live is None:
                        live = set(picture.track_id.tolist())
                    if t >= w.impact_time + self.hold_margin_s:
                        reason = "predicted impact time passed"
                    elif w.track in live and w.track not in ended and t - w.last_seen >= self.clear_after_s:
                        reason = "no longer threatened"
                    else:
                        reason = None
            elif reason is None and t - w.last_seen >= self.clear_after_s:
                reason = "no longer threatened"
            if reason is not None:
                del self.active[key]
                zone = self.zones[w.zone].name
                events.append(AllClear(zone=zone, track=w.track, reason=reason, duration_s=round(t - w.issued, 2)))
        return events
