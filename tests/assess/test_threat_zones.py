"""The threat evaluator's zone tests: prepared polygons and bounding-box-screened sample points give
the answers of the zones' own polygons and of the broadcast formulation, to the last bit."""

import numpy as np
import shapely

from bastion.api import compile_named
from bastion.assess import threat


def test_prepared_zones_answer_as_the_zones_own_polygons():
    zones = compile_named("baghdad").defence.zones
    zs = threat._zone_set(zones)
    assert [shapely.is_prepared(g) for g in zs.geometry_all] == [True] * len(zones)
    assert all(shapely.equals_exact(g, z.geometry, 0.0) for g, z in zip(zs.geometry_all, zones, strict=True))
    rng = np.random.default_rng(3)
    # random points around the zones, their vertices, and points on their edges
    vertices = np.vstack([shapely.get_coordinates(z.geometry) for z in zones])
    t = rng.random((vertices.shape[0] - 1, 1))
    on_edges = vertices[:-1] + t * (vertices[1:] - vertices[:-1])
    points = np.vstack([rng.normal(vertices.mean(axis=0), vertices.std(axis=0) * 1.5, (4000, 2)), vertices, on_edges])
    own = np.array([z.geometry for z in zones], dtype=object)
    want = shapely.intersects_xy(own[:, None], points[None, :, 0], points[None, :, 1])
    got = shapely.intersects_xy(zs.geometry_all[:, None], points[None, :, 0], points[None, :, 1])
    assert want.any() and np.array_equal(got, want)
    valued = [k for k, z in enumerate(zones) if z.value > 0 and z.kind != "open"]
    assert np.array_equal(zs.contains(points), want[valued].T)
    cov = np.tile(np.eye(2) * 4e4, (len(points[:50]), 1, 1))
    frac = threat.zone_fractions(points[:50], cov, list(zones))
    ref = threat._fractions(points[:50], cov, own)
    assert np.array_equal(frac, ref)


def reference_fractions(center, cov, geometry):
    """The broadcast formulation, one GEOS call for every point (no bounding-box filter)."""
    L = np.linalg.cholesky(cov + np.eye(2) * 1e-6)
    pts = center[:, None, :] + np.einsum("nij,sj->nsi", L, threat._STD_SAMPLES)
    n, m = pts.shape[:2]
    hits = shapely.intersects_xy(geometry[:, None], pts[..., 0].ravel()[None, :], pts[..., 1].ravel()[None, :])
    return hits.reshape(geometry.size, n, m).mean(axis=2).T


def test_impact_fractions_equal_the_broadcast_formulation():
    zones = compile_named("baghdad").defence.zones
    zs = threat._zone_set(zones)
    own = np.array([z.geometry for z in zones], dtype=object)
    rng = np.random.default_rng(5)
    centers = np.vstack([z.center for z in zones])
    for scale in (10.0, 200.0, 3000.0):
        n = 30
        center = centers[rng.integers(0, len(zones), n)] + rng.normal(0.0, scale, (n, 2))
        a = rng.normal(0.0, 1.0, (n, 2, 2))
        cov = np.einsum("nij,nkj->nik", a, a) * scale**2 * rng.uniform(0.01, 1.0, (n, 1, 1))
        center[3] = np.nan  # a bad track: no fraction anywhere
        got = threat._fractions(center, cov, zs.geometry_all)
        want = reference_fractions(center, cov, own)
        assert got.tobytes() == want.tobytes()
        assert got[np.isfinite(got)].max() > 0.0 and got[3].max() == 0.0
