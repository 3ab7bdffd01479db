"""Cursor on Target: a night's cues reach a local receiver (UDP and TCP) and parse as CoT, with the
type codes, times and positions of ``shared/domain/ram-and-layers.md`` §6, and nothing from truth."""

from __future__ import annotations

import socket
import threading
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from bastion import event_types
from bastion.api import compile_named, run_night
from bastion.io.cot import CotBuilder, track_type

pytest.importorskip("pytak")


class _UdpReceiver:
    """Collects datagrams on 127.0.0.1 until ``idle_s`` passes with none (bounded by ``max_s``)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # a night's cues come in bursts faster than a starved test thread reads: a deep buffer, so
        # that a loaded test machine loses no datagram on loopback
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 2**20)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]
        self.docs: list[bytes] = []

    def collect(self, idle_s: float = 5.0, max_s: float = 120.0) -> list[bytes]:
        deadline = datetime.now() + timedelta(seconds=max_s)
        quiet = 0.0
        while datetime.now() < deadline and (quiet < idle_s or not self.docs):
            try:
                self.docs.append(self.sock.recv(65_535))
                quiet = 0.0
            except TimeoutError:
                quiet += 0.5
        self.sock.close()
        return self.docs


@pytest.fixture(scope="module")
def salvo_cues():
    rx = _UdpReceiver()
    got: dict = {}
    th = threading.Thread(target=lambda: got.setdefault("docs", rx.collect()))
    th.start()
    compiled = compile_named("rocket-salvo")
    night = run_night(compiled, 1, out=None, report=False, cot=f"udp://127.0.0.1:{rx.port}")
    th.join(150)
    return compiled, night, [ET.fromstring(d) for d in got["docs"]]


def test_every_cue_arrives_and_parses(salvo_cues):
    _, night, events = salvo_cues
    assert night.cot["sent"] == len(events) > 0
    assert night.cot["dropped"] == night.cot["errors"] == 0
    for ev in events:
        assert ev.tag == "event" and ev.get("version") == "2.0"
        assert ev.find("point") is not None and ev.find("detail") is not None
        assert ev.get("uid").startswith(night.run_id)


def test_types_times_and_positions(salvo_cues):
    compiled, _, events = salvo_cues
    d = compiled.defence
    start = d.start.astimezone(UTC)
    types = {ev.get("type") for ev in events}
    assert "a-h-A-W-M" in types  # a hostile rocket in flight
    assert "a-n-A-C-F" in types  # a civil airliner (neutral)
    assert "b-m-p-s-m" in types and "t-x-d-d" in types
    for ev in events:
        t = datetime.strptime(ev.get("time"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        stale = datetime.strptime(ev.get("stale"), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert start <= t <= start + timedelta(seconds=d.duration_s)
        assert stale >= t
        if ev.get("type") == "t-x-d-d":
            continue
        p = ev.find("point")
        enu = d.origin.to_enu(float(p.get("lat")), float(p.get("lon")), float(p.get("hae")))
        assert np.hypot(enu[0], enu[1]) < 30_000  # within the radars' reach of the site


def test_point_of_origin_cue_is_near_the_launch(salvo_cues):
    """Each rocket's POO cue lies near its true launch point (the test, not bastion, reads truth)."""
    compiled, night, events = salvo_cues
    d = compiled.defence
    launches = [e for e in night.result.log.events if e.kind == "launch"]
    poo = [ev for ev in events if (ev.findtext("detail/remarks") or "").startswith("POO")]
    assert poo
    for ev in poo:
        p = ev.find("point")
        enu = d.origin.to_enu(float(p.get("lat")), float(p.get("lon")), float(p.get("hae")))
        miss = min(np.hypot(*(enu[:2] - np.asarray(e.payload.position[:2]))) for e in launches)
        ellipse = ev.find("detail/shape/ellipse")
        assert ellipse is not None and float(ellipse.get("major")) >= float(ellipse.get("minor")) > 0
        assert miss < 500.0


def test_no_truth_leaves_in_cues(salvo_cues):
    compiled, _, events = salvo_cues
    names = [t.name for t in compiled.threats] if hasattr(compiled, "threats") else []
    text = b"".join(ET.tostring(ev) for ev in events).decode()
    for name in names + ["R1-open-ground", "R2-terminal", "R3-BDSC"]:
        assert name not in text


def test_truth_events_make_no_cot():
    b = CotBuilder(compile_named("rocket-salvo").defence)
    launch = event_types.Launch(threat=0, name="R1", type="rocket-122", position=[0, 0, 0])
    assert b.convert(1.0, "launch", "world", launch) == []
    assert b.convert(1.0, "track_deleted", "decision", event_types.TrackDeleted(track=3, reason="coasted"))


def test_type_codes():
    assert track_type("hostile", "ballistic") == "a-h-A-W-M"
    assert track_type("hostile", "drone") == "a-h-A-M-F-Q"
    assert track_type("civil", "aircraft") == "a-n-A-C-F"
    assert track_type("friendly", "drone") == "a-f-A-M-F-Q"
    assert track_type("pending", None) == "a-u-A"


def test_tcp_receiver_gets_the_same_cues():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(30)
    port = srv.getsockname()[1]
    data = bytearray()

    def serve():
        conn, _ = srv.accept()
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65_536)
                except TimeoutError:
                    break
                if not chunk:
                    break
                data.extend(chunk)
        srv.close()

    th = threading.Thread(target=serve)
    th.start()
    night = run_night(compile_named("rocket-salvo"), 1, out=None, report=False, cot=f"tcp://127.0.0.1:{port}")
    th.join(60)
    # a TCP stream of back-to-back <event> documents
    docs = ET.fromstring(b"<stream>" + bytes(data) + b"</stream>")
    assert len(docs) == night.cot["sent"] > 0
    assert {ev.get("type") for ev in docs} >= {"a-h-A-W-M", "b-m-p-s-m"}
