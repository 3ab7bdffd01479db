#!/usr/bin/env python3
"""What amplitude information (``bastion.track.amplitude``) would tell a tracker on the lowsnr family.

The lowsnr generator (``benchmarks/tracking_scenarios.py``) labels each plot (drone, bird, noise false
alarm) and writes its detector power. Per plot, the amplitude log-likelihood ratio of "a drone" against
"noise" (Lerro & Bar-Shalom) uses the mean SNR a drone of the class's middle RCS (0.03 m^2) would have
at the plot's measured range (the radar equation of the family); the drone-against-bird ratio uses the
birds' median RCS (-25 dBsm) for the bird hypothesis. Printed per class: the mean ln LR (the evidence
one plot adds to a track score, in nats), the fraction of plots that favour "drone", and the area
under the ROC curve (the probability that a random drone plot has a higher ratio than a random noise
or bird plot: 0.5 = no information). A tracker would multiply each plot's kinematic likelihood by LR
(association) and add ln LR to the track score (confirmation); the scores here are what that hook
would have to work with. Seeded and small (one scenario).

    .venv/bin/python benchmarks/tracking_amplitude.py --targets 20 --seed 1
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tracking_scenarios as ts
from bastion.track import amplitude as am


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties counted half."""
    if pos.size == 0 or neg.size == 0:
        return float("nan")
    allv = np.concatenate([pos, neg])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(allv.size)
    ranks[order] = np.arange(1, allv.size + 1)
    for v in np.unique(allv):  # average ranks of ties
        m = allv == v
        if m.sum() > 1:
            ranks[m] = ranks[m].mean()
    return float((ranks[: pos.size].sum() - pos.size * (pos.size + 1) / 2) / (pos.size * neg.size))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--targets", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duration", type=float, default=120.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "s"
        labels = ts.make("lowsnr", d, a.targets, a.seed, a.duration)
        meta = json.loads((d / "meta.json").read_text())
        det = np.loadtxt(d / "detections.csv", delimiter=",", skiprows=1, ndmin=2)
    thr = meta["threshold"]
    rng_m, power = det[:, 1], det[:, 4]
    mid = float(np.mean(ts.DRONE_RCS_M2))
    snr_drone = ts.lowsnr_snr(mid, rng_m)
    snr_bird = ts.lowsnr_snr(10 ** (ts.BIRD_RCS_MEDIAN_DBSM / 10), rng_m)
    llr_noise = am.log_likelihood_ratio(power, snr_drone, thr)
    llr_bird = llr_noise - am.log_likelihood_ratio(power, snr_bird, thr)  # drone against bird
    classes = {"drone": labels >= 0, "bird": (labels < 0) & (labels != ts.NOISE), "noise": labels == ts.NOISE}
    print(
        f"lowsnr, {a.targets} drones, {meta['birds']} birds, seed {a.seed}, {a.duration:g} s: {labels.size} plots; "
        f"drone hypothesis {mid:g} m^2, bird {ts.BIRD_RCS_MEDIAN_DBSM:g} dBsm, at each plot's range"
    )
    print(
        f"{'class':>6} {'plots':>6} {'mean ln LR drone/noise':>23} {'> 0':>6} {'mean ln LR drone/bird':>22} {'> 0':>6}"
    )
    for name, m in classes.items():
        print(
            f"{name:>6} {int(m.sum()):6d} {llr_noise[m].mean():23.2f} {np.mean(llr_noise[m] > 0):6.2f} "
            f"{llr_bird[m].mean():22.2f} {np.mean(llr_bird[m] > 0):6.2f}"
        )
    print(
        f"AUC drone vs noise (drone/noise ratio) {auc(llr_noise[classes['drone']], llr_noise[classes['noise']]):.3f}; "
        f"drone vs bird (drone/bird ratio) {auc(llr_bird[classes['drone']], llr_bird[classes['bird']]):.3f}"
    )


if __name__ == "__main__":
    main()
