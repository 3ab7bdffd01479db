"""The threat evaluator's prepared zone polygons answer point-in-zone exactly as the zones' own."""

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
