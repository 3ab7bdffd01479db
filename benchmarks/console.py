"""Benchmark: 1,000 tracks updated at 1 Hz, from the engine's event log to the operator's screen.

The console is served on 127.0.0.1 (uvicorn, the Baghdad site) with no engine thread; this script
feeds ``LiveRun.ingest`` once a second with a ``tracks`` event of N tracks (as the decision pipeline
emits them: positions, velocities, identities, predicted impacts and ellipses for the hostile ones),
exactly the path a live night takes: operator's-view filter, JSON, snapshot log, hand-over to the
server's event loop, WebSocket, the browser's picture reducer and the canvas map. Headless Debian
chromium (Playwright) logs in and watches; the page records, for every update, the wall-clock delay
from the event leaving the engine to (a) the picture updated in the browser and (b) the map drawn
with it, its main-thread time to fold and to draw the update, and any long tasks (> 50 ms).

Peer, measured in the same run: a bare ``websockets`` server sending the same event (serialised
when it is sent) to a page that only parses it — the floor for a JSON-over-WebSocket picture on
this machine. Target: median server-to-browser latency < 100 ms.

    .venv/bin/python benchmarks/console.py [--tracks 1000] [--updates 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "console"))

from console_support import CHROMIUM_ARGS, FAST_HASHER, PASSWORDS, LiveServer  # noqa: E402

from bastion import event_types as ev  # noqa: E402
from bastion.console import ConsoleConfig  # noqa: E402
from bastion.console.auth import UserStore  # noqa: E402
from bastion.engine.events import Event  # noqa: E402

IDENTITIES = np.array(["hostile", "civil", "unknown", "pending", "friendly"])


def tracks_base(n: int, rng: np.random.Generator) -> dict:
    """The fixed part of N synthetic tracks: ids, circle radii [m], phases [rad], speeds [m/s], heights [m]
    and identities (5 % hostile), drawn once so the console and the raw peer see the same picture."""
    return {
        "id": np.arange(1, n + 1),
        "r": rng.uniform(2_000, 20_000, n),
        "phase": rng.uniform(0, 2 * np.pi, n),
        "speed": rng.uniform(20, 250, n),
        "h": rng.uniform(50, 3_000, n),
        "identity": IDENTITIES[rng.choice(5, n, p=[0.05, 0.4, 0.45, 0.05, 0.05])],
    }


def tracks_payload(n: int, t: float, rng: np.random.Generator, base: dict) -> ev.Tracks:
    """N tracks on circles 2-20 km around the site, moving at 20-250 m/s (pipeline payload layout)."""
    r, phase, speed = base["r"], base["phase"], base["speed"]
    ang = phase + speed * t / r
    pos = np.stack([r * np.sin(ang), r * np.cos(ang), base["h"]], axis=1)
    vel = np.stack([speed * np.cos(ang), -speed * np.sin(ang), np.zeros(n)], axis=1)
    hostile = base["identity"] == "hostile"
    impact = [[2400.0 + rng.normal(0, 50), 1300.0 + rng.normal(0, 50)] if h else None for h in hostile]
    return ev.Tracks(
        id=base["id"].tolist(),
        position=np.round(pos, 1).tolist(),
        velocity=np.round(vel, 1).tolist(),
        sigma_m=np.round(rng.uniform(5, 30, n), 1).tolist(),
        identity=base["identity"].tolist(),
        klass=["drone" if h else "aircraft" for h in hostile],
        zone=["BDSC" if h else None for h in hostile],
        time_to_impact_s=[round(float(x), 1) if h else None for x, h in zip(r / speed, hostile, strict=True)],
        impact_point=impact,
        ellipse=[[300.0, 60.0, 1.2] if h else None for h in hostile],
        threat_value=np.where(hostile, 14.0, 0.0).tolist(),
        icao24=[None] * n,
    )


def feed(console, n: int, updates: int, stop: threading.Event) -> None:
    """Ingest one tracks event per second, as the engine thread would."""
    rng = np.random.default_rng(1)
    base = tracks_base(n, rng)
    live = console.live
    t0 = time.monotonic()
    for k in range(updates):
        if stop.is_set():
            return
        time.sleep(max(0.0, t0 + k + 1.0 - time.monotonic()))
        t = 10.0 + k
        live.ingest([Event(1_000 + k, t, "tracks", "decision", tracks_payload(n, t, rng, base))])


RAW_PAGE = """<!doctype html><meta charset="utf-8"><title>raw</title><script>
window.lat = [];
const ws = new WebSocket("ws://127.0.0.1:PORT/");
ws.onmessage = (ev) => { const m = JSON.parse(ev.data); window.lat.push(Date.now() - m.wall_ms); };
</script>"""


def raw_peer(page, n: int, updates: int) -> list[float]:
    """The floor: the same tracks event, serialised and sent by a bare websockets server, parsed by a bare page."""
    import websockets

    rng = np.random.default_rng(1)
    base = tracks_base(n, rng)
    connected = threading.Event()
    port_box: list[int] = []

    async def serve() -> None:
        async def handler(ws):
            connected.set()
            t0 = time.monotonic()
            for k in range(updates):
                await asyncio.sleep(max(0.0, t0 + k + 1.0 - time.monotonic()))
                payload = tracks_payload(n, 10.0 + k, rng, base).to_dict()
                wall_ms = time.time() * 1000.0
                await ws.send(
                    json.dumps(
                        {
                            "type": "events",
                            "wall_ms": wall_ms,
                            "events": [{"seq": k, "t": 10.0 + k, "kind": "tracks", "p": payload}],
                        }
                    )
                )
            await asyncio.sleep(0.5)

        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            port_box.append(server.sockets[0].getsockname()[1])
            await asyncio.sleep(updates + 15)

    th = threading.Thread(target=lambda: asyncio.run(serve()), daemon=True)
    th.start()
    while not port_box:
        time.sleep(0.01)
    page.set_content(RAW_PAGE.replace("PORT", str(port_box[0])))
    connected.wait(10)
    deadline = time.monotonic() + updates + 10
    while time.monotonic() < deadline and page.evaluate("window.lat.length") < updates:
        time.sleep(0.25)
    return page.evaluate("window.lat")


def summary(name: str, xs: list[float]) -> str:
    xs = sorted(xs)
    if not xs:
        return f"  {name:<44} (none)"
    p95 = xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
    med = statistics.median(xs)
    return f"  {name:<44} median {med:7.1f} ms   p95 {p95:7.1f} ms   max {xs[-1]:7.1f} ms   (n={len(xs)})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracks", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=30)
    args = ap.parse_args()
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        sys.exit("needs Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        UserStore(db, FAST_HASHER).add("obs", "observer", PASSWORDS["obs"])
        srv = LiveServer(ConsoleConfig(db=db, scenario="baghdad", hasher=FAST_HASHER, engine=False, record=False))
        stop = threading.Event()
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1600, "height": 900})
                page.goto(srv.url + "/")
                page.fill("#login-name", "obs")
                page.fill("#login-password", PASSWORDS["obs"])
                page.click("#login-submit")
                page.wait_for_selector("body[data-ready='1']")
                page.evaluate("""() => { window.longTasks = [];
                  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.longTasks.push(e.duration); })
                    .observe({ type: "longtask", buffered: false }); }""")
                th = threading.Thread(target=feed, args=(srv.console, args.tracks, args.updates, stop), daemon=True)
                th.start()
                th.join(args.updates + 30)
                page.wait_for_timeout(1500)
                stats = page.evaluate("window.__bastion.stats")
                # the map's full cost: drawing calls plus the rasterisation they leave to the browser
                full_draw = page.evaluate("""() => {
                  const b = window.__bastion; const ctx = b.map.ctx; const out = [];
                  for (let i = 0; i < 10; i++) {
                    const t0 = performance.now(); b.map.draw(b.picture, b.picture.t, false);
                    ctx.getImageData(0, 0, 1, 1); out.push(performance.now() - t0);
                  }
                  return out; }""")
                long_tasks = page.evaluate("window.longTasks")
                shown = page.evaluate("window.__bastion.picture.tracks.size")
                ARTIFACTS = ROOT / "test-artifacts" / "console"
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / "bench-1000-tracks.png"))
                raw_page = browser.new_page()
                raw = raw_peer(raw_page, args.tracks, args.updates)
                browser.close()
        finally:
            stop.set()
            srv.close()
    size_kb = (
        len(
            json.dumps(
                tracks_payload(
                    args.tracks,
                    10.0,
                    np.random.default_rng(1),
                    {
                        "id": np.arange(1, args.tracks + 1),
                        "r": np.full(args.tracks, 5_000.0),
                        "phase": np.zeros(args.tracks),
                        "speed": np.full(args.tracks, 50.0),
                        "h": np.full(args.tracks, 100.0),
                        "identity": np.full(args.tracks, "hostile"),
                    },
                ).to_dict()
            )
        )
        / 1024
    )
    skip = 2  # the first updates warm up the JIT and the canvas
    recv, drawn, painted = stats["recv"][skip:], stats["drawn"][skip:], stats["painted"][skip:]
    print(
        f"console: {args.tracks} tracks at 1 Hz, {args.updates} updates (first {skip} dropped as warm-up), "
        f"~{size_kb:.0f} KiB of JSON per update; {shown} tracks on the map at the end"
    )
    print(summary("server -> browser, picture updated", recv))
    print(summary("server -> browser, map drawn", drawn))
    print(summary("server -> browser, next frame (on screen)", painted))
    print(summary("browser: fold the update into the picture", stats["handle"][skip:]))
    print(summary(f"browser: draw the map ({args.tracks:,} tracks, trails)", stats["draw"][skip:]))
    print(summary("browser: draw + rasterise the map (forced)", full_draw))
    print(summary("browser: panels (threats, warnings, log)", stats["panels"][skip:]))
    print(summary("peer: bare websockets server -> JSON.parse", raw[skip:]))
    if recv and raw[skip:]:
        ratio = statistics.median(recv) / max(statistics.median(raw[skip:]), 1e-3)
        print(f"  console / bare WebSocket median latency: {ratio:.2f}x")
    print(
        f"  long main-thread tasks (> 50 ms) while watching: {len(long_tasks)}"
        + (f", longest {max(long_tasks):.0f} ms" if long_tasks else "")
    )
    ok = bool(painted) and statistics.median(painted) < 100.0
    print(
        f"target: median server-to-browser latency (to the next frame on screen) < 100 ms: {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
