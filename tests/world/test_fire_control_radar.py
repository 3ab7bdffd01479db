"""Closed-loop fire control, truth side: the mount radar's miss angles against an independent polar
computation, its closest approaches against a fine time search, re-aiming keeps each round's own
errors, and the sensor -> C2 -> gun latency delays a fire order's execution."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bastion.api import compile_named
from bastion.engage.fire_control import FireControl
from bastion.orders import AimUpdate, FireOrder
from bastion.physics import kernels
from bastion.physics.ballistics import Air
from bastion.physics.geodesy import enu_to_polar
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import GunSite
from bastion.world.fire_control_radar import FireControlRadars, miss_angles
from bastion.world.guns import Mounts, Rounds, fire_burst, reaim_burst
from bastion.world.world import World

LPWS = CATALOGUE.guns["lpws"]


def test_miss_angles_match_the_difference_of_polar_angles():
    """For small offsets the across and vertical angles equal the differences of the polar azimuth
    (times cos(elevation)) and elevation of the displaced and the undisplaced point."""
    rng = np.random.default_rng(1)
    origin = np.array([10.0, -20.0, 3.0])
    target = rng.uniform([-1500, -1500, 50], [1500, 1500, 900], (50, 3))
    offset = rng.normal(0.0, 0.5, (50, 3))
    across, up = miss_angles(origin, target, offset)
    _, az0, el0 = enu_to_polar(target - origin)
    _, az1, el1 = enu_to_polar(target + offset - origin)
    d_az = (az1 - az0 + np.pi) % (2 * np.pi) - np.pi
    rng_ = np.linalg.norm(target - origin, axis=1)
    tol = 3 * (np.linalg.norm(offset, axis=1) / rng_) ** 2  # second-order terms of the small-angle forms
    np.testing.assert_array_less(np.abs(across - d_az * np.cos(el0)), tol)
    np.testing.assert_array_less(np.abs(up - (el1 - el0)), tol)


def test_closest_approach_of_each_round_is_the_relative_segment_minimum():
    """record_passes finds, per round, the step in which it passes the target and the offset at the
    closest approach of the two straight segments: checked against a fine search over the step."""
    gun = GunSite(0, "G", LPWS, np.array([0.0, 0.0, 3.0]), 1550, 0.0, 2 * np.pi, ())
    radars = FireControlRadars((gun,), np.random.default_rng(0))
    order = FireOrder(1, 0, 7, 0.0, 1.0, np.array([0.0, 1.0]), np.zeros(2), np.zeros(2), np.zeros(9), 0.0)
    radars.follow(order, 0, 0.0, 1.0)
    radars.locks[1].label = 42
    rng = np.random.default_rng(3)
    n = 40
    seg0 = rng.normal(0.0, 60.0, (n, 3)) + np.array([0.0, -60.0, 0.0])
    seg1 = seg0 + np.array([0.0, 100.0, 0.0]) + rng.normal(0.0, 2.0, (n, 3))
    tgt0, tgt1 = np.array([[0.0, 0.0, 0.0], [500.0, 0, 0]]), np.array([[3.0, -2.0, 1.0], [500.0, 0, 0]])
    fate = np.full(n, kernels.FLYING, dtype=np.int8)
    radars.record_passes(
        0.0, 0.1, seg0, seg1, np.zeros(n, int), fate, np.arange(n) * 0.01, tgt0, tgt1, np.array([42, 7])
    )
    s = np.linspace(0.0, 1.0, 20001)
    rounds = seg0[:, None, :] + s[None, :, None] * (seg1 - seg0)[:, None, :]
    rel = rounds - (tgt0[0] + s[:, None] * (tgt1[0] - tgt0[0]))
    dist = np.linalg.norm(rel, axis=2)
    best = dist.argmin(axis=1)
    inside = (best > 0) & (best < s.size - 1)
    ((t_cpa, t_fire, offset, _),) = radars.locks[1].passes
    assert t_cpa.size == inside.sum() > 10
    np.testing.assert_allclose(np.linalg.norm(offset, axis=1), dist[inside, best[inside]], atol=1e-3)
    np.testing.assert_allclose(t_cpa, 0.1 * s[best[inside]], atol=1e-5)
    np.testing.assert_allclose(t_fire, (np.arange(n) * 0.01)[inside])


def test_reaim_keeps_each_rounds_own_error_and_spares_rounds_already_fired():
    gun = GunSite(0, "G", LPWS, np.array([0.0, 0.0, 3.0]), 1550, 0.0, 2 * np.pi, ())
    air = Air()
    knots = np.array([1.0, 3.0])
    order = FireOrder(1, 0, 7, 1.0, 3.0, knots, np.array([0.5, 0.5]), np.array([0.3, 0.3]))
    mounts = Mounts.deploy((gun,))
    mounts.azimuth[0], mounts.elevation[0] = 0.5, 0.3
    bursts = []
    rounds = Rounds()
    rounds.append(fire_burst(mounts, bursts, order, 0.0, air, np.random.default_rng(5)))
    before = rounds.vel.copy()
    shift = 0.01
    update = AimUpdate(0, 1, 2.0, knots, np.array([0.5, 0.5]), np.array([0.3 + shift, 0.3 + shift]))
    n = reaim_burst(mounts, rounds, bursts, 0, update)
    later = rounds.t_fire >= 2.0
    assert n == later.sum() > 0
    np.testing.assert_array_equal(rounds.vel[~later], before[~later])
    el_before = np.arcsin(before[:, 2] / np.linalg.norm(before, axis=1))
    el_after = np.arcsin(rounds.vel[:, 2] / np.linalg.norm(rounds.vel, axis=1))
    np.testing.assert_allclose(el_after[later] - el_before[later], shift, atol=1e-12)  # same error, new aim
    np.testing.assert_allclose(np.linalg.norm(rounds.vel, axis=1), np.linalg.norm(before, axis=1))


def _world(latency: float) -> World:
    compiled = compile_named("rocket-salvo")
    gt = dataclasses.replace(compiled.defence.guns[0].type, c2_latency_s=latency)
    guns = tuple(dataclasses.replace(g, type=gt) for g in compiled.defence.guns)
    defence = dataclasses.replace(compiled.defence, guns=guns)
    compiled = dataclasses.replace(compiled, defence=defence)
    rng = np.random.default_rng
    return World(compiled, rng(1), rng(2), rng(3), rng_fire_control=rng(4))


@pytest.mark.parametrize("latency", [0.0, 0.5, 2.5])
def test_fire_order_reaches_the_mount_after_the_c2_latency(latency):
    """The mount fires no earlier than the order's arrival (scan time + latency) plus its spin-up; an
    order that arrives after its burst should have ended fires nothing."""
    world = _world(latency)
    world.advance(5.0)
    gun = world.scenario.defence.guns[0]
    fc = FireControl(gun, world.scenario.defence.air)
    x = np.array([gun.position[0] + 600.0, gun.position[1] + 700.0, 200.0, -20.0, -20.0, 0.0])
    knots = 5.1 + np.arange(0.0, 2.01, 0.25)
    sol = fc.lead(x, 5.0, knots)
    order = FireOrder(1, 0, 7, float(knots[0]), float(knots[-1]), knots, sol.azimuth, sol.elevation)
    world.mounts.azimuth[0], world.mounts.elevation[0] = sol.azimuth[0], sol.elevation[0]
    immediate = world.execute(order, 5.0)
    events = immediate + world.advance(10.0)
    fired = [e for e in events if e[1].KIND == "gun_fired"]
    assert len(fired) == 1
    assert fired[0][0] == pytest.approx(5.0 + latency)
    assert bool(immediate) == (latency == 0.0)
    if 5.0 + latency + LPWS.spin_up_s <= order.t_end:
        assert world.bursts[0].fired > 0
        assert world.bursts[0].t_first >= 5.0 + latency + LPWS.spin_up_s - 1e-9
    else:
        assert world.bursts[0].fired == 0


def test_an_order_for_a_mount_still_firing_waits_for_its_burst_to_end():
    """The C2 may order a gun's next burst while it fires (planning's ``free_at``): the mount keeps the
    order until the last round of the burst in progress has left, then slews and spins up. Both bursts'
    radar loops run to their final reports (the locks are per order, not per mount)."""
    world = _world(0.5)
    world.advance(5.0)
    gun = world.scenario.defence.guns[0]
    fc = FireControl(gun, world.scenario.defence.air)
    x = np.array([gun.position[0] + 600.0, gun.position[1] + 700.0, 200.0, -20.0, -20.0, 0.0])
    cue = np.r_[x, 0.0, 0.0, 0.0]
    k1 = 6.0 + np.arange(0.0, 2.01, 0.25)
    s1 = fc.lead(x, 5.0, k1)
    first = FireOrder(1, 0, 7, float(k1[0]), float(k1[-1]), k1, s1.azimuth, s1.elevation, cue=cue, cue_t=5.0)
    world.mounts.azimuth[0], world.mounts.elevation[0] = s1.azimuth[0], s1.elevation[0]
    world.execute(first, 5.0)
    world.advance(6.5)  # the first burst is firing
    k2 = 8.6 + np.arange(0.0, 2.01, 0.25)
    s2 = fc.lead(x, 5.0, k2)
    second = FireOrder(2, 0, 7, float(k2[0]), float(k2[-1]), k2, s2.azimuth, s2.elevation, cue=cue, cue_t=5.0)
    world.execute(second, 6.5)
    events = []
    reports = []
    while (tk := world.next_fire_control()) <= 12.0:
        events += world.advance(tk)
        reports += world.fire_control_reports(tk)
    events += world.advance(12.0)
    fired = [(t, e) for t, e in events if e.KIND == "gun_fired"]
    ((t_second, _),) = [(t, e) for t, e in fired if e.order == 2]
    b1, b2 = world.bursts[0], world.bursts[1]
    assert t_second == pytest.approx(b1.t_last)  # received when the first burst's last round left
    assert b2.t_first >= b1.t_last + LPWS.spin_up_s - 1e-9
    assert b2.fired > 0 and b1.fired > 0
    finals = sorted(r.order_id for r in reports if r.final)
    assert finals == [1, 2]
