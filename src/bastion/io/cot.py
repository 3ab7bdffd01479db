"""Cursor on Target (CoT) cues for TAK: hostile tracks, impact and origin ellipses, zone warnings,
engagements.

What operators and investigators already run (ATAK, WinTAK, a TAK server) reads CoT: one XML
``<event>`` per object, re-sent under the same ``uid`` to update it, with a ``stale`` time after
which it expires. bastion publishes the defenders' picture, never truth: only events from the
decision side (``decision``, ``operator``) become CoT. The event structure and the type codes follow
the public examples collected in ``shared/domain/ram-and-layers.md`` §6:

* tracks: ``a-<affiliation>-A-…`` (MIL-STD-2525 via CoT: ``h`` hostile, ``f`` friend, ``n`` neutral —
  a civil aircraft —, ``u`` unknown/pending); a drone ``a-x-A-M-F-Q`` (military fixed-wing UAV,
  confidence M), a rocket or mortar bomb in flight ``a-x-A-W-M`` (air / weapon / missile: no
  rocket-specific code is standardised; a proposal, confidence L), an aircraft ``a-x-A-C-F`` (civil
  fixed wing); ``how="m-r"`` (machine, radar) with ``ce`` the track's position sigma;
* predicted impact point and point of origin: a spot marker ``b-m-p-s-m`` with ``remarks`` "PPI" or
  "POO" and ``<shape><ellipse major minor angle/>`` carrying the 1-sigma ellipse (no public standard
  type exists for either: assumption, confidence L);
* zone warnings: a spot marker at the predicted impact with ``remarks`` naming the zone and the time
  to impact, deleted by the zone's all-clear;
* engagements: a spot marker at the planned intercept point (gun, rounds, Pk), updated by the kill
  assessment;
* a deleted track, an expired warning: ``t-x-d-d`` with a ``<link uid/>`` and ``<__forcedelete/>``.

Times are the scenario's clock (its start plus the event's ``t``), ISO 8601 UTC, so a replayed
night's cues carry the night's times. Unknown ``ce``/``le`` are 9999999.0 as in TAK examples.

:class:`CotPublisher` sends the documents with pytak's transports (``udp://host:port``, multicast
``udp://239.2.3.1:6969``, ``tcp://host:port``, ``tls://…``) from a thread of its own: the engine
never waits on a TAK server; a full queue drops the newest cue and counts it.
"""

from __future__ import annotations

import asyncio
import configparser
import math
import queue
import threading
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from bastion import event_types
from bastion.scenario.compiled import Defence

UNKNOWN_ERROR_M = 9999999.0  # TAK's "unknown" for ce / le
AFFILIATION = {"hostile": "h", "friendly": "f", "civil": "n", "neutral": "n"}  # else "u"
SPOT = "b-m-p-s-m"
DELETE = "t-x-d-d"
VERDICTS = {"destroyed": "assessed destroyed", "survived": "survived: re-engage", "lost": "track lost: not a kill"}


def track_type(identity: str | None, klass: str | None) -> str:
    """The CoT type of a track of ``identity`` (hostile, civil, friendly, pending…) and ``klass``."""
    aff = AFFILIATION.get(identity or "", "u")
    if klass == "ballistic":
        return f"a-{aff}-A-W-M"
    if klass in ("aircraft", "civil"):
        return f"a-{aff}-A-C-F"
    if klass in ("drone", "uav", "owa"):
        return f"a-{aff}-A-M-F-Q"
    return f"a-{aff}-A"


