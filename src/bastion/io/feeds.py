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

import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bastion.io import asterix, modes_stream, pcap
from bastion.io.asterix import DAY_S, MAX_DATAGRAM, encode_cat021, encode_north_marker, read_service_messages
from bastion.sense.adsb_frames import encode_reports, to_hex
from bastion.sense.types import AdsbReports, Detections


def tod_of(moment: datetime) -> float:
    """Seconds after midnight UTC [s] of an aware datetime (bastion's t = 0 on the wire)."""
    utc = moment.astimezone(UTC)
    return (utc - utc.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()


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
