"""Exports of a recorded run for 3-D and GIS viewers: CZML (Cesium), KML (Google Earth), GeoJSON (QGIS).

What is exported (all positions converted from the run's site ENU frame to WGS84 with the site
origin of the scenario stored with the run, through pymap3d): the site (zones, guns, radars), the
system tracks (``tracks`` events: one time-stamped trajectory per track, coloured by its final
identity), impact ellipses (``impact_prediction`` events and the ellipses of ``tracks`` events:
each track's latest 95 % ellipse), zone warnings (``warning`` to ``all_clear``), engagements
(``fire_order``: gun to predicted intercept, with the kill assessment), debris impacts
(``debris_impact``) and fall of shot (``fall_of_shot``). Truth trajectories are not exported: an
export shows what the defenders saw and did.

Libraries: ``czml3`` writes the CZML document, ``simplekml`` the KML; GeoJSON (RFC 7946) is a few
dictionaries written with ``json`` (exterior rings counter-clockwise, coordinates lon, lat, height).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import shapely

from bastion.report.run_picture import ExportError, RunPicture, iso_time, read_run

__all__ = ["FORMATS", "ExportError", "RunPicture", "export_run", "read_run", "to_czml", "to_geojson", "to_kml"]

FORMATS = ("czml", "kml", "geojson")

IDENTITY_RGB = {
    "hostile": (214, 39, 40),
    "civil": (44, 160, 44),
    "friendly": (31, 119, 180),
    "unknown": (255, 127, 14),
    "pending": (187, 187, 187),
}
ZONE_RGB = {
    "populated": (214, 39, 40),
    "military": (31, 119, 180),
    "infrastructure": (127, 127, 127),
    "open": (44, 160, 44),
}


def _site_features(pic: RunPicture) -> list[dict]:
    d = pic.defence
    out = []
    for z in d.zones:
        ring = np.asarray(shapely.get_exterior_ring(shapely.orient_polygons(z.geometry)).coords)
        geo = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]
        out.append(
            _feature(
                "Polygon", [geo.tolist()], layer="zone", name=z.name, kind=z.kind, value=z.value, notional=z.notional
            )
        )
    for layer, sites in (("gun", d.guns), ("radar", d.radars)):
        for s in sites:
            out.append(_feature("Point", pic.wgs84(s.position).tolist(), layer=layer, name=s.name, type=s.type.name))
    return out


def _feature(geometry: str, coordinates, /, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": geometry, "coordinates": coordinates}, "properties": props}


def to_geojson(pic: RunPicture) -> dict:
    """A GeoJSON FeatureCollection (RFC 7946): every feature's ``layer`` property names what it is."""
    feats = _site_features(pic)
    for tr in pic.tracks:
        coords = np.column_stack([tr.lon, tr.lat, tr.alt]).tolist()
        geom = "LineString" if len(coords) > 1 else "Point"
        feats.append(
            _feature(
                geom,
                coords if geom == "LineString" else coords[0],
                layer="track",
                track=tr.track,
                identity=tr.identity,
                klass=tr.klass,
                icao24=tr.icao24,
                t_start=float(tr.t[0]),
                t_end=float(tr.t[-1]),
                time_start=iso_time(pic, tr.t[0]),
                time_end=iso_time(pic, tr.t[-1]),
                times_s=tr.t.tolist(),
                identities=[[t, s] for t, s in tr.identities],
            )
        )
    for el in pic.ellipses:
        feats.append(
            _feature(
                "Polygon",
                [el["ring"].tolist()],
                layer="impact_ellipse",
                track=el["track"],
                t=el["t"],
                time=iso_time(pic, el["t"]),
                impact_time_s=el["impact_time"],
                semi_axes_m=list(el["axes"]),
                orientation_rad=el["orientation"],
                zone=el["zone"],
                p_reach=el["p_reach"],
                source=el["source"],
                confidence=0.95,
            )
        )
    for w in pic.warnings:
        if "ring" in w:
            props = {k: v for k, v in w.items() if k != "ring"}
            feats.append(
                _feature(
                    "Polygon",
                    [w["ring"].tolist()],
                    layer="warning",
                    time=iso_time(pic, w["t"]),
                    time_clear=iso_time(pic, w["t_clear"]),
                    **props,
                )
            )
    for en in pic.engagements:
        props = {k: v for k, v in en.items() if k != "line"}
        feats.append(
            _feature(
                "LineString", en["line"].tolist(), layer="engagement", time_start=iso_time(pic, en["t_start"]), **props
            )
        )
    for layer, rows in (("debris", pic.debris), ("fall_of_shot", pic.fall_of_shot)):
        for r in rows:
            props = {k: v for k, v in r.items() if k not in ("lon", "lat", "alt")}
            feats.append(
                _feature("Point", [r["lon"], r["lat"], r["alt"]], layer=layer, time=iso_time(pic, r["t"]), **props)
            )
    return {
        "type": "FeatureCollection",
        "name": f"bastion run {pic.run_id}",
        "properties": {"run": pic.run_id, "scenario": pic.scenario, "start": iso_time(pic, 0.0)},
        "features": feats,
    }


