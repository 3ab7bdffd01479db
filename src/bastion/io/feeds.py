"""Sensor feed recordings: a night's sensor data written in real formats, live feeds captured, recordings replayed.

- :func:`encode_cat021` writes ADS-B reports as ASTERIX CAT021 (the output of an ADS-B ground
  station), and :func:`encode_north_marker` / :func:`read_service_messages` write and read CAT034
  North markers (the monoradar service message that closes a scan: a radar's scan with no plot at
  all would otherwise be invisible on the wire, and a tracker must see it to count the miss).
- :class:`NightRecorder` turns the radar scans and ADS-B batches a decision pipeline was handed into
  one libpcap recording (one UDP port per sensor: CAT048 + CAT034 per radar, CAT021 or Beast per
  ADS-B receiver), stamped with the time they were handed over, plus the live configuration that
  replays it through ``bastion live``.
- :func:`read_recording` reads a recording (pcap, or a raw ASTERIX / Beast / AVR stream, paced by
  the data's own time stamps), :func:`replay` plays it to UDP at real time or faster, and
  :func:`capture` records a UDP feed to a pcap file.

Sources: EUROCONTROL ASTERIX Part 12 (CAT021 ed. 2.6, items I021/010, 040, 073, 080, 090, 131,
145, 157, 160, 170, 210), Part 2b (CAT034 ed. 1.29, items I034/000, 010, 030, 041); pcap-savefile(5).
Hand-written because no maintained Python library encodes ASTERIX at array speed (libasterix
encodes one record at a time, ~7,000 records/s; the tests read these encoders' output with it).
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bastion.io import asterix, modes_stream, pcap
from bastion.io.asterix import DAY_S, FPM, FT, NM
from bastion.sense.adsb_frames import encode_reports, icao_to_int, to_hex
from bastion.sense.types import AdsbReports, Detections

MAX_DATAGRAM = 1400  # [bytes] payload that fits an Ethernet frame with IPv4 and UDP headers
_CHARS6 = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"

CAT034_NORTH_MARKER = 1
CAT034_SECTOR_CROSSING = 2


def tod_of(moment: datetime) -> float:
    """Seconds after midnight UTC [s] of an aware datetime (bastion's t = 0 on the wire)."""
    utc = moment.astimezone(UTC)
    return (utc - utc.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()


# ----------------------------------------------------------------------------------------------
# ASTERIX writing helpers: records of optional items, packed into data blocks


def _be(values, nbytes: int) -> np.ndarray:
    """Big-endian bytes (N, nbytes) of integers (two's complement for negatives)."""
    v = np.asarray(values, dtype=np.int64) & ((1 << (8 * nbytes)) - 1)
    return np.stack([(v >> (8 * (nbytes - 1 - k))) & 0xFF for k in range(nbytes)], axis=1).astype(np.uint8)


def _pack(cat: int, items: list[tuple[int, np.ndarray, np.ndarray]], max_datagram: int) -> list[bytes]:
    """Data blocks of ``cat`` whose records hold ``items``: (FRN, bytes (N, w), present (N,)), FRNs ascending.

    Each record gets the FSPEC of its present items (as many octets as its highest FRN needs, FX
    set on all but the last); records are packed whole into blocks of at most ``max_datagram`` bytes.
    """
    n = items[0][1].shape[0]
    top = max(frn for frn, _, _ in items)
    n_oct = (top + 6) // 7
    fs = np.zeros((n, n_oct), dtype=np.uint8)
    last = np.zeros(n, dtype=int)  # highest present FRN per record
    for frn, _, present in items:
        k, bit = divmod(frn - 1, 7)
        fs[:, k] |= np.where(present, 0x80 >> bit, 0).astype(np.uint8)
        last = np.where(present, frn, last)
    used = (last + 6) // 7  # FSPEC octets per record
    octet = np.arange(n_oct)[None, :]
    fs |= (octet < used[:, None] - 1).astype(np.uint8)  # FX: another octet follows
    cols = [fs] + [b for _, b, _ in items]
    mask = [octet < used[:, None]] + [np.broadcast_to(p[:, None], b.shape) for _, b, p in items]
    flat = np.concatenate(cols, axis=1)[np.concatenate(mask, axis=1)]  # row-major: record after record
    lengths = np.concatenate(mask, axis=1).sum(axis=1)
    cum = np.concatenate([[0], np.cumsum(lengths)])
    blocks, start = [], 0
    while start < n:
        stop = int(np.searchsorted(cum, cum[start] + max_datagram - 3, side="right")) - 1
        stop = max(stop, start + 1)
        body = flat[cum[start] : cum[stop]].tobytes()
        blocks.append(bytes([cat]) + (3 + len(body)).to_bytes(2, "big") + body)
        start = stop
    return blocks


def _chars6(text: np.ndarray) -> np.ndarray:
    """Callsigns (N,) as the 6-byte ICAO 6-bit character code of I021/170 (8 characters, space padded)."""
    code = {c: i for i, c in enumerate(_CHARS6) if c != "#"}
    out = np.zeros((len(text), 6), dtype=np.uint8)
    for r, s in enumerate(text.tolist()):  # strings: a loop over the (few) aircraft of a batch
        v = 0
        for ch in (str(s).upper() + " " * 8)[:8]:
            v = (v << 6) | code.get(ch, 32)
        out[r] = list(v.to_bytes(6, "big"))
    return out


def encode_cat021(
    reports: AdsbReports,
    sac: int,
    sic: int,
    start_tod_s: float = 0.0,
    simulated: bool = True,
    max_datagram: int = MAX_DATAGRAM,
) -> list[bytes]:
    """ADS-B reports as CAT021 (ed. 2.x) datagrams, one data block of whole records each.

    Items: I021/010 (SAC, SIC), /040 (ATP = 24-bit ICAO address, ARC = 25 ft; first extension
    with SIM when ``simulated``), /131 high-resolution position (180/2^30 deg), /080 target address,
    /073 time of message reception of position (1/128 s), /090 quality indicators (NACp in the
    first extension), /210 MOPS version (VN 2 = DO-260B, LTT 2 = 1090 ES), /145 flight level (the
    barometric altitude, 1/4 FL = 25 ft, as a transponder reports it), /157 geometric vertical rate
    (6.25 ft/min) and /160 airborne ground vector (2^-14 NM/s, 360/2^16 deg) where the velocity is
    known, and /170 target identification where a callsign was received.
    """
    n = len(reports)
    if n == 0:
        return []
    tod = np.round(np.mod(start_tod_s + reports.t, DAY_S) * 128.0).astype(np.int64) & 0xFFFFFF
    lat = np.round(reports.lat / 180.0 * 2**30).astype(np.int64)
    lon = np.round(reports.lon / 180.0 * 2**30).astype(np.int64)
    fl = np.clip(np.round(reports.altitude_m / (25.0 * FT)), -(2**15), 2**15 - 1).astype(np.int64)
    v = reports.velocity
    has_v = np.isfinite(v[:, :2]).all(axis=1)
    gs = np.hypot(v[:, 0], v[:, 1])
    gs_raw = np.round(np.nan_to_num(gs) / (2.0**-14 * NM)).astype(np.int64)
    gs_re = gs_raw > 0x7FFF  # beyond the field: RE bit set, value saturated
    trk = np.round(np.mod(np.arctan2(np.nan_to_num(v[:, 0]), np.nan_to_num(v[:, 1])), 2 * np.pi) / (2 * np.pi) * 65536)
    has_vr = np.isfinite(v[:, 2])
    vr_raw = np.round(np.nan_to_num(v[:, 2]) / (6.25 * FPM)).astype(np.int64)
    vr_re = np.abs(vr_raw) > 2**14 - 1
    nacp = np.clip(np.asarray(reports.nacp, dtype=np.int64), 0, 15)
    has_cs = np.char.str_len(reports.callsign.astype(str)) > 0
    every = np.ones(n, dtype=bool)
    i040 = np.tile(np.array([0x20 | 0x08 | (1 if simulated else 0), 0x20 if simulated else 0], np.uint8), (n, 1))
    items = [
        (1, np.tile(np.array([sac & 0xFF, sic & 0xFF], np.uint8), (n, 1)), every),
        (2, i040 if simulated else i040[:, :1], every),
        (7, np.concatenate([_be(lat, 4), _be(lon, 4)], axis=1), every),
        (11, _be(icao_to_int(reports.icao24), 3), every),
        (12, _be(tod, 3), every),
        (17, np.column_stack([np.ones(n, np.uint8), (nacp << 1).astype(np.uint8)]), every),
        (18, np.full((n, 1), (2 << 3) | 2, np.uint8), every),
        (21, _be(fl, 2), every),
        (25, _be(np.where(vr_re, 0x8000, vr_raw & 0x7FFF), 2), has_vr),
        (26, np.concatenate([_be(np.where(gs_re, 0xFFFF, gs_raw), 2), _be(trk.astype(np.int64), 2)], axis=1), has_v),
        (29, _chars6(reports.callsign), has_cs),
    ]
    return _pack(21, items, max_datagram)


def encode_north_marker(sac: int, sic: int, tod_s: float, rotation_period_s: float | None = None) -> bytes:
    """One CAT034 North marker (I034/000 = 1) at time of day ``tod_s``: the end of a radar scan.

    Items: I034/010 (SAC, SIC), /000 message type, /030 time of day (1/128 s) and, when given,
    /041 antenna rotation period (1/128 s).
    """
    tod = round(math.fmod(tod_s, DAY_S) * 128.0) & 0xFFFFFF
    body = bytes([sac & 0xFF, sic & 0xFF, CAT034_NORTH_MARKER]) + tod.to_bytes(3, "big")
    fspec = 0xE0
    if rotation_period_s is not None:
        fspec |= 0x08
        body += (min(round(rotation_period_s * 128.0), 0xFFFF)).to_bytes(2, "big")
    record = bytes([fspec]) + body
    return bytes([34]) + (3 + len(record)).to_bytes(2, "big") + record


@dataclass(frozen=True)
class ServiceMessage:
    """A CAT034 record: source, message type (1 North marker, 2 sector crossing, ...) and time of day [s]."""

    sac: int
    sic: int
    message_type: int  # -1 when I034/000 is absent
    time_of_day: float  # NaN when I034/030 is absent
    sector_deg: float  # I034/020 sector azimuth [deg], NaN when absent


def read_service_messages(datagram: bytes) -> tuple[list[ServiceMessage], int]:
    """The CAT034 records of a datagram and the number of CAT034 blocks found damaged (skipped).

    Walks only the CAT034 blocks (the other categories go to :func:`bastion.io.asterix.decode`,
    which counts their damage); item lengths come from that module's CAT034 UAP and item walker.
    """
    out: list[ServiceMessage] = []
    bad = 0
    p, n = 0, len(datagram)
    while p + 3 <= n:
        cat, length = datagram[p], int.from_bytes(datagram[p + 1 : p + 3], "big")
        if length < 3 or p + length > n:
            break  # damaged block header: asterix.decode counts it
        if cat == 34:
            q, end = p + 3, p + length
            try:
                while q < end:
                    q, message = _cat034_record(datagram, q, end)
                    out.append(message)
            except (IndexError, asterix._Bad):  # the walker's signals of a damaged record
                bad += 1
        p += length
    return out, bad


def _cat034_record(data: bytes, q: int, end: int) -> tuple[int, ServiceMessage]:
    """One CAT034 record starting at ``q``: (offset after it, its message). IndexError when damaged."""
    uap = asterix.UAP[34]
    fs_end = q
    while data[fs_end] & 1:
        fs_end += 1
    fspec, q = data[q : fs_end + 1], fs_end + 1
    at: dict[int, int] = {}  # FRN -> offset of the item
    for k, byte in enumerate(fspec):
        for bit in range(7):
            if byte & (0x80 >> bit):
                frn = 7 * k + bit + 1
                spec = uap[frn - 1] if frn <= len(uap) else None
                if spec is None:
                    raise IndexError(f"FRN {frn} is spare or beyond the CAT034 UAP")
                at[frn] = q
                q = asterix._item_end(data, q, *spec)
    if q > end:
        raise IndexError("item past the block")
    src = int.from_bytes(data[at[1] : at[1] + 2], "big") if 1 in at else -1
    tod = int.from_bytes(data[at[3] : at[3] + 3], "big") / 128.0 if 3 in at else math.nan
    return q, ServiceMessage(
        src >> 8 if src >= 0 else -1,
        src & 0xFF if src >= 0 else -1,
        data[at[2]] if 2 in at else -1,
        tod,
        data[at[4]] * 360.0 / 256.0 if 4 in at else math.nan,
    )


# ----------------------------------------------------------------------------------------------
# Recordings


@dataclass(frozen=True)
class Packet:
    """One datagram of a recording: when it was sent or captured [s since 1970 UTC, or of the data's
    own clock for raw streams], the UDP port it went to (0 for a raw stream) and its bytes."""

    time: float
    port: int
    payload: bytes


@dataclass
class RecordingStats:
    packets: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    untimed: bool = False  # the data carry no time: packets spaced at the fallback rate
    problems: list[str] = field(default_factory=list)


def _unwrap_day(t: np.ndarray) -> np.ndarray:
    """Times of day [s] made non-decreasing across midnight (NaN carried forward from the last known)."""
    t = np.asarray(t, dtype=float).copy()
    known = np.isfinite(t)
    if not known.any():
        return t
    idx = np.where(known, np.arange(t.size), 0)
    np.maximum.accumulate(idx, out=idx)
    t = t[idx]
    t[: np.flatnonzero(known)[0]] = t[np.flatnonzero(known)[0]]
    step = np.diff(t, prepend=t[0])
    return t + DAY_S * np.cumsum(step < -DAY_S / 2)


def _spaced(times: np.ndarray, rate_hz: float) -> np.ndarray:
    return np.arange(times.size) / rate_hz


def read_recording(
    path: str | Path, format: str, port: int | None = None, rate_hz: float = 100.0
) -> tuple[list[Packet], RecordingStats]:
    """The datagrams of a recording, in order, with their times.

    ``format``: "asterix", "beast" or "avr" (the payload format; the container is recognised: a
    libpcap capture gives its UDP datagrams and capture times, optionally only those sent to
    ``port``). A raw stream is cut into datagrams and timed by its content: ASTERIX data blocks by
    their records' time of day, Beast and AVR frames grouped by receiver timestamp (at most 10 ms and
    :data:`MAX_DATAGRAM` bytes a datagram); untimed data are spaced at ``rate_hz`` datagrams a second.
    Raises ValueError (with the reason) for an unreadable file.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror or exc}") from None
    st = RecordingStats()
    if pcap.is_pcap(data):
        try:
            dgrams, pst = pcap.read_udp(data, port)
        except pcap.PcapError as exc:
            raise ValueError(f"{path}: {exc}") from None
        st.skipped = dict(pst.skipped)
        if pst.truncated_file:
            st.problems.append("capture file truncated")
        packets = [Packet(d.time, d.dport, d.payload) for d in dgrams]
    elif format == "asterix":
        packets = _raw_asterix(data, st, rate_hz)
    elif format in ("beast", "avr"):
        packets = _raw_modes(data, format, st, rate_hz)
    else:
        raise ValueError(f"{path}: unknown format {format!r} (asterix, beast or avr)")
    st.packets = len(packets)
    return packets, st


def _raw_asterix(data: bytes, st: RecordingStats, rate_hz: float) -> list[Packet]:
    blocks = []
    p = 0
    while p + 3 <= len(data):
        length = int.from_bytes(data[p + 1 : p + 3], "big")
        if length < 3 or p + length > len(data):
            st.skipped["damaged block header: rest of the stream"] = 1
            break
        blocks.append(data[p : p + length])
        p += length
    if not blocks:
        return []
    dec = asterix.decode(blocks)
    t = np.full(len(blocks), np.nan)
    for dg, tod in (
        (dec.cat048.datagram, dec.cat048.time_of_day),
        (dec.cat021.datagram, dec.cat021.time_of_day),
        (dec.cat062.datagram, dec.cat062.time_of_track),
    ):
        if dg.size:
            np.fmin.at(t, dg, tod)
    for k, b in enumerate(blocks):
        if b[0] == 34:
            msgs, _ = read_service_messages(b)
            if msgs and np.isfinite(msgs[0].time_of_day):
                t[k] = msgs[0].time_of_day
    if not np.isfinite(t).any():
        st.untimed = True
        t = _spaced(t, rate_hz)
    return [Packet(float(x), 0, b) for x, b in zip(_unwrap_day(t).tolist(), blocks, strict=True)]


def _raw_modes(data: bytes, fmt: str, st: RecordingStats, rate_hz: float) -> list[Packet]:
    frames, fst = modes_stream.read_beast(data) if fmt == "beast" else modes_stream.read_avr(data)
    if fst.malformed:
        st.skipped["malformed frames"] = fst.malformed
        st.problems.extend(fst.errors[:5])
    ts = frames.timestamp
    if len(frames) and not np.isfinite(ts).any():
        st.untimed = True
    out: list[Packet] = []
    k, n = 0, len(frames)
    # grouping frames into datagrams: sequential by nature (a datagram's size depends on its frames)
    while k < n:
        j, size = k + 1, 16 + len(frames.frame[k]) // 2
        while j < n and size < MAX_DATAGRAM - 60:
            if (ts[j] - ts[k] > 0.01) if np.isfinite(ts[k]) else (j - k >= 20):
                break
            size += 16 + len(frames.frame[j]) // 2
            j += 1
        sl = slice(k, j)
        if fmt == "beast":
            payload = modes_stream.write_beast(
                frames.frame[sl], np.nan_to_num(ts[sl]), np.maximum(frames.signal[sl], 0)
            )
        else:
            payload = modes_stream.write_avr(frames.frame[sl], ts[sl] if np.isfinite(ts[k]) else None).encode()
        out.append(Packet(float(ts[k]) if np.isfinite(ts[k]) else len(out) / rate_hz, 0, payload))
        k = j
    return out


def write_pcap(path: str | Path, packets: Sequence[Packet], host: str = "127.0.0.1") -> Path:
    """Write packets as a libpcap capture, in their order (one UDP datagram each, to its own port)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = bytearray(pcap.write_udp([], dst=host))  # the global header
    for p in packets:  # pcap.write_udp takes one destination port a call: one record each
        out += pcap.write_udp([(p.time, p.payload)], dport=p.port or 8600, dst=host)[24:]
    path.write_bytes(bytes(out))
    return path


# ----------------------------------------------------------------------------------------------
# A simulated night as a recording


@dataclass(frozen=True)
class SensorPort:
    """Where one sensor's data goes in a recording: UDP port, ASTERIX source (SAC, SIC), format."""

    sensor: str
    port: int
    sac: int
    sic: int
    format: str  # "asterix" (CAT048 + CAT034 for a radar, CAT021 for ADS-B) or "beast"


class NightRecorder:
    """Collect what a decision pipeline is handed (radar scans, ADS-B batches) and write it as a recording.

    Radar scans become CAT048 (with bastion's SP field: the plots at float32 precision) followed by
    a CAT034 North marker, so every scan, even an empty one, reaches a reader; ADS-B batches become
    CAT021 (``adsb_format="asterix"``) or Beast frames whose 12 MHz timestamps count seconds of the
    UTC day (``"beast"``; pyModeS must then pair CPR frames, so positions start after the first
    pairs). Each datagram is stamped with the time the data were handed over (``t`` [s] after the
    scenario start), so a replay presents them in the same order.
    """

    def __init__(
        self,
        defence,
        base_port: int = 4000,
        sac: int = 0,
        adsb_format: str = "asterix",
        max_datagram: int = MAX_DATAGRAM,
    ) -> None:
        if adsb_format not in ("asterix", "beast"):
            raise ValueError(f"adsb_format {adsb_format!r}: asterix or beast")
        self.defence = defence
        self.start_tod_s = tod_of(defence.start)
        self.epoch0 = defence.start.timestamp()
        self.max_datagram = max_datagram
        self.radar_ports = [
            SensorPort(r.name, base_port + k, sac, 1 + k, "asterix") for k, r in enumerate(defence.radars)
        ]
        self.adsb_ports = [
            SensorPort(a.name, base_port + 100 + k, sac, 101 + k, adsb_format) for k, a in enumerate(defence.adsb)
        ]
        self.packets: list[Packet] = []

    def radar_height_m(self, index: int) -> float:
        """Height above mean sea level [m] of radar ``index`` (the reference of its I048/110 heights)."""
        return float(self.defence.origin.alt_m + self.defence.radars[index].position[2])

    def on_radar(self, det: Detections, t: float | None = None) -> None:
        """A radar scan handed over at ``t`` [s] (default: the scan time)."""
        sp = self.radar_ports[det.sensor]
        t = det.t if t is None else t
        # range rates beyond I048/120's 511 m/s (rockets) travel in bastion's SP field
        blocks = asterix.encode_cat048(
            det, sp.sac, sp.sic, self.start_tod_s, self.radar_height_m(det.sensor), max_datagram=self.max_datagram
        )
        when = self.epoch0 + t
        for b in blocks:
            self.packets.append(Packet(when, sp.port, b))
        period = self.defence.radars[det.sensor].scan_period_s
        self.packets.append(
            Packet(when, sp.port, encode_north_marker(sp.sac, sp.sic, self.start_tod_s + det.t, period))
        )

    def on_adsb(self, reports: AdsbReports, t: float, receiver: int = 0) -> None:
        """An ADS-B batch of ``receiver`` handed over at ``t`` [s]."""
        if not len(reports):
            return
        sp = self.adsb_ports[receiver]
        when = self.epoch0 + t
        if sp.format == "asterix":
            for b in encode_cat021(reports, sp.sac, sp.sic, self.start_tod_s, max_datagram=self.max_datagram):
                self.packets.append(Packet(when, sp.port, b))
            return
        frames, times = encode_reports(reports)
        hexes = to_hex(frames)
        stamps = np.mod(self.start_tod_s + times, DAY_S)
        per = max(1, self.max_datagram // 40)  # a long Beast frame is 23 bytes, 46 with every byte escaped
        for k in range(0, len(hexes), per):
            payload = modes_stream.write_beast(hexes[k : k + per], stamps[k : k + per])
            self.packets.append(Packet(when, sp.port, payload))

    def write(self, path: str | Path) -> Path:
        """The recording as a libpcap capture (datagrams to 127.0.0.1, one port per sensor)."""
        return write_pcap(path, self.packets)

    def live_config(self, scenario_text: str, recording: str | Path | None = None, host: str = "127.0.0.1") -> str:
        """A live configuration: the scenario's text (its truth tables must be removed by the caller
        or absent) and one ``[[feeds]]`` table per sensor, reading ``recording`` or listening on UDP."""
        lines = [scenario_text.rstrip(), "", "# ---- feeds: one per sensor, as written by bastion's NightRecorder"]
        for sp in self.radar_ports + self.adsb_ports:
            lines.append("[[feeds]]")
            lines.append(f'name = "{sp.sensor} feed"')
            lines.append(f'sensor = "{sp.sensor}"')
            lines.append(f'format = "{sp.format}"')
            if recording is not None:
                lines.append(f'file = "{Path(recording).as_posix()}"')
                lines.append(f"port = {sp.port}")
            else:
                lines.append(f'udp = "{host}:{sp.port}"')
            if sp.format == "asterix":
                lines.append(f"sac = {sp.sac}")
                lines.append(f"sic = {sp.sic}")
            else:
                lines.append('time = "data"')
            lines.append("")
        return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Replay and capture over UDP


@dataclass
class ReplayStats:
    packets: int = 0
    bytes: int = 0
    duration_s: float = 0.0  # wall time of the replay
    max_late_s: float = 0.0  # worst lateness of a datagram against its schedule
    send_errors: int = 0


def parse_address(text: str, what: str = "address") -> tuple[str, int]:
    """``host:port`` -> (host, port); ValueError naming ``what`` when malformed."""
    host, sep, port = str(text).rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{what} {text!r}: expected HOST:PORT with a port 1-65535")
    return host, int(port)


def replay(
    packets: Sequence[Packet],
    host: str = "127.0.0.1",
    port: int | None = None,
    speed: float = 1.0,
    stop: Callable[[], bool] | None = None,
    port_map: dict[int, int] | None = None,
) -> ReplayStats:
    """Send ``packets`` over UDP to ``host`` at ``speed`` times real time (0: as fast as possible).

    Each datagram goes to ``port`` when given, else to its recorded port (through ``port_map`` when
    given). Datagrams keep their order and relative timing; a datagram whose time has passed is sent
    at once (``max_late_s`` reports by how much the replay fell behind).
    """
    st = ReplayStats()
    if not packets:
        return st
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
        t0 = packets[0].time
        wall0 = time.monotonic()
        for p in packets:
            if stop is not None and stop():
                break
            if speed > 0:
                due = (p.time - t0) / speed
                delay = due - (time.monotonic() - wall0)
                if delay > 0:
                    time.sleep(delay)
                else:
                    st.max_late_s = max(st.max_late_s, -delay)
            dest = port if port is not None else (port_map or {}).get(p.port, p.port)
            try:
                sock.sendto(p.payload, (host, dest))
            except OSError:
                st.send_errors += 1
                continue
            st.packets += 1
            st.bytes += len(p.payload)
        st.duration_s = time.monotonic() - wall0
    finally:
        sock.close()
    return st


@dataclass
class CaptureStats:
    packets: int = 0
    bytes: int = 0
    duration_s: float = 0.0


def capture(
    host: str,
    port: int,
    duration_s: float | None = None,
    max_packets: int | None = None,
    stop: Callable[[], bool] | None = None,
    idle_timeout_s: float | None = None,
) -> tuple[list[Packet], CaptureStats]:
    """Receive UDP datagrams on ``host:port`` until ``duration_s`` [s] have passed, ``max_packets``
    were received, ``idle_timeout_s`` passed without a datagram, or ``stop()`` is true; each is
    stamped with its arrival time [s since 1970 UTC]."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.bind((host, port))
    sock.settimeout(0.05)
    out: list[Packet] = []
    st = CaptureStats()
    t0 = time.monotonic()
    last = t0
    try:
        while True:
            now = time.monotonic()
            if duration_s is not None and now - t0 >= duration_s:
                break
            if max_packets is not None and st.packets >= max_packets:
                break
            if idle_timeout_s is not None and now - last >= idle_timeout_s:
                break
            if stop is not None and stop():
                break
            try:
                data = sock.recv(65535)
            except TimeoutError:
                continue
            last = time.monotonic()
            out.append(Packet(time.time(), port, data))
            st.packets += 1
            st.bytes += len(data)
    finally:
        sock.close()
    st.duration_s = time.monotonic() - t0
    return out, st
