"""The assembled tracker on simulated plots: every filter/associator/management choice, fusion of two
radars and of ADS-B, clutter bursts and bad plots."""

import dataclasses

import numpy as np
import pytest

from bastion.physics.geodesy import Origin, enu_to_polar, polar_to_enu, wrap_angle
from bastion.scenario.catalogue import RadarType
from bastion.scenario.compiled import RadarSite
from bastion.sense.types import AdsbReports, Detections
from bastion.track import Tracker, TrackerConfig, Tracks, TrackStatus

RT = RadarType(
    name="test",
    description="test radar",
    scan_period_s=1.0,
    ref_range_m=10_000.0,
    ref_rcs_m2=1.0,
    ref_pd=0.9,
    pfa=1e-6,
    false_alarms_per_scan=5.0,
    sigma_range_m=10.0,
    sigma_azimuth_rad=2e-3,
    sigma_elevation_rad=2e-3,
    min_range_m=100.0,
    max_range_m=20_000.0,
    max_elevation_rad=1.2,
    mask_elevation_rad=0.0,
)


def site(index=0, position=(0.0, 0.0, 0.0), rt=RT):
    return RadarSite(index, f"r{index}", rt, np.array(position, dtype=float), rt.scan_period_s, 0.0)


def scan(rng, t, radar, truth_pos, pd=0.9, clutter=5.0, truth_vel=None):
    """Plots of the truth positions (K, 3) seen with probability pd, plus Poisson clutter over the coverage."""
    rt = radar.type
    seen = truth_pos[rng.random(len(truth_pos)) < pd]
    r, az, el = enu_to_polar(seen - radar.position)
    k = rng.poisson(clutter)
    r = np.r_[r + rng.normal(0, rt.sigma_range_m, r.size), rng.uniform(rt.min_range_m, rt.max_range_m, k)]
    az = np.r_[wrap_angle(az + rng.normal(0, rt.sigma_azimuth_rad, az.size)), rng.uniform(-np.pi, np.pi, k)]
    el = np.r_[el + rng.normal(0, rt.sigma_elevation_rad, el.size), rng.uniform(0.0, rt.max_elevation_rad, k)]
    n = r.size
    order = rng.permutation(n)
    return Detections(t, radar.index, r[order], az[order], el[order], np.full(n, np.nan), np.ones(n), np.ones(n))


def straight(t, p0=(4000.0, -3000.0, 500.0), v=(-20.0, 35.0, 0.0)):
    return np.array(p0) + np.array(v) * t


@pytest.mark.parametrize("filt", ["ekf", "ukf", "imm"])
@pytest.mark.parametrize("associator", ["gnn", "jpda"])
@pytest.mark.parametrize("management", ["mofn", "sprt"])
def test_one_target_in_clutter_gets_one_stable_accurate_track(filt, associator, management):
    rng = np.random.default_rng(1)
    radar = site()
    tr = Tracker([radar], TrackerConfig(filter=filt, associator=associator, management=management))
    errors, ids = [], set()
    for k in range(40):
        truth = straight(float(k))
        tracks, _ = tr.step(scan(rng, float(k), radar, truth[None]))
        conf = tracks.status != TrackStatus.TENTATIVE
        if k >= 10:
            assert conf.sum() == 1, f"scan {k}: {conf.sum()} confirmed tracks"
            i = np.flatnonzero(conf)[0]
            ids.add(int(tracks.id[i]))
            errors.append(np.linalg.norm(tracks.x[i, :3] - truth))
    assert len(ids) == 1
    # a single plot at 5 km errs by ~sqrt(10^2 + 2 (5000 * 2e-3)^2) = 17 m rms: filtering must do better
    assert np.sqrt(np.mean(np.square(errors))) < 14.0


def test_engine_fields_have_their_shapes():
    rng = np.random.default_rng(2)
    radar = site()
    tr = Tracker([radar], TrackerConfig(filter="imm"))
    for k in range(6):
        tracks, changes = tr.step(scan(rng, float(k), radar, straight(float(k))[None]))
    n = len(tracks)
    assert tracks.x.shape == (n, 6) and tracks.P.shape == (n, 6, 6)
    for f in ("id", "status", "updates", "misses", "last_update", "rcs", "detection", "score", "icao24"):
        assert getattr(tracks, f).shape == (n,), f
    assert tracks.mode_probability.shape == (n, 2)
    assert np.allclose(tracks.mode_probability.sum(axis=1), 1.0)
    assert np.all(np.linalg.eigvalsh(tracks.P) > 0)
    assert isinstance(changes.initiated, list) and tracks.t == 5.0
    assert dataclasses.is_dataclass(tracks)


