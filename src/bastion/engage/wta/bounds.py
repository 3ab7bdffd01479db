"""Lagrangian lower bound of the WTA and exact pricing of target columns.

Relax "each weapon engages at most one target" with prices w_i >= 0. What is left splits by target:

    L(w) = sum_j min_S h_j(S) - sum_i w_i,      h_j(S) = V_j prod_{i in S} q_ij + sum_{i in S} w_i,

over all subsets S of weapons (q_ij = 1 - p_ij). For every feasible assignment x with target sets
S_j, f(x) = sum_j h_j(S_j) - w(used) >= L(w): **L(w) is a valid lower bound for any w >= 0**, which
is all the exact solver needs for its proof. Its maximum over w equals the linear relaxation of
the set-partitioning ("column") formulation of the WTA, the strongest bound a per-target
decomposition gives (Geoffrion 1974, "Lagrangean relaxation for integer programming", Math. Prog.
Study 2:82-114); the exact solver reaches it by column generation.

Moreover f(x) - L(w) = sum_j [h_j(S_j) - min h_j] + w(unused) >= 0 term by term, so every assignment
better than a known value UB uses, on each target j, a set with h_j(S) <= min h_j + (UB - L(w)).
:func:`price` lists exactly those sets ("reduced-cost fixing"); the exact solver then needs only them.

:func:`price` finds min_S h_j(S) exactly by enumerating sets level by level (all targets at once),
pruning a partial set S when no superset can get below the threshold. The pruning bound is the
continuous relaxation of the extension problem

    min over E of  z prod_{i in E} q_i + w(E)  >=  min_{x in [0,1]^E} z exp(-sum_i a_i x_i) + sum_i w_i x_i,

with z = V_j prod_S q, a_i = -ln q_ij and E drawn from the weapons after S's last one. For a fixed
total t = sum a_i x_i the cheapest x is a fractional knapsack (fill in increasing order of
rho_i = w_i / a_i), so the relaxation is min_t z e^{-t} + C(t) with C convex piecewise linear: a 1-D
convex problem solved in closed form on the segment where -z e^{-t} + rho crosses zero. Weapons are
enumerated in that rho order, so the candidates for extension are always a suffix of the order and
the relaxation is taken over exactly that suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

A_CAP = 700.0  # cap of a_ij = -ln q_ij for p_ij = 1: the relaxation then sees q = e^-700 ~ 1e-304, not 0
RHO_USELESS = 1e300  # price ratio given to weapons with p_ij = 0 (sorted last, zero-length segment)


@dataclass
class Columns:
    """Target columns (j, S) from :func:`price`; weapon sets grouped by size."""

    best: np.ndarray  # min_S h_j(S) per target (T,); exact when ``complete``
    complete: bool  # False: the work cap was reached, ``best`` is only an upper estimate
    target: list[np.ndarray]  # per set size k: target of each column (n_k,)
    members: list[np.ndarray]  # per set size k: weapons of each column, ascending (n_k, k)
    h: list[np.ndarray]  # per set size k: h_j(S) (n_k,)

    def lagrangian_bound(self, w: np.ndarray) -> float:
        """L(w) = sum_j min_S h_j(S) - sum_i w_i; a valid lower bound only when ``complete``."""
        return float(self.best.sum() - w.sum())

    def count(self) -> int:
        return int(sum(t.size for t in self.target))


def price(values: np.ndarray, q: np.ndarray, w: np.ndarray, slack: float = 0.0, max_work: int = 4_000_000) -> Columns:
    """All sets S with h_j(S) <= min_S h_j(S) + slack, for every target j, and the minima.

    ``values`` (T,), ``q`` (W, T) survival probabilities, ``w`` (W,) prices >= 0. ``max_work`` caps
    the candidate sets looked at in one extension step; past it the result is marked incomplete.
    """
    n_weapons, n_targets = q.shape
    w = np.maximum(np.asarray(w, dtype=float), 0.0)
    useless = q >= 1.0  # p_ij = 0: never in a useful set (dropping it lowers h); kept out of the enumeration
    with np.errstate(divide="ignore"):
        a = np.where(useless, 0.0, np.minimum(-np.log(np.where(useless, 1.0, q)), A_CAP))
    rho = np.where(useless, RHO_USELESS, w[:, None] / np.where(useless, 1.0, a))
    order = np.argsort(rho, axis=0, kind="stable")  # position -> weapon, per target; useless ones last
    rho_s = np.take_along_axis(rho, order, 0)
    a_s = np.take_along_axis(a, order, 0)
    q_s = np.take_along_axis(q, order, 0)
    ok_s = ~np.take_along_axis(useless, order, 0)
    w_s = w[order]
    cum_a = np.vstack([np.zeros((1, n_targets)), np.cumsum(a_s, 0)])  # (W+1, T): knapsack breakpoints t_k
    cum_w = np.vstack([np.zeros((1, n_targets)), np.cumsum(w_s, 0)])  # (W+1, T): C(t_k)
    with np.errstate(divide="ignore"):
        log_rho = np.log(rho_s)  # -inf where w = 0
        key_t = (cum_a[1:] + log_rho).T  # (T, W), nondecreasing along W: segment k is optimal iff first key >= ln z
    log_rho = np.where(rho_s > 0, log_rho, 0.0)

    def extension_bound(z: np.ndarray, j: np.ndarray, start: np.ndarray) -> np.ndarray:
        """min over extensions from positions >= start of z prod q + w, relaxed (<= the true minimum)."""
        lz = np.log(np.maximum(z, 1e-300))
        base_a = cum_a[start, j]
        base_w = cum_w[start, j]
        # first segment k >= start whose right end has slope rho_k >= z e^{-t}: a binary search in
        # the target's own key row. One numpy call per target present (T <= a few hundred), each over
        # all of that target's candidates: exact, and memory O(n) instead of O(n W).
        query = lz + base_a
        k = np.empty(z.size, dtype=np.intp)
        by_target = np.argsort(j, kind="stable")
        bounds_ = np.searchsorted(j[by_target], np.arange(n_targets + 1))
        for tj in np.nonzero(np.diff(bounds_))[0]:
            sel = by_target[bounds_[tj] : bounds_[tj + 1]]
            k[sel] = np.searchsorted(key_t[tj], query[sel])
        k = np.minimum(np.maximum(k, start), n_weapons - 1)
        lo = cum_a[k, j] - base_a
        hi = cum_a[k + 1, j] - base_a
        r = rho_s[k, j]
        t = np.clip(np.where(r > 0, lz - log_rho[k, j], hi), lo, hi)
        val = z * np.exp(-t) + (cum_w[k, j] - base_w) + r * (t - lo)
        return np.minimum(np.where(start >= n_weapons, z, val), z)

    best = np.asarray(values, dtype=float).copy()  # S = {} : h = V_j
    out_t = [np.arange(n_targets)]
    out_m = [np.zeros((n_targets, 0), dtype=np.intp)]
    out_h = [best.copy()]
    # level 1: every (weapon position, target)
    pos, jj = np.nonzero(ok_s)
    z = values[jj] * q_s[pos, jj]
    ws = w_s[pos, jj]
    members = pos[:, None]
    h = z + ws
    np.minimum.at(best, jj, h)
    complete = True
    while h.size:
        threshold = best[jj] + slack
        keep = h <= threshold
        out_t.append(jj[keep])
        out_m.append(members[keep])
        out_h.append(h[keep])
        start = members[:, -1] + 1
        grow = (start < n_weapons) & (ws + extension_bound(z, jj, start) <= threshold)
        if not grow.any():
            break
        jj, z, ws, members, start = jj[grow], z[grow], ws[grow], members[grow], start[grow]
        if jj.size * n_weapons > max_work:
            complete = False
            break
        r, c = np.nonzero((np.arange(n_weapons)[None, :] >= start[:, None]) & ok_s[:, jj].T)
        jj = jj[r]
        z = z[r] * q_s[c, jj]
        ws = ws[r] + w_s[c, jj]
        members = np.hstack([members[r], c[:, None]])
        h = z + ws
        np.minimum.at(best, jj, h)
    # final filter against the final minima; positions -> weapon indices, ascending
    cols_t, cols_m, cols_h = [], [], []
    for t_k, m_k, h_k in zip(out_t, out_m, out_h, strict=True):
        keep = h_k <= best[t_k] + slack
        t_k, m_k, h_k = t_k[keep], m_k[keep], h_k[keep]
        weapons = np.sort(order[m_k, t_k[:, None]], axis=1) if m_k.shape[1] else m_k
        cols_t.append(t_k)
        cols_m.append(weapons)
        cols_h.append(h_k)
    return Columns(best=best, complete=complete, target=cols_t, members=cols_m, h=cols_h)


def lagrangian_bound(values: np.ndarray, q: np.ndarray, w: np.ndarray, max_work: int = 4_000_000) -> float | None:
    """L(w) for prices ``w`` >= 0 (a proven lower bound on the optimum); None past the work cap."""
    w = np.maximum(np.asarray(w, dtype=float), 0.0)
    cols = price(values, q, w, 0.0, max_work)
    return cols.lagrangian_bound(w) if cols.complete else None
