"""Safety checks before a gun may fire: arcs, no-fire sectors, elevation limits, civil clearance.

Every check answers for each knot of a burst's aim schedule; a burst is allowed only if every knot
passes. Azimuths are clockwise from north; a sector ``[from, to]`` runs clockwise from ``from`` to
``to`` (so ``[350, 10]`` is 20 degrees wide across north).
"""

from __future__ import annotations

import numpy as np

from bastion.scenario.compiled import GunSite


def in_sector(az: np.ndarray, start: float, stop: float) -> np.ndarray:
    """Whether azimuths lie in the clockwise sector from ``start`` to ``stop`` [rad].

    False wherever ``az``, ``start`` or ``stop`` is NaN (never inside an arc that cannot be stated).
    """
    az = np.asarray(az, dtype=float)
    if stop - start >= 2 * np.pi - 1e-9:
        return np.isfinite(az)
    width = (stop - start) % (2 * np.pi)
    return (az - start) % (2 * np.pi) <= width


def outside_sector(az: np.ndarray, start: float, stop: float) -> np.ndarray:
    """Whether azimuths lie certainly outside the clockwise sector [rad]: False wherever a value is NaN.

    Not ``~in_sector``: a no-fire sector must hold when its bounds or the aim are unknown, so only a
    comparison that is true on finite numbers may clear an aim.
    """
    az = np.asarray(az, dtype=float)
    if stop - start >= 2 * np.pi - 1e-9:
        return np.zeros(az.shape, dtype=bool)
    width = (stop - start) % (2 * np.pi)
    return (az - start) % (2 * np.pi) > width


def mount_violations(gun: GunSite, az: np.ndarray, el: np.ndarray) -> str | None:
    """The first reason the aim schedule (az, el) breaks the gun's arc, limits or no-fire sectors.

    Fail safe: every comparison is written so that it is true only for finite numbers that pass
    (``x >= lo`` rather than ``not x < lo``), so a NaN aim or a NaN limit refuses the burst.
    """
    gt = gun.type
    az = np.asarray(az, dtype=float)
    el = np.asarray(el, dtype=float)
    if not (np.isfinite(az).all() and np.isfinite(el).all()):
        return "aim is not a finite direction"
    if not in_sector(az, gun.arc_from, gun.arc_to).all():
        return "outside the gun's arc"
    if not ((el >= gt.min_elevation) & (el <= gt.max_elevation)).all():
        return "outside the mount's elevation limits"
    for nf in gun.no_fire:
        if not np.isfinite([nf.azimuth_from, nf.azimuth_to, nf.below_elevation]).all():
            return "a no-fire sector is not stated in finite numbers (corrupt configuration): hold fire"
        clear = outside_sector(az, nf.azimuth_from, nf.azimuth_to) | (el >= nf.below_elevation)
        if not clear.all():
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

    A line of fire runs from the gun along (az, el) for ``reach_m`` (the self-destruct distance); each
    track moves at constant velocity, and its distance to the line of the knot at that knot's time is
    its distance from the nearest point of the segment. NaN if any distance is NaN (fail safe).
    """
    if others_pos.shape[0] == 0:
        return float("inf")
    cos_el = np.cos(el)
    d = np.stack([cos_el * np.sin(az), cos_el * np.cos(az), np.sin(el)], axis=-1)  # (K, 3) unit lines
    pts = others_pos[:, None, :] + others_vel[:, None, :] * (times - t_state)[None, :, None]  # (N, K, 3)
    along = np.clip(np.einsum("nkj,kj->nk", pts - gun_pos, d), 0.0, reach_m)  # (NaN kept)
    return float(np.min(np.linalg.norm(pts - (gun_pos + along[..., None] * d), axis=-1)))
