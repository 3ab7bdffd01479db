"""In: other simulations' entities from their Entity State PDUs, dead-reckoned in the site's ENU frame."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pymap3d

from bastion.io.dis.codec import APPEARANCE_DEACTIVATED, DIS_PORT, DRM_FVW, DRM_RVW, DRM_STATIC, TIMEOUT_S, decode
from bastion.physics.geodesy import Origin


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
