"""The console's web application (FastAPI): the single page, its JSON API and the picture's WebSocket.

Two modes, chosen at start: **live** (a simulated night run by :class:`~bastion.console.live.LiveRun`,
paced by people, requests answered by people) and **replay** (recorded runs from an event store,
each browser with its own play/pause/speed/seek).

Routes (everything under ``/api`` and ``/ws`` needs a session; state changes need the CSRF token):

=========================  ======================  =================================================
``POST /api/login``        anyone (rate limited)   ``{name, password}`` -> session cookie + CSRF token
``POST /api/logout``       any user                ends the session, closes its WebSockets
``GET /api/me``            any user                name, role, CSRF token (for a reloaded page)
``GET /api/state``         any user                mode, clock, weapons control, pending requests
``GET /api/site``          any user                the site in ENU metres (``?run=`` in replay mode)
``GET /api/runs``          any user                recorded runs (replay mode)
``POST /api/authorise``    operator, commander     ``{request, approved}``: answer a request
``POST /api/weapons-control``  commander           ``{status: hold|tight|free}``
``POST /api/clock``        operator, commander     ``{action: play|pause|speed, speed}`` (live)
``POST /api/restart``      operator, commander     a new night, next seed (live)
``GET /api/audit``         commander               the latest audit entries
``WS /ws``                 any user                hello, snapshot, then events and status
=========================  ======================  =================================================

The WebSocket sends ``hello``, then a ``snapshot`` (the picture so far), then ``events`` batches as
they happen and a ``status`` (clock, weapons control, pending requests) at least once a second. In
replay mode it accepts ``{"type": "replay", "action": "play" | "pause" | "speed" | "seek" | "load",
...}``. A browser too slow to keep up is resynchronised with a fresh snapshot, never left behind.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Literal

import anyio
from fastapi import Depends, FastAPI, HTTPException, Request, Response, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.websockets import WebSocketDisconnect

from bastion.console.auth import Session, same_origin
from bastion.console.live import LiveRun, finite_number
from bastion.console.replay import ReplayCursor
from bastion.console.state import Client, Console, ConsoleConfig, dumps, no_json_constant
from bastion.console.view import site_json
from bastion.doctrine import WeaponsControl

STATIC = Path(__file__).parent / "static"
COOKIE = "bastion_session"
STATUS_EVERY_S = 1.0
MAX_CLIENT_MESSAGE = 4_096
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


class LoginBody(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AuthoriseBody(BaseModel):
    request: int = Field(ge=1)
    approved: bool


class WeaponsControlBody(BaseModel):
    status: WeaponsControl


class ClockBody(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    action: Literal["play", "pause", "speed"]
    speed: float | None = Field(default=None, ge=1.0, le=100.0)


class RestartBody(BaseModel):
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


def create_app(config: ConsoleConfig) -> FastAPI:
    """The console application for ``config`` (raises ValueError / ScenarioError / LookupError on bad input)."""
    console = Console(config)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        console.loop = asyncio.get_running_loop()
        if console.mode == "live":
            console.new_live(config.seed)
        try:
            yield
        finally:
            for c in list(console.clients):
                with suppress(Exception):
                    await c.ws.close(code=1001)
            if console.live is not None:
                await asyncio.to_thread(console.live.stop)

    app = FastAPI(title="bastion console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console
    if config.allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=config.allowed_hosts)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer echoes the offending input, which may be a NaN (not JSON: the answer
        # itself would fail) or a password; say where and what, never the value
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=422)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        h = response.headers
        h["Content-Security-Policy"] = CSP
        h["X-Content-Type-Options"] = "nosniff"
        h["Referrer-Policy"] = "no-referrer"
        h["X-Frame-Options"] = "DENY"
        if request.url.path.startswith("/api"):
            h["Cache-Control"] = "no-store"
        return response

    # -- who is asking --------------------------------------------------------------------------------
    def client_of(request: Request) -> str:
        # the TCP peer, or what a proxy named with ``bastion console --trusted-proxy`` forwarded (uvicorn
        # believes X-Forwarded-For/-Proto only from those; see bastion.cli.console.uvicorn_options)
        return request.client.host if request.client else "?"

    def authenticated(request: Request) -> Session:
        session = console.sessions.get(request.cookies.get(COOKIE))
        if session is None:
            raise HTTPException(401, "not logged in", headers={"WWW-Authenticate": "Session"})
        return session

    def state_changing(request: Request, session: Session = Depends(authenticated)) -> Session:
        if not same_origin(request.headers.get("origin"), request.headers.get("host"), request.url.scheme):
            console.users.audit(session.user.name, request.url.path, "refused", "cross-origin", client_of(request))
            raise HTTPException(403, "cross-origin request refused")
        token = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(token.encode(), session.csrf.encode()):
            console.users.audit(session.user.name, request.url.path, "refused", "bad CSRF token", client_of(request))
            raise HTTPException(403, "missing or wrong CSRF token (X-CSRF-Token)")
        return session

    def need(session: Session, role: str, what: str, request: Request) -> None:
        if not session.user.may(role):
            console.users.audit(
                session.user.name,
                request.url.path,
                "refused",
                f"role {session.user.role} may not {what}",
                client_of(request),
            )
            raise HTTPException(403, f"a {session.user.role} may not {what} (needs {role} or above)")

    def need_live(what: str) -> LiveRun:
        if console.live is None:
            raise HTTPException(409, f"this console replays recorded runs: nothing to {what}")
        return console.live

    # -- pages ----------------------------------------------------------------------------------------
    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    # -- sessions -------------------------------------------------------------------------------------
    @app.post("/api/login")
    def login(body: LoginBody, request: Request, response: Response) -> dict:
        client = client_of(request)
        if not same_origin(request.headers.get("origin"), request.headers.get("host"), request.url.scheme):
            raise HTTPException(403, "cross-origin login refused")
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise HTTPException(415, "login takes a JSON body")
        keys = [f"ip:{client}", f"user:{body.name.lower()}"]
        # check and count the attempt in one step before the slow hash: parallel guesses cannot all pass
        wait, stamp = console.limiter.reserve(keys)
        if wait > 0:
            console.users.audit(body.name, "login", "rate-limited", "", client)
            raise HTTPException(
                429, f"too many failed logins: try again in {wait:.0f} s", headers={"Retry-After": str(int(wait) + 1)}
            )
        user = console.users.verify(body.name, body.password)
        if user is None:  # already counted by reserve
            console.users.audit(body.name, "login", "failed", "", client)
            raise HTTPException(401, "wrong name or password")
        console.limiter.release(keys, stamp)
        console.limiter.succeeded([f"user:{body.name.lower()}"])
        token, session = console.sessions.create(user)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
        )
        console.users.audit(user.name, "login", "ok", user.role, client)
        return {"user": user.name, "role": user.role, "csrf": session.csrf}

    @app.post("/api/logout")
    async def logout(request: Request, response: Response, session: Session = Depends(state_changing)) -> dict:
        token = request.cookies.get(COOKIE)
        console.sessions.drop(token)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        for c in [c for c in console.clients if c.token == token]:
            with suppress(Exception):
                await c.ws.close(code=4401)
        await asyncio.to_thread(console.users.audit, session.user.name, "logout", "ok", "", client_of(request))
        return {"ok": True}

    @app.get("/api/me")
    def me(session: Session = Depends(authenticated)) -> dict:
        return {"user": session.user.name, "role": session.user.role, "csrf": session.csrf}

    # -- reading ----------------------------------------------------------------------------------------
    @app.get("/api/state")
    def state(session: Session = Depends(authenticated)) -> dict:
        return console.state()

    @app.get("/api/site")
    def site(run: str | None = None, session: Session = Depends(authenticated)) -> dict:
        if run is None or console.mode == "live":
            return console.site
        try:
            return site_json(console.recorded(run).defence)
        except KeyError as exc:
            raise HTTPException(404, str(exc)) from None

    @app.get("/api/runs")
    def runs(session: Session = Depends(authenticated)) -> dict:
        return {"mode": console.mode, "default": console.replay_default, "runs": console.runs()}

    @app.get("/api/audit")
    def audit(request: Request, limit: int = 100, session: Session = Depends(authenticated)) -> dict:
        need(session, "commander", "read the audit log", request)
        return {"entries": console.users.audit_log(min(max(limit, 1), 1000))}

    # -- acting -------------------------------------------------------------------------------------------
    @app.post("/api/authorise", status_code=202)
    def authorise(body: AuthoriseBody, request: Request, session: Session = Depends(state_changing)) -> dict:
        need(session, "operator", "authorise engagements", request)
        live = need_live("authorise")
        try:
            req = live.operator.authorise(body.request, body.approved, session.user.name)
        except LookupError as exc:
            console.users.audit(session.user.name, "authorise", "refused", str(exc), client_of(request))
            raise HTTPException(409, str(exc)) from None
        verdict = "approve" if body.approved else "deny"
        console.users.audit(
            session.user.name,
            "authorise",
            "queued",
            f"{verdict} request {req.request} (track {req.track}, {req.gun})",
            client_of(request),
        )
        return {"queued": True, "request": req.request, "approved": body.approved}

    @app.post("/api/weapons-control", status_code=202)
    def weapons_control(body: WeaponsControlBody, request: Request, session: Session = Depends(state_changing)) -> dict:
        need(session, "commander", "change the weapons-control status", request)
        live = need_live("set")
        live.operator.set_weapons_control(body.status, session.user.name)
        console.users.audit(session.user.name, "weapons-control", "queued", body.status, client_of(request))
        return {"queued": True, "status": body.status}

    @app.post("/api/clock")
    def clock(body: ClockBody, request: Request, session: Session = Depends(state_changing)) -> dict:
        need(session, "operator", "drive the simulation clock", request)
        live = need_live("drive")
        if body.action == "play":
            live.play()
        elif body.action == "pause":
            live.pause()
        else:
            if body.speed is None:
                raise HTTPException(422, "speed: required for action 'speed' (x1 to x100)")
            live.set_speed(body.speed)
        detail = body.action + (f" x{body.speed:g}" if body.action == "speed" else "")
        console.users.audit(session.user.name, "clock", "ok", detail, client_of(request))
        return live.state()

    @app.post("/api/restart")
    async def restart(body: RestartBody, request: Request, session: Session = Depends(state_changing)) -> dict:
        need(session, "operator", "restart the night", request)
        live = need_live("restart")
        seed = body.seed if body.seed is not None else live.seed + 1
        await asyncio.to_thread(live.stop)
        new = console.new_live(seed)
        console.resync_all()
        await asyncio.to_thread(
            console.users.audit, session.user.name, "restart", "ok", f"seed {seed}", client_of(request)
        )
        return new.state()

    # -- the picture ----------------------------------------------------------------------------------------
    @app.websocket("/ws")
    async def picture(ws: WebSocket) -> None:
        token = ws.cookies.get(COOKIE)
        session = console.sessions.get(token)
        if session is None:
            await ws.close(code=4401)  # before accept: the handshake is refused (HTTP 403)
            return
        if not same_origin(ws.headers.get("origin"), ws.headers.get("host"), ws.url.scheme):
            await ws.close(code=4403)
            return
        await ws.accept()
        client = Client(ws, token, session.user)
        if console.mode == "replay":
            client.cursor = ReplayCursor(console.recorded(console.replay_default), config.speed)
        console.clients.add(client)
        try:
            hello = {"type": "hello", "user": session.user.name, "role": session.user.role, "mode": console.mode}
            await ws.send_text(dumps(hello))
            client.wake.set()
            async with anyio.create_task_group() as tg:

                async def until_closed(part) -> None:
                    # the first part to end (browser gone, session over) ends the others
                    try:
                        await part
                    except (WebSocketDisconnect, RuntimeError):
                        pass
                    finally:
                        tg.cancel_scope.cancel()

                tg.start_soon(until_closed, _send(console, client))
                tg.start_soon(until_closed, _receive(console, client))
                if client.cursor is not None:
                    tg.start_soon(until_closed, _play(client))
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            console.clients.discard(client)

    return app


async def _send(console: Console, client: Client) -> None:
    """Everything the browser is sent: snapshots, event batches, status."""
    ws = client.ws
    loop = asyncio.get_running_loop()
    last_status = 0.0
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(client.wake.wait(), timeout=STATUS_EVERY_S)
        client.wake.clear()
        if loop.time() - last_status >= STATUS_EVERY_S:
            client.status_due = True
        if console.sessions.get(client.token) is None:
            await ws.close(code=4401)
            return
        if client.resync:
            client.resync = False
            client.pending.clear()
            await ws.send_text(console.snapshot(client))
            client.status_due = True
        if client.pending:
            fragments, client.pending = client.pending, []
            head = dumps({"type": "events", "wall_ms": client.wall_ms})
            await ws.send_text(head[:-1] + ',"events":[' + ",".join(fragments) + "]}")
        if client.status_due:
            client.status_due = False
            last_status = loop.time()
            await ws.send_text(dumps({"type": "status", **console.state(client)}))


async def _receive(console: Console, client: Client) -> None:
    """Messages from the browser: replay controls (live controls go through the CSRF-checked API)."""
    while True:
        text = await client.ws.receive_text()
        if len(text) > MAX_CLIENT_MESSAGE:
            continue
        try:
            msg = json.loads(text, parse_constant=no_json_constant)
        except (ValueError, RecursionError) as exc:
            await client.ws.send_text(dumps({"type": "error", "message": f"not a JSON message: {exc}"[:200]}))
            continue
        if not isinstance(msg, dict) or msg.get("type") != "replay" or client.cursor is None:
            continue
        try:
            _replay_control(console, client, msg)
        except (ValueError, KeyError, TypeError) as exc:
            await client.ws.send_text(dumps({"type": "error", "message": str(exc)}))
        client.status_due = True
        client.control.set()
        client.wake.set()


def _replay_control(console: Console, client: Client, msg: dict) -> None:
    cursor = client.cursor
    action = msg.get("action")
    if action == "play":
        cursor.play()
    elif action == "pause":
        cursor.pause()
    elif action == "speed":
        cursor.set_speed(msg.get("speed"))
    elif action == "seek":
        cursor.seek(finite_number(msg.get("t"), "t", 0.0, cursor.run.duration_s))
        client.pending.clear()
        client.resync = True
    elif action == "load":
        run = console.recorded(str(msg.get("run")))
        client.cursor = ReplayCursor(run, cursor.speed)
        client.pending.clear()
        client.resync = True
    else:
        raise ValueError(f"action: {action!r} is not play, pause, speed, seek or load")


async def _play(client: Client) -> None:
    """A replay viewer's playback: hand over the events that have come due, then sleep until the next."""
    while True:
        cursor = client.cursor
        if not client.resync:
            due = cursor.due()
            if due:
                client.push(due, time.time() * 1000.0)
        nxt = cursor.next_time()
        delay = 0.25
        if cursor.playing and nxt is not None:
            delay = min(delay, max(0.0, (nxt - cursor.now()) / cursor.speed))
        with suppress(TimeoutError):
            await asyncio.wait_for(client.control.wait(), timeout=max(delay, 0.005))
        client.control.clear()
