"""Recorded runs for the console: load a run's events once, play them back at x1 to x100, seek.

A :class:`RecordedRun` holds the operator's view of every event of one run (truth filtered out as
in the live console) and its site, compiled from the scenario text stored with the run, so a
replay needs nothing but the database. A :class:`ReplayCursor` is one viewer's position in it:
each browser plays, pauses, changes speed and seeks on its own.
"""

from __future__ import annotations

import bisect
import math
import time
from dataclasses import dataclass
from pathlib import Path

from bastion.console.live import clamp_speed
from bastion.console.view import PictureLog, ViewEvent, to_view
from bastion.scenario.compiled import Defence, compile_stored
from bastion.store import EventStore, RunInfo, find_run


@dataclass(frozen=True)
class RecordedRun:
    info: RunInfo
    defence: Defence
    events: tuple[ViewEvent, ...]
    times: tuple[float, ...]  # event times [s], non-decreasing
    duration_s: float

    @property
    def run_id(self) -> str:
        return self.info.run_id

    @classmethod
    def load(cls, db: str | Path, run_id: str) -> RecordedRun:
        """Read one run; KeyError if ``run_id`` is not in ``db``."""
        with EventStore(db) as store:
            info = next((r for r in store.runs() if r.run_id == run_id), None)
            if info is None:
                raise KeyError(f"run {run_id!r} is not in {db}")
            text = store.scenario_text(run_id)
            defence = compile_stored(text, f"run {run_id}").defence
            view = [to_view(e.seq, e.t, e.kind, e.source, e.payload, defence) for e in store.events(run_id)]
        events = tuple(sorted((v for v in view if v is not None), key=lambda v: (v.t, v.seq)))
        times = tuple(v.t for v in events)
        duration = max(defence.duration_s, times[-1] if times else 0.0)
        return cls(info, defence, events, times, duration)

    def index_at(self, t: float) -> int:
        """Number of events at or before ``t``."""
        return bisect.bisect_right(self.times, t)

    def snapshot(self, t: float, extra: dict | None = None) -> str:
        """The picture at time ``t`` as a snapshot message (built from the events up to ``t``)."""
        log = PictureLog()
        for e in self.events[: self.index_at(t)]:
            log.append(e)
        log.t = t
        return log.snapshot(extra)


def list_runs(ref: str, root: str | Path = "runs") -> tuple[Path, str, list[RunInfo]]:
    """Resolve ``--replay`` (run id, run directory or events.sqlite): (database, chosen run, all runs there)."""
    db, run_id = find_run(ref, root)
    with EventStore(db) as store:
        runs = store.runs()
    return db, run_id, runs


class ReplayCursor:
    """One viewer's playback position: ``now() = t_anchor + (wall - wall_anchor) * speed`` while playing."""

    def __init__(self, run: RecordedRun, speed: float = 1.0, clock=time.monotonic) -> None:
        self.run = run
        self.clock = clock
        self.speed = clamp_speed(speed)
        self.playing = False
        self._t_anchor = 0.0
        self._wall_anchor = clock()
        self.sent = 0  # events already sent

    def now(self) -> float:
        if not self.playing:
            return self._t_anchor
        return min(self._t_anchor + (self.clock() - self._wall_anchor) * self.speed, self.run.duration_s)

    def _reanchor(self) -> None:
        self._t_anchor = self.now()
        self._wall_anchor = self.clock()

    def play(self) -> None:
        if self.now() >= self.run.duration_s:
            self.seek(0.0)
        self._reanchor()
        self.playing = True

    def pause(self) -> None:
        self._reanchor()
        self.playing = False

    def set_speed(self, speed: float) -> None:
        self._reanchor()
        self.speed = clamp_speed(speed)

    def seek(self, t: float) -> float:
        """Jump to ``t`` (clamped to the run); the caller sends ``run.snapshot(t)``. ValueError for a
        time that is not a finite number (a NaN would pass the clamp and reach every browser)."""
        t = float(t)
        if not math.isfinite(t):
            raise ValueError(f"t: {t!r} is not a finite time")
        t = min(max(t, 0.0), self.run.duration_s)
        self._t_anchor, self._wall_anchor = t, self.clock()
        self.sent = self.run.index_at(t)
        return t

    def due(self) -> list[ViewEvent]:
        """Events that have come since the last call (and pause at the end of the run)."""
        now = self.now()
        end = self.run.index_at(now)
        out = list(self.run.events[self.sent : end])
        self.sent = max(self.sent, end)
        if self.playing and now >= self.run.duration_s:
            self.pause()
        return out

    def next_time(self) -> float | None:
        """Simulation time of the next unsent event (None at the end)."""
        return self.run.times[self.sent] if self.sent < len(self.run.times) else None

    def state(self) -> dict:
        return {
            "mode": "replay",
            "run_id": self.run.run_id,
            "seed": self.run.info.seed,
            "status": "playing" if self.playing else "paused",
            "t": round(self.now(), 3),
            "speed": self.speed,
            "effective_speed": self.speed,
            "paused": not self.playing,
            "duration_s": self.run.duration_s,
            # the run's outcome (truth) is the trainer's debrief: shown once the replay reaches the end
            "summary": self.run.info.summary if self.now() >= self.run.duration_s else None,
        }