def to_czml(pic: RunPicture) -> str:
    """A CZML document: tracks as time-tagged positions with trails, ellipses, warnings, engagements and
    debris shown over the times they were true."""
    from czml3 import Document, Packet
    from czml3.properties import (
        Clock,
        Color,
        Label,
        Material,
        Path,
        Point,
        Polygon,
        Polyline,
        PolylineMaterial,
        Position,
        PositionList,
        SolidColorMaterial,
    )
    from czml3.types import TimeInterval

    def colour(rgb, alpha=255):
        return Color(rgba=[*rgb, alpha])

    def fill(rgb, alpha):
        return Material(solidColor=SolidColorMaterial(color=colour(rgb, alpha)))

    def line(rgb, alpha=255):
        return PolylineMaterial(solidColor=SolidColorMaterial(color=colour(rgb, alpha)))

    def during(t0, t1):
        t1 = pic.end_s if t1 is None else max(t1, t0 + 1e-3)
        return TimeInterval(start=pic.when(t0), end=pic.when(t1))

    end = pic.when(pic.end_s)
    packets = [
        Packet(
            id="document",
            name=f"bastion run {pic.run_id}",
            version="1.0",
            clock=Clock(interval=TimeInterval(start=pic.start, end=end), currentTime=pic.start, multiplier=10),
        )
    ]
    d = pic.defence
    for z in d.zones:
        ring = np.asarray(shapely.get_exterior_ring(z.geometry).coords)
        geo = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))
        packets.append(
            Packet(
                id=f"zone/{z.name}",
                name=z.name,
                description=f"{z.kind}, value {z.value:g}",
                polygon=Polygon(
                    positions=PositionList(cartographicDegrees=geo.ravel().tolist()),
                    material=fill(ZONE_RGB.get(z.kind, (127, 127, 127)), 70),
                ),
            )
        )
    for kind, sites in (("gun", d.guns), ("radar", d.radars)):
        for s in sites:
            packets.append(
                Packet(
                    id=f"{kind}/{s.name}",
                    name=s.name,
                    position=Position(cartographicDegrees=pic.wgs84(s.position).tolist()),
                    point=Point(pixelSize=10, color=colour((30, 30, 30))),
                    label=Label(text=s.name, scale=0.5),
                )
            )
    for tr in pic.tracks:
        samples = np.column_stack([tr.t, tr.lon, tr.lat, tr.alt]).ravel().tolist()
        rgb = IDENTITY_RGB.get(tr.identity, (187, 187, 187))
        packets.append(
            Packet(
                id=f"track/{tr.track}",
                name=f"track {tr.track} ({tr.identity} {tr.klass})",
                availability=during(float(tr.t[0]), float(tr.t[-1])),
                position=Position(epoch=pic.start, cartographicDegrees=samples),
                point=Point(pixelSize=8, color=colour(rgb)),
                path=Path(material=line(rgb), width=2, trailTime=60, leadTime=0),
            )
        )
    for el in pic.ellipses:
        geo = np.column_stack([el["ring"], np.full(len(el["ring"]), d.origin.alt_m)])
        packets.append(
            Packet(
                id=f"ellipse/{el['track']}",
                name=f"impact ellipse of track {el['track']} (95 %)",
                availability=during(el["t"], el["impact_time"]),
                polygon=Polygon(
                    positions=PositionList(cartographicDegrees=geo.ravel().tolist()), material=fill((255, 0, 255), 90)
                ),
            )
        )
    for k, w in enumerate(pic.warnings):
        if "ring" in w:
            geo = np.column_stack([w["ring"], np.full(len(w["ring"]), d.origin.alt_m)])
            packets.append(
                Packet(
                    id=f"warning/{k}",
                    name=f"warning {w['zone']} (track {w['track']})",
                    availability=during(w["t"], w["t_clear"]),
                    polygon=Polygon(
                        positions=PositionList(cartographicDegrees=geo.ravel().tolist()),
                        material=fill((255, 215, 0), 120),
                    ),
                )
            )
    for en in pic.engagements:
        packets.append(
            Packet(
                id=f"engagement/{en['order']}",
                name=f"order {en['order']}: {en['gun']} at track {en['track']}",
                availability=during(en["t"], en["t_end"] + 2.0),
                polyline=Polyline(
                    positions=PositionList(cartographicDegrees=en["line"].ravel().tolist()),
                    material=line((255, 0, 0)),
                    width=3,
                ),
            )
        )
    for layer, rows, rgb in (("debris", pic.debris, (120, 60, 0)), ("fall_of_shot", pic.fall_of_shot, (90, 90, 90))):
        for k, r in enumerate(rows):
            packets.append(
                Packet(
                    id=f"{layer}/{k}",
                    name=f"{layer.replace('_', ' ')} {k}",
                    availability=during(r["t"], None),
                    position=Position(cartographicDegrees=[r["lon"], r["lat"], r["alt"]]),
                    point=Point(pixelSize=5, color=colour(rgb)),
                )
            )
    return Document(packets=packets).dumps()


