"""The Baghdad night end to end, determinism, and the rocket salvo's safety properties."""

import json

import numpy as np
import pytest

from bastion.api import run_night, summary_digest
from bastion.engine.simulation import HarnessRecord, run, run_batch
from bastion.engine.summary import summarise


@pytest.fixture(scope="module")
def night(tmp_path_factory, baghdad):
    out = tmp_path_factory.mktemp("night")
    return run_night(baghdad, 1, out)


def test_the_night_runs_end_to_end(night):
    s = night.summary
    assert s["hostiles"] == 2 and s["civil_aircraft"] == 2
    assert s["civil_engaged"] == 0 and s["civil_hit"] == 0
    assert s["first_detection_range_m"] > 8_000  # the radar equation puts 0.05 m^2 at ~12 km (Pd 0.9 at 11.8 km)
    assert s["warnings_issued"] >= 1 and "BDSC" in s["warning_time_s"]
    # every hostile has an outcome and the counts add up
    outcomes = [t["outcome"] for t in s["threats"]]
    assert s["hostiles_destroyed"] == outcomes.count("destroyed")
    assert s["hostiles_destroyed"] + s["leakers"] + s["impacts_open_ground"] + s["hostiles_airborne_at_end"] == 2
    for name in ("summary.json", "events.sqlite", "report.html", "scenario.toml"):
        assert (night.out / name).is_file()
    assert json.loads((night.out / "summary.json").read_text()) == s


def test_report_is_self_contained(night):
    import re

    html = (night.out / "report.html").read_text()
    # no element loads anything from elsewhere: scripts are inline, no stylesheets or images by URL
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)
    assert not re.search(r"<(link|img|iframe)[^>]*\b(href|src)\s*=\s*[\"']?(https?:)?//", html)
    assert "Plotly.newPlot" in html and "civil aircraft engaged" in html


def test_same_seed_same_night(baghdad):
    a = summarise(run(baghdad, 5, record_plots=True))
    b = summarise(run(baghdad, 5, record_plots=True))
    assert summary_digest(a) == summary_digest(b)
    c = summarise(run(baghdad, 6, record_plots=False))
    assert summary_digest(a) != summary_digest(c)


def test_same_seed_same_event_log(baghdad):
    a, b = run(baghdad, 3), run(baghdad, 3)
    strip = lambda log: [(e.t, e.kind, e.to_json()) for e in log.events if e.kind != "run_end"]  # noqa: E731
    assert strip(a.log) == strip(b.log)


def _log(result) -> list:
    return [(e.t, e.kind, e.source, e.to_json()) for e in result.log.events if e.kind != "run_end"]


@pytest.mark.parametrize(("name", "seeds", "plots"), [("baghdad", [4, 1, 9], False), ("rocket-salvo", [2, 3], True)])
def test_nights_in_lock_step_equal_nights_run_alone(name, seeds, plots):
    """run_batch steps one shared tracker for several nights; every night's event log (per-scan
    records included for the rocket salvo, two radars) equals its own run's to the last character."""
    from bastion.api import compile_named

    compiled = compile_named(name)
    batch = run_batch(compiled, seeds, record_plots=plots)
    assert [r.seed for r in batch] == seeds
    logs = [_log(r) for r in batch]
    for seed, log in zip(seeds, logs, strict=True):
        assert log == _log(run(compiled, seed, record_plots=plots))
    assert logs[0] != logs[1]  # the nights are not one night repeated


@pytest.mark.slow
def test_over_twenty_seeds_no_civil_engaged_and_drones_mostly_destroyed(baghdad):
    destroyed, damaged = [], []
    for seed in range(1, 21):
        s = summarise(run(baghdad, seed, record_plots=False))
        assert s["civil_engaged"] == 0 and s["civil_hit"] == 0, f"seed {seed}"
        destroyed.append(s["hostiles_destroyed"] == 2)
        damaged.append(s["damage_events"])
    # both drones destroyed in most nights because the models make it so (the rate is reported in
    # the README; this only guards against a collapse)
    assert np.mean(destroyed) >= 0.6
    assert sum(d == 0 for d in damaged) >= 12


def test_harness_votes_count_each_tracks_plots_by_truth():
    """The harness's record of which truth fed each track: counts per (track, label) as a plot-by-plot
    tally gives them, the majority label as the track's truth, the lowest label on a tie."""
    from collections import Counter


    rng = np.random.default_rng(4)
    record, tally = HarnessRecord(), Counter()
    for _ in range(200):
        n = int(rng.integers(0, 6))
        tracks, labels = rng.integers(1, 12, n), rng.choice([-1, 0, 1, 10_003, 20_000], n)
        record.vote(tracks, labels)
        tally.update(zip(tracks.tolist(), labels.tolist(), strict=True))
    want: dict[int, dict[int, int]] = {}
    for (tid, lab), count in tally.items():
        want.setdefault(tid, {})[lab] = count
    assert record.track_votes == want
    for tid, votes in want.items():
        top = max(votes.values())
        assert record.truth_of(tid) == min(lab for lab, c in votes.items() if c == top)
    assert record.truth_of(999) is None
    record.vote(np.array([999]), np.array([7]))  # a later vote is counted too
    assert record.truth_of(999) == 7
