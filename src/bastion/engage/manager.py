"""Dynamic engagement scheduling: who fires at what, when, under which authority.

Each radar scan: (1) assess the bursts whose look period has ended (shoot–look–shoot);
(2) list the hostile tracks worth engaging (threat value at least the doctrine's threshold, not
assessed destroyed, not already under fire, track fresh and precise enough — otherwise hold fire and
say why); (3) for every free gun and candidate, compute the burst that would start after the gun's
reaction and slew time, its lead solution at each knot of the aim schedule, its safety checks
(arc, elevation limits, no-fire sectors, civil clearance of the lines of fire, identity) and its
kill probability; (4) assign guns to targets (the :class:`~bastion.engage.assign.Assigner`);
(5) release fire according to the weapons-control status (:mod:`bastion.engage.release`): HOLD
refuses, TIGHT asks the authoriser once per target and fires when approved (a request not answered
in time lapses: not fired), FREE fires.

On a site with effectors beyond the gun (issue 19) steps (3) to (5) run in
:mod:`bastion.engage.layers`: the guns' bursts planned here (:meth:`EngagementManager._plan_guns`),
the jammers, interceptors and lasers there, one assignment across them, each engagement released
here (:meth:`~bastion.engage.release.WeaponsRelease.cleared`) and a burst fired here
(:meth:`EngagementManager.fire`).

The planning of one gun's burst at one target is :mod:`bastion.engage.planning`.

Engagement timing of rockets and mortar bombs (issue 15 item 5): a round under fire waits for its
look unless the look would leave no time for another whole burst before its predicted impact, when it
is engaged again at once (shoot-shoot; :meth:`EngagementManager._not_under_look`).

Every decision is an event; refusals are reported once per (track, reason) so the log stays
readable.

This module holds the per-scan decision loop and the state it carries between scans (engagements
under look, what was fired at and assessed); each rule it applies lives in a module of its own
(planning, timing, release under weapons control, kill assessment of drones and of rounds, reach,
availability, safety; the effectors beyond the gun in layers), so its ~600 lines are the loop and its
bookkeeping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bastion import event_types as ev
from bastion.assess.ballistic import ArcFit
from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.engage import ballistic_kill, kill_assessment
from bastion.engage.assign import Assigner
from bastion.engage.availability import GunAvailability
from bastion.engage.fire_control import ClosedLoop, FireControl
from bastion.engage.layers import Layers
from bastion.engage.planning import BurstPlan, BurstPlanner
from bastion.engage.reach import cannot_reach
from bastion.engage.release import WeaponsRelease
from bastion.engage.timing import best_start, round_value
from bastion.engage.wta.fast import FastAssigner
from bastion.orders import CeaseFire, FireOrder
from bastion.scenario.compiled import Defence
from bastion.track.types import Tracks, TrackStatus

MIN_PK = 0.02  # no burst with a lower estimated kill probability
LATER = "holding fire for a better shot (a later burst is more likely to kill)"
MAX_TRACK_SIGMA_M = 30.0
MAX_TRACK_AGE_S = 2.5
REACH_MIN_PLOTS = 8  # plots in a round's arc fit before telling which guns cannot reach it
# plain ints for the per-scan masks (an enum attribute look-up costs more than the comparison)
_UNKNOWN, _CIVIL, _FRIENDLY, _HOSTILE = (
    int(v) for v in (Identity.UNKNOWN, Identity.CIVIL, Identity.FRIENDLY, Identity.HOSTILE)
)
_TENTATIVE = int(TrackStatus.TENTATIVE)
_BALLISTIC = int(TrackClass.BALLISTIC)


def _largest_sigma(P: np.ndarray) -> float:
    """Largest position standard deviation [m] of a state covariance (6, 6), in Python: as numpy's
    ``np.sqrt(P.diagonal()[:3].max())``, NaN where a variance is NaN or negative."""
    variances = P.diagonal()[:3].tolist()
    if any(v != v for v in variances) or max(variances) < 0.0:
        return math.nan
    return math.sqrt(max(variances))


@dataclass
class Engagement:
    id: int
    track: int
    gun: int
    order: FireOrder
    look_until: float
    speed_before: float
    pk: float = 0.0  # the planning kill probability of the burst
    history: list = field(default_factory=list)  # (t, position) of the track since the order
    # a ballistic round (the decision side's class at the order) is assessed on sensor evidence
    # (:mod:`bastion.engage.ballistic_kill`): its arc fitted before the burst, the RCS estimates of its
    # plots before it, when the burst's first and last rounds could arrive, and what was seen since
    ballistic: bool = False
    fit: ArcFit | None = None
    rcs_before: list = field(default_factory=list)
    t_first: float = math.inf
    t_last: float = math.inf
    post: list = field(default_factory=list)  # ((radar, range, azimuth, elevation), t, RCS) since t_first
    fragments: int = 0  # new plots near the round since t_first


@dataclass
class EngagementManager(WeaponsRelease):
    defence: Defence
    assigner: Assigner = field(default_factory=FastAssigner)
    weapons_control: str = ""

    def __post_init__(self) -> None:
        d = self.defence
        self.doctrine = d.doctrine
        self.weapons_control = self.weapons_control or d.doctrine.weapons_control
        self.fire_control = [FireControl(g, d.air) for g in d.guns]
        # closed-loop fire control (the mounts' own radars re-aim bursts in progress); None: open loop
        self.closed_loop = ClosedLoop(self.fire_control) if d.doctrine.fire_control == "closed-loop" else None
        if self.closed_loop is not None:
            self.closed_loop.check = self._check_aim
        # the aircraft to keep the lines of fire clear of, as last seen: positions, velocities, time
        self._sky: tuple[np.ndarray, np.ndarray, float] | None = None
        self.planner = BurstPlanner(d, self.fire_control)
        self._planning = self.planner.guns
        # [s] from an order to the end of the quickest gun's burst: reaction (or the C2 latency and
        # spin-up), then the burst
        self._quickest_s = min(
            (
                max(g.type.reaction_s, g.type.c2_latency_s + g.type.spin_up_s) + p.burst
                for g, p in zip(d.guns, self._planning, strict=True)
            ),
            default=math.inf,
        )
        self.ammunition = np.array([g.ammunition for g in d.guns], dtype=int)
        self.pointing = np.zeros((len(d.guns), 2))
        self.busy_until = np.full(len(d.guns), -np.inf)
        self.last_order: dict[int, int] = {}  # gun -> its latest fire order's id
        self._reaction_s = [g.type.reaction_s for g in d.guns]
        self.looking: list[Engagement] = []
        self._init_release()  # weapons control: requests, tracks authorised and denied
        self.destroyed: set[int] = set()
        # destroyed ballistic round -> (time, height [m]) its debris falls from: the burst's first
        # possible hit and the highest the round was seen since the burst began (the warning holds
        # until that debris is down)
        self.debris_from: dict[int, tuple[float, float]] = {}
        self.fired_at: set[int] = set()  # tracks engaged at least once
        self.last_seen: dict[int, tuple[float, np.ndarray]] = {}  # engaged track -> (time, position)
        self.ignored: set[int] = set()
        self._said: set[tuple[int, str]] = set()
        self._next_order = 1
        # track id -> its current free-flight arc fit (set by the caller every scan): the drag factor,
        # and, when fitted at the scan time, a state far tighter than a manoeuvre-tolerant track's own
        self.arc_fits: dict[int, ArcFit] = {}
        # the pipeline's arc estimator (:class:`bastion.assess.arcs.ArcEstimator`): the plots of the
        # tracks, for the kill assessment of ballistic rounds; None: no plots, no ballistic evidence
        self.arcs = None
        self._reach_checked: set[int] = set()  # ballistic tracks whose reach by every gun was told
        self.availability = GunAvailability([g.name for g in d.guns])  # the mounts' status reports
        # effectors beyond the gun (issue 19); None on a site with guns only, whose engagement is as before
        self.layers = Layers(d, self) if d.effectors else None

    # -- mount reports -------------------------------------------------------------------------
    def gun_status(
        self, gun: int, ammunition: int, available: bool = True, reason: str = "", t: float | None = None
    ) -> list[ev.Payload]:
        """Rounds remaining, and whether the mount can fire (``reason`` when not), as it reports at ``t``:
        an unavailable gun gets no burst; its engagement cut short frees the target for another gun."""
        self.ammunition[gun] = ammunition
        self.looking, events = self.availability.report(gun, available, reason, self.looking, t)
        return events

    # -- per scan ----------------------------------------------------------------------------
    def step(self, tracks: Tracks, picture: ThreatPicture, scan_period: float):
        """Orders, events and tracks ended this scan (id -> reason) for the warning board."""
        t = tracks.t
        events: list[ev.Payload] = []
        orders: list[FireOrder] = []
        ended: dict[int, str] = {}
        ids = tracks.id.tolist()
        if self.fired_at:
            index = {k: n for n, k in enumerate(ids)}
            for tid in self.fired_at:
                i = index.get(tid)
                if i is not None:
                    self.last_seen[tid] = (t, tracks.x[i, :3].copy())
        events += self._assess_kills(tracks, ended)
        events += self._lapse_requests(t)
        cand = self._candidates(tracks, picture, events, ids)
        if cand:
            events += self._tell_reach(cand, ids, picture, t)
        surviving: dict[int, float] = {}  # re-engaged round (candidate row) -> chance it survives the bursts in flight
        if cand and self.looking:
            cand, surviving = self._not_under_look(cand, ids, picture, t, scan_period)
        ammunition = self.ammunition.tolist()
        busy_until = self.busy_until.tolist()
        up = self.availability.up
        # a gun still firing is planned for when its next burst could start anyway (its reaction
        # overlapping the burst in progress); the order waits at the mount
        reaction = self._reaction_s
        guns = [
            g
            for g, (busy, rounds) in enumerate(zip(busy_until, ammunition, strict=True))
            if busy <= t + reaction[g] and rounds > 0 and up[g]
        ]
        if cand and not ammunition and self.layers is not None:
            pass  # a site with no gun, only other effectors: nothing to say of guns
        elif cand and all(rounds <= 0 for rounds in ammunition):
            for i in cand:
                events += self._say(ids[i], "cannot_engage", "no ammunition on any gun")
        elif cand and not any(u and rounds > 0 for u, rounds in zip(up, ammunition, strict=True)):
            for i in cand:  # every gun with rounds left is down: fail safe, and say why
                events += self._say(ids[i], "hold_fire", self.availability.down_reason())
        if self.closed_loop is not None:  # bursts in progress (and those ordered now) re-aim against this sky
            keep = self._non_hostile(tracks, picture)
            self._sky = (tracks.x[keep, :3], tracks.x[keep, 3:6], t) if keep.size else None
        if self.layers is not None:  # effectors beyond the gun: one assignment across them all
            return self.layers.step(tracks, picture, cand, guns, ids, scan_period, surviving, orders, events, ended)
        if not cand or not guns:
            return orders, events, ended
        plans, planned, reasons, telling = self._plan_guns(tracks, picture, cand, guns, ids, scan_period, events)
        for i, why in reasons.items():
            if i in telling and not any((g, i) in plans for g in guns):
                events += self._say(ids[i], "cannot_engage", "; ".join(why))
        if not any(p >= MIN_PK for _, _, p in planned):  # no burst worth firing (usually: all still out of reach)
            return orders, events, ended
        pk = np.zeros((len(guns), len(cand)))
        for a, b, p in planned:
            pk[a, b] = p
        values = picture.threat_value[cand]
        if surviving:  # a round re-engaged before its look is worth what the bursts in flight may leave of it
            values = values * np.array([surviving.get(i, 1.0) for i in cand])
        choice = self.assigner.assign(pk, values)
        for a, b in enumerate(choice):
            if b < 0 or not pk[a, b] >= MIN_PK:  # (a NaN kill probability never fires: fail safe)
                continue
            g, i = guns[a], cand[b]
            if self.cleared(i, ids[i], tracks.t, picture, float(pk[a, b]), g, "", events):
                orders.append(self.fire(g, i, tracks, plans[(g, i)], picture, events))
        return orders, events, ended

    def _plan_guns(
        self,
        tracks: Tracks,
        picture: ThreatPicture,
        cand: list[int],
        guns: list[int],
        ids: list[int],
        scan_period: float,
        events: list,
    ) -> tuple[dict[tuple[int, int], BurstPlan], list[tuple[int, int, float]], dict[int, list[str]], set[int]]:
        """The bursts the free guns ``guns`` could fire at the candidates ``cand`` now: the plans by
        (gun, candidate row), (gun position, candidate position, kill probability) of each, why not
        per candidate (gun by gun), and the candidates whose reasons are worth telling (not just "out
        of reach" or "not yet"); a ballistic round held for a better shot is said in ``events``."""
        targets = [self._target_state(i, ids[i], tracks) for i in cand]
        plans: dict[tuple[int, int], BurstPlan] = {}
        planned: list[tuple[int, int, float]] = []  # (gun row, candidate column, kill probability)
        reasons: dict[int, list[str]] = {}  # why not, per candidate, gun by gun
        telling: set[int] = set()  # candidates with a reason worth reporting (not just "out of reach", "not yet")
        others = None
        accel: dict[int, np.ndarray | None] = {}
        timing = self.doctrine.ballistic_timing == "best-shot"
        klass = picture.klass
        free_at = self.busy_until.tolist()
        for a, g in enumerate(guns):
            gp = self._planning[g]
            for b, (i, x, P, fit, near) in enumerate(targets):
                if gp.beyond_reach(near):
                    reasons.setdefault(i, []).append(gp.not_yet)
                    continue
                if others is None:
                    others = self._non_hostile(tracks, picture)
                if i not in accel:
                    accel[i] = self.planner.free_flight_acceleration(x, fit) if picture.klass[i] == _BALLISTIC else None
                plan, why = self.planner.plan(
                    g, i, tracks, others, picture, x, P, accel[i], self.pointing[g], self.ammunition[g], free_at[g]
                )
                if plan is None:
                    why = f"{gp.name}: {why}"
                    reasons.setdefault(i, []).append(why)
                    if " out of reach" not in why and "not yet" not in why:
                        telling.add(i)
                    continue
                if timing and klass[i] == _BALLISTIC and self._better_later(g, i, picture, plan, scan_period):
                    reasons.setdefault(i, []).append(f"{gp.name}: {LATER}")
                    events += self._say(ids[i], "hold_fire", LATER)
                    continue
                plans[(g, i)] = plan
                planned.append((a, b, plan.pk))
        return plans, planned, reasons, telling

    def fire(self, g: int, i: int, tracks: Tracks, plan: BurstPlan, picture: ThreatPicture, events: list) -> FireOrder:
        """Gun ``g`` fires ``plan`` at candidate row ``i``: the order, its event and, where a mount's
        burst was cut short, the availability's record of who fired at its target."""
        order, eng_event = self._fire(g, i, tracks, plan, picture.klass[i] == _BALLISTIC)
        events.append(eng_event)
        if self.availability.cut_short:
            events += self.availability.fired(int(tracks.id[i]), g)
        return order

    def _not_under_look(
        self, cand: list[int], ids: list[int], picture: ThreatPicture, t: float, scan_period: float
    ) -> tuple[list[int], dict[int, float]]:
        """The candidates not waiting for the look at a burst fired at them, and those (row -> the
        chance, by the planning kill probabilities, that the bursts in flight leave the round intact)
        whose look would leave no time for another burst: shoot-shoot.

        A target under fire is normally left alone until its burst is assessed (shoot-look-shoot: the
        look saves the rounds of a second burst at a target already destroyed). A ballistic round's
        time to impact is known, though; when the look would end too late for any gun to put a whole
        burst on the round before its predicted impact (the look's end, the next scan, the quickest
        gun's reaction and its burst), waiting can only let it land: it is engaged again at once, its value
        discounted by what the bursts in flight are expected to achieve, so the assignment still
        prefers rounds nobody is firing at. A round of unknown (NaN) impact time is left to its look."""
        look_end: dict[int, float] = {}
        survive: dict[int, float] = {}
        for e in self.looking:
            look_end[e.track] = max(look_end.get(e.track, -math.inf), e.look_until)
            survive[e.track] = survive.get(e.track, 1.0) * (1.0 - e.pk)
        keep: list[int] = []
        surviving: dict[int, float] = {}
        klass = picture.klass
        for i in cand:
            tid = ids[i]
            if tid not in look_end:
                keep.append(i)
                continue
            impact = float(picture.impact_time[i])
            if klass[i] != _BALLISTIC or not math.isfinite(impact):
                continue
            if look_end[tid] + scan_period + self._quickest_s >= impact:
                keep.append(i)
                surviving[i] = survive[tid]
        return keep, surviving

    def _better_later(self, g: int, i: int, picture: ThreatPicture, plan: BurstPlan, scan_period: float) -> bool:
        """Whether gun ``g`` should hold its burst ``plan`` at ballistic row ``i`` for a later, better
        one (:mod:`bastion.engage.timing`)."""
        later, rounds = self.planner.later_bursts(
            g, i, picture, plan, float(picture.t), scan_period, int(self.ammunition[g])
        )
        if not later:
            return False
        gt = self.defence.guns[g].type
        gap = math.ceil((self._planning[g].burst + gt.reaction_s) / scan_period - 1e-9)
        pk, n = [plan.pk, *later], [plan.n_rounds, *rounds]
        # the magazine's pressure: the rounds in the air now would take two bursts each (shoot-look-shoot)
        in_air = (picture.klass == _BALLISTIC) & (picture.identity == _HOSTILE) & (picture.impact_time > picture.t)
        demand = 2.0 * float(np.count_nonzero(in_air)) * self._planning[g].burst * gt.rate_of_fire
        price = round_value(pk, n, demand, float(self.ammunition.sum()))
        return best_start(pk, gap, rounds=n, price=price) > 0

    def _check_aim(self, g, knots, azimuth, elevation, intercept, n_rounds) -> str:
        """The site's safety checks of a schedule the closed loop re-aimed (see ``ClosedLoop.check``),
        against the aircraft of the last scan."""
        return self.planner.check_schedule(g, knots, azimuth, elevation, intercept, n_rounds, self._sky)

    def engaged_near(self, pos: np.ndarray, t: float, within_m: float = 800.0, within_s: float = 15.0) -> int | None:
        """An engaged track last seen near ``pos`` (3,) shortly before ``t``: new tracks there are its debris."""
        for tid, (ts, p) in self.last_seen.items():
            if 0.0 <= t - ts <= within_s and np.linalg.norm(pos - p) <= within_m:
                return tid
        return None

    def on_fire_control(self, reports) -> tuple[list, list[ev.Payload]]:
        """The mounts' fire-control radar reports: new aim schedules for bursts in progress, and events."""
        if self.closed_loop is None:
            return [], []
        updates, events = self.closed_loop.on_reports(reports)
        for u in updates:  # a ceased burst frees its gun then, unless a later order is queued behind it
            if isinstance(u, CeaseFire) and self.last_order.get(u.gun) == u.order_id:
                self.busy_until[u.gun] = min(float(self.busy_until[u.gun]), u.t_from)
        return updates, events

    # -- internals -----------------------------------------------------------------------------
    def _say(self, track: int, kind: str, reason: str) -> list[ev.Payload]:
        """The event ``kind`` (cannot_engage, hold_fire, engagement_refused: a track and a reason), once
        per track and reason."""
        key = (track, f"{kind}:{reason}")
        if key in self._said:
            return []
        self._said.add(key)
        return [ev.payload_type(kind)(track=track, reason=reason)]

    def _assess_kills(self, tracks: Tracks, ended: dict[int, str]) -> list[ev.Payload]:
        if not self.looking:
            return []
        out = []
        still = []
        for e in self.looking:
            i = tracks.index_of(e.track)
            if not e.ballistic:  # a round classed otherwise when fired at, whose arc now shows it ballistic
                fit = self.arc_fits.get(e.track)
                e.ballistic = fit is not None and fit.ballistic
            if i is not None:
                e.history.append((tracks.t, tracks.x[i, :3].copy()))
                if e.ballistic and tracks.t >= e.t_first and tracks.detection[i] >= 0 and self.arcs is not None:
                    st = self.arcs.states.get(e.track)
                    if st is not None and st.times and st.times[-1] == tracks.t:
                        e.post.append((st.plots[-1], tracks.t, st.rcs[-1]))
            if tracks.t < e.look_until:
                still.append(e)
                continue
            if e.track in self.destroyed:  # another gun's engagement of it was assessed this scan
                continue
            if e.ballistic:
                verdict, reason = self._assess_round(e, i is not None)
            else:
                verdict, reason = kill_assessment.assess(tracks, e.track, e.speed_before, e.history)
            klass = "ballistic" if e.ballistic else "other"
            name = self.defence.guns[e.gun].name
            ka = kill_assessment.concluded(
                tracks.t, e.look_until, e.track, name, e.order.order_id, klass, verdict, reason
            )
            if ka is None:
                still.append(e)
                continue
            out.append(ka)
            if ka.destroyed:
                self.destroyed.add(e.track)
                if e.ballistic:
                    heights = [p[2] for tt, p in e.history if tt >= e.order.t_start] or [p[2] for _, p in e.history]
                    if heights:
                        self.debris_from[e.track] = (min(e.t_first, tracks.t), float(max(heights)))
                ended[e.track] = "assessed destroyed"
        self.looking = [e for e in still if e.track not in self.destroyed]
        return out

    def _tell_reach(self, cand: list[int], ids: list[int], picture: ThreatPicture, t: float) -> list[ev.Payload]:
        """A "cannot_reach" event, once per ballistic round and gun, for each gun that cannot engage
        the round anywhere on its predicted arc before impact (:mod:`bastion.engage.reach`); told when
        the round's arc fit first has ``REACH_MIN_PLOTS`` plots."""
        out: list[ev.Payload] = []
        klass = picture.klass
        for i in cand:
            tid = ids[i]
            if tid in self._reach_checked or klass[i] != _BALLISTIC:
                continue
            fit = self.arc_fits.get(tid)
            if fit is None or not fit.ballistic or fit.n_plots < REACH_MIN_PLOTS:
                continue
            self._reach_checked.add(tid)
            impact = float(picture.impact_time[i])
            for gun in self.defence.guns:
                why = cannot_reach(gun, fit, t, impact, self.defence.air)
                if why is not None:
                    tti = round(impact - t, 1)
                    out.append(ev.CannotReach(track=tid, gun=gun.name, reason=why, time_to_impact_s=tti))
        return out

    def _assess_round(self, e: Engagement, alive: bool) -> tuple[str, str]:
        """Verdict on a ballistic round (:func:`bastion.engage.ballistic_kill.assess`) from the plots
        collected since its burst's first round could arrive."""
        if e.post and self.arcs is not None:
            pos, cov = self.arcs.site_frame([p for p, _, _ in e.post])
            times = np.array([t for _, t, _ in e.post])
            rcs_after = [r for _, _, r in e.post]
        else:
            pos, cov, times, rcs_after = np.zeros((0, 3)), np.zeros((0, 3, 3)), np.zeros(0), []
        return ballistic_kill.assess(
            e.fit, times, pos, cov, e.rcs_before, rcs_after, e.t_last, e.fragments, alive, self.defence.air
        )

    def note_new_plots(self, tracks: Tracks, initiated: list[int]) -> None:
        """Count the plots no track took this scan (each started a tentative track, ``initiated``) that
        lie near a ballistic round under assessment: the fragments of a round breaking up."""
        if not initiated or not any(e.ballistic for e in self.looking):
            return
        t = tracks.t
        new = [j for j in (tracks.index_of(k) for k in initiated) if j is not None]
        if not new:
            return
        where = tracks.x[new, :3]
        for e in self.looking:
            if not e.ballistic or t < e.t_first:
                continue
            i = tracks.index_of(e.track)
            centre = tracks.x[i, :3] if i is not None else (self.last_seen.get(e.track, (0.0, None))[1])
            if centre is None:
                continue
            e.fragments += int((np.linalg.norm(where - centre, axis=1) <= ballistic_kill.FRAGMENT_RADIUS_M).sum())

    def ignore(self, tid: int, impact_point: list[float] | None = None) -> list[ev.Payload]:
        """The one "threat_ignored" event of a track left alone because it will fall in open ground
        (an empty list once said, whoever noticed it first: the arc predictor, which gives the
        predicted ``impact_point`` [east, north] [m], or the assignment)."""
        if tid in self.ignored:
            return []
        self.ignored.add(tid)
        return [ev.ThreatIgnored(track=tid, reason="predicted impact in open ground", impact_point=impact_point)]

    def _candidates(self, tracks: Tracks, picture: ThreatPicture, events: list, ids: list[int]) -> list[int]:
        """Indices of hostile tracks worth engaging now; events for the few exceptions.

        ``ids`` are the track numbers as a list. A site sees a handful of tracks and hostiles at a
        time, so past the one array mask for hostility the rows are walked in Python (array masks
        cost more in per-call overhead than they save)."""
        hostile = [i for i, identity in enumerate(picture.identity.tolist()) if identity == _HOSTILE]
        if not hostile:
            return []
        destroyed, fired_at = self.destroyed, self.fired_at
        threat = picture.threat_value.tolist()
        threshold = self.doctrine.engage_threshold
        worth = []
        for i in hostile:
            tid = ids[i]
            if tid in destroyed:
                continue
            # a track already fired at is not "ignored" when it falls: it is the debris of an engagement
            if threat[i] <= 0 and tid not in fired_at:
                events += self.ignore(tid)
            if threat[i] >= threshold:
                worth.append(i)
        if not worth:
            return []
        t = tracks.t
        status, last_update = tracks.status.tolist(), tracks.last_update.tolist()
        current = []
        for i in worth:
            if status[i] == _TENTATIVE or t - last_update[i] > MAX_TRACK_AGE_S:
                events += self._say(ids[i], "hold_fire", "track not current")
            else:
                current.append(i)
        if not current:
            return []
        sigma = {i: _largest_sigma(tracks.P[i]) for i in current}  # NaN: neither precise nor imprecise
        for i in current:
            if sigma[i] > MAX_TRACK_SIGMA_M:
                events += self._say(ids[i], "hold_fire", "track too imprecise")
        return [i for i in current if sigma[i] <= MAX_TRACK_SIGMA_M]

    def _non_hostile(self, tracks: Tracks, picture: ThreatPicture) -> np.ndarray:
        """Indices of confirmed tracks that must stay clear of the lines of fire."""
        identity = picture.identity
        keep = (identity == _CIVIL) | (identity == _FRIENDLY) | ((identity == _UNKNOWN) & (tracks.rcs >= 1.0))
        return (keep & (tracks.status != _TENTATIVE)).nonzero()[0]

    def _target_state(self, i: int, tid: int, tracks: Tracks):
        """(row, state (6,), covariance (6, 6), arc fit or None, (east, north, up [m], speed [m/s]))
        of a candidate: the arc fit's state where it was fitted at the scan time (far tighter than a
        manoeuvre-tolerant track's own), else the track's."""
        fit = self.arc_fits.get(tid)
        if fit is not None and abs(fit.t_ref - tracks.t) < 1e-9:
            x, P = fit.theta[:6], fit.cov[:6, :6]
        else:
            x, P = tracks.x[i], tracks.P[i]
        e, n, u, ve, vn, vu = x.tolist()
        return i, x, P, fit, (e, n, u, math.sqrt(ve * ve + vn * vn + vu * vu))  # = math.sqrt(vel.dot(vel))

    def _fire(
        self, g: int, i: int, tracks: Tracks, plan: BurstPlan, ballistic: bool = False
    ) -> tuple[FireOrder, ev.FireOrder]:
        knots, sol, n_rounds, x, P, accel, pk = plan.knots, plan.sol, plan.n_rounds, plan.x, plan.P, plan.accel, plan.pk
        gun = self.defence.guns[g]
        gt = gun.type
        tid = int(tracks.id[i])
        closed = self.closed_loop is not None and gt.fire_control_radar is not None
        cue = np.concatenate([x, np.zeros(3) if accel is None else accel]) if closed else None
        order = FireOrder(
            order_id=self._next_order,
            gun=g,
            track_id=tid,
            t_start=float(knots[0]),
            t_end=float(knots[0] + (n_rounds - 1) / gt.rate_of_fire),
            knot_t=knots,
            knot_azimuth=sol.azimuth,
            knot_elevation=sol.elevation,
            cue=cue,
            cue_t=tracks.t if closed else float("nan"),
        )
        self._next_order += 1
        if closed:
            fit = self.arc_fits.get(tid) if accel is not None else None
            accel_of = (lambda state, fit=fit: self.planner.free_flight_acceleration(state, fit)) if fit else None
            self.closed_loop.open(order, x, P, tracks.t, accel, accel_of)
        self.fired_at.add(tid)
        self.busy_until[g] = order.t_end
        self.last_order[g] = order.order_id
        self.pointing[g] = (sol.azimuth[-1], sol.elevation[-1])
        self.ammunition[g] -= n_rounds
        look = order.t_end + float(sol.tof[-1]) + self.doctrine.look_s
        v = tracks.x[i, 3:6]
        eng = Engagement(order.order_id, tid, g, order, look, float(np.hypot(v[0], v[1])), pk)
        # what a ballistic round's assessment needs, kept for every burst: a target classed otherwise
        # now may show itself a rocket or mortar bomb by its look (its arc fit turns ballistic), and
        # is then assessed as one, not by the drone's "falling" criterion
        eng.ballistic = ballistic
        fit = self.arc_fits.get(tid)
        eng.fit = fit if fit is not None and fit.ballistic else None
        st = self.arcs.states.get(tid) if self.arcs is not None else None
        eng.rcs_before = list(st.rcs) if st is not None else []
        eng.t_first = float(knots[0] + sol.tof[0])
        eng.t_last = float(order.t_end + sol.tof[-1])
        self.looking.append(eng)
        mid = len(knots) // 2
        return order, ev.FireOrder(
            order=order.order_id,
            gun=gun.name,
            track=tid,
            t_start=round(order.t_start, 3),
            t_end=round(order.t_end, 3),
            rounds=n_rounds,
            pk=round(pk, 3),
            range_m=round(float(sol.slant_range[mid]), 1),
            tof_s=round(float(sol.tof[mid]), 3),
            azimuth_deg=round(float(np.degrees(sol.azimuth[mid])) % 360, 2),
            elevation_deg=round(float(np.degrees(sol.elevation[mid])), 2),
            intercept=[round(float(c), 1) for c in sol.intercept[mid]],
        )
