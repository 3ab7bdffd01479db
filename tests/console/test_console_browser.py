"""The console in a real browser (Debian's chromium driven by Playwright): log in, watch the Baghdad
night, authorise engagements in "tight", see both drones destroyed; observers cannot authorise;
nothing without a session. Screenshots go to test-artifacts/console/."""

from __future__ import annotations

import time

import pytest
from console_support import PASSWORDS, login, shot

from bastion.api import run_night

pytestmark = pytest.mark.xdist_group("browser")

WS_PROBE = """(url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => { resolve("open"); ws.close(); };
  ws.onclose = (ev) => resolve("closed " + ev.code);
  setTimeout(() => resolve("timeout"), 5000);
})"""

FETCH_POST = """async ([path, body]) => {
  const me = await fetch("/api/me").then((r) => r.json());
  const r = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json",
    "X-CSRF-Token": me.csrf }, body: JSON.stringify(body) });
  return [r.status, await r.json()];
}"""


def test_nothing_without_a_session(page, serve, user_db):
    srv = serve(db=user_db, scenario="baghdad")
    page.goto(srv.url + "/")
    page.wait_for_selector("#login-form")
    assert page.is_visible("#login") and not page.is_visible("#console")
    assert page.request.get(srv.url + "/api/state").status == 401
    assert page.request.get(srv.url + "/api/site").status == 401
    assert page.evaluate(WS_PROBE, srv.url.replace("http", "ws") + "/ws") == "closed 1006"  # handshake refused
    page.fill("#login-name", "op")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:has-text('Wrong name or password')")
    shot(page, "login-refused")
    login(page, srv.url, "op")
    assert page.request.get(srv.url + "/api/state").status == 200  # the session cookie now goes along
    assert page.evaluate("document.cookie") == ""  # HttpOnly: scripts cannot read the session
    page.click("#logout")
    page.wait_for_selector("#login-form")
    assert page.request.get(srv.url + "/api/state").status == 401
    assert not page.js_errors


@pytest.mark.slow
def test_operator_authorises_and_both_drones_are_destroyed(page, serve, user_db):
    srv = serve(db=user_db, scenario="baghdad", speed=50)
    login(page, srv.url, "op")
    page.wait_for_selector("#banner:has-text('Night ready')")
    page.wait_for_selector("#wcs.tight")
    assert page.inner_text("#wcs-status") == "TIGHT"
    assert page.is_hidden("#wcs-buttons")  # an operator may not change weapons-control status
    shot(page, "01-ready")
    page.click("#play")
    approved = 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        button = page.query_selector(".request button.approve:not([disabled])")
        if button is not None:
            if approved == 0:
                page.wait_for_timeout(300)  # let the map catch up before the picture for the record
                shot(page, "02-authorisation-request")
            button.click()
            approved += 1
        if page.query_selector("#banner.ended"):
            break
        page.wait_for_timeout(100)
    assert approved >= 2, "expected an authorisation request per drone"
    page.wait_for_selector("#banner.ended")
    shot(page, "03-night-over")
    assert page.get_attribute("#banner", "data-destroyed") == "2/2"
    assert page.get_attribute("#counters", "data-kills") == "2"  # observed kills
    log = page.inner_text("#log")
    assert "APPROVED #1 by op" in log and "OBSERVED: target destroyed" in log
    assert "OWA-" not in page.content()  # the raid's truth names never reach the browser
    assert not page.js_errors


@pytest.mark.slow
def test_observer_cannot_authorise(page, serve, user_db):
    srv = serve(db=user_db, scenario="baghdad", speed=100, autoplay=True)
    login(page, srv.url, "obs")
    assert page.is_disabled("#play") and page.is_hidden("#restart")
    card = page.wait_for_selector(".request", timeout=60_000)  # the clock waits at x1 while it is pending
    request_id = int(card.get_attribute("data-request"))
    assert page.is_disabled(".request button.approve") and page.is_disabled(".request button.deny")
    assert "Observers cannot authorise" in card.inner_text()
    shot(page, "04-observer-request")
    status, body = page.evaluate(FETCH_POST, ["/api/authorise", {"request": request_id, "approved": True}])
    assert status == 403 and "observer may not authorise" in body["detail"]
    status, _ = page.evaluate(FETCH_POST, ["/api/weapons-control", {"status": "free"}])
    assert status == 403
    assert not page.js_errors


def test_commander_sets_weapons_hold(page, serve, user_db):
    srv = serve(db=user_db, scenario="baghdad", speed=100)
    login(page, srv.url, "cmd")
    assert page.is_visible("#wcs-buttons")
    page.click("#wcs-buttons button[data-status='hold']")
    page.click("#play")  # the engine applies operator actions when it next wakes
    page.wait_for_selector("#wcs.hold")
    assert page.inner_text("#wcs-status") == "HOLD"
    page.wait_for_selector("#log li[data-kind='weapons_control']:has-text('set by cmd')")
    page.click("#play")  # pause
    assert not page.js_errors


@pytest.mark.slow
def test_replay_seek_and_play(page, serve, user_db, tmp_path):
    run_night("baghdad", 1, tmp_path / "run", report=False)
    srv = serve(db=user_db, replay=str(tmp_path / "run"))
    login(page, srv.url, "obs")
    assert page.inner_text("#mode") == "REPLAY"
    assert page.is_enabled("#play") and page.is_enabled("#seek")  # an observer drives their own replay
    page.eval_on_selector("#seek", "(el) => { el.value = '250'; el.dispatchEvent(new Event('change')); }")
    page.wait_for_selector("#log:has-text('OBSERVED: target destroyed')")
    assert "T+04:10" in page.inner_text("#clock-t")
    shot(page, "05-replay-seek")
    page.select_option("#speed", "100")
    page.click("#play")
    page.wait_for_selector("#banner.ended", timeout=30_000)
    assert page.get_attribute("#banner", "data-destroyed") == "2/2"
    assert PASSWORDS["obs"] not in page.content()
    assert not page.js_errors
