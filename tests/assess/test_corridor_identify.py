"""Identification with airspace control measures: a track conforming to an active recovery corridor
is held (not hostile on kinematics alone) and says so; outside its window, footprint, altitude
block, heading or speed band, or beyond the scheduled friendlies, it is declared hostile with the
rule that decided in the reason. Hand-made pictures: every expected identity is worked out by hand
from the corridor's figures."""

import numpy as np
import pytest

from bastion.assess.corridors import INBOUND_DEG
from bastion.assess.identify import Identifier
from bastion.assess.types import Identity, TrackClass
from bastion.physics.geodesy import Origin
from bastion.scenario.compiled import CorridorACM, CorridorWindow
from bastion.track.types import Tracks

ORIGIN = Origin(32.8, 38.3, 700.0)


def corridor(friendlies=1, floor=0.0, window=(100.0, 200.0)):
    """R1: from 10 km east to the base along the x axis, 500 m wide, block floor-400 m, 15-40 m/s."""
    return CorridorACM(
        "R1",
        np.array([[10_000.0, 0.0], [0.0, 0.0]]),
        500.0,
        floor,
        400.0,
        15.0,
        40.0,
        (CorridorWindow(window[0], window[1], friendlies, "W1"),),
    )


def scan(ident, t, rows, iff=None, updates=10):
    """One scan of confirmed drone tracks ``rows`` = [(id, (x, y, z), (vx, vy, vz))], every one meeting
    the hostile criteria (10 plots, inbound to a zone of value 100 with P(reach) 0.3)."""
    n = len(rows)
    x = np.array([[*p, *v] for _, p, v in rows], dtype=float).reshape(n, 6)
    tracks = Tracks(
        t=t,
        id=np.array([r[0] for r in rows], dtype=np.int64),
        x=x,
        P=np.broadcast_to(np.eye(6) * 25.0, (n, 6, 6)).copy(),
        status=np.ones(n, dtype=np.int64),
        updates=np.full(n, updates),
        misses=np.zeros(n, dtype=np.int64),
        last_update=np.full(n, t),
        rcs=np.full(n, 0.05),
        detection=np.full(n, -1),
    )
    klass = np.full(n, int(TrackClass.DRONE))
    iff_reply = None if iff is None else np.array(iff, dtype=bool)
    ids, changes, flags = ident.update(tracks, klass, np.full(n, 0.3), np.full(n, 100.0), iff_reply)
    return dict(zip(tracks.id.tolist(), [Identity(int(v)) for v in ids], strict=True)), changes, flags


INBOUND = (-28.0, 0.0, 0.0)


def reason_of(changes, tid):
    return [r for t, _, _, r in changes if t == tid][-1]


def test_conforming_track_in_window_is_held_and_says_why():
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    ids, changes, flags = scan(ident, 150.0, [(1, (5_000.0, 100.0, 200.0), INBOUND)])
    assert ids[1] == Identity.UNKNOWN
    assert "inside recovery corridor R1" in reason_of(changes, 1)
    assert "not declared hostile on kinematics alone" in reason_of(changes, 1)
    assert [p.KIND for p in flags] == ["corridor_hold"]


@pytest.mark.parametrize("t", [99.0, 201.0])
def test_out_of_window_is_hostile_outside_every_active_corridor(t):
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    ids, changes, _ = scan(ident, t, [(1, (5_000.0, 100.0, 200.0), INBOUND)])
    assert ids[1] == Identity.HOSTILE
    assert reason_of(changes, 1).endswith("outside every active corridor")


def test_the_same_track_without_corridors_is_hostile_on_kinematics():
    ids, changes, _ = scan(Identifier(ORIGIN, 5), 150.0, [(1, (5_000.0, 100.0, 200.0), INBOUND)])
    assert ids[1] == Identity.HOSTILE
    assert "corridor" not in reason_of(changes, 1)


