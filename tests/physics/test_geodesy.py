"""ENU -> WGS84: the written-out batch path of Origin.to_wgs84 reproduces pymap3d bit for bit."""

import numpy as np
import pymap3d
import pytest

from bastion.physics.geodesy import Origin

ORIGINS = [Origin(33.2625, 44.23444, 35.0), Origin(-45.1, -170.3, 0.0), Origin(89.9, 10.0, 100.0), Origin(0.0, 0.0)]


@pytest.mark.parametrize("origin", ORIGINS)
def test_batch_to_wgs84_is_bit_identical_to_pymap3d(origin):
    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 8, 40):
        for scale in (1.0, 1e3, 1e5, 3e6):
            enu = rng.normal(0.0, scale, (n, 3))
            ref = pymap3d.enu2geodetic(enu[:, 0], enu[:, 1], enu[:, 2], origin.lat_deg, origin.lon_deg, origin.alt_m)
            got = origin.to_wgs84(enu)
            for r, g in zip(ref, got, strict=True):
                assert g.dtype == r.dtype and g.shape == r.shape
                assert np.array_equal(g, r, equal_nan=True)


def test_degenerate_points_go_to_pymap3d():
    """A batch holding the earth's centre (pymap3d's special case) gives pymap3d's answer."""
    o = ORIGINS[0]
    centre = np.array(pymap3d.ecef2enu(0.0, 0.0, 0.0, o.lat_deg, o.lon_deg, o.alt_m))
    enu = np.vstack([centre, [100.0, 200.0, 300.0]])
    ref = pymap3d.enu2geodetic(enu[:, 0], enu[:, 1], enu[:, 2], o.lat_deg, o.lon_deg, o.alt_m)
    for r, g in zip(ref, o.to_wgs84(enu), strict=True):
        assert np.array_equal(g, r, equal_nan=True)


def test_single_point_keeps_pymap3d_shapes():
    o = ORIGINS[0]
    lat, lon, alt = o.to_wgs84(np.array([100.0, 200.0, 300.0]))
    ref = pymap3d.enu2geodetic(100.0, 200.0, 300.0, o.lat_deg, o.lon_deg, o.alt_m)
    assert np.shape(lat) == np.shape(ref[0]) and float(lat) == float(ref[0])
    assert float(lon) == float(ref[1]) and float(alt) == float(ref[2])


@pytest.mark.parametrize("origin", ORIGINS)
def test_to_enu_is_bit_identical_to_pymap3d(origin):
    """WGS84 -> ENU: pymap3d's coordinates to the last bit, points near the
    origin and anywhere on the globe, NaN included."""
    rng = np.random.default_rng(11)
    for n in (0, 1, 3, 50):
        for spread in (0.01, 1.0, 180.0):
            lat = np.clip(origin.lat_deg + rng.normal(0.0, spread, n), -90.0, 90.0)
            lon = origin.lon_deg + rng.normal(0.0, spread, n)
            alt = rng.normal(0.0, 1.0, n) * 10.0 ** rng.integers(0, 5, n)
            if n > 2:
                lat[1], lon[2] = np.nan, np.inf
            with np.errstate(invalid="ignore"):
                ref = pymap3d.geodetic2enu(lat, lon, alt, origin.lat_deg, origin.lon_deg, origin.alt_m)
            ref = np.stack(ref, axis=-1)
            got = origin.to_enu(lat, lon, alt)
            assert got.shape == ref.shape and np.array_equal(got, ref, equal_nan=True)
            assert got.tobytes() == ref.tobytes() or np.isnan(ref).any()


def test_to_enu_broadcasts_like_pymap3d():
    o = ORIGINS[0]
    lat = np.array([[33.3, 33.4], [33.1, 33.0]])
    ref = np.stack(np.broadcast_arrays(*pymap3d.geodetic2enu(lat, 44.2, 120.0, o.lat_deg, o.lon_deg, o.alt_m)), axis=-1)
    got = o.to_enu(lat, 44.2, 120.0)
    assert got.shape == (2, 2, 3) and got.tobytes() == ref.tobytes()
    one = o.to_enu(33.3, 44.2, 120.0)
    ref_one = pymap3d.geodetic2enu(33.3, 44.2, 120.0, o.lat_deg, o.lon_deg, o.alt_m)
    assert one.shape == (3,) and one.tolist() == [float(c) for c in ref_one]
