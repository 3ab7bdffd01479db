"""Rocket boost: the motor model against scipy's adaptive integrator, the burning mass, and the
catalogue's rockets against their published maximum ranges.

The reference integrates the same equations (thrust along the air-relative velocity while the motor
burns, mass falling linearly, drag factor scaling with the mass, exact ISA, the wind at the exact
height) with DOP853 at rtol 1e-10, the burnout as an integration boundary.
"""

import dataclasses

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bastion.physics.atmosphere import isa
from bastion.physics.ballistics import GRAVITY, Air, DragFunction, drag_factor_from_bc, impact, rk4_step
from bastion.physics.constants import G0
from bastion.physics.rocket import Boosters, fly, launch_state, range_table
from bastion.physics.wind import WindProfile
from bastion.scenario.catalogue import CATALOGUE

G1 = DragFunction.standard("G1")
GRAD = CATALOGUE.threats["rocket-122"]
TYPE63 = CATALOGUE.threats["rocket-107"]


def boosters(t, n=1) -> Boosters:
    m = t.motor
    k = float(drag_factor_from_bc(t.ballistic_coefficient))
    return Boosters(*(np.full(n, x) for x in (m.thrust_n, m.mass_flow, m.burn_time_s, t.mass_kg, k, m.weathercocks)))


def reference(t, air, p0, v0, tau0, t_end):
    """DOP853 from the rail to ``t_end`` after leaving it: boost to burnout, then coast."""
    m, b = t.motor, boosters(t)

    def rhs(tau, y):
        rel = y[3:] - air.wind_at(y[2])
        s = np.linalg.norm(rel)
        st = isa(air.ground_altitude_m + y[2], air.delta_t_k)
        c = float(G1(np.array([s / float(st.speed_of_sound)]))[0])
        kk = float(b.drag_factor(np.array([tau]))[0])
        thrust = m.thrust_n / float(b.mass(np.array([tau]))[0]) if tau < m.burn_time_s else 0.0
        axis = rel if m.weathercocks else y[3:]
        return np.r_[y[3:], GRAVITY + thrust * axis / np.linalg.norm(axis) - kk * float(st.density) * c * s * rel]

    boost = solve_ivp(rhs, (tau0, m.burn_time_s), np.r_[p0, v0], method="DOP853", rtol=1e-10, atol=1e-8)
    end = boost.y[:, -1]
    coast = solve_ivp(
        rhs, (m.burn_time_s + 1e-12, tau0 + t_end), end, method="DOP853", rtol=1e-10, atol=1e-8, dense_output=True
    )
    return end, coast


def test_motor_figures():
    m = GRAD.motor
    assert m.total_impulse_ns == pytest.approx(m.specific_impulse_s * G0 * m.propellant_kg)
    b = boosters(GRAD)
    assert b.mass(np.array([0.0]))[0] == GRAD.mass_kg
    assert b.mass(np.array([5.0]))[0] == pytest.approx(GRAD.mass_kg - m.propellant_kg)  # burnt out: stays
    assert b.drag_factor(np.array([m.burn_time_s]))[0] == pytest.approx(b.k_burnout[0])
    assert b.drag_factor(np.array([0.0]))[0] < b.k_burnout[0]  # heavier while the propellant is aboard
    v, tau = m.rail_exit(GRAD.mass_kg, np.radians(45.0))
    a = m.thrust_n / GRAD.mass_kg - G0 * np.sin(np.radians(45.0))
    assert v == pytest.approx(np.sqrt(2 * a * m.rail_length_m)) and tau == pytest.approx(v / a)


WEATHERCOCKING = dataclasses.replace(GRAD, motor=dataclasses.replace(GRAD.motor, weathercocks=True))
SHEAR = WindProfile.table([0.0, 200.0, 3000.0], [3.0, 9.0, 15.0], [0, 20, 40])


@pytest.mark.parametrize(("rocket", "wind"), [(GRAD, np.zeros(3)), (GRAD, SHEAR), (WEATHERCOCKING, SHEAR)])
def test_boost_and_coast_match_the_reference(rocket, wind):
    air = Air(35.0, 5.0, wind)
    p0, v0, tau0 = launch_state(
        rocket.motor, rocket.mass_kg, np.array([0.0, 0.0, 1.0]), np.radians(40.0), np.radians(90.0)
    )
    burn = rocket.motor.burn_time_s - tau0
    b = boosters(rocket)
    p1, v1 = fly(p0[None], v0[None], np.array([tau0]), np.array([burn]), b, G1, air)
    end, coast = reference(rocket, air, p0, v0, tau0, 30.0)
    assert np.linalg.norm(p1[0] - end[:3]) < 0.02  # m, at burnout (~1 km from the rail)
    assert np.linalg.norm(v1[0] - end[3:]) < 0.01  # m/s (~760 m/s)
    # then 28 s of coasting in the world's 0.1 s steps (to 29.88 s after ignition)
    p, v, tau = p1, v1, np.array([rocket.motor.burn_time_s])
    for _ in range(280):
        p, v = fly(p, v, tau, np.array([0.1]), b, G1, air)
        tau = tau + 0.1
    want = coast.sol(tau[0])
    assert np.linalg.norm(p[0] - want[:3]) < 0.5  # m, after ~15 km of flight


