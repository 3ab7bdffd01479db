"""A simulated night written as real sensor feeds and replayed through the live engine decides as the night did.

The night's radar scans become CAT048 (+ CAT034 North markers) and its ADS-B batches CAT021 (or
Beast), recorded with the times the simulation handed them to its decision pipeline; the live
engine, fed that recording (from the file, or over UDP by ``bastion replay-feed`` in another
process), runs a fresh pipeline with the same seeded simulated operator. The decisions — tracks
confirmed and deleted, identifications, threats, warnings and all-clears, authorisation requests,
fire orders and kill assessments — must be the night's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from live_site import free_udp_port  # beside this file (pytest puts the test folder on the path)

from bastion.cli.live import build_engine, simulate_feeds, strip_truth
from bastion.engine.events import EventLog
from bastion.io import feeds
from bastion.io.live import parse_live

DECISIONS = {
    "track_confirmed",
    "track_deleted",
    "identification",
    "threat",
    "warning",
    "all_clear",
    "authorisation_request",
    "authorisation",
    "fire_order",
    "hold_fire",
    "kill_assessment",
}


def decisions(events) -> list[tuple]:
    return [(round(e.t, 6), e.kind, e.payload) for e in events if e.kind in DECISIONS]


def _close(a, b) -> bool:
    """``a`` is ``b`` to ``b``'s printed precision: floats within one unit of its last printed decimal
    (a value rounded from the replayed plots' float32 copies may fall on the other side of a rounding
    boundary: 2329.15 printed 2329.1 or 2329.2), everything else equal."""
    if isinstance(b, float) and isinstance(a, float | int) and not isinstance(a, bool):
        text = repr(b)
        places = len(text.split(".")[1]) if "." in text and "e" not in text else None
        tol = 10.0**-places if places is not None else 1e-6 * abs(b)
        return abs(a - b) <= tol * (1 + 1e-9)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def assert_same_decisions(got: list[tuple], ref: list[tuple]) -> None:
    """The same decisions at the same times, in the same order, their payloads to their printed precision."""
    for i, (g, r) in enumerate(zip(got, ref, strict=False)):
        assert g[:2] == r[:2] and _close(g[2].to_dict(), r[2].to_dict()), f"decision {i}: {g} != {r}"
    assert len(got) == len(ref)


@pytest.fixture(scope="module")
def night(baghdad):
    return simulate_feeds(baghdad, seed=1, adsb_format="asterix")


def _replay_file(sim, compiled, tmp_path: Path):
    path = sim.recorder.write(tmp_path / "night.pcap")
    setup = parse_live(sim.recorder.live_config(strip_truth(compiled.loaded.text), path), "live.toml")
    log = EventLog(flush_every=10**9)
    engine = build_engine(setup, log, operator="simulated", seed=1, speed=0.0)
    return engine.run(), log


def test_recorded_night_replayed_from_file_decides_as_the_night(night, baghdad, tmp_path):
    report, log = _replay_file(night, baghdad, tmp_path)
    ref = decisions(night.result.log.events)
    got = decisions(log.events)
    kinds = {k for _, k, _ in ref}
    assert {"fire_order", "kill_assessment", "identification", "track_confirmed"} <= kinds  # a night with decisions
    assert_same_decisions(
        got, ref
    )  # same times, kinds and payloads (positions, Pk, intercepts to their printed precision)
    radar = report.feeds["C-RAM radar feed"]
    assert radar["scans"] == sum(1 for e in night.result.log.events if e.kind == "detections")
    assert radar["bad_packets"] == 0 and report.feeds["BIAP ADS-B feed"]["bad_packets"] == 0


def test_beast_adsb_delays_only_the_first_identification_of_aircraft_already_flying(baghdad, tmp_path):
    """Over Beast, pyModeS must pair CPR frames and see three consistent positions before it reports
    an aircraft: an airliner already airborne at the start is declared civil one or two ADS-B batches
    (2 s each) later; every other decision is the night's."""
    sim = simulate_feeds(baghdad, seed=1, adsb_format="beast")
    _, log = _replay_file(sim, baghdad, tmp_path)
    ref, got = decisions(sim.result.log.events), decisions(log.events)
    same = lambda evs: [e for e in evs if e[1] != "identification"]  # noqa: E731
    assert_same_decisions(same(got), same(ref))

    def final_identity(evs):
        return {e[2].track: e[2].to for e in evs if e[1] == "identification"}

    assert final_identity(got) == final_identity(ref)
    first_civil = {
        name: {e[2].track: e[0] for e in reversed(evs) if e[1] == "identification" and e[2].to == "civil"}
        for name, evs in (("ref", ref), ("got", got))
    }
    for track, t in first_civil["ref"].items():
        assert 0.0 <= first_civil["got"][track] - t <= 4.0


