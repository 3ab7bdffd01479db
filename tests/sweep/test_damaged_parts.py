"""``--resume`` over a damaged part file (issue 16, defect 8), without Ray: a stand-in runner records
what it is asked to run. (test_runner.py checks the same on a real local Ray.)"""

from __future__ import annotations

import logging

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bastion.scenario import load
from bastion.sweep.overrides import build_points
from bastion.sweep.runner import SweepSpec, run_sweep
from bastion.sweep.storage import completed
from bastion.sweep.worker import failed_row

GRID = ("weapons.0.ammunition=0,800",)


class FakeRunner:
    """Answers every chunk with failed rows at once and remembers (point, replication) asked for."""

    def __init__(self) -> None:
        self.actors = [None]
        self.asked: list[tuple[int, int]] = []

    def execute(self, refs, todo, total, on_rows, progress=None, already=0, session=None):
        for c in todo:
            self.asked += [(c.point, r) for r in c.replications]
            on_rows([failed_row(c.point, r, s, "stand-in") for r, s in zip(c.replications, c.seeds, strict=True)])
        return session


@pytest.fixture
def folder_with_damaged_part(short_scenario, tmp_path):
    loaded = load(short_scenario)
    points = build_points(loaded, [], list(GRID))
    spec = SweepSpec(loaded.source, loaded.sha256, (), GRID, 1)
    run_sweep(points, spec, 3, tmp_path, runner=FakeRunner())
    full = pq.read_table(tmp_path / "results.parquet")
    (tmp_path / "results.parquet").unlink()
    (tmp_path / "points.parquet").unlink(missing_ok=True)
    parts = tmp_path / "parts"
    parts.mkdir()
    pq.write_table(full.filter(pc.field("replication") == 0), parts / "part-a-00000.parquet")
    pq.write_table(full.filter(pc.field("replication") == 1), parts / "part-a-00001.parquet")
    whole = (parts / "part-a-00001.parquet").read_bytes()
    (parts / "part-a-00001.parquet").write_bytes(whole[: len(whole) // 2])  # cut short
    return points, spec, tmp_path


def test_resume_sets_aside_a_truncated_part_and_runs_it_again(folder_with_damaged_part, caplog):
    points, spec, folder = folder_with_damaged_part
    runner = FakeRunner()
    with caplog.at_level(logging.WARNING, logger="bastion.sweep.runner"):
        outcome = run_sweep(points, spec, 3, folder, resume=True, runner=runner)  # was: a DuckDB traceback
    damaged = folder / "parts" / "part-a-00001.parquet.damaged"
    assert outcome.damaged == [damaged] and damaged.is_file()
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and str(damaged) in warned[0]
    assert sorted(runner.asked) == [(0, 1), (0, 2), (1, 1), (1, 2)]
    keys = pq.read_table(folder / "results.parquet").select(["point", "replication"]).to_pylist()
    assert sorted((k["point"], k["replication"]) for k in keys) == [(p, r) for p in range(2) for r in range(3)]


def test_set_aside_only_what_cannot_be_read(folder_with_damaged_part):
    from bastion.sweep.storage import set_aside_damaged

    _, _, folder = folder_with_damaged_part
    assert [p.name for p in set_aside_damaged(folder)] == ["part-a-00001.parquet.damaged"]
    assert completed(folder, 2, 3).tolist() == [[True, False, False], [True, False, False]]
    assert set_aside_damaged(folder) == []
