"""The compiled lead solution against the array formulas it replaces: equal to the last bit.

``lead_arrays`` below is the numpy formulation of ``FireControl.lead`` before its iteration was
compiled (``FiringTable.lookup``, ``wind_drift``); any reordering of the floating-point operations
in the kernel shows up here as a mismatch.
"""

import numpy as np
import pytest

from bastion.engage.fire_control import FireControl
from bastion.physics.ballistics import Air
from bastion.physics.firing_table import wind_drift
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import GunSite


def lead_arrays(fc, x, t_state, t_fire, iterations=6, accel=None):
    """(azimuth, elevation, tof, intercept, slant range, valid) with numpy over all knots."""
    v0 = fc.gun.type.muzzle_velocity
    gun_pos = fc.gun.position
    pos = x[..., None, :3]
    vel = x[..., None, 3:6]
    acc = None if accel is None else 0.5 * np.asarray(accel, dtype=float)[..., None, :]
    dt = (t_fire - t_state)[..., None]
    rel0 = pos + vel * dt if acc is None else pos + vel * dt + acc * dt**2
    tof = np.linalg.norm(rel0 - gun_pos, axis=-1) / v0
    for _ in range(iterations):
        tau = dt + tof[..., None]
        target = pos + vel * tau if acc is None else pos + vel * tau + acc * tau**2
        rel = target - gun_pos
        slant = np.sqrt(np.add.reduce(rel * rel, axis=-1))
        aim = rel - wind_drift(fc.air.wind, tof, slant, v0)
        rh = aim[..., 1:].copy()
        rh[..., 0] = np.hypot(aim[..., 0], aim[..., 1])
        el, sol_tof, valid = fc.table.lookup(rh)
        tof = np.where(valid, sol_tof, tof)
    el = np.where(valid, el, np.nan)
    az = np.arctan2(aim[..., 0], aim[..., 1])
    return az, el, tof, target, slant, valid & np.isfinite(el)


def gun(position):
    return GunSite(0, "G", CATALOGUE.guns["lpws"], np.asarray(position, dtype=float), 1550, 0.0, 2 * np.pi, ())


@pytest.mark.parametrize("wind", [(0.0, 0.0, 0.0), (6.0, -4.0, 0.3)])
def test_lead_equals_the_array_formulas(wind):
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
            want = lead_arrays(fc, x, t0, knots, iterations=iterations, accel=accel)
            for g, w in zip(
                (got.azimuth, got.elevation, got.tof, got.intercept, got.slant_range, got.valid), want, strict=True
            ):
                assert g.shape == w.shape
                assert np.array_equal(g, w, equal_nan=True)
            checked["valid"] += int(got.valid.sum())
            checked["invalid"] += int((~got.valid).sum())
    assert min(checked.values()) > 100  # both in and out of reach were exercised


def test_lead_of_unusable_states_is_invalid_like_the_arrays():
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
            want = lead_arrays(fc, x, 0.0, knots)
        assert np.array_equal(got.valid, want[5])
        assert np.array_equal(got.elevation, want[1], equal_nan=True)
