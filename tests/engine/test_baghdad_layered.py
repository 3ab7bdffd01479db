"""The built-in baghdad-layered night end to end (issue 19): guns, an RF and a GNSS jammer and a
Coyote-class launcher against the two GNSS-waypoint drones of the reference night.

What must hold, and be explained in the event log: the RF jammer changes nothing about the drones'
flight (no link is lost: they have none) and says so in a ``jam_assessment``; the GNSS jammer denies a
drone GNSS and the airport's civil aircraft inside its footprint are counted; every effector order
says why (a jammer's reason, an engagement's kill probability and cost); no civil aircraft is engaged;
the launcher launches no more than it holds; the costs add up.
"""

from __future__ import annotations

import pytest

from bastion.api import compile_named
from bastion.engine.simulation import run
from bastion.engine.summary import summarise
from bastion.scenario import load
from bastion.world.labels import describe_label


def test_the_night_is_baghdad_plus_its_effectors():
    """baghdad-layered includes the BIAP layout as baghdad does and repeats baghdad's raid and civil
    traffic: apart from its name and its effectors the two scenarios are the same model."""
    layered, baghdad = load("baghdad-layered").model, load("baghdad").model
    assert layered.effectors and not baghdad.effectors
    assert layered.scenario.name == "baghdad-layered"
    skip = {"scenario", "effectors"}
    assert layered.model_dump(exclude=skip) == baghdad.model_dump(exclude=skip)
    assert layered.scenario.model_dump(exclude={"name", "description"}) == baghdad.scenario.model_dump(
        exclude={"name", "description"}
    )


@pytest.fixture(scope="module")
def night():
    r = run(compile_named("baghdad-layered"), 1, record_plots=False)
    return r, summarise(r, leaks=True)


@pytest.mark.slow
def test_rf_jammer_does_nothing_to_gnss_waypoint_drones(night):
    r, _ = night
    ev = r.log.events
    assert any(e.kind == "jammer_radiating" and e.payload.band == "rf-link" for e in ev)
    assert not any(e.kind in ("link_lost", "failsafe", "drone_landed") for e in ev)
    said = [e for e in ev if e.kind == "jam_assessment"]
    assert said and all(not e.payload.affected for e in said)
    assert "not flown over a radio link" in said[0].payload.reason
    truth = {tid: r.record.truth_of(tid) for tid in r.record.track_votes}
    assert all(describe_label(truth[e.payload.track])[0] == "threat" for e in said)
    # the RF jammer then falls silent for want of a drone it could affect
    silent = [e for e in ev if e.kind == "effector_order" and e.payload.action == "silence"]
    assert any(e.payload.effector == "RF-jammer" and e.t >= said[0].t for e in silent)


@pytest.mark.slow
def test_gnss_jammer_denies_gnss_and_counts_the_airport(night):
    r, s = night
    ev = r.log.events
    denied = [e for e in ev if e.kind == "gnss_denied"]
    assert denied and s["gnss_denied_drones"] == len({e.payload.threat for e in denied})
    assert s["gnss_drift_m_max"] > 0.0
    counted = {e.payload.civil for e in ev if e.kind == "civil_in_jammer_footprint"}
    assert s["civil_in_jammer_footprint"] == len(counted) >= 1  # the arrival, landed and taxiing
    assert s["civil_jammed_s"] > 0.0 and s["gnss_jammed_zone_s"]["Terminal"] > 0.0
    assert s["civil_engaged"] == 0 and s["civil_hit"] == 0


@pytest.mark.slow
def test_every_order_is_explained_and_the_costs_add_up(night):
    r, s = night
    ev = r.log.events
    orders = [e for e in ev if e.kind == "effector_order"]
    for e in orders:
        if e.payload.action in ("radiate", "silence"):
            assert e.payload.reason
        else:
            assert 0.0 < e.payload.pk <= 1.0 and e.payload.cost_usd > 0.0
    launched = [e for e in ev if e.kind == "interceptor_launched"]
    assert len(launched) == s["interceptors_launched"] <= 1  # the launcher holds one round
    usage = s["effector_usage"]
    assert s["cost_usd"] == pytest.approx(sum(u["cost_usd"] for u in usage.values()), abs=0.05)
    assert usage["LPWS-1"]["rounds"] + usage["LPWS-2"]["rounds"] == s["rounds_fired"]
    assert s["rounds_fired"] * 40.0 + s["interceptors_launched"] * 125_000.0 <= s["cost_usd"] + 1e-6
    if s["hostiles_defeated"]:
        assert s["cost_per_kill_usd"] == pytest.approx(s["cost_usd"] / s["hostiles_defeated"], abs=0.01)
    assert sum(u["kills"] for u in usage.values()) == s["hostiles_destroyed"]
