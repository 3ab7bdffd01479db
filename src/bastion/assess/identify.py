"""Identification: civil by ADS-B correlation, hostile by stated criteria, everything else unknown.

ADS-B correlation (the cooperative-target check of air-defence C2): every ADS-B aircraft heard in
the last few seconds is extrapolated to the scan time and compared with the radar tracks by the
chi-square distance of their positions (track covariance + ADS-B error from the report's NACp and
its age + barometric/geometric height difference); the gated pairs are matched one-to-one (Hungarian
algorithm). Two consecutive correlations with the same ICAO address identify the track CIVIL,
keyed by that address from then on. CIVIL and FRIENDLY are never engaged, whatever else happens.

Hostile declaration — all must hold:

1. not CIVIL or FRIENDLY;
2. a confirmed track with at least ``min_updates_hostile`` plots (time for ADS-B to correlate);
3. classified DRONE or BALLISTIC from its kinematics and RCS;
4. inbound to a defended zone: threat evaluation gives P(reach) of at least 2 % for a zone of
   positive value;
5. no ADS-B aircraft within 1 km of it (a small target next to an airliner stays UNKNOWN).

A HOSTILE track stays hostile unless ADS-B correlation later makes it CIVIL. Every identity change is
returned as ``(track_id, old, new, reason)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.assess.types import Identity, TrackClass
from bastion.physics.geodesy import Origin
from bastion.sense.types import NACP_EPU_M, AdsbReports
from bastion.track.types import Tracks

ADSB_MAX_AGE_S = 5.0
ADSB_GATE = 16.27  # chi-square 3 dof, 0.999
BARO_SIGMA_M = 60.0  # barometric vs radar height disagreement, 1 sigma
NEAR_ADSB_M = 1_000.0
MIN_P_REACH = 0.02


@dataclass
class AdsbAircraft:
    t: float
    pos: np.ndarray
    vel: np.ndarray
    nacp: int
    callsign: str


class Identifier:
    def __init__(self, origin: Origin, min_updates_hostile: int) -> None:
        self.origin = origin
        self.min_updates_hostile = min_updates_hostile
        self.aircraft: dict[str, AdsbAircraft] = {}
        self.identity: dict[int, Identity] = {}
        self.icao_of: dict[int, str] = {}
        self._streak: dict[int, tuple[str, int]] = {}

    def on_adsb(self, reports: AdsbReports) -> None:
        """Keep the latest report of each aircraft (converted to the site's ENU frame)."""
        if not len(reports):
            return
        enu = self.origin.to_enu(reports.lat, reports.lon, reports.altitude_m)
        enu[:, 2] = reports.altitude_m - self.origin.alt_m
        for i in np.argsort(reports.t, kind="stable"):
            icao = str(reports.icao24[i])
            prev = self.aircraft.get(icao)
            callsign = str(reports.callsign[i]) or (prev.callsign if prev else "")
            self.aircraft[icao] = AdsbAircraft(
                float(reports.t[i]), enu[i], reports.velocity[i], int(reports.nacp[i]), callsign
            )

    def adsb_positions(self, t: float) -> tuple[list[str], np.ndarray, np.ndarray]:
        """ICAO addresses, ENU positions extrapolated to ``t`` and their 1-sigma horizontal errors."""
        icaos, pos, sig = [], [], []
        for icao, a in self.aircraft.items():
            age = t - a.t
            if 0 <= age <= ADSB_MAX_AGE_S or -1.0 <= age < 0:
                icaos.append(icao)
                pos.append(a.pos + a.vel * age)
                sig.append(min(NACP_EPU_M[a.nacp], 2_000.0) / 2.45 + 2.0 * abs(age))
        return icaos, np.array(pos).reshape(-1, 3), np.array(sig)

    def update(self, tracks: Tracks, klass: np.ndarray, p_reach: np.ndarray, zone_value: np.ndarray):
        """Identity of every track (N,) and the list of identity changes this scan."""
        changes: list[tuple[int, Identity, Identity, str]] = []
        correlated = self._correlate(tracks)
        _icaos, apos, _ = self.adsb_positions(tracks.t)
        near_adsb = np.zeros(len(tracks), dtype=bool)
        if apos.shape[0] and len(tracks):
            d = np.linalg.norm(tracks.x[:, None, :3] - apos[None, :, :], axis=2)
            near_adsb = (d < NEAR_ADSB_M).any(axis=1)
        live = set(tracks.id.tolist())
        for gone in [k for k in self.identity if k not in live]:
            self.identity.pop(gone, None)
            self._streak.pop(gone, None)
        out = np.empty(len(tracks), dtype=np.int8)
        for i, tid in enumerate(tracks.id.tolist()):
            old = self.identity.get(tid, Identity.PENDING)
            new, reason = old, ""
            if tid in correlated:
                icao, streak = correlated[tid]
                if streak >= 2 and old != Identity.CIVIL:
                    a = self.aircraft[icao]
                    new, reason = Identity.CIVIL, f"ADS-B correlated with {icao} {a.callsign}".strip()
                    self.icao_of[tid] = icao
            if new not in (Identity.CIVIL, Identity.FRIENDLY, Identity.HOSTILE):
                if tracks.status[i] == 0:
                    new = Identity.PENDING
                else:
                    hostile = (
                        tracks.updates[i] >= self.min_updates_hostile
                        and klass[i] in (TrackClass.DRONE, TrackClass.BALLISTIC)
                        and p_reach[i] >= MIN_P_REACH
                        and zone_value[i] > 0
                        and not near_adsb[i]
                    )
                    if hostile:
                        v = tracks.x[i, 3:6]
                        new = Identity.HOSTILE
                        reason = (
                            f"{TrackClass(klass[i]).name.lower()} kinematics ({np.hypot(v[0], v[1]):.0f} m/s, "
                            f"{tracks.x[i, 2]:.0f} m, RCS {tracks.rcs[i]:.3f} m^2), no ADS-B or IFF, "
                            f"inbound to a defended zone (P={p_reach[i]:.2f}), {int(tracks.updates[i])} plots"
                        )
                    else:
                        new = Identity.UNKNOWN
                        if old == Identity.PENDING:
                            reason = "confirmed; hostile criteria not met"
            if new != old:
                if not reason:
                    reason = "track confirmed" if new == Identity.UNKNOWN else "status change"
                changes.append((tid, old, new, reason))
            self.identity[tid] = new
            out[i] = new
        return out, changes

    def _correlate(self, tracks: Tracks) -> dict[int, tuple[str, int]]:
        """Track id -> (ICAO address, consecutive correlations) for tracks correlated this scan."""
        result: dict[int, tuple[str, int]] = {}
        icaos, apos, asig = self.adsb_positions(tracks.t)
        cand = np.flatnonzero(tracks.updates >= 2)
        if not icaos or cand.size == 0:
            self._streak = {}
            return result
        d = tracks.x[cand, None, :3] - apos[None, :, :]  # (n, a, 3)
        cov = tracks.P[cand, None, :3, :3] + np.zeros((1, len(icaos), 3, 3))
        cov[..., 0, 0] += asig**2
        cov[..., 1, 1] += asig**2
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
            prev = self._streak.get(tid)
            n = prev[1] + 1 if prev and prev[0] == icao else 1
            streak[tid] = (icao, n)
            result[tid] = (icao, n)
        self._streak = streak
        return result
