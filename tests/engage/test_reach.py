"""Cannot reach (issue 15): a gun that cannot engage a round anywhere on its arc before impact says
why — beyond range, only inside a no-fire sector, too late — and one that can says nothing."""

import numpy as np

from bastion.assess.ballistic import ArcFit
from bastion.engage.reach import cannot_reach
from bastion.physics.ballistics import Air
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import GunSite, NoFire

AIR = Air(35.0)


def gun(position=(0.0, 0.0, 3.0), no_fire=()):
    return GunSite(0, "G", CATALOGUE.guns["lpws"], np.array(position), 1550, 0.0, 2 * np.pi, tuple(no_fire))


def falling_at(target, t0=0.0, speed=(-150.0, 0.0, -120.0), height=1500.0):
    """An arc fit whose round is ``height`` m above a point east of ``target`` at ``t0``, flying
    west and down towards it (negligible drag)."""
    v = np.array(speed)
    start = np.array([target[0] + 1800.0, target[1], height])
    theta = np.r_[start, v, np.log(1e-12)]
    return ArcFit(t0, theta, np.eye(7) * 1e-6, 1.0, 10)


def impact_time(fit):
    # height h, vertical speed vu (down), gravity: h + vu t - g t^2 / 2 = 0
    h, vu = fit.theta[2], fit.theta[5]
    g = 9.80665
    return fit.t_ref + (vu + np.sqrt(vu * vu + 2 * g * h)) / g


def test_a_round_passing_overhead_is_reachable():
    fit = falling_at((0.0, 0.0))
    assert cannot_reach(gun(), fit, 0.0, impact_time(fit), AIR) is None


def test_a_round_far_from_the_gun_is_beyond_range():
    fit = falling_at((0.0, 6000.0))
    why = cannot_reach(gun(), fit, 0.0, impact_time(fit), AIR)
    assert why is not None and "beyond the 1500 m engagement range" in why


def test_a_round_only_inside_a_no_fire_sector():
    # a sector covering every azimuth below 80 deg elevation: the round only ever seen lower than that
    nf = NoFire(0.0, 2 * np.pi - 1e-6, np.radians(80.0), "everything low")
    fit = falling_at((0.0, 0.0))
    why = cannot_reach(gun(no_fire=(nf,)), fit, 0.0, impact_time(fit), AIR)
    assert why is not None and "no-fire" in why


def test_a_round_within_range_only_before_the_gun_could_react():
    fit = falling_at((0.0, 0.0))
    t_hit = impact_time(fit)
    why = cannot_reach(gun(), fit, t_hit - 1.0, t_hit, AIR)  # one second left: reaction is 2 s
    assert why is not None and "before the gun could react" in why


def test_no_verdict_without_a_finite_impact_time():
    fit = falling_at((0.0, 6000.0))
    assert cannot_reach(gun(), fit, 0.0, float("nan"), AIR) is None
