"""The engagement's compiled loops against the readable references beside them
(``kernels.lead_solution_reference``, ``kernels.footprint_points_reference``): within 1e-12 relative,
not bit for bit (the order of the floating-point operations is free); validity is a decision, equal.
``intact_rounds_arrays`` is the numpy formulation of ``collateral.intact_rounds_in_zones``; the
line-of-fire clearance (plain numpy) is checked against closed forms.
"""

import numpy as np
import pytest
import shapely

from bastion.engage import collateral
from bastion.engage.fire_control import FireControl
from bastion.engage.kernels import footprint_points, footprint_points_reference, lead_solution_reference
from bastion.engage.safety import min_clearance
from bastion.physics.ballistics import Air
from bastion.physics.firing_table import wind_drift
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import GunSite, ZoneArea

RTOL = 1e-12


def close(got, want, scale):
    """Equal within RTOL of each value, or of ``scale`` where a value is near zero (NaN where NaN)."""
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale, equal_nan=True)


def lead_reference(fc, x, t_state, t_fire, iterations=6, accel=None):
    """(azimuth, elevation, tof, intercept, slant range, valid) of the reference, as ``FireControl.lead``."""
    wind = fc.air.wind
    half = np.zeros(3) if accel is None else 0.5 * np.asarray(accel, dtype=float)
    rows, target, valid = lead_solution_reference(
        x, t_state, t_fire, half, accel is not None, fc.gun.position, fc.gun.type.muzzle_velocity,
        wind[0], wind[1], fc.table.lookup, iterations,
    )  # fmt: skip
    return np.arctan2(rows[0], rows[1]), rows[2], rows[3], target, rows[4], valid


def gun(position):
    return GunSite(0, "G", CATALOGUE.guns["lpws"], np.asarray(position, dtype=float), 1550, 0.0, 2 * np.pi, ())


@pytest.mark.parametrize("wind", [(0.0, 0.0, 0.0), (6.0, -4.0, 0.3)])
def test_lead_equals_the_reference(wind):
    rng = np.random.default_rng(11)
    fc = FireControl(gun([30.0, -20.0, 4.0]), Air(35.0, 8.0, wind=np.array(wind)))
    checked = {"valid": 0, "invalid": 0}
    for n in range(400):
        x = np.concatenate([rng.normal(0.0, 1500.0, 3), rng.normal(0.0, 120.0, 3)])
        x[2] = rng.uniform(-100.0, 1500.0)
        t0 = rng.uniform(0.0, 100.0)
        knots = t0 + rng.uniform(0.0, 4.0) + np.arange(rng.integers(1, 12)) * 0.25
        accel = None if n % 2 else np.array([rng.normal(0.0, 2.0), rng.normal(0.0, 2.0), -9.8 + rng.normal(0.0, 2.0)])
        for iterations in (6, 2):
            got = fc.lead(x, t0, knots, iterations=iterations, accel=accel)
            want = lead_reference(fc, x, t0, knots, iterations=iterations, accel=accel)
            assert np.array_equal(got.valid, want[5])
            got_all = (got.azimuth, got.elevation, got.tof, got.intercept, got.slant_range)
            for g, w, scale in zip(got_all, want[:5], (1, 1, 10, 1e4, 1e4), strict=True):
                assert g.shape == w.shape
                close(g, w, scale)
            checked["valid"] += int(got.valid.sum())
            checked["invalid"] += int((~got.valid).sum())
    assert min(checked.values()) > 100  # both in and out of reach were exercised


def test_lead_of_unusable_states_is_invalid_like_the_reference():
    fc = FireControl(gun([0.0, 0.0, 3.0]), Air(35.0, wind=np.array([3.0, 1.0, 0.0])))
    knots = np.array([1.0, 1.25])
    for x in (
        np.array([np.nan, 500.0, 100.0, 0.0, 0.0, 0.0]),
        np.array([1e300, 0.0, 100.0, 0.0, 0.0, 0.0]),
        np.array([500.0, 0.0, 100.0, np.inf, 0.0, 0.0]),
        np.array([0.0, 0.0, 3.0, 0.0, 0.0, 0.0]),  # at the muzzle
    ):
        got = fc.lead(x, 0.0, knots)
        with np.errstate(invalid="ignore", over="ignore"):
            want = lead_reference(fc, x, 0.0, knots)
        assert np.array_equal(got.valid, want[5]) and not got.valid.any()
        assert np.isnan(got.elevation).all() and np.isnan(want[1]).all()


def intact_rounds_arrays(gun, air, azimuth, elevation, rounds_per_knot, zones):
    """Expected intact rounds per zone with numpy over all knots and samples."""
    gt = gun.type
    el_t, rng_t, tof_t = collateral.dud_table(gun, air)
    ground = np.interp(elevation, el_t, rng_t)
    tof = np.interp(elevation, el_t, tof_t)
    u = np.stack([np.sin(azimuth), np.cos(azimuth)], axis=1)
    nrm = np.stack([u[:, 1], -u[:, 0]], axis=1)
    centre = gun.position[:2] + u * ground[:, None] + wind_drift(air.wind, tof, ground, gt.muzzle_velocity)[:, :2]
    slope = np.abs(np.gradient(rng_t, el_t))
    sig_ang = np.hypot(gt.dispersion_rad, gt.pointing_bias_rad)
    s_range = np.maximum(np.interp(elevation, el_t, slope) * sig_ang, 5.0)
    s_cross = np.maximum(ground * sig_ang, 5.0)
    samples = collateral._SAMPLES
    pts = (
        centre[:, None, :]
        + samples[None, :, :1] * s_range[:, None, None] * u[:, None, :]
        + samples[None, :, 1:] * s_cross[:, None, None] * nrm[:, None, :]
    )
    e, n = pts[..., 0].ravel(), pts[..., 1].ravel()
    frac = np.stack(
        [shapely.intersects_xy(z.geometry, e, n).reshape(pts.shape[:2]).mean(axis=1) for z in zones], axis=1
    )
    return gt.dud_fraction * (np.asarray(rounds_per_knot, dtype=float)[:, None] * frac).sum(axis=0), e, n


