"""The live engine: the decision pipeline driven by real sensor feeds in real time.

A live configuration is a scenario file without truth (no ``threats``, no ``civil``: they come
through the sensors) plus one ``[[feeds]]`` table per sensor feed and optional ``[publish]`` and
``[live]`` tables::

    [[feeds]]
    name = "KuRFS"               # for messages and statistics
    sensor = "C-RAM radar"       # the scenario sensor whose data this is
    format = "asterix"           # asterix (CAT048 + CAT034 for a radar, CAT021 for ADS-B) | avr | beast
    udp = "127.0.0.1:4000"       # listen here; or tcp = "host:30005" (a Mode S stream server, e.g.
                                 # dump1090), or file = "night.pcap" (a recording, paced by --speed)
    sac = 0                      # ASTERIX: keep only this source (I0xx/010)
    sic = 1

    [publish]
    cat062 = "127.0.0.1:8600"    # system tracks, after every radar scan
    dis = "127.0.0.1:3000"       # DIS PDUs (tracks, guns, fire) — wired by the CLI

Datagrams from all sockets are handled in the order the kernel received them (SO_TIMESTAMPNS on
Linux; a datagram is held ``hold_s`` so one still in flight to another socket is not overtaken), so
a recording replayed to several ports presents its data in the recorded order. CAT048 plots are
grouped into scans by time of day; a scan is complete when a CAT034 North marker from the same
radar arrives, when a plot of a later time arrives, or ``scan_flush_s`` after its last plot. Mode S
frames go through one :class:`~bastion.sense.adsb_frames.AdsbDecoder` per feed; a TCP stream carries
an incomplete trailing frame over to the next chunk.

Bad input never stops the engine: every packet that is damaged (ASTERIX blocks or records that do
not parse, Mode S frames that are malformed or fail their CRC, empty datagrams) is counted once
in its feed's :class:`FeedStats` and the rest of it skipped; plots with impossible values (a
bit-flipped float) are dropped and counted; a radar scan older than the radar's last is dropped
(stale), and one that jumps more than ``max_jump_s`` ahead is held until a second scan confirms the
new time (one corrupted time of day cannot stall a radar). Operator actions (the engine's operator
protocol) take effect before the next sensor report is processed, as in the simulation.

This module sits under ``bastion.engine`` in the layer contract: the decision pipeline, the event
log and the clock are handed in (see ``bastion.cli.live``), so io never imports the engine.
"""

from __future__ import annotations

import hashlib
import math
import re
import select
import socket
import struct
import sys
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np
from pydantic import Field, field_validator, model_validator

from bastion.io import asterix, feeds, modes_stream
from bastion.io.feeds import parse_address, read_recording, read_service_messages, tod_of
from bastion.scenario import schema
from bastion.scenario.compiled import CompiledScenario, compile_scenario
from bastion.scenario.loader import LoadedScenario, ScenarioError, _dotted, parse, validate_toml
from bastion.scenario.locate import line_of
from bastion.sense.adsb_frames import AdsbDecoder
from bastion.sense.types import AdsbReports, Detections

DAY_S = asterix.DAY_S

# ----------------------------------------------------------------------------------------------
# Configuration


def _host_port(v: str | None) -> str | None:
    """A HOST:PORT field of a spec, checked when given (the validator the specs share)."""
    if v is not None:
        parse_address(v, "address")
    return v


class FeedSpec(schema._Model):
    """One sensor feed: which scenario sensor, its format and where its bytes come from."""

    name: str
    sensor: str = Field(description="the scenario sensor (radar or ADS-B receiver) whose data this is")
    format: Literal["asterix", "avr", "beast"]
    udp: str | None = Field(None, description="HOST:PORT to listen on")
    tcp: str | None = Field(None, description="HOST:PORT of a Mode S stream server to connect to (avr, beast)")
    file: str | None = Field(None, description="a recording: pcap, raw ASTERIX, Beast binary or AVR text")
    port: int | None = Field(None, ge=1, le=65535, description="in a pcap holding several feeds, this feed's port")
    sac: int | None = Field(None, ge=0, le=255, description="ASTERIX: only records of this SAC")
    sic: int | None = Field(None, ge=0, le=255, description="ASTERIX: only records of this SIC")
    time: Literal["data", "arrival"] = Field(
        "arrival",
        description="Mode S: time each frame by its receiver timestamp taken as seconds of the UTC day "
        "(data; bastion's recordings) or by its arrival (arrival)",
    )

    _addresses = field_validator("udp", "tcp")(_host_port)

    @model_validator(mode="after")
    def _one_source(self) -> FeedSpec:
        given = [k for k in ("udp", "tcp", "file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of udp, tcp or file")
        if self.tcp is not None and self.format == "asterix":
            raise ValueError("tcp is for Mode S streams (avr, beast); ASTERIX comes over udp")
        if (self.sac is None) != (self.sic is None):
            raise ValueError("give both sac and sic, or neither")
        return self


class PublishSpec(schema._Model):
    """Where the engine sends its system picture."""

    cat062: str | None = Field(None, description="HOST:PORT for CAT062 system tracks, after every radar scan")
    sac: int = Field(0, ge=0, le=255, description="SAC of the published tracks (I062/010)")
    sic: int = Field(200, ge=0, le=255, description="SIC of the published tracks")
    dis: str | None = Field(None, description="HOST:PORT for DIS PDUs: tracks, guns and fire")

    _addresses = field_validator("cat062", "dis")(_host_port)


class LiveSettings(schema._Model):
    hold_s: float = Field(0.005, ge=0, le=1, description="a datagram waits this long for earlier ones on other sockets")
    scan_flush_s: float = Field(0.25, gt=0, le=10, description="close a radar scan this long after its last plot")
    max_jump_s: float = Field(30.0, gt=0, description="a radar scan further ahead than this waits for confirmation")
    status_every_s: float = Field(10.0, gt=0, description="wall seconds between feed_status events")


class LiveConfig(schema.Scenario):
    """A live configuration: a scenario without truth, plus feeds and where to publish."""

    feeds: list[FeedSpec] = Field(min_length=1)
    publish: PublishSpec = Field(default_factory=PublishSpec)
    live: LiveSettings = Field(default_factory=LiveSettings)


LIVE_TABLES = ("feeds", "publish", "live")


@dataclass(frozen=True)
class LiveSetup:
    """A validated live configuration, compiled: ``compiled.defence`` is the site the engine defends."""

    config: LiveConfig
    compiled: CompiledScenario
    source: str
    directory: Path | None
    start_tod_s: float  # time of day [s after midnight UTC] of the engine's t = 0 (the scenario start)

    @property
    def defence(self):
        return self.compiled.defence

    @property
    def scenario_text(self) -> str:
        """The scenario part of the configuration (no feeds): what a run stores, what exports compile."""
        return self.compiled.loaded.text


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_-]+)")


