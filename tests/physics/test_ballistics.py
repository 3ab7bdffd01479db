"""Point-mass ballistics against an independent high-accuracy integration and the vacuum closed form.

The reference integrates the same equations of motion with scipy's adaptive DOP853 at rtol 1e-11,
evaluating the atmosphere with the exact ISA formulas (not bastion's lookup table) at the exact
altitude of every stage. Tolerances are in metres after the round's whole flight.
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bastion.physics.atmosphere import isa
from bastion.physics.ballistics import (
    GRAVITY,
    Air,
    DragFunction,
    drag_factor_from_bc,
    drag_factor_from_body,
    fly,
    impact,
)


def reference(p0, v0, k, drag, air, t_end):
    def f(_t, y):
        rel = y[3:] - air.wind
        speed = np.linalg.norm(rel)
        st = isa(air.ground_altitude_m + y[2], air.delta_t_k)
        acc = (
            GRAVITY - k * float(st.density) * float(drag(np.array([speed / float(st.speed_of_sound)]))[0]) * speed * rel
        )
        return np.r_[y[3:], acc]

    return solve_ivp(f, (0.0, t_end), np.r_[p0, v0], method="DOP853", rtol=1e-11, atol=1e-9, dense_output=True)


@pytest.mark.parametrize("elevation_deg", [-2.0, 5.0, 30.0, 70.0])
def test_20mm_round_matches_adaptive_reference(elevation_deg):
    air = Air(ground_altitude_m=35.0, delta_t_k=-7.0, wind=np.array([3.0, -2.0, 0.0]))
    drag = DragFunction.standard("G2")
    k = float(drag_factor_from_bc(0.42))
    el = np.radians(elevation_deg)
    v0 = 1050.0 * np.array([np.cos(el) * np.sin(0.4), np.cos(el) * np.cos(0.4), np.sin(el)])
    p0 = np.array([10.0, -5.0, 3.0])
    traj = fly(p0, v0, k, drag, air, t_max=3.2, dt=0.02)
    ref = reference(p0, v0, k, drag, air, 3.2)
    err = np.linalg.norm(ref.sol(traj.t)[:3].T - traj.pos[:, 0], axis=1)
    assert err.max() < 0.02  # 2 cm after 3.2 s and ~2.5 km of flight
    verr = np.linalg.norm(ref.sol(traj.t)[3:].T - traj.vel[:, 0], axis=1)
    assert verr.max() < 0.02  # m/s


def test_debris_falls_like_the_reference():
    air = Air(ground_altitude_m=35.0, wind=np.array([0.0, 4.0, 0.0]))
    drag = DragFunction.unit()
    k = float(drag_factor_from_body(0.6, 42.0))
    p0, v0 = np.array([0.0, 0.0, 120.0]), np.array([48.0, 5.0, -3.0])
    pos, t_imp, _ = impact(p0, v0, k, drag, air, dt=0.05)
    ref = reference(p0, v0, k, drag, air, float(t_imp[0]) + 1.0)
    # time at which the reference reaches the ground
    ts = np.linspace(0, float(t_imp[0]) + 1.0, 20_001)
    z = ref.sol(ts)[2]
    t_ref = ts[np.argmax(z <= 0.0)]
    assert t_imp[0] == pytest.approx(t_ref, abs=0.01)
    assert np.linalg.norm(pos[0, :2] - ref.sol(t_ref)[:2]) < 0.3  # the linear interpolation within one step


def test_vacuum_limit_is_the_parabola():
    air = Air()
    drag = DragFunction.unit()
    v0 = np.array([[100.0, 0.0, 50.0]])
    traj = fly(np.zeros((1, 3)), v0, 0.0, drag, air, t_max=8.0, dt=0.1)
    t = traj.t
    expected = np.stack([100.0 * t, 0.0 * t, 50.0 * t - 0.5 * 9.80665 * t**2], axis=1)
    assert np.abs(traj.pos[:, 0] - expected).max() < 1e-9
    pos, t_imp, _ = impact(np.zeros((1, 3)) + [0, 0, 1e-9], v0, 0.0, drag, air, dt=0.05)
    # ground crossing interpolated linearly within the last 0.05 s step: error <= g dt^2 / 8 / v_z ~ 6e-5 s
    assert t_imp[0] == pytest.approx(2 * 50.0 / 9.80665, abs=1e-4)
    assert pos[0, 0] == pytest.approx(100.0 * 2 * 50.0 / 9.80665, abs=0.01)


def test_drag_factor_units():
    # BC 1 lb/in^2 = 703.07 kg/m^2: k = pi / (8 BC)
    assert float(drag_factor_from_bc(1.0)) == pytest.approx(np.pi / (8 * 703.0696), rel=1e-6)
    assert float(drag_factor_from_body(0.5, 10.0)) == pytest.approx(0.025)
