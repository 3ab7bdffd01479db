"""The assignment across effectors (least expected leakage, then least cost) against independent references:

* its leakage equals the proven optimum of the exact MILP/column-generation solver
  (:func:`bastion.engage.wta.exact.solve_exact`, forced to column generation) within the leakage
  tolerance (1e-6 of the value at stake), on small random instances with guns, launchers and lasers;
* its cost is the least among all assignments within that tolerance of the least leakage, by a brute
  force written here (every (T + 1)^W assignment, idle included);
* a weapon with no chance is never given a target; NaN kill probabilities never fire;
* beyond enumeration (the heuristic path) its leakage is within the tolerance of the fast heuristic's
  and its cost no higher.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bastion.engage.wta.exact import solve_exact
from bastion.engage.wta.fast import solve_fast
from bastion.engage.wta.instance import surviving_value
from bastion.engage.wta.lexicographic import assignment_cost, solve_lexicographic

TOL = 1e-6


def brute(pk, values, costs, tol=TOL):
    """(least leakage, least cost within tol of it) over every assignment, written independently."""
    w, t = pk.shape
    best = []
    for combo in itertools.product(range(-1, t), repeat=w):
        survive = values.astype(float).copy()
        cost = 0.0
        for i, j in enumerate(combo):
            if j >= 0:
                survive[j] *= 1.0 - pk[i, j]
                cost += costs[i, j]
        best.append((float(survive.sum()), cost))
    least = min(b[0] for b in best)
    return least, min(c for leak, c in best if leak <= least + tol * values.sum())


def instance(seed: int):
    rng = np.random.default_rng(seed)
    w, t = int(rng.integers(1, 6)), int(rng.integers(1, 5))
    values = rng.integers(1, 101, size=t).astype(float)
    pk = rng.uniform(0.0, 1.0, size=(w, t))
    pk[rng.random((w, t)) < 0.3] = 0.0  # out of reach
    pk[rng.random((w, t)) < 0.1] = 1.0  # a certain kill: ties that cost must break
    kind = rng.integers(0, 3, size=w)  # 0: a gun's burst, 1: an interceptor, 2: a laser shot
    unit = np.array([150 * 40.0, 125_000.0, 1.0])[kind]
    costs = np.broadcast_to(unit[:, None], (w, t)) * rng.uniform(0.8, 1.2, size=(w, t))
    return pk, values, costs


@pytest.mark.parametrize("seed", range(40))
def test_leakage_is_the_exact_optimum_and_cost_the_least_within_it(seed):
    pk, values, costs = instance(seed)
    a = solve_lexicographic(pk, values, costs, TOL)
    exact = solve_exact(pk, values, exhaustive_below=0)  # column generation, proven
    assert exact.proven_optimal
    leak = surviving_value(pk, values, a)
    assert leak <= exact.value + TOL * values.sum() + 1e-12
    least, cheapest = brute(pk, values, costs)
    assert exact.value == pytest.approx(least, rel=1e-9, abs=1e-12)
    assert assignment_cost(costs, a) == pytest.approx(cheapest, rel=1e-12, abs=1e-9)
    assert all(pk[i, j] > 0.0 for i, j in enumerate(a) if j >= 0)  # never a weapon with no chance


def test_cost_breaks_a_tie_of_certain_kills():
    """A laser shot and an interceptor both certain: the laser's dollar, not the $125k interceptor."""
    pk = np.array([[1.0], [1.0]])
    a = solve_lexicographic(pk, np.array([50.0]), np.array([[125_000.0], [1.0]]))
    assert a.tolist() == [-1, 0]


def test_leakage_comes_before_cost():
    """An interceptor that adds 0.1 of a kill is launched however much it costs."""
    pk = np.array([[0.9], [0.5]])
    a = solve_lexicographic(pk, np.array([50.0]), np.array([[1.0], [125_000.0]]))
    assert a.tolist() == [0, 0]


def test_nan_kill_probability_never_fires():
    a = solve_lexicographic(np.array([[np.nan, 0.5]]), np.array([10.0, 1.0]), np.zeros((1, 2)))
    assert a.tolist() == [1]


@pytest.mark.parametrize("seed", range(3))
def test_heuristic_path_keeps_leakage_and_does_not_raise_cost(seed):
    rng = np.random.default_rng(100 + seed)
    w, t = 12, 10  # 11^12 assignments: beyond enumeration
    values = rng.integers(25, 101, size=t).astype(float)
    pk = rng.uniform(0.3, 0.9, size=(w, t))
    costs = np.where(np.arange(w)[:, None] % 2 == 0, 125_000.0, 6_000.0) * np.ones((w, t))
    a = solve_lexicographic(pk, values, costs, TOL)
    b = solve_fast(pk, values).assignment
    assert surviving_value(pk, values, a) <= surviving_value(pk, values, b) + TOL * values.sum()
    assert assignment_cost(costs, a) <= assignment_cost(costs, b) + 1e-9
