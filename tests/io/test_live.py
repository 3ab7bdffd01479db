"""The live engine's parts: configuration, CAT021/CAT034 writing, scan assembly, stream framing, feeds."""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest
from live_site import SITE, free_udp_port  # beside this file (pytest puts the test folder on the path)

from bastion.engine.events import EventLog
from bastion.io import asterix as ax
from bastion.io import feeds, live, modes_stream
from bastion.scenario import ScenarioError
from bastion.sense.types import AdsbReports, Detections

FT = 0.3048
NM = 1852.0


START_TOD = 1 * 3600 + 25 * 60 + 30.0  # 04:25:30+03:00 is 01:25:30 UTC


def config(feeds_toml: str, site: str = SITE) -> live.LiveSetup:
    return live.parse_live(site + feeds_toml, "live.toml")


RADAR_FEED = """
[[feeds]]
name = "radar"
sensor = "R1"
format = "asterix"
udp = "127.0.0.1:{port}"
sac = 0
sic = 1
"""


def engine(setup, pipeline=None) -> tuple[live.LiveEngine, EventLog]:
    from bastion.engine.pipeline import DecisionPipeline

    log = EventLog(flush_every=10**9)
    return live.LiveEngine(setup, pipeline or DecisionPipeline(setup.defence, log.emit), log), log


def scan(rng, t: float, n: int = 30) -> Detections:
    return Detections(
        t=t,
        sensor=0,
        range=rng.uniform(500.0, 15_000.0, n),
        azimuth=rng.uniform(-np.pi, np.pi, n),
        elevation=rng.uniform(0.0, 0.5, n),
        range_rate=rng.uniform(-100.0, 100.0, n),
        power=rng.exponential(20.0, n),
        rcs=rng.lognormal(-3.0, 1.0, n),
    )


# ----------------------------------------------------------------------------------------------
# configuration


def test_live_config_compiles_the_site_and_stores_a_plain_scenario():
    setup = config(RADAR_FEED.format(port=4000) + '\n[publish]\ncat062 = "127.0.0.1:8600"\n')
    assert setup.defence.radars[0].name == "R1" and len(setup.config.feeds) == 1
    assert setup.start_tod_s == START_TOD
    assert "[[feeds]]" not in setup.scenario_text and "[publish]" not in setup.scenario_text
    from bastion.scenario import parse

    assert parse(setup.scenario_text).model.site.name == "test site"  # what a run stores compiles alone


def test_live_config_problems_name_file_line_and_field(tmp_path):
    bad = SITE + (
        "\n[[feeds]]\nname = 'x'\nsensor = 'R9'\nformat = 'asterix'\nudp = '127.0.0.1:4000'\n"
        "\n[[feeds]]\nname = 'y'\nsensor = 'R1'\nformat = 'beast'\nudp = '127.0.0.1:4001'\n"
        "\n[[feeds]]\nname = 'z'\nsensor = 'A1'\nformat = 'avr'\nudp = 'nohost'\nspeed = 3\n"
        "\n[[threats]]\nname = 't'\ntype = 'rocket-107'\nlaunch = { east_m = 1.0, north_m = 1.0 }\n"
        "target = { east_m = 0.0, north_m = 0.0 }\n"
    )
    with pytest.raises(ScenarioError) as exc:
        live.parse_live(bad, "live.toml")
    text = "\n".join(exc.value.problems)
    lines = bad.splitlines()
    speed_line = next(i for i, s in enumerate(lines, 1) if s.startswith("speed"))
    assert f"live.toml:{speed_line}: feeds[2].speed: unknown field 'speed'" in text
    assert "feeds[2].udp: address 'nohost': expected HOST:PORT with a port 1-65535, got 'nohost'" in text
    with pytest.raises(ScenarioError) as exc:
        live.parse_live(bad.replace("speed = 3\n", "").replace("'nohost'", "'127.0.0.1:4002'"), "live.toml")
    text = "\n".join(exc.value.problems)
    assert "feeds[0].sensor: 'R9' is not a sensor (sensors: A1, R1)" in text
    assert "feeds[1].format: radar 'R1' speaks asterix (CAT048), not beast" in text
    assert "threats: a live configuration holds no truth" in text
    assert all(p.startswith("live.toml:") and p.split(":")[1].isdigit() for p in exc.value.problems)
    missing = tmp_path / "x.toml"
    missing.write_text(SITE + "\n[[feeds]]\nname = 'f'\nsensor = 'R1'\nformat = 'asterix'\nfile = 'nope.pcap'\n")
    with pytest.raises(ScenarioError, match=r"x\.toml:\d+: feeds\[0\]\.file: no such file"):
        live.load_live(missing)


