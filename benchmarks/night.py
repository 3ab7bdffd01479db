"""Benchmark: how fast the Baghdad night simulates, and where the time goes.

Prints, for several seeds, the wall time of one night without recording per-scan plots (as a
Monte Carlo sweep runs it) and with full recording to an in-memory event log (as `bastion run`
records it, minus the SQLite write), the median real-time factor (simulated seconds per wall
second) and the median time per stage. Target: >= 1,000x real time on one core.

    .venv/bin/python benchmarks/night.py [--seeds 7] [--scenario baghdad]
"""

from __future__ import annotations

import argparse
import statistics
import time

from bastion.api import compile_named
from bastion.engine.simulation import run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=7)
    ap.add_argument("--scenario", default="baghdad")
    args = ap.parse_args()
    compiled = compile_named(args.scenario)
    duration = compiled.defence.duration_s
    run(compiled, 0, record_plots=False)  # warm caches (firing and range tables, imports)
    for plots in (False, True):
        walls, stages = [], []
        for seed in range(1, args.seeds + 1):
            t0 = time.perf_counter()
            result = run(compiled, seed, record_plots=plots)
            walls.append(time.perf_counter() - t0)
            stages.append(result.stage_seconds)
        med = statistics.median(walls)
        label = "full event recording" if plots else "sweep mode (no per-scan plots)"
        print(
            f"{args.scenario}, {label}: {duration:g} s simulated, median wall {med * 1000:.0f} ms "
            f"over {args.seeds} seeds -> {duration / med:,.0f}x real time "
            f"(target >= 1,000x; {60 / med:,.0f} nights per minute per core)"
        )
        keys = list(stages[0])
        per = {k: statistics.median(s[k] for s in stages) for k in keys}
        other = med - sum(per.values())
        width = max(len(k) for k in keys)
        for k in keys:
            print(f"  {k:<{width}}  {per[k] * 1000:7.1f} ms  {100 * per[k] / med:5.1f} %")
        print(f"  {'other':<{width}}  {other * 1000:7.1f} ms  {100 * other / med:5.1f} %  (event log, loop, labels)")


if __name__ == "__main__":
    main()
