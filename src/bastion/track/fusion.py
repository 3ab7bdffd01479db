"""ADS-B into the radar track picture: reports as Cartesian position measurements in the site frame.

A report's horizontal position error follows from its NACp: the 95 % horizontal bound EPU
(:data:`bastion.sense.types.NACP_EPU_M`, RTCA DO-260B) of a circular Gaussian is
sqrt(-2 ln 0.05) sigma = 2.448 sigma (Rayleigh quantile). The vertical component is barometric
altitude compared with the radar's geometric height; its sigma is a tracker setting (60 m, the
barometric-versus-geometric disagreement used by identification, :mod:`bastion.assess.identify`).
Heights follow the site convention: up = altitude above mean sea level minus the site elevation.

:class:`AdsbFusion` folds reports into the tracker's tracks (:meth:`bastion.track.tracker.Tracker.update_adsb`
and ``queue_adsb``) and keys the aircraft to them by ICAO address. The r-th report (oldest first) of
every aircraft of a batch is its round r; a round (of one or of several replications at once) is one
set of array operations: candidate pairs, prediction to the report times, chi-square gate, nearest
neighbour assignment and Kalman update. The only Python loops run over the rounds and over the
handful of reports of a batch (plain lists: numpy's per-call cost would exceed the work).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from bastion.physics.geodesy import Origin
from bastion.sense.types import NACP_EPU_M, AdsbReports
from bastion.track import imm
from bastion.track.config import TrackerConfig
from bastion.track.estimator import Estimator
from bastion.track.gating import candidate_pairs, chi2_gate, mahalanobis2
from bastion.track.gnn import assign
from bastion.track.measurements import CartesianPosition
from bastion.track.table import TrackTable
from bastion.track.types import TrackStatus

EPU_95_TO_SIGMA = 1.0 / np.sqrt(-2.0 * np.log(0.05))
"""Ratio of a circular Gaussian's per-axis sigma to its 95 % radius (1/2.448)."""


