"""Layered engagement: the effectors beyond the gun and one assignment across all of them (issue 19).

Decision side (never sees truth). Each scan, on a site with effectors other than guns:

1. **Looks**: interceptor and laser engagements whose look has ended are assessed from the track
   (:func:`bastion.engage.kill_assessment.assess`, as a drone under gun fire), once.
2. **Jammers** (area effectors, not assigned one target at a time): a jammer radiates while a hostile
   drone track, cleared for engagement under the weapons-control status, is inside its footprint or
   predicted there within ``jam_lead_s`` (straight-line extrapolation), and falls silent otherwise.
   A GNSS jammer with a civil or own aircraft track inside its footprint holds (doctrine
   ``jam_with_civil = "hold"``, the default: fail safe) or radiates and the aircraft are counted
   (``"accept"``). An RF jammer's effect is assessed: a drone that keeps its course and speed for
   ``jam_assess_s`` inside a radiating RF footprint is not flown over a radio link (a GNSS-waypoint
   drone), which is said, and the jammer is not kept on for it. A radiating jammer stays on while a
   track is within 1.25 footprints (hysteresis, placeholder L: a drone whose link is lost at the edge
   hovers there, and switching off would give it back its link).
3. **Expected effect of the jammers** on each candidate's value (what is still at stake): an RF
   jammer leaves it with 1 - p_rf (``p_rf_piloted``, a prior, 0 once assessed not link-flown); a GNSS
   jammer with 1 - p_gnss * P(miss), P(miss) = exp(-R^2 / (2 sigma^2)) the chance that inertial drift
   sigma = 0.5 b tau^2 (b the catalogue's assumed accelerometer bias, tau the time it will fly denied
   before impact) carries it out of its target zone of radius R.
4. **Options**: the bursts the free guns could fire (:meth:`EngagementManager._plan_guns`, the gun's
   own planning: lead, safety, kill probability, best-shot timing) and, per ready interceptor
   launcher and laser, its plan against each candidate: an interceptor's straight-line intercept
   (:func:`bastion.physics.intercept.intercept_time`) within its range, before the predicted impact,
   its debris not over a populated zone and no civil or own aircraft track within the civil
   clearance of the intercept point (kill probability: the catalogue's, the uplinked cue assumed to
   bring the seeker within its gate); a laser's fluence integrated along the predicted path within
   its range and elevation limits (kill probability Phi(ln F / sigma), F the fluence available in
   units of the median lethal dose), no civil or own aircraft track within 1 deg of its line of sight.
5. **One assignment** (:func:`bastion.engage.wta.lexicographic.solve_lexicographic`): least expected
   leakage first, then least cost, respecting magazines and readiness (launch interval, reload,
   lasing); released under weapons control like a burst (:meth:`bastion.engage.release.WeaponsRelease.cleared`).

Every refusal is an event that says why (``cannot_engage`` with every effector's reason, ``jammer_hold``,
``jam_assessment``); every order is an ``effector_order`` event with its kill probability and cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.special import ndtr

from bastion import event_types as ev
from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.engage import kill_assessment
from bastion.engage.wta.lexicographic import solve_lexicographic
from bastion.orders import EffectorOrder
from bastion.physics.intercept import intercept_time
from bastion.scenario.catalogue.effectors import DirectedEnergyType, InterceptorType
from bastion.scenario.catalogue.guns import ROUND_COST_USD
from bastion.scenario.catalogue.threats import INS_BIAS_MPS2
from bastion.scenario.compiled import Defence, EffectorSite
from bastion.track.types import Tracks, TrackStatus

MIN_PK = 0.02  # as the gun's: no engagement with a lower estimated kill probability
PURSUIT_MARGIN_S = 3.0  # [s] a pursuit ends after the straight-line intercept time: uplinked cues this longer
PURSUIT_RANGE_FACTOR = 0.8  # no intercept planned beyond this share of the range: the pursuit flies further (L)
LASER_STEP_S = 0.2  # [s] integration step of a laser's fluence along the predicted path
LASER_HORIZON_S = 120.0  # [s] no laser engagement planned longer than this
LASER_QUANTILE = 2.326  # lase until the fluence reaches the 99th percentile of the lethal dose (z of 0.99)
BEAM_CLEARANCE_RAD = math.radians(1.0)  # no lasing with a non-hostile track this close to the line of sight (L)
JAM_HYSTERESIS = 1.25  # a radiating jammer stays on for tracks within this multiple of its footprint (L)
RF_KEPT_SPEED = 0.7  # an RF-jammed track keeping this share of its speed along its course "kept its course"
_HOSTILE = int(Identity.HOSTILE)
_BALLISTIC, _AIRCRAFT = int(TrackClass.BALLISTIC), int(TrackClass.AIRCRAFT)
_TENTATIVE = int(TrackStatus.TENTATIVE)


@dataclass
class EffectorPlan:
    """One effector's engagement of one candidate, as planned."""

    effector: int
    pk: float
    cost_usd: float
    t_effect: float  # predicted intercept, or the end of the lasing [s]
    detail: dict = field(default_factory=dict)  # the plan's fields of the order's event (ev.EffectorOrder)


