"""DIS out and in: PDUs checked with opendis's parser and its own coordinate code, pymap3d for the frames."""

from __future__ import annotations

import math
import socket
from datetime import UTC, datetime

import numpy as np
import pymap3d
import pytest

from bastion import event_types
from bastion.engine.events import Event, EventLog
from bastion.io import dis
from bastion.physics.geodesy import Origin

opendis = pytest.importorskip("opendis")
from opendis.dis7 import (  # noqa: E402
    DeadReckoningParameters,
    EntityID,
    EntityStatePdu,
    EntityType,
    Vector3Double,
    Vector3Float,
)
from opendis.PduFactory import createPdu  # noqa: E402
from opendis.RangeCoordinates import GPS  # noqa: E402

BIAP = Origin(33.2625, 44.23444, 35.0)
START = datetime(2022, 1, 3, 1, 25, 30, tzinfo=UTC)


def test_euler_angles_invert_with_opendis_own_conversion():
    """opendis's ``ecef2llarpy`` turns DIS psi/theta/phi back into heading, pitch and roll: an
    independent inverse of :func:`dis.euler_from_heading`."""
    rng = np.random.default_rng(1)
    gps = GPS()
    for _ in range(200):
        lat, lon = rng.uniform(-80, 80), rng.uniform(-180, 180)
        h, p, r = rng.uniform(-np.pi, np.pi), rng.uniform(-1.4, 1.4), rng.uniform(-np.pi, np.pi)
        psi, theta, phi = dis.euler_from_heading(lat, lon, h, p, r)
        x, y, z = pymap3d.geodetic2ecef(lat, lon, 1000.0)
        _, _, _, roll, pitch, yaw = gps.ecef2llarpy(x, y, z, psi, theta, phi)
        assert abs(math.remainder(yaw - h, 2 * np.pi)) < 1e-6
        assert abs(pitch - p) < 1e-6
        assert abs(math.remainder(roll - r, 2 * np.pi)) < 1e-6


def test_entity_state_pdu_parses_back_with_opendis():
    codec = dis.DisCodec(BIAP, START, exercise=3, site=7, application=9)
    enu = np.array([[1200.0, -350.0, 150.0], [0.0, 0.0, 0.0]])
    vel = np.array([[40.0, 30.0, -2.0], [0.0, 0.0, 0.0]])
    pdus = codec.entity_states(12.5, [1001, 1], enu, vel, [dis.DRONE, dis.GUN], [2, 1], ["OWA-1", "LPWS-1"])
    for k, data in enumerate(pdus):
        p = createPdu(data)
        assert isinstance(p, EntityStatePdu) and p.length == len(data) == 144
        assert (p.exerciseID, p.entityID.siteID, p.entityID.applicationID) == (3, 7, 9)
        loc = p.entityLocation
        ref = pymap3d.enu2ecef(*enu[k], BIAP.lat_deg, BIAP.lon_deg, BIAP.alt_m)
        assert np.allclose([loc.x, loc.y, loc.z], ref, rtol=0, atol=1e-6)  # doubles: exact to a micrometre
        v = p.entityLinearVelocity
        assert np.allclose([v.x, v.y, v.z], pymap3d.enu2uvw(*vel[k], BIAP.lat_deg, BIAP.lon_deg), atol=1e-4)  # float32
        assert p.deadReckoningParameters.deadReckoningAlgorithm == dis.DRM_FPW
        assert p.timestamp & 1 == 1  # absolute
        assert abs((p.timestamp >> 1) * 3600 / 2**31 - math.fmod(START.timestamp() + 12.5, 3600)) < 1e-5
    p0 = createPdu(pdus[0])
    assert p0.marking.charactersString() == "OWA-1" and p0.forceId == dis.FORCE_OPPOSING
    assert (p0.entityType.entityKind, p0.entityType.domain, p0.entityType.category) == (1, 2, 50)


