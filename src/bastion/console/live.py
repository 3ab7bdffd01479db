"""A simulated night driven live for the console: the engine in a background thread, paced by a
clock people control, with real people answering the engagement requests.

- :class:`ConsoleClock` is the engine's clock: paused, playing at x1 to x100, or stopped. While an
  authorisation request waits for an answer it runs no faster than real time (``real_time_decisions``),
  so the doctrine's answer time (e.g. 15 s) is 15 seconds of a person's time at any replay speed.
  When the engine falls behind (a heavy scan at x100) the clock waits for it instead of running ahead.
- :class:`ConsoleOperator` implements the engine's operator protocol: the web handlers queue
  actions (thread-safe), the engine takes them each time it wakes (at the next radar scan or ADS-B
  batch). Requests are tracked from the event stream, so an answer to a request that was never
  raised, was already answered or has lapsed is refused at the door.
- :class:`LiveRun` runs ``bastion.engine.simulation.run`` in a thread, records every event to the
  SQLite store (so the night can be replayed) and hands the operator's view of each event to the
  console as it happens.
"""

from __future__ import annotations

import math
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bastion import __version__
from bastion.api import run_id_for
from bastion.console.view import PictureLog, ViewEvent, to_view
from bastion.doctrine import WeaponsControl
from bastion.engine.events import Event, EventLog
from bastion.engine.operator import OperatorAction
from bastion.engine.simulation import run
from bastion.engine.summary import summarise
from bastion.scenario.compiled import CompiledScenario
from bastion.store import EventStore

MIN_SPEED = 1.0
MAX_SPEED = 100.0
WEAPONS_CONTROL = tuple(WeaponsControl)
LAG_RESYNC_S = 0.5  # engine more than this behind the clock: the clock waits for it
POLL_S = 0.1  # longest sleep of a waiting engine, so pause, speed and stop take effect promptly


class ConsoleClock:
    """Simulation time that people can pause, speed up (x1 to x100) and stop.

    ``now() = t_anchor + (wall - wall_anchor) * effective_speed`` while playing; every change
    re-anchors, so time never jumps. Thread-safe.
    """

    def __init__(self, speed: float = 1.0, paused: bool = True, real_time_decisions: bool = True) -> None:
        self._cond = threading.Condition()
        self._speed = clamp_speed(speed)
        self._paused = paused
        self._stopped = False
        self._decision_pending = False
        self.real_time_decisions = real_time_decisions
        self._t_anchor = 0.0
        self._wall_anchor = time.monotonic()
        self.engine_t = 0.0
        self._waiting = True  # the engine is waiting for its next time (False: computing)

    # -- state -------------------------------------------------------------------------------------
    def _effective(self) -> float:
        if self._decision_pending and self.real_time_decisions:
            return min(self._speed, 1.0)
        return self._speed

    def _now(self) -> float:
        if self._paused or self._stopped:
            return self._t_anchor
        return self._t_anchor + (time.monotonic() - self._wall_anchor) * self._effective()

    def _change(self, **attrs) -> None:
        with self._cond:
            self._t_anchor = self._now()
            self._wall_anchor = time.monotonic()
            for k, v in attrs.items():
                setattr(self, k, v)
            self._cond.notify_all()

    def now(self) -> float:
        """Current simulation time [s]; while the engine computes, no more than ``LAG_RESYNC_S`` past
        the time it is working on (so the displayed clock never runs ahead of the picture)."""
        with self._cond:
            return self._display_now()

    def _display_now(self) -> float:
        now = self._now()
        return now if self._waiting else min(now, self.engine_t + LAG_RESYNC_S)

    def state(self) -> dict:
        with self._cond:
            return {
                "t": round(self._display_now(), 3),
                "speed": self._speed,
                "effective_speed": self._effective(),
                "paused": self._paused,
                "decision_pending": self._decision_pending,
            }

    def play(self) -> None:
        self._change(_paused=False)

    def pause(self) -> None:
        self._change(_paused=True)

    def set_speed(self, speed: float) -> None:
        self._change(_speed=clamp_speed(speed))

    def set_decision_pending(self, pending: bool) -> None:
        with self._cond:
            if pending == self._decision_pending:
                return
        self._change(_decision_pending=pending)

    def stop(self) -> None:
        self._change(_stopped=True)

    @property
    def stopped(self) -> bool:
        return self._stopped

    # -- the engine's side ---------------------------------------------------------------------------
    def wait_until(self, t: float) -> None:
        """Block until simulation time ``t`` has come (or the clock is stopped)."""
        with self._cond:
            self._waiting = True
            while not self._stopped:
                now = self._now()
                if now >= t:
                    if not self._paused and now - t > LAG_RESYNC_S:
                        # the engine is behind: hold the clock at the engine instead of racing to catch up
                        self._t_anchor, self._wall_anchor = t, time.monotonic()
                    break
                wait = POLL_S if self._paused else min(POLL_S, (t - now) / self._effective())
                self._cond.wait(max(wait, 1e-4))
            self.engine_t = t
            self._waiting = False


