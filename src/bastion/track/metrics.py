"""Multi-target tracking metrics: GOSPA and OSPA per scan, and track-continuity counts.

**GOSPA** (A. S. Rahmathullah, A. F. Garcia-Fernandez and L. Svensson, "Generalized optimal
sub-pattern assignment metric", FUSION 2017, eq. 2 with alpha = 2): for truths X and estimates Y,

    d = ( min_gamma sum_{(i,j) in gamma} d(x_i, y_j)^p + c^p/2 (|X| + |Y| - 2 |gamma|) )^(1/p)

over partial assignments gamma of pairs closer than the cut-off c. It splits into localisation
(sum of d^p over gamma), missed (c^p/2 per unassigned truth) and false (c^p/2 per unassigned
estimate) parts — the parts are in units of distance^p, as in Stone Soup's ``GOSPAMetric``.

**OSPA** (D. Schuhmacher, B.-T. Vo and B.-N. Vo, "A consistent metric for performance evaluation of
multi-object filters", IEEE TSP 56(8), 2008, eq. 3): with n = max(|X|, |Y|),
d = ( (min_pi sum min(d, c)^p + c^p | |X| - |Y| |) / n )^(1/p); 0 when both sets are empty.

Both minimisations have the same optimal assignment (pairs farther than c are worth nothing to
either), found sparsely: a k-d tree lists the pairs closer than c, and each connected cluster of
them is solved exactly (:func:`bastion.track.gnn.assign` with cost d^p and c^p for a truth left
unassigned), so scoring 1,000 targets costs no dense 1,000 x 1,000 problem.

**Continuity** (per truth, through the GOSPA assignment of every scan; K. Bernardin and
R. Stiefelhagen, "Evaluating multiple object tracking performance: the CLEAR MOT metrics", EURASIP
JIVP 2008, §2.1.3, for id switches; Y. Li, C. Huang and R. Nevatia, CVPR 2009, for fragmentations):
an *id switch* is a scan at which a truth is assigned a track other than the last track it was
assigned; a *fragmentation* is a scan at which a truth is assigned again after one or more scans
(while it existed) unassigned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from bastion.track.gnn import assign


@dataclass(frozen=True)
class ScanScore:
    """GOSPA (with its parts) and OSPA of one scan, and the truth-to-estimate assignment."""

    gospa: float
    localisation: float  # sum of d^p over assigned pairs [m^p]
    missed: float  # c^p / 2 per missed truth [m^p]
    false: float  # c^p / 2 per false estimate [m^p]
    ospa: float
    assignment: np.ndarray  # (|X|,) index of the estimate assigned to each truth, -1: none


def score_scan(truth: np.ndarray, estimates: np.ndarray, c: float = 100.0, p: float = 1.0) -> ScanScore:
    """GOSPA (alpha = 2) and OSPA between truth points (n, d) and estimated points (m, d)."""
    if c <= 0 or p < 1:
        raise ValueError("metrics: need c > 0 and p >= 1")
    truth, estimates = np.asarray(truth, dtype=float), np.asarray(estimates, dtype=float)
    dim = truth.shape[-1] if truth.size else estimates.shape[-1] if estimates.size else 1
    truth, estimates = truth.reshape(-1, dim), estimates.reshape(-1, dim)
    n, m = truth.shape[0], estimates.shape[0]
    assigned = np.full(n, -1, dtype=np.intp)
    loc = 0.0
    if n and m:
        pairs = cKDTree(truth).sparse_distance_matrix(cKDTree(estimates), c, output_type="coo_matrix")
        close = pairs.data < c
        ti, ej, d = pairs.row[close].astype(np.intp), pairs.col[close].astype(np.intp), pairs.data[close]
        cost = d**p
        assigned = assign(n, m, ti, ej, cost, np.full(n, c**p))
        if (assigned >= 0).any():
            hit = np.flatnonzero(assigned >= 0)
            loc = float(np.sum(np.linalg.norm(truth[hit] - estimates[assigned[hit]], axis=1) ** p))
    k = int((assigned >= 0).sum())
    half = c**p / 2.0
    missed, false = half * (n - k), half * (m - k)
    gospa = (loc + missed + false) ** (1.0 / p)
    big = max(n, m)
    ospa = ((loc + c**p * (big - k)) / big) ** (1.0 / p) if big else 0.0
    return ScanScore(gospa, loc, missed, false, ospa, assigned)


@dataclass(frozen=True)
class SequenceScore:
    """Per-scan metrics over a run, their means and the continuity counts."""

    times: np.ndarray  # (K,) scan times [s]
    gospa: np.ndarray  # (K,)
    localisation: np.ndarray
    missed: np.ndarray
    false: np.ndarray
    ospa: np.ndarray
    id_switches: int
    fragmentations: int
    c: float
    p: float

    def summary(self) -> dict:
        """Means over scans (GOSPA parts as in the testbed's scorer) and the continuity counts."""
        mean = (lambda a: float(np.mean(a))) if self.times.size else (lambda a: 0.0)
        return {
            "gospa": mean(self.gospa),
            "localisation": mean(self.localisation),
            "missed": mean(self.missed),
            "false": mean(self.false),
            "ospa": mean(self.ospa),
            "id_switches": self.id_switches,
            "fragmentations": self.fragmentations,
            "scans": int(self.times.size),
            "c": self.c,
            "p": self.p,
        }


def score_sequence(
    truth: dict[float, tuple[np.ndarray, np.ndarray]],
    tracks: dict[float, tuple[np.ndarray, np.ndarray]],
    c: float = 100.0,
    p: float = 1.0,
) -> SequenceScore:
    """Score estimates against truth over scans: both map scan time -> (ids (k,), positions (k, d)).

    Scans are the union of the times of both; a time absent from one side has no points there."""
    times = np.array(sorted(set(truth) | set(tracks)), dtype=float)
    empty = (np.zeros(0, dtype=np.int64), np.zeros((0, 3)))
    rows = []
    all_truth = np.unique(np.concatenate([np.asarray(v[0]) for v in truth.values()] or [np.zeros(0, np.int64)]))
    last_id = np.full(all_truth.size, -1, dtype=np.int64)
    tracked_before = np.zeros(all_truth.size, dtype=bool)  # assigned at the truth's previous scan
    ever = np.zeros(all_truth.size, dtype=bool)
    switches = fragments = 0
    for t in times:  # one assignment per scan (each vectorised over its points)
        t_ids, t_pos = truth.get(t, empty)
        e_ids, e_pos = tracks.get(t, empty)
        s = score_scan(t_pos, e_pos, c, p)
        rows.append((s.gospa, s.localisation, s.missed, s.false, s.ospa))
        if len(t_ids):
            k = np.searchsorted(all_truth, t_ids)
            got = (
                np.where(s.assignment >= 0, np.asarray(e_ids)[np.maximum(s.assignment, 0)], -1)
                if len(e_ids)
                else (np.full(len(t_ids), -1))
            )
            on = got >= 0
            switches += int(np.sum(on & (last_id[k] >= 0) & (got != last_id[k])))
            fragments += int(np.sum(on & ever[k] & ~tracked_before[k]))
            last_id[k] = np.where(on, got, last_id[k])
            tracked_before[k] = on
            ever[k] |= on
    arr = np.array(rows, dtype=float).reshape(-1, 5)
    return SequenceScore(times, *arr.T, switches, fragments, c, p)
