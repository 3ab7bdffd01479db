"""The drone-against-bird sequential test (track/rcs_class.py): its scan likelihoods against the Swerling 1
closed forms (track/amplitude.py's Lerro ratio, physics/detection.py's P_D), its marginal likelihoods
against scipy quadrature, Wald's thresholds by hand, its error probability against Ville's inequality
(Monte Carlo), and what the testbed reports with it (a file without powers unchanged; bird tracks
hidden, drone tracks kept, on a small lowsnr scenario)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from bastion.physics.detection import pd_swerling
from bastion.track import amplitude as am
from bastion.track import rcs_class as rc
from bastion.track import testbed as tb

ROOT = Path(__file__).resolve().parents[2]
PFA = 1e-6
T = -np.log(PFA)
SENS = rc.Sensitivity.from_reference_pd(PFA)


def test_wald_bounds_by_hand():
    a, b = rc.wald_bounds(0.05, 0.01)
    assert a == pytest.approx(np.log(0.01 / 0.95)) and a == pytest.approx(-4.5539, abs=1e-4)
    assert b == pytest.approx(np.log(0.99 / 0.05)) and b == pytest.approx(2.9857, abs=1e-4)
    with pytest.raises(ValueError):
        rc.wald_bounds(0.6, 0.5)


def test_reference_sensitivity_gives_the_stated_pd():
    """P_D 0.5 against 0.05 m^2 at 12.5 km (the default reference) by the Swerling 1 closed form."""
    assert pd_swerling(SENS.snr(0.05, 12_500.0), PFA, 1) == pytest.approx(0.5, rel=1e-12)


def _point_classifier(i1: int, i0: int) -> rc.RcsClassifier:
    """A classifier whose drone and bird priors are single grid points (simple hypotheses)."""
    c = rc.RcsClassifier(SENS)
    c._log_drone = np.where(np.arange(rc.GRID_DBSM.size) == i1, 0.0, -np.inf)
    c._log_bird = np.where(np.arange(rc.GRID_DBSM.size) == i0, 0.0, -np.inf)
    return c


def test_simple_hypotheses_sum_the_closed_form_ratios():
    """With point priors (drone -15 dBsm, bird -25 dBsm) the test's L is the sum over scans of: the
    Lerro ratio of the first plot (threshold-conditioned Swerling 1 densities); for later plots that
    ratio plus ln P_D(d1)/P_D(d0); for misses ln (1 - P_D(d1)) / (1 - P_D(d0)) (hand computation from
    amplitude.log_likelihood_ratio and physics.detection.pd_swerling)."""
    i1, i0 = int(np.argmin(abs(rc.GRID_DBSM + 15))), int(np.argmin(abs(rc.GRID_DBSM + 25)))
    c = _point_classifier(i1, i0)
    rcs1, rcs0 = 10 ** (rc.GRID_DBSM[i1] / 10), 10 ** (rc.GRID_DBSM[i0] / 10)
    ranges = np.array([4_000.0, 4_100.0, 4_250.0, 4_300.0, 4_500.0])
    powers = np.array([T + 3.0, T + 40.0, np.nan, T + 0.2, T + 9.0])
    expected, got = 0.0, []
    for k, (r, a) in enumerate(zip(ranges, powers, strict=True)):
        d1, d0 = SENS.snr(rcs1, r), SENS.snr(rcs0, r)
        if np.isnan(a):
            expected += np.log1p(-pd_swerling(d1, PFA, 1)) - np.log1p(-pd_swerling(d0, PFA, 1))
        else:
            expected += am.log_likelihood_ratio(a, d1, T) - am.log_likelihood_ratio(a, d0, T)
            if k:
                expected += np.log(pd_swerling(d1, PFA, 1) / pd_swerling(d0, PFA, 1))
        got.append(float(c.update(np.array([7]), np.array([a]), np.array([r]))[0]))
        assert got[-1] == pytest.approx(float(expected), rel=1e-9, abs=1e-9)
    # without misses as evidence: the miss adds nothing, the later hits keep their P_D factor
    c2 = _point_classifier(i1, i0)
    c2.use_misses = False
    for r, a in zip(ranges[:3], powers[:3], strict=True):
        last = c2.update(np.array([7]), np.array([a]), np.array([r]))[0]
    assert last == pytest.approx(got[1], rel=1e-12)


def test_marginal_likelihoods_match_quadrature():
    """ln of the prior-averaged likelihood of a few scans, grid sum against scipy.integrate.quad over
    the mean RCS in dB (bird log-normal: 1e-3 nats; drone log-uniform with its sharp edges on a 0.25 dB
    grid, trapezoid rule: 0.01 nats)."""
    c = rc.RcsClassifier(SENS)
    ranges = np.array([3_000.0, 3_050.0, 3_120.0, 3_200.0])
    powers = np.array([T + 25.0, T + 4.0, np.nan, T + 60.0])
    for r, a in zip(ranges, powers, strict=True):
        c.update(np.array([1]), np.array([a]), np.array([r]))
    ll = c._ll[0]
    top = ll.max()
    grid_bird = top + np.log(np.sum(np.exp(ll - top + c._log_bird)))
    grid_drone = top + np.log(np.sum(np.exp(ll - top + c._log_drone)))

    def seq_lik(db: float) -> float:
        s = 10 ** (db / 10)
        out = 0.0
        for k, (r, a) in enumerate(zip(ranges, powers, strict=True)):
            d = float(SENS.snr(s, r))
            pd = float(pd_swerling(d, PFA, 1))
            if np.isnan(a):
                out += np.log1p(-pd)
            else:
                out += float(np.log(am.target_power_pdf(a, d, T))) + (np.log(pd) if k else 0.0)
        return np.exp(out - top)

    m, sd = rc.BIRD_MEDIAN_DBSM, rc.BIRD_SIGMA_DB
    bird, _ = integrate.quad(lambda x: seq_lik(x) * np.exp(-0.5 * ((x - m) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
                             m - 8 * sd, m + 8 * sd, limit=200)  # fmt: skip
    lo, hi = rc.DRONE_DBSM
    drone, _ = integrate.quad(lambda x: seq_lik(x) / (hi - lo), lo, hi, limit=200)
    assert grid_bird == pytest.approx(top + np.log(bird), abs=1e-3)
    assert grid_drone == pytest.approx(top + np.log(drone), abs=0.01)
    assert c.log_ratio(ll[None])[0] == pytest.approx(np.log(drone) - np.log(bird), abs=0.01)


def _simulate(rcs_dbsm: np.ndarray, range_m: float, scans: int, rng) -> np.ndarray:
    """Each track's running L over ``scans`` scans of a Swerling 1 object of the given mean RCS at a
    fixed range (first scan a detection, as a track starts on one). Returns (scans, N)."""
    c = rc.RcsClassifier(SENS)
    n = rcs_dbsm.size
    d = SENS.snr(10 ** (rcs_dbsm / 10), range_m)
    uid = np.arange(n)
    out = []
    for k in range(scans):
        p = rng.exponential(1.0 + d)
        if k == 0:  # conditioned on the detection: the excess over T is exponential of mean 1 + d
            p = T + rng.exponential(1.0 + d)
        p = np.where(p > T, p, np.nan)
        out.append(c.update(uid, p, np.full(n, range_m)))
    return np.array(out)


def test_drones_hidden_at_most_as_often_as_ville_allows():
    """Under H1 (drone RCS drawn from its prior) exp(-L) is a martingale of mean 1, so the probability
    that L ever falls to A is at most e^A = beta / (1 - alpha) (Ville's inequality; Wald's bound for the
    one-sided test). Monte Carlo, 4,000 drone tracks of 30 scans at 6 km (P_D about 0.9) and at 10 km
    (about 0.6): the fraction ever hidden within 3 binomial sigma of the bound or below."""
    rng = np.random.default_rng(11)
    reject_at = rc.RcsClassifier(SENS).reject_at
    bound = np.exp(reject_at)
    n = 4_000
    for r in (6_000.0, 10_000.0):
        llr = _simulate(rng.uniform(*rc.DRONE_DBSM, n), r, 30, rng)
        hidden = np.mean((llr <= reject_at).any(axis=0))
        assert hidden <= bound + 3 * np.sqrt(bound * (1 - bound) / n)


def test_birds_are_rejected_near_and_drones_reported():
    """Its power: birds (RCS from their prior) at 3 km are mostly accepted as birds after 15 scans,
    drones of the issue's class (0.01-0.05 m^2) at 8 km mostly reported (and the mean L of each
    class moves the right way)."""
    rng = np.random.default_rng(12)
    c = rc.RcsClassifier(SENS)
    birds = _simulate(rng.normal(rc.BIRD_MEDIAN_DBSM, rc.BIRD_SIGMA_DB, 2_000), 3_000.0, 15, rng)
    drones = _simulate(10 * np.log10(rng.uniform(0.01, 0.05, 2_000)), 8_000.0, 15, rng)
    assert np.mean(birds[-1] <= c.reject_at) > 0.6  # (0.68 in this draw)
    assert np.mean(drones[-1] > c.reject_at) > 0.99
    assert birds[-1].mean() < birds[2].mean() < 0 < drones[2].mean() < drones[-1].mean()


def test_no_power_is_no_evidence():
    """Plots without usable power (NaN, or below the threshold as in a column of ones) and no misses
    counted: L stays 0, every track reported."""
    c = rc.RcsClassifier(SENS, use_misses=False)
    for _ in range(5):
        L = c.update(np.array([1, 2]), np.array([np.nan, 1.0]), np.array([3_000.0, 5_000.0]))
    np.testing.assert_allclose(L, 0.0, atol=1e-12)
    assert c.reported(L).all()


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("tracking_scenarios", ROOT / "benchmarks" / "tracking_scenarios.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["tracking_scenarios"] = mod
    spec.loader.exec_module(mod)
    return mod


def _run(d: Path, **kw) -> tb.TrackRun:
    meta, table = tb.read_meta(d / "meta.json"), tb.read_detections(d / "detections.csv")
    return tb.run_tracker(table, meta, tb.testbed_config(meta), **kw)


def _same(a: tb.TrackRun, b: tb.TrackRun) -> None:
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.track_id, b.track_id)
    np.testing.assert_array_equal(a.state, b.state)


@pytest.mark.parametrize("lag", [0, 5])
def test_file_without_powers_is_reported_as_before(gen, tmp_path, lag):
    """The same plots without the power column, or with a column of ones (below the threshold: no
    amplitude), or without the false-alarm probability in meta.json: the rows of the tracker without the
    test, to the bit."""
    gen.make("lowsnr", tmp_path / "s", 8, 3, duration=40.0)
    src = tmp_path / "s"
    meta = json.loads((src / "meta.json").read_text())
    lines = (src / "detections.csv").read_text().splitlines()
    variants = {
        "absent": [",".join(x.split(",")[:4]) for x in lines],
        "ones": [lines[0]] + [",".join(x.split(",")[:4] + ["1.0"]) for x in lines[1:]],
    }
    for name, rows in variants.items():
        d = tmp_path / name
        d.mkdir()
        (d / "detections.csv").write_text("\n".join(rows) + "\n")
        (d / "meta.json").write_text(json.dumps(meta))
    no_pfa = tmp_path / "no_pfa"
    no_pfa.mkdir()
    (no_pfa / "detections.csv").write_text((src / "detections.csv").read_text())
    (no_pfa / "meta.json").write_text(json.dumps({k: v for k, v in meta.items() if k not in ("pfa", "threshold")}))
    plain = _run(src, lag=lag, classify=False)
    assert plain.time.size > 0
    assert tb.read_detections(tmp_path / "absent" / "detections.csv").power is None
    assert tb.rcs_classifier(tb.read_detections(no_pfa / "detections.csv"), tb.read_meta(no_pfa / "meta.json")) is None
    for d in (tmp_path / "absent", tmp_path / "ones", no_pfa):
        _same(_run(d, lag=lag), plain)


def test_bird_tracks_hidden_drone_tracks_kept(gen, tmp_path):
    """A small lowsnr scenario (6 drones, 9 birds, 60 s): with the test, the GOSPA false part (bird
    tracks) falls by more than half and the missed part (drones) does not rise by more than 2 % of
    the false part removed."""
    from bastion.track.metrics import score_sequence

    d = tmp_path / "s"
    gen.make("lowsnr", d, 6, 21, duration=60.0)
    truth = tb.read_positions(d / "truth.csv", "target_id")

    def score(run: tb.TrackRun) -> dict:
        est: dict = {}
        for t in np.unique(run.time):
            m = run.time == t
            est[round(float(t), 3)] = (run.track_id[m], run.state[m, :3])
        return score_sequence(truth, est).summary()

    off, on = score(_run(d, lag=5, classify=False)), score(_run(d, lag=5))
    assert off["false"] > 100.0  # birds were tracked and reported
    assert on["false"] < 0.5 * off["false"]
    assert on["missed"] <= off["missed"] + 0.02 * (off["false"] - on["false"])


def test_meta_reads_pfa_threshold_and_reference(tmp_path):
    base = {"sigma_range_m": 10, "sigma_azimuth_rad": 0.005, "sigma_elevation_rad": 0.005}
    p = tmp_path / "meta.json"
    p.write_text(json.dumps({**base, "threshold": float(-np.log(1e-5))}))
    assert tb.read_meta(p).pfa == pytest.approx(1e-5)
    p.write_text(json.dumps({**base, "pfa": 1e-6, "detection_reference": {"pd": 0.6, "range_m": 9000}}))
    m = tb.read_meta(p)
    assert (m.pfa, m.reference_pd, m.reference_range_m, m.reference_rcs_m2) == (1e-6, 0.6, 9000.0, None)
    for bad in ({"pfa": 2.0}, {"detection_reference": {"pd": 1.5}}, {"detection_reference": 3}):
        p.write_text(json.dumps({**base, **bad}))
        with pytest.raises(tb.TestbedError, match=r"pfa|pd|detection_reference"):
            tb.read_meta(p)


def test_power_column_read_fast_and_row_by_row(tmp_path):
    """The power column is read by both readers; an unreadable or non-positive power keeps the plot,
    without amplitude (NaN)."""
    p = tmp_path / "d.csv"
    p.write_text("time_s,range_m,azimuth_rad,elevation_rad,power\n0,1000,0.1,0.05,20.5\n1,1010,0.1,0.05,30\n")
    fast = tb.read_detections(p)
    np.testing.assert_array_equal(fast.power, [20.5, 30.0])
    p.write_text("time_s,range_m,azimuth_rad,elevation_rad,power\n0,1000,0.1,0.05,x\n1,1010,0.1,0.05,-3\n2,9,0,0,15\n")
    rows = tb.read_detections(p)
    assert rows.time.size == 3 and np.isnan(rows.power[:2]).all() and rows.power[2] == 15.0


def test_cli_track_classifies_by_default_and_not_with_no_classify(gen, tmp_path):
    """``bastion track`` on a file with powers: the test's rows by default, every confirmed track's with
    ``--no-classify`` (those of run_tracker with classify False, lag 5)."""
    from typer.testing import CliRunner

    from bastion.cli.main import app

    d = tmp_path / "s"
    gen.make("lowsnr", d, 6, 21, duration=40.0)
    runner = CliRunner()
    rows = {}
    for flag in ("--classify", "--no-classify"):
        out = tmp_path / f"t{flag}.csv"
        args = ["track", str(d / "detections.csv"), "--meta", str(d / "meta.json"), "--out", str(out), flag]
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
        rows[flag] = (out.read_text().count("\n") - 1, r.output)
    assert rows["--no-classify"][0] == _run(d, lag=5, classify=False).time.size
    assert rows["--classify"][0] == _run(d, lag=5).time.size < rows["--no-classify"][0]
    assert "not rejected as birds" in rows["--classify"][1] and "not rejected" not in rows["--no-classify"][1]