def test_jpda_equals_gnn_with_one_target_and_no_clutter():
    """With no clutter (density -> 0) the one detection has association probability 1: the PDA update
    is the Kalman update."""
    rng = np.random.default_rng(3)
    radar = site()
    cfg = dict(clutter_density=1e-30)
    a = Tracker([radar], TrackerConfig(associator="gnn", **cfg))
    b = Tracker([radar], TrackerConfig(associator="jpda", **cfg))
    for k in range(30):
        det = scan(rng, float(k), radar, straight(float(k))[None], pd=0.85, clutter=0.0)
        ta, _ = a.step(det)
        tb, _ = b.step(det)
        assert np.array_equal(ta.id, tb.id) and np.array_equal(ta.status, tb.status)
        assert np.allclose(ta.x, tb.x, atol=1e-6) and np.allclose(ta.P, tb.P, atol=1e-6)


def test_two_radars_fuse_into_one_track_per_target():
    rng = np.random.default_rng(4)
    radars = [site(0), site(1, (3000.0, 2000.0, 10.0))]
    tr = Tracker(radars, TrackerConfig())
    targets = [lambda t: straight(t), lambda t: straight(t, (-5000.0, 1000.0, 800.0), (30.0, 0.0, 0.0))]
    for k in range(40):
        t = 0.5 * k
        radar = radars[k % 2]  # the radars scan alternately
        tracks, _ = tr.step(scan(rng, t, radar, np.array([f(t) for f in targets]), clutter=2.0))
    conf = tracks.status != TrackStatus.TENTATIVE
    assert conf.sum() == 2
    truth = np.array([f(t) for f in targets])
    d = np.linalg.norm(tracks.x[conf, None, :3] - truth[None], axis=2)
    assert np.all(d.min(axis=0) < 30.0)


def _adsb(origin, t, icao, enu, nacp=8, vel=(0.0, 0.0, 0.0)):
    enu = np.atleast_2d(enu)
    lat, lon, _ = origin.to_wgs84(enu)
    k = enu.shape[0]
    return AdsbReports(
        np.full(k, t, dtype=float),
        np.array([icao] * k if isinstance(icao, str) else icao),
        np.array(["TEST1"] * k),
        np.atleast_1d(lat),
        np.atleast_1d(lon),
        enu[:, 2] + origin.alt_m,
        np.tile(vel, (k, 1)),
        np.full(k, nacp) if np.isscalar(nacp) else np.asarray(nacp),
    )


def test_adsb_reports_attach_to_the_track_they_gate_with_and_key_it():
    rng = np.random.default_rng(5)
    origin = Origin(33.26, 44.23, 34.0)
    radar = site()
    tr = Tracker([radar], TrackerConfig())
    v = np.array([-20.0, 35.0, 0.0])
    for k in range(8):
        tracks, _ = tr.step(scan(rng, float(k), radar, straight(float(k))[None], clutter=0.0))
    tid = int(tracks.id[tracks.status != TrackStatus.TENTATIVE][0])
    # a report at the aircraft (NACp 10: 10 m 95 %), another 5 km from anything, and a NACp 0 one
    t = 7.4
    good = straight(t) + rng.normal(0, 2.0, 3)
    res = tr.update_adsb(
        _adsb(origin, t, ["abc123", "def456", "aaa000"], [good, good + 5000.0, good], [10, 10, 0], v), origin
    )
    assert res.used == 1 and res.keyed == [(tid, "abc123")] and res.unusable == 1
    assert tr.icao_of == {tid: "abc123"}
    snap = tr.snapshot()
    i = snap.index_of(tid)
    assert snap.icao24[i] == "abc123" and snap.adsb_updates[i] == 1
    # the precise ADS-B position pulls the track to within a few metres
    assert np.linalg.norm(tr.table.xs[i, 0, :3] - straight(t)) < 8.0
    # later reports of the same aircraft update the keyed track even among other candidates
    for k in range(8, 12):
        tr.step(scan(rng, float(k), radar, straight(float(k))[None], clutter=0.0))
        res = tr.update_adsb(_adsb(origin, k + 0.5, "abc123", straight(k + 0.5), 10, v), origin)
        assert res.used == 1 and res.keyed == []
    assert tr.snapshot().adsb_updates[tr.snapshot().index_of(tid)] == 5


