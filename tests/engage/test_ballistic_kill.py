"""Kill assessment of ballistic rounds on sensor evidence (issue 15).

The arc-departure test against the closed-form chi-square: intact rounds flown by the world's own
model (``physics.ballistics.fly``, 0.01 s steps, independent of the fit's 0.5 s RK4), seen with
radar noise, fitted, and their later plots tested — the share over the chi-square quantile at a
false-alarm probability alpha must be alpha within binomial error. A round broken by a hit (the
world's debris model: a separation kick and a heavier-for-its-size body) must fail the test; RCS
collapse and fragments evidence; track loss alone is not a kill."""

import numpy as np
import pytest
from scipy.stats import chi2

from bastion.assess.ballistic import fit_arc
from bastion.engage import ballistic_kill as bk
from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, fly
from bastion.physics.geodesy import enu_to_polar, polar_to_enu
from bastion.scenario.catalogue import CATALOGUE
from bastion.track.measurements import polar_to_cartesian_cov

RT = CATALOGUE.radars["kurfs"]
RADAR = np.array([2380.0, 1330.0, 8.0])
AIR = Air(35.0, delta_t_k=-5.0, wind=np.array([2.1, -2.1, 0.0]))
G1 = DragFunction.standard("G1")


def launch(type_name, el_deg, az_deg, start=(7500.0, 2600.0, 1.0)):
    t = CATALOGUE.threats[type_name]
    el, az = np.radians(el_deg), np.radians(az_deg)
    v0 = t.launch_speed_mps * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    return np.array(start), v0, float(drag_factor_from_bc(t.ballistic_coefficient))


def flown(pos, vel, k, t0, duration):
    tr = fly(pos, vel[None], k, G1, AIR, duration, 0.01)
    return tr.t + t0, tr.pos[:, 0], tr.vel[:, 0]


def observe(times, ts, ps, rng):
    """Noisy radar plots (site-frame positions, covariances) of a path (ts, ps) at ``times``."""
    p = np.array([np.interp(times, ts, ps[:, i]) for i in range(3)]).T
    r, a, e = enu_to_polar(p - RADAR)
    r = r + rng.normal(0, RT.sigma_range_m, r.size)
    a = a + rng.normal(0, RT.sigma_azimuth_rad, r.size)
    e = e + rng.normal(0, RT.sigma_elevation_rad, r.size)
    cov = polar_to_cartesian_cov(r, a, e, RT.sigma_range_m, RT.sigma_azimuth_rad, RT.sigma_elevation_rad)
    return polar_to_enu(r, a, e) + RADAR, cov


FIT_TIMES = np.arange(8.0, 18.0, 1.0)  # ten plots before the burst
POST_TIMES = np.array([19.5, 20.0, 20.5, 21.0, 21.5])  # five after it (two radars, 1 s each)


def intact_nis(rng, type_name="rocket-107", el=35.0):
    pos, vel, k = launch(type_name, el + rng.uniform(-5, 5), -100.0 + rng.uniform(-20, 20))
    ts, ps, _ = flown(pos, vel, k, 0.0, 30.0)
    meas, cov = observe(FIT_TIMES, ts, ps, rng)
    fit = fit_arc(FIT_TIMES, meas, cov, AIR)
    assert fit is not None and fit.ballistic
    post, pcov = observe(POST_TIMES, ts, ps, rng)
    return bk.arc_nis(fit, POST_TIMES, post, pcov, AIR)


@pytest.mark.slow
def test_arc_test_false_alarm_rate_matches_chi_square():
    """Intact rounds: P(NIS > chi2 quantile at 1 - alpha) = alpha (3 binomial sigma), mean NIS = dof."""
    rng = np.random.default_rng(11)
    n = 200
    values = [intact_nis(rng) for _ in range(n)]
    nis = np.array([v for v, _ in values])
    dof = values[0][1]
    assert dof == 3 * POST_TIMES.size
    for alpha in (0.1, 0.02):
        rate = float((nis > chi2.ppf(1 - alpha, dof)).mean())
        assert abs(rate - alpha) <= 3 * np.sqrt(alpha * (1 - alpha) / n) + 1.0 / n, (alpha, rate)
    assert nis.mean() == pytest.approx(dof, rel=0.15)


def test_arc_test_few_rounds_close_to_chi_square():
    """A quick version (8 rounds): the mean NIS within the chi-square's 4-sigma of the mean of 8."""
    rng = np.random.default_rng(5)
    nis = np.array([intact_nis(rng)[0] for _ in range(8)])
    dof = 3 * POST_TIMES.size
    assert abs(nis.mean() - dof) < 4 * np.sqrt(2 * dof / 8)


