"""Injected faults (issue 16, drill 2): each fault kind has an effect the tests observe, the decision
side fails safe (holds fire and says why, re-assigns to a gun that works), and a batch of faulted
nights equals each night run alone.

A short night of one drone against a camp with one radar, one ADS-B receiver and two guns: the
first runs (fault-free) find when and with which gun the first burst is ordered, and the faults are
placed around it."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest

from bastion import event_types as ev
from bastion.api import summary_digest
from bastion.engage.safety import mount_violations
from bastion.engine.simulation import run, run_batch
from bastion.engine.summary import summarise
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario

NIGHT = textwrap.dedent("""
    [scenario]
    name = "faults-drill"
    start = 2022-01-03T04:25:30+03:00
    duration_s = 150

    [site]
    name = "Test site"
    origin = { lat = 33.0, lon = 44.0, elevation_m = 30.0 }

    [[zones]]
    name = "Camp"
    kind = "military"
    value = 100.0
    circle = { center = { east_m = 0.0, north_m = 0.0 }, radius_m = 200.0 }

    [[sensors]]
    kind = "radar"
    name = "R1"
    type = "kurfs"
    position = { east_m = 0.0, north_m = 0.0, height_m = 5.0 }

    [[sensors]]
    kind = "adsb"
    name = "ADS-B"
    position = { east_m = 0.0, north_m = 0.0, height_m = 5.0 }

    [[weapons]]
    name = "G1"
    type = "lpws"
    position = { east_m = 50.0, north_m = 0.0 }
    ammunition = 800

    [[weapons]]
    name = "G2"
    type = "lpws"
    position = { east_m = -50.0, north_m = 30.0 }
    ammunition = 800

    [[threats]]
    name = "D1"
    type = "owa-fixed-wing"
    launch = { lat = 33.05, lon = 44.05 }
    target_zone = "Camp"
