"""The world: truth state of one simulated night and its time stepping.

``World.advance(t0, t1)`` moves everything from ``t0`` to ``t1`` with an adaptive step: fine
(20 ms) while rounds fly, medium (0.1 s) while debris falls, coarse (0.5 s) otherwise, so rounds
and their segment hit tests get the resolution they need and a quiet sky costs almost nothing.
It returns the truth events of the interval (launches, hits, kills, detonations, damage, debris
and fall of shot) as ``(time, kind, payload)`` tuples for the engine to record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from bastion.orders import FireOrder
from bastion.scenario.compiled import CompiledScenario
from bastion.world.aircraft import CivilTraffic
from bastion.world.debris import KIND_NAMES, WARHEAD, Debris, DebrisPhysics, break_up, damaged_zones
from bastion.world.drones import DESTROYED, IMPACTED, WAITING, DroneFleet
from bastion.world.guns import Burst, Mounts, RoundPhysics, Rounds, fire_burst
from bastion.world.sensors import AirPicture

CIVIL_LABEL = 10_000
DEBRIS_LABEL = 20_000

DT_ROUNDS = 0.02  # [s] while rounds fly: 20 m of a round's path, 1 m of a drone's
DT_DEBRIS = 0.1  # [s] while only debris falls
DT_COARSE = 0.5  # [s] otherwise: drones and aircraft only

TruthEvent = tuple[float, str, dict]


def describe_label(label: int) -> tuple[str, int]:
    """('threat' | 'civil' | 'debris' | 'noise', index) of a truth label."""
    if label < 0:
        return "noise", -1
    if label >= DEBRIS_LABEL:
        return "debris", label - DEBRIS_LABEL
    if label >= CIVIL_LABEL:
        return "civil", label - CIVIL_LABEL
    return "threat", label


@dataclass
class World:
    scenario: CompiledScenario
    rng_threats: np.random.Generator
    rng_guns: np.random.Generator
    rng_debris: np.random.Generator
    drones: DroneFleet = field(init=False)
    civil: CivilTraffic = field(init=False)
    mounts: Mounts = field(init=False)
    rounds: Rounds = field(default_factory=Rounds)
    bursts: list[Burst] = field(default_factory=list)
    debris: Debris = field(default_factory=Debris)
    t: float = 0.0

    def __post_init__(self) -> None:
        d = self.scenario.defence
        raid = self.scenario.raid
        self.drones = DroneFleet.launch_plan(raid.threats, self.rng_threats)
        self.civil = CivilTraffic(raid.flights, raid.recorded)
        self.mounts = Mounts.deploy(d.guns)
        kinds = {g.type.drag_function for g in d.guns} or {"G1"}
        self.round_physics = {k: RoundPhysics(k, d.air) for k in kinds}
        self.debris_physics = DebrisPhysics(d.air)
        self._debris_next = 0
        self._civil_rcs = self.civil.rcs
        self._civil_sw = self.civil.swerling
        self._civil_radius = self.civil.vulnerable_radius
        self._launched = np.zeros(len(raid.threats), dtype=bool)
        self._civil_cache: dict[float, tuple] = {}

    # -- what sensors see ------------------------------------------------------------------
    def picture(self, t: float) -> AirPicture:
        """Everything airborne at ``t`` (call after advancing to ``t``)."""
        dr = self.drones
        a = dr.airborne
        c_pos, c_vel, c_on = self._civil_at(t)
        c_air = c_on & (c_pos[:, 2] > 1.0)
        deb = self.debris
        return AirPicture(
            pos=np.concatenate([dr.pos[a], c_pos[c_air], deb.pos]),
            vel=np.concatenate([dr.vel[a], c_vel[c_air], deb.vel]),
            rcs=np.concatenate([dr.rcs[a], self._civil_rcs[c_air], deb.rcs]),
            swerling=np.concatenate([dr.swerling[a], self._civil_sw[c_air], np.ones(len(deb), dtype=int)]),
            label=np.concatenate([np.flatnonzero(a), CIVIL_LABEL + np.flatnonzero(c_air), DEBRIS_LABEL + deb.id]),
        )

    def civil_state(self, t: float):
        return self._civil_at(t)

    def _civil_at(self, t: float):
        """Civil aircraft state at ``t``, memoised for the two most recent times (step ends repeat)."""
        cache = self._civil_cache
        if t in cache:
            return cache[t]
        state = self.civil.state(t)
        if len(cache) >= 2:
            cache.pop(next(iter(cache)))
        cache[t] = state
        return state

    # -- orders ----------------------------------------------------------------------------
    def execute(self, order: FireOrder, t: float) -> list[TruthEvent]:
        """A gun receives a fire order at time ``t``."""
        gt = self.scenario.defence.guns[order.gun].type
        new = fire_burst(self.mounts, self.bursts, order, t, self.scenario.defence.air, self.rng_guns)
        self.rounds.append(new)
        b = self.bursts[-1]
        return [
            (
                t,
                "gun_fired",
                {
                    "order": order.order_id,
                    "gun": order.gun,
                    "track": order.track_id,
                    "rounds": b.fired,
                    "t_first": b.t_first,
                    "t_last": b.t_last,
                    "ammunition_left": int(self.mounts.ammunition[order.gun]),
                    "drag": gt.drag_function,
                },
            )
        ]

    # -- time --------------------------------------------------------------------------------
    def next_step(self, t: float, t_end: float) -> float:
        """End of the next physics step: fine while live rounds fly (or are about to), medium while
        only duds and debris fall (slow, gently curving: a 0.1 s chord is within 2 cm of the arc),
        coarse otherwise."""
        r = self.rounds
        if len(r) and ((r.t_fire < t + DT_COARSE) & (t - r.t_fire < r.sd_time + DT_ROUNDS)).any():
            dt = DT_ROUNDS
        elif len(r) or len(self.debris):
            dt = DT_DEBRIS
        else:
            dt = DT_COARSE
        return min(t + dt, t_end)

    def advance(self, t1: float) -> list[TruthEvent]:
        """Move the world from its current time to ``t1``."""
        events: list[TruthEvent] = []
        while self.t < t1 - 1e-12:
            t0 = self.t
            t_next = self.next_step(t0, t1)
            events.extend(self._step(t0, t_next))
            self.t = t_next
        return events

    def _step(self, t0: float, t1: float) -> list[TruthEvent]:
        dt = t1 - t0
        ev: list[TruthEvent] = []
        dr = self.drones
        before = dr.pos.copy()
        c0, _, on0 = self._civil_at(t0)
        impacted = dr.step(t0, dt)
        launched = (dr.state != WAITING) & ~self._launched
        for i in np.flatnonzero(launched):
            self._launched[i] = True
            ev.append(
                (
                    t1,
                    "launch",
                    {
                        "threat": int(i),
                        "name": dr.plans[i].name,
                        "type": dr.plans[i].type.name,
                        "position": _r(dr.pos[i]),
                    },
                )
            )
        for i in impacted:
            ev.extend(self._detonate(t1, int(i), dr.pos[i], "impact"))
        if len(self.rounds):
            c1, _, on1 = self._civil_at(t1)
            air_d = dr.airborne | np.isin(np.arange(dr.state.size), impacted)
            ci = np.flatnonzero(on0 & on1 & (c1[:, 2] > 1.0)) if len(self.civil) else np.zeros(0, dtype=int)
            di = np.flatnonzero(air_d)
            tgt0 = np.concatenate([before[di], c0[ci]])
            tgt1 = np.concatenate([dr.pos[di], c1[ci]])
            radius = np.concatenate([dr.vulnerable_radius[di], self._civil_radius[ci]])
            for kind, phys in self.round_physics.items():
                del kind
                re = phys.step(self.rounds, t0, t1, tgt0, tgt1, radius)
                ev.extend(self._round_events(t1, re, di, ci))
        if len(self.debris):
            landed = self.debris_physics.step(self.debris, dt)
            for j in range(len(landed)):
                p = landed.pos[j]
                zone = self._zone_at(p)
                ev.append(
                    (
                        t1,
                        "debris_impact",
                        {
                            "threat": int(landed.source[j]),
                            "piece": KIND_NAMES[landed.kind[j]],
                            "position": _r(p),
                            "zone": zone,
                        },
                    )
                )
                if landed.kind[j] == WARHEAD and landed.fuzes[j]:
                    ev.extend(self._warhead(t1, int(landed.source[j]), p, "ground"))
        ev.extend(self._close_bursts(t1))
        return ev

    def _round_events(self, t: float, re, di: np.ndarray, ci: np.ndarray) -> list[TruthEvent]:
        ev: list[TruthEvent] = []
        dr = self.drones
        for b, col, where in re.hits:
            self.bursts[b].hits += 1
            if col < di.size:
                i = int(di[col])
                if dr.state[i] in (DESTROYED, IMPACTED):
                    continue
                killed = bool(self.rng_debris.random() < dr.p_kill_given_hit[i])
                ev.append(
                    (
                        t,
                        "hit",
                        {"threat": i, "order": self.bursts[b].order.order_id, "position": _r(where), "killed": killed},
                    )
                )
                if killed:
                    ev.extend(self._kill(t, i))
            else:
                j = int(ci[col - di.size])
                ev.append(
                    (
                        t,
                        "civil_hit",
                        {
                            "civil": j,
                            "icao24": self.civil.icao24[j],
                            "order": self.bursts[b].order.order_id,
                            "position": _r(where),
                        },
                    )
                )
        for b in re.sd_bursts:
            self.bursts[b].self_destructed += 1
        for p, b, dud in zip(re.ground, re.ground_bursts, re.ground_dud, strict=True):
            self.bursts[b].fell += 1
            ev.append(
                (
                    t,
                    "fall_of_shot",
                    {
                        "order": self.bursts[b].order.order_id,
                        "position": _r(p),
                        "dud": bool(dud),
                        "zone": self._zone_at(p),
                    },
                )
            )
        return ev

    def _kill(self, t: float, i: int) -> list[TruthEvent]:
        dr = self.drones
        kind = dr.plans[i].type
        pos, vel = dr.pos[i].copy(), dr.vel[i].copy()
        dr.destroy(np.array([i]), t)
        detonated = bool(self.rng_debris.random() < kind.p_warhead_detonates_when_hit)
        pieces = break_up(i, kind, pos, vel, float(dr.rcs[i]), self._debris_next, detonated, self.rng_debris)
        self._debris_next += len(pieces)
        self.debris.append(pieces)
        ev = [(t, "kill", {"threat": i, "name": dr.plans[i].name, "position": _r(pos), "pieces": len(pieces)})]
        if detonated:
            ev.extend(self._warhead(t, i, pos, "air"))
        return ev

    def _detonate(self, t: float, i: int, pos: np.ndarray, how: str) -> list[TruthEvent]:
        return [
            (
                t,
                "leak",
                {"threat": i, "name": self.drones.plans[i].name, "position": _r(pos), "zone": self._zone_at(pos)},
            ),
            *self._warhead(t, i, pos, how),
        ]

    def _warhead(self, t: float, i: int, pos: np.ndarray, how: str) -> list[TruthEvent]:
        kind = self.drones.plans[i].type
        hits = damaged_zones(self.scenario.defence.zones, pos, kind.lethal_radius_m)
        ev: list[TruthEvent] = [
            (t, "detonation", {"threat": i, "position": _r(pos), "how": how, "damaged": [z.name for z, _ in hits]})
        ]
        for z, dist in hits:
            ev.append(
                (t, "damage", {"threat": i, "zone": z.name, "kind": z.kind, "distance_m": round(dist, 1), "how": how})
            )
        return ev

    def _close_bursts(self, t: float) -> list[TruthEvent]:
        ev: list[TruthEvent] = []
        live = set(np.unique(self.rounds.burst).tolist()) if len(self.rounds) else set()
        for b, burst in enumerate(self.bursts):
            if not burst.done and burst.fired and b not in live:
                burst.done = True
                ev.append(
                    (
                        t,
                        "burst_complete",
                        {
                            "order": burst.order.order_id,
                            "gun": burst.order.gun,
                            "fired": burst.fired,
                            "hits": burst.hits,
                            "self_destructed": burst.self_destructed,
                            "fell": burst.fell,
                        },
                    )
                )
        return ev

    def _zone_at(self, p: np.ndarray) -> str | None:
        pt = shapely.Point(float(p[0]), float(p[1]))
        for z in self.scenario.defence.zones:
            if z.geometry.intersects(pt):
                return z.name
        return None


def _r(v: np.ndarray) -> list[float]:
    return [round(float(x), 2) for x in v]
