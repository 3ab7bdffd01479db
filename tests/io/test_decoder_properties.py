"""Property tests (hypothesis) of every decoder: arbitrary bytes never raise; what is not a frame or
a record is counted and skipped (ASTERIX, AVR, Beast)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.io import asterix as ax
from bastion.io import modes_stream

SETTINGS = settings(max_examples=60, deadline=None)
# ASTERIX-looking bytes: a category the decoder knows and a length field, then anything
asterix_like = st.builds(
    lambda cat, body: bytes([cat]) + (len(body) + 3).to_bytes(2, "big") + body,
    st.sampled_from([21, 48, 62, 34, 1]),
    st.binary(max_size=300),
)


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=400), asterix_like), max_size=6))
def test_asterix_decode_never_raises(datagrams):
    out = ax.decode(datagrams)
    s = out.stats
    assert s.datagrams == len(datagrams)
    assert s.malformed == s.malformed_blocks + s.malformed_records >= 0
    assert out.category.size >= sum(s.records.values())  # every decoded record was walked
    assert len(s.errors) <= 20


@SETTINGS
@given(st.one_of(st.binary(max_size=600), asterix_like))
def test_asterix_raw_stream_never_raises(data):
    ax.decode(data)


avr_line = st.one_of(
    st.text(alphabet="*@;0123456789ABCDEFabcdefXZ:\n ", max_size=60),
    st.builds(lambda h: f"*{h};", st.text(alphabet="0123456789ABCDEF", min_size=14, max_size=14)),
)


@SETTINGS
@given(st.one_of(st.binary(max_size=600), st.lists(avr_line, max_size=20).map("\n".join)))
def test_avr_never_raises_and_counts(text):
    frames, stats = modes_stream.read_avr(text)
    assert stats.frames == len(frames)
    assert all(len(f) in (14, 28) for f in frames.frame.tolist())
    lines = (text.decode("ascii", "replace") if isinstance(text, bytes) else text).splitlines()
    assert stats.frames + stats.malformed <= len(lines)


beast_frame = st.builds(
    lambda kind, body: b"\x1a" + bytes([kind]) + body.replace(b"\x1a", b"\x1a\x1a"),
    st.sampled_from([0x31, 0x32, 0x33, 0x34]),
    st.binary(min_size=0, max_size=24),
)


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=60), beast_frame), max_size=12).map(b"".join))
def test_beast_never_raises_and_counts(data):
    frames, stats = modes_stream.read_beast(data)
    assert stats.frames == len(frames)
    assert all(len(f) in (14, 28) for f in frames.frame.tolist())
    assert np.all((frames.signal >= 0) & (frames.signal <= 255))
    assert stats.bytes_skipped <= len(data)
