"""Sensor models: radar Pd from the radar equation, measurement noise, false alarms; ADS-B accuracy."""

import numpy as np
import pytest

from bastion.physics import detection
from bastion.physics.geodesy import Origin, polar_to_enu
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import AdsbSite, RadarSite
from bastion.sense.types import NACP_EPU_M
from bastion.world.sensors import NOISE_LABEL, AdsbModel, AirPicture, RadarModel, observe_scans, receive_batches

RT = CATALOGUE.radars["kurfs"]


def radar(rng):
    return RadarModel(RadarSite(0, "R", RT, np.zeros(3), 1.0, 0.0), rng)


def picture_at(pos, rcs=0.05, swerling=1):
    pos = np.atleast_2d(pos)
    n = pos.shape[0]
    return AirPicture(pos, np.zeros((n, 3)) + [40.0, 0.0, 0.0], np.full(n, rcs), np.full(n, swerling), np.arange(n))


def test_detection_probability_follows_the_radar_equation():
    rng = np.random.default_rng(11)
    model = radar(rng)
    # range where a 0.05 m^2 Swerling 1 target is seen with Pd = 0.5
    snr50 = detection.snr_for_pd(0.5, RT.pfa)
    r50 = RT.ref_range_m * (RT.ref_snr / snr50 * 0.05 / RT.ref_rcs_m2) ** 0.25
    pos = polar_to_enu(r50, 0.7, np.radians(1.0))
    n, hits = 4000, 0
    for k in range(n):
        _, labels = model.observe(float(k), picture_at(pos))
        hits += int((labels == 0).sum())
    sigma = np.sqrt(0.25 / n)
    assert abs(hits / n - 0.5) < 4 * sigma


def test_measurement_noise_and_false_alarms():
    rng = np.random.default_rng(12)
    model = radar(rng)
    r0, az0, el0 = 3000.0, -1.2, np.radians(3.0)
    pos = polar_to_enu(r0, az0, el0)
    errs, fas = [], []
    for k in range(3000):
        det, labels = model.observe(float(k), picture_at(pos, rcs=1.0))
        j = np.flatnonzero(labels == 0)
        if j.size:
            errs.append([det.range[j[0]] - r0, det.azimuth[j[0]] - az0, det.elevation[j[0]] - el0])
        fas.append(int((labels == NOISE_LABEL).sum()))
    errs = np.array(errs)
    std = errs.std(axis=0)
    assert std == pytest.approx([RT.sigma_range_m, RT.sigma_azimuth_rad, RT.sigma_elevation_rad], rel=0.08)
    assert np.abs(errs.mean(axis=0)) == pytest.approx([0, 0, 0], abs=3 * std.max() / np.sqrt(len(errs)) + 1e-3)
    # Poisson false alarms: mean and variance equal the configured rate
    assert np.mean(fas) == pytest.approx(RT.false_alarms_per_scan, rel=0.1)
    assert np.var(fas) == pytest.approx(RT.false_alarms_per_scan, rel=0.2)


def test_masked_and_out_of_coverage_targets_are_not_seen():
    model = radar(np.random.default_rng(13))
    low = polar_to_enu(5000.0, 0.0, np.radians(0.05))  # below the masking elevation
    far = polar_to_enu(RT.max_range_m + 100.0, 0.0, np.radians(2.0))
    for k in range(200):
        _, labels = model.observe(float(k), picture_at(np.stack([low, far]), rcs=100.0))
        assert not (labels >= 0).any()