def test_a_clutter_burst_of_ten_thousand_false_alarms_stays_bounded():
    rng = np.random.default_rng(6)
    radar = site()
    tr = Tracker([radar], TrackerConfig())
    for k in range(10):
        tracks, _ = tr.step(scan(rng, float(k), radar, straight(float(k))[None]))
    tid = int(tracks.id[tracks.status != TrackStatus.TENTATIVE][0])
    burst = scan(rng, 10.0, radar, straight(10.0)[None], pd=1.0, clutter=0.0)
    k = 10_000
    noise = scan(rng, 10.0, radar, np.zeros((0, 3)), clutter=k)
    det = Detections(
        10.0,
        0,
        *(np.r_[getattr(burst, f), getattr(noise, f)] for f in ("range", "azimuth", "elevation", "range_rate")),
        np.ones(len(burst) + len(noise)),
        np.ones(len(burst) + len(noise)),
    )
    tracks, changes = tr.step(det)
    assert len(changes.initiated) > 9_000  # every unused plot starts a tentative track ...
    assert tid in tracks.id
    n_false_confirmed = 0
    for j in range(11, 16):
        tracks, changes = tr.step(scan(rng, float(j), radar, straight(float(j))[None]))
        n_false_confirmed += len(changes.confirmed)
    assert len(tracks) < 60  # ... and they are gone a few scans later
    assert n_false_confirmed <= 2
    i = tracks.index_of(tid)
    assert i is not None and np.linalg.norm(tracks.x[i, :3] - straight(15.0)) < 50.0


def test_empty_scans_and_bad_plots_are_harmless():
    rng = np.random.default_rng(7)
    radar = site()
    tr = Tracker([radar], TrackerConfig())
    for k in range(6):
        tr.step(scan(rng, float(k), radar, straight(float(k))[None], clutter=0.0))
    tracks, _ = tr.step(Detections.empty(6.0, 0))
    assert (tracks.status == TrackStatus.COASTING).sum() == 1
    bad = Detections(
        7.0, 0, np.array([np.nan, -5.0]), np.array([0.1, 0.2]), np.array([np.nan, 0.1]), *[np.full(2, np.nan)] * 3
    )
    tracks, changes = tr.step(bad)
    assert changes.initiated == []
    with pytest.raises(ValueError, match="sensor 3"):
        tr.step(Detections.empty(8.0, 3))


def test_config_errors_name_the_field():
    with pytest.raises(ValueError, match=r"TrackerConfig\.filter"):
        TrackerConfig(filter="kf")
    with pytest.raises(ValueError, match=r"TrackerConfig\.pd"):
        TrackerConfig(pd=1.5)


def test_imm_follows_a_turn_better_than_a_cv_filter():
    """Straight for 20 s, then a 6 deg/s coordinated turn (4 m/s^2 at 40 m/s) for 25 s."""
    rng = np.random.default_rng(8)
    radar = site()
    pos, vel, w = np.array([4000.0, 0.0, 400.0]), np.array([0.0, 40.0, 0.0]), np.radians(6.0)
    truth = []
    for k in range(45):
        truth.append(pos.copy())
        omega = w if k >= 20 else 0.0
        c, s = np.cos(omega), np.sin(omega)
        vel = np.array([c * vel[0] - s * vel[1], s * vel[0] + c * vel[1], 0.0])
        pos = pos + vel  # 1 s steps (first-order position update is enough for the truth here)
    trackers = {f: Tracker([radar], TrackerConfig(filter=f, q=1.0)) for f in ("ekf", "imm")}
    err = {f: [] for f in trackers}
    p_turn = []
    for k, p in enumerate(truth):
        det = scan(rng, float(k), radar, p[None], pd=1.0, clutter=0.0)
        for f, tr in trackers.items():
            tracks, _ = tr.step(det)
            if k >= 25:
                err[f].append(np.linalg.norm(tracks.x[0, :3] - p))
                if f == "imm":
                    p_turn.append(tracks.mode_probability[0, 1])
    rms = {f: np.sqrt(np.mean(np.square(e))) for f, e in err.items()}
    assert rms["imm"] < 0.7 * rms["ekf"], rms
    assert np.mean(p_turn) > 0.7


