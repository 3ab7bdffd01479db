"""Console defects found by a hostile test (issue 16): the login limit under concurrency, forged
X-Forwarded-For, and non-finite numbers from a browser."""

from __future__ import annotations

import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from console_support import FAST_HASHER, PASSWORDS, LiveServer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bastion.cli.main import app as cli_app
from bastion.console import ConsoleConfig, create_app


class SlowHasher:
    """FAST_HASHER whose verify takes 0.2 s and counts its calls (the race needs a slow hash)."""

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(FAST_HASHER, name)

    def verify(self, digest, password):
        with self._lock:
            self.calls += 1
        time.sleep(0.2)
        return FAST_HASHER.verify(digest, password)


def test_login_limit_holds_under_20_parallel_guesses(user_db):
    hasher = SlowHasher()
    config = ConsoleConfig(db=user_db, scenario="baghdad", hasher=hasher, login_max_failures=5, engine=False)
    with TestClient(create_app(config)) as c:
        hasher.calls = 0

        def guess(i: int) -> int:
            return c.post("/api/login", json={"name": "op", "password": f"wrong-guess-{i}"}).status_code

        with ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(guess, range(20)))
        assert codes.count(401) == 5 and codes.count(429) == 15, codes
        assert hasher.calls == 5  # the refused ones never reached the hash
        # the right password is refused too while limited; after a success the user key is clear
        assert c.post("/api/login", json={"name": "op", "password": PASSWORDS["op"]}).status_code == 429


def test_successful_logins_do_not_use_up_the_limit(user_db):
    with TestClient(create_app(ConsoleConfig(db=user_db, scenario="baghdad", hasher=FAST_HASHER, engine=False))) as c:
        for _ in range(12):  # more than the limit of 5, all good: none is counted as a failure
            assert c.post("/api/login", json={"name": "op", "password": PASSWORDS["op"]}).status_code == 200


def _served_options(tmp_path, user_db, *extra) -> dict:
    """The uvicorn keyword arguments ``bastion console`` serves with (uvicorn.run captured)."""
    import uvicorn

    seen: dict = {}
    real = uvicorn.run
    try:
        uvicorn.run = lambda app, **kw: seen.update(kw)
        r = CliRunner().invoke(cli_app, ["console", "--scenario", "baghdad", "--db", str(user_db), *extra])
    finally:
        uvicorn.run = real
    assert r.exit_code == 0, r.output
    return seen


def test_forwarded_for_is_not_trusted_from_loopback(tmp_path, user_db):
    import uvicorn

    opts = _served_options(tmp_path, user_db)
    assert opts.get("proxy_headers") is False  # uvicorn's default (True, trusting 127.0.0.1) is off
    config = ConsoleConfig(db=user_db, scenario="baghdad", hasher=FAST_HASHER, login_max_failures=2, engine=False)
    server = LiveServer.__new__(LiveServer)
    server.app = create_app(config)
    from console_support import free_port

    server.port = free_port()
    server.url = f"http://127.0.0.1:{server.port}"
    kw = {k: v for k, v in opts.items() if k not in ("host", "port", "log_level")}
    cfg = uvicorn.Config(server.app, host="127.0.0.1", port=server.port, log_level="warning", **kw)
    server.server = uvicorn.Server(cfg)
    server.thread = threading.Thread(target=server.server.run, daemon=True)
    server.thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.server.started:
            assert time.monotonic() < deadline and server.thread.is_alive()
            time.sleep(0.02)
        with httpx.Client(base_url=server.url, timeout=20) as c:
            for _ in range(2):
                assert c.post("/api/login", json={"name": "op", "password": "wrong-guess"}).status_code == 401
            forged = {"X-Forwarded-For": "10.9.8.7"}
            # another name, so only the address limit stands between the forger and a login
            r = c.post("/api/login", json={"name": "cmd", "password": PASSWORDS["cmd"]}, headers=forged)
            assert r.status_code == 429, r.text
        clients = {e["client"] for e in server.console.users.audit_log()}
        assert clients == {"127.0.0.1"}, clients
    finally:
        server.close()


def test_trusted_proxy_option(tmp_path, user_db):
    opts = _served_options(tmp_path, user_db, "--trusted-proxy", "10.0.0.0/24", "--trusted-proxy", "10.1.2.3")
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == "10.0.0.0/24,10.1.2.3"
    r = CliRunner().invoke(cli_app, ["console", "--scenario", "baghdad", "--db", str(user_db), "--trusted-proxy", "x"])
    assert r.exit_code == 2 and "--trusted-proxy" in r.output


# -- numbers from a browser --------------------------------------------------------------------------
@pytest.mark.parametrize("t", ["nan", "NaN", float("nan"), float("inf"), "1e400", None, True, "12", -1.0, 1e9])
def test_seek_refuses_anything_but_a_finite_time_in_the_run(t):
    from ws_fakes import drive, strict

    client, ws = drive([json.dumps({"type": "replay", "action": "seek", "t": t})])
    errors = [strict(m) for m in ws.sent]
    assert len(errors) == 1 and errors[0]["type"] == "error", errors
    # a Python NaN or infinity is written as a NaN/Infinity literal, which is not JSON at all
    not_json = isinstance(t, float) and not math.isfinite(t)
    assert errors[0]["message"].startswith("not a JSON" if not_json else "t:")
    assert client.cursor.now() == 0.0
    assert strict(json.dumps(client.cursor.state()))["t"] == 0.0


def test_nan_literals_are_not_json_to_the_console():
    from ws_fakes import drive, strict

    client, ws = drive(
        [
            '{"type": "replay", "action": "seek", "t": NaN}',
            '{"type": "replay", "action": "seek", "t": 1e400}',
            '{"type":"replay","action":"seek","t":12.5}',
        ]
    )
    first, second = (strict(m) for m in ws.sent)
    assert first["type"] == "error" and "NaN" in first["message"]
    assert second["type"] == "error" and second["message"].startswith("t:")
    assert client.cursor.now() == 12.5


def test_browser_json_refuses_nan():
    from bastion.console.app import dumps

    with pytest.raises(ValueError):
        dumps({"type": "status", "t": float("nan")})


def test_clock_speed_refuses_nan(user_db):
    config = ConsoleConfig(db=user_db, scenario="baghdad", hasher=FAST_HASHER, engine=False)
    with TestClient(create_app(config)) as c:
        csrf = c.post("/api/login", json={"name": "op", "password": PASSWORDS["op"]}).json()["csrf"]
        for bad in ('{"action": "speed", "speed": NaN}', '{"action": "speed", "speed": Infinity}'):
            r = c.post("/api/clock", content=bad, headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
            assert r.status_code == 422, r.text
        assert c.app.state.console.live.state()["speed"] == 1.0
