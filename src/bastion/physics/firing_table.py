"""Inverse ballistic solution of a gun: the quadrant elevation and time of flight to reach a point.

A gun's rounds leave the muzzle at ``v0`` in still air; their trajectory depends only on the
elevation of the barrel (point-mass model of :mod:`bastion.physics.ballistics`). The table flies a
fan of elevations once (vectorised RK4), then inverts it on a grid of horizontal range and height:
for every (range, height) it stores the low-branch elevation and the time of flight. Queries are
bilinear interpolations in that grid, microseconds for a whole batch — the way classic fire-control
computers used firing tables instead of integrating during the engagement.

Wind is handled as in artillery practice by the "lag" rule (Didion; McCoy 1999 §5.4): a uniform
wind ``w`` carries a round downwind by ``w * (T - R / v0)`` where ``T`` is its time of flight and
``R`` the slant range, so the gun aims at the target point shifted upwind by that drift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bastion.physics.ballistics import Air, DragFunction, fly


@dataclass(frozen=True)
class BallisticSolution:
    """Elevation [rad] and time of flight [s] to points; ``valid`` is False out of reach."""

    elevation: np.ndarray
    tof: np.ndarray
    valid: np.ndarray


class FiringTable:
    """Gridded inverse trajectories of one round fired at ``v0`` [m/s] from ``muzzle_up_m``.

    ``max_range_m`` bounds the grid; ``t_max`` is the longest time of flight kept (the round's
    self-destruct time). Elevations from ``el_min`` to ``el_max`` [rad] (the mount's limits).
    """

    def __init__(
        self,
        v0: float,
        k: float,
        drag: DragFunction,
        air: Air,
        t_max: float,
        max_range_m: float,
        el_min: float = np.radians(-10.0),
        el_max: float = np.radians(85.0),
        d_el: float = np.radians(0.1),
        cell_m: float = 10.0,
        dt: float = 0.005,
    ) -> None:
        self.v0 = float(v0)
        self.t_max = float(t_max)
        still = air.still()
        angles = np.arange(el_min, el_max + 0.5 * d_el, d_el)
        n = angles.size
        vel = np.stack([v0 * np.cos(angles), np.zeros(n), v0 * np.sin(angles)], axis=1)
        traj = fly(np.zeros((n, 3)), vel, np.full(n, k), drag, still, t_max, dt)
        x = traj.pos[:, :, 0].T  # (angles, times), increasing in time
        z = traj.pos[:, :, 2].T
        t = traj.t
        self.ranges = np.arange(0.0, max_range_m + cell_m, cell_m)
        self.heights = np.arange(-max_range_m / 4, max_range_m + cell_m, cell_m)
        # time of flight and height reached at every grid range, for every elevation
        tof_at = np.full((n, self.ranges.size), np.nan)
        z_at = np.full((n, self.ranges.size), np.nan)
        for j in range(n):
            reach = self.ranges <= x[j, -1]
            if x[j, -1] > x[j, 0]:
                tof_at[j, reach] = np.interp(self.ranges[reach], x[j], t)
                z_at[j, reach] = np.interp(tof_at[j, reach], t, z[j])
        self.elevation = np.full((self.ranges.size, self.heights.size), np.nan)
        self.tof = np.full_like(self.elevation, np.nan)
        for i in range(self.ranges.size):
            ok = np.isfinite(z_at[:, i])
            if ok.sum() < 2:
                continue
            zi, ti, ai = z_at[ok, i], tof_at[ok, i], angles[ok]
            # low branch: the prefix where height increases with elevation
            rising = np.concatenate([[True], np.diff(zi) > 0])
            stop = np.argmin(rising) if not rising.all() else rising.size
            zi, ti, ai = zi[:stop], ti[:stop], ai[:stop]
            if zi.size < 2:
                continue
            inside = (self.heights >= zi[0]) & (self.heights <= zi[-1])
            self.elevation[i, inside] = np.interp(self.heights[inside], zi, ai)
            self.tof[i, inside] = np.interp(self.heights[inside], zi, ti)
        self._cell = cell_m
        # the two grids side by side and flat: one gather per corner serves both (see :meth:`lookup`)
        nh = self._nh = self.heights.size
        self._grid = np.stack([self.elevation, self.tof], axis=-1).reshape(-1, 2)
        self._origin = np.array([self.ranges[0], self.heights[0]])
        self._last = np.array([self.ranges.size - 1, nh - 1])
        self._corners = np.array([0, nh, 1, nh + 1])  # flat offsets of (i, j), (i+1, j), (i, j+1), (i+1, j+1)
        # the same grid and layout as plain arguments of the compiled lookup (``bastion.engage.kernels``)
        self.kernel_table = (self._grid, nh, *map(float, self._origin), float(cell_m), *map(float, self._last))

    def solve(self, horizontal_m: np.ndarray, height_m: np.ndarray) -> BallisticSolution:
        """Elevation and time of flight to reach points at horizontal range and height [m] (NaN out of reach)."""
        rh = np.stack(np.broadcast_arrays(np.asarray(horizontal_m, dtype=float), np.asarray(height_m, dtype=float)), -1)
        el, tof, valid = self.lookup(rh)
        return BallisticSolution(np.where(valid, el, np.nan), np.where(valid, tof, np.nan), valid)

    def lookup(self, rh: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Elevation, time of flight and validity to points at (horizontal range, height) ``rh`` (..., 2) [m].

        Bilinear interpolation in the grid, both coordinates and both grids in one array each (a
        third of the numpy calls of doing them apart: the lead solution calls this six times per
        scan on a handful of points, where call overhead is all the cost). Elevation and time of
        flight are not masked: use them where ``valid``."""
        f = (rh - self._origin) / self._cell  # fractional grid indices
        inside = ((f >= 0) & (f < self._last)).all(axis=-1)
        ij = np.minimum(np.maximum(np.floor(f).astype(int), 0), self._last - 1)
        ab = (f - ij).clip(0.0, 1.0)
        a, b = ab[..., :1], ab[..., 1:]
        c = self._grid[(ij[..., 0] * self._nh + ij[..., 1])[..., None] + self._corners]  # (..., 4, 2)
        na, nb = 1 - a, 1 - b
        both = c[..., 0, :] * na * nb + c[..., 1, :] * a * nb + c[..., 2, :] * na * b + c[..., 3, :] * a * b
        return both[..., 0], both[..., 1], inside & np.isfinite(both).all(axis=-1)


def wind_drift(wind: np.ndarray, tof: np.ndarray, slant_range_m: np.ndarray, v0: float) -> np.ndarray:
    """Downwind displacement [m] (N, 3) of rounds after ``tof`` seconds: the lag rule.

    Only the horizontal wind is used; ``wind`` is the ENU air velocity [m/s].
    """
    lag = np.maximum(np.asarray(tof) - np.asarray(slant_range_m) / v0, 0.0)
    w = np.array([wind[0], wind[1], 0.0])
    return lag[..., None] * w


def range_table(
    v0: float, k: float, drag: DragFunction, air: Air, launch_height_m: float = 1.0, d_el_deg: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground range [m] and time of flight [s] against elevation [rad] in still air, for an
    indirect-fire weapon (rocket, mortar) launched at ``v0`` from ``launch_height_m``."""
    from bastion.physics.ballistics import impact

    el = np.radians(np.arange(2.0, 88.0 + 1e-9, d_el_deg))
    vel = np.stack([v0 * np.cos(el), np.zeros_like(el), v0 * np.sin(el)], axis=1)
    pos = np.zeros((el.size, 3))
    pos[:, 2] = launch_height_m
    still = air.still()
    p, t, _ = impact(pos, vel, np.full(el.size, k), drag, still, dt=0.1, t_max=400.0)
    return el, p[:, 0], t


def elevation_for_range(
    table: tuple[np.ndarray, np.ndarray, np.ndarray], ground_range_m: np.ndarray, high_angle: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Elevation [rad] and time of flight [s] to reach ``ground_range_m``; NaN beyond maximum range.

    ``high_angle`` picks the branch above the maximum-range elevation (mortar practice), else below.
    """
    el, rng, tof = table
    j = int(np.nanargmax(rng))
    if high_angle:
        el_b, rng_b, tof_b = el[j:][::-1], rng[j:][::-1], tof[j:][::-1]
    else:
        el_b, rng_b, tof_b = el[: j + 1], rng[: j + 1], tof[: j + 1]
    r = np.asarray(ground_range_m, dtype=float)
    ok = (r >= rng_b[0]) & (r <= rng_b[-1])
    return (np.where(ok, np.interp(r, rng_b, el_b), np.nan), np.where(ok, np.interp(r, rng_b, tof_b), np.nan))
