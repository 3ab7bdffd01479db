"""Drone kinematics: limits respected, the aim point reached within the navigation error."""

import copy

import numpy as np
import pytest

from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import ThreatPlan
from bastion.world.drones import CRUISE, DESTROYED, DIVE, IMPACTED, DroneFleet, advance_reference


def plan(waypoints, launch=(8000.0, -3000.0, 20.0)):
    t = CATALOGUE.threats["owa-fixed-wing"]
    wp = np.array(waypoints, dtype=float)
    return ThreatPlan("D", t, np.array(launch), 0.0, wp, np.array([*wp[-1], 0.0]), 120.0, 50.0)


def test_flies_route_within_limits_and_hits_near_aim():
    rng = np.random.default_rng(3)
    fleet = DroneFleet.launch_plan((plan([[3000.0, 2000.0], [0.0, 0.0]]),), np.array([0]), rng)
    t, dt = 0.0, 0.5
    headings, speeds, climbs = [], [], []
    while fleet.state[0] != IMPACTED and t < 1000:
        fleet.step(t, dt)
        t += dt
        v = fleet.vel[0]
        if fleet.state[0] == CRUISE:
            headings.append(np.arctan2(v[0], v[1]))
            speeds.append(np.hypot(v[0], v[1]))
            climbs.append(v[2])
    assert fleet.state[0] == IMPACTED
    turn = np.abs(np.angle(np.exp(1j * np.diff(headings)))) / dt
    t_type = CATALOGUE.threats["owa-fixed-wing"]
    assert turn.max() <= t_type.max_turn_rate + 1e-9
    assert np.allclose(speeds, 50.0)
    assert max(np.abs(climbs)) <= t_type.max_climb_rate + 1e-9
    # navigation error 5 m (1 sigma per axis): 4 sigma radius
    assert np.hypot(*fleet.pos[0, :2]) < 20.0


def test_dives_at_the_end():
    rng = np.random.default_rng(4)
    fleet = DroneFleet.launch_plan((plan([[0.0, 0.0]], launch=(3000.0, 0.0, 100.0)),), np.array([0]), rng)
    seen_dive = False
    t = 0.0
    while fleet.state[0] != IMPACTED and t < 500:
        fleet.step(t, 0.25)
        t += 0.25
        if fleet.state[0] == DIVE:
            seen_dive = True
            v = fleet.vel[0]
            assert np.linalg.norm(v) == pytest.approx(72.0)
            assert v[2] < 0
    assert seen_dive


def test_compiled_step_equals_the_reference():
    """A swarm of drones at every phase (waiting, cruising through waypoints, diving, landing), step
    by step with steps from 0.05 s to 1 s: the compiled loop and its numpy reference agree (states and
    landings equal; positions, velocities and times within 1e-13 relative or 1e-9 absolute)."""
    rng = np.random.default_rng(5)
    plans = tuple(
        plan(rng.uniform(-3000.0, 3000.0, (int(rng.integers(1, 5)), 2)), launch=(*rng.uniform(-6000, 6000, 2), 30.0))
        for _ in range(40)
    )
    fleet = DroneFleet.launch_plan(plans, np.arange(40), np.random.default_rng(6))
    fleet.launch_time[:] = rng.uniform(0.0, 60.0, 40)
    twin = copy.deepcopy(fleet)
    t, landed = 0.0, 0
    while (fleet.state < DESTROYED).any() and t < 2000.0:
        dt = float(rng.choice([0.05, 0.1, 1.0]))
        got, want = fleet.step(t, dt), advance_reference(twin, t, dt)
        assert np.array_equal(got, want) and np.array_equal(fleet.state, twin.state)
        for name in ("pos", "vel", "end_time", "wp_index"):
            np.testing.assert_allclose(getattr(fleet, name), getattr(twin, name), rtol=1e-13, atol=1e-9)
        twin.pos[:], twin.vel[:] = fleet.pos, fleet.vel  # transcendental functions may differ by an ulp
        landed += got.size
        t += dt
    assert landed == 40
