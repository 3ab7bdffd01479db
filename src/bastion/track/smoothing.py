"""Fixed-lag Rauch-Tung-Striebel smoothing of confirmed tracks for a track file, batched over tracks.

A tracker's output written with a latency of ``lag`` scans (the testbed's ``tracks.csv``, a replay, a
picture for analysts) can use the plots of the next ``lag`` scans for every row it reports. Three things
follow, each of which lowers GOSPA (p = 1, c = 100 m, alpha = 2) for a different reason:

* **Smoothing** (localisation): the row at scan k is the estimate of x_k given the plots up to scan
  h = min(k + lag, last scan of the track), by the Rauch-Tung-Striebel backward recursion

      P_{j+1|j} = F P_{j|j} F' + Q,   G_j = P_{j|j} F' P_{j+1|j}^-1,
      x_{j|h} = x_{j|j} + G_j (x_{j+1|h} - F x_{j|j}),   P_{j|h} = P_{j|j} + G_j (P_{j+1|h} - P_{j+1|j}) G_j'

  from j = h - 1 down to k (H. E. Rauch, F. Tung and C. T. Striebel, "Maximum likelihood estimates of
  linear dynamic systems", AIAA J. 3(8), 1965; BLK §8.6, the fixed-lag form §8.7). F and Q are those of
  the tracker's constant-velocity model (BLK §6.2.2), with the filtered moments of an EKF (extended RTS:
  the EKF's linearisation is kept) or the combined moments of an IMM (then an approximation).
* **Back-filling** (missed): a track confirmed by scan k + lag is reported from its first plot, not
  only from its confirmation — the target was there while the track was tentative.
* **Trimming** (false): a track that gets no further plot before it is deleted, within the lag, is not
  reported after its last plot (the target has left; the coasting track is where it is not).

With ``lag = 0`` the rows are those of the live picture (confirmed tracks missed at most
``report_max_misses`` scans in a row), unchanged. Every step is one batched numpy call over the tracks
alive at a scan; the Python loops run over scans and lag steps, not tracks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TrackHistory:
    """Every track's filtered state at every scan it was alive: one row per (scan, track).

    ``scan`` indexes ``times``; ``x`` (R, 6) and ``P`` (R, 6, 6) are the filtered (or, after a miss,
    predicted) moments; ``hit``: the track took a plot at that scan; ``misses``: consecutive misses
    after it; ``confirmed``: the track was confirmed (or coasting) after that scan."""

    times: np.ndarray  # (K,) [s]
    scan: np.ndarray  # (R,) int
    uid: np.ndarray  # (R,) int
    x: np.ndarray  # (R, 6)
    P: np.ndarray  # (R, 6, 6)
    hit: np.ndarray  # (R,) bool
    misses: np.ndarray  # (R,) int
    confirmed: np.ndarray  # (R,) bool


def cv_transition(dt: float, q: float) -> tuple[np.ndarray, np.ndarray]:
    """F and Q (6 x 6) of the constant-velocity model over ``dt`` [s] with white-acceleration density
    ``q`` [m^2/s^3] per axis (BLK eq. 6.2.2-12), state (e, n, u, ve, vn, vu)."""
    eye = np.eye(3)
    F = np.block([[eye, dt * eye], [np.zeros((3, 3)), eye]])
    Q = q * np.block([[dt**3 / 3.0 * eye, dt**2 / 2.0 * eye], [dt**2 / 2.0 * eye, dt * eye]])
    return F, Q


def rts_step(x_f, P_f, x_s_next, P_s_next, F, Q):
    """One batched RTS backward step: smoothed moments at j from the filtered ones at j and the
    smoothed ones at j + 1 (arrays (N, 6), (N, 6, 6); F, Q (6, 6) shared)."""
    P_pred = F @ P_f @ F.T + Q
    # G = P_f F' P_pred^-1, solved as P_pred G' = F P_f (P_pred and P_f symmetric)
    G = np.swapaxes(np.linalg.solve(P_pred, F @ P_f), 1, 2)
    x_pred = x_f @ F.T
    x_s = x_f + np.einsum("nij,nj->ni", G, x_s_next - x_pred)
    P_s = P_f + G @ (P_s_next - P_pred) @ np.swapaxes(G, 1, 2)
    return x_s, 0.5 * (P_s + np.swapaxes(P_s, 1, 2))


def rts_smooth(times: np.ndarray, x: np.ndarray, P: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """Fixed-interval RTS smoothing of one track's filtered moments x (K, 6), P (K, 6, 6) at ``times``."""
    xs, Ps = x.copy(), P.copy()
    for j in range(len(times) - 2, -1, -1):
        F, Q = cv_transition(float(times[j + 1] - times[j]), q)
        a, b = rts_step(x[j : j + 1], P[j : j + 1], xs[j + 1 : j + 2], Ps[j + 1 : j + 2], F, Q)
        xs[j], Ps[j] = a[0], b[0]
    return xs, Ps


