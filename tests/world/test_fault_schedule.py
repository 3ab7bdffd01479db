"""The truth side's fault schedule (bastion.world.faults): windows, clock offsets, mounts refusing orders."""

import math

import numpy as np

from bastion.event_types import OrderRefused
from bastion.orders import FireOrder
from bastion.scenario.compiled import FaultPlan
from bastion.world.faults import FaultSchedule

INF = math.inf


def schedule() -> FaultSchedule:
    return FaultSchedule(
        (
            FaultPlan("radar_outage", "R1", 0, 10.0, 20.0),
            FaultPlan("adsb_outage", "", -1, 5.0, 6.0),
            FaultPlan("gun_jam", "G1", 0, 30.0, 40.0),
            FaultPlan("mount_failure", "G2", 1, 50.0, INF),
            FaultPlan("magazine_empty", "G1", 0, 60.0, INF),
            FaultPlan("console_disconnect", "", -1, 70.0, 75.0),
            FaultPlan("clock_jump", "R1", 0, 80.0, INF, 45.0),
        )
    )


def test_windows_are_half_open_and_name_their_target():
    f = schedule()
    assert [f.radar_out(0, t) for t in (9.99, 10.0, 19.99, 20.0)] == [False, True, True, False]
    assert not f.radar_out(1, 15.0)
    assert f.adsb_out(0, 5.5) and f.adsb_out(3, 5.5) and not f.adsb_out(0, 6.0)  # every receiver
    assert f.console_out(70.0) and not f.console_out(75.0)
    assert f.clock_offset(0, 79.9) == 0.0 and f.clock_offset(0, 1e4) == 45.0 and f.clock_offset(1, 1e4) == 0.0
    # onsets and clearings to wake at: an empty magazine and a failure for the night are never cleared
    assert f.transitions() == [(30.0, 4), (40.0, 5), (50.0, 6), (60.0, 8)]


def test_gun_status_as_its_built_in_test_reports_it():
    f = schedule()
    assert f.gun_status(0, 29.0, 100) == (True, "")
    assert f.gun_status(0, 30.0, 100) == (False, "jammed")
    assert f.gun_status(0, 40.0, 100) == (True, "")
    assert f.gun_status(1, 1e4, 100) == (False, "mount failed")
    assert f.gun_status(0, 61.0, 0) == (False, "magazine empty (feed fault)")
    assert f.gun_status(0, 20.0, 0) == (True, "")  # out of rounds without a fault: the ammunition says it


class _NoWorld:
    def execute(self, order, t):
        raise AssertionError("a jammed mount must not fire")


def test_a_down_mount_refuses_the_order():
    order = FireOrder(3, 0, 7, 31.0, 32.0, np.array([31.0, 32.0]), np.zeros(2), np.full(2, 0.1))
    (event,) = schedule().execute(_NoWorld(), order, 30.5)
    assert event == (30.5, OrderRefused(order=3, gun=0, track=7, reason="jammed"))
