"""Layered engagement on the decision side (issue 19), one scan at a time on baghdad-layered's defence:

* an interceptor is the only effector that can reach a far drone: launched (weapons free), or its
  authorisation asked naming the launcher (tight); its planned intercept is the collision-course
  solution (:func:`bastion.physics.intercept.intercept_time`, tested against its definition);
* refusals say why: debris over a populated zone, a civil track near the intercept point, no
  interceptors left;
* a GNSS jammer holds with a civil track inside its footprint (doctrine "hold", the default) and
  radiates with "accept"; an RF jammer is not kept on for a drone assessed not link-flown;
* a guns-only site never builds the layered flow (its engagement is the golden one).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bastion import event_types as ev
from bastion.api import compile_named
from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.engage.manager import EngagementManager
from bastion.orders import EffectorOrder
from bastion.physics.intercept import intercept_time
from bastion.track.types import Tracks, TrackStatus


@pytest.fixture(scope="module")
def layered():
    return compile_named("baghdad-layered").defence


def tracks_of(states, t=100.0) -> Tracks:
    n = len(states)
    return Tracks(
        t,
        np.arange(7, 7 + n),
        np.array(states, dtype=float),
        np.repeat(np.diag([4.0, 4.0, 4.0, 1.0, 1.0, 1.0])[None], n, axis=0),
        np.full(n, TrackStatus.CONFIRMED, dtype=np.int8),
        np.full(n, 30),
        np.zeros(n, dtype=int),
        np.full(n, t),
        np.full(n, 0.05),
        np.zeros(n, dtype=int),
    )


def picture_of(tracks: Tracks, identities, value=50.0) -> ThreatPicture:
    n = len(tracks)
    identity = np.array(identities, dtype=np.int8)
    hostile = identity == Identity.HOSTILE
    klass = np.where(hostile, TrackClass.DRONE, TrackClass.AIRCRAFT).astype(np.int8)
    return ThreatPicture(
        tracks.t,
        tracks.id,
        identity,
        klass,
        np.full(n, 1),  # BDSC
        np.zeros((n, 2)),
        np.full(n, tracks.t + 120.0),
        np.ones((n, 2)),
        np.zeros(n),
        np.full(n, 0.9),
        np.full(n, value),
        np.where(hostile, value * 0.9, 0.0),
        np.zeros((n, 1)),
        np.zeros((n, 1)),
    )


def manager_of(defence, control="free", effectors=None, **layers):
    if effectors is not None:  # a subset of the site's effectors, numbered afresh
        effectors = tuple(dataclasses.replace(e, index=k) for k, e in enumerate(effectors))
    d = defence if effectors is None else dataclasses.replace(defence, effectors=effectors)
    doctrine = d.doctrine.model_copy(update={"weapons_control": control})
    if layers:
        doctrine = doctrine.model_copy(update={"layers": doctrine.layers.model_copy(update=layers)})
    return EngagementManager(dataclasses.replace(d, doctrine=doctrine))


FAR = [9_000.0, -5_000.0, 150.0, -40.0, 25.0, 0.0]  # 9 km out, inbound: beyond the guns' reach


def test_a_far_drone_gets_the_interceptor(layered):
    m = manager_of(layered, "free")
    tracks = tracks_of([FAR])
    orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE]), 1.0)
    launches = [o for o in orders if isinstance(o, EffectorOrder) and o.action == "launch"]
    assert len(launches) == 1 and launches[0].track_id == 7
    (said,) = [p for p in events if p.KIND == "effector_order" and p.action == "launch"]
    assert said.effector == "Coyote-1" and said.pk == 0.8 and said.cost_usd == 125_000.0
    site = layered.effectors[2]
    tau = intercept_time(np.array(FAR[:3]) - site.position, np.array(FAR[3:]), 150.0, 5.0)
    assert said.intercept_s == pytest.approx(tau, abs=0.05)
    # the launcher held one round: the next scan has none, and says so
    tracks2 = tracks_of([[*np.add(FAR[:3], np.multiply(FAR[3:], 1.0)), *FAR[3:]]], t=101.0)
    tracks2.id[:] = 8  # another drone
    orders, events, _ = m.step(tracks2, picture_of(tracks2, [Identity.HOSTILE]), 1.0)
    assert not any(isinstance(o, EffectorOrder) and o.action == "launch" for o in orders)
    assert ev.CannotEngage(track=8, reason="Coyote-1: no interceptors left") in events


def test_tight_asks_naming_the_launcher(layered):
    m = manager_of(layered, "tight")
    tracks = tracks_of([FAR])
    orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE]), 1.0)
    assert not any(isinstance(o, EffectorOrder) and o.action == "launch" for o in orders)
    (req,) = [p for p in events if p.KIND == "authorisation_request"]
    assert req.gun == "Coyote-1" and req.track == 7
    out = m.authorise(req.request, True, "op", 101.0)
    assert out[0].gun == "Coyote-1"


def test_no_launch_when_the_debris_would_fall_on_the_terminal(layered):
    site = layered.effectors[2]
    ip = np.array([-75.0, 95.0, 150.0])  # inside the Terminal (populated)
    v = np.array([50.0, 0.0, 0.0])
    tau = 5.0 + np.linalg.norm(ip - site.position) / 150.0
    start = ip - v * tau
    launcher_only = tuple(e for e in layered.effectors if e.name == "Coyote-1")
    m = manager_of(layered, "free", effectors=launcher_only)
    tracks = tracks_of([[*start, *v]])
    orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE]), 1.0)
    assert orders == []
    (why,) = [p.reason for p in events if p.KIND == "cannot_engage"]
    assert "Coyote-1: its debris would fall on Terminal (populated)" in why


def test_no_launch_with_a_civil_track_near_the_intercept_point(layered):
    m = manager_of(layered, "free")
    site = layered.effectors[2]
    tau = intercept_time(np.array(FAR[:3]) - site.position, np.array(FAR[3:]), 150.0, 5.0)
    near = np.array(FAR[:3]) + np.array(FAR[3:]) * tau + np.array([200.0, 0.0, 100.0])
    tracks = tracks_of([FAR, [*near, 0.0, 0.0, 0.0]])
    orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE, Identity.CIVIL]), 1.0)
    assert not any(isinstance(o, EffectorOrder) and o.action == "launch" for o in orders)
    (why,) = [p.reason for p in events if p.KIND == "cannot_engage"]
    assert "track 8 (not hostile) would be within 500 m of the intercept point" in why


INSIDE = [2_400.0, 3_000.0, 100.0, 0.0, -45.0, 0.0]  # 1.6 km north of the jammers, inbound
AIRLINER = [1_500.0, 1_000.0, 300.0, -70.0, 0.0, 0.0]  # inside the 3 km GNSS footprint


@pytest.mark.parametrize(("policy", "radiates"), [("hold", False), ("accept", True)])
def test_gnss_jammer_and_a_civil_track_in_its_footprint(layered, policy, radiates):
    gnss = tuple(e for e in layered.effectors if e.name == "GNSS-jammer")
    m = manager_of(layered, "free", effectors=gnss, jam_with_civil=policy)
    tracks = tracks_of([INSIDE, AIRLINER])
    orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE, Identity.CIVIL]), 1.0)
    on = [o for o in orders if isinstance(o, EffectorOrder) and o.action == "radiate"]
    assert bool(on) is radiates
    held = [p for p in events if p.KIND == "jammer_hold"]
    assert bool(held) is not radiates
    if held:
        assert "track(s) 8 inside the GNSS footprint" in held[0].reason


def test_rf_jammer_not_kept_on_for_a_drone_that_is_not_link_flown(layered):
    rf = tuple(e for e in layered.effectors if e.name == "RF-jammer")
    m = manager_of(layered, "free", effectors=rf)
    t = 100.0
    silenced, assessed = [], []
    for k in range(16):  # the drone keeps its course and speed inside the footprint
        x = np.array(INSIDE)
        x[:3] += x[3:] * k
        tracks = tracks_of([x], t=t + k)
        orders, events, _ = m.step(tracks, picture_of(tracks, [Identity.HOSTILE]), 1.0)
        silenced += [o for o in orders if isinstance(o, EffectorOrder) and o.action == "silence"]
        assessed += [p for p in events if p.KIND == "jam_assessment"]
    assert len(assessed) == 1 and not assessed[0].affected
    assert "kept its course and speed" in assessed[0].reason and len(silenced) == 1


def test_a_guns_only_site_has_no_layers():
    assert EngagementManager(compile_named("baghdad").defence).layers is None
