"""Terrain and obstacles between a sensor or a gun and what it looks or fires at: line of sight.

A :class:`Surface` holds, on a regular grid of the site's ENU frame, the height of the terrain and of
the obstacles (buildings, towers, walls) above the site's ground datum (the origin's elevation).
:meth:`Surface.clear` answers, for many rays at once, whether a straight line from one point to
another passes above everything in between.

Earth curvature with standard refraction: over a path of horizontal length ``d`` the ground bulges
up between the ends by ``s (d - s) / (2 k R)`` at distance ``s`` from the first end, with ``R`` the
earth's mean radius and ``k = 4/3`` the effective-radius factor of a standard atmosphere (Skolnik,
*Introduction to Radar Systems*, 3rd ed., §8.2; ITU-R P.834). bastion's world is otherwise flat over
a site's ~30 km, so heights elsewhere stay heights above the datum; only the line-of-sight test
carries the bulge (about 5 m at 18 km midway, 8.5 m at the end of a 12 km path's far half).

Terrain is interpolated bilinearly between grid nodes (a DEM samples a smooth surface); obstacles are
taken from the nearest cell (a building's wall is an edge, not a slope). The ray is sampled every
half cell (at most ``MAX_SAMPLES`` points), which finds any obstacle at least one cell wide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EARTH_RADIUS_M = 6_371_000.0  # mean radius (IUGG) [m]
STANDARD_K = 4.0 / 3.0  # effective earth-radius factor of the standard atmosphere (Skolnik §8.2)
MAX_SAMPLES = 2_048


@dataclass(frozen=True)
class Surface:
    """Terrain and obstacle heights [m above the site datum] on a grid of the ENU frame.

    Node ``(i, j)`` lies at ``east = east0 + j * cell_m``, ``north = north0 + i * cell_m``. Outside
    the grid the ground is the flat datum (height 0) with no obstacles.
    """

    east0: float
    north0: float
    cell_m: float
    terrain: np.ndarray  # (ny, nx) terrain height [m]
    obstacles: np.ndarray  # (ny, nx) obstacle top above the datum [m] (0 where none)
    k_factor: float = STANDARD_K
    source: str = ""  # what the surface was built from (DEM file, obstacles), for reports

    def height_at(self, east: np.ndarray, north: np.ndarray) -> np.ndarray:
        """Height [m] of the surface (terrain or an obstacle's top, the higher) at ENU points."""
        return self._at(east, north, True)

    def ground_at(self, east: np.ndarray, north: np.ndarray) -> np.ndarray:
        """Height [m] of the terrain alone (no obstacles) at ENU points: the ground that reflects."""
        return self._at(east, north, False)

    def _at(self, east: np.ndarray, north: np.ndarray, obstacles: bool) -> np.ndarray:
        ny, nx = self.terrain.shape
        x = (np.asarray(east, dtype=float) - self.east0) / self.cell_m
        y = (np.asarray(north, dtype=float) - self.north0) / self.cell_m
        inside = (x >= 0) & (x <= nx - 1) & (y >= 0) & (y <= ny - 1)  # False on NaN
        xc, yc = np.where(inside, x, 0.0), np.where(inside, y, 0.0)
        j0 = np.minimum(np.floor(xc).astype(np.int64), max(nx - 2, 0))
        i0 = np.minimum(np.floor(yc).astype(np.int64), max(ny - 2, 0))
        j1, i1 = np.minimum(j0 + 1, nx - 1), np.minimum(i0 + 1, ny - 1)
        fx, fy = xc - j0, yc - i0
        t = self.terrain
        ground = (t[i0, j0] * (1 - fx) + t[i0, j1] * fx) * (1 - fy) + (t[i1, j0] * (1 - fx) + t[i1, j1] * fx) * fy
        if obstacles:
            ground = np.maximum(ground, self.obstacles[np.rint(yc).astype(np.int64), np.rint(xc).astype(np.int64)])
        return np.where(inside, ground, 0.0)

    def clear(self, a: np.ndarray, b: np.ndarray, margin_m: float = 0.0) -> np.ndarray:
        """Whether the straight lines from ``a`` (3,) or (N, 3) to ``b`` (N, 3) pass at least
        ``margin_m`` above the surface everywhere between their ends [bool (N,)].

        The ends themselves are not tested (an antenna on its mast, a target on the ground). NaN
        anywhere in a ray makes it not clear (fail safe)."""
        b = np.atleast_2d(np.asarray(b, dtype=float))
        a = np.broadcast_to(np.asarray(a, dtype=float), b.shape)
        d_vec = b - a
        d = np.hypot(d_vec[:, 0], d_vec[:, 1])
        finite = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
        if not b.shape[0]:
            return np.zeros(0, dtype=bool)
        longest = float(np.max(np.where(finite, d, 0.0)))
        k = int(min(MAX_SAMPLES, max(2, np.ceil(2 * longest / self.cell_m))))
        f = (np.arange(k) + 0.5) / k  # interior fractions of each path
        pts = a[:, None, :] + f[None, :, None] * d_vec[:, None, :]
        s = f[None, :] * d[:, None]
        bulge = s * (d[:, None] - s) / (2 * self.k_factor * EARTH_RADIUS_M)
        surface = self.height_at(pts[..., 0], pts[..., 1])
        above = pts[..., 2] - bulge - surface
        return finite & (above >= margin_m).all(axis=1)

    @staticmethod
    def flat(cell_m: float = 30.0) -> Surface:
        """A flat datum with nothing on it (a 2 x 2 grid of zeros)."""
        z = np.zeros((2, 2))
        return Surface(0.0, 0.0, cell_m, z, z.copy(), STANDARD_K, "flat")
