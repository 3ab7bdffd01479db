"""Gun mounts and the rounds they fire, truth side.

A mount executes :class:`~bastion.orders.FireOrder` s: it slews at its rate limits from where it
points to the order's first aim (the first round leaves no earlier than the slew allows and the
barrels have spun up), then fires at its rate of fire while ammunition lasts, each round aimed
along the order's schedule plus a pointing bias drawn once per burst and a round-to-round
dispersion (Gaussian, per axis; shared/domain/guns.md §3 recommends modelling dispersion per
round rather than a single Pk). Muzzle velocity varies round to round. In closed-loop fire control the
mount re-aims the rounds of its burst not yet fired when the fire-control computer sends a new aim
schedule (:func:`reaim_burst`); each round keeps its own pointing error and muzzle velocity.

Rounds are point masses (:mod:`bastion.physics.ballistics`) flown in the true wind. Each step tests
every round against every target with the analytic closest approach of their straight segments,
so a step never jumps over a hit. A round self-destructs at its timer unless it is a dud; duds
and rounds that reach the ground first fall: that is the fall of shot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.orders import FireOrder
from bastion.physics import kernels
from bastion.physics.ballistics import GRAVITY, Air, DragFunction, drag_factor_from_bc
from bastion.physics.geometry import level_crossing
from bastion.scenario.compiled import GunSite
from bastion.world.readonly import EMPTY3, NO_FLAG, NO_INDEX


@dataclass
class Burst:
    """Book-keeping of one executed fire order."""

    order: FireOrder
    fired: int = 0
    hits: int = 0
    self_destructed: int = 0
    fell: int = 0
    t_first: float = float("nan")
    t_last: float = float("nan")
    done: bool = False
    # each round's own pointing error (the burst's bias plus its dispersion) across azimuth (before
    # the division by cos(elevation)) and in elevation [rad], and its muzzle velocity [m/s]: what
    # stays when the burst is re-aimed in flight (closed-loop fire control)
    aim_error: np.ndarray | None = None  # (n, 2)
    v0: np.ndarray | None = None  # (n,)


@dataclass
class Mounts:
    """The site's guns, truth: pointing, ammunition, and the burst being fired."""

    sites: tuple[GunSite, ...]
    azimuth: np.ndarray  # (G,) where each mount points [rad]
    elevation: np.ndarray
    ammunition: np.ndarray
    active: list[Burst | None]
    busy_until: np.ndarray  # (G,) time the current burst ends [s]

    @classmethod
    def deploy(cls, sites: tuple[GunSite, ...]) -> Mounts:
        g = len(sites)
        return cls(
            sites, np.zeros(g), np.zeros(g), np.array([s.ammunition for s in sites], dtype=int), [None] * g, np.zeros(g)
        )


@dataclass
class Rounds:
    """Rounds in flight, truth. Arrays of shape (R,) or (R, 3)."""

    pos: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    vel: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    t_fire: np.ndarray = field(default_factory=lambda: np.zeros(0))
    sd_time: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dud: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    k: np.ndarray = field(default_factory=lambda: np.zeros(0))
    burst: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def __len__(self) -> int:
        return int(self.t_fire.size)

    def append(self, other: Rounds) -> None:
        for name in ("pos", "vel", "t_fire", "sd_time", "dud", "k", "burst"):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))

    def keep(self, mask: np.ndarray) -> None:
        for name in ("pos", "vel", "t_fire", "sd_time", "dud", "k", "burst"):
            setattr(self, name, getattr(self, name)[mask])


@dataclass(frozen=True)
class RoundEvents:
    """What happened to rounds during one step."""

    hits: list[tuple[int, int, np.ndarray]]  # (burst, target column, position)
    self_destructs: np.ndarray  # (n, 3) positions
    sd_bursts: np.ndarray  # (n,) burst of each
    ground: np.ndarray  # (n, 3) ground-impact positions (fall of shot)
    ground_bursts: np.ndarray
    ground_dud: np.ndarray  # (n,) True: failed to self-destruct; False: hit ground before timer


