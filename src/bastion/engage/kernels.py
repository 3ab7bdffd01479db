"""Compiled inner loops (numba) of the engagement planning: lead solution and fall-of-shot footprint.

Why compiled: every scan the engagement manager plans a burst for each gun and candidate target
within reach: two lead solutions (the first round's aim, then the burst's aim schedule), each six
fire-control iterations over a handful of knots, then the footprint of the rounds that fail to
self-destruct. Written with numpy that is a few hundred array calls per plan, each costing its
fixed overhead (~1 µs) on arrays of one to a dozen rows, which made planning most of the engagement
stage of a Monte Carlo sweep (issue 8). A loop over the knots does the same arithmetic in one call.

Each kernel has a readable numpy reference beside it (:func:`lead_solution_reference`, with
:meth:`bastion.physics.firing_table.FiringTable.lookup`, the lag rule
:func:`bastion.physics.firing_table.wind_drift` and :func:`ballistic_wind_reference`;
:func:`footprint_points_reference`).
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


# 8-point Gauss–Legendre nodes and weights on [0, 1] (Abramowitz and Stegun 1964, Table 25.4)
_GL_X = (np.polynomial.legendre.leggauss(8)[0] + 1.0) / 2.0
_GL_W = np.polynomial.legendre.leggauss(8)[1] / 2.0


@njit(cache=True)
def ballistic_wind(h0, h1, slant, tof, v0, h_tab, wind_tab):
    """The "ballistic wind" (east, north) [m/s] of a round flying ``slant`` metres in ``tof`` seconds
    from height ``h0`` to ``h1`` [m] (straight line), in a wind that varies with height (``wind_tab``
    over ``h_tab``, as ``Air.wind_table``): the uniform wind that would drift it as far as the real one.

    Linearised crosswind response of a point mass slowed by drag (the lag rule's derivation,
    McCoy 1999 §5.4): the drift after ``T`` is ``∫ w(s) (d(1/V)/ds) (X(T) - X(s)) ds``, which for a
    constant ``w`` is the lag rule's ``w (T - X/V0)``. With drag proportional to ``V²`` in air of
    constant density, ``V = V0 exp(-cX)``, the weight of the wind at a fraction ``u`` of the path
    is ``(1 - u) exp(b u)``, ``b = cX``, where ``b`` solves ``(e^b - 1) / b = V0 T / X`` (the
    observed slowing). Wind near the muzzle weighs most. Integrated by 8-point Gauss–Legendre
    quadrature along the line of fire."""
    q = v0 * tof / slant if slant > 0.0 else 1.0
    b = 0.0
    if q > 1.0 + 1e-9:
        b = 2.0 * (q - 1.0)  # from the right of the root of the convex f(b) = e^b - 1 - b q: Newton converges
        for _ in range(30):
            eb = math.exp(b)
            f = eb - 1.0 - b * q
            step = f / (eb - q)
            b -= step
            if abs(step) < 1e-10 * (1.0 + b):
                break
    se = sn = sw = 0.0
    for i in range(_GL_X.shape[0]):
        u = _GL_X[i]
        wgt = _GL_W[i] * (1.0 - u) * math.exp(b * u)
        h = h0 + u * (h1 - h0)
        j = _bracket_up(h, h_tab)
        se += wgt * _interp_up(h, h_tab, wind_tab, 0, j)
        sn += wgt * _interp_up(h, h_tab, wind_tab, 1, j)
        sw += wgt
    return se / sw, sn / sw


@njit(cache=True, inline="always")
def _bracket_up(x, xp):
    """``j`` with ``xp[j] <= x < xp[j + 1]`` in an evenly spaced table, -1 below it, ``n - 1`` at or above its end."""
    n = xp.shape[0]
    if not x >= xp[0]:
        return -1
    if x >= xp[n - 1]:
        return n - 1
    j = int((x - xp[0]) / (xp[1] - xp[0]))
    if j > n - 2:
        j = n - 2
    while j > 0 and xp[j] > x:
        j -= 1
    while j < n - 2 and xp[j + 1] <= x:
        j += 1
    return j


@njit(cache=True, inline="always")
def _interp_up(x, xp, table, c, j):
    """Column ``c`` of ``table`` interpolated at ``x`` in interval ``j`` of ``xp`` (held at the ends)."""
    n = xp.shape[0]
    if j < 0:
        return table[0, c]
    if j >= n - 1:
        return table[n - 1, c]
    f = (x - xp[j]) / (xp[j + 1] - xp[j])
    return table[j, c] + f * (table[j + 1, c] - table[j, c])


@njit(cache=True)
def lead_solution(
    x, t_state, t_fire, half_accel, accelerated, gun_pos, v0, h_tab, wind_tab, table, iterations, rows, target, valid
):
    """Lead solution of one target state ``x`` (6,) at ``t_state`` for the fire times ``t_fire`` (K,).

    The target is predicted as ``pos + vel tau (+ half_accel tau^2 when accelerated)``; the wind
    is the air's (``Air.wind_table`` over the heights ``h_tab``): one row, the same east and north
    velocity [m/s] at every height (the lag rule as it is), or one per height, when the drift is the
    lag rule's with the :func:`ballistic_wind` of the line of fire. Writes per knot: ``rows`` (5, K) the last aim
    point's east and north [m] (for the azimuth), the elevation [rad, NaN where invalid], the time
    of flight [s] and the slant range [m]; ``target`` (K, 3) the predicted intercept [m]; ``valid``
    (K,). ``table`` is the firing table's grid with its layout (``FiringTable.kernel_table``).
    """
    grid, nh, origin_r, origin_h, cell, last_r, last_h = table
    px, py, pz, vx, vy, vz = x[0], x[1], x[2], x[3], x[4], x[5]
    ax, ay, az = half_accel[0], half_accel[1], half_accel[2]
    gx, gy, gz = gun_pos[0], gun_pos[1], gun_pos[2]
    uniform = wind_tab.shape[0] == 1
    wind_e, wind_n = wind_tab[0, 0], wind_tab[0, 1]
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
            if not uniform:
                wind_e, wind_n = ballistic_wind(gz, ez, slant, tof, v0, h_tab, wind_tab)
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


def ballistic_wind_reference(h0, h1, slant, tof, v0, h_tab, wind_tab):
    """What :func:`ballistic_wind` computes, over arrays of lines of fire (``h1``, ``slant``, ``tof``
    (K,)): the ballistic wind (K, 2) [m/s], east and north.

    ``b`` solves ``(e^b - 1) / b = V0 T / X`` (0 where ``V0 T / X <= 1``) by Newton's method from the
    right of the root; the wind at a fraction ``u`` of the line weighs ``(1 - u) exp(b u)``, integrated
    by 8-point Gauss–Legendre quadrature with the wind interpolated linearly in height (held at the
    table's ends)."""
    slant, tof, h1 = np.asarray(slant, dtype=float), np.asarray(tof, dtype=float), np.asarray(h1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(slant > 0.0, v0 * tof / slant, 1.0)
    grows = q > 1.0 + 1e-9
    b = np.where(grows, 2.0 * (q - 1.0), 0.0)
    for _ in range(60):  # past convergence a Newton step is zero
        step = (np.exp(b) - 1.0 - b * q) / (np.exp(b) - q)
        b = np.where(grows & (step == step), b - step, b)
    x, w = np.polynomial.legendre.leggauss(8)
    u, w = (x + 1.0) / 2.0, w / 2.0
    weight = w * (1.0 - u) * np.exp(b[:, None] * u)  # (K, 8)
    h = h0 + u * (h1[:, None] - h0)
    wind = np.stack([np.interp(h, h_tab, wind_tab[:, c]) for c in (0, 1)], axis=-1)  # (K, 8, 2)
    return (weight[..., None] * wind).sum(axis=1) / weight.sum(axis=1)[:, None]


def lead_solution_reference(
    x, t_state, t_fire, half_accel, accelerated, gun_pos, v0, h_tab, wind_tab, lookup, iterations
):
    """What :func:`lead_solution` computes, over all knots at once: ``rows`` (5, K), ``target`` (K, 3)
    and ``valid`` (K,). ``lookup``: the firing table's (``FiringTable.lookup``); ``wind_tab`` over
    ``h_tab`` as ``Air.wind_table`` (one row: uniform).

    Fixed-point iteration on the time of flight: predict the target to fire time + time of flight,
    take the slant range, move the aim point upwind by the lag rule's drift (in a wind that varies
    with height, of the :func:`ballistic_wind_reference` of the line of fire), and read the elevation
    and time of flight to it from the table (where it is valid)."""
    pos, vel = x[:3], x[3:6]
    dt = (t_fire - t_state)[:, None]

    def predict(tau):
        return pos + vel * tau + (half_accel * tau**2 if accelerated else 0.0)

    tof = np.linalg.norm(predict(dt) - gun_pos, axis=1) / v0
    for _ in range(iterations):
        target = predict(dt + tof[:, None])
        rel = target - gun_pos
        slant = np.linalg.norm(rel, axis=1)
        if wind_tab.shape[0] == 1:
            aim = rel - wind_drift(wind_tab[0], tof, slant, v0)
        else:
            wind = ballistic_wind_reference(gun_pos[2], target[:, 2], slant, tof, v0, h_tab, wind_tab)
            lag = np.maximum(tof - slant / v0, 0.0)  # the lag rule's drift time, with the ballistic wind
            aim = rel - lag[:, None] * np.c_[wind, np.zeros(len(wind))]
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
