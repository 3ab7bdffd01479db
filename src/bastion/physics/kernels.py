"""Compiled inner loops (numba) of the point-mass integrator and the rounds' hit test.

Why compiled: a Baghdad night steps its rounds in flight ~400 times, each step a Runge–Kutta
step of a few hundred rounds and a hit test against a handful of targets. Written with numpy
that is ~40 array calls per step, each costing its fixed overhead (~1 µs) whatever it computes,
which made flying rounds the largest single cost of a Monte Carlo sweep (issue 8). One loop over
the rows does the same arithmetic in one call.

Each kernel has a readable numpy reference beside it (:func:`rk4_reference`,
:func:`fly_rounds_reference`): the formulas of :mod:`bastion.physics.ballistics` and
:mod:`bastion.physics.geometry` over whole arrays. ``tests/physics/test_kernels.py`` holds the
kernels to them within 1e-12 relative (some 4,500 ulps: any order of the floating-point operations
passes, a wrong term does not), not bit for bit, so that the loops' order of operations is not
frozen. (They happen to follow numpy's order, e.g. ``einsum``'s ``(x·x + z·z) + y·y`` and
``np.interp``'s ``slope * (x - xp[j]) + fp[j]``.) No fast-math: IEEE operations only.

The equations are the ones :mod:`bastion.physics.ballistics` and :mod:`bastion.physics.geometry`
document; these functions hold no model of their own. Compiled once per machine and cached beside
the source (``cache=True``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# What a round did during one step (``fly_rounds``)
NOT_FIRED = 0  # not yet fired by the step's end: untouched
FLYING = 1
HIT = 2  # passed within a target's vulnerable radius: ``hit_target`` and ``hit_fraction`` say which and where
SELF_DESTRUCTED = 3
GROUNDED = 4  # reached the ground (up <= 0) during the step


@njit(cache=True, inline="always")
def _bracket(x: float, xp: np.ndarray, hint: int) -> int:
    """The interval of ``xp`` (increasing) holding ``x``: ``j`` with ``xp[j] <= x < xp[j + 1]``, -1 below
    the table, ``len(xp) - 1`` at or above its end. ``hint`` is tried first (a neighbouring lookup's
    interval, or a guess), then a binary search: the interval is the same either way."""
    n = xp.shape[0]
    if x < xp[0]:
        return -1
    if x >= xp[n - 1]:
        return n - 1
    if 0 <= hint < n - 1 and xp[hint] <= x and x < xp[hint + 1]:
        return hint
    lo, hi = 0, n - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if xp[mid] <= x:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True, inline="always")
def _interp_in(x: float, xp: np.ndarray, fp: np.ndarray, j: int) -> float:
    """``np.interp(x, xp, fp)`` for one x in interval ``j`` of ``xp`` (:func:`_bracket`)."""
    if j < 0:
        return fp[0]
    if j >= xp.shape[0] - 1:
        return fp[xp.shape[0] - 1]
    if xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@njit(cache=True, inline="always")
def _drag_acceleration(vx, vy, vz, k_rho, a, mach, cd, wind, g_up, j):
    """g - k rho C(M) |v - w| (v - w), M = |v - w| / a: one body, components (east, north, up), and
    the Mach table's interval used (``j``: a hint, the previous stage's)."""
    rx = vx - wind[0]
    ry = vy - wind[1]
    rz = vz - wind[2]
    speed = np.sqrt((rx * rx + rz * rz) + ry * ry)
    m = speed / a
    j = _bracket(m, mach, j)
    c = k_rho * _interp_in(m, mach, cd, j) * speed
    return 0.0 - c * rx, 0.0 - c * ry, g_up - c * rz, j


@njit(cache=True, inline="always")
def _rk4_row(i, pos, vel, h, k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up, out_pos, out_vel, o):
    """One classical Runge–Kutta step of row ``i`` over ``h`` seconds into row ``o`` of the outputs
    (see ``ballistics.rk4_step``). The air table is entered at a guess from its first spacing, the
    Mach table at the previous stage's interval: lookups cost a comparison, not a search."""
    vx, vy, vz = vel[i, 0], vel[i, 1], vel[i, 2]
    mid = pos[i, 2] + 0.5 * (h * vz)
    guess = (mid - h_tab[0]) / (h_tab[1] - h_tab[0])
    j = _bracket(mid, h_tab, int(guess) if 0.0 <= guess < h_tab.shape[0] else -1)
    rho = _interp_in(mid, h_tab, rho_tab, j)
    a = _interp_in(mid, h_tab, a_tab, j)
    k_rho = k[i] * rho
    half_h = 0.5 * h
    a1x, a1y, a1z, jm = _drag_acceleration(vx, vy, vz, k_rho, a, mach, cd, wind, g_up, -1)
    v2x, v2y, v2z = vx + half_h * a1x, vy + half_h * a1y, vz + half_h * a1z
    a2x, a2y, a2z, jm = _drag_acceleration(v2x, v2y, v2z, k_rho, a, mach, cd, wind, g_up, jm)
    v3x, v3y, v3z = vx + half_h * a2x, vy + half_h * a2y, vz + half_h * a2z
    a3x, a3y, a3z, jm = _drag_acceleration(v3x, v3y, v3z, k_rho, a, mach, cd, wind, g_up, jm)
    v4x, v4y, v4z = vx + h * a3x, vy + h * a3y, vz + h * a3z
    a4x, a4y, a4z, jm = _drag_acceleration(v4x, v4y, v4z, k_rho, a, mach, cd, wind, g_up, jm)
    out_pos[o, 0] = pos[i, 0] + h * (vx + 2.0 * v2x + 2.0 * v3x + v4x) / 6.0
    out_pos[o, 1] = pos[i, 1] + h * (vy + 2.0 * v2y + 2.0 * v3y + v4y) / 6.0
    out_pos[o, 2] = pos[i, 2] + h * (vz + 2.0 * v2z + 2.0 * v3z + v4z) / 6.0
    out_vel[o, 0] = vx + h * (a1x + 2.0 * a2x + 2.0 * a3x + a4x) / 6.0
    out_vel[o, 1] = vy + h * (a1y + 2.0 * a2y + 2.0 * a3y + a4y) / 6.0
    out_vel[o, 2] = vz + h * (a1z + 2.0 * a2z + 2.0 * a3z + a4z) / 6.0


