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
* ``lowsnr``: small drones near the detection threshold with birds as moving false targets (C-UAS's
  hard case). ``targets`` small quadcopters / one-way-attack drones of mean RCS 0.01-0.05 m^2 (the
  issue's figure; shared/domain/threats.md: small fixed-wing 0.01-0.1 m^2, L; ram-and-layers.md §7:
  small UAVs -20 to -8 dBsm at 24 GHz, M) crossing 7.0-9.8 km out (heading across the line of sight,
  the drones' manoeuvres above), ``birds`` birds (default 1.5 per drone) of log-normal RCS, median
  -25 dBsm, sigma 4 dB (ram-and-layers.md §7 sim default, L), 8-20 m/s (ibid., L), 20-300 m up
  (ibid., L), 1-10 km out, weaving (heading random walk 10 deg/s rms: "frequent small heading
  changes", ibid., L), and the uniform false alarms. Detection from the radar equation
  (:mod:`bastion.physics.detection`): square-law detector, Pfa 1e-6, Swerling 1 targets (scan to
  scan), the radar's reference point Pd 0.5 against 0.05 m^2 at 12.5 km (shared/domain/sensors.md §2
  sim default: "Pd vs 0.05 m^2 target falls off beyond ~10-15 km", L: the middle of that span taken
  as the 50 % point). That puts the drones at Pd 0.55-0.88 (10th-90th percentile; mean about 0.74,
  written to meta.json as ``pd``) and the birds at 0.96 at 3 km and 0.08 at 9 km. Every plot carries
  its detector output ``power`` (signal + noise over noise, linear: an extra column of
  detections.csv, ignored by a reader that does not know it); a false alarm's power is the noise's,
  above the threshold (exponential, memoryless), a target's that of a Swerling 1 target (exponential
  of mean 1 + SNR) above it. meta.json adds ``pfa``, ``threshold``, ``birds`` and the radar's ``detection_reference``