def reaim_burst(mounts: Mounts, rounds: Rounds, bursts: list[Burst], b: int, update) -> int:
    """Closed-loop fire control: the rounds of burst ``b`` that leave at or after ``update.t_from``
    follow the new aim schedule ``update`` (:class:`~bastion.orders.AimUpdate`), each keeping its own
    pointing error and muzzle velocity. Returns the number of rounds re-aimed."""
    burst = bursts[b]
    if burst.aim_error is None or burst.done:
        return 0
    rows = np.flatnonzero((rounds.burst == b) & (rounds.t_fire >= update.t_from - 1e-9))
    if not rows.size:
        return 0
    gt = mounts.sites[update.gun].type
    t_fire = rounds.t_fire[rows]
    k = np.clip(np.rint((t_fire - burst.t_first) * gt.rate_of_fire).astype(int), 0, burst.fired - 1)
    az, el = update.aim_at(t_fire)
    az = az + burst.aim_error[k, 0] / np.maximum(np.cos(el), 0.05)
    el = el + burst.aim_error[k, 1]
    direction = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)
    rounds.vel[rows] = direction * burst.v0[k, None]
    last = int(np.argmax(t_fire))
    mounts.azimuth[update.gun], mounts.elevation[update.gun] = float(az[last]), float(el[last])
    return int(rows.size)


def stop_bursts(
    mounts: Mounts, rounds: Rounds, bursts: list[Burst], g: int, t: float, order_id: int | None = None
) -> dict[int, int]:
    """Remove mount ``g``'s rounds not yet fired at ``t`` (of the burst of ``order_id`` only, when
    given): a burst under way stops. Returns how many per order. A burst none of whose rounds left is
    marked ``done`` with ``fired`` 0. The caller decides what becomes of the rounds (a jam keeps
    them in the feed, an emptied magazine loses them)."""
    if not len(rounds):
        return {}

    def stops(order: FireOrder) -> bool:
        return order.gun == g and (order_id is None or order.order_id == order_id)

    mine = np.array([stops(bursts[b].order) for b in rounds.burst.tolist()], dtype=bool)
    unfired = mine & (rounds.t_fire >= t)
    if not unfired.any():
        return {}
    stopped = {}
    for b, k in zip(*np.unique(rounds.burst[unfired], return_counts=True), strict=True):
        burst = bursts[int(b)]
        burst.fired -= int(k)
        stopped[burst.order.order_id] = int(k)
        left = rounds.t_fire[(rounds.burst == b) & ~unfired]
        burst.t_last = float(left.max()) if left.size else float("nan")
        if burst.fired == 0:
            burst.done = True
    rounds.keep(~unfired)
    mounts.busy_until[g] = min(float(mounts.busy_until[g]), t)
    return stopped


def slew_time(site: GunSite, az0: float, el0: float, az1: float, el1: float) -> float:
    """Seconds to slew from (az0, el0) to (az1, el1) at the mount's rate limits."""
    daz = abs((az1 - az0 + np.pi) % (2 * np.pi) - np.pi)
    return max(daz / site.type.slew_rate_az, abs(el1 - el0) / site.type.slew_rate_el)


def fire_burst(
    mounts: Mounts, bursts: list[Burst], order: FireOrder, t_now: float, air: Air, rng: np.random.Generator
) -> Rounds:
    """Execute ``order`` on its mount: return the rounds it will fire (with their fire times)."""
    g = order.gun
    site = mounts.sites[g]
    gt = site.type
    az0, el0 = order.aim_at(np.array([order.t_start]))
    start = max(
        order.t_start,
        t_now + slew_time(site, mounts.azimuth[g], mounts.elevation[g], float(az0[0]), float(el0[0])),
        t_now + gt.spin_up_s,
    )
    n = int(np.floor((order.t_end - start) * gt.rate_of_fire)) + 1 if order.t_end >= start else 0
    n = int(min(max(n, 0), mounts.ammunition[g]))
    burst = Burst(order)
    bursts.append(burst)
    b = len(bursts) - 1
    mounts.active[g] = burst
    if n == 0:
        burst.done = True
        return Rounds()
    times = start + np.arange(n) / gt.rate_of_fire
    az, el = order.aim_at(times)
    bias = rng.normal(0.0, gt.pointing_bias_rad, 2)
    err_az = bias[0] + rng.normal(0.0, gt.dispersion_rad, n)
    az = az + err_az / np.maximum(np.cos(el), 0.05)
    err_el = bias[1] + rng.normal(0.0, gt.dispersion_rad, n)
    el = el + err_el
    v0 = gt.muzzle_velocity + rng.normal(0.0, gt.sigma_muzzle_velocity, n)
    direction = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)
    burst.aim_error = np.stack([err_az, err_el], axis=1)
    burst.v0 = v0
    mounts.ammunition[g] -= n
    mounts.azimuth[g], mounts.elevation[g] = float(az[-1]), float(el[-1])
    mounts.busy_until[g] = times[-1]
    burst.fired = n
    burst.t_first, burst.t_last = float(times[0]), float(times[-1])
    return Rounds(
        pos=np.broadcast_to(site.position, (n, 3)).copy(),
        vel=direction * v0[:, None],
        t_fire=times,
        sd_time=np.full(n, gt.self_destruct_s),
        dud=rng.random(n) < gt.dud_fraction,
        k=np.full(n, float(drag_factor_from_bc(gt.ballistic_coefficient))),
        burst=np.full(n, b),
    )