def to_kml(pic: RunPicture) -> str:
    """A KML document: folders Site, Tracks (gx:Track with time stamps), Impact ellipses, Warnings,
    Engagements, Debris, each feature with its TimeSpan for Google Earth's time slider."""
    import simplekml

    def kcolour(rgb, alpha=255):
        return simplekml.Color.rgb(*rgb, a=alpha)

    def span(obj, t0, t1):
        obj.timespan.begin = iso_time(pic, t0)
        if t1 is not None:
            obj.timespan.end = iso_time(pic, t1)

    k = simplekml.Kml(name=f"bastion run {pic.run_id}")
    site = k.newfolder(name="Site")
    d = pic.defence
    for z in d.zones:
        ring = np.asarray(shapely.get_exterior_ring(z.geometry).coords)
        geo = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]
        pol = site.newpolygon(
            name=z.name, description=f"{z.kind}, value {z.value:g}", outerboundaryis=[tuple(p) for p in geo.tolist()]
        )
        pol.style.polystyle.color = kcolour(ZONE_RGB.get(z.kind, (127, 127, 127)), 90)
    for s in (*d.guns, *d.radars):
        site.newpoint(name=s.name, coords=[tuple(pic.wgs84(s.position).tolist())])
    tracks = k.newfolder(name="Tracks")
    for tr in pic.tracks:
        trk = tracks.newgxtrack(name=f"track {tr.track} ({tr.identity} {tr.klass})")
        trk.altitudemode = simplekml.AltitudeMode.absolute
        trk.newwhen([iso_time(pic, t) for t in tr.t.tolist()])
        trk.newgxcoord([tuple(p) for p in np.column_stack([tr.lon, tr.lat, tr.alt]).tolist()])
        trk.style.linestyle.color = kcolour(IDENTITY_RGB.get(tr.identity, (187, 187, 187)))
        trk.style.linestyle.width = 2
    ell = k.newfolder(name="Impact ellipses (95 %)")
    for el in pic.ellipses:
        pol = ell.newpolygon(name=f"track {el['track']}", outerboundaryis=[tuple(p) for p in el["ring"].tolist()])
        pol.style.polystyle.color = kcolour((255, 0, 255), 90)
        span(pol, el["t"], el["impact_time"])
    warn = k.newfolder(name="Warnings")
    for w in pic.warnings:
        if "ring" in w:
            pol = warn.newpolygon(
                name=f"{w['zone']} (track {w['track']})", outerboundaryis=[tuple(p) for p in w["ring"].tolist()]
            )
            pol.style.polystyle.color = kcolour((255, 215, 0), 120)
            span(pol, w["t"], w["t_clear"])
    eng = k.newfolder(name="Engagements")
    for en in pic.engagements:
        ls = eng.newlinestring(
            name=f"order {en['order']}: {en['gun']} at track {en['track']}",
            description=f"{en['rounds']} rounds, Pk {en['pk']}, destroyed: {en['destroyed']}",
            coords=[tuple(p) for p in en["line"].tolist()],
        )
        ls.altitudemode = simplekml.AltitudeMode.absolute
        ls.style.linestyle.color = kcolour((255, 0, 0))
        ls.style.linestyle.width = 3
        span(ls, en["t"], en["t_end"] + 2.0)
    for name, rows in (("Debris", pic.debris), ("Fall of shot", pic.fall_of_shot)):
        f = k.newfolder(name=name)
        for r in rows:
            pt = f.newpoint(name=str(r.get("piece", "round")), coords=[(r["lon"], r["lat"], r["alt"])])
            pt.timestamp.when = iso_time(pic, r["t"])
    return k.kml()


def export_run(db: str | Path, run_id: str, fmt: str, out: str | Path) -> dict[str, int]:
    """Write run ``run_id`` of ``db`` as ``fmt`` ("czml", "kml", "geojson") to ``out``; return what was written."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r}: choose {', '.join(FORMATS)}")
    pic = read_run(db, run_id)
    text = {"czml": to_czml, "kml": to_kml, "geojson": lambda p: json.dumps(to_geojson(p), allow_nan=False)}[fmt](pic)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, "utf-8")
    except OSError as exc:
        raise ExportError(f"{out}: {exc.strerror or exc}") from None
    return {
        "tracks": len(pic.tracks),
        "impact ellipses": len(pic.ellipses),
        "warnings": len(pic.warnings),
        "engagements": len(pic.engagements),
        "debris": len(pic.debris),
    }
