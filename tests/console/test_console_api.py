"""The console's API: authentication, CSRF, roles, rate limits, and operator actions as events."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from console_support import FAST_HASHER, PASSWORDS, until
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bastion.console import ConsoleConfig, create_app
from bastion.store import EventStore


def make(user_db, **kw) -> TestClient:
    kw.setdefault("scenario", "baghdad")
    return TestClient(create_app(ConsoleConfig(db=user_db, hasher=FAST_HASHER, **kw)))


def login(c: TestClient, name: str) -> str:
    r = c.post("/api/login", json={"name": name, "password": PASSWORDS[name]})
    assert r.status_code == 200, r.text
    return r.json()["csrf"]


def events_of(kind):
    def pred(msg):
        return msg["type"] == "events" and any(e["kind"] == kind for e in msg["events"])

    return pred


# -- authentication ------------------------------------------------------------------------------------
def test_every_api_route_and_the_websocket_refuse_anonymous(user_db):
    with make(user_db) as c:
        routes = [r for r in c.app.routes if isinstance(r, APIRoute) and r.path.startswith("/api")]
        assert len(routes) >= 10
        for r in routes:
            if r.path == "/api/login":
                continue
            for method in r.methods:
                resp = c.request(method, r.path, json={})
                assert resp.status_code == 401, (method, r.path, resp.status_code)
        with pytest.raises(WebSocketDisconnect) as exc, c.websocket_connect("/ws"):
            pass
        assert exc.value.code == 4401
        # a forged cookie is no better
        c.cookies.set("bastion_session", "forged")
        assert c.get("/api/state").status_code == 401
        # the page itself and its scripts are public (they hold no data)
        assert c.get("/").status_code == 200 and c.get("/static/app.js").status_code == 200


def test_login_cookie_flags_and_logout(user_db):
    with make(user_db) as c:
        r = c.post("/api/login", json={"name": "op", "password": PASSWORDS["op"]})
        assert r.status_code == 200 and r.json()["role"] == "operator"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert "csrf" in r.json() and r.json()["csrf"] not in r.headers["set-cookie"]
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        assert c.get("/api/me").json()["user"] == "op"
        assert c.post("/api/logout").status_code == 403  # no CSRF token
        assert c.post("/api/logout", headers={"X-CSRF-Token": r.json()["csrf"]}).status_code == 200
        assert c.get("/api/me").status_code == 401
        assert c.post("/api/login", json={"name": "op", "password": "wrong-password"}).status_code == 401
        assert c.post("/api/login", json={"name": "nobody", "password": "wrong-password"}).status_code == 401
        # form posts (the cross-site kind) are not accepted
        form = c.post("/api/login", content="name=op&password=x", headers={"Content-Type": "text/plain"})
        assert form.status_code in (415, 422)
        assert (
            c.post(
                "/api/login",
                json={"name": "op", "password": PASSWORDS["op"]},
                headers={"Origin": "http://evil.example"},
            ).status_code
            == 403
        )


def test_login_rate_limit(user_db):
    with make(user_db, login_max_failures=3) as c:
        for _ in range(3):
            assert c.post("/api/login", json={"name": "op", "password": "guess-guess"}).status_code == 401
        r = c.post("/api/login", json={"name": "op", "password": PASSWORDS["op"]})
        assert r.status_code == 429  # even the right password: not checked while limited
        assert int(r.headers["retry-after"]) > 0
        entries = [e["outcome"] for e in c.app.state.console.users.audit_log()]
        assert entries.count("failed") == 3 and "rate-limited" in entries


def test_csrf_and_origin_guard_every_state_change(user_db):
    with make(user_db) as c:
        csrf = login(c, "cmd")
        posts = {
            "/api/authorise": {"request": 1, "approved": True},
            "/api/weapons-control": {"status": "hold"},
            "/api/clock": {"action": "pause"},
            "/api/restart": {},
            "/api/logout": {},
        }
        for path, body in posts.items():
            assert c.post(path, json=body).status_code == 403, path
            assert c.post(path, json=body, headers={"X-CSRF-Token": "x" + csrf}).status_code == 403, path
            bad_origin = {"X-CSRF-Token": csrf, "Origin": "http://evil.example"}
            assert c.post(path, json=body, headers=bad_origin).status_code == 403, path
        assert c.get("/api/me").status_code == 200  # still logged in: nothing above got through
        ok = c.post(
            "/api/clock", json={"action": "pause"}, headers={"X-CSRF-Token": csrf, "Origin": "http://testserver"}
        )
        assert ok.status_code == 200


def test_roles(user_db):
    with make(user_db) as c:
        csrf = login(c, "obs")
        h = {"X-CSRF-Token": csrf}
        r = c.post("/api/authorise", json={"request": 1, "approved": True}, headers=h)
        assert r.status_code == 403 and "observer may not authorise" in r.json()["detail"]
        assert c.post("/api/clock", json={"action": "play"}, headers=h).status_code == 403
        assert c.post("/api/weapons-control", json={"status": "free"}, headers=h).status_code == 403
        assert c.get("/api/audit").status_code == 403
        csrf = login(c, "op")
        h = {"X-CSRF-Token": csrf}
        assert c.post("/api/weapons-control", json={"status": "free"}, headers=h).status_code == 403
        r = c.post("/api/authorise", json={"request": 1, "approved": True}, headers=h)
        assert r.status_code == 409 and "not pending" in r.json()["detail"]  # allowed, but nothing to answer
        assert c.post("/api/clock", json={"action": "speed", "speed": 500}, headers=h).status_code == 422
        assert c.post("/api/clock", json={"action": "speed"}, headers=h).status_code == 422
        assert c.post("/api/clock", json={"action": "speed", "speed": 20}, headers=h).json()["speed"] == 20
        csrf = login(c, "cmd")
        h = {"X-CSRF-Token": csrf}
        assert c.post("/api/weapons-control", json={"status": "weapons-free"}, headers=h).status_code == 422
        audit = c.get("/api/audit").json()["entries"]
        refused = [e for e in audit if e["outcome"] == "refused"]
        assert {e["user"] for e in refused} >= {"obs", "op"}


# -- the night, driven through the API ------------------------------------------------------------------
@pytest.mark.slow
def test_authorisation_is_an_event_with_the_user(user_db):
    """An operator approves each request through the API; the engine records the approval with the
    operator's name, both drones are destroyed, and the recorded run holds the same events."""
    with make(user_db, speed=100, autoplay=True) as c:
        csrf = login(c, "op")
        seen = {}
        with c.websocket_connect("/ws") as ws:

            def watch(msg):
                if msg["type"] == "events":
                    for e in msg["events"]:
                        seen.setdefault(e["kind"], []).append(e)
                        if e["kind"] == "authorisation_request":
                            r = c.post(
                                "/api/authorise",
                                json={"request": e["p"]["request"], "approved": True},
                                headers={"X-CSRF-Token": csrf},
                            )
                            assert r.status_code == 202, r.text
                return msg["type"] == "status" and msg["status"] == "ended"

            end = until(ws, watch)
        run_id = end["run_id"]
        assert end["summary"]["hostiles_destroyed"] == 2 and end["summary"]["civil_engaged"] == 0
        approvals = seen["authorisation"]
        assert approvals and all(a["p"]["user"] == "op" and a["p"]["approved"] for a in approvals)
        assert len(seen["kill"]) == 2
        assert "truth" not in seen and "launch" not in seen
        with EventStore(user_db) as store:
            stored = list(store.events(run_id, ["authorisation"]))
            assert [e.payload.user for e in stored] == ["op"] * len(approvals)
            assert any(r.run_id == run_id and r.status == "complete" for r in store.runs())
        queued = [e for e in c.app.state.console.users.audit_log() if e["action"] == "authorise"]
        assert len(queued) == len(approvals) and all(e["user"] == "op" for e in queued)


