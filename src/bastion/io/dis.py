"""DIS (IEEE 1278.1-2012, protocol version 7) with ``opendis``: bastion's world out, other simulators' entities in.

Out: :class:`DisEventBridge` is an event-log subscriber that sends, over UDP, an Entity State PDU
for every object of the picture it is given — the truth objects of a simulated night (``truth``
events: threats, civil aircraft, debris) or the engine's system tracks (``tracks`` events, live) —
and for the guns; a Fire PDU for every burst (``gun_fired`` in simulation, ``fire_order`` live)
and a Detonation PDU for every hit and warhead detonation. In: :class:`DisReceiver` listens for
Entity State PDUs of other simulations and keeps their entities, dead-reckoned, as arrays in the
site's ENU frame (:class:`ExternalEntities`) that a truth world can fly as threats.

Frames and units (IEEE 1278.1-2012 §6.2.97, §1.6.2.96): positions in geocentric (ECEF, WGS84)
metres, velocities in ECEF m/s, orientation as the Euler angles psi, theta, phi (z-y-x) of the
entity body (x forward, y right, z down) from the ECEF axes. ENU <-> ECEF through pymap3d.
Timestamps are absolute: units of 3600 s / 2^31 past the hour, low bit 1. Enumerations from
SISO-REF-010 (entity kind 1 platform / 2 munition; air domain 2, land 1; air categories 50
unmanned, 57 non-combatant commercial aircraft; land category 28 air defence / missile defence
unit equipment; munition domains 1 anti-air, 9 battlefield support, category 2 ballistic; force 1
friendly, 2 opposing, 3 neutral; detonation result 1 entity impact, 3 ground impact, 5 detonation;
dead reckoning 2 = DRM(F, P, W), constant velocity in world coordinates).

opendis encodes and parses one PDU object at a time: the loops over entities here are at the
library's granularity (a few hundred entities per second of picture); the frame conversions are
vectorised.
"""

from __future__ import annotations

import io
import math
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pymap3d

from bastion.physics.geodesy import Origin

DIS_PORT = 3000
"""The customary DIS UDP port."""

FORCE_OTHER, FORCE_FRIENDLY, FORCE_OPPOSING, FORCE_NEUTRAL = 0, 1, 2, 3

DRM_STATIC, DRM_FPW, DRM_RPW, DRM_RVW, DRM_FVW = 1, 2, 3, 4, 5

RESULT_ENTITY_IMPACT, RESULT_GROUND_IMPACT, RESULT_DETONATION = 1, 3, 5

APPEARANCE_DESTROYED = 3 << 3  # damage state bits 3-4 = 3 (destroyed)
APPEARANCE_DEACTIVATED = 1 << 23  # state bit: the entity has left the exercise

HEARTBEAT_S = 5.0
"""Entity State PDUs are re-sent at least this often (IEEE 1278.1-2012 §5.3.2.1, HBT_ESPDU default)."""
TIMEOUT_S = 12.0
"""An entity silent this long is dropped (heartbeat x 2.4, IEEE 1278.1-2012 §5.3.2.1 ESPDU timeout)."""

# Entity IDs: (site, application, entity); bastion numbers its entities by what they are.
GUN_BASE, THREAT_BASE, CIVIL_BASE, DEBRIS_BASE, TRACK_BASE = 1, 1000, 10_000, 20_000, 40_000


@dataclass(frozen=True)
class EntityKind:
    """A DIS entity type record (IEEE 1278.1-2012 §6.2.30; values from SISO-REF-010)."""

    kind: int
    domain: int
    country: int = 0
    category: int = 0
    subcategory: int = 0
    specific: int = 0
    extra: int = 0

    def record(self):
        from opendis.dis7 import EntityType

        return EntityType(
            self.kind, self.domain, self.country, self.category, self.subcategory, self.specific, self.extra
        )