@dataclass
class CotBuilder:
    """Turns decision-side events into CoT XML documents (bytes), one event at a time."""

    defence: Defence
    uid_prefix: str = "bastion"
    track_stale_s: float = 5.0  # a track not refreshed within this expires on the map [s]
    marker_stale_s: float = 120.0  # ellipses and engagements [s]
    _start_utc: datetime = field(init=False)
    _warned: dict = field(default_factory=dict, init=False)  # (zone, track) -> uid
    _intercepts: dict = field(default_factory=dict, init=False)  # fire order -> intercept point (ENU)

    def __post_init__(self) -> None:
        start = self.defence.start
        self._start_utc = start.astimezone(UTC) if start.tzinfo is not None else start.replace(tzinfo=UTC)

    # -- geometry and XML ----------------------------------------------------------------------
    def _when(self, t: float) -> str:
        """ISO 8601 UTC with milliseconds, as CoT writes times."""
        return (self._start_utc + timedelta(seconds=float(t))).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    def _wgs84(self, enu) -> tuple[float, float, float]:
        p = np.zeros(3)
        p[: len(enu)] = enu
        lat, lon, alt = self.defence.origin.to_wgs84(p[None, :])
        return float(np.ravel(lat)[0]), float(np.ravel(lon)[0]), float(np.ravel(alt)[0])

    def _event(
        self,
        uid: str,
        cot_type: str,
        t: float,
        stale_s: float,
        enu,
        ce: float = UNKNOWN_ERROR_M,
        how: str = "m-r",
    ) -> tuple[ET.Element, ET.Element]:
        lat, lon, hae = self._wgs84(enu)
        ev = ET.Element(
            "event",
            version="2.0",
            uid=uid,
            type=cot_type,
            how=how,
            time=self._when(t),
            start=self._when(t),
            stale=self._when(t + stale_s),
        )
        ET.SubElement(
            ev,
            "point",
            lat=f"{lat:.7f}",
            lon=f"{lon:.7f}",
            hae=f"{hae:.1f}",
            ce=f"{ce:.1f}" if math.isfinite(ce) else f"{UNKNOWN_ERROR_M}",
            le=f"{UNKNOWN_ERROR_M}",
        )
        return ev, ET.SubElement(ev, "detail")

    def _delete(self, uid: str, t: float) -> bytes:
        ev, detail = self._event(f"{uid}-delete", DELETE, t, 0.0, (0.0, 0.0, 0.0), how="m-g")
        ET.SubElement(detail, "link", uid=uid, relation="none", type="none")
        ET.SubElement(detail, "__forcedelete")
        return ET.tostring(ev)

    @staticmethod
    def _ellipse(detail: ET.Element, ellipse) -> None:
        """``ellipse`` = [major, minor, orientation]: the 95 % ellipse's semi-axes [m] and its major
        axis's azimuth [rad clockwise from north] (:func:`bastion.physics.geometry.error_ellipse`);
        CoT's ``angle`` is that azimuth in degrees."""
        major, minor, orient = (float(v) for v in ellipse)
        angle = math.degrees(orient) % 180.0
        shape = ET.SubElement(detail, "shape")
        ET.SubElement(shape, "ellipse", major=f"{major:.1f}", minor=f"{minor:.1f}", angle=f"{angle:.1f}")

    # -- events ----------------------------------------------------------------------------------
    def convert(self, t: float, kind: str, source: str, p: event_types.Payload) -> list[bytes]:
        """CoT documents for one event (its typed payload; none for truth or for kinds with nothing to show)."""
        if source not in ("decision", "operator"):
            return []
        handler = getattr(self, f"_on_{kind}", None)
        return handler(t, p) if handler is not None else []

    def _on_tracks(self, t: float, p: event_types.Tracks) -> list[bytes]:
        out = []
        for k, tid in enumerate(p.id):
            uid = f"{self.uid_prefix}-track-{tid}"
            sigma = p.sigma_m[k]
            doc, detail = self._event(
                uid,
                track_type(p.identity[k], p.klass[k]),
                t,
                self.track_stale_s,
                p.position[k],
                ce=float(sigma) if sigma is not None else UNKNOWN_ERROR_M,
            )
            v = p.velocity[k]
            course = math.degrees(math.atan2(v[0], v[1])) % 360.0
            ET.SubElement(detail, "track", course=f"{course:.1f}", speed=f"{math.hypot(v[0], v[1]):.1f}")
            ET.SubElement(detail, "contact", callsign=p.icao24[k] or f"T{tid}")
            rem = f"{p.identity[k]} {p.klass[k] or ''}".strip()
            tti = p.time_to_impact_s[k]
            if tti is not None:
                rem += f"; impact in {tti:.0f} s"
            ET.SubElement(detail, "remarks").text = rem
            out.append(ET.tostring(doc))
        return out

    def _on_track_deleted(self, t: float, p: event_types.TrackDeleted) -> list[bytes]:
        return [self._delete(f"{self.uid_prefix}-track-{p.track}", t)]

    def _marker(self, uid: str, t: float, enu, ellipse, remarks: str, stale_s: float | None = None) -> bytes:
        ce = float(ellipse[0]) if ellipse is not None else UNKNOWN_ERROR_M
        ev, detail = self._event(uid, SPOT, t, stale_s or self.marker_stale_s, enu, ce=ce, how="m-r")
        if ellipse is not None:
            self._ellipse(detail, ellipse)
        ET.SubElement(detail, "remarks").text = remarks
        return ET.tostring(ev)

    def _on_impact_prediction(self, t: float, p: event_types.ImpactPrediction) -> list[bytes]:
        if p.impact_point is None:
            return []
        stale = max(float(p.impact_time or t) - t, 0.0) + 30.0
        zone = f" in {p.zone}" if p.zone else ""
        return [
            self._marker(
                f"{self.uid_prefix}-ppi-{p.track}",
                t,
                p.impact_point,
                p.ellipse,
                f"PPI track {p.track}{zone} at t+{(p.impact_time or t) - t:.0f} s",
                stale,
            )
        ]

    def _on_point_of_origin(self, t: float, p: event_types.PointOfOrigin) -> list[bytes]:
        return [
            self._marker(
                f"{self.uid_prefix}-poo-{p.track}",
                t,
                p.position,
                p.ellipse,
                f"POO track {p.track}, launched at t = {p.launch_time:.1f} s",
                600.0,
            )
        ]

    def _on_warning(self, t: float, p: event_types.ZoneWarning) -> list[bytes]:
        uid = f"{self.uid_prefix}-warn-{p.zone.replace(' ', '_')}-{p.track}"
        self._warned[(p.zone, p.track)] = uid
        stale = max(float(p.impact_time or t) - t, 0.0) + 30.0
        return [
            self._marker(
                uid,
                t,
                p.impact_point or (0.0, 0.0),
                None,
                f"WARNING {p.zone}: {p.identity} track {p.track}, impact in {p.warning_time_s:.0f} s",
                stale,
            )
        ]

    def _on_all_clear(self, t: float, p: event_types.AllClear) -> list[bytes]:
        uid = self._warned.pop((p.zone, p.track), None)
        return [self._delete(uid, t)] if uid else []

    def _on_fire_order(self, t: float, p: event_types.FireOrder) -> list[bytes]:
        self._intercepts[p.order] = (p.intercept, p.gun, p.track)
        return [
            self._marker(
                f"{self.uid_prefix}-engagement-{p.order}",
                t,
                p.intercept,
                None,
                f"ENGAGE {p.gun} -> track {p.track}: {p.rounds} rounds, Pk {p.pk:.2f}",
            )
        ]

    def _on_kill_assessment(self, t: float, p: event_types.KillAssessment) -> list[bytes]:
        known = self._intercepts.get(p.order)
        if known is None:
            return []
        said = p.verdict or ("destroyed" if p.destroyed else "survived")
        verdict = VERDICTS.get(said, said)
        return [
            self._marker(
                f"{self.uid_prefix}-engagement-{p.order}",
                t,
                known[0],
                None,
                f"{known[1]} -> track {known[2]}: {verdict} ({p.reason})",
            )
        ]


