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

The package by job: :mod:`~bastion.io.dis.codec` (enumerations, frames, the PDU codec),
:mod:`~bastion.io.dis.send` (out) and :mod:`~bastion.io.dis.receive` (in); the names below are the
public surface (``from bastion.io.dis import ...``).
"""

from bastion.io.dis.codec import (
    AIR_OTHER,
    AIRLINER,
    APPEARANCE_DEACTIVATED,
    APPEARANCE_DESTROYED,
    CIVIL_BASE,
    DEBRIS,
    DEBRIS_BASE,
    DIS_PORT,
    DRM_FPW,
    DRM_FVW,
    DRM_RPW,
    DRM_RVW,
    DRM_STATIC,
    DRONE,
    FORCE_FRIENDLY,
    FORCE_NEUTRAL,
    FORCE_OPPOSING,
    FORCE_OTHER,
    GUN,
    GUN_BASE,
    HEARTBEAT_S,
    RESULT_DETONATION,
    RESULT_ENTITY_IMPACT,
    RESULT_GROUND_IMPACT,
    ROCKET,
    ROUND,
    THREAT_BASE,
    TIMEOUT_S,
    TRACK_BASE,
    DisCodec,
    EntityKind,
    decode,
    dis_timestamp,
    euler_from_heading,
    ned_axes,
)
from bastion.io.dis.receive import DisReceiver, ExternalEntities, ReceiverStats
from bastion.io.dis.send import BridgeCounts, DisEventBridge, DisSender

__all__ = [
    "AIRLINER",
    "AIR_OTHER",
    "APPEARANCE_DEACTIVATED",
    "APPEARANCE_DESTROYED",
    "CIVIL_BASE",
    "DEBRIS",
    "DEBRIS_BASE",
    "DIS_PORT",
    "DRM_FPW",
    "DRM_FVW",
    "DRM_RPW",
    "DRM_RVW",
    "DRM_STATIC",
    "DRONE",
    "FORCE_FRIENDLY",
    "FORCE_NEUTRAL",
    "FORCE_OPPOSING",
    "FORCE_OTHER",
    "GUN",
    "GUN_BASE",
    "HEARTBEAT_S",
    "RESULT_DETONATION",
    "RESULT_ENTITY_IMPACT",
    "RESULT_GROUND_IMPACT",
    "ROCKET",
    "ROUND",
    "THREAT_BASE",
    "TIMEOUT_S",
    "TRACK_BASE",
    "BridgeCounts",
    "DisCodec",
    "DisEventBridge",
    "DisReceiver",
    "DisSender",
    "EntityKind",
    "ExternalEntities",
    "ReceiverStats",
    "decode",
    "dis_timestamp",
    "euler_from_heading",
    "ned_axes",
]
