#!/usr/bin/env python3
"""More tracking-testbed families, in the formats of ``shared/bench/tracking/FORMAT.md`` and with the
radar of its generator (``make_scenario.py``: one radar at the origin, polar Gaussian noise, detection
probability ``pd``, Poisson false alarms uniform in range, azimuth and elevation over the region).

* ``flights``: real recorded civil flights (``shared/data/flights/paris_2021-10-07.csv.gz``, OpenSky via
  the ``traffic`` library, MIT) seen by a radar at Paris-CDG (49.0097 N, 2.5479 E, 100 m): ``targets``
  flights drawn (seeded) among those that fly at least 30 s inside the region below 3,000 m, each
  shifted in time so that it enters the region at a random time in the first 40 % of the run; positions
  interpolated linearly between the 1 s reports (a gap over 5 s: absent) and present while inside the
  region and over 30 m above the radar (barometric height: a landed aircraft drops out).
* ``drones``: manoeuvring small drones (quadcopters and fixed-wing one-way-attack types): speed
  10-40 m/s, every scan with probability 0.15 a new manoeuvre — turn rate up to 15 deg/s, a new speed
  reached at up to 3 m/s^2, climb -4..4 m/s —, born 1.5-8 km out, 50-1,000 m up, heading roughly
  inwards.

    python benchmarks/tracking_scenarios.py flights --targets 17 --seed 1 --out /tmp/f1
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import json
from pathlib import Path

import numpy as np

REGION_M = 10_000.0
MIN_RANGE_M = 300.0
MAX_ELEVATION_RAD = 0.35
CDG = (49.0097, 2.5479, 100.0)  # lat, lon [deg], height [m] of the radar for the flights family


def observe(times, truth, rng, pd, clutter, sigma_r, sigma_a, sigma_e):
    """Detections of the generator's radar: ``truth`` is a list per scan of (ids, positions (n, 3))."""
    det_rows = []
    for t, (_, pos) in zip(times, truth, strict=True):
        seen = pos[rng.random(len(pos)) < pd]
        e, n, u = seen.T
        rr = np.sqrt(e**2 + n**2 + u**2)
        az = np.mod(np.arctan2(e, n), 2 * np.pi)
        el = np.arcsin(u / rr)
        rr = rr + rng.normal(0, sigma_r, seen.shape[0])
        az = np.mod(az + rng.normal(0, sigma_a, seen.shape[0]), 2 * np.pi)
        el = el + rng.normal(0, sigma_e, seen.shape[0])
        nc = rng.poisson(clutter)
        cr = rng.uniform(MIN_RANGE_M, REGION_M, nc)
        ca = rng.uniform(0, 2 * np.pi, nc)
        ce = rng.uniform(0, MAX_ELEVATION_RAD, nc)
        scan = np.concatenate([np.stack([rr, az, el], 1), np.stack([cr, ca, ce], 1)])
        scan = scan[rng.permutation(len(scan))]
        det_rows.extend((t, *row) for row in scan)
    return det_rows


def inside(pos: np.ndarray) -> np.ndarray:
    return (np.hypot(pos[:, 0], pos[:, 1]) <= REGION_M) & (np.linalg.norm(pos, axis=1) >= MIN_RANGE_M)


def drones(targets: int, rng, times: np.ndarray, scan_s: float):
    """Truth per scan of manoeuvring drones (module docstring)."""
    n = targets
    duration = float(times[-1]) if times.size else 0.0
    birth = rng.uniform(0.0, 0.4 * duration, n)
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    r0 = rng.uniform(1_500.0, 8_000.0, n)
    pos = np.stack([r0 * np.sin(bearing), r0 * np.cos(bearing), rng.uniform(50.0, 1_000.0, n)], 1)
    heading = bearing + np.pi + rng.uniform(-0.8, 0.8, n)
    speed = rng.uniform(10.0, 40.0, n)
    target_speed = speed.copy()
    climb = rng.uniform(-2.0, 2.0, n)
    turn = np.zeros(n)
    truth = []
    for k, t in enumerate(times):
        if k:
            change = rng.random(n) < 0.15
            m = int(change.sum())
            turn[change] = rng.uniform(-np.radians(15.0), np.radians(15.0), m)
            target_speed[change] = rng.uniform(10.0, 40.0, m)
            climb[change] = rng.uniform(-4.0, 4.0, m)
            speed += np.clip(target_speed - speed, -3.0 * scan_s, 3.0 * scan_s)
            heading += turn * scan_s
            pos[:, 0] += speed * np.sin(heading) * scan_s
            pos[:, 1] += speed * np.cos(heading) * scan_s
            pos[:, 2] = np.clip(pos[:, 2] + climb * scan_s, 30.0, 2_000.0)
        alive = (t >= birth) & inside(pos)
        idx = np.flatnonzero(alive)
        truth.append((idx, pos[idx].copy()))
    return truth


