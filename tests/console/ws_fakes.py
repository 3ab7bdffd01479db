"""A WebSocket stand-in and a recorded run without a database, to drive the console's message
handling (``bastion.console.app._receive``) directly and quickly."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
from pathlib import Path

from starlette.websockets import WebSocketDisconnect

from bastion.console.app import _receive
from bastion.console.auth import User
from bastion.console.replay import RecordedRun, ReplayCursor
from bastion.console.state import Client
from bastion.store import RunInfo


class FakeWs:
    def __init__(self, inbox: list[str]) -> None:
        self.inbox = list(inbox)
        self.sent: list[str] = []

    async def receive_text(self) -> str:
        if not self.inbox:
            raise WebSocketDisconnect(1000)
        return self.inbox.pop(0)

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


class FakeConsole:
    def recorded(self, run_id: str):
        raise KeyError(f"run {run_id!r} is not in the database")


def recorded_run(duration_s: float = 360.0) -> RecordedRun:
    info = RunInfo("r1", "baghdad", "0" * 64, 1, "test", "2026-01-01T00:00:00+00:00", "complete", None, Path("."))
    return RecordedRun(info, None, (), (), duration_s)


def strict(text: str):
    """Parse as a browser would: NaN and Infinity are not JSON."""

    def refuse(name):
        raise ValueError(f"{name} in a message to a browser")

    return json.loads(text, parse_constant=refuse)


def drive(messages: list[str]) -> tuple[Client, FakeWs]:
    """Feed ``messages`` to the console's receive loop until the fake browser hangs up."""
    ws = FakeWs(messages)
    client = Client(ws, "token", User("obs", "observer"), cursor=ReplayCursor(recorded_run()))

    async def run() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            await _receive(FakeConsole(), client)

    # a loop of its own in a thread of its own: Playwright's sync API (the browser tests, in the same
    # worker) keeps an event loop running in the main thread, where asyncio.run() would refuse
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()
    return client, ws
