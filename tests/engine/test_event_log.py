"""The event log: ordered sequence numbers, every event to every subscriber, and (``retain=False``, a
live engine running for days) memory bounded by what is not yet flushed; a payload must be typed."""

import pytest

from bastion import event_types as ev
from bastion.engine.events import EventLog


def _plots(i: int) -> ev.Adsb:
    return ev.Adsb(icao24=[f"{i:06x}"], reports=i)


def _run(log: EventLog, n: int, flush_each: int) -> list:
    seen: list = []
    log.subscribers.append(seen.extend)
    for i in range(n):
        log.emit(float(i), "sensor", _plots(i))
        if (i + 1) % flush_each == 0:
            log.flush()
    log.flush()
    return seen


def test_retained_and_dropped_logs_deliver_the_same_events():
    kept, dropped = EventLog(flush_every=7), EventLog(flush_every=7, retain=False)
    a, b = _run(kept, 100, 10), _run(dropped, 100, 10)
    assert [(e.seq, e.t, e.payload) for e in a] == [(e.seq, e.t, e.payload) for e in b]
    assert [e.seq for e in b] == list(range(100))
    assert kept.count == dropped.count == 100
    assert len(kept.events) == 100 and dropped.events == []


def test_unflushed_events_stay_until_the_flush():
    log = EventLog(flush_every=1_000, retain=False)
    for i in range(5):
        log.emit(0.0, "sensor", _plots(i))
    assert len(log.events) == 5 and log.count == 5
    log.flush()
    assert log.events == [] and log.count == 5
    assert log.emit(1.0, "sensor", _plots(5)).seq == 5


def test_the_kind_is_the_payload_type_s():
    e = EventLog().emit(2.5, "decision", ev.HoldFire(track=3, reason="track not current"))
    assert e.kind is ev.EventKind.HOLD_FIRE and e.kind == "hold_fire" and f"{e.kind}" == "hold_fire"
    assert e.to_json() == '{"track":3,"reason":"track not current"}'


def test_a_payload_of_no_event_type_is_refused():
    log = EventLog()
    with pytest.raises(TypeError, match="event_types"):
        log.emit(0.0, "decision", {"track": 3, "reason": "no type"})
    assert log.count == 0