@pytest.mark.slow
def test_unanswered_request_lapses_and_nothing_is_fired(user_db):
    """In "tight" an unanswered request lapses after the doctrine's timeout: not fired (run at x100
    with the real-time-decision cap off, so 15 s of answer time pass in 0.15 s)."""
    with make(user_db, speed=100, autoplay=True, real_time_decisions=False) as c:
        login(c, "obs")
        kinds = {}
        with c.websocket_connect("/ws") as ws:

            def watch(msg):
                for e in msg.get("events", []) if msg["type"] == "events" else []:
                    kinds.setdefault(e["kind"], []).append(e)
                return msg["type"] == "status" and msg["status"] == "ended"

            end = until(ws, watch)
    assert kinds["authorisation_timeout"]
    assert all("not fired" in e["text"] for e in kinds["authorisation_timeout"])
    assert "fire_order" not in kinds and "gun_fired" not in kinds
    assert end["summary"]["rounds_fired"] == 0


@pytest.mark.slow
def test_commander_sets_weapons_free(user_db):
    with make(user_db, speed=100, autoplay=True) as c:
        csrf = login(c, "cmd")
        with c.websocket_connect("/ws") as ws:
            until(ws, lambda m: m["type"] == "snapshot")
            r = c.post("/api/weapons-control", json={"status": "free"}, headers={"X-CSRF-Token": csrf})
            assert r.status_code == 202
            msg = until(ws, events_of("weapons_control"))
            ev = next(e for e in msg["events"] if e["kind"] == "weapons_control")
            assert ev["p"] == {"from": "tight", "to": "free", "user": "cmd"} and ev["source"] == "operator"
            status = until(ws, lambda m: m["type"] == "status")
            assert status["weapons_control"] == "free"
            # weapons free: the guns fire at hostiles without asking
            fire = until(ws, events_of("fire_order"))
            assert fire
            r = c.post("/api/restart", json={"seed": 7}, headers={"X-CSRF-Token": csrf})
            assert r.status_code == 200 and r.json()["seed"] == 7 and r.json()["weapons_control"] == "tight"
            snap = until(ws, lambda m: m["type"] == "snapshot")
            assert snap["state"]["seed"] == 7


