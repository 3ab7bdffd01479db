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
  the EKF's linearisation is kept); with an IMM's combined moments or a CA/CT model's first six
  components it is an approximation (the smoother assumes nearly constant velocity between scans).
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
    after it; ``confirmed``: the track was confirmed (or coasting) after that scan; ``reported`` (None:
    all): the track was a target of interest after that scan (:mod:`bastion.track.rcs_class`): a row
    is written only if its track was one at the row's horizon."""

    times: np.ndarray  # (K,) [s]
    scan: np.ndarray  # (R,) int
    uid: np.ndarray  # (R,) int
    x: np.ndarray  # (R, 6)
    P: np.ndarray  # (R, 6, 6)
    hit: np.ndarray  # (R,) bool
    misses: np.ndarray  # (R,) int
    confirmed: np.ndarray  # (R,) bool
    reported: np.ndarray | None = None  # (R,) bool


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
        if hist.reported is not None:
            keep &= hist.reported
        return Report(hist.times[hist.scan[keep]], hist.uid[keep], hist.x[keep])
    # the rows of ever-confirmed tracks, sorted by track then scan (a track's scans are consecutive:
    # it is in the picture at every scan from its first plot until it is deleted)
    conf_uid = np.unique(hist.uid[hist.confirmed])
    sel = np.flatnonzero(np.isin(hist.uid, conf_uid))
    sel = sel[np.lexsort((hist.scan[sel], hist.uid[sel]))]
    scan, uid = hist.scan[sel], hist.uid[sel]
    x, P, hit, misses = hist.x[sel], hist.P[sel], hist.hit[sel], hist.misses[sel]
    n = sel.size
    if n == 0:
        return Report(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros((0, 6)))
    first = np.r_[True, uid[1:] != uid[:-1]]
    start = np.flatnonzero(first)  # first row of each track
    track = np.cumsum(first) - 1  # track number of each row
    last_row = np.r_[start[1:], n] - 1
    last = scan[last_row][track]  # last scan of the row's track
    conf_scan = np.full(start.size, K, dtype=np.int64)
    c = hist.confirmed[sel]
    np.minimum.at(conf_scan, track[c], scan[c])

    h_data = np.minimum(scan + lag, K - 1)  # the last scan whose plots the row may use
    horizon = np.minimum(h_data, last)
    # a plot within [k, k + lag]: cumulative hit counts along each track (rows of a track consecutive)
    cum = np.cumsum(hit)
    base = np.r_[0, cum][start][track]  # hits before the track's first row
    upto = cum[np.minimum(np.arange(n) + (h_data - scan), last_row[track])]  # hits to the horizon row
    before = np.r_[0, cum[:-1]]  # hits before this row
    hit_ahead = upto - np.maximum(before, base) > 0
    alive_ahead = last >= h_data
    report = (conf_scan[track] <= h_data) & (misses <= report_max_misses) & (hit_ahead | alive_ahead)
    if hist.reported is not None:  # as the track stood at the row's horizon (its row there)
        report &= hist.reported[sel][np.arange(n) + (horizon - scan)]

    # RTS mean recursion on every row with a successor: gains G = P F' (F P F' + Q)^-1 in one batched
    # solve, then Y_s[r] = x_{k | k+s} = x_r + G_r (Y_{s-1}[r + 1] - F x_r), all rows at once per step s
    steps = horizon - scan
    inner = np.flatnonzero(steps > 0)
    Xs = x.copy()
    if inner.size:
        # F P F' + Q by the blocks of F = [[I, dt I], [0, I]] (elementwise: no stacked 6 x 6 products)
        dt = np.diff(hist.times)[scan[inner]][:, None, None]
        Pi = P[inner]
        FP = Pi.copy()
        FP[:, :3, :] += dt * Pi[:, 3:, :]
        P_pred = FP.copy()
        P_pred[:, :, :3] += dt * FP[:, :, 3:]
        d = dt[:, 0, 0]
        for i in range(3):  # + Q (BLK eq. 6.2.2-12), per axis
            P_pred[:, i, i] += q * d**3 / 3.0
            P_pred[:, i, i + 3] += q * d**2 / 2.0
            P_pred[:, i + 3, i] += q * d**2 / 2.0
            P_pred[:, i + 3, i + 3] += q * d
        G = np.swapaxes(np.linalg.solve(P_pred, FP), 1, 2)
        pred = x[inner].copy()
        pred[:, :3] += d[:, None] * pred[:, 3:6]
        Y = x.copy()
        for step in range(1, int(steps.max()) + 1):
            live = steps[inner] >= step
            r = inner[live]
            Y_new = Y.copy()
            Y_new[r] = x[r] + np.einsum("rij,rj->ri", G[live], Y[r + 1] - pred[live])
            done = steps[r] == step
            Xs[r[done]] = Y_new[r[done]]
            Y = Y_new
    rows = np.flatnonzero(report)
    rows = rows[np.lexsort((uid[rows], scan[rows]))]
    return Report(hist.times[scan[rows]], uid[rows], Xs[rows])
