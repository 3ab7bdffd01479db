"""pcap reader: real captures, its own writer, and damaged files (counted, never raised)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.io import pcap


def test_reads_the_reference_captures(shared):
    dg, stats = pcap.read_udp((shared / "data/asterix/cat_034_048.pcap").read_bytes())
    # every frame of the capture is an Ethernet/IPv4/UDP datagram carrying ASTERIX (CAT 48 or 34)
    assert len(dg) == stats.packets == 100 and not stats.skipped and not stats.truncated_file
    assert {d.payload[0] for d in dg} == {48, 34}
    assert all(int.from_bytes(d.payload[1:3], "big") <= len(d.payload) for d in dg)


def test_write_then_read_round_trip():
    data = [(1_700_000_000.0 + 0.25 * k, bytes([48, 0, 3 + k]) + bytes(k)) for k in range(50)]
    raw = pcap.write_udp(data, dport=8600)
    dg, st_ = pcap.read_udp(raw)
    assert [d.payload for d in dg] == [p for _, p in data]
    assert [round(d.time, 6) for d in dg] == [round(t, 6) for t, _ in data]
    assert {d.dport for d in dg} == {8600} and st_.udp == 50
    assert pcap.read_udp(raw, port=9999)[0] == []


def test_not_a_pcap_is_a_clear_error():
    with pytest.raises(pcap.PcapError, match="magic"):
        pcap.read_udp(b"hello world, this is not a capture file")


@settings(max_examples=300, deadline=None)
@given(cut=st.integers(24, 4000), flips=st.lists(st.integers(0, 40_000), max_size=6))
def test_fuzz_damaged_capture_counted(cut, flips):
    raw = bytearray(pcap.write_udp([(float(k), bytes(range(k % 200))) for k in range(30)]))
    for f in flips:
        pos = 24 + (f // 8) % (len(raw) - 24)  # keep the global header: its damage is a PcapError
        raw[pos] ^= 1 << (f % 8)
    raw = bytes(raw[: min(cut, len(raw))])
    dg, st_ = pcap.read_udp(raw)
    assert st_.udp == len(dg) <= st_.packets
    assert st_.packets == st_.udp + sum(st_.skipped.values())
