"""Gun mounts and the rounds they fire, truth side.

A mount executes :class:`~bastion.orders.FireOrder` s: it slews at its rate limits from where it
points to the order's first aim (the first round leaves no earlier than the slew allows and the
barrels have spun up), then fires at its rate of fire while ammunition lasts, each round aimed
along the order's schedule plus a pointing bias drawn once per burst and a round-to-round
dispersion (Gaussian, per axis; shared/domain/guns.md §3 recommends modelling dispersion per
round rather than a single Pk). Muzzle velocity varies round to round.

Rounds are point masses (:mod:`bastion.physics.ballistics`) flown in the true wind. Each step tests
every round against every target with the analytic closest approach of their straight segments,
so a step never jumps over a hit. A round self-destructs at its timer unless it is a dud; duds
and rounds that reach the ground first fall: that is the fall of shot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bastion.orders import FireOrder
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, rk4_step
from bastion.physics.geometry import level_crossing, segment_sphere_hits
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
    az = az + (bias[0] + rng.normal(0.0, gt.dispersion_rad, n)) / np.maximum(np.cos(el), 0.05)
    el = el + bias[1] + rng.normal(0.0, gt.dispersion_rad, n)
    v0 = gt.muzzle_velocity + rng.normal(0.0, gt.sigma_muzzle_velocity, n)
    direction = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], axis=1)
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
    """Flies rounds: RK4 in the true wind, segment hit tests, self-destruct, ground impact."""

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
        """Advance rounds fired before ``t1`` from ``t0`` to ``t1``; targets move tgt0 -> tgt1 (M, 3)."""
        n = len(rounds)
        t_fire = rounds.t_fire
        last = float(t_fire.max()) if n else np.inf
        if last < t1:  # every round is in flight (the usual case): work on the arrays themselves
            idx = None
            p0, v0, k = rounds.pos, rounds.vel, rounds.k
        else:
            idx = np.flatnonzero(t_fire < t1)
            if idx.size == 0:
                return RoundEvents([], EMPTY3, NO_INDEX, EMPTY3, NO_INDEX, NO_FLAG)
            p0, v0, k, t_fire = rounds.pos[idx], rounds.vel[idx], rounds.k[idx], t_fire[idx]
        if last <= t0:
            # every round flies the whole step: its segment starts where it is
            p1, v1 = rk4_step(p0, v0, t1 - t0, k, self.drag, self.air)
            seg0 = p0
        else:
            start = np.maximum(t_fire, t0)
            p1, v1 = rk4_step(p0, v0, t1 - start, k, self.drag, self.air)
            # positions of new rounds extrapolated back to t0 so segments share the targets' timing
            seg0 = p0 - v0 * (start - t0)[:, None]
        burst = rounds.burst if idx is None else rounds.burst[idx]
        dud = rounds.dud if idx is None else rounds.dud[idx]
        hits: list[tuple[int, int, np.ndarray]] = []
        remove = None
        if tgt0.shape[0]:
            hit, s = segment_sphere_hits(seg0, p1, tgt0, tgt1, radius)
            if hit.any():
                # each round hits at most its earliest target
                s_masked = np.where(hit, s, np.inf)
                first = np.argmin(s_masked, axis=1)
                remove = hit.any(axis=1)
                for r in np.flatnonzero(remove):
                    c = int(first[r])
                    where = seg0[r] + s[r, c] * (p1[r] - seg0[r])
                    hits.append((int(burst[r]), c, where))
        age = t1 - t_fire
        sd = ~dud & (age >= (rounds.sd_time if idx is None else rounds.sd_time[idx]))
        ground = p1[:, 2] <= 0.0
        if remove is not None:
            sd &= ~remove
            ground &= ~remove
        ground &= ~sd
        any_sd, any_ground = sd.any(), ground.any()
        if idx is None:
            rounds.pos, rounds.vel = p1, v1
        else:
            rounds.pos[idx], rounds.vel[idx] = p1, v1
        if not (hits or any_sd or any_ground):
            return RoundEvents(hits, EMPTY3, NO_INDEX, EMPTY3, NO_INDEX, NO_FLAG)
        events = RoundEvents(
            hits=hits,
            self_destructs=p1[sd],
            sd_bursts=burst[sd],
            ground=level_crossing(seg0[ground], p1[ground])[1] if any_ground else EMPTY3,
            ground_bursts=burst[ground],
            ground_dud=dud[ground],
        )
        gone = sd | ground
        if remove is not None:
            gone |= remove
        keep = ~gone
        if idx is not None:
            keep = np.ones(n, dtype=bool)
            keep[idx[gone]] = False
        rounds.keep(keep)
        return events
