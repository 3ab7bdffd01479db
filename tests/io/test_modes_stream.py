"""AVR and Beast readers against pyModeS's own Beast parser and against their writers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.io import modes_stream as ms


def test_beast_capture_equals_pymodes_parser(shared):
    from pyModeS.cli._source import _parse_beast_buffer  # the library's (private) Beast parser

    data = (shared / "data/adsb/sample_dump1090_beast.bin").read_bytes()
    frames, st_ = ms.read_beast(data)
    ref, remainder = _parse_beast_buffer(data)
    assert remainder == b"" and len(frames) == len(ref) == 239 and st_.malformed == 0
    assert frames.frame.tolist() == [h for _, h in ref]
    np.testing.assert_allclose(frames.timestamp, [tick / 12e6 for tick, _ in ref], rtol=0, atol=1e-9)
    # byte-exact when written back (0x1A escaping, timestamps, signal levels)
    assert ms.write_beast(frames.frame, frames.timestamp, frames.signal) == data


def test_avr_round_trip_and_bad_lines():
    frames = ["8D4840D6202CC371C32CE0576098", "5D3C5EE1E4B46C", "8D40621D58C382D690C8AC2863A7"]
    text = ms.write_avr(frames) + "*8D40621D58C3;\nnonsense\n\n" + ms.write_avr(frames[:1], [12.5])
    got, st_ = ms.read_avr(text)
    assert got.frame.tolist() == frames + frames[:1]
    assert np.isnan(got.timestamp[0]) and got.timestamp[-1] == 12.5
    assert st_.malformed == 2 and len(st_.errors) == 2 and "line 4" in st_.errors[0]


@settings(max_examples=300, deadline=None)
@given(junk=st.binary(max_size=400), cut=st.integers(0, 10_000))
def test_fuzz_beast_never_raises(junk, cut):
    good = ms.write_beast(["8D4840D6202CC371C32CE0576098"] * 5, np.arange(5) * 1.0)
    data = junk + good[: cut % (len(good) + 1)] + junk[::-1]
    frames, st_ = ms.read_beast(data)
    assert len(frames) == st_.frames and all(len(f) in (14, 28) for f in frames.frame)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_fuzz_avr_never_raises(text):
    frames, st_ = ms.read_avr(text)
    assert len(frames) == st_.frames
