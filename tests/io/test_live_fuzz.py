"""Fuzzing the live engine's inputs (hypothesis): truncated, bit-flipped, extended, oversized and random
datagrams on every kind of feed. Zero crashes; a damaged datagram counts once as bad and is skipped; the
engine goes on deciding on the next good scan."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_site import SITE  # beside this file (pytest puts the test folder on the path)

from bastion.engine.events import EventLog
from bastion.engine.pipeline import DecisionPipeline
from bastion.io import asterix as ax
from bastion.io import live, modes_stream
from bastion.sense.adsb_frames import encode_reports, to_hex
from bastion.sense.types import AdsbReports, Detections

START_TOD = 1 * 3600 + 25 * 60 + 30.0  # 04:25:30+03:00 is 01:25:30 UTC

FEEDS = """
[[feeds]]
name = "radar"
sensor = "R1"
format = "asterix"
udp = "127.0.0.1:4000"
sac = 0
sic = 1

[[feeds]]
name = "cat021"
sensor = "A1"
format = "asterix"
udp = "127.0.0.1:4001"

[[feeds]]
name = "beast"
sensor = "A1"
format = "beast"
udp = "127.0.0.1:4002"
time = "data"

[[feeds]]
name = "avr"
sensor = "A1"
format = "avr"
udp = "127.0.0.1:4003"
"""

RADAR, CAT021, BEAST, AVR = range(4)


def _scan(t: float, n: int = 40, seed: int = 0) -> Detections:
    rng = np.random.default_rng(seed)
    return Detections(
        t,
        0,
        rng.uniform(500.0, 15_000.0, n),
        rng.uniform(-np.pi, np.pi, n),
        rng.uniform(0.0, 0.5, n),
        rng.uniform(-100.0, 100.0, n),
        rng.exponential(20.0, n),
        rng.lognormal(-3.0, 1.0, n),
    )


def _reports(t0: float) -> AdsbReports:
    k = np.arange(12)
    v = np.array([120.0, -60.0, 2.0])
    return AdsbReports(
        t0 + 0.5 * k,
        np.full(12, "4840d6"),
        np.full(12, "KLM1"),
        33.25 + v[1] * 0.5 * k / 111_000.0,
        44.20 + v[0] * 0.5 * k / 93_000.0,
        1500.0 + v[2] * 0.5 * k,
        np.tile(v, (12, 1)),
        np.full(12, 9),
    )


def _frames_bytes():
    r = _reports(5.0)
    frames, times = encode_reports(r)
    hexes = to_hex(frames)
    stamps = np.mod(START_TOD + times, 86_400.0)
    beast = [modes_stream.write_beast(hexes[k : k + 1], stamps[k : k + 1]) for k in range(len(hexes))]
    avr = [modes_stream.write_avr(hexes[k : k + 1]).encode() for k in range(len(hexes))]
    return beast, avr


BEAST_FRAMES, AVR_LINES = _frames_bytes()
SEEDS = {
    RADAR: [*ax.encode_cat048(_scan(1.0), 0, 1, START_TOD, 43.0), ax.encode_north_marker(0, 1, START_TOD + 1.0)],
    CAT021: ax.encode_cat021(_reports(1.0), 0, 101, START_TOD),
    BEAST: [b"".join(BEAST_FRAMES)],
    AVR: [b"".join(AVR_LINES)],
}
BOUNDARIES = {  # byte offsets where a Mode S datagram may be cut into whole frames or lines
    BEAST: set(np.cumsum([0] + [len(f) for f in BEAST_FRAMES]).tolist()),
    AVR: {b - d for b in np.cumsum([0] + [len(f) for f in AVR_LINES]).tolist() for d in (0, 1)},  # with or without '\n'
}


@pytest.fixture(scope="module")
def engine():
    setup = live.parse_live(SITE + FEEDS, "fuzz.toml")
    log = EventLog(flush_every=10**9)
    return live.LiveEngine(setup, DecisionPipeline(setup.defence, log.emit), log)


def _good_scan_still_decided(eng: live.LiveEngine) -> None:
    feed = eng.decoders[RADAR]
    feed.close()
    t = (feed.last_t or 0.0) + 1.0
    before = eng.scans
    for dg in [
        *ax.encode_cat048(_scan(t, seed=int(t)), 0, 1, START_TOD, 43.0),
        ax.encode_north_marker(0, 1, START_TOD + t),
    ]:
        eng.handle(RADAR, dg, 0.0, t)
    assert eng.scans == before + 1


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 10_000)),
    st.tuples(st.just("flip"), st.lists(st.integers(0, 80_000), min_size=1, max_size=8)),
    st.tuples(st.just("append"), st.binary(min_size=1, max_size=300)),
    st.tuples(st.just("random"), st.binary(min_size=0, max_size=600)),
    st.tuples(st.just("oversize"), st.integers(66_000, 200_000)),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    feed=st.sampled_from([RADAR, CAT021, BEAST, AVR]),
    which=st.integers(0, 50),
    how=mutation,
    seed=st.integers(0, 2**31),
)
def test_damaged_datagrams_never_crash_and_count_once(engine, feed, which, how, seed):
    good = SEEDS[feed][which % len(SEEDS[feed])]
    kind, arg = how
    must_be_bad = False
    if kind == "truncate":
        cut = arg % len(good)
        data = good[:cut]
        must_be_bad = feed in (RADAR, CAT021) or cut not in BOUNDARIES[feed]
    elif kind == "flip":
        buf = bytearray(good)
        for bit in arg:
            buf[(bit // 8) % len(buf)] ^= 1 << (bit % 8)
        data = bytes(buf)
    elif kind == "append":
        data = good + arg
    elif kind == "random":
        data = arg
    else:  # larger than any UDP datagram (only a recording can hold it)
        data = np.random.default_rng(seed).bytes(arg)
    stats = engine.decoders[feed].stats
    bad0, packets0 = stats.bad_packets, stats.packets
    engine.handle(feed, data, 0.0, 10.0)
    assert stats.packets == packets0 + 1
    assert stats.bad_packets - bad0 == 1 if must_be_bad else stats.bad_packets - bad0 in (0, 1)
    if feed == RADAR:
        _good_scan_still_decided(engine)


def test_every_feed_kind_decodes_its_undamaged_seed(engine):
    """The seeds are good data: the fuzz test's 'bad' is measured against datagrams that decode cleanly."""
    for feed, datagrams in SEEDS.items():
        st_ = engine.decoders[feed].stats
        bad0 = st_.bad_packets
        for dg in datagrams:
            engine.handle(feed, dg, 0.0, 10.0)
        assert st_.bad_packets == bad0, feed
    assert engine.decoders[BEAST].stats.reports + engine.decoders[CAT021].stats.reports > 0