def test_rocket_salvo_replayed_decides_as_the_night(tmp_path):
    from bastion.api import compile_named

    compiled = compile_named("rocket-salvo")
    sim = simulate_feeds(compiled, seed=1)
    _, log = _replay_file(sim, compiled, tmp_path)
    assert_same_decisions(decisions(log.events), decisions(sim.result.log.events))


def _bad_packets(sim, rng) -> tuple[list[feeds.Packet], dict[int, int]]:
    """The recording with damaged datagrams slipped in after real ones: truncated copies (cut inside a
    block), North markers followed by an impossible block header (oversized), and junk whose first
    byte is no ASTERIX category. Each is detectably bad and carries no usable record."""
    out, injected = [], {}
    for p in sim.recorder.packets:
        out.append(p)
        if rng.random() < 0.25:
            kind = rng.integers(3)
            if kind == 0 and len(p.payload) > 8:
                cut = int(rng.integers(4, len(p.payload) - 1))
                bad = p.payload[:cut]
            elif kind == 1 and p.payload[0] == 34:
                bad = p.payload + bytes([48, 0x7F, 0xFF]) + rng.bytes(int(rng.integers(0, 3000)))
            else:
                bad = bytes([255]) + rng.bytes(int(rng.integers(0, 1400)))
            out.append(feeds.Packet(p.time, p.port, bad))
            injected[p.port] = injected.get(p.port, 0) + 1
    return out, injected


@pytest.mark.slow
def test_night_replayed_over_udp_with_damaged_datagrams_decides_as_the_night(night, baghdad, tmp_path):
    """``bastion replay-feed`` (another process) plays the recording, with damaged datagrams slipped in,
    to the live engine's UDP sockets at 60x real time: every damaged datagram is counted and skipped,
    the engine keeps running, and it decides as the night did."""
    rng = np.random.default_rng(9)
    ports = {sp.port: free_udp_port() for sp in night.recorder.radar_ports + night.recorder.adsb_ports}
    packets, injected = _bad_packets(night, rng)
    packets = [feeds.Packet(p.time, ports[p.port], p.payload) for p in packets]
    pcap_path = feeds.write_pcap(tmp_path / "night-damaged.pcap", packets)
    text = night.recorder.live_config(strip_truth(baghdad.loaded.text))
    for old, new in ports.items():
        text = text.replace(f':{old}"', f':{new}"')
    setup = parse_live(text, "live.toml")
    log = EventLog(flush_every=10**9)
    engine = build_engine(setup, log, operator="simulated", seed=1, speed=0.0)
    state: dict = {}

    def sender():
        engine.ready.wait(10)
        env = {**os.environ, "COLUMNS": "200"}
        cmd = [sys.executable, "-m", "bastion", "replay-feed", str(pcap_path), "--speed", "60", "--to", "127.0.0.1"]
        state["proc"] = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        state["done"] = time.monotonic()

    th = threading.Thread(target=sender)
    th.start()
    t0 = time.monotonic()

    def stop() -> bool:
        if time.monotonic() - t0 > 150:
            return True
        return "done" in state and time.monotonic() - max(state["done"], engine.last_activity) > 1.0

    report = engine.run(stop=stop)
    th.join()
    assert state["proc"].returncode == 0, state["proc"].stderr
    for sp in night.recorder.radar_ports + night.recorder.adsb_ports:
        st = report.feeds[sp.sensor + " feed"]
        assert st["bad_packets"] == injected[sp.port] > 0, sp.sensor
        assert st["packets"] == sum(1 for p in packets if p.port == ports[sp.port])  # nothing lost on the way
    assert report.scans == sum(1 for e in night.result.log.events if e.kind == "detections")
    assert_same_decisions(decisions(log.events), decisions(night.result.log.events))
