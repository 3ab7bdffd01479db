"""Identification: real recorded airliners are civil and never engaged; IFF makes friendlies;
spoofed ADS-B never makes a hostile civil (and is flagged)."""

import textwrap

import numpy as np
import pytest

from bastion.engine.events import EventLog
from bastion.engine.pipeline import DecisionPipeline
from bastion.engine.simulation import run
from bastion.engine.summary import summarise
from bastion.physics.geodesy import enu_to_polar
from bastion.scenario import parse
from bastion.scenario.compiled import compile_scenario
from bastion.sense.types import Detections
from bastion.world.labels import describe_label

SITE = """
[scenario]
name = "{name}"
start = 2021-10-07T14:40:00+02:00
duration_s = {duration}

[site]
name = "Test site under real traffic (north of Paris-CDG)"
origin = {{ lat = 49.0097, lon = 2.5479, elevation_m = 119.0 }}

[[zones]]
name = "Camp"
kind = "military"
value = 100.0
circle = {{ center = {{ east_m = 4000.0, north_m = 3000.0 }}, radius_m = 300.0 }}

[[sensors]]
kind = "radar"
name = "R"
type = "kurfs"
position = {{ east_m = 4000.0, north_m = 3000.0, height_m = 8.0 }}

[[sensors]]
kind = "adsb"
name = "A"
position = {{ east_m = 0.0, north_m = 0.0, height_m = 10.0 }}

[[weapons]]
name = "G1"
type = "lpws"
position = {{ east_m = 3900.0, north_m = 2900.0 }}

[[weapons]]
name = "G2"
type = "lpws"
position = {{ east_m = 4100.0, north_m = 3100.0 }}

[defence]
weapons_control = "free"
"""

DRONE = """
[[threats]]
name = "D"
type = "owa-fixed-wing"
launch = {{ east_m = 14000.0, north_m = 1000.0, height_m = 20.0 }}
launch_time_s = 1.0
target_zone = "Camp"
cruise_altitude_m = 150.0
{extra}
"""


def recorded(shared):
    return f"""
[[civil]]
kind = "recorded"
file = "{shared / "data" / "flights" / "paris_2021-10-07.csv.gz"}"
time_offset_s = -9600.0
"""


@pytest.fixture(scope="module")
def real_sky(shared):
    text = SITE.format(name="real-sky", duration=300) + DRONE.format(extra="") + recorded(shared)
    return compile_scenario(parse(text, "real-sky.toml"))


def civil_tracks_identified(result) -> tuple[int, int]:
    """(civil aircraft tracked, of which identified civil) using the harness's truth labels."""
    civil_tracks = {}
    for tid in result.record.track_votes:
        lab = result.record.truth_of(tid)
        kind, i = describe_label(lab)
        if kind == "civil":
            civil_tracks.setdefault(i, set()).add(tid)
    ids = {e.payload.track for e in result.log.events if e.kind == "identification" and e.payload.to == "civil"}
    tracked = [
        i
        for i, tids in civil_tracks.items()
        if len(tids) and any(sum(result.record.track_votes[t].values()) >= 5 for t in tids)
    ]
    identified = [i for i in tracked if civil_tracks[i] & ids]
    return len(tracked), len(identified)


@pytest.mark.parametrize("seed", [1, 2])
def test_real_flights_are_civil_and_the_drone_is_still_engaged(real_sky, seed):
    assert len(real_sky.raid.recorded) >= 8  # real flights overlapping the five minutes
    result = run(real_sky, seed, record_plots=False)
    s = summarise(result)
    assert s["civil_engaged"] == 0 and s["civil_hit"] == 0
    tracked, identified = civil_tracks_identified(result)
    assert tracked >= 3 and identified == tracked
    fired_at = {
        describe_label(result.record.truth_of(e.payload.track))[0] for e in result.log.events if e.kind == "fire_order"
    }
    assert fired_at == {"threat"}


@pytest.mark.slow
def test_real_flights_never_engaged_over_many_seeds(real_sky):
    engaged = 0
    for seed in range(3, 13):
        result = run(real_sky, seed, record_plots=False)
        s = summarise(result)
        assert s["civil_engaged"] == 0 and s["civil_hit"] == 0, f"seed {seed}"
        engaged += s["bursts"] > 0
    assert engaged >= 8  # the hostile drone in the same sky is engaged in most nights