@pytest.mark.parametrize(
    ("pos", "vel", "floor", "said"),
    [
        ((5_000.0, 260.0, 200.0), INBOUND, 0.0, "outside every active corridor"),  # 10 m beyond the half-width
        ((5_000.0, 0.0, 60.0), INBOUND, 100.0, "below its altitude block"),
        ((5_000.0, 0.0, 450.0), INBOUND, 0.0, "above its altitude block"),
        ((5_000.0, 0.0, 200.0), (28.0, 0.0, 0.0), 0.0, "not heading inbound (180 deg off)"),
        ((5_000.0, 0.0, 200.0), (-45.0, 0.0, 0.0), 0.0, "45 m/s is outside its friendlies' speeds"),
    ],
)
def test_a_track_that_does_not_conform_is_hostile_and_the_reason_names_the_test(pos, vel, floor, said):
    ident = Identifier(ORIGIN, 5, corridors=[corridor(floor=floor)])
    ids, changes, _ = scan(ident, 150.0, [(1, pos, vel)])
    assert ids[1] == Identity.HOSTILE
    assert said in reason_of(changes, 1)


def test_inbound_cone_edge():
    """Heading 44 deg off the inbound direction conforms, 46 deg does not (INBOUND_DEG = 45)."""
    assert INBOUND_DEG == 45.0
    for deg, expected in ((44.0, Identity.UNKNOWN), (46.0, Identity.HOSTILE)):
        a = np.radians(deg)
        ident = Identifier(ORIGIN, 5, corridors=[corridor()])
        ids, _, _ = scan(ident, 150.0, [(1, (5_000.0, 0.0, 200.0), (-28.0 * np.cos(a), 28.0 * np.sin(a), 0.0))])
        assert ids[1] == expected, deg


def test_window_scheduling_no_friendly_protects_nothing():
    ident = Identifier(ORIGIN, 5, corridors=[corridor(friendlies=0)])
    ids, changes, _ = scan(ident, 150.0, [(1, (5_000.0, 0.0, 200.0), INBOUND)])
    assert ids[1] == Identity.HOSTILE
    assert "schedules no friendly" in reason_of(changes, 1)


def test_more_tracks_than_scheduled_friendlies_held_until_the_slot_is_accounted_for():
    """Tower 22's geometry inside the block: track 1 conforms first, track 2 follows it in. While
    track 1 (unidentified) holds the one slot, which is the friendly cannot be told: track 2 is held
    too, with a corridor_conflict event. A track break of track 1 (track 3 born where it ended)
    inherits the slot. Once the slot holder has landed (its track ends at the recovery end), the
    scheduled friendly is accounted for and track 2 is declared hostile."""
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    ids, _, _ = scan(ident, 120.0, [(1, (3_000.0, 0.0, 200.0), INBOUND)])
    assert ids[1] == Identity.UNKNOWN
    ids, changes, flags = scan(
        ident, 121.0, [(1, (2_972.0, 0.0, 200.0), INBOUND), (2, (5_500.0, 50.0, 190.0), INBOUND)]
    )
    assert ids == {1: Identity.UNKNOWN, 2: Identity.UNKNOWN}
    assert reason_of(changes, 2).startswith("corridor conflict in R1")
    assert [(p.KIND, p.holders) for p in flags] == [("corridor_conflict", [1])]
    # track 1 breaks; 4 s later track 3 starts 100 m from where it ended: a track break, same slot
    ids, _, _ = scan(ident, 125.0, [(3, (2_860.0, 30.0, 200.0), INBOUND), (2, (5_400.0, 50.0, 190.0), INBOUND)])
    assert ids == {3: Identity.UNKNOWN, 2: Identity.UNKNOWN}
    # track 3 lands at the recovery end (its last position 300 m from it): track 2 is now the excess
    scan(ident, 180.0, [(3, (300.0, 0.0, 20.0), INBOUND), (2, (2_000.0, 50.0, 190.0), INBOUND)])
    ids, changes, _ = scan(ident, 181.0, [(2, (1_972.0, 50.0, 190.0), INBOUND)])
    assert ids == {2: Identity.HOSTILE}
    assert "every one is accounted for (Mode 5 or landed at the recovery end: track 3)" in reason_of(changes, 2)