def test_a_snapshot_does_not_change_when_the_tracker_moves_on():
    rng = np.random.default_rng(9)
    radar = site()
    tr = Tracker([radar], TrackerConfig())
    for k in range(5):
        tracks, _ = tr.step(scan(rng, float(k), radar, straight(float(k))[None], clutter=0.0))
    x, P = tracks.x.copy(), tracks.P.copy()
    assert not np.shares_memory(tracks.x, tr.table.xs) and not np.shares_memory(tracks.P, tr.table.Ps)
    tr.step(scan(rng, 5.0, radar, straight(5.0)[None], clutter=0.0))
    assert np.array_equal(tracks.x, x) and np.array_equal(tracks.P, P)


@pytest.mark.parametrize("common_dt", [True, False])
def test_batched_imm_prediction_equals_mixing_then_each_mode_filter(common_dt):
    """The tracker predicts all (track, mode) pairs in one batch (F and Q memoised for a common dt);
    the reference mixes (BLK eq. 11.6.6-9 to -14) and runs each mode's EKF prediction on its own."""
    from bastion.engine.pipeline import ENGINE_TRACKER
    from bastion.track import ekf, imm

    rng = np.random.default_rng(5)
    tr = Tracker([site()], ENGINE_TRACKER)
    K, M, n = 6, tr.n_modes, tr.dim
    xs = rng.normal(0.0, 300.0, (K, M, n))
    xs[..., 6] = rng.normal(0.0, 0.05, (K, M))  # turn rates
    A = rng.normal(size=(K, M, n, n))
    Ps = A @ np.swapaxes(A, -1, -2) + np.eye(n)
    mu = rng.dirichlet(np.ones(M), K)
    dt = np.full(K, 1.0) if common_dt else rng.uniform(0.5, 2.0, K)
    for _ in range(2):  # the second call reads the memoised matrices
        got_x, got_P, got_mu = tr.estimator.predicted(xs, Ps, mu, dt)
    Pi = imm.transition_matrix(M, ENGINE_TRACKER.imm_switch_rate, dt)
    x0, P0, c = imm.mix(xs, Ps, mu, Pi)
    for k, model in enumerate(tr.models):
        want_x, want_P = ekf.predict(model, x0[:, k], P0[:, k], dt)
        np.testing.assert_allclose(got_x[:, k], want_x, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(got_P[:, k], want_P, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got_mu, c, rtol=1e-14)


def _with_rates(rng, det, radar, truth_pos, truth_vel):
    """The scan with range rates: true radial speed plus noise for the plots near a target, uniform clutter."""
    pos = polar_to_enu(det.range, det.azimuth, det.elevation) + radar.position
    rr = rng.uniform(-150.0, 150.0, len(det))
    for p, v in zip(truth_pos, truth_vel, strict=True):
        near = np.linalg.norm(pos - p, axis=1) < 100.0
        los = (p - radar.position) / np.linalg.norm(p - radar.position)
        rr[near] = los @ v + rng.normal(0.0, 1.0, near.sum())
    return dataclasses.replace(det, range_rate=rr)


def test_replications_in_one_tracker_equal_separate_trackers_to_the_last_bit():
    """Three replications of the same sky (targets at the same places, independent noise, clutter and
    ADS-B) in one tracker: each replication's pictures, decisions and ADS-B keys equal those of a
    tracker of its own, although their plots overlap in space (gating must never cross them)."""
    from bastion.engine.pipeline import ENGINE_TRACKER

    R = 3
    radar = site()
    origin = Origin(33.26, 44.23, 34.0)
    rt = dataclasses.replace(RT, sigma_range_rate_mps=1.0)
    radar = site(rt=rt)
    alone = [Tracker([radar], ENGINE_TRACKER) for _ in range(R)]
    together = Tracker([radar], ENGINE_TRACKER, replications=R)
    rngs = [np.random.default_rng(100 + r) for r in range(R)]
    v = np.array([[-20.0, 35.0, 0.0], [30.0, 5.0, -1.0]])
    compared = 0
    for k in range(40):
        t = float(k)
        truth = np.stack([straight(t), straight(t, p0=(-3000.0, 2000.0, 800.0), v=v[1])])
        dets = [_with_rates(rngs[r], scan(rngs[r], t, radar, truth, clutter=6.0), radar, truth, v) for r in range(R)]
        got = together.step_many(dets)
        whole = Tracks.concatenate([tracks for tracks, _ in got])  # the nights' pictures are slices of the whole
        for f in dataclasses.fields(whole):
            a, b = getattr(whole, f.name), getattr(together.picture_of_all, f.name)
            assert np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b, f.name
        for r in range(R):
            want_tracks, want_changes = alone[r].step(dets[r])
            got_tracks, got_changes = got[r]
            assert got_changes == want_changes
            for f in dataclasses.fields(want_tracks):
                a, b = getattr(got_tracks, f.name), getattr(want_tracks, f.name)
                assert np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b, f.name
            compared += len(want_tracks)
        if k % 5 == 4 and k >= 10:  # ADS-B of the first target, per replication (one keeps silent)
            for r in range(R - 1):
                rep = _adsb(origin, t - 0.3, "abc123", straight(t - 0.3) + rngs[r].normal(0, 3.0, 3), 9, v[0])
                assert together.update_adsb(rep, origin, replica=r) == alone[r].update_adsb(rep, origin)
    assert compared > 200
    assert {a for a in together.icao_of.values()} == {"abc123"} and len(together.icao_of) == R - 1


def test_queued_adsb_fused_as_the_next_scan_begins_equals_fusing_it_at_once():
    """ADS-B reports queued by several replications (two batches for one of them, several reports per
    aircraft, an unusable one) and fused together as the next scan begins give every replication the
    tracks that fusing them at once, in a tracker of its own, gives: to the last bit."""
    from bastion.engine.pipeline import ENGINE_TRACKER

    R = 3
    origin = Origin(33.26, 44.23, 34.0)
    radar = site(rt=dataclasses.replace(RT, sigma_range_rate_mps=1.0))
    alone = [Tracker([radar], ENGINE_TRACKER) for _ in range(R)]
    together = Tracker([radar], ENGINE_TRACKER, replications=R)
    rngs = [np.random.default_rng(200 + r) for r in range(R)]
    v = np.array([[-20.0, 35.0, 0.0], [30.0, 5.0, -1.0]])
    p1 = (-3000.0, 2000.0, 800.0)
    keyed = used = 0
    for k in range(30):
        t = float(k)
        truth = np.stack([straight(t), straight(t, p0=p1, v=v[1])])
        dets = [_with_rates(rngs[r], scan(rngs[r], t, radar, truth, clutter=6.0), radar, truth, v) for r in range(R)]
        got = together.step_many(dets)
        for r in range(R):
            want, _ = alone[r].step(dets[r])
            for f in dataclasses.fields(want):
                a, b = getattr(got[r][0], f.name), getattr(want, f.name)
                assert np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b, f.name
        if k >= 8 and k % 2 == 0:
            for r in range(R - 1):  # the last replication keeps silent
                for batch in range(2 if r == 0 else 1):
                    ts = t + 0.2 + 0.3 * batch + np.array([0.0, 0.1, 0.15, 0.2])
                    first = [straight(ts[0]), straight(ts[1]), straight(ts[2], p0=p1, v=v[1]), straight(ts[3])]
                    enu = np.array(first) + rngs[r].normal(0.0, 3.0, (4, 3))
                    lat, lon, _ = origin.to_wgs84(enu)
                    rep = AdsbReports(
                        ts,
                        np.array(["abc123", "abc123", "def456", "abc123"]),
                        np.array(["ONE", "ONE", "TWO", "ONE"]),
                        lat,
                        lon,
                        enu[:, 2] + origin.alt_m,
                        np.array([v[0], v[0], v[1], v[0]]),
                        np.array([9, 9, 8, 0]),  # the last one without accuracy: unusable
                    )
                    together.queue_adsb(rep, origin, replica=r)
                    res = alone[r].update_adsb(rep, origin)
                    keyed, used = keyed + len(res.keyed), used + res.used
    assert keyed == 2 * (R - 1) and used > 20  # both aircraft keyed in each replication that broadcasts
    assert sorted(together.icao_of.values()) == ["abc123", "abc123", "def456", "def456"]
