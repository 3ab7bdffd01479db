"""Warnings that hold (issue 15): a ballistic round's warning lasts until its predicted impact plus
the margin unless the round is assessed destroyed; track loss never clears it; a drone's warning
ends with its track as before; the siren chain's latency is taken off the time people have."""

import numpy as np

from bastion.assess.types import Identity, ThreatPicture, TrackClass
from bastion.assess.warning import WarningBoard
from bastion.scenario.catalogue import SIREN_CHAIN_LATENCY_S
from bastion.scenario.compiled import ZoneArea

ZONE = ZoneArea(0, "BDSC", "military", 100.0, None, np.zeros(2), 100.0, False)


def picture(t, tracks, klass=TrackClass.BALLISTIC, impact=40.0):
    """A picture of hostile ``tracks`` (ids) all predicted to hit the zone at ``impact``."""
    n = len(tracks)
    return ThreatPicture(
        t=t,
        track_id=np.array(tracks, dtype=int),
        identity=np.full(n, int(Identity.HOSTILE)),
        klass=np.full(n, int(klass)),
        zone=np.zeros(n, dtype=int),
        impact_point=np.zeros((n, 2)),
        impact_time=np.full(n, impact),
        ellipse_axes=np.ones((n, 2)),
        ellipse_orientation=np.zeros(n),
        p_reach=np.ones(n),
        value=np.full(n, 100.0),
        threat_value=np.full(n, 100.0),
        p_zone=np.ones((n, 1)),
        t_zone=np.full((n, 1), impact),
    )


def kinds(events):
    return [(p.KIND, getattr(p, "reason", None)) for p in events]


def test_a_ballistic_warning_holds_through_track_loss_until_impact_plus_margin():
    board = WarningBoard((ZONE,))
    ev = board.update(picture(10.0, [7]), {}, np.array([9]))
    assert kinds(ev) == [("warning", None)]
    w = ev[0]
    assert w.issued_time_to_impact_s == 30.0
    assert w.warning_time_s == 30.0 - SIREN_CHAIN_LATENCY_S  # counted from when it is heard
    assert w.heard_at == 10.0 + SIREN_CHAIN_LATENCY_S
    # the track is lost at 20 s: no all-clear, nor in the scans after (its track is gone)
    assert board.update(picture(20.0, []), {7: "track lost"}, np.zeros(0)) == []
    assert board.update(picture(21.0, []), {7: "fallen"}, np.zeros(0)) == []
    for t in np.arange(22.0, 45.0, 1.0):
        assert board.update(picture(float(t), []), {}, np.zeros(0)) == [], t
    ev = board.update(picture(45.0, []), {}, np.zeros(0))
    assert kinds(ev) == [("all_clear", "predicted impact time passed")]


def test_a_destroyed_rounds_warning_ends_when_its_debris_is_down():
    """Destroyed at 400 m: the warning holds 400 / 20 + 5 = 25 s more (the debris may still fuze)."""
    board = WarningBoard((ZONE,))
    board.update(picture(10.0, [7]), {}, np.array([9]), np.array([900.0]))
    assert board.update(picture(15.0, [7]), {7: "assessed destroyed"}, np.array([10]), np.array([400.0])) == []
    assert board.update(picture(39.0, []), {7: "assessed destroyed"}, np.zeros(0), np.zeros(0)) == []
    ev = board.update(picture(40.0, []), {7: "assessed destroyed"}, np.zeros(0), np.zeros(0))
    assert kinds(ev) == [("all_clear", "assessed destroyed, its debris down")]


def test_a_held_track_predicted_elsewhere_clears_after_clear_after_s():
    board = WarningBoard((ZONE,))
    board.update(picture(10.0, [7]), {}, np.array([9]))
    away = picture(11.0, [7])
    away.p_zone[:] = 0.0
    assert board.update(away, {}, np.array([10])) == []
    later = picture(20.0, [7])
    later.p_zone[:] = 0.0
    assert kinds(board.update(later, {}, np.array([11]))) == [("all_clear", "no longer threatened")]


def test_a_drone_warning_still_ends_with_its_track():
    board = WarningBoard((ZONE,))
    board.update(picture(10.0, [3], klass=TrackClass.DRONE, impact=60.0), {}, np.array([9]))
    ev = board.update(picture(11.0, [], klass=TrackClass.DRONE), {3: "track lost"}, np.zeros(0))
    assert kinds(ev) == [("all_clear", "track lost")]


def test_a_destroyed_rounds_debris_falls_from_where_it_was_hit():
    """The engagement says the round was hit no sooner than 12 s at up to 600 m: down by 12 + 30 + 5."""
    board = WarningBoard((ZONE,))
    board.update(picture(10.0, [7]), {}, np.array([9]), np.array([700.0]))
    ended = {7: "assessed destroyed"}
    assert board.update(picture(16.0, [7]), ended, np.array([10]), np.array([300.0]), {7: (12.0, 600.0)}) == []
    assert board.update(picture(46.0, []), ended, np.zeros(0), np.zeros(0), {7: (12.0, 600.0)}) == []
    ev = board.update(picture(47.0, []), ended, np.zeros(0), np.zeros(0), {7: (12.0, 600.0)})
    assert kinds(ev) == [("all_clear", "assessed destroyed, its debris down")]
