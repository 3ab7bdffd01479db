"""Birds: false tracks and false warnings per hour at the Baghdad site, against the LCMR's published
false-alarm rate (about one per 5-6 h; shared/domain/ram-and-layers.md §1.3, M).

Nights with birds and nothing else (no threats, no civil traffic): the Baghdad site, its KuRFS and
guns, and the birds of its ``[birds]`` table at a given density. Each row is several seeds of one
setting; the keys are ``engine/bird_summary.py``'s:

* false tracks per hour: confirmed tracks of birds or of noise;
* false hostile per hour: such tracks declared hostile (what an LCMR false alarm is: a reported
  threat that was not there);
* false warnings per hour: zone warnings sounded for such tracks.

Settings: the night density (0.3 birds/km^2) and the dawn density (3 birds/km^2), each with the
micro-Doppler bird classifier (``assess/birds.py``) and without it ("kinematics only": the
classification as it was before birds were modelled, so slow small tracks inbound to a zone are
declared hostile), to show what the classifier is for. A count of 0 over H hours is given with its
95 % upper bound 3 / H per hour.

    .venv/bin/python benchmarks/birds.py [--seeds 3] [--hours 0.5] [--write docs/birds.md]
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from unittest import mock

from bastion.assess.birds import BirdClassifier
from bastion.engine.bird_summary import LCMR_FALSE_ALARMS_PER_HOUR
from bastion.engine.simulation import run_batch
from bastion.engine.summary import summarise
from bastion.scenario import load, parse
from bastion.scenario.compiled import compile_scenario

BEGIN, END = "<!-- tables: benchmarks/birds.py -->", "<!-- end of tables -->"


def birds_only(density: float, duration_s: float):
    """The Baghdad site with its birds at ``density`` and nothing else, for ``duration_s``."""
    text = load("baghdad").text  # expanded: the site layout it includes spliced in
    head, rest = text.split("# ---- the raid", 1)
    birds = rest[rest.index("[birds]") :]
    head = head.replace("duration_s = 360", f"duration_s = {duration_s:g}")
    return compile_scenario(parse(head + birds + f"density_per_km2 = {density:g}\n", "birds-only"))


def kinematics_only(self, tracks, det, klass):
    """The classification before birds were modelled: the kinematic class, unchanged."""
    return klass, []


def rate(count: float, hours: float) -> str:
    return f"{count / hours:.2f}" if count else f"0 (< {3 / hours:.2f})"


def rows(seeds: int, hours: float) -> list[str]:
    lo, hi = LCMR_FALSE_ALARMS_PER_HOUR
    out = [
        f"{seeds} seeds x {hours * 60:g} min per row ({seeds * hours:g} h); the LCMR: {lo:.2f}-{hi:.2f} false "
        "alarms per hour",
        "",
        "| birds/km² | classifier | bird objects | bird tracks/h | classified bird | false tracks/h "
        "| false hostile/h | false warnings/h | bird tracks engaged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for density in (0.3, 3.0):
        compiled = birds_only(density, hours * 3600)
        for label, patch in (("micro-Doppler", None), ("kinematics only", kinematics_only)):
            ctx = mock.patch.object(BirdClassifier, "update", patch) if patch else contextlib.nullcontext()
            with ctx:
                sums = [summarise(r) for r in run_batch(compiled, list(range(1, seeds + 1)))]
            total_h = seeds * hours
            tot = {k: sum(s[k] for s in sums) for k in sums[0] if isinstance(sums[0][k], (int, float))}
            bird_tracks = tot["bird_tracks"]
            false_tracks = tot["false_tracks_per_hour"] * hours
            out.append(
                f"| {density:g} | {label} | {tot['bird_objects'] / seeds:.0f} | {bird_tracks / total_h:.0f} "
                f"| {100 * tot['bird_tracks_classified_bird'] / max(bird_tracks, 1):.0f} % "
                f"| {false_tracks / total_h:.0f} | {rate(tot['false_hostile_per_hour'] * hours, total_h)} "
                f"| {rate(tot['false_warnings_per_hour'] * hours, total_h)} | {tot['bird_tracks_engaged']} |"
            )
            print(out[-1], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--hours", type=float, default=0.5)
    ap.add_argument("--write", default=None, help="put the table between the markers of this markdown file")
    args = ap.parse_args()
    t0 = time.perf_counter()
    text = "\n".join(rows(args.seeds, args.hours))
    print(f"({time.perf_counter() - t0:.0f} s)")
    if args.write:
        path = Path(args.write)
        old = path.read_text(encoding="utf-8") if path.exists() else ""
        if BEGIN in old and END in old:
            text = old[: old.index(BEGIN) + len(BEGIN)] + "\n" + text + "\n" + old[old.index(END) :]
        path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