def test_adsb_positions_within_their_nacp_bound():
    origin = Origin(33.2625, 44.23444, 35.0)
    model = AdsbModel(AdsbSite("A", np.zeros(3), 200_000.0), origin, np.random.default_rng(14))
    truth = np.array([[5000.0, -3000.0, 900.0], [-20_000.0, 8000.0, 3000.0]])

    def states(_t):
        return truth, np.zeros((2, 3)), np.ones(2, dtype=bool)

    reps = model.receive(0.0, 200.0, states, ["aaaaaa", "bbbbbb"], ["ONE", "TWO"], np.ones(2, bool), np.array([9, 8]))
    assert 0.85 * 800 < len(reps) <= 800  # 2 Hz x 2 aircraft x 200 s, minus lost squitters
    enu = origin.to_enu(reps.lat, reps.lon, np.full(len(reps), origin.alt_m))
    which = np.where(reps.icao24 == "aaaaaa", 0, 1)
    err = np.hypot(*(enu[:, :2] - truth[which, :2]).T)
    for w, nacp in ((0, 9), (1, 8)):
        # at least 95 % of reports inside the NACp 95 % bound (the model draws well inside it)
        assert np.mean(err[which == w] <= NACP_EPU_M[nacp]) >= 0.95
    assert np.all(np.abs(reps.altitude_m - (truth[which, 2] + 35.0)) <= 0.3048 * 12.5 + 1e-6)


@pytest.mark.parametrize("radar_type", ["kurfs", "sentinel", "lcmr"])
def test_scans_of_several_replications_equal_each_scan_alone(radar_type):
    """``observe_scans`` (a lock-step batch's radar scan) against each replication's own ``observe``,
    to the last bit: pictures of different sizes (none, one, many objects), mixed Swerling cases,
    friendly IFF, plots and false alarms; the random streams end in the same state."""
    rt = CATALOGUE.radars[radar_type]
    site = RadarSite(0, "R", rt, np.array([10.0, -20.0, 5.0]), 1.0, 0.0)
    rng = np.random.default_rng(3)
    for scan in range(30):
        pictures = []
        for _ in range(5):
            n = int(rng.choice([0, 1, 4, 12]))
            pos = polar_to_enu(rng.uniform(200.0, 9000.0, n), rng.uniform(-np.pi, np.pi, n), rng.uniform(0.0, 0.5, n))
            vel = rng.normal(0.0, 40.0, (n, 3))
            swerling = rng.choice([0, 1, 3], n) if scan % 2 else np.ones(n, dtype=int)
            iff = rng.random(n) < 0.3 if scan % 3 else None
            pictures.append(AirPicture(pos, vel, rng.uniform(0.01, 10.0, n), swerling, np.arange(n) + 100, iff))
        seeds = rng.integers(0, 2**32, len(pictures))
        together = [RadarModel(site, np.random.default_rng(s)) for s in seeds]
        alone = [RadarModel(site, np.random.default_rng(s)) for s in seeds]
        got = observe_scans(together, float(scan), pictures)
        for model, picture, (det, labels), a, b in zip(alone, pictures, got, together, alone, strict=True):
            want_det, want_labels = model.observe(float(scan), picture)
            assert np.array_equal(labels, want_labels)
            for name in ("range", "azimuth", "elevation", "range_rate", "power", "rcs", "iff"):
                x, y = getattr(det, name), getattr(want_det, name)
                assert (x is None and y is None) or np.array_equal(x, y, equal_nan=True), name
            assert a.rng.random() == b.rng.random()  # the same draws were made


