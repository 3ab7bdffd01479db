"""Geometry in the local ENU frame: closest approach of moving points, zones and error ellipses.

Zones are shapely geometries in ENU metres (shapely's vectorised predicates test many points at
once). The hit test treats a round and a target as moving linearly during one integration step and
finds their closest approach analytically, so a coarse step can never jump over a hit.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely


def closest_approach(p0: np.ndarray, p1: np.ndarray, c0: np.ndarray, c1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closest approach of points moving linearly from ``p0`` to ``p1`` and ``c0`` to ``c1``.

    Shapes broadcast: e.g. rounds (N, 1, 3) against targets (1, M, 3). Returns the minimum
    distance [m] and the step fraction ``s`` in [0, 1] at which it occurs (shape (N, M)).
    """
    d0 = p0 - c0
    dd = (p1 - p0) - (c1 - c0)
    den = np.einsum("...i,...i->...", dd, dd)
    num = -np.einsum("...i,...i->...", d0, dd)
    # minimum(maximum(.)) is np.clip's result at a fraction of its call overhead on small arrays
    s = np.minimum(np.maximum(np.divide(num, den, out=np.zeros_like(num), where=den > 0), 0.0), 1.0)
    closest = d0 + s[..., None] * dd
    return np.sqrt(np.einsum("...i,...i->...", closest, closest)), s


def level_crossing(start: np.ndarray, end: np.ndarray, level: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Where straight segments ``start -> end`` (N, 3), known to end at or below height ``level``,
    cross it: the fraction (N,) of the segment and the crossing points (N, 3), up set to ``level``.

    Used by every integrator that steps a falling body past the ground (rounds, debris, munitions,
    drones in their dive, predicted arcs) to place its impact within the last step."""
    z0, z1 = start[:, 2], end[:, 2]
    f = np.minimum(np.maximum((z0 - level) / np.maximum(z0 - z1, 1e-12), 0.0), 1.0)
    points = start + f[:, None] * (end - start)
    points[:, 2] = level
    return f, points


def segment_sphere_hits(
    p0: np.ndarray, p1: np.ndarray, c0: np.ndarray, c1: np.ndarray, radius: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which of N moving points pass within ``radius`` (M,) of M moving spheres in one step.

    ``p0, p1``: (N, 3) start/end of the points; ``c0, c1``: (M, 3) start/end of the sphere centres.
    Returns ``hit`` (N, M) booleans and the step fraction ``s`` (N, M) of closest approach.
    """
    dist, s = closest_approach(p0[:, None, :], p1[:, None, :], c0[None, :, :], c1[None, :, :])
    return dist <= np.asarray(radius)[None, :], s


def chi2_ppf(probability: float, dof: int) -> float:
    """Quantile of the chi-square distribution with ``dof`` degrees of freedom.

    ``2 * gammaincinv(dof / 2, p)``: the very expression ``scipy.stats.chi2.ppf`` evaluates (scipy
    1.17 ``chi2_gen._ppf``; ``tests/physics/test_geometry.py`` checks the two agree bit for bit),
    without importing ``scipy.stats``, which costs about a second at start-up. The tracker's default
    gates are read from :data:`CHI2_PPF_STORED` and ``scipy.special`` is imported only for others:
    importing it costs ~0.4 s of CPU (scipy 1.17's array-API layer), a third of a fresh
    ``bastion track`` process's start-up (issue 18).
    """
    stored = CHI2_PPF_STORED.get((probability, dof))
    if stored is not None:
        return stored
    from scipy.special import gammaincinv  # (deferred: see above)

    return float(2.0 * gammaincinv(0.5 * dof, probability))


CHI2_PPF_STORED = {
    (0.9995, 3): 17.72999622894616,
    (0.9995, 4): 19.99735499524785,
    (0.999999, 3): 30.66484970615427,
}
""":func:`chi2_ppf` of the tracker's default gates (``bastion.track.config``: ``gate_probability`` 0.9995
with three plot components, or four with range rate; ``adsb_keyed_gate_probability`` 0.999999 with an
ADS-B position's three), as scipy 1.17 computes them; ``tests/physics/test_geometry.py`` holds each
to ``2 * gammaincinv(dof / 2, p)`` bit for bit (a scipy whose last bits move fails it)."""


@lru_cache(maxsize=64)
def confidence_scale(probability: float, dof: int = 2) -> float:
    """Mahalanobis radius enclosing ``probability`` of a Gaussian in ``dof`` dimensions."""
    return float(np.sqrt(chi2_ppf(probability, dof)))


def error_ellipse(cov2: np.ndarray, probability: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Semi-axes [m] (..., 2) (major first) and orientation [rad, clockwise from north] of the
    ``probability`` ellipse of 2-D covariances (..., 2, 2) in (east, north)."""
    vals, vecs = np.linalg.eigh(cov2)
    k = confidence_scale(probability, 2)
    axes = k * np.sqrt(np.maximum(vals[..., ::-1], 0.0))
    major = vecs[..., :, 1]
    return axes, np.arctan2(major[..., 0], major[..., 1])


def ellipse_polygon(center: np.ndarray, axes: np.ndarray, orientation: float, n: int = 32) -> shapely.Polygon:
    """A polygon approximating an ellipse (centre (2,), semi-axes (2,), major axis azimuth)."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    a, b = max(float(axes[0]), 0.5), max(float(axes[1]), 0.5)
    along = np.array([np.sin(orientation), np.cos(orientation)])
    across = np.array([np.cos(orientation), -np.sin(orientation)])
    pts = center + np.outer(a * np.cos(t), along) + np.outer(b * np.sin(t), across)
    return shapely.Polygon(pts)


def circle_polygon(center: np.ndarray, radius: float, n: int = 32) -> shapely.Polygon:
    """A polygon approximating a circle of ``radius`` metres around ``center`` (2,) with ``n`` vertices
    (32: within 0.5 % of the radius)."""
    return shapely.Point(float(center[0]), float(center[1])).buffer(radius, quad_segs=max(n // 4, 4))


def contains(geometry: shapely.Geometry, east: np.ndarray, north: np.ndarray) -> np.ndarray:
    """Which points (east, north) lie inside (or on the boundary of) ``geometry``."""
    return shapely.intersects_xy(geometry, np.asarray(east, dtype=float), np.asarray(north, dtype=float))
