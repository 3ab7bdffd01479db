"""Intercept geometry: the collision-course time solves its triangle (property test against the
definition), and the closest approach of two straight segments against dense sampling."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.physics.intercept import closest_approach, intercept_time

coord = st.floats(-5_000.0, 5_000.0)
speed = st.floats(0.0, 120.0)


@settings(max_examples=200, deadline=None)
@given(coord, coord, coord, speed, st.floats(0.0, 2 * math.pi), st.floats(130.0, 300.0), st.floats(0.0, 10.0))
def test_intercept_time_solves_the_collision_triangle(x, y, z, v, heading, s, delay):
    rel = np.array([x, y, z])
    vel = v * np.array([math.sin(heading), math.cos(heading), 0.0])
    tau = intercept_time(rel, vel, s, delay)
    assert math.isfinite(tau) and tau >= delay  # a faster pursuer always catches a straight flyer
    assert abs(np.linalg.norm(rel + vel * tau) - s * (tau - delay)) <= 1e-6 * max(1.0, s * tau)
    # no earlier meeting: the pursuer's reach s (t - delay) is short of the target before tau
    for t in np.linspace(delay, tau, 20)[:-1]:
        assert np.linalg.norm(rel + vel * t) >= s * (t - delay) - 1e-6 * max(1.0, s * tau)


def test_a_slower_pursuer_never_catches_a_receding_target():
    assert math.isinf(intercept_time(np.array([1_000.0, 0.0, 0.0]), np.array([50.0, 0.0, 0.0]), 40.0))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-100.0, 100.0), min_size=12, max_size=12))
def test_closest_approach_against_sampling(v):
    p0, p1, q0, q1 = (np.array(v[k : k + 3]) for k in range(0, 12, 3))
    s, d = closest_approach(p0, p1, q0, q1)
    grid = np.linspace(0.0, 1.0, 2001)
    dist = np.linalg.norm((p0 - q0)[None] + grid[:, None] * ((p1 - p0) - (q1 - q0))[None], axis=1)
    assert 0.0 <= s <= 1.0
    assert d <= dist.min() + 1e-9 and d >= dist.min() - 0.5  # the sampled minimum is at most one grid cell off
