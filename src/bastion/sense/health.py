"""Sensor health as the decision side sees it: which scans to trust, which sensors are out.

A real system learns of a sensor fault only from its data: scans stop coming, or come with times
that cannot be right. Two checks, both failing safe (a scan refused is a scan not used; a sensor
declared out leaves its tracks to coast, and a stale track is never engaged):

* a radar scan is **refused** when its time is not after the radar's last accepted scan (out of
  order: stale or a clock stepped back), when it is further than :data:`CLOCK_TOLERANCE_S` (or one
  scan period, the larger) from the receiving system's own clock (a clock jump in the feed: its
  plots would be placed in time where the targets were not), or when it jumps more than
  :data:`MAX_JUMP_S` (or two scan periods) ahead of the last accepted scan without a second scan
  confirming the new time — the live engine's rule (``bastion.io.live``, ``max_jump_s``), mirrored;
* a radar is **declared out** when no scan has been accepted for more than two scan periods, and an
  ADS-B receiver when it has handed over nothing for more than two batch periods; either is
  **restored** by its next accepted report.

Pure bookkeeping over a handful of sensors: plain Python.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bastion.event_types import Payload, ScanRefused, SensorOutage, SensorRestored
from bastion.scenario.compiled import RadarSite

MAX_JUMP_S = 30.0  # as the live engine's default ``max_jump_s`` (bastion.io.live.LiveSettings)
CLOCK_TOLERANCE_S = 1.0  # a scan time this far from the system's clock is not a radar's processing latency [s]
SILENT_PERIODS = 2.0  # a sensor silent for more than this many report periods is out
ADSB_PERIOD_S = 2.0  # the ADS-B receiver's batch period [s] (as the simulator's harness hands them over)

Event = Payload


class SensorHealth:
    """Per radar: last accepted scan time, a suspect jump awaiting confirmation, refusals since the
    last accepted scan; per radar and receiver: when last heard (system clock) and whether out."""

    def __init__(self, radars: Sequence[RadarSite], adsb_names: Sequence[str], adsb_period_s: float = ADSB_PERIOD_S):
        self.radars = tuple(radars)
        self.adsb_names = tuple(adsb_names)
        self.adsb_period_s = adsb_period_s
        self.last_scan: list[float | None] = [None] * len(self.radars)
        self.suspect: list[float | None] = [None] * len(self.radars)
        # a radar is expected first at its phase (or after one period): heard "one period before"
        self.heard = [(r.phase_s if r.phase_s > 0 else r.scan_period_s) - r.scan_period_s for r in self.radars]
        self.refusals: list[list[str]] = [[] for _ in self.radars]
        self.radar_out = [False] * len(self.radars)
        self.adsb_heard = [0.0] * len(self.adsb_names)
        self.adsb_out = [False] * len(self.adsb_names)
        self.scans_refused = 0

    def admit(self, radar: int, t_scan: float, now: float | None) -> tuple[bool, list[Event]]:
        """Whether radar ``radar``'s scan stamped ``t_scan`` may be used, received at ``now`` by the
        system's clock (None: no clock to compare with, as a replay); the events to report."""
        r = self.radars[radar]
        why = self._refusal(radar, t_scan, now)
        if why:
            self.scans_refused += 1
            self.refusals[radar].append(why)
            return False, [ScanRefused(sensor=r.name, scan_time=round(t_scan, 3), reason=why)]
        self.suspect[radar] = None
        self.last_scan[radar] = t_scan
        t_now = t_scan if now is None else now
        events: list[Event] = []
        if self.radar_out[radar]:
            self.radar_out[radar] = False
            events.append(SensorRestored(sensor=r.name, kind="radar", silent_s=round(t_now - self.heard[radar], 2)))
        self.heard[radar] = t_now
        self.refusals[radar] = []
        return True, events

    def _refusal(self, radar: int, t: float, now: float | None) -> str:
        r = self.radars[radar]
        if not math.isfinite(t):
            return "scan time is not a number"
        last = self.last_scan[radar]
        if last is not None and t <= last:
            return f"out of order: scan time {t:.2f} s is not after the last scan's ({last:.2f} s)"
        if now is not None and not abs(t - now) <= max(CLOCK_TOLERANCE_S, r.scan_period_s):
            return f"scan time {t - now:+.1f} s from the system clock: the radar's clock is wrong"
        if last is not None and t - last > max(MAX_JUMP_S, 2 * r.scan_period_s):
            suspect = self.suspect[radar]
            if not (suspect is not None and 0 < t - suspect <= MAX_JUMP_S):
                self.suspect[radar] = t
                return f"scan time jumps {t - last:.1f} s ahead: held until a second scan confirms it"
        return ""

    def heard_adsb(self, receiver: int, now: float) -> list[Event]:
        """Receiver ``receiver`` handed over a batch (even an empty one: its heartbeat) at ``now``."""
        events: list[Event] = []
        if self.adsb_out[receiver]:
            self.adsb_out[receiver] = False
            silent = round(now - self.adsb_heard[receiver], 2)
            events.append(SensorRestored(sensor=self.adsb_names[receiver], kind="adsb", silent_s=silent))
        self.adsb_heard[receiver] = now
        return events

    def check(self, now: float) -> tuple[list[Event], list[int]]:
        """Sensors newly out at ``now``: (events, the radars among them)."""
        events: list[Event] = []
        radars = []
        for k, r in enumerate(self.radars):
            silent = now - self.heard[k]
            if not self.radar_out[k] and silent > SILENT_PERIODS * r.scan_period_s:
                self.radar_out[k] = True
                radars.append(k)
                refused = self.refusals[k]
                reason = f"no valid scan for {silent:.1f} s (more than {SILENT_PERIODS:g} scan periods)"
                if refused:
                    reason += f": {len(refused)} scans refused, the last: {refused[-1]}"
                else:
                    reason += ": no scan received"
                events.append(SensorOutage(sensor=r.name, kind="radar", reason=reason))
        for k, name in enumerate(self.adsb_names):
            silent = now - self.adsb_heard[k]
            if not self.adsb_out[k] and silent > SILENT_PERIODS * self.adsb_period_s:
                self.adsb_out[k] = True
                why = f"no report batch for {silent:.1f} s: receiver silent"
                events.append(SensorOutage(sensor=name, kind="adsb", reason=why))
        return events, radars

    @property
    def all_radars_out(self) -> bool:
        return bool(self.radars) and all(self.radar_out)
