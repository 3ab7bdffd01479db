"""Classic libpcap capture files: the UDP payloads (e.g. ASTERIX datagrams) inside, and a writer.

Format: a 24-byte global header (magic 0xA1B2C3D4 for microsecond or 0xA1B23C4D for nanosecond
timestamps, in the writer's byte order; link type at offset 20) then records of a 16-byte header
(seconds, fraction, captured length, original length) and the captured bytes (pcap-savefile(5),
IETF draft-ietf-opsawg-pcap). Link types read: Ethernet (1, with 802.1Q VLAN tags), raw IPv4
(101, 228) and Linux cooked capture (113). Only IPv4 / UDP packets carry payloads; everything
else (ARP, IPv6, TCP, IP fragments, truncated packets) is counted and skipped, never raised.

Written by hand, not with dpkt or scapy: the format is two fixed headers, and this reader must
count every kind of damage rather than stop at the first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228

_MAGIC = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}


class PcapError(ValueError):
    """The file is not a classic libpcap capture (bad magic, unsupported link type, no header)."""


@dataclass
class PcapStats:
    """What the reader found: packets read, UDP payloads returned, and packets skipped by reason."""

    packets: int = 0
    udp: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    truncated_file: bool = False  # the last record header or data ran past the end of the file

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(frozen=True)
class UdpDatagram:
    """One UDP payload with its capture time [s since 1970, UTC] and addresses."""

    time: float
    src: str
    dst: str
    sport: int
    dport: int
    payload: bytes


def is_pcap(data: bytes) -> bool:
    """Whether ``data`` starts with a classic libpcap magic number."""
    return data[:4] in _MAGIC


def read_udp(data: bytes, port: int | None = None) -> tuple[list[UdpDatagram], PcapStats]:
    """UDP datagrams of a capture held in memory (optionally only those to destination ``port``).

    Raises :class:`PcapError` when the global header is not that of a classic pcap file; damage
    after it (truncated records, non-UDP packets, bad lengths) is counted in the stats and skipped.
    """
    if len(data) < 24 or data[:4] not in _MAGIC:
        raise PcapError("not a libpcap capture (the first 4 bytes are not a pcap magic number)")
    order, tick = _MAGIC[data[:4]]
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    if linktype not in (LINKTYPE_ETHERNET, LINKTYPE_RAW, LINKTYPE_LINUX_SLL, LINKTYPE_IPV4):
        raise PcapError(f"link type {linktype} not supported (Ethernet, raw IPv4 or Linux cooked only)")
    rec = struct.Struct(order + "IIII")
    st = PcapStats()
    out: list[UdpDatagram] = []
    off, n = 24, len(data)
    while off < n:
        if off + 16 > n:
            st.truncated_file = True
            break
        sec, frac, incl, _orig = rec.unpack_from(data, off)
        off += 16
        if off + incl > n:
            st.truncated_file = True
            break
        pkt = data[off : off + incl]
        off += incl
        st.packets += 1
        dgram = _udp(pkt, linktype, sec + frac * tick, st)
        if dgram is not None and (port is None or dgram.dport == port):
            out.append(dgram)
            st.udp += 1
    return out, st


def _udp(pkt: bytes, linktype: int, time: float, st: PcapStats) -> UdpDatagram | None:
    p = 0
    if linktype == LINKTYPE_ETHERNET:
        if len(pkt) < 14:
            st.skip("short Ethernet frame")
            return None
        ethertype = int.from_bytes(pkt[12:14], "big")
        p = 14
        while ethertype in (0x8100, 0x88A8) and p + 4 <= len(pkt):  # VLAN tags
            ethertype = int.from_bytes(pkt[p + 2 : p + 4], "big")
            p += 4
        if ethertype != 0x0800:
            st.skip("not IPv4")
            return None
    elif linktype == LINKTYPE_LINUX_SLL:
        if len(pkt) < 16 or int.from_bytes(pkt[14:16], "big") != 0x0800:
            st.skip("not IPv4")
            return None
        p = 16
    if len(pkt) < p + 20 or pkt[p] >> 4 != 4:
        st.skip("bad IPv4 header")
        return None
    ihl = (pkt[p] & 0x0F) * 4
    total = int.from_bytes(pkt[p + 2 : p + 4], "big")
    if ihl < 20 or total < ihl + 8 or len(pkt) < p + ihl + 8:
        st.skip("bad IPv4 header")
        return None
    if pkt[p + 9] != 17:
        st.skip("not UDP")
        return None
    flags_frag = int.from_bytes(pkt[p + 6 : p + 8], "big")
    if flags_frag & 0x3FFF:  # more-fragments flag or a fragment offset
        st.skip("IP fragment")
        return None
    u = p + ihl
    ulen = int.from_bytes(pkt[u + 4 : u + 6], "big")
    if ulen < 8 or u + ulen > len(pkt) or ulen > total - ihl:
        st.skip("truncated UDP datagram")
        return None
    src = ".".join(str(b) for b in pkt[p + 12 : p + 16])
    dst = ".".join(str(b) for b in pkt[p + 16 : p + 20])
    sport = int.from_bytes(pkt[u : u + 2], "big")
    dport = int.from_bytes(pkt[u + 2 : u + 4], "big")
    return UdpDatagram(time, src, dst, sport, dport, bytes(pkt[u + 8 : u + ulen]))


def write_udp(
    datagrams: list[tuple[float, bytes]],
    dport: int = 8600,
    src: str = "127.0.0.1",
    dst: str = "127.0.0.1",
    sport: int = 50000,
) -> bytes:
    """A classic pcap (Ethernet, microseconds) of UDP datagrams ``(time [s since 1970], payload)``.

    IPv4 header checksum computed (RFC 791); UDP checksum 0 (not computed, allowed over IPv4, RFC 768).
    """
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    for k, (time, payload) in enumerate(datagrams):
        if len(payload) > 65507:
            raise ValueError(f"datagram {k}: {len(payload)} bytes, more than a UDP datagram holds")
        udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), k & 0xFFFF, 0, 64, 17, 0, s, d))
        ip[10:12] = _ip_checksum(bytes(ip)).to_bytes(2, "big")
        frame = b"\x00" * 6 + b"\x02" + b"\x00" * 5 + b"\x08\x00" + bytes(ip) + udp
        sec = int(time)
        usec = min(round((time - sec) * 1e6), 999_999)
        out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    return bytes(out)


def _ip_checksum(header: bytes) -> int:
    total = sum(int.from_bytes(header[i : i + 2], "big") for i in range(0, len(header), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
