#!/usr/bin/env python3
"""Time from a rocket's or mortar bomb's launch to its point-of-origin CoT cue, over seeds.

For each seed of a scenario (default ``rocket-salvo``) the night is simulated and its events are
turned into Cursor on Target by :class:`bastion.io.cot.CotBuilder`, as ``bastion run --cot`` sends
them. For every ballistic launch (truth, read here by the benchmark, never by the decision side)
the first POO cue whose point lies within ``--match-m`` of the true launch point gives the
latency (simulated seconds: radar detection, track confirmation and the arc fit; the loopback send
adds microseconds) and the cue's error. Printed: median, p90 and max latency, the share of launches
cued, and the POO error of the first cue (median, p90) beside the LCMR's public "under 100 m most of
the time" (``shared/domain/ram-and-layers.md`` §1.3).

    .venv/bin/python benchmarks/cot_cue.py [--scenario rocket-salvo] [--seeds 20]
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET

import numpy as np

from bastion.api import compile_named
from bastion.engine.simulation import run
from bastion.io.cot import CotBuilder


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="rocket-salvo")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--match-m", type=float, default=1_000.0)
    args = ap.parse_args()
    compiled = compile_named(args.scenario)
    d = compiled.defence
    latency, error, launches = [], [], 0
    for seed in range(1, args.seeds + 1):
        r = run(compiled, seed, record_plots=True)
        builder = CotBuilder(d)
        cues = []  # (t, enu)
        for e in r.log.events:
            for doc in builder.convert(e.t, e.kind, e.source, e.payload):
                ev = ET.fromstring(doc)
                if (ev.findtext("detail/remarks") or "").startswith("POO"):
                    p = ev.find("point")
                    enu = d.origin.to_enu(float(p.get("lat")), float(p.get("lon")), float(p.get("hae")))
                    cues.append((e.t, enu[:2]))
        for e in r.log.events:
            if e.kind != "launch" or not e.payload.type.startswith(("rocket", "mortar")):
                continue
            launches += 1
            where = np.asarray(e.payload.position[:2])
            near = [(t, float(np.hypot(*(p - where)))) for t, p in cues if t >= e.t]
            near = [(t, m) for t, m in near if m <= args.match_m]
            if near:
                t, m = min(near)
                latency.append(t - e.t)
                error.append(m)
    lat, err = np.array(latency), np.array(error)
    share = lat.size / max(launches, 1)
    print(f"{args.scenario}, seeds 1-{args.seeds}: {launches} ballistic launches, {lat.size} cued ({share:.0%})")
    if lat.size:
        p90, worst = np.percentile(lat, 90), lat.max()
        print(f"  launch -> POO cue   median {np.median(lat):.1f} s, p90 {p90:.1f} s, max {worst:.1f} s")
        e50, e90 = np.median(err), np.percentile(err, 90)
        print(f"  first cue's error   median {e50:.0f} m, p90 {e90:.0f} m (LCMR: < 100 m most of the time)")


if __name__ == "__main__":
    main()