DRONE = EntityKind(1, 2, 0, 50)  # platform, air, unmanned
AIRLINER = EntityKind(1, 2, 0, 57)  # platform, air, non-combatant commercial aircraft
AIR_OTHER = EntityKind(1, 2)  # platform, air (unknown)
ROCKET = EntityKind(2, 9, 0, 2)  # munition, battlefield support, ballistic
DEBRIS = EntityKind(2, 0, 0, 0)  # munition, other (falling pieces)
GUN = EntityKind(1, 1, 0, 28)  # platform, land, air defence / missile defence unit equipment
ROUND = EntityKind(2, 1, 0, 2)  # munition, anti-air, ballistic (the gun's round)

_BY_CLASS = {"drone": DRONE, "aircraft": AIRLINER, "ballistic": ROCKET, "rocket": ROCKET, "mortar": ROCKET}
_FORCE_BY_IDENTITY = {"hostile": FORCE_OPPOSING, "civil": FORCE_NEUTRAL, "friendly": FORCE_FRIENDLY}


def dis_timestamp(moment_s: float) -> int:
    """Absolute DIS timestamp of a UTC time [s since 1970]: 3600 s / 2^31 units past the hour, LSB 1."""
    past = math.fmod(moment_s, 3600.0)
    return ((int(past / 3600.0 * 2**31) & 0x7FFFFFFF) << 1) | 1


def ned_axes(lat_deg: np.ndarray, lon_deg: np.ndarray) -> np.ndarray:
    """North, east, down unit vectors (..., 3, 3) in ECEF at geodetic ``lat``, ``lon`` [deg]."""
    la, lo = np.radians(lat_deg), np.radians(lon_deg)
    sla, cla, slo, clo = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    z = np.zeros_like(la)
    north = np.stack([-sla * clo, -sla * slo, cla], axis=-1)
    east = np.stack([-slo, clo, z], axis=-1)
    down = np.stack([-cla * clo, -cla * slo, -sla], axis=-1)
    return np.stack([north, east, down], axis=-2)


def euler_from_heading(lat_deg, lon_deg, heading, pitch, roll=0.0) -> np.ndarray:
    """DIS Euler angles (psi, theta, phi) [rad], shape (..., 3), of a body with ``heading`` (clockwise
    from north), ``pitch`` (up) and ``roll`` [rad] at ``lat``, ``lon`` [deg].

    The body axes in ECEF are the NED axes turned by heading, pitch, roll; psi, theta, phi are the
    z-y-x Euler angles of that direction cosine matrix C (rows = body axes): psi = atan2(C01, C00),
    theta = -asin(C02), phi = atan2(C12, C22) (IEEE 1278.1-2012 §1.6.2.96, Annex on Euler angles).
    """
    h, p, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (heading, pitch, roll)))
    ned = ned_axes(np.asarray(lat_deg, dtype=float), np.asarray(lon_deg, dtype=float))
    n, e, d = ned[..., 0, :], ned[..., 1, :], ned[..., 2, :]
    ch, sh, cp, sp, cr, sr = np.cos(h), np.sin(h), np.cos(p), np.sin(p), np.cos(r), np.sin(r)
    x = (cp * ch)[..., None] * n + (cp * sh)[..., None] * e - sp[..., None] * d
    y0 = -sh[..., None] * n + ch[..., None] * e  # right wing before roll
    z0 = np.cross(x, y0)  # down before roll
    y = cr[..., None] * y0 + sr[..., None] * z0
    z = -sr[..., None] * y0 + cr[..., None] * z0
    psi = np.arctan2(x[..., 1], x[..., 0])
    theta = -np.arcsin(np.clip(x[..., 2], -1.0, 1.0))
    phi = np.arctan2(y[..., 2], z[..., 2])
    return np.stack([psi, theta, phi], axis=-1)