def finite_number(value: object, name: str, lo: float, hi: float) -> float:
    """``value`` as a float when it is a finite number (int or float, not bool or text) in [lo, hi];
    else ValueError naming the field. Everything numeric a browser sends passes through here: a NaN
    would compare false with every bound and then be echoed to every browser as invalid JSON."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: {value!r} is not a number")
    try:
        v = float(value)
    except OverflowError:  # an integer too large for a float
        raise ValueError(f"{name}: not a finite number") from None
    if not math.isfinite(v):
        raise ValueError(f"{name}: {value!r} is not a finite number")
    if not lo <= v <= hi:
        raise ValueError(f"{name}: {v:g} is outside {lo:g} to {hi:g}")
    return v


def clamp_speed(speed: float) -> float:
    """Check a speed factor (x1 to x100); ValueError names the field."""
    if isinstance(speed, str):
        raise ValueError(f"speed: {speed!r} is not a number")
    try:
        s = float(speed)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"speed: {speed!r} is not a number") from None
    if not MIN_SPEED <= s <= MAX_SPEED:  # false for NaN too
        raise ValueError(f"speed: {s:g} is outside x{MIN_SPEED:g} to x{MAX_SPEED:g}")
    return s


@dataclass(frozen=True)
class PendingRequest:
    request: int
    track: int
    gun: str
    t: float


class ConsoleOperator:
    """The engine's operator, answered by people through the console (thread-safe).

    ``on_pending_change(bool)`` is called whenever the set of unanswered requests becomes empty or
    non-empty (the clock slows to real time while a decision is pending).
    """

    def __init__(self, on_pending_change: Callable[[bool], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._queue: list[OperatorAction] = []
        self._pending: dict[int, PendingRequest] = {}
        self._on_pending_change = on_pending_change

    # -- engine side: the Operator protocol --------------------------------------------------------
    def on_request(self, request, t: float) -> None:
        self._open(PendingRequest(int(request.id), int(request.track), str(request.gun), float(t)))

    def next_action_time(self) -> float | None:
        return None  # people act when they act: the engine polls at every wake-up

    def actions(self, t: float) -> list[OperatorAction]:
        with self._lock:
            out, self._queue = self._queue, []
        return [OperatorAction(t, a.kind, a.user, a.request_id, a.approved, a.status) for a in out]

    # -- from the event stream ---------------------------------------------------------------------
    def _open(self, req: PendingRequest) -> None:
        with self._lock:
            was = bool(self._pending)
            self._pending.setdefault(req.request, req)
            now = bool(self._pending)
        if now != was and self._on_pending_change:
            self._on_pending_change(now)

    def _close(self, request_id: int) -> None:
        with self._lock:
            was = bool(self._pending)
            self._pending.pop(request_id, None)
            now = bool(self._pending)
        if now != was and self._on_pending_change:
            self._on_pending_change(now)

    def observe(self, kind: str, payload) -> None:
        """Follow the engine's events (kind, typed payload): requests raised, answered or lapsed."""
        if kind == "authorisation_request":
            self._open(PendingRequest(int(payload.request), int(payload.track), str(payload.gun), 0.0))
        elif kind in ("authorisation", "authorisation_timeout", "authorisation_ignored"):
            self._close(int(payload.request))

    # -- web side -------------------------------------------------------------------------------------
    def pending(self) -> list[int]:
        with self._lock:
            return sorted(self._pending)

    def authorise(self, request_id: int, approved: bool, user: str) -> PendingRequest:
        """Queue an answer; LookupError if the request is not waiting for one."""
        with self._lock:
            req = self._pending.get(request_id)
            if req is None:
                raise LookupError(f"request {request_id} is not pending (never raised, answered or lapsed)")
            self._queue.append(OperatorAction(0.0, "authorise", user, request_id=request_id, approved=approved))
        self._close(request_id)
        return req

    def set_weapons_control(self, status: str, user: str) -> None:
        if status not in WEAPONS_CONTROL:
            raise ValueError(f"status: {status!r} is not one of {', '.join(WEAPONS_CONTROL)}")
        with self._lock:
            self._queue.append(OperatorAction(0.0, "weapons_control", user, status=status))


