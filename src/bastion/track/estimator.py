"""The tracker's state estimator: motion models, EKF or UKF, and IMM mixing, batched over tracks.

What the radar scans and the ADS-B fusion share: predicting tracks (:meth:`Estimator.predicted`), the
predicted measurements of every (track, mode) pair (:meth:`Estimator.measure`) and the Kalman update of
every mode of tracks given one measurement each (:meth:`Estimator.update_modes`). A single-model filter
is an IMM of one mode (M = 1) whose mode probability stays 1. With an EKF the (track, mode) pairs are
one batch of K*M; the only Python loops run over the motion models (up to three: CV, coordinated turn,
free flight).
"""

from __future__ import annotations

import numpy as np

from bastion.track import ekf, imm, ukf
from bastion.track.config import TrackerConfig
from bastion.track.gating import inverse_and_logdet, log_gaussian, mahalanobis2
from bastion.track.measurements import PolarRadar
from bastion.track.models import ConstantAcceleration, ConstantVelocity, CoordinatedTurn, FreeFall
from bastion.track.table import TrackTable


class Estimator:
    """The motion models and filter a :class:`TrackerConfig` chooses, applied to arrays of tracks."""

    def __init__(self, cfg: TrackerConfig) -> None:
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
        self._switch_rate = cfg.imm_switch_rate
        self.n_modes = len(self.models)
        self.dim = self.models[0].dim
        self._transition_cache: dict[float, np.ndarray] = {}

    def predicted(self, xs, Ps, mu, dt, memo: bool = True):
        """Mode states and covariances ``dt`` (K,) later, with predicted mode probabilities (IMM mixing).

        ``memo``: a common time step's mode-transition matrix is built once and kept (the scans' steps
        recur); off for time steps that do not recur (ADS-B reports), which take one matrix per track."""
        uniform = memo and dt.size > 0 and dt.min() == dt.max()  # every track at the last scan's time: the usual case
        if self.n_modes > 1:
            Pi = (
                self._mode_transition(float(dt[0]))
                if uniform
                else imm.transition_matrix(self.n_modes, self._switch_rate, dt)
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
            Pi = self._transition_cache[dt] = imm.transition_matrix(self.n_modes, self._switch_rate, np.array([dt]))
        return Pi

    def predict_to(self, table: TrackTable, t: float) -> None:
        """Predict every track of ``table`` to time ``t`` [s] (a track already later stays as it is)."""
        if len(table):
            dt = np.maximum(t - table.t_state, 0.0)
            table.xs, table.Ps, table.mu = self.predicted(table.xs, table.Ps, table.mu, dt)
            table.t_state[:] = np.maximum(table.t_state, t)

    def measure(self, meas, xs, Ps, R):
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

    def update_modes(self, table: TrackTable, meas, idx, zi, zs, Ss, Cs) -> None:
        """Kalman update of every mode of the tracks ``idx`` of ``table`` with one measurement each
        (``zi``, given their predicted measurements ``zs``, ``Ss``, ``Cs``); IMM probabilities.

        All (track, mode) pairs are one batch of idx.size * M updates."""
        K, M, m = zs.shape
        n = self.dim
        nu = meas.residual(zi[:, None, :], zs).reshape(K * M, m)
        S = Ss.reshape(K * M, m, m)
        x, P = ekf.update(
            table.xs[idx].reshape(K * M, n), table.Ps[idx].reshape(K * M, n, n), nu, S, Cs.reshape(K * M, n, m)
        )
        table.xs[idx], table.Ps[idx] = x.reshape(K, M, n), P.reshape(K, M, n, n)
        if M > 1:
            S_inv, logdet = inverse_and_logdet(S)
            ll = log_gaussian(mahalanobis2(nu, S_inv), logdet, m).reshape(K, M)
            table.mu[idx] = imm.update_probabilities(table.mu[idx], ll)
