"""The console's state behind its web application (:mod:`bastion.console.app`): its configuration,
each browser's connection (:class:`Client`: what is queued for it, its replay cursor) and the
:class:`Console` that owns the live night or the recorded runs and fans their events out.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import WebSocket

from bastion.api import compile_named
from bastion.console.auth import LoginLimiter, Sessions, User, UserStore
from bastion.console.live import LiveRun, clamp_speed
from bastion.console.replay import RecordedRun, ReplayCursor, list_runs
from bastion.console.view import ViewEvent, site_json

MAX_PENDING = 20_000  # event fragments queued for one browser before it is resynchronised instead


def dumps(obj: object) -> str:
    """JSON for a browser: NaN and infinities raise ValueError instead of leaking as invalid JSON."""
    return json.dumps(obj, allow_nan=False)


def no_json_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")  # json.loads would otherwise accept NaN and Infinity


@dataclass
class ConsoleConfig:
    """How the console runs. ``db`` holds the users (and records live nights); exactly one of
    ``scenario`` (live) and ``replay`` (run id, run directory or events.sqlite) is given."""

    db: Path
    scenario: str | None = None
    replay: str | None = None
    runs_root: Path = Path("runs")
    seed: int = 1
    speed: float = 1.0
    real_time_decisions: bool = True
    record: bool = True
    autoplay: bool = False
    allowed_hosts: list[str] | None = None  # Host headers accepted (None: any)
    login_max_failures: int = 5
    login_window_s: float = 300.0
    hasher: PasswordHasher | None = None
    session_idle_s: float = 2 * 3600.0
    engine: bool = True  # False: no engine thread (a benchmark feeds LiveRun.ingest itself)


@dataclass(eq=False)
class Client:
    """One open WebSocket: what waits to be sent to it, and its replay position."""

    ws: WebSocket
    token: str
    user: User
    pending: list[str] = field(default_factory=list)
    wall_ms: float | None = None  # when the oldest pending event reached the server [ms since epoch]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    control: asyncio.Event = field(default_factory=asyncio.Event)
    resync: bool = True
    status_due: bool = True
    cursor: ReplayCursor | None = None

    def push(self, events: list[ViewEvent], wall_ms: float) -> None:
        if self.resync:
            return
        if len(self.pending) + len(events) > MAX_PENDING:
            self.pending.clear()
            self.resync = True
        else:
            if not self.pending:
                self.wall_ms = wall_ms
            self.pending.extend(e.fragment for e in events)
        self.wake.set()


class Console:
    """The application's state: users, sessions, the live night or the recorded runs, the browsers."""

    def __init__(self, config: ConsoleConfig) -> None:
        self.config = config
        self.users = UserStore(config.db, config.hasher)
        self.sessions = Sessions(idle_s=config.session_idle_s)
        self.limiter = LoginLimiter(config.login_max_failures, config.login_window_s)
        self.clients: set[Client] = set()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.live: LiveRun | None = None
        self.compiled = None
        self.replay_db: Path | None = None
        self.replay_default = ""
        self._recorded: OrderedDict[str, RecordedRun] = OrderedDict()
        if (config.scenario is None) == (config.replay is None):
            raise ValueError("give either a scenario (a live night) or a recorded run (replay), not both or neither")
        clamp_speed(config.speed)
        if config.scenario is not None:
            self.compiled = compile_named(config.scenario)
            self.site = site_json(self.compiled.defence)
        else:
            self.replay_db, self.replay_default, _ = list_runs(config.replay, config.runs_root)
            self.site = site_json(self.recorded(self.replay_default).defence)

    @property
    def mode(self) -> str:
        return "live" if self.compiled is not None else "replay"

    # -- live ------------------------------------------------------------------------------------------
    def new_live(self, seed: int) -> LiveRun:
        live = LiveRun(
            self.compiled,
            seed,
            self._publish_threadsafe,
            db=self.config.db if self.config.record else None,
            speed=self.config.speed,
            real_time_decisions=self.config.real_time_decisions,
            on_status=self._status_threadsafe,
        )
        self.live = live
        if self.config.engine:
            live.start()
        if self.config.autoplay:
            live.play()
        return live

    def _publish_threadsafe(self, events: list[ViewEvent], wall_ms: float) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            with suppress(RuntimeError):  # loop closing at shutdown
                loop.call_soon_threadsafe(self._publish, events, wall_ms)

    def _publish(self, events: list[ViewEvent], wall_ms: float) -> None:
        for c in self.clients:
            c.push(events, wall_ms)

    def _status_threadsafe(self, _state: dict) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(self._status_all)

    def _status_all(self) -> None:
        for c in self.clients:
            c.status_due = True
            c.wake.set()

    def resync_all(self) -> None:
        for c in self.clients:
            c.pending.clear()
            c.resync = True
            c.wake.set()

    # -- replay ------------------------------------------------------------------------------------------
    def recorded(self, run_id: str) -> RecordedRun:
        """A recorded run of the replay database (the four most recent stay in memory)."""
        run = self._recorded.get(run_id)
        if run is None:
            run = RecordedRun.load(self.replay_db, run_id)
            self._recorded[run_id] = run
            while len(self._recorded) > 4:
                self._recorded.popitem(last=False)
        self._recorded.move_to_end(run_id)
        return run

    def runs(self) -> list[dict]:
        if self.replay_db is None:
            return []
        _, _, runs = list_runs(str(self.replay_db), self.config.runs_root)
        return [
            {
                "run_id": r.run_id,
                "scenario": r.scenario,
                "seed": r.seed,
                "created_utc": r.created_utc,
                "status": r.status,
            }
            for r in runs
        ]

    # -- messages ----------------------------------------------------------------------------------------
    def state(self, client: Client | None = None) -> dict:
        if self.live is not None:
            return self.live.state()
        if client is not None and client.cursor is not None:
            return client.cursor.state()
        return {"mode": "replay", "run_id": self.replay_default}

    def snapshot(self, client: Client) -> str:
        if self.live is not None:
            return self.live.picture.snapshot({"site": self.site, "state": self.live.state()})
        cursor = client.cursor
        t = cursor.now()
        cursor.sent = cursor.run.index_at(t)  # the snapshot holds everything up to t: play on from there
        site = site_json(cursor.run.defence)
        return cursor.run.snapshot(t, {"site": site, "state": cursor.state()})


# -- request models -------------------------------------------------------------------------------------
