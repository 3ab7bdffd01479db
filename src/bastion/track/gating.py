"""Gating: which (track, detection) pairs are plausible.

Two stages so the cost stays near-linear in the number of targets: a k-d tree finds, for every
track, the detections within a Euclidean radius that bounds its chi-square gate (a conservative
sphere around the predicted position); the exact Mahalanobis distance is then computed for those
candidate pairs only and tested against the chi-square quantile.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.spatial import cKDTree
from scipy.stats import chi2


@lru_cache(maxsize=64)
def chi2_gate(probability: float, dof: int) -> float:
    """Squared Mahalanobis gate holding ``probability`` of a correct measurement."""
    return float(chi2.ppf(probability, dof))


def candidate_pairs(track_pos: np.ndarray, radius: np.ndarray, det_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (track index, detection index) whose Euclidean distance is within ``radius`` (N,)."""
    if track_pos.shape[0] == 0 or det_pos.shape[0] == 0:
        e = np.zeros(0, dtype=np.intp)
        return e, e
    tree = cKDTree(det_pos)
    found = tree.query_ball_point(track_pos, r=radius, return_sorted=False)
    counts = np.fromiter((len(f) for f in found), dtype=np.intp, count=len(found))
    ti = np.repeat(np.arange(track_pos.shape[0]), counts)
    dj = np.fromiter((j for f in found for j in f), dtype=np.intp, count=int(counts.sum()))
    return ti, dj


def mahalanobis2(nu: np.ndarray, S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Squared Mahalanobis distances (P,) of innovations (P, m) and log-determinants of S (P, m, m)."""
    L = np.linalg.cholesky(S)
    y = np.linalg.solve(L, nu[..., None])[..., 0]
    logdet = 2.0 * np.log(np.diagonal(L, axis1=-2, axis2=-1)).sum(axis=-1)
    return np.einsum("ij,ij->i", y, y), logdet
