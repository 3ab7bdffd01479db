"""Civil traffic states are memoised per instant: the same values, read-only, bounded."""

import numpy as np
import pytest

from bastion.world.aircraft import _MEMO, CivilTraffic
from bastion.world.labels import CIVIL_LABEL


def test_memoised_states_equal_fresh_ones_and_cannot_be_changed(baghdad):
    raid = baghdad.raid
    civil = CivilTraffic(raid.flights, raid.recorded)
    fresh = CivilTraffic(raid.flights, raid.recorded)
    times = np.linspace(100.0, 300.0, 2 * _MEMO + 7)
    for t in times:
        a = civil.state(float(t))
        assert civil.state(float(t)) is a  # the second call is the memo
        for got, want in zip(a, fresh._state(float(t)), strict=True):
            assert np.array_equal(got, want, equal_nan=True)
            with pytest.raises(ValueError):
                got[...] = 0  # shared between callers (and nights): read-only
    assert len(civil._memo) == _MEMO  # bounded: the oldest instants go
    assert float(times[-1]) in civil._memo and float(times[0]) not in civil._memo


def test_civil_targets_are_the_aircraft_flying_through_the_step(baghdad):
    """``targets(t0, t1)``: the aircraft above 1 m at both ends of the step, from the states at both
    ends, read-only and the same object when asked again (kept like the states)."""
    traffic = CivilTraffic(baghdad.raid.flights, baghdad.raid.recorded)
    flying = 0
    for t0 in np.arange(0.0, 400.0, 7.3):
        t1 = t0 + 0.05
        start, end, radius, index = traffic.targets(t0, t1)
        p0, _, on0 = traffic.state(t0)
        p1, _, on1 = traffic.state(t1)
        want = [i for i in range(len(traffic)) if on0[i] and on1[i] and p1[i, 2] > 1.0]
        assert index.tolist() == want
        flying += len(want)
        assert np.array_equal(start, p0[want]) and np.array_equal(end, p1[want])
        assert np.array_equal(radius, traffic.vulnerable_radius[want])
        assert not start.flags.writeable and traffic.targets(t0, t1)[0] is start
    assert flying  # some aircraft were in the air


def test_aircraft_in_the_air_are_those_above_one_metre_with_their_signature(baghdad):
    traffic = CivilTraffic(baghdad.raid.flights, baghdad.raid.recorded)
    seen = 0
    for t in np.arange(0.0, 400.0, 9.1):
        pos, vel, rcs, swerling, label, iff = traffic.in_the_air(t)
        p, v, on = traffic.state(t)
        want = np.flatnonzero(on & (p[:, 2] > 1.0))
        assert np.array_equal(label, CIVIL_LABEL + want)
        assert np.array_equal(pos, p[want]) and np.array_equal(vel, v[want])
        assert np.array_equal(rcs, traffic.rcs[want]) and np.array_equal(swerling, traffic.swerling[want])
        assert np.array_equal(iff, traffic.friendly_iff[want]) and not pos.flags.writeable
        seen += want.size
    assert seen
