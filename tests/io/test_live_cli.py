"""``bastion record``, ``live``, ``replay-feed`` and ``export`` end to end, and their exit code 2 on bad input."""

from __future__ import annotations

import json
import socket
import threading
import time

import numpy as np
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.io import feeds
from bastion.store import EventStore

runner = CliRunner()


def _free_port() -> int:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_record_a_night_then_run_it_live_then_export(tmp_path):
    pcap, cfg, out = tmp_path / "night.pcap", tmp_path / "live.toml", tmp_path / "live-run"
    res = runner.invoke(
        app,
        ["record", "--scenario", "baghdad", "--out", str(pcap), "--config", str(cfg), "--feeds", "file"],
    )
    assert res.exit_code == 0, res.output
    assert pcap.stat().st_size > 50_000 and "[[feeds]]" in cfg.read_text() and "[[threats]]" not in cfg.read_text()
    res = runner.invoke(
        app, ["live", str(cfg), "--speed", "0", "--operator", "simulated", "--out", str(out), "--quiet"]
    )
    assert res.exit_code == 0, res.output
    with EventStore(out / "events.sqlite") as store:
        (info,) = store.runs()
        kinds = [e.kind for e in store.events(info.run_id)]
    assert info.status == "complete" and info.summary["live"] and info.summary["scans"] == 360
    assert kinds[0] == "run_start" and kinds[-1] == "run_end" and kinds.count("fire_order") > 0
    geo = tmp_path / "live.geojson"
    res = runner.invoke(app, ["export", str(out), "--format", "geojson", "--out", str(geo)])
    assert res.exit_code == 0, res.output
    layers = {f["properties"]["layer"] for f in json.loads(geo.read_text())["features"]}
    assert {"track", "engagement", "zone"} <= layers


def test_record_captures_what_replay_feed_sends(tmp_path):
    port = _free_port()
    src = tmp_path / "src.pcap"
    feeds.write_pcap(src, [feeds.Packet(1.7e9 + 0.02 * k, 9999, f"dg{k}".encode()) for k in range(20)])
    out = tmp_path / "captured.pcap"
    started = threading.Event()

    def send():
        started.wait(5)
        time.sleep(0.3)
        packets, _ = feeds.read_recording(src, "asterix")
        feeds.replay(packets, "127.0.0.1", port, speed=4.0)

    th = threading.Thread(target=send)
    th.start()
    started.set()
    res = runner.invoke(
        app, ["record", "--udp", f"127.0.0.1:{port}", "--count", "20", "--duration", "10", "--out", str(out)]
    )
    th.join()
    assert res.exit_code == 0, res.output
    got, _ = feeds.read_recording(out, "asterix")
    assert [p.payload for p in got] == [f"dg{k}".encode() for k in range(20)]


def test_bad_input_exits_2(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[scenario]\nname = "x"\nstart = 2022-01-01T00:00:00Z\nduration_s = 10\n[[feeds]]\nname = 1\n')
    res = runner.invoke(app, ["live", str(cfg)])
    assert res.exit_code == 2 and "bad.toml:" in res.output
    assert runner.invoke(app, ["live", str(tmp_path / "missing.toml")]).exit_code == 2
    assert runner.invoke(app, ["record", "--out", str(tmp_path / "x.pcap")]).exit_code == 2
    two = tmp_path / "two.pcap"
    feeds.write_pcap(two, [feeds.Packet(1.0, 4000, b"a"), feeds.Packet(2.0, 4001, b"b")])
    res = runner.invoke(app, ["replay-feed", str(two), "--to", "127.0.0.1:5000"])
    assert res.exit_code == 2 and "4000, 4001" in res.output
    res = runner.invoke(app, ["replay-feed", str(tmp_path / "nope.pcap")])
    assert res.exit_code == 2
    res = runner.invoke(app, ["replay-feed", str(two), "--speed", "-1"])
    assert res.exit_code == 2


def test_live_publishes_cat062_and_dis(tmp_path):
    """The live engine sends its system tracks as CAT062 after every scan, and DIS: Entity State PDUs of
    its tracks and guns and one Fire PDU per fire order (captured on loopback sockets, decoded)."""
    from opendis.PduFactory import createPdu

    from bastion.io import asterix as ax
    from bastion.io import dis

    pcap, cfg, out = tmp_path / "night.pcap", tmp_path / "live.toml", tmp_path / "run"
    res = runner.invoke(
        app, ["record", "--scenario", "baghdad", "--out", str(pcap), "--config", str(cfg), "--feeds", "file"]
    )
    assert res.exit_code == 0, res.output
    sinks = {}
    for name in ("cat062", "dis"):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.05)
        sinks[name] = (s, [])
    cfg.write_text(
        cfg.read_text()
        + f'\n[publish]\ncat062 = "127.0.0.1:{sinks["cat062"][0].getsockname()[1]}"\n'
        + f'dis = "127.0.0.1:{sinks["dis"][0].getsockname()[1]}"\n'
    )
    stop = threading.Event()

    def drain(sock, got):  # while the engine runs: socket buffers need not hold a whole night
        while not stop.is_set():
            try:
                got.append(sock.recv(65535))
            except TimeoutError:
                continue

    threads = [threading.Thread(target=drain, args=v) for v in sinks.values()]
    for th in threads:
        th.start()
    res = runner.invoke(
        app, ["live", str(cfg), "--speed", "0", "--operator", "simulated", "--out", str(out), "--quiet"]
    )
    time.sleep(0.3)
    stop.set()
    for th in threads:
        th.join()
    for s, _ in sinks.values():
        s.close()
    assert res.exit_code == 0, res.output
    with EventStore(out / "events.sqlite") as store:
        (info,) = store.runs()
        ev = list(store.events(info.run_id, ["tracks", "fire_order"]))
    tracks_events = [e for e in ev if e.kind == "tracks"]
    c062 = ax.decode(sinks["cat062"][1]).cat062
    assert len(c062) == sum(len(e.payload.id) for e in tracks_events)  # every published track, once a scan
    last = tracks_events[-1]
    sel = np.flatnonzero(np.isclose(c062.time_of_track - c062.time_of_track.max(), 0.0))
    got = dict(zip(c062.track_number[sel].tolist(), np.column_stack([c062.x_m[sel], c062.y_m[sel]]), strict=True))
    for tid, pos in zip(last.payload.id, last.payload.position, strict=True):
        assert np.all(np.abs(got[tid] - np.array(pos[:2])) <= 0.25 + 0.05 + 1e-9)  # 0.5 m LSB; 0.1 m event rounding
    pdus = [createPdu(b) for b in sinks["dis"][1]]
    fires = [p for p in pdus if p.pduType == 2]
    assert len(fires) == sum(e.kind == "fire_order" for e in ev) > 0
    track_states = {p.entityID.entityID for p in pdus if p.pduType == 1 and p.entityID.entityID >= dis.TRACK_BASE}
    assert track_states == {dis.TRACK_BASE + i for e in tracks_events for i in e.payload.id}