class DisCodec:
    """Builds DIS PDUs (bytes) for a site: ENU positions and velocities converted to ECEF."""

    def __init__(self, origin: Origin, start: datetime, exercise: int = 1, site: int = 1, application: int = 1):
        self.origin = origin
        self.epoch0 = start.astimezone(UTC).timestamp()
        self.exercise, self.site, self.application = exercise, site, application

    def id(self, entity: int):
        from opendis.dis7 import EntityID

        return EntityID(self.site, self.application, int(entity) & 0xFFFF)

    def to_ecef(self, enu: np.ndarray) -> np.ndarray:
        o = self.origin
        enu = np.asarray(enu, dtype=float)
        return np.stack(pymap3d.enu2ecef(enu[..., 0], enu[..., 1], enu[..., 2], o.lat_deg, o.lon_deg, o.alt_m), -1)

    def vector_to_ecef(self, v: np.ndarray) -> np.ndarray:
        o = self.origin
        v = np.asarray(v, dtype=float)
        return np.stack(pymap3d.enu2uvw(v[..., 0], v[..., 1], v[..., 2], o.lat_deg, o.lon_deg), -1)

    def _finish(self, pdu, t: float) -> bytes:
        from opendis.DataOutputStream import DataOutputStream

        pdu.protocolVersion = 7
        # opendis 1.0's base __init__ sets the instance's type and family to 0, hiding the class values
        pdu.pduType = type(pdu).pduType
        pdu.protocolFamily = type(pdu).protocolFamily
        pdu.exerciseID = self.exercise
        pdu.pduStatus = 0  # opendis 1.0 leaves a PduStatus object here, which it cannot serialise
        pdu.timestamp = dis_timestamp(self.epoch0 + t)
        buf = io.BytesIO()
        pdu.serialize(DataOutputStream(buf))
        data = bytearray(buf.getvalue())
        data[8:10] = len(data).to_bytes(2, "big")  # the header's length field: opendis leaves it 0
        return bytes(data)

    def entity_states(
        self,
        t: float,
        entities: Iterable[int],
        enu: np.ndarray,
        velocity: np.ndarray,
        kinds: list[EntityKind],
        forces: list[int],
        markings: list[str],
        appearance: list[int] | None = None,
    ) -> list[bytes]:
        """Entity State PDUs at time ``t`` [s after the start] of N entities: ENU positions and
        velocities (N, 3) [m, m/s]; body oriented along the velocity (north and level when still)."""
        from opendis.dis7 import DeadReckoningParameters, EntityStatePdu, EulerAngles, Vector3Double, Vector3Float

        ids = list(entities)
        if not ids:
            return []
        enu = np.asarray(enu, dtype=float).reshape(-1, 3)
        vel = np.asarray(velocity, dtype=float).reshape(-1, 3)
        ecef = self.to_ecef(enu)
        v_ecef = self.vector_to_ecef(vel)
        lat, lon, _ = self.origin.to_wgs84(enu)
        heading = np.arctan2(vel[:, 0], vel[:, 1])
        pitch = np.arctan2(vel[:, 2], np.hypot(vel[:, 0], vel[:, 1]))
        euler = euler_from_heading(lat, lon, heading, pitch)
        out = []
        for k, ent in enumerate(ids):  # one PDU object per entity: opendis's granularity
            pdu = EntityStatePdu(
                entityID=self.id(ent),
                forceId=forces[k],
                entityType=kinds[k].record(),
                entityLinearVelocity=Vector3Float(*v_ecef[k].tolist()),
                entityLocation=Vector3Double(*ecef[k].tolist()),
                entityOrientation=EulerAngles(*euler[k].tolist()),
                entityAppearance=0 if appearance is None else int(appearance[k]),
                deadReckoningParameters=DeadReckoningParameters(DRM_FPW),
                capabilities=0,
            )
            pdu.marking.setString(markings[k][:11].encode("ascii", "replace").decode())
            out.append(self._finish(pdu, t))
        return out

    def fire(
        self,
        t: float,
        shooter: int,
        target: int | None,
        event: int,
        enu: np.ndarray,
        velocity: np.ndarray,
        quantity: int,
        rate_per_min: float,
        range_m: float,
        munition: EntityKind = ROUND,
    ) -> bytes:
        """A Fire PDU: ``shooter`` fired ``quantity`` rounds from ``enu`` with muzzle ``velocity`` (ENU)."""
        from opendis.dis7 import (
            EntityID,
            EventIdentifier,
            FirePdu,
            MunitionDescriptor,
            SimulationAddress,
            Vector3Double,
            Vector3Float,
        )

        pdu = FirePdu(
            munitionExpendableID=EntityID(0, 0, 0),  # rounds are not tracked entities
            eventID=EventIdentifier(SimulationAddress(self.site, self.application), int(event) & 0xFFFF),
            location=Vector3Double(*self.to_ecef(enu).tolist()),
            descriptor=MunitionDescriptor(munition.record(), 1000, 0, int(quantity), round(rate_per_min)),
            velocity=Vector3Float(*self.vector_to_ecef(velocity).tolist()),
            range_=float(range_m),
        )
        pdu.firingEntityID = self.id(shooter)
        pdu.targetEntityID = self.id(target) if target is not None else EntityID(0, 0, 0)
        return self._finish(pdu, t)

    def detonation(
        self,
        t: float,
        shooter: int,
        target: int | None,
        event: int,
        enu: np.ndarray,
        result: int,
        velocity: np.ndarray | None = None,
        munition: EntityKind = ROUND,
    ) -> bytes:
        """A Detonation PDU at ``enu`` with ``result`` (1 entity impact, 3 ground impact, 5 detonation)."""
        from opendis.dis7 import (
            DetonationPdu,
            EntityID,
            EventIdentifier,
            MunitionDescriptor,
            SimulationAddress,
            Vector3Double,
            Vector3Float,
        )

        v = np.zeros(3) if velocity is None else velocity
        pdu = DetonationPdu(
            explodingEntityID=EntityID(0, 0, 0),
            eventID=EventIdentifier(SimulationAddress(self.site, self.application), int(event) & 0xFFFF),
            velocity=Vector3Float(*self.vector_to_ecef(v).tolist()),
            location=Vector3Double(*self.to_ecef(enu).tolist()),
            descriptor=MunitionDescriptor(munition.record(), 1000, 0, 1, 0),
            detonationResult=int(result),
        )
        pdu.firingEntityID = self.id(shooter)
        pdu.targetEntityID = self.id(target) if target is not None else EntityID(0, 0, 0)
        return self._finish(pdu, t)


