"""The decision side's sensor watch (bastion.sense.health): its scan-time rule is the live engine's
(bastion.io.live, ``max_jump_s``), checked decision for decision on random feeds; outages are
declared after more than two silent periods and ended by the next good report."""

import numpy as np
import pytest

from bastion import event_types as ev
from bastion.engage.availability import GunAvailability
from bastion.io.live import LiveSettings, RadarFeed
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import RadarSite
from bastion.sense.health import MAX_JUMP_S, SensorHealth
from bastion.sense.types import Detections


def radar(period: float = 1.0, phase: float = 0.0) -> RadarSite:
    return RadarSite(0, "R1", CATALOGUE.radars["kurfs"], np.zeros(3), period, phase)


def live_feed(period: float) -> RadarFeed:
    """The live engine's scan assembler for one radar, without sockets (only its scan-closing rule)."""
    feed = RadarFeed.__new__(RadarFeed)
    feed.settings, feed.scan_period_s = LiveSettings(), period
    feed.stats = type("Stats", (), {"stale_scans": 0, "time_jumps": 0, "scans": 0, "plots": 0, "note": print})()
    feed.pending, feed.last_t, feed.suspect_t = {}, None, None
    return feed


@pytest.mark.parametrize("period", [1.0, 2.0, 20.0])
def test_scan_time_rule_is_the_live_engines(period):
    assert LiveSettings().max_jump_s == MAX_JUMP_S
    rng = np.random.default_rng(7)
    for _ in range(40):
        feed, health = live_feed(period), SensorHealth([radar(period)], [])
        t = 0.0
        for _ in range(60):  # mostly regular scans; now and then a repeat, a step back or a jump ahead
            step = rng.choice([period, period, period, 0.0, -5.0, 35.0, 60.0, 2.5 * period])
            t = round(t + float(step), 3)
            feed.pending[t] = [Detections.empty(t, 0)]
            live = bool(feed._close(t))
            ok, _ = health.admit(0, t, None)
            assert ok == live, (t, step)


def test_clock_check_refuses_what_the_feed_rule_alone_would_take():
    h = SensorHealth([radar()], [])
    assert h.admit(0, 1.0, 1.0)[0]
    ok, events = h.admit(0, 2.5 + 45.0, 2.5)  # 45 s ahead of the system clock
    assert not ok and "from the system clock" in events[0].reason
    ok, events = h.admit(0, 3.0, 3.0)
    assert ok and not events
    assert not h.admit(0, 2.0, 4.0)[0]  # a step back: out of order
    assert not h.admit(0, float("nan"), 5.0)[0]  # NaN refuses


def test_outage_declared_after_two_silent_periods_and_restored():
    h = SensorHealth([radar(period=2.0, phase=0.5)], [])  # first scan expected at 0.5 s
    assert h.check(2.4) == ([], [])  # the scan at 0.5 s missed: not yet out
    assert h.check(2.6)[1] == [0]  # and the one at 2.5 s: silent 2.6 - (0.5 - 2) = 4.1 s > 2 periods
    h = SensorHealth([radar(period=2.0)], ["ADS-B"], adsb_period_s=2.0)
    assert h.admit(0, 2.0, 2.0)[0] and h.heard_adsb(0, 2.0) == []
    assert h.check(6.0) == ([], [])  # exactly two periods: not yet
    events, radars = h.check(6.01)
    assert radars == [0] and [e.sensor for e in events] == ["R1", "ADS-B"]
    assert "no scan received" in events[0].reason and h.all_radars_out
    assert h.check(9.0) == ([], [])  # declared once
    ok, events = h.admit(0, 10.0, 10.0)
    assert ok and events == [ev.SensorRestored(sensor="R1", kind="radar", silent_s=8.0)]
    assert h.heard_adsb(0, 10.0)[0].kind == "adsb"


class _Engagement:
    def __init__(self, track, gun, t_end):
        self.track, self.gun = track, gun
        self.order = type("Order", (), {"t_end": t_end})()


def test_gun_availability_frees_the_targets_of_a_failed_gun():
    a = GunAvailability(["G1", "G2"])
    looking = [_Engagement(7, 0, 12.0), _Engagement(8, 0, 5.0), _Engagement(9, 1, 12.0)]
    still, events = a.report(0, False, "jammed", looking, 10.0)
    assert [e.track for e in still] == [8, 9]  # 8's burst was over: it is assessed as usual
    assert events == [ev.GunUnavailable(gun="G1", reason="jammed", engagements_cut_short=[7])]
    assert a.up == [False, True] and a.down_reason() == "gun unavailable: G1 jammed"
    assert a.report(0, False, "jammed", still, 11.0) == (still, [])  # reported once
    assert a.fired(7, 1) == [ev.Reassigned(track=7, from_="G1", to="G2", reason="G1 jammed")]
    assert a.fired(7, 1) == []
    assert a.report(0, True, "", still, 20.0)[1][0].KIND == "gun_available" and a.down_reason() == ""
