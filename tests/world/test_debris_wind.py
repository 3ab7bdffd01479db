"""Debris falls through the wind at its height (``bastion.world.debris.DebrisPhysics``): the pieces of
a drone destroyed at 220 m, stepped as the world steps them (0.1 s), land where scipy's ``solve_ivp``
(DOP853) puts a point mass with quadratic drag in the same sheared wind.

The reference: ``dx/dt = v``, ``dv/dt = g - k rho(h) |v - w(h)| (v - w(h))`` with the ISA density of
the air (``Air.density_and_sound``) and the profile's wind at the exact height (``WindProfile.at``),
to the ground crossing (an event). The stepped model looks the density and the wind up once per
0.1 s step at the step's mid-point height (predicted with the initial velocity) and interpolates the
profile on a 10 m grid (exact here: the profile's heights are multiples of 10 m). Measured: within
4 mm on the landing points of pieces that drift 39-119 m; tolerance 0.05 m (the change of the air
within a step, and the landing found by a linear crossing within the last step).
"""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from bastion.physics.ballistics import GRAVITY, Air
from bastion.physics.wind import WindProfile
from bastion.scenario.catalogue import CATALOGUE
from bastion.world.debris import DebrisPhysics, break_up

SHEAR = Air(
    35.0,
    delta_t_k=-5.0,
    wind=WindProfile.table([0.0, 50.0, 150.0, 300.0], [2.0, 6.0, 11.0, 15.0], [200.0, 225.0, 250.0, 255.0]),
)


def pieces(seed: int):
    kind = CATALOGUE.threats["owa-fixed-wing"]
    return break_up(
        0, kind, np.array([500.0, -200.0, 220.0]), np.array([-45.0, 20.0, -3.0]), 0.05, 0, False,
        np.random.default_rng(seed), n_fragments=6,
    )  # fmt: skip


def land(air: Air, seed: int, dt: float = 0.1):
    debris, phys = pieces(seed), DebrisPhysics(air)
    out = np.full((len(debris), 3), np.nan)
    for _ in range(2000):
        landed = phys.step(debris, dt)
        for j, i in enumerate(landed.id):
            out[i] = landed.pos[j]
        if len(debris) == 0:
            break
    return out


def reference(air: Air, seed: int) -> np.ndarray:
    debris = pieces(seed)
    out = []
    for p0, v0, k in zip(debris.pos, debris.vel, debris.k, strict=True):

        def rhs(_, y, k=k):
            rho, _a = air.density_and_sound(np.array([y[2]]))
            rel = y[3:] - air.profile.at(y[2])
            return np.r_[y[3:], GRAVITY - k * rho[0] * np.linalg.norm(rel) * rel]

        def ground(_, y):
            return y[2]

        ground.terminal, ground.direction = True, -1
        sol = solve_ivp(rhs, (0.0, 600.0), np.r_[p0, v0], method="DOP853", events=ground, rtol=1e-10, atol=1e-9)
        out.append(sol.y_events[0][0][:3])
    return np.array(out)


@pytest.mark.parametrize("seed", [1, 2])
def test_debris_lands_where_an_exact_integrator_puts_it_in_a_sheared_wind(seed):
    got, want = land(SHEAR, seed), reference(SHEAR, seed)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got[:, :2], want[:, :2], rtol=0, atol=0.05)
    # the wind matters: still air, or the surface wind at every height, puts the pieces elsewhere
    calm = land(Air(35.0, delta_t_k=-5.0), seed)
    surface = land(Air(35.0, delta_t_k=-5.0, wind=SHEAR.wind_at(10.0)), seed)
    drift = np.hypot(*(got[:, :2] - calm[:, :2]).T)
    assert drift.min() > 30.0 and drift.max() < 200.0  # measured 39-119 m
    assert np.hypot(*(got[:, :2] - surface[:, :2]).T).min() > 25.0  # measured 34-99 m: the shear aloft
