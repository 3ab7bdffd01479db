"""Planning one burst: when gun ``g`` could fire at a target, where it would aim, whether it may, and
what the burst is worth.

For a gun and a candidate track the planner computes the burst that would start after the gun's
reaction and slew time, its lead solution at each knot of the aim schedule
(:class:`~bastion.engage.fire_control.FireControl`), its safety checks (arc, elevation limits, no-fire
sectors, terrain, civil clearance of the lines of fire, fall of shot on populated zones) and its kill
probability. A rocket's or mortar bomb's window in the envelope shorter than a burst gets the part of a
burst that can meet it (:func:`window_of`) rather than none. The engagement manager
(:mod:`bastion.engage.manager`) decides which plans are fired.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bastion.assess.ballistic import ArcFit
from bastion.assess.types import ThreatPicture, TrackClass
from bastion.engage.collateral import intact_rounds_in_zones
from bastion.engage.fire_control import FireControl, LeadSolution
from bastion.engage.safety import min_clearance, mount_violations
from bastion.physics.ballistics import DragFunction
from bastion.physics.constants import G0
from bastion.scenario.compiled import Defence, GunSite
from bastion.track.types import Tracks

G1 = DragFunction.standard("G1")
KNOT_S = 0.25  # [s] spacing of a burst's aim schedule
MIN_WINDOW_KNOTS = 3  # a burst shortened to a ballistic round's window keeps at least 0.5 s of fire
# the defenders' own estimates of how hard a target is to kill (not the truth's figures): the radius
# of the sphere a 20 mm HEI-T round must pass through, and the probability such a hit kills
VULNERABILITY = {
    TrackClass.DRONE: (0.5, 0.6),  # small fixed-wing drone: engine, warhead, fuel
    TrackClass.BALLISTIC: (0.15, 0.5),  # rocket or mortar round: fuze and warhead section
}
DEFAULT_VULNERABILITY = (0.3, 0.5)
_BALLISTIC = int(TrackClass.BALLISTIC)


def _median(values: list[float]) -> float:
    """``np.median`` of a few finite values, in Python (the middle one, or the mean of the middle
    two computed as numpy does, ``(a + b) / 2``), without numpy's dozen calls."""
    ordered = sorted(values)
    m = len(ordered) // 2
    return ordered[m] if len(ordered) % 2 else (ordered[m - 1] + ordered[m]) / 2


def window_of(good: np.ndarray) -> slice | None:
    """The knots of a burst to keep (a slice) when only some of its aim schedule's knots ``good`` (K,)
    can meet the round (a lead solution, within the engagement range, before the predicted impact),
    or None: fire no shortened burst.

    The longest run of good knots, at least ``MIN_WINDOW_KNOTS`` long, is kept when it ends before
    the burst would (the round leaves the envelope or lands within the burst: waiting a scan could
    only shorten the window). A run reaching the burst's end but starting late is refused (the round
    is not yet in reach: the next scan may plan a whole burst)."""
    best, start, best_start = 0, 0, 0
    for k, ok in enumerate(good.tolist()):
        if not ok:
            start = k + 1
        elif k + 1 - start > best:
            best, best_start = k + 1 - start, start
    if best < MIN_WINDOW_KNOTS or best_start + best == len(good):
        return None
    return slice(best_start, best_start + best)


def knots_of(sol: LeadSolution, keep: slice) -> LeadSolution:
    """The lead solution at some of its knots."""
    return LeadSolution(
        sol.azimuth[keep],
        sol.elevation[keep],
        sol.tof[keep],
        sol.intercept[keep],
        sol.slant_range[keep],
        sol.valid[keep],
    )