# ----------------------------------------------------------------------------------------------
# CAT021 and CAT034 writing, checked by libasterix (independent) and by bastion's decoder

lib = pytest.importorskip("asterix.generated", reason="libasterix (dev dependency) is the independent reference")
from asterix.base import Bits, RawDatablock  # noqa: E402


def _lib_records(datagrams, spec):
    out = []
    for payload in datagrams:
        for db in RawDatablock.parse(Bits.from_bytes(payload)):
            recs = spec.cv_uap.parse(db.get_raw_records())
            assert not isinstance(recs, ValueError), recs
            out.extend(recs)
    return out


def _q(rec, item, sub, unit):
    i = rec.get_item(item)
    if i is None:
        return np.nan
    v = i.variation.get_item(sub).variation if sub else i.variation
    return v.content.as_quantity(unit)


def _reports(rng, n=40) -> AdsbReports:
    v = np.column_stack([rng.uniform(-260, 260, (n, 2)), rng.uniform(-25, 25, n)])
    v[3] = np.nan  # velocity not heard yet
    v[7, 2] = np.nan
    return AdsbReports(
        t=np.sort(rng.uniform(0.0, 500.0, n)),
        icao24=np.array([f"{x:06x}" for x in rng.integers(0, 2**24, n)]),
        callsign=np.array(["IAW452", "", "QTR453", "A1B2C3D4"] * (n // 4)),
        lat=rng.uniform(-85, 85, n),
        lon=rng.uniform(-180, 180, n),
        altitude_m=rng.uniform(-300, 13_000, n),
        velocity=v,
        nacp=rng.integers(0, 12, n),
    )


def test_cat021_encoding_read_by_libasterix_and_bastion():
    r = _reports(np.random.default_rng(21))
    blocks = ax.encode_cat021(r, sac=7, sic=9, start_tod_s=START_TOD, max_datagram=500)
    assert len(blocks) > 1 and all(len(b) <= 500 for b in blocks)
    ref = _lib_records(blocks, lib.Cat_021_2_6)
    assert len(ref) == len(r)
    # libasterix: position, flight level, ground vector, vertical rate, time, address, NACp
    lat = np.array([_q(x, "131", "LAT", "°") for x in ref])
    assert np.all(np.abs(lat - r.lat) <= 90.0 / 2**30 + 1e-12)
    fl = np.array([_q(x, "145", None, "FL") for x in ref])
    assert np.all(np.abs(fl * 100 * FT - r.altitude_m) <= 12.5 * FT + 1e-9)
    gs = np.array([_q(x, "160", "GS", "NM/s") for x in ref]) * NM
    has = np.isfinite(r.velocity[:, 0])
    assert np.array_equal(np.isfinite(gs), has)
    assert np.all(np.abs(gs[has] - np.hypot(r.velocity[has, 0], r.velocity[has, 1])) <= 2.0**-15 * NM + 1e-9)
    tod = np.array([_q(x, "073", None, "s") for x in ref])
    assert np.all(np.abs(tod - (START_TOD + r.t)) <= 1 / 256 + 1e-9)
    assert [f"{x.get_item('080').variation.content.as_uint():06x}" for x in ref] == r.icao24.tolist()
    # bastion's decoder, back to AdsbReports: within half a least significant bit of each field
    back = ax.to_adsb_reports(ax.decode(blocks).cat021, START_TOD)
    assert back.icao24.tolist() == r.icao24.tolist() and back.callsign.tolist() == r.callsign.tolist()
    assert np.all(np.abs(back.t - r.t) <= 1 / 256 + 1e-9)
    assert np.all(np.abs(back.lon - r.lon) <= 90.0 / 2**30 + 1e-12)
    assert np.all(np.abs(back.altitude_m - r.altitude_m) <= 12.5 * FT + 1e-9)
    assert np.array_equal(back.nacp, r.nacp)
    ok = np.isfinite(r.velocity)
    assert np.array_equal(np.isfinite(back.velocity), ok)
    assert np.all(np.abs(back.velocity[ok] - r.velocity[ok]) <= 0.06)  # 2^-15 NM/s and 1/2^16 turn at 370 m/s


def test_cat034_north_marker_read_by_libasterix_and_back():
    m = ax.encode_north_marker(3, 4, START_TOD + 12.5, rotation_period_s=1.0)
    (rec,) = _lib_records([m], lib.Cat_034_1_29)
    assert _q(rec, "030", None, "s") == START_TOD + 12.5
    assert rec.get_item("000").variation.content.as_uint() == 1 and _q(rec, "041", None, "s") == 1.0
    msgs, bad = ax.read_service_messages(m)
    assert bad == 0 and len(msgs) == 1
    assert (msgs[0].sac, msgs[0].sic, msgs[0].message_type, msgs[0].time_of_day) == (3, 4, 1, START_TOD + 12.5)
    assert ax.decode(m).stats.records == {34: 1}


# ----------------------------------------------------------------------------------------------
# scan assembly


def _radar_feed(setup) -> live.RadarFeed:
    eng, _ = engine(setup)
    return eng.decoders[0]


def test_scans_split_over_datagrams_close_at_the_north_marker():
    setup = config(RADAR_FEED.format(port=4000))
    feed = _radar_feed(setup)
    det = scan(np.random.default_rng(1), 12.0, n=120)
    blocks = ax.encode_cat048(det, 0, 1, START_TOD, 43.0, max_datagram=600)
    assert len(blocks) >= 3
    out = []
    for b in blocks:
        out += feed.decode(b, 0.0)
    assert out == []  # the scan is still open: more plots may come
    out += feed.decode(ax.encode_north_marker(0, 1, START_TOD + 12.0), 0.0)
    (item,) = out
    assert item.det.t == 12.0 and len(item.det) == 120
    np.testing.assert_allclose(item.det.range, det.range, rtol=1e-7)  # the SP field's float32
    np.testing.assert_allclose(item.det.azimuth, det.azimuth, rtol=1e-7, atol=1e-7)
    # an empty scan is a marker alone: the tracker must see it to count its misses
    (empty,) = feed.decode(ax.encode_north_marker(0, 1, START_TOD + 13.0), 0.0)
    assert empty.det.t == 13.0 and len(empty.det) == 0
    assert feed.stats.scans == 2 and feed.stats.bad_packets == 0


def test_scans_without_markers_close_on_a_later_time_or_after_a_quiet_spell():
    setup = config(RADAR_FEED.format(port=4000))
    feed = _radar_feed(setup)
    rng = np.random.default_rng(2)
    a, b = scan(rng, 1.0), scan(rng, 2.0)
    assert feed.decode(ax.encode_cat048(a, 0, 1, START_TOD, 43.0)[0], wall=100.0) == []
    (first,) = feed.decode(ax.encode_cat048(b, 0, 1, START_TOD, 43.0)[0], wall=100.1)
    assert first.det.t == 1.0
    assert feed.idle(100.1 + setup.config.live.scan_flush_s / 2) == []
    (second,) = feed.idle(100.1 + setup.config.live.scan_flush_s)
    assert second.det.t == 2.0 and len(second.det) == len(b)


def test_stale_scans_and_time_jumps_are_dropped_and_counted():
    setup = config(RADAR_FEED.format(port=4000))
    feed = _radar_feed(setup)
    marker = lambda t: ax.encode_north_marker(0, 1, START_TOD + t)  # noqa: E731
    assert len(feed.decode(marker(10.0), 0.0)) == 1
    assert feed.decode(marker(9.0), 0.0) == [] and feed.stats.stale_scans == 0  # never opened: older than last
    assert feed.decode(marker(5000.0), 0.0) == [] and feed.stats.time_jumps == 1  # one corrupted time: held
    assert len(feed.decode(marker(11.0), 0.0)) == 1  # the radar goes on
    assert feed.decode(marker(4000.0), 0.0) == [] and feed.stats.time_jumps == 2
    (confirmed,) = feed.decode(marker(4001.0), 0.0)  # a second scan confirms the new time (a restart)
    assert confirmed.det.t == 4001.0
    other = ax.encode_cat048(scan(np.random.default_rng(3), 4002.0), 9, 9, START_TOD, 43.0)[0]
    assert feed.decode(other, 0.0) == [] and feed.stats.other_sources == 30


def _poke_sp(datagram: bytes, record: int, field: int, value: float) -> bytes:
    """Overwrite one float32 of bastion's SP field (27 bytes: length, b"b1", six floats) in ``record``."""
    import struct

    starts = [i for i in range(len(datagram) - 2) if datagram[i : i + 3] == bytes([27]) + ax.SP_MAGIC]
    out = bytearray(datagram)
    at = starts[record] + 3 + 4 * field
    out[at : at + 4] = struct.pack(">f", value)
    return bytes(out)


def test_implausible_plot_values_are_dropped():
    setup = config(RADAR_FEED.format(port=4000))
    feed = _radar_feed(setup)
    det = scan(np.random.default_rng(4), 3.0, n=10)
    (dg,) = ax.encode_cat048(det, 0, 1, START_TOD, 43.0)
    dg = _poke_sp(dg, 2, 0, 3.0e38)  # a bit-flipped float32 range
    dg = _poke_sp(dg, 5, 2, 3.0)  # an elevation beyond the zenith
    out = feed.decode(dg, 0.0)
    out += feed.decode(ax.encode_north_marker(0, 1, START_TOD + 3.0), 0.0)
    assert len(out[0].det) == 8 and feed.stats.implausible == 2
    assert np.isin(out[0].det.range.astype(np.float32), det.range[[0, 1, 3, 4, 6, 7, 8, 9]].astype(np.float32)).all()


def test_micro_doppler_classes_and_iff_replies_stay_with_their_plots():
    """A scan from a radar that classes its plots by micro-Doppler (and interrogates IFF) travels with
    its classes in bastion's SP field (b2): they come back plot by plot, a damaged class reads as none
    (no evidence, never a false "not a bird"), and when an implausible plot is dropped the others keep
    their classes and IFF replies (the live feed dropped every IFF reply of such a scan before)."""
    import dataclasses
    import struct

    from bastion.sense.types import MD_BIRD, MD_NONE, MD_NOT_BIRD

    setup = config(RADAR_FEED.format(port=4000))
    feed = _radar_feed(setup)
    det = scan(np.random.default_rng(5), 3.0, n=10)
    b, n_, z = MD_BIRD, MD_NOT_BIRD, MD_NONE
    md = np.array([b, n_, z, b, b, n_, b, n_, b, b])
    iff = np.arange(10) % 3 == 0
    det = dataclasses.replace(det, micro_doppler=md.astype(np.int8), iff=iff)
    (dg,) = ax.encode_cat048(det, 0, 1, START_TOD, 43.0)
    starts = [i for i in range(len(dg) - 2) if dg[i : i + 3] == bytes([31]) + ax.SP_MAGIC_MD]
    assert len(starts) == 10  # every plot's SP field carries its class

    def poke(data: bytes, record: int, field: int, value: float) -> bytes:
        out = bytearray(data)
        at = starts[record] + 3 + 4 * field
        out[at : at + 4] = struct.pack(">f", value)
        return bytes(out)

    dg = poke(dg, 4, 6, 7.0)  # a damaged class
    dg = poke(dg, 2, 0, 3.0e38)  # a damaged range: the plot is dropped
    out = feed.decode(dg, 0.0)
    out += feed.decode(ax.encode_north_marker(0, 1, START_TOD + 3.0), 0.0)
    got = out[0].det
    keep = [0, 1, 3, 4, 5, 6, 7, 8, 9]
    assert len(got) == 9 and feed.stats.implausible == 1
    expected = md[keep].copy()
    expected[3] = MD_NONE  # plot 4's class was damaged
    np.testing.assert_array_equal(got.micro_doppler, expected)
    np.testing.assert_array_equal(got.iff, iff[keep])
    # a radar without classes: none come back (not a scan of "no class" plots)
    (plain,) = ax.encode_cat048(dataclasses.replace(det, micro_doppler=None), 0, 1, START_TOD, 43.0)
    assert ax.to_detections(ax.decode([plain]).cat048, 0, START_TOD, 43.0)[0].micro_doppler is None


# ----------------------------------------------------------------------------------------------
# Beast streams: carrying an incomplete trailing frame


def _beast_stream(n=40) -> bytes:
    rng = np.random.default_rng(5)
    frames = ["8D4840D6202CC371C32CE0576098", "8D1A1A1A58C382D690C8AC2863A7", "5D3C5EE1E4B46C"] * (n // 3)
    # timestamps and signal levels chosen to contain 0x1A bytes (escaped on the wire)
    ts = (0x1A1A1A + np.arange(len(frames)) * 0x1A00 + rng.integers(0, 5, len(frames))) / modes_stream.BEAST_CLOCK_HZ
    return modes_stream.write_beast(frames, ts, np.full(len(frames), 0x1A))


def test_beast_stream_tail_matches_pymodes_remainder_at_every_cut():
    from pyModeS.cli._source import _parse_beast_buffer  # the library's (private) stream parser

    data = _beast_stream()
    assert data.count(b"\x1a\x1a") > 20
    whole, _ = modes_stream.read_beast(data)
    for cut in range(len(data) + 1):
        first, st1, tail = modes_stream.read_beast_stream(data[:cut])
        complete = data[: cut - len(tail)]
        assert complete + tail == data[:cut]
        assert tail == _parse_beast_buffer(data[:cut])[1], cut
        assert modes_stream.read_beast(complete)[0].frame.tolist() == first.frame.tolist()
        rest, st2 = modes_stream.read_beast(tail + data[cut:])
        assert st1.malformed == st2.malformed == 0
        assert first.frame.tolist() + rest.frame.tolist() == whole.frame.tolist()


def test_beast_over_tcp_in_odd_chunks_decodes_as_the_whole_stream():
    from bastion.sense.adsb_frames import AdsbDecoder, encode_reports, to_hex

    rng = np.random.default_rng(6)
    n = 60
    k = np.tile(np.arange(n // 3), 3)
    icao = np.repeat(["4840d6", "06a1c3", "7304a1"], n // 3)
    lat0 = np.repeat([33.20, 33.30, 33.25], n // 3)
    v = np.repeat([[100.0, 50.0, 0.0], [-80.0, 120.0, 5.0], [0.0, -150.0, -5.0]], n // 3, axis=0)
    t = k * 0.5
    lat = lat0 + v[:, 1] * t / 111_000.0  # straight flights: pyModeS accepts only consistent positions
    lon = 44.23 + v[:, 0] * t / 93_000.0
    reports = AdsbReports(
        t, icao, np.repeat(["KLM1", "QTR453", "IAW452"], n // 3), lat, lon, 1000.0 + v[:, 2] * t, v, np.full(n, 9)
    )
    frames, times = encode_reports(reports)
    stream = modes_stream.write_beast(to_hex(frames), np.mod(START_TOD + times, 86_400.0))
    ref = AdsbDecoder((33.2625, 44.23444), 200_000.0).decode(to_hex(frames), times)
    assert len(ref) > 40
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        cuts = np.sort(rng.choice(np.arange(1, len(stream)), 40, replace=False))
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(stream)], strict=True):
            conn.sendall(stream[a:b])
            time.sleep(0.002)
        time.sleep(0.2)
        conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    setup = config(
        f'\n[[feeds]]\nname = "dump1090"\nsensor = "A1"\nformat = "beast"\ntcp = "127.0.0.1:{port}"\ntime = "data"\n'
    )
    got: list[AdsbReports] = []

    class Sink:
        engagements = tracks = None

        def on_adsb(self, r):
            got.append(r)

    eng, _ = engine(setup, Sink())
    t0 = time.monotonic()
    report = eng.run(
        stop=lambda: (not th.is_alive() and time.monotonic() - eng.last_activity > 0.3) or time.monotonic() - t0 > 20
    )
    server.close()
    st = report.feeds["dump1090"]
    assert st["bad_packets"] == 0 and st["connects"] >= 1
    merged = np.concatenate([r.t for r in got])
    assert st["reports"] == len(ref) == merged.size
    np.testing.assert_allclose(merged, ref.t, atol=1e-6)
    np.testing.assert_allclose(np.concatenate([r.lat for r in got]), ref.lat, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# recordings, replay and capture


def test_pcap_recording_round_trip_keeps_order_ports_and_times(tmp_path):
    packets = [feeds.Packet(1.6e9 + 0.25 * k, 4000 + k % 3, bytes([k]) * (k + 1)) for k in range(30)]
    path = feeds.write_pcap(tmp_path / "r.pcap", packets)
    back, st = feeds.read_recording(path, "asterix")
    assert [(p.port, p.payload) for p in back] == [(p.port, p.payload) for p in packets]
    np.testing.assert_allclose([p.time for p in back], [p.time for p in packets], atol=1e-6)
    only, _ = feeds.read_recording(path, "asterix", port=4001)
    assert [p.payload for p in only] == [p.payload for p in packets if p.port == 4001] and st.packets == 30


def test_raw_streams_are_timed_by_their_content(tmp_path):
    rng = np.random.default_rng(7)
    stream = b"".join(
        b
        for t in (1.0, 2.0, 3.0)
        for b in [*ax.encode_cat048(scan(rng, t), 0, 1, 86_399.0, 0.0), ax.encode_north_marker(0, 1, 86_399.0 + t)]
    )  # start 86399 s: the scans fall at 0, 1 and 2 s after midnight
    path = tmp_path / "raw.ast"
    path.write_bytes(stream)
    packets, st = feeds.read_recording(path, "asterix")
    assert len(packets) == 6 and not st.untimed
    times = np.array([p.time for p in packets])
    np.testing.assert_allclose(times - times[0], [0, 0, 1, 1, 2, 2])  # unwrapped across midnight
    beast = tmp_path / "b.bin"
    beast.write_bytes(_beast_stream(30))
    bp, _ = feeds.read_recording(beast, "beast")
    frames = sum(len(modes_stream.read_beast(p.payload)[0]) for p in bp)
    assert frames == 30 and all(np.diff([p.time for p in bp]) >= 0)


def test_replay_and_capture_over_loopback():
    port = free_udp_port()
    packets = [feeds.Packet(100.0 + 0.01 * k, 0, f"datagram {k}".encode()) for k in range(50)]
    got = {}

    def rx():
        got["packets"], got["stats"] = feeds.capture("127.0.0.1", port, max_packets=50, duration_s=10.0)

    th = threading.Thread(target=rx)
    th.start()
    time.sleep(0.2)
    rs = feeds.replay(packets, "127.0.0.1", port, speed=5.0)
    th.join()
    assert rs.packets == 50 and rs.send_errors == 0
    assert [p.payload for p in got["packets"]] == [p.payload for p in packets]
    gaps = np.diff([p.time for p in got["packets"]])
    assert np.median(gaps) == pytest.approx(0.01 / 5.0, abs=0.002)  # paced at x5
