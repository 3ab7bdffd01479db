"""DuckDB aggregations and Wilson intervals, on results tables written here by pyarrow (not the runner)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy.stats import binomtest

from bastion.sweep import analysis


@pytest.mark.parametrize("n", [1, 5, 20, 137, 1000])
def test_wilson_matches_scipy(n):
    k = np.arange(n + 1)
    lo, hi = analysis.wilson_interval(k, n)
    for kk in range(n + 1):
        ref = binomtest(int(kk), n).proportion_ci(confidence_level=0.95, method="wilson")
        assert lo[kk] == pytest.approx(ref.low, abs=1e-12)
        assert hi[kk] == pytest.approx(ref.high, abs=1e-12)


def test_wilson_closed_form_at_zero_successes():
    # with k = 0 the interval is [0, z^2 / (n + z^2)] (Wilson 1927): 0.2775 for n = 10
    lo, hi = analysis.wilson_interval(0, 10)
    z2 = analysis.Z95**2
    assert lo == 0.0 and hi == pytest.approx(z2 / (10 + z2), abs=1e-12)
    lo, hi = analysis.wilson_interval(0, 0)
    assert np.isnan(lo) and np.isnan(hi)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two grid points x 40 runs of made-up outcomes, and a failed run; impacts for the heat map."""
    rng = np.random.default_rng(7)
    rows, points = [], []
    for point, p_leak in ((0, 0.6), (1, 0.1)):
        for r in range(40):
            leakers = int(rng.random() < p_leak) * int(rng.integers(1, 3))
            killed = 2 - leakers
            warned = r % 4 != 0  # the village is warned in 3 runs of 4
            rows.append(
                {
                    "point": point,
                    "replication": r,
                    "seed": 1 + r,
                    "status": "ok",
                    "error": None,
                    "point_label": f"p{point}",
                    "hostiles": 2,
                    "hostiles_destroyed": killed,
                    "leakers": leakers,
                    "civil_engaged": 0,
                    "civil_hit": 0,
                    "fall_of_shot_populated": int(r == 3 and point == 1),
                    "debris_in_populated": int(r == 5 and point == 1),
                    "rounds_fired": 300 * killed + 150,
                    "rounds_per_kill": (300 * killed + 150) / killed if killed else None,
                    "warning_time_s.Camp": float(rng.normal(60, 3)),
                    "warning_time_s.Village": float(rng.normal(80, 5)) if warned else None,
                }
            )
            for k in range(3):
                points.append((point, r, 1 + r, "fall_of_shot", 100.0 * k + point, -50.0 * k, None))
    rows.append({"point": 1, "replication": 40, "seed": 41, "status": "failed", "error": "ValueError: boom"})
    folder = tmp_path_factory.mktemp("sweep")
    keys = list(rows[0])
    pq.write_table(pa.table({k: [r.get(k) for r in rows] for k in keys}), folder / "results.parquet")
    cols = ["point", "replication", "seed", "kind", "east_m", "north_m", "zone"]
    pq.write_table(
        pa.table({c: pa.array([p[i] for p in points], type=pa.string() if c == "zone" else None)
                  for i, c in enumerate(cols)}),
        folder / "points.parquet",
    )  # fmt: skip
    return folder, rows


def test_point_stats_count_what_the_rows_say(folder):
    path, rows = folder
    stats = analysis.point_stats(path)
    assert [s.point for s in stats] == [0, 1]
    for s in stats:
        mine = [r for r in rows if r["point"] == s.point and r["status"] == "ok"]
        leaks = sum(r["leakers"] > 0 for r in mine)
        ra = sum(r["hostiles_destroyed"] == r["hostiles"] for r in mine)
        assert (s.runs, s.leak.k, s.raid_annihilation.k) == (len(mine), leaks, ra)
        ref = binomtest(leaks, len(mine)).proportion_ci(method="wilson")
        assert (s.leak.lo, s.leak.hi) == pytest.approx((ref.low, ref.high), abs=1e-12)
        assert s.mean_rounds_fired == pytest.approx(np.mean([r["rounds_fired"] for r in mine]), abs=1e-9)
    assert stats[1].failed == 1 and stats[0].failed == 0
    assert stats[1].populated_fall.k == 2 and stats[0].populated_fall.k == 0


def test_warning_time_quantiles_match_numpy(folder):
    path, rows = folder
    qs = analysis.warning_time_quantiles(path)
    assert {(q.point, q.group) for q in qs} == {(p, z) for p in (0, 1) for z in ("Camp", "Village")}
    for q in qs:
        vals = [
            r[f"warning_time_s.{q.group}"]
            for r in rows
            if r["point"] == q.point and r["status"] == "ok" and r[f"warning_time_s.{q.group}"] is not None
        ]
        assert q.n == len(vals) and q.of == 40
        # DuckDB's quantile_cont interpolates linearly, as numpy's default percentile does
        assert q.q == pytest.approx(tuple(np.percentile(vals, [5, 25, 50, 75, 95])), abs=1e-9)
        assert q.mean == pytest.approx(np.mean(vals), abs=1e-9)


def test_rounds_per_kill_histogram_counts_every_run_with_a_kill(folder):
    path, rows = folder
    edges, counts = analysis.rounds_per_kill_histogram(path, bins=10)
    for point, c in counts.items():
        vals = [r["rounds_per_kill"] for r in rows if r["point"] == point and r.get("rounds_per_kill") is not None]
        assert c.sum() == len(vals)
        ref, _ = np.histogram(vals, bins=edges)
        assert c.tolist() == ref.tolist()


def test_impact_grid_is_impacts_per_night(folder):
    path, _ = folder
    grids = analysis.impact_grids(path, cell_m=100.0, points=[1])
    every = next(g for g in grids if g.point is None and g.kind == "fall_of_shot")
    assert every.per_run.sum() == pytest.approx(3 * 80 / 80)  # 3 impacts per night, 80 completed runs
    one = next(g for g in grids if g.point == 1 and g.kind == "fall_of_shot")
    assert one.per_run.sum() == pytest.approx(3 * 40 / 40)
    assert sorted(one.east_m.tolist()) == [50.0, 150.0, 250.0]  # cell centres of 1, 101, 201 m


def test_civil_safety_and_failures(folder):
    path, _ = folder
    civil = analysis.civil_safety(path)
    assert (civil.engaged, civil.hit, civil.runs) == (0, 0, 80)
    assert analysis.failures(path) == [("ValueError: boom", 1, 41)]
