"""Durability drills (issue 16): ``kill -9`` of ``bastion live`` and of ``bastion console`` in the
middle of a night; a restart goes on recording in the same database, nothing committed before the
kill is lost, and ``runs`` marks the killed run unfinished. Real subprocesses, loopback only,
every wait bounded."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.store import EventStore

runner = CliRunner()
ENV = {**os.environ, "COLUMNS": "200"}


def _events(db: Path) -> dict[str, int]:
    """Events stored per run (read-only, as another process would read it while the writer runs)."""
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return dict(con.execute("SELECT run_id, count(*) FROM events GROUP BY run_id").fetchall())
    except sqlite3.OperationalError:  # the schema is not there yet
        return {}
    finally:
        con.close()


def _wait_then_kill(proc: subprocess.Popen, db: Path, at_least: int, limit_s: float = 150.0) -> dict[str, int]:
    """SIGKILL ``proc`` once ``db`` holds ``at_least`` events; what was stored just before."""
    deadline = time.monotonic() + limit_s
    seen: dict[str, int] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        seen = _events(db)
        if sum(seen.values()) >= at_least:
            break
        time.sleep(0.2)
    assert proc.poll() is None, "the process ended before the drill could kill it"
    assert sum(seen.values()) >= at_least, f"only {seen} stored in {limit_s} s"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    return seen


@pytest.mark.slow
def test_kill_9_of_bastion_live_then_restart_in_the_same_database(tmp_path):
    pcap, cfg, out = tmp_path / "night.pcap", tmp_path / "live.toml", tmp_path / "live-run"
    res = runner.invoke(
        app, ["record", "--scenario", "baghdad", "--out", str(pcap), "--config", str(cfg), "--feeds", "file"]
    )
    assert res.exit_code == 0, res.output

    def cmd(speed: str) -> list[str]:
        return [sys.executable, "-m", "bastion", "live", str(cfg), "--speed", speed, "--out", str(out), "--quiet"]

    proc = subprocess.Popen(cmd("4"), env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    before = _wait_then_kill(proc, out / "events.sqlite", at_least=40)
    (killed,) = before
    # the restart records in the same database, beside the killed session
    res = subprocess.run(cmd("0"), env=ENV, capture_output=True, timeout=300)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    after = _events(out / "events.sqlite")
    assert after[killed] >= before[killed]  # nothing committed before the kill is lost
    with EventStore(out / "events.sqlite") as store:
        runs = {r.run_id: r for r in store.runs()}
        kinds = [e.kind for e in store.events(killed)]
    assert len(runs) == 2 and runs[killed].status == "interrupted" and not runs[killed].finished
    (new,) = set(runs) - {killed}
    assert runs[new].status == "complete" and runs[new].summary["scans"] == 360
    assert kinds[0] == "run_start" and "run_end" not in kinds
    listing = runner.invoke(app, ["runs", "--root", str(tmp_path), "--json"])
    assert listing.exit_code == 0, listing.output
    status = {r["run"]: r["status"] for r in map(json.loads, listing.output.splitlines())}
    assert status == {killed: "interrupted", new: "complete"}


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _post(port: int, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict, dict]:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = {"content-type": "application/json", "origin": f"http://127.0.0.1:{port}", **(headers or {})}
    con.request("POST", path, json.dumps(body), h)
    r = con.getresponse()
    data = r.read()
    return r.status, dict(r.getheaders()), (json.loads(data) if data else {})


def _start_console(db: Path, port: int) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "bastion", "console", "--scenario", "baghdad", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("the console did not start listening in 90 s")


def _play(port: int) -> None:
    status, headers, me = _post(port, "/api/login", {"name": "cmdr", "password": "drill-password-1"})
    assert status == 200, me
    cookie = headers.get("set-cookie", headers.get("Set-Cookie", "")).split(";")[0]
    auth = {"cookie": cookie, "x-csrf-token": me["csrf"]}
    for body in ({"action": "speed", "speed": 100}, {"action": "play"}):
        status, _, state = _post(port, "/api/clock", body, auth)
        assert status == 200, state


@pytest.mark.slow
def test_kill_9_of_bastion_console_then_restart_in_the_same_database(tmp_path):
    db = tmp_path / "console.sqlite"
    add = ["users", "add", "cmdr", "--role", "commander", "--db", str(db)]
    res = runner.invoke(app, add, input="drill-password-1\n")
    assert res.exit_code == 0, res.output
    port = _free_port()
    proc = _start_console(db, port)
    try:
        _play(port)
        before = _wait_then_kill(proc, db, at_least=200)
    finally:
        if proc.poll() is None:
            proc.kill()
    (killed,) = before
    proc = _start_console(db, port)
    try:
        _play(port)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(_events(db)) < 2:
            time.sleep(0.3)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    after = _events(db)
    assert len(after) == 2 and after[killed] >= before[killed]
    with EventStore(db) as store:
        runs = {r.run_id: r for r in store.runs()}
    assert runs[killed].status == "interrupted"
