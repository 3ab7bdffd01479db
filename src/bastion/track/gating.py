"""Gating: which (track, detection) pairs are plausible, and the clusters they form.

Two stages so the cost stays near-linear in the number of targets: a k-d tree finds, for every
track, the detections within a Euclidean radius that bounds its chi-square gate (a conservative
sphere around the predicted position); the exact Mahalanobis distance is then computed for those
candidate pairs only and tested against the chi-square quantile (BLK §3.3: the validation region
{nu : nu' S^-1 nu <= gamma}, gamma the chi-square quantile of the gate probability).

The gated pairs form a bipartite graph whose connected components (:func:`clusters`) are
independent association problems.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from scipy.special import gammaincinv

LOG_2PI = float(np.log(2.0 * np.pi))


@lru_cache(maxsize=64)
def chi2_gate(probability: float, dof: int) -> float:
    """Squared Mahalanobis gate holding ``probability`` of a correct measurement: the chi-square
    quantile 2 P^-1(dof / 2, probability) (P the regularised lower incomplete gamma function), the
    formula of ``scipy.stats.chi2.ppf`` itself, equal to it to the last bit (tested), without importing
    scipy.stats (a large share of a command's start-up)."""
    return float(2.0 * gammaincinv(dof / 2.0, probability))


def candidate_pairs(track_pos: np.ndarray, radius: np.ndarray, det_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (track index, detection index) whose Euclidean distance is within ``radius`` (N,)."""
    if track_pos.shape[0] == 0 or det_pos.shape[0] == 0:
        e = np.zeros(0, dtype=np.intp)
        return e, e
    tree = cKDTree(det_pos)
    found = tree.query_ball_point(track_pos, r=radius, return_sorted=False)
    counts = np.fromiter(map(len, found), dtype=np.intp, count=len(found))
    ti = np.repeat(np.arange(track_pos.shape[0]), counts)
    dj = np.fromiter(chain.from_iterable(found), dtype=np.intp, count=int(counts.sum()))
    return ti, dj


def inverse_and_logdet(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverses (N, m, m) and log-determinants (N,) of symmetric positive-definite matrices."""
    if S.shape[0] == 0:
        return np.zeros_like(S), np.zeros(0)
    _, logdet = np.linalg.slogdet(S)
    return np.linalg.inv(S), logdet


def mahalanobis2(nu: np.ndarray, S_inv: np.ndarray) -> np.ndarray:
    """Squared Mahalanobis distances (P,) of innovations (P, m) given inverse covariances (P, m, m)."""
    return np.einsum("pi,pij,pj->p", nu, S_inv, nu)


def log_gaussian(d2: np.ndarray, logdet: np.ndarray, m: int) -> np.ndarray:
    """log N(nu; 0, S) from the squared Mahalanobis distance and log|S|."""
    return -0.5 * (d2 + logdet + m * LOG_2PI)


def clusters(n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cluster label of every pair (P,), and the number of tracks and detections in each cluster
    (indexed by label) of the bipartite gated graph."""
    n = n_tracks + n_dets
    graph = coo_matrix((np.ones(ti.size), (ti, n_tracks + dj)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    tracks_in = np.bincount(label[:n_tracks], minlength=n)
    dets_in = np.bincount(label[n_tracks:], minlength=n)
    return label[ti], tracks_in, dets_in