def decode(data: bytes):
    """An opendis PDU object parsed from ``data``, or None (unknown type, or damaged: opendis raises on
    short or inconsistent input, which is caught here so a bad datagram is skipped, not fatal)."""
    from opendis.PduFactory import createPdu

    if len(data) < 12:
        return None
    try:
        return createPdu(data)
    except Exception:  # opendis reports damage with struct.error, IndexError, ValueError, ... alike
        return None


class DisSender:
    """Sends PDUs (bytes) to ``host:port`` over UDP; counts what it sent."""

    def __init__(self, host: str, port: int = DIS_PORT, broadcast: bool = False) -> None:
        self.dest = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if broadcast:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.sent = 0
        self.errors = 0

    def __call__(self, pdu: bytes) -> None:
        try:
            self.sock.sendto(pdu, self.dest)
            self.sent += 1
        except OSError:
            self.errors += 1

    def close(self) -> None:
        self.sock.close()


@dataclass
class BridgeCounts:
    entity_states: int = 0
    fire: int = 0
    detonation: int = 0


class DisEventBridge:
    """An event-log subscriber (``log.subscribers.append(bridge)``) that sends the events as DIS PDUs.

    ``truth=True`` (a simulated night): Entity State PDUs of the objects of every ``truth`` event
    (``describe_label`` maps a label to ("threat" | "civil" | "debris", index); velocity by finite
    difference between successive truth events), the threats' names and types from ``launch``
    events, a destroyed appearance on ``kill``, Fire PDUs from ``gun_fired`` (aimed as its
    ``fire_order``) and Detonation PDUs from ``hit`` and ``detonation``. ``tracks=True`` (the live
    engine, or the decision side of a night): Entity State PDUs of the system tracks of every
    ``tracks`` event, a deactivated appearance on ``track_deleted``, and — without truth — one Fire
    PDU per ``fire_order``. The guns' Entity State PDUs go out at the start and every heartbeat.
    """

    def __init__(
        self,
        defence,
        send: Callable[[bytes], None],
        describe_label: Callable[[int], tuple[str, int]] | None = None,
        truth: bool = True,
        tracks: bool = False,
        codec: DisCodec | None = None,
    ) -> None:
        if truth and describe_label is None:
            raise ValueError("truth=True needs describe_label (bastion.world.world.describe_label)")
        self.defence = defence
        self.send = send
        self.describe = describe_label
        self.truth = truth
        self.tracks = tracks
        self.codec = codec or DisCodec(defence.origin, defence.start)
        self.counts = BridgeCounts()
        self._last: dict[int, tuple[float, np.ndarray]] = {}  # entity -> (t, position) of the last truth event
        self._names: dict[int, tuple[str, EntityKind]] = {}  # threat index -> (marking, type)
        self._orders: dict[int, dict] = {}  # fire order id -> payload
        self._guns_sent = -math.inf
        self._gun_kinds = [GUN] * len(defence.guns)

    def __call__(self, batch: list) -> None:
        for e in batch:
            handler = getattr(self, f"_on_{e.kind}", None)
            if handler is not None:
                handler(e.t, e.payload)

    def _emit(self, pdus: list[bytes], what: str) -> None:
        for p in pdus:
            self.send(p)
        setattr(self.counts, what, getattr(self.counts, what) + len(pdus))

    def _guns(self, t: float) -> None:
        if t - self._guns_sent < HEARTBEAT_S or not self.defence.guns:
            return
        self._guns_sent = t
        g = self.defence.guns
        pos = np.array([s.position for s in g])
        self._emit(
            self.codec.entity_states(
                t,
                [GUN_BASE + s.index for s in g],
                pos,
                np.zeros_like(pos),
                self._gun_kinds,
                [FORCE_FRIENDLY] * len(g),
                [s.name for s in g],
            ),
            "entity_states",
        )

    def _on_run_start(self, t: float, p: dict) -> None:
        self._guns(t)

    def _on_launch(self, t: float, p: dict) -> None:
        from bastion.scenario.catalogue import CATALOGUE

        tt = CATALOGUE.threats.get(p.get("type", ""))
        kind = DRONE if tt is None or not tt.ballistic else ROCKET
        self._names[int(p["threat"])] = (str(p.get("name", "")), kind)

    def _on_truth(self, t: float, p: dict) -> None:
        if not self.truth:
            return
        self._guns(t)
        labels, pos = p["label"], np.asarray(p["position"], dtype=float).reshape(-1, 3)
        ids, kinds, forces, marks, keep, vel = [], [], [], [], [], np.zeros_like(pos)
        for k, lab in enumerate(labels):  # per object: the label decides its DIS identity
            what, i = self.describe(int(lab))
            if what == "threat":
                name, kind = self._names.get(i, (f"THREAT{i}", DRONE))
                ent, force = THREAT_BASE + i, FORCE_OPPOSING
            elif what == "civil":
                name, kind, ent, force = f"CIVIL{i}", AIRLINER, CIVIL_BASE + i, FORCE_NEUTRAL
            elif what == "debris":
                name, kind, ent, force = f"DEBRIS{i}", DEBRIS, DEBRIS_BASE + i, FORCE_OTHER
            else:
                continue
            last = self._last.get(ent)
            if last is not None and t > last[0]:
                vel[k] = (pos[k] - last[1]) / (t - last[0])
            self._last[ent] = (t, pos[k])
            keep.append(k)
            ids.append(ent)
            kinds.append(kind)
            forces.append(force)
            marks.append(name)
        self._emit(self.codec.entity_states(t, ids, pos[keep], vel[keep], kinds, forces, marks), "entity_states")

    def _on_kill(self, t: float, p: dict) -> None:
        if not self.truth:
            return
        i = int(p["threat"])
        name, kind = self._names.get(i, (f"THREAT{i}", DRONE))
        pos = np.asarray(p["position"], dtype=float)
        self._emit(
            self.codec.entity_states(
                t,
                [THREAT_BASE + i],
                pos[None],
                np.zeros((1, 3)),
                [kind],
                [FORCE_OPPOSING],
                [name],
                [APPEARANCE_DESTROYED],
            ),
            "entity_states",
        )

    def _on_fire_order(self, t: float, p: dict) -> None:
        self._orders[int(p["order"])] = p
        if not self.truth:  # live: the order is the burst
            self._fire(t, p, int(p.get("rounds", 0)), float(p.get("t_start", t)), float(p.get("t_end", t)))

    def _on_gun_fired(self, t: float, p: dict) -> None:
        if self.truth:
            order = self._orders.get(int(p["order"]), {})
            merged = {**order, "gun": p["gun"], "track": p.get("track"), "order": p["order"]}
            self._fire(t, merged, int(p["rounds"]), float(p.get("t_first", t)), float(p.get("t_last", t)))

    def _gun_index(self, gun) -> int:
        if isinstance(gun, int):
            return gun
        return next((g.index for g in self.defence.guns if g.name == gun), 0)

    def _fire(self, t: float, p: dict, rounds: int, t_first: float, t_last: float) -> None:
        g = self.defence.guns[self._gun_index(p["gun"])]
        az, el = math.radians(p.get("azimuth_deg", 0.0)), math.radians(p.get("elevation_deg", 0.0))
        direction = np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)])
        rate = (rounds - 1) / (t_last - t_first) * 60.0 if rounds > 1 and t_last > t_first else 0.0
        target = TRACK_BASE + int(p["track"]) % (65536 - TRACK_BASE) if p.get("track") is not None else None
        pdu = self.codec.fire(
            t_first,
            GUN_BASE + g.index,
            target,
            int(p["order"]),
            g.position,
            g.type.muzzle_velocity * direction,
            rounds,
            rate,
            float(p.get("range_m", 0.0)),
        )
        self._emit([pdu], "fire")

    def _on_hit(self, t: float, p: dict) -> None:
        order = self._orders.get(int(p["order"]), {})
        gun = self._gun_index(order.get("gun", 0)) if self.defence.guns else 0
        pdu = self.codec.detonation(
            t,
            GUN_BASE + gun,
            THREAT_BASE + int(p["threat"]),
            int(p["order"]),
            np.asarray(p["position"], float),
            RESULT_ENTITY_IMPACT,
        )
        self._emit([pdu], "detonation")

    def _on_detonation(self, t: float, p: dict) -> None:
        i = int(p["threat"])
        _, kind = self._names.get(i, ("", DRONE))
        result = RESULT_DETONATION if p.get("how") == "air" else RESULT_GROUND_IMPACT
        pdu = self.codec.detonation(
            t, THREAT_BASE + i, None, 0, np.asarray(p["position"], float), result, munition=kind
        )
        self._emit([pdu], "detonation")

    def _on_tracks(self, t: float, p: dict) -> None:
        if not self.tracks:
            return
        self._guns(t)
        ids = [TRACK_BASE + int(i) % (65536 - TRACK_BASE) for i in p["id"]]
        kinds = [_BY_CLASS.get(c, AIR_OTHER) for c in p.get("class", ["unknown"] * len(ids))]
        forces = [_FORCE_BY_IDENTITY.get(s, FORCE_OTHER) for s in p.get("identity", ["unknown"] * len(ids))]
        marks = [f"T{int(i)}" for i in p["id"]]
        pdus = self.codec.entity_states(
            t, ids, np.asarray(p["position"]), np.asarray(p["velocity"]), kinds, forces, marks
        )
        self._emit(pdus, "entity_states")

    def _on_track_deleted(self, t: float, p: dict) -> None:
        if not self.tracks:
            return
        ent = TRACK_BASE + int(p["track"]) % (65536 - TRACK_BASE)
        self._emit(
            self.codec.entity_states(
                t,
                [ent],
                np.zeros((1, 3)),
                np.zeros((1, 3)),
                [AIR_OTHER],
                [FORCE_OTHER],
                [f"T{p['track']}"],
                [APPEARANCE_DEACTIVATED],
            ),
            "entity_states",
        )


