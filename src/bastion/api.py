"""The public surface: run a scenario to a directory, list and read recorded runs.

Library users and the CLI call these; the CLI adds only argument parsing and terminal output.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bastion import __version__
from bastion.scenario import load
from bastion.scenario.compiled import CompiledScenario, compile_scenario

if TYPE_CHECKING:
    from bastion.engine.simulation import RunResult

# The engine, the store, the incident register and the report (plotly) are imported by the
# functions that use them: ``compile_named`` (``bastion validate``) needs only the scenario.


@dataclass(frozen=True)
class NightResult:
    run_id: str
    summary: dict
    result: RunResult
    out: Path | None
    incident_id: int | None = None
    cot: dict | None = None  # CoT documents sent, dropped (queue full) and failed, when published


def compile_named(scenario: str | Path) -> CompiledScenario:
    """Load, validate and compile a built-in scenario name or a TOML path (ScenarioError if bad)."""
    return compile_scenario(load(scenario))


def run_id_for(compiled: CompiledScenario, seed: int) -> str:
    """A run id that names the scenario, its content and the seed (stable across machines)."""
    sha = compiled.loaded.sha256[:8]
    return f"{compiled.defence.name}-{sha}-s{seed}"


def run_night(
    scenario: str | Path | CompiledScenario,
    seed: int,
    out: str | Path | None = None,
    report: bool = True,
    dis: str | None = None,
    dis_in: str | None = None,
    speed: float | None = None,
    cot: str | None = None,
) -> NightResult:
    """Simulate one night; with ``out``, write events.sqlite, summary.json and report.html there.

    ``dis`` ("HOST:PORT") sends the night as DIS PDUs (IEEE 1278.1: entity states of every object,
    fire and detonation); ``dis_in`` ("HOST:PORT" to listen on) flies the entities another DIS
    simulation sends as extra truth objects the radars see and the guns may hit. ``speed`` paces
    the night in wall-clock time (1 = real time; ``dis_in`` defaults it to 1). ValueError for a
    malformed address. ``cot`` (a pytak ``COT_URL``: ``udp://HOST:PORT``, ``tcp://HOST:PORT``…)
    publishes the defenders' picture as Cursor on Target as it happens (:mod:`bastion.io.cot`); the
    publisher's counts are in ``NightResult.cot``. OSError if the CoT destination cannot be opened.
    """
    from bastion.engine.clock import WallClock
    from bastion.engine.events import EventLog
    from bastion.engine.simulation import run
    from bastion.engine.summary import summarise
    from bastion.store import EventStore

    compiled = scenario if isinstance(scenario, CompiledScenario) else compile_named(scenario)
    run_id = run_id_for(compiled, seed)
    log = EventLog(flush_every=50 if dis or cot else 2_000)  # DIS PDUs and CoT go out as events happen
    sender = receiver = cot_publisher = None
    clock = None
    external = None
    if dis:
        from bastion.io.dis import DisEventBridge, DisSender
        from bastion.io.feeds import parse_address
        from bastion.world.labels import describe_label

        sender = DisSender(*parse_address(dis, "--dis"))
        log.subscribers.append(DisEventBridge(compiled.defence, sender, describe_label))
    if cot:
        from bastion.io.cot import CotBuilder, CotPublisher

        cot_publisher = CotPublisher(cot, CotBuilder(compiled.defence, uid_prefix=run_id))
        log.subscribers.append(cot_publisher)
    if dis_in:
        from bastion.io.dis import DisReceiver
        from bastion.io.feeds import parse_address

        speed = speed or 1.0
        host, port = parse_address(dis_in, "--dis-in")
        receiver = DisReceiver(compiled.defence.origin, host, port)
        start = time.monotonic()

        def external(t: float):
            receiver.poll()
            return receiver.entities(now=start + t / speed)

    if speed:
        clock = WallClock(speed)
        # a paced night lasts minutes of wall time: store its events as they come (every 50), so a
        # killed run keeps what it had seen, not nothing (``bastion runs`` then shows it interrupted)
        log.flush_every = min(log.flush_every, 50)
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
        result = run(compiled, seed, log, clock=clock, external=external)
    except BaseException:
        if store is not None:
            log.flush()
            store.finish_run(run_id, "failed", None)
            store.close()
        raise
    finally:
        if sender is not None:
            sender.close()
        if receiver is not None:
            receiver.sock.close()
        if cot_publisher is not None:
            cot_publisher.close()
    summary = summarise(result, leaks=True, costs=True)
    incident_id = None
    if out_dir is not None and store is not None:
        store.finish_run(run_id, "complete", summary)
        store.close()
        from bastion.incidents import record_incident_from_run

        # every simulated engagement becomes an incident, in the same database as its events
        incident_id = record_incident_from_run(out_dir / "events.sqlite", run_id)
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, sort_keys=False) + "\n")
        (out_dir / "scenario.toml").write_text(compiled.loaded.text)
        if report:
            from bastion.report.html import write_report

            write_report(out_dir / "events.sqlite", run_id, out_dir / "report.html")
    cot_counts = None
    if cot_publisher is not None:
        cot_counts = {"sent": cot_publisher.sent, "dropped": cot_publisher.dropped, "errors": cot_publisher.errors}
    return NightResult(run_id, summary, result, out_dir, incident_id, cot_counts)


def summary_digest(summary: dict) -> str:
    """SHA-256 of a summary's canonical JSON (to compare runs)."""
    return hashlib.sha256(json.dumps(summary, sort_keys=True).encode()).hexdigest()
