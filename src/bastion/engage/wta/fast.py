"""Fast WTA heuristic for real-time use: assignment-problem starts, a very large scale neighbourhood
searched exactly by assignment problems, local search, and kicks.

Method (after Ahuja, Kumar, Jha and Orlin 2007, "Exact and heuristic algorithms for the weapon-target
assignment problem", Operations Research 55(6):1136-1146, whose very large scale neighbourhood (VLSN)
search moves one weapon out of each of many targets at once):

1. **Start.** A linear assignment problem (LAP) over target "slots": slot k of target j costs
   V_j g_j^k (q_ij - 1), the marginal change of a k-th weapon if each earlier one left the target's
   survival multiplied by g_j, with K = ceil(W/T) slots. For W <= T it is the exact best
   one-weapon-per-target assignment. With more weapons than targets the local optimum depends on
   the start, so three starts (g_j the geometric mean, maximum and minimum of the target's q_ij)
   and, for small instances, the maximum-marginal-return greedy are each descended (steps 2-3) and
   the best is kept.
2. **Re-insertion neighbourhood, solved exactly by a LAP.** Take out one weapon from every target
   (a random one where a target holds several; every other round a random 20 % of the targets keep
   all theirs) plus every idle weapon, and put them back with at most one per target. Because each
   target then receives at most one weapon, the objective is *linear* in the re-insertion: weapon i
   on target j changes it by V_j s_j' (q_ij - 1), s_j' the target's survival without its removed
   weapon. One LAP finds the best of the exponentially many cyclic exchanges, path exchanges and
   moves at once; the current assignment is one of them, so a round never makes things worse.
3. **Local search** polishes with the best single move (weapon to another target; this is how a
   target gets one more weapon) or the best swap of two weapons' targets, each evaluated for all
   pairs at once as a (W, T) or (W, W) array.
4. **Kicks** (iterated local search): while the round budget lasts, reassign 10 % of the weapons at
   random and descend again; keep the better result; stop after 5 kicks in a row gain nothing.

Random choices come from a ``numpy.random.Generator`` seeded by ``seed``: the answer is reproducible.
The budget is a number of LAP rounds (:func:`default_rounds`), not a clock, for the same reason.

Measured (benchmarks/assignment.py) on the random instances of Ahuja et al. (V_j ~ U{25..100},
p_ij ~ U(0.6, 0.9)): 100 x 100 in about 2-4 ms, at the proven optimum on every instance tried (the
maximum-marginal-return greedy is 2-20 % off); with twice as many weapons as targets within about
0.4 %. Tiny instances (T^W <= 20 000, the engine's usual call) are enumerated instead: faster still,
and optimal.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.optimize import linear_sum_assignment

from bastion.engage.wta.instance import Solution, check_arrays, sanitise, surviving_value
from bastion.engage.wta.small import MAX_COMBINATIONS, combinations, exhaustive

Q_FLOOR = 1e-12  # survival floor inside the heuristic (keeps divisions finite when p_ij = 1)
KICK_FRACTION = 0.1  # share of weapons reassigned at random by a kick
MAX_FAILED_KICKS = 5  # consecutive kicks without improvement before stopping early
KEEP = 0.2  # every other round, share of targets that keep all their weapons (and may gain one)
STALL_ROUNDS = 6  # non-improving re-insertion rounds before local search, where there is a choice
WORK_PER_CALL = 100_000  # default rounds = WORK_PER_CALL / (W T), clipped to [MIN_ROUNDS, MAX_ROUNDS]
MIN_ROUNDS, MAX_ROUNDS = 4, 40
GREEDY_START_MAX = 5_000  # W T up to which the greedy is one of the starts (it costs O(W^2 T))


def default_rounds(weapons: int, targets: int) -> int:
    """Re-insertion rounds budget: more for small instances, about constant time for large ones."""
    return int(np.clip(WORK_PER_CALL // max(weapons * targets, 1), MIN_ROUNDS, MAX_ROUNDS))


def survival(q: np.ndarray, assignment: np.ndarray, targets: int, skip: np.ndarray | None = None) -> np.ndarray:
    """Survival probability of each target (T,) under ``assignment``, leaving out weapons ``skip``
    (``q`` > 0: the heuristic floors it at :data:`Q_FLOOR`)."""
    used = assignment >= 0
    if skip is not None:
        used &= ~skip
    idx = np.nonzero(used)[0]
    log_s = np.bincount(assignment[idx], weights=np.log(q[idx, assignment[idx]]), minlength=targets)
    return np.exp(log_s)


def solve_lap(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum-cost assignment of every row of ``cost`` (R, C), R <= C, to distinct columns.

    :func:`scipy.optimize.linear_sum_assignment` (shortest augmenting paths, Crouse 2016) slows down
    ten-fold on WTA costs, where every weapon prefers the same high-value targets, unless the columns
    are reduced first (subtract each column's minimum: 0.06 ms instead of 0.8 ms at 100 x 100 here).
    Column reduction is exact only when every column is used, so a nearly square problem is padded
    with zero-cost dummy rows first (they take the columns nobody needs, at no cost).
    """
    r, c = cost.shape
    if 2 * r >= c:
        full = np.vstack([cost, np.zeros((c - r, c))]) if r < c else cost
        rows, cols = linear_sum_assignment(full - full.min(axis=0))
        real = rows < r
        return rows[real], cols[real]
    return linear_sum_assignment(cost)


