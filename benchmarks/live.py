"""Benchmark: does the live engine keep up with 1,000 radar plots per second? Its lag, against its floor.

A synthetic radar feed — ``--plots`` plots a second in ``--rate`` scans a second, a third of them
targets on straight courses and the rest false alarms spread over the radar's coverage — is written
as CAT048 + CAT034 (bastion's own encoder) and sent to the live engine's UDP socket by
``bastion replay-feed`` in another process, in real time (``--speed 1``) or faster. The engine decodes
it, assembles scans, runs the decision pipeline (tracking, assessment, engagement, warnings) and
publishes CAT062; the lag of a scan runs from the kernel's receive time of the datagram that
completed it to the end of the pipeline's work on it. The peer, measured in the same run: the same
scans handed directly to a fresh decision pipeline in-process (no sockets, no decoding), the floor
the live engine cannot beat. Keeping up = every scan processed, the work per scan (decode, pipeline,
CAT062) shorter than the time between scans, and the lag not growing from the first tenth of the
feed to the last (a backlog would grow it by a scan's overrun every scan).

    .venv/bin/python benchmarks/live.py [--plots 1000] [--rate 1] [--seconds 60] [--speed 1]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bastion.cli.live import build_engine, strip_truth
from bastion.engine.events import EventLog
from bastion.engine.pipeline import DecisionPipeline
from bastion.io import asterix as ax
from bastion.io import feeds
from bastion.io.live import parse_live
from bastion.physics.geodesy import enu_to_polar
from bastion.scenario import load
from bastion.scenario.compiled import compile_scenario
from bastion.sense.types import Detections


def synthetic_scans(defence, plots_per_scan: int, rate_hz: float, seconds: float, seed: int = 0) -> list[Detections]:
    radar = defence.radars[0]
    rt = radar.type
    rng = np.random.default_rng(seed)
    n_t = plots_per_scan // 3
    n_c = plots_per_scan - n_t
    p0 = np.column_stack([rng.uniform(-12_000, 12_000, (n_t, 2)), rng.uniform(100, 3_000, n_t)])
    v = np.column_stack([rng.uniform(-60, 60, (n_t, 2)), np.zeros(n_t)])
    out = []
    for k in range(int(seconds * rate_hz)):
        t = (k + 1) / rate_hz
        rel = p0 + v * t - radar.position
        r, az, el = enu_to_polar(rel)
        rr = np.einsum("ij,ij->i", rel, v) / r
        n = n_t + n_c
        out.append(
            Detections(
                t,
                0,
                np.r_[r + rng.normal(0, rt.sigma_range_m, n_t), rng.uniform(rt.min_range_m, rt.max_range_m, n_c)],
                np.r_[az + rng.normal(0, rt.sigma_azimuth_rad, n_t), rng.uniform(-np.pi, np.pi, n_c)],
                np.r_[
                    el + rng.normal(0, rt.sigma_elevation_rad, n_t),
                    rng.uniform(rt.mask_elevation_rad, rt.max_elevation_rad, n_c),
                ],
                np.r_[rr + rng.normal(0, rt.sigma_range_rate_mps, n_t), rng.uniform(-150, 150, n_c)],
                np.full(n, 30.0),
                np.full(n, 0.1),
            )
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--plots", type=int, default=1000, help="plots per second")
    ap.add_argument("--rate", type=float, default=1.0, help="radar scans per second")
    ap.add_argument("--seconds", type=float, default=60.0, help="length of the feed [s of data]")
    ap.add_argument("--speed", type=float, default=1.0, help="replay speed (1 = real time)")
    args = ap.parse_args()
    compiled = compile_scenario(load("baghdad"))
    site = strip_truth(compiled.loaded.text)
    d = compiled.defence
    plots_per_scan = round(args.plots / args.rate)
    scans = synthetic_scans(d, plots_per_scan, args.rate, args.seconds)
    # -- peer: the same scans straight into a decision pipeline
    log = EventLog(flush_every=10**9)
    pipe = DecisionPipeline(d, log.emit)
    direct = []
    for det in scans:
        t0 = time.perf_counter()
        pipe.on_radar(det)
        direct.append(time.perf_counter() - t0)
    # -- the feed: CAT048 + North marker per scan, in real time
    rec = feeds.NightRecorder(d, base_port=0)
    for det in scans:
        rec.on_radar(det)
    decode = []
    for det in scans[:50]:  # one decode call for a scan's datagrams, as the engine makes it
        blocks = ax.encode_cat048(det, 0, 1, rec.start_tod_s, rec.radar_height_m(0))
        t0 = time.perf_counter()
        ax.to_detections(ax.decode(blocks).cat048, 0, rec.start_tod_s, rec.radar_height_m(0))
        decode.append(time.perf_counter() - t0)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    radar = d.radars[0].name
    feed = f'[[feeds]]\nname = "radar"\nsensor = "{radar}"\nformat = "asterix"\nudp = "127.0.0.1:{port}"\n'
    publish = f'[publish]\ncat062 = "127.0.0.1:{port + 1 if port < 65535 else port - 1}"\n'
    setup = parse_live(site + feed + publish, "bench.toml")
    with tempfile.TemporaryDirectory() as tmp:
        pcap = feeds.write_pcap(Path(tmp) / "feed.pcap", [feeds.Packet(p.time, port, p.payload) for p in rec.packets])
        log = EventLog(flush_every=10**9)
        engine = build_engine(setup, log, speed=0.0)
        done: dict = {}

        def sender():
            engine.ready.wait(10)
            cmd = [sys.executable, "-m", "bastion", "replay-feed", str(pcap), "--speed", str(args.speed)]
            done["proc"] = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
            done["t"] = time.monotonic()

        th = threading.Thread(target=sender)
        th.start()
        report = engine.run(stop=lambda: "t" in done and time.monotonic() - max(done["t"], engine.last_activity) > 1.0)
        th.join()
    lag = np.array(engine.lag.lags)
    k = max(1, lag.size // 10)
    period = 1.0 / (args.rate * args.speed)  # wall seconds between scans
    first, last = float(np.median(lag[:k])), float(np.median(lag[-k:]))
    compute = statistics.median(engine.lag.compute)
    keeps_up = (
        report.scans == len(scans) and last - first <= 0.5 * period and compute + statistics.median(decode) < period
    )
    med_direct = statistics.median(direct)
    med_lag = float(np.median(lag))
    p95 = float(np.percentile(lag, 95))
    print(
        f"live engine, {args.plots * args.speed:,.0f} plots/s ({plots_per_scan} plots per scan, a scan every "
        f"{period * 1e3:.0f} ms: {len(scans)} scans of {args.seconds:g} s of data replayed at x{args.speed:g} "
        "over UDP by another process):"
    )
    bad = report.feeds["radar"]["bad_packets"]
    print(f"  scans processed              {report.scans} of {len(scans)}; bad packets {bad}")
    print(f"  lag median / p95 / max       {med_lag * 1e3:7.1f} / {p95 * 1e3:7.1f} / {lag.max() * 1e3:7.1f} ms")
    print(f"  lag first / last tenth       {first * 1e3:7.1f} / {last * 1e3:7.1f} ms (median; growth = backlog)")
    print(f"  pipeline + CAT062 publish    {compute * 1e3:7.1f} ms per scan (median, in the engine)")
    print(f"  decode (CAT048 -> scan)      {statistics.median(decode) * 1e3:7.1f} ms per scan (median)")
    print(f"  peer: direct pipeline        {med_direct * 1e3:7.1f} ms per scan (median, same scans, no I/O)")
    print(f"  ratio lag / direct           {med_lag / med_direct:7.2f}x")
    print(
        f"  keeps up: {'yes' if keeps_up else 'NO'} (every scan processed, work per scan under the "
        f"{period * 1e3:.0f} ms between scans, lag not growing)"
    )


if __name__ == "__main__":
    main()
