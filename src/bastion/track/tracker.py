"""The multi-target tracker: filters, gating, association and management, assembled from their modules.

One :meth:`Tracker.step` per radar scan (several radars arrive as separate scans, ``det.sensor``
naming the site's radar): predict every track to the scan time (:mod:`~bastion.track.ekf`,
:mod:`~bastion.track.ukf`, or an :mod:`~bastion.track.imm` of CV and coordinated-turn models),
gate the scan's plots (:mod:`~bastion.track.gating`), associate them — confirmed tracks first, by
global nearest neighbour (:mod:`~bastion.track.gnn`) or JPDA (:mod:`~bastion.track.jpda`), then
tentative tracks by nearest neighbour on the plots left over — update, then confirm and delete by
M-of-N or by track score (:mod:`~bastion.track.management`), and start tentative tracks on the
plots no track took.
:meth:`Tracker.update_adsb` folds ADS-B reports into the tracks they gate with
(:class:`~bastion.track.fusion.AdsbFusion`), keyed by ICAO address afterwards. The tracks are the
rows of a :class:`~bastion.track.table.TrackTable`; the filters that predict and update them are an
:class:`~bastion.track.estimator.Estimator`; the settings a :class:`~bastion.track.config.TrackerConfig`.

Everything is a batched array operation over tracks and plots; with an EKF the measurement
prediction and the Kalman update take every (track, mode) pair of an IMM as one batch. The only
Python loops run over the motion models of an IMM in the prediction (up to three: CV, coordinated
turn, free flight), over blocks of large multi-track clusters in association, over the few new or
deleted tracks, and over the rounds of an ADS-B batch (the k-th report of every aircraft). At a few tracks per scan
the cost is per numpy call, not per track, which is why modes are batched rather than looped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bastion.physics.geodesy import Origin
from bastion.sense.types import AdsbReports, Detections
from bastion.track import imm, jpda
from bastion.track.config import ASSOCIATORS, FILTERS, MANAGEMENTS, MOTIONS, TrackerConfig
from bastion.track.estimator import Estimator
from bastion.track.fusion import AdsbFusion, AdsbUpdate
from bastion.track.gating import (
    candidate_pairs,
    candidate_pairs_by_group,
    chi2_gate,
    inverse_and_logdet,
    log_gaussian,
    mahalanobis2,
)
from bastion.track.gnn import assign
from bastion.track.initiation import initial_states
from bastion.track.management import mofn_decisions, record_scan, sprt_decisions, wald_thresholds
from bastion.track.measurements import PolarRadar, polar_to_cartesian
from bastion.track.table import TrackTable
from bastion.track.types import TrackChanges, Tracks, TrackStatus

if TYPE_CHECKING:  # (annotations only: the scenario package is not needed to track, and costs start-up)
    from bastion.scenario.compiled import RadarSite

__all__ = ["ASSOCIATORS", "FILTERS", "MANAGEMENTS", "MOTIONS", "AdsbUpdate", "Tracker", "TrackerConfig"]


@dataclass(frozen=True, slots=True)
class _Scan:
    """One scan of every replication as the tracker reads it: the plots ``det`` (the replications'
    one after the other), the radar, whether range rate is used, the measurement model and clutter
    density [per unit measurement volume], measurements ``z`` (P, m), a mask of usable plots (P,),
    ENU positions (P, 3) [m], the replication of each plot (P,) and the plots of each replication (R,)."""

    det: Detections
    radar: RadarSite
    rate: bool
    meas: PolarRadar
    lam: float
    z: np.ndarray
    valid: np.ndarray
    pos: np.ndarray
    replica: np.ndarray
    sizes: np.ndarray


@dataclass(frozen=True, slots=True)
class _Gated:
    """The pairs inside the gate: tracks ``ti`` (G,), plots ``dj`` (G,) and log likelihood ratios
    ``log_w`` (G,) (target over clutter, times P_D); every track's predicted measurements per mode
    ``zs`` (N, M, m), innovation and cross covariances ``Ss``, ``Cs``, and their mixture ``z_bar`` (N, m)."""

    ti: np.ndarray
    dj: np.ndarray
    log_w: np.ndarray
    zs: np.ndarray
    Ss: np.ndarray
    Cs: np.ndarray
    z_bar: np.ndarray


class Tracker:
    """Tracks targets from the plots of one or several radars (``radars`` as in the site)."""

    def __init__(self, radars: Sequence[RadarSite], config: TrackerConfig | None = None, replications: int = 1) -> None:
        if replications < 1:
            raise ValueError(f"Tracker: replications {replications} is not >= 1")
        self.replications = replications
        self.radars = list(radars)
        self.config = cfg = config or TrackerConfig()
        self.estimator = est = Estimator(cfg)
        self.models, self.n_modes, self.dim = est.models, est.n_modes, est.dim
        self._reject_at, self._confirm_at = wald_thresholds(cfg.sprt_false_confirm, cfg.sprt_true_reject)
        self._log_miss = float(np.log1p(-cfg.pd * cfg.gate_probability))
        self._next_id = np.ones(replications, dtype=np.int64)  # each replication numbers its own tracks
        self._next_uid = 1
        self.t = 0.0
        self.table = TrackTable.empty(self.n_modes, self.dim)  # the live tracks
        self.fusion = AdsbFusion(cfg, est, self.table, replications)
        self._radar_models: dict[tuple[int, bool], tuple[PolarRadar, float]] = {}
        self._per_mode_gate = self.n_modes > 1 and cfg.imm_ballistic  # see _gate_per_mode

    @property
    def icao_of(self) -> dict[int, str]:
        """Track uid -> ICAO address of the ADS-B aircraft keyed to it."""
        return self.fusion.icao_of

    # -- public -----------------------------------------------------------------------------
    def step(self, det: Detections) -> tuple[Tracks, TrackChanges]:
        """Process one scan of plots; return the track picture and the management decisions."""
        if self.replications != 1:
            raise ValueError(f"Tracker.step: this tracker holds {self.replications} replications; use step_many")
        return self.step_many([det])[0]

    def step_many(self, dets: Sequence[Detections]) -> list[tuple[Tracks, TrackChanges]]:
        """One scan of every replication at once (the same radar at the same time, one
        :class:`Detections` per replication, in order): each replication's picture and decisions.

        Replications share the arrays and so the per-call cost, never their data: gating searches each
        replication's plots for its own tracks only (:func:`~bastion.track.gating.candidate_pairs_by_group`),
        so each replication's tracks, ids and decisions are those a tracker of its own would give, to
        the last bit (tested). Except with JPDA: its belief propagation iterates until every cluster of
        the batch has converged, which moves a replication's marginals in their last bits."""
        scan = self._read_scans(dets)
        self.fusion.flush()  # (the scan sees the tracks as they are after them)
        self.estimator.predict_to(self.table, scan.det.t)
        self.table.detection = np.full(len(self.table), -1, dtype=np.intp)
        gated = self._gate(scan)
        hit, used, increment = self._associate(scan, gated)
        changes = TrackChanges()
        replica_of = self._manage(scan, gated.z_bar, hit, increment, changes)
        new = np.flatnonzero(scan.valid & ~used)  # new tentative tracks on the plots no track took
        if new.size:
            changes.initiated.extend(self._initiate(scan, new))
        self.t = scan.det.t
        if self.replications == 1:  # alone, a track's uid is its number
            self.picture_of_all = alone = self.snapshot()  # (a batch of one night reads it too)
            return [(alone, changes)]
        return self._split(changes, replica_of, np.r_[0, np.cumsum(scan.sizes)])

    # -- one scan, stage by stage ---------------------------------------------------------------
    def _read_scans(self, dets: Sequence[Detections]) -> _Scan:
        """The replications' scans as one (checked: one radar, one time, range rates in all or none)."""
        R = self.replications
        if len(dets) != R:
            raise ValueError(f"Tracker.step_many: {len(dets)} scans for {R} replications")
        det0 = dets[0]
        if any(d.sensor != det0.sensor or d.t != det0.t for d in dets):
            raise ValueError("Tracker.step_many: the replications' scans must be of one radar at one time")
        if not 0 <= det0.sensor < len(self.radars):
            raise ValueError(
                f"Detections.sensor {det0.sensor} is not a radar of this tracker (0..{len(self.radars) - 1})"
            )
        radar = self.radars[det0.sensor]
        det = Detections.concatenate(dets)
        # (every plot with a range rate: the usual case, one test; an empty scan has "all" its range
        # rates: it decides nothing either way, as gating is all it would use them for)
        rates = (
            {True}
            if np.isfinite(det.range_rate).all()
            else {bool(np.isfinite(d.range_rate).all()) for d in dets if len(d)}
        )
        if len(rates) > 1:
            raise ValueError("Tracker.step_many: some replications' plots have range rates and some have not")
        sizes = np.array([len(d) for d in dets])
        rate = bool(self.config.use_range_rate and np.isfinite(radar.type.sigma_range_rate_mps) and rates.pop())
        meas, lam = self._radar_model(det.sensor, rate)
        cols = [det.range, det.azimuth, det.elevation] + ([det.range_rate] if rate else [])
        z = np.stack([np.asarray(c, dtype=float) for c in cols], axis=1) if len(det) else np.zeros((0, meas.dim))
        pos = (
            polar_to_cartesian(det.range, det.azimuth, det.elevation, radar.position) if len(det) else np.zeros((0, 3))
        )
        valid = np.isfinite(z).all(axis=1) & (z[:, 0] > 0.0)
        return _Scan(det, radar, rate, meas, lam, z, valid, pos, np.repeat(np.arange(R), sizes), sizes)

    def _gate(self, scan: _Scan) -> _Gated:
        """The (track, plot) pairs inside the chi-square gate of the tracks' predicted measurements."""
        tab, cfg = self.table, self.config
        meas, m = scan.meas, scan.meas.dim
        # predicted measurements (per mode, then their mixture) and gates
        zs, Ss, Cs = self.estimator.measure(meas, tab.xs, tab.Ps, meas.noise_cov)
        z_bar, S_bar = imm.combine_measurements(meas.residual, zs, Ss, tab.mu)
        S_inv, logdet = inverse_and_logdet(S_bar)
        gate = chi2_gate(cfg.gate_probability, m)
        ti, dj = self._candidates(scan, z_bar, gate)
        nu = meas.residual(scan.z[dj], z_bar[ti])
        d2 = mahalanobis2(nu, S_inv[ti])
        log_g = log_gaussian(d2, logdet[ti], m)
        ok = d2 <= gate
        if self._per_mode_gate and not ok.all():
            self._gate_per_mode(scan, ti, dj, zs, Ss, gate, ok, log_g)
        log_w = np.log(cfg.pd) + log_g[ok] - np.log(scan.lam)
        return _Gated(ti[ok], dj[ok], log_w, zs, Ss, Cs, z_bar)

    def _candidates(self, scan: _Scan, z_bar: np.ndarray, gate: float) -> tuple[np.ndarray, np.ndarray]:
        """(track, plot) pairs within a Euclidean radius that bounds each track's gate (a grid search), a
        replication's tracks with its own plots only."""
        tab, rt = self.table, scan.radar.type
        x_bar, P_bar = imm.combine(tab.xs, tab.Ps, tab.mu)
        meas_sigma = np.maximum(rt.sigma_range_m, z_bar[:, 0] * max(rt.sigma_azimuth_rad, rt.sigma_elevation_rad))
        pos_var = np.trace(P_bar[:, :3, :3], axis1=1, axis2=2)
        radius = np.sqrt(gate) * np.sqrt(pos_var + meas_sigma**2) * 1.05 + 1.0
        if self._per_mode_gate and len(tab):
            # each mode's own gate must fit in the search radius too: a free-flight mode of small
            # probability may predict the plot far from the mixture (see _gate_per_mode)
            dev = np.linalg.norm(tab.xs[:, :, :3] - x_bar[:, None, :3], axis=2)  # (N, M)
            var_j = np.trace(tab.Ps[:, :, :3, :3], axis1=2, axis2=3)
            radius_j = np.sqrt(gate) * np.sqrt(var_j + meas_sigma[:, None] ** 2) * 1.05 + dev + 1.0
            radius = np.maximum(radius, radius_j.max(axis=1))
        good = np.flatnonzero(scan.valid)
        R = self.replications
        if R == 1:
            ti, dj = candidate_pairs(x_bar[:, :3], radius, scan.pos[good])
        else:  # each replication's tracks with its own plots only (rows and plots grouped by replication)
            plot_bounds = np.r_[0, np.cumsum(np.bincount(scan.replica[good], minlength=R))]
            ti, dj = candidate_pairs_by_group(x_bar[:, :3], radius, scan.pos[good], tab.replica_bounds(R), plot_bounds)
        return ti, good[dj]

    def _gate_per_mode(self, scan, ti, dj, zs, Ss, gate, ok, log_g) -> None:
        """Per-mode gate (IMM with a free-flight mode): a plot outside the mixture's gate still gates
        when it lies inside one mode's own gate (sets ``ok`` and ``log_g`` of such pairs).

        Near a rocket's apogee the nearly constant-velocity mode fits for a few scans and takes most of
        the probability; as the round then falls away under gravity the mixture's prediction lags it and
        every plot misses the mixture gate, although the free-flight mode predicts it well: the track was
        lost while the round was seen on every scan (issue 15, rocket-salvo seed 3, R3-BDSC). Such a
        pair is scored with the exact IMM likelihood, sum_j mu_j N(nu_j; 0, S_j) (Bar-Shalom, Willett and
        Tian 2011, §11.6); pairs inside the mixture gate keep theirs."""
        meas, m, M = scan.meas, scan.meas.dim, self.n_modes
        out = np.flatnonzero(~ok)
        to, do = ti[out], dj[out]
        nu_j = meas.residual(np.repeat(scan.z[do], M, axis=0), zs[to].reshape(-1, m))
        Sj_inv, logdet_j = inverse_and_logdet(Ss[to].reshape(-1, m, m))
        d2_j = mahalanobis2(nu_j, Sj_inv).reshape(-1, M)
        inside = (d2_j <= gate).any(axis=1)
        if inside.any():
            ll_j = log_gaussian(d2_j, logdet_j.reshape(-1, M), m) + np.log(np.maximum(self.table.mu[to], 1e-300))
            top = ll_j.max(axis=1)
            log_g[out] = top + np.log(np.exp(ll_j - top[:, None]).sum(axis=1))
            ok[out[inside]] = True

    def _associate(self, scan: _Scan, gated: _Gated) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Plots to tracks, and the Kalman updates: which tracks got a plot (N,), which plots were used
        (P,), and each track's score increment (N,).

        Confirmed tracks first (GNN or JPDA), then tentative tracks by GNN on the plots left over.
        Tentative tracks always take hard decisions: a soft (JPDA) update of a track fed by clutter
        inflates its gate, which then collects more clutter and confirms false tracks."""
        tab, cfg = self.table, self.config
        n_tr = len(tab)
        first = (tab.status != TrackStatus.TENTATIVE)[gated.ti] if cfg.two_stage else np.ones(gated.ti.size, bool)
        hit = np.zeros(n_tr, dtype=bool)
        used = np.zeros(len(scan.det), dtype=bool)
        increment = np.full(n_tr, self._log_miss)
        took = np.zeros(n_tr, dtype=bool)  # tracks given one plot by nearest neighbour (updated together)
        if cfg.associator == "jpda":
            self._jpda_stage(scan, gated, first, hit, used, increment)
        else:
            self._gnn_stage(gated, first, hit, used, increment, took)
        if cfg.two_stage:
            self._gnn_stage(gated, ~first & ~used[gated.dj], hit, used, increment, took)
        if took.any():
            idx = np.flatnonzero(took)
            zi = scan.z[tab.detection[idx]]
            self.estimator.update_modes(tab, scan.meas, idx, zi, gated.zs[idx], gated.Ss[idx], gated.Cs[idx])
        return hit, used, increment

    def _manage(
        self, scan: _Scan, z_bar: np.ndarray, hit: np.ndarray, increment: np.ndarray, changes: TrackChanges
    ) -> dict[int, tuple[int, int]]:
        """Bookkeeping of the scan, then confirmation and deletion (into ``changes``); the (replication,
        track number) of each deleted track by uid."""
        tab, cfg = self.table, self.config
        confirmed = tab.status != TrackStatus.TENTATIVE  # (before this scan's decisions)
        if hit.any():
            idx = np.flatnonzero(hit)
            tab.updates[idx] += 1
            tab.last_update[idx] = scan.det.t
            rcs = np.asarray(scan.det.rcs, dtype=float)[tab.detection[idx]]
            tab.log_rcs_sum[idx] += np.log(np.maximum(np.nan_to_num(rcs, nan=1e-6), 1e-6))
        counted = self._in_coverage(scan.radar, z_bar) | hit
        tab.history, tab.scans, tab.misses = record_scan(
            tab.history, tab.scans, tab.misses, hit, counted, cfg.confirm_n
        )
        tab.score = np.where(counted, tab.score + increment, tab.score)
        tab.score_max = np.maximum(tab.score_max, tab.score)
        if cfg.management == "mofn":
            confirm, reject, lost = mofn_decisions(
                tab.status, tab.history, tab.scans, tab.misses, cfg.confirm_m, cfg.confirm_n, cfg.max_misses
            )
        else:
            confirm, reject, lost = sprt_decisions(
                tab.status, tab.score, tab.score_max, self._reject_at, self._confirm_at, cfg.sprt_delete_drop
            )
        tab.status[confirm] = TrackStatus.CONFIRMED
        tab.score_max[confirm] = tab.score[confirm]
        changes.confirmed.extend(int(i) for i in tab.uid[confirm])
        tab.status[confirmed & hit] = TrackStatus.CONFIRMED
        tab.status[confirmed & ~hit] = TrackStatus.COASTING
        x_bar, P_bar = imm.combine(tab.xs, tab.Ps, tab.mu)
        sigma = np.sqrt(np.max(np.diagonal(P_bar[:, :3, :3], axis1=1, axis2=2), axis=1)) if len(tab) else np.zeros(0)
        diverged = sigma > cfg.max_position_sigma_m
        below = x_bar[:, 2] < -50.0
        drop = reject | lost | diverged | below
        replica_of: dict[int, tuple[int, int]] = {}  # uid -> (replication, track number) of deleted tracks
        if drop.any():
            gone = np.flatnonzero(drop)  # (tens a scan in a batch: mostly tentative tracks on clutter)
            # the reason of each, the last that applies in this order
            why = np.where(reject[gone], 3, np.where(lost[gone], 2, np.where(diverged[gone], 1, 0))).tolist()
            uids = tab.uid[gone].tolist()
            changes.deleted.extend(zip(uids, [_DELETED_BECAUSE[w] for w in why], strict=True))
            replica_of.update(
                zip(uids, zip(tab.replica[gone].tolist(), tab.id[gone].tolist(), strict=True), strict=True)
            )
            self.fusion.forget(drop)  # deleted tracks keyed to ADS-B
            tab.keep(~drop)
        return replica_of

    def _split(
        self, changes: TrackChanges, replica_of: dict[int, tuple[int, int]], offsets: np.ndarray
    ) -> list[tuple[Tracks, TrackChanges]]:
        """Each replication's picture (its rows, detection indices into its own scan) and decisions."""
        tab = self.table
        R = self.replications
        live = dict(zip(tab.uid.tolist(), zip(tab.replica.tolist(), tab.id.tolist(), strict=True), strict=True))
        live.update(replica_of)
        per = [TrackChanges() for _ in range(R)]
        for uid in changes.initiated:
            r, tid = live[uid]
            per[r].initiated.append(tid)
        for uid in changes.confirmed:
            r, tid = live[uid]
            per[r].confirmed.append(tid)
        for uid, reason in changes.deleted:
            r, tid = live[uid]
            per[r].deleted.append((tid, reason))
        local = np.where(tab.detection >= 0, tab.detection - offsets[tab.replica], -1)
        full = self.snapshot(detection=local)
        for value in vars(full).values():  # every night's picture is a view of it: read-only
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
        self.picture_of_all = full
        return list(zip(full.split(tab.replica_bounds(R).tolist()), per, strict=True))

    def snapshot(self, detection: np.ndarray | None = None) -> Tracks:
        """The current track picture (combined IMM moments; the first six state components), of every
        replication; ``detection`` replaces the plot indices (those of each replication's own scan)."""
        tab = self.table
        x, P = imm.combine(tab.xs, tab.Ps, tab.mu)
        rcs = np.exp(tab.log_rcs_sum / np.maximum(tab.updates, 1))
        return Tracks(
            t=self.t,
            id=tab.id.copy(),
            x=np.array(x[:, :6]),  # copies: the picture must not alias the live state
            P=np.array(P[:, :6, :6]),
            status=tab.status.copy(),
            updates=tab.updates.copy(),
            misses=tab.misses.copy(),
            last_update=tab.last_update.copy(),
            rcs=rcs,
            detection=tab.detection.copy() if detection is None else detection,
            score=tab.score.copy(),
            mode_probability=tab.mu.copy() if self.n_modes > 1 else None,
            icao24=tab.icao24.copy(),
            adsb_updates=tab.adsb_updates.copy(),
        )

    def update_adsb(self, reports: AdsbReports, origin: Origin, replica: int = 0) -> AdsbUpdate:
        """Update tracks with ADS-B reports (Cartesian position measurements, sigma from NACp).

        A report of an aircraft already keyed to a track updates that track (if it still gates at
        ``adsb_keyed_gate_probability``, otherwise the key is dropped); any other report is gated
        against the confirmed tracks not yet keyed and assigned by nearest neighbour (Mahalanobis),
        which keys the track to the aircraft's ICAO address. Reports gating no track are not used
        (ADS-B alone starts no track: the radar picture is the one the engine defends with).
        A report older than a track's state is extrapolated with its reported velocity. ``replica``: the
        replication the reports belong to (they update only its tracks). Reports queued by
        :meth:`queue_adsb` are fused first.
        """
        return self.fusion.update(reports, origin, replica)

    def queue_adsb(self, reports: AdsbReports, origin: Origin, replica: int = 0) -> None:
        """:meth:`update_adsb` deferred to the start of the next scan (:meth:`step_many`), where the
        reports queued by every replication are fused in one batch of arrays (one set of numpy calls
        for all instead of one per replication: a fusion is a handful of reports).

        The tracks are the same as with :meth:`update_adsb` at once, to the last bit: nothing else
        changes or reads them in between, each replication's reports are fused in the order queued,
        and a pair's arithmetic does not depend on the other pairs in its batch. For a caller that
        does not need the :class:`AdsbUpdate` (the decision pipeline)."""
        self.fusion.queue(reports, origin, replica)

    # -- association internals ---------------------------------------------------------------
    def _gnn_stage(self, gated: _Gated, sel, hit, used, increment, took) -> None:
        """Hard assignment of the gated pairs ``sel``: marks the tracks that got a plot in ``took`` (their
        Kalman update follows, for both stages at once) and the plots they used."""
        tab = self.table
        if not sel.any():
            return
        ti, dj, log_w = gated.ti[sel], gated.dj[sel], gated.log_w[sel]
        n_tr = tab.id.size
        assigned = assign(n_tr, used.size, ti, dj, -log_w, np.full(n_tr, -self._log_miss))
        idx = np.flatnonzero(assigned >= 0)
        if idx.size == 0:
            return
        pair_of = np.full(n_tr, -1, dtype=np.intp)
        mine = assigned[ti] == dj
        pair_of[ti[mine]] = np.flatnonzero(mine)
        increment[idx] = log_w[pair_of[idx]]
        hit[idx] = True
        used[assigned[idx]] = True
        tab.detection[idx] = assigned[idx]
        took[idx] = True

    def _jpda_stage(self, scan: _Scan, gated: _Gated, sel, hit, used, increment) -> None:
        """JPDA over the gated pairs ``sel``: marginal association probabilities and the PDA update.

        A track counts a hit when its probability of having a plot is at least 1/2 (its detection is
        then the likeliest plot); its score gains ln(1 - P_D P_G + sum_j w_j). A plot is not used to start
        a track if its association probabilities sum to 1/2 or more, or it lies in a confirmed gate."""
        tab = self.table
        ti, dj, log_w = gated.ti[sel], gated.dj[sel], gated.log_w[sel]
        if ti.size == 0:
            return
        meas, z, lam, zs, Ss, Cs = scan.meas, scan.z, scan.lam, gated.zs, gated.Ss, gated.Cs
        cfg = self.config
        n_tr = tab.id.size
        log_miss = np.full(n_tr, self._log_miss)
        beta, beta0 = jpda.marginals(n_tr, used.size, ti, dj, log_w, log_miss, cfg.jpda_max_events)
        idx, local = np.unique(ti, return_inverse=True)
        n, m = idx.size, z.shape[1]
        ll = np.empty((n, self.n_modes))
        for k in range(self.n_modes):  # motion models
            nu = meas.residual(z[dj], zs[ti, k])
            tab.xs[idx, k], tab.Ps[idx, k] = jpda.pda_update(
                tab.xs[idx, k], tab.Ps[idx, k], nu, beta, beta0[idx], local, Ss[idx, k], Cs[idx, k], n
            )
            if self.n_modes > 1:
                S_inv, logdet = inverse_and_logdet(Ss[idx, k])
                lw = np.log(cfg.pd) + log_gaussian(mahalanobis2(nu, S_inv[local]), logdet[local], m) - np.log(lam)
                ll[:, k] = np.logaddexp(self._log_miss, _log_sum_by(local, lw, n))
        if self.n_modes > 1:
            tab.mu[idx] = imm.update_probabilities(tab.mu[idx], ll)
        got = (1.0 - beta0[idx]) >= 0.5
        hit[idx[got]] = True
        increment[idx] = np.logaddexp(self._log_miss, _log_sum_by(local, log_w, n))
        order = np.lexsort((beta, ti))  # per track, ascending probability: the last one wins
        best = np.full(n_tr, -1, dtype=np.intp)
        best[ti[order]] = dj[order]
        tab.detection[idx[got]] = best[idx[got]]
        used |= np.bincount(dj, beta, minlength=used.size) >= 0.5
        used[dj[tab.status[ti] != TrackStatus.TENTATIVE]] = True

    # -- management internals -----------------------------------------------------------------
    def _radar_model(self, sensor: int, rate: bool) -> tuple[PolarRadar, float]:
        """The measurement model of a radar's plots (with or without range rate) and its clutter density,
        built on the radar's first scan and kept."""
        key = (sensor, rate)
        if key not in self._radar_models:
            radar = self.radars[sensor]
            rt = radar.type
            sig = [rt.sigma_range_m, rt.sigma_azimuth_rad, rt.sigma_elevation_rad] + (
                [rt.sigma_range_rate_mps] if rate else []
            )
            meas = PolarRadar(radar.position, np.array(sig), rate)
            self._radar_models[key] = (meas, self._clutter_density(radar, meas))
        return self._radar_models[key]

    def _clutter_density(self, radar: RadarSite, meas: PolarRadar) -> float:
        """False alarms per scan per unit measurement volume: the setting, or the radar's false-alarm
        figure spread uniformly over its coverage (and the Doppler window)."""
        if self.config.clutter_density is not None:
            return float(self.config.clutter_density)
        rt = radar.type
        volume = meas.coverage_volume(
            rt.min_range_m,
            rt.max_range_m,
            rt.mask_elevation_rad,
            rt.max_elevation_rad,
            self.config.clutter_range_rate_span_mps,
        )
        return max(rt.false_alarms_per_scan, 1e-3) / volume

    @staticmethod
    def _in_coverage(radar: RadarSite, z_pred: np.ndarray) -> np.ndarray:
        rt = radar.type
        return (
            (z_pred[:, 0] >= rt.min_range_m)
            & (z_pred[:, 0] <= rt.max_range_m)
            & (z_pred[:, 2] >= rt.mask_elevation_rad)
            & (z_pred[:, 2] <= rt.max_elevation_rad)
        )

    def _initiate(self, scan: _Scan, new: np.ndarray) -> list[int]:
        """Tentative tracks on the plots ``new`` of the scan; returns their uids. New tracks join their
        replication's rows (their order within it kept), so that each replication's picture is a
        slice of the whole."""
        cfg = self.config
        det, reps, k = scan.det, scan.replica[new], new.size
        xs, Ps, mu = initial_states(cfg, scan.radar, det, new, scan.pos, scan.rate, self.n_modes, self.dim)
        uids = np.arange(self._next_uid, self._next_uid + k, dtype=np.int64)
        self._next_uid += k
        if self.replications == 1:
            ids = uids
        else:  # numbered within each replication, in plot order (plots come grouped by replication)
            first = np.r_[True, reps[1:] != reps[:-1]]
            start = np.maximum.accumulate(np.where(first, np.arange(k), 0))
            ids = self._next_id[reps] + (np.arange(k) - start)
        self._next_id += np.bincount(reps, minlength=self.replications)
        rcs = np.nan_to_num(np.asarray(det.rcs, dtype=float)[new], nan=1e-6)
        log_rcs = np.log(np.maximum(rcs, 1e-6))
        add = TrackTable.tentative(ids, uids, reps, xs, Ps, mu, det.t, log_rcs, new, np.log(cfg.new_target_ratio))
        self.table.append(add)
        if self.replications > 1:
            self.table.group_by_replica()
        return uids.tolist()


def _log_sum_by(group: np.ndarray, log_values: np.ndarray, n: int) -> np.ndarray:
    """log sum_{p in group g} exp(log_values[p]) for g in 0..n-1 (-inf for empty groups)."""
    out = np.full(n, -np.inf)
    if group.size == 0:
        return out
    top = np.full(n, -np.inf)
    np.maximum.at(top, group, log_values)
    s = np.bincount(group, np.exp(log_values - top[group]), minlength=n)
    with np.errstate(divide="ignore"):
        return np.where(s > 0, top + np.log(np.where(s > 0, s, 1.0)), out)


_DELETED_BECAUSE = ("below ground", "diverged", "lost", "not confirmed")  # TrackChanges.deleted reasons
