"""Engagement: burst Pk against Monte Carlo, greedy assignment against brute force, and the safety
rules — never a civil or friendly track, no-fire sectors, weapons hold, infeasible engagements named."""

import dataclasses
import itertools
import math

import numpy as np
import pytest

from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.engage.assign import GreedyAssigner, expected_surviving_value
from bastion.engage.fire_control import FireControl
from bastion.engage.manager import LATER, EngagementManager
from bastion.engage.planning import window_of
from bastion.engage.safety import in_sector, mount_violations
from bastion.event_types import EngagementRefused
from bastion.physics.ballistics import Air
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import GunSite, NoFire
from bastion.track.types import Tracks, TrackStatus


def gun(no_fire=(), arc=(0.0, 2 * np.pi), ammunition=1550):
    return GunSite(
        0, "G", CATALOGUE.guns["lpws"], np.array([0.0, 0.0, 3.0]), ammunition, arc[0], arc[1], tuple(no_fire)
    )


@pytest.mark.parametrize(("rng_m", "cross_sigma"), [(600.0, 0.5), (1200.0, 2.0), (1400.0, 6.0)])
def test_burst_pk_matches_monte_carlo(rng_m, cross_sigma):
    """The quadrature formula against simulating bursts: common Gaussian aim error plus per-round dispersion."""
    g = gun()
    gt = g.type
    fc = FireControl(g, Air(35.0))
    n, radius, pkh = 150, 0.5, 0.6
    pk = float(fc.burst_pk(rng_m, cross_sigma, n, radius, pkh))
    rng = np.random.default_rng(5)
    trials = 20_000
    sc = np.hypot(cross_sigma, gt.pointing_bias_rad * rng_m)
    sd = gt.dispersion_rad * rng_m
    bias = rng.normal(0.0, sc, (trials, 1, 2))
    shots = bias + rng.normal(0.0, sd, (trials, n, 2))
    hits = np.linalg.norm(shots, axis=2) <= radius
    killed = (hits & (rng.random((trials, n)) < pkh)).any(axis=1)
    assert pk == pytest.approx(killed.mean(), abs=4 * np.sqrt(pk * (1 - pk) / trials) + 0.01)


def test_greedy_is_optimal_or_close_on_small_instances():
    rng = np.random.default_rng(0)
    gaps = []
    for _ in range(40):
        w, t = 3, 3
        pk = rng.uniform(0.1, 0.9, (w, t))
        v = rng.uniform(10, 100, t)
        best = min(expected_surviving_value(pk, v, np.array(a)) for a in itertools.product(range(-1, t), repeat=w))
        got = expected_surviving_value(pk, v, GreedyAssigner().assign(pk, v))
        assert got >= best - 1e-9
        gaps.append((got - best) / best)
    assert np.mean(gaps) < 0.05  # maximum marginal return is a good heuristic on tiny instances


def test_sectors_and_mount_limits():
    assert in_sector(np.radians([355.0, 5.0, 20.0]), np.radians(350.0), np.radians(10.0)).tolist() == [
        True,
        True,
        False,
    ]
    g = gun(no_fire=[NoFire(np.radians(180.0), np.radians(270.0), np.radians(15.0), "terminal")])
    assert mount_violations(g, np.radians([200.0]), np.radians([5.0])) == "no-fire sector (terminal)"
    assert mount_violations(g, np.radians([200.0]), np.radians([20.0])) is None  # above the sector
    assert mount_violations(g, np.radians([90.0]), np.radians([89.0])) == "outside the mount's elevation limits"
    assert (
        mount_violations(gun(arc=(0.0, np.pi / 2)), np.radians([100.0]), np.radians([5.0])) == "outside the gun's arc"
    )


def picture_for(tracks: Tracks, identity: Identity, value=50.0) -> ThreatPicture:
    n = len(tracks)
    return ThreatPicture(
        tracks.t,
        tracks.id,
        np.full(n, identity, dtype=np.int8),
        np.full(n, TrackClass.DRONE, dtype=np.int8),
        np.zeros(n, dtype=int),
        np.zeros((n, 2)),
        np.full(n, tracks.t + 60.0),
        np.ones((n, 2)),
        np.zeros(n),
        np.full(n, 0.9),
        np.full(n, value),
        np.full(n, value * 0.9 if identity == Identity.HOSTILE else 0.0),
        np.zeros((n, 1)),
        np.zeros((n, 1)),
    )


