"""Benchmark: sweep throughput of the Baghdad night on Ray, 1 worker against 2, and the runner's cost.

Prints, in one run on the same machine:

* the peer: the same nights simulated in a plain loop in this process (no Ray, no Parquet), after
  one warm-up night: the median seconds per night and nights per minute on one core; then the same
  scenario in lock-step batches of MAX_CHUNK nights (``run_batch``, what a sweep worker runs);
* sweeps with 1 worker and with 2 workers, alternated ``--repeats`` times (same seeds, same Ray
  instance, each after a warm-up chunk per worker that builds the engine's tables), so that a
  change in the machine's load during the benchmark hits both alike: runs per minute, the time per
  night inside a worker, and Ray's overhead per task (worker time not spent simulating);
* the ratio of the median rates, 2 workers / 1 worker (target >= 1.8), and the 2-worker rate
  against the target of >= 1,000 replications per minute; the 1-worker rate against the lock-step
  batches in one process shows what the runner itself costs.

    .venv/bin/python benchmarks/sweep.py [--runs 256] [--repeats 3] [--scenario baghdad]

Ray's start-up (seconds, once per sweep) is printed apart: it does not grow with the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from bastion.engine.simulation import run, run_batch
from bastion.scenario import load
from bastion.scenario.compiled import compile_scenario
from bastion.sweep.overrides import build_points
from bastion.sweep.runner import MAX_CHUNK, SweepRunner, SweepSpec, run_sweep


def serial(scenario: str, seeds: range) -> list[float]:
    compiled = compile_scenario(load(scenario))
    run(compiled, 0, record_plots=False)  # warm caches (firing and range tables, imports)
    walls = []
    for seed in seeds:
        t0 = time.perf_counter()
        run(compiled, seed, record_plots=False)
        walls.append(time.perf_counter() - t0)
    return walls


def batched(scenario: str, seeds: range, size: int) -> float:
    """Seconds per night of the same nights simulated in lock-step batches of ``size`` (run_batch), one process."""
    compiled = compile_scenario(load(scenario))
    run_batch(compiled, [0, 1], record_plots=False)  # warm caches
    t0 = time.perf_counter()
    for i in range(0, len(seeds), size):
        run_batch(compiled, list(seeds[i : i + size]), record_plots=False)
    return (time.perf_counter() - t0) / len(seeds)


def swept(scenario: str, runs: int, workers: int):
    loaded = load(scenario)
    points = build_points(loaded, [], [])
    with tempfile.TemporaryDirectory() as tmp, SweepRunner(workers) as runner:
        # warm-up: one chunk per worker on other seeds (engine tables built in every worker)
        warm = SweepSpec(loaded.source, loaded.sha256, (), (), 10_000)
        run_sweep(points, warm, workers, f"{tmp}/warm", runner=runner)
        spec = SweepSpec(loaded.source, loaded.sha256, (), (), 1)
        outcome = run_sweep(points, spec, runs, f"{tmp}/timed", runner=runner)
        return outcome.session, runner.ray_start_s


def main() -> None:
    import logging

    import ray

    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--runs", type=int, default=256, help="runs per sweep (256: full chunks of 32, 4 per worker with 2 workers)"
    )
    ap.add_argument("--repeats", type=int, default=3, help="1-worker and 2-worker sweeps, alternated")
    ap.add_argument("--scenario", default="baghdad")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (1 min) at start")

    walls = serial(args.scenario, range(1, max(3, min(args.runs // 4, 32)) + 1))
    med = statistics.median(walls)
    print(
        f"peer, plain loop in one process: median {med * 1000:.0f} ms per night over {len(walls)} nights "
        f"-> {60 / med:,.0f} nights per minute on one core"
    )
    per = batched(args.scenario, range(1, 2 * MAX_CHUNK + 1), MAX_CHUNK)
    print(
        f"lock-step batches of {MAX_CHUNK} in one process (run_batch, as a sweep worker runs them): "
        f"{per * 1000:.0f} ms per night -> {60 / per:,.0f} nights per minute on one core "
        f"({med / per:.2f}x the plain loop)"
    )

    t0 = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR,
             object_store_memory=100 * 1024**2)  # fmt: skip
    print(f"Ray start (local, 2 CPUs): {time.perf_counter() - t0:.1f} s, once per sweep")
    samples: dict[int, list[float]] = {1: [], 2: []}
    cpu: dict[int, list[float]] = {1: [], 2: []}
    share: dict[int, list[float]] = {1: [], 2: []}
    try:
        for repeat in range(args.repeats):
            for workers in (1, 2):
                s, start = swept(args.scenario, args.runs, workers)
                samples[workers].append(s.runs_per_minute)
                cpu[workers].append(s.cpu_per_run)
                share[workers].append(s.cpu_s / s.wall_s)
                print(
                    f"[{repeat + 1}] sweep, {workers} worker(s): {s.runs} runs in {s.wall_s:.1f} s -> "
                    f"{s.runs_per_minute:,.0f} runs/min; {s.seconds_per_run * 1000:.0f} ms per night inside a worker "
                    f"({s.cpu_per_run * 1000:.0f} ms of CPU; workers got {s.cpu_s / s.wall_s:.2f} CPUs); "
                    f"{s.tasks} tasks, Ray overhead {s.overhead_per_task_s * 1000:.1f} ms per task "
                    f"({s.runs / s.tasks:.1f} runs per task); actors ready in {start:.1f} s; "
                    f"load {os.getloadavg()[0]:.1f}"
                )
    finally:
        ray.shutdown()
    rates = {w: statistics.median(v) for w, v in samples.items()}
    print(f"median runs/min: 1 worker {rates[1]:,.0f}, 2 workers {rates[2]:,.0f}")
    c1, c2 = statistics.median(cpu[1]), statistics.median(cpu[2])
    s1, s2 = statistics.median(share[1]), statistics.median(share[2])
    print(
        f"median CPU per night: 1 worker {c1 * 1000:.0f} ms, 2 workers {c2 * 1000:.0f} ms (ratio {c2 / c1:.2f}); "
        f"CPUs the workers got: 1 worker {s1:.2f}, 2 workers {s2:.2f} "
        "(of 1 and 2: the rest went to other processes on the machine)"
    )
    ratio = rates[2] / rates[1]
    print(f"2 workers / 1 worker: {ratio:.2f}x (target >= 1.8x: {'met' if ratio >= 1.8 else 'NOT met'})")
    print(
        f"2 workers: {rates[2]:,.0f} replications per minute (target >= 1,000: "
        f"{'met' if rates[2] >= 1000 else 'NOT met'}; needs <= {2 * 60 / 1000 * 1000:.0f} ms per night on 2 cores)"
    )
    print(f"runner cost: 1 worker reaches {rates[1] / (60 / per):.2f} of the lock-step batches' rate in one process")
    print(f"load average {os.getloadavg()[0]:.2f} (1 min) at end: other work on this machine slows every figure")


if __name__ == "__main__":
    main()