""")
SKIP = {"run_end"}  # carries the wall-clock time


def night(faults: str = ""):
    return compile_scenario(parse(NIGHT + textwrap.dedent(faults), "drill.toml"))


def of(result, kind: str) -> list:
    return [e for e in result.log.events if e.kind == kind]


@pytest.fixture(scope="module")
def base():
    """The fault-free night: when the first burst is ordered, and by which gun."""
    r = run(night(), 1)
    first = of(r, "fire_order")[0]
    return r, first


def test_radar_outage_silences_the_radar_and_holds_fire(base):
    _, first = base
    t0 = first.t - 30.0  # while the drone closes in, well before the first burst
    r = run(night(f'[[faults]]\nkind = "radar_outage"\nsensor = "R1"\nstart_s = {t0}\nduration_s = 15.0\n'), 1)
    scans = [e.t for e in of(r, "detections")]
    assert scans and not [t for t in scans if t0 <= t < t0 + 15.0]  # no plots from it in the window
    out = of(r, "sensor_outage")
    assert len(out) == 1 and out[0].payload.sensor == "R1" and "no scan" in out[0].payload.reason
    assert t0 < out[0].t <= t0 + 3.0  # declared after more than 2 scan periods (1 s each) of silence
    holds = [e for e in of(r, "hold_fire") if e.payload.reason.startswith("sensor outage")]
    assert holds  # the hostile track left without a radar: hold fire, and say why
    assert not [e for e in of(r, "fire_order") if t0 <= e.t < t0 + 15.0]
    assert of(r, "sensor_restored")[0].t == pytest.approx(t0 + 15.0, abs=1.0)
    s = summarise(r)
    assert s["faults"] == [{"kind": "radar_outage", "target": "R1", "start_s": t0, "duration_s": 15.0}]
    assert s["holds_for_faults"] >= 1 and s["fault_consequences"]["sensor_outages"] == 1


def test_gun_jam_stops_its_rounds_and_another_gun_takes_over(base):
    _, first = base
    g = first.payload.gun
    other = {"G1": "G2", "G2": "G1"}[g]
    # after the order leaves C2, before it reaches the mount (the sensor -> C2 -> gun latency) and
    # before its first round could leave: the jammed mount refuses the order when it arrives
    t_jam = first.t + 0.25
    assert t_jam < first.payload.t_start
    r = run(night(f'[[faults]]\nkind = "gun_jam"\nweapon = "{g}"\nstart_s = {t_jam}\nduration_s = 60.0\n'), 1)
    gi = ["G1", "G2"].index(g)
    fault = of(r, "gun_fault")[0]
    assert fault.payload.gun == gi
    refused = [e for e in of(r, "order_refused") if e.payload.gun == gi]
    assert refused and refused[0].payload.order == first.payload.order
    # no round from the jammed gun while jammed: its burst stopped, no new order reaches it
    assert not [e for e in of(r, "burst_complete") if e.payload.gun == gi and e.payload.fired > 0]
    assert not [e for e in of(r, "gun_fired") if e.payload.gun == gi and e.t >= t_jam and e.payload.rounds]
    assert not [e for e in of(r, "fire_order") if e.payload.gun == g and t_jam <= e.t < t_jam + 60.0]
    down = of(r, "gun_unavailable")[0]
    assert down.payload == ev.GunUnavailable(gun=g, reason="jammed", engagements_cut_short=[first.payload.track])
    # the other gun engages the target: ordered at the same scan already (both guns on one drone), or
    # re-assigned to it when the jam frees the target
    taken = [e for e in of(r, "fire_order") if e.payload.gun == other and e.t >= first.t]
    assert taken and taken[0].payload.track == first.payload.track
    if taken[0].t >= t_jam:
        moved = of(r, "reassigned")
        assert moved and moved[0].payload.from_ == g and moved[0].payload.to == other
        assert moved[0].payload.reason == f"{g} jammed"
        assert summarise(r)["reassignments"] == 1


def test_mount_failure_for_the_rest_of_the_night(base):
    r = run(night('[[faults]]\nkind = "mount_failure"\nweapon = "G1"\nstart_s = 10.0\n'), 1)
    assert of(r, "gun_unavailable")[0].payload.reason == "mount failed"
    assert not of(r, "gun_available")  # never cleared
    assert all(e.payload.gun == "G2" for e in of(r, "fire_order"))
    assert summarise(r)["faults"][0]["duration_s"] is None


def test_empty_magazines_hold_fire(base):
    faults = "".join(f'[[faults]]\nkind = "magazine_empty"\nweapon = "{g}"\nstart_s = 10.0\n' for g in ("G1", "G2"))
    r = run(night(faults), 1)
    assert {e.payload.reason for e in of(r, "gun_unavailable")} == {"magazine empty (feed fault)"}
    assert not of(r, "fire_order") and not of(r, "gun_fired")  # no more rounds
    assert [e.payload.ammunition_left for e in of(r, "gun_fault")] == [0, 0]
    held = [e for e in of(r, "cannot_engage") + of(r, "hold_fire") if "ammunition" in e.payload.reason]
    assert held  # with no rounds anywhere it says so


def test_console_disconnect_lets_requests_lapse(base):
    _, first = base
    request = [e for e in of(base[0], "authorisation_request") if e.t <= first.t][-1]
    t0 = request.t - 1.0
    r = run(night(f'[[faults]]\nkind = "console_disconnect"\nstart_s = {t0}\nduration_s = 10.0\n'), 1)
    assert of(r, "request_not_shown")[0].payload.request == request.payload.request
    lapsed = of(r, "authorisation_timeout")[0]
    assert lapsed.payload.reason == "not answered in time: not fired"
    orders = of(r, "fire_order")
    assert not orders or orders[0].t > lapsed.t  # nothing fired on the unanswered request
    assert summarise(r)["fault_consequences"]["requests_lapsed_console"] == 1


@pytest.mark.parametrize("jump", [45.0, -45.0])
def test_clock_jump_scans_are_refused_and_nothing_fires_on_them(base, jump):
    _, first = base
    t0 = first.t - 5.0
    r = run(
        night(f'[[faults]]\nkind = "clock_jump"\nsensor = "R1"\nat_s = {t0}\njump_s = {jump}\nduration_s = 12.0\n'), 1
    )
    refused = of(r, "scan_refused")
    assert refused and all(t0 <= e.t < t0 + 12.0 for e in refused)
    assert {round(e.payload.scan_time - e.t, 6) for e in refused} == {jump}
    word = "from the system clock" if jump > 0 else "out of order"
    assert all(word in e.payload.reason for e in refused)
    assert not [e for e in of(r, "detections") if t0 <= e.t < t0 + 12.0]  # never reaches the tracker
    assert not [e for e in of(r, "fire_order") if t0 <= e.t < t0 + 12.0]
    assert "scans refused" in of(r, "sensor_outage")[0].payload.reason


def test_adsb_outage_declares_the_receiver_out():
    r = run(night('[[faults]]\nkind = "adsb_outage"\nstart_s = 30.0\nduration_s = 20.0\n'), 1)
    out, back = of(r, "sensor_outage"), of(r, "sensor_restored")
    assert [(e.payload.sensor, e.payload.kind) for e in out] == [("ADS-B", "adsb")]
    assert 30.0 < out[0].t <= 35.0 and back[0].t == pytest.approx(50.0, abs=2.0)


def test_faults_change_nothing_outside_their_windows(base):
    """A fault after the night's last event of interest leaves every earlier event as it was."""
    r0, _ = base
    r = run(night('[[faults]]\nkind = "console_disconnect"\nstart_s = 149.5\n'), 1)
    a = [(e.t, e.kind, e.to_json()) for e in r0.log.events if e.kind not in SKIP]
    b = [(e.t, e.kind, e.to_json()) for e in r.log.events if e.kind not in SKIP]
    assert a == b


