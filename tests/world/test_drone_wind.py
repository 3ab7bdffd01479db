"""Wind aloft on drones (``bastion.world.drones``): a GNSS-waypoint drone holds its ground track by
crabbing (its velocity through the air changes, its flight over the ground does not); a
dead-reckoning drone drifts with the wind at its height. The drift is checked against scipy's
``solve_ivp`` integrating ``dx/dt = w(h(t))`` along the drone's height history, in a sheared profile.
"""

from dataclasses import replace

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bastion.api import compile_named
from bastion.engine.simulation import run
from bastion.physics.ballistics import Air
from bastion.physics.wind import WindProfile
from bastion.scenario import parse
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.catalogue.threats import guidance_of
from bastion.scenario.compiled import ThreatPlan, compile_scenario
from bastion.scenario.loader import ScenarioError
from bastion.world.drones import CRUISE, IMPACTED, WAITING, DroneFleet

# a night-time shear: light at the ground, 14 m/s from the west-south-west at 300 m
SHEAR = Air(
    35.0, wind=WindProfile.table([0.0, 50.0, 150.0, 300.0], [2.0, 5.0, 10.0, 14.0], [200.0, 220.0, 245.0, 250.0])
)


def fleet(guidance: str, seed: int = 3) -> DroneFleet:
    t = CATALOGUE.threats["owa-fixed-wing"]
    wp = np.array([[3000.0, 2000.0], [0.0, 0.0]])
    g = replace(guidance_of(t.name, t.kind), control=guidance)
    plans = (ThreatPlan("D", t, np.array([8000.0, -3000.0, 20.0]), 0.0, wp, np.zeros(3), 220.0, 50.0, None, g),)
    return DroneFleet.launch_plan(plans, np.array([0]), np.random.default_rng(seed))


def fly(f: DroneFleet, air: Air | None, dt: float = 1.0, t_max: float = 1000.0):
    """Step ``f`` to its impact; the times, positions and velocities after each step."""
    t, times, pos, vel = 0.0, [0.0], [f.pos[0].copy()], [f.vel[0].copy()]
    while f.state[0] != IMPACTED and t < t_max:
        f.step(t, dt, air)
        t += dt
        times.append(t if f.state[0] != IMPACTED else f.end_time[0])
        pos.append(f.pos[0].copy())
        vel.append(f.vel[0].copy())
    assert f.state[0] == IMPACTED
    return np.array(times), np.array(pos), np.array(vel)


def test_a_gnss_drone_holds_its_ground_track_and_crabs():
    calm = fly(fleet("gnss-waypoints"), None)
    f = fleet("gnss-waypoints")
    windy = fly(f, SHEAR)
    for a, b in zip(calm, windy, strict=True):
        assert np.array_equal(a, b)  # over the ground: the same flight, bit for bit
    # in flight, its velocity through the air is its ground velocity less the wind at its height
    f = fleet("gnss-waypoints")
    for k in range(40):
        f.step(float(k), 1.0, SHEAR)
    assert f.state[0] == CRUISE
    air_v = f.air_velocity(SHEAR)[0]
    w = SHEAR.wind_at(f.pos[0, 2])
    np.testing.assert_allclose(air_v[:2], f.vel[0, :2] - w[:2], rtol=0, atol=1e-12)
    # the heading turns into the wind: the air velocity's cross-track component opposes the wind's
    track = f.vel[0, :2] / np.linalg.norm(f.vel[0, :2])
    cross = np.array([track[1], -track[0]])
    assert np.dot(w[:2], cross) * np.dot(air_v[:2], cross) < 0
    assert np.linalg.norm(air_v[:2]) != pytest.approx(50.0, abs=0.5)  # its airspeed is not its ground speed


def test_in_still_air_dead_reckoning_flies_as_gnss():
    a = fly(fleet("gnss-waypoints"), Air(35.0))
    b = fly(fleet("dead-reckoning"), Air(35.0))
    for x, y in zip(a, b, strict=True):
        assert np.array_equal(x, y)


