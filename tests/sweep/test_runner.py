"""The sweep runner on a local Ray: rows, determinism across worker counts, interruption and resume,
failed runs, the report. Short scenario (90 s, one drone), 2 grid points x 3 runs."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from bastion.engine.simulation import run
from bastion.engine.summary import summarise
from bastion.scenario import LoadedScenario, load
from bastion.scenario.compiled import compile_scenario
from bastion.sweep.overrides import GridPoint, build_points
from bastion.sweep.report import write_report
from bastion.sweep.runner import (
    SweepError,
    SweepRunner,
    SweepSpec,
    chunks,
    prepare_folder,
    run_sweep,
)
from bastion.sweep.worker import flatten_summary, impacts_of, run_replication, run_replications

GRID = ("weapons.0.ammunition=0,800",)
RUNS = 3


@pytest.fixture(scope="module")
def sweep_points(short_scenario):
    loaded = load(short_scenario)
    return loaded, build_points(loaded, [], list(GRID))


def spec_of(loaded, grids=GRID, seed=1) -> SweepSpec:
    return SweepSpec(loaded.source, loaded.sha256, (), tuple(grids), seed)


def rows_of(folder) -> list[dict]:
    return (
        pq.read_table(folder / "results.parquet")
        .sort_by([("point", "ascending"), ("replication", "ascending")])
        .to_pylist()
    )


@pytest.fixture(scope="module")
def two_workers(local_ray, sweep_points, tmp_path_factory):
    loaded, points = sweep_points
    folder = tmp_path_factory.mktemp("two-workers")
    outcome = run_sweep(points, spec_of(loaded), RUNS, folder, workers=2)
    assert outcome.session.workers == 2
    return folder


def test_one_row_per_run_with_seed_parameters_and_summary(two_workers, sweep_points):
    rows = rows_of(two_workers)
    assert [(r["point"], r["replication"], r["seed"]) for r in rows] == [
        (p, r, 1 + r) for p in (0, 1) for r in range(3)
    ]
    assert all(r["status"] == "ok" and r["error"] is None for r in rows)
    assert [r["param.weapons.0.ammunition"] for r in rows] == [0] * 3 + [800] * 3
    for r in rows[:3]:  # no ammunition: nothing fired, the drone always gets through
        assert r["rounds_fired"] == 0 and r["leakers"] == r["hostiles"] == 1
    # a row holds exactly what the engine's summary says for that grid point and seed
    _, points = sweep_points
    result = run(compile_scenario(points[1].loaded), 2, record_plots=False)
    expected = flatten_summary(summarise(result)) | impacts_of(result.log.events)
    row = rows[4]
    for key, value in expected.items():
        assert row[key] == value, key
    # points.parquet: one row per impact listed in the runs
    n_points = pq.read_metadata(two_workers / "points.parquet").num_rows
    assert n_points == sum(len(r["impact_kind"]) for r in rows) > 0
    meta = json.loads((two_workers / "sweep.json").read_text())
    assert meta["runs"] == 3 and [p["label"] for p in meta["points"]] == [
        "weapons.0.ammunition=0",
        "weapons.0.ammunition=800",
    ]
    assert not list((two_workers / "parts").glob("*"))


@pytest.mark.slow
def test_same_rows_whatever_the_worker_count(two_workers, sweep_points, tmp_path):
    loaded, points = sweep_points
    run_sweep(points, spec_of(loaded), RUNS, tmp_path, workers=1)
    assert rows_of(tmp_path) == rows_of(two_workers)
    assert pq.read_table(tmp_path / "results.parquet").schema == pq.read_table(two_workers / "results.parquet").schema


@pytest.mark.slow
def test_interrupted_sweep_keeps_its_rows_and_resumes_to_the_same_rows(two_workers, sweep_points, tmp_path):
    loaded, points = sweep_points

    def interrupt(done, total, failed):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(points, spec_of(loaded), RUNS, tmp_path, workers=2, progress=interrupt)
    kept = rows_of(tmp_path)
    assert 2 <= len(kept) < 6
    meta = json.loads((tmp_path / "sweep.json").read_text())
    assert meta["sessions"][-1]["interrupted"] is True
    full = {(r["point"], r["replication"]): r for r in rows_of(two_workers)}
    assert all(full[(r["point"], r["replication"])] == r for r in kept)
    seen = []
    outcome = run_sweep(points, spec_of(loaded), RUNS, tmp_path, workers=2, resume=True,
                        progress=lambda d, t, f: seen.append(d))  # fmt: skip
    assert outcome.session.runs == 6 - len(kept) and seen[0] == len(kept)
    assert rows_of(tmp_path) == rows_of(two_workers)


def test_killed_sweep_resumes_from_its_parts(two_workers, sweep_points, tmp_path):
    """The state a SIGKILL leaves: parts written, no results.parquet, a half-written part; and a part
    duplicating a row of results.parquet (killed during compaction)."""
    loaded, points = sweep_points
    shutil.copy(two_workers / "sweep.json", tmp_path / "sweep.json")
    shutil.copytree(two_workers / "scenarios", tmp_path / "scenarios")
    parts = tmp_path / "parts"
    parts.mkdir()
    full = pq.read_table(two_workers / "results.parquet")
    pq.write_table(full.filter(pc.field("replication") == 0), parts / "part-a-00000.parquet")
    pq.write_table(full.filter(pc.field("point") == 1).slice(0, 2), parts / "part-a-00001.parquet")
    (parts / "part-a-00002.tmp").write_bytes(b"PAR1 half a file")
    run_sweep(points, spec_of(loaded), RUNS, tmp_path, workers=1, resume=True)
    assert rows_of(tmp_path) == rows_of(two_workers)


def test_resume_sets_aside_a_damaged_part_and_reruns_its_runs(two_workers, sweep_points, tmp_path):
    """A part cut short (a full disk, a copy interrupted) used to stop --resume in a DuckDB traceback."""
    loaded, points = sweep_points
    shutil.copy(two_workers / "sweep.json", tmp_path / "sweep.json")
    shutil.copytree(two_workers / "scenarios", tmp_path / "scenarios")
    parts = tmp_path / "parts"
    parts.mkdir()
    full = pq.read_table(two_workers / "results.parquet")
    pq.write_table(full.filter(pc.field("replication") == 0), parts / "part-a-00000.parquet")
    pq.write_table(full.filter(pc.field("replication") == 1), parts / "part-a-00001.parquet")
    whole = (parts / "part-a-00001.parquet").read_bytes()
    (parts / "part-a-00001.parquet").write_bytes(whole[: len(whole) // 2])
    warned: list[str] = []
    outcome = run_sweep(points, spec_of(loaded), RUNS, tmp_path, workers=1, resume=True, warn=warned.append)
    assert outcome.damaged == [parts / "part-a-00001.parquet.damaged"] and outcome.damaged[0].is_file()
    assert len(warned) == 1 and "part-a-00001.parquet.damaged" in warned[0]
    assert outcome.session.runs == 4  # replications 1 and 2 of both grid points
    assert rows_of(tmp_path) == rows_of(two_workers)


def test_a_worker_killed_mid_sweep_costs_no_run(two_workers, sweep_points, local_ray, tmp_path):
    """Ray restarts the actor; the chunks it held run again, so the rows are those of a clean sweep."""
    loaded, points = sweep_points
    with SweepRunner(2) as runner:
        killed = []

        def kill_one(done, total, failed):
            if done >= 1 and not killed:
                local_ray.kill(runner.actors[0], no_restart=False)
                killed.append(done)

        outcome = run_sweep(points, spec_of(loaded), RUNS, tmp_path, runner=runner, progress=kill_one)
    assert killed and outcome.session.failed == 0
    assert rows_of(tmp_path) == rows_of(two_workers)


def test_resume_needs_the_same_sweep(two_workers, sweep_points, tmp_path):
    loaded, points = sweep_points
    with pytest.raises(SweepError, match="already holds a sweep: add --resume"):
        prepare_folder(two_workers, spec_of(loaded), points, RUNS, resume=False)
    with pytest.raises(SweepError, match="holds a different sweep"):
        prepare_folder(two_workers, spec_of(loaded, seed=7), points, RUNS, resume=True)
    (tmp_path / "results.parquet").write_bytes(b"")
    with pytest.raises(SweepError, match=r"no sweep\.json"):
        prepare_folder(tmp_path, spec_of(loaded), points, RUNS, resume=False)


def test_a_run_that_raises_is_a_failed_row_and_the_sweep_goes_on(local_ray, sweep_points, tmp_path):
    loaded, points = sweep_points
    broken = LoadedScenario(loaded.model, "broken.toml", None, "0" * 64, "this = is not [a scenario")
    pts = [
        GridPoint(0, points[1].label, points[1].parameters, points[1].loaded),
        GridPoint(1, "broken", {"weapons.0.ammunition": 800}, broken),
    ]
    run_sweep(pts, spec_of(loaded), 2, tmp_path, workers=2)
    rows = rows_of(tmp_path)
    assert [r["status"] for r in rows] == ["ok", "ok", "failed", "failed"]
    assert all(r["error"].startswith("ScenarioError: broken.toml: TOML syntax error") for r in rows[2:])
    assert rows[2]["leakers"] is None
    html = write_report(tmp_path).read_text()
    assert "runs failed" in html and "ScenarioError" in html


def test_a_batch_that_raises_is_run_night_by_night():
    """A chunk's nights run in lock-step; if that raises, each night runs alone and only the nights
    at fault become failed rows (here all: there is no scenario)."""
    rows = run_replications(None, 3, [4, 5], [6, 7])
    assert [(r["status"], r["replication"], r["seed"]) for r in rows] == [("failed", 4, 6), ("failed", 5, 7)]
    assert all(r["error"].startswith("AttributeError") for r in rows)


def test_rows_of_a_batch_equal_rows_of_nights_alone(monkeypatch):
    from bastion.api import compile_named
    from bastion.engine import simulation

    compiled = compile_named("baghdad")
    together = run_replications(compiled, 0, [0, 1], [11, 12])

    def broken(*args, **kwargs):
        raise RuntimeError("the batch fails")

    monkeypatch.setattr(simulation, "run_batch", broken)
    alone = run_replications(compiled, 0, [0, 1], [11, 12])
    assert [r["status"] for r in together] == ["ok", "ok"]
    assert together == alone


def test_run_replication_catches_the_exception():
    row = run_replication(None, 3, 4, 5)
    assert row["status"] == "failed" and (row["point"], row["replication"], row["seed"]) == (3, 4, 5)
    assert row["error"].startswith("AttributeError")


def test_chunks_cover_what_is_left_once():
    todo = np.ones((2, 7), dtype=bool)
    todo[0, [1, 2]] = False
    got = list(chunks(todo, seed=10, size=3))
    assert [(c.point, c.replications) for c in got] == [
        (0, [0, 3, 4]),
        (0, [5, 6]),
        (1, [0, 1, 2]),
        (1, [3, 4, 5]),
        (1, [6]),
    ]
    assert got[0].seeds == [10, 13, 14]


def test_report_is_self_contained(two_workers):
    html = write_report(two_workers).read_text()
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)
    assert not re.search(r"<(link|img|iframe)[^>]*\b(href|src)\s*=\s*[\"']?(https?:)?//", html)
    assert "civil aircraft engaged" in html and "Plotly.newPlot" in html
    assert html.count('"type":"heatmap"') >= 2  # fall of shot and debris
    assert "P(leak)" in html and "Wilson 95" in html


def test_table_parameters_are_stored_as_json_text(sweep_points, local_ray, tmp_path):
    loaded, _ = sweep_points
    grids = ["weapons.0.position={east_m = 100.0, north_m = 0.0},{east_m = 150.0, north_m = 50.0}"]
    points = build_points(loaded, [], grids)
    run_sweep(points, spec_of(loaded, grids), 1, tmp_path, workers=1)
    col = pq.read_table(tmp_path / "results.parquet").column("param.weapons.0.position")
    assert col.type == pa.string()
    assert json.loads(col[1].as_py()) == {"east_m": 150.0, "north_m": 50.0}
