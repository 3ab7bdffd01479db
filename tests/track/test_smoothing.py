"""Fixed-lag RTS smoothing of the track file (bastion.track.smoothing), checked against a batch
least-squares solution, against the one-track fixed-interval smoother, and against Stone Soup's GOSPA."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bastion.track import testbed as tb
from bastion.track.metrics import score_sequence
from bastion.track.smoothing import TrackHistory, cv_transition, fixed_lag_report, rts_smooth

Q = 4.0  # [m^2/s^3]
R = np.diag([25.0, 25.0, 25.0])  # position measurement noise [m^2]
H = np.hstack([np.eye(3), np.zeros((3, 3))])


def kalman(times, z, m0, P0, q=Q):
    """A plain linear Kalman filter (position measurements; NaN rows: a miss): filtered moments."""
    x, P = m0.copy(), P0.copy()
    xs, Ps = [], []
    for k in range(len(times)):
        if k:
            F, Qk = cv_transition(times[k] - times[k - 1], q)
            x, P = F @ x, F @ P @ F.T + Qk
        if np.isfinite(z[k]).all():
            S = H @ P @ H.T + R
            K = P @ H.T @ np.linalg.inv(S)
            x = x + K @ (z[k] - H @ x)
            P = (np.eye(6) - K @ H) @ P
        xs.append(x)
        Ps.append(P)
    return np.array(xs), np.array(Ps)


def batch_least_squares(times, z, m0, P0, q=Q):
    """The smoothed means as one weighted least-squares problem over every state at once (the MAP
    estimate of the linear Gaussian model; Bierman 1977): prior, dynamics and measurement residuals
    whitened and stacked, solved by numpy's lstsq."""
    K = len(times)
    rows, rhs = [], []

    def add(block_cols, rhs_vec, cov):
        W = np.linalg.cholesky(np.linalg.inv(cov)).T  # W' W = cov^-1
        row = np.zeros((W.shape[0], 6 * K))
        for col, mat in block_cols:
            row[:, 6 * col : 6 * col + 6] = W @ mat
        rows.append(row)
        rhs.append(W @ rhs_vec)

    add([(0, np.eye(6))], m0, P0)
    for k in range(1, K):
        F, Qk = cv_transition(times[k] - times[k - 1], q)
        add([(k, np.eye(6)), (k - 1, -F)], np.zeros(6), Qk)
    for k in range(K):
        if np.isfinite(z[k]).all():
            add([(k, H)], z[k], R)
    sol, *_ = np.linalg.lstsq(np.vstack(rows), np.concatenate(rhs), rcond=None)
    return sol.reshape(K, 6)


def simulate(seed, K=25):
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.uniform(0.5, 1.5, K))
    x = np.array([1000.0, -500.0, 300.0, 30.0, 10.0, -2.0])
    truth = []
    for k in range(K):
        if k:
            F, Qk = cv_transition(times[k] - times[k - 1], Q)
            x = F @ x + rng.multivariate_normal(np.zeros(6), Qk)
        truth.append(x)
    z = np.array(truth)[:, :3] + rng.normal(0.0, 5.0, (K, 3))
    z[rng.random(K) < 0.15] = np.nan  # misses
    z[0] = np.array(truth)[0, :3] + rng.normal(0.0, 5.0, 3)
    m0 = np.r_[z[0], 0.0, 0.0, 0.0]
    P0 = np.diag([25.0, 25.0, 25.0, 60.0**2, 60.0**2, 60.0**2])
    return times, z, m0, P0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rts_smoother_equals_batch_least_squares(seed):
    times, z, m0, P0 = simulate(seed)
    xf, Pf = kalman(times, z, m0, P0)
    xs, Ps = rts_smooth(times, xf, Pf, Q)
    ref = batch_least_squares(times, z, m0, P0)
    np.testing.assert_allclose(xs, ref, rtol=0, atol=1e-6 * np.abs(ref).max())
    # and smoothing helps: the smoothed covariance is below the filtered one (trace) except at the end
    assert (np.trace(Ps[:-1], axis1=1, axis2=2) < np.trace(Pf[:-1], axis1=1, axis2=2)).all()


def history(tracks, times, confirm_at, hit_masks):
    """A TrackHistory from per-track filtered sequences (first scan, x, P)."""
    scan, uid, x, P, hit, misses, confirmed = [], [], [], [], [], [], []
    for u, ((first, xf, Pf), c, h) in enumerate(zip(tracks, confirm_at, hit_masks, strict=True)):
        n = len(xf)
        ks = first + np.arange(n)
        scan.append(ks)
        uid.append(np.full(n, u + 1))
        x.append(xf)
        P.append(Pf)
        hit.append(h)
        m = np.zeros(n, dtype=np.int64)
        for j in range(1, n):
            m[j] = 0 if h[j] else m[j - 1] + 1
        misses.append(m)
        confirmed.append(ks >= c)
    cat = np.concatenate
    return TrackHistory(times, cat(scan), cat(uid), cat(x), cat(P), cat(hit), cat(misses), cat(confirmed))