@njit(cache=True)
def rk4(pos, vel, dt, k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up, out_pos, out_vel):
    """RK4 step of every row into ``out_pos``, ``out_vel`` (N, 3); ``dt`` has N entries or one for all.

    The air's density ``rho_tab`` and speed of sound ``a_tab`` are tables over heights ``h_tab``,
    looked up at the step's mid-point height; the drag coefficient ``cd`` is a table over ``mach``.
    """
    one = dt.shape[0] == 1
    for i in range(pos.shape[0]):
        _rk4_row(
            i, pos, vel, dt[0] if one else dt[i], k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up, out_pos, out_vel, i
        )


@njit(cache=True)
def fly_rounds(
    pos,
    vel,
    t_fire,
    sd_time,
    dud,
    k,
    t0,
    t1,
    tgt0,
    tgt1,
    radius,
    h_tab,
    rho_tab,
    a_tab,
    mach,
    cd,
    wind,
    g_up,
    seg0,
    fate,
    hit_target,
    hit_fraction,
):
    """Fly every round fired before ``t1`` from ``t0`` (or its fire time) to ``t1`` (or its
    self-destruct time, if that comes first), in place.

    Per round: ``seg0`` the start of its straight segment for the step (a round fired during the
    step is extrapolated back to ``t0``, so segments share the targets' timing), ``fate`` (the
    constants above), and for a hit the target (earliest along the segment, first on ties) and the
    fraction of the segment at closest approach. Targets move linearly ``tgt0 -> tgt1`` (M, 3) over
    the step and are spheres of ``radius`` (M,); a round hits one when the closest approach of the
    two over the round's flight within the step (``geometry.closest_approach``) is within its
    radius. A round whose timer runs out in the step flies to that instant and no further (it can
    hit nothing after it), and bursts there unless it is a dud or reached the ground first. A hit
    round does not self-destruct or fall.
    """
    n, m = pos.shape[0], tgt0.shape[0]
    p1 = np.empty((1, 3))
    v1 = np.empty((1, 3))
    step = t1 - t0
    for i in range(n):
        if not t_fire[i] < t1:
            fate[i] = NOT_FIRED
            continue
        start = max(t_fire[i], t0)
        back = start - t0
        for c in range(3):
            seg0[i, c] = pos[i, c] - vel[i, c] * back
        t_burst = t_fire[i] + sd_time[i]
        bursts = not dud[i] and t_burst <= t1
        t_end = max(t_burst, start) if bursts else t1
        _rk4_row(i, pos, vel, t_end - start, k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up, p1, v1, 0)
        # the targets move with the round over its share of the step: to where they are at t_end
        f = (t_end - t0) / step if t_end < t1 else 1.0
        best = -1
        best_s = np.inf
        for j in range(m):
            if f == 1.0:
                ex, ey, ez = tgt1[j, 0], tgt1[j, 1], tgt1[j, 2]
            else:
                ex = tgt0[j, 0] + f * (tgt1[j, 0] - tgt0[j, 0])
                ey = tgt0[j, 1] + f * (tgt1[j, 1] - tgt0[j, 1])
                ez = tgt0[j, 2] + f * (tgt1[j, 2] - tgt0[j, 2])
            d0x = seg0[i, 0] - tgt0[j, 0]
            d0y = seg0[i, 1] - tgt0[j, 1]
            d0z = seg0[i, 2] - tgt0[j, 2]
            ddx = (p1[0, 0] - seg0[i, 0]) - (ex - tgt0[j, 0])
            ddy = (p1[0, 1] - seg0[i, 1]) - (ey - tgt0[j, 1])
            ddz = (p1[0, 2] - seg0[i, 2]) - (ez - tgt0[j, 2])
            den = (ddx * ddx + ddz * ddz) + ddy * ddy
            num = -((d0x * ddx + d0z * ddz) + d0y * ddy)
            s = num / den if den > 0 else 0.0
            s = min(max(s, 0.0), 1.0)
            cx, cy, cz = d0x + s * ddx, d0y + s * ddy, d0z + s * ddz
            if np.sqrt((cx * cx + cz * cz) + cy * cy) <= radius[j] and s < best_s:
                best, best_s = j, s
        for c in range(3):
            pos[i, c] = p1[0, c]
            vel[i, c] = v1[0, c]
        if best >= 0:
            fate[i] = HIT
            hit_target[i] = best
            hit_fraction[i] = best_s
        elif p1[0, 2] <= 0.0:
            fate[i] = GROUNDED
        elif bursts:
            fate[i] = SELF_DESTRUCTED
        else:
            fate[i] = FLYING