def one_track(pos, vel, t=100.0) -> Tracks:
    P = np.diag([4.0, 4.0, 4.0, 1.0, 1.0, 1.0])[None]
    return Tracks(
        t,
        np.array([7]),
        np.array([[*pos, *vel]], dtype=float),
        P,
        np.array([TrackStatus.CONFIRMED], dtype=np.int8),
        np.array([30]),
        np.array([0]),
        np.array([t]),
        np.array([0.05]),
        np.array([0]),
    )


def manager(baghdad, guns, control="free", **doctrine):
    d = dataclasses.replace(baghdad.defence, guns=tuple(guns))
    d = dataclasses.replace(d, doctrine=d.doctrine.model_copy(update={"weapons_control": control, **doctrine}))
    return EngagementManager(d)


@pytest.mark.parametrize("identity", [Identity.CIVIL, Identity.FRIENDLY, Identity.UNKNOWN])
def test_never_engages_anything_but_hostile(baghdad, identity):
    m = manager(baghdad, [gun()])
    tracks = one_track([900.0, 0.0, 100.0], [-50.0, 0.0, 0.0])
    orders, events, _ = m.step(tracks, picture_for(tracks, identity), 1.0)
    assert orders == [] and not any(p.KIND in ("fire_order", "authorisation_request") for p in events)


def test_fires_at_a_hostile_in_free_and_asks_in_tight(baghdad):
    tracks = one_track([900.0, 0.0, 100.0], [-50.0, 0.0, 0.0])
    orders, events, _ = manager(baghdad, [gun()], "free").step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert len(orders) == 1 and orders[0].track_id == 7
    orders, events, _ = manager(baghdad, [gun()], "tight").step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == [] and [p.KIND for p in events] == ["authorisation_request"]
    orders, events, _ = manager(baghdad, [gun()], "hold").step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == [] and EngagementRefused(track=7, reason="weapons hold") in events


def test_no_fire_sector_and_empty_magazine_are_named(baghdad):
    tracks = one_track([900.0, 0.0, 60.0], [-50.0, 0.0, 0.0])  # due east, low
    blocked = gun(no_fire=[NoFire(np.radians(45.0), np.radians(135.0), np.radians(30.0), "village")])
    orders, events, _ = manager(baghdad, [blocked]).step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == []
    (cannot,) = [p for p in events if p.KIND == "cannot_engage"]
    assert cannot.track == 7 and "no-fire sector (village)" in cannot.reason
    orders, events, _ = manager(baghdad, [gun(ammunition=0)]).step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == [] and any(p.KIND == "cannot_engage" and "no ammunition" in p.reason for p in events)


def test_fall_of_shot_footprint_against_flying_the_duds(baghdad):
    """The dud table's footprint centre against rounds actually flown to the ground in the wind."""
    from bastion.engage.collateral import dud_table
    from bastion.physics.ballistics import DragFunction, drag_factor_from_bc, impact
    from bastion.physics.firing_table import wind_drift

    g = baghdad.defence.guns[0]
    air = baghdad.defence.air
    gt = g.type
    for el_deg in (1.0, 4.0, 12.0):
        el, az = np.radians(el_deg), np.radians(120.0)
        v = gt.muzzle_velocity * np.array([[np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)]])
        p, _, _ = impact(
            g.position[None],
            v,
            float(drag_factor_from_bc(gt.ballistic_coefficient)),
            DragFunction.standard(gt.drag_function),
            air,
            dt=0.02,
        )
        el_t, rng_t, tof_t = dud_table(g, air)
        r = float(np.interp(el, el_t, rng_t))
        pred = g.position[:2] + r * np.array([np.sin(az), np.cos(az)])
        pred = pred + wind_drift(air.wind, np.interp(el, el_t, tof_t), np.array(r), gt.muzzle_velocity)[:2]
        # within 3 % of the range: the lag rule is approximate over a long, arcing fall
        assert np.linalg.norm(p[0, :2] - pred) < 0.03 * r


