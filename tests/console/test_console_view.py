"""What reaches the console: the decision side in full, from the truth only what a trainer observes."""

from __future__ import annotations

import json

import pytest

from bastion import event_types as ev
from bastion.console.view import OBSERVED_KEYS, PER_SCAN, PictureLog, describe, detection_ring_m, site_json, to_view
from bastion.engine.simulation import run

NEVER_SHOWN = {"truth", "launch", "first_detection", "hit"}


@pytest.fixture(scope="module")
def night(baghdad):
    return run(baghdad, 1)


def test_truth_never_leaks(night, baghdad):
    """No truth position, launch, hit or first detection is sent; observed events carry no truth
    identity (the raid's threat names OWA-1, OWA-2 appear in truth payloads, never in the view)."""
    names = [t.name for t in baghdad.raid.threats]
    named = [e for e in night.log.events if e.source == "world" and getattr(e.payload, "name", None) in names]
    assert named  # the check can fail
    shown = 0
    for e in night.log.events:
        v = to_view(e.seq, e.t, e.kind, e.source, e.payload, baghdad.defence)
        if e.kind in NEVER_SHOWN or (e.source == "world" and e.kind not in OBSERVED_KEYS):
            assert v is None, e.kind
            continue
        if v is None:
            continue
        shown += 1
        body = json.loads(v.fragment)
        assert body["seq"] == e.seq and body["kind"] == e.kind
        if e.source == "world":
            assert v.source == "observed"
            assert set(v.shown) <= set(OBSERVED_KEYS[e.kind])
            assert not {"threat", "name", "label"} & set(v.shown)
            assert not any(n in v.fragment for n in names)
        else:
            assert v.source == e.source
            assert body["p"] == json.loads(e.to_json())  # decision-side payloads unchanged
        quiet = e.kind in PER_SCAN or (e.kind == "fall_of_shot" and not e.payload.zone)
        assert ("text" in body) != quiet
    assert shown > 500


def test_observed_gun_is_named(night, baghdad):
    fired = [e for e in night.log.events if e.kind == "gun_fired"]
    assert fired
    v = to_view(fired[0].seq, fired[0].t, "gun_fired", "world", fired[0].payload, baghdad.defence)
    assert v.shown["gun"] == baghdad.defence.guns[fired[0].payload.gun].name


def test_every_logged_kind_reads_as_a_sentence(night, baghdad):
    for e in night.log.events:
        v = to_view(e.seq, e.t, e.kind, e.source, e.payload, baghdad.defence)
        if v is not None and e.kind not in PER_SCAN:  # (every kind has a sentence, logged or not)
            assert v.text and not v.text.startswith(f"{e.kind}:"), (e.kind, v.text)  # not the generic fallback
            assert v.level in ("alert", "action", "good", "info")
    text, level = describe(ev.Authorisation(request=3, track=7, gun="G", approved=False, user="op", latency_s=2.0))
    assert "DENIED" in text and "op" in text and level == "action"


def test_detection_ring_follows_the_radar_equation(baghdad):
    """R ~ RCS^(1/4) at constant SNR: the KuRFS reference 25 km on 1 m^2 gives 25 * 0.05^0.25 = 11.822 km
    on 0.05 m^2 (hand-computed)."""
    radar = baghdad.defence.radars[0]
    assert detection_ring_m(radar) == pytest.approx(11_821.8, abs=0.5)


def test_site_json(baghdad):
    s = site_json(baghdad.defence)
    json.dumps(s)
    assert [z["name"] for z in s["zones"]][:3] == ["Terminal", "BDSC", "Cargo and fuel farm"]
    gun = s["guns"][0]
    assert gun["reach_m"] == baghdad.defence.guns[0].type.max_engage_range_m
    nf = gun["no_fire"][0]
    assert nf["azimuth_deg"] == pytest.approx([185.0, 305.0]) and nf["below_elevation_deg"] == pytest.approx(12.0)
    assert s["doctrine"]["weapons_control"] == "tight"
    # the terminal polygon is given in ENU in the scenario: it comes back closed and unchanged
    assert s["zones"][0]["ring"][0] == s["zones"][0]["ring"][-1] == [-450.0, 50.0]


def test_picture_log_snapshot(night, baghdad):
    log = PictureLog(trail_scans=5, max_events=50)
    views = [to_view(e.seq, e.t, e.kind, e.source, e.payload, baghdad.defence) for e in night.log.events]
    views = [v for v in views if v is not None]
    for v in views:
        log.append(v)
    snap = json.loads(log.snapshot({"site": {"x": 1}}))
    assert snap["type"] == "snapshot" and snap["site"] == {"x": 1}
    assert snap["seq"] == views[-1].seq
    kinds = [e["kind"] for e in snap["events"]]
    seqs = [e["seq"] for e in snap["events"]]
    assert seqs == sorted(seqs)
    assert kinds.count("tracks") == 1 and kinds.count("detections") == 1
    assert "run_start" in kinds  # pinned though 50 later events pushed it out of the log
    last_tracks = [v for v in views if v.kind == "tracks"][-1]
    assert snap["events"][seqs.index(last_tracks.seq)]["p"]["id"] == last_tracks.shown["id"]
    for tid, points in snap["trails"].items():
        assert int(tid) in last_tracks.shown["id"]
        assert len(points) <= 5
        assert points[-1][1:] == last_tracks.shown["position"][last_tracks.shown["id"].index(int(tid))][:2]