def test_a_dead_reckoning_drone_drifts_with_the_wind_at_its_height():
    """The dead-reckoning drone believes it flies the calm flight; its true position is the calm one
    plus the wind's drift ``∫ w(h(t)) dt`` along its heights (climbing from 20 m through the shear to
    220 m, cruising, diving). solve_ivp (DOP853, rtol 1e-10) integrates that drift with the profile
    interpolated exactly, along the calm flight's height history (linear between steps); the fleet's
    mid-step wind is exact within the profile's linear pieces; the steps that straddle one of its
    corners (climbing at 5 m/s, diving at 36 m/s down) are not: measured 0.04 m over a drift of 2.3 km
    in 211 s of flight, tolerance 0.1 m."""
    times, calm_pos, calm_vel = fly(fleet("dead-reckoning"), None)
    f = fleet("dead-reckoning")
    w_times, w_pos, w_vel = fly(f, SHEAR)
    # the drone's own guidance runs on where it believes it is: the calm flight (to rounding)
    np.testing.assert_allclose(w_pos[:, 2], calm_pos[:, 2], rtol=0, atol=1e-6)
    np.testing.assert_allclose(w_times, times, rtol=0, atol=1e-9)
    drift = w_pos[:, :2] - calm_pos[:, :2]
    profile = SHEAR.profile

    def rhs(t, _):
        return profile.at(np.interp(t, times, calm_pos[:, 2]))[:2]

    sol = solve_ivp(rhs, (0.0, times[-1]), np.zeros(2), method="DOP853", t_eval=times, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(drift, sol.y.T, rtol=0, atol=0.1)
    assert np.hypot(*drift[-1]) > 1000.0  # it lands far from its aim point, carried downwind
    miss = np.hypot(*w_pos[-1, :2])
    assert miss == pytest.approx(np.hypot(*drift[-1]), abs=25.0)  # its aim (0, 0) less 4 sigma of navigation
    # over the ground it moves at its velocity through the air plus the wind at its mid-step height
    k = len(times) // 2
    w_mid = profile.at(0.5 * (calm_pos[k - 1, 2] + calm_pos[k, 2]))[:2]
    np.testing.assert_allclose(w_vel[k, :2] - calm_vel[k, :2], w_mid, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        w_pos[k, :2] - w_pos[k - 1, :2] - (calm_pos[k, :2] - calm_pos[k - 1, :2]), w_mid, atol=1e-6
    )


def test_waiting_drones_do_not_drift():
    f = fleet("dead-reckoning")
    f.launch_time[:] = 50.0
    for k in range(10):
        f.step(float(k), 1.0, SHEAR)
    assert f.state[0] == WAITING and np.array_equal(f.pos[0], [8000.0, -3000.0, 20.0])


def scenario_text(guidance: str) -> str:
    text = compile_named("baghdad").loaded.text
    extra = "" if guidance == "" else f'guidance = "{guidance}"\n'
    return text.replace('type = "owa-fixed-wing"\n', f'type = "owa-fixed-wing"\n{extra}', 1)


def test_a_scenario_can_deny_a_drone_its_gnss():
    plans = compile_scenario(parse(scenario_text("dead-reckoning"), "t")).raid.threats
    assert plans[0].guidance.control == "dead-reckoning" and plans[1].guidance.control == "gnss-waypoints"
    with pytest.raises(ScenarioError, match="guidance"):
        parse(scenario_text("inertial"), "t")


def test_guidance_is_refused_for_a_rocket():
    text = compile_named("rocket-salvo").loaded.text
    assert 'type = "rocket-107"' in text
    bad = text.replace('type = "rocket-107"\n', 'type = "rocket-107"\nguidance = "dead-reckoning"\n', 1)
    with pytest.raises(ScenarioError, match="guidance applies to drones only"):
        parse(bad, "t")


@pytest.mark.slow
def test_a_night_with_a_gnss_denied_drone_runs_and_it_drifts():
    """Baghdad's 3 m/s north-westerly carries a dead-reckoning drone some hundreds of metres off its
    aim over its flight: its truth impact (or kill point) differs from the GNSS night's."""
    gnss = compile_scenario(parse(scenario_text(""), "t"))
    denied = compile_scenario(parse(scenario_text("dead-reckoning"), "t"))
    a, b = run(gnss, 1), run(denied, 1)
    assert a.world.drones.drifts.sum() == 0 and b.world.drones.drifts.sum() == 1
    d = b.world.drones
    i = int(np.flatnonzero(d.drifts)[0])
    assert np.hypot(*d.drift[i]) > 100.0
    # the wind it drifted with is Baghdad's, from 315 deg: to the south-east
    assert d.drift[i, 0] > 0 and d.drift[i, 1] < 0