(``pd``, ``rcs_m2``, ``range_m``: its sensitivity, as a radar's data sheet states it).

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


def observe_power(times, truth, clutter_truth, rng, snr_of, pfa, clutter, sigma_r, sigma_a, sigma_e):
    """Detections with their detector power: targets (``truth``) and moving false targets
    (``clutter_truth``, e.g. birds) detected from the radar equation, Swerling 1; ``snr_of(ids, pos,
    birds)`` gives each object's mean SNR. Returns rows (t, range, azimuth, elevation, power) and the
    label of each row (target id >= 0, -1 - bird id for a bird, ``NOISE`` for a noise false alarm)."""
    thr = -np.log(pfa)
    det_rows, labels = [], []
    for t, (ids, pos), (bids, bpos) in zip(times, truth, clutter_truth, strict=True):
        all_pos = np.concatenate([pos, bpos])
        lab = np.concatenate([ids, -1 - bids])
        mean_snr = np.concatenate([snr_of(ids, pos, False), snr_of(bids, bpos, True)])
        power = rng.exponential(1.0 + mean_snr)  # Swerling 1: power ~ exponential of mean 1 + SNR
        hit = power > thr
        seen, power, lab = all_pos[hit], power[hit], lab[hit]
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
        cp = thr + rng.exponential(1.0, nc)  # noise power above the threshold (memoryless)
        scan = np.concatenate([np.stack([rr, az, el, power], 1), np.stack([cr, ca, ce, cp], 1)])
        lab = np.concatenate([lab, np.full(nc, NOISE)])
        order = rng.permutation(len(scan))
        det_rows.extend((t, *row) for row in scan[order])
        labels.extend(lab[order].tolist())
    return det_rows, np.array(labels, dtype=np.int64)


NOISE = -(10**9)  # label of a noise false alarm in observe_power
LOWSNR_PFA = 1e-6  # square-law false-alarm probability per cell (the catalogue radars' figure)
LOWSNR_REF_PD, LOWSNR_REF_RCS_M2, LOWSNR_REF_RANGE_M = 0.5, 0.05, 12_500.0  # module docstring (sensors.md §2, L)
DRONE_RCS_M2 = (0.01, 0.05)  # small quadcopters / OWA drones (module docstring)
BIRD_RCS_MEDIAN_DBSM, BIRD_RCS_SIGMA_DB = -25.0, 4.0  # ram-and-layers.md §7 (L)
BIRD_SPEED_MPS = (8.0, 20.0)  # ram-and-layers.md §7 (L)
BIRD_HEIGHT_M = (20.0, 300.0)  # ram-and-layers.md §7: mostly below 300 m (L)
BIRD_WEAVE_RAD_S = np.radians(10.0)  # heading random walk, rms per sqrt(s) (assumption, L)


def lowsnr_snr(rcs_m2, range_m) -> np.ndarray:
    """Mean SNR of a target of mean RCS ``rcs_m2`` at ``range_m`` (the lowsnr radar; module docstring)."""
    from bastion.physics.detection import snr, snr_for_pd

    ref = snr_for_pd(LOWSNR_REF_PD, LOWSNR_PFA)
    return snr(rcs_m2, range_m, ref, LOWSNR_REF_RCS_M2, LOWSNR_REF_RANGE_M)


def birds(n: int, rng, times: np.ndarray, scan_s: float):
    """Truth per scan of ``n`` weaving birds (module docstring), present all run while in the region."""
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    r0 = rng.uniform(1_000.0, 10_000.0, n)
    pos = np.stack([r0 * np.sin(bearing), r0 * np.cos(bearing), rng.uniform(*BIRD_HEIGHT_M, n)], 1)
    heading = rng.uniform(0.0, 2 * np.pi, n)
    speed = rng.uniform(*BIRD_SPEED_MPS, n)
    out = []
    for k, _ in enumerate(times):
        if k:
            heading += rng.normal(0.0, BIRD_WEAVE_RAD_S * np.sqrt(scan_s), n)
            pos[:, 0] += speed * np.sin(heading) * scan_s
            pos[:, 1] += speed * np.cos(heading) * scan_s
        idx = np.flatnonzero(inside(pos))
        out.append((idx, pos[idx].copy()))
    return out


def lowsnr(targets: int, n_birds: int, rng, times: np.ndarray, scan_s: float, pfa: float, clutter: float, sig):
    """The lowsnr family (module docstring): (truth, detection rows, labels, mean P_D of the drones)."""
    truth = drones(targets, rng, times, scan_s, birth_range=(7_000.0, 9_800.0), crossing=True)
    flock = birds(n_birds, rng, times, scan_s)
    drone_rcs = rng.uniform(*DRONE_RCS_M2, targets)
    bird_rcs = 10 ** ((BIRD_RCS_MEDIAN_DBSM + rng.normal(0.0, BIRD_RCS_SIGMA_DB, n_birds)) / 10.0)

    def snr_of(ids, pos, is_bird):
        rcs = (bird_rcs if is_bird else drone_rcs)[ids]
        return lowsnr_snr(rcs, np.linalg.norm(pos, axis=1)) if len(ids) else np.zeros(0)

    rows, labels = observe_power(times, truth, flock, rng, snr_of, pfa, clutter, *sig)
    from bastion.physics.detection import pd_swerling

    pd_all = np.concatenate([pd_swerling(snr_of(i, p, False), pfa, 1) for i, p in truth]) if truth else np.zeros(0)
    return truth, rows, labels, float(pd_all.mean()) if pd_all.size else 0.5


def inside(pos: np.ndarray) -> np.ndarray:
    return (np.hypot(pos[:, 0], pos[:, 1]) <= REGION_M) & (np.linalg.norm(pos, axis=1) >= MIN_RANGE_M)


def drones(targets: int, rng, times: np.ndarray, scan_s: float, birth_range=(1_500.0, 8_000.0), crossing: bool = False):
    """Truth per scan of manoeuvring drones (module docstring): heading inwards, or across the line of
    sight (``crossing``, the lowsnr family's drones that stay near the edge of detection)."""
    n = targets
    duration = float(times[-1]) if times.size else 0.0
    birth = rng.uniform(0.0, 0.4 * duration, n)
    bearing = rng.uniform(0.0, 2 * np.pi, n)
    r0 = rng.uniform(*birth_range, n)
    pos = np.stack([r0 * np.sin(bearing), r0 * np.cos(bearing), rng.uniform(50.0, 1_000.0, n)], 1)
    if crossing:
        heading = bearing + rng.choice([-0.5, 0.5], n) * np.pi + rng.uniform(-0.3, 0.3, n)
    else:
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


def write(out: Path, times, truth, dets, meta: dict, power: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "truth.csv", "w") as f:
        f.write("time_s,target_id,east_m,north_m,up_m\n")
        for t, (ids, pos) in zip(times, truth, strict=True):
            f.writelines(f"{t:.3f},{i},{e:.3f},{n:.3f},{u:.3f}\n" for i, (e, n, u) in zip(ids, pos, strict=True))
    with open(out / "detections.csv", "w") as f:
        if power:
            f.write("time_s,range_m,azimuth_rad,elevation_rad,power\n")
            f.writelines(f"{t:.3f},{r:.3f},{az:.7f},{el:.7f},{p:.4f}\n" for t, r, az, el, p in dets)
        else:
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
    n_birds: int | None = None,
) -> np.ndarray | None:
    """Write one scenario of ``family`` (drones | flights | lowsnr) to ``out``; lowsnr returns the label
    of each detection row (target id, -1 - bird id, or :data:`NOISE`), the others None."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, duration + 1e-9, scan)
    extra: dict = {}
    labels = None
    if family == "lowsnr":
        n_birds = round(1.5 * targets) if n_birds is None else n_birds
        sig = (sigma_range, sigma_angle, sigma_angle)
        truth, dets, labels, pd = lowsnr(targets, n_birds, rng, times, scan, LOWSNR_PFA, clutter, sig)
        extra = {
            "pfa": LOWSNR_PFA,
            "threshold": float(-np.log(LOWSNR_PFA)),
            "birds": n_birds,
            "detection_reference": {"pd": LOWSNR_REF_PD, "rcs_m2": LOWSNR_REF_RCS_M2, "range_m": LOWSNR_REF_RANGE_M},
        }
    elif family == "drones":
        truth = drones(targets, rng, times, scan)
    elif family == "flights":
        if data is None:
            raise ValueError("flights: need the flights file")
        truth = flights(targets, rng, times, data)
    else:
        raise ValueError(f"family {family!r}: drones | flights | lowsnr")
    if labels is None:
        dets = observe(times, truth, rng, pd, clutter, sigma_range, sigma_angle, sigma_angle)
    meta = {
        "sigma_range_m": sigma_range,
        "sigma_azimuth_rad": sigma_angle,
        "sigma_elevation_rad": sigma_angle,
        "pd": round(pd, 3),
        "clutter_per_scan": clutter,
        "scan_period_s": scan,
        "region": {"max_range_m": REGION_M, "min_range_m": MIN_RANGE_M, "max_elevation_rad": MAX_ELEVATION_RAD},
        "seed": seed,
        "targets": targets,
        "duration_s": duration,
        "family": family,
        **extra,
    }
    write(out, times, truth, dets, meta, power=labels is not None)
    return labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("family", choices=["drones", "flights", "lowsnr"])
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
