"""Wind with height: the profile's forms, and rounds and mortar bombs flown through a sheared wind.

The reference integrates the same point-mass equations with scipy's adaptive DOP853 (rtol 1e-11),
with the exact ISA and the wind evaluated from the profile at the exact height of every stage —
not bastion's 10 m tables or its once-per-step lookup. The physics checked: wind aloft moves the
fall of shot (and a mortar bomb's impact point) in the direction and by the amount the equations
give, to a stated tolerance.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bastion.physics.atmosphere import isa
from bastion.physics.ballistics import GRAVITY, Air, DragFunction, drag_factor_from_bc, fly, impact
from bastion.physics.wind import WindProfile, wind_vector

# a night's shear: calm-ish at the ground, veering and strengthening aloft (a low-level jet)
SHEAR = WindProfile.table([0.0, 100.0, 400.0, 1500.0, 4000.0], [1.0, 6.0, 14.0, 18.0, 25.0], [300, 290, 270, 250, 240])


def reference(p0, v0, k, drag, air, t_end, events=None):
    def f(_t, y):
        rel = y[3:] - air.wind_at(y[2])
        speed = np.linalg.norm(rel)
        st = isa(air.ground_altitude_m + y[2], air.delta_t_k)
        c = float(drag(np.array([speed / float(st.speed_of_sound)]))[0])
        return np.r_[y[3:], GRAVITY - k * float(st.density) * air.pressure_ratio * c * speed * rel]

    return solve_ivp(
        f, (0.0, t_end), np.r_[p0, v0], method="DOP853", rtol=1e-11, atol=1e-9, dense_output=True, events=events
    )


def test_profile_forms():
    # a table: linear per component between rows, held beyond the ends
    w = SHEAR.at(np.array([-5.0, 0.0, 50.0, 9000.0]))
    np.testing.assert_allclose(w[0], wind_vector(1.0, 300))
    np.testing.assert_allclose(w[1], wind_vector(1.0, 300))
    np.testing.assert_allclose(w[2], 0.5 * (wind_vector(1.0, 300) + wind_vector(6.0, 290)))
    np.testing.assert_allclose(w[3], wind_vector(25.0, 240))
    # wind from the north-west blows towards the south-east
    assert wind_vector(5.0, 315)[0] > 0 and wind_vector(5.0, 315)[1] < 0
    # a power law: w_ref (h / 10 m)^p to its top, the 1 m value below 1 m
    pl = WindProfile.power_law(4.0, 270.0, 0.3, 400.0)
    speeds = np.hypot(*pl.at(np.array([0.0, 1.0, 10.0, 100.0, 400.0, 2000.0]))[:, :2].T)
    np.testing.assert_allclose(speeds, 4.0 * np.array([0.1**0.3, 0.1**0.3, 1.0, 10**0.3, 40**0.3, 40**0.3]))
    assert WindProfile.constant(np.array([1.0, 2.0, 0.0])).uniform and not pl.uniform and not SHEAR.uniform
    with pytest.raises(ValueError, match="increase"):
        WindProfile.table([0.0, 0.0], [1.0, 2.0], [0.0, 0.0])


def test_uniform_profile_flies_as_a_wind_vector():
    # the same wind as a vector or as a one-row profile: the same trajectory to the last bit
    drag, k = DragFunction.standard("G2"), float(drag_factor_from_bc(0.42))
    v = np.array([[600.0, 300.0, 400.0]])
    a = fly(np.zeros((1, 3)), v, k, drag, Air(35.0, wind=np.array([3.0, -2.0, 0.0])), 3.0, 0.02)
    b = fly(np.zeros((1, 3)), v, k, drag, Air(35.0, wind=WindProfile.constant(np.array([3.0, -2.0, 0.0]))), 3.0, 0.02)
    assert np.array_equal(a.pos, b.pos) and np.array_equal(a.vel, b.vel)


@pytest.mark.parametrize("elevation_deg", [10.0, 45.0])
def test_round_in_sheared_wind_matches_reference(elevation_deg):
    air = Air(ground_altitude_m=35.0, delta_t_k=-7.0, wind=SHEAR, pressure_ratio=1.02)
    drag, k = DragFunction.standard("G2"), float(drag_factor_from_bc(0.42))
    el = np.radians(elevation_deg)
    v0 = 1050.0 * np.array([np.cos(el) * np.sin(0.4), np.cos(el) * np.cos(0.4), np.sin(el)])
    p0 = np.array([0.0, 0.0, 3.0])
    traj = fly(p0, v0, k, drag, air, t_max=3.5, dt=0.02)
    ref = reference(p0, v0, k, drag, air, 3.5)
    err = np.linalg.norm(ref.sol(traj.t)[:3].T - traj.pos[:, 0], axis=1)
    assert err.max() < 0.05  # 5 cm after 3.5 s and ~2.5 km (the wind drift itself is metres)
    # the shear's effect: the displacement from the still-air flight, in direction and amount
    still = fly(p0, v0, k, drag, air.still(), t_max=3.5, dt=0.02).pos[-1, 0]
    ref_still = reference(p0, v0, k, drag, air.still(), 3.5).sol(3.5)[:3]
    drift, ref_drift = traj.pos[-1, 0] - still, ref.sol(3.5)[:3] - ref_still
    assert np.linalg.norm(ref_drift) > 2.0  # metres: the shear matters
    assert np.linalg.norm(drift - ref_drift) < 0.01 * np.linalg.norm(ref_drift) + 0.02


def test_mortar_impact_in_sheared_wind_matches_reference():
    # a 81 mm-like bomb at 60 deg: ~40 s through every layer of the profile up to ~2.5 km
    air = Air(ground_altitude_m=35.0, delta_t_k=5.0, wind=SHEAR)
    drag, k = DragFunction.standard("G1"), float(drag_factor_from_bc(1.0))
    el, az = np.radians(60.0), np.radians(80.0)
    v0 = 250.0 * np.array([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)])
    p0 = np.array([0.0, 0.0, 1.0])
    pos, t_imp, _ = impact(p0, v0, k, drag, air, dt=0.05)

    def ground(_t, y):
        return y[2]

    ground.terminal, ground.direction = True, -1
    ref = reference(p0, v0, k, drag, air, 200.0, events=ground)
    ref_pos = ref.y_events[0][0][:3]
    assert abs(t_imp[0] - ref.t_events[0][0]) < 0.01
    assert np.linalg.norm(pos[0, :2] - ref_pos[:2]) < 0.5  # metres, after ~4 km of flight
    # against still air: the impact moves downwind (towards ~070 deg, where the upper winds blow) by
    # the amount the reference says
    still, _, _ = impact(p0, v0, k, drag, air.still(), dt=0.05)
    ref_still = reference(p0, v0, k, drag, air.still(), 200.0, events=ground).y_events[0][0][:3]
    shift, ref_shift = pos[0, :2] - still[0, :2], ref_pos[:2] - ref_still[:2]
    assert np.linalg.norm(ref_shift) > 100.0
    assert np.linalg.norm(shift - ref_shift) < 0.005 * np.linalg.norm(ref_shift) + 0.5
    to = np.degrees(np.arctan2(ref_shift[0], ref_shift[1])) % 360
    assert 50.0 < to < 120.0  # the winds aloft blow from 240-290 deg
