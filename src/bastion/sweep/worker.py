"""One sweep run in a worker: a night's summary and impacts as a results row, and the Ray actor that
runs chunks of replications (see :mod:`bastion.sweep.runner` for seeding and execution)."""

from __future__ import annotations

import json
import os
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IMPACT_KINDS = ("fall_of_shot", "debris_impact")


def flatten_summary(summary: dict) -> dict[str, Any]:
    """summary.json as flat columns: tables as ``key.subkey``, lists as JSON text."""
    out: dict[str, Any] = {}

    def put(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                put(f"{prefix}.{k}", v)
        elif isinstance(value, list | tuple):
            out[prefix] = json.dumps(value, separators=(",", ":"), default=str)
        else:
            out[prefix] = value

    for k, v in summary.items():
        put(k, v)
    return out


def impacts_of(events) -> dict[str, list]:
    """Fall-of-shot and debris impact positions of a run (site ENU [m]) from its event log."""
    kind, east, north, zone = [], [], [], []
    for e in events:
        if e.kind in IMPACT_KINDS:
            p = e.payload.position
            kind.append(str(e.kind))
            east.append(float(p[0]))
            north.append(float(p[1]))
            zone.append(e.payload.zone)
    return {"impact_kind": kind, "impact_east_m": east, "impact_north_m": north, "impact_zone": zone}


def failed_row(point: int, replication: int, seed: int, error: str) -> dict[str, Any]:
    return {"point": point, "replication": replication, "seed": seed, "status": "failed", "error": error}


def _error_text(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _row(result, point: int, replication: int, seed: int) -> dict[str, Any]:
    from bastion.engine.summary import summarise

    row = {"point": point, "replication": replication, "seed": seed, "status": "ok", "error": None}
    row.update(flatten_summary(summarise(result)))
    row.update(impacts_of(result.log.events))
    return row


def run_replication(compiled, point: int, replication: int, seed: int) -> dict[str, Any]:
    """One night of a grid point as a results row; an exception becomes a failed row."""
    from bastion.engine.simulation import run

    try:
        return _row(run(compiled, seed, record_plots=False), point, replication, seed)
    except Exception as exc:  # a run that raises is a failed row; the sweep goes on
        return failed_row(point, replication, seed, _error_text(exc))


def run_replications(compiled, point: int, replications: list[int], seeds: list[int]) -> list[dict[str, Any]]:
    """Nights of a grid point as results rows, simulated together in lock-step
    (:func:`~bastion.engine.simulation.run_batch`: each night identical to its own run, the tracker's
    per-scan cost shared). If the batch raises, the nights are run one by one, so that only the night
    at fault becomes a failed row."""
    from bastion.engine.simulation import run_batch

    if len(seeds) > 1:
        try:
            results = run_batch(compiled, seeds)
            return [_row(res, point, r, s) for res, r, s in zip(results, replications, seeds, strict=True)]
        except Exception:  # find the night at fault: one by one (each gives what it gave in the batch)
            pass
    return [run_replication(compiled, point, r, s) for r, s in zip(replications, seeds, strict=True)]


@dataclass(frozen=True)
class ScenarioRef:
    """What a worker needs to compile a grid point's scenario."""

    sha256: str
    text: str
    source: str
    directory: str | None


class SweepWorker:
    """A Ray actor: runs chunks of replications, keeping each grid point's compiled scenario."""

    CACHE = 8  # compiled scenarios kept per worker (a grid point's chunks arrive together)

    def __init__(self) -> None:
        self._compiled: OrderedDict[str, Any] = OrderedDict()

    def ready(self) -> int:
        """Import the engine (so the first chunk does not pay for it); the worker's process id."""
        import bastion.engine.simulation
        import bastion.engine.summary
        import bastion.scenario.compiled  # noqa: F401

        return os.getpid()

    def _compile(self, ref: ScenarioRef):
        hit = self._compiled.get(ref.sha256)
        if hit is None:
            from bastion.scenario import parse
            from bastion.scenario.compiled import compile_scenario

            directory = Path(ref.directory) if ref.directory else None
            hit = compile_scenario(parse(ref.text, ref.source, directory))
            self._compiled[ref.sha256] = hit
            while len(self._compiled) > self.CACHE:
                self._compiled.popitem(last=False)
        self._compiled.move_to_end(ref.sha256)
        return hit

    def run_chunk(self, ref: ScenarioRef, point: int, replications: list[int], seeds: list[int]) -> tuple:
        """Rows of ``replications`` of grid ``point``; the wall and CPU seconds spent on them."""
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            compiled = self._compile(ref)
        except Exception as exc:
            msg = _error_text(exc)
            return [failed_row(point, r, s, msg) for r, s in zip(replications, seeds, strict=True)], 0.0, 0.0
        rows = run_replications(compiled, point, replications, seeds)
        return rows, time.perf_counter() - t0, time.process_time() - c0
