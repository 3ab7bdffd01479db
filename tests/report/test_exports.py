"""Exports of a recorded night: GeoJSON, CZML and KML against the run's own events and pymap3d."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pymap3d
import pytest
import shapely
from typer.testing import CliRunner

from bastion.cli.main import app
from bastion.report import exports
from bastion.store import EventStore

KML_NS = {"k": "http://www.opengis.net/kml/2.2", "gx": "http://www.google.com/kml/ext/2.2"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, baghdad):
    from bastion.api import run_night

    out = tmp_path_factory.mktemp("night")
    night = run_night(baghdad, 1, out, report=False)
    return out, night.run_id


@pytest.fixture(scope="module")
def events(run_dir):
    out, run_id = run_dir
    with EventStore(out / "events.sqlite") as s:
        return list(s.events(run_id))


def _export(run_dir, fmt, tmp_path):
    out, _ = run_dir
    path = tmp_path / f"run.{fmt}"
    res = CliRunner().invoke(app, ["export", str(out), "--format", fmt, "--out", str(path)])
    assert res.exit_code == 0, res.output
    return path


def _track_ids(events) -> list[int]:
    return sorted({i for e in events if e.kind == "tracks" for i in e.payload.id})


def test_geojson_holds_every_layer_at_its_wgs84_position(run_dir, events, baghdad, tmp_path):
    fc = json.loads(_export(run_dir, "geojson", tmp_path).read_text())
    assert fc["type"] == "FeatureCollection"
    feats = fc["features"]
    by = lambda layer: [f for f in feats if f["properties"]["layer"] == layer]  # noqa: E731
    o = baghdad.defence.origin
    # tracks: one line per system track, its vertices the tracks events' positions through pymap3d
    tracks = by("track")
    assert sorted(f["properties"]["track"] for f in tracks) == _track_ids(events)
    for f in tracks:
        tid = f["properties"]["track"]
        enu = [
            e.payload.position[e.payload.id.index(tid)] for e in events if e.kind == "tracks" and tid in e.payload.id
        ]
        lat, lon, alt = pymap3d.enu2geodetic(*np.array(enu).T, o.lat_deg, o.lon_deg, o.alt_m)
        coords = np.array(f["geometry"]["coordinates"]).reshape(-1, 3)
        np.testing.assert_allclose(coords, np.column_stack([lon, lat, alt]), rtol=0, atol=1e-9)
    # engagements and debris: one feature per event
    orders = [e for e in events if e.kind == "fire_order"]
    eng = by("engagement")
    assert len(eng) == len(orders) > 0
    for f, e in zip(eng, orders, strict=True):
        lat, lon, _ = pymap3d.enu2geodetic(*e.payload.intercept, o.lat_deg, o.lon_deg, o.alt_m)
        assert f["geometry"]["coordinates"][1][:2] == pytest.approx([lon, lat], abs=1e-9)
        assessed = [
            k.payload.destroyed for k in events if k.kind == "kill_assessment" and k.payload.order == e.payload.order
        ]
        assert f["properties"]["destroyed"] == (assessed[-1] if assessed else None)
    assert len(by("debris")) == sum(e.kind == "debris_impact" for e in events) > 0
    assert len(by("warning")) == sum(e.kind == "warning" for e in events) > 0
    # polygons: closed, counter-clockwise exterior rings (RFC 7946), valid
    for f in feats:
        if f["geometry"]["type"] == "Polygon":
            ring = np.array(f["geometry"]["coordinates"][0])[:, :2]
            assert np.array_equal(ring[0], ring[-1])
            assert shapely.LinearRing(ring).is_ccw and shapely.Polygon(ring).is_valid
    # impact ellipses: back in the site frame their area is pi a b (95 % semi-axes), to the 48-gon's 0.3 %
    ells = by("impact_ellipse")
    assert ells
    for f in ells:
        ring = np.array(f["geometry"]["coordinates"][0])
        e_, n_, _ = pymap3d.geodetic2enu(ring[:, 1], ring[:, 0], np.zeros(len(ring)), o.lat_deg, o.lon_deg, o.alt_m)
        a, b = f["properties"]["semi_axes_m"]
        assert shapely.Polygon(np.column_stack([e_, n_])).area == pytest.approx(np.pi * a * b, rel=0.005)


def test_czml_tracks_are_time_tagged_samples(run_dir, events, tmp_path):
    doc = json.loads(_export(run_dir, "czml", tmp_path).read_text())
    assert doc[0]["id"] == "document" and doc[0]["version"] == "1.0"
    tracks = {p["id"]: p for p in doc if p["id"].startswith("track/")}
    assert sorted(int(k.split("/")[1]) for k in tracks) == _track_ids(events)
    for key, p in tracks.items():
        tid = int(key.split("/")[1])
        times = [e.t for e in events if e.kind == "tracks" and tid in e.payload.id]
        samples = np.array(p["position"]["cartographicDegrees"]).reshape(-1, 4)
        np.testing.assert_allclose(samples[:, 0], times)  # seconds after the run start (the epoch)
    assert sum(p["id"].startswith("engagement/") for p in doc) == sum(e.kind == "fire_order" for e in events)
    assert sum(p["id"].startswith("ellipse/") for p in doc) > 0


def test_kml_has_a_gx_track_per_track_and_timed_engagements(run_dir, events, tmp_path):
    root = ET.parse(_export(run_dir, "kml", tmp_path)).getroot()
    folders = {f.find("k:name", KML_NS).text: f for f in root.iter("{http://www.opengis.net/kml/2.2}Folder")}
    assert {"Site", "Tracks", "Engagements", "Debris", "Warnings"} <= set(folders)
    gx = folders["Tracks"].findall(".//gx:Track", KML_NS)
    assert len(gx) == len(_track_ids(events))
    for trk in gx:
        assert len(trk.findall("k:when", KML_NS)) == len(trk.findall("gx:coord", KML_NS)) > 0
    eng = folders["Engagements"].findall(".//k:Placemark", KML_NS)
    assert len(eng) == sum(e.kind == "fire_order" for e in events)
    assert all(p.find(".//k:TimeSpan/k:begin", KML_NS) is not None for p in eng)


def test_export_errors_exit_2(run_dir, tmp_path):
    out, _ = run_dir
    runner = CliRunner()
    bad = runner.invoke(app, ["export", str(out), "--format", "shp", "--out", str(tmp_path / "x")])
    assert bad.exit_code == 2 and "czml, kml, geojson" in bad.output
    missing = runner.invoke(app, ["export", str(tmp_path / "nope"), "--format", "kml", "--out", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "no run" in missing.output
    with pytest.raises(exports.ExportError):
        exports.export_run(out / "events.sqlite", "not-a-run", "kml", tmp_path / "x.kml")
