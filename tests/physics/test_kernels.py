"""The compiled loops against the array formulas they replace: equal to the last bit.

The array versions below are the numpy formulation bastion used before the loops were compiled
(``einsum`` dot products, ``np.interp``, ``segment_sphere_hits``); any reordering of the
floating-point operations in the kernels shows up here as a mismatch.
"""

import numpy as np
import pytest

from bastion.physics import kernels
from bastion.physics.ballistics import GRAVITY, Air, DragFunction, drag_factor_from_bc, rk4_step
from bastion.physics.geometry import segment_sphere_hits
from bastion.physics.wind import WindProfile


def rk4_arrays(pos, vel, dt, k, drag, air):
    """Classical RK4 written with numpy over all rows (the reference formulation)."""
    h = dt[:, None] if np.ndim(dt) else dt
    mid = pos[:, 2] + 0.5 * (dt * vel[:, 2])
    h_tab, rho_tab, a_tab = air.table()
    k_rho = k * np.interp(mid, h_tab, rho_tab)
    a = np.interp(mid, h_tab, a_tab)
    wind = air.wind_table()
    if wind.shape[0] > 1:  # a wind profile: looked up at the mid-point height, as the density
        wind = np.stack([np.interp(mid, h_tab, wind[:, c]) for c in range(3)], axis=-1)

    def acc(v):
        rel = v - wind
        speed = np.sqrt(np.einsum("ij,ij->i", rel, rel))
        return GRAVITY - (k_rho * np.interp(speed / a, drag.mach, drag.cd) * speed)[:, None] * rel

    a1 = acc(vel)
    v2 = vel + 0.5 * h * a1
    a2 = acc(v2)
    v3 = vel + 0.5 * h * a2
    a3 = acc(v3)
    v4 = vel + h * a3
    a4 = acc(v4)
    return pos + h * (vel + 2.0 * v2 + 2.0 * v3 + v4) / 6.0, vel + h * (a1 + 2.0 * a2 + 2.0 * a3 + a4) / 6.0


def random_rounds(rng, n):
    pos = rng.normal(0.0, 2000.0, (n, 3))
    pos[:, 2] = rng.uniform(-600.0, 21_000.0, n)  # below and above the air table too
    vel = rng.normal(0.0, 600.0, (n, 3))  # from subsonic to Mach 5: every part of the drag table
    k = drag_factor_from_bc(rng.uniform(0.1, 0.6, n))
    return pos, vel, k


AIR = Air(ground_altitude_m=34.0, delta_t_k=9.0, wind=np.array([4.0, -3.0, 0.5]))
SHEARED = Air(
    ground_altitude_m=34.0,
    delta_t_k=9.0,
    wind=WindProfile.table([0.0, 300.0, 2000.0, 9000.0], [2.0, 9.0, 15.0, 30.0], [200.0, 240.0, 260.0, 250.0]),
    pressure_ratio=0.98,
)


@pytest.mark.parametrize("air", [AIR, SHEARED], ids=["uniform", "sheared"])
@pytest.mark.parametrize("drag", [DragFunction.standard("G1"), DragFunction.standard("G2"), DragFunction.unit()])
def test_rk4_equals_the_array_formulas(drag, air):
    rng = np.random.default_rng(7)
    for n in (1, 3, 257):
        pos, vel, k = random_rounds(rng, n)
        for dt in (0.05, -0.5, rng.uniform(0.0, 0.1, n)):
            got = rk4_step(pos, vel, dt, k, drag, air)
            want = rk4_arrays(pos, vel, dt, k, drag, air)
            assert np.array_equal(got[0], want[0]) and np.array_equal(got[1], want[1])


