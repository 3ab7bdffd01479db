"""Property tests (hypothesis) of the tracker's CSV loader: any bytes or any rows give a
:class:`DetectionTable` of valid plots in time order, with every other row counted, or one
:class:`TestbedError` -- never anything else."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.track import testbed as tb

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = "time_s,range_m,azimuth_rad,elevation_rad"
field = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.sampled_from(["", "nan", "inf", "1e300", "abc", '"', "0", "5000", "0.1"]),
)
row = st.lists(field, min_size=0, max_size=6).map(",".join)


def _check(path) -> None:
    try:
        table = tb.read_detections(path)
    except tb.TestbedError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc).strip()
        return
    n = table.time.size
    assert table.range.size == table.azimuth.size == table.elevation.size == n
    assert n + sum(table.skipped.values()) == table.rows
    assert np.all(np.diff(table.time) >= 0) and np.all(np.abs(table.time) <= tb.MAX_TIME_S)
    assert np.all(table.range > 0) and np.all(np.abs(table.azimuth) <= 2 * math.pi)
    assert np.all(np.abs(table.elevation) <= math.pi / 2)


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes(tmp_path, raw):
    path = tmp_path / "d.csv"
    path.write_bytes(raw)
    _check(path)


@SETTINGS
@given(st.lists(row, max_size=12))
def test_any_rows(tmp_path, rows):
    path = tmp_path / "d.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    _check(path)
