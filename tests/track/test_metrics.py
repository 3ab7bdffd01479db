"""GOSPA and OSPA against Stone Soup's own metric classes; continuity counts against hand-counted cases."""

import datetime
import importlib.util

import numpy as np
import pytest

from bastion.track.metrics import score_scan, score_sequence

T0 = datetime.datetime(2024, 1, 1)


def _states(points):
    from stonesoup.types.state import State

    return [State(p[:, None], timestamp=T0) for p in points]


def _clustered(rng, n, m):
    """Truth points and estimates near some of them (inside and outside the cut-off) plus strays."""
    truth = rng.uniform(0, 1000, (n, 3))
    near = truth[rng.permutation(n)[: min(n, m)]] + rng.normal(0, 60, (min(n, m), 3))
    strays = rng.uniform(0, 1000, (max(m - n, 0), 3))
    return truth, np.vstack([near, strays])[:m]


@pytest.mark.parametrize(
    ("n", "m", "c", "p"),
    [
        (8, 6, 100.0, 1.0),
        (5, 9, 100.0, 2.0),
        (12, 12, 40.0, 1.0),
        (0, 4, 100.0, 1.0),
        (3, 0, 100.0, 2.0),
        (1, 1, 100.0, 1.0),
    ],
)
def test_gospa_and_ospa_equal_stone_soup(n, m, c, p):
    from stonesoup.metricgenerator.ospametric import GOSPAMetric, OSPAMetric

    rng = np.random.default_rng(n * 100 + m)
    truth, est = _clustered(rng, n, m)
    ours = score_scan(truth, est, c, p)
    ref, _ = GOSPAMetric(c=c, p=p).compute_gospa_metric(_states(est), _states(truth))
    v = ref.value
    assert ours.gospa == pytest.approx(v["distance"], rel=1e-9, abs=1e-9)
    assert ours.localisation == pytest.approx(v["localisation"], rel=1e-9, abs=1e-9)
    assert ours.missed == pytest.approx(v["missed"], abs=1e-9)
    assert ours.false == pytest.approx(v["false"], abs=1e-9)
    if n or m:
        ospa = OSPAMetric(c=c, p=p).compute_OSPA_distance(_states(est), _states(truth)).value
        assert ours.ospa == pytest.approx(ospa, rel=1e-9, abs=1e-9)


def test_gospa_on_a_large_sparse_scene_matches_a_dense_assignment():
    """The k-d tree / cluster decomposition gives the dense Hungarian optimum (1,000 targets)."""
    from scipy.optimize import linear_sum_assignment

    rng = np.random.default_rng(3)
    truth = rng.uniform(0, 20_000, (1000, 3))
    est = np.vstack([truth[:900] + rng.normal(0, 40, (900, 3)), rng.uniform(0, 20_000, (80, 3))])
    ours = score_scan(truth, est, 100.0, 1.0)
    d = np.linalg.norm(truth[:, None] - est[None], axis=2)
    r, k = linear_sum_assignment(np.minimum(d, 100.0))
    good = d[r, k] < 100.0
    ref = d[r, k][good].sum() + 50.0 * (1000 - good.sum()) + 50.0 * (980 - good.sum())
    assert ours.gospa == pytest.approx(ref, rel=1e-12)


def _seq(rows):
    """{time: (ids, positions)} from (time, id, x) rows on a line."""
    out: dict = {}
    for t, i, x in rows:
        ids, pos = out.get(t, (np.zeros(0, np.int64), np.zeros((0, 3))))
        out[t] = (np.r_[ids, i], np.vstack([pos, [x, 0.0, 0.0]]))
    return out


def test_continuity_counts_switches_and_fragmentations():
    # truth 1 flies x = 0, 10, 20, ... ; truth 2 at x = 5000 throughout
    truth = _seq([(t, 1, 10.0 * t) for t in range(8)] + [(t, 2, 5000.0) for t in range(8)])
    tracks = _seq(
        [(t, 7, 10.0 * t + 3) for t in (0, 1, 2)]  # track 7 follows truth 1 ...
        + [(t, 8, 10.0 * t - 2) for t in (4, 5)]  # ... a gap at t = 3, then track 8: a switch and a fragmentation
        + [(t, 8, 10.0 * t - 2) for t in (7,)]  # a gap at t = 6 again: another fragmentation, no switch
        + [(t, 9, 5000.0) for t in range(8)]  # truth 2 followed throughout by track 9
        + [(2, 99, 9000.0)]  # a false track
    )
    s = score_sequence(truth, tracks)
    assert s.id_switches == 1
    assert s.fragmentations == 2
    assert s.false[2] == 50.0 and s.missed[3] == 50.0 and s.missed[6] == 50.0


def test_sequence_score_equals_the_testbeds_reference_scorer(shared, tmp_path):
    """The team's scorer (shared/bench/tracking/gospa.py) on the same files gives the same means."""
    spec = importlib.util.spec_from_file_location("gospa_ref", shared / "bench" / "tracking" / "gospa.py")
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    rng = np.random.default_rng(5)
    truth = {float(t): (np.arange(6), rng.uniform(0, 3000, (6, 3))) for t in range(10)}
    tracks = {
        t: (np.arange(5) + 10, p[:5] + rng.normal(0, 50, (5, 3))) for t, p in ((t, v[1]) for t, v in truth.items())
    }
    tracks[10.0] = (np.array([3]), np.zeros((1, 3)))
    ours = score_sequence(truth, tracks).summary()
    none = np.empty((0, 3))
    times = sorted(set(truth) | set(tracks))
    parts = np.array([ref.gospa(truth.get(t, (0, none))[1], tracks.get(t, (0, none))[1], 100.0) for t in times]).mean(0)
    assert [ours["localisation"], ours["missed"], ours["false"]] == pytest.approx(list(parts), rel=1e-12)
