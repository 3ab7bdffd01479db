"""Global nearest neighbour association on a sparse gated cost, cluster by cluster.

Minimises the total cost of a one-to-one assignment of tracks to gated detections, where leaving
a track unassigned costs its ``miss_cost``. With the costs the tracker uses — the negative log
likelihood ratio -ln(P_D N(nu; 0, S) / lambda) of a pair and -ln(1 - P_D P_G) for a miss (lambda the
clutter density) — this is the most likely single assignment hypothesis (S. S. Blackman, "Multiple
hypothesis tracking for multiple target tracking", IEEE AES Magazine 19(1), 2004, §II).

The gated pairs form a bipartite graph; its connected components are independent problems, solved
in three ways, none with a Python loop over components:

* a pair whose track and detection have no other pair is a component of its own (the common case for
  separated targets): all of them are decided at once from the degrees, without building the graph;
* where the other pairs hold more than :data:`ENUMERATE_UP_TO` but at most :data:`BLOCK_TRACKS`
  tracks (a scan of 1,000 targets), all of them exactly by ``scipy.optimize.linear_sum_assignment``
  on one dense matrix augmented with one "missed" column per track, forbidden pairs infinite (the
  optimum of a block-diagonal problem is that of each block; one call costs less than a loop over the
  components);
* otherwise each small component (at most :data:`SMALL` tracks and :data:`SMALL` plots: two or three
  crossing targets, a track with two or three plots, a plot in two or three gates) by enumerating its
  34 joint assignments at most, every small component at once (padded to the largest shape with
  tracks that gate nothing and cost nothing missed), and larger components by
  ``linear_sum_assignment`` as above, grouped into matrices of up to :data:`BLOCK_TRACKS` tracks.
  A 200-target scan needs no more than enumeration, and so never imports ``scipy.optimize`` (with
  ``scipy.sparse`` and ``scipy.spatial``, which it imports: ~0.4 s of a fresh process's start-up).

Components are labelled by propagating the smallest track number along the pairs (a few rounds for
components of a few tracks; ``scipy.sparse.csgraph`` after :data:`MAX_ROUNDS`). The assignment is
the minimum-cost one whichever way a component is solved; two assignments of equal cost (to the last
bits of their sums) may be told apart differently (tested against one matrix over every track and
against the cluster-by-cluster solver this replaced).
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

import numpy as np

BLOCK_TRACKS = 64
"""Tracks per dense assignment matrix (rows; columns up to twice as many with the "missed" ones): a
64 x 128 problem of a few components solves in tens of microseconds, and the cubic worst case of the
shortest-augmenting-path solver stays under a millisecond."""

SMALL = 3
"""Tracks and plots up to which a component is solved by enumeration: 34 joint assignments (each
track a distinct plot or none) for three and three."""

ENUMERATE_UP_TO = 16
"""Tracks in shared gates (in the scan's components of more than one pair) up to which components are
enumerated rather than all solved in one matrix: at most 8 a scan at 200 targets (seed 1), 14 a scan
(median) and up to 60 at 1,000; one matrix saves ~0.2 ms a scan there (measured)."""

MAX_ROUNDS = 16
"""Label-propagation rounds before the components are left to ``scipy.sparse.csgraph`` (a round
crosses one track-plot-track step of a chain)."""


def assign(
    n_tracks: int, n_dets: int, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray
) -> np.ndarray:
    """Detection index assigned to each track (N,), -1 where none, minimising the total cost (a pair of
    NaN cost is never assigned)."""
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
    ti, dj = ti[hard], dj[hard]
    cost = np.where(np.isnan(cost[hard]), np.inf, cost[hard])  # (a NaN cost forbids its pair, as above)
    t_ids, t_loc = np.unique(ti, return_inverse=True)  # the tracks and plots of these pairs, numbered
    if ENUMERATE_UP_TO < t_ids.size <= BLOCK_TRACKS:  # many, but one matrix: no components needed
        _solve(out, ti, dj, cost, miss_cost)
        return out
    d_ids, d_loc = np.unique(dj, return_inverse=True)
    t_lab, d_lab = _components(t_ids.size, d_ids.size, t_loc, d_loc)
    nt = np.bincount(t_lab, minlength=t_ids.size)  # tracks and plots of each component (by label)
    nd = np.bincount(d_lab, minlength=t_ids.size)
    small = (nt <= SMALL) & (nd <= SMALL)  # by label (labels of no component: no tracks, no plots)
    _enumerate(out, small, t_ids, t_lab, d_ids, d_lab, t_loc, d_loc, cost, miss_cost)
    if not small[t_lab].all():
        sel = ~small[t_lab[t_loc]]
        _solve_in_blocks(out, t_ids[t_loc[sel]], d_ids[d_loc[sel]], cost[sel], t_lab[t_loc[sel]], nt, miss_cost)
    return out


def _components(n_t: int, n_d: int, t_loc: np.ndarray, d_loc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Component label of each track (n_t,) and plot (n_d,) of the pairs (t_loc, d_loc): the smallest
    track number of the component."""
    t_lab = np.arange(n_t)
    for _ in range(MAX_ROUNDS):
        d_lab = np.full(n_d, n_t)
        np.minimum.at(d_lab, d_loc, t_lab[t_loc])
        new = t_lab.copy()
        np.minimum.at(new, t_loc, d_lab[d_loc])
        if np.array_equal(new, t_lab):
            return t_lab, d_lab
        t_lab = new
    from scipy.sparse import coo_matrix  # (a long chain of gates: deferred, see the module docstring)
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(t_loc.size), (t_loc, n_t + d_loc)), shape=(n_t + n_d, n_t + n_d))
    label = connected_components(graph, directed=False)[1]
    first = np.full(label.max() + 1, n_t)
    np.minimum.at(first, label[:n_t], np.arange(n_t))  # (labels as the propagation's: smallest track)
    return first[label[:n_t]], first[label[n_t:]]


