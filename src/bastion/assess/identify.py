"""Identification: civil by ADS-B correlation, friendly by IFF, hostile by stated criteria.

**ADS-B correlation** (the cooperative-target check of air-defence C2): every ADS-B aircraft heard
in the last few seconds is extrapolated to the scan time and compared with the radar tracks by the
chi-square distance of their positions (track covariance + ADS-B error from the report's NACp and
its age + barometric/geometric height difference); gated pairs are matched one-to-one (Hungarian
algorithm). Two consecutive correlations with the same ICAO address identify the track CIVIL, keyed
by that address from then on — unless the track's radar cross-section is implausibly small for an
aircraft (< ``MIN_CIVIL_RCS_M2``), which is flagged as possible spoofing and leaves the track UNKNOWN.
An ADS-B aircraft inside radar coverage that no track confirms for ``UNCONFIRMED_S`` seconds is
flagged too (a spoofed position): it never makes anything civil, since nothing correlates with it.

**IFF**: two friendly Mode 5 replies received with a track's plots make it FRIENDLY.

CIVIL and FRIENDLY are never engaged, whatever else happens.

**Hostile declaration** — all must hold:

1. not CIVIL or FRIENDLY;
2. a confirmed track with at least ``min_updates_hostile`` plots (time for ADS-B and IFF to answer);
3. classified DRONE or BALLISTIC from its kinematics and RCS;
4. inbound to a defended zone: threat evaluation gives P(reach) of at least 2 % for a zone of
   positive value;
5. no ADS-B aircraft within 1 km of it (a small target next to an airliner, or under a spoofed
   identity, stays UNKNOWN: failing safe for the people in the air).

**Airspace control measures** (defender knowledge, scenario ``[[corridor]]``): own small UAS usually
carry no Mode 5 (shared/domain/ram-and-layers.md §5, assumption L), so a returning friendly drone has
the kinematics and RCS of a one-way-attack drone. A track that would be declared hostile on the rules
above but *conforms* to an active recovery corridor — inside its footprint (within half its width of
the centreline) and altitude block, during one of its return windows, heading inbound (within
``INBOUND_DEG`` of the centreline's direction towards the base end) at a speed in the corridor's band
— is **not declared hostile on kinematics alone**: it stays UNKNOWN and a ``corridor_hold`` event says
why. That is the real-world rule, and it is the rule that produced the Tower 22 failure (28 Jan
2024: a hostile drone came in low while a friendly drone was returning; nobody was sure, so it was not
engaged). Two exceptions, both named in the hostile identification's reason:

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
is judged by the rules above, and the reason says which test it failed; with corridors defined, a
hostile reason outside them says "outside every active corridor".

A HOSTILE track stays hostile unless ADS-B correlation or IFF later makes it CIVIL or FRIENDLY.
Every identity change is returned as ``(track_id, old, new, reason)``; flags as ``(kind, payload)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.assess.types import Identity, TrackClass
from bastion.physics.geodesy import Origin, enu_to_polar
from bastion.scenario.compiled import CorridorACM, RadarSite
from bastion.sense.types import NACP_EPU_M, AdsbReports
from bastion.track.types import Tracks

ADSB_MAX_AGE_S = 5.0
ADSB_GATE = 16.27  # chi-square 3 dof, 0.999
BARO_SIGMA_M = 60.0  # barometric vs radar height disagreement, 1 sigma
NEAR_ADSB_M = 1_000.0
MIN_P_REACH = 0.02
MIN_CIVIL_RCS_M2 = 0.3
UNCONFIRMED_S = 10.0
IFF_REPLIES = 2
INBOUND_DEG = 45.0  # heading within this of the corridor's inbound direction [deg] (assumption L)
SLOT_HANDOVER_M = 1_000.0  # a new track this close to where a slot holder's track ended ... [m]
SLOT_HANDOVER_S = 30.0  # ... this soon after, inherits its corridor slot [s] (assumption L)
BASE_END_M = 1_000.0  # a slot holder whose track ends this close to the recovery end has landed [m]
SLOT_NEW_TRACK_S = 5.0  # ... if it was born no earlier than this before the holder's last update [s]

# plain ints and a value -> member table: enum attribute look-ups and Identity(v) calls cost a few
# microseconds each, and these run for every track of every scan
_PENDING, _UNKNOWN, _CIVIL, _FRIENDLY, _HOSTILE = (int(v) for v in Identity)
_IDENTITY = tuple(Identity)
assert [int(v) for v in _IDENTITY] == list(range(len(_IDENTITY)))
_DRONE, _BALLISTIC = int(TrackClass.DRONE), int(TrackClass.BALLISTIC)
_EPU_M = NACP_EPU_M.tolist()  # the NACp table as Python floats (read per aircraft per scan)


@dataclass
class AdsbAircraft:
    t: float
    pos: np.ndarray
    vel: np.ndarray
    nacp: int
    callsign: str
    first_seen: float
    last_confirmed: float = float("-inf")
    flagged: bool = False


class Identifier:
    def __init__(
        self,
        origin: Origin,
        min_updates_hostile: int,
        radars: Sequence[RadarSite] = (),
        corridors: Sequence[CorridorACM] = (),
    ) -> None:
        """``corridors``: the airspace control measures the defenders know (module docstring)."""
        self.origin = origin
        self.corridors = list(corridors)
        # (corridor, window) -> slot holders in the order they took a slot: [track, t, position]
        self._slots: dict[tuple[int, int], list[list]] = {}
        self._held: set[tuple[int, int]] = set()  # (track, corridor) whose corridor_hold was reported
        self._first_seen: dict[int, float] = {}  # track -> time first seen (slot inheritance)
        self.min_updates_hostile = min_updates_hostile
        self.radars = list(radars)
        self.aircraft: dict[str, AdsbAircraft] = {}
        self.identity: dict[int, Identity] = {}
        self.icao_of: dict[int, str] = {}
        self.iff_replies: dict[int, int] = {}
        self._streak: dict[int, tuple[str, int]] = {}
        self._flagged_tracks: set[int] = set()

    def on_adsb(self, reports: AdsbReports) -> list[int]:
        """Keep the latest report of each aircraft (converted to the site's ENU frame); return the rows
        of those reports (ascending: the reports a ``reports.latest()`` would keep).

        The reports are taken in time order (stable: of equal times, the later row last; a NaN time
        last) and each aircraft's last one kept, with its last non-empty callsign and the time it was
        first heard. Python lists: a batch is a handful of reports of one or two aircraft (issue 8)."""
        if not len(reports):
            return []
        times, icaos, callsigns = reports.t.tolist(), reports.icao24.tolist(), reports.callsign.tolist()
        if all(a <= b for a, b in pairwise(times)):  # already in time order (the usual case; NaN is not)
            order = range(len(times))
        else:
            order = np.argsort(reports.t, kind="stable").tolist()
        first: dict[str, float] = {}  # aircraft -> time of its first report here, in the order first heard
        newest: dict[str, int] = {}
        named: dict[str, str] = {}  # aircraft -> its last non-empty callsign here
        for i in order:
            icao = str(icaos[i])
            first.setdefault(icao, float(times[i]))
            newest[icao] = i
            callsign = str(callsigns[i])
            if callsign:
                named[icao] = callsign
        enu = self.origin.to_enu(reports.lat, reports.lon, reports.altitude_m)
        enu[:, 2] = reports.altitude_m - self.origin.alt_m
        # a live feed has no velocity until an aircraft's first velocity message: hold its
        # position (extrapolate with zero velocity) until then
        vel = np.array(reports.velocity, dtype=float)
        if not np.isfinite(vel).all():  # (np.nan_to_num is slow even on finite input)
            vel = np.nan_to_num(vel, nan=0.0)
        nacps = reports.nacp.tolist()
        for icao, t_first in first.items():
            i = newest[icao]
            prev = self.aircraft.get(icao)
            callsign = named.get(icao) or (prev.callsign if prev else "")
            a = AdsbAircraft(
                float(times[i]), enu[i], vel[i], int(nacps[i]), callsign, prev.first_seen if prev else t_first
            )
            if prev:
                a.last_confirmed, a.flagged = prev.last_confirmed, prev.flagged
            self.aircraft[icao] = a
        return sorted(newest.values())

    def adsb_positions(self, t: float) -> tuple[list[str], np.ndarray, np.ndarray]:
        """ICAO addresses, ENU positions extrapolated to ``t`` and their 1-sigma horizontal errors."""
        icaos, pos, sig = [], [], []
        for icao, a in self.aircraft.items():
            age = t - a.t
            if -1.0 <= age <= ADSB_MAX_AGE_S:
                icaos.append(icao)
                # Python floats: the operations of ``a.pos + a.vel * age``, without two array calls
                pos.append([p + v * age for p, v in zip(a.pos.tolist(), a.vel.tolist(), strict=True)])
                sig.append(min(_EPU_M[a.nacp], 2_000.0) / 2.45 + 2.0 * abs(age))
        return icaos, np.array(pos).reshape(-1, 3), np.array(sig)

    def update(
        self,
        tracks: Tracks,
        klass: np.ndarray,
        p_reach: np.ndarray,
        zone_value: np.ndarray,
        iff_reply: np.ndarray | None = None,
        debris: np.ndarray | None = None,
    ):
        """Identity of every track (N,), the identity changes and the flags raised this scan.

        ``iff_reply`` (N,) says which tracks' plots of this scan came with a friendly IFF reply;
        ``debris`` (N,) marks tracks of the debris of an engaged target, never declared hostile.

        The rules run track by track in plain Python: a scan has a handful of tracks, for which the
        two dozen whole-array operations of a mask formulation cost more than the loop (issue 8)."""
        changes: list[tuple[int, Identity, Identity, str]] = []
        flags: list[tuple[str, dict]] = []
        ids = tracks.id.tolist()
        icaos, apos, asig = self.adsb_positions(tracks.t)
        correlated = self._correlate(tracks, ids, icaos, apos, asig)
        identity, iff_replies, flagged = self.identity, self.iff_replies, self._flagged_tracks
        live = set(ids)
        for gone in [k for k in identity if k not in live]:
            for store in (identity, self._streak, iff_replies):
                store.pop(gone, None)
        if iff_reply is not None and iff_reply.any():
            for tid in tracks.id[iff_reply].tolist():
                iff_replies[tid] = iff_replies.get(tid, 0) + 1
        status, updates, rcs = tracks.status.tolist(), tracks.updates.tolist(), tracks.rcs.tolist()
        classes, reach, value = klass.tolist(), p_reach.tolist(), zone_value.tolist()
        near_adsb = None  # (N,) an ADS-B aircraft within NEAR_ADSB_M: computed when a track first needs it
        acm_note = ""  # what the airspace control measures said of the track being judged
        if self.corridors:
            self._assign_slots(tracks, ids)
        new = []
        for i, tid in enumerate(ids):
            known = identity.get(tid)
            if (
                status[i] == 0
                and (known is None or known == _PENDING)
                and tid not in iff_replies
                and (tid not in correlated or correlated[tid][1] < 2)
            ):
                # the usual track (most are false alarms): tentative, pending, no IFF reply and not yet
                # correlated twice with an ADS-B aircraft, so pending still (the rules below, in short)
                new.append(_PENDING)
                if known is None:
                    identity[tid] = _IDENTITY[_PENDING]
                continue
            old = _PENDING if known is None else int(known)
            replies = iff_replies.get(tid, 0) if iff_replies else 0
            friendly = replies >= IFF_REPLIES and old != _FRIENDLY
            civil = hostile = False
            corr = correlated.get(tid) if correlated else None
            if corr is not None and corr[1] >= 2 and not friendly and old != _CIVIL and old != _FRIENDLY:
                if rcs[i] >= MIN_CIVIL_RCS_M2:
                    civil = True
                elif rcs[i] < MIN_CIVIL_RCS_M2 and tid not in flagged:  # (a NaN RCS is neither)
                    flagged.add(tid)
                    flags.append(self._implausible(tid, corr[0], rcs[i]))
            nid = _FRIENDLY if friendly else _CIVIL if civil else old
            if nid != _CIVIL and nid != _FRIENDLY and nid != _HOSTILE:
                if status[i] == 0:
                    nid = _PENDING
                elif (
                    updates[i] >= self.min_updates_hostile
                    and (classes[i] == _DRONE or classes[i] == _BALLISTIC)
                    and reach[i] >= MIN_P_REACH
                    and value[i] > 0
                ):
                    if near_adsb is None:
                        near_adsb = _near_adsb(tracks, apos)
                    hostile = not near_adsb[i]
                    if hostile and self.corridors:
                        hostile, acm_note = self._corridor_rule(tracks, i, tid, flags)
                    nid = _HOSTILE if hostile else _UNKNOWN
                else:
                    nid = _UNKNOWN
            new.append(nid)
            if nid == old:
                if known is None:
                    identity[tid] = _IDENTITY[nid]
                continue
            identity[tid] = _IDENTITY[nid]
            if nid == _HOSTILE and self._slots:
                self._release(tid)
            if friendly:
                reason = f"{replies} valid IFF Mode 5 replies"
            elif civil:
                icao = corr[0]
                self.icao_of[tid] = icao
                reason = f"ADS-B correlated with {icao} {self.aircraft[icao].callsign}".strip()
            elif hostile:
                v = tracks.x[i, 3:6]
                reason = (
                    f"{TrackClass(klass[i]).name.lower()} kinematics ({np.hypot(v[0], v[1]):.0f} m/s, "
                    f"{tracks.x[i, 2]:.0f} m, RCS {tracks.rcs[i]:.3f} m^2), no ADS-B or IFF, "
                    f"inbound to a defended zone (P={p_reach[i]:.2f}), {int(tracks.updates[i])} plots"
                )
                if acm_note:
                    reason += f"; {acm_note}"
            elif nid == _UNKNOWN and acm_note.startswith(("inside", "corridor conflict")):
                reason = acm_note
            elif nid == _UNKNOWN and debris is not None and debris[i]:
                reason = "debris of an engaged target"
            elif nid == _UNKNOWN and old == _PENDING:
                reason = "confirmed; hostile criteria not met"
            elif nid == _UNKNOWN:
                reason = "track confirmed"
            else:
                reason = "status change"
            changes.append((tid, _IDENTITY[old], _IDENTITY[nid], reason))
            acm_note = ""
        flags.extend(self._unconfirmed(tracks.t))
        return np.array(new, dtype=np.int8), changes, flags

    # -- airspace control measures ------------------------------------------------------------------
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

    def _assign_slots(self, tracks: Tracks, ids: list[int]) -> None:
        """Hand out the active windows' slots: in track order within a scan, to confirmed tracks (not
        civil) that conform to a corridor, and to FRIENDLY (Mode 5) tracks inside its footprint; a
        new track near where a holder's track ended inherits its slot (see the module docstring)."""
        t = tracks.t
        live = set(ids)
        row = {tid: i for i, tid in enumerate(ids)}
        for holders in self._slots.values():  # holders' last known positions
            for h in holders:
                if h[0] in row:
                    h[1], h[2] = t, tracks.x[row[h[0]], :3].copy()
        status = tracks.status.tolist()
        first = self._first_seen
        for tid in ids:
            first.setdefault(tid, t)
        for i, tid in enumerate(ids):
            known = self.identity.get(tid)
            if status[i] == 0 or known == Identity.CIVIL or known == Identity.HOSTILE:
                continue
            p, v = tracks.x[i, :3], tracks.x[i, 3:6]
            for ci, c, wi, w, _d, inbound in self._active(t, p):
                if w.friendlies == 0:
                    continue
                if known != Identity.FRIENDLY and self._conform(c, p, v, inbound) is not None:
                    continue
                key = (ci, wi)
                if self._slot_of(key, tid, t, p, live) is None and len(self._slots[key]) < w.friendlies:
                    self._slots[key].append([tid, t, p.copy()])

    def _at_base_end(self, c: CorridorACM, p: np.ndarray) -> bool:
        """Whether a track that ended at ``p`` ended at the corridor's recovery end (it landed)."""
        return float(np.hypot(*(p[:2] - c.centreline[-1]))) <= max(c.width_m, BASE_END_M)

    def _release(self, tid: int) -> None:
        """A slot holder declared hostile (it left the corridor's rules) gives its slot back."""
        for holders in self._slots.values():
            holders[:] = [h for h in holders if h[0] != tid]

    def _slot_of(self, key: tuple[int, int], tid: int, t: float, p: np.ndarray, live: set[int]) -> int | None:
        """The slot (rank) track ``tid`` holds in window ``key``, inheriting a dead holder's if near it."""
        holders = self._slots.setdefault(key, [])
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

    def _corridor_rule(self, tracks: Tracks, i: int, tid: int, flags: list) -> tuple[bool, str]:
        """(still hostile, what the airspace control measures said) for track row ``i``, which meets
        every hostile criterion (see the module docstring)."""
        t = tracks.t
        p, v = tracks.x[i, :3], tracks.x[i, 3:6]
        active = self._active(t, p)
        if not active:
            return True, "outside every active corridor"
        notes = []
        for ci, c, wi, w, _d, inbound in active:
            when = f"window {w.label or wi} ({w.from_s:.0f}-{w.to_s:.0f} s)"
            holders = self._slots.get((ci, wi), [])
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
                        (sure if self.identity.get(h[0]) == Identity.FRIENDLY else unsure).append(h[0])
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
                    payload = {"track": tid, "corridor": c.name, "window": w.label or wi, "holders": unsure}
                    flags.append(("corridor_conflict", payload | {"reason": note}))
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
                payload = {"track": tid, "corridor": c.name, "window": w.label or wi, "reason": note}
                flags.append(("corridor_hold", payload))
            return False, note
        return True, "; ".join(notes)

    def _implausible(self, tid: int, icao: str, rcs: float) -> tuple[str, dict]:
        """The flag of a track correlated with an ADS-B aircraft but too small (RCS [m^2]) to be one."""
        return (
            "adsb_implausible",
            {
                "track": tid,
                "icao24": icao,
                "callsign": self.aircraft[icao].callsign,
                "rcs_m2": round(float(rcs), 4),
                "reason": "ADS-B identity on a target too small for an aircraft: possible spoofing; not civil",
            },
        )

    def _unconfirmed(self, t: float) -> list[tuple[str, dict]]:
        """Flag ADS-B aircraft inside radar coverage that no radar track has confirmed for a while."""
        flags = []
        if not self.radars:
            return flags
        for icao, a in self.aircraft.items():
            if a.flagged or t - a.t > ADSB_MAX_AGE_S:
                continue
            since = max(a.first_seen, a.last_confirmed)
            if t - since < UNCONFIRMED_S:
                continue
            covered = False
            for r in self.radars:
                rng, _, el = enu_to_polar(a.pos - r.position)
                rt = r.type
                if rt.min_range_m <= rng <= 0.8 * rt.max_range_m and el >= 2 * rt.mask_elevation_rad:
                    covered = True
            if covered:
                a.flagged = True
                flags.append(
                    (
                        "adsb_unconfirmed",
                        {
                            "icao24": icao,
                            "callsign": a.callsign,
                            "position": np.round(a.pos, 1).tolist(),
                            "reason": "ADS-B position inside radar coverage with no radar track for "
                            f"{t - since:.0f} s: possible spoofing",
                        },
                    )
                )
        return flags

    def _correlate(
        self, tracks: Tracks, ids: list[int], icaos: list[str], apos: np.ndarray, asig: np.ndarray
    ) -> dict[int, tuple[str, int]]:
        """Track id -> (ICAO address, consecutive correlations) for tracks correlated this scan, given
        the tracks' ids (a list) and the ADS-B aircraft heard recently (:meth:`adsb_positions` at the
        scan time)."""
        result: dict[int, tuple[str, int]] = {}
        pairs = _pairs(tracks.x, tracks.P, tracks.updates, apos, asig, BARO_SIGMA_M**2) if icaos else None
        if pairs is None or pairs[0].size == 0:
            self._streak = {}
            return result
        cand, d, cov = pairs
        d2 = _mahalanobis2(d, cov)
        # (candidate, aircraft) pairs within the gate
        matched = [(r, c) for r, row in enumerate(d2.tolist()) for c, v in enumerate(row) if v <= ADSB_GATE]
        if len({r for r, _ in matched}) < len(matched) or len({c for _, c in matched}) < len(matched):
            # pairs compete for a track or an aircraft: matched one-to-one by least total distance.
            # (Otherwise the gated pairs are that matching: ungated pairs cost more than any sum of them.)
            gated = d2 <= ADSB_GATE
            r, c = linear_sum_assignment(np.where(gated, d2, 1e6))
            keep = gated[r, c]
            matched = list(zip(r[keep].tolist(), c[keep].tolist(), strict=True))
        cand = cand.tolist()
        streak = {}
        for r, c in matched:
            tid = ids[cand[r]]
            icao = icaos[c]
            self.aircraft[icao].last_confirmed = tracks.t
            prev = self._streak.get(tid)
            n = prev[1] + 1 if prev and prev[0] == icao else 1
            streak[tid] = (icao, n)
            result[tid] = (icao, n)
        self._streak = streak
        return result


