"""The simulation harness: owns the truth, runs sensor models, feeds the decision pipeline.

Event-driven in time: the next thing to happen is the earliest of the radars' scans, the ADS-B
receivers' batches and the simulated operator's answers; the world advances to it (with its own
adaptive physics step), the sensor produces its data, and the pipeline reacts. Orders reach the
guns after the sensor -> C2 -> gun latency; while a mount fires, its own fire-control radar reports
at its rate and the pipeline answers with new aim schedules (closed-loop fire control). The harness
alone keeps the truth label of every plot, to score the run afterwards.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from bastion.assess.classify import classify
from bastion.assess.threat import evaluate
from bastion.engine.clock import Clock, SimulatedClock
from bastion.engine.events import EventLog
from bastion.engine.operator import Operator, SimulatedOperator
from bastion.engine.pipeline import ENGINE_TRACKER, DecisionPipeline
from bastion.engine.rng import stream
from bastion.event_types import EventKind, FirstDetection, OperatorActionLost, RequestNotShown, RunEnd, Truth
from bastion.orders import CeaseFire, FireOrder
from bastion.physics.rain import rain_loss
from bastion.scenario.compiled import CompiledScenario, Defence, met_air
from bastion.track import Tracker
from bastion.world.aircraft import CivilTraffic
from bastion.world.faults import FaultSchedule
from bastion.world.labels import CIVIL_LABEL, DEBRIS_LABEL
from bastion.world.sensors import AdsbModel, RadarModel, observe_scans, receive_batches
from bastion.world.world import World

# truth events an effector reports over its datalink or by its crew (rounds left, detonations, the laser off)
EFFECTOR_REPORTS = (
    EventKind.INTERCEPTOR_LAUNCHED,
    EventKind.INTERCEPTOR_FUZED,
    EventKind.INTERCEPTOR_SELF_DESTRUCT,
    EventKind.LASER_ON,
    EventKind.LASER_OFF,
    EventKind.EFFECTOR_RELOADED,
)
ADSB_BATCH_S = 2.0  # receiver hands over its decoded reports every 2 s (each keeps its own time)


@dataclass
class HarnessRecord:
    """What only the harness knows: which truth object each plot and track came from."""

    first_detection: dict[int, tuple[float, float]] = field(default_factory=dict)  # threat -> (t, range)
    civil_seen: set[int] = field(default_factory=set)
    # per scan, the tracks updated by a plot and that plot's truth label (counted when asked)
    _plots_of_tracks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    _votes: dict[int, dict[int, int]] | None = None

    def vote(self, tracks: np.ndarray, labels: np.ndarray) -> None:
        """Tracks ``tracks`` were each updated by a plot of truth ``labels`` this scan."""
        self._plots_of_tracks.append((tracks, labels))
        self._votes = None

    @property
    def track_votes(self) -> dict[int, dict[int, int]]:
        """Track -> truth label -> plots of that truth the track was updated with."""
        if self._votes is None:
            votes: dict[int, dict[int, int]] = {}
            if self._plots_of_tracks:
                tracks = np.concatenate([a for a, _ in self._plots_of_tracks])
                labels = np.concatenate([b for _, b in self._plots_of_tracks])
                pairs, counts = np.unique(np.stack([tracks, labels], axis=1), axis=0, return_counts=True)
                for (tid, lab), n in zip(pairs.tolist(), counts.tolist(), strict=True):
                    votes.setdefault(tid, {})[lab] = n
            self._votes = votes
        return self._votes

    def truth_of(self, track: int) -> int | None:
        """The truth a track followed: the label of most of its plots (the lowest label on a tie)."""
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


def told_defence(scenario: CompiledScenario, seed: int) -> Defence:
    """The defence as this night's decision side sees it: the compiled one, with the met message's
    wind drawn from the night's ``met`` stream where ``[met]`` gives it an error (otherwise the
    compiled message, the true wind sampled at the start: the same object)."""
    weather = scenario.raid.weather
    if weather.met_sigma_mps() == 0.0:
        return scenario.defence
    return replace(scenario.defence, air=met_air(weather, stream(seed, "met")))


class _Night:
    """One night's harness state: truth, sensors, operator, decision pipeline, event queue and log.

    :func:`run` drives one night; :func:`run_batch` drives several in lock-step, stepping one shared
    tracker for all their radar scans. Both take every step through these methods, in the same order,
    so a night is the same whichever drives it.
    """

    def __init__(
        self,
        scenario: CompiledScenario,
        seed: int,
        log: EventLog,
        record_plots: bool,
        operator: Operator | None,
        external: Callable[[float], object] | None,
        tracker: Tracker | None = None,
        replica: int = 0,
        civil: CivilTraffic | None = None,
    ) -> None:
        self.wall0 = time.perf_counter()
        self.scenario, self.seed, self.log = scenario, seed, log
        # the defence is told a met message (drawn per night where it carries an error), never the true air
        self.d = d = told_defence(scenario, seed)
        self.emit = emit = log.emit
        self.record_plots = record_plots
        self.stage = {"world": 0.0, "sensors": 0.0}
        self.world = World(
            scenario,
            stream(seed, "threats"),
            stream(seed, "guns"),
            stream(seed, "debris"),
            external=external,
            civil=civil,
            rng_fire_control=stream(seed, "fire-control"),
            rng_effectors=stream(seed, "effectors") if d.effectors else None,
            rng_birds=stream(seed, "birds"),
        )
        self.pipeline = DecisionPipeline(d, emit, record_plots=record_plots, tracker=tracker, replica=replica)
        w = scenario.raid.weather  # truth: the rain between the radars and their targets
        self.radars = [
            RadarModel(
                site,
                stream(seed, f"radar:{site.name}"),
                d.surface,
                d.ground_roughness_m,
                rng_micro_doppler=stream(seed, f"micro-doppler:{site.name}"),
                rain=rain_loss(site.type.frequency_ghz, site.type.polarisation, w.rain_mm_per_h, w.rain_height_m),
            )
            for site in d.radars
        ]
        self.receivers = [AdsbModel(site, d.origin, stream(seed, f"adsb:{site.name}")) for site in d.adsb]
        if operator is None:
            op = d.doctrine.operator
            operator = SimulatedOperator(op.median_delay_s, op.sigma_log, stream(seed, "operator"))
        self.operator = operator
        self.record = HarnessRecord()
        emit(0.0, "engine", d.run_start(seed))
        # (time, priority, sequence, kind, index): priority orders simultaneous happenings
        self.queue: list[tuple[float, int, int, str, int]] = []
        self._seq = 0
        for r in d.radars:
            self.push(r.phase_s if r.phase_s > 0 else r.scan_period_s, 2, "radar", r.index)
        for k in range(len(self.receivers)):
            self.push(ADSB_BATCH_S, 1, "adsb", k)
        self.raised: set[int] = set()
        self.t_last_adsb = [0.0] * len(self.receivers)
        # injected faults (truth): the gun faults' onsets and clearings are instants to wake at
        self.faults = FaultSchedule(scenario.raid.faults)
        if self.faults:  # an order that reaches a jammed or failed mount after the latency is refused there
            self.world.mount_down = self.faults.gun_down
        for t_fault, code in self.faults.transitions():
            self.push(t_fault, -1, "fault", code)

    def push(self, t: float, prio: int, kind: str, index: int) -> None:
        heapq.heappush(self.queue, (t, prio, self._seq, kind, index))
        self._seq += 1

    def wake(self, t: float) -> None:
        """The world advanced to ``t`` (:meth:`advance`); the operator's actions due by then applied."""
        self.advance(t)
        faults = self.faults
        self.pipeline.check_sensors(t)  # the decision side's own watch on its sensors
        for action in self.operator.actions(t):
            if faults and faults.console_out(action.t):  # the console is disconnected: the answer is lost
                self.emit(t, "world", OperatorActionLost(kind=action.kind, reason="console disconnected"))
                continue
            if action.kind == "authorise":
                self.pipeline.authorise(action.request_id, action.approved, action.user, t)
            elif action.kind == "weapons_control":
                self.pipeline.set_weapons_control(action.status, action.user, t)

    def advance(self, t: float) -> None:
        """The world advanced to ``t``.

        On the way, fire orders reach their mounts (after the sensor -> C2 -> gun latency) and the
        mounts' fire-control radars report at their own rate: the world stops at each such instant,
        the pipeline answers the radars' reports with new aim schedules for the bursts in progress
        (closed-loop fire control), and the world carries on with them."""
        w0 = time.perf_counter()
        world, pipeline = self.world, self.pipeline
        fc0 = pipeline.stage_seconds["fire_control"]  # (the decision side's share is its own stage)
        while (tk := world.next_fire_control()) <= t:
            self.truth_events(world.advance(tk))
            reports = world.fire_control_reports(tk)
            if reports:
                for update in pipeline.on_fire_control(reports):
                    if isinstance(update, CeaseFire):
                        self.truth_events(world.cease(update))
                    else:
                        world.reaim(update)
        self.truth_events(world.advance(t))
        self.stage["world"] += time.perf_counter() - w0 - (pipeline.stage_seconds["fire_control"] - fc0)

    def truth_events(self, events) -> None:
        """Log the world's events; a mount that fired reports its rounds left to the pipeline."""
        for te, payload in events:
            self.emit(te, "world", payload)
            kind = payload.KIND
            if kind == "order_refused":  # a down mount's built-in test answers the order
                self.report_gun(payload.gun, te)
            elif kind == "gun_fired" or kind == "gun_ceased":
                self.report_gun(payload.gun, te, payload.ammunition_left)
            elif kind == "gun_reloaded":  # the crew reports its gun ready again
                self.report_gun(payload.gun, te, payload.ammunition)
            elif kind in EFFECTOR_REPORTS:  # a launcher, an interceptor or a laser reports
                order, rounds = getattr(payload, "order", -1), getattr(payload, "rounds_left", None)
                self.pipeline.on_effector_report(kind, payload.effector_index, order, rounds, te)

    def adsb(self, t: float, index: int) -> None:
        """Receiver ``index`` hands over the reports decoded since its last batch."""
        if self.adsb_lost(t, index):
            return
        s0 = time.perf_counter()
        reports = self.receivers[index].receive(self.t_last_adsb[index], t, *self.adsb_sources())
        self.stage["sensors"] += time.perf_counter() - s0
        self.handed_over(t, index, reports)

    def adsb_sources(self) -> tuple:
        """What the ADS-B receivers hear: states(t) of the broadcasters, their addresses, flight ids,
        whether each broadcasts, and their NACp (as :meth:`AdsbModel.receive` takes them)."""
        w = self.world
        return w.adsb_states, w.adsb_icao24, w.adsb_callsign, w.adsb_broadcasts, w.adsb_nacp

    def handed_over(self, t: float, index: int, reports) -> None:
        """Receiver ``index``'s batch at ``t`` goes to the pipeline; its next one is due."""
        self.t_last_adsb[index] = t
        self.pipeline.on_adsb(reports, index, now=t)
        self.push(t + ADSB_BATCH_S, 1, "adsb", index)

    def adsb_lost(self, t: float, index: int) -> bool:
        """Receiver ``index`` is out at ``t`` (an injected fault): its reports since the last batch are
        lost, nothing is handed over, its next batch is due."""
        if not (self.faults and self.faults.adsb_out(index, t)):
            return False
        self.t_last_adsb[index] = t
        self.push(t + ADSB_BATCH_S, 1, "adsb", index)
        return True

    def radar_lost(self, t: float, index: int) -> bool:
        """Radar ``index`` is out at ``t`` (an injected fault): no scan; its next one is due."""
        if not (self.faults and self.faults.radar_out(index, t)):
            return False
        self.push(t + self.d.radars[index].scan_period_s, 2, "radar", index)
        return True

    def stamped(self, t: float, index: int, det):
        """The scan as radar ``index`` reports it: its clock may be wrong (an injected clock jump)."""
        offset = self.faults.clock_offset(index, t) if self.faults else 0.0
        return replace(det, t=det.t + offset) if offset else det

    def refused(self, t: float, index: int, det) -> bool:
        """The pipeline's input check refuses the scan ``det`` received at ``t``: nothing is done with
        it; the radar's next scan is due."""
        if self.pipeline.admit(det, t):
            return False
        self.push(t + self.d.radars[index].scan_period_s, 2, "radar", index)
        return True

    def fault(self, t: float, code: int) -> None:
        """A gun fault's onset or clearing (:meth:`FaultSchedule.act`); the mount reports its status."""
        g, events = self.faults.act(self.world, code, t)
        for te, payload in events:
            self.emit(te, "world", payload)
        self.report_gun(g, t)

    def report_gun(self, g: int, t: float, rounds: int | None = None) -> None:
        """Mount ``g`` reports its rounds left (``rounds``, or what it holds now) and whether it can fire
        (its built-in test: always, when no fault is injected)."""
        if rounds is None:
            rounds = int(self.world.mounts.ammunition[g])
        available, reason = self.faults.gun_status(g, t, rounds) if self.faults else (True, "")
        self.pipeline.on_gun_status(g, rounds, available, reason, t)

    def sense(self, t: float, index: int):
        """Radar ``index``'s scan at ``t``: the plots, and (for the harness alone) their truth labels."""
        s0 = time.perf_counter()
        picture = self.world.picture(t)
        det, labels = self.radars[index].observe(t, picture)
        self.stage["sensors"] += time.perf_counter() - s0
        self.record_scan(t, index, det, labels, picture)
        return det, labels

    def record_scan(self, t: float, index: int, det, labels: np.ndarray, picture) -> None:
        """The harness's truth record of a scan: first detections, civil aircraft seen, per-scan truth."""
        _record_truth(self.record, self.d, index, det, labels, picture, t, self.emit, self.record_plots)

    def react(self, t: float, index: int, labels: np.ndarray, orders: list) -> None:
        """After the pipeline's scan: score its tracks, execute its orders, raise its requests."""
        pipeline, world, operator = self.pipeline, self.world, self.operator
        _vote(self.record, pipeline, labels)
        faults = self.faults
        for order in orders:  # (each mount reports its rounds left when the order reaches it and it fires)
            gun = isinstance(order, FireOrder)
            self.truth_events(faults.execute(world, order, t) if faults and gun else world.execute(order, t))
        for req in pipeline.engagements.pending_requests():
            if req.id not in self.raised:
                self.raised.add(req.id)
                if faults and faults.console_out(t):  # never shown: it lapses unanswered
                    self.emit(t, "world", RequestNotShown(request=req.id, reason="console disconnected"))
                    continue
                operator.on_request(req, t)
                wake = operator.next_action_time()
                if wake is not None:
                    self.push(max(wake, t), 0, "operator", req.id)
        self.push(t + self.d.radars[index].scan_period_s, 2, "radar", index)

    def finish(self) -> RunResult:
        d = self.d
        self.advance(d.duration_s)
        self.emit(d.duration_s, "engine", RunEnd(wall_seconds=round(time.perf_counter() - self.wall0, 3)))
        self.log.flush()
        stage = dict(self.stage)
        stage.update(self.pipeline.stage_seconds)
        return RunResult(
            self.scenario,
            self.seed,
            self.log,
            self.world,
            self.pipeline,
            self.record,
            time.perf_counter() - self.wall0,
            stage,
        )


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
    night = _Night(scenario, seed, log or EventLog(), record_plots, operator, external)
    clock = clock or SimulatedClock()
    while night.queue:
        t, _, _, kind, index = heapq.heappop(night.queue)
        if t > night.d.duration_s or (stop is not None and stop()):
            break
        clock.wait_until(t)
        night.wake(t)
        if kind == "adsb":
            night.adsb(t, index)
        elif kind == "radar":
            if night.radar_lost(t, index):
                continue
            det, labels = night.sense(t, index)
            det = night.stamped(t, index, det)
            if night.refused(t, index, det):
                continue
            night.react(t, index, labels, night.pipeline.on_radar(det))
        elif kind == "fault":
            night.fault(t, index)
        # kind == "operator": woken for the operator's actions, applied by wake()
    return night.finish()