def test_adsb_batches_of_several_replications_equal_each_batch_alone():
    """``receive_batches`` (a lock-step batch's ADS-B hand-over) against each receiver's own
    ``receive``, to the last bit: skies of their own (some empty, some out of range), intervals of
    different lengths, lost squitters; the random streams end in the same state."""
    origin = Origin(33.2625, 44.23444, 35.0)
    site = AdsbSite("A", np.array([100.0, 50.0, 0.0]), 60_000.0)
    rng = np.random.default_rng(8)
    for batch in range(20):
        sources = []
        for _ in range(6):
            n = int(rng.choice([0, 1, 3]))
            truth = rng.normal(0.0, 40_000.0, (n, 3))
            truth[:, 2] = rng.uniform(0.0, 9000.0, n)
            vel, on = rng.normal(0.0, 100.0, (n, 3)), rng.random(n) < 0.9

            def states(t, truth=truth, vel=vel, on=on):
                return truth + vel * t, vel, on

            icao = [f"{i:06x}" for i in rng.integers(0, 2**24, n)]
            sources.append((states, icao, [f"F{i}" for i in range(n)], rng.random(n) < 0.9, rng.integers(5, 11, n)))
        sources[3] = sources[2]  # one sky heard by two receivers (as civil traffic alone is in a batch)
        t0 = [float(rng.choice([0.0, 1.0, 1.9])) for _ in sources]
        t0[3] = t0[2]
        seeds = rng.integers(0, 2**32, len(sources))
        together = [AdsbModel(site, origin, np.random.default_rng(s)) for s in seeds]
        alone = [AdsbModel(site, origin, np.random.default_rng(s)) for s in seeds]
        got = receive_batches(together, t0, 2.0 + batch, sources)
        for model, start, source, reports, a, b in zip(alone, t0, sources, got, together, alone, strict=True):
            want = model.receive(start, 2.0 + batch, *source)
            for name in ("t", "icao24", "callsign", "lat", "lon", "altitude_m", "velocity", "nacp"):
                assert np.array_equal(getattr(reports, name), getattr(want, name)), name
            assert a.rng.random() == b.rng.random()  # the same draws were made


def test_micro_doppler_classes_come_from_their_own_stream():
    """A radar that classes its plots by micro-Doppler draws those classes from a stream of its own: the
    same seed gives the same plots (positions, powers, IFF, false alarms, order) with or without the
    classes, so adding them changes nothing else of a night. The classes are right with the radar's
    accuracy for birds and other targets alike (binomial bound, 5 sigma) and a coin toss on noise."""
    import dataclasses

    from bastion.sense.types import MD_BIRD, MD_NOT_BIRD
    from bastion.world.labels import BIRD_LABEL

    plain = dataclasses.replace(RT, micro_doppler_accuracy=float("nan"))
    pos = np.array([polar_to_enu(r, az, np.radians(2.0)) for r, az in [(3000.0, 0.3), (4000.0, -1.2), (5000.0, 2.0)]])
    pic = AirPicture(
        pos, np.zeros((3, 3)), np.full(3, 0.05), np.ones(3, dtype=int), np.array([0, BIRD_LABEL, BIRD_LABEL + 1])
    )
    with_md = RadarModel(RadarSite(0, "R", RT, np.zeros(3), 1.0, 0.0), np.random.default_rng(5))
    without = RadarModel(RadarSite(0, "R", plain, np.zeros(3), 1.0, 0.0), np.random.default_rng(5))
    right = {"bird": [], "other": [], "noise": []}
    for k in range(400):
        (a, la), (b, lb) = with_md.observe(float(k), pic), without.observe(float(k), pic)
        assert b.micro_doppler is None and a.micro_doppler is not None
        np.testing.assert_array_equal(la, lb)
        for col in ("range", "azimuth", "elevation", "range_rate", "power", "rcs", "iff_reply"):
            np.testing.assert_array_equal(getattr(a, col), getattr(b, col))
        assert set(a.micro_doppler.tolist()) <= {MD_BIRD, MD_NOT_BIRD}
        says_bird = a.micro_doppler == MD_BIRD
        right["bird"] += says_bird[la >= BIRD_LABEL].tolist()
        right["other"] += (~says_bird[(la >= 0) & (la < BIRD_LABEL)]).tolist()
        right["noise"] += says_bird[la == NOISE_LABEL].tolist()
    for what, p in (("bird", RT.micro_doppler_accuracy), ("other", RT.micro_doppler_accuracy), ("noise", 0.5)):
        n = len(right[what])
        assert n > 100, what
        assert abs(np.mean(right[what]) - p) < 5 * np.sqrt(p * (1 - p) / n), what
