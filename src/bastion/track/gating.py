"""Gating: which (track, detection) pairs are plausible, and the clusters they form.

Two stages so the cost stays near-linear in the number of targets: a grid of square cells over the
detections finds, for every track, those within a Euclidean radius that bounds its chi-square gate (a
conservative sphere around the predicted position; :func:`candidate_pairs`); the exact Mahalanobis
distance is then computed for those candidate pairs only and tested against the chi-square quantile
(BLK §3.3: the validation region {nu : nu' S^-1 nu <= gamma}, gamma the chi-square quantile of the
gate probability).

The gated pairs form a bipartite graph whose connected components (:func:`clusters`) are
independent association problems.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain

import numpy as np

from bastion.physics.geometry import chi2_ppf
from bastion.track.compiled_loops import kernels

LOG_2PI = float(np.log(2.0 * np.pi))


@lru_cache(maxsize=64)
def chi2_gate(probability: float, dof: int) -> float:
    """Squared Mahalanobis gate holding ``probability`` of a correct measurement."""
    return chi2_ppf(probability, dof)


def candidate_pairs(track_pos: np.ndarray, radius: np.ndarray, det_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (track index, detection index) whose Euclidean distance is within ``radius`` (N,), each
    track's pairs together, tracks in order.

    The detections are binned in square cells (east, north) of about the median radius, sorted by cell;
    a track's candidates are then, for each row of cells its circle's bounding box covers, one
    contiguous run of that order (found by binary search), and the exact distance keeps those within
    the radius. Array operations throughout: at 1,000 tracks and plots a scan this is ~1.1 ms against
    ~1.6 ms for a k-d tree's 1,000 ball queries, whose per-query lists dominate (measured on the
    development machine), and no ``scipy.spatial`` to import (~0.2 s of start-up). Where the cells
    would hold too many candidates (radii far apart, plots bunched) a k-d tree searches instead
    (:func:`_candidate_pairs_kdtree`: the same pairs, each track's in another order)."""
    n_t, n_d = track_pos.shape[0], det_pos.shape[0]
    e = np.zeros(0, dtype=np.intp)
    if n_t == 0 or n_d == 0:
        return e, e
    finite = np.isfinite(det_pos).all(axis=1)
    if not finite.all():  # (a plot without a position pairs with nothing)
        keep = np.flatnonzero(finite)
        ti, dj = candidate_pairs(track_pos, radius, det_pos[keep])
        return ti, keep[dj]
    ok = np.isfinite(track_pos).all(axis=1) & (radius >= 0.0)  # (a NaN radius or position: no pair)
    if not ok.any():
        return e, e
    lo = det_pos[:, :2].min(axis=0)
    extent = det_pos[:, :2].max(axis=0) - lo
    finite_r = radius[ok & np.isfinite(radius)]
    typical = float(np.median(finite_r)) if finite_r.size else 1.0
    cell = max(typical, float(extent.max()) / GRID_CELLS, 1e-6)
    w, h = (np.floor(extent / cell).astype(np.int64) + 1).tolist()
    dc = np.minimum(np.floor((det_pos[:, :2] - lo) / cell).astype(np.int64), [w - 1, h - 1])
    order = np.argsort(dc[:, 1] * w + dc[:, 0], kind="stable")
    key = (dc[:, 1] * w + dc[:, 0])[order]  # the plots' cells, in row-major order
    centre = np.where(ok[:, None], track_pos[:, :2] - lo, 0.0)
    r = np.where(ok, radius, -1.0)[:, None]
    # each track's box of cells, clipped to the grid (an empty box where it lies outside)
    x_lo, y_lo = np.clip(np.floor((centre - r) / cell), 0.0, [w, h]).astype(np.int64).T
    x_hi, y_hi = np.clip(np.floor((centre + r) / cell), -1.0, [w - 1.0, h - 1.0]).astype(np.int64).T
    rows = np.where((x_hi >= x_lo) & ok, np.maximum(y_hi - y_lo + 1, 0), 0)
    owner, y = _runs(y_lo, rows)  # one (track, row of cells) per element
    a = np.searchsorted(key, y * w + x_lo[owner], side="left")
    n = np.searchsorted(key, y * w + x_hi[owner], side="right") - a
    if int(n.sum()) > GRID_MAX_CANDIDATES * (n_t + n_d):
        return _candidate_pairs_kdtree(track_pos, radius, det_pos)
    run, at = _runs(a, n)
    ti, dj = owner[run], order[at]
    d = det_pos[dj] - track_pos[ti]
    near = np.einsum("ij,ij->i", d, d) <= radius[ti] ** 2
    return ti[near], dj[near]