def run_batch(scenario: CompiledScenario, seeds: Sequence[int], record_plots: bool = False) -> list[RunResult]:
    """Simulate one night of ``scenario`` per seed, all in lock-step, sharing the per-scan work.

    A Monte Carlo sweep's replications of one scenario scan with the same radars and hand over ADS-B
    batches at the same times; stepping them together lets each radar scan and each ADS-B batch be
    drawn for every night at once (each night's draws from its own streams, the arithmetic once), the
    tracker process all their plots in one set of arrays, and classification and threat evaluation
    all their tracks, paying numpy's per-call cost once per scan instead of once per night. Each
    night's world, operator and decision stages after threat evaluation stay its own, so each result
    (event log, summary) is the one :func:`run` gives for its seed, to the last bit (tested).
    Simulated operator and clock; the nights' logs are in memory.
    """
    seeds = list(seeds)
    if not seeds:
        return []
    d = scenario.defence
    tracker = Tracker(d.radars, ENGINE_TRACKER, replications=len(seeds))
    civil = CivilTraffic(scenario.raid.flights, scenario.raid.recorded)  # a function of time: one for all
    nights = [
        _Night(scenario, seed, EventLog(), record_plots, None, None, tracker=tracker, replica=r, civil=civil)
        for r, seed in enumerate(seeds)
    ]
    shared = {"track": 0.0, "assess": 0.0, "sensors": 0.0}  # seconds of the stages run once for every night
    while True:
        # every night handles its operator's happenings before the next shared one (an ADS-B batch or a
        # radar scan, at the same time in every night), in its queue's order, as run() would
        due = set()
        for night in nights:
            queue = night.queue
            while queue and queue[0][3] == "operator" and queue[0][0] <= d.duration_s:
                night.wake(heapq.heappop(queue)[0])
            due.add(queue[0][:2] + queue[0][3:] if queue and queue[0][0] <= d.duration_s else None)
        if due == {None}:
            break
        if len(due) != 1:  # cannot happen: scan and batch times do not depend on the seed
            raise RuntimeError(f"run_batch: the nights fell out of step ({sorted(map(str, due))})")
        (t, _, kind, index) = due.pop()
        for night in nights:
            heapq.heappop(night.queue)
            night.wake(t)
        if kind == "fault":  # the same fault, at the same time, in every night
            for night in nights:
                night.fault(t, index)
            continue
        if kind == "adsb" and any([night.adsb_lost(t, index) for night in nights]):  # a fault: in every night
            continue
        if kind == "radar" and any([night.radar_lost(t, index) for night in nights]):
            continue
        if kind == "adsb":  # every night's receiver hands over its batch: drawn per night, converted once
            c0 = time.perf_counter()
            batches = receive_batches(
                [night.receivers[index] for night in nights],
                [night.t_last_adsb[index] for night in nights],
                t,
                [night.adsb_sources() for night in nights],
            )
            shared["sensors"] += time.perf_counter() - c0
            for night, reports in zip(nights, batches, strict=True):
                night.handed_over(t, index, reports)
            continue
        # every night's scan of this radar at once (each with its own draws), then each night's record
        c0 = time.perf_counter()
        pictures = [night.world.picture(t) for night in nights]
        scans = observe_scans([night.radars[index] for night in nights], t, pictures)
        shared["sensors"] += time.perf_counter() - c0
        for night, (det, labels), picture in zip(nights, scans, pictures, strict=True):
            night.record_scan(t, index, det, labels, picture)
        # an injected clock jump, and the pipelines' input check: the same in every night
        scans = [(night.stamped(t, index, det), labels) for night, (det, labels) in zip(nights, scans, strict=True)]
        refused = [night.refused(t, index, det) for night, (det, _) in zip(nights, scans, strict=True)]
        if any(refused):
            if not all(refused):
                raise RuntimeError("run_batch: the nights' input checks disagree on a scan")
            continue
        c0 = time.perf_counter()
        stepped = tracker.step_many([det for det, _ in scans])
        shared["track"] += time.perf_counter() - c0
        for night, (det, _), (tracks, changes) in zip(nights, scans, stepped, strict=True):
            night.pipeline.record_tracks(det, tracks, changes)
        # classification and threat evaluation are functions of the tracks alone: once for every night
        c0 = time.perf_counter()
        everything = tracker.picture_of_all  # every night's tracks, night after night
        skip = np.concatenate([n.pipeline.harmless(tracks) for n, (tracks, _) in zip(nights, stepped, strict=True)])
        klass = classify(everything)
        geometry = evaluate(everything, klass, d.zones, skip=skip)
        shared["assess"] += time.perf_counter() - c0
        start = 0
        for night, (det, labels), (tracks, changes) in zip(nights, scans, stepped, strict=True):
            rows = slice(start, start + len(tracks))
            start = rows.stop
            orders = night.pipeline.on_assessed(
                det, tracks, changes, klass[rows], geometry.rows(rows), time.perf_counter()
            )
            night.react(t, index, labels, orders)
    results = []
    for night in nights:
        for name, seconds in shared.items():  # the shared stages' time, split evenly
            stages = night.stage if name in night.stage else night.pipeline.stage_seconds
            stages[name] += seconds / len(nights)
        results.append(night.finish())
    return results


def _record_truth(record: HarnessRecord, d, radar: int, det, labels, picture, t: float, emit, plots: bool) -> None:
    first = record.first_detection
    for j, lab in enumerate(labels.tolist()):  # a handful of plots: plain Python is the cheapest
        if 0 <= lab < CIVIL_LABEL and lab not in first:  # a threat's first plot: its first detection
            rng_ = float(det.range[j])
            first[lab] = (t, rng_)
            emit(t, "world", FirstDetection(threat=lab, range_m=round(rng_, 1), radar=d.radars[radar].name))
    for lab in picture.label.tolist():
        if CIVIL_LABEL <= lab < DEBRIS_LABEL:
            record.civil_seen.add(lab - CIVIL_LABEL)
    if plots:
        emit(t, "world", Truth(label=picture.label.tolist(), position=np.round(picture.pos, 1).tolist()))


def _vote(record: HarnessRecord, pipeline: DecisionPipeline, labels: np.ndarray) -> None:
    tracks = pipeline.tracks
    if tracks is None:
        return
    used = tracks.detection >= 0
    if used.any():
        record.vote(tracks.id[used], labels[tracks.detection[used]])
