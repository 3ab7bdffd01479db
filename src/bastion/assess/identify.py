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

**Airspace control measures** (defender knowledge, scenario ``[[corridor]]``): a track that would be
declared hostile on the rules above but conforms to an active recovery corridor is held, not declared
hostile on kinematics alone, unless the corridor's slots are all accounted for
(:mod:`bastion.assess.corridors` says how and why).

A HOSTILE track stays hostile unless ADS-B correlation or IFF later makes it CIVIL or FRIENDLY.
Every identity change is returned as ``(track_id, old, new, reason)``; flags as typed event payloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.assess.corridors import AirspaceControl
from bastion.assess.types import Identity, TrackClass
from bastion.event_types import AdsbImplausible, AdsbUnconfirmed, Payload
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
        self.corridors = AirspaceControl(corridors)
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
        flags: list[Payload] = []
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
            self.corridors.assign_slots(tracks, ids, identity)
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
                        hostile, acm_note = self.corridors.rule(tracks, i, tid, identity, flags)
                    nid = _HOSTILE if hostile else _UNKNOWN
                else:
                    nid = _UNKNOWN
            new.append(nid)
            if nid == old:
                if known is None:
                    identity[tid] = _IDENTITY[nid]
                continue
            identity[tid] = _IDENTITY[nid]
            if nid == _HOSTILE and self.corridors.slots:
                self.corridors.release(tid)
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

    def _implausible(self, tid: int, icao: str, rcs: float) -> tuple[str, dict]:
        """The flag of a track correlated with an ADS-B aircraft but too small (RCS [m^2]) to be one."""
        return AdsbImplausible(
            track=tid,
            icao24=icao,
            callsign=self.aircraft[icao].callsign,
            rcs_m2=round(float(rcs), 4),
            reason="ADS-B identity on a target too small for an aircraft: possible spoofing; not civil",
        )

    def _unconfirmed(self, t: float) -> list[Payload]:
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
                    AdsbUnconfirmed(
                        icao24=icao,
                        callsign=a.callsign,
                        position=np.round(a.pos, 1).tolist(),
                        reason="ADS-B position inside radar coverage with no radar track for "
                        f"{t - since:.0f} s: possible spoofing",
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
    return cand, x[cand, :3][:, None, :] - apos, P[cand, :3, :3][:, None] + err