@dataclass(frozen=True)
class Report:
    """Rows to write: scan time, track uid and (smoothed) state (e, n, u, ve, vn, vu)."""

    time: np.ndarray
    uid: np.ndarray
    state: np.ndarray


def fixed_lag_report(hist: TrackHistory, lag: int, q: float, report_max_misses: int = 2) -> Report:
    """The rows a track file written ``lag`` scans late reports (module docstring): smoothed, back-filled
    to each confirmed track's first plot and trimmed after its last."""
    if lag < 0:
        raise ValueError(f"fixed_lag_report: lag {lag} is negative")
    K = hist.times.size
    if lag == 0 or hist.scan.size == 0:
        keep = hist.confirmed & (hist.misses <= report_max_misses)
        return Report(hist.times[hist.scan[keep]], hist.uid[keep], hist.x[keep])
    # scan at which each ever-confirmed track was first confirmed
    conf_uid = np.unique(hist.uid[hist.confirmed])
    sel = np.isin(hist.uid, conf_uid)
    scan, uid = hist.scan[sel], hist.uid[sel]
    u = np.searchsorted(conf_uid, uid)
    U = conf_uid.size
    present = np.zeros((U, K), dtype=bool)
    present[u, scan] = True
    X = np.zeros((U, K, 6))
    X[u, scan] = hist.x[sel]
    P = np.broadcast_to(np.eye(6), (U, K, 6, 6)).copy()
    P[u, scan] = hist.P[sel]
    hit = np.zeros((U, K), dtype=bool)
    hit[u, scan] = hist.hit[sel]
    misses = np.zeros((U, K), dtype=np.int64)
    misses[u, scan] = hist.misses[sel]
    conf_scan = np.full(U, K, dtype=np.int64)
    np.minimum.at(conf_scan, u[hist.confirmed[sel]], scan[hist.confirmed[sel]])
    last = K - 1 - np.argmax(present[:, ::-1], axis=1)

    ks = np.arange(K)
    h_data = np.minimum(ks + lag, K - 1)  # the last scan whose plots a row at scan k may use
    # hits within [k, k + lag]: cumulative counts along each track
    cum = np.cumsum(hit, axis=1)
    before = np.where(ks > 0, cum[:, np.maximum(ks - 1, 0)], 0)
    hit_ahead = (cum[:, h_data] - before) > 0
    alive_ahead = present[:, h_data]
    report = present & (conf_scan[:, None] <= h_data[None, :]) & (misses <= report_max_misses)
    report &= hit_ahead | alive_ahead
    # horizon of each row: the last scan of its track that it may use
    horizon = np.minimum(h_data[None, :], last[:, None])

    # RTS gains of every row, one batched solve: G = P F' (F P F' + Q)^-1 (uniform scans: one F, Q)
    Fs, Qs = np.zeros((K - 1, 6, 6)), np.zeros((K - 1, 6, 6))
    for j, dt in enumerate(np.diff(hist.times).tolist()):  # (scans, not tracks)
        Fs[j], Qs[j] = cv_transition(dt, q)
    Xk, Pk = X[:, :-1], P[:, :-1]
    FP = Fs[None] @ Pk
    P_pred = FP @ np.swapaxes(Fs, 1, 2)[None] + Qs[None]
    G = np.swapaxes(np.linalg.solve(P_pred, FP), 2, 3)  # (U, K-1, 6, 6)
    pred = np.einsum("kij,ukj->uki", Fs, Xk)  # F x_{k|k}
    # Y_s[u, h] = x_{h-s | h}: the mean recursion of RTS, all tracks and horizons at once per step s
    Xs = X.copy()
    Y = X.copy()
    for step in range(1, min(lag, K - 1) + 1):
        k = slice(0, K - step)  # rows k = h - step for horizons h = step..K-1
        Y = Xk[:, k] + np.einsum("ukij,ukj->uki", G[:, k], Y[:, 1:] - pred[:, k])
        mine = horizon[:, k] == np.arange(step, K)[None, :]
        Xs[:, k][mine] = Y[mine]
    ui, ki = np.nonzero(report)
    order = np.lexsort((conf_uid[ui], ki))
    ui, ki = ui[order], ki[order]
    return Report(hist.times[ki], conf_uid[ui], Xs[ui, ki])
