"""Global nearest neighbour association on a sparse gated cost, cluster by cluster.

The gated pairs form a bipartite graph; its connected components are independent assignment
problems. Components of one track and one detection (the common case for separated targets) are
assigned at once, vectorised; larger ones are solved exactly with the Hungarian algorithm
(``scipy.optimize.linear_sum_assignment``) on a small dense matrix augmented with one "missed"
column per track at that track's ``miss_cost``, so a track stays unassigned when that is cheaper.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def assign(
    n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray
) -> np.ndarray:
    """Detection index assigned to each track (N,), -1 where none, minimising the total cost."""
    out = np.full(n_tracks, -1, dtype=np.intp)
    if ti.size == 0:
        return out
    n = n_tracks + n_dets
    graph = coo_matrix((np.ones(ti.size), (ti, n_tracks + dj)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    comp = label[ti]
    tracks_in = np.bincount(label[:n_tracks], minlength=n)
    dets_in = np.bincount(label[n_tracks:], minlength=n)
    simple = (tracks_in[comp] == 1) & (dets_in[comp] == 1)
    out[ti[simple]] = dj[simple]
    hard = ~simple
    if hard.any():
        order = np.argsort(comp[hard], kind="stable")
        hti, hdj, hc, hcomp = ti[hard][order], dj[hard][order], cost[hard][order], comp[hard][order]
        bounds = np.flatnonzero(np.diff(hcomp)) + 1
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, hcomp.size], strict=True):
            t_ids, t_loc = np.unique(hti[a:b], return_inverse=True)
            d_ids, d_loc = np.unique(hdj[a:b], return_inverse=True)
            nt, nd = t_ids.size, d_ids.size
            miss = miss_cost[t_ids]
            big = max(float(np.max(np.abs(hc[a:b]))), float(np.max(np.abs(miss)))) * 10.0 + 1e6
            matrix = np.full((nt, nd + nt), big)
            matrix[t_loc, d_loc] = hc[a:b]
            matrix[np.arange(nt), nd + np.arange(nt)] = miss
            rows, cols = linear_sum_assignment(matrix)
            real = cols < nd
            out[t_ids[rows[real]]] = d_ids[cols[real]]
    return out