@pytest.mark.parametrize("lag", [1, 3, 7, 100])
def test_fixed_lag_rows_equal_the_fixed_interval_smoother_up_to_their_horizon(lag):
    times, z, m0, P0 = simulate(4, K=30)
    xf, Pf = kalman(times, z, m0, P0)
    xf2, Pf2 = kalman(times[5:22], z[5:22] + 40.0, np.r_[z[5] + 40.0, 0, 0, 0], P0)
    hits = [np.isfinite(z).all(axis=1), np.isfinite(z[5:22]).all(axis=1)]
    hits[1][0] = True
    hist = history([(0, xf, Pf), (5, xf2, Pf2)], times, [2, 8], hits)
    rep = fixed_lag_report(hist, lag, Q)
    for u, (first, x, P) in enumerate([(0, xf, Pf), (5, xf2, Pf2)]):
        mine = rep.uid == u + 1
        for t, state in zip(rep.time[mine], rep.state[mine], strict=True):
            k = int(np.flatnonzero(times == t)[0])
            h = min(k + lag, first + len(x) - 1)
            ref, _ = rts_smooth(times[first : h + 1], x[: h + 1 - first], P[: h + 1 - first], Q)
            np.testing.assert_allclose(state, ref[k - first], atol=1e-6)


def test_back_filling_and_trimming():
    times = np.arange(12.0)
    n = 10  # a track from scan 0 to 9, confirmed at scan 2; plots at 0..6, then three misses
    x = np.zeros((n, 6))
    x[:, 0] = 30.0 * np.arange(n)
    P = np.broadcast_to(np.eye(6) * 100.0, (n, 6, 6)).copy()
    hit = np.arange(n) <= 6
    hist = history([(0, x, P)], times, [2], [hit])
    live = fixed_lag_report(hist, 0, Q)
    assert live.time.tolist() == [2, 3, 4, 5, 6, 7, 8]  # confirmed, missed at most twice
    one = fixed_lag_report(hist, 1, Q)
    assert one.time.tolist() == [1, 2, 3, 4, 5, 6, 7, 8]  # scan 1 known confirmed at scan 2
    # lag 3: from the first plot; after the last plot at 6 no other came within 3 scans: trimmed
    assert fixed_lag_report(hist, 3, Q).time.tolist() == [0, 1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="lag"):
        fixed_lag_report(hist, -1, Q)


def test_unconfirmed_tracks_are_never_reported():
    times = np.arange(5.0)
    x = np.zeros((3, 6))
    P = np.broadcast_to(np.eye(6), (3, 6, 6)).copy()
    hist = history([(0, x, P)], times, [99], [np.ones(3, bool)])
    for lag in (0, 2, 10):
        assert fixed_lag_report(hist, lag, Q).time.size == 0


# Stone Soup 1.9.1 (CV q = 8, EKF, Mahalanobis-gated GNN, MultiMeasurementInitiator min_points 3,
# UpdateTimeStepsDeleter(4); benchmarks/tracking.py run_stonesoup) on make_scenario.py --targets 10
# --seed 1 --duration 60 (clutter 5/scan): mean GOSPA 234.0 (localisation 213.1, missed 20.0, false 0.8),
# measured 2026-12-07.
STONE_SOUP_N10_S1 = 234.0


def test_default_track_file_beats_stone_soup_by_5_percent(shared, tmp_path):
    from typer.testing import CliRunner

    from bastion.cli.main import app

    gen = shared / "bench" / "tracking" / "make_scenario.py"
    d = tmp_path / "s"
    cmd = [sys.executable, str(gen), "--targets", "10", "--seed", "1", "--duration", "60", "--out", str(d)]
    subprocess.run(cmd, check=True, capture_output=True)
    out = tmp_path / "tracks.csv"
    res = CliRunner().invoke(
        app, ["track", str(d / "detections.csv"), "--meta", str(d / "meta.json"), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    truth = tb.read_positions(Path(d) / "truth.csv", "target_id")
    ours = score_sequence(truth, tb.read_positions(out, "track_id")).summary()
    assert ours["gospa"] < 0.95 * STONE_SOUP_N10_S1
    # the live picture (lag 0) is Stone Soup's algorithm: the same figure to round-off
    live = tb.run_tracker(
        tb.read_detections(d / "detections.csv"),
        tb.read_meta(d / "meta.json"),
        tb.testbed_config(tb.read_meta(d / "meta.json")),
    )
    got = {t: (i, p) for t, i, p in _by_time(live)}
    assert score_sequence(truth, got).summary()["gospa"] == pytest.approx(STONE_SOUP_N10_S1, abs=0.1)


def _by_time(run):
    for t in np.unique(run.time):
        m = run.time == t
        yield round(float(t), 3), run.track_id[m], run.state[m, :3]