@dataclass
class EffectorEngagement:
    order: EffectorOrder
    track: int
    effector: int
    pk: float
    t_effect: float
    look_until: float
    speed_before: float
    history: list = field(default_factory=list)
    done: bool = False  # its effector reported the end (the interceptor detonated or destroyed itself, the laser off)


class Layers:
    """The effectors beyond the gun of one site, on the decision side, and the one assignment across
    them and the guns. ``manager``: the site's :class:`~bastion.engage.manager.EngagementManager`,
    whose gun planning, weapons control, records of destroyed and engaged tracks and events are shared."""

    def __init__(self, defence: Defence, manager) -> None:
        self.d = defence
        self.m = manager
        self.doctrine = defence.doctrine.layers
        self.sites: tuple[EffectorSite, ...] = defence.effectors
        n = len(self.sites)
        self.rounds = np.array([s.rounds for s in self.sites], dtype=int)
        self.ready_at = np.full(n, -math.inf)  # the effector can act again from then [s]
        self.radiating = np.zeros(n, dtype=bool)  # jammers ordered on
        self.radiating_from = np.full(n, math.inf)  # [s] when an ordered jammer radiates
        self.looking: list[EffectorEngagement] = []
        self.rf_entry: dict[tuple[int, int], tuple[float, np.ndarray]] = {}  # (track, jammer) -> (t, velocity (2,))
        self.not_link_flown: set[int] = set()  # tracks assessed not flown over a radio link
        self.link_affected: set[int] = set()
        self._said: set[tuple] = set()
        self.populated = [z for z in defence.zones if z.kind == "populated"]
        self.usage: dict[int, int] = {}  # effector -> engagements ordered

    # -- reports from the effectors ------------------------------------------------------------------
    def report(self, kind: str, k: int, order: int, rounds: int | None, t: float) -> list[ev.Payload]:
        """Effector ``k`` reports (its datalink or its crew): ``rounds`` left after a launch, a laser
        shot or a reload; an interceptor of ``order`` detonated or self-destructed, or a laser stopped
        lasing: its engagement is looked at now (the look needs no longer wait for the planned time)."""
        out: list[ev.Payload] = []
        if rounds is not None:
            before = int(self.rounds[k])
            self.rounds[k] = rounds
            if before <= 0 < rounds:
                out.append(ev.EffectorStatus(effector=self.sites[k].name, rounds=rounds, reason="reloaded"))
        if kind in ("interceptor_fuzed", "interceptor_self_destruct", "laser_off"):
            look = t + self.d.doctrine.look_s
            for e in self.looking:
                if e.order.order_id == order:
                    e.look_until = min(e.look_until, look)
                    e.done = True
            if kind == "laser_off":
                self.ready_at[k] = min(self.ready_at[k], t)
        return out

    # -- per scan ----------------------------------------------------------------------------------------
    def step(
        self, tracks: Tracks, picture: ThreatPicture, cand, guns, ids, scan_period, surviving, orders, events, ended
    ):
        """The layered flow of :meth:`EngagementManager.step` once candidates and free guns are known."""
        m = self.m
        t = tracks.t
        events += self._assess(tracks, ended, orders)
        self._jam(tracks, picture, ids, t, orders, events)
        self._uplink(tracks, t, orders)
        engaged = {e.track for e in self.looking}
        cand = [i for i in cand if ids[i] not in engaged and ids[i] not in m.destroyed]  # (assessed just now)
        if not cand:
            return orders, events, ended
        plans, planned, reasons, telling = ({}, [], {}, set())
        if guns:
            plans, planned, reasons, telling = m._plan_guns(tracks, picture, cand, guns, ids, scan_period, events)
        options, ready = self._options(tracks, picture, cand, ids, t, reasons, telling, events)
        for i, why in reasons.items():
            has_gun = any((g, i) in plans for g in guns)
            has_effector = any(b == cand.index(i) for _, b, _ in options)
            if i in telling and not has_gun and not has_effector:
                events += m._say(ids[i], "cannot_engage", "; ".join(why))
        rows = [("gun", g) for g in guns] + [("effector", k) for k in ready]
        pk = np.zeros((len(rows), len(cand)))
        cost = np.zeros((len(rows), len(cand)))
        for a, b, p in planned:
            g = guns[a]
            pk[a, b] = p
            cost[a, b] = plans[(g, cand[b])].n_rounds * ROUND_COST_USD.get(self.d.guns[g].type.name, 0.0)
        eplans: dict[tuple[int, int], EffectorPlan] = {}
        for k, b, plan in options:
            a = len(guns) + ready.index(k)
            pk[a, b] = plan.pk
            cost[a, b] = plan.cost_usd
            eplans[(k, b)] = plan
        if not (pk >= MIN_PK).any():
            return orders, events, ended
        values = picture.threat_value[cand] * np.array([self.jam_survival(i, ids[i], picture, tracks, t) for i in cand])
        if surviving:
            values = values * np.array([surviving.get(i, 1.0) for i in cand])
        choice = solve_lexicographic(np.where(pk >= MIN_PK, pk, 0.0), values, cost, self.doctrine.leakage_tolerance)
        for a, b in enumerate(choice):
            if b < 0 or not pk[a, b] >= MIN_PK:  # (NaN never fires)
                continue
            kind, w = rows[a]
            i = cand[b]
            tid = ids[i]
            if kind == "gun":
                if m.cleared(i, tid, t, picture, float(pk[a, b]), w, "", events):
                    orders.append(m.fire(w, i, tracks, plans[(w, i)], picture, events))
            elif m.cleared(i, tid, t, picture, float(pk[a, b]), -1, self.sites[w].name, events):
                orders.append(self._engage(w, i, tid, tracks, eplans[(w, b)], events))
        return orders, events, ended

    # -- looks --------------------------------------------------------------------------------------------
    def _assess(self, tracks: Tracks, ended: dict[int, str], orders: list) -> list[ev.Payload]:
        """Kill assessments of the engagements whose look has ended; an interceptor still flying at a
        track assessed destroyed (by any effector or gun) is told to destroy itself."""
        if not self.looking:
            return []
        m = self.m
        out, still = [], []
        for e in self.looking:
            i = tracks.index_of(e.track)
            if i is not None:
                e.history.append((tracks.t, tracks.x[i, :3].copy()))
            if tracks.t < e.look_until:
                still.append(e)
                continue
            if e.track in m.destroyed:
                continue
            verdict, reason = kill_assessment.assess(tracks, e.track, e.speed_before, e.history)
            name = self.sites[e.effector].name
            ka = kill_assessment.concluded(
                tracks.t, e.look_until, e.track, name, e.order.order_id, "other", verdict, reason
            )
            if ka is None:
                still.append(e)
                continue
            out.append(ka)
            if ka.destroyed:
                m.destroyed.add(e.track)
                ended[e.track] = "assessed destroyed"
        for e in still:
            if e.track in m.destroyed and not e.done and self.sites[e.effector].kind == "interceptor":
                orders.append(
                    EffectorOrder(e.order.order_id, e.effector, "abort", tracks.t, e.track, engagement=e.order.order_id)
                )
                out.append(
                    ev.EffectorOrder(
                        order=e.order.order_id,
                        effector=self.sites[e.effector].name,
                        kind="interceptor",
                        action="abort",
                        track=e.track,
                        reason="its target is assessed destroyed",
                    )
                )
        self.looking = [e for e in still if e.track not in m.destroyed]
        return out

    # -- jammers ----------------------------------------------------------------------------------------
    def _hostile_drones(self, tracks: Tracks, picture: ThreatPicture, ids) -> list[int]:
        """Rows of confirmed hostile tracks that are not rockets, mortar bombs or airliners and are not
        assessed destroyed (a drone that stops to hover may look like a falling one for a scan: it is
        still one to jam)."""
        out = []
        for i, (ident, k, st) in enumerate(
            zip(picture.identity.tolist(), picture.klass.tolist(), tracks.status.tolist(), strict=True)
        ):
            flying = k not in (_BALLISTIC, _AIRCRAFT)
            if ident == _HOSTILE and flying and st != _TENTATIVE and ids[i] not in self.m.destroyed:
                out.append(i)
        return out

    def _jam(self, tracks: Tracks, picture: ThreatPicture, ids, t: float, orders: list, events: list) -> None:
        m = self.m
        hostile = self._hostile_drones(tracks, picture, ids)
        self._assess_rf(tracks, hostile, ids, t, events)
        lead = self.doctrine.jam_lead_s
        others = None
        for site in self.sites:
            if not site.jammer:
                continue
            k = site.index
            rf = site.kind == "rf-jammer"
            near = []
            reach = site.footprint_m * (JAM_HYSTERESIS if self.radiating[k] else 1.0)
            for i in hostile:
                if rf and ids[i] in self.not_link_flown:
                    continue
                if self._min_distance(tracks.x[i], site.position, lead) <= reach:
                    near.append(i)
            cleared = []
            for i in near:
                prior = self.doctrine.p_rf_piloted if rf else self.doctrine.p_gnss_guided
                if m.cleared(i, ids[i], t, picture, prior, -1, site.name, events):
                    cleared.append(ids[i])
            hold = ""
            if cleared and not rf and self.doctrine.jam_with_civil == "hold":
                if others is None:
                    others = m._non_hostile(tracks, picture)
                inside = [
                    int(ids[j]) for j in others if np.linalg.norm(tracks.x[j, :3] - site.position) <= site.footprint_m
                ]
                if inside:
                    names = ", ".join(str(x) for x in inside)
                    hold = f"civil or own aircraft track(s) {names} inside the GNSS footprint (doctrine: hold)"
            want = bool(cleared) and not hold
            if hold:
                key = ("hold", k, hold)
                if key not in self._said:
                    self._said.add(key)
                    events.append(ev.JammerHold(effector=site.name, tracks=cleared, reason=hold))
            if want and not self.radiating[k]:
                self.radiating[k] = True
                self.radiating_from[k] = t + site.type.reaction_s
                self.usage[k] = self.usage.get(k, 0) + 1
                oid = self._new_order()
                orders.append(EffectorOrder(oid, k, "radiate", t))
                why = f"hostile drone track(s) in the footprint or predicted there within {lead:g} s"
                events.append(
                    ev.EffectorOrder(
                        order=oid, effector=site.name, kind=site.kind, action="radiate", tracks=cleared, reason=why
                    )
                )
            elif not want and self.radiating[k]:
                self.radiating[k] = False
                self.radiating_from[k] = math.inf
                oid = self._new_order()
                orders.append(EffectorOrder(oid, k, "silence", t))
                why = hold or "no hostile drone it could affect in or near the footprint"
                events.append(
                    ev.EffectorOrder(order=oid, effector=site.name, kind=site.kind, action="silence", reason=why)
                )

    def _assess_rf(self, tracks: Tracks, hostile: list[int], ids, t: float, events: list) -> None:
        """Whether each hostile drone inside a radiating RF footprint reacts: one that keeps its course
        and speed ``jam_assess_s`` inside is not link-flown; one that stops or turns away is affected."""
        for site in self.sites:
            if site.kind != "rf-jammer":
                continue
            k = site.index
            on = self.radiating[k] and t >= self.radiating_from[k]
            for i in hostile:
                tid = ids[i]
                if tid in self.not_link_flown or tid in self.link_affected:
                    continue
                inside = on and np.linalg.norm(tracks.x[i, :3] - site.position) <= site.footprint_m
                key = (tid, k)
                if not inside:
                    self.rf_entry.pop(key, None)
                    continue
                v = tracks.x[i, 3:5].copy()
                if key not in self.rf_entry:
                    self.rf_entry[key] = (t, v)
                    continue
                t0, v0 = self.rf_entry[key]
                if t - t0 < self.doctrine.jam_assess_s:
                    continue
                speed0 = float(np.hypot(*v0))
                along = float(v @ v0) / max(speed0, 1e-9)  # speed along the course it entered with
                kept = along >= RF_KEPT_SPEED * speed0
                if kept:
                    self.not_link_flown.add(tid)
                    why = (
                        f"kept its course and speed ({along:.0f} of {speed0:.0f} m/s) for {t - t0:.0f} s inside the "
                        "RF footprint: not flown over a radio link (GNSS waypoints); the RF jammer has no effect on it"
                    )
                else:
                    self.link_affected.add(tid)
                    why = (
                        f"slowed or turned ({along:.0f} of {speed0:.0f} m/s along its course) {t - t0:.0f} s "
                        "inside the RF footprint: its link is jammed"
                    )
                events.append(ev.JamAssessment(track=tid, effector=site.name, affected=not kept, reason=why))

    @staticmethod
    def _min_distance(x: np.ndarray, point: np.ndarray, horizon: float) -> float:
        """Least distance [m] of a constant-velocity track (state ``x``) from ``point`` within ``horizon`` [s]."""
        d = x[:3] - point
        v = x[3:6]
        vv = float(v @ v)
        tau = 0.0 if vv <= 0.0 else min(max(-float(d @ v) / vv, 0.0), horizon)
        return float(np.linalg.norm(d + v * tau))

    def jam_survival(self, i: int, tid: int, picture: ThreatPicture, tracks: Tracks, t: float) -> float:
        """The share of candidate row ``i``'s value the radiating jammers are expected to leave at stake."""
        s = 1.0
        x = tracks.x[i]
        tti = float(picture.impact_time[i] - t)
        if not math.isfinite(tti) or tti <= 0.0:
            return s
        for site in self.sites:
            k = site.index
            if not (site.jammer and self.radiating[k]):
                continue
            if self._min_distance(x, site.position, tti) > site.footprint_m:
                continue
            if site.kind == "rf-jammer":
                if tid not in self.not_link_flown:
                    s *= 1.0 - self.doctrine.p_rf_piloted
                continue
            enter = self._time_to_enter(x, site.position, site.footprint_m, tti)
            tau = max(tti - max(enter, self.radiating_from[k] - t), 0.0)
            sigma = 0.5 * INS_BIAS_MPS2 * tau * tau
            z = picture.zone[i]
            radius = self.d.zones[z].radius_m if z >= 0 else 0.0
            p_miss = math.exp(-(radius**2) / (2.0 * sigma**2)) if sigma > 0.0 else 0.0
            s *= 1.0 - self.doctrine.p_gnss_guided * p_miss
        return s

    @staticmethod
    def _time_to_enter(x: np.ndarray, point: np.ndarray, radius: float, horizon: float) -> float:
        """When [s from now] a constant-velocity track first comes within ``radius`` of ``point`` (0: inside)."""
        d = x[:3] - point
        if float(d @ d) <= radius * radius:
            return 0.0
        v = x[3:6]
        a, b, c = float(v @ v), 2.0 * float(d @ v), float(d @ d) - radius * radius
        disc = b * b - 4.0 * a * c
        if a <= 0.0 or disc < 0.0:
            return horizon
        tau = (-b - math.sqrt(disc)) / (2.0 * a)
        return min(max(tau, 0.0), horizon)

    # -- interceptors and lasers ----------------------------------------------------------------------------
    def _uplink(self, tracks: Tracks, t: float, orders: list) -> None:
        """A fresh cue over the uplink for every interceptor in flight whose target is tracked this scan."""
        for e in self.looking:
            if self.sites[e.effector].kind != "interceptor" or t > e.t_effect + PURSUIT_MARGIN_S:
                continue
            i = tracks.index_of(e.track)
            if i is None or tracks.last_update[i] < t:
                continue
            cue = tracks.x[i, :6].copy()
            orders.append(
                EffectorOrder(e.order.order_id, e.effector, "cue", t, e.track, cue, t, engagement=e.order.order_id)
            )

    def _options(self, tracks: Tracks, picture: ThreatPicture, cand, ids, t: float, reasons, telling, events):
        """(effector, candidate column, plan) of every ready effector's engagement it can make now, and
        the ready effectors; why not, per candidate, into ``reasons`` (and ``telling``); an effector with
        nothing left is said once per candidate in ``events``."""
        ready = []
        for site in self.sites:
            if site.jammer:
                continue
            k = site.index
            if self.rounds[k] <= 0:
                what = "interceptors" if site.kind == "interceptor" else "laser shots"
                for i in cand:
                    reasons.setdefault(i, []).append(f"{site.name}: no {what} left")
                    events += self.m._say(ids[i], "cannot_engage", f"{site.name}: no {what} left")
                continue
            if t < self.ready_at[k]:
                for i in cand:
                    reasons.setdefault(i, []).append(f"{site.name}: not yet ready (until {self.ready_at[k]:.1f} s)")
                continue
            ready.append(k)
        out = []
        if not ready:
            return out, ready
        others = self.m._non_hostile(tracks, picture)
        for k in ready:
            site = self.sites[k]
            for b, i in enumerate(cand):
                if picture.klass[i] == _BALLISTIC:
                    why = "not for rockets or mortar bombs (no kill figures: not modelled)"
                    reasons.setdefault(i, []).append(f"{site.name}: {why}")
                    continue
                if site.kind == "interceptor":
                    plan, why = self._interceptor_plan(site, i, tracks, picture, others, t)
                else:
                    plan, why = self._laser_plan(site, i, tracks, picture, others, t)
                if plan is None:
                    why = f"{site.name}: {why}"
                    reasons.setdefault(i, []).append(why)
                    if " out of reach" not in why and "not yet" not in why:
                        telling.add(i)
                    continue
                out.append((k, b, plan))
        return out, ready

    def _interceptor_plan(self, site: EffectorSite, i: int, tracks: Tracks, picture: ThreatPicture, others, t: float):
        it: InterceptorType = site.type
        x = tracks.x[i]
        p, v = x[:3], x[3:6]
        tau = intercept_time(p - site.position, v, it.speed_mps, it.reaction_s)
        if not math.isfinite(tau):
            return None, "out of reach (cannot catch it)"
        flight = it.speed_mps * (tau - it.reaction_s)
        if flight > PURSUIT_RANGE_FACTOR * it.max_range_m:
            reach = PURSUIT_RANGE_FACTOR * it.max_range_m / 1000
            return None, f"out of reach ({flight / 1000:.1f} km fly-out, {reach:g} km planned at most)"
        if flight < it.min_range_m:
            return None, f"too close ({flight:.0f} m fly-out, {it.min_range_m:.0f} m at least)"
        tti = float(picture.impact_time[i] - t)
        if math.isfinite(tti) and tau >= tti:
            return None, f"the intercept ({tau:.0f} s) would come after its predicted impact ({tti:.0f} s)"
        ip = p + v * tau
        if ip[2] <= 0.0:
            return None, "its predicted path reaches the ground before an intercept"
        zone = self._populated_under(ip)
        if zone:
            return None, f"its debris would fall on {zone} (populated)"
        clearance = self.d.doctrine.civil_clearance_m
        for j in others:
            q = tracks.x[j, :3] + tracks.x[j, 3:6] * tau
            if np.linalg.norm(q - ip) < clearance:
                return (
                    None,
                    f"track {int(tracks.id[j])} (not hostile) would be within {clearance:.0f} m of the intercept point",
                )
        detail = {
            "intercept_s": round(tau, 1),
            "intercept_point": [round(float(c), 1) for c in ip],
            "range_m": round(float(np.linalg.norm(ip - site.position)), 1),
        }
        return EffectorPlan(site.index, it.p_kill, it.unit_cost_usd, t + tau, detail), ""

    def _laser_plan(self, site: EffectorSite, i: int, tracks: Tracks, picture: ThreatPicture, others, t: float):
        de: DirectedEnergyType = site.type
        x = tracks.x[i]
        tti = float(picture.impact_time[i] - t)
        horizon = min(tti, LASER_HORIZON_S) if math.isfinite(tti) else LASER_HORIZON_S
        if horizon <= de.reaction_s:
            return None, "no time to lase before its predicted impact"
        taus = np.arange(de.reaction_s, horizon, LASER_STEP_S)
        pos = x[:3] + np.outer(taus, x[3:6])
        rel = pos - site.position
        r = np.linalg.norm(rel, axis=1)
        el = np.degrees(np.arcsin(np.clip(rel[:, 2] / np.maximum(r, 1e-9), -1.0, 1.0)))
        ok = (r <= de.max_range_m) & (el >= de.min_elevation_deg)
        if not ok[0]:  # lase only a target in reach when the beam comes on (the laser is not held for it)
            return (
                None,
                f"out of reach, not yet ({r[0] / 1000:.1f} km, {de.max_range_m / 1000:g} km at most, or too low)",
            )
        if not ok.any():
            return (
                None,
                f"out of reach ({r.min() / 1000:.1f} km at closest, {de.max_range_m / 1000:g} km at most, or too low)",
            )
        alpha = self.d.extinction_per_m(de.wavelength_um)
        rate = np.where(ok, 1.0 / np.asarray(de.dwell_s(r, alpha)), 0.0)
        fluence = np.cumsum(rate) * LASER_STEP_S
        total = float(fluence[-1])
        if not total > 0.0:
            return None, "out of reach (the weather leaves the beam no energy)"
        pk = float(ndtr(math.log(total) / de.sigma_log))
        enough = np.flatnonzero(fluence >= math.exp(LASER_QUANTILE * de.sigma_log))
        t_end = t + float(taus[enough[0]] if enough.size else taus[-1]) + LASER_STEP_S
        los = rel[0] / max(r[0], 1e-9)
        for j in others:
            w = tracks.x[j, :3] - site.position
            n = float(np.linalg.norm(w))
            if n > 0.0 and math.acos(min(max(float(w @ los) / n, -1.0), 1.0)) < BEAM_CLEARANCE_RAD:
                return None, f"track {int(tracks.id[j])} (not hostile) within 1 deg of the line of sight"
        detail = {
            "lase_until_s": round(t_end, 1),
            "range_m": round(float(r[0]), 1),
            "fluence_available": round(total, 2),
        }
        return EffectorPlan(site.index, pk, de.cost_per_shot_usd, t_end, detail), ""

    def _populated_under(self, p: np.ndarray) -> str:
        pt = shapely.Point(float(p[0]), float(p[1]))
        for z in self.populated:
            if z.geometry.intersects(pt):
                return z.name
        return ""

    def _new_order(self) -> int:
        oid = self.m._next_order
        self.m._next_order += 1
        return oid

    def _engage(self, k: int, i: int, tid: int, tracks: Tracks, plan: EffectorPlan, events: list) -> EffectorOrder:
        site = self.sites[k]
        t = tracks.t
        cue = tracks.x[i, :6].copy()
        oid = self._new_order()
        if site.kind == "interceptor":
            it: InterceptorType = site.type
            order = EffectorOrder(oid, k, "launch", t, tid, cue, t)
            self.ready_at[k] = t + it.launch_interval_s
            # the look waits for the interceptor's report (its detonation or self-destruct, over its
            # datalink), at the latest the end of its flight: no second round while the first flies
            look = t + it.reaction_s + it.max_flight_s + self.d.doctrine.look_s
            action = "launch"
        else:
            order = EffectorOrder(oid, k, "lase", t, tid, cue, t, plan.t_effect)
            self.ready_at[k] = plan.t_effect + site.type.reaction_s
            look = plan.t_effect + self.d.doctrine.look_s
            action = "lase"
        self.rounds[k] -= 1
        self.usage[k] = self.usage.get(k, 0) + 1
        self.m.fired_at.add(tid)
        v = tracks.x[i, 3:6]
        self.looking.append(
            EffectorEngagement(order, tid, k, plan.pk, plan.t_effect, look, float(np.hypot(v[0], v[1])))
        )
        events.append(
            ev.EffectorOrder(
                order=oid,
                effector=site.name,
                kind=site.kind,
                action=action,
                track=tid,
                pk=round(plan.pk, 3),
                cost_usd=plan.cost_usd,
                **plan.detail,
            )
        )
        return order
