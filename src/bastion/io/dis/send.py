"""Out: the UDP sender and the event-log bridge that turns a night's events into Entity State, Fire and
Detonation PDUs."""

from __future__ import annotations

import math
import socket
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bastion import event_types as ev
from bastion.io.dis.codec import (
    _BY_CLASS,
    _FORCE_BY_IDENTITY,
    AIR_OTHER,
    AIRLINER,
    APPEARANCE_DEACTIVATED,
    APPEARANCE_DESTROYED,
    CIVIL_BASE,
    DEBRIS,
    DEBRIS_BASE,
    DIS_PORT,
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
    THREAT_BASE,
    TRACK_BASE,
    DisCodec,
    EntityKind,
)


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
    difference between successive truth events; other objects — own aircraft, another simulation's
    entities, birds — are not sent), the threats' names and types from ``launch``
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
        self._orders: dict[int, ev.FireOrder] = {}  # fire order id -> its fire_order payload
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

    def _on_run_start(self, t: float, p: ev.RunStart) -> None:
        self._guns(t)

    def _on_launch(self, t: float, p: ev.Launch) -> None:
        from bastion.scenario.catalogue import CATALOGUE

        tt = CATALOGUE.threats.get(p.type)
        kind = DRONE if tt is None or not tt.ballistic else ROCKET
        self._names[int(p.threat)] = (str(p.name), kind)

    def _on_truth(self, t: float, p: ev.Truth) -> None:
        if not self.truth:
            return
        self._guns(t)
        labels, pos = p.label, np.asarray(p.position, dtype=float).reshape(-1, 3)
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

    def _on_kill(self, t: float, p: ev.Kill) -> None:
        if not self.truth:
            return
        i = int(p.threat)
        name, kind = self._names.get(i, (f"THREAT{i}", DRONE))
        pos = np.asarray(p.position, dtype=float)
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

    def _on_fire_order(self, t: float, p: ev.FireOrder) -> None:
        self._orders[int(p.order)] = p
        if not self.truth:  # live: the order is the burst
            self._fire(p.gun, p.track, p.order, p, int(p.rounds), float(p.t_start), float(p.t_end))

    def _on_gun_fired(self, t: float, p: ev.GunFired) -> None:
        if self.truth:  # aimed as its order was, when known
            planned = self._orders.get(int(p.order))
            self._fire(p.gun, p.track, p.order, planned, int(p.rounds), float(p.t_first), float(p.t_last))

    def _gun_index(self, gun) -> int:
        if isinstance(gun, int):
            return gun
        return next((g.index for g in self.defence.guns if g.name == gun), 0)

    def _fire(
        self,
        gun: int | str,
        track: int | None,
        order: int,
        planned: ev.FireOrder | None,
        rounds: int,
        t_first: float,
        t_last: float,
    ) -> None:
        """One Fire PDU: ``gun`` (index or name) fired ``rounds`` at ``track`` from ``t_first`` to
        ``t_last`` [s] under ``order``, aimed as ``planned`` (its fire_order; None: not known)."""
        g = self.defence.guns[self._gun_index(gun)]
        az = math.radians(planned.azimuth_deg) if planned is not None else 0.0
        el = math.radians(planned.elevation_deg) if planned is not None else 0.0
        direction = np.array([math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el)])
        rate = (rounds - 1) / (t_last - t_first) * 60.0 if rounds > 1 and t_last > t_first else 0.0
        target = TRACK_BASE + int(track) % (65536 - TRACK_BASE) if track is not None else None
        pdu = self.codec.fire(
            t_first,
            GUN_BASE + g.index,
            target,
            int(order),
            g.position,
            g.type.muzzle_velocity * direction,
            rounds,
            rate,
            float(planned.range_m) if planned is not None else 0.0,
        )
        self._emit([pdu], "fire")

    def _on_hit(self, t: float, p: ev.Hit) -> None:
        order = self._orders.get(int(p.order))
        gun = self._gun_index(order.gun if order is not None else 0) if self.defence.guns else 0
        pdu = self.codec.detonation(
            t,
            GUN_BASE + gun,
            THREAT_BASE + int(p.threat),
            int(p.order),
            np.asarray(p.position, float),
            RESULT_ENTITY_IMPACT,
        )
        self._emit([pdu], "detonation")

    def _on_detonation(self, t: float, p: ev.Detonation) -> None:
        i = int(p.threat)
        _, kind = self._names.get(i, ("", DRONE))
        result = RESULT_DETONATION if p.how == "air" else RESULT_GROUND_IMPACT
        pdu = self.codec.detonation(t, THREAT_BASE + i, None, 0, np.asarray(p.position, float), result, munition=kind)
        self._emit([pdu], "detonation")

    def _on_tracks(self, t: float, p: ev.Tracks) -> None:
        if not self.tracks:
            return
        self._guns(t)
        ids = [TRACK_BASE + int(i) % (65536 - TRACK_BASE) for i in p.id]
        kinds = [_BY_CLASS.get(c, AIR_OTHER) for c in p.klass]
        forces = [_FORCE_BY_IDENTITY.get(s, FORCE_OTHER) for s in p.identity]
        marks = [f"T{int(i)}" for i in p.id]
        pdus = self.codec.entity_states(t, ids, np.asarray(p.position), np.asarray(p.velocity), kinds, forces, marks)
        self._emit(pdus, "entity_states")

    def _on_track_deleted(self, t: float, p: ev.TrackDeleted) -> None:
        if not self.tracks:
            return
        ent = TRACK_BASE + int(p.track) % (65536 - TRACK_BASE)
        self._emit(
            self.codec.entity_states(
                t,
                [ent],
                np.zeros((1, 3)),
                np.zeros((1, 3)),
                [AIR_OTHER],
                [FORCE_OTHER],
                [f"T{p.track}"],
                [APPEARANCE_DEACTIVATED],
            ),
            "entity_states",
        )