def test_interp_equals_numpy_at_nodes_between_and_outside_whatever_the_hint():
    xp = np.array([0.0, 0.5, 0.9, 1.2, 3.0])
    fp = np.array([0.3, 0.2, 0.4, 0.35, 0.25])
    xs = np.concatenate(
        [xp, [-1.0, 4.0, np.nextafter(3.0, 0.0), np.nan], np.random.default_rng(1).uniform(-0.5, 3.5, 500)]
    )
    want = np.interp(xs, xp, fp)
    for hint in (-1, 0, 2, 3, 4, 99):  # no hint, right or wrong hints, out of the table
        got = [kernels._interp_in.py_func(x, xp, fp, kernels._bracket.py_func(x, xp, hint)) for x in xs]
        assert np.array_equal(got, want, equal_nan=True)


def fly_rounds_arrays(pos, vel, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius, drag, air):
    """What ``fly_rounds`` computes, with array operations: (pos, vel, seg0, fate, target, fraction).

    Each round flies to the step's end or to its self-destruct time if that comes first; the hit test
    is ``segment_sphere_hits`` of its segment against the targets' over the same share of the step."""
    fired = t_fire < t1
    start = np.maximum(t_fire, t0)
    seg0 = pos - vel * (start - t0)[:, None]
    t_burst = t_fire + sd_time
    bursts = ~dud & (t_burst <= t1)
    t_end = np.where(bursts, np.maximum(t_burst, start), t1)
    p1, v1 = rk4_arrays(pos, vel, t_end - start, k, drag, air)
    n, m = len(pos), len(tgt0)
    hit, s = np.zeros((n, m), dtype=bool), np.zeros((n, m))
    for i in np.flatnonzero(fired):  # the targets' end points depend on the round's share of the step
        f = (t_end[i] - t0) / (t1 - t0) if t_end[i] < t1 else 1.0
        end = tgt1 if f == 1.0 else tgt0 + f * (tgt1 - tgt0)
        hit[i], s[i] = (a[0] for a in segment_sphere_hits(seg0[i : i + 1], p1[i : i + 1], tgt0, end, radius))
    first = np.argmin(np.where(hit, s, np.inf), axis=1) if m else np.zeros(n, dtype=int)
    any_hit = hit.any(axis=1)
    ground = fired & ~any_hit & (p1[:, 2] <= 0.0)
    sd = fired & ~any_hit & ~ground & bursts
    fate = np.where(fired, kernels.FLYING, kernels.NOT_FIRED)
    fate[any_hit], fate[sd], fate[ground] = kernels.HIT, kernels.SELF_DESTRUCTED, kernels.GROUNDED
    keep = fired[:, None]
    return (
        np.where(keep, p1, pos),
        np.where(keep, v1, vel),
        seg0,
        fate,
        first,
        s[np.arange(n), first] if m else np.zeros(n),
    )


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
        want = fly_rounds_arrays(pos, vel, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius, drag, AIR)
        p, v = pos.copy(), vel.copy()
        seg0, fate = np.empty((n, 3)), np.empty(n, dtype=np.int8)
        target, fraction = np.empty(n, dtype=np.int64), np.empty(n)
        h_tab, rho_tab, a_tab = AIR.table()
        kernels.fly_rounds(
            p, v, t_fire, sd_time, dud, k, t0, t1, tgt0, tgt1, radius,
            h_tab, rho_tab, a_tab, drag.mach, drag.cd, AIR.wind_table(), GRAVITY[2],
            seg0, fate, target, fraction,
        )  # fmt: skip
        fired = fate != kernels.NOT_FIRED
        assert np.array_equal(p, want[0]) and np.array_equal(v, want[1])
        assert np.array_equal(seg0[fired], want[2][fired])
        assert np.array_equal(fate, want[3])
        hit = fate == kernels.HIT
        assert np.array_equal(target[hit], want[4][hit]) and np.array_equal(fraction[hit], want[5][hit])
        seen.update(fate.tolist())
    assert seen == {kernels.NOT_FIRED, kernels.FLYING, kernels.HIT, kernels.SELF_DESTRUCTED, kernels.GROUNDED}
