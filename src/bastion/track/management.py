"""Track management, batched: confirmation and deletion by M-of-N or by a sequential probability ratio test.

**M-of-N** (BLK §3.5 / Blackman and Popoli 1999 §6.3): a tentative track is confirmed once it has M
hits within its first N scans in coverage, and dropped as soon as that has become impossible; a
confirmed track is deleted after ``max_misses`` consecutive scans in coverage without a hit.

**Score-based (SPRT)**: every track carries the log-likelihood ratio L of "a real target" against
"false alarms" (S. S. Blackman and R. Popoli, *Design and Analysis of Modern Tracking Systems*,
Artech House 1999, §6.2). It starts at L = ln(beta_NT / beta_FT) (new-target over false-alarm
density), and each scan in coverage adds

    hit:   ln(P_D N(nu; 0, S) / beta_FT)       miss:  ln(1 - P_D P_G)

(for JPDA the expected increment ln(1 - P_D P_G + sum_j w_j) over the gated detections). Wald's
test (A. Wald, *Sequential Analysis*, 1947) confirms at L >= T2 = ln((1 - b)/a) and rejects a
tentative track at L <= T1 = ln(b/(1 - a)), with a the probability of confirming a false track and b
that of rejecting a true one. A confirmed track is deleted when L falls ``delete_drop`` below its
running maximum (Blackman and Popoli §6.2.3).
"""

from __future__ import annotations

import numpy as np

from bastion.track.types import TrackStatus


def popcount(v: np.ndarray) -> np.ndarray:
    """Number of set bits of non-negative int64 values."""
    return np.bitwise_count(v.astype(np.uint64)).astype(np.int64)


def wald_thresholds(false_confirm: float, true_reject: float) -> tuple[float, float]:
    """(T1, T2): reject and confirm thresholds of Wald's SPRT for error probabilities a, b."""
    a, b = false_confirm, true_reject
    return float(np.log(b / (1.0 - a))), float(np.log((1.0 - b) / a))


def record_scan(history, scans, misses, hit, counted, confirm_n: int):
    """Hit bits of the first scans, scans counted since initiation and consecutive misses after a scan."""
    bit = np.left_shift(np.int64(1), np.minimum(scans, 62))
    history = np.where(hit & (scans < confirm_n), history | bit, history)
    scans = scans + counted
    misses = np.where(hit, 0, misses + (counted & ~hit))
    return history, scans, misses


def mofn_decisions(status, history, scans, misses, confirm_m: int, confirm_n: int, max_misses: int):
    """Masks (confirm, reject, lost) of the M-of-N rule."""
    tentative = status == TrackStatus.TENTATIVE
    hits_early = popcount(history)
    confirm = tentative & (hits_early >= confirm_m)
    reject = tentative & ~confirm & ((scans - hits_early) > (confirm_n - confirm_m))
    lost = ~tentative & (misses >= max_misses)
    return confirm, reject, lost


def sprt_decisions(status, score, score_max, reject_at: float, confirm_at: float, delete_drop: float):
    """Masks (confirm, reject, lost) of the score-based rule."""
    tentative = status == TrackStatus.TENTATIVE
    confirm = tentative & (score >= confirm_at)
    reject = tentative & ~confirm & (score <= reject_at)
    lost = ~tentative & (score_max - score >= delete_drop)
    return confirm, reject, lost
