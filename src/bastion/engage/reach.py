"""Can a gun reach a ballistic round at all before it lands? Said early, once per round and gun.

The round's fitted free-flight arc (:mod:`bastion.assess.ballistic`) is flown from the scan time to
its predicted impact at ``STEP_S`` steps. A point of it can be engaged by a gun when it lies within
the gun's maximum engagement range, inside its arc and elevation limits and outside its no-fire
sectors, and the round gets there no sooner than the gun could put a round there: its reaction time
plus the projectile's time of flight, taken as range over muzzle velocity times ``TOF_FACTOR`` (the
20 mm round slows by about a quarter over 1.5 km; an allowance, L). A gun none of whose points
qualify *cannot reach* the round: the reason (closest approach beyond range, only inside a no-fire
sector or out of the mount's limits, or within range too late) is a siting lesson, told as soon as
the arc is known, and the assignment hands the round to the guns that can (their kill probability
is the only one above zero).
"""

from __future__ import annotations

import numpy as np

from bastion.assess.ballistic import ArcFit, arc_positions
from bastion.engage.safety import in_sector
from bastion.physics.ballistics import Air
from bastion.scenario.compiled import GunSite

STEP_S = 0.25
TOF_FACTOR = 1.3


def cannot_reach(gun: GunSite, fit: ArcFit, t: float, impact_time: float, air: Air) -> str | None:
    """Why ``gun`` cannot engage the round of arc ``fit`` between ``t`` and ``impact_time`` [s], or None
    when it can (or when the arc cannot be flown: no verdict, never a refusal)."""
    if not np.isfinite(impact_time) or impact_time <= t:
        return None
    times = np.arange(t, impact_time + 1e-9, STEP_S)
    with np.errstate(over="ignore", invalid="ignore"):
        pts = arc_positions(fit, times, air)
    if not np.isfinite(pts).all():
        return None
    gt = gun.type
    rel = pts - gun.position
    horiz = np.hypot(rel[:, 0], rel[:, 1])
    rng = np.hypot(horiz, rel[:, 2])
    az = np.arctan2(rel[:, 0], rel[:, 1]) % (2 * np.pi)
    el = np.arctan2(rel[:, 2], horiz)
    within = rng <= gt.max_engage_range_m
    if not within.any():
        return f"closest approach {rng.min():.0f} m, beyond the {gt.max_engage_range_m:.0f} m engagement range"
    allowed = in_sector(az, gun.arc_from, gun.arc_to) & (el >= gt.min_elevation) & (el <= gt.max_elevation)
    for nf in gun.no_fire:
        allowed &= ~(in_sector(az, nf.azimuth_from, nf.azimuth_to) & (el < nf.below_elevation))
    if not (within & allowed).any():
        return "within range only in a no-fire sector or outside the mount's arc or elevation limits"
    in_time = times - t >= gt.reaction_s + rng / gt.muzzle_velocity * TOF_FACTOR
    if not (within & allowed & in_time).any():
        return "within range only before the gun could react"
    return None