def adsb_measurements(
    reports: AdsbReports, origin: Origin, vertical_sigma_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ENU positions (K, 3) [m], their covariances (K, 3, 3) and a mask of usable reports (K,).

    Unusable: non-finite position or altitude, or NACp outside 1..11 (NACp 0: accuracy unknown)."""
    k = len(reports)
    nacp = np.asarray(reports.nacp, dtype=int)
    ok = (nacp >= 1) & (nacp < NACP_EPU_M.size)
    ok &= np.isfinite(reports.lat) & np.isfinite(reports.lon) & np.isfinite(reports.altitude_m)
    ok &= np.isfinite(reports.t)
    enu = np.zeros((k, 3))
    if ok.any():
        enu[ok] = origin.to_enu(reports.lat[ok], reports.lon[ok], reports.altitude_m[ok])
        enu[ok, 2] = reports.altitude_m[ok] - origin.alt_m
    sigma_h = NACP_EPU_M[np.clip(nacp, 0, NACP_EPU_M.size - 1)] * EPU_95_TO_SIGMA
    R = np.zeros((k, 3, 3))
    R[:, 0, 0] = R[:, 1, 1] = np.where(ok, sigma_h, 1.0) ** 2
    R[:, 2, 2] = vertical_sigma_m**2
    return enu, R, ok


@dataclass(frozen=True)
class AdsbUpdate:
    """What one :meth:`AdsbFusion.update` (:meth:`Tracker.update_adsb`) did."""

    used: int = 0  # reports that updated a track
    keyed: list[tuple[int, str]] = field(default_factory=list)  # (track id, icao24) newly keyed
    unkeyed: list[tuple[int, str]] = field(default_factory=list)  # keys dropped: report no longer gates
    unusable: int = 0  # reports skipped: NaN position or NACp 0


@dataclass(frozen=True)
class _AdsbRound:
    """One report per aircraft at most, as measurements: times (K,), ICAO addresses, ENU positions
    (K, 3), their covariances (K, 3, 3) and reported velocities (K, 3)."""

    t: np.ndarray
    icao: list[str]
    pos: np.ndarray
    R: np.ndarray
    vel: np.ndarray


@dataclass
class _AdsbOutcome:
    """What the fusion of one report batch (of replication ``replica``) has done so far."""

    replica: int
    used: int = 0
    keyed: list[tuple[int, str]] = field(default_factory=list)
    unkeyed: list[tuple[int, str]] = field(default_factory=list)
    n_unusable: int = 0


class AdsbFusion:
    """ADS-B reports fused into the tracks of a tracker's table, aircraft keyed to tracks by ICAO address.

    A report of an aircraft already keyed to a track updates that track (if it still gates at
    ``adsb_keyed_gate_probability``, otherwise the key is dropped); any other report is gated against
    the confirmed tracks not yet keyed and assigned by nearest neighbour (Mahalanobis), which keys the
    track to the aircraft's ICAO address. Reports gating no track are not used (ADS-B alone starts no
    track: the radar picture is the one the engine defends with). A report older than a track's state
    is extrapolated with its reported velocity. A replication's reports update only its tracks.

    ``table`` is the tracker's own (changed in place by both); ``estimator`` predicts and updates."""

    def __init__(self, config: TrackerConfig, estimator: Estimator, table: TrackTable, replications: int) -> None:
        self.config = config
        self.estimator = estimator
        self.table = table
        self.replications = replications
        self._gate = chi2_gate(config.gate_probability, 3)  # ADS-B position: 3 dof
        self._keyed_gate = chi2_gate(config.adsb_keyed_gate_probability, 3)
        self.icao_of: dict[int, str] = {}  # track uid -> ICAO address of the ADS-B aircraft keyed to it
        self._track_of: dict[tuple[int, str], int] = {}  # (replication, ICAO address) -> track uid
        self._queue: list[tuple[AdsbReports, Origin, int]] = []  # see queue

    def update(self, reports: AdsbReports, origin: Origin, replica: int = 0) -> AdsbUpdate:
        """Fuse ``reports`` of replication ``replica`` now (the reports queued before them first)."""
        if len(reports) == 0:
            return AdsbUpdate()
        self.flush()
        return self._fuse([(reports, origin, replica)])[0]

    def queue(self, reports: AdsbReports, origin: Origin, replica: int = 0) -> None:
        """Hold ``reports`` until :meth:`flush` (a batch shares one site frame: a new origin flushes)."""
        if len(reports):
            if self._queue and self._queue[0][1] != origin:
                self.flush()  # one site frame per batch
            self._queue.append((reports, origin, replica))

    def forget(self, rows: np.ndarray) -> None:
        """Drop the keys of the tracks ``rows`` (a mask: tracks about to be deleted)."""
        for i in np.flatnonzero(rows & (self.table.icao24 != "")):  # (few)
            self.unkey(i)

    def flush(self) -> None:
        """Fuse the reports :meth:`queue` holds."""
        if self._queue:
            queued, self._queue = self._queue, []
            self._fuse(queued)

    def _fuse(self, batches: list[tuple[AdsbReports, Origin, int]]) -> list[AdsbUpdate]:
        """Fuse report batches (reports, origin, replication), in order within each replication; the
        outcome of each. The batches share one origin (one site frame).

        The r-th report (oldest first) of every aircraft of a batch is its round r; the rounds of a
        replication's batches run in order, and each step fuses one round of several replications at
        once (:meth:`_fuse_round`): the first batch of each replication, round by round, then the second..."""
        prepared = self._prepare(batches)
        outcomes = [_AdsbOutcome(b[2], n_unusable=n_bad) for b, (_, n_bad) in zip(batches, prepared, strict=True)]
        wave: dict[int, int] = {}  # replication -> its batches seen
        waves: list[list[int]] = []  # batches fused together: one of each replication at most
        for b, (_, _, replica) in enumerate(batches):
            w = wave[replica] = wave.get(replica, -1) + 1
            if w == len(waves):
                waves.append([])
            waves[w].append(b)
        for members in waves:
            for r in range(max(len(prepared[b][0]) for b in members)):
                self._fuse_round([(prepared[b][0][r], outcomes[b]) for b in members if r < len(prepared[b][0])])
        return [AdsbUpdate(o.used, o.keyed, o.unkeyed, o.n_unusable) for o in outcomes]

    def _prepare(self, batches: list[tuple[AdsbReports, Origin, int]]) -> list[tuple[list[_AdsbRound], int]]:
        """Each batch's reports as measurements, split in rounds, and its number of unusable reports.

        Every batch's reports go to the site frame in one conversion (a pymap3d call costs tens of
        microseconds whatever its size); the rest is on Python lists: a batch holds a handful of
        reports, and numpy's per-call cost would exceed the work."""
        every = batches[0][0] if len(batches) == 1 else _concatenate_reports([b[0] for b in batches])
        enu, R, usable = adsb_measurements(every, batches[0][1], self.config.adsb_vertical_sigma_m)
        t = np.asarray(every.t, dtype=float)
        vel = np.asarray(every.velocity, dtype=float).reshape(-1, 3)
        if not np.isfinite(vel).all():  # no velocity message yet (np.nan_to_num is slow even on finite input)
            vel = np.nan_to_num(vel)
        icao = [a[:6].lower() for a in np.asarray(every.icao24).tolist()]
        times, ok = t.tolist(), usable.tolist()
        prepared = []
        end = 0
        for reports, _, _ in batches:
            start, end = end, end + len(reports)
            good = [i for i in range(start, end) if ok[i]]
            # round r: the r-th report (oldest first) of every aircraft, the aircraft in address order
            members: list[list[int]] = []
            rank: dict[str, int] = {}
            for i in sorted(good, key=lambda i: (icao[i], times[i])):
                r = rank[icao[i]] = rank.get(icao[i], -1) + 1
                if r == len(members):
                    members.append([])
                members[r].append(i)
            rounds = []
            for sel in members:
                # (one report per aircraft: the batch's reports in order, a view)
                rows = slice(start, end) if sel == list(range(start, end)) else np.array(sel)
                rounds.append(_AdsbRound(t[rows], [icao[i] for i in sel], enu[rows], R[rows], vel[rows]))
            prepared.append((rounds, end - start - len(good)))
        return prepared

    def _fuse_round(self, rounds: list[tuple[_AdsbRound, _AdsbOutcome]]) -> None:
        """One round of several replications (one report per aircraft at most, each): gate, assign and
        update, the outcomes added to each round's :class:`_AdsbOutcome`.

        Pairs are the keyed aircraft with their tracks first, then the other aircraft with the confirmed
        tracks not yet keyed that their reports may gate with; every pair of every round is predicted,
        gated and updated in one batch, and only the decisions (keys held or dropped, assignment) are
        made round by round."""
        tab = self.table
        n_tr = tab.id.size
        if n_tr == 0:
            return
        ti, rj, firsts, n_keyed, offsets = [], [], [], [], []
        offset = n_pairs = 0
        for rnd, out in rounds:
            tk, rk, nk = self._pairs(rnd, out.replica)
            ti.append(tk)
            rj.append(rk + offset)
            firsts.append(n_pairs)
            n_keyed.append(nk)
            offsets.append(offset)
            offset += rnd.t.size
            n_pairs += tk.size
        if n_pairs == 0:
            return
        cat = _first_or_concatenate
        ti, rj = cat(ti), cat(rj)
        t = cat([rnd.t for rnd, _ in rounds])
        xs, Ps, mu, zp, R_eff = self._predicted(
            ti,
            rj,
            t,
            cat([rnd.pos for rnd, _ in rounds]),
            cat([rnd.R for rnd, _ in rounds]),
            cat([rnd.vel for rnd, _ in rounds]),
        )
        zs, Ss, Cs = self.estimator.measure(_ADSB_MEASUREMENT, xs, Ps, R_eff)
        z_bar, S_bar = imm.combine_measurements(_ADSB_MEASUREMENT.residual, zs, Ss, mu)
        d2 = mahalanobis2(zp - z_bar, np.linalg.inv(S_bar))
        d2_list = d2.tolist()
        chosen: list[int] = []  # pairs that update their track
        new_keys: list[tuple[int, _AdsbRound, _AdsbOutcome, int]] = []  # (pair, round, outcome, report offset)
        ends = [*firsts[1:], n_pairs]
        for (rnd, out), first, end, nk, off in zip(rounds, firsts, ends, n_keyed, offsets, strict=True):
            held = [p for p in range(first, first + nk) if d2_list[p] <= self._keyed_gate]
            if len(held) < nk:  # keys that no longer hold (rare)
                for p in range(first, first + nk):
                    if not d2_list[p] <= self._keyed_gate:
                        out.unkeyed.append((int(tab.id[ti[p]]), rnd.icao[rj[p] - off]))
                        self.unkey(ti[p])
            chosen += held
            out.used += len(held)
            u = first + nk + np.flatnonzero(d2[first + nk : end] <= self._gate)
            if u.size:
                got = assign(n_tr, rnd.t.size, ti[u], rj[u] - off, d2[u], np.full(n_tr, self._gate))
                taken = u[got[ti[u]] == rj[u] - off].tolist()
                chosen += taken
                out.used += len(taken)
                new_keys += [(q, rnd, out, off) for q in taken]
        if not chosen:
            return
        p = slice(None) if len(chosen) == n_pairs else np.array(chosen)  # (usually every pair: no copies)
        k = ti[p]
        tab.xs[k], tab.Ps[k], tab.t_state[k] = xs[p], Ps[p], np.maximum(tab.t_state[k], t[rj[p]])
        if self.estimator.n_modes > 1:
            tab.mu[k] = mu[p]
        self.estimator.update_modes(tab, _ADSB_MEASUREMENT, k, zp[p], zs[p], Ss[p], Cs[p])
        tab.adsb_updates[k] += 1
        for q, rnd, out, off in new_keys:  # newly keyed aircraft (a few per night)
            i, a = ti[q], rnd.icao[rj[q] - off]
            uid = int(tab.uid[i])
            tab.icao24[i] = a
            self.icao_of[uid] = a
            self._track_of[(out.replica, a)] = uid
            out.keyed.append((int(tab.id[i]), a))

    def _pairs(self, rnd: _AdsbRound, replica: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Candidate (track, report) pairs of a round: tracks (P,), reports (P,), and how many of them
        (the first) are keyed aircraft with their tracks.

        The usual round is one keyed aircraft: a dictionary look-up, no candidate search."""
        tab = self.table
        # dictionary look-up per aircraft of this round (tens at most, not a per-target scan path)
        track_of = self._track_of
        key_uid = [track_of.get((replica, a), -1) for a in rnd.icao]
        kr = [j for j, uid in enumerate(key_uid) if uid >= 0]
        rep = [j for j, uid in enumerate(key_uid) if uid < 0]
        keyed = [key_uid[j] for j in kr]
        # the replication's rows (rows are grouped by replication, uids increasing within each)
        rows = slice(0, len(tab)) if self.replications == 1 else tab.replica_rows(replica)
        ti = rows.start + np.searchsorted(tab.uid[rows], keyed)
        rj = np.array(kr, dtype=np.intp)
        if not rep:
            return ti, rj, len(kr)
        # candidate pairs of the others with the replication's confirmed, unkeyed tracks
        cand = rows.start + np.flatnonzero((tab.status[rows] != _TENTATIVE) & (tab.icao24[rows] == ""))
        if cand.size == 0:
            return ti, rj, len(kr)
        rep_a = np.array(rep)
        t, R = rnd.t, rnd.R
        x_bar, P_bar = imm.combine(tab.xs[cand], tab.Ps[cand], tab.mu[cand])
        t_ref = float(t[rep_a].max())
        dt = np.maximum(t_ref - tab.t_state[cand], 0.0)
        ref = x_bar[:, :3] + x_bar[:, 3:6] * dt[:, None]
        var = (
            np.trace(P_bar[:, :3, :3], axis1=1, axis2=2)
            + np.trace(P_bar[:, 3:6, 3:6], axis1=1, axis2=2) * dt**2
            + self.config.q * dt**3
            + float(np.max(np.trace(R[rep_a], axis1=1, axis2=2)))
        )
        speed = np.linalg.norm(x_bar[:, 3:6], axis=1)
        spread = t_ref - float(t[rep_a].min())
        radius = np.sqrt(self._gate * var) * 1.05 + speed * spread + 1.0
        a, b = candidate_pairs(ref, radius, rnd.pos[rep_a])
        return np.concatenate([ti, cand[a]]), np.concatenate([rj, rep_a[b]]), len(kr)

    def _predicted(self, ti, rj, t, pos, R, vel):
        """Per pair: the track predicted to the report time (or the report extrapolated to the track's)."""
        tab = self.table
        t_meas = t[rj]
        t_track = tab.t_state[ti]
        t_eff = np.maximum(t_meas, t_track)
        age = t_eff - t_meas
        zp = pos[rj] + vel[rj] * age[:, None]
        R_eff = R[rj] + _EYE3 * (self.config.adsb_velocity_sigma_mps * age)[:, None, None] ** 2
        # each pair has a time step of its own (a report's time): nothing to memoise per time step
        xs, Ps, mu = self.estimator.predicted(tab.xs[ti], tab.Ps[ti], tab.mu[ti], t_eff - t_track, memo=False)
        return xs, Ps, mu, zp, R_eff

    def unkey(self, i: int) -> None:
        """Drop the key of track row ``i`` (its aircraft may key another track)."""
        tab = self.table
        uid, key = int(tab.uid[i]), int(tab.replica[i])
        a = self.icao_of.pop(uid, None)
        if a is not None and self._track_of.get((key, a)) == uid:
            del self._track_of[(key, a)]
        tab.icao24[i] = ""


_TENTATIVE = int(TrackStatus.TENTATIVE)  # (an enum attribute look-up costs microseconds)
_ADSB_MEASUREMENT = CartesianPosition()
_EYE3 = np.eye(3)


def _concatenate_reports(reports: list[AdsbReports]) -> AdsbReports:
    """Report batches as one, in order."""
    return AdsbReports(*(np.concatenate([getattr(r, f.name) for r in reports]) for f in fields(AdsbReports)))


def _first_or_concatenate(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays concatenated (the only one as it is: most fusion steps are one replication's)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)
