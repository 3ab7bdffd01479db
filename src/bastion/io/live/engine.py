"""The event loop: the decision pipeline driven by the feeds' items in arrival order, the operator's actions
between reports, and the lag and feed statistics of the night."""

from __future__ import annotations

import math
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from bastion.event_types import FeedStatus, RunEnd
from bastion.io.asterix import DAY_S
from bastion.io.feeds import parse_address
from bastion.io.live.config import LiveSetup
from bastion.io.live.decoders import Cat021Feed, FeedStats, ModesFeed, RadarFeed, ScanItem
from bastion.io.live.publish import Cat062Publisher
from bastion.io.live.sources import FileSource, TcpSource, UdpSource, open_files
from bastion.sense.types import AdsbReports, Detections


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
            feeds = [{"name": f.name, "sensor": f.sensor, "format": f.format} for f in cfg.feeds]
            self.emit(
                self.engine_time(files.next_time() if not files.done else time.time()),
                "engine",
                replace(d.run_start(seed=0), live=True, feeds=feeds),
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
        self.emit(self.now_t or 0.0, "engine", RunEnd(wall_seconds=round(report.wall_seconds, 3), live=True))
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
            "engine",
            FeedStatus(feeds={d.spec.name: _counts(d.stats) for d in self.decoders}, lag=self.lag.summary()),
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