# ----------------------------------------------------------------------------------------------
# In: other simulations' entities


@dataclass(frozen=True)
class ExternalEntities:
    """Entities of other simulations at one instant, in the site's ENU frame. Arrays of shape (N,)."""

    key: np.ndarray  # (N, 3) site, application, entity
    force: np.ndarray
    kind: np.ndarray  # (N, 7) DIS entity type record
    marking: np.ndarray
    position: np.ndarray  # (N, 3) ENU [m], dead-reckoned to the instant
    velocity: np.ndarray  # (N, 3) ENU [m/s]
    destroyed: np.ndarray  # appearance damage state "destroyed"

    def __len__(self) -> int:
        return int(self.force.size)

    def threat_types(self) -> list[str]:
        """The catalogue threat type a truth world may fly each entity as: munitions as a 107 mm
        rocket, air platforms (and anything else) as a fixed-wing one-way-attack drone."""
        return ["rocket-107" if int(k[0]) == 2 else "owa-fixed-wing" for k in self.kind]

    def radar_signature(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean RCS [m^2] and Swerling case of each entity, those of its :meth:`threat_types` in the
        catalogue: what a truth world needs to let its radars observe the entity."""
        from bastion.scenario.catalogue import CATALOGUE

        types = [CATALOGUE.threats[name] for name in self.threat_types()]
        return np.array([t.rcs_m2 for t in types], dtype=float), np.array([t.swerling for t in types], dtype=int)


@dataclass
class ReceiverStats:
    datagrams: int = 0
    entity_states: int = 0
    other_pdus: int = 0  # valid PDUs of other types (ignored)
    bad: int = 0  # not a PDU opendis can parse, or a different protocol version (skipped)
    own: int = 0  # PDUs of this bastion's own site and application (ignored: no echo)
    other_exercise: int = 0
    removed: int = 0  # entities that left (deactivated) or timed out
    problems: list[str] = field(default_factory=list)


@dataclass
class _Entity:
    received: float  # [s] local monotonic time of the last update
    force: int
    kind: tuple
    marking: str
    ecef: np.ndarray
    v_ecef: np.ndarray
    a_ecef: np.ndarray
    drm: int
    appearance: int


class DisReceiver:
    """Listens on ``host:port`` for Entity State PDUs; keeps the entities of other simulations.

    ``poll()`` reads every waiting datagram without blocking; ``entities()`` gives them in the site's
    ENU frame, dead-reckoned to now with each sender's algorithm (static; constant velocity; constant
    acceleration for DRM 4 and 5, body-axis algorithms treated as world-axis), dropping entities
    silent for :data:`TIMEOUT_S` or marked deactivated. PDUs of ``ignore`` (site, application) — this
    bastion's own sender — and of other exercises are skipped; damaged datagrams are counted.
    """

    def __init__(
        self,
        origin: Origin,
        host: str = "127.0.0.1",
        port: int = DIS_PORT,
        exercise: int | None = None,
        ignore: tuple[int, int] | None = (1, 1),
        clock: Callable[[], float] = time.monotonic,
        sock: socket.socket | None = None,
    ) -> None:
        self.origin = origin
        self.exercise = exercise
        self.ignore = ignore
        self.clock = clock
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
            sock.bind((host, port))
        sock.setblocking(False)
        self.sock = sock
        self.stats = ReceiverStats()
        self._entities: dict[tuple[int, int, int], _Entity] = {}

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    def poll(self) -> int:
        """Read every waiting datagram; return the number of Entity State PDUs taken."""
        n = 0
        while True:
            try:
                data = self.sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            n += self.feed(data)
        return n

    def feed(self, data: bytes) -> int:
        """Take one datagram (a PDU); return 1 if it was an Entity State PDU taken, else 0."""
        st = self.stats
        st.datagrams += 1
        pdu = decode(data)
        if pdu is None or getattr(pdu, "protocolVersion", 0) not in (5, 6, 7):
            st.bad += 1
            if len(st.problems) < 20:
                st.problems.append(f"datagram of {len(data)} bytes is not a DIS PDU")
            return 0
        if pdu.pduType != 1:
            st.other_pdus += 1
            return 0
        if self.exercise is not None and pdu.exerciseID != self.exercise:
            st.other_exercise += 1
            return 0
        eid = pdu.entityID
        key = (int(eid.siteID), int(eid.applicationID), int(eid.entityID))
        if self.ignore is not None and key[:2] == tuple(self.ignore):
            st.own += 1
            return 0
        loc, vel = pdu.entityLocation, pdu.entityLinearVelocity
        acc = pdu.deadReckoningParameters.entityLinearAcceleration
        ecef = np.array([loc.x, loc.y, loc.z], dtype=float)
        v = np.array([vel.x, vel.y, vel.z], dtype=float)
        a = np.array([acc.x, acc.y, acc.z], dtype=float)
        if not (np.isfinite(ecef).all() and np.isfinite(v).all() and np.isfinite(a).all()):
            st.bad += 1
            return 0
        appearance = int(pdu.entityAppearance) if isinstance(pdu.entityAppearance, int) else 0
        if appearance & APPEARANCE_DEACTIVATED:
            if self._entities.pop(key, None) is not None:
                st.removed += 1
            st.entity_states += 1
            return 1
        t = pdu.entityType
        try:
            marking = pdu.marking.charactersString()
        except (UnicodeDecodeError, ValueError, TypeError):
            marking = ""
        self._entities[key] = _Entity(
            self.clock(),
            int(pdu.forceId),
            (t.entityKind, t.domain, t.country, t.category, t.subcategory, t.specific, t.extra),
            marking,
            ecef,
            v,
            a,
            int(pdu.deadReckoningParameters.deadReckoningAlgorithm),
            appearance,
        )
        st.entity_states += 1
        return 1

    def entities(self, now: float | None = None) -> ExternalEntities:
        """The live entities at local time ``now`` (default: the clock's now), dead-reckoned, in ENU."""
        now = self.clock() if now is None else now
        for key in [k for k, e in self._entities.items() if now - e.received > TIMEOUT_S]:
            del self._entities[key]
            self.stats.removed += 1
        ents = list(self._entities.items())
        n = len(ents)
        if n == 0:
            z = np.zeros((0, 3))
            return ExternalEntities(
                np.zeros((0, 3), int),
                np.zeros(0, int),
                np.zeros((0, 7), int),
                np.zeros(0, "<U11"),
                z,
                z,
                np.zeros(0, bool),
            )
        dt = np.array([now - e.received for _, e in ents])
        drm = np.array([e.drm for _, e in ents])
        p = np.array([e.ecef for _, e in ents])
        v = np.array([e.v_ecef for _, e in ents])
        a = np.array([e.a_ecef for _, e in ents])
        moving = (drm != DRM_STATIC)[:, None]
        accel = np.isin(drm, (DRM_RVW, DRM_FVW, 8, 9))[:, None]
        p = p + moving * (v * dt[:, None] + accel * 0.5 * a * dt[:, None] ** 2)
        v = v + accel * a * dt[:, None]
        o = self.origin
        e, nn, u = pymap3d.ecef2enu(p[:, 0], p[:, 1], p[:, 2], o.lat_deg, o.lon_deg, o.alt_m)
        ve, vn, vu = pymap3d.uvw2enu(v[:, 0], v[:, 1], v[:, 2], o.lat_deg, o.lon_deg)
        return ExternalEntities(
            key=np.array([k for k, _ in ents], dtype=int),
            force=np.array([x.force for _, x in ents], dtype=int),
            kind=np.array([x.kind for _, x in ents], dtype=int),
            marking=np.array([x.marking for _, x in ents], dtype="<U11"),
            position=np.column_stack([e, nn, u]),
            velocity=np.column_stack([ve, vn, vu]),
            destroyed=np.array([(x.appearance >> 3) & 3 == 3 for _, x in ents], dtype=bool),
        )

    def close(self) -> None:
        self.sock.close()