def _ranks(label: np.ndarray) -> np.ndarray:
    """Each element's number within its label (0, 1, ... in index order)."""
    order = np.argsort(label, kind="stable")
    sorted_label = label[order]
    start = np.r_[0, np.flatnonzero(np.diff(sorted_label)) + 1]
    rank = np.empty(label.size, dtype=np.intp)
    rank[order] = np.arange(label.size) - np.repeat(start, np.diff(np.r_[start, label.size]))
    return rank


@lru_cache(maxsize=8)
def _assignments(n_t: int, n_d: int) -> np.ndarray:
    """Every joint assignment (H, n_t): each track's plot 0..n_d-1, or n_d for none, plots distinct."""
    rows: list[tuple[int, ...]] = [()]
    for _ in range(n_t):
        rows = [r + (c,) for r in rows for c in range(n_d + 1) if c == n_d or c not in r]
    return np.array(rows, dtype=np.intp).reshape(len(rows), n_t)


def _enumerate(out, small, t_ids, t_lab, d_ids, d_lab, t_loc, d_loc, cost, miss_cost) -> None:
    """The minimum-cost joint assignment of every ``small`` component (by label), by enumeration: the
    costs of all components' hypotheses summed at once, in a (component, track, plot or none) cube of
    :data:`SMALL` x (:data:`SMALL` + 1), the rows of absent tracks missed at no cost."""
    labels = np.flatnonzero(small & (np.bincount(t_lab, minlength=small.size) > 0))
    if labels.size == 0:
        return
    row = np.full(small.size, -1, dtype=np.intp)
    row[labels] = np.arange(labels.size)  # component label -> row of the cube
    t_in, d_in = row[t_lab] >= 0, row[d_lab] >= 0
    t_rank, d_rank = _ranks(t_lab), _ranks(d_lab)
    tracks = np.full((labels.size, SMALL), -1, dtype=np.intp)  # track (number among t_ids) at each place
    tracks[row[t_lab[t_in]], t_rank[t_in]] = np.flatnonzero(t_in)
    plots = np.full((labels.size, SMALL), -1, dtype=np.intp)
    plots[row[d_lab[d_in]], d_rank[d_in]] = np.flatnonzero(d_in)
    cube = np.full((labels.size, SMALL, SMALL + 1), np.inf)
    cube[:, :, SMALL] = np.where(tracks >= 0, miss_cost[t_ids[tracks]], 0.0)
    p = t_in[t_loc]
    cube[row[t_lab[t_loc[p]]], t_rank[t_loc[p]], d_rank[d_loc[p]]] = cost[p]
    hyp = _assignments(SMALL, SMALL)
    total = cube[:, np.arange(SMALL), hyp].sum(axis=2)  # (components, hypotheses)
    best = hyp[np.argmin(total, axis=1)]  # (components, SMALL): each place's plot, SMALL for none
    got = best < SMALL  # (never an absent track: its plots cost infinity)
    out[t_ids[tracks[got]]] = d_ids[plots[np.nonzero(got)[0], best[got]]]


def _solve_in_blocks(out, ti, dj, cost, comp, tracks_in, miss_cost) -> None:
    """Exact assignment of the pairs of the large components (label ``comp`` per pair), components
    grouped into dense matrices of up to :data:`BLOCK_TRACKS` tracks (a larger one alone)."""
    order = np.argsort(comp, kind="stable")
    ti, dj, cost, comp = ti[order], dj[order], cost[order], comp[order]
    labels = np.unique(comp)
    block_of = _blocks(tracks_in[labels], BLOCK_TRACKS)[np.searchsorted(labels, comp)]
    bounds = np.r_[0, np.flatnonzero(np.diff(block_of)) + 1, block_of.size]
    for a, b in pairwise(bounds.tolist()):
        _solve(out, ti[a:b], dj[a:b], cost[a:b], miss_cost)


def _blocks(sizes: np.ndarray, limit: int) -> np.ndarray:
    """Block number of each of a sequence of components of ``sizes`` tracks: consecutive components
    while their total stays within ``limit`` (a component larger than ``limit`` is a block alone)."""
    block = np.empty(sizes.size, dtype=np.intp)
    k, filled = 0, 0
    for i, s in enumerate(sizes.tolist()):  # (only components too large to enumerate: few)
        if filled and filled + s > limit:
            k, filled = k + 1, 0
        block[i] = k
        filled += s
    return block


def _solve(out: np.ndarray, ti: np.ndarray, dj: np.ndarray, cost: np.ndarray, miss_cost: np.ndarray) -> None:
    """Exact assignment of the pairs (one or several whole components) into ``out``."""
    from scipy.optimize import linear_sum_assignment  # (deferred: see the module docstring)

    t_ids, t_loc = np.unique(ti, return_inverse=True)
    d_ids, d_loc = np.unique(dj, return_inverse=True)
    nt, nd = t_ids.size, d_ids.size
    matrix = np.full((nt, nd + nt), np.inf)
    matrix[t_loc, d_loc] = cost
    matrix[np.arange(nt), nd + np.arange(nt)] = miss_cost[t_ids]
    rows, cols = linear_sum_assignment(matrix)
    real = cols < nd
    out[t_ids[rows[real]]] = d_ids[cols[real]]
