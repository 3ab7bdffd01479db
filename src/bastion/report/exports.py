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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import shapely

from bastion.scenario import ScenarioError, parse
from bastion.scenario.compiled import Defence, compile_scenario
from bastion.store import EventStore

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

_KINDS = (
    "tracks",
    "impact_prediction",
    "warning",
    "all_clear",
    "fire_order",
    "kill_assessment",
    "debris_impact",
    "fall_of_shot",
)


class ExportError(ValueError):
    """A run cannot be exported (unknown run, unreadable scenario, unwritable file)."""


@dataclass
class TrackPath:
    track: int
    t: np.ndarray  # [s after the start]
    lat: np.ndarray  # [deg]
    lon: np.ndarray
    alt: np.ndarray  # [m above the ellipsoid, as the site origin's altitude]
    identity: str  # final
    klass: str  # final
    identities: list[tuple[float, str]]  # (time, identity) at each change
    icao24: str | None


@dataclass
class RunPicture:
    """What a run's events say, in WGS84: the input of every export format."""

    run_id: str
    scenario: str
    start: datetime  # UTC of t = 0
    end_s: float
    defence: Defence
    tracks: list[TrackPath] = field(default_factory=list)
    ellipses: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)
    engagements: list[dict] = field(default_factory=list)
    debris: list[dict] = field(default_factory=list)
    fall_of_shot: list[dict] = field(default_factory=list)

    def wgs84(self, enu) -> np.ndarray:
        """(..., 3) lon, lat, altitude of ENU points (..., 3) [m] of the site."""
        lat, lon, alt = self.defence.origin.to_wgs84(np.asarray(enu, dtype=float))
        return np.stack([np.asarray(lon), np.asarray(lat), np.asarray(alt)], axis=-1)

    def when(self, t: float) -> datetime:
        return self.start + timedelta(seconds=float(t))


def ellipse_ring(center, axes, orientation: float, n: int = 48) -> np.ndarray:
    """ENU ring (n + 1, 2) [m] of an ellipse: semi-axes (major, minor) [m], major-axis azimuth [rad]
    clockwise from north; counter-clockwise, closed."""
    a, b = float(axes[0]), float(axes[1])
    th = np.linspace(0.0, 2 * np.pi, n + 1)
    u = np.array([np.sin(orientation), np.cos(orientation)])  # major axis
    v = np.array([u[1], -u[0]])  # minor axis, 90 degrees clockwise of it
    ring = np.asarray(center, dtype=float)[:2] + np.outer(a * np.cos(th), u) + np.outer(b * np.sin(th), v)
    if _signed_area(ring) < 0:
        ring = ring[::-1]
    return ring


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def read_run(db: str | Path, run_id: str) -> RunPicture:
    """Read one run's events and site; ExportError when the run or its scenario cannot be read."""
    with EventStore(db) as store:
        info = next((r for r in store.runs() if r.run_id == run_id), None)
        if info is None:
            raise ExportError(f"run {run_id!r} is not in {db}")
        text = store.scenario_text(run_id)
        events = list(store.events(run_id, _KINDS))
        end_s = store.db.execute("SELECT MAX(t) FROM events WHERE run_id = ?", (run_id,)).fetchone()[0] or 0.0
    try:
        defence = compile_scenario(parse(text, f"run {run_id}"), read_traffic=False).defence
    except ScenarioError as exc:
        raise ExportError("the run's stored scenario does not compile:\n" + "\n".join(exc.problems)) from None
    pic = RunPicture(run_id, info.scenario, defence.start.astimezone(UTC), float(end_s), defence)
    _tracks(pic, [e for e in events if e.kind == "tracks"])
    _ellipses(pic, events)
    _warnings(pic, events)
    _engagements(pic, events)
    for e in events:
        if e.kind in ("debris_impact", "fall_of_shot"):
            lon, lat, alt = pic.wgs84(e.payload.position).tolist()
            row = {
                "t": e.t,
                "lon": lon,
                "lat": lat,
                "alt": alt,
                **{k: v for k, v in e.payload.to_dict().items() if k != "position"},
            }
            (pic.debris if e.kind == "debris_impact" else pic.fall_of_shot).append(row)
    return pic


def _tracks(pic: RunPicture, events) -> None:
    if not events:
        return
    counts = np.array([len(e.payload.id) for e in events])
    t = np.repeat([e.t for e in events], counts)
    ids = np.concatenate([np.asarray(e.payload.id, dtype=int) for e in events])
    pos = np.concatenate([np.asarray(e.payload.position, dtype=float).reshape(-1, 3) for e in events])
    ident = np.concatenate([np.asarray(e.payload.identity, dtype=object) for e in events])
    klass = np.concatenate([np.asarray(e.payload.klass, dtype=object) for e in events])
    icao = np.concatenate([np.asarray(e.payload.icao24, dtype=object) for e in events])
    geo = pic.wgs84(pos)
    order = np.lexsort((t, ids))
    uniq, start = np.unique(ids[order], return_index=True)
    stops = np.r_[start[1:], order.size]
    for tid, a, b in zip(uniq.tolist(), start.tolist(), stops.tolist(), strict=True):  # one object per track
        k = order[a:b]
        changes = np.flatnonzero(np.r_[True, ident[k][1:] != ident[k][:-1]])
        known = [x for x in icao[k] if x]
        pic.tracks.append(
            TrackPath(
                tid,
                t[k],
                geo[k, 1],
                geo[k, 0],
                geo[k, 2],
                str(ident[k][-1]),
                str(klass[k][-1]),
                [(float(t[k][j]), str(ident[k][j])) for j in changes],
                known[-1] if known else None,
            )
        )


