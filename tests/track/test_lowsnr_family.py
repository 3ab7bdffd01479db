"""The lowsnr tracking family (benchmarks/tracking_scenarios.py): seeded, in the testbed format, drones
detected near the threshold with the Swerling 1 closed form's probability, birds and noise with power."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from bastion.physics.detection import pd_swerling
from bastion.track import testbed as tb

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("tracking_scenarios", ROOT / "benchmarks" / "tracking_scenarios.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["tracking_scenarios"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_same_seed_same_files_other_seed_other_files(gen, tmp_path):
    for name, seed in (("a", 4), ("b", 4), ("c", 5)):
        gen.make("lowsnr", tmp_path / name, 6, seed, duration=20.0)
    for f in ("detections.csv", "truth.csv", "meta.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert (tmp_path / "a" / "detections.csv").read_bytes() != (tmp_path / "c" / "detections.csv").read_bytes()
    # the testbed reads it (the extra power column is ignored) and meta is valid
    meta = tb.read_meta(tmp_path / "a" / "meta.json")
    table = tb.read_detections(tmp_path / "a" / "detections.csv")
    assert table.time.size > 0 and sum(table.skipped.values()) == 0
    assert 0.5 <= meta.pd <= 0.85


def test_drones_detected_with_the_swerling_1_probability_near_the_threshold(gen, tmp_path):
    """The empirical detection fraction of the drones is the mean of the closed-form Swerling 1 P_D
    (exp(-T / (1 + SNR)), bastion.physics.detection) over their presences, 0.5-0.8 as the family
    states; binomial tolerance 4 sigma."""
    labels = gen.make("lowsnr", tmp_path / "s", 20, 1, duration=60.0)
    meta = json.loads((tmp_path / "s" / "meta.json").read_text())
    truth = np.loadtxt(tmp_path / "s" / "truth.csv", delimiter=",", skiprows=1, ndmin=2)
    presences = truth.shape[0]
    detected = int((labels >= 0).sum())
    pd_hat = detected / presences
    assert 0.5 <= meta["pd"] <= 0.8
    assert pd_hat == pytest.approx(meta["pd"], abs=4 * np.sqrt(meta["pd"] * (1 - meta["pd"]) / presences) + 1e-3)
    # the stated P_D is the closed form's over the truth (the drones' RCS are drawn in the generator:
    # bounds from its RCS span at each presence's range)
    r = np.linalg.norm(truth[:, 2:5], axis=1)
    lo = pd_swerling(gen.lowsnr_snr(gen.DRONE_RCS_M2[0], r), gen.LOWSNR_PFA, 1).mean()
    hi = pd_swerling(gen.lowsnr_snr(gen.DRONE_RCS_M2[1], r), gen.LOWSNR_PFA, 1).mean()
    assert lo < meta["pd"] < hi
    # birds are there as moving false targets, noise false alarms too; powers above the threshold
    assert ((labels < 0) & (labels != gen.NOISE)).sum() > 0 and (labels == gen.NOISE).sum() > 0
    power = np.loadtxt(tmp_path / "s" / "detections.csv", delimiter=",", skiprows=1, usecols=4)
    assert power.size == labels.size and (power > meta["threshold"] - 1e-3).all()
    # noise false alarms: power - T exponential of mean 1 (memoryless); mean within 5 standard errors
    excess = power[labels == gen.NOISE] - meta["threshold"]
    assert excess.mean() == pytest.approx(1.0, abs=5 / np.sqrt(excess.size))
