"""The compiled loops against the readable references beside them (``kernels.rk4_reference``,
``kernels.fly_rounds_reference``): within 1e-12 relative, not bit for bit (the order of the
floating-point operations is free). The rounds' fates and hit targets are decisions: with random
inputs no value falls within rounding error of a threshold, so they are equal.
"""

import numpy as np
import pytest

from bastion.physics import kernels
from bastion.physics.ballistics import GRAVITY, Air, DragFunction, drag_factor_from_bc, rk4_step

RTOL = 1e-12


def close(got, want, scale=1.0):
    """Equal within RTOL of each value, or of ``scale`` where a value is near zero."""
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=RTOL * scale)


def reference_args(drag, air):
    return (*air.table(), drag.mach, drag.cd, air.wind, GRAVITY[2])


def random_rounds(rng, n):
    pos = rng.normal(0.0, 2000.0, (n, 3))
    pos[:, 2] = rng.uniform(-600.0, 21_000.0, n)  # below and above the air table too
    vel = rng.normal(0.0, 600.0, (n, 3))  # from subsonic to Mach 5: every part of the drag table
    k = drag_factor_from_bc(rng.uniform(0.1, 0.6, n))
    return pos, vel, k


AIR = Air(ground_altitude_m=34.0, delta_t_k=9.0, wind=np.array([4.0, -3.0, 0.5]))


@pytest.mark.parametrize("drag", [DragFunction.standard("G1"), DragFunction.standard("G2"), DragFunction.unit()])
def test_rk4_equals_the_reference(drag):
    rng = np.random.default_rng(7)
    for n in (1, 3, 257):
        pos, vel, k = random_rounds(rng, n)
        for dt in (0.05, -0.5, rng.uniform(0.0, 0.1, n)):
            got = rk4_step(pos, vel, dt, k, drag, AIR)
            want = kernels.rk4_reference(pos, vel, np.atleast_1d(dt), k, *reference_args(drag, AIR))
            close(got[0], want[0], 1e4)  # positions [m]
            close(got[1], want[1], 1e3)  # velocities [m/s]


def test_interp_equals_numpy_at_nodes_between_and_outside_whatever_the_hint():
    xp = np.array([0.0, 0.5, 0.9, 1.2, 3.0])
    fp = np.array([0.3, 0.2, 0.4, 0.35, 0.25])
    xs = np.concatenate(
        [xp, [-1.0, 4.0, np.nextafter(3.0, 0.0), np.nan], np.random.default_rng(1).uniform(-0.5, 3.5, 500)]
    )
    want = np.interp(xs, xp, fp)
    for hint in (-1, 0, 2, 3, 4, 99):  # no hint, right or wrong hints, out of the table
        got = [kernels._interp_in.py_func(x, xp, fp, kernels._bracket.py_func(x, xp, hint)) for x in xs]
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=0.0, equal_nan=True)


def test_fly_rounds_equals_rk4_and_the_segment_hit_test():
    rng = np.random.default_rng(11)
    drag = DragFunction.standard("G2")
    t0, t1 = 100.0, 100.1
    seen = set()
    for n, m in ((1, 1), (40, 3), (300, 6), (5, 0)):
        pos, vel, k = random_rounds(rng, n)
        pos[: n // 4, 2] = rng.uniform(0.0, 2.0, n // 4)  # some reach the ground
        t_fire = rng.uniform(96.0, 100.2, n)  # some fired during the step, some after it
        sd_time = 100.0 - t_fire + np.maximum(rng.uniform(-0.5, 0.15, n), 0.001)  # some run out in the step
        dud = rng.random(n) < 0.2
        # targets on some rounds' paths, so hits (and ties of several targets) happen
        on_path = rng.integers(0, n, m)
        tgt0 = pos[on_path] + vel[on_path] * 0.02 + rng.normal(0.0, 1.0, (m, 3))
        tgt1 = tgt0 + rng.normal(0.0, 2.0, (m, 3))
        radius = rng.uniform(0.5, 40.0, m)
        want = kernels.fly_rounds_reference(
            pos, vel, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius, *reference_args(drag, AIR)
        )
        p, v = pos.copy(), vel.copy()
        seg0, fate = np.empty((n, 3)), np.empty(n, dtype=np.int8)
        target, fraction = np.empty(n, dtype=np.int64), np.empty(n)
        h_tab, rho_tab, a_tab = AIR.table()
        kernels.fly_rounds(
            p, v, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius,
            h_tab, rho_tab, a_tab, drag.mach, drag.cd, AIR.wind, GRAVITY[2],
            seg0, fate, target, fraction,
        )  # fmt: skip
        fired = fate != kernels.NOT_FIRED
        close(p, want[0], 1e4)
        close(v, want[1], 1e3)
        close(seg0[fired], want[2][fired], 1e4)
        assert np.array_equal(fate, want[3])
        hit = fate == kernels.HIT
        assert np.array_equal(target[hit], want[4][hit])
        close(fraction[hit], want[5][hit])
        seen.update(fate.tolist())
    assert seen == {kernels.NOT_FIRED, kernels.FLYING, kernels.HIT, kernels.SELF_DESTRUCTED, kernels.GROUNDED}
