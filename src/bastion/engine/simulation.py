"""The simulation harness: owns the truth, runs sensor models, feeds the decision pipeline.

Event-driven in time: the next thing to happen is the earliest of the radars' scans, the ADS-B
receivers' batches and the simulated operator's answers; the world advances to it (with its own
adaptive physics step), the sensor produces its data, and the pipeline reacts. Orders go straight
to the guns. The harness alone keeps the truth label of every plot, to score the run afterwards.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bastion.engine.clock import Clock, SimulatedClock
from bastion.engine.events import EventLog
from bastion.engine.operator import Operator, SimulatedOperator
from bastion.engine.pipeline import DecisionPipeline
from bastion.engine.rng import stream
from bastion.scenario.compiled import CompiledScenario
from bastion.world.sensors import AdsbModel, RadarModel
from bastion.world.world import World, describe_label

ADSB_BATCH_S = 2.0  # receiver hands over its decoded reports every 2 s (each keeps its own time)


@dataclass
class HarnessRecord:
    """What only the harness knows: which truth object each plot and track came from."""

    first_detection: dict[int, tuple[float, float]] = field(default_factory=dict)  # threat -> (t, range)
    track_votes: dict[int, dict[int, int]] = field(default_factory=dict)  # track -> label -> plots
    civil_seen: set[int] = field(default_factory=set)

    def truth_of(self, track: int) -> int | None:
        votes = self.track_votes.get(track)
        if not votes:
            return None
        return max(votes.items(), key=lambda kv: (kv[1], -kv[0]))[0]


@dataclass
class RunResult:
    scenario: CompiledScenario
    seed: int
    log: EventLog
    world: World
    pipeline: DecisionPipeline
    record: HarnessRecord
    wall_seconds: float
    stage_seconds: dict[str, float]


def run(
    scenario: CompiledScenario,
    seed: int,
    log: EventLog | None = None,
    clock: Clock | None = None,
    record_plots: bool = True,
    operator: Operator | None = None,
    stop: Callable[[], bool] | None = None,
    external: Callable[[float], object] | None = None,
) -> RunResult:
    """Simulate one night of ``scenario`` with ``seed``; every event goes to ``log``.

    ``clock`` paces the loop (default: as fast as possible); ``operator`` answers engagement
    requests (default: a simulated operator); ``stop`` is polled at every wake-up and ends the run
    early when it returns True (a console closing a live run). ``external`` adds entities flown by
    another simulation (DIS in) to the truth the sensors observe and the rounds can hit.
    """
    wall0 = time.perf_counter()
    d = scenario.defence
    log = log or EventLog()
    clock = clock or SimulatedClock()
    emit = log.emit
    stage = {"world": 0.0, "sensors": 0.0}
    world = World(scenario, stream(seed, "threats"), stream(seed, "guns"), stream(seed, "debris"), external=external)
    pipeline = DecisionPipeline(d, emit, record_plots=record_plots)
    radars = [RadarModel(site, stream(seed, f"radar:{site.name}")) for site in d.radars]
    receivers = [AdsbModel(site, d.origin, stream(seed, f"adsb:{site.name}")) for site in d.adsb]
    if operator is None:
        op = d.doctrine.operator
        operator = SimulatedOperator(op.median_delay_s, op.sigma_log, stream(seed, "operator"))
    record = HarnessRecord()

    emit(
        0.0,
        "run_start",
        "engine",
        d.run_start(seed),
    )
    # (time, priority, sequence, kind, index): priority orders simultaneous happenings
    queue: list[tuple[float, int, int, str, int]] = []
    seq = 0

    def push(t: float, prio: int, kind: str, index: int) -> None:
        nonlocal seq
        heapq.heappush(queue, (t, prio, seq, kind, index))
        seq += 1

    for r in d.radars:
        push(r.phase_s if r.phase_s > 0 else r.scan_period_s, 2, "radar", r.index)
    for k in range(len(receivers)):
        push(ADSB_BATCH_S, 1, "adsb", k)
    raised: set[int] = set()
    t_last_adsb = [0.0] * len(receivers)

    while queue:
        t, _, _, kind, index = heapq.heappop(queue)
        if t > d.duration_s or (stop is not None and stop()):
            break
        clock.wait_until(t)
        w0 = time.perf_counter()
        for te, tkind, payload in world.advance(t):
            emit(te, tkind, "world", payload)
        stage["world"] += time.perf_counter() - w0
        for action in operator.actions(t):
            if action.kind == "authorise":
                pipeline.authorise(action.request_id, action.approved, action.user, t)
            elif action.kind == "weapons_control":
                pipeline.set_weapons_control(action.status, action.user, t)
        if kind == "operator":
            pass  # woken for the operator's actions, applied above
        elif kind == "adsb":
            s0 = time.perf_counter()
            rx = receivers[index]
            reports = rx.receive(
                t_last_adsb[index],
                t,
                world.adsb_state,
                world.adsb_icao24,
                world.adsb_callsign,
                world.adsb_broadcasts,
                world.adsb_nacp,
            )
            t_last_adsb[index] = t
            stage["sensors"] += time.perf_counter() - s0
            pipeline.on_adsb(reports)
            push(t + ADSB_BATCH_S, 1, "adsb", index)
        else:
            s0 = time.perf_counter()
            picture = world.picture(t)
            det, labels = radars[index].observe(t, picture)
            stage["sensors"] += time.perf_counter() - s0
            _record_truth(record, d, index, det, labels, picture, t, emit, record_plots)
            orders = pipeline.on_radar(det)
            _vote(record, pipeline, labels)
            for order in orders:
                for te, tkind, payload in world.execute(order, t):
                    emit(te, tkind, "world", payload)
                pipeline.on_gun_status(order.gun, int(world.mounts.ammunition[order.gun]))
            for req in pipeline.engagements.pending_requests():
                if req.id not in raised:
                    raised.add(req.id)
                    operator.on_request(req, t)
                    wake = operator.next_action_time()
                    if wake is not None:
                        push(max(wake, t), 0, "operator", req.id)
            push(t + d.radars[index].scan_period_s, 2, "radar", index)
    for te, tkind, payload in world.advance(d.duration_s):
        emit(te, tkind, "world", payload)
    emit(d.duration_s, "run_end", "engine", {"wall_seconds": round(time.perf_counter() - wall0, 3)})
    log.flush()
    stage.update(pipeline.stage_seconds)
    return RunResult(scenario, seed, log, world, pipeline, record, time.perf_counter() - wall0, stage)


def _record_truth(record: HarnessRecord, d, radar: int, det, labels, picture, t: float, emit, plots: bool) -> None:
    for lab, rng_ in zip(labels.tolist(), det.range.tolist(), strict=True):
        kind, i = describe_label(lab)
        if kind == "threat" and i not in record.first_detection:
            record.first_detection[i] = (t, rng_)
            emit(t, "first_detection", "world", {"threat": i, "range_m": round(rng_, 1), "radar": d.radars[radar].name})
    for lab in picture.label.tolist():
        kind, i = describe_label(lab)
        if kind == "civil":
            record.civil_seen.add(i)
    if plots:
        emit(
            t,
            "truth",
            "world",
            {
                "label": picture.label.tolist(),
                "position": np.round(picture.pos, 1).tolist(),
            },
        )


def _vote(record: HarnessRecord, pipeline: DecisionPipeline, labels: np.ndarray) -> None:
    tracks = pipeline.tracks
    if tracks is None:
        return
    used = tracks.detection >= 0
    for tid, j in zip(tracks.id[used].tolist(), tracks.detection[used].tolist(), strict=True):
        votes = record.track_votes.setdefault(tid, {})
        lab = int(labels[j])
        votes[lab] = votes.get(lab, 0) + 1
