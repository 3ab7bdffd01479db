"""ASTERIX decoder and encoders against the reference decoders' counts and libasterix's values."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bastion.io import asterix as ax
from bastion.io import pcap
from bastion.physics.geodesy import Origin
from bastion.sense.types import Detections
from bastion.track.types import Tracks, TrackStatus

NM = 1852.0
FT = 0.3048

# Record counts of the reference decoder (asterix-decoder 0.7.11), from ../shared/data/README.md.
# asterix.pcap: the reference reports 482 CAT062 "records", but only 48 of them carry any item; the
# other 434 are fragments it emits after failing to parse a block (zero padding read as empty
# FSPECs). A spec-conformant walk finds the same 48 records and counts the other blocks malformed.
REFERENCE_COUNTS = {
    "cat_034_048.pcap": {48: 128, 34: 34},
    "cat_062_065.pcap": {62: 2, 65: 1},
    "cat048.raw": {48: 1},
    "cat034.raw": {34: 1},
    "cat062cat065.raw": {62: 2, 65: 1},
    "asterix.pcap": {62: 48},
    "cat_001_002.pcap": {},
}


def _load(path) -> ax.AsterixDecode:
    data = path.read_bytes()
    if pcap.is_pcap(data):
        dg, _ = pcap.read_udp(data)
        return ax.decode([d.payload for d in dg], np.array([d.time for d in dg]))
    return ax.decode(data)


@pytest.mark.parametrize("name", sorted(REFERENCE_COUNTS))
def test_record_counts_equal_reference_decoder(shared, name):
    dec = _load(shared / "data" / "asterix" / name)
    assert dec.stats.records == REFERENCE_COUNTS[name]
    if name == "cat_001_002.pcap":  # the reference cannot parse it either: counted, not raised
        assert dec.stats.malformed_blocks == 1
    elif name == "asterix.pcap":
        assert dec.stats.malformed_records <= dec.stats.blocks == 100  # at most one bad record ends a block
    else:
        assert dec.stats.malformed == 0


lib = pytest.importorskip("asterix.generated", reason="libasterix (dev dependency) is the independent reference")
from asterix.base import Bits, RawDatablock  # noqa: E402


def _lib_records(datagrams, spec):
    out = []
    for payload in datagrams:
        for db in RawDatablock.parse(Bits.from_bytes(payload)):
            if db.get_category() == spec.cv_category:
                recs = spec.cv_uap.parse(db.get_raw_records())
                assert not isinstance(recs, ValueError)
                out.extend(recs)
    return out


def _q(rec, item, sub, unit, sub2=None):
    """A libasterix value as a float in ``unit`` (NaN where the item is absent)."""
    i = rec.get_item(item)
    if i is None:
        return np.nan
    v = i.variation.get_item(sub).variation if sub else i.variation
    if sub2:
        v = v.get_item(sub2).variation
    return v.content.as_quantity(unit)


def test_cat048_values_equal_libasterix(shared):
    dg, _ = pcap.read_udp((shared / "data/asterix/cat_034_048.pcap").read_bytes())
    payloads = [d.payload for d in dg]
    ours = ax.decode(payloads).cat048
    ref = _lib_records(payloads, lib.Cat_048_1_32)
    assert len(ref) == len(ours) == 128
    rho = np.array([_q(r, "040", "RHO", "NM") for r in ref]) * NM
    theta = np.radians([_q(r, "040", "THETA", "°") for r in ref])
    np.testing.assert_allclose(ours.range_m, rho, rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.mod(ours.azimuth, 2 * np.pi), theta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.time_of_day, [_q(r, "140", None, "s") for r in ref], atol=1e-9)
    np.testing.assert_allclose(ours.flight_level, [_q(r, "090", "FL", "FL") for r in ref], atol=1e-9)
    icao = [f"{r.get_item('220').variation.content.as_uint():06x}" if r.get_item("220") else "" for r in ref]
    assert ours.icao24.tolist() == icao
    call = [r.get_item("240").variation.content.as_string().strip() if r.get_item("240") else "" for r in ref]
    assert ours.callsign.tolist() == call
    gsp = np.array([_q(r, "200", "GSP", "NM/s") for r in ref]) * NM
    np.testing.assert_allclose(ours.ground_speed, gsp, atol=1e-9)
    x = np.array([_q(r, "042", "X", "NM") for r in ref]) * NM
    np.testing.assert_allclose(ours.x_m, x, atol=1e-9)
    m3a = [
        int(r.get_item("070").variation.get_item("MODE3A").variation.content.as_string(), 8)
        if r.get_item("070")
        else -1
        for r in ref
    ]
    assert ours.mode3a.tolist() == m3a


def test_cat062_values_equal_libasterix(shared):
    dg, _ = pcap.read_udp((shared / "data/asterix/cat_062_065.pcap").read_bytes())
    raw = (shared / "data/asterix/cat062cat065.raw").read_bytes()
    payloads = [d.payload for d in dg] + [raw]
    ours = ax.decode(payloads).cat062
    ref = _lib_records(payloads, lib.Cat_062_1_18)
    assert len(ref) == len(ours) == 4
    np.testing.assert_allclose(ours.lat, [_q(r, "105", "LAT", "°") for r in ref], atol=1e-12)
    np.testing.assert_allclose(ours.lon, [_q(r, "105", "LON", "°") for r in ref], atol=1e-12)
    np.testing.assert_allclose(ours.x_m, [_q(r, "100", "X", "m") for r in ref], atol=1e-9)
    np.testing.assert_allclose(ours.vy, [_q(r, "185", "VY", "m/s") for r in ref], atol=1e-9)
    np.testing.assert_allclose(ours.time_of_track, [_q(r, "070", None, "s") for r in ref], atol=1e-9)
    assert ours.track_number.tolist() == [r.get_item("040").variation.content.as_uint() for r in ref]
    np.testing.assert_allclose(ours.flight_level, [_q(r, "136", None, "FL") for r in ref], atol=1e-9)


def _cat021_record(spec, i):
    return spec.cv_record.create(
        {
            "010": (("SAC", 7), ("SIC", 9)),
            "080": 0xABC120 + i,
            "073": (36000.5 + i, "s"),
            "131": (("LAT", (33.26 + 0.01 * i, "°")), ("LON", (44.23 - 0.02 * i, "°"))),
            "145": (350.25 - i, "FL"),
            "160": (("RE", 0), ("GS", (0.07 + 0.001 * i, "NM/s")), ("TA", (123.4 + 10 * i, "°"))),
            "157": (("RE", 0), ("GVR", (-640.0 + 100 * i, "ft/min"))),
            "170": f"KLM{i:04d} ",
            "090": ((("NUCRNACV", 2), ("NUCPNIC", 7), None), (("NICBARO", 1), ("SIL", 3), ("NACP", i % 12), None)),
            "210": (0, ("VNS", 0), ("VN", 2), ("LTT", 2)),
        }
    )


def test_cat021_decodes_records_written_by_libasterix():
    spec = lib.Cat_021_2_6
    block = spec.create([_cat021_record(spec, i) for i in range(12)]).unparse().to_bytes()
    r = ax.decode(block).cat021
    ref = _lib_records([block], spec)
    assert len(r) == 12
    np.testing.assert_allclose(r.lat, [_q(x, "131", "LAT", "°") for x in ref], atol=1e-12)
    np.testing.assert_allclose(r.lon, [_q(x, "131", "LON", "°") for x in ref], atol=1e-12)
    np.testing.assert_allclose(r.flight_level, [_q(x, "145", None, "FL") for x in ref], atol=1e-12)
    np.testing.assert_allclose(r.ground_speed, np.array([_q(x, "160", "GS", "NM/s") for x in ref]) * NM, atol=1e-9)
    np.testing.assert_allclose(np.degrees(r.track_angle), [_q(x, "160", "TA", "°") for x in ref], atol=1e-9)
    np.testing.assert_allclose(r.vertical_rate, np.array([_q(x, "157", "GVR", "ft/min") for x in ref]) * FT / 60)
    np.testing.assert_allclose(r.time_of_day, 36000.5 + np.arange(12), atol=1 / 256)
    assert r.icao24.tolist() == [f"{0xABC120 + i:06x}" for i in range(12)]
    assert r.callsign.tolist() == [f"KLM{i:04d}" for i in range(12)]
    assert r.nacp.tolist() == [i % 12 for i in range(12)] and set(r.version.tolist()) == {2}
    reports = ax.to_adsb_reports(r, start_tod_s=36000.0)
    np.testing.assert_allclose(reports.t, 0.5 + np.arange(12), atol=1 / 256)
    np.testing.assert_allclose(reports.altitude_m, r.flight_level * 100 * FT)
    np.testing.assert_allclose(np.hypot(reports.velocity[:, 0], reports.velocity[:, 1]), r.ground_speed)


def _scan(rng, n=300, t=12.5) -> Detections:
    return Detections(
        t=t,
        sensor=0,
        range=rng.uniform(200.0, 40_000.0, n),
        azimuth=rng.uniform(-np.pi, np.pi, n),
        elevation=rng.uniform(-0.01, 1.2, n),
        range_rate=np.where(rng.random(n) < 0.3, np.nan, rng.uniform(-400, 400, n)),
        power=rng.exponential(30.0, n),
        rcs=rng.lognormal(-3.0, 2.0, n),
    )


def test_cat048_round_trip_field_by_field():
    rng = np.random.default_rng(48)
    det = _scan(rng)
    tod0, h0 = 3600.0 * 21, 34.0
    blocks = ax.encode_cat048(det, sac=25, sic=13, start_tod_s=tod0, radar_height_m=h0)
    assert all(len(b) <= 1400 for b in blocks) and len(blocks) > 1
    dec = ax.decode(blocks)
    assert dec.stats.records == {48: len(det)} and dec.stats.malformed == 0
    p = dec.cat048
    # standard items: within half a least significant bit of the format
    assert np.all(np.abs(p.range_m - det.range) <= NM / 512 + 1e-9)
    daz = np.abs(np.mod(p.azimuth - det.azimuth + np.pi, 2 * np.pi) - np.pi)
    assert np.all(daz <= np.pi / 65536 + 1e-12)
    h = ax.height_from_elevation(det.range, det.elevation, h0)
    assert np.all(np.abs(p.height_m - h) <= 12.5 * FT + 1e-9)
    has = np.isfinite(det.range_rate)
    assert np.array_equal(np.isfinite(p.doppler_speed), has)
    assert np.all(np.abs(p.doppler_speed[has] - det.range_rate[has]) <= 0.5)
    assert set(p.sac.tolist()) == {25} and set(p.simulated.tolist()) == {1} and set(p.typ.tolist()) == {1}
    np.testing.assert_allclose(p.time_of_day, tod0 + det.t, atol=1 / 256)
    # SP extras: float32 precision (relative 6e-8)
    scans = ax.to_detections(p, sensor=3, start_tod_s=tod0, radar_height_m=h0)
    assert len(scans) == 1
    s = scans[0]
    assert s.sensor == 3 and abs(s.t - det.t) <= 1 / 256
    for name in ("range", "azimuth", "elevation", "range_rate", "power", "rcs"):
        np.testing.assert_allclose(getattr(s, name), getattr(det, name), rtol=1e-7, atol=1e-6, err_msg=name)
    # without extras the plots come back at the format's resolution
    plain = ax.to_detections(ax.decode(ax.encode_cat048(det, 25, 13, tod0, h0, extras=False)).cat048, 0, tod0, h0)[0]
    assert np.all(np.abs(plain.range - det.range) <= NM / 512 + 1e-9)
    # half a 25 ft height step and half a range step, seen from the radar
    el_tol = (12.5 * FT + NM / 512) / (det.range * np.cos(det.elevation)) + 1e-9
    assert np.all(np.abs(plain.elevation - det.elevation) <= el_tol)
    assert np.all(np.isnan(plain.rcs))


def test_cat048_encoding_read_by_libasterix():
    det = _scan(np.random.default_rng(2), n=50)
    blocks = ax.encode_cat048(det, sac=1, sic=2, start_tod_s=100.0, radar_height_m=0.0)
    ref = _lib_records(blocks, lib.Cat_048_1_32)
    assert len(ref) == 50
    rho = np.array([_q(r, "040", "RHO", "NM") for r in ref]) * NM
    assert np.all(np.abs(rho - det.range) <= NM / 512 + 1e-9)
    height = np.array([_q(r, "110", "3DH", "ft") for r in ref]) * FT
    assert np.all(np.abs(height - ax.height_from_elevation(det.range, det.elevation, 0.0)) <= 12.5 * FT + 1e-9)
    cal = np.array([_q(r, "120", "CAL", "m/s", "CAL") for r in ref])
    has = np.isfinite(det.range_rate)
    assert np.array_equal(np.isfinite(cal), has) and np.all(np.abs(cal[has] - det.range_rate[has]) <= 0.5)
    assert all(r.get_item("SP") is not None for r in ref)


def _tracks(rng, n=40) -> Tracks:
    x = np.column_stack(
        [
            rng.uniform(-30_000, 30_000, (n, 2)),
            rng.uniform(10, 9_000, n),
            rng.uniform(-300, 300, (n, 2)),
            rng.uniform(-150, 150, n),
        ]
    )
    a = rng.normal(size=(n, 6, 6)) * rng.uniform(1, 20, (n, 1, 1))
    P = a @ np.transpose(a, (0, 2, 1))
    status = rng.choice([TrackStatus.TENTATIVE, TrackStatus.CONFIRMED, TrackStatus.COASTING], n)
    z = np.zeros(n, dtype=int)
    return Tracks(77.25, np.arange(1, n + 1) * 7, x, P, status, z, z, np.full(n, 77.25), np.ones(n), z - 1)


BIAP = Origin(33.2625, 44.2346, 34.0)


def test_cat062_round_trip_field_by_field():
    tr = _tracks(np.random.default_rng(62))
    tod0 = 3600.0 * 22
    blocks = ax.encode_cat062(tr, BIAP, sac=9, sic=1, start_tod_s=tod0)
    dec = ax.decode(blocks)
    assert dec.stats.records == {62: len(tr)} and dec.stats.malformed == 0
    c = dec.cat062
    assert c.track_number.tolist() == tr.id.tolist()
    assert np.all(np.abs(c.x_m - tr.x[:, 0]) <= 0.25 + 1e-9) and np.all(np.abs(c.y_m - tr.x[:, 1]) <= 0.25 + 1e-9)
    assert np.all(np.abs(c.vx - tr.x[:, 3]) <= 0.125 + 1e-9) and np.all(np.abs(c.vy - tr.x[:, 4]) <= 0.125 + 1e-9)
    assert np.all(np.abs(c.rate_of_climb - tr.x[:, 5]) <= 3.125 * FT / 60 + 1e-9)
    assert c.tentative.tolist() == (tr.status == TrackStatus.TENTATIVE).astype(int).tolist()
    assert c.coasting.tolist() == (tr.status == TrackStatus.COASTING).astype(int).tolist()
    sd = np.sqrt(np.diagonal(tr.P, axis1=1, axis2=2))
    assert np.all(np.abs(c.sigma_x - sd[:, 0]) <= 0.25 + 1e-9)
    assert np.all(np.abs(c.sigma_vy - np.minimum(sd[:, 4], 63.75)) <= 0.125 + 1e-9)
    # back in the site frame: WGS84 (180/2^25 deg, ~0.3 m) and geometric altitude (6.25 ft)
    back = ax.to_tracks(c, BIAP, start_tod_s=tod0)
    assert abs(back.t - tr.t) <= 1 / 256
    assert np.all(np.abs(back.x[:, :2] - tr.x[:, :2]) <= 0.5)
    assert np.all(np.abs(back.x[:, 2] - tr.x[:, 2]) <= 3.125 * FT + 0.01)
    assert back.status.tolist() == tr.status.tolist()
    # an independent reader agrees
    ref = _lib_records(blocks, lib.Cat_062_1_18)
    np.testing.assert_allclose(c.lat, [_q(r, "105", "LAT", "°") for r in ref], atol=1e-12)
    np.testing.assert_allclose(c.geometric_altitude_m, np.array([_q(r, "130", None, "ft") for r in ref]) * FT)
    np.testing.assert_allclose(c.sigma_y, [_q(r, "500", "APC", "m", "Y") for r in ref])
    np.testing.assert_allclose(c.vx, [_q(r, "185", "VX", "m/s") for r in ref])


def test_encoders_reject_values_outside_their_fields():
    det = Detections(0.0, 0, np.array([600 * NM]), np.zeros(1), np.zeros(1), np.zeros(1), np.ones(1), np.ones(1))
    with pytest.raises(ValueError, match="range"):
        ax.encode_cat048(det, 1, 1)


# ---------------------------------------------------------------------------- fuzzing


def _good_datagrams():
    det = _scan(np.random.default_rng(5), n=60)
    return ax.encode_cat048(det, 1, 2, 0.0, 0.0) + ax.encode_cat062(_tracks(np.random.default_rng(6), 10), BIAP, 3, 4)


GOOD = _good_datagrams()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.integers(0, len(GOOD) - 1), cut=st.integers(1, 2000))
def test_fuzz_truncated_datagram_counted(which, cut):
    data = GOOD[which]
    cut = 1 + cut % (len(data) - 1)  # a real cut: at least one byte kept, at least one lost
    dec = ax.decode([data[:cut]])
    assert dec.stats.malformed >= 1  # a cut block's length runs past the datagram
    assert sum(dec.stats.records.values()) == 0


@settings(max_examples=400, deadline=None)
@given(which=st.integers(0, len(GOOD) - 1), flips=st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_fuzz_bit_flips_never_crash(which, flips):
    data = bytearray(GOOD[which])
    for f in flips:
        data[(f // 8) % len(data)] ^= 1 << (f % 8)
    dec = ax.decode([bytes(data)])
    st_ = dec.stats
    n = sum(st_.records.values())
    assert n == dec.category.size and st_.bytes_skipped <= len(data)
    for batch in (dec.cat048, dec.cat062, dec.cat021):
        assert len(batch) == batch.sac.size
    ax.records(dec)  # the JSON view copes too


@settings(max_examples=200, deadline=None)
@given(which=st.integers(0, len(GOOD) - 1), junk=st.binary(min_size=1, max_size=3000))
def test_fuzz_oversized_and_random_datagrams(which, junk):
    dec = ax.decode([GOOD[which] + junk, junk])
    good = ax.decode([GOOD[which]])
    for cat, n in good.stats.records.items():  # the intact block still decodes in full
        assert dec.stats.records.get(cat, 0) >= n
    assert dec.stats.bytes_skipped <= 2 * len(junk) + len(GOOD[which])


def test_cat048_carries_fast_range_rates_and_iff():
    """Rockets close faster than I048/120's 511 m/s: the value survives in the SP field; IFF replies
    travel in I048/020's FOE/FRI bits (01 friendly, 11 no reply)."""
    from bastion.sense.types import Detections

    n = 4
    det = Detections(
        12.0,
        0,
        np.full(n, 3000.0),
        np.linspace(-1, 1, n),
        np.full(n, 0.05),
        np.array([-700.0, 100.0, np.nan, 650.0]),
        np.full(n, 40.0),
        np.full(n, 0.05),
        np.array([True, False, True, False]),
    )
    for extras in (True, False):
        dec = ax.decode(ax.encode_cat048(det, 1, 2, extras=extras))
        (scan,) = ax.to_detections(dec.cat048)
        assert scan.iff.tolist() == [True, False, True, False]
        assert scan.range_rate[1] == pytest.approx(100.0, abs=0.5)
        if extras:
            assert scan.range_rate[[0, 3]] == pytest.approx([-700.0, 650.0], rel=1e-6)
        else:  # a reader without the SP field sees no Doppler for plots beyond the item's range
            assert np.isnan(scan.range_rate[[0, 2, 3]]).all()
    no_iff = Detections(1.0, 0, np.full(2, 3000.0), np.zeros(2), np.zeros(2), np.zeros(2), np.ones(2), np.ones(2))
    (scan,) = ax.to_detections(ax.decode(ax.encode_cat048(no_iff, 1, 2)).cat048)
    assert scan.iff is None