def test_a_world_step_that_spans_burnout_equals_the_boost_then_the_coast():
    air = Air(35.0)
    b = boosters(TYPE63)
    p0, v0, tau0 = launch_state(TYPE63.motor, TYPE63.mass_kg, np.zeros(3), np.radians(45.0), 0.0)
    a = fly(p0[None], v0[None], np.array([tau0]), np.array([1.0]), b, G1, air)
    burn = TYPE63.motor.burn_time_s - tau0
    mid = fly(p0[None], v0[None], np.array([tau0]), np.array([burn]), b, G1, air)
    two = fly(*mid, np.array([TYPE63.motor.burn_time_s]), np.array([1.0 - burn]), b, G1, air)
    np.testing.assert_allclose(a[0], two[0], atol=1e-9)
    np.testing.assert_allclose(a[1], two[1], atol=1e-9)


@pytest.mark.parametrize(
    ("threat", "published_m"),
    [
        (GRAD, 20_400.0),  # M-21OF / 9M22U, threats.md §1 (M)
        (TYPE63, 8_000.0),  # Type 63 family, threats.md §1 (M)
    ],
)
def test_maximum_range_against_published(threat, published_m):
    """The catalogue's motor and body (L figures: specific impulse, form factor) against the published
    maximum range (M): within 10 %, at the 45-50 deg elevation of a flat-ground rocket's maximum."""
    k = float(drag_factor_from_bc(threat.ballistic_coefficient))
    el, rng, _ = range_table(threat.motor, threat.mass_kg, k, G1, Air(35.0))
    j = int(np.nanargmax(rng))
    assert abs(rng[j] / published_m - 1.0) < 0.10, rng[j]
    assert 44.0 <= np.degrees(el[j]) <= 52.0


def test_crosswind_drifts_a_rocket_downwind_unless_it_weathercocks():
    """A crosswind drifts a rocket that keeps its axis on its path downwind (drag, as a shell); one that
    turns its axis into the air flow while it burns (zero-lag weathercocking, the upper bound) turns
    upwind and lands far upwind — by several per cent of its range."""
    cross = np.array([0.0, 3.0, 0.0])  # blowing north, across a flight towards the east
    k = float(drag_factor_from_bc(GRAD.ballistic_coefficient))
    shift = {}
    for rocket in (GRAD, WEATHERCOCKING):
        b = boosters(rocket)
        impacts = []
        for wind in (np.zeros(3), cross):
            air = Air(35.0, wind=wind)
            p0, v0, tau0 = launch_state(
                rocket.motor, rocket.mass_kg, np.array([0, 0, 1.0]), np.radians(30.0), np.pi / 2
            )
            p, v = fly(p0[None], v0[None], np.array([tau0]), np.array([rocket.motor.burn_time_s - tau0]), b, G1, air)
            impacts.append(impact(p, v, k, G1, air, dt=0.1)[0][0])
        shift[rocket.motor.weathercocks] = (impacts[1][1] - impacts[0][1], impacts[0][0])
    north, rng = shift[False]
    assert 0.0 < north < 0.01 * rng  # downwind, under 1 % of the range for 3 m/s
    north, rng = shift[True]
    assert north < -0.03 * rng  # upwind, over 3 % of the range


@pytest.mark.parametrize("threat", [GRAD, TYPE63])
@pytest.mark.parametrize("elevation_deg", [20.0, 45.0, 55.0])
def test_the_boost_leaves_a_small_bias_in_a_ballistic_point_of_origin(threat, elevation_deg):
    """The point-of-origin estimator flies a post-burnout arc backwards as if there were no motor. From
    the exact state 3 s after burnout that arc meets the ground just behind the launcher (the boost
    climbs nearly straight along the launcher's line): under 30 m, against the LCMR's 100 m."""
    air = Air(35.0, -10.0)
    m, k, b = threat.motor, float(drag_factor_from_bc(threat.ballistic_coefficient)), boosters(threat)
    p0, v0, tau0 = launch_state(m, threat.mass_kg, np.array([0.0, 0.0, 1.0]), np.radians(elevation_deg), 0.0)
    p, v = fly(p0[None], v0[None], np.array([tau0]), np.array([m.burn_time_s - tau0 + 3.0]), b, G1, air)
    for _ in range(20_000):  # backwards in 10 ms steps to the ground
        q, w = rk4_step(p, v, -0.01, np.array([k]), G1, air)
        if q[0, 2] <= 0.0:
            break
        p, v = q, w
    along = q[0, 1]
    assert -30.0 < along < 0.0 and abs(q[0, 0]) < 1e-6
