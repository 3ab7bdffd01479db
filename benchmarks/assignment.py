"""Static weapon-target assignment: greedy baseline, fast heuristic, exact solver and the team's
reference solver, side by side on seeded random instances.

Instances: the generator of ``shared/bench/wta/make_instances.py`` (Ahuja, Kumar, Jha and Orlin 2007:
V_j ~ U{25..100}, p_ij ~ U(0.60, 0.90)), square sizes 10x10 .. 100x100 (200x200 with --large).
Reference: ``shared/bench/wta/wta_exact.py`` (outer approximation with HiGHS), imported by path.

For each size and method: median wall-clock time [ms] over the instances (the fast and greedy methods
take the median of ``--repeat`` runs per instance first), mean objective, worst and mean gap to the
proven optimum (the best value proven by either exact method; the two must agree within the
reference's 1e-6 tolerance, else the row is flagged), and how many runs were proven optimal.

Usage: .venv/bin/python benchmarks/assignment.py [--seeds 3] [--large] [--no-reference]
       [--reference-time-limit 120] [--sizes 10,20,40,60,80,100]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bastion.engage.assign import GreedyAssigner
from bastion.engage.wta.exact import solve_exact
from bastion.engage.wta.fast import solve_fast
from bastion.engage.wta.instance import surviving_value

ROOT = Path(__file__).resolve().parents[1]
WTA = ROOT.parent / "shared" / "bench" / "wta"


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(fn, repeat: int = 1):
    """(result of the last call, median seconds over ``repeat`` calls)."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,20,40,60,80,100", help="square sizes W = T, comma-separated")
    ap.add_argument("--large", action="store_true", help="also 200x200")
    ap.add_argument("--seeds", type=int, default=3, help="instances per size")
    ap.add_argument("--repeat", type=int, default=5, help="runs per instance for the millisecond methods")
    ap.add_argument("--no-reference", action="store_true", help="skip the reference solver (slow)")
    ap.add_argument("--reference-time-limit", type=float, default=120.0)
    args = ap.parse_args()
    if not (WTA / "make_instances.py").is_file():
        raise SystemExit(f"needs the team's benchmark folder {WTA}")
    gen = load_module("wta_make_instances", WTA / "make_instances.py")
    ref = None if args.no_reference else load_module("wta_reference", WTA / "wta_exact.py")
    sizes = [int(s) for s in args.sizes.split(",")] + ([200] if args.large else [])
    methods = ["greedy", "fast", "exact"] + ([] if ref is None else ["reference"])
    header = ("size", "method", "median ms", "mean value", "max gap %", "mean gap %")
    print(f"{header[0]:>9} {header[1]:>10} {header[2]:>10} {header[3]:>12} {header[4]:>10} {header[5]:>10} proven")
    speedups = []
    for n in sizes:
        rows: dict[str, list] = {m: [] for m in methods}
        optima = []
        for k in range(args.seeds):
            seed = gen.BASE_SEED + 1000 * n + 10 * n + k  # the generator's own seeding rule
            values, pk = gen.make(n, n, seed)
            g, tg = timed(lambda pk=pk, values=values: GreedyAssigner().assign(pk, values), args.repeat)
            rows["greedy"].append((tg, surviving_value(pk, values, g), False))
            f, tf = timed(lambda pk=pk, values=values: solve_fast(pk, values), args.repeat)
            rows["fast"].append((tf, f.value, f.proven_optimal))
            e, te = timed(lambda pk=pk, values=values: solve_exact(pk, values))
            rows["exact"].append((te, e.value, e.proven_optimal))
            best = e.value if e.proven_optimal else np.inf
            if ref is not None:
                limit = args.reference_time_limit
                r, tr = timed(lambda pk=pk, values=values, limit=limit: ref.solve_exact(values, pk, time_limit=limit))
                rows["reference"].append((tr, r["optimum"], bool(r["proven"])))
                if r["proven"]:
                    if e.proven_optimal and abs(r["optimum"] - e.value) > 1e-6 * e.value:
                        print(f"  !! {n}x{n} seed {seed}: exact {e.value:.9f} vs reference {r['optimum']:.9f}")
                    best = min(best, r["optimum"])
                speedups.append(tr / te)
            optima.append(best)
        for m in methods:
            ts = [r[0] for r in rows[m]]
            vals = [r[1] for r in rows[m]]
            gaps = [100 * (v / o - 1) for v, o in zip(vals, optima, strict=True) if np.isfinite(o)]
            proven = sum(r[2] for r in rows[m])
            ms = f"{1e3 * statistics.median(ts):10.2f}"
            gap_max = f"{max(gaps):10.3f}" if gaps else f"{'-':>10}"
            gap_mean = f"{statistics.mean(gaps):10.3f}" if gaps else f"{'-':>10}"
            print(f"{n:>4}x{n:<4} {m:>10} {ms} {statistics.mean(vals):12.4f} {gap_max} {gap_mean} {proven}/{len(ts)}")
        sys.stdout.flush()
    if speedups:
        print(f"exact vs reference: median speed-up {statistics.median(speedups):.0f}x (min {min(speedups):.0f}x)")


if __name__ == "__main__":
    main()