def strip_tables(text: str, tables: tuple[str, ...] = LIVE_TABLES) -> str:
    """A TOML text without the top-level tables named (``[name]``, ``[[name]]`` and their sub-tables).

    By default the live tables, leaving the scenario; ``("threats", "civil")`` leaves a scenario's site.
    """
    out, skipping = [], False
    for raw in text.splitlines():
        m = _HEADER.match(raw)
        if m:
            skipping = m.group(1) in tables
        if not skipping:
            out.append(raw)
    return "\n".join(out) + "\n"


def parse_live(text: str, source: str = "<string>", directory: Path | None = None) -> LiveSetup:
    """Validate and compile a live configuration; raise :class:`ScenarioError` with line-numbered problems."""
    cfg, lines = validate_toml(text, source, LiveConfig)
    problems = []

    def where(loc) -> str:
        return f"{source}:{line_of(loc, lines) or '?'}: {_dotted(loc)}"

    for loc, msg in schema.cross_reference_problems(cfg):
        problems.append(f"{where(loc)}: {msg}")
    if cfg.threats:
        problems.append(f"{where(('threats',))}: a live configuration holds no truth: threats come from the sensors")
    if cfg.civil:
        problems.append(
            f"{where(('civil',))}: a live configuration holds no truth: civil traffic comes from the sensors"
        )
    if cfg.faults:
        problems.append(
            f"{where(('faults',))}: a live configuration holds no truth: faults belong to a simulated night"
        )
    radars = {s.name for s in cfg.sensors if isinstance(s, schema.Radar)}
    receivers = {s.name for s in cfg.sensors if isinstance(s, schema.AdsbReceiver)}
    seen_names: set[str] = set()
    seen_addr: dict[str, int] = {}
    for i, f in enumerate(cfg.feeds):
        if f.sensor not in radars | receivers:
            known = ", ".join(sorted(radars | receivers)) or "none"
            problems.append(f"{where(('feeds', i, 'sensor'))}: {f.sensor!r} is not a sensor (sensors: {known})")
        elif f.sensor in radars and f.format != "asterix":
            problems.append(
                f"{where(('feeds', i, 'format'))}: radar {f.sensor!r} speaks asterix (CAT048), not {f.format}"
            )
        if f.name in seen_names:
            problems.append(f"{where(('feeds', i, 'name'))}: duplicate feed name {f.name!r}")
        seen_names.add(f.name)
        addr = f.udp or f.tcp
        if addr is not None:
            if addr in seen_addr and f.udp is not None:
                problems.append(f"{where(('feeds', i, 'udp'))}: {addr} is already feed {seen_addr[addr]}'s")
            seen_addr[addr] = i
        if f.file is not None:
            path = Path(f.file)
            if not path.is_absolute() and directory is not None:
                path = directory / path
            if not path.is_file():
                problems.append(f"{where(('feeds', i, 'file'))}: no such file {str(path)!r}")
    if problems:
        raise ScenarioError(problems)
    stripped = strip_tables(text)
    loaded = parse(stripped, source, directory)
    plain = {k: v for k, v in tomllib.loads(text).items() if k not in LIVE_TABLES}
    if loaded.model != schema.Scenario.model_validate(plain):
        raise ScenarioError(
            [f"{source}: write the feeds, publish and live settings as [[feeds]], [publish], [live] tables"]
        )
    loaded = LoadedScenario(loaded.model, source, directory, hashlib.sha256(stripped.encode()).hexdigest(), stripped)
    compiled = compile_scenario(loaded, read_traffic=False)
    return LiveSetup(cfg, compiled, source, directory, tod_of(compiled.defence.start))


