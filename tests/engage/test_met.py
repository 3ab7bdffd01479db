"""Fire control aims with the wind it is told (the met message), not the true wind.

A stationary target is engaged through a sheared wind. The round the lead solution aims is then flown
by the truth's integrator through the true wind: told the true profile, the fire control's ballistic
wind (a weighted mean of the wind along the line of fire) puts the round on the target to well under
the drift; told only the surface wind, it misses by about the shear's drift. The ballistic wind's
weighting is checked against a direct quadrature.
"""

import numpy as np
import pytest
from scipy.integrate import quad

from bastion.api import compile_named
from bastion.engage.fire_control import FireControl
from bastion.engage.kernels import ballistic_wind
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, fly
from bastion.physics.met import met_message, zone_means
from bastion.physics.wind import WindProfile

SHEAR = WindProfile.table([0.0, 100.0, 400.0, 1500.0], [1.0, 8.0, 16.0, 20.0], [300.0, 285.0, 265.0, 250.0])


@pytest.fixture(scope="module")
def gun():
    return compile_named("rocket-salvo").defence.guns[0]


def miss_distance(gun, told: Air, truth: Air, target: np.ndarray) -> float:
    """Closest approach [m] to ``target`` of a round aimed by a fire control told ``told`` and flown in ``truth``."""
    fc = FireControl(gun, told)
    sol = fc.lead(np.r_[target, 0.0, 0.0, 0.0], 0.0, np.array([0.0]))
    assert sol.valid[0]
    az, el, gt = sol.azimuth[0], sol.elevation[0], gun.type
    v = gt.muzzle_velocity * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    k = float(drag_factor_from_bc(gt.ballistic_coefficient))
    tr = fly(gun.position, v, k, DragFunction.standard(gt.drag_function), truth, sol.tof[0] + 0.5, dt=0.002)
    return float(np.linalg.norm(tr.pos[:, 0] - target, axis=1).min())


@pytest.mark.parametrize("offset", [(1200.0, 300.0, 700.0), (-300.0, 1500.0, 250.0), (900.0, -900.0, 1100.0)])
def test_lead_uses_the_met_wind_it_is_told(gun, offset):
    truth = Air(35.0, -10.0, SHEAR)
    target = gun.position + np.array(offset)
    told_truth = miss_distance(gun, truth, truth, target)
    told_surface = miss_distance(gun, Air(35.0, -10.0, SHEAR.at(10.0)), truth, target)
    told_calm = miss_distance(gun, Air(35.0, -10.0), truth, target)
    assert told_calm > 2.5  # the drift the wind causes [m]
    # the profile told: 90 % of the drift taken out (measured: 0.09 m of 2.9, 0.34 of 4.1, 0.35 of 8.5;
    # the plain mean over the heights of the line of fire leaves 0.41, 0.60 and 1.05 m)
    assert told_truth < 0.1 * told_calm + 0.05
    assert told_truth < told_surface  # better than the surface wind alone


def test_uniform_met_aims_as_the_lag_rule(gun):
    # a one-row profile is the lag rule as before, bit for bit
    w = np.array([4.0, -3.0, 0.0])
    a = FireControl(gun, Air(35.0, wind=w)).lead(
        np.r_[gun.position + [800.0, 600.0, 400.0], 5, 0, -2], 0.0, np.zeros(1)
    )
    b = FireControl(gun, Air(35.0, wind=WindProfile.constant(w))).lead(
        np.r_[gun.position + [800.0, 600.0, 400.0], 5, 0, -2], 0.0, np.zeros(1)
    )
    assert np.array_equal(a.elevation, b.elevation) and np.array_equal(a.azimuth, b.azimuth)


def test_ballistic_wind_is_the_weighted_mean_along_the_line():
    air = Air(35.0, wind=SHEAR)
    h_tab, wt = air.table()[0], air.wind_table()
    h0, h1, slant, tof, v0 = 3.0, 900.0, 1800.0, 2.6, 1050.0
    got = ballistic_wind.py_func(h0, h1, slant, tof, v0, h_tab, wt)
    # b solves (e^b - 1) / b = v0 T / X; weight (1 - u) e^(b u) along the path
    q = v0 * tof / slant
    b = 0.7
    for _ in range(60):
        b -= (np.expm1(b) - b * q) / (np.exp(b) - q)
    assert abs(np.expm1(b) / b - q) < 1e-9
    w = [
        quad(lambda u, c=c: SHEAR.at(h0 + u * (h1 - h0))[c] * (1 - u) * np.exp(b * u), 0, 1, limit=200)[0]
        for c in (0, 1)
    ]
    norm = quad(lambda u: (1 - u) * np.exp(b * u), 0, 1)[0]
    np.testing.assert_allclose(
        got, np.array(w) / norm, atol=0.05
    )  # m/s: 8-point quadrature of a piecewise-linear profile
    # the weight falls along the path: the wind near the muzzle counts most
    assert np.hypot(*got) < np.hypot(*SHEAR.mean_between(h0, h1)[:2])


def test_met_message_zone_means_and_error():
    mids, means = zone_means(SHEAR)
    assert mids[0] == 100.0 and mids[1] == 350.0
    np.testing.assert_allclose(means[0], SHEAR.mean_between(0.0, 200.0, n=2000), atol=1e-3)
    assert met_message(WindProfile.constant(np.array([3.0, 1.0, 0.0]))).uniform  # a uniform truth is told as it is
    exact = met_message(SHEAR)
    errs = np.array(
        [met_message(SHEAR, np.random.default_rng(s), error_mps=1.0, staleness_mps_per_h=2.0, age_s=5400.0).velocity
         - exact.velocity for s in range(400)]
    )  # fmt: skip
    # sigma = hypot(1, 2 * 1.5) = 3.16 m/s per zone and horizontal component; none vertical
    assert abs(errs[:, :, :2].std() - np.hypot(1.0, 3.0)) < 0.1
    assert np.all(errs[:, :, 2] == 0.0)
