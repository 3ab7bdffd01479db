"""Detections.concatenate: one shape for a scan given in parts (live datagrams, replications)."""

from __future__ import annotations

import numpy as np

from bastion.sense.types import Detections


def _part(n: int, iff, t: float = 3.0, start: float = 0.0) -> Detections:
    r = start + np.arange(n, dtype=float)
    return Detections(t, 1, r, r * 0.01, r * 0.001, -r, r + 5.0, r * 2.0, iff)


def test_columns_in_order_time_and_sensor_of_the_first():
    a, b = _part(3, None), _part(2, None, t=3.0, start=10.0)
    d = Detections.concatenate([a, b])
    assert d.t == 3.0 and d.sensor == 1 and d.iff is None
    for c in ("range", "azimuth", "elevation", "range_rate", "power", "rcs"):
        np.testing.assert_array_equal(getattr(d, c), np.concatenate([getattr(a, c), getattr(b, c)]))


def test_a_friendly_reply_survives_a_part_without_iff():
    """The live engine's former copy returned iff=None when any part lacked IFF: the friendly reply
    below would have been lost (fail-unsafe). Parts without IFF read as 'no reply'."""
    with_iff = _part(2, np.array([True, False]))
    without = _part(3, None, start=10.0)
    d = Detections.concatenate([without, with_iff])
    np.testing.assert_array_equal(d.iff, [False, False, False, True, False])
    assert Detections.concatenate([without, without]).iff is None


def test_one_part_is_returned_as_is():
    a = _part(4, np.ones(4, dtype=bool))
    assert Detections.concatenate([a]) is a
