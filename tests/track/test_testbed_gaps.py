"""``bastion track`` over a time jump (issue 16, defect 5): a gap costs at most MAX_EMPTY_SCANS empty
scans, not one per missing period; absurd times are counted and skipped."""

from __future__ import annotations

import json

import numpy as np
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.track import testbed as tb

META = {"sigma_range_m": 10.0, "sigma_azimuth_rad": 0.005, "sigma_elevation_rad": 0.005, "scan_period_s": 1.0}


def write(tmp_path, rows):
    (tmp_path / "meta.json").write_text(json.dumps(META))
    det = tmp_path / "detections.csv"
    det.write_text("\n".join(["time_s,range_m,azimuth_rad,elevation_rad", *rows]) + "\n")
    return det, tmp_path / "meta.json"


def test_a_time_jump_does_not_make_a_scan_per_missing_period(tmp_path):
    det, meta = write(tmp_path, ["0,5000,0.1,0.05", "1,5001,0.1,0.05", "1e7,5002,0.1,0.05", "1e300,5003,0.1,0.05"])
    table = tb.read_detections(det)
    assert table.time.tolist() == [0.0, 1.0, 1e7]
    assert table.skipped == {"time_s beyond +-1e+09 s (a clock fault)": 1}
    times = tb.scan_times(table, tb.read_meta(meta))
    # the plots, 50 empty scans after the one at t = 1 s, then straight to the one at 1e7 s
    assert times.size == 3 + tb.MAX_EMPTY_SCANS
    assert np.array_equal(times[:-1], np.arange(0.0, 2.0 + tb.MAX_EMPTY_SCANS)) and times[-1] == 1e7
    r = CliRunner().invoke(app, ["track", str(det), "--meta", str(meta), "--out", str(tmp_path / "t.csv")])
    assert r.exit_code == 0, r.output
    assert "skipped 1 rows" in r.output and "clock fault" in r.output


def test_short_gaps_and_the_tail_are_still_filled(tmp_path):
    det, meta = write(tmp_path, ["0.5,5000,0.1,0.05", "3.5,5001,0.1,0.05"])
    m = tb.read_meta(meta)
    m = type(m)(**{**m.__dict__, "duration_s": 200.0})
    times = tb.scan_times(tb.read_detections(det), m)
    expected = np.concatenate([[0, 0.5, 1, 2, 3, 3.5], np.arange(4.0, 4.0 + tb.MAX_EMPTY_SCANS)])
    assert np.allclose(times, expected)
    unbounded = tb.scan_times(tb.read_detections(det), m, max_empty=10_000)
    assert np.allclose(unbounded, [0, 0.5, 1, 2, 3, 3.5, *range(4, 201)])