def broken_round(rng, kick_sigma=5.0, type_name="rocket-107"):
    """Plots of a round hit at 18.5 s: the world's break-up (separation kick of ``kick_sigma`` per axis,
    70 % of the mass with the body's drag area, area drawn lognormal(0, 0.3)) — world/debris.py."""
    pos, vel, k = launch(type_name, 35.0, -100.0)
    ts, ps, vs = flown(pos, vel, k, 0.0, 30.0)
    meas, cov = observe(FIT_TIMES, ts, ps, rng)
    fit = fit_arc(FIT_TIMES, meas, cov, AIR)
    j = int(np.searchsorted(ts, 18.5))
    k2 = k / 0.7 * rng.lognormal(0.0, 0.3)
    ts2, ps2, _ = flown(ps[j], vs[j] + rng.normal(0, kick_sigma, 3), k2, ts[j], 10.0)
    post, pcov = observe(POST_TIMES, ts2, ps2, rng)
    return fit, post, pcov


def test_a_broken_round_leaves_its_arc():
    """The world's debris model (5 m/s kick per axis, drag up by ~1/0.7): most broken rounds fail the
    arc test at Pfa 1e-3; an intact round of the same flight passes it."""
    rng = np.random.default_rng(3)
    flagged = 0
    for _ in range(12):
        fit, post, pcov = broken_round(rng)
        verdict, _ = bk.assess(fit, POST_TIMES, post, pcov, [0.03] * 8, [0.03] * 5, 20.0, 0, True, AIR)
        flagged += verdict == "destroyed"
    assert flagged >= 8  # power of two thirds at least
    nis, dof = intact_nis(np.random.default_rng(4))
    assert nis < bk.arc_threshold(dof)


def test_a_round_flying_on_has_survived_and_track_loss_is_not_a_kill():
    rng = np.random.default_rng(8)
    pos, vel, k = launch("mortar-81", 65.0, -100.0, start=(5500.0, 2000.0, 1.0))
    ts, ps, _ = flown(pos, vel, k, 0.0, 40.0)
    meas, cov = observe(FIT_TIMES, ts, ps, rng)
    fit = fit_arc(FIT_TIMES, meas, cov, AIR)
    post, pcov = observe(POST_TIMES, ts, ps, rng)
    verdict, reason = bk.assess(fit, POST_TIMES, post, pcov, [0.01] * 8, [0.01] * 5, 20.0, 0, True, AIR)
    assert verdict == "survived", reason
    # lost with too few plots after the last round's arrival, and no other evidence: "lost"
    verdict, _ = bk.assess(fit, POST_TIMES[:1], post[:1], pcov[:1], [0.01] * 8, [0.01], 20.0, 0, False, AIR)
    assert verdict == "lost"
    # fragments near it while its track is lost: broke up
    verdict, _ = bk.assess(fit, POST_TIMES[:1], post[:1], pcov[:1], [0.01] * 8, [0.01], 20.0, 3, False, AIR)
    assert verdict == "destroyed"
    # fragments (or clutter) near a round still tracked: a kill only if its track also loses
    # consistency (NIS beyond the looser 5 % quantile)
    nis, dof = bk.arc_nis(fit, POST_TIMES, post, pcov, AIR)
    verdict, _ = bk.assess(fit, POST_TIMES, post, pcov, [0.01] * 8, [0.01] * 5, 20.0, 3, True, AIR)
    assert verdict == ("destroyed" if nis > bk.arc_threshold(dof, bk.PFA_CONSISTENT) else "survived")
    verdict, _ = bk.assess(fit, POST_TIMES, post, pcov, [0.01] * 8, [0.01] * 5, 20.0, 1, True, AIR)
    assert verdict == "survived"  # one new plot is not a break-up
    # no arc fitted before the burst: never "survived" nor "destroyed" on the arc alone
    verdict, _ = bk.assess(None, POST_TIMES, post, pcov, [0.01] * 8, [0.01] * 5, 20.0, 0, True, AIR)
    assert verdict == "undetermined"


def swerling3(rng, mean_rcs, size):
    """RCS draws of a Swerling 3 target: chi-square with 4 degrees of freedom scaled to the mean."""
    return mean_rcs * rng.gamma(2.0, 0.5, size)


def test_rcs_collapse_false_alarm_and_power():
    """Swerling 3 estimates: an intact round's drop exceeds z(1 - alpha) at most at rate alpha (the
    spread's floor makes the test conservative); a 20 dB collapse is found."""
    rng = np.random.default_rng(1)
    n = 4000
    z = np.array([bk.rcs_drop(swerling3(rng, 0.03, 10), swerling3(rng, 0.03, 4))[0] for _ in range(n)])
    for alpha, zq in ((0.05, 1.645), (0.01, 2.326)):
        assert (z > zq).mean() <= alpha + 3 * np.sqrt(alpha / n)
    hits = [bk.rcs_drop(swerling3(rng, 0.03, 10), swerling3(rng, 0.0003, 4))[0] for _ in range(200)]
    assert np.mean(np.array(hits) > 3.09) > 0.9
    # too few estimates: no verdict
    assert np.isnan(bk.rcs_drop([0.03, 0.03], [0.001])[0])