def _flight_tracks(path: Path):
    """icao24 -> (seconds since the first report, ENU positions (n, 3)) seen from CDG."""
    import pymap3d

    rows = []
    with gzip.open(path, "rt", newline="") as f:
        for r in csv.DictReader(f):
            try:
                rows.append(
                    (
                        r["icao24"],
                        datetime.datetime.fromisoformat(r["timestamp"]).timestamp(),
                        float(r["latitude"]),
                        float(r["longitude"]),
                        float(r["altitude"]) * 0.3048,
                    )
                )
            except (ValueError, TypeError):
                continue
    icao = np.array([r[0] for r in rows])
    a = np.array([r[1:] for r in rows], dtype=float)
    ok = np.isfinite(a).all(axis=1)
    icao, a = icao[ok], a[ok]
    e, n, u = pymap3d.geodetic2enu(a[:, 1], a[:, 2], a[:, 3], *CDG)
    enu = np.stack([e, n, u], 1)
    out = {}
    for i in np.unique(icao):
        m = icao == i
        t, p = a[m, 0], enu[m]
        order = np.argsort(t)
        t, p = t[order], p[order]
        keep = np.r_[True, np.diff(t) > 0]
        out[str(i)] = (t[keep], p[keep])
    return out


def flights(targets: int, rng, times: np.ndarray, data: Path):
    """Truth per scan of ``targets`` real flights near CDG (module docstring)."""
    tracks = _flight_tracks(data)
    spans = {}
    for i, (t, p) in tracks.items():
        m = inside(p) & (p[:, 2] < 3_000.0) & (p[:, 2] > 30.0)
        if m.sum() >= 30:
            spans[i] = float(t[m][0])
    names = sorted(spans)
    pick = rng.choice(len(names), size=min(targets, len(names)), replace=False)
    duration = float(times[-1]) if times.size else 0.0
    per_scan = [([], []) for _ in times]
    for j, k in enumerate(pick):
        name = names[k]
        t, p = tracks[name]
        t_rel = t - spans[name] + rng.uniform(0.0, 0.4 * duration)  # enters the region then
        for s, ts in enumerate(times):
            h = np.searchsorted(t_rel, ts)
            if h == 0 or h >= t_rel.size:
                continue
            t0, t1 = t_rel[h - 1], t_rel[h]
            if t1 - t0 > 5.0:
                continue
            w = (ts - t0) / (t1 - t0)
            pos = (1 - w) * p[h - 1] + w * p[h]
            if inside(pos[None])[0] and pos[2] > 30.0:  # airborne above the radar (not landed)
                per_scan[s][0].append(j)
                per_scan[s][1].append(pos)
    return [(np.array(i, dtype=int), np.array(q).reshape(-1, 3)) for i, q in per_scan]


def write(out: Path, times, truth, dets, meta: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "truth.csv", "w") as f:
        f.write("time_s,target_id,east_m,north_m,up_m\n")
        for t, (ids, pos) in zip(times, truth, strict=True):
            f.writelines(f"{t:.3f},{i},{e:.3f},{n:.3f},{u:.3f}\n" for i, (e, n, u) in zip(ids, pos, strict=True))
    with open(out / "detections.csv", "w") as f:
        f.write("time_s,range_m,azimuth_rad,elevation_rad\n")
        f.writelines(f"{t:.3f},{r:.3f},{az:.7f},{el:.7f}\n" for t, r, az, el in dets)
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def make(
    family: str,
    out: Path,
    targets: int,
    seed: int,
    duration: float = 120.0,
    scan: float = 1.0,
    pd: float = 0.9,
    clutter: float = 5.0,
    sigma_range: float = 10.0,
    sigma_angle: float = 0.005,
    data: Path | None = None,
) -> None:
    """Write one scenario of ``family`` (drones | flights) to ``out``."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, duration + 1e-9, scan)
    if family == "drones":
        truth = drones(targets, rng, times, scan)
    elif family == "flights":
        if data is None:
            raise ValueError("flights: need the flights file")
        truth = flights(targets, rng, times, data)
    else:
        raise ValueError(f"family {family!r}: drones | flights")
    dets = observe(times, truth, rng, pd, clutter, sigma_range, sigma_angle, sigma_angle)
    meta = {
        "sigma_range_m": sigma_range,
        "sigma_azimuth_rad": sigma_angle,
        "sigma_elevation_rad": sigma_angle,
        "pd": pd,
        "clutter_per_scan": clutter,
        "scan_period_s": scan,
        "region": {"max_range_m": REGION_M, "min_range_m": MIN_RANGE_M, "max_elevation_rad": MAX_ELEVATION_RAD},
        "seed": seed,
        "targets": targets,
        "duration_s": duration,
        "family": family,
    }
    write(out, times, truth, dets, meta)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("family", choices=["drones", "flights"])
    ap.add_argument("--targets", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=120.0)
    ap.add_argument("--clutter", type=float, default=5.0)
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(__file__).resolve().parents[2] / "shared" / "data" / "flights" / "paris_2021-10-07.csv.gz",
    )
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args()
    make(a.family, a.out, a.targets, a.seed, a.duration, clutter=a.clutter, data=a.data)
    print(f"{a.family} -> {a.out}")


if __name__ == "__main__":
    main()
