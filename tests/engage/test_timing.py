"""The engagement timing rule (:mod:`bastion.engage.timing`) against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bastion.engage.timing import DEFER_MARGIN, best_start, schedule_values


def _brute(pk: list[float], gap: int) -> list[float]:
    """V(k) by enumerating every second burst (or none) at least ``gap`` steps after ``k``."""
    out = []
    for k, p in enumerate(pk):
        second = [0.0] + [pk[j] for j in range(k + gap, len(pk))]
        out.append(max(1.0 - (1.0 - p) * (1.0 - q) for q in second))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_schedule_values_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    pk = rng.uniform(0.0, 0.9, n).tolist()
    for gap in (1, 2, 4):
        np.testing.assert_allclose(schedule_values(pk, gap), _brute(pk, gap), rtol=0, atol=1e-15)


def test_fires_now_unless_a_later_schedule_is_clearly_better():
    # a round closing on the gun: kill probabilities rise, and there is time for two bursts either way
    rising = [0.05, 0.08, 0.12, 0.2, 0.35, 0.5, 0.0]
    v = schedule_values(rising, 4)  # now: 0.05 then 0.5; at 1: 0.08 then 0.5 (+0.015); at 2: 0.12 alone...
    assert best_start(rising, gap=4) == 0  # ... so the best later start gains less than the margin
    assert best_start(rising, gap=2) == 3  # a quicker gun: 0.2 then 0.5 (0.6) beats 0.05 then 0.5 (0.525)
    v = schedule_values(rising, 2)
    assert v[3] == max(v) and v[3] > v[0] + DEFER_MARGIN
    # flat or falling: fire now
    assert best_start([0.3, 0.3, 0.3, 0.3], gap=2) == 0
    assert best_start([0.4, 0.3, 0.2], gap=1) == 0
    # a gain within the margin is not worth waiting for
    assert best_start([0.30, 0.31], gap=4) == 0
    # NaN is no reason to wait
    assert best_start([0.2, float("nan"), float("nan")], gap=1) == 0


def test_best_start_is_the_earliest_of_the_best():
    pk = [0.0, 0.5, 0.5, 0.5]
    assert best_start(pk, gap=10) == 1
    for gap, pk in itertools.product((1, 3), ([0.1, 0.6, 0.1, 0.6], [0.2, 0.2, 0.7, 0.0])):
        v = schedule_values(pk, gap)
        k = best_start(pk, gap, margin=0.0)
        assert v[k] == max(v) and all(v[j] < v[k] for j in range(k))
