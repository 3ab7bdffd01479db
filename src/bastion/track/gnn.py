"""Global nearest neighbour association on a sparse gated cost, cluster by cluster.

Minimises the total cost of a one-to-one assignment of tracks to gated detections, where leaving
a track unassigned costs its ``miss_cost``. With the costs the tracker uses — the negative log
likelihood ratio -ln(P_D N(nu; 0, S) / lambda) of a pair and -ln(1 - P_D P_G) for a miss (lambda the
clutter density) — this is the most likely single assignment hypothesis (S. S. Blackman, "Multiple
hypothesis tracking for multiple target tracking", IEEE AES Magazine 19(1), 2004, §II).

The gated pairs form a bipartite graph; its connected components are independent problems.
A pair whose track and detection have no other pair is a component of its own (the common case for
separated targets): all of them are decided at once, vectorised, without building the graph. The
other pairs are solved exactly with ``scipy.optimize.linear_sum_assignment`` on a dense matrix
augmented with one "missed" column per track (so a track stays unassigned when that is cheaper),
forbidden pairs infinite. Several components go into one matrix, block by block, up to
:data:`BLOCK_TRACKS` tracks: the optimum of a block-diagonal problem is that of each block, and one
call over a few tens of tracks costs less than a Python loop over their components (at 1,000 targets
a scan has ~20 components of two or three tracks). Only when more tracks than that share gates is the
graph split into its components (:func:`~bastion.track.gating.clusters`), grouped into such blocks.
The assignment is the same as one solved component by component (tested against that and against one
matrix over every track), except where two assignments have exactly the same cost.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.track.gating import clusters

BLOCK_TRACKS = 64
"""Tracks per dense assignment matrix (rows; columns up to twice as many with the "missed" ones): a
64 x 128 problem of a few components solves in tens of microseconds, and the cubic worst case of the
shortest-augmenting-path solver stays under a millisecond."""


def assign(
    n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray
) -> np.ndarray:
    """Detection index assigned to each track (N,), -1 where none, minimising the total cost."""
    out = np.full(n_tracks, -1, dtype=np.intp)
    if ti.size == 0:
        return out
    # a pair alone in its component: its track gated no other plot and its plot no other track
    simple = (np.bincount(ti, minlength=n_tracks)[ti] == 1) & (np.bincount(dj, minlength=n_dets)[dj] == 1)
    take = simple & (cost < miss_cost[ti])
    out[ti[take]] = dj[take]
    if simple.all():
        return out
    hard = ~simple
    hti, hdj, hc = ti[hard], dj[hard], cost[hard]
    tracks = np.unique(hti)
    if tracks.size <= BLOCK_TRACKS:  # the usual case: one matrix
        _solve(out, hti, hdj, hc, miss_cost)
        return out
    comp, tracks_in, _ = clusters(n_tracks, n_dets, hti, hdj)
    # components in order, cut into blocks of up to BLOCK_TRACKS tracks (a larger component alone)
    order = np.argsort(comp, kind="stable")
    hti, hdj, hc, comp = hti[order], hdj[order], hc[order], comp[order]
    labels = np.unique(comp)
    block_of = _blocks(tracks_in[labels], BLOCK_TRACKS)[np.searchsorted(labels, comp)]
    bounds = np.r_[0, np.flatnonzero(np.diff(block_of)) + 1, block_of.size]
    for a, b in pairwise(bounds.tolist()):
        _solve(out, hti[a:b], hdj[a:b], hc[a:b], miss_cost)
    return out


def _blocks(sizes: np.ndarray, limit: int) -> np.ndarray:
    """Block number of each of a sequence of components of ``sizes`` tracks: consecutive components
    while their total stays within ``limit`` (a component larger than ``limit`` is a block alone)."""
    block = np.empty(sizes.size, dtype=np.intp)
    k, filled = 0, 0
    for i, s in enumerate(sizes.tolist()):  # (only when more than `limit` tracks share gates)
        if filled and filled + s > limit:
            k, filled = k + 1, 0
        block[i] = k
        filled += s
    return block


def _solve(out: np.ndarray, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray) -> None:
    """Exact assignment of the pairs (one or several whole components) into ``out``."""
    t_ids, t_loc = np.unique(ti, return_inverse=True)
    d_ids, d_loc = np.unique(dj, return_inverse=True)
    nt, nd = t_ids.size, d_ids.size
    matrix = np.full((nt, nd + nt), np.inf)
    matrix[t_loc, d_loc] = cost
    matrix[np.arange(nt), nd + np.arange(nt)] = miss_cost[t_ids]
    rows, cols = linear_sum_assignment(matrix)
    real = cols < nd
    out[t_ids[rows[real]]] = d_ids[cols[real]]