def test_fall_of_shot_footprint_equals_the_reference(baghdad):
    rng = np.random.default_rng(5)
    d = baghdad.defence
    g = d.guns[0]
    ring = (
        shapely.Point(g.position[0], g.position[1])
        .buffer(900.0)
        .difference(shapely.Point(g.position[0], g.position[1]).buffer(300.0))
    )
    zones = [z for z in d.zones if z.kind == "populated"] + [
        ZoneArea(99, "ring", "populated", 1.0, ring, g.position[:2].copy(), 900.0, False)
    ]
    hits = 0
    for air in (d.air, Air(d.air.ground_altitude_m, d.air.delta_t_k, wind=np.array([-7.0, 2.0, 0.0]))):
        for _ in range(150):
            k = int(rng.integers(1, 12))
            az = rng.uniform(0.0, 2 * np.pi) + rng.normal(0.0, 0.05, k)
            el = np.clip(rng.uniform(-0.05, 0.6) + rng.normal(0.0, 0.02, k), g.type.min_elevation, g.type.max_elevation)
            per_knot = np.full(k, rng.uniform(1.0, 20.0))
            got = collateral.intact_rounds_in_zones(g, air, az, el, per_knot, zones)
            want, e, n = intact_rounds_arrays(g, air, az, el, per_knot, zones)
            close(got, want, 1.0)
            east, north = np.empty(e.size), np.empty(e.size)
            gt = g.type
            table = collateral.dud_table(g, air)
            args = (
                g.position[0],
                g.position[1],
                np.sin(az),
                np.cos(az),
                np.interp(el, table[0], table[1]),
                np.interp(el, table[0], table[2]),
                np.interp(el, table[0], np.abs(np.gradient(table[1], table[0]))),
                float(np.hypot(gt.dispersion_rad, gt.pointing_bias_rad)),
                gt.muzzle_velocity,
                air.wind[0],
                air.wind[1],
                collateral._SAMPLES,
            )
            footprint_points(*args, east, north)
            ref_east, ref_north = footprint_points_reference(*args)
            close(east, ref_east, 1e4)
            close(north, ref_north, 1e4)
            close(east, e, 1e4)  # the array formulation of intact_rounds_in_zones lays out the same points
            close(north, n, 1e4)
            hits += int((got > 0).sum())
    assert hits > 20  # rounds did fall in the zones


def test_line_of_fire_clearance_against_closed_forms():
    """Distances from a line of fire ``reach`` long: beside it (the perpendicular offset), behind the gun
    (to the gun), beyond its end (to the end), on it (zero); the smallest over tracks and knots, each
    track moved to the knot's time; NaN refuses, no track clears."""
    rng = np.random.default_rng(9)
    gun_pos = np.array([120.0, -40.0, 6.0])
    reach = 2400.0
    for _ in range(200):
        az, el = rng.uniform(0.0, 2 * np.pi), rng.uniform(-0.1, 1.4)
        u = np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
        side = np.cross(u, rng.normal(size=3))
        side /= np.linalg.norm(side)
        s, h = rng.uniform(0.0, reach), rng.uniform(0.0, 500.0)
        t0, dt = rng.uniform(0.0, 100.0), rng.uniform(0.0, 3.0)
        vel = rng.normal(0.0, 80.0, 3)
        beside = gun_pos + s * u + h * side  # where the track is at the knot's time t0 + dt
        behind = gun_pos - rng.uniform(1.0, 300.0) * u + h * side
        beyond = gun_pos + (reach + rng.uniform(1.0, 300.0)) * u + h * side
        for where, want in (
            (beside, h),
            (behind, np.linalg.norm(behind - gun_pos)),
            (beyond, np.linalg.norm(beyond - (gun_pos + reach * u))),
        ):
            start = (where - vel * dt)[None]
            got = min_clearance(gun_pos, [az], [el], reach, start, vel[None], t0, np.array([t0 + dt]))
            assert got == pytest.approx(want, rel=1e-9, abs=1e-6)
        # several tracks and knots: the smallest; a track on a later knot's line: zero
        knots = t0 + 0.25 * np.arange(4)
        others = np.stack([beside, beyond, gun_pos + 0.5 * reach * u])
        got = min_clearance(gun_pos, np.full(4, az), np.full(4, el), reach, others, np.zeros((3, 3)), t0, knots)
        assert got == pytest.approx(0.0, abs=1e-6)
    nan = np.array([[np.nan, 0.0, 100.0]])
    assert np.isnan(min_clearance(gun_pos, [0.3], [0.2], reach, nan, np.zeros((1, 3)), 0.0, np.array([0.0])))
    assert min_clearance(gun_pos, [0.3], [0.2], reach, nan[:0], nan[:0], 0.0, np.array([0.0])) == np.inf
