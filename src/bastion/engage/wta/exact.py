"""Exact static WTA: a proven optimum with its lower bound.

Method chosen, and why
----------------------
Ahuja, Kumar, Jha and Orlin (2007, Operations Research 55(6):1136-1146) prove optima by branch and
bound with minimum-cost-flow and Lagrangian bounds; Andersen, Pavlikov and Toffolo (2022, Annals of
Operations Research, doi:10.1007/s10479-022-04525-6) by "branch-and-adjust" on a piecewise-linear
MILP solved by CPLEX. The team's reference (``shared/bench/wta/wta_exact.py``) is outer approximation
of exp(sum_i ln q_ij x_ij) in a HiGHS MILP; its linear relaxation is weak (it lets fractional
weapons multiply the survival), so HiGHS branches a lot: 7-15 s for 80 x 80.

The strongest bound a per-target decomposition gives is the linear relaxation of the set-partitioning
("column") formulation: a column is a target with a whole set of weapons, costed exactly. Its dual is
the Lagrangian relaxation of the weapon constraints (:mod:`bastion.engage.wta.bounds`). On the random
instances of Ahuja et al. this bound almost always *equals* the optimum, and a good heuristic almost
always *finds* the optimum, so the proof is: close the gap at the root, with no branching at all.

1. **Upper bound**: the fast heuristic (:mod:`bastion.engage.wta.fast`). All further work is in units
   of its value (values divided by it), so LP costs and tolerances are of order one however small
   the surviving value; HiGHS' tolerances are absolute (~1e-7).
2. **Lower bound by column generation** on the set-partitioning LP (HiGHS simplex, warm-started as
   columns arrive; all single-weapon columns from the start). Pricing is exact
   (:func:`~bastion.engage.wta.bounds.price`), so every pricing round also yields the Lagrangian bound
   L(w), a valid lower bound whatever the LP's accuracy. Duals are stabilised by Wentges smoothing
   (w = alpha w_best + (1 - alpha) w_LP; Wentges 1997, Int. Trans. Oper. Res. 4(2):151-162), starting
   from the heuristic's prices (each weapon's best marginal gain elsewhere), which avoids the
   degenerate duals of the assignment-like first LP.
3. **If a gap remains** (bound below the incumbent): first the set-partitioning MILP over the columns
   generated so far (small; its optimum is usually the optimum) for a better incumbent, then
   reduced-cost fixing: any better assignment uses, on each target, a set within (UB - L(w)) of that
   target's best reduced cost; all such columns are enumerated exactly and the set-partitioning MILP
   over them is solved to optimality by HiGHS. No better assignment exists outside them, so its
   optimum is the global optimum and its dual bound a global bound.

The reported ``bound`` is max(L(w), the restricted MILP's dual bound) capped at the value; the optimum
is "proven" when value - bound <= tol * value (tol = 1e-9 by default). The bound's own floating-point
error is that of summing a few hundred doubles (~1e-13 relative), plus at most e^-700 relative where
p_ij = 1 (see :data:`~bastion.engage.wta.bounds.A_CAP`); step 3 also rests on HiGHS' MILP optimality
(its default feasibility tolerances, gaps set to zero).

Measured on this machine (benchmarks/assignment.py, shared 2-core host): 100 x 100 random instances
proven in about 0.15-0.35 s, 200 x 200 in about 1.6 s, against 8-18 s and ~60 s for the reference;
in the tests every instance tried was proven without step 3's enumeration being large. Instances with
many more weapons than targets need sets of 2-4 weapons per target and price more slowly (80 x 40
about 0.6 s, 200 x 100 many seconds). Tiny instances (T^W <= 20 000) are enumerated outright.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

from bastion.engage.wta.bounds import Columns, price
from bastion.engage.wta.fast import Q_FLOOR, drop_useless, heuristic_assignment, survival
from bastion.engage.wta.instance import Solution, check_arrays, sanitise, surviving_value
from bastion.engage.wta.small import MAX_COMBINATIONS, combinations, exhaustive

TOL = 1e-9  # relative optimality tolerance of "proven"
RC_EPS = 1e-9  # a column enters the LP when its reduced cost is below -RC_EPS
ALPHA = 0.5  # Wentges smoothing weight of the best prices so far
MAX_ITERATIONS = 300  # column generation rounds
MAX_WORK = 4_000_000  # candidate sets per pricing extension step
MAX_FIXED_COLUMNS = 200_000  # columns handed to the restricted MILP


class _Master:
    """The set-partitioning LP: rows W weapons (<= 1) then T targets (= 1); a column (j, S) costs
    V_j prod_{i in S} q_ij and has ones in the rows of S and of j."""

    def __init__(self, values: np.ndarray, q: np.ndarray, integer: bool = False):
        self.values, self.q = values, q
        self.w, self.t = q.shape
        self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", False)
        # no "threads" option: HiGHS has one global scheduler per process, and asking a new instance
        # for a different thread count after another instance started it makes the solve fail
        n = self.w + self.t
        inf = highspy.kHighsInf
        lower = np.concatenate([np.full(self.w, -inf), np.ones(self.t)])
        self.h.addRows(n, lower, np.ones(n), 0, np.zeros(n, np.int32), np.zeros(0, np.int32), np.zeros(0))
        self.integer = integer
        self.seen: set[tuple] = set()
        self.col_target: list[int] = []
        self.col_members: list[tuple[int, ...]] = []

    def add(self, targets: np.ndarray, members: np.ndarray) -> int:
        """Add columns (target (n,), weapons (n, k)) not yet present; returns how many were new."""
        if targets.size == 0:
            return 0
        keys = [(int(j), *m) for j, m in zip(targets.tolist(), members.tolist(), strict=True)]
        new = [i for i, key in enumerate(keys) if key not in self.seen]
        if not new:
            return 0
        self.seen.update(keys[i] for i in new)
        targets, members = targets[new], members[new]
        n, k = members.shape
        cost = self.values[targets] * (np.prod(self.q[members, targets[:, None]], axis=1) if k else 1.0)
        index = np.hstack([members, (self.w + targets)[:, None]]).astype(np.int32).ravel()
        starts = (np.arange(n) * (k + 1)).astype(np.int32)
        upper = np.ones(n) if self.integer else np.full(n, highspy.kHighsInf)
        self.h.addCols(n, cost, np.zeros(n), upper, index.size, starts, index, np.ones(index.size))
        if self.integer:
            first = len(self.col_target)
            idx = np.arange(first, first + n, dtype=np.int32)
            self.h.changeColsIntegrality(n, idx, np.full(n, highspy.HighsVarType.kInteger))
        self.col_target += targets.tolist()
        self.col_members += [tuple(m) for m in members.tolist()]
        return n

    def add_columns(self, cols: Columns) -> int:
        return sum(self.add(t, m) for t, m in zip(cols.target, cols.members, strict=True))

    def columns(self) -> Columns:
        """The columns added so far, grouped by set size (h left empty: not needed)."""
        sizes = np.array([len(m) for m in self.col_members], dtype=int)
        targets = np.asarray(self.col_target, dtype=np.intp)
        by_t, by_m = [], []
        for k in range(int(sizes.max(initial=0)) + 1):
            pick = np.nonzero(sizes == k)[0]
            by_t.append(targets[pick])
            by_m.append(np.array([self.col_members[i] for i in pick], dtype=np.intp).reshape(pick.size, k))
        return Columns(best=np.zeros(0), complete=True, target=by_t, members=by_m, h=[])

    def solve_lp(self) -> tuple[float, np.ndarray, np.ndarray]:
        """LP value, weapon prices w = -dual >= 0 (W,), target duals mu (T,)."""
        self.h.run()
        status = self.h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS could not solve the master LP: {self.h.modelStatusToString(status)}")
        dual = np.asarray(self.h.getSolution().row_dual)
        return float(self.h.getInfo().objective_function_value), np.maximum(-dual[: self.w], 0.0), dual[self.w :]

    def solve_mip(self, time_limit: float) -> tuple[np.ndarray | None, float, bool]:
        """Optimal assignment of the column MILP (None if infeasible), its dual bound, solved?"""
        self.h.setOptionValue("mip_rel_gap", 0.0)
        self.h.setOptionValue("mip_abs_gap", 0.0)
        self.h.setOptionValue("time_limit", max(float(time_limit), 0.01))
        self.h.run()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None, np.inf, True
        x = np.asarray(self.h.getSolution().col_value)
        a = np.full(self.w, -1, dtype=np.intp)
        for c in np.nonzero(x > 0.5)[0]:
            a[list(self.col_members[c])] = self.col_target[c]
        dual_bound = float(self.h.getInfo().mip_dual_bound)
        return a, dual_bound, status == highspy.HighsModelStatus.kOptimal

    def reduced_costs(self, cols: Columns, w: np.ndarray, mu: np.ndarray):
        """Columns of ``cols`` with reduced cost c + w(S) - mu_j < -RC_EPS under LP duals (w, mu)."""
        for t_k, m_k in zip(cols.target, cols.members, strict=True):
            if t_k.size == 0:
                continue
            k = m_k.shape[1]
            c = self.values[t_k] * (np.prod(self.q[m_k, t_k[:, None]], axis=1) if k else 1.0)
            rc = c + (w[m_k].sum(axis=1) if k else 0.0) - mu[t_k]
            neg = rc < -RC_EPS
            yield t_k[neg], m_k[neg]


def _prices(values: np.ndarray, q: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Starting prices: each weapon's best marginal gain on a target other than its own."""
    s = survival(np.maximum(q, Q_FLOOR), a, q.shape[1])
    gain = (values * s)[None, :] * (1.0 - q)
    held = np.nonzero(a >= 0)[0]
    gain[held, a[held]] = 0.0
    return gain.max(axis=1)


