"""The public surface: run a scenario to a directory, list and read recorded runs.

Library users and the CLI call these; the CLI adds only argument parsing and terminal output.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from bastion import __version__
from bastion.engine.events import EventLog
from bastion.engine.simulation import RunResult, run
from bastion.engine.summary import summarise
from bastion.incidents import record_incident_from_run
from bastion.report.html import write_report
from bastion.scenario import load
from bastion.scenario.compiled import CompiledScenario, compile_scenario
from bastion.store import EventStore


@dataclass(frozen=True)
class NightResult:
    run_id: str
    summary: dict
    result: RunResult
    out: Path | None
    incident_id: int | None = None


def compile_named(scenario: str | Path) -> CompiledScenario:
    """Load, validate and compile a built-in scenario name or a TOML path (ScenarioError if bad)."""
    return compile_scenario(load(scenario))


def run_id_for(compiled: CompiledScenario, seed: int) -> str:
    """A run id that names the scenario, its content and the seed (stable across machines)."""
    sha = compiled.loaded.sha256[:8]
    return f"{compiled.defence.name}-{sha}-s{seed}"


def run_night(
    scenario: str | Path | CompiledScenario, seed: int, out: str | Path | None = None, report: bool = True
) -> NightResult:
    """Simulate one night; with ``out``, write events.sqlite, summary.json and report.html there."""
    compiled = scenario if isinstance(scenario, CompiledScenario) else compile_named(scenario)
    run_id = run_id_for(compiled, seed)
    log = EventLog()
    store = None
    out_dir = None
    if out is not None:
        out_dir = Path(out)
        out_dir.mkdir(parents=True, exist_ok=True)
        db = out_dir / "events.sqlite"
        if db.exists():
            for suffix in ("", "-wal", "-shm"):
                Path(str(db) + suffix).unlink(missing_ok=True)
        store = EventStore(db)
        store.begin_run(run_id, compiled.defence.name, compiled.loaded.sha256, compiled.loaded.text, seed, __version__)
        log.subscribers.append(lambda batch: store.append(run_id, batch))
    try:
        result = run(compiled, seed, log)
    except BaseException:
        if store is not None:
            log.flush()
            store.finish_run(run_id, "failed", None)
            store.close()
        raise
    summary = summarise(result)
    incident_id = None
    if out_dir is not None and store is not None:
        store.finish_run(run_id, "complete", summary)
        store.close()
        # every simulated engagement becomes an incident, in the same database as its events
        incident_id = record_incident_from_run(out_dir / "events.sqlite", run_id)
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
        (out_dir / "scenario.toml").write_text(compiled.loaded.text)
        if report:
            write_report(out_dir / "events.sqlite", run_id, out_dir / "report.html")
    return NightResult(run_id, summary, result, out_dir, incident_id)


def summary_digest(summary: dict) -> str:
    """SHA-256 of a summary's canonical JSON (to compare runs)."""
    return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()