@dataclass(frozen=True)
class GunPlanning:
    """What planning a burst of one gun needs every scan, worked out once (the gun and the doctrine
    are fixed for a run)."""

    name: str
    east: float  # gun position [m]
    north: float
    up: float
    burst: float  # burst length [s]
    horizon: float  # [s] reaction, burst, rounds' flight and a half-turn slew: how far ahead a target may close
    max_range: float  # [m] maximum engagement range
    knot_offsets: np.ndarray  # [s] the aim schedule's knots after the burst's start
    line_of_fire_m: float  # length of the lines of fire kept clear of civil aircraft [m]
    not_yet: str  # the reason given for a target beyond reach

    @classmethod
    def of(cls, gun: GunSite, burst: float) -> GunPlanning:
        gt = gun.type
        east, north, up = (float(c) for c in gun.position)
        return cls(
            name=gun.name,
            east=east,
            north=north,
            up=up,
            burst=burst,
            horizon=gt.reaction_s + burst + gt.self_destruct_s + np.pi / gt.slew_rate_az,
            max_range=gt.max_engage_range_m,
            knot_offsets=np.arange(0.0, burst + 1e-9, KNOT_S),
            line_of_fire_m=gt.muzzle_velocity * gt.self_destruct_s * 0.75,
            not_yet=f"{gun.name}: target not yet within the engagement range",
        )

    def beyond_reach(self, near: tuple[float, float, float, float]) -> bool:
        """The cheap reject: a target at ``near`` (east, north, up [m], speed [m/s]) cannot be within
        the engagement range during a burst even flying straight at the gun. Python scalars: the
        same operations as ``norm(rel) - norm(vel) * horizon`` with 3-vector dot products, which sum
        ``(x·x + y·y) + z·z``, at a fraction of the cost (most pairs planned are rejected here)."""
        e, n, u, speed = near
        re, rn, ru = e - self.east, n - self.north, u - self.up
        return math.sqrt(re * re + rn * rn + ru * ru) - speed * self.horizon > self.max_range


@dataclass(frozen=True)
class BurstPlan:
    """A burst gun planning found possible: its aim schedule's knots [s] and lead solution there, its
    rounds, the target state it was planned from (``x`` (6,), ``P`` (6, 6), ``accel`` (3,) [m/s^2] or
    None: constant velocity) and its planning kill probability ``pk``."""

    knots: np.ndarray
    sol: LeadSolution
    n_rounds: int
    x: np.ndarray
    P: np.ndarray
    accel: np.ndarray | None
    pk: float