def solve_exact(
    pk: np.ndarray,
    values: np.ndarray,
    *,
    tol: float = TOL,
    time_limit: float = 60.0,
    exhaustive_below: int = MAX_COMBINATIONS,
    initial: np.ndarray | None = None,
    heuristic_rounds: int | None = None,
) -> Solution:
    """Proven-optimal assignment (see the module docstring); unproven with its bound past ``time_limit``.

    ``exhaustive_below``: instances with at most this many complete assignments (T^W) are enumerated
    instead (0: always column generation, as the tests do). ``initial``: an assignment to start from.
    ``heuristic_rounds``: the incumbent heuristic's LAP-round budget (None: its default).
    """
    t0 = time.perf_counter()
    pk, values = check_arrays(pk, values)
    n_w, n_t = pk.shape
    if n_w == 0 or n_t == 0:
        v = float(values.sum())
        return Solution(np.full(n_w, -1, dtype=np.intp), v, v, True, time.perf_counter() - t0, "exact")
    q = 1.0 - pk
    if combinations(n_w, n_t) <= min(exhaustive_below, MAX_COMBINATIONS):
        a = drop_useless(pk, exhaustive(q, values)[0])
        v = surviving_value(pk, values, a)
        return Solution(a, v, v, True, time.perf_counter() - t0, "exact (exhaustive)")
    # 1. incumbent
    a = heuristic_assignment(values, q, heuristic_rounds)
    if initial is not None:
        b = np.asarray(initial, dtype=np.intp)
        if surviving_value(pk, values, b) < surviving_value(pk, values, a):
            a = b
    scale = surviving_value(pk, values, a)
    if scale <= 0.0:  # nothing survives: 0 is a lower bound of any assignment (V >= 0, q >= 0)
        return Solution(drop_useless(pk, a), 0.0, 0.0, True, time.perf_counter() - t0, "exact (zero)")
    # Work in units of the incumbent's value, so LP costs and tolerances are of order one however
    # small the surviving value (HiGHS' tolerances are absolute, ~1e-7).
    a, lb, method = _prove(values / scale, q, a, tol, t0 + time_limit, time_limit)
    a = drop_useless(pk, a)
    value = surviving_value(pk, values, a)
    bound = None if lb is None else min(lb * scale, value)
    proven = bound is not None and value - bound <= tol * value
    return Solution(a, value, bound, proven, time.perf_counter() - t0, method)


