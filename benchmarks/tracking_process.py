#!/usr/bin/env python3
"""Whole-process speed of ``bastion track`` (start-up included) against Stone Soup's whole process.

Issue 18's target: at 200 targets (``make_scenario.py --targets 200 --seed 1``, clutter 5/scan, 120
scans) ``bastion track`` start to finish at least 100 times faster than Stone Soup's, whose stored
whole-process time on the held-out case is 271 s (Stone Soup 1.9.1, CV/EKF/GNN, the issue). Each run
is a fresh interpreter (``python -m bastion track DETECTIONS --meta META --out TRACKS``), as a user
runs it; ``--tiny`` adds the same command on a one-target, five-scan case (what is left is start-up:
imports and loading the cached numba kernels). Printed: the median wall and CPU (user + system) time
of the runs, and the ratio of Stone Soup's stored time to bastion's median wall time. ``--stonesoup``
also times Stone Soup's whole process on the same file (a fresh interpreter running
``benchmarks/tracking_stonesoup.py``'s GNN: slow, minutes).

Byte code: a normal install (``pip install``) compiles every module to byte code once, and Python
caches what it compiles later; a process that may not write or read byte-code caches
(``PYTHONDONTWRITEBYTECODE`` with no ``__pycache__``, as in some containers and in this project's
own work environment) compiles the source of every module it imports (numpy, scipy, numba: about
1,000 modules) at every start, which costs several times the tracking itself. The runs here use a
byte-code cache (``PYTHONPYCACHEPREFIX`` in a temporary folder, written by one untimed run first);
``--cold`` also times them with no byte-code cache at all.

On a shared, loaded machine the wall time is inflated by waiting for a core: the CPU time is the
steadier figure, and the ratio is printed for both (the load average is printed with them).

    .venv/bin/python benchmarks/tracking_process.py                   # 200 targets, 3 runs
    .venv/bin/python benchmarks/tracking_process.py --targets 5 --duration 5 --runs 1   # smoke
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STONE_SOUP_STORED_S = 271.0  # issue 18: Stone Soup's whole process at 200 targets (held-out case)


def shared_dir() -> Path:
    env = os.environ.get("BASTION_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT / "shared"]:
        if (cand / "bench" / "tracking" / "make_scenario.py").is_file():
            return cand
    sys.exit("benchmarks/tracking_process.py: the team's shared/bench/tracking folder is not available")


def timed(args: list[str], env: dict | None = None) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def scenario(out: Path, targets: int, seed: int, duration: float) -> Path:
    gen = shared_dir() / "bench" / "tracking" / "make_scenario.py"
    cmd = [sys.executable, str(gen), "--targets", str(targets), "--seed", str(seed), "--out", str(out)]
    subprocess.run(cmd + ["--duration", str(duration)], check=True, capture_output=True)
    return out


def track_cmd(d: Path) -> list[str]:
    return [sys.executable, "-m", "bastion", "track", str(d / "detections.csv"), "--meta", str(d / "meta.json")] + [
        "--out",
        str(d / "tracks.csv"),
    ]


STONESOUP_PROCESS = """
import sys
sys.path.insert(0, {bench!r})
from bastion.track import testbed as tb
import tracking_stonesoup
meta = tb.read_meta({meta!r})
table = tb.read_detections({det!r})
tracking_stonesoup.run("gnn", table, meta, tb.testbed_config(meta))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tiny", action="store_true", help="also time the command on a 1-target, 5-scan case")
    ap.add_argument("--cold", action="store_true", help="also time the command with no byte-code cache")
    ap.add_argument("--stonesoup", action="store_true", help="also time Stone Soup's whole process (slow)")
    a = ap.parse_args()
    path = os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(PYTHONPATH=path, PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        cold = dict(env, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(Path(tmp) / "no-pyc"))
        d = scenario(Path(tmp) / "big", a.targets, a.seed, a.duration)
        cases = [("scenario", d)]
        if a.tiny:
            cases.append(("start-up (1 target, 5 scans)", scenario(Path(tmp) / "tiny", 1, a.seed, 4.0)))
        timed(track_cmd(d), env)  # once untimed: byte code and numba caches written, files in the page cache
        print(
            f"bastion track, {a.targets} targets, seed {a.seed}, {a.duration:g} s; medians of {a.runs} fresh "
            f"processes; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        walls = {}
        if a.cold:
            cases.append(("scenario, no byte-code cache", d))
        for name, case in cases:
            runs = [timed(track_cmd(case), cold if "no byte-code" in name else env) for _ in range(a.runs)]
            w, c = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
            walls[name] = (w, c)
            print(f"  {name:32s} wall {w:7.2f} s   CPU {c:7.2f} s")
        w, c = walls["scenario"]
        print(
            f"Stone Soup stored whole process {STONE_SOUP_STORED_S:g} s: bastion is {STONE_SOUP_STORED_S / w:.0f}x "
            f"faster on wall time, {STONE_SOUP_STORED_S / c:.0f}x on CPU time (target >= 100x)"
        )
        if a.stonesoup:
            code = STONESOUP_PROCESS.format(
                bench=str(ROOT / "benchmarks"), meta=str(d / "meta.json"), det=str(d / "detections.csv")
            )
            sw, sc = timed([sys.executable, "-c", code], env)
            print(
                f"Stone Soup (GNN) whole process measured here: wall {sw:.1f} s, CPU {sc:.1f} s: bastion is "
                f"{sw / w:.0f}x faster on wall time, {sc / c:.0f}x on CPU time"
            )


if __name__ == "__main__":
    main()
