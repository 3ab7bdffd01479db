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
(:mod:`~bastion.track.fusion`), keyed by ICAO address afterwards.

Everything is a batched array operation over tracks and plots; with an EKF the measurement
prediction and the Kalman update take every (track, mode) pair of an IMM as one batch. The only
Python loops run over the motion models of an IMM in the prediction (up to three: CV, coordinated
turn, free flight), over multi-track clusters in association, over the few new or deleted tracks,
and over the rounds of an ADS-B batch (the k-th report of every aircraft). At a few tracks per scan
the cost is per numpy call, not per track, which is why modes are batched rather than looped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from bastion.physics.geodesy import Origin
from bastion.sense.types import AdsbReports, Detections
from bastion.track import ekf, imm, jpda, ukf
from bastion.track.fusion import adsb_measurements
from bastion.track.gating import (
    candidate_pairs,
    chi2_gate,
    inverse_and_logdet,
    log_gaussian,
    mahalanobis2,
)
from bastion.track.gnn import assign
from bastion.track.management import mofn_decisions, record_scan, sprt_decisions, wald_thresholds
from bastion.track.measurements import (
    CartesianPosition,
    PolarRadar,
    polar_to_cartesian,
    polar_to_cartesian_cov,
)
from bastion.track.models import ConstantAcceleration, ConstantVelocity, CoordinatedTurn, FreeFall
from bastion.track.table import TrackTable
from bastion.track.types import TrackChanges, Tracks, TrackStatus

if TYPE_CHECKING:  # (annotations only: the scenario package is not needed to track, and costs start-up)
    from bastion.scenario.compiled import RadarSite

