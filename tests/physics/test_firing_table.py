"""The firing table's inverse solution checked by flying the rounds it prescribes."""

import numpy as np
import pytest

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, fly
from bastion.physics.firing_table import FiringTable, elevation_for_range, range_table, wind_drift

DRAG = DragFunction.standard("G2")
K = float(drag_factor_from_bc(0.42))


@pytest.fixture(scope="module")
def table():
    return FiringTable(1050.0, K, DRAG, Air(40.0), t_max=3.2, max_range_m=2_500.0)


@pytest.mark.parametrize(("r", "h"), [(300.0, 20.0), (800.0, 150.0), (1_200.0, 90.0), (1_500.0, 600.0), (900.0, -20.0)])
def test_solution_hits_the_point(table, r, h):
    sol = table.solve(np.array([r]), np.array([h]))
    assert sol.valid[0]
    el, tof = float(sol.elevation[0]), float(sol.tof[0])
    traj = fly(
        np.zeros((1, 3)), 1050.0 * np.array([[np.cos(el), 0.0, np.sin(el)]]), K, DRAG, Air(40.0), tof + 0.01, 0.001
    )
    p = np.array([np.interp(tof, traj.t, traj.pos[:, 0, i]) for i in range(3)])
    assert np.hypot(p[0] - r, p[2] - h) < 0.25  # metres: bilinear interpolation in a 10 m grid


def test_out_of_reach_is_invalid(table):
    sol = table.solve(np.array([3_000.0, 500.0]), np.array([0.0, 3_000.0]))
    assert not sol.valid.any()


def test_lag_rule_wind_correction():
    # aim upwind by the lag-rule drift, fly in the wind: the miss is a small fraction of the drift
    wind = np.array([0.0, 8.0, 0.0])  # 8 m/s crosswind (towards north), firing east
    table = FiringTable(1050.0, K, DRAG, Air(40.0), t_max=3.2, max_range_m=2_500.0)
    r, h = 1_400.0, 100.0
    sol = table.solve(np.array([r]), np.array([h]))
    drift = wind_drift(wind, sol.tof, np.array([np.hypot(r, h)]), 1050.0)[0]
    aim = np.array([r, 0.0, h]) - drift
    s2 = table.solve(np.array([np.hypot(aim[0], aim[1])]), np.array([aim[2]]))
    el, az = float(s2.elevation[0]), np.arctan2(aim[0], aim[1])
    v = 1050.0 * np.array([[np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)]])
    traj = fly(np.zeros((1, 3)), v, K, DRAG, Air(40.0, wind=wind), float(s2.tof[0]) + 0.01, 0.001)
    p = np.array([np.interp(float(sol.tof[0]), traj.t, traj.pos[:, 0, i]) for i in range(3)])
    uncorrected_miss = np.linalg.norm(drift)
    assert uncorrected_miss > 3.0
    assert np.linalg.norm(p - np.array([r, 0.0, h])) < 0.15 * uncorrected_miss


def test_indirect_fire_range_table_branches():
    table = range_table(369.0, float(drag_factor_from_bc(2.3)), DragFunction.standard("G1"), Air(35.0))
    low, t_low = elevation_for_range(table, 6_000.0, high_angle=False)
    high, t_high = elevation_for_range(table, 6_000.0, high_angle=True)
    assert np.degrees(low) < 44 < np.degrees(high)
    assert t_high > t_low
    assert np.isnan(elevation_for_range(table, 20_000.0, high_angle=False)[0])