def rk4_reference(pos, vel, dt, k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up):
    """What :func:`rk4` computes, over whole arrays: the new positions and velocities (N, 3).

    The air's density and speed of sound at the step's mid-point height, then
    ``a(v) = g - k rho C(|v - w| / a) |v - w| (v - w)`` and the classical Runge–Kutta stages
    (:func:`bastion.physics.ballistics.rk4_step`)."""
    h = dt[:, None] if dt.shape[0] > 1 else dt[0]
    mid = pos[:, 2] + 0.5 * (np.ravel(dt) * vel[:, 2])
    k_rho = k * np.interp(mid, h_tab, rho_tab)
    sound = np.interp(mid, h_tab, a_tab)
    gravity = np.array([0.0, 0.0, g_up])

    def accel(v):
        rel = v - wind
        speed = np.linalg.norm(rel, axis=1)
        return gravity - (k_rho * np.interp(speed / sound, mach, cd) * speed)[:, None] * rel

    a1 = accel(vel)
    v2 = vel + 0.5 * h * a1
    a2 = accel(v2)
    v3 = vel + 0.5 * h * a2
    a3 = accel(v3)
    v4 = vel + h * a3
    a4 = accel(v4)
    return pos + h * (vel + 2.0 * v2 + 2.0 * v3 + v4) / 6.0, vel + h * (a1 + 2.0 * a2 + 2.0 * a3 + a4) / 6.0


def fly_rounds_reference(
    pos, vel, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius, h_tab, rho_tab, a_tab, mach, cd, wind, g_up
):
    """What :func:`fly_rounds` computes, with array operations: the new (pos, vel), seg0, fate, hit
    target and hit fraction per round (fired rounds' seg0; hit rounds' target and fraction).

    Each fired round flies (:func:`rk4_reference`) from ``max(t_fire, t0)`` to ``t1`` or to its
    self-destruct time if that comes first; the hit test is
    :func:`bastion.physics.geometry.segment_sphere_hits` of its segment against the targets' over the
    same share of the step, the earliest hit along the segment winning."""
    from bastion.physics.geometry import segment_sphere_hits  # (a reference for tests: not on the import path)

    fired = t_fire < t1
    start = np.maximum(t_fire, t0)
    seg0 = pos - vel * (start - t0)[:, None]
    t_burst = t_fire + sd_time
    bursts = ~dud & (t_burst <= t1)
    t_end = np.where(bursts, np.maximum(t_burst, start), t1)
    p1, v1 = rk4_reference(pos, vel, t_end - start, k, h_tab, rho_tab, a_tab, mach, cd, wind, g_up)
    n, m = pos.shape[0], tgt0.shape[0]
    hit, s = np.zeros((n, m), dtype=bool), np.zeros((n, m))
    for i in np.flatnonzero(fired):  # the targets' end points depend on the round's share of the step
        f = (t_end[i] - t0) / (t1 - t0) if t_end[i] < t1 else 1.0
        end = tgt1 if f == 1.0 else tgt0 + f * (tgt1 - tgt0)
        hit[i], s[i] = (a[0] for a in segment_sphere_hits(seg0[i : i + 1], p1[i : i + 1], tgt0, end, radius))
    first = np.argmin(np.where(hit, s, np.inf), axis=1) if m else np.zeros(n, dtype=int)
    any_hit = hit.any(axis=1)
    ground = fired & ~any_hit & (p1[:, 2] <= 0.0)
    self_destructed = fired & ~any_hit & ~ground & bursts
    fate = np.where(fired, FLYING, NOT_FIRED)
    fate[any_hit], fate[self_destructed], fate[ground] = HIT, SELF_DESTRUCTED, GROUNDED
    fraction = s[np.arange(n), first] if m else np.zeros(n)
    return np.where(fired[:, None], p1, pos), np.where(fired[:, None], v1, vel), seg0, fate, first, fraction
