"""Compiled inner loops (numba) of the engagement planning: lead solution and fall-of-shot footprint.

Why compiled: every scan the engagement manager plans a burst for each gun and candidate target
within reach: two lead solutions (the first round's aim, then the burst's aim schedule), each six
fire-control iterations over a handful of knots, then the footprint of the rounds that fail to
self-destruct. Written with numpy that is a few hundred array calls per plan, each costing its
fixed overhead (~1 µs) on arrays of one to a dozen rows, which made planning most of the engagement
stage of a Monte Carlo sweep (issue 8). A loop over the knots does the same arithmetic in one call.

Each kernel has a readable numpy reference beside it (:func:`lead_solution_reference`, with
:meth:`bastion.physics.firing_table.FiringTable.lookup` and the lag rule
:func:`bastion.physics.firing_table.wind_drift`; :func:`footprint_points_reference`).
``tests/engage/test_engage_kernels.py`` holds the kernels to them within 1e-12 relative (any order
of the floating-point operations passes, a wrong term does not), not bit for bit. Sines, cosines
and arc tangents are left to numpy. No fast-math: IEEE operations only.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from bastion.physics.firing_table import wind_drift


@njit(cache=True, inline="always")
def _table_lookup(horizontal, height, grid, nh, origin_r, origin_h, cell, last_r, last_h):
    """``FiringTable.lookup`` for one point: (elevation [rad], time of flight [s], valid).

    Bilinear interpolation in the flat grid ``grid`` (cells x 2: elevation, time of flight) of
    ``nh`` heights per range; out of the grid or in an unreachable cell: NaN, NaN, False."""
    fr = (horizontal - origin_r) / cell
    fh = (height - origin_h) / cell
    if not (fr >= 0.0 and fr < last_r and fh >= 0.0 and fh < last_h):
        return np.nan, np.nan, False
    i = math.floor(fr)
    j = math.floor(fh)
    a = fr - i
    b = fh - j
    na = 1 - a
    nb = 1 - b
    c = int(i) * nh + int(j)  # corners c, c + nh, c + 1, c + nh + 1
    el = grid[c, 0] * na * nb + grid[c + nh, 0] * a * nb + grid[c + 1, 0] * na * b + grid[c + nh + 1, 0] * a * b
    tof = grid[c, 1] * na * nb + grid[c + nh, 1] * a * nb + grid[c + 1, 1] * na * b + grid[c + nh + 1, 1] * a * b
    return el, tof, np.isfinite(el) and np.isfinite(tof)


@njit(cache=True)
def lead_solution(
    x, t_state, t_fire, half_accel, accelerated, gun_pos, v0, wind_e, wind_n, table, iterations, rows, target, valid
):
    """Lead solution of one target state ``x`` (6,) at ``t_state`` for the fire times ``t_fire`` (K,).

    The target is predicted as ``pos + vel tau (+ half_accel tau^2 when accelerated)``; the wind
    is the air's east and north velocity [m/s]. Writes per knot: ``rows`` (5, K) the last aim
    point's east and north [m] (for the azimuth), the elevation [rad, NaN where invalid], the time
    of flight [s] and the slant range [m]; ``target`` (K, 3) the predicted intercept [m]; ``valid``
    (K,). ``table`` is the firing table's grid with its layout (``FiringTable.kernel_table``).
    """
    grid, nh, origin_r, origin_h, cell, last_r, last_h = table
    px, py, pz, vx, vy, vz = x[0], x[1], x[2], x[3], x[4], x[5]
    ax, ay, az = half_accel[0], half_accel[1], half_accel[2]
    gx, gy, gz = gun_pos[0], gun_pos[1], gun_pos[2]
    for k in range(t_fire.shape[0]):
        dt = t_fire[k] - t_state
        ex, ey, ez = px + vx * dt, py + vy * dt, pz + vz * dt
        if accelerated:
            dt2 = dt * dt
            ex, ey, ez = ex + ax * dt2, ey + ay * dt2, ez + az * dt2
        rx, ry, rz = ex - gx, ey - gy, ez - gz
        tof = np.sqrt((rx * rx + ry * ry) + rz * rz) / v0
        el = 0.0
        ok = True
        slant = aim_e = aim_n = 0.0
        for _ in range(iterations):
            tau = dt + tof
            ex, ey, ez = px + vx * tau, py + vy * tau, pz + vz * tau
            if accelerated:
                tau2 = tau * tau
                ex, ey, ez = ex + ax * tau2, ey + ay * tau2, ez + az * tau2
            rx, ry, rz = ex - gx, ey - gy, ez - gz
            slant = np.sqrt((rx * rx + ry * ry) + rz * rz)
            lag = tof - slant / v0  # the lag rule's drift time (``firing_table.wind_drift``), NaN kept
            if lag < 0.0:
                lag = 0.0
            aim_e = rx - lag * wind_e
            aim_n = ry - lag * wind_n
            aim_u = rz - lag * 0.0
            el, sol_tof, ok = _table_lookup(
                math.hypot(aim_e, aim_n), aim_u, grid, nh, origin_r, origin_h, cell, last_r, last_h
            )
            if ok:
                tof = sol_tof
        rows[0, k] = aim_e
        rows[1, k] = aim_n
        rows[2, k] = el if ok else np.nan
        rows[3, k] = tof
        rows[4, k] = slant
        target[k, 0] = ex
        target[k, 1] = ey
        target[k, 2] = ez
        valid[k] = ok


@njit(cache=True)
def footprint_points(
    gun_e, gun_n, sin_az, cos_az, ground, tof, range_sigma_raw, sig_ang, v0, wind_e, wind_n, samples, east, north
):
    """Sample points [m] of the fall-of-shot footprint of every aim knot (``collateral.intact_rounds_in_zones``).

    Per knot k: the footprint centre is the gun plus ``ground[k]`` along the azimuth (``sin_az``,
    ``cos_az``) plus the lag-rule wind drift over ``tof[k]``; the range sigma is
    ``range_sigma_raw[k] * sig_ang`` and the cross sigma ``ground[k] * sig_ang``, each at least 5 m
    (NaN kept, as ``np.maximum``). Writes the S ``samples`` (S, 2) (standard normal: along range,
    across) scaled to that footprint into ``east`` and ``north`` (K * S,), knot-major.
    """
    n_samples = samples.shape[0]
    for k in range(ground.shape[0]):
        s, c, g = sin_az[k], cos_az[k], ground[k]
        lag = tof[k] - g / v0
        if lag < 0.0:
            lag = 0.0
        ce = (gun_e + s * g) + lag * wind_e
        cn = (gun_n + c * g) + lag * wind_n
        s_range = range_sigma_raw[k] * sig_ang
        if s_range < 5.0:
            s_range = 5.0
        s_cross = g * sig_ang
        if s_cross < 5.0:
            s_cross = 5.0
        minus_s = -s
        for j in range(n_samples):
            a = samples[j, 0] * s_range
            b = samples[j, 1] * s_cross
            east[k * n_samples + j] = (ce + a * s) + b * c
            north[k * n_samples + j] = (cn + a * c) + b * minus_s


def lead_solution_reference(
    x, t_state, t_fire, half_accel, accelerated, gun_pos, v0, wind_e, wind_n, lookup, iterations
):
    """What :func:`lead_solution` computes, over all knots at once: ``rows`` (5, K), ``target`` (K, 3)
    and ``valid`` (K,). ``lookup``: the firing table's (``FiringTable.lookup``).

    Fixed-point iteration on the time of flight: predict the target to fire time + time of flight,
    take the slant range, move the aim point upwind by the lag rule's drift, and read the elevation
    and time of flight to it from the table (where it is valid)."""
    pos, vel = x[:3], x[3:6]
    dt = (t_fire - t_state)[:, None]

    def predict(tau):
        return pos + vel * tau + (half_accel * tau**2 if accelerated else 0.0)

    tof = np.linalg.norm(predict(dt) - gun_pos, axis=1) / v0
    wind = np.array([wind_e, wind_n, 0.0])
    for _ in range(iterations):
        target = predict(dt + tof[:, None])
        rel = target - gun_pos
        slant = np.linalg.norm(rel, axis=1)
        aim = rel - wind_drift(wind, tof, slant, v0)
        el, table_tof, valid = lookup(np.stack([np.hypot(aim[:, 0], aim[:, 1]), aim[:, 2]], axis=1))
        tof = np.where(valid, table_tof, tof)
    rows = np.stack([aim[:, 0], aim[:, 1], np.where(valid, el, np.nan), tof, slant])
    return rows, target, valid


def footprint_points_reference(
    gun_e, gun_n, sin_az, cos_az, ground, tof, range_sigma_raw, sig_ang, v0, wind_e, wind_n, samples
):
    """What :func:`footprint_points` computes, over all knots at once: ``east`` and ``north`` (K * S,),
    knot-major. Each knot's footprint is centred ``ground`` along the azimuth from the gun plus the
    lag rule's wind drift, with range and cross sigmas of at least 5 m; the standard normal
    ``samples`` (S, 2) (along range, across) are scaled to it and turned to the azimuth."""
    lag = np.maximum(tof - ground / v0, 0.0)
    centre_e = gun_e + sin_az * ground + lag * wind_e
    centre_n = gun_n + cos_az * ground + lag * wind_n
    along = samples[None, :, 0] * np.maximum(range_sigma_raw * sig_ang, 5.0)[:, None]  # (K, S)
    across = samples[None, :, 1] * np.maximum(ground * sig_ang, 5.0)[:, None]
    east = centre_e[:, None] + along * sin_az[:, None] + across * cos_az[:, None]
    north = centre_n[:, None] + along * cos_az[:, None] - across * sin_az[:, None]
    return east.ravel(), north.ravel()
