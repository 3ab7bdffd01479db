"""The Baghdad night's run creates its incident: both drones, the engagements, the debris in WGS84
with search areas; its after-action report shows them; evidence attaches, exports and verifies."""

import json
import math

import numpy as np
import pytest

from bastion.api import run_night
from bastion.incidents.after_action import ellipse_ring, write_after_action
from bastion.incidents.evidence import add_evidence, export_incident, verify_export
from bastion.incidents.from_run import build_incident, record_incident_from_run, search_area
from bastion.incidents.register import Register
from bastion.store import EventStore


def _local_en_m(lat0, lon0, lat, lon):
    """East, north [m] of (lat, lon) from (lat0, lon0) with the WGS84 radii of curvature at lat0
    (meridional M and prime-vertical N): independent of pymap3d, good to well under 1 m within 10 km."""
    a, f = 6_378_137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    s = math.sin(math.radians(lat0))
    m = a * (1 - e2) / (1 - e2 * s * s) ** 1.5
    n = a / math.sqrt(1 - e2 * s * s)
    return math.radians(lon - lon0) * n * math.cos(math.radians(lat0)), math.radians(lat - lat0) * m


@pytest.fixture(scope="module")
def night(tmp_path_factory, baghdad):
    out = tmp_path_factory.mktemp("inc-night")
    n = run_night(baghdad, 1, out, report=False)
    iid = record_incident_from_run(out / "events.sqlite", n.run_id)
    return n, out / "events.sqlite", iid


def test_the_run_creates_its_incident(night):
    n, db, iid = night
    with Register(db) as reg:
        inc = reg.get(iid)
    s = n.summary
    assert inc.origin == "run" and inc.site == "biap" and inc.weapon == "drone" and inc.count == 2
    assert inc.date_local == "2022-01-03" and inc.utc_offset == "+03:00" and inc.time_local.startswith("04:2")
    assert [t["name"] for t in inc.threats] == ["OWA-1", "OWA-2"]
    outcome = {"destroyed": "intercepted", "leaked": "impacted", "fell in open ground": "ignored-open-area"}
    assert [t["outcome"] for t in inc.threats] == [outcome.get(t["outcome"], "unknown") for t in s["threats"]]
    # every threat was tracked; first detection ranges agree with the run summary
    for t, ts in zip(inc.threats, s["threats"], strict=True):
        assert t["basis"] == "tracked" and t["tracks"]
        assert t["first_detection_range_m"] == pytest.approx(ts["first_detection_range_m"], abs=0.1)
    # engagements: one row per fire order, rounds add up to the summary's
    assert len(inc.engagements) == s["bursts"] and sum(e["rounds"] for e in inc.engagements) == s["rounds_fired"]
    assert sum(t["rounds_fired"] for t in inc.threats) == s["rounds_fired"]
    assert {e["threat_seq"] for e in inc.engagements} <= {0, 1}
    assert len(inc.debris) == s["debris_impacts"] and inc.links[0]["ref"] == n.run_id
    assert inc.intercepted == ("yes" if s["hostiles_destroyed"] else "no")


def test_positions_are_in_wgs84_and_agree_with_the_site_frame(night):
    _, db, iid = night
    with Register(db) as reg:
        inc = reg.get(iid)
    lat0, lon0 = inc.lat, inc.lon
    for d in inc.debris:
        # pymap3d's ENU -> WGS84 against local radii of curvature (1 m: curvature terms over 4 km)
        e, n = _local_en_m(lat0, lon0, d["lat"], d["lon"])
        assert e == pytest.approx(d["east_m"], abs=1.0) and n == pytest.approx(d["north_m"], abs=1.0)
    # every debris piece of a destroyed threat lies inside that threat's search area
    for sa in inc.search_areas:
        pieces = [d for d in inc.debris if d["threat_seq"] == sa["threat_seq"]]
        assert pieces
        for d in pieces:
            assert math.hypot(d["east_m"] - sa["east_m"], d["north_m"] - sa["north_m"]) <= sa["radius_m"]


def test_recording_is_idempotent_and_can_go_to_another_register(night, tmp_path):
    n, db, iid = night
    assert record_incident_from_run(db, n.run_id) == iid
    other = tmp_path / "register.sqlite"
    j = record_incident_from_run(db, n.run_id, other)
    with Register(other) as reg:
        assert reg.count() == 1 and reg.get(j).threats[0]["name"] == "OWA-1"
    with pytest.raises(KeyError):
        record_incident_from_run(db, "no-such-run")
    with pytest.raises(FileNotFoundError):
        record_incident_from_run(tmp_path / "absent.sqlite", n.run_id)


