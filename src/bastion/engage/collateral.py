"""Collateral check before firing: where the rounds that miss come down.

A C-RAM round that misses self-destructs at its timer; a stated fraction (the gun type's
``dud_fraction``) fails to and falls intact (shared/domain/guns.md: the M940's self-destruct exists to
protect neighbouring residential areas; C-RAM debris has fallen on Baghdad). For a planned burst the
footprint of those intact rounds is predicted from a dud range table — ground range and time of flight
of a round fired at each elevation from the mount, in still air (point-mass model), plus the lag-rule
wind drift — spread by the gun's dispersion and pointing error (Gaussian, angular). The expected
number of intact rounds landing in each populated zone is

    E = sum over the burst's aim knots of (rounds fired at that knot) x dud_fraction x P(zone | knot),

with P(zone | knot) the Gaussian footprint's probability mass in the zone (a fixed quasi-random sample
set). A burst whose E exceeds the doctrine's limit for any populated zone is refused now and
re-planned at the next scan, when the target's geometry (and so the fall of shot) has changed.
"""

from __future__ import annotations

import numpy as np
import shapely

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, impact
from bastion.physics.firing_table import wind_drift
from bastion.scenario.compiled import GunSite, ZoneArea

_DUD_TABLES: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_SAMPLES = np.random.default_rng(940).standard_normal((128, 2))


def dud_table(gun: GunSite, air: Air) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(elevation [rad], ground range [m], time of flight [s]) of an intact round of this gun."""
    gt = gun.type
    key = (gt.name, round(air.ground_altitude_m, 0), round(float(gun.position[2]), 1), round(air.delta_t_k, 1))
    if key not in _DUD_TABLES:
        el = np.radians(np.arange(np.degrees(gt.min_elevation), np.degrees(gt.max_elevation) + 0.25, 0.25))
        vel = gt.muzzle_velocity * np.stack([np.cos(el), np.zeros_like(el), np.sin(el)], axis=1)
        pos = np.zeros((el.size, 3))
        pos[:, 2] = gun.position[2]
        still = Air(air.ground_altitude_m, air.delta_t_k)
        p, t, _ = impact(
            pos,
            vel,
            float(drag_factor_from_bc(gt.ballistic_coefficient)),
            DragFunction.standard(gt.drag_function),
            still,
            dt=0.05,
            t_max=200.0,
        )
        _DUD_TABLES[key] = (el, p[:, 0], t)
    return _DUD_TABLES[key]


def intact_rounds_in_zones(
    gun: GunSite,
    air: Air,
    azimuth: np.ndarray,
    elevation: np.ndarray,
    rounds_per_knot: np.ndarray,
    zones: list[ZoneArea],
) -> np.ndarray:
    """Expected number of intact (dud) rounds landing in each zone (Z,) for a burst's aim knots."""
    if not zones:
        return np.zeros(0)
    gt = gun.type
    el_t, rng_t, tof_t = dud_table(gun, air)
    ground = np.interp(elevation, el_t, rng_t)
    tof = np.interp(elevation, el_t, tof_t)
    u = np.stack([np.sin(azimuth), np.cos(azimuth)], axis=1)
    nrm = np.stack([u[:, 1], -u[:, 0]], axis=1)
    centre = gun.position[:2] + u * ground[:, None] + wind_drift(air.wind, tof, ground, gt.muzzle_velocity)[:, :2]
    # footprint sigmas: range spread from the slope of the range table, cross spread from azimuth
    slope = np.abs(np.gradient(rng_t, el_t))
    sig_ang = np.hypot(gt.dispersion_rad, gt.pointing_bias_rad)
    s_range = np.maximum(np.interp(elevation, el_t, slope) * sig_ang, 5.0)
    s_cross = np.maximum(ground * sig_ang, 5.0)
    pts = (
        centre[:, None, :]
        + _SAMPLES[None, :, :1] * s_range[:, None, None] * u[:, None, :]
        + _SAMPLES[None, :, 1:] * s_cross[:, None, None] * nrm[:, None, :]
    )
    e, n = pts[..., 0].ravel(), pts[..., 1].ravel()
    frac = np.stack(
        [shapely.intersects_xy(z.geometry, e, n).reshape(pts.shape[:2]).mean(axis=1) for z in zones], axis=1
    )
    return gt.dud_fraction * (np.asarray(rounds_per_knot, dtype=float)[:, None] * frac).sum(axis=0)
