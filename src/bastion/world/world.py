"""The world: truth state of one simulated night and its time stepping.

``World.advance(t1)`` moves everything to ``t1`` with an adaptive step: fine (0.1 s) while live
rounds fly or only duds, debris or munitions fall, coarse (1 s) otherwise, so rounds and their
segment hit tests get the resolution they need and a quiet sky costs almost nothing. Why 0.1 s is
fine enough for the rounds (measured against an adaptive DOP853 reference for the 20 mm round over
its 3.2 s flight, elevations -2° to 70°; ``docs/throughput.md``): RK4 keeps the round within 8 cm
of the reference (2 cm at 50 ms), and between two steps the straight chord the hit test uses
departs from the curved, decelerating path by at most 0.5 m along the path — a timing offset of
~0.5 ms, in which a 50 m/s target moves 2.5 cm — and 1.2 cm across it. Both are far below the gun's
dispersion (2.2 mrad, 2.2 m at 1 km). A round whose self-destruct timer runs out within a step flies
to that instant and bursts there, so no step lets a round fly, or hit, past its timer. The step returns the
truth events of the interval (launches, hits, kills, detonations, damage, debris and fall of shot)
as ``(time, kind, payload)`` tuples.

Threats are numbered as in the scenario; drones (:mod:`.drones`) and rockets and mortar bombs
(:mod:`.munitions`) are separate array sets mapped onto that numbering.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from bastion.event_types import (
    BurstComplete,
    CivilHit,
    Damage,
    DebrisImpact,
    Detonation,
    EffectorOrderRefused,
    ExternalHit,
    FallOfShot,
    FriendlyHit,
    GunCeased,
    GunFired,
    GunReloaded,
    Hit,
    ImpactOpenGround,
    Kill,
    Launch,
    Leak,
    OrderRefused,
    Payload,
)
from bastion.orders import AimUpdate, CeaseFire, EffectorOrder, FireOrder
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import CompiledScenario
from bastion.sense.types import FireControlReport
from bastion.world.aircraft import CivilTraffic
from bastion.world.birds import BirdFlocks
from bastion.world.debris import KIND_NAMES, WARHEAD, Debris, DebrisPhysics, break_up, damaged_zones
from bastion.world.drones import CRUISE, DESTROYED, DIVE, IMPACTED, LANDED, WAITING, DroneFleet
from bastion.world.effectors import Effectors
from bastion.world.fire_control_radar import FireControlRadars
from bastion.world.friendly import FriendlyAir
from bastion.world.guns import Burst, Mounts, RoundPhysics, Rounds, fire_burst, reaim_burst, stop_bursts
from bastion.world.labels import CIVIL_LABEL, DEBRIS_LABEL, EXTERNAL_LABEL, FRIENDLY_LABEL, describe_label
from bastion.world.munitions import FLYING, Munitions
from bastion.world.readonly import NO_INDEX
from bastion.world.sensors import AirPicture

DT_FINE = 0.1  # [s] while rounds, debris or munitions fly (see above)
DT_COARSE = 1.0  # [s] otherwise: drones and aircraft only

TruthEvent = tuple[float, Payload]  # (time [s], payload): the world's events (truth)


def _r(v: np.ndarray) -> list[float]:
    return [round(float(x), 2) for x in v]


@dataclass
class World:
    scenario: CompiledScenario
    rng_threats: np.random.Generator
    rng_guns: np.random.Generator
    rng_debris: np.random.Generator
    drones: DroneFleet = field(init=False)
    munitions: Munitions = field(init=False)
    mounts: Mounts = field(init=False)
    rounds: Rounds = field(default_factory=Rounds)
    bursts: list[Burst] = field(default_factory=list)
    debris: Debris = field(default_factory=Debris)
    t: float = 0.0
    # entities flown by another simulation (DIS in): a function of time giving an object with
    # ``position``, ``velocity`` (N, 3) ENU and ``radar_signature()`` -> (RCS, Swerling case)
    external: Callable[[float], object] | None = None
    civil: CivilTraffic | None = None  # the scenario's civil traffic (built from it when None; shareable)
    rng_fire_control: np.random.Generator | None = None  # the mounts' radars (None: spawned from rng_guns')
    rng_effectors: np.random.Generator | None = None  # jammers' draws, interceptors, lasers (None: spawned)
    rng_birds: np.random.Generator | None = None  # the birds (None: spawned from rng_threats')

    def __post_init__(self) -> None:
        d = self.scenario.defence
        raid = self.scenario.raid
        plans = raid.threats
        drone_i = np.array([i for i, p in enumerate(plans) if not p.type.ballistic], dtype=int)
        ball_i = np.array([i for i, p in enumerate(plans) if p.type.ballistic], dtype=int)
        self.drones = DroneFleet.launch_plan(tuple(plans[i] for i in drone_i), drone_i, self.rng_threats)
        air = raid.weather.air  # the true air (the defence is told a met message: ``d.air``)
        self.munitions = Munitions.launch_plan(tuple(plans[i] for i in ball_i), ball_i, air, self.rng_threats)
        if self.civil is None:
            self.civil = CivilTraffic(raid.flights, raid.recorded)
        self.friendly = FriendlyAir(raid.friendlies)
        self.mounts = Mounts.deploy(d.guns)
        if self.rng_fire_control is None:
            self.rng_fire_control = np.random.default_rng(self.rng_guns.bit_generator.seed_seq.spawn(1)[0])
        self.fire_control_radars = FireControlRadars(
            d.guns, self.rng_fire_control, raid.weather.rain_mm_per_h, raid.weather.rain_height_m
        )
        self.birds = None
        if raid.birds is not None:
            if self.rng_birds is None:
                self.rng_birds = np.random.default_rng(self.rng_threats.bit_generator.seed_seq.spawn(1)[0])
            self.birds = BirdFlocks(raid.birds, self.rng_birds)
        # fire orders on their way to the mounts (sensor -> C2 -> gun latency): (arrival, sequence, order)
        # why a mount cannot fire at a time ("" when it can; None: no faults injected)
        self.mount_down: Callable[[int, float], str] | None = None
        self._inbox: list[tuple[float, int, FireOrder]] = []
        self._inbox_seq = 0
        self._burst_of_order: dict[int, int] = {}
        self._reload_due: dict[int, float] = {}  # gun -> time its emptied magazine is full again
        kinds = {g.type.drag_function for g in d.guns} or {"G1"}
        if len(kinds) > 1:
            raise ValueError(f"the guns of one site must share a round drag function, got {sorted(kinds)}")
        self.round_physics = RoundPhysics(kinds.pop(), air)
        self.debris_physics = DebrisPhysics(air)
        self._debris_next = 0
        # ADS-B broadcasters: civil aircraft, then threats that spoof an identity
        self._spoofers = np.array([i for i, p in enumerate(plans) if p.spoof_adsb is not None], dtype=int)
        spoof = [plans[i].spoof_adsb for i in self._spoofers]
        self.adsb_icao24 = self.civil.icao24 + [s.icao24.lower() for s in spoof]
        self.adsb_callsign = self.civil.callsign + [s.callsign for s in spoof]
        self.adsb_broadcasts = np.concatenate([self.civil.broadcasts_adsb, np.ones(len(spoof), dtype=bool)])
        self.adsb_nacp = np.concatenate([self.civil.nacp, np.full(len(spoof), 9, dtype=int)])
        self._spoof_offset = np.array([[s.offset_east_m, s.offset_north_m, 0.0] for s in spoof]).reshape(-1, 3)
        self._launched = np.zeros(len(plans), dtype=bool)
        self._all_launched = not plans  # every threat's launch reported: skip the check
        self.threat_state = np.full(len(plans), WAITING, dtype=np.int8)
        # effectors beyond the gun (None on a site with guns only: nothing of theirs runs)
        self.effectors: Effectors | None = None
        if d.effectors:
            if self.rng_effectors is None:
                self.rng_effectors = np.random.default_rng(self.rng_debris.bit_generator.seed_seq.spawn(1)[0])
            self.effectors = Effectors(self, self.rng_effectors)

    # -- views ---------------------------------------------------------------------------------
    def picture(self, t: float) -> AirPicture:
        """Everything airborne at ``t`` (call after advancing to ``t``): threats (drones, then
        munitions), civil aircraft above 1 m, debris, own aircraft, entities of another simulation,
        then birds (single birds and flocks: Swerling 1)."""
        parts = []
        for fleet in (self.drones, self.munitions):
            if fleet.state.size and (a := fleet.airborne.nonzero()[0]).size:
                parts.append(
                    (
                        fleet.pos[a],
                        fleet.vel[a],
                        fleet.rcs[a],
                        fleet.swerling[a],
                        fleet.index[a],
                        np.zeros(a.size, bool),
                    )
                )
        parts.append(self.civil.in_the_air(t))
        deb = self.debris
        if len(deb):
            parts.append(
                (
                    deb.pos,
                    deb.vel,
                    deb.rcs,
                    np.ones(len(deb), dtype=int),
                    DEBRIS_LABEL + deb.id,
                    np.zeros(len(deb), bool),
                )
            )
        if len(self.friendly) and len((fr := self.friendly.in_the_air(t))[0]):
            parts.append(fr)
        if self.external is not None and len(ext := self.external(t)):
            e_rcs, e_sw = ext.radar_signature()
            e_pos, e_vel = np.asarray(ext.position, float), np.asarray(ext.velocity, float)
            n_ext = len(e_rcs)
            parts.append((e_pos, e_vel, e_rcs, e_sw, EXTERNAL_LABEL + np.arange(n_ext), np.zeros(n_ext, bool)))
        if self.birds is not None and (n_b := (bird := self.birds.at(t))[3].size):
            parts.append((*bird[:3], np.ones(n_b, dtype=int), bird[3], np.zeros(n_b, bool)))
        if len(parts) == 1:  # civil aircraft alone: their shared, read-only arrays
            pos, vel, rcs, swerling, label, iff = parts[0]
        else:
            pos, vel, rcs, swerling, label, iff = (np.concatenate(field) for field in zip(*parts, strict=True))
        return AirPicture(pos=pos, vel=vel, rcs=rcs, swerling=swerling, label=label, iff=iff)

    @property
    def adsb_states(self):
        """The function of time giving the ADS-B broadcasters' states (:meth:`adsb_state`): the
        civil traffic's own when no threat spoofs an identity (then shared by every world flying
        that traffic, and what they hear can be worked out once)."""
        return self.civil.state if self._spoofers.size == 0 else self.adsb_state

    def adsb_state(self, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions, velocities and existence of every ADS-B broadcaster (civil, then spoofers) at ``t``.

        Called between steps for past instants of the current interval, so a spoofer's position is
        extrapolated from its current state."""
        c_pos, c_vel, c_on = self.civil.state(t)
        if self._spoofers.size == 0:
            return c_pos, c_vel, c_on
        fleet = [self._locate(int(g)) for g in self._spoofers]
        pos = np.array([f.pos[j] + f.vel[j] * (t - self.t) for f, j in fleet]) + self._spoof_offset
        vel = np.array([f.vel[j] for f, j in fleet])
        on = np.array([f.state[j] in (CRUISE, DIVE, FLYING) for f, j in fleet], dtype=bool)
        return np.concatenate([c_pos, pos]), np.concatenate([c_vel, vel]), np.concatenate([c_on, on])

    # -- orders ----------------------------------------------------------------------------------
    def execute(self, order: FireOrder | EffectorOrder, t: float) -> list[TruthEvent]:
        """The decision side sends a fire order at time ``t``: it reaches the mount after the gun's
        sensor -> C2 -> gun latency (``GunType.c2_latency_s``; executed now when that is zero, else
        by :meth:`advance` when the world reaches its arrival). An effector's order acts after its
        reaction time (:meth:`Effectors.execute`)."""
        if isinstance(order, EffectorOrder):
            if self.effectors is None:
                refused = EffectorOrderRefused(
                    order=order.order_id,
                    effector="",
                    effector_index=order.effector,
                    track=order.track_id,
                    reason="no such effector (the site has none but its guns)",
                )
                return [(t, refused)]
            return self.effectors.execute(order, t)
        latency = self.scenario.defence.guns[order.gun].type.c2_latency_s
        if latency <= 0.0:
            return self._deliver(order, t)
        self._queue(order, t + latency)
        return []

    def _queue(self, order: FireOrder, t: float) -> None:
        """Hold ``order`` until ``t`` [s] (its arrival at the mount, or the end of the burst in progress)."""
        heapq.heappush(self._inbox, (t, self._inbox_seq, order))
        self._inbox_seq += 1

    def _deliver(self, order: FireOrder, t: float) -> list[TruthEvent]:
        """A mount receives a fire order at time ``t`` and fires it, unless it is down then
        (:attr:`mount_down`, set by the harness when faults are injected). An order that arrives while
        the mount still fires its last burst waits in the mount's queue until that burst's last round
        has left (the C2 plans the next burst during the current one: :meth:`bastion.engage.planning.
        BurstPlanner.plan`'s ``free_at``); the mount then slews and spins up for it."""
        busy = float(self.mounts.busy_until[order.gun])
        if busy > t + 1e-9:
            self._queue(order, busy)
            return []
        why = self.mount_down(order.gun, t) if self.mount_down is not None else ""
        if why:
            return [(t, OrderRefused(order=order.order_id, gun=order.gun, track=order.track_id, reason=why))]
        new = fire_burst(self.mounts, self.bursts, order, t, self.scenario.raid.weather.air, self.rng_guns)
        self.rounds.append(new)
        b = self.bursts[-1]
        self._burst_of_order[order.order_id] = len(self.bursts) - 1
        if b.fired:
            self.fire_control_radars.follow(order, len(self.bursts) - 1, t, b.t_last)
        reload_s = self.scenario.defence.guns[order.gun].type.reload_s
        if self.mounts.ammunition[order.gun] <= 0 and np.isfinite(reload_s) and order.gun not in self._reload_due:
            self._reload_due[order.gun] = max(t, b.t_last) + reload_s
        return [
            (
                t,
                GunFired(
                    order=order.order_id,
                    gun=order.gun,
                    track=order.track_id,
                    rounds=b.fired,
                    t_first=b.t_first,
                    t_last=b.t_last,
                    ammunition_left=int(self.mounts.ammunition[order.gun]),
                ),
            )
        ]

    # -- closed-loop fire control ---------------------------------------------------------------
    def next_fire_control(self) -> float:
        """Instant [s] of the next fire-control radar update or fire-order arrival (inf: none due)."""
        t = self.fire_control_radars.next_update() if self.fire_control_radars.locks else np.inf
        return min(t, self._inbox[0][0]) if self._inbox else t

    def fire_control_reports(self, t: float) -> list[FireControlReport]:
        """The mounts' radar updates due at ``t`` (call after advancing to ``t``)."""
        if not self.fire_control_radars.locks:
            return []
        return self.fire_control_radars.observe(t, self.picture(t))

    def reaim(self, update: AimUpdate) -> int:
        """A mount receives a new aim schedule for the rest of its burst; returns the rounds re-aimed."""
        b = self._burst_of_order.get(update.order_id)
        if b is None:
            return 0
        return reaim_burst(self.mounts, self.rounds, self.bursts, b, update)

    def cease(self, order: CeaseFire) -> list[TruthEvent]:
        """A mount receives a cease-fire for the burst of ``order.order_id``: its rounds that would leave
        at or after ``order.t_from`` are not fired and stay in the magazine; its radar stops following."""
        b = self._burst_of_order.get(order.order_id)
        if b is None:
            return []
        g = order.gun
        stopped = stop_bursts(self.mounts, self.rounds, self.bursts, g, order.t_from, order.order_id)
        self.fire_control_radars.locks.pop(order.order_id, None)
        cut = stopped.get(order.order_id, 0)
        if not cut:
            return []
        self.mounts.ammunition[g] += cut
        burst = self.bursts[b]
        payload = GunCeased(
            order=order.order_id,
            gun=g,
            track=burst.order.track_id,
            reason=order.reason,
            rounds_not_fired=cut,
            ammunition_left=int(self.mounts.ammunition[g]),
        )
        return [(order.t_from, payload)]

    # -- time --------------------------------------------------------------------------------------
    def next_step(self, t: float, t_end: float) -> float:
        """End of the next physics step (see the module docstring)."""
        fine = len(self.rounds) or len(self.debris) or self.munitions.airborne.any()
        if not fine and self.effectors is not None:
            fine = self.effectors.busy
        return min(t + (DT_FINE if fine else DT_COARSE), t_end)

    def advance(self, t1: float) -> list[TruthEvent]:
        """Move the world from its current time to ``t1`` (delivering the fire orders that arrive on the way)."""
        events: list[TruthEvent] = []
        inbox = self._inbox
        eff = self.effectors
        while True:
            while inbox and inbox[0][0] <= self.t + 1e-12:
                events.extend(self._deliver(heapq.heappop(inbox)[2], self.t))
            if eff is not None and eff.pending:
                events.extend(eff.due(self.t))
            if not self.t < t1 - 1e-12:
                break
            t0 = self.t
            t_next = self.next_step(t0, t1)
            if inbox and inbox[0][0] < t_next:
                t_next = max(inbox[0][0], t0)
            if eff is not None and eff.pending and eff.next_due() < t_next:
                t_next = max(eff.next_due(), t0)
            events.extend(self._step(t0, t_next))
            self.t = t_next
        return events

    def _step(self, t0: float, t1: float) -> list[TruthEvent]:
        dt = t1 - t0
        ev: list[TruthEvent] = []
        dr, mu = self.drones, self.munitions
        hitting = len(self.rounds) > 0
        rounds_left = False
        if hitting:
            d_before, m_before = dr.pos.copy(), mu.pos.copy()
            d_air0, m_air0 = dr.airborne, mu.airborne
        landed_d = landed_m = NO_INDEX
        eff = self.effectors
        if eff is not None and not eff.active:
            eff = None  # nothing radiates, flies or lases: a step without effectors
        if eff is not None and dr.index.size:
            ev.extend(eff.before_drones(t0, dt))
        if dr.index.size:
            landed_d = dr.step(t0, dt, self.scenario.raid.weather.air)
            if eff is not None:
                soft, _ = eff.after_drones(t0, dt)
                ev.extend(soft)
            self.threat_state[dr.index] = dr.state
        if mu.index.size:
            landed_m = mu.step(t0, dt, self.scenario.raid.weather.air)
            self.threat_state[mu.index] = mu.state
        if not self._all_launched:
            ev.extend(self._launches(t1))
        if self._reload_due:
            ev.extend(self._reloads(t1))
        for j in landed_d:
            ev.extend(self._impact(t1, int(dr.index[j]), dr.pos[j]))
        for j in landed_m:
            ev.extend(self._impact(t1, int(mu.index[j]), mu.pos[j]))
        if hitting:
            # targets: threats airborne at the start of the step (with those that landed during it),
            # then civil aircraft flying through it, then entities of another simulation
            d_air0[landed_d] = True
            m_air0[landed_m] = True
            start, end, radius, owner = [], [], [], []
            for fleet, before, air0 in ((dr, d_before, d_air0), (mu, m_before, m_air0)):
                if air0.any():
                    i = air0.nonzero()[0]
                    start.append(before[i])
                    end.append(fleet.pos[i])
                    radius.append(fleet.vulnerable_radius[i])
                    owner.append(fleet.index[i])
            c0, c1, c_radius, ci = self.civil.targets(t0, t1)
            start.append(c0)
            end.append(c1)
            radius.append(c_radius)
            owner.append(CIVIL_LABEL + ci)
            if len(self.friendly):
                f0, f1, f_radius, fi = self.friendly.targets(t0, t1)
                start.append(f0)
                end.append(f1)
                radius.append(f_radius)
                owner.append(FRIENDLY_LABEL + fi)
            if self.external is not None:
                e0, e1 = self.external(t0), self.external(t1)
                if len(e0) and len(e1) == len(e0):
                    start.append(np.asarray(e0.position, float))
                    end.append(np.asarray(e1.position, float))
                    radius.append(np.array([CATALOGUE.threats[k].vulnerable_radius_m for k in e1.threat_types()]))
                    owner.append(EXTERNAL_LABEL + np.arange(len(e1)))
            cat = np.concatenate
            tgt0, tgt1, radius, owner = cat(start), cat(end), cat(radius), cat(owner)
            re = self.round_physics.step(self.rounds, t0, t1, tgt0, tgt1, radius)
            if self.fire_control_radars.locks:
                self.fire_control_radars.record_passes(t0, t1, *self.round_physics.last_step, tgt0, tgt1, owner)
            rounds_left = bool(re.hits or re.sd_bursts.size or re.ground_bursts.size)
            if rounds_left:
                ev.extend(self._round_events(t1, re, owner))
        if eff is not None:
            ev.extend(eff.after_step(t0, t1))
        if len(self.debris):
            landed = self.debris_physics.step(self.debris, dt)
            for j in range(len(landed)):
                p = landed.pos[j]
                source = int(landed.source[j])
                if source < 0:  # an interceptor's own piece (source -1 - effector)
                    name = self.scenario.defence.effectors[-1 - source].name
                    piece = f"interceptor {KIND_NAMES[landed.kind[j]]}"
                    impact = DebrisImpact(
                        threat=None, piece=piece, position=_r(p), zone=self._zone_at(p), effector=name
                    )
                    ev.append((t1, impact))
                    continue
                ev.append(
                    (
                        t1,
                        DebrisImpact(
                            threat=source,
                            piece=KIND_NAMES[landed.kind[j]],
                            position=_r(p),
                            zone=self._zone_at(p),
                        ),
                    )
                )
                if landed.kind[j] == WARHEAD and landed.fuzes[j]:
                    ev.extend(self._warhead(t1, int(landed.source[j]), p, "ground"))
        if rounds_left:
            ev.extend(self._close_bursts(t1))
        return ev

    def _launches(self, t: float) -> list[TruthEvent]:
        """Launch events of the threats that left the WAITING state during the step ending at ``t``."""
        ev: list[TruthEvent] = []
        for g in np.flatnonzero((self.threat_state != WAITING) & ~self._launched):
            self._launched[g] = True
            plan = self.scenario.raid.threats[g]
            ev.append((t, Launch(threat=int(g), name=plan.name, type=plan.type.name, position=_r(plan.launch))))
        self._all_launched = bool(self._launched.all())
        return ev

    def _reloads(self, t: float) -> list[TruthEvent]:
        """Guns whose emptied magazine the crew has refilled by ``t`` (catalogue ``reload_s``)."""
        ev: list[TruthEvent] = []
        for g, due in sorted(self._reload_due.items()):
            if due <= t:
                del self._reload_due[g]
                site = self.scenario.defence.guns[g]
                self.mounts.ammunition[g] = site.type.magazine
                ev.append((t, GunReloaded(gun=g, name=site.name, ammunition=site.type.magazine)))
        return ev

    # -- outcomes ------------------------------------------------------------------------------------
    def _locate(self, g: int) -> tuple[object, int]:
        """(fleet, local index) of threat ``g``."""
        hit = np.flatnonzero(self.drones.index == g)
        if hit.size:
            return self.drones, int(hit[0])
        return self.munitions, int(np.flatnonzero(self.munitions.index == g)[0])

    def _round_events(self, t: float, re, owner: np.ndarray) -> list[TruthEvent]:
        ev: list[TruthEvent] = []
        for b, col, where in re.hits:
            self.bursts[b].hits += 1
            lab = int(owner[col])
            kind, i = describe_label(lab)
            order = self.bursts[b].order.order_id
            if kind == "external":  # another simulation owns it: report the hit, it decides the effect
                ev.append((t, ExternalHit(entity=i, order=order, position=_r(where))))
                continue
            if kind == "friendly":
                name = self.scenario.raid.friendlies[i].name
                ev.append((t, FriendlyHit(friendly=i, name=name, order=order, position=_r(where))))
                continue
            if kind == "civil":
                ev.append((t, CivilHit(civil=i, icao24=self.civil.icao24[i], order=order, position=_r(where))))
                continue
            if self.threat_state[i] in (DESTROYED, IMPACTED, LANDED):
                continue
            fleet, j = self._locate(i)
            killed = bool(self.rng_debris.random() < fleet.p_kill_given_hit[j])
            ev.append((t, Hit(threat=i, order=order, position=_r(where), killed=killed)))
            if killed:
                ev.extend(self._kill(t, i))
        for b in re.sd_bursts:
            self.bursts[b].self_destructed += 1
        for p, b, dud in zip(re.ground, re.ground_bursts, re.ground_dud, strict=True):
            self.bursts[b].fell += 1
            order = self.bursts[b].order.order_id
            ev.append((t, FallOfShot(order=order, position=_r(p), dud=bool(dud), zone=self._zone_at(p))))
        return ev

    def _kill(self, t: float, g: int, by: str | None = None) -> list[TruthEvent]:
        fleet, j = self._locate(g)
        plan = self.scenario.raid.threats[g]
        kind = plan.type
        pos, vel = fleet.pos[j].copy(), fleet.vel[j].copy()
        fleet.destroy(np.array([j]), t)
        self.threat_state[g] = DESTROYED
        detonated = bool(self.rng_debris.random() < kind.p_warhead_detonates_when_hit)
        pieces = break_up(g, kind, pos, vel, float(fleet.rcs[j]), self._debris_next, detonated, self.rng_debris)
        self._debris_next += len(pieces)
        self.debris.append(pieces)
        kill = Kill(threat=g, name=plan.name, position=_r(pos), pieces=len(pieces), by=by)
        ev: list[TruthEvent] = [(t, kill)]
        if detonated:
            ev.extend(self._warhead(t, g, pos, "air"))
        return ev

    def _impact(self, t: float, g: int, pos: np.ndarray) -> list[TruthEvent]:
        """A threat reached the ground under its own power: a leak if a valued zone is within reach."""
        plan = self.scenario.raid.threats[g]
        hits = damaged_zones(self.scenario.defence.zones, pos, plan.type.lethal_radius_m)
        landed = Leak if hits else ImpactOpenGround
        return [
            (t, landed(threat=g, name=plan.name, position=_r(pos), zone=self._zone_at(pos))),
            *self._warhead(t, g, pos, "impact"),
        ]

    def _warhead(self, t: float, g: int, pos: np.ndarray, how: str) -> list[TruthEvent]:
        kind = self.scenario.raid.threats[g].type
        hits = damaged_zones(self.scenario.defence.zones, pos, kind.lethal_radius_m)
        ev: list[TruthEvent] = [(t, Detonation(threat=g, position=_r(pos), how=how, damaged=[z.name for z, _ in hits]))]
        for z, dist in hits:
            ev.append((t, Damage(threat=g, zone=z.name, kind=z.kind, distance_m=round(dist, 1), how=how)))
        return ev

    def _close_bursts(self, t: float) -> list[TruthEvent]:
        """``burst_complete`` for every burst whose last round left the air (hit, self-destructed or
        fell) during the step ending at ``t``: only rounds leaving can complete a burst."""
        ev: list[TruthEvent] = []
        open_ = [b for b, burst in enumerate(self.bursts) if not burst.done and burst.fired]
        if not open_:
            return ev
        live = set(self.rounds.burst.tolist())
        for b in open_:
            if b not in live:
                burst = self.bursts[b]
                burst.done = True
                ev.append(
                    (
                        t,
                        BurstComplete(
                            order=burst.order.order_id,
                            gun=burst.order.gun,
                            fired=burst.fired,
                            hits=burst.hits,
                            self_destructed=burst.self_destructed,
                            fell=burst.fell,
                        ),
                    )
                )
        return ev

    def _zone_at(self, p: np.ndarray) -> str | None:
        pt = shapely.Point(float(p[0]), float(p[1]))
        for z in self.scenario.defence.zones:
            if z.geometry.intersects(pt):
                return z.name
        return None
