"""The 20 mm round against py-ballisticcalc, an independent point-mass library (LGPL), over a range table.

Both use the BRL G2 drag function with the same ballistic coefficient, standard atmosphere and no
wind; they differ in their atmosphere code, unit handling and integrator. Tolerances: time of flight
within 0.5 %, drop within 2 % (or 0.2 m), remaining velocity within 1 %, out to 2 km.
"""

import numpy as np
import pytest

pbc = pytest.importorskip("py_ballisticcalc")

from bastion.physics.ballistics import Air, DragFunction, drag_factor_from_bc, fly  # noqa: E402

BC = 0.42
V0 = 1050.0
RANGES = [250.0, 500.0, 1000.0, 1500.0, 2000.0]


def bastion_table():
    air = Air(ground_altitude_m=0.0)
    traj = fly(
        np.zeros((1, 3)),
        np.array([[V0, 0.0, 0.0]]),
        float(drag_factor_from_bc(BC)),
        DragFunction.standard("G2"),
        air,
        t_max=4.0,
        dt=0.002,
    )
    x, z = traj.pos[:, 0, 0], traj.pos[:, 0, 2]
    speed = np.linalg.norm(traj.vel[:, 0], axis=1)
    return {r: (np.interp(r, x, traj.t), np.interp(r, x, z), np.interp(r, x, speed)) for r in RANGES}


def pbc_table():
    from py_ballisticcalc import Ammo, Atmo, Calculator, DragModel, Shot, TableG2, Unit, Weapon

    dm = DragModel(BC, TableG2, weight=Unit.Grain(1574), diameter=Unit.Millimeter(20), length=Unit.Millimeter(80))
    ammo = Ammo(dm, Unit.MPS(V0))
    weapon = Weapon(sight_height=Unit.Meter(0), twist=Unit.Inch(0))
    shot = Shot(weapon=weapon, ammo=ammo, atmo=Atmo.icao())
    calc = Calculator()
    result = calc.fire(shot, trajectory_range=Unit.Meter(2100), trajectory_step=Unit.Meter(50))
    out = {}
    for r in RANGES:
        row = result.get_at("distance", Unit.Meter(r))
        out[r] = (row.time, row.height >> Unit.Meter, row.velocity >> Unit.MPS)
    return out


def test_range_table_agrees_with_py_ballisticcalc():
    ours, theirs = bastion_table(), pbc_table()
    for r in RANGES:
        t1, z1, v1 = ours[r]
        t2, z2, v2 = theirs[r]
        assert t1 == pytest.approx(t2, rel=5e-3), f"time of flight at {r} m"
        assert z1 == pytest.approx(z2, rel=0.02, abs=0.2), f"drop at {r} m"
        assert v1 == pytest.approx(v2, rel=0.01), f"velocity at {r} m"
