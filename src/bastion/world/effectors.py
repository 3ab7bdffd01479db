"""Effectors beyond the gun, truth side (issue 19): jammers and what they do, interceptors in flight,
lasers on target, and the side effects of jamming on the airport's own GNSS users. One module
(~700 lines) because the kinds share one per-step pass over the drones (footprints, link and GNSS
state, the fail-safe) and one ledger of side effects; split by kind, each would re-derive them.

The decision side sends :class:`~bastion.orders.EffectorOrder` s; each acts ``reaction_s`` after it
was given (the catalogue's order-to-effect delay). What each effector does, with the catalogue's
figures (:mod:`bastion.scenario.catalogue.effectors`, where every figure's source is given):

* **Jammers** radiate over a footprint (slant range from the antenna; free-space line of sight).
  What that does to a drone is its guidance's business (:class:`~bastion.scenario.catalogue.threats.Guidance`):
  a link-flown drone loses its link after its time-out and its fail-safe hovers, then flies home on
  GNSS and lands (lands where it is if GNSS is denied too; resumes its mission if the link returns
  while it hovers); a GNSS-waypoint drone in a GNSS footprint navigates on its inertial sensors, its
  position error growing as 0.5 b tau^2 (b its accelerometer bias, drawn per denial), which is what
  moving its waypoints and aim point by that error does (it steers to where it *believes* they are);
  the error vanishes when it leaves the footprint. An RF jammer does nothing to a GNSS-waypoint
  drone, nor a GNSS jammer to a link-flown one in flight (its pilot flies it by eye or camera).
* **Side effects** (counted, never silent): every civil aircraft (airborne or on the ground) and own
  aircraft within a radiating GNSS jammer's footprint, in aircraft-seconds, and the zones (the
  airport's runways and buildings: its GNSS users) the footprint covers, in seconds.
* **Interceptors** fly out at constant speed (boost taken as instantaneous), midcourse towards the
  intercept point predicted from the C2 track's cue (constant-velocity target; the cue is refreshed
  over the uplink every scan while no seeker lock), then lock the airborne object nearest the cue's
  prediction within the seeker gate once within seeker range of it, and fly pure pursuit on it (the
  velocity along the line of sight, turn limited by the lateral acceleration). The proximity fuze
  fires at the closest approach of a step within the fuze radius (segments straight within a step):
  the object is destroyed with P(kill). The interceptor then breaks up, or self-destructs past its
  range; its pieces fall as debris (:mod:`bastion.world.debris`). Interceptors are not in the radar
  picture: the C2 knows its own from their datalink (stated assumption).
* **Lasers** lock the object nearest the cue within their tracker's gate and deposit
  ``dt / dwell(r)`` of the lethal fluence per step (``dwell`` from the catalogue and the night's
  extinction) while the object is within range and above the minimum elevation; the object is
  destroyed when the fluence reaches its lethal dose (log-normal, drawn per engagement).

Effects are applied per world step; every change is a truth event (source "world").
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from bastion import event_types as et
from bastion.orders import EffectorOrder
from bastion.physics.intercept import closest_approach, intercept_time
from bastion.scenario.catalogue.effectors import DirectedEnergyType, InterceptorType
from bastion.scenario.catalogue.threats import ThreatType, guidance_of
from bastion.scenario.compiled import EffectorSite
from bastion.world.debris import break_up
from bastion.world.drones import CRUISE, DIVE, HOVER, LANDED, LANDING, RETURN
from bastion.world.labels import DEBRIS_LABEL, EXTERNAL_LABEL, FRIENDLY_LABEL, describe_label

TruthEvent = tuple[float, et.Payload]  # (time [s], payload), as the world's
_RF, _GNSS, _BALLISTIC, _DEAD_RECKONING = 0, 1, 2, 3
# a dead-reckoning drone has no GNSS to deny and no link to cut: no jammer changes its flight
_CONTROL_CODE = {"rf-link": _RF, "gnss-waypoints": _GNSS, "ballistic": _BALLISTIC, "dead-reckoning": _DEAD_RECKONING}
LASER_GATE_M = 100.0  # a laser's tracker locks the object nearest its cue within this [m] (placeholder L)
HOME_CAPTURE_M = 20.0  # a returning drone starts to land this close to its launch point [m]


def _r(v) -> list[float]:
    return [round(float(x), 2) for x in v]


@dataclass
class _Interceptor:
    order: EffectorOrder
    site: EffectorSite
    pos: np.ndarray
    vel: np.ndarray
    t_launch: float
    cue: np.ndarray  # (6,) at cue_t
    cue_t: float
    flown_m: float = 0.0
    label: int | None = None  # the object locked on
    target_pos: np.ndarray | None = None  # the locked object's position at the start of the step


@dataclass
class _Laser:
    order: EffectorOrder
    site: EffectorSite
    needed: float  # lethal fluence of this engagement, in units of the median
    label: int | None = None
    dose: float = 0.0


@dataclass
class Exposure:
    """Side effects of jamming counted by the truth (for the summary)."""

    civil_s: dict[int, float] = field(default_factory=dict)  # civil aircraft -> seconds in a GNSS footprint
    friendly_s: dict[int, float] = field(default_factory=dict)  # own aircraft -> seconds in any footprint
    zone_s: dict[str, float] = field(default_factory=dict)  # zone -> seconds inside a radiating GNSS footprint
    radiating_s: dict[int, float] = field(default_factory=dict)  # jammer (effector index) -> seconds radiating


class Effectors:
    """The site's effectors other than guns and what they do to the world (``world``: the
    :class:`~bastion.world.world.World` they belong to)."""

    def __init__(self, world, rng: np.random.Generator) -> None:
        self.world = world
        self.rng = rng
        d = world.scenario.defence
        self.sites: tuple[EffectorSite, ...] = d.effectors
        self.zones = d.zones
        n = len(self.sites)
        self.rounds = np.array([s.rounds for s in self.sites], dtype=int)
        self.radiating = np.zeros(n, dtype=bool)
        self.pending: list[tuple[float, int, EffectorOrder]] = []
        self._seq = 0
        self.last_launch = np.full(n, -math.inf)
        self.reload_due: dict[int, float] = {}
        self.interceptors: list[_Interceptor] = []
        self.lasers: dict[int, _Laser] = {}
        self.exposure = Exposure()
        self._debris_types: dict[int, ThreatType] = {}
        self._told: set[tuple] = set()  # (kind, who, jammer) side-effect events said once
        jam = [s for s in self.sites if s.jammer]
        self._jam_pos = np.array([s.position for s in jam]).reshape(-1, 3)
        self._jam_index = np.array([s.index for s in jam], dtype=int)
        self._jam_range = np.array([s.footprint_m for s in jam], dtype=float)
        self._jam_gnss = np.array([s.kind == "gnss-jammer" for s in jam], dtype=bool)
        # zones a GNSS footprint reaches (the airport's own GNSS users), per jammer
        self._jam_zones = {
            s.index: [
                z.name
                for z in self.zones
                if float(np.hypot(*(z.center - s.position[:2]))) - z.radius_m <= s.footprint_m
            ]
            for s in jam
            if s.kind == "gnss-jammer"
        }
        # the drones' guidance
        fleet = world.drones
        plans = fleet.plans
        nd = len(plans)
        guid = [p.guidance or guidance_of(p.type.name, p.type.kind) for p in plans]
        self.control = np.array([_CONTROL_CODE[g.control] for g in guid], dtype=int)
        self.ins_bias = np.array([g.ins_bias_mps2 for g in guid], dtype=float)
        self.link_timeout = np.array([g.link_timeout_s for g in guid], dtype=float)
        self.hover_s = np.array([g.hover_s for g in guid], dtype=float)
        self.home = np.array([p.launch[:2] for p in plans], dtype=float).reshape(nd, 2)
        self.jammed_since = np.full(nd, np.nan)
        self.hover_until = np.full(nd, np.nan)
        self.denied_since = np.full(nd, np.nan)
        self.bias = np.zeros((nd, 2))
        self.error = np.zeros((nd, 2))
        self.max_drift = np.zeros(nd)  # the largest inertial position error each drone reached [m]

    # -- orders ----------------------------------------------------------------------------------
    def execute(self, order: EffectorOrder, t: float) -> list[TruthEvent]:
        """An order given at ``t`` acts after its effector's reaction time (at once for "silence")."""
        site = self.sites[order.effector]
        delay = 0.0 if order.action in ("silence", "cue", "abort") else site.type.reaction_s
        if delay <= 0.0:
            return self._act(order, t)
        heapq.heappush(self.pending, (t + delay, self._seq, order))
        self._seq += 1
        return []

    def next_due(self) -> float:
        """The instant [s] the next pending order acts (inf: none)."""
        return self.pending[0][0] if self.pending else math.inf

    @property
    def busy(self) -> bool:
        """Interceptors fly or a laser is on target: the world steps finely."""
        return bool(self.interceptors or self.lasers)

    @property
    def active(self) -> bool:
        """Anything to do at a step: a jammer radiates, a drone is under a jammer's effect, an
        interceptor flies, a laser lases, a reload is due."""
        return bool(
            self.radiating.any()
            or self.busy
            or self.reload_due
            or np.isfinite(self.denied_since).any()
            or np.isfinite(self.jammed_since).any()
            or ((self.world.drones.state >= HOVER) & (self.world.drones.state <= LANDING)).any()
        )

    def due(self, t: float) -> list[TruthEvent]:
        """Act the pending orders due by ``t``."""
        ev: list[TruthEvent] = []
        while self.pending and self.pending[0][0] <= t + 1e-12:
            t_due, _, order = heapq.heappop(self.pending)
            ev.extend(self._act(order, t_due))
        return ev

    def _act(self, order: EffectorOrder, t: float) -> list[TruthEvent]:
        k = order.effector
        site = self.sites[k]
        base = {"order": order.order_id, "effector": site.name, "effector_index": k}
        if order.action == "radiate":
            if self.radiating[k]:
                return []
            self.radiating[k] = True
            return [(t, et.JammerRadiating(**base, band=site.type.band, footprint_m=site.footprint_m))]
        if order.action == "silence":
            if not self.radiating[k]:
                return []
            self.radiating[k] = False
            return [(t, et.JammerSilent(**base, band=site.type.band))]
        if order.action == "cue":  # a fresh cue over the uplink for an interceptor not yet locked
            for m in self.interceptors:
                if m.order.order_id == order.engagement and m.label is None and order.cue is not None:
                    m.cue, m.cue_t = np.asarray(order.cue, float), float(order.cue_t)
            return []
        if order.action == "abort":  # the C2 commands an interceptor in flight to destroy itself
            waiting = [p for p in self.pending if not (p[2].action == "launch" and p[2].order_id == order.engagement)]
            if len(waiting) < len(self.pending):  # not launched yet: it stays on its rail
                self.pending = waiting
                heapq.heapify(self.pending)
            ev: list[TruthEvent] = []
            for m in [m for m in self.interceptors if m.order.order_id == order.engagement]:
                self.interceptors.remove(m)
                ev.append((t, self._gone(m, "aborted by the C2")))
                self._break_up(m, t, ev)
            return ev
        base["track"] = order.track_id
        if self.rounds[k] <= 0:
            return [(t, et.EffectorOrderRefused(**base, reason="no rounds left (reloading)"))]
        if order.action == "launch":
            t_go = max(t, self.last_launch[k] + site.type.launch_interval_s)
            if t_go > t + 1e-9:  # too soon after the last launch: it leaves when the launcher can
                heapq.heappush(self.pending, (t_go, self._seq, order))
                self._seq += 1
                return []
            return self._launch(order, site, t)
        if order.action == "lase":
            if k in self.lasers:
                return [(t, et.EffectorOrderRefused(**base, reason="already lasing"))]
            self.rounds[k] -= 1
            self._maybe_reload(k, t)
            needed = float(np.exp(self.rng.normal(0.0, site.type.sigma_log)))
            self.lasers[k] = _Laser(order, site, needed)
            return [(t, et.LaserOn(**base, rounds_left=int(self.rounds[k])))]
        return [(t, et.EffectorOrderRefused(**base, reason=f"unknown action {order.action!r}"))]

    def _launch(self, order: EffectorOrder, site: EffectorSite, t: float) -> list[TruthEvent]:
        k = site.index
        it: InterceptorType = site.type
        self.rounds[k] -= 1
        self.last_launch[k] = t
        self._maybe_reload(k, t)
        pos = site.position + np.array([0.0, 0.0, 2.0])
        cue = np.asarray(order.cue, float) if order.cue is not None else np.zeros(6)
        m = _Interceptor(order, site, pos, np.zeros(3), t, cue, float(order.cue_t))
        m.vel = self._midcourse_direction(m, t) * it.speed_mps
        self.interceptors.append(m)
        return [
            (
                t,
                et.InterceptorLaunched(
                    order=order.order_id,
                    effector=site.name,
                    effector_index=k,
                    track=order.track_id,
                    position=_r(pos),
                    rounds_left=int(self.rounds[k]),
                ),
            )
        ]

    def _maybe_reload(self, k: int, t: float) -> None:
        reload_s = self.sites[k].type.reload_s
        if self.rounds[k] <= 0 and math.isfinite(reload_s) and k not in self.reload_due:
            self.reload_due[k] = t + reload_s

    # -- per step -------------------------------------------------------------------------------
    def before_drones(self, t0: float, dt: float) -> list[TruthEvent]:
        """Jamming as the step ``t0 -> t0 + dt`` begins: links lost or back, GNSS denied or back, and
        the inertial drift of the denied drones (their waypoints and aim moved by its growth)."""
        ev: list[TruthEvent] = []
        fleet = self.world.drones
        if fleet.index.size == 0:
            return ev
        air = fleet.airborne
        state = fleet.state
        rf_in, rf_by = self._inside(fleet.pos, gnss=False)
        gnss_in, gnss_by = self._inside(fleet.pos, gnss=True)
        rf_in &= air
        gnss_in &= air
        t1 = t0 + dt
        # GNSS: denied, restored, drifting
        guided = (self.control == _GNSS) | (self.control == _RF)  # (GnssDenied: a receiver to deny)
        for j in np.flatnonzero(gnss_in & guided & np.isnan(self.denied_since)):
            self.denied_since[j] = t0
            self.bias[j] = self.rng.normal(0.0, self.ins_bias[j], 2)
            ev.append((t0, et.GnssDenied(**self._who(j), effector=self.sites[gnss_by[j]].name)))
        for j in np.flatnonzero(~gnss_in & np.isfinite(self.denied_since)):
            err = float(np.hypot(*self.error[j]))
            self._shift(j, -self.error[j])
            self.error[j] = 0.0
            self.denied_since[j] = np.nan
            if air[j]:
                ev.append((t0, et.GnssRestored(**self._who(j), error_m=round(err, 1))))
        drift = np.flatnonzero(gnss_in & (self.control == _GNSS) & ((state == CRUISE) | (state == DIVE)))
        for j in drift:
            tau = t1 - self.denied_since[j]
            new = 0.5 * self.bias[j] * tau * tau
            self._shift(j, new - self.error[j])
            self.error[j] = new
            self.max_drift[j] = max(self.max_drift[j], float(np.hypot(*new)))
        # RF link
        link_flown = self.control == _RF
        jam = rf_in & link_flown
        self.jammed_since[~jam] = np.nan
        for j in np.flatnonzero(jam & np.isnan(self.jammed_since)):
            self.jammed_since[j] = t0
        flying = (state == CRUISE) | (state == DIVE)
        lost = jam & flying & (t1 - self.jammed_since >= self.link_timeout)
        for j in np.flatnonzero(lost):
            state[j] = HOVER
            fleet.vel[j] = 0.0
            self.hover_until[j] = t1 + self.hover_s[j]
            ev.append((t1, et.LinkLost(**self._who(j), effector=self.sites[rf_by[j]].name, then="hover")))
        for j in np.flatnonzero((state == HOVER) & ~jam):
            state[j] = CRUISE  # the link is back before the fail-safe flew it home: the pilot carries on
            self.hover_until[j] = np.nan
            ev.append((t0, et.LinkRestored(**self._who(j))))
        return ev

    def after_drones(self, t0: float, dt: float) -> tuple[list[TruthEvent], list[int]]:
        """Fly the drones the fail-safe has (hover, return, land) over the step; (events, fleet indices
        of those that landed)."""
        fleet = self.world.drones
        state = fleet.state
        ev: list[TruthEvent] = []
        landed: list[int] = []
        moving = (state >= HOVER) & (state <= LANDING)
        if not moving.any():
            return ev, landed
        t1 = t0 + dt
        denied = np.isfinite(self.denied_since)
        for j in np.flatnonzero(state == HOVER):
            fleet.vel[j] = 0.0
            if t1 >= self.hover_until[j]:
                state[j] = LANDING if denied[j] else RETURN
                then = "lands where it is (no GNSS to fly home)" if denied[j] else "returns to its launch point"
                ev.append((t1, et.Failsafe(**self._who(j), action=then)))
        arriving = set()
        for j in np.flatnonzero(state == RETURN):
            if denied[j]:
                state[j] = LANDING
                ev.append((t1, et.Failsafe(**self._who(j), action="lands where it is (GNSS denied)")))
                continue
            to = self.home[j] - fleet.pos[j, :2]
            dist = float(np.hypot(*to))
            s = float(fleet.speed[j])
            if dist <= max(s * dt, HOME_CAPTURE_M):  # home this step: it moves there, then descends
                fleet.vel[j] = np.array([to[0] / dt, to[1] / dt, 0.0])
                state[j] = LANDING
                arriving.add(int(j))
                continue
            climb = min(max((fleet.altitude[j] - fleet.pos[j, 2]) / dt, -fleet.max_climb[j]), fleet.max_climb[j])
            fleet.vel[j] = np.array([s * to[0] / dist, s * to[1] / dist, climb])
        for j in np.flatnonzero(state == LANDING):
            if int(j) not in arriving:
                fleet.vel[j] = np.array([0.0, 0.0, -max(float(fleet.max_climb[j]), 1.0)])
        move = np.flatnonzero(moving)
        fleet.pos[move] += fleet.vel[move] * dt
        for j in np.flatnonzero((state == LANDING) & (fleet.pos[:, 2] <= 0.0)):
            fleet.pos[j, 2] = 0.0
            fleet.vel[j] = 0.0
            state[j] = LANDED
            fleet.end_time[j] = t1
            landed.append(int(j))
            p = fleet.pos[j]
            where = {"position": _r(p), "zone": self.world._zone_at(p)}
            ev.append((t1, et.DroneLanded(**self._who(j), **where, reason="link lost: fail-safe landing")))
        return ev, landed

    def after_step(self, t0: float, t1: float) -> list[TruthEvent]:
        """Interceptors, lasers, reloads and the side effects of jamming over the step."""
        ev: list[TruthEvent] = []
        dt = t1 - t0
        if self.reload_due:
            for k, due in sorted(self.reload_due.items()):
                if due <= t1:
                    del self.reload_due[k]
                    site = self.sites[k]
                    self.rounds[k] = site.type.magazine
                    ev.append(
                        (t1, et.EffectorReloaded(effector=site.name, effector_index=k, rounds_left=site.type.magazine))
                    )
        if self.radiating.any():
            self._count_exposure(t0, dt, ev)
        if self.interceptors:
            ev.extend(self._fly_interceptors(t0, t1))
        if self.lasers:
            ev.extend(self._lase(t0, t1))
        return ev

    # -- jamming ----------------------------------------------------------------------------------
    def _inside(self, pos: np.ndarray, gnss: bool) -> tuple[np.ndarray, np.ndarray]:
        """Which points (N, 3) are inside a radiating jammer's footprint of the band, and the effector
        index of the first such jammer (-1: none)."""
        n = pos.shape[0]
        inside = np.zeros(n, dtype=bool)
        by = np.full(n, -1, dtype=int)
        on = self.radiating[self._jam_index] & (self._jam_gnss == gnss) if self._jam_index.size else []
        for j in np.flatnonzero(on):
            r = np.linalg.norm(pos - self._jam_pos[j], axis=1)
            new = (r <= self._jam_range[j]) & ~inside
            by[new] = self._jam_index[j]
            inside |= new
        return inside, by

    def _shift(self, j: int, delta: np.ndarray) -> None:
        """Move drone ``j``'s waypoints and aim point by ``delta`` (2,) [m]: it steers where it believes them."""
        fleet = self.world.drones
        fleet.waypoints[j] += delta
        fleet.aim[j, :2] += delta

    def _who(self, j: int) -> dict:
        fleet = self.world.drones
        g = int(fleet.index[j])
        return {"threat": g, "name": self.world.scenario.raid.threats[g].name}

    def _count_exposure(self, t0: float, dt: float, ev: list[TruthEvent]) -> None:
        """Aircraft and zones inside a radiating jammer's footprint during the step (counted at its start)."""
        x = self.exposure
        w = self.world
        for k in np.flatnonzero(self.radiating):
            x.radiating_s[int(k)] = x.radiating_s.get(int(k), 0.0) + dt
        if len(w.civil):
            pos, _, on = w.civil.state(t0)
            inside, by = self._inside(pos, gnss=True)
            for i in np.flatnonzero(inside & on):
                x.civil_s[int(i)] = x.civil_s.get(int(i), 0.0) + dt
                key = ("civil", int(i), int(by[i]))
                if key not in self._told:
                    self._told.add(key)
                    ev.append(
                        (
                            t0,
                            et.CivilInJammerFootprint(
                                civil=int(i),
                                icao24=w.civil.icao24[i],
                                callsign=w.civil.callsign[i],
                                effector=self.sites[by[i]].name,
                                position=_r(pos[i]),
                            ),
                        )
                    )
        if len(w.friendly):
            pos, _, on = w.friendly.state(t0)
            for gnss in (False, True):
                inside, by = self._inside(pos, gnss=gnss)
                for i in np.flatnonzero(inside & on):
                    x.friendly_s[int(i)] = x.friendly_s.get(int(i), 0.0) + dt
                    key = ("friendly", int(i), int(by[i]))
                    if key not in self._told:
                        self._told.add(key)
                        name = w.scenario.raid.friendlies[i].name
                        who = et.FriendlyInJammerFootprint(friendly=int(i), name=name, effector=self.sites[by[i]].name)
                        ev.append((t0, who))
        for k, zones in self._jam_zones.items():
            if self.radiating[k]:
                for z in zones:
                    x.zone_s[z] = x.zone_s.get(z, 0.0) + dt

    # -- interceptors ----------------------------------------------------------------------------------
    def _predicted(self, m: _Interceptor, t: float) -> np.ndarray:
        """The cue's target position extrapolated to ``t`` (constant velocity)."""
        return m.cue[:3] + m.cue[3:6] * (t - m.cue_t)

    def _midcourse_direction(self, m: _Interceptor, t: float) -> np.ndarray:
        """Unit vector towards the intercept point predicted from the cue (its target's position now if none)."""
        speed = m.site.type.speed_mps
        target = self._predicted(m, t)
        tau = intercept_time(target - m.pos, m.cue[3:6], speed)
        aim = target + m.cue[3:6] * tau if math.isfinite(tau) else target
        d = aim - m.pos
        n = float(np.linalg.norm(d))
        return d / n if n > 1e-9 else np.array([0.0, 0.0, 1.0])

    def _objects(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Positions (N, 3) and truth labels (N,) of what a seeker or a laser tracker can lock at ``t``:
        the air picture less debris and entities of another simulation."""
        pic = self.world.picture(t)
        lab = pic.label
        debris = (lab >= DEBRIS_LABEL) & (lab < EXTERNAL_LABEL)
        external = (lab >= EXTERNAL_LABEL) & (lab < FRIENDLY_LABEL)
        keep = (lab >= 0) & ~debris & ~external
        return pic.pos[keep], pic.label[keep]

    def _position_of(self, label: int, t: float) -> np.ndarray | None:
        """Where the object ``label`` is at ``t`` (the world's current time for threats); None: gone."""
        kind, i = describe_label(label)
        w = self.world
        if kind == "threat":
            fleet, j = w._locate(i)
            return fleet.pos[j].copy() if fleet.airborne[j] else None
        if kind == "civil":
            pos, _, on = w.civil.state(t)
            return pos[i].copy() if on[i] and pos[i, 2] > 1.0 else None
        if kind == "friendly":
            pos, _, on = w.friendly.state(t)
            return pos[i].copy() if on[i] else None
        return None

    def _lock(self, near: np.ndarray, gate: float, t: float) -> tuple[int, np.ndarray] | None:
        pos, labels = self._objects(t)
        if not labels.size:
            return None
        d = np.linalg.norm(pos - near, axis=1)
        j = int(np.argmin(d))
        return (int(labels[j]), pos[j].copy()) if d[j] <= gate else None

    def _fly_interceptors(self, t0: float, t1: float) -> list[TruthEvent]:
        ev: list[TruthEvent] = []
        dt = t1 - t0
        keep: list[_Interceptor] = []
        for m in self.interceptors:
            it: InterceptorType = m.site.type
            speed = it.speed_mps
            if m.label is not None and m.target_pos is not None:
                want = m.target_pos - m.pos
            else:
                want = self._midcourse_direction(m, t0)
            n = float(np.linalg.norm(want))
            want = want / n if n > 1e-9 else m.vel / speed
            v0 = m.vel / speed
            cos = min(max(float(v0 @ want), -1.0), 1.0)
            turn = math.acos(cos)
            max_turn = it.max_accel_mps2 / speed * dt
            if turn > max_turn:  # rotate v0 towards want by max_turn (in their plane)
                perp = want - cos * v0
                perp /= max(float(np.linalg.norm(perp)), 1e-12)
                want = math.cos(max_turn) * v0 + math.sin(max_turn) * perp
            m.vel = want * speed
            p0 = m.pos
            p1 = p0 + m.vel * dt
            if m.label is not None:
                q1 = self._position_of(m.label, t1)
                if q1 is None:  # its target is gone (destroyed, landed): it flies on and looks again
                    m.label, m.target_pos = None, None
                else:
                    s, miss = closest_approach(p0, p1, m.target_pos, q1)
                    if miss <= it.fuze_radius_m:
                        tf = t0 + s * dt
                        m.pos = p0 + s * (p1 - p0)
                        ev.extend(self._fuze(m, tf, miss))
                        continue
                    m.target_pos = q1
            m.pos = p1
            m.flown_m += speed * dt
            if m.label is None:  # the seeker looks for the cued target once within its range
                pred = self._predicted(m, t1)
                if float(np.linalg.norm(pred - m.pos)) <= it.seeker_range_m:
                    lock = self._lock(pred, it.seeker_gate_m, t1)
                    if lock is not None:
                        m.label, m.target_pos = lock
                        kind, i = describe_label(m.label)
                        locked = et.InterceptorLocked(
                            order=m.order.order_id, effector=m.site.name, object=kind, index=i
                        )
                        ev.append((t1, locked))
            if m.flown_m >= it.max_range_m or m.pos[2] <= 0.0:
                why = "out of range" if m.pos[2] > 0.0 else "hit the ground"
                m.pos[2] = max(m.pos[2], 0.0)
                ev.append((t1, self._gone(m, why)))
                self._break_up(m, t1, ev)
                continue
            keep.append(m)
        self.interceptors = keep
        return ev

    def _gone(self, m: _Interceptor, reason: str) -> et.InterceptorSelfDestruct:
        """The payload of an interceptor's self-destruct (its datalink's last report)."""
        site = m.site
        return et.InterceptorSelfDestruct(
            order=m.order.order_id, effector=site.name, effector_index=site.index, position=_r(m.pos), reason=reason
        )

    def _fuze(self, m: _Interceptor, t: float, miss: float) -> list[TruthEvent]:
        it: InterceptorType = m.site.type
        kind, i = describe_label(m.label)
        killed = bool(self.rng.random() < it.p_kill)
        payload = et.InterceptorFuzed(
            order=m.order.order_id,
            effector=m.site.name,
            effector_index=m.site.index,
            track=m.order.track_id,
            object=kind,
            index=i,
            miss_m=round(miss, 2),
            killed=killed,
            position=_r(m.pos),
        )
        ev: list[TruthEvent] = [(t, payload)]
        ev.extend(self._effect(kind, i, t, killed, m.site, m.order, m.pos))
        self._break_up(m, t, ev)
        return ev

    def _effect(self, kind: str, i: int, t: float, killed: bool, site, order, where) -> list[TruthEvent]:
        """An interceptor's warhead or a laser's fluence on object (``kind``, ``i``)."""
        w = self.world
        if kind == "threat":
            from bastion.world.drones import DESTROYED, IMPACTED

            if killed and w.threat_state[i] not in (DESTROYED, IMPACTED, LANDED):
                return w._kill(t, i, by=site.name)
            return []
        if kind == "civil":
            hit = et.CivilHit(
                civil=i, icao24=w.civil.icao24[i], order=order.order_id, position=_r(where), effector=site.name
            )
            return [(t, hit)]
        if kind == "friendly":
            name = w.scenario.raid.friendlies[i].name
            return [
                (t, et.FriendlyHit(friendly=i, name=name, order=order.order_id, position=_r(where), effector=site.name))
            ]
        return []

    def _break_up(self, m: _Interceptor, t: float, ev: list[TruthEvent]) -> None:
        """The interceptor's own pieces fall as debris (source ``-1 - effector``: not a threat)."""
        w = self.world
        k = m.site.index
        kind = self._debris_types.get(k)
        if kind is None:
            it: InterceptorType = m.site.type
            kind = ThreatType(
                name=it.name,
                description="interceptor airframe",
                kind="drone",
                rcs_m2=0.01,
                swerling=1,
                vulnerable_radius_m=0.0,
                p_kill_given_hit=0.0,
                warhead_kg=it.warhead_kg,
                lethal_radius_m=0.0,
                mass_kg=it.mass_kg,
                cd_area_m2=it.cd_area_m2,
                p_warhead_fuzes_on_ground=0.0,
            )
            self._debris_types[k] = kind
        pieces = break_up(-1 - k, kind, m.pos.copy(), m.vel.copy(), kind.rcs_m2, w._debris_next, True, self.rng, 2)
        w._debris_next += len(pieces)
        w.debris.append(pieces)

    # -- lasers ----------------------------------------------------------------------------------------
    def _lase(self, t0: float, t1: float) -> list[TruthEvent]:
        ev: list[TruthEvent] = []
        dt = t1 - t0
        alpha = self.world.scenario.defence.extinction_per_m
        for k, las in list(self.lasers.items()):
            de: DirectedEnergyType = las.site.type
            order = las.order
            end = None
            if las.label is None:
                cue = np.asarray(order.cue, float) if order.cue is not None else None
                lock = None if cue is None else self._lock(cue[:3] + cue[3:6] * (t1 - order.cue_t), LASER_GATE_M, t1)
                if lock is None:
                    end = (False, "no target within the tracker's gate of the cue")
                else:
                    las.label = lock[0]
            if end is None:
                p = self._position_of(las.label, t1)
                if p is None:
                    end = (False, "target gone")
                else:
                    rel = p - las.site.position
                    r = float(np.linalg.norm(rel))
                    el = math.degrees(math.asin(max(min(rel[2] / max(r, 1e-9), 1.0), -1.0)))
                    if r <= de.max_range_m and el >= de.min_elevation_deg:
                        las.dose += dt / float(de.dwell_s(r, alpha(de.wavelength_um)))
                    if las.dose >= las.needed:
                        kind, i = describe_label(las.label)
                        ev.extend(self._effect(kind, i, t1, True, las.site, order, p))
                        end = (True, "lethal fluence reached")
                    elif t1 >= order.t_end - 1e-9:
                        end = (False, "dwell time over")
            if end is not None:
                del self.lasers[k]
                ev.append(
                    (
                        t1,
                        et.LaserOff(
                            order=order.order_id,
                            effector=las.site.name,
                            effector_index=k,
                            track=order.track_id,
                            killed=end[0],
                            reason=end[1],
                            fluence=round(las.dose / las.needed, 3),
                        ),
                    )
                )
        return ev