def load_live(path: str | Path) -> LiveSetup:
    """Read, validate and compile a live configuration file (ScenarioError naming file and line)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError([f"{path}: no such live configuration file"])
    return parse_live(path.read_text("utf-8"), str(path), path.resolve().parent)


# ----------------------------------------------------------------------------------------------
# Per-feed decoding


@dataclass
class FeedStats:
    """What one feed received and what was skipped; every bad packet counts once in ``bad_packets``."""

    packets: int = 0
    bytes: int = 0
    bad_packets: int = 0  # damaged: malformed blocks/records/frames, CRC failures, empty datagrams
    records: int = 0  # ASTERIX records or Mode S frames decoded
    other_sources: int = 0  # ASTERIX records of another SAC/SIC (skipped)
    ignored_records: int = 0  # records of a category this feed does not use (e.g. CAT062 on a radar feed)
    implausible: int = 0  # plots or reports with impossible values (dropped)
    stale_scans: int = 0  # scans not later than the radar's last (dropped)
    time_jumps: int = 0  # scans too far ahead, awaiting confirmation (dropped)
    scans: int = 0  # radar scans handed to the pipeline
    plots: int = 0
    reports: int = 0  # ADS-B reports handed to the pipeline
    connects: int = 0  # TCP (re)connections
    problems: list[str] = field(default_factory=list)  # the first few, for the operator

    def note(self, message: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(message)

    def as_dict(self) -> dict:
        return {k: (list(v) if isinstance(v, list) else v) for k, v in self.__dict__.items()}


@dataclass(frozen=True)
class ScanItem:
    """A radar scan ready for the pipeline."""

    det: Detections


@dataclass(frozen=True)
class AdsbItem:
    reports: AdsbReports


class RadarFeed:
    """CAT048 plots (and CAT034 North markers) of one radar, assembled into scans."""

    def __init__(self, spec: FeedSpec, sensor: int, radar, radar_height_m: float, start_tod_s: float, settings):
        self.spec = spec
        self.sensor = sensor
        self.max_range_m = 1.5 * radar.type.max_range_m
        self.scan_period_s = radar.scan_period_s
        self.radar_height_m = radar_height_m
        self.start_tod_s = start_tod_s
        self.settings = settings
        self.source = (spec.sac, spec.sic) if spec.sac is not None else None
        self.stats = FeedStats()
        self.pending: dict[float, list[Detections]] = {}
        self.last_plot_wall = 0.0
        self.last_t: float | None = None
        self.suspect_t: float | None = None

    def _t(self, tod: float) -> float:
        return float(np.mod(tod - self.start_tod_s, DAY_S))

    def decode(self, payload: bytes, wall: float) -> list[ScanItem]:
        """The scans one datagram completes."""
        st = self.stats
        st.packets += 1
        st.bytes += len(payload)
        if not payload:
            st.bad_packets += 1
            st.note("empty datagram")
            return []
        dec = asterix.decode(payload)
        msgs, bad034 = read_service_messages(payload)
        ds = dec.stats
        st.records += sum(ds.records.values())
        st.ignored_records += sum(n for c, n in ds.records.items() if c not in (34, 48))
        if ds.malformed or bad034 or ds.unknown_blocks or ds.blocks == 0:
            st.bad_packets += 1
            st.note(ds.errors[0] if ds.errors else "damaged or unknown ASTERIX block")
        return self._ingest(dec.cat048, msgs, wall)

    def decode_many(self, payloads: list[bytes], walls: list[float]) -> list[tuple[int, ScanItem]]:
        """The scans a run of datagrams completes, each with the index of the datagram that completed it.

        One ASTERIX decode for the whole run (a decode call has a fixed cost of ~1-2 ms, which a
        1,000-plot scan in 30 datagrams would pay 30 times); a run holding any damage is decoded
        datagram by datagram instead, so each bad datagram is still counted once.
        """
        dec = asterix.decode(payloads) if all(payloads) else None
        if dec is None or dec.stats.malformed or dec.stats.unknown_blocks or dec.stats.blocks < len(payloads):
            return [(k, it) for k, (p, w) in enumerate(zip(payloads, walls, strict=True)) for it in self.decode(p, w)]
        st = self.stats
        st.packets += len(payloads)
        st.bytes += sum(len(p) for p in payloads)
        st.records += sum(dec.stats.records.values())
        st.ignored_records += sum(n for c, n in dec.stats.records.items() if c not in (34, 48))
        plots = dec.cat048
        fields = plots.__dict__
        out: list[tuple[int, ScanItem]] = []
        for k, (p, w) in enumerate(zip(payloads, walls, strict=True)):  # per datagram: markers close scans in order
            mine = plots.datagram == k
            sub = type(plots)(**{f: v[mine] for f, v in fields.items()}) if not mine.all() else plots
            msgs = read_service_messages(p)[0]
            out += [(k, it) for it in self._ingest(sub, msgs, w)]
        return out

    def _ingest(self, plots, msgs: list, wall: float) -> list[ScanItem]:
        st = self.stats
        out: list[ScanItem] = []
        if len(plots):
            if self.source is not None:
                st.other_sources += int(np.sum((plots.sac != self.source[0]) | (plots.sic != self.source[1])))
            for chunk in asterix.to_detections(plots, self.sensor, self.start_tod_s, self.radar_height_m, self.source):
                chunk = self._plausible(chunk)
                for t_old in sorted(t for t in self.pending if t < chunk.t):  # a later time closes earlier scans
                    out += self._close(t_old)
                self.pending.setdefault(chunk.t, []).append(chunk)
                self.last_plot_wall = wall
        for m in msgs:
            if self.source is not None and (m.sac, m.sic) != self.source:
                continue
            if m.message_type != feeds.CAT034_NORTH_MARKER or not math.isfinite(m.time_of_day):
                continue
            t = self._t(m.time_of_day)
            for t_old in sorted(x for x in self.pending if x <= t):
                out += self._close(t_old)
            if t not in self.pending and (self.last_t is None or t > self.last_t):
                self.pending[t] = [Detections.empty(t, self.sensor)]
                out += self._close(t)
        return out

    def idle(self, wall: float) -> list[ScanItem]:
        """Close scans whose last plot came ``scan_flush_s`` ago (radars that send no North marker)."""
        if self.pending and wall - self.last_plot_wall >= self.settings.scan_flush_s:
            return self.close()
        return []

    def close(self) -> list[ScanItem]:
        out: list[ScanItem] = []
        for t in sorted(self.pending):
            out += self._close(t)
        return out

    def _close(self, t: float) -> list[ScanItem]:
        chunks = self.pending.pop(t)
        st = self.stats
        if self.last_t is not None and t <= self.last_t:
            st.stale_scans += 1
            return []
        if self.last_t is not None and t - self.last_t > max(self.settings.max_jump_s, 2 * self.scan_period_s):
            confirmed = self.suspect_t is not None and 0 < t - self.suspect_t <= self.settings.max_jump_s
            if not confirmed:
                self.suspect_t = t
                st.time_jumps += 1
                st.note(f"scan time jumps {t - self.last_t:.1f} s ahead: held until confirmed")
                return []
        self.suspect_t = None
        self.last_t = t
        det = chunks[0] if len(chunks) == 1 else _concat(chunks)
        st.scans += 1
        st.plots += len(det)
        return [ScanItem(det)]

    def _plausible(self, d: Detections) -> Detections:
        """Drop plots no radar could report (damaged values): finite, in range, angles in their domain."""
        ok = (
            np.isfinite(d.range)
            & (d.range > 0)
            & (d.range <= self.max_range_m)
            & np.isfinite(d.azimuth)
            & (np.abs(d.azimuth) <= np.pi + 1e-6)
            & np.isfinite(d.elevation)
            & (np.abs(d.elevation) <= np.pi / 2)
            & ~(np.abs(d.range_rate) > 3_000.0)  # NaN (not measured) passes
            & ~np.isinf(d.range_rate)
            & ~(d.power < 0)
            & ~np.isinf(d.power)
            & ~(d.rcs < 0)
            & ~np.isinf(d.rcs)
        )
        if ok.all():
            return d
        self.stats.implausible += int((~ok).sum())
        return Detections(
            d.t, d.sensor, d.range[ok], d.azimuth[ok], d.elevation[ok], d.range_rate[ok], d.power[ok], d.rcs[ok]
        )


def _concat(chunks: list[Detections]) -> Detections:
    c = chunks[0]
    cat = np.concatenate
    iff = None if any(x.iff is None for x in chunks) else cat([x.iff for x in chunks])
    return Detections(
        c.t,
        c.sensor,
        cat([x.range for x in chunks]),
        cat([x.azimuth for x in chunks]),
        cat([x.elevation for x in chunks]),
        cat([x.range_rate for x in chunks]),
        cat([x.power for x in chunks]),
        cat([x.rcs for x in chunks]),
        iff,
    )


class Cat021Feed:
    """CAT021 ADS-B reports of one ground station."""

    def __init__(self, spec: FeedSpec, start_tod_s: float):
        self.spec = spec
        self.start_tod_s = start_tod_s
        self.source = (spec.sac, spec.sic) if spec.sac is not None else None
        self.stats = FeedStats()

    def decode(self, payload: bytes, wall: float) -> list[AdsbItem]:
        st = self.stats
        st.packets += 1
        st.bytes += len(payload)
        dec = asterix.decode(payload)
        ds = dec.stats
        st.records += sum(ds.records.values())
        st.ignored_records += sum(n for c, n in ds.records.items() if c != 21)
        if not payload or ds.malformed or ds.unknown_blocks or ds.blocks == 0:
            st.bad_packets += 1
            st.note(ds.errors[0] if ds.errors else "empty datagram or unknown ASTERIX block")
        r = dec.cat021
        if self.source is not None and len(r):
            st.other_sources += int(np.sum((r.sac != self.source[0]) | (r.sic != self.source[1])))
            keep = (r.sac == self.source[0]) & (r.sic == self.source[1])
            r = type(r)(**{k: v[keep] for k, v in r.__dict__.items()})
        reports = asterix.to_adsb_reports(r, self.start_tod_s)
        return [AdsbItem(reports)] if len(reports) else []

    def idle(self, wall: float) -> list:
        return []

    def close(self) -> list:
        return []


def split_beast(buf: bytes) -> tuple[bytes, bytes]:
    """(complete frames, incomplete tail) of a Beast byte stream cut anywhere (e.g. a TCP chunk).

    The tail starts at the frame marker (0x1A and a Mode A/C or Mode S frame type) whose escaped
    body runs past the end of the buffer, or at a final 0x1A whose meaning the next byte decides; it
    is to be put before the next chunk. A frame cut short on the wire (an unescaped marker inside
    its body) is complete as far as this split goes: the reader counts it malformed.
    """
    n = len(buf)
    i = 0
    while i < n:
        if buf[i] != 0x1A:
            i += 1
            continue
        if i + 1 >= n:
            return buf[:i], buf[i:]
        payload = {0x31: 2, 0x32: 7, 0x33: 14}.get(buf[i + 1])
        if payload is None:  # an escaped 0x1A outside a frame, or a status frame: scan on
            i += 2
            continue
        j, got = i + 2, 0
        while got < 7 + payload:  # a frame's length is known only after un-escaping it
            if j >= n or (buf[j] == 0x1A and j + 1 >= n):
                return buf[:i], buf[i:]
            if buf[j] == 0x1A:
                if buf[j + 1] != 0x1A:
                    break  # an unescaped marker: this frame was cut short on the wire
                j += 2
            else:
                j += 1
            got += 1
        i = j
    return buf, b""


class ModesFeed:
    """Mode S frames (AVR text or Beast binary) of one receiver, decoded to ADS-B reports.

    One :class:`AdsbDecoder` per feed keeps each aircraft's CPR state across packets. Over TCP the
    bytes are a stream: an incomplete trailing frame (or AVR line) is carried to the next chunk.
    """

    MAX_CARRY = 1 << 16  # a stream that never completes a frame is garbage: drop the carry past this

    def __init__(self, spec: FeedSpec, reference: tuple[float, float], max_range_m: float, start_tod_s: float):
        self.spec = spec
        self.start_tod_s = start_tod_s
        self.decoder = AdsbDecoder(reference=reference, max_range_m=max_range_m)
        self.stats = FeedStats()
        self.stream = spec.tcp is not None
        self.carry = b""

    def decode(self, payload: bytes, wall: float, arrival_t: float = math.nan) -> list[AdsbItem]:
        st = self.stats
        st.packets += 1
        st.bytes += len(payload)
        if self.stream:
            data = self.carry + payload
            if self.spec.format == "beast":
                data, self.carry = split_beast(data)
            else:
                cut = data.rfind(b"\n") + 1
                data, self.carry = data[:cut], data[cut:]
            if len(self.carry) > self.MAX_CARRY:
                st.bad_packets += 1
                st.note(f"{len(self.carry)} bytes without a complete frame: dropped")
                self.carry = b""
        else:
            data = payload
        if not data:
            if not self.stream:
                st.bad_packets += 1
                st.note("empty datagram")
            return []
        frames, fst = modes_stream.read_beast(data) if self.spec.format == "beast" else modes_stream.read_avr(data)
        ds = self.decoder.stats
        before = ds.malformed + ds.crc_fail
        ts = frames.timestamp
        if self.spec.time == "data":
            t = np.where(np.isfinite(ts), np.mod(ts - self.start_tod_s, DAY_S), arrival_t)
        else:
            t = np.full(len(frames), arrival_t)
        reports = self.decoder.decode(frames.frame.tolist(), t) if len(frames) else AdsbReports.empty()
        st.records += len(frames)
        if (
            fst.malformed
            or fst.bytes_skipped
            or ds.malformed + ds.crc_fail > before
            or (not len(frames) and not fst.mode_ac)
        ):
            st.bad_packets += 1
            st.note(fst.errors[0] if fst.errors else "malformed bytes or frames failing their CRC")
        return [AdsbItem(reports)] if len(reports) else []

    def idle(self, wall: float) -> list:
        return []

    def close(self) -> list:
        return []


# ----------------------------------------------------------------------------------------------
# Sources of bytes

_SO_TIMESTAMPNS = 35  # Linux asm-generic (x86-64, arm64): kernel receive time of each datagram


class UdpSource:
    """A bound UDP socket; datagrams are stamped with the kernel's receive time where available."""

    def __init__(self, host: str, port: int, feed: int) -> None:
        self.feed = feed
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
        self.sock.bind((host, port))
        self.sock.setblocking(False)
        self.kernel_stamps = False
        if sys.platform == "linux":
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
                self.kernel_stamps = True
            except OSError:
                pass

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self) -> list[tuple[int, int, bytes]]:
        """(stamp [ns since 1970], feed, payload) of every datagram waiting."""
        out = []
        while True:
            try:
                data, anc, _flags, _addr = self.sock.recvmsg(65535, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            stamp = 0
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(cdata) >= 16:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    stamp = sec * 1_000_000_000 + nsec
            out.append((stamp or time.time_ns(), self.feed, data))
        return out

    def close(self) -> None:
        self.sock.close()


class TcpSource:
    """A Mode S stream server (dump1090's AVR port 30002 or Beast port 30005), reconnected when lost."""

    RETRY_S = 2.0

    def __init__(self, host: str, port: int, feed: int, stats: FeedStats) -> None:
        self.address = (host, port)
        self.feed = feed
        self.stats = stats
        self.sock: socket.socket | None = None
        self.next_try = 0.0

    def _connect(self) -> None:
        now = time.monotonic()
        if self.sock is not None or now < self.next_try:
            return
        self.next_try = now + self.RETRY_S
        try:
            s = socket.create_connection(self.address, timeout=1.0)
        except OSError as exc:
            self.stats.note(f"cannot connect to {self.address[0]}:{self.address[1]}: {exc.strerror or exc}")
            return
        s.setblocking(False)
        self.sock = s
        self.stats.connects += 1

    def fileno(self) -> int:
        self._connect()
        return self.sock.fileno() if self.sock is not None else -1

    def drain(self) -> list[tuple[int, int, bytes]]:
        self._connect()
        out = []
        while self.sock is not None:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b""
            if not data:  # closed by the server
                self.sock.close()
                self.sock = None
                self.stats.note("stream closed by the server: reconnecting")
                break
            out.append((time.time_ns(), self.feed, data))
        return out

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@dataclass
class FileSource:
    """The datagrams of recordings, due at their recorded times divided by the replay speed."""

    packets: list[tuple[float, int, int, bytes]]  # (recorded time [s], order, feed, payload), sorted
    next: int = 0

    def due(self, t_rel: float, t0: float, limit: int | None = None) -> list[tuple[float, int, bytes]]:
        """Datagrams recorded at or before ``t0 + t_rel`` (at most ``limit``): (recorded time, feed, payload)."""
        out = []
        while self.next < len(self.packets) and self.packets[self.next][0] - t0 <= t_rel:
            if limit is not None and len(out) >= limit:
                break
            t, _, feed, payload = self.packets[self.next]
            out.append((t, feed, payload))
            self.next += 1
        return out

    @property
    def done(self) -> bool:
        return self.next >= len(self.packets)

    def next_time(self) -> float:
        return self.packets[self.next][0] if not self.done else math.inf


def open_files(setup: LiveSetup) -> tuple[FileSource, dict[int, str]]:
    """Read every file feed's recording (each file once; a pcap's datagrams go to the feeds of their port).

    Returns the merged source and the problems found per feed (unreadable files raise ScenarioError).
    """
    by_path: dict[Path, list[int]] = {}
    for i, f in enumerate(setup.config.feeds):
        if f.file is not None:
            p = Path(f.file)
            if not p.is_absolute() and setup.directory is not None:
                p = setup.directory / p
            by_path.setdefault(p.resolve(), []).append(i)
    merged: list[tuple[float, int, int, bytes]] = []
    problems: dict[int, str] = {}
    order = 0
    for path, idx in by_path.items():
        fmt = setup.config.feeds[idx[0]].format
        try:
            packets, st = read_recording(path, fmt)
        except ValueError as exc:
            raise ScenarioError([f"{setup.source}: feeds[{idx[0]}].file: {exc}"]) from None
        ports = {i: setup.config.feeds[i].port for i in idx}
        for p in packets:
            for i in idx:
                if ports[i] is None or ports[i] == p.port:
                    merged.append((p.time, order, i, p.payload))
                    order += 1
        if st.problems or st.skipped:
            for i in idx:
                problems[i] = "; ".join(st.problems + [f"{n} {why}" for why, n in st.skipped.items()])
    merged.sort(key=lambda x: (x[0], x[1]))
    return FileSource(merged), problems


# ----------------------------------------------------------------------------------------------
# The engine


class DecisionSink(Protocol):
    """What the engine needs of ``bastion.engine.pipeline.DecisionPipeline``."""

    engagements: object
    tracks: object

    def on_radar(self, det: Detections) -> list: ...

    def on_adsb(self, reports: AdsbReports) -> None: ...

    def authorise(self, request_id: int, approved: bool, user: str, t: float) -> None: ...

    def set_weapons_control(self, status: str, user: str, t: float) -> None: ...


class PacingClock(Protocol):
    """``bastion.engine.clock.WallClock``: time [s] since creation, times ``speed``."""

    speed: float

    def now(self) -> float: ...


class _Unpaced:
    speed = 0.0

    def now(self) -> float:
        return math.inf


class Cat062Publisher:
    """Sends the pipeline's non-tentative tracks as CAT062 after every radar scan."""

    def __init__(self, address: str, origin, sac: int, sic: int, start_tod_s: float) -> None:
        self.dest = parse_address(address, "cat062")
        self.origin, self.sac, self.sic, self.start_tod_s = origin, sac, sic, start_tod_s
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.datagrams = 0
        self.send_errors = 0
        self.dropped_tracks = 0  # tracks whose state does not fit CAT062's fields (diverged): not sent

    def publish(self, tracks) -> None:
        from bastion.track.types import TrackStatus

        if tracks is None or not len(tracks):
            return
        x = tracks.x
        ok = (
            (tracks.status != TrackStatus.TENTATIVE)
            & np.isfinite(x).all(axis=1)
            & (np.abs(x[:, :2]) < 4.0e6).all(axis=1)
            & (np.abs(x[:, 3:5]) < 8_000.0).all(axis=1)
            & (np.abs(x[:, 2]) < 60_000.0)
            & (np.abs(x[:, 5]) < 3_000.0)
        )
        self.dropped_tracks += int(np.sum(~ok & (tracks.status != TrackStatus.TENTATIVE)))
        if not ok.any():
            return
        sel = np.flatnonzero(ok)
        from bastion.track.types import Tracks

        sub = Tracks(
            tracks.t,
            tracks.id[sel],
            x[sel],
            tracks.P[sel],
            tracks.status[sel],
            tracks.updates[sel],
            tracks.misses[sel],
            tracks.last_update[sel],
            tracks.rcs[sel],
            tracks.detection[sel],
        )
        for dg in asterix.encode_cat062(sub, self.origin, self.sac, self.sic, self.start_tod_s):
            try:
                self.sock.sendto(dg, self.dest)
                self.datagrams += 1
            except OSError:  # nobody listening, buffer full: count it, never stop the engine
                self.send_errors += 1

    def close(self) -> None:
        self.sock.close()


@dataclass
class LagStats:
    """Processing lag of radar scans [s]: from the arrival of the datagram that completed a scan (kernel
    receive time) or its due time (recordings) to the end of the pipeline's work on it."""

    lags: list[float] = field(default_factory=list)
    compute: list[float] = field(default_factory=list)  # pipeline time per scan [s]
    plots: list[int] = field(default_factory=list)

    def summary(self) -> dict:
        if not self.lags:
            return {"scans": 0}
        a = np.array(self.lags)
        c = np.array(self.compute)
        k = max(1, a.size // 10)
        return {
            "scans": int(a.size),
            "plots": int(np.sum(self.plots)),
            "lag_median_s": round(float(np.median(a)), 4),
            "lag_p95_s": round(float(np.percentile(a, 95)), 4),
            "lag_max_s": round(float(a.max()), 4),
            "lag_first_tenth_median_s": round(float(np.median(a[:k])), 4),
            "lag_last_tenth_median_s": round(float(np.median(a[-k:])), 4),
            "compute_median_s": round(float(np.median(c)), 4),
        }


@dataclass
class LiveReport:
    feeds: dict[str, dict]
    lag: dict
    wall_seconds: float
    scans: int
    adsb_batches: int
    fire_orders: int
    published_datagrams: int
    ended: str  # why the engine stopped


class LiveEngine:
    """Runs a :class:`DecisionSink` on live feeds; events go to ``log`` (flushed after every report)."""

    def __init__(
        self,
        setup: LiveSetup,
        pipeline: DecisionSink,
        log,
        operator=None,
        clock: PacingClock | None = None,
        publish: bool = True,
    ) -> None:
        self.setup = setup
        self.defence = d = setup.defence
        self.pipeline = pipeline
        self.log = log
        self.emit = log.emit
        self.operator = operator
        self.clock = clock or _Unpaced()
        self.settings = setup.config.live
        self.decoders: list = []
        radar_index = {r.name: r.index for r in d.radars}
        adsb_index = {a.name: k for k, a in enumerate(d.adsb)}
        for f in setup.config.feeds:
            if f.sensor in radar_index:
                r = d.radars[radar_index[f.sensor]]
                h = float(d.origin.alt_m + r.position[2])
                self.decoders.append(RadarFeed(f, r.index, r, h, setup.start_tod_s, self.settings))
            elif f.format == "asterix":
                self.decoders.append(Cat021Feed(f, setup.start_tod_s))
            else:
                a = d.adsb[adsb_index[f.sensor]]
                lat, lon, _ = d.origin.to_wgs84(a.position)
                self.decoders.append(ModesFeed(f, (float(lat), float(lon)), a.range_m, setup.start_tod_s))
        self.publishers: list[Cat062Publisher] = []
        pub = setup.config.publish
        if publish and pub.cat062 is not None:
            self.publishers.append(Cat062Publisher(pub.cat062, d.origin, pub.sac, pub.sic, setup.start_tod_s))
        self.lag = LagStats()
        self.now_t: float | None = None  # latest data time processed [s]
        self._raised: set[int] = set()
        self.scans = self.adsb_batches = self.fire_orders = 0
        self.ready = threading.Event()  # set once every feed socket is open (for a sender to start)
        self.last_activity = time.monotonic()  # when a datagram was last handled (monotonic [s])

    # -- one datagram ------------------------------------------------------------------------------
    def handle(self, feed: int, payload: bytes, arrival_wall: float, arrival_t: float = math.nan) -> None:
        """Decode one datagram (or stream chunk) of feed ``feed`` and process what it completes.

        ``arrival_wall``: when it arrived [s since 1970 UTC]; ``arrival_t``: the same in the engine's
        time (for Mode S feeds timed by arrival).
        """
        dec = self.decoders[feed]
        self.last_activity = time.monotonic()
        if isinstance(dec, ModesFeed):
            items = dec.decode(payload, arrival_wall, arrival_t)
        else:
            items = dec.decode(payload, arrival_wall)
        for it in items:
            self._process(feed, it, arrival_wall)

    def _handle_run(self, ready: list[tuple[int, int, bytes]]) -> None:
        """Datagrams (stamp [ns], feed, payload) in arrival order; consecutive ones of one radar feed are
        decoded together (see :meth:`RadarFeed.decode_many`)."""
        i = 0
        while i < len(ready):
            feed = ready[i][1]
            j = i + 1
            if isinstance(self.decoders[feed], RadarFeed):
                while j < len(ready) and ready[j][1] == feed:
                    j += 1
            if j - i == 1:
                wall = ready[i][0] / 1e9
                self.handle(feed, ready[i][2], wall, self.engine_time(wall))
            else:
                walls = [r[0] / 1e9 for r in ready[i:j]]
                self.last_activity = time.monotonic()
                for k, item in self.decoders[feed].decode_many([r[2] for r in ready[i:j]], walls):
                    self._process(feed, item, walls[k])
            i = j

    def _process(self, feed: int, item, arrival_wall: float) -> None:
        if isinstance(item, ScanItem):
            det = item.det
            self._operator(det.t)
            self.now_t = det.t if self.now_t is None else max(self.now_t, det.t)
            c0 = time.perf_counter()
            orders = self.pipeline.on_radar(det)
            self.fire_orders += len(orders)
            self.scans += 1
            if self.operator is not None:
                for req in self.pipeline.engagements.pending_requests():
                    if req.id not in self._raised:
                        self._raised.add(req.id)
                        self.operator.on_request(req, det.t)
            for p in self.publishers:
                p.publish(self.pipeline.tracks)
            done = time.time()
            self.lag.compute.append(time.perf_counter() - c0)
            self.lag.lags.append(max(done - arrival_wall, 0.0))
            self.lag.plots.append(len(det))
        else:
            reports = self._plausible_reports(feed, item.reports)
            if not len(reports):
                return
            t = float(reports.t.max())
            self._operator(t)
            self.pipeline.on_adsb(reports)
            self.adsb_batches += 1
            self.decoders[feed].stats.reports += len(reports)

    def _plausible_reports(self, feed: int, r: AdsbReports) -> AdsbReports:
        ok = (
            np.isfinite(r.t)
            & np.isfinite(r.lat)
            & np.isfinite(r.lon)
            & (np.abs(r.lat) <= 90)
            & (np.abs(r.lon) <= 180)
            & ~(np.abs(r.altitude_m) > 30_000.0)
            & ~np.isinf(r.altitude_m)
        )
        if self.now_t is not None:
            ok &= (r.t >= self.now_t - 60.0) & (r.t <= self.now_t + 30.0)
        if ok.all():
            return r
        self.decoders[feed].stats.implausible += int((~ok).sum())
        return AdsbReports(
            r.t[ok], r.icao24[ok], r.callsign[ok], r.lat[ok], r.lon[ok], r.altitude_m[ok], r.velocity[ok], r.nacp[ok]
        )

    def _operator(self, t: float) -> None:
        if self.operator is None:
            return
        for a in self.operator.actions(t):
            if a.kind == "authorise":
                self.pipeline.authorise(a.request_id, a.approved, a.user, a.t)
            elif a.kind == "weapons_control":
                self.pipeline.set_weapons_control(a.status, a.user, a.t)

    def engine_time(self, wall: float) -> float:
        """The engine's time [s after the scenario start, modulo a day] of a wall-clock time [s since 1970]."""
        return float(np.mod(np.mod(wall, DAY_S) - self.setup.start_tod_s, DAY_S))

    # -- the loop ----------------------------------------------------------------------------------
    def run(self, duration_s: float | None = None, stop: Callable[[], bool] | None = None) -> LiveReport:
        """Run until ``duration_s`` wall seconds have passed, ``stop()`` is true, or (with only file
        feeds) every recording has been played. Network sockets are closed on return."""
        d = self.defence
        cfg = self.setup.config
        wall0 = time.monotonic()
        net: list = []
        files = FileSource([])
        try:
            for i, f in enumerate(cfg.feeds):
                if f.udp is not None:
                    host, port = parse_address(f.udp)
                    net.append(UdpSource(host, port, i))
                elif f.tcp is not None:
                    host, port = parse_address(f.tcp)
                    net.append(TcpSource(host, port, i, self.decoders[i].stats))
            files, problems = open_files(self.setup)
            for i, msg in problems.items():
                self.decoders[i].stats.note(msg)
            self.ready.set()
            self.emit(
                self.engine_time(files.next_time() if not files.done else time.time()),
                "run_start",
                "engine",
                {
                    **d.run_start(seed=0),
                    "live": True,
                    "feeds": [{"name": f.name, "sensor": f.sensor, "format": f.format} for f in cfg.feeds],
                },
            )
            self.log.flush()
            ended = self._loop(net, files, wall0, duration_s, stop)
            for k, dec in enumerate(self.decoders):
                for it in dec.close():
                    self._process(k, it, time.time())
        finally:
            for s in net:
                s.close()
            for p in self.publishers:
                p.close()
        report = self.report(time.monotonic() - wall0, ended)
        self.emit(self.now_t or 0.0, "run_end", "engine", {"wall_seconds": round(report.wall_seconds, 3), "live": True})
        self.log.flush()
        return report

    def _loop(self, net: list, files: FileSource, wall0: float, duration_s, stop) -> str:
        hold_ns = int(self.settings.hold_s * 1e9)
        held: list[tuple[int, int, bytes]] = []
        t0_file = files.packets[0][0] if files.packets else 0.0
        speed = self.clock.speed
        last_status = time.monotonic()
        while True:
            if stop is not None and stop():
                return "stopped"
            if duration_s is not None and time.monotonic() - wall0 >= duration_s:
                return "duration"
            if not net and files.done and not held:
                return "recordings played"
            # wait for the next due recording datagram, a network datagram, or a held one's release
            timeout = 0.05
            if not files.done:
                ahead = (files.next_time() - t0_file - self.clock.now()) / speed if speed > 0 else 0.0
                timeout = min(timeout, max(0.0, ahead))
            if held:
                timeout = min(timeout, self.settings.hold_s)
            socks = [s for s in net if s.fileno() >= 0]
            if socks:
                select.select(socks, [], [], timeout)
            elif timeout > 0:
                time.sleep(timeout)
            snapshot = time.time_ns()
            for s in net:
                held += s.drain()
            if held:
                held.sort(key=lambda x: (x[0], x[1]))
                cut = 0
                while cut < len(held) and held[cut][0] <= snapshot - hold_ns:
                    cut += 1
                ready, held = held[:cut], held[cut:]
                self._handle_run(ready)
            if not files.done:
                # paced: everything due by the clock; unpaced: a bounded batch, so sockets are still served
                now_rel = self.clock.now() if speed > 0 else math.inf
                for rec_t, feed, payload in files.due(now_rel, t0_file, None if speed > 0 else 256):
                    late = (now_rel - (rec_t - t0_file)) / speed if speed > 0 else 0.0
                    self.handle(feed, payload, time.time() - late, self.engine_time(rec_t))
            wall = time.time()
            for k, dec in enumerate(self.decoders):
                for it in dec.idle(wall if (net or speed > 0) else -math.inf):
                    self._process(k, it, wall)
            self.log.flush()
            if time.monotonic() - last_status >= self.settings.status_every_s:
                last_status = time.monotonic()
                self._status()

    def _status(self) -> None:
        self.emit(
            self.now_t or 0.0,
            "feed_status",
            "engine",
            {"feeds": {d.spec.name: _counts(d.stats) for d in self.decoders}, "lag": self.lag.summary()},
        )

    def report(self, wall_seconds: float = 0.0, ended: str = "") -> LiveReport:
        return LiveReport(
            feeds={d.spec.name: d.stats.as_dict() for d in self.decoders},
            lag=self.lag.summary(),
            wall_seconds=wall_seconds,
            scans=self.scans,
            adsb_batches=self.adsb_batches,
            fire_orders=self.fire_orders,
            published_datagrams=sum(p.datagrams for p in self.publishers),
            ended=ended,
        )


def _counts(st: FeedStats) -> dict:
    return {k: v for k, v in st.as_dict().items() if k != "problems"}


def live_summary(report: LiveReport) -> dict:
    """A run summary for the store (``runs.summary_json``) of a live session."""
    return {
        "live": True,
        "ended": report.ended,
        "wall_seconds": round(report.wall_seconds, 3),
        "scans": report.scans,
        "adsb_batches": report.adsb_batches,
        "fire_orders": report.fire_orders,
        "published_datagrams": report.published_datagrams,
        "lag": report.lag,
        "feeds": {k: _counts(FeedStats(**v)) for k, v in report.feeds.items()},
    }
