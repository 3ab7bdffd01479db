"""Leak reasons from hand-made event logs: each reason follows from the decision events of the
leaker's tracks as the module docstring states."""

import pytest

from bastion.engine.events import Event
from bastion.engine.leaks import leak_reasons
from bastion.event_types import from_dict

TRUTH = {10: ("threat", 0), 11: ("threat", 1), 20: ("threat", 2)}  # track -> truth


def truth(track):
    return TRUTH.get(track, ("noise", -1))


def ev(t, kind, source="decision", **payload):
    return Event(0, t, kind, source, from_dict(kind, payload))


def hostile(t, track):
    return ev(t, "identification", track=track, **{"from": "unknown", "to": "hostile", "reason": "drone kinematics"})


def fired(t, order, gun, track, left=100, t_last=None):
    return ev(
        t, "gun_fired", "world", order=order, gun=gun, track=track, rounds=150, t_first=t + 1,
        t_last=t + 3 if t_last is None else t_last, ammunition_left=left,
    )  # fmt: skip


def reasons(events, n_guns=2):
    return [(w["name"], w["reason"]) for w in leak_reasons(events, n_guns, truth, ["A", "B", "C"])]


def request(t, track):
    return ev(t, "authorisation_request", request=1, track=track, gun="G", pk=0.5, time_to_impact_s=30.0, zone="Z")


def leak(t, threat):
    return ev(t, "leak", "world", threat=threat, name="x", position=[0, 0, 0], zone="Z")


def test_no_leak_no_reason():
    assert reasons([hostile(1.0, 10)]) == []


def test_never_tracked_and_never_hostile():
    held = ev(5.0, "corridor_hold", track=11, corridor="R1", window="W", reason="inside recovery corridor R1 ...")
    out = leak_reasons([held, leak(50.0, 0), leak(60.0, 1)], 2, truth, ["A", "B", "C"])
    assert [(w["name"], w["reason"]) for w in out] == [("A", "never tracked"), ("B", "never declared hostile")]
    assert out[1]["detail"].startswith("inside recovery corridor R1")


def test_out_of_ammunition():
    events = [
        hostile(1.0, 10),
        fired(2.0, 1, 0, 20, left=0),
        fired(3.0, 2, 1, 20, left=0),
        ev(4.0, "cannot_engage", track=10, reason="no ammunition on any gun"),
        leak(40.0, 0),
    ]
    assert reasons(events) == [("A", "out of ammunition")]
    # the same without the cannot_engage event: every gun's last report was empty (or a round or two)
    assert reasons([e for e in events if e.kind != "cannot_engage"]) == [("A", "out of ammunition")]
    events = [hostile(1.0, 10), fired(2.0, 1, 0, 20, left=1), fired(3.0, 2, 1, 20, left=10), leak(40.0, 0)]
    assert reasons(events) == [("A", "no gun could reach its path")]  # gun 1 still has a burst's worth
    events[2] = fired(3.0, 2, 1, 20, left=9)
    assert reasons(events) == [("A", "out of ammunition")]
    # a reload before the leak: that gun is full again
    events.insert(3, ev(20.0, "gun_reloaded", "world", gun=1, name="LPWS-2", ammunition=1550))
    assert reasons(events) == [("A", "no gun could reach its path")]


def test_every_gun_busy_versus_out_of_reach():
    events = [hostile(1.0, 10), fired(25.0, 1, 0, 20), fired(30.0, 2, 1, 20), leak(40.0, 0)]
    assert reasons(events) == [("A", "every gun busy")]
    assert reasons(events, n_guns=3) == [("A", "no gun could reach its path")]
    # the guns' bursts more than 20 s before the leak do not make them busy
    assert reasons([hostile(1.0, 10), fired(5.0, 1, 0, 20), fired(6.0, 2, 1, 20), leak(40.0, 0)]) == [
        ("A", "no gun could reach its path")
    ]


def test_awaiting_authorisation():
    events = [hostile(1.0, 10), request(2.0, 10), leak(40.0, 0)]
    assert reasons(events) == [("A", "awaiting authorisation")]


@pytest.mark.parametrize(
    ("complete_at", "hits", "expected"),
    [(None, 0, "engaged too late"), (45.0, 0, "engaged too late"), (35.0, 0, "last burst missed"),
     (35.0, 2, "hit but not killed")],
)  # fmt: skip
def test_engaged_but_leaked(complete_at, hits, expected):
    events = [hostile(1.0, 10), fired(30.0, 7, 0, 10)]
    if complete_at is not None:
        events.append(
            ev(complete_at, "burst_complete", "world", order=7, gun=0, fired=150, hits=hits, self_destructed=0, fell=0)
        )
    events.append(leak(40.0, 0))
    events.sort(key=lambda e: e.t)
    assert reasons(events) == [("A", expected)]
