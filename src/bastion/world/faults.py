"""Faults injected into a night, truth side: when each holds, and what each does to the hardware.

The scenario's ``[[faults]]`` (:class:`~bastion.scenario.compiled.FaultPlan`) are truth: the harness
(:mod:`bastion.engine.simulation`) asks this schedule whether a radar scans, a receiver hands over
its reports, the operator's console is connected and what time a radar's clock reads, and lets
the gun faults act on the mounts. The decision side learns of a fault only as a real system would:
missing or refused scans, a mount's status report (its built-in test: jammed, failed, magazine
empty), requests the operator never answers.

Gun faults act at their onset and clearing (the harness wakes at those instants): a jammed or failed
mount stops firing at once (the rounds of a burst under way that have not left the barrel stay in
the feed), refuses every order until cleared, and reports itself unavailable; an empty magazine
(a failed reload or feed) drops the mount's ammunition to 0 for the rest of the night.
"""

from __future__ import annotations

import numpy as np

from bastion.event_types import GunFault, GunFaultCleared, OrderRefused, Payload
from bastion.orders import FireOrder
from bastion.scenario.compiled import FaultPlan
from bastion.world.guns import stop_bursts

GUN_FAULTS = ("gun_jam", "mount_failure", "magazine_empty")
REASONS = {"gun_jam": "jammed", "mount_failure": "mount failed", "magazine_empty": "magazine empty (feed fault)"}

TruthEvent = tuple[float, Payload]  # (time [s], payload), as the world's


class FaultSchedule:
    """The faults of one night and the state of the mounts they act on."""

    def __init__(self, faults: tuple[FaultPlan, ...]) -> None:
        self.faults = faults
        self._radar_out = [f for f in faults if f.kind == "radar_outage"]
        self._adsb_out = [f for f in faults if f.kind == "adsb_outage"]
        self._console = [f for f in faults if f.kind == "console_disconnect"]
        self._jumps = [f for f in faults if f.kind == "clock_jump"]
        self._gun = [f for f in faults if f.kind in GUN_FAULTS]
        self.rounds_not_fired = 0  # rounds of bursts cut short by a gun fault

    def __bool__(self) -> bool:
        return bool(self.faults)

    # -- sensors and console ------------------------------------------------------------------------
    def radar_out(self, radar: int, t: float) -> bool:
        """Radar ``radar`` makes no scan at ``t``."""
        return any(f.index == radar and f.active(t) for f in self._radar_out)

    def adsb_out(self, receiver: int, t: float) -> bool:
        """ADS-B receiver ``receiver`` hands over nothing at ``t`` (its reports of the window are lost)."""
        return any(f.index in (receiver, -1) and f.active(t) for f in self._adsb_out)

    def console_out(self, t: float) -> bool:
        """The operator's console is disconnected at ``t``: it shows no request and sends no answer."""
        return any(f.active(t) for f in self._console)

    def clock_offset(self, radar: int, t: float) -> float:
        """What radar ``radar``'s clock reads minus the true time at ``t`` [s]."""
        return sum(f.jump_s for f in self._jumps if f.index == radar and f.active(t))

    # -- guns ---------------------------------------------------------------------------------------
    def transitions(self) -> list[tuple[float, int]]:
        """(time, code) of every gun fault's onset (code ``2k``) and clearing (``2k + 1``), fault ``k``
        of :attr:`faults`: the instants the harness must wake to act on the mounts."""
        out = []
        for k, f in enumerate(self.faults):
            if f.kind in GUN_FAULTS:
                out.append((f.start_s, 2 * k))
                if np.isfinite(f.end_s) and f.kind != "magazine_empty":
                    out.append((f.end_s, 2 * k + 1))
        return out

    def gun_down(self, gun: int, t: float) -> str:
        """Why mount ``gun`` cannot fire at ``t`` ("" when it can; an empty magazine shows in its
        ammunition, and in :meth:`gun_status`)."""
        return "; ".join(
            REASONS[f.kind] for f in self._gun if f.index == gun and f.active(t) and f.kind != "magazine_empty"
        )

    def gun_status(self, gun: int, t: float, ammunition: int) -> tuple[bool, str]:
        """What mount ``gun``'s built-in test reports at ``t``: (available, reason)."""
        why = self.gun_down(gun, t)
        if (
            not why
            and ammunition <= 0
            and any(f.index == gun and f.kind == "magazine_empty" and f.start_s <= t for f in self._gun)
        ):
            why = REASONS["magazine_empty"]
        return (not why, why)

    def execute(self, world, order: FireOrder, t: float) -> list[TruthEvent]:
        """A mount receives ``order`` at ``t``: refused while jammed or failed, else fired by the world."""
        why = self.gun_down(order.gun, t)
        if why:
            return [(t, OrderRefused(order=order.order_id, gun=order.gun, track=order.track_id, reason=why))]
        return world.execute(order, t)

    def act(self, world, code: int, t: float) -> tuple[int, list[TruthEvent]]:
        """Fault ``code // 2``'s onset (even ``code``) or clearing (odd) at ``t`` on ``world``'s mounts:
        (the gun concerned, truth events)."""
        f = self.faults[code // 2]
        g = f.index
        mounts = world.mounts
        if code % 2:
            return g, [(t, GunFaultCleared(gun=g, kind=f.kind))]
        stopped = stop_bursts(mounts, world.rounds, world.bursts, g, t)
        cut = sum(stopped.values())
        if f.kind == "magazine_empty":
            mounts.ammunition[g] = 0
        else:
            mounts.ammunition[g] += cut  # the rounds that did not leave stay in the feed
        self.rounds_not_fired += cut
        fault = GunFault(
            gun=g,
            kind=f.kind,
            reason=REASONS[f.kind],
            rounds_not_fired=cut,
            orders_stopped=[[order, n] for order, n in sorted(stopped.items())],
            ammunition_left=int(mounts.ammunition[g]),
            until=None if not np.isfinite(f.end_s) else f.end_s,
        )
        return g, [(t, fault)]
