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

A HOSTILE track stays hostile unless ADS-B correlation or IFF later makes it CIVIL or FRIENDLY.
Every identity change is returned as ``(track_id, old, new, reason)``; flags as ``(kind, payload)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.assess.types import Identity, TrackClass
from bastion.physics.geodesy import Origin, enu_to_polar
from bastion.scenario.compiled import RadarSite
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
    def __init__(self, origin: Origin, min_updates_hostile: int, radars: Sequence[RadarSite] = ()) -> None:
        self.origin = origin
        self.min_updates_hostile = min_updates_hostile
        self.radars = list(radars)
        self.aircraft: dict[str, AdsbAircraft] = {}
        self.identity: dict[int, Identity] = {}
        self.icao_of: dict[int, str] = {}
        self.iff_replies: dict[int, int] = {}
        self._streak: dict[int, tuple[str, int]] = {}
        self._flagged_tracks: set[int] = set()

    def on_adsb(self, reports: AdsbReports) -> None:
        """Keep the latest report of each aircraft (converted to the site's ENU frame)."""
        if not len(reports):
            return
        enu = self.origin.to_enu(reports.lat, reports.lon, reports.altitude_m)
        enu[:, 2] = reports.altitude_m - self.origin.alt_m
        # a live feed has no velocity until an aircraft's first velocity message: hold its
        # position (extrapolate with zero velocity) until then
        vel = np.array(reports.velocity, dtype=float)
        if not np.isfinite(vel).all():  # (np.nan_to_num is slow even on finite input)
            vel = np.nan_to_num(vel, nan=0.0)
        times, icaos, callsigns = reports.t.tolist(), reports.icao24.tolist(), reports.callsign.tolist()
        nacps = reports.nacp.tolist()
        for i in np.argsort(reports.t, kind="stable").tolist():
            icao, t = str(icaos[i]), float(times[i])
            prev = self.aircraft.get(icao)
            callsign = str(callsigns[i]) or (prev.callsign if prev else "")
            a = AdsbAircraft(t, enu[i], vel[i], int(nacps[i]), callsign, prev.first_seen if prev else t)
            if prev:
                a.last_confirmed, a.flagged = prev.last_confirmed, prev.flagged
            self.aircraft[icao] = a

    def adsb_positions(self, t: float) -> tuple[list[str], np.ndarray, np.ndarray]:
        """ICAO addresses, ENU positions extrapolated to ``t`` and their 1-sigma horizontal errors."""
        icaos, pos, sig = [], [], []
        for icao, a in self.aircraft.items():
            age = t - a.t
            if -1.0 <= age <= ADSB_MAX_AGE_S:
                icaos.append(icao)
                pos.append(a.pos + a.vel * age)
                sig.append(min(NACP_EPU_M[a.nacp], 2_000.0) / 2.45 + 2.0 * abs(age))
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
        ``debris`` (N,) marks tracks of the debris of an engaged target, never declared hostile."""
        changes: list[tuple[int, Identity, Identity, str]] = []
        flags: list[tuple[str, dict]] = []
        icaos, apos, asig = self.adsb_positions(tracks.t)
        correlated = self._correlate(tracks, icaos, apos, asig)
        n = len(tracks)
        near_adsb = np.zeros(n, dtype=bool)
        if apos.shape[0] and len(tracks):
            rel = tracks.x[:, None, :3] - apos[None, :, :]
            d = np.sqrt(np.add.reduce(rel * rel, axis=2))  # np.linalg.norm(rel, axis=2), without its wrapper
            near_adsb = (d < NEAR_ADSB_M).any(axis=1)
        live = set(tracks.id.tolist())
        for gone in [k for k in self.identity if k not in live]:
            for store in (self.identity, self._streak, self.iff_replies):
                store.pop(gone, None)
        if iff_reply is not None and iff_reply.any():
            for tid in tracks.id[iff_reply].tolist():
                self.iff_replies[tid] = self.iff_replies.get(tid, 0) + 1
        # the rules as array masks over all tracks; Python work only for the tracks that change
        # (no IFF reply or ADS-B correlation anywhere, the usual scan: no per-track look-up for them)
        ids = tracks.id.tolist()
        get = self.identity.get
        old = np.fromiter((get(k, _PENDING) for k in ids), dtype=np.int8, count=n)
        if self.iff_replies:
            replies = np.fromiter((self.iff_replies.get(k, 0) for k in ids), dtype=np.int64, count=n)
            friendly = (replies >= IFF_REPLIES) & (old != _FRIENDLY)
        else:
            replies = np.zeros(n, dtype=np.int64)
            friendly = np.zeros(n, dtype=bool)
        new = old.copy()
        if correlated:
            sticky = (old == _CIVIL) | (old == _FRIENDLY)
            corr = np.fromiter((k in correlated and correlated[k][1] >= 2 for k in ids), dtype=bool, count=n)
            civil = corr & ~friendly & ~sticky & (tracks.rcs >= MIN_CIVIL_RCS_M2)
            spoof = corr & ~friendly & ~sticky & (tracks.rcs < MIN_CIVIL_RCS_M2)
            new[civil] = _CIVIL
        else:
            civil = spoof = np.zeros(n, dtype=bool)
        new[friendly] = _FRIENDLY
        open_ = (new != _CIVIL) & (new != _FRIENDLY) & (new != _HOSTILE)
        confirmed = tracks.status != 0
        hostile = (
            open_
            & confirmed
            & (tracks.updates >= self.min_updates_hostile)
            & ((klass == _DRONE) | (klass == _BALLISTIC))
            & (p_reach >= MIN_P_REACH)
            & (zone_value > 0)
            & ~near_adsb
        )
        new[open_ & ~confirmed] = _PENDING
        new[open_ & confirmed] = _UNKNOWN
        new[hostile] = _HOSTILE
        for i in spoof.nonzero()[0]:
            tid = ids[i]
            if tid not in self._flagged_tracks:
                self._flagged_tracks.add(tid)
                icao = correlated[tid][0]
                flags.append(
                    (
                        "adsb_implausible",
                        {
                            "track": tid,
                            "icao24": icao,
                            "callsign": self.aircraft[icao].callsign,
                            "rcs_m2": round(float(tracks.rcs[i]), 4),
                            "reason": "ADS-B identity on a target too small for an aircraft: "
                            "possible spoofing; not civil",
                        },
                    )
                )
        for i in (new != old).nonzero()[0]:
            tid = ids[i]
            if friendly[i]:
                reason = f"{int(replies[i])} valid IFF Mode 5 replies"
            elif civil[i]:
                icao = correlated[tid][0]
                self.icao_of[tid] = icao
                reason = f"ADS-B correlated with {icao} {self.aircraft[icao].callsign}".strip()
            elif hostile[i]:
                v = tracks.x[i, 3:6]
                reason = (
                    f"{TrackClass(klass[i]).name.lower()} kinematics ({np.hypot(v[0], v[1]):.0f} m/s, "
                    f"{tracks.x[i, 2]:.0f} m, RCS {tracks.rcs[i]:.3f} m^2), no ADS-B or IFF, "
                    f"inbound to a defended zone (P={p_reach[i]:.2f}), {int(tracks.updates[i])} plots"
                )
            elif new[i] == _UNKNOWN and debris is not None and debris[i]:
                reason = "debris of an engaged target"
            elif new[i] == _UNKNOWN and old[i] == _PENDING:
                reason = "confirmed; hostile criteria not met"
            elif new[i] == _UNKNOWN:
                reason = "track confirmed"
            else:
                reason = "status change"
            changes.append((tid, _IDENTITY[old[i]], _IDENTITY[new[i]], reason))
        self.identity.update(zip(ids, map(_IDENTITY.__getitem__, new.tolist()), strict=True))
        out = new
        flags.extend(self._unconfirmed(tracks.t))
        return out, changes, flags

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
        self, tracks: Tracks, icaos: list[str], apos: np.ndarray, asig: np.ndarray
    ) -> dict[int, tuple[str, int]]:
        """Track id -> (ICAO address, consecutive correlations) for tracks correlated this scan, given
        the ADS-B aircraft heard recently (:meth:`adsb_positions` at the scan time)."""
        result: dict[int, tuple[str, int]] = {}
        cand = (tracks.updates >= 2).nonzero()[0]
        if not icaos or cand.size == 0:
            self._streak = {}
            return result
        d = tracks.x[cand, None, :3] - apos[None, :, :]  # (n, a, 3)
        cov = tracks.P[cand, None, :3, :3] + np.zeros((1, len(icaos), 3, 3))
        s2 = asig**2
        cov[..., 0, 0] += s2
        cov[..., 1, 1] += s2
        cov[..., 2, 2] += BARO_SIGMA_M**2
        d2 = np.einsum("nai,naij,naj->na", d, np.linalg.inv(cov), d)
        cost = np.where(d2 <= ADSB_GATE, d2, 1e6)
        rows, cols = linear_sum_assignment(cost)
        streak = {}
        for r, c in zip(rows, cols, strict=True):
            if cost[r, c] >= 1e6:
                continue
            tid = int(tracks.id[cand[r]])
            icao = icaos[c]
            self.aircraft[icao].last_confirmed = tracks.t
            prev = self._streak.get(tid)
            n = prev[1] + 1 if prev and prev[0] == icao else 1
            streak[tid] = (icao, n)
            result[tid] = (icao, n)
        self._streak = streak
        return result
