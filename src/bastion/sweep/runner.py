"""Seeded replications of a scenario over a grid, on Ray, streamed to Parquet, resumable.

Seeding: replication r of every grid point runs with seed ``seed + r`` (``--seed``, default 1), so
any row can be replayed with ``bastion run`` and the grid points share common random numbers (the
engine draws each component's stream from the seed and the component's name, so the same seed
gives the same threats, sensor noise and operator delays whatever the guns do; differences between
grid points are not hidden by different draws). A row depends only on its grid point and seed,
never on the worker that ran it, so the same sweep gives the same rows whatever the worker count.

Execution: one Ray actor per worker (one CPU each), holding the compiled scenario of each grid
point it has seen (compiled once per grid point per worker); the driver hands each actor chunks of
consecutive replications of one grid point, whose nights the actor simulates together in lock-step
(:func:`~bastion.engine.simulation.run_batch`, each night identical to its own run), and keeps at most
:data:`IN_FLIGHT_PER_WORKER` chunks queued per actor, so memory stays flat however many runs. A local
Ray with K CPUs is started by default; with ``address`` the same code runs on an existing cluster
(whose workers must have bastion installed, and any data file the scenario names, e.g. recorded
traffic, at the same path).

Storage, in the sweep folder (:mod:`bastion.sweep.storage`; one run as a row: :mod:`bastion.sweep.worker`):

* ``parts/part-*.parquet``: rows as they arrive, a file every few seconds, each written to a
  temporary name and renamed (so a file is complete or absent); a killed sweep keeps them (Ctrl-C
  or SIGTERM compact them and shut Ray down). A part that cannot be read all the same (truncated
  by a full disk, copied half-way) is renamed ``*.damaged`` by ``--resume``, which says so and runs
  its runs again;
* ``results.parquet``: one row per run, ordered by grid point and replication, made from the parts
  (and the previous ``results.parquet`` on resume) by DuckDB when the sweep ends or is interrupted,
  or by ``--resume``: the parts are deleted once it is written;
* ``points.parquet``: one row per fall of shot and debris impact (run keys, kind, east_m, north_m,
  zone), derived from ``results.parquet``;
* ``sweep.json``: what was swept (scenario hash, assignments, runs, seed, grid points) and how
  (sessions: workers, wall time, time inside the simulation, tasks).

Ray's processes after a SIGKILL: the local Ray is started without its dashboard
(``include_dashboard=False``), and Ctrl-C or SIGTERM end in ``ray.shutdown()``. A process killed
with SIGKILL cannot clean up: Ray's GCS and raylet die with it (Ray ties them to their parent), but
the raylet's DashboardAgent and RuntimeEnvAgent, which Ray 2.x always starts and offers no setting
to leave out, notice that their raylet is gone only at their next check and may linger until then.
``ray stop`` removes every Ray process of this user at once (do not run it while another Ray of
yours is in use); killing the sweep's whole process group (``kill -9 -PGID``) also takes them.

Columns of ``results.parquet``: ``point``, ``replication``, ``seed``, ``status`` (``ok`` or
``failed``), ``error``, ``point_label``, one ``param.PATH`` column per assignment, then every
summary.json field (nested tables flattened as ``key.subkey``, e.g. ``warning_time_s.BDSC``; a
zone never warned or a refusal reason never given is null; the per-threat list as JSON text in
``threats``), then the impact lists (``impact_kind``, ``impact_east_m``, ``impact_north_m``,
``impact_zone``: site ENU metres of every fall of shot and debris impact of the run).
"""

from __future__ import annotations

import json
import logging
import math
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bastion import __version__
from bastion.sweep.overrides import GridPoint, column_value
from bastion.sweep.storage import PartWriter, compact, completed, set_aside_damaged
from bastion.sweep.worker import ScenarioRef, SweepWorker, failed_row

