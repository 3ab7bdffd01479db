"""Weapon-target assignment across effectors of different costs: least expected leakage first, then
least cost (issue 19).

Weapons i (guns, interceptor launchers, lasers), targets j with values V_j, kill probabilities p_ij
and costs c_ij (the rounds of a burst, an interceptor, a laser shot); each weapon engages at most one
target. The order of the two objectives is strict:

1. **Leakage**: the expected surviving value L(x) = sum_j V_j prod_i (1 - p_ij)^x_ij (the static WTA
   of :mod:`bastion.engage.assign`) is minimised; assignments whose leakage is within
   ``tol * sum_j V_j`` of the least are equal in this respect (a tolerance, so that rounding never
   decides, and a doctrine figure: ``[defence.layers] leakage_tolerance``).
2. **Cost**: among those, the cheapest C(x) = sum_ij c_ij x_ij; a remaining tie goes to the lesser
   leakage, then to the first in enumeration order (weapon 0's target varying slowest).

Method: up to :data:`MAX_ENUMERATION` complete assignments ((T + 1)^W, idle included) are
enumerated (vectorised), which is exact for both stages — a site's few effectors against the few
targets in reach at one scan. Beyond, the leakage stage is the fast heuristic
(:mod:`bastion.engage.wta.fast`, at the proven optimum on the benchmark instances) and the cost
stage a descent on L + lambda C with lambda = tol sum V / sum_i max_j c_ij (so that all the cost
there is never outweighs the leakage tolerance) over single-weapon moves (to another target or
idle) until no move improves: a heuristic, stated as such.
"""

from __future__ import annotations

import itertools

import numpy as np

from bastion.engage.wta.fast import solve_fast
from bastion.engage.wta.instance import surviving_value

MAX_ENUMERATION = 60_000
MAX_DESCENT_ROUNDS = 50


def _clean(pk, values, costs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays as floats; a NaN or out-of-range kill probability counts as 0 (never fire on bad data),
    a NaN or negative value or cost as 0."""
    pk = np.asarray(pk, dtype=float)
    pk = np.where(np.isfinite(pk), np.clip(pk, 0.0, 1.0), 0.0)
    values = np.asarray(values, dtype=float)
    values = np.where(np.isfinite(values) & (values > 0.0), values, 0.0)
    costs = np.asarray(costs, dtype=float)
    costs = np.where(np.isfinite(costs) & (costs > 0.0), costs, 0.0)
    return pk, values, costs


def assignment_cost(costs: np.ndarray, a: np.ndarray) -> float:
    """C(x) of an assignment (W,) of target indices (-1: idle)."""
    used = np.flatnonzero(a >= 0)
    return float(costs[used, a[used]].sum())


def solve_lexicographic(pk, values, costs, tol: float = 1e-6) -> np.ndarray:
    """Target of each weapon (W,), -1 for idle: least expected leakage (within ``tol`` of the value at
    stake), then least cost (see the module docstring). A weapon is never given a target it has no
    chance against."""
    pk, values, costs = _clean(pk, values, costs)
    w, t = pk.shape
    out = np.full(w, -1, dtype=np.intp)
    if w == 0 or t == 0:
        return out
    band = tol * float(values.sum())
    if (t + 1) ** w <= MAX_ENUMERATION:
        combos = np.array(list(itertools.product(range(-1, t), repeat=w)), dtype=np.intp).reshape(-1, w)
        q = np.hstack([1.0 - pk, np.ones((w, 1))])  # column t: idle
        c = np.hstack([costs, np.zeros((w, 1))])
        col = np.where(combos < 0, t, combos)
        rows = np.arange(len(combos))
        chance = np.hstack([pk, np.ones((w, 1))]) > 0.0  # idle is never "useless"
        survive = np.ones((len(combos), t + 1))
        cost = np.zeros(len(combos))
        useless = np.zeros(len(combos), dtype=bool)
        for i in range(w):
            survive[rows, col[:, i]] *= q[i, col[:, i]]
            cost += c[i, col[:, i]]
            useless |= ~chance[i, col[:, i]]
        leak = survive[:, :t] @ values
        ok = (leak <= leak.min() + band) & ~useless
        # least cost, then least leakage, then enumeration order (lexsort: last key first)
        pick = np.flatnonzero(ok)[np.lexsort((np.flatnonzero(ok), leak[ok], cost[ok]))[0]]
        return combos[pick].copy()
    a = solve_fast(pk, values).assignment.astype(np.intp)
    a[(a >= 0) & (pk[np.arange(w), np.maximum(a, 0)] <= 0.0)] = -1
    scale = float(costs.max(axis=1).sum())
    lam = band / scale if scale > 0.0 else 0.0

    def objective(x: np.ndarray) -> float:
        return surviving_value(pk, values, x) + lam * assignment_cost(costs, x)

    best = objective(a)
    for _ in range(MAX_DESCENT_ROUNDS):
        improved = False
        for i in range(w):
            for j in range(-1, t):
                if j == a[i] or (j >= 0 and pk[i, j] <= 0.0):
                    continue
                b = a.copy()
                b[i] = j
                v = objective(b)
                if v < best - 1e-15 * max(abs(best), 1.0):
                    a, best, improved = b, v, True
        if not improved:
            break
    return a
