"""Helpers shared by the console tests: users, a uvicorn-served console, a headless chromium."""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

from argon2 import PasswordHasher

from bastion.console import ConsoleConfig, create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
# cheap Argon2 parameters for tests only (the console's own default is RFC 9106's 64 MiB profile)
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORDS = {"obs": "observer-pass-1", "op": "operator-pass-1", "cmd": "commander-pass-1"}
ROLES = {"obs": "observer", "op": "operator", "cmd": "commander"}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A console app served by uvicorn in a thread on 127.0.0.1 (stopped by ``close``)."""

    def __init__(self, config: ConsoleConfig) -> None:
        import uvicorn

        self.app = create_app(config)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("console server did not start")
            time.sleep(0.02)

    @property
    def console(self):
        return self.app.state.console

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)


def login(page, url: str, name: str) -> None:
    page.goto(url + "/")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORDS[name])
    page.click("#login-submit")
    page.wait_for_selector("body[data-ready='1']")


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def until(ws, pred, limit_s: float = 60.0):
    """Read the stream until ``pred(message)``; bounded (a status arrives at least once a second)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit_s:
        msg = json.loads(ws.receive_text())
        if pred(msg):
            return msg
    raise AssertionError("expected message did not come")