class RoundPhysics:
    """Flies rounds: RK4 in the true wind, segment hit tests, self-destruct, ground impact.

    The per-round loop is compiled (:func:`bastion.physics.kernels.fly_rounds`): RK4 as
    :func:`~bastion.physics.ballistics.rk4_step`, and the hit test as
    :func:`~bastion.physics.geometry.segment_sphere_hits` over the share of the step each round
    flies (to its self-destruct instant at most), to the last bit (tested).
    """

    def __init__(self, drag_function: str, air: Air) -> None:
        self.drag = DragFunction.standard(drag_function)
        self.air = air

    def step(
        self,
        rounds: Rounds,
        t0: float,
        t1: float,
        tgt0: np.ndarray,
        tgt1: np.ndarray,
        radius: np.ndarray,
    ) -> RoundEvents:
        """Advance rounds fired before ``t1`` from ``t0`` to ``t1``; targets move tgt0 -> tgt1 (M, 3),
        spheres of ``radius`` (M,) (float arrays, C order)."""
        n = len(rounds)
        seg0 = np.empty((n, 3))
        fate = np.empty(n, dtype=np.int8)
        hit_target = np.empty(n, dtype=np.int64)
        hit_fraction = np.empty(n)
        h_tab, rho_tab, a_tab = self.air.table()
        seg1 = rounds.pos  # moved in place to the step's end; kept (with the step's other arrays) for
        # the fire-control radars' closest approaches (the rounds' arrays are replaced, not changed, below)
        self.last_step = (seg0, seg1, rounds.burst, fate, rounds.t_fire)
        kernels.fly_rounds(
            rounds.pos,
            rounds.vel,
            rounds.t_fire,
            rounds.sd_time,
            rounds.dud,
            rounds.k,
            float(t0),
            float(t1),
            tgt0,
            tgt1,
            radius,
            h_tab,
            rho_tab,
            a_tab,
            self.drag.mach,
            self.drag.cd,
            self.air.wind_table(),
            GRAVITY[2],
            seg0,
            fate,
            hit_target,
            hit_fraction,
        )
        if (fate <= kernels.FLYING).all():
            return RoundEvents([], EMPTY3, NO_INDEX, EMPTY3, NO_INDEX, NO_FLAG)
        p1, burst = rounds.pos, rounds.burst
        hits = [
            (int(burst[r]), int(hit_target[r]), seg0[r] + hit_fraction[r] * (p1[r] - seg0[r]))
            for r in np.flatnonzero(fate == kernels.HIT)
        ]
        sd, ground = fate == kernels.SELF_DESTRUCTED, fate == kernels.GROUNDED
        any_ground = ground.any()
        events = RoundEvents(
            hits=hits,
            self_destructs=p1[sd],
            sd_bursts=burst[sd],
            ground=level_crossing(seg0[ground], p1[ground])[1] if any_ground else EMPTY3,
            ground_bursts=burst[ground],
            ground_dud=rounds.dud[ground],
        )
        rounds.keep(fate <= kernels.FLYING)
        return events