@pytest.mark.slow
def test_a_simulated_night_sent_as_dis_matches_its_events(baghdad):
    """The PDUs a night sends, captured on a loopback socket and parsed with opendis: one Entity State
    PDU per object of every truth event at its position (within 1 mm), one Fire PDU per burst from its
    gun with its rounds, one Detonation PDU per hit and per warhead detonation."""
    from bastion.engine.simulation import run
    from bastion.world.labels import describe_label

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    rx.bind(("127.0.0.1", 0))
    rx.setblocking(False)
    sender = dis.DisSender("127.0.0.1", rx.getsockname()[1])
    bridge = dis.DisEventBridge(baghdad.defence, sender, describe_label)
    captured: list[bytes] = []

    def drain(batch):  # after the bridge, at every flush: the socket never holds more than one batch
        while True:
            try:
                captured.append(rx.recv(65535))
            except BlockingIOError:
                return

    log = EventLog(flush_every=500)
    log.subscribers += [bridge, drain]
    result = run(baghdad, 1, log)
    sender.close()
    rx.close()
    pdus = [createPdu(c) for c in captured]
    assert all(p is not None for p in pdus) and sender.errors == 0
    states = [p for p in pdus if p.pduType == 1]
    fires = [p for p in pdus if p.pduType == 2]
    dets = [p for p in pdus if p.pduType == 3]
    ev = result.log.events
    # entity positions
    truth = [e for e in ev if e.kind == "truth"]
    sent = ("threat", "civil", "debris")  # the night's birds are in its truth events but not sent as entities
    expected = sum(describe_label(lab)[0] in sent for e in truth for lab in e.payload.label)
    assert sum(len(e.payload.label) for e in truth) > expected
    kills = [e for e in ev if e.kind == "kill"]
    guns = len(baghdad.defence.guns)
    gun_states = [p for p in states if p.entityID.entityID < dis.THREAT_BASE]
    assert len(gun_states) == guns * (1 + int(truth[-1].t // dis.HEARTBEAT_S))  # at the start, then every heartbeat
    assert len(states) == expected + len(kills) + len(gun_states)
    by_entity: dict[int, list] = {}
    for p in states:
        by_entity.setdefault(p.entityID.entityID, []).append(p)
    o = baghdad.defence.origin
    worst = 0.0
    for e in truth:
        for lab, pos in zip(e.payload.label, e.payload.position, strict=True):
            what, i = describe_label(lab)
            if what not in sent:
                continue
            ent = {"threat": dis.THREAT_BASE, "civil": dis.CIVIL_BASE, "debris": dis.DEBRIS_BASE}[what] + i
            loc = by_entity[ent].pop(0).entityLocation
            back = pymap3d.ecef2enu(loc.x, loc.y, loc.z, o.lat_deg, o.lon_deg, o.alt_m)
            worst = max(worst, float(np.max(np.abs(np.array(back) - pos))))
    assert worst < 1e-3
    # one Fire PDU per burst
    bursts = [e for e in ev if e.kind == "gun_fired"]
    assert len(fires) == len(bursts) > 0
    for f, b in zip(fires, bursts, strict=True):
        g = baghdad.defence.guns[b.payload.gun]
        assert f.firingEntityID.entityID == dis.GUN_BASE + g.index and f.eventID.eventNumber == b.payload.order
        assert f.descriptor.quantity == b.payload.rounds
        loc = f.location
        assert np.allclose(pymap3d.ecef2enu(loc.x, loc.y, loc.z, o.lat_deg, o.lon_deg, o.alt_m), g.position, atol=1e-3)
        speed = np.linalg.norm([f.velocity.x, f.velocity.y, f.velocity.z])
        assert speed == pytest.approx(g.type.muzzle_velocity, rel=1e-6)
    hits = [e for e in ev if e.kind in ("hit", "detonation")]
    assert len(dets) == len(hits) > 0
    assert {d.targetEntityID.entityID for d in dets if d.detonationResult == dis.RESULT_ENTITY_IMPACT} <= {
        dis.THREAT_BASE + e.payload.threat for e in ev if e.kind == "hit"
    }


def _foreign_state(entity: int, enu, vel, appearance: int = 0, drm: int = dis.DRM_FPW, version: int = 7) -> bytes:
    """An Entity State PDU built with opendis alone (ECEF from pymap3d), as another simulator sends it."""
    from opendis.DataOutputStream import DataOutputStream

    x = pymap3d.enu2ecef(*enu, BIAP.lat_deg, BIAP.lon_deg, BIAP.alt_m)
    v = pymap3d.enu2uvw(*vel, BIAP.lat_deg, BIAP.lon_deg)
    p = EntityStatePdu(
        entityID=EntityID(42, 3, entity),
        forceId=2,
        entityType=EntityType(1, 2, 0, 50, 0, 0, 0),
        entityLinearVelocity=Vector3Float(*v),
        entityLocation=Vector3Double(*x),
        entityAppearance=appearance,
        deadReckoningParameters=DeadReckoningParameters(drm),
        capabilities=0,
    )
    p.pduType, p.protocolFamily, p.pduStatus, p.protocolVersion = 1, 1, 0, version
    p.marking.setString(f"UAV{entity}")
    import io

    buf = io.BytesIO()
    p.serialize(DataOutputStream(buf))
    return buf.getvalue()


def test_receiver_turns_foreign_entities_into_site_arrays():
    now = {"t": 100.0}
    rx = dis.DisReceiver(BIAP, "127.0.0.1", 0, clock=lambda: now["t"])
    try:
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", rx.port)
        tx.sendto(_foreign_state(5, (3000.0, -2000.0, 120.0), (-40.0, 25.0, 0.0)), dest)
        tx.sendto(_foreign_state(6, (500.0, 800.0, 60.0), (10.0, 0.0, 0.0), drm=dis.DRM_STATIC), dest)
        tx.sendto(b"\x07\x01\x01\x01 not a pdu at all, just bytes", dest)
        tx.sendto(b"\x07\x01", dest)
        codec = dis.DisCodec(BIAP, START)  # bastion's own PDUs (site 1, application 1): not echoed back
        for pdu in codec.entity_states(0.0, [1], np.zeros((1, 3)), np.zeros((1, 3)), [dis.GUN], [1], ["LPWS-1"]):
            tx.sendto(pdu, dest)
        import time

        time.sleep(0.1)
        assert rx.poll() == 2
        assert rx.stats.bad == 2 and rx.stats.own == 1
        now["t"] = 102.0  # two seconds of dead reckoning
        ents = rx.entities()
        assert len(ents) == 2 and ents.threat_types() == ["owa-fixed-wing", "owa-fixed-wing"]
        k = {int(e): i for i, e in enumerate(ents.key[:, 2])}
        np.testing.assert_allclose(ents.position[k[5]], [3000.0 - 80.0, -2000.0 + 50.0, 120.0], atol=2e-3)
        np.testing.assert_allclose(ents.velocity[k[5]], [-40.0, 25.0, 0.0], atol=1e-4)  # float32 on the wire
        np.testing.assert_allclose(ents.position[k[6]], [500.0, 800.0, 60.0], atol=1e-6)  # static: not moved
        assert ents.marking[k[5]] == "UAV5" and ents.force[k[5]] == 2
        rcs, swerling = ents.radar_signature()
        assert rcs.shape == (2,) and np.all(rcs > 0) and set(swerling.tolist()) <= {0, 1, 2, 3, 4}
        tx.sendto(_foreign_state(6, (0, 0, 0), (0, 0, 0), appearance=dis.APPEARANCE_DEACTIVATED), dest)
        time.sleep(0.1)
        rx.poll()
        assert len(rx.entities()) == 1
        now["t"] = 102.0 + dis.TIMEOUT_S + 0.1  # silent past the timeout: dropped
        assert len(rx.entities()) == 0 and rx.stats.removed == 2
        tx.close()
    finally:
        rx.close()


def test_live_bridge_sends_tracks_and_one_fire_pdu_per_order(baghdad):
    sent: list[bytes] = []
    bridge = dis.DisEventBridge(baghdad.defence, sent.append, truth=False, tracks=True)
    tracks = event_types.Tracks(
        id=[33, 85],
        position=[[3000.0, 800.0, 100.0], [3100.0, 2500.0, 140.0]],
        velocity=[[-40.0, 20.0, 0.0], [-10.0, -45.0, 0.0]],
        sigma_m=[10.0, 20.0],
        identity=["hostile", "civil"],
        klass=["drone", "aircraft"],
        zone=["BDSC", None],
        time_to_impact_s=[40.0, None],
        impact_point=[[2400.0, 1300.0], None],
        ellipse=[None, None],
        threat_value=[14.0, 0.0],
        icao24=[None, "7304a1"],
    )
    order = event_types.FireOrder(order=1, gun="LPWS-1", track=33, t_start=238.0, t_end=239.987, rounds=150, pk=0.18,
                         range_m=1252.3, tof_s=1.6, azimuth_deg=117.0, elevation_deg=5.1,
                         intercept=[2900.0, 850.0, 100.0])  # fmt: skip
    bridge([Event(0, 236.0, "tracks", "decision", tracks), Event(1, 236.0, "fire_order", "decision", order)])
    pdus = [createPdu(p) for p in sent]
    states = [p for p in pdus if p.pduType == 1]
    fires = [p for p in pdus if p.pduType == 2]
    assert len(states) == 2 + len(baghdad.defence.guns) and len(fires) == 1
    hostile = next(p for p in states if p.entityID.entityID == dis.TRACK_BASE + 33)
    assert hostile.forceId == dis.FORCE_OPPOSING and hostile.entityType.category == 50
    assert fires[0].descriptor.quantity == 150 and fires[0].targetEntityID.entityID == dis.TRACK_BASE + 33
    # its muzzle velocity points along the order's azimuth and elevation
    v = fires[0].velocity
    o = baghdad.defence.origin
    e, n, u = pymap3d.uvw2enu(v.x, v.y, v.z, o.lat_deg, o.lon_deg)
    assert math.degrees(math.atan2(e, n)) == pytest.approx(117.0, abs=1e-3)
    assert math.degrees(math.atan2(u, math.hypot(e, n))) == pytest.approx(5.1, abs=1e-3)
