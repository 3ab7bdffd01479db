"""Recorded runs in the console: loading, the replay cursor, and play/seek over the WebSocket."""

from __future__ import annotations

import functools
import json

import pytest
from console_support import FAST_HASHER, PASSWORDS, until
from fastapi.testclient import TestClient

from bastion.api import run_night
from bastion.console import ConsoleConfig, create_app
from bastion.console.replay import RecordedRun, ReplayCursor, list_runs
from bastion.console.view import to_view
from bastion.store import EventStore


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    night = run_night("baghdad", 1, out, report=False)
    return out, night


def test_recorded_run_is_the_view_of_the_store(recorded):
    out, night = recorded
    db, run_id, runs = list_runs(str(out))
    assert run_id == night.run_id and [r.run_id for r in runs] == [night.run_id]
    rec = RecordedRun.load(db, run_id)
    with EventStore(db) as store:
        expected = [to_view(e.seq, e.t, e.kind, e.source, e.payload, rec.defence) for e in store.events(run_id)]
    expected = sorted((v for v in expected if v is not None), key=lambda v: (v.t, v.seq))
    assert [v.fragment for v in rec.events] == [v.fragment for v in expected]
    assert rec.duration_s == 360.0
    assert rec.index_at(-1) == 0 and rec.index_at(1e9) == len(rec.events)
    with pytest.raises(KeyError):
        RecordedRun.load(db, "no-such-run")


def test_cursor_plays_pauses_seeks_at_speed(recorded):
    out, _ = recorded
    db, run_id, _ = list_runs(str(out))
    rec = RecordedRun.load(db, run_id)
    clock = FakeClock()
    cur = ReplayCursor(rec, speed=10, clock=clock)
    assert cur.due() == [e for e in rec.events if e.t <= 0.0]  # the night's opening
    cur.play()
    clock.t += 2.0  # 2 s of wall time at x10 = 20 s of the night
    assert cur.now() == pytest.approx(20.0)
    due = cur.due()
    assert due and all(0.0 < e.t <= 20.0 for e in due)
    cur.set_speed(100)
    clock.t += 1.0
    assert cur.now() == pytest.approx(120.0)
    cur.pause()
    clock.t += 50.0
    assert cur.now() == pytest.approx(120.0)
    assert cur.seek(250.0) == 250.0 and cur.sent == rec.index_at(250.0)
    assert cur.due() == []
    cur.play()
    clock.t += 10.0  # past the end: clamped, paused
    rest = cur.due()
    assert rest == list(rec.events[rec.index_at(250.0) :])
    assert not cur.playing and cur.now() == 360.0
    assert cur.state()["summary"]["hostiles_destroyed"] == 2  # the debrief, at the end only
    cur.seek(-5)
    assert cur.now() == 0.0 and cur.state()["summary"] is None


_until = functools.partial(until, limit_s=30.0)


def test_replay_over_websocket(recorded, user_db):
    out, night = recorded
    app = create_app(ConsoleConfig(db=user_db, replay=str(out), hasher=FAST_HASHER))
    with TestClient(app) as c:
        c.post("/api/login", json={"name": "obs", "password": PASSWORDS["obs"]})
        runs = c.get("/api/runs").json()
        assert runs["mode"] == "replay" and runs["default"] == night.run_id
        assert c.get("/api/site", params={"run": night.run_id}).json()["name"] == "baghdad"
        assert c.get("/api/site", params={"run": "nope"}).status_code == 404
        with c.websocket_connect("/ws") as ws:
            hello = json.loads(ws.receive_text())
            assert hello == {"type": "hello", "user": "obs", "role": "observer", "mode": "replay"}
            snap = _until(ws, lambda m: m["type"] == "snapshot")
            assert snap["site"]["name"] == "baghdad" and all(e["t"] <= 0.0 for e in snap["events"])
            # an observer drives their own replay: seek to just after the first kill
            ws.send_text(json.dumps({"type": "replay", "action": "seek", "t": 250.0}))
            snap = _until(ws, lambda m: m["type"] == "snapshot")
            assert snap["state"]["t"] == 250.0 and snap["state"]["paused"] is True
            kinds = [e["kind"] for e in snap["events"]]
            assert all(e["t"] <= 250.0 for e in snap["events"])
            assert "kill" in kinds and "authorisation" in kinds and "truth" not in kinds
            ws.send_text(json.dumps({"type": "replay", "action": "speed", "speed": 100}))
            ws.send_text(json.dumps({"type": "replay", "action": "play"}))
            got = []
            end = _until(
                ws,
                lambda m: (
                    (m["type"] == "events" and got.extend(m["events"]))
                    or (m["type"] == "status" and m["paused"] and m["t"] >= 360.0)
                ),
            )
            assert end["summary"]["hostiles_destroyed"] == 2
            assert got and all(e["t"] > 250.0 for e in got)
            assert got[-1]["kind"] == "run_end"
            ws.send_text(json.dumps({"type": "replay", "action": "fly"}))
            err = _until(ws, lambda m: m["type"] == "error")
            assert "action" in err["message"]
            ws.send_text(json.dumps({"type": "replay", "action": "speed", "speed": 1000}))
            err = _until(ws, lambda m: m["type"] == "error")
            assert "speed" in err["message"]
        # live-only actions are refused in replay mode
        csrf = c.get("/api/me").json()["csrf"]
        r = c.post("/api/clock", json={"action": "play"}, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 403  # an observer, first
