#!/usr/bin/env python3
"""bastion's tracker against Stone Soup on the same generated tracking-testbed scenarios.

For each size N the team's generator (``shared/bench/tracking/make_scenario.py``) writes one
scenario per seed; both trackers run on the same detections with the same model assumptions —
constant velocity with the same process noise, an EKF with the polar (elevation, bearing, range)
measurement model and the same noise, a chi-square gate of the same probability, global nearest
neighbour association, confirmation after ``confirm`` detections (bastion: M-of-N with M = confirm,
N = confirm + 1; Stone Soup: ``MultiMeasurementInitiator`` with ``min_points`` = confirm, holding
tracks deleted after two misses) and deletion after ``max_misses`` consecutive misses (Stone Soup's
``UpdateTimeStepsDeleter``). Both report, at every scan, the confirmed tracks missed at most twice in a
row whose position is inside the surveillance region (:func:`bastion.track.testbed.run_tracker`), and
both are scored by the same GOSPA (p = 1, c = 100 m, alpha = 2; :mod:`bastion.track.metrics`,
checked against Stone Soup's own ``GOSPAMetric`` in tests/track/test_metrics.py).

Printed per N: median wall time of one scan of each tracker (one core: BLAS threads pinned to 1) and
bastion's median CPU time per scan (process time of each step: the steadier figure on a loaded
machine, printed with the 1-minute load average),
their ratio, mean GOSPA (and its localisation / missed / false parts) of each, and the peak memory
bastion's tracker allocates (tracemalloc, a separate untimed run) per target. ``--also`` adds the
GOSPA of other bastion configurations on the same inputs (by default score-based confirmation with
the same filter, and the IMM of CV and coordinated-turn models with score-based confirmation). Stone Soup runs for
the sizes up to ``--stonesoup-max`` (its per-object design makes larger sizes take hours).

    .venv/bin/python benchmarks/tracking.py                      # N = 10 50 200 1000, seeds 1 2
    .venv/bin/python benchmarks/tracking.py --sizes 1000 --clutter 50 --stonesoup-max 0

``--families`` prints instead, per scenario family and seed, the GOSPA (localisation / missed / false)
of ``bastion track`` with its defaults (the track file: fixed-lag smoothed, ``--lag 5``), of bastion's
live picture (``--lag 0``: the same tracker as Stone Soup's GNN) and of Stone Soup's GNN, JPDA and
GM-PHD (``benchmarks/tracking_stonesoup.py``: same models and noise), side by side, Stone Soup's best
marked ``*``, and by how much bastion's default is better or worse than that best (one line per family
at the end). Families: ``targets50`` and ``targets200`` (the shared generator, clutter 5/scan),
``flights`` (17 real recorded flights near Paris-CDG, simulated radar), ``drones`` (50 manoeuvring
drones) and ``lowsnr`` (20 small drones near the detection threshold with birds as moving false
targets) from ``benchmarks/tracking_scenarios.py``; the lowsnr plots carry their detector power, so
both bastion columns report only the tracks its drone-against-bird test has not rejected
(:mod:`bastion.track.rcs_class`; Stone Soup's trackers report every confirmed track). Stone Soup is
slow (seconds a scan for JPDA and GM-PHD on a loaded machine): families with more targets than
``--stonesoup-max`` are scored on the first ``--stonesoup-scans`` scans, and ``--slow-scans K``
scores every family on its first K scans; all trackers of a row are scored on the same scans (said in
the row).

    .venv/bin/python benchmarks/tracking.py --families targets50 targets200 flights drones lowsnr --seeds 1 2
    .venv/bin/python benchmarks/tracking.py --families lowsnr targets50 --seeds 1 --slow-scans 30   # quick
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target states

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from bastion.track import testbed as tb  # noqa: E402
from bastion.track.metrics import score_sequence  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "benchmarks") not in sys.path:  # the Stone Soup runners and scenario families beside this file
    sys.path.insert(0, str(ROOT / "benchmarks"))


def shared_dir() -> Path:
    env = os.environ.get("BASTION_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT / "shared"]:
        if (cand / "bench" / "tracking" / "make_scenario.py").is_file():
            return cand
    sys.exit("benchmarks/tracking.py: the team's shared/bench/tracking folder is not available")


def make_scenario(out: Path, n: int, seed: int, clutter: float, duration: float) -> None:
    gen = shared_dir() / "bench" / "tracking" / "make_scenario.py"
    args = [sys.executable, str(gen), "--targets", str(n), "--seed", str(seed), "--out", str(out)]
    args += ["--clutter", str(clutter), "--duration", str(duration)]
    subprocess.run(args, check=True, capture_output=True)


def by_time(times: np.ndarray, ids: np.ndarray, pos: np.ndarray) -> dict:
    out = {}
    if times.size == 0:
        return out
    order = np.argsort(times, kind="stable")
    times, ids, pos = times[order], ids[order], pos[order]
    cut = np.flatnonzero(np.diff(times)) + 1
    for a, b in zip(np.r_[0, cut], np.r_[cut, times.size], strict=True):
        out[round(float(times[a]), 3)] = (ids[a:b], pos[a:b])
    return out


def run_bastion(table, meta, config, lag: int = 0, cpu: bool = False):
    """Reported tracks by scan time and the wall time of each scan (and its CPU time with ``cpu``)."""
    run = tb.run_tracker(table, meta, config, lag=lag)
    out = by_time(run.time, run.track_id, run.state[:, :3])
    return (out, run.scan_seconds, run.scan_cpu_seconds) if cpu else (out, run.scan_seconds)


def bastion_peak_bytes(table, meta, config) -> int:
    tracemalloc.start()
    tb.run_tracker(table, meta, config)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def run_stonesoup(table, meta, q: float, gate_probability: float, confirm: int, max_misses: int, kind: str = "gnn"):
    """Stone Soup's ``kind`` (gnn | jpda | phd) with bastion's models (``benchmarks/tracking_stonesoup.py``)."""
    import tracking_stonesoup

    config = replace(tb.testbed_config(meta), q=q, gate_probability=gate_probability, confirm_m=confirm)
    return tracking_stonesoup.run(kind, table, meta, replace(config, max_misses=max_misses))


FAMILIES = {  # name: (generator, targets)
    "targets50": ("shared", 50),
    "targets200": ("shared", 200),
    "flights": ("flights", 17),
    "drones": ("drones", 50),
    "lowsnr": ("lowsnr", 20),
}


def make_family(out: Path, family: str, seed: int, clutter: float, duration: float) -> None:
    kind, n = FAMILIES[family]
    if kind == "shared":
        make_scenario(out, n, seed, clutter, duration)
        return
    import tracking_scenarios

    data = shared_dir() / "data" / "flights" / "paris_2021-10-07.csv.gz"
    tracking_scenarios.make(kind, out, n, seed, duration, clutter=clutter, data=data)


def truncate(table, truth: dict, t_end: float):
    """The plots and truth of the scans up to ``t_end`` (a scenario cut short for a slow tracker)."""
    k = int(np.searchsorted(table.time, t_end, side="right"))
    cut = replace(
        table,
        time=table.time[:k],
        range=table.range[:k],
        azimuth=table.azimuth[:k],
        elevation=table.elevation[:k],
        range_rate=None if table.range_rate is None else table.range_rate[:k],
        power=None if table.power is None else table.power[:k],
    )
    return cut, {t: v for t, v in truth.items() if t <= t_end + 1e-9}


SS_NAMES = {"gnn": "Stone Soup GNN", "jpda": "Stone Soup JPDA", "phd": "Stone Soup GM-PHD"}
PARTS = ("gospa", "localisation", "missed", "false")


def families(a) -> None:
    """The family table: per family and seed, bastion (default, live) and Stone Soup (GNN, JPDA, GM-PHD)."""
    from bastion.cli.tracking import DEFAULT_LAG

    def cell(sm: dict | None, best: bool = False) -> str:
        if sm is None:
            return f"{'-':>31}"
        mark = "*" if best else " "
        return f"{sm['gospa']:7.1f}{mark}({sm['localisation']:6.1f}/{sm['missed']:5.1f}/{sm['false']:5.1f})"

    kinds = [k for k in a.stonesoup if a.stonesoup_max > 0]
    print(
        f"GOSPA per scan (p = 1, c = 100 m, alpha = 2) as total (localisation/missed/false); bastion default = "
        f"lag {DEFAULT_LAG}; clutter {a.clutter}/scan; duration {a.duration:g} s; one core; * = Stone Soup's best; "
        f"'better' = bastion default against Stone Soup's best (positive: bastion lower GOSPA)"
    )
    head = f"{'family':>10} {'seed':>4} {'scans':>5} {'bastion default':>31} {'bastion live (lag 0)':>31} "
    head += "".join(f"{SS_NAMES[k]:>31} " for k in kinds)
    head += f"{'better':>7} {'ms/scan b':>9} " + "".join(f"{'ms ' + k:>9} " for k in kinds)
    print(head)
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for fam in a.families:
            rows = []
            for seed in a.seeds:
                d = Path(tmp) / f"{fam}-s{seed}"
                make_family(d, fam, seed, a.clutter, a.duration)
                meta = tb.read_meta(d / "meta.json")
                table = tb.read_detections(d / "detections.csv")
                truth = tb.read_positions(d / "truth.csv", "target_id")
                note = ""
                scans = a.stonesoup_scans if 0 < a.stonesoup_max < FAMILIES[fam][1] else a.slow_scans
                if kinds and scans:
                    t_end = (scans - 1) * (meta.scan_period_s or 1.0)
                    if t_end < (meta.duration_s or np.inf):
                        table, truth = truncate(table, truth, t_end)
                        meta = replace(meta, duration_s=t_end)
                        note = f" (first {scans} scans: Stone Soup's run time)"
                config = tb.testbed_config(meta)
                ours, wall = run_bastion(table, meta, config, lag=DEFAULT_LAG)
                live, _ = run_bastion(table, meta, config, lag=0)
                s_b = score_sequence(truth, ours).summary()
                s_l = score_sequence(truth, live).summary()
                ss, ss_ms = {}, {}
                for k in kinds:
                    theirs, s_wall = run_stonesoup(
                        table, meta, config.q, config.gate_probability, config.confirm_m, config.max_misses, k
                    )
                    ss[k] = score_sequence(truth, theirs).summary()
                    ss_ms[k] = np.median(s_wall) * 1e3
                best = min(ss, key=lambda k: ss[k]["gospa"]) if ss else None
                better = f"{100 * (1 - s_b['gospa'] / ss[best]['gospa']):6.1f}%" if best else f"{'-':>7}"
                rows.append((s_b, s_l, ss))
                print(
                    f"{fam:>10} {seed:4d} {wall.size:5d} {cell(s_b)} {cell(s_l)} "
                    + "".join(f"{cell(ss[k], k == best)} " for k in kinds)
                    + f"{better} {np.median(wall) * 1e3:9.2f} "
                    + "".join(f"{ss_ms[k]:9.1f} " for k in kinds)
                    + note,
                    flush=True,
                )
            mean = {k: np.mean([r[0][k] for r in rows]) for k in PARTS}
            mean_l = {k: np.mean([r[1][k] for r in rows]) for k in PARTS}
            mean_s = {k: {p: np.mean([r[2][k][p] for r in rows]) for p in PARTS} for k in kinds}
            best = min(mean_s, key=lambda k: mean_s[k]["gospa"]) if mean_s else None
            pct = 100 * (1 - mean["gospa"] / mean_s[best]["gospa"]) if best else np.nan
            tail = "".join(f"{cell(mean_s[k], k == best)} " for k in kinds) + (f"{pct:6.1f}%" if best else "")
            print(f"{fam:>10} {'mean':>4} {'':5} {cell(mean)} {cell(mean_l)} {tail}", flush=True)
            summary.append((fam, mean["gospa"], best, mean_s[best]["gospa"] if best else np.nan, pct))
    if any(b for _, _, b, _, _ in summary):
        print()
        for fam, g_b, best, g_s, pct in summary:
            if best:
                word = "better" if pct > 0 else "worse"
                print(
                    f"{fam}: bastion is {abs(pct):.1f} % {word} than Stone Soup's best ({SS_NAMES[best]}): "
                    f"GOSPA {g_b:.1f} against {g_s:.1f}"
                )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200, 1000])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--clutter", type=float, default=5.0, help="mean false alarms per scan")
    ap.add_argument("--duration", type=float, default=60.0, help="scenario length [s]")
    ap.add_argument("--stonesoup-max", type=int, default=200, help="largest N run through Stone Soup")
    ap.add_argument("--families", nargs="+", choices=sorted(FAMILIES), help="the family table (docstring)")
    ap.add_argument(
        "--stonesoup-scans",
        type=int,
        default=30,
        help="--families: families with more targets than --stonesoup-max are scored on this many scans",
    )
    ap.add_argument(
        "--slow-scans",
        type=int,
        default=0,
        help="--families: every family scored on at most this many scans (0: all; JPDA and GM-PHD are slow)",
    )
    ap.add_argument(
        "--stonesoup",
        nargs="+",
        default=list(SS_NAMES),
        choices=list(SS_NAMES),
        help="--families: the Stone Soup trackers to run (default all: gnn jpda phd)",
    )
    ap.add_argument("--filter", default="ekf", choices=["ekf", "ukf", "imm"])
    ap.add_argument("--associator", default="gnn", choices=["gnn", "jpda"])
    ap.add_argument("--management", default="mofn", choices=["mofn", "sprt"])
    ap.add_argument("--q", type=float, default=8.0, help="CV process-noise density [m^2/s^3], both trackers")
    ap.add_argument("--confirm", type=int, default=3, help="detections to confirm a track, both trackers")
    ap.add_argument("--max-misses", type=int, default=4)
    ap.add_argument(
        "--also",
        default="management=sprt;filter=imm,management=sprt",
        help="more bastion configurations whose GOSPA is printed too: TrackerConfig fields, "
        "configurations separated by ';' ('' for none)",
    )
    a = ap.parse_args()
    if a.families:
        if "--stonesoup-max" not in sys.argv:
            a.stonesoup_max = 60  # families: Stone Soup on the whole of the 50-target runs, cut short above
        if "--duration" not in sys.argv:
            a.duration = 120.0  # the shared generator's default length
        families(a)
        return
    also: list[tuple[str, dict]] = []
    for spec in filter(None, a.also.split(";")):
        fields = {}
        for item in spec.split(","):
            key, value = item.split("=")
            fields[key] = value if key in ("filter", "associator", "management", "motion") else float(value)
        also.append((spec, fields))

    header = (
        f"{'N':>5} {'seed':>4} {'scans':>5} {'bastion ms':>10} {'StoneSoup ms':>12} {'ratio':>7} "
        f"{'GOSPA bastion (loc/miss/false)':>32} {'GOSPA StoneSoup (loc/miss/false)':>34} {'peak kB/N':>9}"
        f" {'CPU ms/scan':>10} {'load':>5}" + "".join(f"  GOSPA bastion {spec}" for spec, _ in also)
    )
    print(
        f"filter={a.filter} associator={a.associator} management={a.management} q={a.q} confirm={a.confirm} "
        f"max_misses={a.max_misses} clutter={a.clutter}/scan duration={a.duration:g} s; times are medians per scan"
    )
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for n in a.sizes:
            for seed in a.seeds:
                d = Path(tmp) / f"n{n}-s{seed}"
                make_scenario(d, n, seed, a.clutter, a.duration)
                meta = tb.read_meta(d / "meta.json")
                table = tb.read_detections(d / "detections.csv")
                truth = tb.read_positions(d / "truth.csv", "target_id")
                config = tb.testbed_config(
                    meta,
                    filter=a.filter,
                    associator=a.associator,
                    management=a.management,
                    q=a.q,
                    confirm_m=a.confirm,
                    confirm_n=a.confirm + 1,
                    max_misses=a.max_misses,
                )
                tracks, wall, cpu = run_bastion(table, meta, config, cpu=True)
                cpu_ms = np.median(cpu) * 1e3
                sb = score_sequence(truth, tracks).summary()
                peak = bastion_peak_bytes(table, meta, config)
                b_ms = np.median(wall) * 1e3
                gb = f"{sb['gospa']:.0f} ({sb['localisation']:.0f}/{sb['missed']:.0f}/{sb['false']:.0f})"
                if n <= a.stonesoup_max:
                    s_tracks, s_wall = run_stonesoup(table, meta, a.q, config.gate_probability, a.confirm, a.max_misses)
                    ss = score_sequence(truth, s_tracks).summary()
                    s_ms = np.median(s_wall) * 1e3
                    s_col = f"{s_ms:12.1f} {s_ms / b_ms:7.0f}"
                    gs = f"{ss['gospa']:.0f} ({ss['localisation']:.0f}/{ss['missed']:.0f}/{ss['false']:.0f})"
                else:
                    s_col, gs = f"{'-':>12} {'-':>7}", "-"
                extra = ""
                for spec, fields in also:
                    other, _ = run_bastion(table, meta, replace(config, **fields))
                    so = score_sequence(truth, other).summary()
                    cell = f"{so['gospa']:.0f} ({so['localisation']:.0f}/{so['missed']:.0f}/{so['false']:.0f})"
                    extra += f"  {cell:>{len('GOSPA bastion ' + spec)}}"
                print(
                    f"{n:5d} {seed:4d} {wall.size:5d} {b_ms:10.2f} {s_col} {gb:>32} {gs:>34} {peak / 1e3 / n:9.1f}"
                    + f" {cpu_ms:10.2f} {os.getloadavg()[0]:5.1f}"
                    + extra,
                    flush=True,
                )


if __name__ == "__main__":
    main()
