"""DIS enumerations, entity kinds, frames (ENU/NED/ECEF Euler angles), timestamps and the PDU codec."""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
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
