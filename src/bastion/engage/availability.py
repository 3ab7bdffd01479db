"""Which guns the decision side may assign, from the mounts' own status reports.

A mount's built-in test reports when it cannot fire (jammed, mount failed, magazine empty) and when
it is cleared; the engagement manager assigns no burst to an unavailable gun. A burst cut short by
the fault no longer counts as an engagement under way: its target becomes a candidate again and,
when another gun takes it, the re-assignment is reported. With no gun left to fire, the manager
holds fire and says which guns are down and why.
"""

from __future__ import annotations

from collections.abc import Sequence

from bastion.event_types import GunAvailable, GunUnavailable, Payload, Reassigned

# the reasons of "hold_fire" events caused by a fault (the summary counts them)
GUN_HOLD = "gun unavailable"
SENSOR_HOLD = "sensor outage"
FAULT_HOLDS = (GUN_HOLD, SENSOR_HOLD)

Event = Payload


class GunAvailability:
    """Per gun: available or not, and why; tracks whose engagement a gun fault cut short."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self.up = [True] * len(self.names)
        self.reason = [""] * len(self.names)
        self.cut_short: dict[int, tuple[int, str]] = {}  # track -> (gun, reason) of an engagement cut short

    def report(
        self, gun: int, available: bool, reason: str, looking: list, t: float | None
    ) -> tuple[list, list[Event]]:
        """Mount ``gun`` reports ``available`` (``reason`` when not) at ``t``: the engagements of
        ``looking`` that go on, and the events to report."""
        name = self.names[gun]
        if available == self.up[gun] and (available or reason == self.reason[gun]):
            return looking, []
        self.up[gun], self.reason[gun] = available, "" if available else reason
        if available:
            return looking, [GunAvailable(gun=name, reason="mount reports ready")]
        still, cut = [], []
        for e in looking:
            if e.gun == gun and (t is None or e.order.t_end >= t):  # the burst did not finish: the target is free again
                self.cut_short[e.track] = (gun, reason)
                cut.append(e.track)
            else:
                still.append(e)
        return still, [GunUnavailable(gun=name, reason=reason, engagements_cut_short=sorted(set(cut)))]

    def usable(self) -> list[bool]:
        return self.up

    def down_reason(self) -> str:
        """Why no gun can fire, for a hold_fire event."""
        down = [f"{n} {r}" for n, r, up in zip(self.names, self.reason, self.up, strict=True) if not up]
        return f"{GUN_HOLD}: {', '.join(down)}" if down else ""

    def fired(self, track: int, gun: int) -> list[Event]:
        """Gun ``gun`` was ordered to fire at ``track``: a re-assignment if a fault cut its engagement short."""
        was = self.cut_short.pop(track, None)
        if was is None or was[0] == gun:
            return []
        return [
            Reassigned(
                track=track, from_=self.names[was[0]], to=self.names[gun], reason=f"{self.names[was[0]]} {was[1]}"
            )
        ]
