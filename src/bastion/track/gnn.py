"""Global nearest neighbour association on a sparse gated cost, cluster by cluster.

Minimises the total cost of a one-to-one assignment of tracks to gated detections, where leaving
a track unassigned costs its ``miss_cost``. With the costs the tracker uses — the negative log
likelihood ratio -ln(P_D N(nu; 0, S) / lambda) of a pair and -ln(1 - P_D P_G) for a miss (lambda the
clutter density) — this is the most likely single assignment hypothesis (S. S. Blackman, "Multiple
hypothesis tracking for multiple target tracking", IEEE AES Magazine 19(1), 2004, §II).

The gated pairs form a bipartite graph; its connected components are independent problems.
Components of one track and one detection (the common case for separated targets) are decided at
once, vectorised; larger ones are solved exactly with ``scipy.optimize.linear_sum_assignment`` on a
small dense matrix augmented with one "missed" column per track, so a track stays unassigned when
that is cheaper.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.track.gating import clusters


def assign(
    n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray
) -> np.ndarray:
    """Detection index assigned to each track (N,), -1 where none, minimising the total cost."""
    out = np.full(n_tracks, -1, dtype=np.intp)
    if ti.size == 0:
        return out
    # fast path: no track with two candidates and no detection with two tracks -> every pair is a
    # cluster of its own (the usual case), no graph needed
    if np.bincount(ti, minlength=n_tracks).max() <= 1 and np.bincount(dj, minlength=n_dets).max() <= 1:
        take = cost < miss_cost[ti]
        out[ti[take]] = dj[take]
        return out
    comp, tracks_in, dets_in = clusters(n_tracks, n_dets, ti, dj)
    simple = (tracks_in[comp] == 1) & (dets_in[comp] == 1)
    take = simple & (cost < miss_cost[ti])
    out[ti[take]] = dj[take]
    hard = ~simple
    if hard.any():
        order = np.argsort(comp[hard], kind="stable")
        hti, hdj, hc, hcomp = ti[hard][order], dj[hard][order], cost[hard][order], comp[hard][order]
        bounds = np.flatnonzero(np.diff(hcomp)) + 1
        # one exact assignment per multi-track/multi-detection cluster (few, small): a loop over clusters
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, hcomp.size], strict=True):
            t_ids, t_loc = np.unique(hti[a:b], return_inverse=True)
            d_ids, d_loc = np.unique(hdj[a:b], return_inverse=True)
            nt, nd = t_ids.size, d_ids.size
            miss = miss_cost[t_ids]
            big = (max(float(np.max(np.abs(hc[a:b]))), float(np.max(np.abs(miss)))) + 1.0) * 10.0 * (nt + 1)
            matrix = np.full((nt, nd + nt), big)
            matrix[t_loc, d_loc] = hc[a:b]
            matrix[np.arange(nt), nd + np.arange(nt)] = miss
            rows, cols = linear_sum_assignment(matrix)
            real = cols < nd
            out[t_ids[rows[real]]] = d_ids[cols[real]]
    return out
