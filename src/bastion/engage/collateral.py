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

from bastion.engage.kernels import footprint_points
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, impact
from bastion.scenario.compiled import GunSite, ZoneArea

_DUD_TABLES: dict[tuple, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
_SAMPLES = np.random.default_rng(940).standard_normal((128, 2))


def dud_table(gun: GunSite, air: Air) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(elevation [rad], ground range [m], time of flight [s]) of an intact round of this gun."""
    return _dud_table_and_slope(gun, air)[:3]


def _dud_table_and_slope(gun: GunSite, air: Air) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`dud_table` and the magnitude of its range's slope [m/rad] (built once per gun type and site)."""
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
        _DUD_TABLES[key] = (el, p[:, 0], t, np.abs(np.gradient(p[:, 0], el)))
    return _DUD_TABLES[key]


def intact_rounds_in_zones(
    gun: GunSite,
    air: Air,
    azimuth: np.ndarray,
    elevation: np.ndarray,
    rounds_per_knot: np.ndarray,
    zones: list[ZoneArea],
) -> np.ndarray:
    """Expected number of intact (dud) rounds landing in each zone (Z,) for a burst's aim knots.

    The footprints' sample points are laid out by a compiled loop
    (:func:`bastion.engage.kernels.footprint_points`; its numpy reference beside it)."""
    if not zones:
        return np.zeros(0)
    gt = gun.type
    el_t, rng_t, tof_t, slope = _dud_table_and_slope(gun, air)
    ground = np.interp(elevation, el_t, rng_t)
    tof = np.interp(elevation, el_t, tof_t)
    # footprint sigmas: range spread from the slope of the range table, cross spread from azimuth
    sig_ang = float(np.hypot(gt.dispersion_rad, gt.pointing_bias_rad))
    k, s = ground.shape[0], _SAMPLES.shape[0]
    e, n = np.empty(k * s), np.empty(k * s)
    footprint_points(
        float(gun.position[0]),
        float(gun.position[1]),
        np.sin(azimuth),
        np.cos(azimuth),
        ground,
        tof,
        np.interp(elevation, el_t, slope),
        sig_ang,
        float(gt.muzzle_velocity),
        float(air.wind[0]),
        float(air.wind[1]),
        _SAMPLES,
        e,
        n,
    )
    frac = np.stack([shapely.intersects_xy(z.geometry, e, n).reshape(k, s).mean(axis=1) for z in zones], axis=1)
    return gt.dud_fraction * (np.asarray(rounds_per_knot, dtype=float)[:, None] * frac).sum(axis=0)
