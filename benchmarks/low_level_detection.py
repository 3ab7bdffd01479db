"""Low-level detection, re-derived (issue 20, item 2): how far the radars see a small drone 30-150 m
above flat ground, with the ground's multipath, against public figures.

Two measures, both on the flat datum (no DEM, no buildings) from a mast of ``--mast`` metres (the
Baghdad night's KuRFS stands at 8 m):

* **coverage range**: the far end of the unbroken run of ground ranges at which one look detects a
  Swerling 1 target with Pd >= 0.9 (:func:`bastion.sense.coverage.radar_coverage`: the radar
  equation from the catalogue's reference point, the masking elevation, the 4/3 earth, multipath);
* **track range**: the median range at which a target flying straight in at 45 m/s (the OWA
  drone's cruise, catalogue) at constant height has had a plot in 3 of the last 4 scans (the
  tracker's confirmation rule), simulated with the world's radar model
  (:class:`bastion.world.sensors.RadarModel`: fluctuation, noise, detector, one scan a second) over
  ``--runs`` runs, each inbound from 30 km (or the radar's maximum range).

Each for the RCS of a small drone (0.01-0.05 m^2: -20 to -13 dBsm, shared/domain/ram-and-layers.md
§7) and the ground's roughness (standard deviation of its heights) of 0.1, 0.3 and 1 m (1 m: the
default; 'free space': multipath switched off). Prints markdown tables; ``--write FILE`` puts them
between the markers of FILE (docs/low_level_detection.md) or writes FILE with them alone.

    .venv/bin/python benchmarks/low_level_detection.py [--runs 40] [--write docs/low_level_detection.md]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.sense.coverage import radar_coverage
from bastion.world.sensors import AirPicture, RadarModel

HEIGHTS = (30.0, 50.0, 100.0, 150.0)
RCS = (0.01, 0.02, 0.05)
ROUGHNESS = (None, 0.1, 0.3, 1.0)  # None: no multipath (free space)
BEGIN, END = "<!-- tables: benchmarks/low_level_detection.py -->", "<!-- end of tables -->"


def site(radar: str, mast: float, multipath: bool) -> RadarSite:
    rt = CATALOGUE.radars[radar]
    if not multipath:
        rt = dataclasses.replace(rt, frequency_ghz=float("nan"))
    return RadarSite(0, radar, rt, np.array([0.0, 0.0, mast]), rt.scan_period_s, 0.0)


def coverage_km(s: RadarSite, h: float, rcs: float, rough: float) -> float:
    (cov,) = radar_coverage(s, None, rough, heights_agl_m=(h,), rcs_m2=rcs, pd=0.9, n_azimuth=1, step_m=10.0)
    return float(cov.range_m[0]) / 1e3


def track_km(s: RadarSite, h: float, rcs: float, rough: float, runs: int, seed: int) -> float:
    """Median range [km] at which ``runs`` targets flying in at 45 m/s from 30 km have been seen in 3
    of the last 4 scans (the tracker's confirmation rule)."""
    model = RadarModel(s, np.random.default_rng(seed), None, rough)
    az = np.linspace(0, 2 * np.pi, runs, endpoint=False)  # one target per radial: independent draws
    u = np.column_stack([np.sin(az), np.cos(az)])
    start = min(30_000.0, s.type.max_range_m)
    hits = np.zeros((4, runs), dtype=bool)  # the last 4 scans
    confirmed = np.full(runs, np.nan)
    for k in range(int(start / 45.0)):
        d = start - 45.0 * k
        pos = np.column_stack([u * d, np.full(runs, h)])
        vel = np.column_stack([-u * 45.0, np.zeros(runs)])
        pic = AirPicture(pos, vel, np.full(runs, rcs), np.ones(runs, int), np.arange(runs))
        _, labels = model.observe(float(k), pic)
        hits[k % 4] = False
        hits[k % 4, labels[labels >= 0]] = True
        new = (hits.sum(axis=0) >= 3) & np.isnan(confirmed)
        confirmed[new] = np.hypot(d, h - s.position[2])
        if np.isfinite(confirmed).all():
            break
    return float(np.nanmedian(confirmed)) / 1e3 if np.isfinite(confirmed).any() else float("nan")


def table(radar: str, mast: float, runs: int) -> list[str]:
    rows = [
        f"### {radar} (mast {mast:g} m; masking elevation "
        f"{np.degrees(CATALOGUE.radars[radar].mask_elevation_rad):.2f} deg; "
        f"{CATALOGUE.radars[radar].frequency_ghz:.1f} GHz)",
        "",
        "coverage range at Pd 0.9 per look / median range at which 3 of 4 scans have a plot [km]",
        "",
        "| RCS [m^2] | height AGL [m] | "
        + " | ".join("free space" if r is None else f"rough {r:g} m" for r in ROUGHNESS)
        + " |",
        "|---|---|" + "---|" * len(ROUGHNESS),
    ]
    for rcs in RCS:
        for h in HEIGHTS:
            cells = []
            for i, rough in enumerate(ROUGHNESS):
                s = site(radar, mast, rough is not None)
                r = 1.0 if rough is None else rough
                cells.append(f"{coverage_km(s, h, rcs, r):.1f} / {track_km(s, h, rcs, r, runs, 100 + i):.1f}")
            rows.append(f"| {rcs:g} | {h:g} | " + " | ".join(cells) + " |")
    return rows + [""]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--mast", type=float, default=8.0)
    ap.add_argument("--write", default=None, help="write the tables to this markdown file")
    args = ap.parse_args()
    t0 = time.perf_counter()
    lines = table("kurfs", args.mast, args.runs) + table("sentinel", args.mast, args.runs)
    text = "\n".join(lines)
    print(text)
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.write:  # between the markers of an existing document, or the whole file
        path = Path(args.write)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if BEGIN in old and END in old:
            text = old[: old.index(BEGIN) + len(BEGIN)] + "\n" + text + "\n" + old[old.index(END) :]
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
