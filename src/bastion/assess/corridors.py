"""Airspace control measures in identification: recovery corridors and their slots.

**Airspace control measures** (defender knowledge, scenario ``[[corridor]]``): own small UAS usually
carry no Mode 5 (shared/domain/ram-and-layers.md §5, assumption L), so a returning friendly drone has
the kinematics and RCS of a one-way-attack drone. A track that would be declared hostile on the
rules of :mod:`bastion.assess.identify` but *conforms* to an active recovery corridor — inside its
footprint (within half its width of the centreline) and altitude block, during one of its return
windows, heading inbound (within ``INBOUND_DEG`` of the centreline's direction towards the base end)
at a speed in the corridor's band — is **not declared hostile on kinematics alone**: it stays UNKNOWN
and a ``corridor_hold`` event says why. That is the real-world rule, and it is the rule that produced
the Tower 22 failure (28 Jan 2024: a hostile drone came in low while a friendly drone was returning;
nobody was sure, so it was not engaged). Two exceptions, both named in the hostile identification's reason:

* the window schedules no friendly (``friendlies = 0``): the corridor protects nothing;
* more tracks conform than friendlies are scheduled: each window has as many *slots* as scheduled
  friendlies, taken in the order tracks first conform (a Mode 5 FRIENDLY track inside the corridor
  takes one too, and a slot once taken stays taken, so a friendly that has landed does not hand its
  slot to a follower; a new track starting within ``SLOT_HANDOVER_M`` and ``SLOT_HANDOVER_S`` of where
  a slot holder's track ended, and born no earlier than ``SLOT_NEW_TRACK_S`` before that, inherits
  its slot: a track break is not a new aircraft, while a follower already tracked never inherits).
  Slots go to every confirmed, not civil track that conforms, whatever its identity then: a friendly
  that never meets the hostile criteria (not inbound to a zone) still takes its slot. A conforming
  track with no slot left is declared hostile only when every slot is *accounted for*: held by a
  Mode 5 FRIENDLY track, or by a track that ended at the recovery end (within ``BASE_END_M``: it
  landed). While a slot is held by an unidentified track, which of them is the friendly cannot be
  told: the newcomer is held too and a ``corridor_conflict`` event says so (fail safe: never engage
  the friendly; the operator decides). Measured with tower-22 variants: slot order alone, with a
  hostile inside the block entering first, declared and engaged the friendly in 3 seeds of 3; so
  it does not decide. A slot holder declared hostile (it left the corridor's rules: turned off
  towards a zone) gives its slot back.

A slot holder keeps its hold outside the altitude block (the friendly descends to land inside the
footprint), not once it leaves the footprint or the window, turns outbound or flies outside the
speed band. The altitude block is what separates a hostile coming in low behind (or ahead of) the
friendly: it never takes a slot, so slots and conflicts matter only for a hostile inside the block.

A track in a corridor's footprint that does not conform (below its altitude block, outbound, too fast)
is judged by those rules, and the reason says which test it failed; with corridors defined, a
hostile reason outside them says "outside every active corridor".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bastion.assess.types import Identity
from bastion.event_types import CorridorConflict, CorridorHold
from bastion.scenario.compiled import CorridorACM
from bastion.track.types import Tracks

INBOUND_DEG = 45.0  # heading within this of the corridor's inbound direction [deg] (assumption L)
SLOT_HANDOVER_M = 1_000.0  # a new track this close to where a slot holder's track ended ... [m]
SLOT_HANDOVER_S = 30.0  # ... this soon after, inherits its corridor slot [s] (assumption L)
BASE_END_M = 1_000.0  # a slot holder whose track ends this close to the recovery end has landed [m]
SLOT_NEW_TRACK_S = 5.0  # ... if it was born no earlier than this before the holder's last update [s]


class AirspaceControl:
    """The recovery corridors the defenders know, the slots their windows have handed out and the holds
    reported; false when there is no corridor."""

    def __init__(self, corridors: Sequence[CorridorACM] = ()) -> None:
        self.corridors = list(corridors)
        # (corridor, window) -> slot holders in the order they took a slot: [track, t, position]
        self.slots: dict[tuple[int, int], list[list]] = {}
        self._held: set[tuple[int, int]] = set()  # (track, corridor) whose corridor_hold was reported
        self._first_seen: dict[int, float] = {}  # track -> time first seen (slot inheritance)

    def __bool__(self) -> bool:
        return bool(self.corridors)

    def _where(self, c: CorridorACM, p: np.ndarray) -> tuple[float, np.ndarray]:
        """Horizontal distance [m] of ENU point ``p`` from corridor ``c``'s centreline and the unit
        inbound direction (towards the base end) of the nearest centreline segment."""
        a, b = c.centreline[:-1], c.centreline[1:]
        ab = b - a
        L2 = np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-9)
        u = np.clip(np.einsum("ij,ij->i", p[:2] - a, ab) / L2, 0.0, 1.0)
        d = np.hypot(*(a + u[:, None] * ab - p[:2]).T)
        k = int(np.argmin(d))
        return float(d[k]), ab[k] / np.sqrt(L2[k])

    def _active(self, t: float, p: np.ndarray):
        """(corridor index, corridor, window index, window, distance, inbound direction) of every
        corridor whose footprint (horizontally) holds ``p`` during one of its windows at ``t``."""
        out = []
        for ci, c in enumerate(self.corridors):
            w = c.window_at(t)
            if w is None:
                continue
            d, inbound = self._where(c, p)
            if d <= c.width_m / 2:
                out.append((ci, c, c.windows.index(w), w, d, inbound))
        return out

    def _conform(
        self, c: CorridorACM, p: np.ndarray, v: np.ndarray, inbound: np.ndarray, holding: bool = False
    ) -> str | None:
        """None if a track at ``p`` with velocity ``v`` (ENU) conforms to corridor ``c`` (altitude
        block, inbound heading, speed band; its footprint already checked), else which test failed.
        A slot holder (``holding``) is not held to the altitude block: it descends to land."""
        speed = float(np.hypot(v[0], v[1]))
        if not holding and not c.floor_m <= p[2] <= c.ceiling_m:
            side = "below" if p[2] < c.floor_m else "above"
            return (
                f"in corridor {c.name}'s footprint but {side} its altitude block "
                f"({p[2]:.0f} m, block {c.floor_m:.0f}-{c.ceiling_m:.0f} m)"
            )
        cos = float(v[0] * inbound[0] + v[1] * inbound[1]) / max(speed, 1e-9)
        if not cos >= np.cos(np.radians(INBOUND_DEG)):  # (NaN: not inbound)
            off = np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))
            return f"in corridor {c.name} but not heading inbound ({off:.0f} deg off)"
        if not c.speed_min_mps <= speed <= c.speed_max_mps:
            return (
                f"in corridor {c.name} but {speed:.0f} m/s is outside its friendlies' speeds "
                f"({c.speed_min_mps:.0f}-{c.speed_max_mps:.0f} m/s)"
            )
        return None

    def assign_slots(self, tracks: Tracks, ids: list[int], identity: dict[int, Identity]) -> None:
        """Hand out the active windows' slots: in track order within a scan, to confirmed tracks (not
        civil) that conform to a corridor, and to FRIENDLY (Mode 5) tracks inside its footprint; a
        new track near where a holder's track ended inherits its slot (see the module docstring)."""
        t = tracks.t
        live = set(ids)
        row = {tid: i for i, tid in enumerate(ids)}
        for holders in self.slots.values():  # holders' last known positions
            for h in holders:
                if h[0] in row:
                    h[1], h[2] = t, tracks.x[row[h[0]], :3].copy()
        status = tracks.status.tolist()
        first = self._first_seen
        for tid in ids:
            first.setdefault(tid, t)
        for i, tid in enumerate(ids):
            known = identity.get(tid)
            if status[i] == 0 or known == Identity.CIVIL or known == Identity.HOSTILE:
                continue
            p, v = tracks.x[i, :3], tracks.x[i, 3:6]
            for ci, c, wi, w, _d, inbound in self._active(t, p):
                if w.friendlies == 0:
                    continue
                if known != Identity.FRIENDLY and self._conform(c, p, v, inbound) is not None:
                    continue
                key = (ci, wi)
                if self._slot_of(key, tid, t, p, live) is None and len(self.slots[key]) < w.friendlies:
                    self.slots[key].append([tid, t, p.copy()])

    def _at_base_end(self, c: CorridorACM, p: np.ndarray) -> bool:
        """Whether a track that ended at ``p`` ended at the corridor's recovery end (it landed)."""
        return float(np.hypot(*(p[:2] - c.centreline[-1]))) <= max(c.width_m, BASE_END_M)

    def release(self, tid: int) -> None:
        """A slot holder declared hostile (it left the corridor's rules) gives its slot back."""
        for holders in self.slots.values():
            holders[:] = [h for h in holders if h[0] != tid]

    def _slot_of(self, key: tuple[int, int], tid: int, t: float, p: np.ndarray, live: set[int]) -> int | None:
        """The slot (rank) track ``tid`` holds in window ``key``, inheriting a dead holder's if near it."""
        holders = self.slots.setdefault(key, [])
        for k, h in enumerate(holders):
            if h[0] == tid:
                return k
        for k, h in enumerate(holders):
            if (
                h[0] not in live
                and self._first_seen.get(tid, t) >= h[1] - SLOT_NEW_TRACK_S  # a track born as the holder's ended
                and t - h[1] <= SLOT_HANDOVER_S
                and float(np.linalg.norm(h[2][:2] - p[:2])) <= SLOT_HANDOVER_M
            ):
                h[0], h[1], h[2] = tid, t, p.copy()
                return k
        return None

    def rule(self, tracks: Tracks, i: int, tid: int, identity: dict[int, Identity], flags: list) -> tuple[bool, str]:
        """(still hostile, what the airspace control measures said) for track row ``i``, which meets
        every hostile criterion (see the module docstring); ``identity``: the identities so far, by track
        id; a ``corridor_hold`` or ``corridor_conflict`` flag is appended to ``flags`` once per track."""
        t = tracks.t
        p, v = tracks.x[i, :3], tracks.x[i, 3:6]
        active = self._active(t, p)
        if not active:
            return True, "outside every active corridor"
        notes = []
        for ci, c, wi, w, _d, inbound in active:
            when = f"window {w.label or wi} ({w.from_s:.0f}-{w.to_s:.0f} s)"
            holders = self.slots.get((ci, wi), [])
            slot = next((k for k, h in enumerate(holders) if h[0] == tid), None)
            failed = self._conform(c, p, v, inbound, holding=slot is not None)
            if failed is not None:
                notes.append(failed)
                continue
            if w.friendlies == 0:
                notes.append(f"in corridor {c.name} during {when}, but that window schedules no friendly")
                continue
            if slot is None:
                live = set(tracks.id.tolist())
                sure, unsure = [], []
                for h in holders:
                    if h[0] in live:
                        (sure if identity.get(h[0]) == Identity.FRIENDLY else unsure).append(h[0])
                    elif self._at_base_end(c, h[2]):
                        sure.append(h[0])
                    else:
                        unsure.append(h[0])
                if len(sure) >= w.friendlies:
                    notes.append(
                        f"in corridor {c.name} during {when}, but more tracks conform than the {w.friendlies} "
                        f"friendly scheduled and every one is accounted for (Mode 5 or landed at the recovery "
                        f"end: track {', '.join(str(k) for k in sure)})"
                    )
                    continue
                held_by = ", ".join(str(k) for k in unsure)
                note = (
                    f"corridor conflict in {c.name} during its {when}: more tracks conform than the "
                    f"{w.friendlies} friendly scheduled and the slot holder (track {held_by}) "
                    "is not identified, so which is the friendly cannot be told: held, not declared hostile on "
                    "kinematics alone (fail safe: never engage the friendly; the operator decides)"
                )
                if (tid, -1 - ci) not in self._held:
                    self._held.add((tid, -1 - ci))
                    flags.append(
                        CorridorConflict(track=tid, corridor=c.name, window=w.label or wi, holders=unsure, reason=note)
                    )
                return False, note
            speed = float(np.hypot(v[0], v[1]))
            note = (
                f"inside recovery corridor {c.name} during its {when}, heading inbound at {p[2]:.0f} m, "
                f"{speed:.0f} m/s consistent with a scheduled friendly (slot {slot + 1} of {w.friendlies}, block "
                f"{c.floor_m:.0f}-{c.ceiling_m:.0f} m): "
                "not declared hostile on kinematics alone"
            )
            if (tid, ci) not in self._held:
                self._held.add((tid, ci))
                flags.append(CorridorHold(track=tid, corridor=c.name, window=w.label or wi, reason=note))
            return False, note
        return True, "; ".join(notes)