def test_a_faulted_night_in_a_batch_equals_itself_alone(base):
    _, first = base
    g = first.payload.gun
    faults = f"""
        [[faults]]
        kind = "radar_outage"
        sensor = "R1"
        start_s = {first.t - 30.0}
        duration_s = 6.0
        [[faults]]
        kind = "adsb_outage"
        start_s = 20.0
        duration_s = 10.0
        [[faults]]
        kind = "gun_jam"
        weapon = "{g}"
        start_s = {first.t + 0.5}
        duration_s = 20.0
        [[faults]]
        kind = "clock_jump"
        sensor = "R1"
        at_s = {first.t - 20.0}
        jump_s = -3.0
        duration_s = 4.0
    """
    sc = night(faults)
    batch = run_batch(sc, [1, 2], record_plots=True)
    for seed, rb in zip([1, 2], batch, strict=True):
        alone = run(sc, seed, record_plots=True)
        assert [(e.t, e.kind, e.to_json()) for e in rb.log.events if e.kind not in SKIP] == [
            (e.t, e.kind, e.to_json()) for e in alone.log.events if e.kind not in SKIP
        ]
        assert summary_digest(summarise(rb)) == summary_digest(summarise(alone))
    assert of(batch[0], "gun_fault") and of(batch[0], "scan_refused") and of(batch[0], "sensor_outage")


@pytest.mark.slow
def test_baghdad_faults_fails_safe():
    """The built-in fault drill: no civil aircraft engaged, no burst through a no-fire sector or
    outside a gun's arc, every fault listed, holds and a re-assignment counted."""
    from bastion.api import compile_named

    sc = compile_named("baghdad-faults")
    r = run(sc, 1)
    s = summarise(r)
    assert s["civil_engaged"] == 0 and s["civil_hit"] == 0 and s["false_tracks_engaged"] == 0
    assert [f["kind"] for f in s["faults"]] == [f.kind for f in sc.raid.faults]
    # the jammed LPWS-1's order is refused at the mount; LPWS-2 engages (re-assigned, or already on it)
    assert s["holds_for_faults"] >= 1
    assert s["reassignments"] >= 1 or s["fault_consequences"]["orders_refused_by_mount"] >= 1
    guns = {g.name: g for g in sc.defence.guns}
    for e in of(r, "fire_order"):
        az, el = np.radians([e.payload.azimuth_deg]), np.radians([e.payload.elevation_deg])
        assert not mount_violations(guns[e.payload.gun], az, el)
    for e in of(r, "fall_of_shot"):
        assert e.payload.zone not in {z.name for z in sc.defence.zones if z.kind == "populated"}
