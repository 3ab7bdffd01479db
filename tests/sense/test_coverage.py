"""Radar coverage maps (issue 20, item 1): a synthetic ridge shrinks the coverage behind it, as the
closed-form geometry says, and the radial line-of-sight test agrees with Surface.clear."""

from __future__ import annotations

import numpy as np
import pytest

from bastion.physics import detection
from bastion.physics.terrain import EARTH_RADIUS_M, STANDARD_K, Surface
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.sense.coverage import radar_coverage

KURFS = CATALOGUE.radars["kurfs"]
SITE = RadarSite(0, "R1", KURFS, np.array([0.0, 0.0, 10.0]), 1.0, 0.0)


def ridge(east_m: float = 3_000.0, peak_m: float = 90.0, cell: float = 20.0, half: float = 8_000.0) -> Surface:
    """A north-south ridge ``east_m`` east of the radar, 400 m wide at its foot, ``peak_m`` high."""
    axis = -half + cell * np.arange(int(2 * half / cell) + 1)
    profile = peak_m * np.clip(1 - np.abs(axis - east_m) / 200.0, 0, 1)
    terrain = np.tile(profile, (axis.size, 1))
    return Surface(axis[0], axis[0], cell, terrain, np.zeros_like(terrain), STANDARD_K, "synthetic ridge")


def free_space_range(rcs: float = 0.05, pd: float = 0.9) -> float:
    """Range [m] at which the radar equation gives Pd for a Swerling 1 target (no multipath)."""
    need = detection.snr_for_pd(pd, KURFS.pfa)
    return KURFS.ref_range_m * (KURFS.ref_snr * rcs / (KURFS.ref_rcs_m2 * need)) ** 0.25


def at(cov, az_deg: float) -> float:
    return float(cov.range_m[round(az_deg) % cov.range_m.size])


@pytest.fixture(scope="module")
def covs():
    flat = {c.height_agl_m: c for c in radar_coverage(SITE)}
    masked = {c.height_agl_m: c for c in radar_coverage(SITE, ridge())}
    return flat, masked


def test_flat_coverage_is_the_radar_equations_range(covs):
    """On the flat datum the 50 m coverage is the free-space Pd-0.9 range (11.8 km for 0.05 m^2;
    multipath over 1 m ground changes nothing at Ku-band) in every direction, within a sample."""
    flat, _ = covs
    r = free_space_range()
    assert r == pytest.approx(11_800, abs=100)
    for h in (50.0, 150.0, 500.0):
        assert np.all(np.abs(flat[h].range_m - r) <= 60.0), h


def test_a_ridge_shrinks_the_coverage_behind_it(covs):
    """Behind the 90 m ridge 3 km east, a target 50 m above ground is hidden once it passes the crest
    (closed form: the ray from the 10 m mast clears the crest at 3 km only while 10 + 40 x 3000 / d
    >= 90 m, which never holds beyond the crest; the target rides 50 m above the ridge as it crosses):
    coverage ends at the ridge. At 500 m the ray clears the crest out to d = 490 x 3000 / 80 = 18.4
    km, beyond the radar-equation range, so the ridge costs nothing. West, nothing changes."""
    flat, masked = covs
    east50 = at(masked[50.0], 90)
    assert 2_900 <= east50 <= 3_300
    assert at(flat[50.0], 90) > 11_000
    assert at(masked[500.0], 90) == pytest.approx(at(flat[500.0], 90), abs=60)
    assert at(masked[50.0], 270) == pytest.approx(at(flat[50.0], 270), abs=60)
    # the ridge runs north-south: at 60 deg off east it is 3 km / cos(60) = 6 km away along the radial
    assert 5_800 <= at(masked[50.0], 30) <= 6_400
    assert masked[50.0].area_km2 < 0.75 * flat[50.0].area_km2
    # 150 m: the crest is cleared while 10 + 140 x 3000 / d >= 90, d <= 5.25 km
    assert 5_000 <= at(masked[150.0], 90) <= 5_400


def test_a_building_block_shadows_its_sector():
    """A 60 m block 300-340 m west of the mast, 300 m long (north-south). At 50 m AGL the target
    is below the block's top as it reaches it: coverage ends there. At 500 m the ray from the 10 m
    mast clears the block's near edge while 10 + 490 x 300 / d >= 60 m, d <= 2.94 km: a 60 m
    building 300 m away hides everything below 9.5 deg behind it. East, nothing changes."""
    cell, half = 20.0, 1_000.0  # (outside the grid: the flat datum)
    axis = -half + cell * np.arange(int(2 * half / cell) + 1)
    ob = np.zeros((axis.size, axis.size))
    ob[np.ix_(np.abs(axis) <= 150, (axis >= -340) & (axis <= -300))] = 60.0
    s = Surface(axis[0], axis[0], cell, np.zeros_like(ob), ob, STANDARD_K, "block")
    cov = {c.height_agl_m: c for c in radar_coverage(SITE, s)}
    assert 250 <= at(cov[50.0], 270) <= 320
    assert 2_800 <= at(cov[500.0], 270) <= 3_100
    assert at(cov[50.0], 90) > 11_000 and at(cov[500.0], 90) > 11_000


def test_radial_line_of_sight_agrees_with_surface_clear():
    """The running-maximum horizon along radials and Surface.clear give the same answer for targets
    50 m above a ridged ground, except within a sample of a shadow's edge."""
    s = ridge()
    covs = radar_coverage(SITE, s, heights_agl_m=(50.0,), rcs_m2=100.0, pd=0.5)
    rng = np.random.default_rng(5)
    n = 400
    az = rng.uniform(0, 2 * np.pi, n)
    d = rng.uniform(500, 9_000, n)
    pts = np.column_stack([d * np.sin(az), d * np.cos(az), np.zeros(n)])
    pts[:, 2] = s.ground_at(pts[:, 0], pts[:, 1]) + 50.0
    clear = s.clear(SITE.position, pts)
    # covered iff within the coverage range of the nearest radial (the big target: only masking counts)
    rows = np.rint(np.degrees(az)).astype(int) % 360
    covered = d <= covs[0].range_m[rows]
    agree = clear == covered
    assert agree.mean() > 0.97
    assert clear.any() and (~clear).any()


def test_earth_curvature_limits_low_coverage():
    """A huge target at 50 m AGL on the flat datum is covered to the 4/3-earth radio horizon of a
    10 m mast, sqrt(2 k R 10) + sqrt(2 k R 50) = 42.2 km, when nothing else limits it."""
    import dataclasses

    rt = dataclasses.replace(KURFS, max_range_m=80_000.0, mask_elevation_rad=-0.01)
    site = RadarSite(0, "R1", rt, np.array([0.0, 0.0, 10.0]), 1.0, 0.0)
    kr = STANDARD_K * EARTH_RADIUS_M
    horizon = np.sqrt(2 * kr * 10) + np.sqrt(2 * kr * 50)
    (cov,) = radar_coverage(site, Surface.flat(), heights_agl_m=(50.0,), rcs_m2=1e6, pd=0.5, n_azimuth=8)
    assert np.all(np.abs(cov.range_m - horizon) < 0.01 * horizon)
