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


def _brute_rounds(pk: list[float], rounds: list[int], gap: int) -> list[tuple[float, float]]:
    """(V(k), expected rounds) by enumerating the second burst: the best (earliest of the best) kill
    probability at least ``gap`` steps after ``k``, fired only if the first did not kill."""
    out = []
    for k, p in enumerate(pk):
        later = [(pk[j], -j) for j in range(k + gap, len(pk)) if pk[j] > 0.0]
        if later:
            q, j = max(later)
            out.append((1.0 - (1.0 - p) * (1.0 - q), rounds[k] + (1.0 - p) * rounds[-j]))
        else:
            out.append((p, float(rounds[k])))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_expected_rounds_equal_brute_force(seed):
    from bastion.engage.timing import _schedules

    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 12))
    pk = rng.uniform(0.0, 0.9, n).round(2).tolist()  # rounded: ties between later bursts happen
    rounds = rng.integers(40, 151, n).tolist()
    for gap in (1, 2, 4):
        np.testing.assert_allclose(_schedules(pk, gap, rounds), _brute_rounds(pk, rounds, gap), rtol=0, atol=1e-12)


def test_a_short_magazine_waits_for_the_close_burst():
    """mortar-barrage seed 1, 34 s: a gun's burst now at 0.094 with the best later one at 0.44. Without
    a price the edge-of-envelope burst is fired (0.094 then 0.44 beats 0.44 alone by 0.05); with the
    magazines short of what the rounds in the air need, its 150 rounds are worth more at the close
    burst; with rounds to spare the rule is as before."""
    from bastion.engage.timing import round_value

    pk = [0.094, 0.12, 0.16, 0.22, 0.31, 0.44, 0.0, 0.0, 0.0]
    rounds = [150] * 6 + [0] * 3
    assert best_start(pk, gap=4) == 0
    tight = round_value(pk, rounds, demand_rounds=4 * 300, rounds_left=800)
    assert tight == pytest.approx(0.44 / 150 * 0.5)  # 1,200 rounds wanted, 800 left: short by half
    assert round_value(pk, rounds, demand_rounds=1_200, rounds_left=1_500) == 0.0  # covered: no price
    assert round_value(pk, rounds, demand_rounds=5_000, rounds_left=1_000) == pytest.approx(0.44 / 150)
    assert best_start(pk, gap=4, rounds=rounds, price=tight) == 5
    plenty = round_value(pk, rounds, demand_rounds=300, rounds_left=3_100)
    assert best_start(pk, gap=4, rounds=rounds, price=plenty) == 0
    # no price (or no rounds given): exactly the rule without one
    assert best_start(pk, gap=4, rounds=rounds, price=0.0) == best_start(pk, gap=4)
    assert round_value(pk, rounds, 300, 0) == 0.0
    assert round_value([float("nan")], [150], 300, 100) == 0.0