def test_after_action_report_shows_drones_engagements_and_debris(night, tmp_path):
    _, db, iid = night
    with Register(db) as reg:
        inc = reg.get(iid)
    html = write_after_action(inc, tmp_path).read_text()
    import re

    assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*\bhref=", html)  # offline
    assert "Plotly" in html
    for text in ("OWA-1", "OWA-2", "LPWS-1", "debris search area", "predicted impact", "Engagements", "Evidence"):
        assert text in html, text
    assert html.count("<tr>") > len(inc.engagements) + len(inc.debris)


def test_evidence_export_and_verify_and_tampering_fails(night, tmp_path):
    _, db, iid = night
    photo = tmp_path / "wing.jpg"
    photo.write_bytes(b"\xff\xd8 wing with inscription " + bytes(range(256)))
    with Register(db) as reg:
        eid = add_evidence(reg, iid, photo, "wing section", inscription="Commanders' Revenge Operations")
        out, digest = export_incident(reg, iid, tmp_path / "exp" / "incident.json")
    v = verify_export(out, expect=digest)
    assert v.ok, v.problems
    doc = json.loads(out.read_text())
    assert doc["manifest"]["evidence"][0]["evidence_id"] == eid
    # 1. tamper with the record
    bad = json.loads(out.read_text())
    bad["incident"]["threats"][0]["outcome"] = "impacted"
    tampered = out.with_name("tampered.json")
    tampered.write_text(json.dumps(bad))
    v = verify_export(tampered)
    assert not v.ok and any("incident record was changed" in p for p in v.problems)
    # 2. rewrite the record and its hash consistently: caught by the digest sent separately
    from bastion.incidents.evidence import sha256_json

    bad["manifest"]["incident_sha256"] = sha256_json(bad["incident"])
    bad["manifest_sha256"] = sha256_json(bad["manifest"])
    tampered.write_text(json.dumps(bad))
    assert verify_export(tampered).ok
    v = verify_export(tampered, expect=digest)
    assert not v.ok and any("not the digest given separately" in p for p in v.problems)
    # 3. tamper with an evidence file in the bundle
    copy = out.parent / doc["manifest"]["evidence"][0]["file"]
    copy.write_bytes(copy.read_bytes() + b"x")
    v = verify_export(out)
    assert not v.ok and any(f"evidence #{eid}" in p and "does not match" in p for p in v.problems)
    # 4. a missing file
    copy.unlink()
    v = verify_export(out)
    assert not v.ok and any("not found" in p for p in v.problems)


def test_evidence_rows_are_append_only(night, tmp_path):
    _, db, iid = night
    import sqlite3

    note = tmp_path / "note.txt"
    note.write_text("found by the perimeter fence")
    with Register(db) as reg:
        eid = add_evidence(reg, iid, note, "note")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            reg.db.execute("UPDATE incident_evidence SET sha256 = 'x' WHERE evidence_id = ?", (eid,))
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            reg.db.execute("DELETE FROM incident_evidence WHERE evidence_id = ?", (eid,))


def test_point_of_origin_events_become_origins_with_ellipses(night, baghdad):
    n, db, _ = night
    with EventStore(db) as store:
        events = list(store.events(n.run_id))
    from bastion.event_types import PointOfOrigin
    from bastion.store.sqlite import StoredEvent

    # a 95 % ellipse of 1,000 m by 250 m, its major axis east (pi/2 clockwise from north)
    origin = PointOfOrigin(
        track=33, position=[12400.0, -6900.0], lat=0.0, lon=0.0, ellipse=[1000.0, 250.0, math.pi / 2],
        launch_time=250.0, plots=8,
    )  # fmt: skip
    events.append(StoredEvent(10**6, 300.0, origin.KIND, "decision", origin))
    inc = build_incident(baghdad, events, n.run_id, "0" * 64, "0" * 64, str(db), 1)
    (o,) = inc.origins
    assert (o["east_m"], o["north_m"], o["track"]) == (12400.0, -6900.0, 33)
    assert (o["semi_major_m"], o["semi_minor_m"], o["orientation_deg"]) == (1000.0, 250.0, 90.0)
    assert o["lat"] < inc.lat and o["lon"] > inc.lon  # south-east of the airport (from the site, not the payload)


def test_search_area_and_ellipse_geometry():
    c, r, basis = search_area(np.array([100.0, 200.0, 150.0]), np.empty((0, 3)))
    assert r == 150.0 and "kill height" in basis and c.tolist() == [100.0, 200.0]
    c, r, _ = search_area(np.array([0.0, 0.0, 80.0]), np.array([[300.0, 400.0, 0.0]]))
    assert r == pytest.approx(500.0 + 25.0)
    ring = ellipse_ring(0.0, 0.0, 300.0, 100.0, 90.0)
    assert np.abs(ring[:, 0]).max() == pytest.approx(300.0) and np.abs(ring[:, 1]).max() == pytest.approx(
        100.0, rel=1e-3
    )