def _mahalanobis2(d: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distances (K, A) of differences ``d`` (K, A, 3) under covariances ``cov``
    (K, A, 3, 3): d' C^-1 d, with numpy's inverse (LAPACK)."""
    return np.einsum("nai,naij,naj->na", d, np.linalg.inv(cov), d)


def _near_adsb(tracks: Tracks, apos: np.ndarray) -> np.ndarray:
    """Whether an ADS-B aircraft (positions (A, 3) [m]) is within ``NEAR_ADSB_M`` of each track (N,)."""
    if not apos.shape[0]:
        return np.zeros(len(tracks), dtype=bool)
    rel = tracks.x[:, None, :3] - apos[None, :, :]
    d = np.sqrt(np.add.reduce(rel * rel, axis=2))  # np.linalg.norm(rel, axis=2), without its wrapper
    return (d < NEAR_ADSB_M).any(axis=1)


def _pairs(
    x: np.ndarray, P: np.ndarray, updates: np.ndarray, apos: np.ndarray, asig: np.ndarray, baro2: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The track-aircraft pairs of :meth:`Identifier._correlate`: the candidate tracks (K,) (2 plots or
    more), their position differences from the aircraft (K, A, 3) [m] and the pairs' position
    covariances (K, A, 3, 3) [m^2], the track's plus the aircraft's (``asig`` (A,) [m] horizontally,
    ``baro2`` [m^2] vertically)."""
    cand = np.flatnonzero(updates >= 2)
    a = apos.shape[0]
    err = np.zeros((a, 3, 3))
    err[:, 0, 0] = err[:, 1, 1] = asig * asig
    err[:, 2, 2] = baro2
    return cand, x[cand, None, :3] - apos[None, :, :], P[cand, None, :3, :3] + err