def _ellipses(pic: RunPicture, events) -> None:
    """Each track's latest impact ellipse (ballistic arcs' predictions, else the threat evaluation's)."""
    latest: dict[int, dict] = {}
    for e in events:
        p = e.payload
        if e.kind == "impact_prediction" and p.ellipse:
            latest[int(p.track)] = {
                "track": int(p.track),
                "t": e.t,
                "impact_time": p.impact_time,
                "center": p.impact_point,
                "axes": p.ellipse[:2],
                "orientation": p.ellipse[2],
                "zone": p.zone,
                "p_reach": p.p_reach,
                "source": "ballistic arc",
            }
        elif e.kind == "tracks":
            for i, tid in enumerate(p.id):
                el, imp = p.ellipse[i], p.impact_point[i]
                if el is None or imp is None or (int(tid) in latest and latest[int(tid)]["source"] == "ballistic arc"):
                    continue
                tti = p.time_to_impact_s[i]
                latest[int(tid)] = {
                    "track": int(tid),
                    "t": e.t,
                    "impact_time": e.t + tti if tti is not None else None,
                    "center": imp,
                    "axes": el[:2],
                    "orientation": el[2],
                    "zone": p.zone[i],
                    "p_reach": None,
                    "identity": p.identity[i],
                    "source": "threat evaluation",
                }
    for tid in sorted(latest):
        d = latest[tid]
        if not (np.isfinite(d["axes"]).all() and min(d["axes"]) > 0):
            continue
        ring = ellipse_ring(d["center"], d["axes"], d["orientation"])
        d["ring"] = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]
        pic.ellipses.append(d)


def _warnings(pic: RunPicture, events) -> None:
    zones = {z.name: z for z in pic.defence.zones}
    open_: dict[tuple[str, int], dict] = {}
    for e in events:
        p = e.payload
        if e.kind == "warning":
            w = {
                "zone": p.zone,
                "track": p.track,
                "t": e.t,
                "t_clear": None,
                "identity": p.identity,
                "warning_time_s": p.warning_time_s,
                "p_reach": p.p_reach,
                "clear_reason": None,
            }
            open_[(p.zone, p.track)] = w
            pic.warnings.append(w)
        elif e.kind == "all_clear":
            w = open_.pop((p.zone, p.track), None)
            if w is not None:
                w["t_clear"], w["clear_reason"] = e.t, p.reason
    for w in pic.warnings:
        z = zones.get(w["zone"])
        if z is not None:
            ring = np.asarray(shapely.get_exterior_ring(shapely.orient_polygons(z.geometry)).coords)
            w["ring"] = pic.wgs84(np.column_stack([ring, np.zeros(len(ring))]))[:, :2]


def _engagements(pic: RunPicture, events) -> None:
    guns = {g.name: g for g in pic.defence.guns}
    kills = {}
    for e in events:
        if e.kind == "kill_assessment":
            kills[int(e.payload.order)] = (bool(e.payload.destroyed), e.payload.reason)
    for e in events:
        if e.kind != "fire_order":
            continue
        p = e.payload
        g = guns.get(p.gun)
        if g is None:
            continue
        ends = pic.wgs84(np.array([g.position, p.intercept], dtype=float))
        destroyed, reason = kills.get(int(p.order), (None, None))
        pic.engagements.append(
            {
                "order": p.order,
                "gun": p.gun,
                "track": p.track,
                "t": e.t,
                "t_start": p.t_start,
                "t_end": p.t_end,
                "rounds": p.rounds,
                "pk": p.pk,
                "range_m": p.range_m,
                "destroyed": destroyed,
                "assessment": reason,
                "line": ends,
            }
        )


# ----------------------------------------------------------------------------------------------
# Writers


def _iso(pic: RunPicture, t: float | None) -> str | None:
    return None if t is None else pic.when(t).isoformat().replace("+00:00", "Z")


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
                time_start=_iso(pic, tr.t[0]),
                time_end=_iso(pic, tr.t[-1]),
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
                time=_iso(pic, el["t"]),
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
                    time=_iso(pic, w["t"]),
                    time_clear=_iso(pic, w["t_clear"]),
                    **props,
                )
            )
    for en in pic.engagements:
        props = {k: v for k, v in en.items() if k != "line"}
        feats.append(
            _feature(
                "LineString", en["line"].tolist(), layer="engagement", time_start=_iso(pic, en["t_start"]), **props
            )
        )
    for layer, rows in (("debris", pic.debris), ("fall_of_shot", pic.fall_of_shot)):
        for r in rows:
            props = {k: v for k, v in r.items() if k not in ("lon", "lat", "alt")}
            feats.append(
                _feature("Point", [r["lon"], r["lat"], r["alt"]], layer=layer, time=_iso(pic, r["t"]), **props)
            )
    return {
        "type": "FeatureCollection",
        "name": f"bastion run {pic.run_id}",
        "properties": {"run": pic.run_id, "scenario": pic.scenario, "start": _iso(pic, 0.0)},
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
        obj.timespan.begin = _iso(pic, t0)
        if t1 is not None:
            obj.timespan.end = _iso(pic, t1)

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
        trk.newwhen([_iso(pic, t) for t in tr.t.tolist()])
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
            pt.timestamp.when = _iso(pic, r["t"])
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
