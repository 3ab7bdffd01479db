"""Own aircraft without ADS-B: routes flown in closed form, Mode 5 replies at the interrogator's
probability (binomial bound), no reply from aircraft without Mode 5, and the gun's magazine reload."""

import dataclasses

import numpy as np
import pytest

from bastion.api import compile_named
from bastion.orders import FireOrder
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import FriendlyPlan
from bastion.world.friendly import FriendlyAir
from bastion.world.labels import FRIENDLY_LABEL, describe_label
from bastion.world.sensors import AirPicture, RadarModel
from bastion.world.world import World


def plan(iff=False, start=10.0):
    route = np.array([[3_000.0, 0.0, 300.0], [3_000.0, 4_000.0, 300.0], [0.0, 4_000.0, 0.0]])
    return FriendlyPlan("F", CATALOGUE.friendlies["friendly-suas"], route, start, 25.0, iff)


def test_route_flown_at_constant_speed_and_gone_after_landing():
    air = FriendlyAir((plan(),))
    pos, vel, on = air.state(9.9)
    assert not on[0]
    pos, vel, on = air.state(10.0 + 100.0)  # 2,500 m along the first (4 km) leg
    assert on[0]
    np.testing.assert_allclose(pos[0], [3_000.0, 2_500.0, 300.0], atol=1e-9)
    np.testing.assert_allclose(vel[0], [0.0, 25.0, 0.0], atol=1e-12)
    leg2 = np.hypot(3_000.0, 300.0)  # second leg: 3 km west while descending 300 m
    pos, vel, on = air.state(10.0 + (4_000.0 + leg2 / 2) / 25.0)
    np.testing.assert_allclose(pos[0], [1_500.0, 4_000.0, 150.0], atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vel[0]), 25.0)
    assert not air.state(10.0 + (4_000.0 + leg2) / 25.0 + 0.01)[2][0]
    lab = air.in_the_air(50.0)[4]
    assert describe_label(int(lab[0])) == ("friendly", 0) and lab[0] == FRIENDLY_LABEL


def test_mode5_reply_rate_within_binomial_bound():
    """Each interrogation of a Mode 5 friendly is answered with probability p_iff_reply (0.98): the
    reply rate of its plots over many scans is within 4.5 binomial sigmas; aircraft without Mode 5
    never reply."""
    site = compile_named("tower-22").defence.radars[0]
    p = site.type.p_iff_reply
    radar = RadarModel(site, np.random.default_rng(7))
    m = 40
    ang = np.linspace(0.0, 2 * np.pi, m, endpoint=False)
    pos = np.stack([3_000.0 * np.cos(ang), 3_000.0 * np.sin(ang), np.full(m, 300.0)], axis=1)
    iff = np.arange(m) % 2 == 0
    pic = AirPicture(pos, np.zeros((m, 3)), np.full(m, 10.0), np.zeros(m, dtype=int), np.arange(m), iff)
    replies = plots = 0
    for k in range(150):
        det, labels = radar.observe(float(k), pic)
        real = labels >= 0
        assert not det.iff[real & ~iff[np.maximum(labels, 0)]].any()  # no Mode 5: never a reply
        assert not det.iff[~real].any()  # false alarms never reply
        mine = real & iff[np.maximum(labels, 0)]
        plots += int(mine.sum())
        replies += int(det.iff[mine].sum())
    assert plots > 2_500  # (20 targets, 10 m^2 at 3 km: detected nearly every scan)
    sigma = np.sqrt(plots * p * (1 - p))
    assert abs(replies - plots * p) <= 4.5 * sigma, (replies, plots)


def test_magazine_reload():
    """A gun that empties its magazine has it full again reload_s (catalogue) after its last round."""
    sc = compile_named("swarm-raid")
    sc = dataclasses.replace(sc, raid=dataclasses.replace(sc.raid, threats=()))  # the guns alone
    rng = np.random.default_rng
    w = World(sc, rng(1), rng(2), rng(3))
    w.mounts.ammunition[0] = 30
    gt = sc.defence.guns[0].type
    assert np.isfinite(gt.reload_s)
    order = FireOrder(1, 0, 99, 1.0, 3.0, np.array([0.0, 10.0]), np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    # the order reaches the mount after the sensor -> C2 -> gun latency
    sent = w.execute(order, 0.0) + w.advance(gt.c2_latency_s + 0.01)
    (fired,) = [p for _, p in sent if p.KIND == "gun_fired"]
    assert fired.ammunition_left == 0
    t_last = w.bursts[-1].t_last
    events = w.advance(t_last + gt.reload_s - 1.0)
    assert not [e for e in events if e[1].KIND == "gun_reloaded"] and w.mounts.ammunition[0] == 0
    events = w.advance(t_last + gt.reload_s + 1.0)
    (reload,) = [e for e in events if e[1].KIND == "gun_reloaded"]
    assert reload[1].gun == 0 and w.mounts.ammunition[0] == gt.magazine
    assert reload[0] == pytest.approx(t_last + gt.reload_s, abs=1.0)