IN_FLIGHT_PER_WORKER = 2  # chunks queued per actor: one running, one waiting, so an actor never idles
# replications per task at most: a task's nights run in lock-step (run_batch), sharing the tracker
# and the threat evaluation of every scan; that gains little beyond ~16 nights (Baghdad, measured:
# 351 ms a night at 16, 338 at 32, 589 alone)
MAX_CHUNK = 32

Progress = Callable[[int, int, int], None]  # (runs done, runs in total, runs failed)


class SweepError(Exception):
    """A sweep folder that cannot be used (another sweep's folder, results already there)."""


class WorkersLost(RuntimeError):
    """Every Ray worker was lost for good before the sweep finished (what finished is kept)."""


# ---- the driver ---------------------------------------------------------------------------------------


@dataclass
class Session:
    """Counters of one sweep session (what the runner itself measured)."""

    workers: int = 0
    address: str | None = None
    started: str = ""
    ray_start_s: float = 0.0  # connecting or starting Ray and the actors, engine imported in each [s]
    wall_s: float = 0.0  # from the first task submitted to the last result [s]
    busy_s: float = 0.0  # summed over workers: time inside run_chunk [s]
    cpu_s: float = 0.0  # summed over workers: CPU time of their processes inside run_chunk [s]
    tasks: int = 0
    runs: int = 0
    failed: int = 0
    interrupted: bool = False

    @property
    def runs_per_minute(self) -> float:
        return 60.0 * self.runs / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def seconds_per_run(self) -> float:
        """Mean time inside the simulation per run, in a worker [s]."""
        return self.busy_s / self.runs if self.runs else float("nan")

    @property
    def cpu_per_run(self) -> float:
        """Mean CPU time per run in a worker [s]: the night's cost, whatever else loads the machine."""
        return self.cpu_s / self.runs if self.runs else float("nan")

    @property
    def overhead_per_task_s(self) -> float:
        """Worker time not spent simulating, per task: Ray scheduling, transfer, driver waits [s]."""
        return max(0.0, self.workers * self.wall_s - self.busy_s) / self.tasks if self.tasks else float("nan")

    def to_json(self) -> dict:
        return {
            "workers": self.workers,
            "address": self.address,
            "started": self.started,
            "ray_start_s": round(self.ray_start_s, 3),
            "wall_s": round(self.wall_s, 3),
            "busy_s": round(self.busy_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "tasks": self.tasks,
            "runs": self.runs,
            "failed": self.failed,
            "interrupted": self.interrupted,
            "runs_per_minute": round(self.runs_per_minute, 1),
            "seconds_per_run": round(self.seconds_per_run, 4) if self.runs else None,
            "cpu_seconds_per_run": round(self.cpu_per_run, 4) if self.runs else None,
            "overhead_per_task_s": round(self.overhead_per_task_s, 4) if self.tasks else None,
        }


@dataclass(frozen=True)
class Chunk:
    point: int
    replications: list[int] = field(hash=False)
    seeds: list[int] = field(hash=False)


def chunks(todo: np.ndarray, seed: int, size: int) -> Iterator[Chunk]:
    """Consecutive not-yet-done replications of each grid point, ``size`` at most per chunk."""
    for point in range(todo.shape[0]):
        reps = np.flatnonzero(todo[point])
        for i in range(0, reps.size, size):
            r = reps[i : i + size].tolist()
            yield Chunk(point, r, [seed + k for k in r])


def chunk_size(remaining: int, workers: int) -> int:
    """About 2 chunks per worker (load balance; nights of a chunk run together), at most :data:`MAX_CHUNK`."""
    return max(1, min(MAX_CHUNK, math.ceil(remaining / (2 * max(workers, 1)))))


def check_address(address: str, timeout_s: float = 5.0) -> None:
    """Fail fast on a Ray address nobody answers (Ray itself retries for minutes).

    ``auto`` (find a running cluster) is left to Ray; ``HOST:PORT`` and ``ray://HOST:PORT`` get a TCP
    connection attempt: ValueError for a malformed address, ConnectionError if nothing listens."""
    import socket

    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError("expected HOST:PORT, ray://HOST:PORT or auto")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ConnectionError(f"no Ray cluster answers at {hostport} ({exc.strerror or exc})") from None


class SweepRunner:
    """Ray (local or a cluster) and one :class:`SweepWorker` actor per worker, for one or more sweeps.

    A Ray the caller already initialised is used as it is and left running; otherwise a local Ray
    with ``workers`` CPUs is started (or ``address`` joined) and shut down on exit."""

    def __init__(self, workers: int | None = None, address: str | None = None):
        self.workers = workers
        self.address = address
        self.actors: list = []
        self._owns_ray = False
        self.ray_start_s = 0.0

    def __enter__(self) -> SweepRunner:
        import ray

        t0 = time.perf_counter()
        if not ray.is_initialized():
            # Ray's own notices (start-up, token authentication) would break the progress bar; failures
            # of runs are recorded in their rows, failures of Ray raise
            common = {"logging_level": logging.ERROR, "log_to_driver": False, "include_dashboard": False}
            if self.address:
                check_address(self.address)
                ray.init(address=self.address, **common)
            else:
                ray.init(
                    num_cpus=self.workers or os.cpu_count() or 1,
                    object_store_memory=100 * 1024**2,  # rows are small: keep Ray's shared memory modest
                    **common,
                )
            self._owns_ray = True
        try:
            n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            actor = ray.remote(num_cpus=1, max_restarts=-1, max_task_retries=0)(SweepWorker)
            self.actors = [actor.remote() for _ in range(n)]
            ray.get([a.ready.remote() for a in self.actors])
        except BaseException:  # Ctrl-C or SIGTERM while the actors start: shut the Ray we started down
            self.__exit__(None, None, None)
            raise
        self.ray_start_s = time.perf_counter() - t0
        return self

    def __exit__(self, *exc) -> bool:
        import ray

        for a in self.actors:
            ray.kill(a)
        self.actors = []
        if self._owns_ray:
            ray.shutdown()
        return False

    def execute(
        self,
        refs: dict[int, ScenarioRef],
        todo: Iterator[Chunk],
        total: int,
        on_rows: Callable[[list[dict]], None],
        progress: Progress | None = None,
        already: int = 0,
        session: Session | None = None,
    ) -> Session:
        """Run ``todo`` on the actors; hand each chunk's rows to ``on_rows`` as it arrives.

        A worker that dies (its process killed, its node lost) is restarted by Ray; the chunks it
        held are run again one run per task, and a run that loses its worker a second time becomes
        a failed row. ``session`` (filled in place, so an interrupted sweep still has its counters)
        is returned; :class:`WorkersLost` if every worker is lost for good."""
        import ray
        from ray.exceptions import RayActorError, RayTaskError

        session = session or Session()
        session.workers, session.address, session.ray_start_s = len(self.actors), self.address, self.ray_start_s
        session.started = datetime.now(UTC).isoformat(timespec="seconds")
        put = {p: ray.put(ref) for p, ref in refs.items()}
        n = len(self.actors)
        inflight: dict[Any, tuple[int, Chunk | None, int]] = {}  # ref -> (actor, chunk or None for a probe, attempt)
        load = [0] * n  # chunks queued on each actor
        alive = [True] * n
        probing: set[int] = set()  # actors being restarted: fed again once they answer
        retry: deque[tuple[Chunk, int]] = deque()

        def take() -> tuple[Chunk, int] | None:
            if retry:
                return retry.popleft()
            c = next(todo, None)
            return None if c is None else (c, 0)

        def submit(a: int, limit: int = IN_FLIGHT_PER_WORKER) -> None:
            while alive[a] and a not in probing and load[a] < limit:
                job = take()
                if job is None:
                    return
                c, attempt = job
                ref = self.actors[a].run_chunk.remote(put[c.point], c.point, c.replications, c.seeds)
                inflight[ref] = (a, c, attempt)
                load[a] += 1

        def lost(a: int, c: Chunk, attempt: int, exc: Exception) -> list[dict]:
            """Requeue a lost chunk run by run (first loss) or fail its runs; probe the actor."""
            if a not in probing:
                probing.add(a)
                inflight[self.actors[a].ready.options(max_task_retries=-1).remote()] = (a, None, 0)
            pairs = list(zip(c.replications, c.seeds, strict=True))
            if attempt == 0:
                retry.extend((Chunk(c.point, [r], [s]), 1) for r, s in pairs)
                for b in range(n):
                    submit(b)
                return []
            msg = f"worker lost twice: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
            return [failed_row(c.point, r, s, msg) for r, s in pairs]

        t0 = time.perf_counter()
        done = already
        if progress:
            progress(done, total, 0)
        try:
            for depth in range(1, IN_FLIGHT_PER_WORKER + 1):  # round robin, so that few chunks still spread
                for a in range(n):
                    submit(a, depth)
            while inflight:
                # a timeout, so that signals (Ctrl-C, SIGTERM) are handled at least once a second
                ready, _ = ray.wait(list(inflight), num_returns=1, timeout=1.0)
                for ref in ready:
                    a, c, attempt = inflight.pop(ref)
                    if c is None:  # a restarted actor answers: feed it again, or give it up
                        probing.discard(a)
                        try:
                            ray.get(ref)
                        except RayActorError:
                            alive[a] = False
                        submit(a)
                        continue
                    load[a] -= 1
                    busy = cpu = 0.0
                    try:
                        rows, busy, cpu = ray.get(ref)
                    except RayActorError as exc:
                        rows = lost(a, c, attempt, exc)
                    except RayTaskError as exc:  # run_chunk itself raised: not the runs' doing
                        msg = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
                        rows = [failed_row(c.point, r, s, msg) for r, s in zip(c.replications, c.seeds, strict=True)]
                    session.busy_s += busy
                    session.cpu_s += cpu
                    session.tasks += 1
                    if rows:
                        session.runs += len(rows)
                        session.failed += sum(r["status"] != "ok" for r in rows)
                        on_rows(rows)
                        done += len(rows)
                        if progress:
                            progress(done, total, session.failed)
                    submit(a)
            if retry or take() is not None:
                raise WorkersLost("every worker was lost: the finished runs are kept; --resume completes the sweep")
        except KeyboardInterrupt:
            session.interrupted = True  # the actors (and what they hold) go with the runner
            raise
        finally:
            session.wall_s = time.perf_counter() - t0
        return session


# ---- a whole sweep -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepSpec:
    """What identifies a sweep (a folder holds one; --resume must ask for the same)."""

    scenario: str
    scenario_sha256: str
    sets: tuple[str, ...]
    grids: tuple[str, ...]
    seed: int

    def to_json(self) -> dict:
        return {
            "scenario": self.scenario,
            "scenario_sha256": self.scenario_sha256,
            "sets": list(self.sets),
            "grids": list(self.grids),
            "seed": self.seed,
        }


@dataclass
class SweepOutcome:
    folder: Path
    rows: int
    session: Session
    points: list[GridPoint]
    runs: int
    damaged: list[Path] = field(default_factory=list)  # unreadable files set aside as *.damaged


def parameter_columns(points: list[GridPoint]) -> dict[int, dict[str, Any]]:
    """Per grid point, its label and ``param.PATH`` columns; a path whose values mix kinds (numbers
    and tables, say) is stored as JSON text for every point so the column has one type."""
    paths: list[str] = []
    for p in points:
        paths += [k for k in p.parameters if k not in paths]
    kinds: dict[str, set] = {k: set() for k in paths}
    for p in points:
        for k, v in p.parameters.items():
            kinds[k].add("bool" if isinstance(v, bool) else "num" if isinstance(v, int | float) else type(v).__name__)
    out = {}
    for p in points:
        cols: dict[str, Any] = {"point_label": p.label}
        for k in paths:
            v = p.parameters.get(k)
            if len(kinds[k]) > 1 and v is not None:
                v = json.dumps(v, sort_keys=True, default=str, separators=(",", ":"))
            cols[f"param.{k}"] = column_value(v)
        out[p.index] = cols
    return out


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
    os.replace(tmp, path)


def prepare_folder(folder: Path, spec: SweepSpec, points: list[GridPoint], runs: int, resume: bool) -> dict:
    """Create or reopen a sweep folder; raise :class:`SweepError` if it holds something else."""
    meta_path = folder / "sweep.json"
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if not resume:
            raise SweepError(f"{folder} already holds a sweep: add --resume to complete it, or choose another --out")
        old = meta.get("spec", {})
        diffs = [k for k, v in spec.to_json().items() if old.get(k) != v]
        if diffs:
            shown = "; ".join(f"{k}: {old.get(k)!r} there, {spec.to_json()[k]!r} asked" for k in diffs)
            raise SweepError(f"{folder} holds a different sweep ({shown}): --resume needs the same sweep")
        meta["runs"] = max(int(meta.get("runs", 0)), runs)
    else:
        if (folder / "results.parquet").exists() or (folder / "parts").exists():
            raise SweepError(f"{folder} holds results but no sweep.json: choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"bastion": __version__, "spec": spec.to_json(), "runs": runs, "sessions": []}
    scen = folder / "scenarios"
    scen.mkdir(exist_ok=True)
    meta["points"] = []
    for p in points:
        name = f"point-{p.index:04d}.toml"
        (scen / name).write_text(p.loaded.text)
        meta["points"].append(
            {
                "index": p.index,
                "label": p.label,
                "parameters": p.parameters,
                "sha256": p.loaded.sha256,
                "scenario": f"scenarios/{name}",
            }
        )
    _write_json(meta_path, meta)
    return meta


def run_sweep(
    points: list[GridPoint],
    spec: SweepSpec,
    runs: int,
    folder: str | Path,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    runner: SweepRunner | None = None,
    warn: Callable[[str], None] | None = None,
) -> SweepOutcome:
    """Run ``runs`` seeded replications of every grid point into ``folder`` (see the module doc).

    Interrupted (KeyboardInterrupt), the finished rows are compacted into ``results.parquet``
    before the interrupt propagates; ``resume=True`` runs only what the folder lacks. A Parquet file
    that cannot be read is renamed ``*.damaged`` (``warn`` is told which; default: the log) and its
    runs are run again."""
    folder = Path(folder)
    if address and runner is None:
        check_address(address)  # before the folder is touched
    meta = prepare_folder(folder, spec, points, runs, resume)
    runs = int(meta["runs"])
    damaged = set_aside_damaged(folder)
    if damaged:
        names = ", ".join(str(p) for p in damaged)
        (warn or logging.getLogger(__name__).warning)(
            f"{len(damaged)} unreadable result file(s) set aside, their runs will be run again: {names}"
        )
    done = completed(folder, len(points), runs)
    todo = ~done
    remaining = int(todo.sum())
    extra = parameter_columns(points)
    writer = PartWriter(folder, extra)
    refs = {
        p.index: ScenarioRef(
            p.loaded.sha256, p.loaded.text, p.loaded.source, str(p.loaded.directory) if p.loaded.directory else None
        )
        for p in points
    }
    param_cols = [f"param.{k}" for k in dict.fromkeys(k for p in points for k in p.parameters)]
    session = Session()
    try:
        if remaining:
            own = runner is None
            runner = runner or SweepRunner(workers, address)
            if own:
                runner.__enter__()
            try:
                size = chunk_size(remaining, len(runner.actors))
                runner.execute(
                    refs,
                    chunks(todo, spec.seed, size),
                    total=done.size,
                    on_rows=writer.add,
                    progress=progress,
                    already=int(done.sum()),
                    session=session,
                )
            finally:
                if own:
                    runner.__exit__(None, None, None)
    except KeyboardInterrupt:
        session.interrupted = True
        raise
    finally:
        writer.flush()
        rows = compact(folder, param_cols)
        meta.setdefault("sessions", []).append(session.to_json())
        _write_json(folder / "sweep.json", meta)
    return SweepOutcome(folder, rows, session, points, runs, damaged)