def test_burst_refused_when_duds_would_fall_on_a_populated_zone(baghdad):
    """A target low over the approach to the terminal: the intact rounds would land on it."""
    d = baghdad.defence
    terminal = next(z for z in d.zones if z.name == "Terminal")
    g = gun()
    # place the gun 4 km east of the terminal and the target 900 m along that line at low height
    g = dataclasses.replace(g, position=np.array([terminal.center[0] + 3500.0, terminal.center[1], 3.0]))
    m = manager(baghdad, [g])
    m.doctrine = m.doctrine.model_copy(update={"max_intact_rounds_populated": 0.05})
    tracks = one_track([g.position[0] - 900.0, g.position[1], 40.0], [30.0, 0.0, 0.0])
    orders, events, _ = m.step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == []
    assert any(p.KIND == "cannot_engage" and "fall of shot" in p.reason and "Terminal" in p.reason for p in events)


def test_an_aircraft_of_unknown_position_near_the_line_of_fire_holds_fire(baghdad):
    """Fail safe: a civil track whose state is not a number cannot be shown clear of the line of fire,
    so the gun holds (before, a NaN clearance compared as 'not too close' and the gun fired)."""
    hostile = one_track([900.0, 0.0, 100.0], [-50.0, 0.0, 0.0])
    two = Tracks.concatenate([hostile, dataclasses.replace(hostile, id=np.array([8]), x=np.full((1, 6), np.nan))])
    picture = picture_for(two, Identity.HOSTILE)
    picture = dataclasses.replace(picture, identity=np.array([Identity.HOSTILE, Identity.CIVIL], dtype=np.int8))
    orders, events, _ = manager(baghdad, [gun()]).step(two, picture, 1.0)
    assert orders == []
    assert any("unknown position" in p.reason for p in events if p.KIND == "cannot_engage"), events
    # the same hostile with the aircraft at a known, distant position is engaged
    far = dataclasses.replace(two, x=np.vstack([hostile.x, [[-20_000.0, 20_000.0, 3000.0, 0.0, 0.0, 0.0]]]))
    orders, _, _ = manager(baghdad, [gun()]).step(far, picture, 1.0)
    assert len(orders) == 1 and orders[0].track_id == 7


def _falling_round(t: float, impact_in_s: float) -> tuple[Tracks, ThreatPicture]:
    """A mortar bomb 1 km out descending on the gun, predicted to land ``impact_in_s`` after ``t``."""
    start = np.array([900.0, 0.0, 600.0])
    vel = np.array([-40.0, 0.0, -60.0])
    tracks = one_track(start + vel * (t - 100.0), vel, t)
    picture = picture_for(tracks, Identity.HOSTILE)
    picture.klass[:] = TrackClass.BALLISTIC
    picture.impact_time[:] = t + impact_in_s
    return tracks, picture


@pytest.mark.parametrize(("impact_at", "again"), [(108.0, True), (113.0, False)])
def test_shoots_again_without_a_look_only_when_the_look_would_leave_no_time(baghdad, impact_at, again):
    """Shoot-look-shoot, unless the look would end too late for another burst before the round's
    predicted impact: then the gun, free again, fires a second burst at once (shoot-shoot). (Timing
    "earliest": the gun fires as soon as it can, so the look is what is tested.)"""
    m = manager(baghdad, [gun()], ballistic_timing="earliest")
    tracks, picture = _falling_round(100.0, impact_at - 100.0)
    orders, _, _ = m.step(tracks, picture, 1.0)
    assert len(orders) == 1
    (e,) = m.looking
    t = math.ceil(m.busy_until[0])  # the first scan with the gun free, before the burst's look ends
    assert t < e.look_until
    tracks, picture = _falling_round(t, impact_at - t)
    orders, _, _ = m.step(tracks, picture, 1.0)
    assert [o.track_id for o in orders] == ([7] if again else [])