def _prove(values: np.ndarray, q: np.ndarray, a: np.ndarray, tol: float, deadline: float, time_limit: float):
    """Steps 2-3 on values scaled so the incumbent ``a`` is worth 1: (best assignment, bound or None, method)."""
    n_t = q.shape[1]
    pk = 1.0 - q
    ub = surviving_value(pk, values, a)

    def close(ub: float, lb: float) -> bool:
        return ub - lb <= tol * ub

    # 2. column generation with Wentges smoothing; every pricing is exact, so lb is proven
    master = _Master(values, q)
    master.add(np.arange(n_t), np.zeros((n_t, 0), dtype=np.intp))
    ii, jj = np.nonzero(q < 1.0)
    master.add(jj, ii[:, None])
    for j in range(n_t):
        held = np.nonzero(a == j)[0]
        if held.size > 1:
            master.add(np.array([j]), held[None, :])
    w_best = _prices(values, q, a)
    lb = -np.inf
    cols = price(values, q, w_best, 0.0, MAX_WORK)
    if cols.complete:
        lb = cols.lagrangian_bound(w_best)
    master.add_columns(cols)
    iterations = 0
    while iterations < MAX_ITERATIONS and time.perf_counter() < deadline and not close(ub, lb):
        iterations += 1
        lp, w_lp, mu = master.solve_lp()
        if lb >= lp - tol * abs(lp):
            break  # the bound has reached the LP value: nothing more to gain at the root
        alpha, added = ALPHA, 0
        while True:
            w = alpha * w_best + (1.0 - alpha) * w_lp
            cols = price(values, q, w, 0.0, MAX_WORK)
            if cols.complete and cols.lagrangian_bound(w) > lb:
                lb, w_best = cols.lagrangian_bound(w), w
            for t_new, m_new in master.reduced_costs(cols, w_lp, mu):
                added += master.add(t_new, m_new)
            if added or alpha == 0.0:
                break
            alpha = 0.0 if alpha < 0.1 else alpha / 2  # mis-pricing: move towards the LP duals
        if not added:
            break  # LP optimal (pricing at its duals finds nothing): lb equals the LP value if complete
    bound, method = lb, "exact (column generation)"
    # 3. a better incumbent from the generated columns (the LP is usually integral or nearly so),
    # then reduced-cost fixing and the restricted set-partitioning MILP
    if not close(ub, lb) and np.isfinite(lb) and time.perf_counter() < deadline:
        generated = _Master(values, q, integer=True)
        generated.add_columns(master.columns())
        b, _, _ = generated.solve_mip(min(deadline - time.perf_counter(), 0.25 * time_limit))
        if b is not None and surviving_value(pk, values, b) < ub:
            a, ub = b, surviving_value(pk, values, b)
    if not close(ub, lb) and np.isfinite(lb) and time.perf_counter() < deadline:
        cols = price(values, q, w_best, (ub - lb) * (1 + 1e-9) + 1e-12 * ub, MAX_WORK)
        if cols.complete and cols.count() <= MAX_FIXED_COLUMNS:
            milp = _Master(values, q, integer=True)
            milp.add_columns(cols)
            b, dual_bound, solved = milp.solve_mip(deadline - time.perf_counter())
            if b is not None and surviving_value(pk, values, b) < ub:
                a, ub = b, surviving_value(pk, values, b)
            if solved:
                bound = max(lb, min(dual_bound, ub))
                method = "exact (column generation + reduced-cost fixing)"
    return a, (float(bound) if np.isfinite(bound) else None), method


class ExactAssigner:
    """:class:`~bastion.engage.assign.Assigner` returning proven optima (best found past ``time_limit`` s)."""

    def __init__(self, time_limit: float = 1.0):
        self.time_limit = time_limit
        self.last: Solution | None = None  # the last call's solution, with its bound

    def assign(self, pk: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Target index of each weapon (W,), -1 for none."""
        pk, values = sanitise(pk, values)
        self.last = solve_exact(pk, values, time_limit=self.time_limit)
        return self.last.assignment.astype(int)
