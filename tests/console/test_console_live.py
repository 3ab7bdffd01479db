"""The live night's clock and operator, and the replay cursor (bounded waits, no timing assertions)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from bastion import event_types as ev
from bastion.console.live import ConsoleClock, ConsoleOperator, LiveRun, clamp_speed
from bastion.engine.events import Event


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _waiter(clock: ConsoleClock, t: float) -> threading.Thread:
    th = threading.Thread(target=clock.wait_until, args=(t,), daemon=True)
    th.start()
    return th


def test_paused_clock_holds_the_engine_until_play():
    clock = ConsoleClock(speed=100, paused=True)
    th = _waiter(clock, 1.0)
    th.join(0.3)
    assert th.is_alive()  # paused: simulation time does not pass
    assert clock.state()["t"] == 0.0
    clock.play()
    th.join(10)
    assert not th.is_alive()
    assert clock.engine_t == 1.0


def test_stop_releases_a_waiting_engine():
    clock = ConsoleClock(speed=1, paused=True)
    th = _waiter(clock, 3600.0)
    clock.stop()
    th.join(10)
    assert not th.is_alive() and clock.stopped


def test_pending_decision_caps_the_clock_at_real_time():
    clock = ConsoleClock(speed=50, paused=False)
    assert clock.state()["effective_speed"] == 50
    clock.set_decision_pending(True)
    assert clock.state()["effective_speed"] == 1.0 and clock.state()["decision_pending"]
    clock.set_decision_pending(False)
    assert clock.state()["effective_speed"] == 50
    fast = ConsoleClock(speed=50, paused=False, real_time_decisions=False)
    fast.set_decision_pending(True)
    assert fast.state()["effective_speed"] == 50


def test_pause_freezes_time():
    clock = ConsoleClock(speed=100, paused=False)
    clock.pause()
    t = clock.now()
    th = _waiter(clock, t + 0.5)
    th.join(0.2)
    assert th.is_alive() and clock.now() == t
    clock.stop()
    th.join(10)


@pytest.mark.parametrize("bad", [0.5, 101, "fast", None])
def test_speed_outside_x1_to_x100_is_refused(bad):
    with pytest.raises(ValueError, match="speed"):
        clamp_speed(bad)


def test_operator_queue():
    changes = []
    op = ConsoleOperator(changes.append)
    assert op.next_action_time() is None
    with pytest.raises(LookupError, match="not pending"):
        op.authorise(1, True, "op")
    for request, track, gun in ((1, 33, "LPWS-1"), (2, 85, "LPWS-2")):
        asked = ev.AuthorisationRequest(request=request, track=track, gun=gun, pk=0.2, time_to_impact_s=30.0, zone=None)
        op.observe("authorisation_request", asked)
    assert op.pending() == [1, 2] and changes == [True]
    req = op.authorise(1, True, "op")
    assert req.track == 33
    with pytest.raises(LookupError):
        op.authorise(1, False, "op")  # answered once only
    op.observe("authorisation_timeout", ev.AuthorisationTimeout(request=2, track=85, gun="LPWS-2", reason="lapsed"))
    assert op.pending() == [] and changes == [True, False]
    with pytest.raises(LookupError):
        op.authorise(2, True, "op")  # lapsed: too late
    op.set_weapons_control("hold", "cmd")
    with pytest.raises(ValueError, match="status"):
        op.set_weapons_control("weapons free", "cmd")
    actions = op.actions(12.5)
    assert [(a.kind, a.user, a.request_id, a.approved, a.status, a.t) for a in actions] == [
        ("authorise", "op", 1, True, "", 12.5),
        ("weapons_control", "cmd", 0, False, "hold", 12.5),
    ]
    assert op.actions(13.0) == []  # taken once


def test_live_run_ingest_filters_and_follows_requests(baghdad):
    published = []
    live = LiveRun(baghdad, 1, lambda views, wall_ms: published.append(views))
    start = replace(baghdad.defence.run_start(1), weapons_control="tight")
    request = ev.AuthorisationRequest(request=1, track=5, gun="LPWS-1", pk=0.2, time_to_impact_s=30.0, zone="BDSC")
    batch = [
        Event(0, 0.0, "run_start", "engine", start),
        Event(1, 1.0, "truth", "world", ev.Truth(label=[0], position=[[0, 0, 0]])),
        Event(2, 2.0, "authorisation_request", "decision", request),
        Event(3, 3.0, "weapons_control", "operator", ev.WeaponsControl(from_="tight", to="free", user="cmd")),
    ]
    live.ingest(batch)
    assert [v.kind for v in published[0]] == ["run_start", "authorisation_request", "weapons_control"]
    assert live.operator.pending() == [1]
    assert live.clock.state()["decision_pending"]
    assert live.state()["weapons_control"] == "free"
    live.stop()
    live.ingest([Event(4, 4.0, "run_end", "engine", ev.RunEnd(wall_seconds=4.0))])
    assert len(published) == 1  # nothing published once stopped
