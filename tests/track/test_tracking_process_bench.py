"""Smoke test of benchmarks/tracking_process.py (whole-process time of ``bastion track``): it runs
end to end on a tiny case and prints its ratio to Stone Soup's stored time. Not a timing test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_process_benchmark_runs_on_a_tiny_case():
    shared = Path(os.environ.get("BASTION_SHARED", ROOT.parent / "shared"))
    if not (shared / "bench" / "tracking" / "make_scenario.py").is_file():
        pytest.skip("shared/bench/tracking not available")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "tracking_process.py"), "--targets", "2", "--duration", "4"]
    out = subprocess.run(cmd + ["--runs", "1"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "bastion track, 2 targets" in out.stdout
    assert "faster on wall time" in out.stdout