def test_spoofed_adsb_far_away_is_flagged_and_the_drone_still_engaged():
    extra = 'spoof_adsb = { icao24 = "3c6444", callsign = "DLH4AB", offset_east_m = 4000.0, offset_north_m = 2500.0 }'
    text = SITE.format(name="spoof-far", duration=300) + DRONE.format(extra=extra)
    result = run(compile_scenario(parse(text, "spoof.toml")), 1, record_plots=False)
    kinds = [e.kind for e in result.log.events]
    assert "adsb_unconfirmed" in kinds
    assert not any(e.kind == "identification" and e.payload.to == "civil" for e in result.log.events)
    assert "fire_order" in kinds


def test_spoofed_adsb_on_the_drone_is_implausible_and_fails_safe():
    extra = 'spoof_adsb = { icao24 = "3c6444", callsign = "DLH4AB" }'
    text = SITE.format(name="spoof-on", duration=300) + DRONE.format(extra=extra)
    result = run(compile_scenario(parse(text, "spoof.toml")), 1, record_plots=False)
    kinds = [e.kind for e in result.log.events]
    assert "adsb_implausible" in kinds  # flagged: an airliner's identity on a 0.05 m^2 target
    assert not any(e.kind == "identification" and e.payload.to == "civil" for e in result.log.events)
    # fail safe: a target wearing an identity is not declared hostile, so it is not engaged
    assert "fire_order" not in kinds


def test_iff_reply_makes_a_track_friendly_and_never_engaged(baghdad):
    d = baghdad.defence
    log = EventLog()
    pipe = DecisionPipeline(d, log.emit)
    radar = d.radars[0]
    rng = np.random.default_rng(0)
    start, vel = np.array([2375.0 + 6000.0, 1335.0, 120.0]), np.array([-50.0, 0.0, 0.0])
    for k in range(1, 110):
        p = start + vel * k
        r, az, el = enu_to_polar(p - radar.position)
        det = Detections(
            float(k),
            0,
            np.array([r + rng.normal(0, 5)]),
            np.array([az + rng.normal(0, 1e-3)]),
            np.array([el + rng.normal(0, 1e-3)]),
            np.array([np.dot(p - radar.position, vel) / r]),
            np.array([100.0]),
            np.array([0.05]),
            np.array([True]),
        )
        pipe.on_radar(det)
    ident = [e.payload for e in log.events if e.kind == "identification"]
    assert ident[-1].to == "friendly" and "IFF" in ident[-1].reason
    assert not any(e.kind in ("authorisation_request", "fire_order") for e in log.events)


def test_scenario_text_of_the_spoof_is_valid():
    text = SITE.format(name="x", duration=10) + DRONE.format(extra='spoof_adsb = { icao24 = "zz", callsign = "A" }')
    with pytest.raises(Exception, match="icao24"):
        parse(textwrap.dedent(text), "x.toml")


def test_nights_in_lock_step_keep_their_own_adsb_keys(real_sky):
    """The real sky (recorded airliners keyed to tracks by ADS-B) and a spoofer, nights in lock-step
    sharing one tracker: every night's events equal its own run's (ADS-B keys are per night)."""
    from bastion.engine.simulation import run_batch

    extra = 'spoof_adsb = { icao24 = "3c6444", callsign = "DLH4AB", offset_east_m = 4000.0, offset_north_m = 2500.0 }'
    spoof = compile_scenario(parse(SITE.format(name="spoof-far", duration=300) + DRONE.format(extra=extra), "s.toml"))
    for compiled, seeds in ((real_sky, [1, 2, 5]), (spoof, [1, 3])):
        for seed, night in zip(seeds, run_batch(compiled, seeds), strict=True):
            alone = run(compiled, seed, record_plots=False)
            assert [(e.t, e.kind, e.to_json()) for e in night.log.events if e.kind != "run_end"] == [
                (e.t, e.kind, e.to_json()) for e in alone.log.events if e.kind != "run_end"
            ]