FILTERS = ("ekf", "ukf", "imm")
MOTIONS = ("cv", "ca", "ct")
ASSOCIATORS = ("gnn", "jpda")
MANAGEMENTS = ("mofn", "sprt")


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker settings (defaults suit small drones and airliners seen by a C-RAM radar).

    Choices: ``filter`` ekf | ukf | imm (IMM of CV and coordinated turn, mode filters by
    ``imm_inner``); ``motion`` cv | ca | ct for the single-model filters; ``associator`` gnn | jpda;
    ``management`` mofn (M-of-N) | sprt (track score). Densities are per unit of measurement space
    (m rad^2, times m/s with range rate)."""

    q: float = 8.0  # CV white-acceleration spectral density [m^2/s^3]
    filter: str = "ekf"
    motion: str = "cv"
    associator: str = "gnn"
    management: str = "mofn"
    gate_probability: float = 0.9995  # chi-square gate P_G
    confirm_m: int = 3  # M-of-N: confirm after M hits ...
    confirm_n: int = 4  # ... within the first N scans
    max_misses: int = 4  # M-of-N: delete a confirmed track after this many consecutive misses
    max_initial_speed: float = 120.0  # [m/s] 2 sigma of each velocity component of a new track
    max_position_sigma_m: float = 1_000.0  # delete a track whose position sigma exceeds this
    use_range_rate: bool = True  # use Doppler when the radar measures it
    pd: float = 0.9  # nominal probability of detection (track score, JPDA, miss cost)
    clutter_density: float | None = None  # false alarms per scan per unit volume; None: radar's figure / coverage
    clutter_range_rate_span_mps: float = 300.0  # Doppler window false alarms spread over [m/s]
    new_target_ratio: float = 1.0  # SPRT: new-target over false-alarm density; initial score ln(this)
    sprt_false_confirm: float = 1e-4  # SPRT: probability of confirming a false track
    sprt_true_reject: float = 0.01  # SPRT: probability of rejecting a true tentative track
    sprt_delete_drop: float = 9.0  # SPRT: delete a confirmed track this far below its best score
    two_stage: bool = True  # associate confirmed tracks first, tentative tracks on the plots left
    ca_q: float = 1.0  # CA white-jerk spectral density [m^2/s^5]
    initial_accel_sigma: float = 5.0  # [m/s^2] CA: acceleration sigma of a new track
    ct_q: float = 0.5  # CT (single model and IMM mode) white-acceleration density [m^2/s^3]: turns are in omega
    ct_q_turn: float = 1e-4  # CT: turn-rate random-walk density [rad^2/s^3]
    initial_turn_sigma: float = 0.1  # [rad/s] CT/IMM: turn-rate sigma of a new track
    imm_inner: str = "ekf"  # mode-matched filter of the IMM: ekf | ukf
    imm_cv_q: float = 0.5  # IMM CV mode white-acceleration density [m^2/s^3]: nearly straight flight
    imm_switch_rate: float = 0.05  # IMM: rate of leaving a mode [1/s]
    imm_initial_cv: float = 0.8  # IMM: CV probability of a new track
    imm_turn: bool = True  # IMM: include the coordinated-turn mode (manoeuvres)
    imm_ballistic: bool = False  # IMM: add a free-flight (gravity) mode for rockets and mortar bombs
    ballistic_q: float = 150.0  # free-flight mode white-acceleration density [m^2/s^3]: unknown drag (~10 m/s^2)
    ballistic_initial_speed: float = 150.0  # [m/s] radial speed above which a new track starts in free flight
    ukf_alpha: float = 1.0
    ukf_beta: float = 2.0
    ukf_kappa: float = 0.0
    jpda_max_events: int = 20_000  # JPDA: enumerate clusters up to this many joint events exactly
    adsb_vertical_sigma_m: float = 60.0  # barometric vs geometric height, 1 sigma
    adsb_velocity_sigma_mps: float = 2.0  # extrapolating a report older than the track, per axis
    adsb_keyed_gate_probability: float = 0.999999  # a keyed aircraft's report must still gate

    def __post_init__(self) -> None:
        choices = {
            "filter": FILTERS,
            "motion": MOTIONS,
            "associator": ASSOCIATORS,
            "management": MANAGEMENTS,
            "imm_inner": ("ekf", "ukf"),
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"TrackerConfig.{name}: {getattr(self, name)!r} is not one of {', '.join(allowed)}")
        for name in ("gate_probability", "pd", "sprt_false_confirm", "sprt_true_reject", "imm_initial_cv"):
            v = getattr(self, name)
            if not 0.0 < v < 1.0:
                raise ValueError(f"TrackerConfig.{name}: {v} is not a probability in (0, 1)")
        if not 1 <= self.confirm_m <= self.confirm_n <= 62:
            raise ValueError("TrackerConfig.confirm_m/confirm_n: need 1 <= M <= N <= 62")
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, float) and not np.isfinite(v):
                raise ValueError(f"TrackerConfig.{f.name}: {v} is not finite")


@dataclass(frozen=True)
class AdsbUpdate:
    """What one :meth:`Tracker.update_adsb` did."""

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


class Tracker:
    """Tracks targets from the plots of one or several radars (``radars`` as in the site)."""

    def __init__(self, radars: Sequence[RadarSite], config: TrackerConfig | None = None, replications: int = 1) -> None:
        if replications < 1:
            raise ValueError(f"Tracker: replications {replications} is not >= 1")
        self.replications = replications
        self.radars = list(radars)
        self.config = cfg = config or TrackerConfig()
        if cfg.filter == "imm":
            turn = cfg.imm_turn
            self.models = [ConstantVelocity(cfg.imm_cv_q, turn_state=turn)]
            if turn:
                self.models.append(CoordinatedTurn(cfg.ct_q, cfg.ct_q_turn))
            if cfg.imm_ballistic:
                self.models.append(FreeFall(cfg.ballistic_q, turn_state=turn))
            if len(self.models) < 2:
                raise ValueError("TrackerConfig: an IMM needs imm_turn or imm_ballistic (at least two modes)")
            self._filter = ukf if cfg.imm_inner == "ukf" else ekf
        else:
            model = {
                "cv": ConstantVelocity(cfg.q),
                "ca": ConstantAcceleration(cfg.ca_q),
                "ct": CoordinatedTurn(cfg.ct_q, cfg.ct_q_turn),
            }[cfg.motion]
            self.models = [model]
            self._filter = ukf if cfg.filter == "ukf" else ekf
        self._ut = ukf.UnscentedParameters(cfg.ukf_alpha, cfg.ukf_beta, cfg.ukf_kappa)
        self.n_modes = len(self.models)
        self.dim = self.models[0].dim
        self._reject_at, self._confirm_at = wald_thresholds(cfg.sprt_false_confirm, cfg.sprt_true_reject)
        self._log_miss = float(np.log1p(-cfg.pd * cfg.gate_probability))
        self._adsb_gate = chi2_gate(cfg.gate_probability, 3)  # ADS-B position: 3 dof
        self._adsb_keyed_gate = chi2_gate(cfg.adsb_keyed_gate_probability, 3)
        self._next_id = np.ones(replications, dtype=np.int64)  # each replication numbers its own tracks
        self._next_uid = 1
        self.t = 0.0
        self.table = TrackTable.empty(self.n_modes, self.dim)  # the live tracks
        self.icao_of: dict[int, str] = {}  # track uid -> ICAO address of the ADS-B aircraft keyed to it
        self._transition_cache: dict[float, np.ndarray] = {}
        self._radar_models: dict[tuple[int, bool], tuple[PolarRadar, float]] = {}
        self._track_of: dict[tuple[int, str], int] = {}  # (replication, ICAO address) -> track uid
        self._adsb_queue: list[tuple[AdsbReports, Origin, int]] = []  # see queue_adsb

    # -- public -----------------------------------------------------------------------------
    def step(self, det: Detections) -> tuple[Tracks, TrackChanges]:
        """Process one scan of plots; return the track picture and the management decisions."""
        if self.replications != 1:
            raise ValueError(f"Tracker.step: this tracker holds {self.replications} replications; use step_many")
        return self.step_many([det])[0]

    def step_many(self, dets: Sequence[Detections]) -> list[tuple[Tracks, TrackChanges]]:
        """One scan of every replication at once (the same radar at the same time, one
        :class:`Detections` per replication, in order): each replication's picture and decisions.

        Replications share the arrays and so the per-call cost, never their data: gating never pairs
        a plot with another replication's track, so each replication's tracks, ids and decisions are
        those a tracker of its own would give, to the last bit."""
        tab = self.table
        cfg = self.config
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
        rt = radar.type
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
        det_rep = np.repeat(np.arange(R), sizes)
        self._flush_adsb()  # (the scan sees the tracks as they are after them)
        changes = TrackChanges()
        self._predict_all(det.t)
        rate = bool(cfg.use_range_rate and np.isfinite(rt.sigma_range_rate_mps) and rates.pop())
        meas, lam = self._radar_model(det.sensor, rate)
        m = meas.dim
        cols = [det.range, det.azimuth, det.elevation] + ([det.range_rate] if rate else [])
        z = np.stack([np.asarray(c, dtype=float) for c in cols], axis=1) if len(det) else np.zeros((0, m))
        valid = np.isfinite(z).all(axis=1) & (z[:, 0] > 0.0)
        n_tr = tab.id.size
        tab.detection = np.full(n_tr, -1, dtype=np.intp)

        # predicted measurements (per mode, then their mixture) and gates
        zs, Ss, Cs = self._measure(meas, tab.xs, tab.Ps, meas.noise_cov)
        z_bar, S_bar = imm.combine_measurements(meas.residual, zs, Ss, tab.mu)
        S_inv, logdet = inverse_and_logdet(S_bar)
        gate = chi2_gate(cfg.gate_probability, m)
        det_pos = (
            polar_to_cartesian(det.range, det.azimuth, det.elevation, radar.position) if len(det) else np.zeros((0, 3))
        )
        x_bar, P_bar = imm.combine(tab.xs, tab.Ps, tab.mu)
        meas_sigma = np.maximum(rt.sigma_range_m, z_bar[:, 0] * max(rt.sigma_azimuth_rad, rt.sigma_elevation_rad))
        pos_var = np.trace(P_bar[:, :3, :3], axis1=1, axis2=2)
        radius = np.sqrt(gate) * np.sqrt(pos_var + meas_sigma**2) * 1.05 + 1.0
        per_mode = self.n_modes > 1 and cfg.imm_ballistic
        if per_mode and n_tr:
            # each mode's own gate must fit in the search radius too: a free-flight mode of small
            # probability may predict the plot far from the mixture (see the per-mode gate below)
            dev = np.linalg.norm(tab.xs[:, :, :3] - x_bar[:, None, :3], axis=2)  # (N, M)
            var_j = np.trace(tab.Ps[:, :, :3, :3], axis1=2, axis2=3)
            radius_j = np.sqrt(gate) * np.sqrt(var_j + meas_sigma[:, None] ** 2) * 1.05 + dev + 1.0
            radius = np.maximum(radius, radius_j.max(axis=1))
        good = np.flatnonzero(valid)
        if R == 1:
            ti, dj = candidate_pairs(x_bar[:, :3], radius, det_pos[good])
        else:  # a fourth coordinate, far apart per replication: adds an exact 0 to in-replication distances
            ti, dj = candidate_pairs(
                np.c_[x_bar[:, :3], tab.replica * _REPLICA_APART_M],
                radius,
                np.c_[det_pos[good], det_rep[good] * _REPLICA_APART_M],
            )
        dj = good[dj]
        nu = meas.residual(z[dj], z_bar[ti])
        d2 = mahalanobis2(nu, S_inv[ti])
        log_g = log_gaussian(d2, logdet[ti], m)
        ok = d2 <= gate
        if per_mode and not ok.all():
            # Per-mode gate (IMM with a free-flight mode): a plot outside the mixture's gate still
            # gates when it lies inside one mode's own gate. Near a rocket's apogee the nearly
            # constant-velocity mode fits for a few scans and takes most of the probability; as the
            # round then falls away under gravity the mixture's prediction lags it and every plot
            # misses the mixture gate, although the free-flight mode predicts it well: the track was
            # lost while the round was seen on every scan (issue 15, rocket-salvo seed 3, R3-BDSC).
            # Such a pair is scored with the exact IMM likelihood, sum_j mu_j N(nu_j; 0, S_j)
            # (Bar-Shalom, Willett and Tian 2011, §11.6); pairs inside the mixture gate keep theirs.
            out = np.flatnonzero(~ok)
            to, do = ti[out], dj[out]
            M = self.n_modes
            nu_j = meas.residual(np.repeat(z[do], M, axis=0), zs[to].reshape(-1, m))
            Sj_inv, logdet_j = inverse_and_logdet(Ss[to].reshape(-1, m, m))
            d2_j = mahalanobis2(nu_j, Sj_inv).reshape(-1, M)
            inside = (d2_j <= gate).any(axis=1)
            if inside.any():
                ll_j = log_gaussian(d2_j, logdet_j.reshape(-1, M), m) + np.log(np.maximum(tab.mu[to], 1e-300))
                top = ll_j.max(axis=1)
                log_g[out] = top + np.log(np.exp(ll_j - top[:, None]).sum(axis=1))
                ok[out[inside]] = True
        ti, dj, nu = ti[ok], dj[ok], nu[ok]
        log_w = np.log(cfg.pd) + log_g[ok] - np.log(lam)

        # association: confirmed tracks first (GNN or JPDA), then tentative tracks by GNN on the plots
        # left over. Tentative tracks always take hard decisions: a soft (JPDA) update of a track fed
        # by clutter inflates its gate, which then collects more clutter and confirms false tracks.
        confirmed = tab.status != TrackStatus.TENTATIVE
        first = confirmed[ti] if cfg.two_stage else np.ones(ti.size, dtype=bool)
        hit = np.zeros(n_tr, dtype=bool)
        used = np.zeros(len(det), dtype=bool)
        increment = np.full(n_tr, self._log_miss)
        pairs = (ti, dj, log_w)
        took = np.zeros(n_tr, dtype=bool)  # tracks given one plot by nearest neighbour (updated together)
        if cfg.associator == "jpda":
            self._jpda_stage(meas, z, first, pairs, zs, Ss, Cs, lam, hit, used, increment)
        else:
            self._gnn_stage(first, pairs, hit, used, increment, took)
        if cfg.two_stage:
            self._gnn_stage(~first & ~used[dj], pairs, hit, used, increment, took)
        if took.any():
            idx = np.flatnonzero(took)
            self._update_modes(meas, idx, z[tab.detection[idx]], zs[idx], Ss[idx], Cs[idx])

        # bookkeeping and management
        if hit.any():
            idx = np.flatnonzero(hit)
            tab.updates[idx] += 1
            tab.last_update[idx] = det.t
            rcs = np.asarray(det.rcs, dtype=float)[tab.detection[idx]]
            tab.log_rcs_sum[idx] += np.log(np.maximum(np.nan_to_num(rcs, nan=1e-6), 1e-6))
        in_cover = self._in_coverage(radar, z_bar)
        counted = in_cover | hit
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
        sigma = np.sqrt(np.max(np.diagonal(P_bar[:, :3, :3], axis1=1, axis2=2), axis=1)) if n_tr else np.zeros(0)
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
            self._keep(~drop)

        # new tentative tracks on unused plots
        new = np.flatnonzero(valid & ~used)
        if new.size:
            changes.initiated.extend(self._initiate(det, new, radar, det_pos, rate, det_rep[new]))
        if R > 1 and (tab.replica[1:] < tab.replica[:-1]).any():
            # new tracks join their replication's rows (their order within it kept), so that each
            # replication's picture is a slice of the whole
            tab.reorder(np.argsort(tab.replica, kind="stable"))
        self.t = det.t
        if R == 1:  # alone, a track's uid is its number
            self.picture_of_all = alone = self.snapshot()  # (a batch of one night reads it too)
            return [(alone, changes)]
        return self._split(changes, replica_of, np.r_[0, np.cumsum(sizes)])

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
        bounds = np.r_[0, np.cumsum(np.bincount(tab.replica, minlength=R))].tolist()
        return list(zip(full.split(bounds), per, strict=True))

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
        if len(reports) == 0:
            return AdsbUpdate()
        self._flush_adsb()
        return self._fuse_adsb([(reports, origin, replica)])[0]

    def queue_adsb(self, reports: AdsbReports, origin: Origin, replica: int = 0) -> None:
        """:meth:`update_adsb` deferred to the start of the next scan (:meth:`step_many`), where the
        reports queued by every replication are fused in one batch of arrays (one set of numpy calls
        for all instead of one per replication: a fusion is a handful of reports).

        The tracks are the same as with :meth:`update_adsb` at once, to the last bit: nothing else
        changes or reads them in between, each replication's reports are fused in the order queued,
        and a pair's arithmetic does not depend on the other pairs in its batch. For a caller that
        does not need the :class:`AdsbUpdate` (the decision pipeline)."""
        if len(reports):
            if self._adsb_queue and self._adsb_queue[0][1] != origin:
                self._flush_adsb()  # one site frame per batch
            self._adsb_queue.append((reports, origin, replica))

    # -- filtering internals ------------------------------------------------------------------
    def _predicted(self, xs, Ps, mu, dt, memo: bool = True):
        """Mode states and covariances ``dt`` (K,) later, with predicted mode probabilities (IMM mixing).

        ``memo``: a common time step's mode-transition matrix is built once and kept (the scans' steps
        recur); off for time steps that do not recur (ADS-B reports), which take one matrix per track."""
        uniform = memo and dt.size > 0 and dt.min() == dt.max()  # every track at the last scan's time: the usual case
        if self.n_modes > 1:
            Pi = (
                self._mode_transition(float(dt[0]))
                if uniform
                else imm.transition_matrix(self.n_modes, self.config.imm_switch_rate, dt)
            )
            xs, Ps, mu = imm.mix(xs, Ps, mu, Pi)
        if self._filter is ukf:
            out_x, out_P = np.empty_like(xs), np.empty_like(Ps)
            for k, model in enumerate(self.models):  # the IMM's motion models
                out_x[:, k], out_P[:, k] = ukf.predict(model, xs[:, k], Ps[:, k], dt, self._ut)
            return out_x, out_P, mu
        # EKF: each model's states, transition matrices and process noise for every track (one compiled
        # loop per model), then F P F' + Q for every (track, mode) in one batch
        out_x, F, Q = np.empty_like(xs), np.empty_like(Ps), np.empty_like(Ps)
        dt3 = dt**3
        for k, model in enumerate(self.models):  # the IMM's motion models
            model.predict_into(xs[:, k], dt, dt3, out_x[:, k], F[:, k], Q[:, k])
        return out_x, ekf.propagate_covariance(F, Ps, Q), mu

    def _mode_transition(self, dt: float) -> np.ndarray:
        """IMM mode-transition matrix (1, M, M) for a common ``dt``, broadcast over tracks (memoised per dt value)."""
        Pi = self._transition_cache.get(dt)
        if Pi is None:
            if len(self._transition_cache) > 64:
                self._transition_cache.clear()
            Pi = self._transition_cache[dt] = imm.transition_matrix(
                self.n_modes, self.config.imm_switch_rate, np.array([dt])
            )
        return Pi

    def _predict_all(self, t: float) -> None:
        tab = self.table
        if tab.id.size:
            dt = np.maximum(t - tab.t_state, 0.0)
            tab.xs, tab.Ps, tab.mu = self._predicted(tab.xs, tab.Ps, tab.mu, dt)
            tab.t_state[:] = np.maximum(tab.t_state, t)

    def _measure(self, meas, xs, Ps, R):
        """Per-mode predicted measurements (K, M, m), innovation covariances and cross covariances.

        The EKF linearises every mode of every track at once: the (K, M) estimates are one batch of
        K*M (one call per scan instead of one per mode). ``R`` is one noise covariance (m, m) for every
        plot, or one per track (K, m, m), used for each of its modes."""
        K, M, n = xs.shape
        m = meas.dim
        if not (self._filter is ukf and isinstance(meas, PolarRadar)):
            Rk = R if R.ndim == 2 else np.repeat(R, M, axis=0)  # one R for all, or each track's for its modes
            z, S, C = ekf.predict_measurement(meas, xs.reshape(K * M, n), Ps.reshape(K * M, n, n), Rk)
            return z.reshape(K, M, m), S.reshape(K, M, m, m), C.reshape(K, M, n, m)
        zs, Ss, Cs = np.empty((K, M, m)), np.empty((K, M, m, m)), np.empty((K, M, n, m))
        for k in range(M):  # motion models
            zs[:, k], Ss[:, k], Cs[:, k] = ukf.predict_measurement(meas, xs[:, k], Ps[:, k], R, self._ut)
        return zs, Ss, Cs

    def _gnn_stage(self, sel, pairs, hit, used, increment, took) -> None:
        """Hard assignment of the gated pairs ``sel``: marks the tracks that got a plot in ``took`` (their
        Kalman update follows, for both stages at once) and the plots they used."""
        tab = self.table
        if not sel.any():
            return
        ti, dj, log_w = (a[sel] for a in pairs)
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

    def _update_modes(self, meas, idx, zi, zs, Ss, Cs) -> None:
        """Kalman update of every mode of tracks ``idx`` with one measurement each; IMM probabilities.

        All (track, mode) pairs are one batch of idx.size * M updates."""
        tab = self.table
        K, M, m = zs.shape
        n = self.dim
        nu = meas.residual(zi[:, None, :], zs).reshape(K * M, m)
        S = Ss.reshape(K * M, m, m)
        x, P = ekf.update(
            tab.xs[idx].reshape(K * M, n), tab.Ps[idx].reshape(K * M, n, n), nu, S, Cs.reshape(K * M, n, m)
        )
        tab.xs[idx], tab.Ps[idx] = x.reshape(K, M, n), P.reshape(K, M, n, n)
        if M > 1:
            S_inv, logdet = inverse_and_logdet(S)
            ll = log_gaussian(mahalanobis2(nu, S_inv), logdet, m).reshape(K, M)
            tab.mu[idx] = imm.update_probabilities(tab.mu[idx], ll)

    def _jpda_stage(self, meas, z, sel, pairs, zs, Ss, Cs, lam, hit, used, increment) -> None:
        """JPDA over the gated pairs ``sel``: marginal association probabilities and the PDA update.

        A track counts a hit when its probability of having a plot is at least 1/2 (its detection is
        then the likeliest plot); its score gains ln(1 - P_D P_G + sum_j w_j). A plot is not used to start
        a track if its association probabilities sum to 1/2 or more, or it lies in a confirmed gate."""
        tab = self.table
        ti, dj, log_w = (a[sel] for a in pairs)
        if ti.size == 0:
            return
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

    # -- ADS-B internals ----------------------------------------------------------------------
    def _flush_adsb(self) -> None:
        """Fuse the reports :meth:`queue_adsb` holds."""
        if self._adsb_queue:
            queued, self._adsb_queue = self._adsb_queue, []
            self._fuse_adsb(queued)

    def _fuse_adsb(self, batches: list[tuple[AdsbReports, Origin, int]]) -> list[AdsbUpdate]:
        """Fuse report batches (reports, origin, replication), in order within each replication; the
        outcome of each. The batches share one origin (one site frame).

        The r-th report (oldest first) of every aircraft of a batch is its round r; the rounds of a
        replication's batches run in order, and each step fuses one round of several replications at
        once (:meth:`_adsb_rounds`): the first batch of each replication, round by round, then the second..."""
        prepared = self._adsb_prepare(batches)
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
                self._adsb_rounds([(prepared[b][0][r], outcomes[b]) for b in members if r < len(prepared[b][0])])
        return [AdsbUpdate(o.used, o.keyed, o.unkeyed, o.n_unusable) for o in outcomes]

    def _adsb_prepare(self, batches: list[tuple[AdsbReports, Origin, int]]) -> list[tuple[list[_AdsbRound], int]]:
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

    def _adsb_rounds(self, rounds: list[tuple[_AdsbRound, _AdsbOutcome]]) -> None:
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
            tk, rk, nk = self._adsb_pairs(rnd, out.replica)
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
        xs, Ps, mu, zp, R_eff = self._adsb_predicted(
            ti,
            rj,
            t,
            cat([rnd.pos for rnd, _ in rounds]),
            cat([rnd.R for rnd, _ in rounds]),
            cat([rnd.vel for rnd, _ in rounds]),
        )
        zs, Ss, Cs = self._measure(_ADSB_MEASUREMENT, xs, Ps, R_eff)
        z_bar, S_bar = imm.combine_measurements(_ADSB_MEASUREMENT.residual, zs, Ss, mu)
        d2 = mahalanobis2(zp - z_bar, np.linalg.inv(S_bar))
        d2_list = d2.tolist()
        chosen: list[int] = []  # pairs that update their track
        new_keys: list[tuple[int, _AdsbRound, _AdsbOutcome, int]] = []  # (pair, round, outcome, report offset)
        ends = [*firsts[1:], n_pairs]
        for (rnd, out), first, end, nk, off in zip(rounds, firsts, ends, n_keyed, offsets, strict=True):
            held = [p for p in range(first, first + nk) if d2_list[p] <= self._adsb_keyed_gate]
            if len(held) < nk:  # keys that no longer hold (rare)
                for p in range(first, first + nk):
                    if not d2_list[p] <= self._adsb_keyed_gate:
                        out.unkeyed.append((int(tab.id[ti[p]]), rnd.icao[rj[p] - off]))
                        self._unkey(ti[p])
            chosen += held
            out.used += len(held)
            u = first + nk + np.flatnonzero(d2[first + nk : end] <= self._adsb_gate)
            if u.size:
                got = assign(n_tr, rnd.t.size, ti[u], rj[u] - off, d2[u], np.full(n_tr, self._adsb_gate))
                taken = u[got[ti[u]] == rj[u] - off].tolist()
                chosen += taken
                out.used += len(taken)
                new_keys += [(q, rnd, out, off) for q in taken]
        if not chosen:
            return
        p = slice(None) if len(chosen) == n_pairs else np.array(chosen)  # (usually every pair: no copies)
        k = ti[p]
        tab.xs[k], tab.Ps[k], tab.t_state[k] = xs[p], Ps[p], np.maximum(tab.t_state[k], t[rj[p]])
        if self.n_modes > 1:
            tab.mu[k] = mu[p]
        self._update_modes(_ADSB_MEASUREMENT, k, zp[p], zs[p], Ss[p], Cs[p])
        tab.adsb_updates[k] += 1
        for q, rnd, out, off in new_keys:  # newly keyed aircraft (a few per night)
            i, a = ti[q], rnd.icao[rj[q] - off]
            uid = int(tab.uid[i])
            tab.icao24[i] = a
            self.icao_of[uid] = a
            self._track_of[(out.replica, a)] = uid
            out.keyed.append((int(tab.id[i]), a))

    def _adsb_pairs(self, rnd: _AdsbRound, replica: int) -> tuple[np.ndarray, np.ndarray, int]:
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
        if self.replications == 1:
            ti = np.searchsorted(tab.uid, keyed)
        else:  # rows are grouped by replication, uids increasing within each
            lo, hi = np.searchsorted(tab.replica, [replica, replica + 1]).tolist()
            ti = lo + np.searchsorted(tab.uid[lo:hi], keyed)
        rj = np.array(kr, dtype=np.intp)
        if not rep:
            return ti, rj, len(kr)
        # candidate pairs of the others with confirmed, unkeyed tracks
        free = (tab.status != _TENTATIVE) & (tab.icao24 == "")
        if self.replications > 1:
            free &= tab.replica == replica
        cand = np.flatnonzero(free)
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
        radius = np.sqrt(self._adsb_gate * var) * 1.05 + speed * spread + 1.0
        a, b = candidate_pairs(ref, radius, rnd.pos[rep_a])
        return np.concatenate([ti, cand[a]]), np.concatenate([rj, rep_a[b]]), len(kr)

    def _adsb_predicted(self, ti, rj, t, pos, R, vel):
        """Per pair: the track predicted to the report time (or the report extrapolated to the track's)."""
        tab = self.table
        t_meas = t[rj]
        t_track = tab.t_state[ti]
        t_eff = np.maximum(t_meas, t_track)
        age = t_eff - t_meas
        zp = pos[rj] + vel[rj] * age[:, None]
        R_eff = R[rj] + _EYE3 * (self.config.adsb_velocity_sigma_mps * age)[:, None, None] ** 2
        # each pair has a time step of its own (a report's time): nothing to memoise per time step
        xs, Ps, mu = self._predicted(tab.xs[ti], tab.Ps[ti], tab.mu[ti], t_eff - t_track, memo=False)
        return xs, Ps, mu, zp, R_eff

    def _unkey(self, i: int) -> None:
        tab = self.table
        uid, key = int(tab.uid[i]), int(tab.replica[i])
        a = self.icao_of.pop(uid, None)
        if a is not None and self._track_of.get((key, a)) == uid:
            del self._track_of[(key, a)]
        tab.icao24[i] = ""

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

    def _keep(self, keep: np.ndarray) -> None:
        tab = self.table
        for i in np.flatnonzero(~keep & (tab.icao24 != "")):  # deleted tracks keyed to ADS-B (few)
            self._unkey(i)
        tab.keep(keep)

    def _initiate(
        self, det: Detections, new: np.ndarray, radar: RadarSite, det_pos: np.ndarray, rate: bool, reps: np.ndarray
    ) -> list[int]:
        """Tentative tracks on plots ``new`` (of replications ``reps``); returns their uids."""
        cfg = self.config
        rt = radar.type
        k = new.size
        n, M = self.dim, self.n_modes
        x = np.zeros((k, n))
        x[:, :3] = det_pos[new]
        P = np.zeros((k, n, n))
        P[:, :3, :3] = polar_to_cartesian_cov(
            det.range[new],
            det.azimuth[new],
            det.elevation[new],
            rt.sigma_range_m,
            rt.sigma_azimuth_rad,
            rt.sigma_elevation_rad,
        )
        v_var = (cfg.max_initial_speed / 2.0) ** 2
        P[:, 3:6, 3:6] = np.eye(3) * v_var
        if rate:
            # Doppler gives the radial component of velocity at once
            los = (det_pos[new] - radar.position) / det.range[new][:, None]
            x[:, 3:6] = los * det.range_rate[new][:, None]
            radial = np.einsum("ni,nj->nij", los, los)
            P[:, 3:6, 3:6] = v_var * (np.eye(3) - radial) + rt.sigma_range_rate_mps**2 * radial
        if n == 9:
            P[:, 6:9, 6:9] = np.eye(3) * cfg.initial_accel_sigma**2
        elif n == 7:
            P[:, 6, 6] = cfg.initial_turn_sigma**2
        xs = np.repeat(x[:, None], M, axis=1)
        Ps = np.repeat(P[:, None], M, axis=1)
        mu = np.ones((k, M))
        if M > 1:
            mu[:] = (1.0 - cfg.imm_initial_cv) / (M - 1)
            mu[:, 0] = cfg.imm_initial_cv
            if cfg.imm_ballistic and rate:
                # a plot closing or opening faster than aircraft near the ground fly is most likely a
                # munition: start its track in the free-flight mode
                fast = np.abs(det.range_rate[new]) > cfg.ballistic_initial_speed
                mu[fast] = (1.0 - cfg.imm_initial_cv) / (M - 1)
                mu[fast, M - 1] = cfg.imm_initial_cv
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
        add = TrackTable(
            id=ids,
            uid=uids,
            replica=reps.astype(np.int64),
            xs=xs,
            Ps=Ps,
            mu=mu,
            t_state=np.full(k, det.t),
            status=np.full(k, TrackStatus.TENTATIVE, dtype=np.int8),
            history=np.ones(k, dtype=np.int64),
            scans=np.ones(k, dtype=np.int64),
            updates=np.ones(k, dtype=np.int64),
            misses=np.zeros(k, dtype=np.int64),
            last_update=np.full(k, det.t),
            log_rcs_sum=np.log(np.maximum(rcs, 1e-6)),
            detection=new.astype(np.intp),
            score=np.full(k, np.log(cfg.new_target_ratio)),
            score_max=np.full(k, np.log(cfg.new_target_ratio)),
            adsb_updates=np.zeros(k, dtype=np.int64),
            icao24=np.full(k, "", dtype="<U6"),
        )
        self.table.append(add)
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
_TENTATIVE = int(TrackStatus.TENTATIVE)  # (an enum attribute look-up costs microseconds)
_ADSB_MEASUREMENT = CartesianPosition()
_EYE3 = np.eye(3)


def _concatenate_reports(reports: list[AdsbReports]) -> AdsbReports:
    """Report batches as one, in order."""
    return AdsbReports(*(np.concatenate([getattr(r, f.name) for r in reports]) for f in fields(AdsbReports)))


def _first_or_concatenate(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays concatenated (the only one as it is: most fusion steps are one replication's)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


_REPLICA_APART_M = 1e9  # [m] gating distance between replications: farther than any gate
