"""The gun mounts' own fire-control radars, truth side: what each measures of its target and of its rounds.

A Phalanx / LPWS mount carries a Ku-band search-and-track radar (shared/domain/guns.md §1). In
closed-loop fire control a fire order carries the C2 track's cue (the target's position, velocity
and predicted acceleration at the order's time); when the burst starts, the mount's radar locks on
the airborne object nearest the cue's prediction if it lies within the radar's acquisition gate,
and from then on, at its own rate (a fixed grid of instants ``k / rate_hz``, shared by every mount):

* detects the locked object with the probability the radar equation gives (its RCS and Swerling
  fluctuation, the square-law detector of :mod:`bastion.physics.detection`, the radar's reference
  point) and measures its range, azimuth and elevation from the mount with Gaussian noise;
* measures, for each of its own rounds that passed the object since the last update, the round's
  angular offset from the object at their closest approach, across the line of sight (horizontal
  and vertical), with Gaussian noise. The closest approach comes from the rounds' and the object's
  straight segments of each physics step (the segments the hit test uses).

An object destroyed or landed is no longer seen. The radar stops following a burst when its last
round leaves the muzzle: after that no correction can reach a round (the misses of the rounds still
in flight would correct nothing; kill assessment is the C2's, from its own radars). Output:
:class:`~bastion.sense.types.FireControlReport` s, the only thing that crosses to the decision side;
which object was locked stays here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bastion.orders import FireOrder
from bastion.physics import detection, kernels
from bastion.physics.geodesy import enu_to_polar
from bastion.physics.rain import rain_loss
from bastion.scenario.compiled import GunSite
from bastion.sense.types import FireControlReport
from bastion.world.sensors import AirPicture

_EMPTY = np.zeros(0)


@dataclass
class _Lock:
    """One mount's radar following one burst."""

    gun: int
    order_id: int
    burst: int  # index of the burst in the world's list
    cue: np.ndarray  # (9,) position, velocity, acceleration at cue_t
    cue_t: float
    period: float
    next_t: float  # the next update's instant [s]
    t_close: float  # after this the radar stops following the burst [s]
    label: int | None = None  # the truth object locked on (None: not yet acquired)
    # rounds that passed the object, not yet reported: closest-approach time, fire time, offset of
    # the round from the object (3,), the object's position then (3,)
    passes: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)


def grid_after(t: float, period: float) -> float:
    """The first instant of the grid ``k * period`` at or after ``t`` (a tolerance of 1 µs)."""
    return math.ceil(t / period - 1e-6) * period