class LiveRun:
    """One simulated night run live: engine thread, clock, console operator, record, view.

    ``publish(list[ViewEvent], wall_ms)`` receives the console's view of every event as the engine
    emits it, with the wall time the batch left the engine [ms since the epoch] (called on the engine
    thread: it must hand over, not block). ``db`` (optional) records the run
    like ``bastion run`` does, under a run id ending in ``-live-<UTC time>``.
    """

    def __init__(
        self,
        compiled: CompiledScenario,
        seed: int,
        publish: Callable[[list[ViewEvent], float], None],
        db: str | Path | None = None,
        speed: float = 1.0,
        real_time_decisions: bool = True,
        on_status: Callable[[dict], None] | None = None,
    ) -> None:
        self.compiled = compiled
        self.defence = compiled.defence
        self.seed = seed
        self.publish = publish
        self.db = Path(db) if db is not None else None
        self.clock = ConsoleClock(speed, paused=True, real_time_decisions=real_time_decisions)
        self.operator = ConsoleOperator(self._pending_changed)
        self.picture = PictureLog()
        self.on_status = on_status
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.run_id = f"{run_id_for(compiled, seed)}-live-{stamp}"
        self.status = "ready"  # ready -> running -> ended | stopped | failed
        self.error = ""
        self.summary: dict | None = None
        self.weapons_control = self.defence.doctrine.weapons_control
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _pending_changed(self, pending: bool) -> None:
        self.clock.set_decision_pending(pending)
        self._status_changed()

    def _status_changed(self) -> None:
        if self.on_status:
            self.on_status(self.state())

    # -- events from the engine (engine thread) -------------------------------------------------------
    def ingest(self, batch: list[Event]) -> None:
        """EventLog subscriber: follow requests, keep the picture, publish the console's view."""
        if self._stop.is_set():
            return
        wall_ms = time.time() * 1000.0
        out = []
        for e in batch:
            self.operator.observe(e.kind, e.payload)
            if e.kind == "weapons_control":
                self.weapons_control = e.payload.to
            v = to_view(e.seq, e.t, e.kind, e.source, e.payload, self.defence)
            if v is not None:
                self.picture.append(v)
                out.append(v)
        if out:
            self.publish(out, wall_ms)

    # -- control (web threads) --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the engine thread; the clock stays paused until someone presses play."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name=f"bastion-live-{self.seed}", daemon=True)
        self._thread.start()

    def play(self) -> None:
        if self.status == "ready":
            self.status = "running"
        self.clock.play()
        self._status_changed()

    def pause(self) -> None:
        self.clock.pause()
        self._status_changed()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        self._status_changed()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the night (bounded wait for the engine thread)."""
        self._stop.set()
        self.clock.stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def state(self) -> dict:
        return {
            "mode": "live",
            "run_id": self.run_id,
            "seed": self.seed,
            "status": self.status,
            "error": self.error,
            "duration_s": self.defence.duration_s,
            "weapons_control": self.weapons_control,
            "pending_requests": self.operator.pending(),
            "summary": self.summary,
            **self.clock.state(),
        }

    # -- the engine thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        log = EventLog(flush_every=1)
        store = None
        try:
            if self.db is not None:
                store = EventStore(self.db)
                c = self.compiled
                store.begin_run(self.run_id, c.defence.name, c.loaded.sha256, c.loaded.text, self.seed, __version__)
                log.subscribers.append(lambda batch: store.append(self.run_id, batch))
            log.subscribers.append(self.ingest)
            result = run(
                self.compiled,
                self.seed,
                log=log,
                clock=self.clock,
                record_plots=True,
                operator=self.operator,
                stop=self._stop.is_set,
            )
            stopped = self._stop.is_set()
            self.summary = summarise(result)
            self.status = "stopped" if stopped else "ended"
            if store is not None:
                store.finish_run(self.run_id, "stopped" if stopped else "complete", self.summary)
        except Exception as exc:  # the console must say the night failed, not hang
            self.status = "failed"
            self.error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc()
            if store is not None:
                log.flush()
                store.finish_run(self.run_id, "failed", None)
        finally:
            if store is not None:
                store.close()
            self.clock.pause()
            self._status_changed()
