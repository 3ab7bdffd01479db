#!/usr/bin/env python3
"""Load and soak drill: a swarm of drones plus clutter through the live decision path, for hours.

The live engine's work per radar scan is the decision pipeline (tracking, identification, threat
evaluation, warnings, engagement planning) writing its events to the SQLite event store, which is what
this drill runs, in-process and unpaced, so that a simulated day takes minutes (the socket and
decoding path is measured in real time by ``benchmarks/live.py``). The feed: ``--drones`` drones in
the air at any time (each flies a straight leg of ``--leg-s`` seconds across the radar's coverage at
15–60 m/s and 50–1,500 m, then a new drone takes its place: tracks are born and die all day, so any
state kept per track and never pruned shows up as growth) and ``--clutter`` false alarms a scan,
one scan a second (the site's radar).

Printed: the decision cycle (pipeline + event store, per 1 s scan) p50 / p99 / max, against the 1 s
scan period; the resident memory after every simulated hour and its growth after the first hour
(the working set is built then); tracks created; events written. Flat = growth after the first hour
below ``--flat-mb``. Exit code 1 when the cycle p99 exceeds the scan period or memory is not flat, so
the drill can gate.

    .venv/bin/python benchmarks/live_soak.py                      # 500 drones + 1,500 clutter, 1 h
    .venv/bin/python benchmarks/live_soak.py --hours 24 --every 3600   # the 24-hour soak
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bastion.engine.events import EventLog
from bastion.engine.pipeline import DecisionPipeline
from bastion.physics.geodesy import enu_to_polar
from bastion.scenario import load
from bastion.scenario.compiled import compile_scenario
from bastion.sense.types import Detections
from bastion.store import EventStore


def rss_mb() -> float:
    """Resident set size of this process now [MiB] (Linux /proc; not the peak)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Swarm:
    """``n`` drones on straight legs of ``leg_s`` seconds; each leg's drone is new (a new track)."""

    def __init__(self, n: int, leg_s: float, rng: np.random.Generator) -> None:
        self.n, self.leg_s, self.rng = n, leg_s, rng
        self.start = np.zeros((n, 3))
        self.v = np.zeros((n, 3))
        self.born = -rng.uniform(0, leg_s, n)  # staggered: the swarm's drones are replaced one by one
        self.created = 0
        for i in range(n):
            self._new(i, self.born[i])

    def _new(self, i: int, t: float) -> None:
        rng = self.rng
        a = rng.uniform(0, 2 * np.pi)
        r0 = rng.uniform(3_000, 11_000)
        heading = a + np.pi + rng.uniform(-0.8, 0.8)  # inbound-ish, crossing the coverage
        speed = rng.uniform(15, 60)
        self.start[i] = (r0 * np.sin(a), r0 * np.cos(a), rng.uniform(50, 1_500))
        self.v[i] = (speed * np.sin(heading), speed * np.cos(heading), 0.0)
        self.born[i] = t
        self.created += 1

    def positions(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        for i in np.flatnonzero(t - self.born >= self.leg_s):
            self._new(i, t)
        return self.start + self.v * (t - self.born)[:, None], self.v


def scan(defence, swarm: Swarm, clutter: int, t: float, rng: np.random.Generator) -> Detections:
    radar = defence.radars[0]
    rt = radar.type
    p, v = swarm.positions(t)
    rel = p - radar.position
    r, az, el = enu_to_polar(rel)
    rr = np.einsum("ij,ij->i", rel, v) / r
    n = r.size
    return Detections(
        t,
        0,
        np.r_[r + rng.normal(0, rt.sigma_range_m, n), rng.uniform(rt.min_range_m, rt.max_range_m, clutter)],
        np.r_[az + rng.normal(0, rt.sigma_azimuth_rad, n), rng.uniform(-np.pi, np.pi, clutter)],
        np.r_[
            el + rng.normal(0, rt.sigma_elevation_rad, n),
            rng.uniform(rt.mask_elevation_rad, rt.max_elevation_rad, clutter),
        ],
        np.r_[rr + rng.normal(0, rt.sigma_range_rate_mps, n), rng.uniform(-150, 150, clutter)],
        np.full(n + clutter, 30.0),
        np.full(n + clutter, 0.05),
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drones", type=int, default=500)
    ap.add_argument("--clutter", type=int, default=1_500, help="false alarms per scan")
    ap.add_argument("--hours", type=float, default=1.0, help="simulated hours")
    ap.add_argument("--leg-s", type=float, default=600.0, help="seconds a drone flies before a new one replaces it")
    ap.add_argument("--every", type=float, default=600.0, help="sample memory every this many simulated seconds")
    ap.add_argument("--flat-mb", type=float, default=50.0, help="allowed memory growth after the first hour [MiB]")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    defence = compile_scenario(load("baghdad")).defence
    rng = np.random.default_rng(args.seed)
    swarm = Swarm(args.drones, args.leg_s, np.random.default_rng(args.seed + 1))
    n_scans = int(args.hours * 3600)
    cycle = np.empty(n_scans)
    samples: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore(Path(tmp) / "events.sqlite")
        store.begin_run("soak", defence.name, "0" * 64, "", args.seed, "bench")
        log = EventLog(flush_every=100_000, retain=False)  # as `bastion live`: the store keeps the events
        log.subscribers.append(lambda batch: store.append("soak", batch))
        pipe = DecisionPipeline(defence, log.emit, record_plots=False)
        wall0 = time.perf_counter()
        for k in range(n_scans):
            t = float(k + 1)
            det = scan(defence, swarm, args.clutter, t, rng)
            t0 = time.perf_counter()
            pipe.on_radar(det)
            log.flush()  # the live engine flushes after every report
            cycle[k] = time.perf_counter() - t0
            if t % args.every == 0 or k == n_scans - 1:
                samples.append((t, rss_mb()))
                print(
                    f"  t = {t / 3600:6.2f} h  rss {samples[-1][1]:7.1f} MiB  tracks {len(pipe.tracks.id):4d}  "
                    f"created {swarm.created:7d}  cycle p50 {np.median(cycle[: k + 1]) * 1e3:6.1f} ms",
                    flush=True,
                )
        wall = time.perf_counter() - wall0
        n_events = log.count
        store.finish_run("soak", "finished", None)
    p50, p99 = np.percentile(cycle, [50, 99])
    first_hour = [m for t, m in samples if t >= 3600] or [samples[-1][1]]
    growth = samples[-1][1] - first_hour[0]
    ok_cycle = p99 < 1.0
    ok_mem = growth <= args.flat_mb
    print(
        f"live decision path, {args.drones} drones + {args.clutter} clutter a scan "
        f"({args.drones + args.clutter:,} plots/s at one scan a second), {args.hours:g} h simulated in {wall:.0f} s:"
    )
    worst = cycle.max() * 1e3
    print(f"  decision cycle p50 / p99 / max   {p50 * 1e3:.1f} / {p99 * 1e3:.1f} / {worst:.1f} ms (period 1,000 ms)")
    print(f"  memory after 1 h / at the end    {first_hour[0]:.1f} / {samples[-1][1]:.1f} MiB (growth {growth:+.1f})")
    print(f"  drones flown / events written    {swarm.created:,} / {n_events:,}")
    print(f"  keeps its cycle: {'yes' if ok_cycle else 'NO'}; memory flat: {'yes' if ok_mem else 'NO'}")
    return 0 if ok_cycle and ok_mem else 1


if __name__ == "__main__":
    sys.exit(main())