class BurstPlanner:
    """The burst planning of a site's guns (the guns and the doctrine are fixed for a run)."""

    def __init__(self, defence: Defence, fire_control: list[FireControl]) -> None:
        self.defence = defence
        self.doctrine = defence.doctrine
        self.fire_control = fire_control
        self.guns = [GunPlanning.of(g, defence.doctrine.burst_s or g.type.burst_s) for g in defence.guns]
        self.populated = [z for z in defence.zones if z.kind == "populated"]
        # closed-loop fire control: a burst's kill probability counts on the mount radar's corrections
        self.closed_loop = defence.doctrine.fire_control == "closed-loop"

    def free_flight_acceleration(self, x: np.ndarray, fit: ArcFit | None) -> np.ndarray:
        """Acceleration [m/s^2] (3,) of a round in free flight at state ``x``: gravity, and the drag
        deceleration from its air speed and the arc fit's drag factor when one is known."""
        accel = np.array([0.0, 0.0, -G0])
        if fit is not None:
            k = float(np.exp(fit.theta[6]))
            v = x[3:6] - self.defence.air.wind_at(x[2])
            rho, a = self.defence.air.density_and_sound(np.array([x[2]]))
            speed = float(np.linalg.norm(v))
            accel = accel - k * float(rho[0]) * float(G1(np.array([speed / float(a[0])]))[0]) * speed * v
        return accel

    def plan(
        self,
        g: int,
        i: int,
        tracks: Tracks,
        others: np.ndarray,
        picture: ThreatPicture,
        x: np.ndarray,
        P: np.ndarray,
        accel: np.ndarray | None,
        pointing: np.ndarray,
        ammunition: int,
        free_at: float = -math.inf,
    ) -> tuple[BurstPlan | None, str]:
        """The burst gun ``g`` would fire at candidate row ``i`` (state ``x``, covariance ``P``,
        predicted with ``accel`` [m/s^2] or constant velocity): (the plan, "") or (None, why
        not); ``pointing`` (2,) [rad] is where the mount points now and ``ammunition`` its rounds
        left; ``free_at`` [s] when the mount's current burst ends (the order waits at the mount until
        then, and the mount then slews from ``pointing`` and spins up: the decision, its
        transmission and the crew's part of the reaction overlap the burst in progress). The caller
        has checked that the target can be within reach during the burst
        (:meth:`GunPlanning.beyond_reach`)."""
        gun = self.defence.guns[g]
        gt = gun.type
        gp = self.guns[g]
        fc = self.fire_control[g]
        t = tracks.t
        burst = gp.burst
        # when could the first round leave: reaction, spin-up, slew to the current lead
        first = fc.lead(x, t, np.array([t + gt.reaction_s]), accel=accel)
        if not first.valid[0]:
            return None, "target out of reach"
        daz = abs((first.azimuth[0] - pointing[0] + np.pi) % (2 * np.pi) - np.pi)
        slew = max(daz / gt.slew_rate_az, abs(first.elevation[0] - pointing[1]) / gt.slew_rate_el)
        # the order reaches the mount c2_latency_s after the scan; the mount then slews and spins up
        t_start = t + max(gt.reaction_s, gt.c2_latency_s + max(gt.spin_up_s, slew))
        t_start = max(t_start, free_at + max(gt.spin_up_s, slew))
        knots = t_start + gp.knot_offsets
        sol = fc.lead(x, t, knots, accel=accel)
        impact = float(picture.impact_time[i])
        in_range = sol.slant_range <= gt.max_engage_range_m
        before_impact = knots + sol.tof < impact if math.isfinite(impact) else np.ones(len(knots), dtype=bool)
        good = sol.valid & in_range & before_impact
        window = window_of(good) if picture.klass[i] == _BALLISTIC and not good.all() else None
        if window is not None:  # a rocket's or mortar bomb's window shorter than a burst: the part of it that fits
            knots, sol = knots[window], knots_of(sol, window)
        elif not sol.valid.all():
            return None, "target out of reach"
        elif not in_range.all():
            return None, "target not yet within the engagement range"
        elif not before_impact[0] or (picture.klass[i] == _BALLISTIC and not before_impact.all()):
            return None, "no intercept before predicted impact"
        n_rounds = int(min((knots[-1] - knots[0] if window is not None else burst) * gt.rate_of_fire, ammunition))
        if others.size:
            sky = (tracks.x[others, :3], tracks.x[others, 3:6], t)
        else:
            sky = None
        bad = self.check_schedule(g, knots, sol.azimuth, sol.elevation, sol.intercept, n_rounds, sky)
        if bad:
            return None, bad
        pk = self.kill_probability(g, int(picture.klass[i]), t, knots, sol, n_rounds, P, accel)
        return BurstPlan(knots, sol, n_rounds, x, P, accel, pk), ""

    def check_schedule(
        self,
        g: int,
        knots: np.ndarray,
        azimuth: np.ndarray,
        elevation: np.ndarray,
        intercept: np.ndarray,
        n_rounds: int,
        sky: tuple[np.ndarray, np.ndarray, float] | None,
    ) -> str:
        """Why gun ``g`` may not fire ``n_rounds`` on the aim schedule ``azimuth``, ``elevation``
        [rad] at ``knots`` [s] toward the predicted ``intercept`` points (K, 3), or "" when it may:
        the mount's arc, elevation limits and no-fire sectors; terrain and obstacles on the line of
        fire; the civil clearance of the lines of fire from the aircraft ``sky`` (positions (M, 3),
        velocities (M, 3) at a time [s], or None: none); the intact rounds expected on populated
        zones. The planner checks a burst with it, and the closed loop every re-aimed schedule."""
        gun = self.defence.guns[g]
        bad = mount_violations(gun, azimuth, elevation)
        if bad:
            return bad
        # the rounds fly above the straight chord to the intercept (the gun aims up to allow for
        # gravity drop), so a chord clear of terrain and obstacles is a conservative test
        surface = self.defence.surface
        if surface is not None and not surface.clear(gun.position, intercept).all():
            return "line of fire blocked by terrain or an obstacle"
        if sky is not None:
            pos, vel, t_state = sky
            clear = min_clearance(
                gun.position, azimuth, elevation, self.guns[g].line_of_fire_m, pos, vel, t_state, knots
            )
            if math.isnan(clear):  # an aircraft whose state is unknown: cannot show the line of fire clear
                return "civil or unknown aircraft of unknown position near the line of fire"
            if clear < self.doctrine.civil_clearance_m:
                return f"civil or unknown aircraft within {clear:.0f} m of the line of fire"
        populated = self.populated
        if populated:
            per_knot = np.full(len(knots), n_rounds / len(knots))
            intact = intact_rounds_in_zones(gun, self.defence.air, azimuth, elevation, per_knot, populated)
            worst = int(np.argmax(intact))
            if intact[worst] > self.doctrine.max_intact_rounds_populated:
                return f"fall of shot: too many intact rounds expected in {populated[worst].name}"
        return ""

    def kill_probability(
        self,
        g: int,
        klass: int,
        t: float,
        knots: np.ndarray,
        sol: LeadSolution,
        n_rounds: int,
        P: np.ndarray,
        accel: np.ndarray | None,
    ) -> float:
        """Planning kill probability of gun ``g``'s burst of ``n_rounds`` over ``knots`` [s] (lead
        solution ``sol``) at a target of class ``klass`` whose state at ``t`` has covariance ``P``
        (6, 6): the target's predicted error across the line of fire at the intercept, and the
        burst's dispersion and aim bias, open-loop or with the mount radar closing the loop."""
        gun = self.defence.guns[g]
        fc = self.fire_control[g]
        tau = float(np.mean(knots + sol.tof) - t)
        Ppos = P[:3, :3] + tau * (P[:3, 3:] + P[3:, :3]) + tau**2 * P[3:, 3:]
        los = sol.intercept[len(knots) // 2] - gun.position
        e, n, u = los.tolist()
        los = los / math.sqrt(e * e + n * n + u * u)  # = np.linalg.norm's sqrt(los.dot(los))
        perp = np.eye(3) - np.outer(los, los)
        cross_sigma = float(np.sqrt(max(np.trace(perp @ Ppos @ perp) / 2.0, 0.0)))
        vulnerability = VULNERABILITY.get(TrackClass(klass), DEFAULT_VULNERABILITY)
        slant = _median(sol.slant_range.tolist())
        if self.closed_loop and gun.type.fire_control_radar is not None:
            return fc.closed_loop_pk(
                n_rounds, slant, float(np.mean(sol.tof)), cross_sigma, *vulnerability, accel is not None
            )
        return float(fc.burst_pk(slant, cross_sigma, n_rounds, *vulnerability))

    def later_bursts(
        self,
        g: int,
        i: int,
        picture: ThreatPicture,
        plan: BurstPlan,
        t: float,
        step_s: float,
        ammunition: int,
    ) -> tuple[list[float], list[int]]:
        """Planning kill probabilities (and rounds) of the bursts gun ``g`` could start at ballistic candidate row
        ``i`` one, two, ... decision steps (``step_s`` [s], the scan period) after ``plan``'s start,
        on the same prediction, while the round is still in the air: 0 where such a burst would find
        no solution, the round out of range or landed, or the mount's arc or no-fire sectors in the
        way. Its civil clearance and fall of shot are checked when it is planned for real."""
        impact = float(picture.impact_time[i])
        start = float(plan.knots[0])
        if not math.isfinite(impact) or start + step_s >= impact:
            return [], []
        gun = self.defence.guns[g]
        gt = gun.type
        gp = self.guns[g]
        steps = int((impact - start) // step_s)
        offsets = gp.knot_offsets
        k = len(offsets)
        starts = start + step_s * np.arange(1, steps + 1)
        knots_all = (starts[:, None] + offsets[None, :]).ravel()
        sol_all = self.fire_control[g].lead(plan.x, t, knots_all, accel=plan.accel)
        good_all = sol_all.valid & (sol_all.slant_range <= gt.max_engage_range_m) & (knots_all + sol_all.tof < impact)
        out, rounds = [], []
        for s in range(steps):
            rows = slice(s * k, (s + 1) * k)
            good = good_all[rows]
            knots, sol = knots_all[rows], knots_of(sol_all, rows)
            if not good.all():
                window = window_of(good)
                if window is None:
                    out.append(0.0)
                    rounds.append(0)
                    continue
                knots, sol = knots[window], knots_of(sol, window)
                n_rounds = int(min((knots[-1] - knots[0]) * gt.rate_of_fire, ammunition))
            else:
                n_rounds = int(min(gp.burst * gt.rate_of_fire, ammunition))
            if n_rounds <= 0 or mount_violations(gun, sol.azimuth, sol.elevation):
                out.append(0.0)
                rounds.append(0)
                continue
            out.append(self.kill_probability(g, _BALLISTIC, t, knots, sol, n_rounds, plan.P, plan.accel))
            rounds.append(n_rounds)
        return out, rounds
