"""Per-feed decoding: each feed's bytes (ASTERIX CAT048/CAT034, CAT021, Mode S AVR or Beast) to radar scans
and ADS-B reports, with every damaged packet counted once in its :class:`FeedStats`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from bastion.io import asterix, modes_stream
from bastion.io.asterix import DAY_S, read_service_messages
from bastion.io.live.config import FeedSpec
from bastion.sense.adsb_frames import AdsbDecoder
from bastion.sense.types import AdsbReports, Detections


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
            if m.message_type != asterix.CAT034_NORTH_MARKER or not math.isfinite(m.time_of_day):
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
        det = Detections.concatenate(chunks)
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
            d.t,
            d.sensor,
            d.range[ok],
            d.azimuth[ok],
            d.elevation[ok],
            d.range_rate[ok],
            d.power[ok],
            d.rcs[ok],
            None if d.iff is None else d.iff[ok],  # the kept plots' IFF replies and classes stay with them
            None if d.micro_doppler is None else d.micro_doppler[ok],
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
        beast = self.spec.format == "beast"
        framed = None
        if self.stream:
            data = self.carry + payload
            if beast:  # the framer keeps an incomplete trailing frame for the next chunk
                framed = modes_stream.read_beast_stream(data)
                self.carry = framed[2]
                data = data[: len(data) - len(self.carry)]
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
        if framed is not None:
            frames, fst, _ = framed
        else:
            frames, fst = modes_stream.read_beast(data) if beast else modes_stream.read_avr(data)
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
