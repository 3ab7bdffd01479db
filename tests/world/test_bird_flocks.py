"""Birds as truth objects (issue 20, item 3): population, RCS, heights, flight patterns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bastion.scenario.birds import DEFAULT_DENSITY_PER_KM2, BirdFigures, BirdPopulation
from bastion.world.birds import BirdFlocks
from bastion.world.labels import BIRD_LABEL, describe_label


def population(density=1.0, radius=10_000.0, hour=12.0, **figures) -> BirdPopulation:
    d = (density,) * 24 if np.isscalar(density) else tuple(density)
    return BirdPopulation(d, np.zeros(2), radius, hour, BirdFigures(**figures))


def test_objects_aloft_are_poisson_about_the_density():
    """The number of objects at the start is Poisson with mean density x area / birds per object;
    over 300 seeds its mean is within 4 standard errors of that."""
    pop = population(0.5)
    mean = pop.expected_objects(0.0)
    counts = [len(BirdFlocks(pop, np.random.default_rng(s))) for s in range(300)]
    assert abs(np.mean(counts) - mean) < 4 * np.sqrt(mean / 300)
    assert np.var(counts) == pytest.approx(mean, rel=0.3)


def test_mean_group_and_flock_sizes():
    """P(n) ~ n^-2 on 2..1000 has mean (H_1000 - 1) / (sum n^-2 - 1) = 10.07 birds a flock."""
    f = BirdFigures()
    n = np.arange(2, 1001)
    closed = float(np.sum(1.0 / n) / np.sum(1.0 / n**2))
    assert closed == pytest.approx(10.07, abs=0.01)
    assert f.mean_group == pytest.approx(f.single_fraction + (1 - f.single_fraction) * closed)


def test_rcs_heights_and_speeds_follow_the_figures():
    """Single birds: median RCS -25 dBsm and a 4 dB spread; cruise heights with median 80 m and about
    5 % above 300 m; cruise speeds 8-20 m/s."""
    flocks = BirdFlocks(population(20.0), np.random.default_rng(1))  # ~4,000 objects
    single = flocks.size == 1
    db = 10 * np.log10(flocks.rcs[single])
    assert np.median(db) == pytest.approx(-25.0, abs=0.3)
    assert np.std(db) == pytest.approx(4.0, abs=0.2)
    assert np.median(flocks.cruise_h) == pytest.approx(80.0, rel=0.05)
    assert np.mean(flocks.cruise_h > 300) == pytest.approx(0.05, abs=0.01)
    assert flocks.cruise.min() >= 8.0 and flocks.cruise.max() <= 20.0
    # a flock's RCS is the sum of its birds': a flock of n has about n times a bird's mean RCS
    big = flocks.size >= 20
    mean_bird = BirdFigures().rcs_median_m2 * np.exp((4.0 * np.log(10) / 10) ** 2 / 2)
    assert np.median(flocks.rcs[big] / flocks.size[big]) == pytest.approx(mean_bird, rel=0.3)


def test_commuters_fly_straight_and_foragers_wander_near_home():
    """Over 300 s a commuting flight's net displacement is nearly its path length; a forager's
    correlated random walk covers much less and stays within a few km of its home point."""
    pop = population(2.0, radius=50_000.0)
    b = BirdFlocks(pop, np.random.default_rng(3))
    ids0 = b.id.copy()
    start = b.cur.copy()
    path = np.zeros(len(b))
    for k in range(1, 301):
        prev = b.cur.copy()
        b.at(float(k))
        same = np.isin(b.id, ids0)
        assert same.all()  # a constant density and a wide disc: nobody lands or wraps here
        path += np.hypot(*(b.cur - prev)[:, :2].T)
    net = np.hypot(*(b.cur - start)[:, :2].T)
    straight = net / path
    assert np.median(straight[~b.forager]) > 0.9
    assert np.median(straight[b.forager]) < 0.5
    assert np.max(np.hypot(*(b.cur[b.forager, :2] - b.home[b.forager]).T)) < 4_000.0


def test_paths_do_not_depend_on_when_the_sensors_look():
    """The birds fly on their own 1 s grid: looking every 0.1 s or every 2.5 s gives the same
    positions at the same times."""
    pop = population(1.0)
    a, b = BirdFlocks(pop, np.random.default_rng(7)), BirdFlocks(pop, np.random.default_rng(7))
    for t in np.arange(0.1, 20.01, 0.1):
        pa = a.at(float(t))
    for t in np.arange(2.5, 20.01, 2.5):
        pb = b.at(float(t))
    np.testing.assert_array_equal(pa[0], pb[0])
    np.testing.assert_array_equal(pa[3], pb[3])
    # between grid instants: interpolated, with the grid step's velocity
    p0 = b.at(20.0)[0]
    p1, _, _, _ = b.at(20.5)
    np.testing.assert_allclose(p1, p0 + 0.5 * b.at(21.0)[1], atol=1e-9)


def test_birds_stay_in_the_disc_and_follow_the_hourly_density():
    """Objects leaving the disc come back in on the other side; the count follows the density as it
    rises from 0.3 to 3 birds per km^2 across an hour."""
    dens = [0.3] * 24
    dens[13] = 3.0
    pop = population(dens, radius=5_000.0, hour=12.5)
    b = BirdFlocks(pop, np.random.default_rng(11))
    n0 = len(b)
    for t in range(0, 3_601, 10):
        pos = b.at(float(t))[0]
        assert np.all(np.hypot(pos[:, 0], pos[:, 1]) <= 5_000.0 + 25.0)
    assert len(b) == pytest.approx(n0 + pop.expected_objects(3_600.0) - pop.expected_objects(0.0), abs=1)
    assert len(b) > 5 * max(n0, 1)


def test_labels_and_default_profile():
    assert describe_label(BIRD_LABEL + 12) == ("bird", 12)
    assert len(DEFAULT_DENSITY_PER_KM2) == 24 and min(DEFAULT_DENSITY_PER_KM2) > 0
    pop = population(DEFAULT_DENSITY_PER_KM2, hour=4.0)
    assert pop.density_at(0.0) == pytest.approx(0.3)  # before dawn
    assert pop.density_at(2.5 * 3600) == pytest.approx(3.0)  # 06:30


def test_no_birds_at_zero_density():
    b = BirdFlocks(population(0.0), np.random.default_rng(1))
    pos, _, _, label = b.at(10.0)
    assert len(b) == 0 and pos.shape == (0, 3) and label.size == 0


def test_figures_can_be_changed():
    b = BirdFlocks(population(5.0, single_fraction=1.0), np.random.default_rng(1))
    assert (b.size == 1).all()
    assert dataclasses.replace(BirdFigures(), single_fraction=0.0).mean_group > 10
