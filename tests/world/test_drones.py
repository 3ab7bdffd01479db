"""Drone kinematics: limits respected, the aim point reached within the navigation error."""

import copy

import numpy as np
import pytest

from bastion.physics.geodesy import wrap_angle
from bastion.physics.geometry import level_crossing
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import ThreatPlan
from bastion.world.drones import CRUISE, DESTROYED, DIVE, IMPACTED, WAITING, DroneFleet


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


def step_arrays(f, t, dt):
    """The drone step written with numpy over all drones (the formulation the compiled loop replaced)."""
    state = f.state
    launch = (state == WAITING) & (f.launch_time <= t + dt)
    if launch.any():
        state[launch] = CRUISE
        first = f.waypoints[launch, 0] - f.pos[launch, :2]
        h = np.arctan2(first[:, 0], first[:, 1])
        f.vel[launch] = np.stack([f.speed[launch] * np.sin(h), f.speed[launch] * np.cos(h), 0.0 * h], axis=1)
    cruise = state == CRUISE
    i = cruise.nonzero()[0]
    if i.size:
        speed, pos, last_wp = f.speed[i], f.pos[i], f.n_waypoints[i] - 1
        target = f.waypoints[i, f.wp_index[i]]
        dist = np.hypot(*(target - pos[:, :2]).T)
        advance = (dist < np.maximum(3.0 * speed * dt, 150.0)) & ~(f.wp_index[i] >= last_wp)
        f.wp_index[i[advance]] += 1
        to = f.waypoints[i, f.wp_index[i]] - pos[:, :2]
        dist = np.hypot(to[:, 0], to[:, 1])
        heading = np.arctan2(f.vel[i, 0], f.vel[i, 1])
        max_turn = f.max_turn[i] * dt
        heading = heading + np.clip(wrap_angle(np.arctan2(to[:, 0], to[:, 1]) - heading), -max_turn, max_turn)
        climb = np.clip((f.altitude[i] - pos[:, 2]) / max(dt, 1e-9), -f.max_climb[i], f.max_climb[i])
        f.vel[i] = np.stack([speed * np.sin(heading), speed * np.cos(heading), climb], axis=1)
        start_dive = (f.wp_index[i] >= last_wp) & (dist <= pos[:, 2] / np.tan(f.dive_angle[i]) + speed * dt)
        state[i[start_dive]] = DIVE
    dive = state == DIVE
    to = f.aim[dive] - f.pos[dive]
    f.vel[dive] = to / np.maximum(np.linalg.norm(to, axis=1), 1e-6)[:, None] * f.dive_speed[dive][:, None]
    moving = cruise | dive
    before = f.pos[moving]
    f.pos[moving] += f.vel[moving] * dt
    down = moving & (f.pos[:, 2] <= 0.0)
    frac, f.pos[down] = level_crossing(before[down[moving]], f.pos[down])
    state[down] = IMPACTED
    f.end_time[down] = t + frac * dt
    return np.flatnonzero(down)


def test_compiled_step_equals_the_array_formulas():
    """A swarm of drones at every phase (waiting, cruising through waypoints, diving, landing), step
    by step with steps from 0.05 s to 1 s: the compiled loop and the array formulas agree."""
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
        got, want = fleet.step(t, dt), step_arrays(twin, t, dt)
        assert np.array_equal(got, want) and np.array_equal(fleet.state, twin.state)
        for name in ("pos", "vel", "end_time", "wp_index"):
            np.testing.assert_allclose(getattr(fleet, name), getattr(twin, name), rtol=1e-13, atol=1e-9)
        twin.pos[:], twin.vel[:] = fleet.pos, fleet.vel  # transcendental functions may differ by an ulp
        landed += got.size
        t += dt
    assert landed == 40
