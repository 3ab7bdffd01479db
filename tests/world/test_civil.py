"""Civil traffic states are memoised per instant: the same values, read-only, bounded."""

import numpy as np
import pytest

from bastion.world.aircraft import _MEMO, CivilTraffic


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