def write_only(url: str) -> str:
    """``url`` with pytak's write-only modifier on a UDP scheme: a publisher reads nothing, and
    pytak's UDP client would otherwise also bind a reader to the destination port."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower().startswith("udp") and "+wo" not in scheme and "+ro" not in scheme:
        return f"{scheme}+wo://{rest}"
    return url


class CotPublisher:
    """An event-log subscriber that sends each batch's CoT over pytak from a thread of its own.

    ``url``: pytak's ``COT_URL`` (``udp://127.0.0.1:6969``, ``udp://239.2.3.1:6969``,
    ``tcp://host:8087``, ``tls://…``). ``sent``, ``dropped`` (queue full) and ``errors`` count.
    """

    def __init__(self, url: str, builder: CotBuilder, max_queue: int = 10_000) -> None:
        self.url, self.builder = url, builder
        self.queue: queue.Queue[bytes | None] = queue.Queue(max_queue)
        self.sent = self.dropped = self.errors = 0
        self.error: str | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cot-publisher", daemon=True)
        self._thread.start()
        self._ready.wait(10.0)
        if self.error is not None:
            raise OSError(f"CoT: cannot open {url}: {self.error}")

    def __call__(self, batch) -> None:
        for e in batch:
            for doc in self.builder.convert(e.t, e.kind, e.source, e.payload):
                try:
                    self.queue.put_nowait(doc)
                except queue.Full:
                    self.dropped += 1

    def close(self, timeout: float = 10.0) -> None:
        """Send what is queued (up to ``timeout`` seconds), then stop."""
        self.queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        with warnings.catch_warnings():  # pytak warns at import about optional TLS/HTTP packages
            warnings.simplefilter("ignore")
            import pytak
        config = configparser.ConfigParser()
        config["bastion"] = {"COT_URL": write_only(self.url)}
        try:
            _, writer = await pytak.protocol_factory(config["bastion"])
        except (OSError, SyntaxError, ValueError) as exc:
            self.error = str(exc)
            self._ready.set()
            return
        self._ready.set()
        loop = asyncio.get_running_loop()
        while True:
            doc = await loop.run_in_executor(None, self.queue.get)
            if doc is None:
                break
            try:
                if hasattr(writer, "send"):
                    await writer.send(doc)
                else:
                    writer.write(doc)
                    if hasattr(writer, "drain"):
                        await writer.drain()
                self.sent += 1
            except OSError as exc:
                self.errors += 1
                self.error = str(exc)
        close = getattr(writer, "close", None)
        if close is not None:
            result = close()
            if asyncio.iscoroutine(result):
                await result
