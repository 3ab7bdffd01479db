"""Safety checks before a gun may fire: arcs, no-fire sectors, elevation limits, civil clearance.

Every check answers for each knot of a burst's aim schedule; a burst is allowed only if every knot
passes. Azimuths are clockwise from north; a sector ``[from, to]`` runs clockwise from ``from`` to
``to`` (so ``[350, 10]`` is 20 degrees wide across north).
"""

from __future__ import annotations

import numpy as np

from bastion.engage.kernels import min_line_clearance
from bastion.scenario.compiled import GunSite


def in_sector(az: np.ndarray, start: float, stop: float) -> np.ndarray:
    """Whether azimuths lie in the clockwise sector from ``start`` to ``stop`` [rad]."""
    az = np.asarray(az, dtype=float)
    if stop - start >= 2 * np.pi - 1e-9:
        return np.ones(az.shape, dtype=bool)
    width = (stop - start) % (2 * np.pi)
    return (az - start) % (2 * np.pi) <= width


def mount_violations(gun: GunSite, az: np.ndarray, el: np.ndarray) -> str | None:
    """The first reason the aim schedule (az, el) breaks the gun's arc, limits or no-fire sectors."""
    gt = gun.type
    if not in_sector(az, gun.arc_from, gun.arc_to).all():
        return "outside the gun's arc"
    if (el < gt.min_elevation).any() or (el > gt.max_elevation).any():
        return "outside the mount's elevation limits"
    for nf in gun.no_fire:
        bad = in_sector(az, nf.azimuth_from, nf.azimuth_to) & (el < nf.below_elevation)
        if bad.any():
            return f"no-fire sector ({nf.reason})" if nf.reason else "no-fire sector"
    return None


def min_clearance(
    gun_pos: np.ndarray,
    az: np.ndarray,
    el: np.ndarray,
    reach_m: float,
    others_pos: np.ndarray,
    others_vel: np.ndarray,
    t_state: float,
    times: np.ndarray,
) -> float:
    """Smallest distance [m] between other tracks (predicted to ``times``) and the lines of fire.

    A line of fire runs from the gun along (az, el) for ``reach_m`` (the self-destruct distance).
    The distances are taken in a compiled loop (:func:`bastion.engage.kernels.min_line_clearance`:
    a few tracks and knots, where numpy's per-call cost would dominate).
    """
    if others_pos.shape[0] == 0:
        return float("inf")
    cos_el = np.cos(el)
    return float(
        min_line_clearance(
            gun_pos,
            cos_el * np.sin(az),
            cos_el * np.cos(az),
            np.sin(el),
            reach_m,
            others_pos,
            others_vel,
            t_state,
            times,
        )
    )