# -- a real server: the WebSocket handshake itself is refused -------------------------------------------------
def test_websocket_handshake_refused_without_session_or_from_another_origin(user_db, serve):
    srv = serve(db=user_db, scenario="baghdad")
    ws_url = srv.url.replace("http", "ws") + "/ws"

    async def attempt(headers):
        try:
            async with websockets.connect(ws_url, additional_headers=headers, open_timeout=10) as ws:
                return ("open", json.loads(await asyncio.wait_for(ws.recv(), 10)))
        except websockets.exceptions.InvalidStatus as exc:
            return ("refused", exc.response.status_code)

    assert asyncio.run(attempt({})) == ("refused", 403)
    assert asyncio.run(attempt({"Cookie": "bastion_session=forged"})) == ("refused", 403)
    import httpx

    with httpx.Client(base_url=srv.url) as h:
        r = h.post("/api/login", json={"name": "obs", "password": PASSWORDS["obs"]})
        token = r.cookies["bastion_session"]
        assert h.get("/api/state").status_code == 200
        assert h.get("/api/state", headers={"Host": "evil.example"}).status_code == 400  # DNS rebinding
    cookie = {"Cookie": f"bastion_session={token}"}
    assert asyncio.run(attempt({**cookie, "Origin": "http://evil.example"})) == ("refused", 403)
    kind, hello = asyncio.run(attempt({**cookie, "Origin": srv.url}))
    assert kind == "open" and hello["type"] == "hello" and hello["role"] == "observer"