def lap_start(values: np.ndarray, q: np.ndarray, typical: str = "geometric") -> np.ndarray:
    """Step 1: LAP over K = ceil(W/T) slots per target (see the module docstring).

    ``typical`` is the survival g_j a target is assumed to keep per weapon already on it: the
    geometric mean, the maximum (weakest weapon) or the minimum (strongest) of its q_ij.
    """
    w, t = q.shape
    k = max(1, math.ceil(w / t))
    if typical == "max":
        g = q.max(axis=0)
    elif typical == "min":
        g = q.min(axis=0)
    else:
        g = np.exp(np.mean(np.log(q), axis=0))
    cost = np.concatenate([(values * g**m)[None, :] * (q - 1.0) for m in range(k)], axis=1)
    rows, cols = solve_lap(cost)
    a = np.full(w, -1, dtype=np.intp)
    a[rows] = cols % t
    return a


def greedy_start(values: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Maximum marginal return (the engine's :class:`~bastion.engage.assign.GreedyAssigner`)."""
    from bastion.engage.assign import GreedyAssigner

    return np.asarray(GreedyAssigner().assign(1.0 - q, values), dtype=np.intp)


def removal_set(
    assignment: np.ndarray, targets: int, rng: np.random.Generator, keep: float = 0.0
) -> tuple[np.ndarray, bool]:
    """One weapon from every engaged target (random among several) plus every idle weapon; and
    whether any target had a choice (otherwise the neighbourhood is the same every round)."""
    w = assignment.size
    order = np.lexsort((rng.random(w), assignment))
    tgt = assignment[order]
    first = np.ones(w, dtype=bool)
    first[1:] = tgt[1:] != tgt[:-1]
    starts = np.nonzero(first)[0]
    sizes = np.diff(np.append(starts, w))
    choice = bool(np.any(sizes[tgt[starts] >= 0] > 1))
    picked = order[starts]
    picked = picked[assignment[picked] >= 0]
    if keep > 0.0:
        picked = picked[rng.random(picked.size) >= keep]
    return np.concatenate([picked, np.nonzero(assignment < 0)[0]]), choice


def reinsert(values: np.ndarray, q: np.ndarray, assignment: np.ndarray, removed: np.ndarray):
    """Step 2: best re-insertion of ``removed`` (at most one per target) by one LAP; new (a, s)."""
    w, t = q.shape
    skip = np.zeros(w, dtype=bool)
    skip[removed] = True
    s_out = survival(q, assignment, t, skip)
    cost = (values * s_out)[None, :] * (q[removed] - 1.0)
    if removed.size > t:  # more weapons out than targets: the LAP places T of them, the rest stay idle
        cols_, rows_ = solve_lap(np.ascontiguousarray(cost.T))
        rows, cols = rows_, cols_
    else:
        rows, cols = solve_lap(cost)
    a = assignment.copy()
    a[removed] = -1
    a[removed[rows]] = cols
    s = s_out.copy()
    s[cols] *= q[removed[rows], cols]
    return a, s


def local_search(values: np.ndarray, q: np.ndarray, a: np.ndarray, s: np.ndarray, max_steps: int):
    """Step 3: best-improvement moves and swaps until none improves (or ``max_steps``)."""
    w, t = q.shape
    rows = np.arange(w)
    for _ in range(max_steps):
        vs = values * s
        own = np.where(a >= 0, a, 0)
        held = a >= 0
        qa = np.where(held, q[rows, own], 1.0)
        without = np.where(held, vs[own] / qa, 0.0)  # value of own target without weapon i
        removal = np.where(held, without - vs[own], 0.0)  # change from taking weapon i away
        move = removal[:, None] + vs[None, :] * (q - 1.0)
        move[rows[held], a[held]] = 0.0
        k = int(np.argmin(move))
        i, j = divmod(k, t)
        if move[i, j] < -1e-12 * max(vs.sum(), 1e-300):
            if a[i] >= 0:
                s[a[i]] /= q[i, a[i]]
            s[j] *= q[i, j]
            a[i] = j
            continue
        if not held.any():
            break
        # swap: weapon i2 takes i1's place on a[i1] and vice versa; dv[i2, i1] = change on a[i1]
        dv = without[None, :] * q[:, own] - vs[own][None, :]
        dv[:, ~held] = 0.0
        dv[~held, :] = 0.0
        swap = dv + dv.T
        swap[a[:, None] == a[None, :]] = 0.0
        k = int(np.argmin(swap))
        i1, i2 = divmod(k, w)
        if swap[i1, i2] < -1e-12 * max(vs.sum(), 1e-300):
            j1, j2 = a[i1], a[i2]
            if j1 >= 0 and j2 >= 0:
                s[j1] = s[j1] / q[i1, j1] * q[i2, j1]
                s[j2] = s[j2] / q[i2, j2] * q[i1, j2]
                a[i1], a[i2] = j2, j1
                continue
        break
    return a, survival(q, a, t)  # fresh product: no drift from repeated division


def descend(values, q, a, rounds: int, rng: np.random.Generator):
    """Steps 2-3 until neither improves or ``rounds`` LAP rounds are spent; (a, s, value, used)."""
    w, t = q.shape
    s = survival(q, a, t)
    best = float(values @ s)
    used = stall = 0
    while used < rounds:
        removed, choice = removal_set(a, t, rng, KEEP if used % 2 else 0.0)
        used += 1
        a_new, s_new = reinsert(values, q, a, removed)
        v = float(values @ s_new)
        if v < best * (1 - 1e-12):
            a, s, best, stall = a_new, s_new, v, 0
            continue
        stall += 1
        if stall < (STALL_ROUNDS if choice else 1):
            continue
        a2, s2 = local_search(values, q, a.copy(), s.copy(), max_steps=2 * w + 10)
        v2 = float(values @ s2)
        if v2 < best * (1 - 1e-12):
            a, s, best, stall = a2, s2, v2, 0
            continue
        break
    return a, s, best, used


def heuristic_assignment(values: np.ndarray, q: np.ndarray, rounds: int | None = None, seed: int = 0) -> np.ndarray:
    """Assignment (W,) from steps 1-4 for survival probabilities ``q`` (W, T), T >= 1.

    With more weapons than targets the result depends on the start (targets share several weapons
    and one-weapon exchanges cannot redistribute them), so each of several starts (slot LAPs under
    three survival assumptions, and the greedy for small instances) is descended and the best kept.
    """
    w, t = q.shape
    q = np.maximum(q, Q_FLOOR)
    rounds = default_rounds(w, t) if rounds is None else int(rounds)
    rng = np.random.default_rng(seed)
    starts = [lambda: lap_start(values, q)]
    if w > t:
        starts += [lambda: lap_start(values, q, "max"), lambda: lap_start(values, q, "min")]
        if w * t <= GREEDY_START_MAX:
            starts.append(lambda: greedy_start(values, q))
    a, best, used = None, np.inf, 0
    for n, start in enumerate(starts):
        share = max((rounds - used) // (len(starts) - n), 1)
        b, _, v, spent = descend(values, q, start(), share, rng)
        used += spent
        if v < best:
            a, best = b, v
    failed = 0
    while used < rounds and failed < MAX_FAILED_KICKS:  # step 4: kicks
        b = a.copy()
        m = max(2, int(KICK_FRACTION * w))
        pick = rng.choice(w, size=min(m, w), replace=False)
        b[pick] = rng.integers(0, t, size=pick.size)
        b, _, v, spent = descend(values, q, b, rounds - used, rng)
        used += spent
        if v < best * (1 - 1e-12):
            a, best, failed = b, v, 0
        else:
            failed += 1
    return a


def solve_fast(pk: np.ndarray, values: np.ndarray, rounds: int | None = None, seed: int = 0) -> Solution:
    """Heuristic solution of the instance (bound None unless it was small enough to enumerate)."""
    t0 = time.perf_counter()
    pk, values = check_arrays(pk, values)
    w, t = pk.shape
    if t == 0 or w == 0:
        a = np.full(w, -1, dtype=np.intp)
        v = float(values.sum())
        return Solution(a, v, v, True, time.perf_counter() - t0, "fast")
    if combinations(w, t) <= MAX_COMBINATIONS:
        a, _ = exhaustive(1.0 - pk, values)
        a = drop_useless(pk, a)
        v = surviving_value(pk, values, a)
        return Solution(a, v, v, True, time.perf_counter() - t0, "fast (exhaustive)")
    a = drop_useless(pk, heuristic_assignment(values, 1.0 - pk, rounds, seed))
    return Solution(a, surviving_value(pk, values, a), None, False, time.perf_counter() - t0, "fast")


def drop_useless(pk: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Weapons whose target they cannot hurt (p_ij = 0) are left idle: same value, no wasted fire."""
    a = a.copy()
    held = np.nonzero(a >= 0)[0]
    a[held[pk[held, a[held]] <= 0.0]] = -1
    return a


class FastAssigner:
    """:class:`~bastion.engage.assign.Assigner` for the engine: exhaustive when tiny, else the heuristic.

    ``rounds`` caps the re-insertion rounds (None: :func:`default_rounds`); ``seed`` fixes the kicks.
    """

    def __init__(self, rounds: int | None = None, seed: int = 0):
        self.rounds = rounds
        self.seed = seed

    def assign(self, pk: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Target index of each weapon (W,), -1 for none."""
        pk, values = sanitise(pk, values)
        w, t = pk.shape
        if w == 0 or t == 0:
            return np.full(w, -1, dtype=int)
        if combinations(w, t) <= MAX_COMBINATIONS:
            a, _ = exhaustive(1.0 - pk, values)
        else:
            a = heuristic_assignment(values, 1.0 - pk, self.rounds, self.seed)
        return drop_useless(pk, a).astype(int)