class FireControlRadars:
    """The fire-control radars of a site's mounts, with one random stream for all."""

    def __init__(
        self,
        guns: tuple[GunSite, ...],
        rng: np.random.Generator,
        rain_mm_per_h: float = 0.0,
        rain_height_m: float = 4e3,
    ) -> None:
        self.guns = guns
        # the rain between each mount's radar and its target (truth; None: none falls)
        self.rain = [
            None
            if g.type.fire_control_radar is None
            else rain_loss(
                g.type.fire_control_radar.frequency_ghz,
                g.type.fire_control_radar.polarisation,
                rain_mm_per_h,
                rain_height_m,
            )
            for g in guns
        ]
        self.rng = rng
        # order id -> the burst a mount's radar follows (a mount's next burst may be queued while its
        # radar reports the last one's final update)
        self.locks: dict[int, _Lock] = {}

    def next_update(self) -> float:
        """Instant of the next update of any radar [s] (inf when none follows a burst)."""
        return min((lk.next_t for lk in self.locks.values()), default=math.inf)

    def follow(self, order: FireOrder, burst: int, t: float, t_last: float) -> None:
        """The mount of ``order`` receives it at ``t`` and fires burst ``burst`` (its last round at ``t_last``):
        its radar follows it when the order carries a cue and the mount has a radar."""
        radar = self.guns[order.gun].type.fire_control_radar
        if order.cue is None or radar is None:
            return
        period = 1.0 / radar.rate_hz
        self.locks[order.order_id] = _Lock(
            gun=order.gun,
            order_id=order.order_id,
            burst=burst,
            cue=np.asarray(order.cue, dtype=float),
            cue_t=float(order.cue_t),
            period=period,
            next_t=grid_after(t, period),
            t_close=t_last,
        )

    def record_passes(
        self,
        t0: float,
        t1: float,
        seg0: np.ndarray,
        seg1: np.ndarray,
        burst: np.ndarray,
        fate: np.ndarray,
        t_fire: np.ndarray,
        tgt0: np.ndarray,
        tgt1: np.ndarray,
        owner: np.ndarray,
    ) -> None:
        """Rounds flew ``seg0 -> seg1`` (R, 3) over ``t0 -> t1`` while targets moved ``tgt0 -> tgt1``
        (M, 3) (``owner``: their truth labels): keep each followed round's closest approach to the
        locked object when it falls within the step (the relative motion is a straight segment)."""
        for lk in self.locks.values():
            if lk.label is None:
                continue
            col = np.flatnonzero(owner == lk.label)
            rows = np.flatnonzero((burst == lk.burst) & (fate != kernels.NOT_FIRED))
            if not col.size or not rows.size:
                continue
            c = int(col[0])
            r0 = seg0[rows] - tgt0[c]
            d = (seg1[rows] - seg0[rows]) - (tgt1[c] - tgt0[c])
            approach = np.einsum("ij,ij->i", r0, d)
            dd = np.einsum("ij,ij->i", d, d)
            s = np.where(dd > 0, -approach / np.where(dd > 0, dd, 1.0), 0.0)
            # closest approach inside the step (approaching at its start, receding at its end), or a hit
            passed = ((approach < 0) & (s <= 1.0)) | (fate[rows] == kernels.HIT)
            if not passed.any():
                continue
            s = np.clip(s[passed], 0.0, 1.0)
            offset = r0[passed] + s[:, None] * d[passed]
            where = tgt0[c] + s[:, None] * (tgt1[c] - tgt0[c])
            lk.passes.append((t0 + s * (t1 - t0), t_fire[rows[passed]], offset, where))

    def observe(self, t: float, picture: AirPicture) -> list[FireControlReport]:
        """The updates due at ``t`` of every radar following a burst (call with the world at ``t``)."""
        reports = []
        for key, lk in list(self.locks.items()):
            if lk.next_t > t + 1e-9:
                continue
            reports.append(self._update(t, lk, picture))
            lk.next_t = grid_after(t + 0.5 * lk.period, lk.period)
            if t >= lk.t_close:
                del self.locks[key]
        return reports

    def _update(self, t: float, lk: _Lock, picture: AirPicture) -> FireControlReport:
        site = self.guns[lk.gun]
        radar = site.type.fire_control_radar
        rng = self.rng
        if lk.label is None and len(picture.label):  # acquisition: the object nearest the cue's prediction
            dt = t - lk.cue_t
            cue = lk.cue[:3] + lk.cue[3:6] * dt + 0.5 * lk.cue[6:9] * dt * dt
            dist = np.linalg.norm(picture.pos - cue, axis=1)
            j = int(np.argmin(dist))
            if dist[j] <= radar.acquisition_gate_m:
                lk.label = int(picture.label[j])
        detected, rng_m, az, el = False, math.nan, math.nan, math.nan
        if lk.label is not None:
            rows = np.flatnonzero(picture.label == lk.label)
            if rows.size:
                j = int(rows[0])
                rel = picture.pos[j] - site.position
                r_true, az_true, el_true = (float(v) for v in enu_to_polar(rel))
                mean_snr = float(
                    detection.snr(picture.rcs[j], r_true, radar.ref_snr, radar.ref_rcs_m2, radar.ref_range_m)
                )
                rain = self.rain[lk.gun]
                if rain is not None:  # the echo's two-way loss in the rain (ITU-R P.838-3)
                    mean_snr *= float(rain.factor(r_true, el_true, float(site.position[2])))
                inst = mean_snr * detection.fluctuation(int(picture.swerling[j]), (), rng)
                hit, _ = detection.square_law_detect(np.asarray(inst), radar.pfa, rng)
                if bool(hit):
                    noise = rng.normal(0.0, 1.0, 3)
                    detected = True
                    rng_m = r_true + radar.sigma_range_m * noise[0]
                    el = el_true + radar.sigma_angle_rad * noise[2]
                    az = az_true + radar.sigma_angle_rad * noise[1] / max(math.cos(el_true), 0.05)
        t_fire, across, up = _EMPTY, _EMPTY, _EMPTY
        if lk.passes:
            t_cpa = np.concatenate([p[0] for p in lk.passes])
            due = t_cpa <= t + 1e-9
            if due.any():
                t_fire_all = np.concatenate([p[1] for p in lk.passes])
                offset = np.concatenate([p[2] for p in lk.passes])
                where = np.concatenate([p[3] for p in lk.passes])
                across, up = miss_angles(site.position, where[due], offset[due])
                n = across.size
                across = across + radar.sigma_miss_rad * rng.normal(0.0, 1.0, n)
                up = up + radar.sigma_miss_rad * rng.normal(0.0, 1.0, n)
                t_fire = t_fire_all[due]
                keep = ~due
                lk.passes = [(t_cpa[keep], t_fire_all[keep], offset[keep], where[keep])] if keep.any() else []
        return FireControlReport(
            t=t,
            gun=lk.gun,
            order_id=lk.order_id,
            detected=detected,
            range=rng_m,
            azimuth=az,
            elevation=el,
            miss_t_fire=t_fire,
            miss_across=across,
            miss_up=up,
            final=t >= lk.t_close,
        )


def miss_angles(origin: np.ndarray, target: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Angular offsets [rad] (N,) seen from ``origin`` of points displaced by ``offset`` (N, 3) from
    ``target`` (N, 3): across the line of sight horizontally (the azimuth direction, positive
    clockwise from above) and vertically (the elevation direction, positive up), each the offset's
    component along that unit vector over the range (small angles)."""
    los = target - origin
    rng_ = np.linalg.norm(los, axis=1)
    az = np.arctan2(los[:, 0], los[:, 1])
    el = np.arcsin(np.clip(los[:, 2] / rng_, -1.0, 1.0))
    e_az = np.stack([np.cos(az), -np.sin(az), np.zeros_like(az)], axis=1)
    e_el = np.stack([-np.sin(el) * np.sin(az), -np.sin(el) * np.cos(az), np.cos(el)], axis=1)
    return np.einsum("ij,ij->i", offset, e_az) / rng_, np.einsum("ij,ij->i", offset, e_el) / rng_