def test_a_burst_is_cut_to_the_window_of_a_round_that_lands_within_it():
    """Knots that cannot meet the round (out of range, after its impact) are dropped when the window
    is shorter than a burst; a window still opening (its run reaches the burst's end) waits a scan."""
    good = np.array([False, False, True, True, True, True, False, False, False])
    assert window_of(good) == slice(2, 6)
    assert window_of(np.array([True, True, True, True, False, False, False, False, False])) == slice(0, 4)
    assert window_of(np.array([False, False, False, False, True, True, True, True, True])) is None  # not yet
    assert window_of(np.array([False, True, True, False, False, False, False, False, False])) is None  # too short


def test_a_round_landing_during_the_burst_gets_only_the_rounds_that_can_meet_it(baghdad):
    m = manager(baghdad, [gun()])
    tracks, picture = _falling_round(100.0, 4.4)  # lands about halfway through a burst starting at 102 s
    orders, events, _ = m.step(tracks, picture, 1.0)
    (order,) = orders
    (fired,) = [p for p in events if p.KIND == "fire_order"]
    assert 0 < fired.rounds < 150
    assert order.knot_t[-1] + 0.5 < picture.impact_time[0]  # the last knot's rounds arrive before impact


@pytest.mark.parametrize("timing", ["best-shot", "earliest"])
def test_a_gun_holds_fire_at_a_closing_round_for_the_better_shot(baghdad, timing):
    """A mortar bomb entering the envelope: a burst now, at its edge, is far less likely to kill than
    one a few seconds on, and there is time for only one of them and a second: "best-shot" holds fire
    and says why once; "earliest" fires at once. As the round closes, "best-shot" fires too."""
    m = manager(baghdad, [gun()], ballistic_timing=timing)
    start, vel = np.array([1800.0, 0.0, 1200.0]), np.array([-100.0, 0.0, -150.0])

    def at(t):
        tracks = one_track(start + vel * (t - 100.0), vel, t)
        picture = picture_for(tracks, Identity.HOSTILE)
        picture.klass[:] = TrackClass.BALLISTIC
        picture.impact_time[:] = 100.0 + 1200.0 / 150.0
        return tracks, picture

    orders, events, _ = m.step(*at(100.0), 1.0)
    if timing == "earliest":
        assert len(orders) == 1
        return
    assert orders == []
    holds = [p for p in events if p.KIND == "hold_fire"]
    assert [p.reason for p in holds] == [LATER]
    fired_at = None
    for t in (101.0, 102.0, 103.0, 104.0):
        orders, events, _ = m.step(*at(t), 1.0)
        assert not any(p.KIND == "hold_fire" for p in events)  # said once
        if orders:
            fired_at = t
            break
    assert fired_at is not None


def test_a_gun_still_firing_is_ordered_its_next_burst_to_start_when_it_is_free(baghdad):
    """A gun whose burst ends within its reaction time is planned for its next burst at once: the burst
    starts when the gun is free plus its spin-up or slew (whichever is longer), not a reaction time
    after the first scan at which it is idle. A gun busy beyond its reaction time is not planned."""
    m = manager(baghdad, [gun()])
    tracks = one_track([900.0, 0.0, 100.0], [-50.0, 0.0, 0.0])
    gt = m.defence.guns[0].type
    busy = tracks.t + gt.reaction_s - 0.3  # fires on, past the earliest start of an idle gun
    m.busy_until[0] = busy
    fc = m.fire_control[0]
    lead = fc.lead(tracks.x[0], tracks.t, np.array([busy]))
    m.pointing[0] = (float(lead.azimuth[0]), float(lead.elevation[0]))  # already on the target: no slew
    (order,), _, _ = m.step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert order.t_start == pytest.approx(busy + gt.spin_up_s, abs=1e-6)
    m2 = manager(baghdad, [gun()])
    m2.busy_until[0] = tracks.t + gt.reaction_s + 0.5
    orders, _, _ = m2.step(tracks, picture_for(tracks, Identity.HOSTILE), 1.0)
    assert orders == []
