"""The multi-target tracker: CV-EKF in ENU, chi-square gating, cluster GNN, M-of-N management.

One :meth:`Tracker.step` per radar scan: predict every track to the scan time, gate and associate
the scan's plots, update associated tracks, count misses, confirm (M of the first N scans) or
delete (tentative tracks that fail M-of-N, confirmed tracks after ``max_misses`` consecutive misses
inside the radar's coverage, or a position uncertainty beyond ``max_position_sigma_m``), and start
tentative tracks on the plots no track took. Everything is a batched array operation; the only
Python loops run over multi-track clusters in association and over the few new or deleted tracks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bastion.scenario.compiled import RadarSite
from bastion.sense.types import Detections
from bastion.track import ekf
from bastion.track.gating import candidate_pairs, chi2_gate, mahalanobis2
from bastion.track.gnn import assign
from bastion.track.measurements import (
    innovation,
    polar_noise,
    polar_predict,
    polar_to_cartesian,
    polar_to_cartesian_cov,
)
from bastion.track.models import cv_predict
from bastion.track.types import TrackChanges, Tracks, TrackStatus


@dataclass(frozen=True)
class TrackerConfig:
    """Tracker parameters (defaults suit small drones and airliners seen by a C-RAM radar)."""

    q: float = 8.0  # CV process-noise spectral density [m^2/s^3]
    gate_probability: float = 0.9995  # chi-square gate
    confirm_m: int = 3  # confirm after M hits ...
    confirm_n: int = 4  # ... within the first N scans
    max_misses: int = 4  # delete a confirmed track after this many consecutive misses
    max_initial_speed: float = 120.0  # [m/s] 1-sigma*2 of the unknown velocity of a new track
    max_position_sigma_m: float = 1_000.0  # delete a track whose position sigma exceeds this
    use_range_rate: bool = True  # use Doppler when the radar measures it


class Tracker:
    """Tracks targets from the plots of one or several radars (``radars`` as in the site)."""

    def __init__(self, radars: Sequence[RadarSite], config: TrackerConfig | None = None) -> None:
        self.radars = list(radars)
        self.config = config or TrackerConfig()
        self._next_id = 1
        self.t = 0.0
        self.id = np.zeros(0, dtype=np.int64)
        self.x = np.zeros((0, 6))
        self.P = np.zeros((0, 6, 6))
        self.t_state = np.zeros(0)
        self.status = np.zeros(0, dtype=np.int8)
        self.history = np.zeros(0, dtype=np.int64)  # hit bits of the first scans (bit k: scan k)
        self.scans = np.zeros(0, dtype=np.int64)  # scans since initiation (in coverage)
        self.updates = np.zeros(0, dtype=np.int64)
        self.misses = np.zeros(0, dtype=np.int64)
        self.last_update = np.zeros(0)
        self.log_rcs_sum = np.zeros(0)
        self.detection = np.zeros(0, dtype=np.intp)

    # -- public -----------------------------------------------------------------------------
    def step(self, det: Detections) -> tuple[Tracks, TrackChanges]:
        """Process one scan of plots; return the track picture and the management decisions."""
        cfg = self.config
        radar = self.radars[det.sensor]
        rt = radar.type
        changes = TrackChanges()
        self._predict(det.t)
        with_rate = cfg.use_range_rate and np.isfinite(rt.sigma_range_rate_mps)
        sig = [rt.sigma_range_m, rt.sigma_azimuth_rad, rt.sigma_elevation_rad]
        if with_rate:
            sig.append(rt.sigma_range_rate_mps)
        m = len(sig)
        z = np.stack([det.range, det.azimuth, det.elevation] + ([det.range_rate] if with_rate else []), axis=1)
        n_tr = self.id.size
        self.detection = np.full(n_tr, -1, dtype=np.intp)

        # predicted measurements and gates
        z_pred, H = polar_predict(self.x, radar.position, with_rate)
        R_t = polar_noise(sig, n_tr)
        S = ekf.innovation_covariance(self.P, H, R_t)
        gate = chi2_gate(cfg.gate_probability, m)
        det_pos = polar_to_cartesian(det.range, det.azimuth, det.elevation, radar.position)
        meas_sigma = np.maximum(rt.sigma_range_m, z_pred[:, 0] * max(rt.sigma_azimuth_rad, rt.sigma_elevation_rad))
        pos_var = np.trace(self.P[:, :3, :3], axis1=1, axis2=2)
        radius = np.sqrt(gate) * np.sqrt(pos_var + meas_sigma**2) + 1.0
        ti, dj = candidate_pairs(self.x[:, :3], radius, det_pos)
        assigned = np.full(n_tr, -1, dtype=np.intp)
        if ti.size:
            nu = innovation(z[dj], z_pred[ti])
            d2, logdet = mahalanobis2(nu, S[ti])
            ok = d2 <= gate
            ti, dj, cost = ti[ok], dj[ok], (d2 + logdet)[ok]
            _, logdet_t = mahalanobis2(np.zeros((n_tr, m)), S) if n_tr else (None, np.zeros(0))
            assigned = assign(n_tr, len(det), ti, dj, cost, gate + logdet_t)

        # update associated tracks
        hit = assigned >= 0
        if hit.any():
            idx = np.flatnonzero(hit)
            nu = innovation(z[assigned[idx]], z_pred[idx])
            self.x[idx], self.P[idx] = ekf.update(self.x[idx], self.P[idx], nu, H[idx], R_t[idx])
            self.detection[idx] = assigned[idx]
            self.updates[idx] += 1
            self.last_update[idx] = det.t
            self.log_rcs_sum[idx] += np.log(np.maximum(det.rcs[assigned[idx]], 1e-6))
        in_cover = self._in_coverage(radar, z_pred)
        counted = in_cover | hit
        bit = np.left_shift(np.int64(1), np.minimum(self.scans, 62))
        self.history = np.where(hit & (self.scans < cfg.confirm_n), self.history | bit, self.history)
        self.scans = self.scans + counted
        self.misses = np.where(hit, 0, self.misses + (counted & ~hit))

        # management
        tentative = self.status == TrackStatus.TENTATIVE
        hits_early = _popcount(self.history)
        confirm = tentative & (hits_early >= cfg.confirm_m)
        self.status[confirm] = TrackStatus.CONFIRMED
        changes.confirmed.extend(int(i) for i in self.id[confirm])
        fail = tentative & ~confirm & ((self.scans - hits_early) > (cfg.confirm_n - cfg.confirm_m))
        confirmed = ~tentative
        self.status[confirmed & hit] = TrackStatus.CONFIRMED
        self.status[confirmed & ~hit] = TrackStatus.COASTING
        lost = confirmed & (self.misses >= cfg.max_misses)
        sigma = np.sqrt(np.max(np.diagonal(self.P[:, :3, :3], axis1=1, axis2=2), axis=1)) if n_tr else np.zeros(0)
        diverged = sigma > cfg.max_position_sigma_m
        below = self.x[:, 2] < -50.0
        drop = fail | lost | diverged | below
        if drop.any():
            for i in np.flatnonzero(drop):
                reason = (
                    "not confirmed" if fail[i] else "lost" if lost[i] else "diverged" if diverged[i] else "below ground"
                )
                changes.deleted.append((int(self.id[i]), reason))
            self._keep(~drop)

        # new tentative tracks on unused plots
        used = np.zeros(len(det), dtype=bool)
        used[self.detection[self.detection >= 0]] = True
        new = np.flatnonzero(~used)
        if new.size:
            changes.initiated.extend(self._initiate(det, new, radar, det_pos, with_rate))
        self.t = det.t
        return self.snapshot(), changes

    def snapshot(self) -> Tracks:
        rcs = np.exp(self.log_rcs_sum / np.maximum(self.updates, 1))
        return Tracks(
            t=self.t,
            id=self.id.copy(),
            x=self.x.copy(),
            P=self.P.copy(),
            status=self.status.copy(),
            updates=self.updates.copy(),
            misses=self.misses.copy(),
            last_update=self.last_update.copy(),
            rcs=rcs,
            detection=self.detection.copy(),
        )

    # -- internals --------------------------------------------------------------------------
    def _predict(self, t: float) -> None:
        if self.id.size:
            dt = np.maximum(t - self.t_state, 0.0)
            self.x, self.P = cv_predict(self.x, self.P, dt, self.config.q)
            self.t_state[:] = t

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
        for name in (
            "id",
            "x",
            "P",
            "t_state",
            "status",
            "history",
            "scans",
            "updates",
            "misses",
            "last_update",
            "log_rcs_sum",
            "detection",
        ):
            setattr(self, name, getattr(self, name)[keep])

    def _initiate(
        self, det: Detections, new: np.ndarray, radar: RadarSite, det_pos: np.ndarray, with_rate: bool
    ) -> list[int]:
        rt = radar.type
        k = new.size
        x = np.zeros((k, 6))
        x[:, :3] = det_pos[new]
        P = np.zeros((k, 6, 6))
        P[:, :3, :3] = polar_to_cartesian_cov(
            det.range[new],
            det.azimuth[new],
            det.elevation[new],
            rt.sigma_range_m,
            rt.sigma_azimuth_rad,
            rt.sigma_elevation_rad,
        )
        v_var = (self.config.max_initial_speed / 2.0) ** 2
        P[:, 3:, 3:] = np.eye(3) * v_var
        if with_rate:
            # Doppler gives the radial component of velocity at once
            los = (det_pos[new] - radar.position) / det.range[new][:, None]
            x[:, 3:] = los * det.range_rate[new][:, None]
            radial = np.einsum("ni,nj->nij", los, los)
            P[:, 3:, 3:] = v_var * (np.eye(3) - radial) + rt.sigma_range_rate_mps**2 * radial
        ids = np.arange(self._next_id, self._next_id + k, dtype=np.int64)
        self._next_id += k
        self.id = np.concatenate([self.id, ids])
        self.x = np.concatenate([self.x, x])
        self.P = np.concatenate([self.P, P])
        self.t_state = np.concatenate([self.t_state, np.full(k, det.t)])
        self.status = np.concatenate([self.status, np.full(k, TrackStatus.TENTATIVE, dtype=np.int8)])
        self.history = np.concatenate([self.history, np.ones(k, dtype=np.int64)])
        self.scans = np.concatenate([self.scans, np.ones(k, dtype=np.int64)])
        self.updates = np.concatenate([self.updates, np.ones(k, dtype=np.int64)])
        self.misses = np.concatenate([self.misses, np.zeros(k, dtype=np.int64)])
        self.last_update = np.concatenate([self.last_update, np.full(k, det.t)])
        self.log_rcs_sum = np.concatenate([self.log_rcs_sum, np.log(np.maximum(det.rcs[new], 1e-6))])
        self.detection = np.concatenate([self.detection, new.astype(np.intp)])
        return [int(i) for i in ids]


def _popcount(v: np.ndarray) -> np.ndarray:
    """Number of set bits of non-negative int64 values."""
    return np.bitwise_count(v.astype(np.uint64)).astype(np.int64)