GRID_CELLS = 1024
"""Cells along the longer side of the detections' extent at most (a cell is at least that extent / 1024)."""

GRID_MAX_CANDIDATES = 50
"""Candidate pairs per track and plot above which :func:`candidate_pairs` leaves the search to a k-d tree."""


def _runs(start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs k of ``count[k]`` consecutive integers from ``start[k]``: the run of each element and
    its integer, the runs one after the other."""
    owner = np.repeat(np.arange(count.size), count)
    return owner, start[owner] + (np.arange(owner.size) - (np.cumsum(count) - count)[owner])


def _candidate_pairs_kdtree(track_pos: np.ndarray, radius: np.ndarray, det_pos: np.ndarray):
    """:func:`candidate_pairs` by a k-d tree of the detections (``scipy.spatial``, imported here: only
    cells too crowded need it, see :func:`candidate_pairs`)."""
    from scipy.spatial import cKDTree

    ok = np.flatnonzero(np.isfinite(track_pos).all(axis=1) & (radius >= 0.0))
    found = cKDTree(det_pos).query_ball_point(track_pos[ok], r=radius[ok], return_sorted=False)
    counts = np.fromiter(map(len, found), dtype=np.intp, count=len(found))
    ti = np.repeat(ok, counts)
    dj = np.fromiter(chain.from_iterable(found), dtype=np.intp, count=int(counts.sum()))
    return ti, dj


def candidate_pairs_by_group(
    track_pos: np.ndarray, radius: np.ndarray, det_pos: np.ndarray, track_bounds: np.ndarray, det_bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`candidate_pairs` within groups only: group g's tracks are rows
    ``track_bounds[g]:track_bounds[g + 1]``, its detections rows ``det_bounds[g]:det_bounds[g + 1]``
    (rows grouped by group: the replications of a batch of nights); indices into the whole arrays,
    group after group, each track's pairs together. A group's pairs are those of its rows alone.

    Groups of up to :data:`ALL_PAIRS_PER_GROUP` (track, detection) pairs on average (a night's tracks
    and plots of one scan) are searched all against all in one compiled loop over every group, a
    track's pairs in detection order; larger ones with a k-d tree each, as :func:`candidate_pairs`."""
    track_bounds = np.asarray(track_bounds, dtype=np.int64)
    det_bounds = np.asarray(det_bounds, dtype=np.int64)
    n_tracks, n_dets = np.diff(track_bounds), np.diff(det_bounds)
    if int(n_dets @ n_tracks) <= ALL_PAIRS_PER_GROUP * n_tracks.size:
        pos_t = np.ascontiguousarray(track_pos, dtype=float)
        pos_d = np.ascontiguousarray(det_pos, dtype=float)
        return kernels().pairs_within_groups(pos_t, np.asarray(radius, dtype=float), pos_d, track_bounds, det_bounds)
    ti, dj = [], []
    for a, b, c, d in zip(track_bounds[:-1], track_bounds[1:], det_bounds[:-1], det_bounds[1:], strict=True):
        if a < b and c < d:
            t, j = candidate_pairs(track_pos[a:b], radius[a:b], det_pos[c:d])
            ti.append(t + a)
            dj.append(j + c)
    e = np.zeros(0, dtype=np.intp)
    return (np.concatenate(ti), np.concatenate(dj)) if ti else (e, e)


ALL_PAIRS_PER_GROUP = 50_000
"""Pairs per group (on average) up to which :func:`candidate_pairs_by_group` compares all against all:
some 5-10 ns a pair compiled, against 50-100 us a group for a k-d tree of its own plus its search;
the two cost about the same near 100,000 pairs a group (32 groups of 300 tracks and plots: 4.5 ms
against 5 ms; 4 groups of 1,000: 22 ms against 10 ms; measured on the development machine)."""


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
    (indexed by label) of the bipartite gated graph (``scipy.sparse`` imported here: JPDA and large
    GNN clusters only, ~0.2 s of a fresh process's start-up otherwise)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = n_tracks + n_dets
    graph = coo_matrix((np.ones(ti.size), (ti, n_tracks + dj)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    tracks_in = np.bincount(label[:n_tracks], minlength=n)
    dets_in = np.bincount(label[n_tracks:], minlength=n)
    return label[ti], tracks_in, dets_in