def test_a_hostile_that_took_the_slot_gives_it_back():
    """A hostile inside the block enters first and takes the slot; the friendly behind it is held
    (conflict). The hostile turns off towards a zone, leaves the footprint and is declared hostile:
    its slot goes to the friendly, which is held, never hostile."""
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    scan(ident, 120.0, [(1, (3_000.0, 0.0, 200.0), INBOUND)])
    ids, _, _ = scan(ident, 121.0, [(1, (2_972.0, 0.0, 200.0), INBOUND), (2, (5_000.0, 0.0, 200.0), INBOUND)])
    assert ids == {1: Identity.UNKNOWN, 2: Identity.UNKNOWN}
    ids, changes, _ = scan(
        ident, 130.0, [(1, (2_700.0, -600.0, 200.0), (0.0, -28.0, 0.0)), (2, (4_750.0, 0.0, 200.0), INBOUND)]
    )
    assert ids == {1: Identity.HOSTILE, 2: Identity.UNKNOWN}
    assert reason_of(changes, 1).endswith("outside every active corridor")
    ids, _, _ = scan(ident, 131.0, [(2, (4_722.0, 0.0, 200.0), INBOUND)])
    assert ids == {2: Identity.UNKNOWN}
    assert ident.corridors.slots[(0, 0)][0][0] == 2


def test_a_mode5_friendly_takes_the_slot():
    """Two Mode 5 replies make track 1 FRIENDLY; inside the corridor it takes the one slot, so a
    conforming track 2 is declared hostile."""
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    rows = [(1, (3_000.0, 0.0, 200.0), INBOUND)]
    scan(ident, 110.0, rows, iff=[True])
    ids, _, _ = scan(ident, 111.0, rows, iff=[True])
    assert ids[1] == Identity.FRIENDLY
    rows = [(1, (2_972.0, 0.0, 200.0), INBOUND), (2, (6_000.0, 0.0, 200.0), INBOUND)]
    scan(ident, 112.0, rows, iff=[False, False])
    ids, _, _ = scan(ident, 113.0, rows, iff=[False, False])
    assert ids == {1: Identity.FRIENDLY, 2: Identity.HOSTILE}


def test_a_held_track_is_hostile_once_the_window_closes():
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    ids, _, _ = scan(ident, 199.0, [(1, (5_000.0, 0.0, 200.0), INBOUND)])
    assert ids[1] == Identity.UNKNOWN
    ids, changes, _ = scan(ident, 201.0, [(1, (4_944.0, 0.0, 200.0), INBOUND)])
    assert ids[1] == Identity.HOSTILE
    assert "outside every active corridor" in reason_of(changes, 1)


def test_a_follower_already_tracked_never_inherits_the_slot():
    """Track 2 is tracked (too few plots to judge) while track 1 holds the slot; track 1 ends; track 2,
    within 1 km of where it ended, is judged: born 14 s before track 1 ended (more than
    SLOT_NEW_TRACK_S), it is a follower, not a track break: no slot."""
    ident = Identifier(ORIGIN, 5, corridors=[corridor()])
    scan(ident, 120.0, [(1, (3_000.0, 0.0, 200.0), INBOUND)])
    scan(ident, 121.0, [(1, (2_972.0, 0.0, 200.0), INBOUND), (2, (4_000.0, 0.0, 90.0), INBOUND)], updates=2)
    scan(ident, 135.0, [(1, (2_580.0, 0.0, 200.0), INBOUND), (2, (3_600.0, 0.0, 90.0), INBOUND)], updates=2)
    # track 1 ended at 2,580 m from the recovery end (not landed): the slot is not accounted for
    ids, _, flags = scan(ident, 140.0, [(2, (3_400.0, 0.0, 90.0), INBOUND)])
    assert ids[2] == Identity.UNKNOWN  # (unknown already: held, so no change, but a conflict event)
    assert [(p.KIND, p.holders) for p in flags] == [("corridor_conflict", [1])]
    assert ident.corridors.slots[(0, 0)][0][0] == 1  # the slot is still track 1's


def test_a_slot_holder_may_descend_below_the_block_a_newcomer_may_not():
    """Block 150-400 m: track 1 takes the slot at 250 m and keeps its hold while descending to land
    at 60 m; track 2 at 60 m never conforms, so it is hostile for being below the block, whatever
    the slot count."""
    ident = Identifier(ORIGIN, 5, corridors=[corridor(friendlies=2, floor=150.0)])
    ids, _, _ = scan(ident, 120.0, [(1, (3_000.0, 0.0, 250.0), INBOUND)])
    assert ids[1] == Identity.UNKNOWN
    ids, changes, _ = scan(ident, 150.0, [(1, (2_160.0, 0.0, 60.0), INBOUND), (2, (4_000.0, 0.0, 60.0), INBOUND)])
    assert ids == {1: Identity.UNKNOWN, 2: Identity.HOSTILE}
    assert "below its altitude block (60 m, block 150-400 m)" in reason_of(changes, 2)
