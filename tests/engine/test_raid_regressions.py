"""Regressions found by the raid evaluation kit: a night whose track is confirmed and ended in one
scan (bdsc-close-mortars seed 4 raised a broadcasting error in the debris labeller), and a lock-step
batch of a single night (the tracker's whole-batch picture was never set)."""

from pathlib import Path

import pytest

from bastion.api import compile_named, summary_digest
from bastion.engine.simulation import run, run_batch
from bastion.engine.summary import summarise

RAIDS = Path(__file__).resolve().parents[2] / "benchmarks" / "raids"


@pytest.mark.slow
def test_close_mortars_seed_4_runs_to_the_end():
    s = summarise(run(compile_named(RAIDS / "bdsc-close-mortars.toml"), 4, record_plots=False))
    assert s["ram_would_hit_defended"] > 0 and s["civil_engaged"] == 0


def test_a_batch_of_one_night_is_that_night():
    sc = compile_named("rocket-salvo")
    (batch,) = run_batch(sc, [2])
    assert summary_digest(summarise(batch)) == summary_digest(summarise(run(sc, 2, record_plots=False)))
